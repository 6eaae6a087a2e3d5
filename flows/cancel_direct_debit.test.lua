return {
  flow = "cancel_direct_debit",
  context = { customer_id = "cus_81f3a2", account_id = "acc_20931", locale = "en-GB",
              today = "2024-06-01", at = 1717243200 },
  actions = {
    ["direct_debits.find"] = { ok = true, data = { found = true, mandate_id = "ddm_3301",
                                                   payee = "PureGym", last_amount = 24.99,
                                                   last_date = "2024-05-15", next_date = "2024-06-15" } },
    ["direct_debits.cancel"] = { ok = true, data = { cancelled = true } },
    ["direct_debits.claim_refund"] = { ok = true, data = { reference = "DDG-7781", refunded = true } },
  },
  tests = {
    {
      name = "cancel a direct debit the customer no longer needs",
      steps = {
        { expect = { status = "waiting", step = "what_to_do", choices = { "cancel", "refund" },
                     text = "What would you like to do?" } },
        { choose = "cancel", expect = { step = "ask_payee", input = "text",
                                        text = "Who is the direct debit to? The company's name is fine." } },
        { input = "the gym", expect = { status = "action", action = "direct_debits.find",
                                        args = { account_id = "acc_20931", payee = "the gym" } } },
        { result = { ok = true, data = { found = true, mandate_id = "ddm_3301", payee = "PureGym",
                                         last_amount = 24.99, last_date = "2024-05-15" } },
          expect = { step = "confirm_cancel", choices = { "yes", "keep" },
                     text = "Cancel your direct debit to PureGym? Its last payment was £24.99 on "
                         .. "2024-05-15." } },
        { choose = "yes", expect = { step = "why_cancel", choices = { "not_needed", "switching", "money_tight" },
                                     text = "Before I do — may I ask why? It helps us make sure you get "
                                         .. "the right support." } },
        { choose = "not_needed", expect = { status = "action", action = "direct_debits.cancel",
                                            args = { mandate_id = "ddm_3301" } } },
        { result = { ok = true, data = { cancelled = true } },
          expect = { status = "resolved", step = "cancelled",
                     text = "Done — your direct debit to PureGym is cancelled. Let them know too, so "
                         .. "they can arrange another way for you to pay." } },
      },
    },
    {
      name = "cancel because of switching provider",
      steps = {
        { choose = "cancel" },
        { input = "PureGym" },
        { expect = { step = "confirm_cancel" } },
        { choose = "yes" },
        { choose = "switching", expect = { action = "direct_debits.cancel" } },
      },
      outcome = { status = "resolved", step = "cancelled" },
    },
    {
      name = "money is tight: after cancelling, the customer takes up our support offer",
      steps = {
        { choose = "cancel" },
        { input = "PureGym" },
        { choose = "yes" },
        { choose = "money_tight", expect = { action = "direct_debits.cancel" } },
        { expect = { step = "offer_support", choices = { "talk", "no_thanks" },
                     text = "Done — your direct debit to PureGym is cancelled. You said money is tight "
                         .. "at the moment: our financial support team can look at your options with "
                         .. "you, with no pressure. Would you like to talk to them?" } },
        { choose = "talk", expect = { status = "escalated", step = "support",
                                      text = "Thank you for telling me. I'm passing you to our "
                                          .. "financial support team now." } },
      },
      outcome = { status = "escalated", reason = "financial_difficulty",
                  escalation = { skills = { "financial_support" }, priority = "high",
                                 flags = { "vulnerable" },
                                 collected = { cancel_reason = "money_tight" } } },
    },
    {
      name = "money is tight, but the customer doesn't want to talk now",
      steps = {
        { choose = "cancel" },
        { input = "PureGym" },
        { choose = "yes" },
        { choose = "money_tight" },
        { expect = { step = "offer_support" } },
        { choose = "no_thanks", expect = { status = "resolved", step = "support_declined",
                                           text = "That's fine. If things change, you'll find help "
                                               .. "under Support > Money worries in the app." } },
      },
    },
    {
      name = "the customer changes their mind and keeps it",
      steps = {
        { choose = "cancel" },
        { input = "PureGym" },
        { choose = "keep", expect = { status = "resolved", step = "kept",
                                      text = "OK — I haven't changed anything." } },
      },
    },
    {
      name = "no direct debit by that name: the customer tries another name",
      steps = {
        { choose = "cancel" },
        { input = "gym", expect = { action = "direct_debits.find" } },
        { result = { ok = true, data = { found = false } },
          expect = { step = "not_found", choices = { "retry", "agent" },
                     text = "I can't find a direct debit to \"gym\" on your account." } },
        { choose = "retry", expect = { step = "ask_payee" } },
        { input = "PureGym" },
        { expect = { step = "confirm_cancel" } },
      },
    },
    {
      name = "no direct debit by that name: the customer asks for a person",
      actions = { ["direct_debits.find"] = { ok = true, data = { found = false } } },
      steps = {
        { choose = "cancel" },
        { input = "gym" },
        { choose = "agent", expect = { status = "escalated", step = "to_payments", reason = "not_resolved",
                                       text = "I'll pass you to someone in our payments team." } },
      },
    },
    {
      name = "direct debits can't be looked up (on_error)",
      actions = { ["direct_debits.find"] = { ok = false, error = "timeout" } },
      steps = {
        { choose = "cancel" },
        { input = "PureGym" },
        { expect = { status = "escalated", step = "service_down",
                     reason = "direct_debit_service_unavailable",
                     escalation = { skills = { "payments" }, priority = "high" },
                     text = "I can't manage your direct debits from here right now, so I'll pass you "
                         .. "to our payments team." } },
      },
    },
    {
      name = "the cancellation fails (on_error)",
      actions = { ["direct_debits.cancel"] = { ok = false, error = "bacs_unavailable" } },
      steps = {
        { choose = "cancel" },
        { input = "PureGym" },
        { choose = "yes" },
        { choose = "not_needed" },
        { expect = { status = "escalated", step = "service_down" } },
      },
    },
    {
      name = "a payment taken by mistake is refunded under the Direct Debit Guarantee",
      steps = {
        { choose = "refund" },
        { input = "PureGym" },
        { expect = { step = "ask_refund_date", input = "date", text = "When was the payment taken?" } },
        { input = "15/05/2024", expect = { step = "ask_refund_amount", input = "money",
                                           text = "How much was taken?" } },
        { input = "£24.99", expect = { status = "action", action = "direct_debits.claim_refund",
                                       args = { mandate_id = "ddm_3301", amount = 24.99,
                                                date = "2024-05-15" } } },
        { result = { ok = true, data = { reference = "DDG-7781", refunded = true } },
          expect = { status = "resolved", step = "refunded",
                     text = "Under the Direct Debit Guarantee we've refunded £24.99 to your account. "
                         .. "If PureGym think the payment was due, they'll contact you." } },
      },
    },
    {
      name = "a future date and a zero amount are asked again",
      steps = {
        { choose = "refund" },
        { input = "PureGym" },
        { input = "2024-06-02", expect = { step = "ask_refund_date", ui = {
            { type = "error", text = "That date is in the future." },
            { type = "text", text = "When was the payment taken?" },
            { type = "input", input = "date" },
          } } },
        { input = "2024-05-15", expect = { step = "ask_refund_amount" } },
        { input = "0", expect = { step = "ask_refund_amount", ui = {
            { type = "error", text = "Please enter an amount above zero." },
            { type = "text", text = "How much was taken?" },
            { type = "input", input = "money" },
          } } },
        { input = "24.99", expect = { action = "direct_debits.claim_refund" } },
      },
      outcome = { status = "resolved", step = "refunded" },
    },
    {
      name = "the refund claim fails (on_error)",
      actions = { ["direct_debits.claim_refund"] = { ok = false, error = "timeout" } },
      steps = {
        { choose = "refund" },
        { input = "PureGym" },
        { input = "2024-05-15" },
        { input = "24.99" },
        { expect = { status = "escalated", step = "service_down" } },
      },
    },
    {
      name = "asking for a person at a question (human intent)",
      steps = {
        { choose = "cancel" },
        { intent = "human", expect = { status = "escalated", reason = "customer_requested",
                                       escalation = { skills = { "payments" } },
                                       text = "I'll pass you to someone in our payments team." } },
      },
    },
    {
      name = "restart goes back to the first question",
      steps = {
        { choose = "cancel" },
        { input = "PureGym" },
        { intent = "restart", expect = { status = "waiting", step = "what_to_do" } },
      },
    },
    {
      name = "Welsh",
      context = { customer_id = "cus_81f3a2", account_id = "acc_20931", locale = "cy-GB",
                  today = "2024-06-01", at = 1717243200 },
      steps = {
        { expect = { text = "Beth hoffech chi ei wneud?", ui = {
            { type = "text", text = "Beth hoffech chi ei wneud?" },
            { type = "choices", options = {
                { id = "cancel", label = "Canslo debyd uniongyrchol" },
                { id = "refund", label = "Cael arian yn ôl a gymerwyd trwy gamgymeriad" } } },
          } } },
        { choose = "cancel", expect = { text = "I bwy mae'r debyd uniongyrchol yn mynd? Mae enw'r "
                                            .. "cwmni'n iawn." } },
        { input = "PureGym" },
        { expect = { text = "Canslo eich debyd uniongyrchol i PureGym? Roedd y taliad diwethaf yn "
                         .. "£24.99 ar 2024-05-15." } },
        { choose = "yes" },
        { choose = "money_tight" },
        { expect = { step = "offer_support", says = "Hoffech chi siarad â nhw?" } },
        { choose = "talk", expect = { status = "escalated",
                                      text = "Diolch am ddweud wrtha i. Rwy'n eich trosglwyddo i'n tîm "
                                          .. "cymorth ariannol nawr." } },
      },
    },
  },
}
