-- "My card was declined": find out why a card payment failed and fix what the customer can fix
-- themselves (a frozen card, a low balance); anything else goes to the cards team.
local STRINGS = {
  ["en-GB"] = {
    ["frozen"] = "Your card is frozen, so payments are declined.",
    ["choice.unfreeze"] = "Unfreeze my card",
    ["choice.keep"] = "Keep it frozen",
    ["did_it_help"] = "Done — your card is unfrozen. Try the payment again. Did that fix it?",
    ["choice.worked"] = "Yes, it worked",
    ["choice.still_declined"] = "No, still declined",
    ["amount.ask"] = "How much was the payment?",
    ["amount.over_limit"] = "That's over your limit.",
    ["not_found"] = "I couldn't find a declined payment for that amount in the last 7 days.",
    ["choice.retry"] = "Try a different amount",
    ["choice.agent"] = "Talk to someone",
    ["no_funds"] = "Your payment was declined because your balance was too low at the time.",
    ["no_funds.at"] = "Your payment at %s was declined because your balance was too low at the time.",
    ["link.top_up"] = "Add money",
    ["choice.ok"] = "OK, thanks",
    ["choice.not_right"] = "That doesn't look right",
    ["done"] = "Glad that's sorted.",
    ["to_agent"] = "I'll pass you to someone in our cards team.",
    ["cant_check"] = "I can't check your card right now, so I'll pass you to our cards team.",
    ["escalate"] = "I'll pass you to someone who can help.",
    -- the words of the built-in input checks (docs/semantics.md)
    ["input.money"] = "Please enter an amount, like 12.50.",
  },
  ["cy-GB"] = {
    ["frozen"] = "Mae eich cerdyn wedi'i rewi, felly mae taliadau'n cael eu gwrthod.",
    ["choice.unfreeze"] = "Dadrewi fy ngherdyn",
    ["choice.keep"] = "Ei gadw wedi'i rewi",
    ["did_it_help"] = "Dyna ni — mae eich cerdyn wedi'i ddadrewi. Rhowch gynnig ar y taliad eto. "
        .. "Wnaeth hynny ddatrys y broblem?",
    ["choice.worked"] = "Do, fe weithiodd",
    ["choice.still_declined"] = "Naddo, mae'n dal i gael ei wrthod",
    ["amount.ask"] = "Faint oedd y taliad?",
    ["amount.over_limit"] = "Mae hynny dros eich terfyn.",
    ["not_found"] = "Allwn i ddim dod o hyd i daliad a gafodd ei wrthod am y swm hwnnw yn ystod y 7 "
        .. "diwrnod diwethaf.",
    ["choice.retry"] = "Rhoi cynnig ar swm gwahanol",
    ["choice.agent"] = "Siarad â rhywun",
    ["no_funds"] = "Cafodd eich taliad ei wrthod am nad oedd digon o arian yn eich cyfrif ar y "
        .. "pryd.",
    ["no_funds.at"] = "Cafodd eich taliad i %s ei wrthod am nad oedd digon o arian yn eich cyfrif "
        .. "ar y pryd.",
    ["link.top_up"] = "Ychwanegu arian",
    ["choice.ok"] = "Iawn, diolch",
    ["choice.not_right"] = "Dydy hynny ddim yn edrych yn iawn",
    ["done"] = "Falch bod hynny wedi'i ddatrys.",
    ["to_agent"] = "Fe wna i eich trosglwyddo i rywun yn ein tîm cardiau.",
    ["cant_check"] = "Alla i ddim gwirio eich cerdyn ar hyn o bryd, felly fe wna i eich "
        .. "trosglwyddo i'n tîm cardiau.",
    ["escalate"] = "Fe wna i eich trosglwyddo i rywun a all helpu.",
    -- the built-in input checks, in Welsh
    ["input.money"] = "Rhowch swm, fel 12.50, os gwelwch yn dda.",
  },
}

-- A text with data in it, in the customer's language (Welsh for a Welsh locale, as t"key"
-- picks it, else English).
local function fmt(ctx, key, ...)
  local lang = string.match(ctx.locale or "", "^%a+")
  return string.format(STRINGS[lang == "cy" and "cy-GB" or "en-GB"][key], ...)
end

return flow "card_declined" {
  version = 3,
  title = "My card was declined",
  triggers = { "card declined", "payment declined", "card not working", "card refused" },
  start = "check_card",
  skills = { "cards" },
  policy = { max_retries = 2, max_visits = 3 },
  strings = STRINGS,

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
      text = t"frozen",
      choices = {
        { id = "unfreeze", label = t"choice.unfreeze", go = "unfreeze" },
        { id = "keep", label = t"choice.keep", go = "done" },
      },
    },

    unfreeze = action {
      call = "cards.unfreeze",
      args = function(ctx) return { card_id = ctx.card_id } end,
      go = "did_it_help",
    },

    did_it_help = say {
      text = t"did_it_help",
      choices = {
        { id = "yes", label = t"choice.worked", go = "done" },
        { id = "no", label = t"choice.still_declined", go = "to_agent",
          set = { unfreeze_helped = false } },
      },
    },

    ask_amount = ask {
      text = t"amount.ask",
      input = "money",
      validate = function(v)
        if v > 10000 then return false, t"amount.over_limit" end
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
      text = t"not_found",
      choices = {
        { id = "retry", label = t"choice.retry", go = "ask_amount" },
        { id = "agent", label = t"choice.agent", go = "to_agent" },
      },
    },

    no_funds = say {
      text = function(ctx)
        if ctx.payment.merchant then return fmt(ctx, "no_funds.at", ctx.payment.merchant) end
        return t"no_funds"
      end,
      components = {
        { type = "link", label = t"link.top_up", url = "bank://accounts/top-up" },
      },
      choices = {
        { id = "ok", label = t"choice.ok", go = "done" },
        { id = "not_right", label = t"choice.not_right", go = "to_agent",
          set = { disputes_balance = true } },
      },
    },

    done = resolved { text = t"done" },

    -- The summaries are for our agents, who work in English.
    to_agent = escalate {
      reason = "not_resolved",
      skills = { "cards" },
      text = t"to_agent",
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
      text = t"cant_check",
    },
  },
}
