# helpflow route: the decision JSON, --explain, overflow, and exit 2 on bad input.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

R="$HF_SOURCE_DIR/flows/routing.lua"
cat >"$T/live.json" <<'JSON'
{"cards": {"agents": 13, "arrivals_per_hour": 200, "aht_s": 180},
 "payments": {"agents": 14, "arrivals_per_hour": 200, "aht_s": 180},
 "fraud": {"agents": 11, "arrivals_per_hour": 200, "aht_s": 180, "open": false},
 "general": {"agents": 110, "arrivals_per_hour": 1200, "aht_s": 300}}
JSON
cat >"$T/busy.json" <<'JSON'
{"cards": {"agents": 14, "arrivals_per_hour": 200, "aht_s": 180},
 "general": {"agents": 110, "arrivals_per_hour": 1200, "aht_s": 300}}
JSON
echo '{"reason": "not_resolved", "skills": ["cards"], "priority": "normal", "flags": []}' >"$T/cards.json"
echo '{"session": "s1", "flow": "dispute", "status": "escalated", "escalation": {"reason": "repeat_contact", "skills": ["payments"]}}' >"$T/output.json"

# cards misses its target (13 agents, 79.6% within 20 s): overflow to general
run_hf route --routing "$R" --queues "$T/live.json" "$T/cards.json"
expect_code 0 "route cards"
json_has "$(tr -d '\n\t ' <"$OUT")" queue '"general"' || fail "not routed to general"
expect_out '"from":	"cards"'
expect_out '"estimated_wait_s":	7.11'
expect_out '"service_level":	0.8783'
expect_out '"explain"'

# 14 agents meet it: no overflow, the reference figures
run_hf route --routing "$R" --queues "$T/busy.json" "$T/cards.json"
expect_code 0 "route cards, 14 agents"
expect_out '"queue":	"cards"'
expect_out '"estimated_wait_s":	7.84'
expect_out '"service_level":	0.8884'
expect_out '"overflow":	null'

# --explain: the sentences alone, naming the rule and the figures
run_hf route --explain --routing "$R" --queues "$T/live.json" "$T/cards.json"
expect_code 0 "route --explain"
expect_out "Rule 5 'cards' (skills has cards) matched: queue cards, overflow to general."
expect_out "cards: 13 agents for 10.00 Erlangs"
expect_out "79.6% answered within 20 s against a target of 80%"
expect_out "Overflow: cards misses the service-level target"
expect_no_out '{'

# a whole session output from stdin; repeat contact raises the priority
run_hf route --routing="$R" --queues="$T/live.json" - <"$T/output.json"
expect_code 0 "route from stdin"
expect_out '"queue":	"payments"'
expect_out '"priority":	"high"'

# fewer agents than Erlangs: unbounded, no division by zero
echo '{"cards": {"agents": 9, "arrivals_per_hour": 200, "aht_s": 180}}' >"$T/under.json"
run_hf route --routing "$R" --queues "$T/under.json" "$T/cards.json"
expect_code 0 "route unbounded"
expect_out '"estimated_wait_s":	null'
expect_out '"unbounded":	true'

# nothing open fits: exit 1
echo '{"cards": {"open": false}, "general": {"open": false}}' >"$T/closed.json"
run_hf route --routing "$R" --queues "$T/closed.json" "$T/cards.json"
expect_code 1 "route with every queue closed"
expect_err "no open queue fits"

# --help
run_hf route --help
expect_code 0 "route --help"
expect_out "usage: helpflow route"
run_hf --help
expect_out "route --routing FILE"

# bad usage and bad input: exit 2 with a message
run_hf route
expect_code 2 "route without arguments"
expect_err "needs --routing FILE"
run_hf route --routing "$R" --queues "$T/live.json" --bogus "$T/cards.json"
expect_code 2 "route with an unknown option"
expect_err "unknown option '--bogus'"
run_hf route --routing "$R" --queues
expect_code 2 "route --queues without a file"
run_hf route --routing "$T/nope.lua" --queues "$T/live.json" "$T/cards.json"
expect_code 2 "route with a missing config"
expect_err "nope.lua"
run_hf route --routing "$R" --queues "$T/nope.json" "$T/cards.json"
expect_code 2 "route with missing live state"
expect_err "nope.json"
run_hf route --routing "$R" --queues "$T/live.json" "$T/nope.json"
expect_code 2 "route with a missing escalation"
echo '{"cards": {"agents": 13,' >"$T/badlive.json"
run_hf route --routing "$R" --queues "$T/badlive.json" "$T/cards.json"
expect_code 2 "route with bad live JSON"
expect_err "live state: not valid JSON"
echo '{"reason": }' >"$T/badesc.json"
run_hf route --routing "$R" --queues "$T/live.json" "$T/badesc.json"
expect_code 2 "route with a bad escalation"
expect_err "escalation: not valid JSON"
echo '{"cardz": {"agents": 1, "arrivals_per_hour": 1, "aht_s": 1}}' >"$T/unknown.json"
run_hf route --routing "$R" --queues "$T/unknown.json" "$T/cards.json"
expect_code 2 "route with an unknown queue"
expect_err "'cardz' is not a queue"
cat >"$T/bad.lua" <<'LUA'
return routing {
  queues = { cards = { skills = { "cards" } } },
  rules = { { when = { skills = "cards" }, queue = "cards", overflow = { "general" } },
            { queue = "cards" } },
}
LUA
run_hf route --routing "$T/bad.lua" --queues "$T/live.json" "$T/cards.json"
expect_code 2 "route with a bad config"
expect_err "bad.lua: rule 1: overflow queue 'general' is not one of the queues"

# check skips the routing config in flows/
run_hf check "$HF_SOURCE_DIR/flows"
expect_code 0 "check flows/"
exit 0
