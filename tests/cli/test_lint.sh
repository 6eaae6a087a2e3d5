# helpflow check's lints: one purpose-built flow per warning, each caught with its exact line;
# --strict, --max-text, the action manifest (beside the flows or --actions) and its own checks.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# expect_exactly FILE: stdout holds exactly FILE's lines.
expect_exactly() {
    diff -u "$1" "$OUT" >&2 || fail "stdout differs from what is expected"
}

mkdir "$T/clean" "$T/trap" "$T/long" "$T/locales" "$T/acts" "$T/noman"

# --- a clean flow: no warnings ------------------------------------------------------------------
cat >"$T/clean/clean.lua" <<'LUA'
return flow "clean" {
  start = "hello",
  strings = { ["en-GB"] = { hi = "Hello" }, cy = { hi = "Helo" } },
  steps = {
    hello = say {
      text = t"hi",
      choices = { { id = "yes", label = "Yes", go = "look" }, { id = "no", label = "No", go = "agent" } },
    },
    look = action { call = "cards.get_status", args = { card_id = "c1" }, go = "done",
                    on_error = "agent" },
    done = resolved { text = "Bye." },
    agent = escalate { reason = "not_resolved" },
  },
}
LUA
cat >"$T/clean/actions.lua" <<'LUA'
return {
  ["cards.get_status"] = { args = { "card_id" }, result = { "frozen", "blocked" },
                           doc = "The card's " .. "current state." },
  ["cards.freeze"] = { args = { "card_id", "reason" } },
  ["ping"] = {},
}
LUA
run_hf check "$T/clean"
expect_code 0 "check on a clean flow"
printf 'ok: 1 flows, 1 action manifest\n' >"$T/want"
expect_exactly "$T/want"
run_hf check --strict "$T/clean"
expect_code 0 "check --strict on a clean flow"
expect_exactly "$T/want"

# --- (a) a waiting step with no way to an end -----------------------------------------------------
# ask_name and again loop with no way out; the decide in the loop is no waiting step, and hello
# (which can reach done) is fine.
cat >"$T/trap/trap.lua" <<'LUA'
return flow "trap" {
  start = "hello",
  steps = {
    hello = say { text = "Hi", choices = { { id = "a", label = "Go round", go = "ask_name" },
                                          { id = "b", label = "Done", go = "done" } } },
    ask_name = ask { text = "Name?", input = "text", save = "name", go = "route" },
    route = decide { next = { { go = "again" } } },
    again = say { text = "Again", choices = { { id = "again", label = "Again", go = "ask_name" } } },
    done = resolved { text = "Bye." },
  },
}
LUA
run_hf check "$T/trap"
expect_code 0 "warnings alone pass"
cat >"$T/want" <<EOF
$T/trap/trap.lua:again: warning: no path from this say step leads to an end (resolved or escalate): only an intent or a policy limit gets the customer out
$T/trap/trap.lua:ask_name: warning: no path from this ask step leads to an end (resolved or escalate): only an intent or a policy limit gets the customer out
ok: 1 flows, 2 warnings
EOF
expect_exactly "$T/want"
run_hf check --strict "$T/trap"
expect_code 1 "check --strict with warnings"
expect_out "failed: 2 warnings, with --strict"
expect_out "$T/trap/trap.lua:ask_name: warning: no path"

# --- (b) texts too long for a phone --------------------------------------------------------------
# 281 two-byte characters: too long in characters (not only in bytes); 280 four-byte ones fit.
long_e=$(printf 'é%.0s' $(seq 281))
fits=$(printf '🙂%.0s' $(seq 280))
cat >"$T/long/long.lua" <<LUA
return flow "long" {
  start = "hello",
  steps = {
    hello = say {
      text = "$long_e",
      choices = { { id = "x", label = string.rep("ab", 150), go = "done" },
                  { id = "y", label = "$fits", go = "done" } },
      components = { { type = "link", label = string.rep("z", 300), url = "https://example.com/" } },
    },
    done = resolved { text = function(ctx) return string.rep("computed ", 100) end },
  },
}
LUA
e40=$(printf 'é%.0s' $(seq 40))
ab40=$(printf 'ab%.0s' $(seq 20))
z40=$(printf 'z%.0s' $(seq 40))
run_hf check "$T/long"
expect_code 0 "long texts warn"
cat >"$T/want" <<EOF
$T/long/long.lua:hello: warning: the text is 281 characters, more than 280 ("$e40...")
$T/long/long.lua:hello: warning: the label of choice 'x' is 300 characters, more than 280 ("$ab40...")
$T/long/long.lua:hello: warning: a component's text is 300 characters, more than 280 ("$z40...")
ok: 1 flows, 3 warnings
EOF
expect_exactly "$T/want"
run_hf check --max-text 300 "$T/long"
expect_code 0 "check --max-text 300"
printf 'ok: 1 flows\n' >"$T/want"
expect_exactly "$T/want"
run_hf check --max-text=2 "$T/clean"
expect_code 0 "check --max-text=2"
expect_out "$T/clean/clean.lua:hello: warning: the label of choice 'yes' is 3 characters, more than 2 (\"Yes\")"
expect_out "$T/clean/clean.lua:done: warning: the text is 4 characters, more than 2 (\"Bye.\")"
expect_no_out "choice 'no'"
for bad in 0 -5 abc 12x ""; do
    run_hf check --max-text "$bad" "$T/clean"
    expect_code 2 "check --max-text '$bad'"
    expect_err "--max-text wants a whole number"
done
run_hf check "$T/clean" --max-text
expect_code 2 "check --max-text without a value"
expect_err "'--max-text' needs a value"

# Every locale's strings are measured too (what t"key" shows), named by locale and key, at the
# flow level; the steps that show them are not warned about again.
mkdir "$T/longstr"
cy_long=$(printf 'â%.0s' $(seq 281))
cat >"$T/longstr/ls.lua" <<LUA
return flow "ls" {
  start = "hello",
  strings = {
    ["en-GB"] = { hi = string.rep("x", 281), bye = "Bye", ok = "OK" },
    ["cy-GB"] = { hi = "Helo", bye = "$cy_long", ok = string.rep("y", 280) },
  },
  steps = {
    hello = say { text = t"hi", choices = { { id = "ok", label = t"ok", go = "done" } } },
    done = resolved { text = t"bye" },
  },
}
LUA
a40=$(printf 'â%.0s' $(seq 40))
x40=$(printf 'x%.0s' $(seq 40))
run_hf check "$T/longstr"
expect_code 0 "long strings warn"
cat >"$T/want" <<EOF
$T/longstr/ls.lua: warning: string 'bye' of locale 'cy-GB' is 281 characters, more than 280 ("$a40...")
$T/longstr/ls.lua: warning: string 'hi' of locale 'en-GB' is 281 characters, more than 280 ("$x40...")
ok: 1 flows, 2 warnings
EOF
expect_exactly "$T/want"
run_hf check --strict --max-text 281 "$T/longstr"
expect_code 0 "long strings within --max-text"
printf 'ok: 1 flows\n' >"$T/want"
expect_exactly "$T/want"
run_hf check --strict --max-text 3 "$T/longstr"
expect_code 1 "strings over a small --max-text"
expect_out "$T/longstr/ls.lua: warning: string 'hi' of locale 'cy-GB' is 4 characters, more than 3 (\"Helo\")"
expect_out "$T/longstr/ls.lua: warning: string 'ok' of locale 'cy-GB' is 280 characters"
expect_no_out "string 'ok' of locale 'en-GB'"
expect_no_out "ls.lua:hello:"
expect_out "failed: 4 warnings, with --strict"

# --- (c) locales lacking keys ----------------------------------------------------------------------
cat >"$T/locales/loc.lua" <<'LUA'
return flow "loc" {
  start = "hello",
  strings = {
    ["en-GB"] = { hi = "Hello", bye = "Bye", help = "Help" },
    cy = { hi = "Helo" },
    fr = { hi = "Bonjour", bye = "Au revoir", help = "Aide", extra = "En plus" },
  },
  steps = {
    hello = say { text = t"hi", go = "done" },
    done = resolved { text = t"bye" },
  },
}
LUA
run_hf check "$T/locales"
expect_code 0 "locale warnings"
cat >"$T/want" <<EOF
$T/locales/loc.lua: warning: locale 'cy' lacks strings that locale 'en-GB' has: 'bye', 'help'
$T/locales/loc.lua: warning: locale 'cy' lacks strings that locale 'fr' has: 'bye', 'extra', 'help'
$T/locales/loc.lua: warning: locale 'en-GB' lacks strings that locale 'fr' has: 'extra'
ok: 1 flows, 3 warnings
EOF
expect_exactly "$T/want"

# --- (d) actions against the manifest --------------------------------------------------------------
cat >"$T/acts/acts.lua" <<'LUA'
return flow "acts" {
  start = "a1",
  steps = {
    a1 = action { call = "cards.get_status", args = { card_id = "1", cardid = "2" }, go = "a2" },
    a2 = action { call = "cards.nope", go = "a3" },
    a3 = action { call = "cards.get_status", args = function(ctx) return { zzz = 1 } end,
                  go = "a4" },
    a4 = action { call = "ping", args = { x = 1 }, go = "a5" },
    a5 = action { call = "cards.freeze", args = { card_id = "1", reason = "lost" }, go = "done" },
    done = resolved { text = "Bye." },
  },
}
LUA
cp "$T/clean/actions.lua" "$T/acts/actions.lua"
run_hf check "$T/acts"
expect_code 0 "action warnings"
cat >"$T/want" <<EOF
$T/acts/acts.lua:a1: warning: action 'cards.get_status' gets argument 'cardid', which $T/acts/actions.lua does not list (its args: card_id)
$T/acts/acts.lua:a2: warning: action 'cards.nope' is not declared in $T/acts/actions.lua
$T/acts/acts.lua:a4: warning: action 'ping' gets argument 'x', which $T/acts/actions.lua does not list (it lists none)
ok: 1 flows, 1 action manifest, 3 warnings
EOF
expect_exactly "$T/want"
# The flow given alone still finds the manifest beside it.
run_hf check "$T/acts/acts.lua"
expect_code 0 "a flow file finds the actions.lua beside it"
expect_out "$T/acts/acts.lua:a2: warning: action 'cards.nope' is not declared in $T/acts/actions.lua"
# --actions FILE instead of the one beside the flow.
printf 'return { ["cards.get_status"] = { args = { "card_id", "cardid" } }, ["cards.nope"] = {},\n  ping = { args = { "x" } }, ["cards.freeze"] = { args = { "card_id", "reason" } } }\n' \
    >"$T/other_actions.lua"
run_hf check --actions "$T/other_actions.lua" "$T/acts/acts.lua"
expect_code 0 "check --actions"
printf 'ok: 1 flows, 1 action manifest\n' >"$T/want"
expect_exactly "$T/want"
# Regression: --actions naming a manifest that lacks an action, given a directory that holds
# an actions.lua of its own, read the manifest after the array of manifests had moved (a
# use-after-free, a bus error). --actions lints every flow; the directory's actions.lua is
# still checked as a manifest.
printf 'return { ["cards.get_status"] = { args = { "card_id", "cardid" } } }\n' >"$T/short_actions.lua"
run_hf check --actions "$T/short_actions.lua" "$T/acts"
expect_code 0 "check --actions with a manifest lacking actions, beside another manifest"
cat >"$T/want" <<EOF
$T/acts/acts.lua:a2: warning: action 'cards.nope' is not declared in $T/short_actions.lua
$T/acts/acts.lua:a4: warning: action 'ping' is not declared in $T/short_actions.lua
$T/acts/acts.lua:a5: warning: action 'cards.freeze' is not declared in $T/short_actions.lua
ok: 1 flows, 2 action manifests, 3 warnings
EOF
expect_exactly "$T/want"
# ... and with the reference flows, whose directory holds actions.lua, as reported.
run_hf check --actions "$T/short_actions.lua" "$HF_SOURCE_DIR/flows"
expect_code 0 "check --actions on the reference flows"
expect_out "card_declined.lua:unfreeze: warning: action 'cards.unfreeze' is not declared in $T/short_actions.lua"
expect_out "ok: 11 flows, 1 routing config, 2 action manifests,"
# Without a manifest the action lint is skipped, silently.
cp "$T/acts/acts.lua" "$T/noman/"
run_hf check --strict "$T/noman"
expect_code 0 "no manifest, no action lint"
printf 'ok: 1 flows\n' >"$T/want"
expect_exactly "$T/want"
# ... but a manifest named by --actions must exist.
run_hf check --actions "$T/nope.lua" "$T/noman"
expect_code 2 "check --actions with a missing file"
expect_err "check: --actions $T/nope.lua: No such file or directory"

# --- the manifest's own checks ---------------------------------------------------------------------
mkdir "$T/man"
cp "$T/clean/clean.lua" "$T/man/"
# bad_manifest 'LUA' 'message'...: actions.lua holding LUA fails the check with each message
# (within 60 s: a manifest that hangs the check is a failure of this test, not of ctest's clock).
bad_manifest() {
    local src=$1
    shift
    printf '%s\n' "$src" >"$T/man/actions.lua"
    CODE=0
    timeout 60 "$HF_BIN" check "$T/man" >"$OUT" 2>"$ERR" || CODE=$?
    [ "$CODE" -ne 124 ] || fail "check with a manifest: $src: did not finish within 60 s"
    expect_code 1 "check with a manifest: $src"
    for m in "$@"; do
        expect_out "$m"
    done
    expect_out "failed: 1 action manifest"
}
M="$T/man/actions.lua"
bad_manifest 'return { ["a"] = { args = { "x" } ' "$M:2: '}' expected"
bad_manifest 'return 42' "$M: returns a number, not a table of actions"
bad_manifest 'return { [1] = {}, ["bad name"] = {}, ok = 5 }' \
    "$M: a key is a number, not an action name" \
    "$M: 'bad name' is not an action name (letters, digits and _ . - : only)" \
    "$M: action 'ok' is a number, not a table"
bad_manifest 'return { ["a.b"] = { args = { "x", 2, "x", "y z" }, result = "r", doc = 3, colour = "red" } }' \
    "$M: action 'a.b': args: item 2 is a number, not a string" \
    "$M: action 'a.b': args: 'x' is listed twice" \
    "$M: action 'a.b': args: item 4, 'y z', is not a name" \
    "$M: action 'a.b': result is a string, not a list of names" \
    "$M: action 'a.b': doc is a number, not a string" \
    "$M: action 'a.b': unknown field 'colour' (the fields are args, result and doc)"
bad_manifest 'return { ["a.b"] = { result = { a = "x" } } }' \
    "$M: action 'a.b': result is not a list of names: it has keys other than 1, 2, 3..."
# A NUL byte is no character of a name: "a.b\0c" is not the action "a.b".
bad_manifest 'return { ["a.b\0c"] = { args = { "x\0y" } }, ["d.e"] = { result = { "z\0" } } }' \
    "$M: an action name holds a NUL byte" \
    "$M: action 'd.e': result: item 1 holds a NUL byte"
# The manifest is data, read in a sandbox with a budget: no io, os, load; no endless loop.
bad_manifest 'return io.open("/etc/passwd")' "$M:1: attempt to index a nil value (global 'io')"
bad_manifest 'os.exit(3)' "$M:1: attempt to index a nil value (global 'os')"
bad_manifest 'return load("return {}")()' "$M:1: attempt to call a nil value (global 'load')"
bad_manifest 'return ("x"):match("x")' "$M:1: attempt to call a nil value (method 'match')"
bad_manifest 'while true do end' "$M: more than 10000000 instructions: a manifest is data, not a program"
bad_manifest 'local t = {} for i = 1, 1e8 do t[i] = string.rep("x", 100) .. i end return t' \
    "$M: not enough memory"
bad_manifest 'error({})' "$M: raised an error that is not a string"
# Library loops that run inside C, out of the count hook's reach, are charged too.
bad_manifest 'table.move({}, 1, math.maxinteger - 1, 1)' \
    "$M:1: more than 10000000 instructions: a manifest is data, not a program"
bad_manifest 'return { a = { args = { string.rep("", math.maxinteger) } } }' \
    "$M:1: more than 10000000 instructions"
# ... and the functions keep their own words for their own errors.
bad_manifest 'return { a = { args = table.insert({}, 5, "x") } }' \
    "$M:1: bad argument #2 to 'insert' (position out of bounds)"
# A broken manifest found beside a flow is reported once, and its flows are not action-linted.
printf 'return 42\n' >"$M"
run_hf check "$T/man/clean.lua"
expect_code 1 "a flow beside a broken manifest"
expect_out "$M: returns a number"
expect_out "failed: 1 action manifest"
# A broken --actions is bad input.
run_hf check --actions "$M" "$T/clean/clean.lua"
expect_code 2 "check --actions with a broken manifest"
expect_err "$M: returns a number"
expect_err "check: --actions $M is not a valid action manifest"
# An actions.lua given by name is checked as a manifest, never loaded as a flow.
run_hf check "$T/clean/actions.lua"
expect_code 0 "check on a manifest alone"
printf 'ok: 0 flows, 1 action manifest\n' >"$T/want"
expect_exactly "$T/want"

# --- errors and warnings together: errors decide -----------------------------------------------------
cat >"$T/trap/broken.lua" <<'LUA'
return flow "broken" {
  start = "a",
  steps = { a = say { text = "A", go = "nowhere" }, done = resolved { text = "x" } },
}
LUA
run_hf check "$T/trap"
expect_code 1 "an error with warnings"
expect_out "nowhere"
expect_out "$T/trap/trap.lua:ask_name: warning:"
expect_out "failed: 1 of 2 flows, 2 warnings"

run_hf check --strict --colour "$T/clean"
expect_code 2 "an unknown option"

# --- a manifest's problems come in the same order every time (Lua seeds table order at random) --------
mkdir -p "$T/order"
cat >"$T/order/actions.lua" <<'LUA'
return { ["e.v"] = { args = { 1 } }, ["a.x"] = { args = 3 }, ["c z"] = {},
         ["d.w"] = { doc = 5 }, ["b.y"] = { result = "no" } }
LUA
run_hf check "$T/order/actions.lua"
expect_code 1 "a malformed manifest"
cp "$OUT" "$T/order/first"
[ "$(grep -c '' "$OUT")" -ge 5 ] || fail "expected five problems"
head -n 5 "$OUT" | LC_ALL=C sort -c 2>/dev/null || fail "problems not in order"
for i in 1 2 3 4 5; do
  run_hf check "$T/order/actions.lua"
  cmp -s "$OUT" "$T/order/first" || fail "run $i listed the problems in another order"
done

# --- the reference flows are clean, even with --strict --------------------------------------------------
run_hf check --strict "$HF_SOURCE_DIR/flows"
expect_code 0 "check --strict on the reference flows"
expect_no_out "warning:"
exit 0
