-- "A cash machine kept my card": freeze the card at once (machines destroy the cards they keep,
-- so it never comes back), check whether the customer lost cash too and raise a claim if so,
-- then order a replacement.
local STRINGS = {
  ["en-GB"] = {
    ["got_cash"] = "We've frozen your card so no one else can use it. Cash machines destroy the "
        .. "cards they keep, so we'll send you a new one. Did the machine give you your cash first?",
    ["choice.got_cash"] = "Yes, I got my cash",
    ["choice.no_cash"] = "No, I didn't get it",
    ["choice.no_withdrawal"] = "I wasn't taking cash out",
    ["withdrawal"] = "I can see £%.2f taken out at a cash machine (%s) on %s. Did that money leave "
        .. "your account without the machine giving it to you?",
    ["choice.not_dispensed"] = "Yes — I didn't get that cash",
    ["choice.got_that"] = "No, I got that cash",
    ["no_withdrawal"] = "I can't see any cash taken out with your card today, so no money has left "
        .. "your account.",
    ["claim_raised"] = "We've raised a claim for the £%.2f (reference %s). The machine's owner "
        .. "will check its cash, and we'll put the money back in your account within 10 working "
        .. "days.",
    ["replace"] = "Shall we send a new card to your home address?",
    ["address.title"] = "Delivery address",
    ["choice.yes_please"] = "Yes, please",
    ["choice.not_now"] = "Not now",
    ["done"] = "Your new card is on its way and should arrive within 3 to 5 working days. Your "
        .. "old card stays frozen.",
    ["no_replacement"] = "No problem. Your card stays frozen — you can order a new one in the app "
        .. "at any time, under Cards.",
    ["cant_freeze"] = "I couldn't freeze your card, so I'm passing you straight to our cards team.",
    ["cash_agent"] = "I can't look into the missing cash from here right now, so I'll pass you to "
        .. "our payments team. They can see everything you've told me.",
    ["escalate"] = "I'll pass you to someone in our cards team.",
  },
  ["cy-GB"] = {
    ["got_cash"] = "Rydyn ni wedi rhewi eich cerdyn fel na all neb arall ei ddefnyddio. Mae "
        .. "peiriannau arian parod yn dinistrio'r cardiau maen nhw'n eu cadw, felly byddwn ni'n "
        .. "anfon un newydd atoch chi. Wnaeth y peiriant roi eich arian i chi yn gyntaf?",
    ["choice.got_cash"] = "Do, ces i fy arian",
    ["choice.no_cash"] = "Naddo, ches i mo'r arian",
    ["choice.no_withdrawal"] = "Doeddwn i ddim yn codi arian",
    ["withdrawal"] = "Galla i weld bod £%.2f wedi'i godi o beiriant arian parod (%s) ar %s. Wnaeth "
        .. "yr arian hwnnw adael eich cyfrif heb i'r peiriant ei roi i chi?",
    ["choice.not_dispensed"] = "Do — ches i mo'r arian hwnnw",
    ["choice.got_that"] = "Naddo, ces i'r arian hwnnw",
    ["no_withdrawal"] = "Alla i ddim gweld bod arian wedi'i godi gyda'ch cerdyn heddiw, felly does "
        .. "dim arian wedi gadael eich cyfrif.",
    ["claim_raised"] = "Rydyn ni wedi gwneud hawliad am y £%.2f (cyfeirnod %s). Bydd perchennog y "
        .. "peiriant yn gwirio'r arian sydd ynddo, a byddwn ni'n rhoi'r arian yn ôl yn eich cyfrif "
        .. "o fewn 10 diwrnod gwaith.",
    ["replace"] = "Gawn ni anfon cerdyn newydd i'ch cyfeiriad cartref?",
    ["address.title"] = "Cyfeiriad dosbarthu",
    ["choice.yes_please"] = "Cewch, diolch",
    ["choice.not_now"] = "Dim nawr",
    ["done"] = "Mae eich cerdyn newydd ar ei ffordd a dylai gyrraedd o fewn 3 i 5 diwrnod gwaith. "
        .. "Bydd eich hen gerdyn yn aros wedi'i rewi.",
    ["no_replacement"] = "Dim problem. Bydd eich cerdyn yn aros wedi'i rewi — gallwch archebu un "
        .. "newydd yn yr ap unrhyw bryd, o dan Cardiau.",
    ["cant_freeze"] = "Doeddwn i ddim yn gallu rhewi eich cerdyn, felly rwy'n eich trosglwyddo'n "
        .. "syth i'n tîm cardiau.",
    ["cash_agent"] = "Alla i ddim ymchwilio i'r arian coll o'r fan hyn ar hyn o bryd, felly fe wna "
        .. "i eich trosglwyddo i'n tîm taliadau. Gallan nhw weld popeth rydych chi wedi'i ddweud "
        .. "wrtha i.",
    ["escalate"] = "Fe wna i eich trosglwyddo i rywun yn ein tîm cardiau.",
  },
}

-- A text with data in it, in the customer's language (Welsh for a Welsh locale, as t"key"
-- picks it, else English).
local function fmt(ctx, key, ...)
  local lang = string.match(ctx.locale or "", "^%a+")
  return string.format(STRINGS[lang == "cy" and "cy-GB" or "en-GB"][key], ...)
end

return flow "atm_retained_card" {
  version = 1,
  title = "A cash machine kept my card",
  triggers = { "atm kept my card", "cash machine swallowed my card", "card retained", "atm took my card" },
  start = "freeze",
  skills = { "cards" },
  policy = { max_retries = 2, max_visits = 3 },
  strings = STRINGS,

  steps = {
    freeze = action {
      call = "cards.freeze",
      args = function(ctx) return { card_id = ctx.card_id } end,
      save = "freeze",
      go = "got_cash",
      on_error = "cant_freeze",
    },

    got_cash = say {
      text = t"got_cash",
      choices = {
        { id = "yes", label = t"choice.got_cash", go = "replace" },
        { id = "no", label = t"choice.no_cash", go = "find_withdrawal" },
        { id = "no_withdrawal", label = t"choice.no_withdrawal", go = "replace" },
      },
    },

    find_withdrawal = action {
      call = "atm.find_withdrawal",
      args = function(ctx) return { card_id = ctx.card_id } end,
      save = "withdrawal",
      next = {
        { when = function(ctx) return ctx.withdrawal.found end, go = "confirm_withdrawal" },
        { go = "no_withdrawal" },
      },
      on_error = "cash_agent",
    },

    no_withdrawal = say { text = t"no_withdrawal", go = "replace" },

    confirm_withdrawal = say {
      text = function(ctx)
        local w = ctx.withdrawal
        return fmt(ctx, "withdrawal", w.amount, w.location, w.date)
      end,
      choices = {
        { id = "not_dispensed", label = t"choice.not_dispensed", go = "raise_claim" },
        { id = "got_it", label = t"choice.got_that", go = "replace" },
      },
    },

    raise_claim = action {
      call = "disputes.create",
      args = function(ctx)
        local w = ctx.withdrawal
        return { card_id = ctx.card_id, transaction_id = w.transaction_id, amount = w.amount,
                 date = w.date, reason = "atm_cash_not_dispensed" }
      end,
      save = "claim",
      go = "claim_raised",
      on_error = "cash_agent",
    },

    claim_raised = say {
      text = function(ctx)
        return fmt(ctx, "claim_raised", ctx.withdrawal.amount, ctx.claim.reference or "—")
      end,
      go = "replace",
    },

    replace = say {
      text = t"replace",
      components = function(ctx)
        return { { type = "card", title = t"address.title", body = ctx.address } }
      end,
      choices = {
        { id = "yes", label = t"choice.yes_please", go = "order_replacement" },
        { id = "not_now", label = t"choice.not_now", go = "no_replacement" },
      },
    },

    order_replacement = action {
      call = "cards.order_replacement",
      args = function(ctx)
        return { card_id = ctx.card_id, address = ctx.address, reason = "retained" }
      end,
      save = "replacement",
      go = "done",
    },

    done = resolved { text = t"done" },

    no_replacement = resolved { text = t"no_replacement" },

    cant_freeze = escalate {
      reason = "freeze_failed",
      skills = { "cards" },
      priority = "urgent",
      text = t"cant_freeze",
    },

    cash_agent = escalate {
      reason = "atm_claim_failed",
      skills = { "payments" },
      priority = "high",
      text = t"cash_agent",
      summary = function(ctx)
        local w = ctx.withdrawal
        if w and w.found then
          return string.format("A cash machine kept the customer's card (now frozen) and didn't "
              .. "give them £%.2f (%s, %s); the claim could not be raised: %s.", w.amount,
              tostring(w.location), tostring(w.date), tostring(ctx.claim and ctx.claim.error))
        end
        return "A cash machine kept the customer's card (now frozen) and didn't give them their "
            .. "cash; we couldn't look up the withdrawal: " .. tostring(w and w.error) .. "."
      end,
    },
  },
}
