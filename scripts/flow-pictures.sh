#!/usr/bin/env bash
# flow-pictures.sh — redraws the pictures of flows/README.md from the flows themselves, so that
# they never go stale. Each ```mermaid block that follows a line
#     <!-- picture: FLOW_ID -->
# is replaced by what `helpflow graph --format mermaid --flow FLOW_ID DIR/*.lua` draws now, DIR
# being the README's directory; everything else is copied as it is.
#
#   scripts/flow-pictures.sh                  rewrites flows/README.md in place
#   scripts/flow-pictures.sh -o FILE          writes the result to FILE instead ('-': stdout)
#   scripts/flow-pictures.sh [-o FILE] README another README (and the flows beside it)
#
# The command run is $HF_BIN if set, else build/helpflow. tests/cli/test_flow_pictures.sh runs
# this with -o and fails when the result differs from flows/README.md.
# Exit status: 0 done; 2 bad usage, no helpflow, a marker with no ```mermaid block after it, or
# a flow that cannot be drawn (helpflow's message says why); then nothing is written.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${HF_BIN:-$root/build/helpflow}
out=""
readme=""

die() {
    echo "flow-pictures: $*" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
    -o) [ $# -ge 2 ] || die "-o needs a file"; out=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option '$1'; try --help" ;;
    *) [ -z "$readme" ] || die "one README at a time"; readme=$1; shift ;;
    esac
done
readme=${readme:-$root/flows/README.md}
out=${out:-$readme}
[ -f "$readme" ] || die "$readme: no such file"
[ -x "$bin" ] || die "no helpflow at $bin: build it, or set HF_BIN"
dir=$(dirname "$readme")

tmp=$(mktemp "${TMPDIR:-/tmp}/flow-pictures.XXXXXX")
trap 'rm -f "$tmp"' EXIT

# The flow files of dir, as `helpflow graph` takes them: every *.lua (it passes over
# routing.lua, actions.lua and conversation tests itself).
shopt -s nullglob
flows=("$dir"/*.lua)
[ ${#flows[@]} -gt 0 ] || die "no flows (*.lua) beside $readme"

state=text   # text: copying; open: a marker was seen, its block must open; old: skipping it
n=0
id=""
pictures=0
while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    case $state in
    text)
        printf '%s\n' "$line" >>"$tmp"
        if [[ $line =~ ^\<!--\ picture:\ ([A-Za-z0-9_.:-]+)\ --\>$ ]]; then
            id=${BASH_REMATCH[1]}
            state=open
        fi
        ;;
    open)
        [ "$line" = '```mermaid' ] ||
            die "$readme:$n: the picture of '$id' must follow its marker as a \`\`\`mermaid block"
        printf '%s\n' "$line" >>"$tmp"
        "$bin" graph --format mermaid --flow "$id" "${flows[@]}" >>"$tmp" ||
            die "$readme:$n: cannot draw flow '$id'"
        pictures=$((pictures + 1))
        state=old
        ;;
    old)
        if [ "$line" = '```' ]; then
            printf '%s\n' "$line" >>"$tmp"
            state=text
        fi
        ;;
    esac
done <"$readme"
[ "$state" = text ] || die "$readme: the picture of '$id' is not closed with \`\`\`"

if [ "$out" = - ]; then
    cat "$tmp"
else
    cat "$tmp" >"$out.tmp.$$" && mv "$out.tmp.$$" "$out" || die "cannot write $out"
    echo "flow-pictures: $pictures pictures in $out" >&2
fi
