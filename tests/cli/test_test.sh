# helpflow test: conversation tests pass and fail with readable reports, every event kind and
# expectation works, malformed test files exit 2 naming the file and the key, coverage counts
# exactly, --min-coverage fails the run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# run_bounded ARGS...: run_hf, but a hang is a failure of this test rather than of ctest's clock.
run_bounded() {
    CODE=0
    timeout 60 "$HF_BIN" "$@" >"$OUT" 2>"$ERR" || CODE=$?
    [ "$CODE" -ne 124 ] || fail "helpflow $* did not finish within 60 s"
}

# expect_last TEXT: the last line of stdout is exactly TEXT.
expect_last() {
    local last
    last=$(tail -n 1 "$OUT")
    [ "$last" = "$1" ] || fail "last line is '$last', expected '$1'"
}

# expect_after HEADER TEXT: TEXT appears in the report that follows the line HEADER (up to the
# next PASS/FAIL line).
expect_after() {
    awk -v h="$1" '$0 == h { on = 1; next } on && /^(PASS|FAIL) / { exit } on { print }' "$OUT" \
        | grep -qF -- "$2" || fail "the report under '$1' lacks: $2"
}

D="$T/flows"
mkdir "$D"

# --- flows built for the tests ------------------------------------------------------------------
cat >"$D/kinds.lua" <<'LUA'
return flow "kinds" {
  start = "fetch",
  steps = {
    fetch = action { call = "acct.get", args = function(ctx) return { id = ctx.id } end,
                     save = "acct", go = "menu", on_error = "failed" },
    menu = say { text = "What now?", choices = {
        { id = "pay", label = "Pay", go = "amount" },
        { id = "verify", label = "Verify", go = "wait_id" },
        { id = "crash", label = "Crash", go = "boom" } } },
    amount = ask { text = "How much?", input = "money",
                   validate = function(v)
                     if v > 100 then return false, "That is too much." end
                     return true
                   end,
                   save = "amount", go = "pay_it" },
    pay_it = action { call = "acct.pay", args = function(ctx) return { id = ctx.id, amount = ctx.amount } end,
                      go = "paid" },
    paid = resolved { text = "Paid." },
    wait_id = wait { text = "Verify in the app.", event = "id.verified", timeout = 600,
                     save = "ver", go = "verified", on_timeout = "timed_out" },
    verified = resolved { text = function(ctx) return "Verified as " .. ctx.ver.name .. "." end },
    timed_out = escalate { reason = "verify_timeout", text = "That took too long." },
    boom = decide { next = { { when = function(ctx) return ctx.nope.x end, go = "paid" },
                             { go = "paid" } } },
    failed = escalate { reason = "acct_unavailable", skills = { "accounts" }, priority = "high" },
  },
}
LUA

cat >"$D/kinds.test.lua" <<'LUA'
return {
  context = { id = "u1" },
  actions = {
    ["acct.get"] = { ok = true, data = { name = "Ann" } },
    ["acct.pay"] = { ok = true },
  },
  tests = {
    { name = "choose and a money input as text", steps = {
        { expect = { step = "menu", status = "waiting", text = "What now?",
                     choices = { "pay", "verify", "crash" } } },
        { choose = "pay", expect = { step = "amount", input = "money", text = { "How much?" } } },
        { input = "500", expect = { says = "too much", step = "amount", status = "waiting" } },
        { input = "£12.50", expect = { status = "action", action = "acct.pay",
                                       args = { amount = 12.5 } } },
        { result = { ok = true }, expect = { status = "resolved", step = "paid", text = "Paid." } },
    } },
    { name = "an input as a number", steps = { { choose = "pay" }, { input = 12 } },
      outcome = { status = "resolved", step = "paid" } },
    { name = "a host event with data", steps = {
        { choose = "verify", expect = { status = "waiting", step = "wait_id" } },
        { event = "id.verified", data = { name = "Bob" }, after = 599,
          expect = { status = "resolved", text = "Verified as Bob." } },
    } },
    { name = "a tick at the timeout", steps = {
        { choose = "verify" },
        { tick = 599, expect = { status = "waiting", step = "wait_id", text = {} } },
        { tick = 1, expect = { status = "escalated", reason = "verify_timeout",
                               text = "That took too long." } },
    } },
    { name = "after moves time: the event comes too late", steps = {
        { choose = "verify" },
        { event = "id.verified", data = { name = "Bob" }, after = 601,
          expect = { status = "escalated", reason = "verify_timeout" } },
    } },
    { name = "a late tick abandons", steps = { { tick = 1801, expect = { status = "abandoned" } } } },
    { name = "intents", steps = { { intent = "human" } },
      outcome = { status = "escalated", reason = "customer_requested" } },
    { name = "cancel", steps = { { intent = "cancel", expect = { status = "cancelled" } } } },
    { name = "an explicit failed result", steps = {
        { result = { ok = false, error = "timeout" },
          expect = { status = "escalated", reason = "acct_unavailable",
                     escalation = { skills = { "accounts" }, priority = "high",
                                    path = { { step = "fetch", error = "timeout" }, { step = "failed" } } } } },
    } },
    { name = "rejections", steps = {
        { raw = '{"type":"choose"', expect = { error = "bad_json", step = "menu" } },
        { raw = '{"type":"choose","option":"zzz"}', expect = { error = "unknown_option" } },
        { choose = "zzz", expect = { error = "unknown_option", choices = { "pay", "verify", "crash" } } },
        { intent = "nope", expect = { error = "unknown_intent" } },
        { result = { ok = true }, expect = { error = "unexpected" } },
        { choose = "pay", expect = { step = "amount" } },
    } },
    { name = "a raw result meets the pending action", steps = {
        { raw = '{"type":"result","action":"a9","ok":true}', expect = { error = "stale_action", status = "action" } },
        { raw = '{"type":"result","action":"a1","ok":true,"data":{"name":"Cy"},"at":1767225700}',
          expect = { step = "menu" } },
        { tick = 1799, expect = { status = "waiting" } },
        { tick = 1, expect = { status = "abandoned" } },
    } },
    { name = "an expected flow error", steps = { { choose = "crash", expect = { reason = "flow_error" } } } },
    { name = "after the end", steps = {
        { intent = "cancel" },
        { choose = "pay", expect = { error = "finished", status = "cancelled" } },
    } },
  },
}
LUA

run_hf test "$D"
expect_code 0 "a passing directory"
for n in "choose and a money input as text" "an input as a number" "a host event with data" \
         "a tick at the timeout" "after moves time: the event comes too late" \
         "a late tick abandons" "intents" "cancel" "an explicit failed result" "rejections" \
         "a raw result meets the pending action" "an expected flow error" "after the end"; do
    expect_out "PASS kinds: $n"
done
expect_last "13 passed, 0 failed"
expect_no_out "FAIL"

# A flow file given alone runs the test file beside it; a test file given alone loads its flow.
run_hf test "$D/kinds.lua"
expect_code 0 "a flow file"
expect_last "13 passed, 0 failed"
run_hf test "$D/kinds.test.lua"
expect_code 0 "a test file"
expect_last "13 passed, 0 failed"

# --- failures: what was expected against what the customer saw ----------------------------------
F="$T/failing"
mkdir "$F"
cp "$D/kinds.lua" "$F/"
cat >"$F/kinds.test.lua" <<'LUA'
return {
  context = { id = "u1" },
  actions = { ["acct.get"] = { ok = true, data = { name = "Ann" } } },
  tests = {
    { name = "wrong text", steps = {
        { expect = { text = "What next?", choices = { "pay", "verify" } } },
    } },
    { name = "wrong status after a choice", steps = {
        { choose = "pay" },
        { input = "5", expect = { status = "resolved" } },
    } },
    { name = "missing fixture", steps = { { choose = "pay" }, { input = "5" } },
      outcome = { status = "resolved" } },
    { name = "unexpected rejection", steps = { { choose = "payy" } } },
    { name = "wrong rejection code", steps = { { choose = "payy", expect = { error = "bad_event" } } } },
    { name = "rejection expected, accepted", steps = { { choose = "pay", expect = { error = "unknown_option" } } } },
    { name = "unexpected flow error", steps = { { choose = "crash" } } },
    { name = "wrong escalation", actions = { ["acct.get"] = { ok = false, error = "down" } },
      outcome = { reason = "acct_unavailable", escalation = { priority = "low", skills = { "cards" } } } },
    { name = "wrong args", steps = { { choose = "pay" },
        { input = "7", expect = { action = "acct.pay", args = { id = "u2", amount = 7 } } } } },
    { name = "wrong ui", steps = { { expect = { ui = { { type = "text", text = "What now?" } } } } } },
    { steps = { { expect = { step = "amount" } } } },
  },
}
LUA
run_hf test "$F"
expect_code 1 "failing tests"
expect_last "0 passed, 11 failed"

expect_out "FAIL kinds: wrong text"
expect_after "FAIL kinds: wrong text" "  at step 1 (the start):"
expect_after "FAIL kinds: wrong text" '    expected text: "What next?"'
expect_after "FAIL kinds: wrong text" '    expected choices: pay | verify'
expect_after "FAIL kinds: wrong text" "    the customer saw:"
expect_after "FAIL kinds: wrong text" '      text     "What now?"'
expect_after "FAIL kinds: wrong text" '      choices  pay "Pay" | verify "Verify" | crash "Crash"'
expect_after "FAIL kinds: wrong text" "      status   waiting (choice) at step 'menu'"

expect_after "FAIL kinds: wrong status after a choice" '  at step 2 (input "5"):'
expect_after "FAIL kinds: wrong status after a choice" "    expected status: resolved"
expect_after "FAIL kinds: wrong status after a choice" "      status   action at step 'pay_it'"
expect_after "FAIL kinds: wrong status after a choice" '      action   acct.pay {"amount":5,"id":"u1"}'

expect_after "FAIL kinds: missing fixture" "  at the end, answering action 'acct.pay' from the fixtures:"
expect_after "FAIL kinds: missing fixture" "    no fixture for action 'acct.pay'"

expect_after "FAIL kinds: unexpected rejection" '  at step 1 (choose "payy"):'
expect_after "FAIL kinds: unexpected rejection" '    the event was rejected: unknown_option: no option "payy" here'

expect_after "FAIL kinds: wrong rejection code" "    expected the event to be rejected with bad_event, not unknown_option"
expect_after "FAIL kinds: wrong rejection code" '      rejected unknown_option: no option "payy" here'

expect_after "FAIL kinds: rejection expected, accepted" "    expected the event to be rejected with unknown_option, but it was accepted"
expect_after "FAIL kinds: rejection expected, accepted" "      input    money"
expect_after "FAIL kinds: rejection expected, accepted" "      status   waiting (input money) at step 'amount'"

expect_after "FAIL kinds: unexpected flow error" "    the flow failed: the session escalated with flow_error"
expect_after "FAIL kinds: unexpected flow error" "      reason   flow_error"
expect_after "FAIL kinds: unexpected flow error" "attempt to index a nil value (field 'nope')"
expect_after "FAIL kinds: unexpected flow error" "      error    "

expect_after "FAIL kinds: wrong escalation" "  at the end (outcome):"
expect_after "FAIL kinds: wrong escalation" '    expected escalation.priority: "low", saw "high"'
expect_after "FAIL kinds: wrong escalation" '    expected escalation.skills: ["cards"], saw ["accounts"]'
expect_after "FAIL kinds: wrong escalation" '      reason   acct_unavailable, skills ["accounts"], priority high'

expect_after "FAIL kinds: wrong args" '    expected args.id: "u2", saw "u1"'
expect_after "FAIL kinds: wrong ui" '    expected ui: [{"text":"What now?","type":"text"}]'
expect_after "FAIL kinds: wrong ui" '         saw ui: [{"type":"text","text":"What now?"},'
# a test without a name is called by its number
expect_after "FAIL kinds: test 11" "    expected step: amount"

# An event too long for the report's line is cut short between characters, never inside one:
# the report stays UTF-8.
U="$T/utf8"
mkdir "$U"
cp "$D/kinds.lua" "$U/"
cat >"$U/kinds.test.lua" <<'LUA'
return {
  context = { id = "u1" },
  actions = { ["acct.get"] = { ok = true, data = { name = "Ann" } } },
  tests = {
    { name = "long choice", steps = { { choose = "x" .. ("é"):rep(40) } } },
    { name = "long raw", steps = { { raw = '{"type":"choose","option":"y' .. ("é"):rep(40) .. '"}' } } },
  },
}
LUA
run_hf test "$U"
expect_code 1 "long events"
expect_after "FAIL kinds: long choice" '  at step 1 (choose "xééééééééééééééééééééééééééé...):'
expect_after "FAIL kinds: long raw" '  at step 1 (raw {"type":"choose","option":"yéééééééééééééé...):'
iconv -f UTF-8 -t UTF-8 "$OUT" >/dev/null 2>&1 || fail "the report is not valid UTF-8"

# --- malformed test files: exit 2, the file and what is wrong -----------------------------------
M="$T/malformed"
mkdir "$M"
cp "$D/kinds.lua" "$M/"
# bad_file LUA MESSAGE...: kinds.test.lua holding LUA is refused with each MESSAGE on stderr.
bad_file() {
    local lua=$1
    shift
    printf '%s\n' "$lua" >"$M/kinds.test.lua"
    run_bounded test "$M/kinds.test.lua"
    expect_code 2 "test file: $lua"
    expect_err "kinds.test.lua"
    for m in "$@"; do
        expect_err "$m"
    done
    expect_no_out "PASS"
}

bad_file 'return { tests = { { name = "a", steps = { { choose = "pay" }, { choose = "x", expec = {} } } } } }' \
    "unknown key 'expec' in tests[1].steps[2] (did you mean 'expect'?)"
bad_file 'return { tests = { { steps = { { choose = "pay", expect = { stauts = "waiting" } } } } } }' \
    "unknown key 'stauts' in tests[1].steps[1].expect (did you mean 'status'?)"
bad_file 'return { tets = {} }' "unknown key 'tets' in the returned table (did you mean 'tests'?)"
bad_file 'return { tests = { { nmae = "x", steps = {} } } }' "unknown key 'nmae' in tests[1]"
bad_file 'return { tests = { { steps = { { choose = "x" ,, } } } } }' "kinds.test.lua:1:" "unexpected symbol"
bad_file 'return 42' "must return a table of tests (it returns number)"
bad_file 'return "tests"' "must return a table of tests (it returns string)"
bad_file '' "must return a table of tests (it returns nothing)"
bad_file 'return { 1, 2, 3 }' "must return a table { flow = ..., tests = { ... } } (it returns a list)"
bad_file 'return {}' "must return a table"
bad_file 'return { tests = {} }' "tests is empty"
bad_file 'return { flow = "kinds" }' "has no tests"
bad_file 'return { tests = { { name = "nothing" } } }' "tests[1] has neither steps nor an outcome"
bad_file 'return { tests = { { name = "a", steps = {} } } }' "tests[1] has neither steps nor an outcome"
bad_file 'return { tests = { { steps = { { choose = function() end } } } } }' \
    "tests[1].steps[1].choose is a function"
bad_file 'return { tests = { { steps = { { choose = "a", input = "b" } } } } }' \
    "tests[1].steps[1] has both choose and input"
bad_file 'return { tests = { { steps = { { tick = 5, after = 1 } } } } }' "has tick and after"
bad_file 'return { tests = { { steps = { { expect = { error = "x" } } } } } }' "sends no event to reject"
bad_file 'return { tests = { { steps = { { raw = "{}", after = 1 } } } } }' "has raw and after"
bad_file 'return { tests = { { steps = { { choose = "a" } }, outcome = { error = "x" } } } }' \
    "tests[1].outcome.error has no meaning in an outcome"
bad_file 'return { tests = { { steps = { { expect = { status = "done" } } } } } }' \
    "tests[1].steps[1].expect.status must be one of"
bad_file 'return { tests = { { steps = { { result = { ok = false, data = 1 } } } } } }' \
    "tests[1].steps[1].result has ok = false and data"
bad_file 'return { actions = { ["acct.get"] = { data = 1 } }, tests = { { steps = {} } } }' \
    'actions["acct.get"] needs ok = true or ok = false'
bad_file 'return { tests = { [1] = { steps = {} }, [3] = { steps = {} } } }' "tests is a list with a hole"
bad_file 'return { context = { at = "now" }, tests = { { steps = {} } } }' "context.at must be a number"
bad_file 'return { tests = { { steps = { { input = 0/0 } } } } }' "tests[1].steps[1].input is not a finite number"
bad_file 'return { tests = { { steps = { { data = {} } } } } }' "has data but no event"
bad_file 'return io.open("/etc/passwd")' "attempt to index a nil value (global 'io')"
bad_file 'return os.time()' "global 'os'"
bad_file 'return require("x")' "global 'require'"
bad_file 'return load("return 1")()' "global 'load'"
bad_file 'return dofile("/etc/passwd")' "global 'dofile'"
bad_file 'return { tests = { { steps = { { choose = ("x"):match(".") } } } } }' "match"
# runaway loops end, with the line that was running; so does memory
bad_file 'local n = 0
while true do
  n = n + 1
end' "kinds.test.lua:3: runs too long"
bad_file 'local t = {} for i = 1, 1e9 do t[i] = ("x"):rep(100) .. i end return t' \
    "uses more than 64 MiB of memory"
bad_file 'local a = {} a.self = a return { tests = { { steps = {}, outcome = a } } }' "nested too deeply"
# Library functions that loop inside C, out of the count hook's reach, are charged their loops:
# moving a range of nils, shifting a "list" whose length (#t may be any border) is 2^40 while it
# holds 43 items, repeating an empty string.
bad_file 'table.move({}, 1, math.maxinteger - 1, 1)' "kinds.test.lua:1: runs too long"
bad_file 'local t = {} for i = 0, 40 do t[2^i] = 1 end t[3], t[5] = 1, 1
table.insert(t, 1, 0)' "kinds.test.lua:2: runs too long"
bad_file 'local t = {} for i = 0, 40 do t[2^i] = 1 end t[3], t[5] = 1, 1
table.remove(t, 1)' "kinds.test.lua:2: runs too long"
bad_file 'return ("x"):sub(2):rep(math.maxinteger)' "kinds.test.lua:1: runs too long"
bad_file 'return string.rep("", 1 << 62, "")' "kinds.test.lua:1: runs too long"
# A table used in many places is converted in each: forty levels of { t, t } would be 2^40
# values. A file returns at most a million.
bad_file 'local t = { 1 } for i = 1, 40 do t = { t, t } end
return { tests = { { steps = { { expect = { ui = t } } } } } }' \
    "returns more than 1000000 values"
# ... while the same functions, used the way a file builds its data, cost what they do.
cat >"$M/kinds.test.lua" <<'LUA'
local list = {}
for i = 1, 20000 do table.insert(list, i) end
table.insert(list, 1, 0)
table.remove(list, 1)
table.remove(list)
local copy = table.move(list, 1, #list, 1, {})
local ctx = { id = "u1", note = ("x"):rep(300) .. string.rep("", 10), n = #copy }
return {
  context = ctx,
  actions = { ["acct.get"] = { ok = true, data = { name = "Ann", first = table.move(copy, 1, 3, 1, {}) } } },
  tests = {
    { name = "built", steps = { { expect = { step = "menu" } } } },
    { name = "the same context again", context = ctx, steps = { { expect = { step = "menu" } } } },
  },
}
LUA
run_bounded test "$M/kinds.test.lua"
expect_code 0 "a test file that builds its data with table and string functions"
expect_last "2 passed, 0 failed"

# A bad file among good ones: the good ones still run, and the run exits 2.
printf 'return 42\n' >"$M/zzz.test.lua"
cp "$D/kinds.test.lua" "$M/kinds.test.lua"
run_hf test "$M"
expect_code 2 "a bad test file among good ones"
expect_err "zzz.test.lua: must return a table of tests"
expect_out "PASS kinds: intents"
expect_out "1 test file could not be used (above)"
expect_last "13 passed, 0 failed"

# --- coverage ----------------------------------------------------------------------------------
C="$T/cov"
mkdir "$C"
cat >"$C/small.lua" <<'LUA'
return flow "small" {
  start = "ask",
  steps = {
    ask = say { text = "Fixed?", choices = { { id = "yes", label = "Yes", go = "done" },
                                             { id = "no", label = "No", go = "agent" } } },
    done = resolved { text = "Good." },
    agent = escalate { reason = "not_resolved" },
  },
}
LUA
cat >"$C/big.lua" <<'LUA'
return flow "big" {
  start = "hello",
  on = { human = "offer" },
  steps = {
    hello = say { text = "Hi.", go = "sub" },
    sub = call { flow = "small", go = "bye" },
    offer = say { text = "Sure?", choices = { { id = "y", label = "Yes", go = "agent" } } },
    agent = escalate { reason = "customer_requested" },
    bye = resolved { text = "Bye." },
  },
}
LUA
cat >"$C/small.test.lua" <<'LUA'
return { tests = { { name = "yes", steps = { { choose = "yes", expect = { status = "resolved" } } } } } }
LUA
cat >"$C/big.test.lua" <<'LUA'
return { tests = {
  { name = "through the subflow", steps = {
      { expect = { step = "ask", subflow = "small", text = { "Hi.", "Fixed?" } } },
      { choose = "yes", expect = { status = "resolved", step = "bye", text = { "Good.", "Bye." } } } } },
} }
LUA

run_hf test --coverage "$C/small.test.lua"
expect_code 0 "coverage of one flow"
expect_out "small v1: steps 2/3 (66%), transitions 1/2 (50%)"
expect_out "  not entered: agent"
grep -qxF "  not taken: ask -> agent (choice:no, No)" "$OUT" || fail "no exact not-taken line"
expect_out "total: steps 2/3 (66%), transitions 1/2 (50%)"
expect_no_out "big v1"
expect_last "1 passed, 0 failed"

# The directory: both flows; small is also entered as big's subflow, which adds nothing new
# here, and big's own intent handler counts as a transition from any waiting step.
run_hf test --coverage "$C"
expect_code 0 "coverage of a directory"
expect_out "big v1: steps 3/5 (60%), transitions 2/4 (50%)"
grep -qxF "  not taken: (any waiting step) -> offer (intent:human)" "$OUT" || fail "no intent line"
grep -qxF "  not taken: offer -> agent (choice:y, Yes)" "$OUT" || fail "no choice line"
expect_out "small v1: steps 2/3 (66%), transitions 1/2 (50%)"
expect_out "total: steps 5/8 (62%), transitions 3/6 (50%)"

# Subflows count wherever they run: big's test alone covers small's "yes" path.
cat >"$C/small.test.lua" <<'LUA'
return { tests = { { name = "no", steps = { { choose = "no" } }, outcome = { status = "escalated" } } } }
LUA
run_hf test --coverage "$C"
expect_out "small v1: steps 3/3 (100%), transitions 2/2 (100%)"

run_hf test --min-coverage 100 "$C"
expect_code 1 "below --min-coverage"
expect_out "below 100%: big v1 (steps 60%, transitions 50%)"
expect_no_out "below 100%: small"
expect_last "2 passed, 0 failed"
run_hf test --min-coverage 50 "$C"
expect_code 0 "at --min-coverage"
run_hf test --min-coverage=60 "$C"
expect_code 1 "transitions below --min-coverage=60"
expect_out "below 60%: big v1 (transitions 50%)"
# without --coverage there is no report
run_hf test "$C"
expect_code 0 "no coverage asked"
expect_no_out "coverage:"
# A flow no test reaches says so in one line.
cat >"$C/lonely.lua" <<'LUA'
return flow "lonely" { start = "hi", steps = { hi = say { text = "Hi.", go = "bye" },
                                               bye = resolved { text = "Bye." } } }
LUA
run_hf test --coverage "$C"
expect_code 0 "an untested flow, without a minimum"
expect_out "lonely v1: steps 0/2 (0%), transitions 0/1 (0%)"
expect_after "lonely v1: steps 0/2 (0%), transitions 0/1 (0%)" "  not reached by any test"
expect_out "total: steps 6/10 (60%), transitions 4/7 (57%)"
run_hf test --min-coverage 50 "$C"
expect_code 1 "an untested flow, below the minimum"
expect_out "below 50%: lonely v1 (steps 0%, transitions 0%)"
rm "$C/lonely.lua"

# --- usage ---------------------------------------------------------------------------------------
run_hf test --help
expect_code 0 "test --help"
expect_out "usage: helpflow test"
expect_out "--min-coverage PCT"
run_hf help test
expect_code 0 "help test"
expect_out "usage: helpflow test"
run_hf test
expect_code 2 "no paths"
expect_err "no paths given"
run_hf test --bogus "$D"
expect_code 2 "unknown option"
expect_err "unknown option '--bogus'"
run_hf test --min-coverage
expect_code 2 "--min-coverage without a value"
run_hf test --min-coverage 101 "$D"
expect_code 2 "--min-coverage 101"
expect_err "from 0 to 100"
run_hf test --min-coverage abc "$D"
expect_code 2 "--min-coverage abc"
run_hf test "$T/nope"
expect_code 2 "a missing path"
expect_err "nope"
mkdir "$T/none"
cp "$C/small.lua" "$T/none/"
run_hf test "$T/none"
expect_code 2 "no test files"
expect_err "no conversation tests"
echo 'return routing { queues = { a = {} }, rules = { { queue = "a" } } }' >"$T/none/routing.lua"
run_hf test "$T/none/routing.lua"
expect_code 2 "routing.lua given as a test"
echo '{}' >"$T/none/small.fixtures.json"
run_hf test "$T/none/small.fixtures.json"
expect_code 2 "a JSON file given as a test"
expect_err "not a flow (X.lua) or a test file (X.test.lua)"

# A flow under test that does not load fails the run, and its tests cannot find it.
B="$T/broken"
mkdir "$B"
cat >"$B/small.lua" <<'LUA'
return flow "small" { start = "ask", steps = { ask = say { text = "Hi", go = "nowhere" } } }
LUA
cp "$C/small.test.lua" "$B/"
run_hf test "$B"
expect_code 1 "a flow that does not load"
expect_out "small.lua"
expect_out "nowhere"
expect_out "FAIL small: no"
expect_out "no flow 'small' is loaded"
expect_out "1 flow did not load"
exit 0
