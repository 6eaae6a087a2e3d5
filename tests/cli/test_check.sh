# helpflow check: good flows pass, each kind of authoring mistake fails with a file/flow/step
# message and exit 1, unreadable paths exit 2.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mkdir "$T/good" "$T/bad" "$T/empty"

cat >"$T/good/greet.lua" <<'LUA'
return flow "greet" {
  title = "Greet",
  start = "hello",
  steps = {
    hello = say {
      text = "Hello!",
      choices = { { id = "yes", label = "Yes", go = "done" },
                  { id = "no", label = "No", go = "agent" } },
    },
    done = resolved { text = "Bye." },
    agent = escalate { reason = "not_resolved" },
  },
}
LUA
# A caller sorts before its callee: check must load the callee first by itself.
cat >"$T/good/a_caller.lua" <<'LUA'
return flow "a_caller" {
  start = "sub",
  steps = {
    sub = call { flow = "greet", go = "done" },
    done = resolved { text = "All done." },
  },
}
LUA
# Conversation tests sit beside flows and are not flows: check skips them.
echo 'this is not a flow at all' >"$T/good/greet.test.lua"
echo '{"context": {}}' >"$T/good/greet.fixtures.json"

run_hf check "$T/good"
expect_code 0 "check on a good directory"
expect_out "ok: 2 flows"

run_hf check "$T/good/greet.lua"
expect_code 0 "check on one good file"
expect_out "ok: 1 flows"

run_hf check "$T/good/a_caller.lua" "$T/good/greet.lua"
expect_code 0 "check with the caller first"
expect_out "ok: 2 flows"

# A file named twice, or by itself and through its directory, is one flow, loaded once.
run_hf check "$T/good" "$T/good/greet.lua" "$T/good/../good/greet.lua"
expect_code 0 "check naming a file twice"
expect_out "ok: 2 flows"

run_hf check "$T/empty"
expect_code 0 "check on an empty directory"
expect_out "ok: 0 flows"

# --- bad flows, one mistake each ------------------------------------------------------------
cat >"$T/bad/syntax.lua" <<'LUA'
return flow "syntax" {
  start = "done",
  steps = {
    done = resolved { text = "oops" ,, },
  },
}
LUA
cat >"$T/bad/unknown_go.lua" <<'LUA'
return flow "unknown_go" {
  start = "ask",
  steps = {
    ask = say { text = "Hi", choices = { { id = "a", label = "A", go = "unfreez" } } },
    done = resolved { text = "Bye." },
  },
}
LUA
cat >"$T/bad/unknown_field.lua" <<'LUA'
return flow "unknown_field" {
  start = "hi",
  steps = {
    hi = say { text = "Hi", colour = "blue", go = "done" },
    done = resolved { text = "Bye." },
  },
}
LUA
cat >"$T/bad/unknown_kind.lua" <<'LUA'
return flow "unknown_kind" {
  start = "hi",
  steps = {
    hi = { kind = "dance", go = "done" },
    done = resolved { text = "Bye." },
  },
}
LUA
cat >"$T/bad/no_end.lua" <<'LUA'
return flow "no_end" {
  start = "a",
  steps = {
    a = say { text = "A", go = "b" },
    b = say { text = "B", go = "a" },
  },
}
LUA
cat >"$T/bad/unreachable.lua" <<'LUA'
return flow "unreachable" {
  start = "hi",
  steps = {
    hi = say { text = "Hi", go = "done" },
    lonely = say { text = "Nobody comes here", go = "done" },
    done = resolved { text = "Bye." },
  },
}
LUA
cat >"$T/bad/unknown_call.lua" <<'LUA'
return flow "unknown_call" {
  start = "sub",
  steps = {
    sub = call { flow = "nowhere", go = "done" },
    done = resolved { text = "Bye." },
  },
}
LUA

# check_one FILE WORDS...: check on FILE exits 1 and its message names the file and each word.
check_one() {
    local file=$1
    shift
    run_hf check "$T/bad/$file"
    expect_code 1 "check $file"
    expect_out "$file"
    for w in "$@"; do
        expect_out "$w"
    done
    expect_no_out "ok:"
}

check_one syntax.lua "syntax.lua:4:"
check_one unknown_go.lua "flow 'unknown_go'" "step 'ask'" "unfreez"
check_one unknown_field.lua "flow 'unknown_field'" "step 'hi'" "colour"
check_one unknown_kind.lua "flow 'unknown_kind'" "step 'hi'"
check_one no_end.lua "flow 'no_end'"
check_one unreachable.lua "flow 'unreachable'" "lonely"
check_one unknown_call.lua "flow 'unknown_call'" "step 'sub'" "nowhere"

# A directory of bad flows: one error line for each file, nothing loads.
run_hf check "$T/bad"
expect_code 1 "check on the bad directory"
for f in syntax unknown_go unknown_field unknown_kind no_end unreachable unknown_call; do
    expect_out "$f.lua"
done
expect_out "failed: 7 of 7 flows"

# Good and bad together: still exit 1, and the good ones are not reported as errors.
run_hf check "$T/good" "$T/bad/unknown_go.lua"
expect_code 1 "check good + bad"
expect_out "unfreez"
expect_no_out "greet.lua"

# Two files holding the same flow id and version: the second is an error.
cp "$T/good/greet.lua" "$T/greet_again.lua"
run_hf check "$T/good/greet.lua" "$T/greet_again.lua"
expect_code 1 "check on a duplicate flow"
expect_out "greet_again.lua"

# Unreadable paths are bad input, not failed checks.
run_hf check "$T/nope"
expect_code 2 "check on a missing path"
expect_err "nope"
run_hf check "$T/good" "$T/nope"
expect_code 2 "check with one missing path"

# --- a routing.lua is checked as a routing config ---------------------------------------------
mkdir -p "$T/routed"
cp "$T/good/greet.lua" "$T/routed/"
echo 'return routing { queues = { a = { } }, rules = { { queue = "a" } } }' >"$T/routed/routing.lua"
run_hf check "$T/routed"
expect_code 0 "check on a directory with a good routing config"
expect_out "ok: 1 flows, 1 routing config"
echo 'return routing { queues = { a = { } }, rules = { { queue = "b" } } }' >"$T/routed/routing.lua"
run_hf check "$T/routed"
expect_code 1 "check on a directory with a bad routing config"
expect_out "routing.lua: rule 1: queue 'b' is not one of the queues"
run_hf check "$HF_SOURCE_DIR/flows"
expect_code 0 "check on the reference flows and their routing config"
nflows=$(ls "$HF_SOURCE_DIR"/flows/*.lua | grep -v -e '\.test\.lua$' -e '/routing\.lua$' \
         -e '/actions\.lua$' | wc -l)
[ "$nflows" -ge 11 ] || fail "the reference library has $nflows flows, expected at least 11"
expect_out "ok: $nflows flows, 1 routing config, 1 action manifest"
exit 0
