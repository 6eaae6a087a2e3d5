-- "Dispute a payment": the customer picks the card payment from their recent ones (or says it
-- isn't listed), tells us the amount, the date and what went wrong, and we raise the dispute.
-- Payments they didn't make go to the fraud team; disputes of £500 or more go to the payments
-- team, who check them by hand.
local BIG_DISPUTE = 500

local STRINGS = {
  ["en-GB"] = {
    ["choose"] = "Which payment would you like to dispute?",
    ["tx.label"] = "£%.2f at %s on %s",
    ["choice.other"] = "It's not listed",
    ["no_transactions"] = "I can't see any card payments in the last 60 days.",
    ["choice.older"] = "It was longer ago",
    ["choice.agent"] = "Talk to someone",
    ["cant_fetch"] = "I couldn't load your recent payments just now, but you can still tell me "
        .. "about it.",
    ["amount.ask"] = "How much do you want to dispute?",
    ["amount.zero"] = "Please enter an amount above zero.",
    ["amount.too_much"] = "That's more than the payment itself (£%.2f).",
    ["date.ask"] = "What date did the payment leave your account?",
    ["date.future"] = "That date is in the future.",
    ["reason.ask"] = "What went wrong?",
    ["choice.not_received"] = "I didn't get what I paid for",
    ["choice.charged_twice"] = "I was charged twice",
    ["choice.wrong_amount"] = "The amount is wrong",
    ["choice.not_me"] = "I didn't make this payment",
    ["raised"] = "Your dispute is open. We'll update you in the app within 10 working days.",
    ["raised.ref"] = "Your dispute is open — reference %s. We'll update you in the app within 10 "
        .. "working days.",
    ["big_dispute"] = "For disputes of £500 or more, someone in our payments team will take it "
        .. "from here. They can see everything you've told me.",
    ["fraud_handoff"] = "If you didn't make this payment, our fraud team needs to look at it. I'm "
        .. "passing you to them now.",
    ["to_agent"] = "I'll pass you to someone in our payments team.",
    ["escalate"] = "I'll pass you to someone who can help.",
    -- the words of the built-in input checks (docs/semantics.md)
    ["input.money"] = "Please enter an amount, like 12.50.",
    ["input.date"] = "Please enter a date as YYYY-MM-DD.",
    ["input.date.no_such_date"] = "That date doesn't exist.",
  },
  ["cy-GB"] = {
    ["choose"] = "Pa daliad hoffech chi ei herio?",
    ["tx.label"] = "£%.2f i %s ar %s",
    ["choice.other"] = "Dydy e ddim ar y rhestr",
    ["no_transactions"] = "Alla i ddim gweld unrhyw daliadau cerdyn yn ystod y 60 diwrnod "
        .. "diwethaf.",
    ["choice.older"] = "Digwyddodd e cyn hynny",
    ["choice.agent"] = "Siarad â rhywun",
    ["cant_fetch"] = "Doeddwn i ddim yn gallu llwytho eich taliadau diweddar ar hyn o bryd, ond "
        .. "gallwch chi ddweud wrtha i amdano o hyd.",
    ["amount.ask"] = "Faint ydych chi eisiau ei herio?",
    ["amount.zero"] = "Rhowch swm sy'n fwy na sero.",
    ["amount.too_much"] = "Mae hynny'n fwy na'r taliad ei hun (£%.2f).",
    ["date.ask"] = "Ar ba ddyddiad gadawodd y taliad eich cyfrif?",
    ["date.future"] = "Mae'r dyddiad hwnnw yn y dyfodol.",
    ["reason.ask"] = "Beth aeth o'i le?",
    ["choice.not_received"] = "Ches i ddim yr hyn y talais i amdano",
    ["choice.charged_twice"] = "Cymerwyd y taliad ddwywaith",
    ["choice.wrong_amount"] = "Mae'r swm yn anghywir",
    ["choice.not_me"] = "Nid fi wnaeth y taliad hwn",
    ["raised"] = "Mae eich anghydfod ar agor. Byddwn ni'n rhoi gwybod i chi sut mae pethau'n "
        .. "mynd yn yr ap o fewn 10 diwrnod gwaith.",
    ["raised.ref"] = "Mae eich anghydfod ar agor — cyfeirnod %s. Byddwn ni'n rhoi gwybod i chi "
        .. "sut mae pethau'n mynd yn yr ap o fewn 10 diwrnod gwaith.",
    ["big_dispute"] = "Ar gyfer anghydfodau gwerth £500 neu fwy, bydd rhywun yn ein tîm taliadau "
        .. "yn cymryd yr awenau o'r fan hon. Gallan nhw weld popeth rydych chi wedi'i ddweud "
        .. "wrtha i.",
    ["fraud_handoff"] = "Os nad chi wnaeth y taliad hwn, mae angen i'n tîm twyll edrych arno. "
        .. "Rwy'n eich trosglwyddo iddyn nhw nawr.",
    ["to_agent"] = "Fe wna i eich trosglwyddo i rywun yn ein tîm taliadau.",
    ["escalate"] = "Fe wna i eich trosglwyddo i rywun a all helpu.",
    -- the built-in input checks, in Welsh
    ["input.money"] = "Rhowch swm, fel 12.50, os gwelwch yn dda.",
    ["input.date"] = "Rhowch ddyddiad ar ffurf BBBB-MM-DD, os gwelwch yn dda.",
    ["input.date.no_such_date"] = "Dydy'r dyddiad hwnnw ddim yn bodoli.",
  },
}

-- A text with data in it, in the customer's language (Welsh for a Welsh locale, as t"key"
-- picks it, else English).
local function fmt(ctx, key, ...)
  local lang = string.match(ctx.locale or "", "^%a+")
  return string.format(STRINGS[lang == "cy" and "cy-GB" or "en-GB"][key], ...)
end

-- The label of the i-th recent payment, e.g. "£42.99 at Currys on 2024-03-02".
local function payment_label(ctx, i)
  local tx = ctx.recent and ctx.recent.transactions and ctx.recent.transactions[i]
  if not tx then return "—" end
  return fmt(ctx, "tx.label", tx.amount, tx.merchant, tx.date)
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
  strings = STRINGS,

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
      text = t"choose",
      choices = {
        { id = "tx1", label = function(ctx) return payment_label(ctx, 1) end, set = pick(1) },
        { id = "tx2", label = function(ctx) return payment_label(ctx, 2) end, set = pick(2) },
        { id = "tx3", label = function(ctx) return payment_label(ctx, 3) end, set = pick(3) },
        { id = "other", label = t"choice.other",
          set = { disputed_tx = "unlisted", max_amount = false } },
      },
      go = "ask_amount",
    },

    no_transactions = say {
      text = t"no_transactions",
      choices = {
        { id = "older", label = t"choice.older", go = "ask_amount",
          set = { disputed_tx = "unlisted" } },
        { id = "agent", label = t"choice.agent", go = "to_agent" },
      },
    },

    cant_fetch = say {
      text = t"cant_fetch",
      set = { disputed_tx = "unlisted" },
      go = "ask_amount",
    },

    ask_amount = ask {
      text = t"amount.ask",
      input = "money",
      validate = function(v, ctx)
        if v <= 0 then return false, t"amount.zero" end
        if ctx.max_amount and v > ctx.max_amount then
          return false, fmt(ctx, "amount.too_much", ctx.max_amount)
        end
        return true
      end,
      save = "amount",
      go = "ask_date",
    },

    ask_date = ask {
      text = t"date.ask",
      input = "date",
      validate = function(v, ctx)
        if ctx.today and v > ctx.today then return false, t"date.future" end
        return true
      end,
      save = "payment_date",
      go = "ask_reason",
    },

    ask_reason = say {
      text = t"reason.ask",
      choices = {
        { id = "not_received", label = t"choice.not_received",
          set = { reason = "goods_not_received" } },
        { id = "charged_twice", label = t"choice.charged_twice", set = { reason = "duplicate" } },
        { id = "wrong_amount", label = t"choice.wrong_amount", set = { reason = "incorrect_amount" } },
        { id = "not_me", label = t"choice.not_me", go = "fraud_handoff",
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
        if ref then return fmt(ctx, "raised.ref", ref) end
        return t"raised"
      end,
    },

    big_dispute = escalate {
      reason = "high_value_dispute",
      skills = { "payments" },
      priority = "high",
      text = t"big_dispute",
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
      text = t"fraud_handoff",
      summary = function(ctx)
        return string.format("Customer doesn't recognise a card payment of £%.2f on %s (payment %s).",
                             ctx.amount, ctx.payment_date, ctx.disputed_tx)
      end,
    },

    to_agent = escalate {
      reason = "not_resolved",
      skills = { "payments" },
      text = t"to_agent",
    },
  },
}
