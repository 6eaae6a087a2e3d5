# helpflow run in the terminal, driven through a pipe: what the customer sees, answers by number
# or id, host actions and wait events answered from fixtures or typed in, /intents, end of input.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mkdir "$T/fx" "$T/nofx"
cat >"$T/fx/declined.lua" <<'LUA'
return flow "declined" {
  start = "intro",
  steps = {
    intro = say {
      text = "Your card was declined.",
      components = {
        { type = "card", title = "Visa debit", text = "Ending 4242", status = "active" },
        { type = "list", title = "Recent payments", items = { "Coffee 3.20", "Books 12.00" } },
        { type = "link", label = "Open card settings", url = "app://cards/settings" },
      },
      choices = { { id = "check", label = "Check my card", go = "amount" },
                  { id = "agent", label = "Talk to someone", go = "agent" } },
    },
    amount = ask {
      text = "How much was the payment?",
      input = "money",
      validate = function(v) if v > 100 then return false, "That's over your limit." end return true end,
      save = "amount",
      go = "lookup",
    },
    lookup = action {
      call = "payments.find",
      args = function(ctx) return { amount = ctx.amount } end,
      save = "payment",
      next = { { when = function(ctx) return ctx.payment and ctx.payment.reason == "funds" end, go = "verify" },
               { go = "agent" } },
      on_error = "agent",
    },
    verify = wait {
      text = "Please confirm it's you in the app.",
      event = "identity.verified", timeout = 600, go = "done", on_timeout = "agent",
    },
    done = resolved { text = "It was declined for low funds." },
    agent = escalate { reason = "not_resolved", skills = { "cards" }, flags = { "vulnerable" },
                       text = "Passing you to the cards team.",
                       summary = function(ctx) return "Card declined for " .. (ctx.customer or "someone") .. "." end },
  },
}
LUA
cp "$T/fx/declined.lua" "$T/nofx/declined.lua"
cat >"$T/fx/declined.fixtures.json" <<'JSON'
{ "context": { "customer": "c_1" },
  "actions": { "payments.find": { "ok": true, "data": { "reason": "funds" } } },
  "events": { "identity.verified": { "method": "face" } } }
JSON
FX="$T/fx/declined.lua"
NOFX="$T/nofx/declined.lua"

# play FILE LINES...: runs the flow with those lines as the person's input.
play() {
    local file=$1
    shift
    printf '%s\n' "$@" >"$T/input"
    run_hf run "$file" <"$T/input"
}

# --- the happy path, answered from fixtures ---------------------------------------------------
play "$FX" zzz 1 500 12.50
expect_code 0 "run with fixtures"
expect_out "Your card was declined."
expect_out "+ Visa debit"
expect_out "Ending 4242"
expect_out "status: active"
expect_out "Recent payments"
expect_out "  - Coffee 3.20"
expect_out "-> Open card settings (app://cards/settings)"
expect_out "  1. Check my card"
expect_out "  2. Talk to someone"
expect_out "How much was the payment?"
expect_out "money> "
expect_out "! That's over your limit."
expect_out '[action a1 payments.find {"amount":12.5}]'
expect_out '-> fixture: {"ok":true,"data":{"reason":"funds"}}'
expect_out "Please confirm it's you in the app."
expect_out '-> fixture event: identity.verified {"method":"face"}'
expect_out "It was declined for low funds."
expect_out "== resolved =="
# The unknown option was rejected with a message, and the same question asked again.
grep -qE '^! .*zzz' "$OUT" || fail "no rejection message naming the unknown option"
[ "$(grep -c '^> ' "$OUT")" -eq 2 ] || fail "the choice was not asked again after the rejection"

# --- no fixtures: the person types the action's result ----------------------------------------
play "$NOFX" check 12.50 'not json' '{"reason": "other"}'
expect_code 0 "run typing a result"
expect_out "[action a1 payments.find"
expect_out "result> "
expect_out "! that is not JSON"
expect_out "Passing you to the cards team."
expect_out "== escalated: not_resolved (cards, high) =="
expect_out "summary: Card declined for someone."
expect_out "flags: vulnerable"
expect_out 'collected: {"amount":12.5,"payment":{"reason":"other"}}'
expect_no_out "fixture"

# An empty line is ok with no data; "!message" a failure (here: on_error goes to the agent).
play "$NOFX" 1 5 '!bank down'
expect_out "== escalated: not_resolved (cards, high) =="
play "$NOFX" 1 5 ''
expect_out "== escalated: not_resolved"

# --- waits without a fixture: Enter sends the event, "t N" ticks N seconds later ---------------
play "$NOFX" 1 5 '{"reason": "funds"}' ''
expect_out "wait> "
expect_out "identity.verified"
expect_out "== resolved =="
play "$NOFX" 1 5 '{"reason": "funds"}' 't 600'
expect_out "== escalated: not_resolved"

# --- a subflow loaded after its caller, a wait with only a timeout, a text question --------
cat >"$T/nofx/sub.lua" <<'LUA'
return flow "sub" {
  start = "q",
  steps = { q = ask { text = "Your email?", input = "email", save = "email", go = "ok" },
            ok = resolved { text = "Sub done." } },
}
LUA
cat >"$T/nofx/main.lua" <<'LUA'
return flow "main" {
  start = "pause",
  steps = { pause = wait { text = "Hold on...", timeout = 60, go = "sub" },
            sub = call { flow = "sub", go = "fin" },
            fin = resolved { text = function(ctx) return "Main done for " .. ctx.email .. "." end } },
}
LUA
printf '%s\n' '' 'not an email' a@b.co >"$T/input"
run_hf run "$T/nofx/main.lua" "$T/nofx/sub.lua" <"$T/input"
expect_code 0 "run main + sub"
expect_out "Hold on..."
expect_out "email> "
expect_out "Sub done."
expect_out "Main done for a@b.co."
expect_out "== resolved =="
grep -qE '^! ' "$OUT" || fail "an invalid email showed no error"
run_hf run "$T/nofx/main.lua" </dev/null
expect_code 2 "run main without sub"
expect_err "step 'sub'"

# --- intents ----------------------------------------------------------------------------------
play "$FX" /human
expect_code 0 "run /human"
expect_out "== escalated: customer_requested ("
play "$FX" /cancel
expect_out "== cancelled =="
# /back returns to the previous question: the choice is shown again.
play "$FX" 1 /back 2
expect_out "== escalated: not_resolved"
[ "$(grep -c '1. Check my card' "$OUT")" -eq 2 ] || fail "/back did not show the choice again"
play "$FX" 1 /restart 2
[ "$(grep -c 'Your card was declined.' "$OUT")" -eq 2 ] || fail "/restart did not start over"
expect_out "== escalated: not_resolved"
# An intent the flow does not know is rejected, and play goes on.
play "$FX" /dance 2
expect_out "! "
expect_out "== escalated: not_resolved"

# --- stopping: /quit and end of input exit 0 without a closing line ---------------------------
play "$FX" 1 /quit
expect_code 0 "run /quit"
expect_out "How much was the payment?"
expect_no_out "=="
run_hf run "$FX" </dev/null
expect_code 0 "run at end of input"
expect_out "Your card was declined."
expect_no_out "=="

# --- --flow picks the flow and its fixtures; --context overrides them -------------------------
cat >"$T/fx/hello.lua" <<'LUA'
return flow "hello" {
  start = "done",
  steps = { done = resolved { text = function(ctx) return "Hi " .. (ctx.customer or "?") end } },
}
LUA
run_hf run --flow hello "$FX" "$T/fx/hello.lua" </dev/null
expect_out "Hi ?"   # the played flow's own fixtures (none here), not the first file's
echo '{"context": {"customer": "c_3"}}' >"$T/fx/hello.fixtures.json"
run_hf run --flow hello "$FX" "$T/fx/hello.lua" </dev/null
expect_out "Hi c_3"
run_hf run --flow hello --context '{"customer": "c_2"}' "$FX" "$T/fx/hello.lua" </dev/null
expect_out "Hi c_2"

# --- a malformed fixtures file is bad input ---------------------------------------------------
echo '{"actions": [1, 2]}' >"$T/fx/hello.fixtures.json"
run_hf run "$T/fx/hello.lua" </dev/null
expect_code 2 "run with malformed fixtures"
expect_err "hello.fixtures.json"
exit 0
