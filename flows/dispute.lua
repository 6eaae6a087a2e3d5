-- "Dispute a payment": the customer picks the card payment from their recent ones (or says it
-- isn't listed), tells us the amount, the date and what went wrong, and we raise the dispute.
-- Payments they didn't make go to the fraud team; disputes of £500 or more go to the payments
-- team, who check them by hand.
local BIG_DISPUTE = 500

-- The label of the i-th recent payment, e.g. "£42.99 at Currys on 2024-03-02".
local function payment_label(ctx, i)
  local tx = ctx.recent and ctx.recent.transactions and ctx.recent.transactions[i]
  if not tx then return "—" end
  return string.format("£%.2f at %s on %s", tx.amount, tx.merchant, tx.date)
end

-- The transition set for picking the i-th recent payment.
local function pick(i)
  return {
    disputed_tx = function(ctx)
      local tx = ctx.recent.transactions[i]
      return tx and tx.id or "unlisted"
    end,
    max_amount = function(ctx)
      local tx = ctx.recent.transactions[i]
      return tx and tx.amount or false
    end,
  }
end

return flow "dispute" {
  version = 1,
  title = "Dispute a payment",
  triggers = { "dispute a payment", "refund", "charged twice", "wrong amount", "didn't receive" },
  start = "fetch_transactions",
  skills = { "payments" },
  policy = { max_retries = 2, max_visits = 3 },

  steps = {
    fetch_transactions = action {
      call = "transactions.recent",
      args = function(ctx) return { card_id = ctx.card_id, days = 60, limit = 3 } end,
      save = "recent",
      next = {
        { when = function(ctx) return #ctx.recent.transactions == 0 end, go = "no_transactions" },
        { go = "choose_transaction" },
      },
      on_error = "cant_fetch",
    },

    choose_transaction = say {
      text = "Which payment would you like to dispute?",
      choices = {
        { id = "tx1", label = function(ctx) return payment_label(ctx, 1) end, set = pick(1) },
        { id = "tx2", label = function(ctx) return payment_label(ctx, 2) end, set = pick(2) },
        { id = "tx3", label = function(ctx) return payment_label(ctx, 3) end, set = pick(3) },
        { id = "other", label = "It's not listed",
          set = { disputed_tx = "unlisted", max_amount = false } },
      },
      go = "ask_amount",
    },

    no_transactions = say {
      text = "I can't see any card payments in the last 60 days.",
      choices = {
        { id = "older", label = "It was longer ago", go = "ask_amount",
          set = { disputed_tx = "unlisted" } },
        { id = "agent", label = "Talk to someone", go = "to_agent" },
      },
    },

    cant_fetch = say {
      text = "I couldn't load your recent payments just now, but you can still tell me about it.",
      set = { disputed_tx = "unlisted" },
      go = "ask_amount",
    },

    ask_amount = ask {
      text = "How much do you want to dispute?",
      input = "money",
      validate = function(v, ctx)
        if v <= 0 then return false, "Please enter an amount above zero." end
        if ctx.max_amount and v > ctx.max_amount then
          return false, string.format("That's more than the payment itself (£%.2f).", ctx.max_amount)
        end
        return true
      end,
      save = "amount",
      go = "ask_date",
    },

    ask_date = ask {
      text = "What date did the payment leave your account?",
      input = "date",
      validate = function(v, ctx)
        if ctx.today and v > ctx.today then return false, "That date is in the future." end
        return true
      end,
      save = "payment_date",
      go = "ask_reason",
    },

    ask_reason = say {
      text = "What went wrong?",
      choices = {
        { id = "not_received", label = "I didn't get what I paid for",
          set = { reason = "goods_not_received" } },
        { id = "charged_twice", label = "I was charged twice", set = { reason = "duplicate" } },
        { id = "wrong_amount", label = "The amount is wrong", set = { reason = "incorrect_amount" } },
        { id = "not_me", label = "I didn't make this payment", go = "fraud_handoff",
          set = { reason = "unrecognised" } },
      },
      go = "check_amount",
    },

    check_amount = decide {
      next = {
        { when = function(ctx) return ctx.amount >= BIG_DISPUTE end, go = "big_dispute" },
        { go = "raise_dispute" },
      },
    },

    raise_dispute = action {
      call = "disputes.create",
      args = function(ctx)
        return { card_id = ctx.card_id, transaction_id = ctx.disputed_tx, amount = ctx.amount,
                 date = ctx.payment_date, reason = ctx.reason }
      end,
      save = "dispute",
      go = "raised",
    },

    raised = resolved {
      text = function(ctx)
        local ref = ctx.dispute and ctx.dispute.reference
        local opened = ref and ("Your dispute is open — reference " .. ref .. ".")
            or "Your dispute is open."
        return opened .. " We'll update you in the app within 10 working days."
      end,
    },

    big_dispute = escalate {
      reason = "high_value_dispute",
      skills = { "payments" },
      priority = "high",
      text = "For disputes of £500 or more, someone in our payments team will take it from here. "
          .. "They can see everything you've told me.",
      summary = function(ctx)
        return string.format("High-value dispute: £%.2f, payment %s on %s, reason %s.", ctx.amount,
                             ctx.disputed_tx, ctx.payment_date, ctx.reason)
      end,
    },

    fraud_handoff = escalate {
      reason = "unrecognised_payment",
      skills = { "fraud" },
      priority = "urgent",
      flags = { "fraud" },
      text = "If you didn't make this payment, our fraud team needs to look at it. I'm passing "
          .. "you to them now.",
      summary = function(ctx)
        return string.format("Customer doesn't recognise a card payment of £%.2f on %s (payment %s).",
                             ctx.amount, ctx.payment_date, ctx.disputed_tx)
      end,
    },

    to_agent = escalate {
      reason = "not_resolved",
      skills = { "payments" },
      text = "I'll pass you to someone in our payments team.",
    },
  },
}
