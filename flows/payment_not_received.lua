-- "A payment hasn't arrived": money the customer is waiting for, or a payment they sent. We
-- look it up and say where it is; money sent to them that is more than WAIT_DAYS late, and
-- payments the recipient still hasn't got, go to the payments team to trace. A payment of
-- theirs still processing gets two minutes to go through while the customer waits.
local WAIT_DAYS = 5 -- 3 working days, with a weekend

local STRINGS = {
  ["en-GB"] = {
    ["which_way"] = "Is this money you're waiting to receive, or a payment you sent that hasn't "
        .. "arrived?",
    ["choice.incoming"] = "Money I'm waiting for",
    ["choice.outgoing"] = "A payment I sent",
    ["amount.ask"] = "How much was the payment?",
    ["amount.zero"] = "Please enter an amount above zero.",
    ["sent_date.ask"] = "When did they send it?",
    ["date.future"] = "That date is in the future.",
    ["arrived"] = "Good news — £%.2f from %s reached your account on %s.",
    ["incoming_pending"] = "It's reached us and we're finishing our usual checks. It'll be in your "
        .. "account within 2 hours.",
    ["too_early"] = "Nothing has arrived yet. Payments between UK banks usually take up to 2 "
        .. "hours, but some, like salaries, take up to 3 working days. If it still isn't here "
        .. "after that, ask the sender to check with their bank, then come back to us.",
    ["choice.will_wait"] = "OK, I'll wait",
    ["choice.agent"] = "Talk to someone",
    ["wait_done"] = "Thanks. We'll send you a notification as soon as it arrives.",
    ["overdue"] = "It's been more than 3 working days, so I'll pass you to our payments team to "
        .. "trace it. They can see everything you've told me.",
    ["not_sent"] = "I can't see a payment of £%.2f leaving your account in the last 14 days. If "
        .. "you set it up for a later date, you'll find it under Payments > Scheduled.",
    ["choice.retry"] = "Try another amount",
    ["delivered"] = "Your payment to %s left your account on %s, and their bank accepted it. Ask "
        .. "them to check again — their bank can take a little while to show it.",
    ["choice.ok"] = "OK, thanks",
    ["choice.still_missing"] = "They still haven't got it",
    ["returned"] = "Your payment to %s was sent back by their bank — usually because the account "
        .. "details didn't match — so the money is back in your account. Check the details with "
        .. "them and send it again.",
    ["held"] = "We've held this payment for a security check. Our fraud team needs a quick word "
        .. "with you before it can go, so I'm passing you to them now.",
    ["in_progress"] = "It's still being processed. I'm checking for an update — this usually takes "
        .. "a minute or two.",
    ["still_processing"] = "It's still on its way. Most payments arrive within 2 hours, and we'll "
        .. "send you a notification once it's delivered.",
    ["done"] = "Glad that's cleared up.",
    ["to_payments"] = "I'll pass you to someone in our payments team. They can see everything "
        .. "you've told me.",
    ["cant_search"] = "I can't look up your payments right now, so I'll pass you to our payments "
        .. "team.",
    ["escalate"] = "I'll pass you to someone in our payments team.",
    -- the words of the built-in input checks (docs/semantics.md)
    ["input.money"] = "Please enter an amount, like 12.50.",
    ["input.date"] = "Please enter a date as YYYY-MM-DD.",
    ["input.date.no_such_date"] = "That date doesn't exist.",
  },
  ["cy-GB"] = {
    ["which_way"] = "Ai arian rydych chi'n aros i'w gael yw hwn, neu daliad a anfonoch chi sydd "
        .. "heb gyrraedd?",
    ["choice.incoming"] = "Arian rydw i'n aros amdano",
    ["choice.outgoing"] = "Taliad a anfonais i",
    ["amount.ask"] = "Faint oedd y taliad?",
    ["amount.zero"] = "Rhowch swm sy'n fwy na sero.",
    ["sent_date.ask"] = "Pryd wnaethon nhw ei anfon?",
    ["date.future"] = "Mae'r dyddiad hwnnw yn y dyfodol.",
    ["arrived"] = "Newyddion da — cyrhaeddodd £%.2f gan %s eich cyfrif ar %s.",
    ["incoming_pending"] = "Mae wedi ein cyrraedd ni ac rydyn ni'n gorffen ein gwiriadau arferol. "
        .. "Bydd yn eich cyfrif o fewn 2 awr.",
    ["too_early"] = "Does dim wedi cyrraedd eto. Mae taliadau rhwng banciau yn y DU fel arfer yn "
        .. "cymryd hyd at 2 awr, ond mae rhai, fel cyflogau, yn cymryd hyd at 3 diwrnod gwaith. "
        .. "Os nad yw wedi cyrraedd ar ôl hynny, gofynnwch i'r anfonwr holi ei fanc, ac yna "
        .. "dewch yn ôl aton ni.",
    ["choice.will_wait"] = "Iawn, fe arhosa i",
    ["choice.agent"] = "Siarad â rhywun",
    ["wait_done"] = "Diolch. Byddwn ni'n anfon hysbysiad atoch chi cyn gynted ag y bydd yn "
        .. "cyrraedd.",
    ["overdue"] = "Mae mwy na 3 diwrnod gwaith wedi mynd heibio, felly fe wna i eich trosglwyddo "
        .. "i'n tîm taliadau i'w olrhain. Gallan nhw weld popeth rydych chi wedi'i ddweud wrtha i.",
    ["not_sent"] = "Alla i ddim gweld taliad o £%.2f yn gadael eich cyfrif yn ystod y 14 diwrnod "
        .. "diwethaf. Os gwnaethoch chi ei drefnu ar gyfer dyddiad diweddarach, fe welwch chi e o "
        .. "dan Taliadau > Wedi'u trefnu.",
    ["choice.retry"] = "Rhoi cynnig ar swm arall",
    ["delivered"] = "Gadawodd eich taliad i %s eich cyfrif ar %s, ac fe wnaeth eu banc ei "
        .. "dderbyn. Gofynnwch iddyn nhw wirio eto — gall gymryd ychydig o amser i'w banc ei "
        .. "ddangos.",
    ["choice.ok"] = "Iawn, diolch",
    ["choice.still_missing"] = "Dydyn nhw ddim wedi'i gael o hyd",
    ["returned"] = "Cafodd eich taliad i %s ei anfon yn ôl gan eu banc — fel arfer am nad oedd "
        .. "manylion y cyfrif yn cyfateb — felly mae'r arian yn ôl yn eich cyfrif. Gwiriwch y "
        .. "manylion gyda nhw a'i anfon eto.",
    ["held"] = "Rydyn ni wedi dal y taliad hwn yn ôl ar gyfer gwiriad diogelwch. Mae angen i'n tîm "
        .. "twyll gael gair sydyn â chi cyn y gall fynd, felly rwy'n eich trosglwyddo iddyn nhw "
        .. "nawr.",
    ["in_progress"] = "Mae'n dal i gael ei brosesu. Rydw i'n gwirio am ddiweddariad — mae hyn fel "
        .. "arfer yn cymryd munud neu ddwy.",
    ["still_processing"] = "Mae'n dal ar ei ffordd. Mae'r rhan fwyaf o daliadau'n cyrraedd o fewn "
        .. "2 awr, a byddwn ni'n anfon hysbysiad atoch chi pan fydd wedi cyrraedd.",
    ["done"] = "Falch bod hynny'n glir nawr.",
    ["to_payments"] = "Fe wna i eich trosglwyddo i rywun yn ein tîm taliadau. Gallan nhw weld "
        .. "popeth rydych chi wedi'i ddweud wrtha i.",
    ["cant_search"] = "Alla i ddim chwilio am eich taliadau ar hyn o bryd, felly fe wna i eich "
        .. "trosglwyddo i'n tîm taliadau.",
    ["escalate"] = "Fe wna i eich trosglwyddo i rywun yn ein tîm taliadau.",
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

-- The day number of a YYYY-MM-DD date (days since 1970-01-01), to count days between dates.
local function day_number(date)
  local y, m, d = string.match(date, "^(%d+)-(%d+)-(%d+)$")
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local doy = (153 * (m > 2 and m - 3 or m + 9) + 2) // 5 + d - 1
  return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
end

return flow "payment_not_received" {
  version = 1,
  title = "A payment hasn't arrived",
  triggers = { "payment not received", "money hasn't arrived", "where is my payment",
               "transfer missing", "salary not paid in" },
  start = "which_way",
  skills = { "payments" },
  policy = { max_retries = 2, max_visits = 3 },
  strings = STRINGS,

  steps = {
    which_way = say {
      text = t"which_way",
      choices = {
        { id = "incoming", label = t"choice.incoming", set = { direction = "incoming" } },
        { id = "outgoing", label = t"choice.outgoing", set = { direction = "outgoing" } },
      },
      go = "ask_amount",
    },

    ask_amount = ask {
      text = t"amount.ask",
      input = "money",
      validate = function(v)
        if v <= 0 then return false, t"amount.zero" end
        return true
      end,
      save = "amount",
      next = {
        { when = function(ctx) return ctx.direction == "incoming" end, go = "ask_sent_date" },
        { go = "find_sent" },
      },
    },

    -- Money the customer is waiting for.

    ask_sent_date = ask {
      text = t"sent_date.ask",
      input = "date",
      validate = function(v, ctx)
        if ctx.today and v > ctx.today then return false, t"date.future" end
        return true
      end,
      save = "sent_on",
      go = "find_incoming",
    },

    find_incoming = action {
      call = "payments.find_incoming",
      args = function(ctx)
        return { account_id = ctx.account_id, amount = ctx.amount, sent_on = ctx.sent_on }
      end,
      save = "incoming",
      next = {
        { when = function(ctx) return ctx.incoming.status == "credited" end, go = "arrived" },
        { when = function(ctx) return ctx.incoming.status == "pending" end, go = "incoming_pending" },
        { when = function(ctx)
            return ctx.today and day_number(ctx.today) - day_number(ctx.sent_on) < WAIT_DAYS
          end, go = "too_early" },
        { go = "overdue" },
      },
      on_error = "cant_search",
    },

    arrived = resolved {
      text = function(ctx)
        return fmt(ctx, "arrived", ctx.amount, ctx.incoming.sender, ctx.incoming.credited_on)
      end,
    },

    incoming_pending = resolved { text = t"incoming_pending" },

    too_early = say {
      text = t"too_early",
      choices = {
        { id = "wait", label = t"choice.will_wait", go = "wait_done" },
        { id = "agent", label = t"choice.agent", go = "to_payments" },
      },
    },

    wait_done = resolved { text = t"wait_done" },

    overdue = escalate {
      reason = "incoming_payment_missing",
      skills = { "payments" },
      text = t"overdue",
      summary = function(ctx)
        return string.format("The customer is expecting £%.2f, sent to them on %s, and it hasn't "
            .. "arrived; we have no record of it. Please trace it.", ctx.amount, ctx.sent_on)
      end,
    },

    -- A payment the customer sent.

    find_sent = action {
      call = "payments.find_outgoing",
      args = function(ctx) return { account_id = ctx.account_id, amount = ctx.amount, days = 14 } end,
      save = "sent",
      next = {
        { when = function(ctx) return not ctx.sent.found end, go = "not_sent" },
        { when = function(ctx) return ctx.sent.status == "completed" end, go = "delivered" },
        { when = function(ctx) return ctx.sent.status == "returned" end, go = "returned" },
        { when = function(ctx) return ctx.sent.status == "held" end, go = "held" },
        { go = "in_progress" },
      },
      on_error = "cant_search",
    },

    not_sent = say {
      text = function(ctx) return fmt(ctx, "not_sent", ctx.amount) end,
      choices = {
        { id = "retry", label = t"choice.retry", go = "ask_amount" },
        { id = "agent", label = t"choice.agent", go = "to_payments" },
      },
    },

    delivered = say {
      text = function(ctx) return fmt(ctx, "delivered", ctx.sent.payee, ctx.sent.date) end,
      choices = {
        { id = "ok", label = t"choice.ok", go = "done" },
        { id = "still_missing", label = t"choice.still_missing", go = "to_payments",
          set = { recipient_says_missing = true } },
      },
    },

    returned = resolved { text = function(ctx) return fmt(ctx, "returned", ctx.sent.payee) end },

    held = escalate {
      reason = "payment_held",
      skills = { "fraud" },
      priority = "urgent",
      flags = { "fraud" },
      text = t"held",
      summary = function(ctx)
        return string.format("Outgoing payment %s of £%.2f to %s is held for a security check; "
            .. "the customer is asking why it hasn't arrived.", tostring(ctx.sent.payment_id),
            ctx.amount, tostring(ctx.sent.payee))
      end,
    },

    -- The host sends payment.status_changed when the payment's status moves on.
    in_progress = wait {
      text = t"in_progress",
      event = "payment.status_changed",
      timeout = 120,
      save = "update",
      go = "after_update",
      on_timeout = "still_processing",
    },

    after_update = decide {
      next = {
        { when = function(ctx) return ctx.update.status == "completed" end, go = "delivered" },
        { when = function(ctx) return ctx.update.status == "returned" end, go = "returned" },
        { go = "to_payments" },
      },
    },

    still_processing = resolved { text = t"still_processing" },

    done = resolved { text = t"done" },

    to_payments = escalate {
      reason = "not_resolved",
      skills = { "payments" },
      text = t"to_payments",
      summary = function(ctx)
        local amount = string.format("£%.2f", ctx.amount or 0)
        if ctx.direction == "incoming" then
          return "The customer is expecting " .. amount .. " (sent " .. tostring(ctx.sent_on)
              .. ") that hasn't arrived yet, and wants to talk to someone."
        end
        if ctx.recipient_says_missing then
          return "Outgoing payment of " .. amount .. " to " .. tostring(ctx.sent.payee)
              .. " shows as accepted by the receiving bank, but the recipient says they haven't "
              .. "got it. Please trace it."
        end
        if ctx.update then
          return "Outgoing payment of " .. amount .. " moved to status '"
              .. tostring(ctx.update.status) .. "' while the customer waited."
        end
        return "The customer says they sent " .. amount .. ", but we can't find the payment."
      end,
    },

    cant_search = escalate {
      reason = "payment_search_unavailable",
      skills = { "payments" },
      priority = "high",
      text = t"cant_search",
    },
  },
}
