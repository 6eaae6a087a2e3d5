-- "I've lost my card": freeze it first, then find out whether it was lost or stolen. A stolen
-- card gets its recent payments checked, and payments the customer doesn't recognise open a
-- fraud case. Either way a replacement is ordered; sending it to a new address needs the
-- customer to confirm it's them (verify_identity).
local STRINGS = {
  ["en-GB"] = {
    ["frozen"] = "We've frozen your card so no one can use it. Did you lose it, or was it stolen?",
    ["choice.lost"] = "I lost it",
    ["choice.stolen"] = "It was stolen",
    ["choice.found"] = "I've found it",
    ["found"] = "Great — we've unfrozen your card, so you can use it again straight away.",
    ["tx_unavailable"] = "I couldn't load your recent payments just now. If you spot one you "
        .. "don't recognise, tell us in the app and we'll look into it.",
    ["review.item"] = "£%.2f on %s",
    ["review"] = "Here are the payments on your card from the last 7 days. Do you recognise "
        .. "them all?",
    ["choice.all_mine"] = "Yes, they're all mine",
    ["choice.not_mine"] = "No, some aren't mine",
    ["fraud_noted"] = "Thanks for telling us. We've opened a fraud case and our fraud team will "
        .. "be in touch within 2 working days. You won't pay for payments you didn't make.",
    ["fraud_agent"] = "I'll pass you to our fraud team now — they can see everything you've "
        .. "told me.",
    ["address.confirm"] = "Shall we send your new card to your home address?",
    ["choice.address_ok"] = "Yes, send it there",
    ["choice.address_change"] = "Send it somewhere else",
    ["address.title"] = "Delivery address",
    ["address.ask"] = "Where should we send it? Please include the postcode.",
    ["address.invalid"] = "Please give the full address, including the postcode.",
    ["done"] = "Your new card is on its way and should arrive within 3 to 5 working days. "
        .. "Your old card stays frozen.",
    ["cant_freeze"] = "I couldn't freeze your card, so I'm passing you straight to our cards "
        .. "team.",
    ["escalate"] = "I'll pass you to someone in our cards team.",
    -- the words of the built-in input checks (docs/semantics.md)
    ["input.text"] = "Please type your answer.",
    ["input.text.too_long"] = "That's too long: please keep it under 1,000 characters.",
  },
  ["cy-GB"] = {
    ["frozen"] = "Rydyn ni wedi rhewi eich cerdyn fel na all neb ei ddefnyddio. Wnaethoch chi "
        .. "ei golli, neu gafodd ei ddwyn?",
    ["choice.lost"] = "Fe wnes i ei golli",
    ["choice.stolen"] = "Cafodd ei ddwyn",
    ["choice.found"] = "Rydw i wedi dod o hyd iddo",
    ["found"] = "Gwych — rydyn ni wedi dadrewi eich cerdyn, felly gallwch ei ddefnyddio eto ar "
        .. "unwaith.",
    ["tx_unavailable"] = "Doeddwn i ddim yn gallu llwytho eich taliadau diweddar ar hyn o bryd. "
        .. "Os gwelwch chi daliad nad ydych chi'n ei adnabod, rhowch wybod i ni yn yr ap.",
    ["review.item"] = "£%.2f ar %s",
    ["review"] = "Dyma'r taliadau ar eich cerdyn o'r 7 diwrnod diwethaf. Ydych chi'n adnabod "
        .. "pob un?",
    ["choice.all_mine"] = "Ydw, fi wnaeth nhw i gyd",
    ["choice.not_mine"] = "Nac ydw, dydw i ddim yn adnabod rhai ohonyn nhw",
    ["fraud_noted"] = "Diolch am roi gwybod i ni. Rydyn ni wedi agor achos twyll a bydd ein tîm "
        .. "twyll yn cysylltu â chi o fewn 2 ddiwrnod gwaith. Fyddwch chi ddim yn talu am "
        .. "daliadau na wnaethoch chi.",
    ["fraud_agent"] = "Fe wna i eich trosglwyddo i'n tîm twyll nawr — gallan nhw weld popeth "
        .. "rydych chi wedi'i ddweud wrtha i.",
    ["address.confirm"] = "Gawn ni anfon eich cerdyn newydd i'ch cyfeiriad cartref?",
    ["choice.address_ok"] = "Ie, anfonwch e yno",
    ["choice.address_change"] = "Anfonwch e i rywle arall",
    ["address.title"] = "Cyfeiriad dosbarthu",
    ["address.ask"] = "I ble dylen ni ei anfon? Cofiwch gynnwys y cod post.",
    ["address.invalid"] = "Rhowch y cyfeiriad llawn, gan gynnwys y cod post.",
    ["done"] = "Mae eich cerdyn newydd ar ei ffordd a dylai gyrraedd o fewn 3 i 5 diwrnod "
        .. "gwaith. Bydd eich hen gerdyn yn aros wedi'i rewi.",
    ["cant_freeze"] = "Doeddwn i ddim yn gallu rhewi eich cerdyn, felly rwy'n eich trosglwyddo'n "
        .. "syth i'n tîm cardiau.",
    ["escalate"] = "Fe wna i eich trosglwyddo i rywun yn ein tîm cardiau.",
    -- the built-in input checks, in Welsh
    ["input.text"] = "Teipiwch eich ateb, os gwelwch yn dda.",
    ["input.text.too_long"] = "Mae hynny'n rhy hir: cadwch o dan 1,000 o nodau, os gwelwch "
        .. "yn dda.",
  },
}

-- A text with data in it, in the customer's language (Welsh for a Welsh locale, as t"key"
-- picks it, else English).
local function fmt(ctx, key, ...)
  local lang = string.match(ctx.locale or "", "^%a+")
  return string.format(STRINGS[lang == "cy" and "cy-GB" or "en-GB"][key], ...)
end

return flow "lost_card" {
  version = 2,
  title = "I've lost my card",
  triggers = { "lost card", "stolen card", "card stolen", "can't find my card" },
  start = "freeze",
  skills = { "cards" },
  policy = { max_retries = 2, max_visits = 3 },

  strings = STRINGS,

  steps = {
    freeze = action {
      call = "cards.freeze",
      args = function(ctx) return { card_id = ctx.card_id } end,
      save = "freeze",
      go = "lost_or_stolen",
      on_error = "cant_freeze",
    },

    lost_or_stolen = say {
      text = t"frozen",
      choices = {
        { id = "lost", label = t"choice.lost", go = "confirm_address", set = { loss_type = "lost" } },
        { id = "stolen", label = t"choice.stolen", go = "check_transactions",
          set = { loss_type = "stolen" } },
        { id = "found", label = t"choice.found", go = "unfreeze" },
      },
    },

    unfreeze = action {
      call = "cards.unfreeze",
      args = function(ctx) return { card_id = ctx.card_id } end,
      go = "found_done",
    },

    found_done = resolved { text = t"found" },

    check_transactions = action {
      call = "transactions.recent",
      args = function(ctx) return { card_id = ctx.card_id, days = 7 } end,
      save = "recent",
      next = {
        { when = function(ctx) return #ctx.recent.transactions == 0 end, go = "confirm_address" },
        { go = "review_transactions" },
      },
      on_error = "tx_unavailable",
    },

    tx_unavailable = say { text = t"tx_unavailable", go = "confirm_address" },

    review_transactions = say {
      text = t"review",
      components = function(ctx)
        local items = {}
        for i, tx in ipairs(ctx.recent.transactions) do
          items[i] = { id = tx.id, title = tx.merchant,
                       detail = fmt(ctx, "review.item", tx.amount, tx.date) }
        end
        return { { type = "list", items = items } }
      end,
      choices = {
        { id = "all_mine", label = t"choice.all_mine", go = "confirm_address" },
        { id = "not_mine", label = t"choice.not_mine", go = "report_fraud",
          set = { unknown_transactions = true } },
      },
    },

    report_fraud = action {
      call = "fraud.open_case",
      args = function(ctx)
        return { customer_id = ctx.customer_id, card_id = ctx.card_id, reason = "stolen_card" }
      end,
      save = "fraud_case",
      flags = { "fraud" },
      go = "fraud_noted",
      on_error = "fraud_agent",
    },

    fraud_noted = say { text = t"fraud_noted", go = "confirm_address" },

    fraud_agent = escalate {
      reason = "fraud_case_failed",
      skills = { "fraud" },
      priority = "urgent",
      flags = { "fraud" },
      text = t"fraud_agent",
      summary = function(ctx)
        return "Card reported stolen and frozen. The customer doesn't recognise some recent "
            .. "payments, but the fraud case could not be opened: " .. tostring(ctx.fraud_case.error)
            .. "."
      end,
    },

    confirm_address = say {
      text = t"address.confirm",
      components = function(ctx)
        return { { type = "card", title = t"address.title", body = ctx.address } }
      end,
      choices = {
        { id = "yes", label = t"choice.address_ok", go = "order_replacement" },
        { id = "change", label = t"choice.address_change", go = "verify" },
      },
    },

    verify = call { flow = "verify_identity", go = "ask_address" },

    ask_address = ask {
      text = t"address.ask",
      input = "text",
      validate = function(v)
        -- A UK postcode at the end: "LS1 4AB", "SW1A 1AA", "M1 1AE".
        if not string.find(string.upper(v), "%u%u?%d[%u%d]?%s*%d%u%u%s*$") then
          return false, t"address.invalid"
        end
        return true
      end,
      save = "delivery_address",
      go = "order_replacement",
    },

    order_replacement = action {
      call = "cards.order_replacement",
      args = function(ctx)
        return { card_id = ctx.card_id, address = ctx.delivery_address or ctx.address,
                 reason = ctx.loss_type }
      end,
      save = "replacement",
      go = "replacement_done",
    },

    replacement_done = resolved { text = t"done" },

    cant_freeze = escalate {
      reason = "freeze_failed",
      skills = { "cards" },
      priority = "urgent",
      text = t"cant_freeze",
    },
  },
}
