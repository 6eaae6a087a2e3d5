# The reference flow library passes its own conversation tests (flows/*.test.lua), and those
# tests reach every step and every transition of every flow.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

run_hf test "$HF_SOURCE_DIR/flows"
expect_code 0 "helpflow test flows/"
expect_no_out "FAIL"
tail -n 1 "$OUT" | grep -qE '^[1-9][0-9]* passed, 0 failed$' || fail "no passing summary line"

run_hf test --coverage --min-coverage 100 "$HF_SOURCE_DIR/flows"
expect_code 0 "helpflow test --coverage --min-coverage 100 flows/"
expect_no_out "not entered:"
expect_no_out "not taken:"
grep -qE '^total: steps ([0-9]+)/\1 \(100%\), transitions ([0-9]+)/\2 \(100%\)$' "$OUT" \
    || fail "coverage is not 100%"
exit 0
