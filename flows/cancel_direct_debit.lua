-- "Cancel a direct debit", or get back a payment one took by mistake (the Direct Debit
-- Guarantee: we refund at once, no questions asked). Someone cancelling because money is tight
-- is offered our financial support team once the cancellation is done.
local STRINGS = {
  ["en-GB"] = {
    ["what_to_do"] = "What would you like to do?",
    ["choice.cancel"] = "Cancel a direct debit",
    ["choice.refund"] = "Get back a payment taken by mistake",
    ["payee.ask"] = "Who is the direct debit to? The company's name is fine.",
    ["not_found"] = "I can't find a direct debit to \"%s\" on your account.",
    ["choice.retry"] = "Try another name",
    ["choice.agent"] = "Talk to someone",
    ["confirm"] = "Cancel your direct debit to %s? Its last payment was £%.2f on %s.",
    ["choice.yes_cancel"] = "Yes, cancel it",
    ["choice.keep"] = "No, keep it",
    ["why"] = "Before I do — may I ask why? It helps us make sure you get the right support.",
    ["choice.not_needed"] = "I don't need it any more",
    ["choice.switching"] = "I'm switching provider",
    ["choice.money_tight"] = "I'm finding it hard to pay my bills",
    ["cancelled"] = "Done — your direct debit to %s is cancelled. Let them know too, so they can "
        .. "arrange another way for you to pay.",
    ["offer_support"] = "Done — your direct debit to %s is cancelled. You said money is tight at "
        .. "the moment: our financial support team can look at your options with you, with no "
        .. "pressure. Would you like to talk to them?",
    ["choice.talk"] = "Yes, I'd like that",
    ["choice.no_thanks"] = "Not now, thanks",
    ["support"] = "Thank you for telling me. I'm passing you to our financial support team now.",
    ["support_declined"] = "That's fine. If things change, you'll find help under Support > Money "
        .. "worries in the app.",
    ["kept"] = "OK — I haven't changed anything.",
    ["refund_date.ask"] = "When was the payment taken?",
    ["date.future"] = "That date is in the future.",
    ["refund_amount.ask"] = "How much was taken?",
    ["amount.zero"] = "Please enter an amount above zero.",
    ["refunded"] = "Under the Direct Debit Guarantee we've refunded £%.2f to your account. If %s "
        .. "think the payment was due, they'll contact you.",
    ["service_down"] = "I can't manage your direct debits from here right now, so I'll pass you to "
        .. "our payments team.",
    ["to_payments"] = "I'll pass you to someone in our payments team.",
    ["escalate"] = "I'll pass you to someone in our payments team.",
    -- the words of the built-in input checks (docs/semantics.md)
    ["input.text"] = "Please type your answer.",
    ["input.text.too_long"] = "That's too long: please keep it under 1,000 characters.",
    ["input.money"] = "Please enter an amount, like 12.50.",
    ["input.date"] = "Please enter a date as YYYY-MM-DD.",
    ["input.date.no_such_date"] = "That date doesn't exist.",
  },
  ["cy-GB"] = {
    ["what_to_do"] = "Beth hoffech chi ei wneud?",
    ["choice.cancel"] = "Canslo debyd uniongyrchol",
    ["choice.refund"] = "Cael arian yn ôl a gymerwyd trwy gamgymeriad",
    ["payee.ask"] = "I bwy mae'r debyd uniongyrchol yn mynd? Mae enw'r cwmni'n iawn.",
    ["not_found"] = "Alla i ddim dod o hyd i ddebyd uniongyrchol i \"%s\" ar eich cyfrif.",
    ["choice.retry"] = "Rhoi cynnig ar enw arall",
    ["choice.agent"] = "Siarad â rhywun",
    ["confirm"] = "Canslo eich debyd uniongyrchol i %s? Roedd y taliad diwethaf yn £%.2f ar %s.",
    ["choice.yes_cancel"] = "Ie, canslwch e",
    ["choice.keep"] = "Na, cadwch e",
    ["why"] = "Cyn i mi wneud hynny — ga i ofyn pam? Mae'n ein helpu i wneud yn siŵr eich bod "
        .. "chi'n cael y cymorth iawn.",
    ["choice.not_needed"] = "Does dim ei angen arna i mwyach",
    ["choice.switching"] = "Rydw i'n newid darparwr",
    ["choice.money_tight"] = "Rydw i'n ei chael hi'n anodd talu fy miliau",
    ["cancelled"] = "Dyna ni — mae eich debyd uniongyrchol i %s wedi'i ganslo. Rhowch wybod "
        .. "iddyn nhw hefyd, er mwyn iddyn nhw drefnu ffordd arall i chi dalu.",
    ["offer_support"] = "Dyna ni — mae eich debyd uniongyrchol i %s wedi'i ganslo. Fe ddwedoch "
        .. "chi fod arian yn brin ar hyn o bryd: gall ein tîm cymorth ariannol edrych ar eich "
        .. "opsiynau gyda chi, heb unrhyw bwysau. Hoffech chi siarad â nhw?",
    ["choice.talk"] = "Hoffwn, diolch",
    ["choice.no_thanks"] = "Dim nawr, diolch",
    ["support"] = "Diolch am ddweud wrtha i. Rwy'n eich trosglwyddo i'n tîm cymorth ariannol nawr.",
    ["support_declined"] = "Mae hynny'n iawn. Os bydd pethau'n newid, fe welwch chi help o dan "
        .. "Cymorth > Pryderon ariannol yn yr ap.",
    ["kept"] = "Iawn — dydw i ddim wedi newid dim byd.",
    ["refund_date.ask"] = "Pryd cafodd y taliad ei gymryd?",
    ["date.future"] = "Mae'r dyddiad hwnnw yn y dyfodol.",
    ["refund_amount.ask"] = "Faint gafodd ei gymryd?",
    ["amount.zero"] = "Rhowch swm sy'n fwy na sero.",
    ["refunded"] = "O dan y Warant Debyd Uniongyrchol, rydyn ni wedi ad-dalu £%.2f i'ch cyfrif. "
        .. "Os yw %s o'r farn bod y taliad yn ddyledus, byddan nhw'n cysylltu â chi.",
    ["service_down"] = "Alla i ddim rheoli eich debydau uniongyrchol o'r fan hyn ar hyn o bryd, "
        .. "felly fe wna i eich trosglwyddo i'n tîm taliadau.",
    ["to_payments"] = "Fe wna i eich trosglwyddo i rywun yn ein tîm taliadau.",
    ["escalate"] = "Fe wna i eich trosglwyddo i rywun yn ein tîm taliadau.",
    -- the built-in input checks, in Welsh
    ["input.text"] = "Teipiwch eich ateb, os gwelwch yn dda.",
    ["input.text.too_long"] = "Mae hynny'n rhy hir: cadwch o dan 1,000 o nodau, os gwelwch "
        .. "yn dda.",
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

return flow "cancel_direct_debit" {
  version = 1,
  title = "Cancel a direct debit",
  triggers = { "cancel direct debit", "stop direct debit", "direct debit refund",
               "direct debit taken by mistake" },
  start = "what_to_do",
  skills = { "payments" },
  policy = { max_retries = 2, max_visits = 3 },
  strings = STRINGS,

  steps = {
    what_to_do = say {
      text = t"what_to_do",
      choices = {
        { id = "cancel", label = t"choice.cancel", set = { request = "cancel" } },
        { id = "refund", label = t"choice.refund", set = { request = "refund" } },
      },
      go = "ask_payee",
    },

    ask_payee = ask { text = t"payee.ask", input = "text", save = "payee", go = "find_mandate" },

    find_mandate = action {
      call = "direct_debits.find",
      args = function(ctx) return { account_id = ctx.account_id, payee = ctx.payee } end,
      save = "mandate",
      next = {
        { when = function(ctx) return not ctx.mandate.found end, go = "not_found" },
        { when = function(ctx) return ctx.request == "refund" end, go = "ask_refund_date" },
        { go = "confirm_cancel" },
      },
      on_error = "service_down",
    },

    not_found = say {
      text = function(ctx) return fmt(ctx, "not_found", ctx.payee) end,
      choices = {
        { id = "retry", label = t"choice.retry", go = "ask_payee" },
        { id = "agent", label = t"choice.agent", go = "to_payments" },
      },
    },

    confirm_cancel = say {
      text = function(ctx)
        local m = ctx.mandate
        return fmt(ctx, "confirm", m.payee, m.last_amount, m.last_date)
      end,
      choices = {
        { id = "yes", label = t"choice.yes_cancel", go = "why_cancel" },
        { id = "keep", label = t"choice.keep", go = "kept" },
      },
    },

    -- Asked after the decision, never to talk anyone out of it: "money is tight" is a sign of
    -- financial difficulty, and we offer help once the cancellation is done.
    why_cancel = say {
      text = t"why",
      choices = {
        { id = "not_needed", label = t"choice.not_needed", set = { cancel_reason = "not_needed" } },
        { id = "switching", label = t"choice.switching", set = { cancel_reason = "switching" } },
        { id = "money_tight", label = t"choice.money_tight", set = { cancel_reason = "money_tight" } },
      },
      go = "do_cancel",
    },

    do_cancel = action {
      call = "direct_debits.cancel",
      args = function(ctx) return { mandate_id = ctx.mandate.mandate_id } end,
      save = "cancellation",
      next = {
        { when = function(ctx) return ctx.cancel_reason == "money_tight" end, go = "offer_support" },
        { go = "cancelled" },
      },
      on_error = "service_down",
    },

    cancelled = resolved { text = function(ctx) return fmt(ctx, "cancelled", ctx.mandate.payee) end },

    offer_support = say {
      text = function(ctx) return fmt(ctx, "offer_support", ctx.mandate.payee) end,
      choices = {
        { id = "talk", label = t"choice.talk", go = "support" },
        { id = "no_thanks", label = t"choice.no_thanks", go = "support_declined" },
      },
    },

    support = escalate {
      reason = "financial_difficulty",
      skills = { "financial_support" },
      priority = "high",
      flags = { "vulnerable" },
      text = t"support",
      summary = function(ctx)
        return "The customer cancelled their direct debit to " .. ctx.mandate.payee .. " because "
            .. "they are finding it hard to pay their bills, and asked to talk about support."
      end,
    },

    support_declined = resolved { text = t"support_declined" },

    kept = resolved { text = t"kept" },

    ask_refund_date = ask {
      text = t"refund_date.ask",
      input = "date",
      validate = function(v, ctx)
        if ctx.today and v > ctx.today then return false, t"date.future" end
        return true
      end,
      save = "refund_date",
      go = "ask_refund_amount",
    },

    ask_refund_amount = ask {
      text = t"refund_amount.ask",
      input = "money",
      validate = function(v)
        if v <= 0 then return false, t"amount.zero" end
        return true
      end,
      save = "refund_amount",
      go = "claim_refund",
    },

    claim_refund = action {
      call = "direct_debits.claim_refund",
      args = function(ctx)
        return { mandate_id = ctx.mandate.mandate_id, amount = ctx.refund_amount, date = ctx.refund_date }
      end,
      save = "refund",
      go = "refunded",
      on_error = "service_down",
    },

    refunded = resolved {
      text = function(ctx) return fmt(ctx, "refunded", ctx.refund_amount, ctx.mandate.payee) end,
    },

    service_down = escalate {
      reason = "direct_debit_service_unavailable",
      skills = { "payments" },
      priority = "high",
      text = t"service_down",
    },

    to_payments = escalate {
      reason = "not_resolved",
      skills = { "payments" },
      text = t"to_payments",
      summary = function(ctx)
        return "The customer wants to " .. (ctx.request == "refund" and "claim back a payment from"
            or "cancel") .. " a direct debit to \"" .. tostring(ctx.payee) .. "\", which we "
            .. "couldn't find on their account."
      end,
    },
  },
}
