# helpflow run --json: the start output, then one output line per event line; rejected events
# carry "error" and do not stop the loop; bad flows, flow ids and contexts exit 2.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cp "$HF_SOURCE_DIR/tests/data/pay.lua" "$T/tiny.lua"
cp "$HF_SOURCE_DIR/tests/data/other.lua" "$T/other.lua"

# --- a whole conversation, with rejected events in the middle ---------------------------------
cat >"$T/events" <<'EOF2'
{"type": "choose", "option": "nope"}
this is not json

{"type": "choose", "option": "pay"}
{"type": "input", "value": "500"}
{"type": "input", "value": "12.50"}
{"type": "result", "action": "a9", "ok": true}
{"type": "result", "action": "a1", "ok": true, "data": {"done": true}}
{"type": "choose", "option": "pay"}
EOF2
run_hf run --json --context '{"name": "Ada"}' "$T/tiny.lua" <"$T/events"
expect_code 0 "run --json conversation"
expect_lines 9
expect_json 1 status '"waiting"'
expect_json 1 flow '"pay"'
expect_json 1 version 2
expect_json 1 step '"menu"'
expect_json 1 kind '"choice"'
expect_json 1 text '"Hello Ada."'
expect_json 1 label '"Make a payment"'
# An unknown option is rejected, and says so in "error"; the session did not move.
expect_json 2 code '"unknown_option"'
expect_json 2 step '"menu"'
expect_json 3 code '"bad_json"'
# The blank line was ignored: line 4 answers the choice.
expect_json 4 step '"amount"'
expect_json 4 input '"money"'
expect_json 4 text '"How much?"'
! json_has "$(line 4 "$OUT")" error '{' || fail "line 4 carries an error"
# An invalid input is not a rejection: it is shown as an error component and asked again.
expect_json 5 type '"error"'
expect_json 5 text "\"That's over your limit.\""
expect_json 5 step '"amount"'
expect_json 6 status '"action"'
expect_json 6 id '"a1"'
expect_json 6 name '"payments.make"'
expect_json 6 amount 12.5
expect_json 7 code '"stale_action"'
expect_json 7 status '"action"'
expect_json 8 status '"resolved"'
expect_json 8 text '"All done."'
expect_json 9 code '"finished"'
[ ! -s "$ERR" ] || fail "run --json wrote to stderr"

# --- intents and escalation -------------------------------------------------------------------
printf '%s\n' '{"type": "intent", "name": "human"}' >"$T/events"
run_hf run --json "$T/tiny.lua" <"$T/events"
expect_code 0 "run --json to a human"
expect_lines 2
expect_json 1 text '"Hello there."'
expect_json 2 status '"escalated"'
expect_json 2 reason '"customer_requested"'

printf '%s\n' '{"type": "choose", "option": "pay"}' '{"type": "input", "value": "5"}' \
    '{"type": "result", "action": "a1", "ok": false, "error": "timeout"}' >"$T/events"
run_hf run --json "$T/tiny.lua" <"$T/events"
expect_code 0 "run --json with a failed action"
expect_json 4 status '"escalated"'
expect_json 4 reason '"not_resolved"'
expect_json 4 priority '"high"'

printf '%s\n' '{"type": "intent", "name": "cancel"}' >"$T/events"
run_hf run --json "$T/tiny.lua" <"$T/events"
expect_json 2 status '"cancelled"'

# --- which flow, which context ---------------------------------------------------------------
run_hf run --json --flow other "$T/tiny.lua" "$T/other.lua" </dev/null
expect_code 0 "run --json --flow other"
expect_lines 1
expect_json 1 status '"resolved"'
expect_json 1 text '"Other flow."'

run_hf run --json "$T/other.lua" "$T/tiny.lua" "$T/other.lua" </dev/null
expect_code 0 "run --json naming a file twice"
expect_json 1 flow '"other"'

# The start context comes from the fixtures beside the first flow, unless --context says.
echo '{"context": {"name": "Grace"}, "actions": {}}' >"$T/tiny.fixtures.json"
run_hf run --json "$T/tiny.lua" </dev/null
expect_json 1 text '"Hello Grace."'
run_hf run --json --context='{"name": "Alan"}' "$T/tiny.lua" </dev/null
expect_json 1 text '"Hello Alan."'
rm "$T/tiny.fixtures.json"

# --- bad input exits 2 with a message ---------------------------------------------------------
run_hf run --json --flow nowhere "$T/tiny.lua" </dev/null
expect_code 2 "run --json an unknown flow"
expect_err "nowhere"
[ ! -s "$OUT" ] || fail "an unknown flow printed an output"

for ctx in 'not json' '[1, 2]' '"text"' '{"name": '; do
    run_hf run --json --context "$ctx" "$T/tiny.lua" </dev/null
    expect_code 2 "run --json --context '$ctx'"
    expect_err "context"
    [ ! -s "$OUT" ] || fail "a bad context printed an output"
done

cat >"$T/broken.lua" <<'LUA'
return flow "broken" { start = "a", steps = { a = say { text = "A", go = "b" } } }
LUA
run_hf run --json "$T/broken.lua" </dev/null
expect_code 2 "run --json on a flow that fails its checks"
expect_err "broken.lua"

echo 'return flow "oops" {' >"$T/syntax.lua"
run_hf run --json "$T/tiny.lua" "$T/syntax.lua" </dev/null
expect_code 2 "run --json with a syntax error in a second file"
expect_err "syntax.lua"

# --- subflows load in any order ---------------------------------------------------------------
cat >"$T/outer.lua" <<'LUA'
return flow "outer" {
  start = "inner",
  steps = { inner = call { flow = "other", go = "done" }, done = resolved { text = "Outer done." } },
}
LUA
run_hf run --json "$T/outer.lua" "$T/other.lua" </dev/null
expect_code 0 "run --json with the caller first"
expect_json 1 flow '"outer"'
expect_json 1 status '"resolved"'

# --- each line is flushed as it is written ----------------------------------------------------
coproc HF { "$HF_BIN" run --json "$T/tiny.lua"; }
# bash unsets HF and HF_PID as soon as the coprocess ends: keep copies at once
hf_pid=$HF_PID
exec {hf_out}<&"${HF[0]}" {hf_in}>&"${HF[1]}"
IFS= read -r -t 10 first <&"$hf_out" || fail "no start line before any event was sent"
json_has "$first" step '"menu"' || fail "start line: $first"
echo '{"type": "choose", "option": "pay"}' >&"$hf_in"
IFS= read -r -t 10 second <&"$hf_out" || fail "no reply line while stdin stays open"
json_has "$second" step '"amount"' || fail "reply line: $second"
exec {hf_in}>&- {hf_out}<&-
if [ -n "${HF[1]:-}" ]; then eval "exec ${HF[1]}>&-"; fi
wait "$hf_pid" || fail "run --json did not exit 0 at end of input"
exit 0
