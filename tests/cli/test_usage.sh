# The helpflow command's usage: --help everywhere, bad usage exits 2 with a message on stderr.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cat >"$T/ok.lua" <<'LUA'
return flow "ok" { start = "done", steps = { done = resolved { text = "Done." } } }
LUA

run_hf </dev/null
expect_code 2 "no command"
expect_err "usage: helpflow"

for h in --help -h help; do
    run_hf "$h"
    expect_code 0 "helpflow $h"
    expect_out "usage: helpflow"
    expect_out "run"
    expect_out "check"
    [ ! -s "$ERR" ] || fail "helpflow $h wrote to stderr"
done

run_hf --version
expect_code 0 "--version"
grep -qE '^[0-9]+\.[0-9]+\.[0-9]+' "$OUT" || fail "--version prints no version"

for cmd in run check; do
    run_hf "$cmd" --help
    expect_code 0 "$cmd --help"
    expect_out "usage: helpflow $cmd"
    run_hf help "$cmd"
    expect_code 0 "help $cmd"
    expect_out "usage: helpflow $cmd"
    run_hf "$cmd" "$T/ok.lua" --help
    expect_code 0 "$cmd FILE --help"
    expect_out "usage: helpflow $cmd"
    run_hf "$cmd" --bogus "$T/ok.lua"
    expect_code 2 "$cmd --bogus"
    expect_err "unknown option '--bogus'"
    run_hf "$cmd" </dev/null
    expect_code 2 "$cmd with no files"
done

run_hf frobnicate
expect_code 2 "unknown command"
expect_err "unknown command 'frobnicate'"
run_hf --frobnicate
expect_code 2 "unknown top-level option"
expect_err "unknown option '--frobnicate'"
run_hf help frobnicate
expect_code 2 "help for an unknown command"

# run's snapshot options are documented (tests/cli/test_snapshot.sh checks what they do).
run_hf run --help
for opt in --save --restore --key --log; do
    expect_out "$opt"
done
for cmd in snapshot replay; do
    run_hf help "$cmd"
    expect_code 0 "help $cmd"
    expect_out "usage: helpflow $cmd"
done

for opt in --flow --context --save --restore --key --log; do
    run_hf run "$T/ok.lua" "$opt"
    expect_code 2 "run $opt without a value"
    expect_err "needs a value"
done

run_hf run --json "$T/missing.lua" </dev/null
expect_code 2 "run on a missing file"
expect_err "missing.lua"

run_hf check "$T/missing.lua"
expect_code 2 "check on a missing file"
expect_err "missing.lua"

# "--" ends the options: a file may be named like one.
cp "$T/ok.lua" "$T/--odd.lua"
(cd "$T" && "$HF_BIN" check -- --odd.lua >"$OUT" 2>"$ERR") || fail "check -- --odd.lua"
expect_out "ok: 1 flows"
exit 0
