return {
  flow = "card_declined",
  context = { customer_id = "cus_81f3a2", card_id = "card_4242", locale = "en-GB", at = 1717243200 },
  actions = {
    ["cards.get_status"] = { ok = true, data = { frozen = false, status = "active", last4 = "4242" } },
    ["cards.unfreeze"] = { ok = true, data = { frozen = false } },
    ["payments.find_declined"] = { ok = true, data = { found = true, reason = "insufficient_funds",
                                                       merchant = "Tesco Express", amount = 23.4 } },
  },
  tests = {
    {
      name = "frozen card: unfreezing it fixes the payment",
      steps = {
        { result = { ok = true, data = { frozen = true, status = "active" } },
          expect = { status = "waiting", step = "frozen", choices = { "unfreeze", "keep" },
                     text = "Your card is frozen, so payments are declined." } },
        { choose = "unfreeze", expect = { status = "action", action = "cards.unfreeze",
                                          args = { card_id = "card_4242" } } },
        { result = { ok = true, data = { frozen = false } },
          expect = { step = "did_it_help", choices = { "yes", "no" },
                     text = "Done — your card is unfrozen. Try the payment again. Did that fix it?" } },
        { choose = "yes", expect = { status = "resolved", step = "done", text = "Glad that's sorted." } },
      },
    },
    {
      name = "frozen card: unfreezing doesn't help, so the cards team takes over",
      actions = { ["cards.get_status"] = { ok = true, data = { frozen = true } } },
      steps = {
        { choose = "unfreeze" },
        { choose = "no", expect = { status = "escalated", step = "to_agent", reason = "not_resolved",
                                    text = "I'll pass you to someone in our cards team." } },
      },
      outcome = { escalation = { skills = { "cards" }, priority = "normal", flags = {},
                                 collected = { unfreeze_helped = false },
                                 summary = "Card was frozen; the customer unfroze it in the app, but "
                                     .. "payments are still declined." } },
    },
    {
      name = "frozen card: the customer keeps it frozen",
      actions = { ["cards.get_status"] = { ok = true, data = { frozen = true } } },
      steps = {
        { choose = "keep", expect = { status = "resolved", step = "done" } },
      },
    },
    {
      name = "frozen card: unfreezing fails and has no on_error (action_failed)",
      actions = { ["cards.get_status"] = { ok = true, data = { frozen = true } },
                  ["cards.unfreeze"] = { ok = false, error = "timeout" } },
      steps = {
        { choose = "unfreeze" },
      },
      outcome = { status = "escalated", reason = "action_failed",
                  text = "I'll pass you to someone who can help.",
                  escalation = { skills = { "cards" } } },
    },
    {
      name = "the card's status can't be read (on_error)",
      steps = {
        { result = { ok = false, error = "timeout" },
          expect = { status = "escalated", step = "cant_check", reason = "card_status_unavailable",
                     escalation = { skills = { "cards" }, priority = "high" },
                     text = "I can't check your card right now, so I'll pass you to our cards team." } },
      },
    },
    {
      name = "declined for a low balance: the customer accepts it",
      steps = {
        { expect = { step = "ask_amount", input = "money", text = "How much was the payment?" } },
        { input = "£23.40", expect = { status = "action", action = "payments.find_declined",
                                       args = { card_id = "card_4242", amount = 23.4 } } },
        { result = { ok = true, data = { found = true, reason = "insufficient_funds",
                                         merchant = "Tesco Express" } },
          expect = { step = "no_funds", choices = { "ok", "not_right" }, ui = {
            { type = "text", text = "Your payment at Tesco Express was declined because your balance "
                                   .. "was too low at the time." },
            { type = "link", label = "Add money", url = "bank://accounts/top-up" },
            { type = "choices", options = { { id = "ok", label = "OK, thanks" },
                                            { id = "not_right", label = "That doesn't look right" } } },
          } } },
        { choose = "ok", expect = { status = "resolved", step = "done" } },
      },
    },
    {
      name = "declined for a low balance at an unnamed merchant: the customer disagrees",
      actions = { ["payments.find_declined"] = { ok = true, data = { found = true,
                                                                     reason = "insufficient_funds" } } },
      steps = {
        { input = "23.40" },
        { expect = { step = "no_funds", text = "Your payment was declined because your balance was "
                                               .. "too low at the time." } },
        { choose = "not_right", expect = { status = "escalated", step = "to_agent" } },
      },
      outcome = { escalation = { collected = { disputes_balance = true,
                                               decline_reason = "insufficient_funds" },
                                 summary = "Payment of £23.40 at an unknown merchant was declined for "
                                     .. "insufficient funds; the customer says that isn't right." } },
    },
    {
      name = "declined for another reason goes to the cards team",
      actions = { ["payments.find_declined"] = { ok = true, data = { found = true, reason = "suspected_fraud",
                                                                     merchant = "Amazon" } } },
      steps = {
        { input = "59.99" },
        { expect = { status = "escalated", step = "to_agent", reason = "not_resolved" } },
      },
      outcome = { escalation = { collected = { decline_reason = "suspected_fraud" },
                                 summary = "Payment of £59.99 at Amazon was declined (suspected_fraud)." } },
    },
    {
      name = "payment not found: another amount, then a person",
      actions = { ["payments.find_declined"] = { ok = true, data = { found = false } } },
      steps = {
        { input = "10" },
        { expect = { step = "not_found", choices = { "retry", "agent" },
                     text = "I couldn't find a declined payment for that amount in the last 7 days." } },
        { choose = "retry", expect = { step = "ask_amount" } },
        { input = "12" },
        { choose = "agent", expect = { status = "escalated", step = "to_agent" } },
      },
      outcome = { escalation = { summary = "Customer reports a declined payment of £12.00 that we "
                                     .. "couldn't find." } },
    },
    {
      name = "amounts that don't fit are asked again",
      steps = {
        { input = "lots", expect = { step = "ask_amount", ui = {
            { type = "error", text = "Please enter an amount, like 12.50." },
            { type = "text", text = "How much was the payment?" },
            { type = "input", input = "money" },
          } } },
        { input = "12000", expect = { step = "ask_amount", ui = {
            { type = "error", text = "That's over your limit." },
            { type = "text", text = "How much was the payment?" },
            { type = "input", input = "money" },
          } } },
        { input = "12", expect = { action = "payments.find_declined" } },
      },
    },
    {
      name = "three invalid amounts in a row (input_failed)",
      steps = {
        { input = "lots" },
        { input = "20000" },
        { input = "-5", expect = { status = "escalated", reason = "input_failed",
                                   text = "I'll pass you to someone who can help." } },
      },
    },
    {
      name = "trying amount after amount ends in a loop escalation",
      actions = { ["payments.find_declined"] = { ok = true, data = { found = false } } },
      steps = {
        { input = "10" },
        { choose = "retry" },
        { input = "11" },
        { choose = "retry" },
        { input = "12" },
        { choose = "retry", expect = { status = "escalated", reason = "loop" } },
      },
    },
    {
      name = "asking for a person at a choice (human intent)",
      actions = { ["cards.get_status"] = { ok = true, data = { frozen = true } } },
      steps = {
        { intent = "human", expect = { status = "escalated", reason = "customer_requested",
                                       escalation = { skills = { "cards" }, priority = "normal" } } },
      },
    },
    {
      name = "back returns to the previous question",
      actions = { ["payments.find_declined"] = { ok = true, data = { found = false } } },
      steps = {
        { input = "10" },
        { expect = { step = "not_found" } },
        { intent = "back", expect = { status = "waiting", step = "ask_amount" } },
      },
    },
    {
      name = "a third contact within a day goes straight to a person (repeat_contact)",
      context = { customer_id = "cus_81f3a2", card_id = "card_4242", locale = "en-GB", at = 1717243200,
                  prior_outcomes = {
                    { flow = "card_declined", version = 3, outcome = "escalated", finished_at = 1717236000 },
                    { flow = "card_declined", version = 3, outcome = "abandoned", finished_at = 1717239600 },
                  } },
      steps = {
        { expect = { status = "escalated", reason = "repeat_contact",
                     text = "I'll pass you to someone who can help." } },
      },
    },
    {
      name = "Welsh",
      context = { customer_id = "cus_81f3a2", card_id = "card_4242", locale = "cy-GB", at = 1717243200 },
      actions = { ["cards.get_status"] = { ok = true, data = { frozen = true } } },
      steps = {
        { expect = { ui = {
            { type = "text", text = "Mae eich cerdyn wedi'i rewi, felly mae taliadau'n cael eu gwrthod." },
            { type = "choices", options = { { id = "unfreeze", label = "Dadrewi fy ngherdyn" },
                                            { id = "keep", label = "Ei gadw wedi'i rewi" } } },
          } } },
        { choose = "unfreeze" },
        { expect = { text = "Dyna ni — mae eich cerdyn wedi'i ddadrewi. Rhowch gynnig ar y taliad eto. "
                         .. "Wnaeth hynny ddatrys y broblem?" } },
        { choose = "no", expect = { status = "escalated",
                                    text = "Fe wna i eich trosglwyddo i rywun yn ein tîm cardiau." } },
      },
    },
    {
      name = "Welsh: an amount that doesn't fit is asked again in Welsh",
      context = { customer_id = "cus_81f3a2", card_id = "card_4242", locale = "cy-GB", at = 1717243200 },
      steps = {
        { input = "lots", expect = { step = "ask_amount", ui = {
            { type = "error", text = "Rhowch swm, fel 12.50, os gwelwch yn dda." },
            { type = "text", text = "Faint oedd y taliad?" },
            { type = "input", input = "money" },
          } } },
        { input = "12000", expect = { step = "ask_amount", says = "Mae hynny dros eich terfyn." } },
        { input = "23.40", expect = { action = "payments.find_declined" } },
      },
    },
    {
      name = "Welsh: a low balance",
      context = { customer_id = "cus_81f3a2", card_id = "card_4242", locale = "cy", at = 1717243200 },
      steps = {
        { input = "23.40" },
        { expect = { ui = {
            { type = "text", text = "Cafodd eich taliad i Tesco Express ei wrthod am nad oedd digon o "
                                   .. "arian yn eich cyfrif ar y pryd." },
            { type = "link", label = "Ychwanegu arian", url = "bank://accounts/top-up" },
            { type = "choices", options = { { id = "ok", label = "Iawn, diolch" },
                                            { id = "not_right", label = "Dydy hynny ddim yn edrych yn iawn" } } },
          } } },
        { choose = "ok", expect = { status = "resolved", text = "Falch bod hynny wedi'i ddatrys." } },
      },
    },
  },
}
