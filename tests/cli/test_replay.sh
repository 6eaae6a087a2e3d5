# helpflow replay: a session rebuilt from its event log (JSON, or a snapshot carrying one) shows
# each step; --claim compares a claimed final output or outcome record with the replayed one
# (MATCH exit 0, MISMATCH with the first differing member exit 1); a log the flow rejects, or
# any bad input, exits 2 and names what is wrong.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cp "$HF_SOURCE_DIR/tests/data/pay.lua" "$T/pay.lua"
cp "$HF_SOURCE_DIR/tests/data/other.lua" "$T/other.lua"
CTX='{"name": "Ada", "locale": "en-GB", "at": 1717243200}'

# A conversation with a rejected event (not logged) and an invalid input (logged: it changed the
# session), that escalates.
cat >"$T/events" <<'EOF2'
{"type": "choose", "option": "nope"}
{"type": "choose", "option": "pay"}
{"type": "input", "value": "500", "at": 1717243230}
{"type": "input", "value": "12.50"}
{"type": "result", "action": "a1", "ok": true, "data": {"done": false}}
EOF2
run_hf run --json --context "$CTX" --log "$T/s.log" --save "$T/s.snap" "$T/pay.lua" <"$T/events"
expect_code 0 "run --log"
expect_lines 6
grep -v '"error":{"code"' "$OUT" >"$T/accepted"
tail -n 1 "$OUT" >"$T/final.json"
grep -qF '"reason":"not_resolved"' "$T/final.json" || fail "the run did not escalate"

# --- the steps -------------------------------------------------------------------------------
run_hf replay "$T/s.log" "$T/pay.lua"
expect_code 0 "replay"
expect_out "start"
expect_out "-> waiting at menu, for a choice"
expect_out "Hello Ada."
expect_out 'choices: pay "Make a payment", bye "Nothing"'
expect_out "event 0: choose pay"
expect_out "-> waiting at amount, for an input (money)"
expect_out 'event 1: input "500" at 2024-06-01T12:00:30Z (1717243230)'
expect_out "! That's over your limit."
expect_out 'event 2: input "12.50"'
expect_out '-> action at pay: action a1 payments.make {"amount":12.5}'
expect_out 'event 3: result a1 ok {"done":false}'
expect_out "-> escalated at agent: reason not_resolved, skills payments, priority high"
expect_no_out "nope"
expect_no_out "event 4"
[ "$(tail -n 1 "$OUT")" = "replayed 4 events of pay version 2: escalated at agent: reason not_resolved, skills payments, priority high" ] ||
    fail "last line: $(tail -n 1 "$OUT")"
cp "$OUT" "$T/steps"

# long values are cut short in the steps (and only there), near and far over the limit
long79=$(printf 'x%.0s' $(seq 79))
long200=$(printf 'y%.0s' $(seq 200))
printf '%s\n' "{\"flow\": \"pay\", \"version\": 2, \"context\": $CTX, \"events\": [{\"type\": \"choose\", \"option\": \"pay\"}, {\"type\": \"input\", \"value\": \"$long79\"}, {\"type\": \"input\", \"value\": \"$long200\"}]}" >"$T/long.log"
run_hf replay "$T/long.log" "$T/pay.lua"
expect_code 0 "replay with long inputs"
expect_out "event 1: input \"$long79\""
expect_out "event 2: input \"$(printf 'y%.0s' $(seq 79))..."
expect_no_out "$long200"

# a snapshot carrying the log replays the same
run_hf replay "$T/s.snap" "$T/pay.lua"
expect_code 0 "replay a snapshot"
cmp -s "$OUT" "$T/steps" || fail "the snapshot's replay differs from the log's"

# --json: the outputs, as run --json printed the accepted events'
run_hf replay "$T/s.log" --json "$T/other.lua" "$T/pay.lua"
expect_code 0 "replay --json"
cmp -s "$OUT" "$T/accepted" || fail "replay --json differs from the run's accepted lines"

run_hf replay "$T/s.log" --quiet "$T/pay.lua"
expect_code 0 "replay --quiet"
expect_lines 1
expect_out "replayed 4 events"

# --- claims -----------------------------------------------------------------------------------
run_hf replay "$T/s.log" --claim "$T/final.json" --quiet "$T/pay.lua"
expect_code 0 "the true claim"
expect_lines 2
[ "$(line 2 "$OUT")" = "MATCH: the claimed output is the replayed one" ] || fail "verdict: $(line 2 "$OUT")"

# member order and white space do not matter: the claim is compared canonically
sed -e 's/^{"session":\("[^"]*"\),\(.*\)}$/{\2,  "session":\1}/' -e 's/,"/, "/g' "$T/final.json" >"$T/reordered.json"
cmp -s "$T/reordered.json" "$T/final.json" && fail "the reordered claim is the same bytes"
run_hf replay "$T/s.log" --claim "$T/reordered.json" --quiet "$T/pay.lua"
expect_code 0 "a reordered claim"
expect_out "MATCH"

sed 's/"reason":"not_resolved"/"reason":"customer_requested"/' "$T/final.json" >"$T/lie.json"
run_hf replay "$T/s.log" --claim "$T/lie.json" "$T/pay.lua"
expect_code 1 "a tampered claim"
expect_out 'MISMATCH: escalation.reason: claimed "customer_requested", replayed "not_resolved"'
sed 's/"priority":"high"/"priority":"urgent"/' "$T/final.json" >"$T/lie.json"
run_hf replay "$T/s.log" --claim "$T/lie.json" --quiet "$T/pay.lua"
expect_code 1 "a claim with another priority"
expect_out 'MISMATCH: escalation.priority: claimed "urgent", replayed "high"'
sed 's/"skills":\["payments"\]/"skills":["payments","fraud"]/' "$T/final.json" >"$T/lie.json"
run_hf replay "$T/s.log" --claim "$T/lie.json" --quiet "$T/pay.lua"
expect_code 1 "a claim with a skill more"
expect_out 'MISMATCH: escalation.skills.1: claimed "fraud", replayed (absent)'
sed 's/,"priority":"high"//' "$T/final.json" >"$T/lie.json"
run_hf replay "$T/s.log" --claim "$T/lie.json" --quiet "$T/pay.lua"
expect_code 1 "a claim without a member"
expect_out 'MISMATCH: escalation.priority: claimed (absent), replayed "high"'
# an earlier output is not the final one
sed -n 4p "$T/accepted" >"$T/early.json"
run_hf replay "$T/s.log" --claim "$T/early.json" --quiet "$T/pay.lua"
expect_code 1 "a claim of an earlier output"
expect_out 'MISMATCH: action: claimed {"args":{"amount":12.5},"id":"a1","name":"payments.make"}, replayed (absent)'
# --json: the verdict goes to stderr, stdout keeps only outputs
run_hf replay "$T/s.log" --claim "$T/lie.json" --json "$T/pay.lua"
expect_code 1 "replay --json with a false claim"
expect_err "MISMATCH"
cmp -s "$OUT" "$T/accepted" || fail "replay --json --claim changed stdout"

# outcome records
cat >"$T/outcome.json" <<'EOF2'
{"session": "s_x", "flow": "pay", "version": 2, "outcome": "resolved", "step": "done"}
EOF2
run_hf replay "$T/s.log" --claim "$T/outcome.json" --quiet "$T/pay.lua"
expect_code 1 "a false outcome record"
expect_out "MISMATCH: duration: claimed (absent)"
SID=$(sed 's/^{"session":"\([^"]*\)".*/\1/' "$T/final.json")
printf '{"session":"%s","flow":"pay","version":2,"outcome":"escalated","reason":"not_resolved","step":"agent","steps":4,"trail":["menu","amount","pay","agent"],"started_at":1717243200,"finished_at":1717243230,"duration":30}\n' \
    "$SID" >"$T/outcome.json"
run_hf replay "$T/s.log" --claim "$T/outcome.json" --quiet "$T/pay.lua"
expect_code 0 "the true outcome record"
expect_out "MATCH: the claimed outcome record is the replayed one"
# a session that has not ended has no outcome record
head -n 2 "$T/events" >"$T/first"
run_hf run --json --context "$CTX" --log "$T/open.log" "$T/pay.lua" <"$T/first"
run_hf replay "$T/open.log" --claim "$T/outcome.json" --quiet "$T/pay.lua"
expect_code 1 "an outcome claimed for a session still running"
expect_out "has not finished"

# --- logs that do not fit exit 2, naming the event --------------------------------------------
sed 's/"option":"pay"/"option":"refund"/' "$T/s.log" >"$T/tampered.log"
run_hf replay "$T/tampered.log" "$T/pay.lua"
expect_code 2 "a log with an option the flow does not have"
expect_err "event 0 was rejected"
expect_err "refund"
expect_err "does not belong to pay version 2"
expect_out "event 0: choose refund"
expect_out "-> REJECTED"
sed 's/"action":"a1"/"action":"a7"/' "$T/s.log" >"$T/tampered.log"
run_hf replay "$T/tampered.log" --claim "$T/final.json" "$T/pay.lua"
expect_code 2 "a log with a stale action id"
expect_err "event 3 was rejected"
expect_out "event 2: input"
expect_out "event 3: result a7"
expect_no_out "MATCH"
run_hf replay "$T/tampered.log" --quiet "$T/pay.lua"
expect_code 2 "a tampered log, quietly"
[ ! -s "$OUT" ] || fail "replay --quiet printed steps of a rejected log"

bad_log() { # TEXT WHAT MESSAGE
    printf '%s\n' "$1" >"$T/bad.log"
    run_hf replay "$T/bad.log" "$T/pay.lua"
    expect_code 2 "a log $2"
    expect_err "bad.log"
    expect_err "$3"
}
bad_log 'not json' "that is not JSON" "not an event log"
bad_log '[1, 2]' "that is an array" "not a JSON object"
bad_log '{"version": 2, "context": {}, "events": []}' "without a flow" '"flow"'
bad_log '{"flow": "pay", "version": 2.5, "context": {}, "events": []}' "with a bad version" '"version"'
bad_log '{"flow": "pay", "version": 2, "context": [], "events": []}' "with a bad context" '"context"'
bad_log '{"flow": "pay", "version": 2, "context": {}, "events": {}}' "with bad events" '"events"'
bad_log '{"flow": "pay", "version": 2, "context": {}, "events": []} trailing' "with trailing text" "not an event log"
bad_log '{"flow": "pay", "version": 3, "context": {}, "events": []}' "of a version not loaded" "version 3"
bad_log '{"flow": "nope", "version": 1, "context": {}, "events": []}' "of a flow not loaded" "nope"
bad_log '{"flow": "pay", "version": 2, "context": {}, "events": [{"type": "choose", "option": "bye"}, {"type": "tick"}]}' \
    "with an event after the end" "event 1 was rejected"
# an empty event list is a log: the start alone
printf '%s\n' "{\"flow\": \"pay\", \"version\": 2, \"context\": $CTX, \"events\": []}" >"$T/start.log"
run_hf replay "$T/start.log" "$T/pay.lua"
expect_code 0 "a log with no events"
expect_out "replayed 0 events of pay version 2: waiting at menu, for a choice"

# snapshots: without a log, bad, keyed
run_hf run --json --context "$CTX" --save "$T/nolog.snap" "$T/pay.lua" </dev/null
run_hf replay "$T/nolog.snap" "$T/pay.lua"
expect_code 2 "a snapshot without a log"
expect_err "carries no event log"
head -c 20 "$T/s.snap" >"$T/cut.snap"
run_hf replay "$T/cut.snap" "$T/pay.lua"
expect_code 2 "a truncated snapshot"
expect_err "not a valid snapshot"
run_hf snapshot keygen -o "$T/k"
run_hf run --json --context "$CTX" --key "$T/k" --log "$T/k.log" --save "$T/k.snap" "$T/pay.lua" <"$T/events"
run_hf replay "$T/k.snap" "$T/pay.lua"
expect_code 2 "a keyed snapshot without the key"
expect_err "--key"
run_hf replay "$T/k.snap" --key "$T/k" --claim "$T/final.json" --quiet "$T/pay.lua"
expect_code 0 "a keyed snapshot with its key"
expect_out "MATCH"

# claims that are not claims
printf 'nope\n' >"$T/bad.json"
run_hf replay "$T/s.log" --claim "$T/bad.json" "$T/pay.lua"
expect_code 2 "a claim that is not JSON"
expect_err "bad.json"
printf '{"flow": "pay"}\n' >"$T/bad.json"
run_hf replay "$T/s.log" --claim "$T/bad.json" "$T/pay.lua"
expect_code 2 "a claim that is neither an output nor an outcome"
expect_err "not a session's output"
run_hf replay "$T/s.log" --claim "$T/missing.json" "$T/pay.lua"
expect_code 2 "a missing claim"
expect_err "missing.json"

# --- usage -------------------------------------------------------------------------------------
run_hf replay "$T/missing.log" "$T/pay.lua"
expect_code 2 "a missing log"
expect_err "missing.log"
run_hf replay "$T/s.log"
expect_code 2 "no flow files"
expect_err "no flow files"
run_hf replay
expect_code 2 "no arguments"
run_hf replay "$T/s.log" --quiet --json "$T/pay.lua"
expect_code 2 "--quiet with --json"
run_hf replay "$T/s.log" --bogus "$T/pay.lua"
expect_code 2 "replay --bogus"
expect_err "unknown option '--bogus'"
run_hf replay "$T/s.log" "$T/pay.lua" --claim
expect_code 2 "--claim without a value"
expect_err "needs a value"
run_hf replay --help
expect_code 0 "replay --help"
expect_out "usage: helpflow replay LOG"
expect_out "MISMATCH"
exit 0
