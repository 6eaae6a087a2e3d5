-- "My card was declined": find out why a card payment failed and fix what the customer can fix
-- themselves (a frozen card, a low balance); anything else goes to the cards team.
return flow "card_declined" {
  version = 3,
  title = "My card was declined",
  triggers = { "card declined", "payment declined", "card not working", "card refused" },
  start = "check_card",
  skills = { "cards" },
  policy = { max_retries = 2, max_visits = 3 },

  steps = {
    check_card = action {
      call = "cards.get_status",
      args = function(ctx) return { card_id = ctx.card_id } end,
      save = "card",
      next = {
        { when = function(ctx) return ctx.card.frozen end, go = "frozen" },
        { go = "ask_amount" },
      },
      on_error = "cant_check",
    },

    frozen = say {
      text = "Your card is frozen, so payments are declined.",
      choices = {
        { id = "unfreeze", label = "Unfreeze my card", go = "unfreeze" },
        { id = "keep", label = "Keep it frozen", go = "done" },
      },
    },

    unfreeze = action {
      call = "cards.unfreeze",
      args = function(ctx) return { card_id = ctx.card_id } end,
      go = "did_it_help",
    },

    did_it_help = say {
      text = "Done — your card is unfrozen. Try the payment again. Did that fix it?",
      choices = {
        { id = "yes", label = "Yes, it worked", go = "done" },
        { id = "no", label = "No, still declined", go = "to_agent", set = { unfreeze_helped = false } },
      },
    },

    ask_amount = ask {
      text = "How much was the payment?",
      input = "money",
      validate = function(v)
        if v > 10000 then return false, "That's over your limit." end
        return true
      end,
      save = "amount",
      go = "lookup",
    },

    lookup = action {
      call = "payments.find_declined",
      args = function(ctx) return { card_id = ctx.card_id, amount = ctx.amount } end,
      save = "payment",
      next = {
        { when = function(ctx) return not ctx.payment.found end, go = "not_found" },
        { when = function(ctx) return ctx.payment.reason == "insufficient_funds" end, go = "no_funds",
          set = { decline_reason = "insufficient_funds" } },
        { go = "to_agent", set = { decline_reason = function(ctx) return ctx.payment.reason end } },
      },
    },

    not_found = say {
      text = "I couldn't find a declined payment for that amount in the last 7 days.",
      choices = {
        { id = "retry", label = "Try a different amount", go = "ask_amount" },
        { id = "agent", label = "Talk to someone", go = "to_agent" },
      },
    },

    no_funds = say {
      text = function(ctx)
        local where = ctx.payment.merchant and (" at " .. ctx.payment.merchant) or ""
        return "Your payment" .. where .. " was declined because your balance was too low at the time."
      end,
      components = {
        { type = "link", label = "Add money", url = "bank://accounts/top-up" },
      },
      choices = {
        { id = "ok", label = "OK, thanks", go = "done" },
        { id = "not_right", label = "That doesn't look right", go = "to_agent",
          set = { disputes_balance = true } },
      },
    },

    done = resolved { text = "Glad that's sorted." },

    to_agent = escalate {
      reason = "not_resolved",
      skills = { "cards" },
      text = "I'll pass you to someone in our cards team.",
      summary = function(ctx)
        if ctx.unfreeze_helped == false then
          return "Card was frozen; the customer unfroze it in the app, but payments are still declined."
        end
        local amount = ctx.amount and string.format("£%.2f", ctx.amount) or "unknown amount"
        if not (ctx.payment and ctx.payment.found) then
          return "Customer reports a declined payment of " .. amount .. " that we couldn't find."
        end
        local what = "Payment of " .. amount .. " at " .. (ctx.payment.merchant or "an unknown merchant")
        if ctx.disputes_balance then
          return what .. " was declined for insufficient funds; the customer says that isn't right."
        end
        return what .. " was declined (" .. tostring(ctx.payment.reason) .. ")."
      end,
    },

    cant_check = escalate {
      reason = "card_status_unavailable",
      skills = { "cards" },
      priority = "high",
      text = "I can't check your card right now, so I'll pass you to our cards team.",
    },
  },
}
