# lib.sh — helpers shared by the shell tests of the helpflow command (sourced, not run).
# Each test gets: $HF_BIN (the command), $HF_SOURCE_DIR (the repo), $T (a temp dir removed at
# exit), and after `run_hf`: $OUT, $ERR (files holding stdout and stderr) and $CODE.

set -euo pipefail

: "${HF_BIN:?HF_BIN must name the helpflow binary}"
: "${HF_SOURCE_DIR:?HF_SOURCE_DIR must name the source tree}"

T=$(mktemp -d "${TMPDIR:-/tmp}/hf_cli_test.XXXXXX")
trap 'rm -rf "$T"' EXIT
OUT="$T/stdout"
ERR="$T/stderr"
CODE=0
FAILS=0

fail() {
    echo "FAIL: $*" >&2
    if [ -s "$OUT" ]; then echo "--- stdout:" >&2; cat "$OUT" >&2; fi
    if [ -s "$ERR" ]; then echo "--- stderr:" >&2; cat "$ERR" >&2; fi
    exit 1
}

# run_hf [ARGS...] < input: runs the command, never fails itself; sets $CODE.
run_hf() {
    CODE=0
    "$HF_BIN" "$@" >"$OUT" 2>"$ERR" || CODE=$?
}

expect_code() {
    [ "$CODE" -eq "$1" ] || fail "${2:-command}: exit $CODE, expected $1"
}

# expect_out TEXT / expect_err TEXT: that fixed text appears in stdout / stderr.
expect_out() { grep -qF -- "$1" "$OUT" || fail "stdout lacks: $1"; }
expect_err() { grep -qF -- "$1" "$ERR" || fail "stderr lacks: $1"; }
expect_no_out() { ! grep -qF -- "$1" "$OUT" || fail "stdout should not hold: $1"; }

# line N FILE: the N-th line of FILE.
line() { sed -n "${1}p" "$2"; }

# json_has TEXT KEY VALUE: TEXT has "KEY": VALUE (VALUE is JSON: "a string", 12, true...).
json_has() {
    local re
    re=$(printf '"%s"[[:space:]]*:[[:space:]]*%s' "$2" "$(printf '%s' "$3" | sed 's/[][\.*^$/{}()+?|]/\\&/g')")
    printf '%s' "$1" | grep -qE -- "$re"
}

# expect_json N KEY VALUE: output line N has "KEY": VALUE.
expect_json() {
    json_has "$(line "$1" "$OUT")" "$2" "$3" || fail "output line $1 lacks \"$2\": $3"
}

expect_lines() {
    local n
    n=$(wc -l <"$OUT")
    [ "$n" -eq "$1" ] || fail "stdout has $n lines, expected $1"
}
