return {
  flow = "dispute",
  context = { customer_id = "cus_81f3a2", card_id = "card_4242", locale = "en-GB",
              today = "2024-06-01", at = 1717243200 },
  actions = {
    ["transactions.recent"] = { ok = true, data = { transactions = {
      { id = "tx_7781", merchant = "Currys", amount = 349, date = "2024-05-28" },
      { id = "tx_7779", merchant = "Deliveroo", amount = 24.85, date = "2024-05-27" },
      { id = "tx_7765", merchant = "Ryanair", amount = 612.4, date = "2024-05-20" },
    } } },
    ["disputes.create"] = { ok = true, data = { reference = "DSP-20931", status = "open" } },
  },
  tests = {
    {
      name = "charged twice: the dispute is raised",
      steps = {
        { expect = { status = "waiting", step = "choose_transaction",
                     choices = { "tx1", "tx2", "tx3", "other" }, ui = {
            { type = "text", text = "Which payment would you like to dispute?" },
            { type = "choices", options = {
                { id = "tx1", label = "£349.00 at Currys on 2024-05-28" },
                { id = "tx2", label = "£24.85 at Deliveroo on 2024-05-27" },
                { id = "tx3", label = "£612.40 at Ryanair on 2024-05-20" },
                { id = "other", label = "It's not listed" } } },
          } } },
        { choose = "tx2", expect = { step = "ask_amount", input = "money",
                                     text = "How much do you want to dispute?" } },
        { input = "24.85", expect = { step = "ask_date", input = "date",
                                      text = "What date did the payment leave your account?" } },
        { input = "27/05/2024", expect = { step = "ask_reason",
                                           choices = { "not_received", "charged_twice", "wrong_amount", "not_me" },
                                           text = "What went wrong?" } },
        { choose = "charged_twice", expect = { status = "action", action = "disputes.create",
                                               args = { card_id = "card_4242", transaction_id = "tx_7779",
                                                        amount = 24.85, date = "2024-05-27",
                                                        reason = "duplicate" } } },
        { result = { ok = true, data = { reference = "DSP-20931" } },
          expect = { status = "resolved", step = "raised",
                     text = "Your dispute is open — reference DSP-20931. We'll update you in the app "
                         .. "within 10 working days." } },
      },
    },
    {
      name = "goods not received, raised without a reference from the host",
      actions = { ["disputes.create"] = { ok = true, data = { status = "open" } } },
      steps = {
        { choose = "tx1" },
        { input = "349" },
        { input = "2024-05-28" },
        { choose = "not_received", expect = { action = "disputes.create",
                                              args = { transaction_id = "tx_7781",
                                                       reason = "goods_not_received" } } },
        { expect = { status = "resolved",
                     text = "Your dispute is open. We'll update you in the app within 10 working days." } },
      },
    },
    {
      name = "£500 or more goes to the payments team",
      steps = {
        { choose = "tx3" },
        { input = "612.40" },
        { input = "2024-05-20" },
        { choose = "wrong_amount", expect = { status = "escalated", step = "big_dispute",
                                              reason = "high_value_dispute",
                                              text = "For disputes of £500 or more, someone in our "
                                                  .. "payments team will take it from here. They can "
                                                  .. "see everything you've told me." } },
      },
      outcome = { escalation = { skills = { "payments" }, priority = "high",
                                 summary = "High-value dispute: £612.40, payment tx_7765 on 2024-05-20, "
                                     .. "reason incorrect_amount." } },
    },
    {
      name = "a payment the customer didn't make goes to the fraud team",
      steps = {
        { choose = "tx2" },
        { input = "24.85" },
        { input = "2024-05-27" },
        { choose = "not_me", expect = { status = "escalated", step = "fraud_handoff",
                                        reason = "unrecognised_payment",
                                        text = "If you didn't make this payment, our fraud team needs to "
                                            .. "look at it. I'm passing you to them now." } },
      },
      outcome = { escalation = { skills = { "fraud" }, priority = "urgent", flags = { "fraud" } } },
    },
    {
      name = "a payment that isn't listed",
      steps = {
        { choose = "other" },
        { input = 15, expect = { step = "ask_date" } },
        { input = "2024-04-02" },
        { choose = "wrong_amount", expect = { action = "disputes.create",
                                              args = { transaction_id = "unlisted", amount = 15 } } },
      },
      outcome = { status = "resolved", step = "raised" },
    },
    {
      name = "no recent payments: it was longer ago",
      actions = { ["transactions.recent"] = { ok = true, data = { transactions = {} } } },
      steps = {
        { expect = { step = "no_transactions", choices = { "older", "agent" },
                     text = "I can't see any card payments in the last 60 days." } },
        { choose = "older", expect = { step = "ask_amount" } },
      },
    },
    {
      name = "no recent payments: the customer wants a person",
      actions = { ["transactions.recent"] = { ok = true, data = { transactions = {} } } },
      steps = {
        { choose = "agent", expect = { status = "escalated", step = "to_agent", reason = "not_resolved",
                                       text = "I'll pass you to someone in our payments team." } },
      },
    },
    {
      name = "payments can't be loaded (on_error): the customer tells us about it anyway",
      steps = {
        { result = { ok = false, error = "timeout" },
          expect = { step = "ask_amount",
                     text = { "I couldn't load your recent payments just now, but you can still tell me "
                                  .. "about it.",
                              "How much do you want to dispute?" } } },
        { input = "40" },
        { input = "2024-05-01" },
        { choose = "not_received", expect = { action = "disputes.create",
                                              args = { transaction_id = "unlisted" } } },
      },
    },
    {
      name = "raising the dispute fails and has no on_error (action_failed)",
      actions = { ["disputes.create"] = { ok = false, error = "timeout" } },
      steps = {
        { choose = "tx2" },
        { input = "24.85" },
        { input = "2024-05-27" },
        { choose = "charged_twice" },
      },
      outcome = { status = "escalated", reason = "action_failed",
                  text = "I'll pass you to someone who can help." },
    },
    {
      name = "amount and date answers that don't fit are asked again",
      steps = {
        { choose = "tx2" },
        { input = "0", expect = { step = "ask_amount", ui = {
            { type = "error", text = "Please enter an amount above zero." },
            { type = "text", text = "How much do you want to dispute?" },
            { type = "input", input = "money" },
          } } },
        { input = "30", expect = { step = "ask_amount", ui = {
            { type = "error", text = "That's more than the payment itself (£24.85)." },
            { type = "text", text = "How much do you want to dispute?" },
            { type = "input", input = "money" },
          } } },
        { input = "24.85", expect = { step = "ask_date" } },
        { input = "2024-06-02", expect = { step = "ask_date", ui = {
            { type = "error", text = "That date is in the future." },
            { type = "text", text = "What date did the payment leave your account?" },
            { type = "input", input = "date" },
          } } },
        { input = "2024-05-27", expect = { step = "ask_reason" } },
      },
    },
    {
      name = "three invalid dates in a row (input_failed)",
      steps = {
        { choose = "tx1" },
        { input = "349" },
        { input = "yesterday" },
        { input = "2025-01-01" },
        { input = "32/05/2024", expect = { status = "escalated", reason = "input_failed",
                                           escalation = { skills = { "payments" } } } },
      },
    },
    {
      name = "asking for a person at a question (human intent)",
      steps = {
        { choose = "tx1" },
        { intent = "human", expect = { status = "escalated", reason = "customer_requested",
                                       text = "I'll pass you to someone who can help." } },
      },
    },
    {
      name = "back from the reason question to fix the date",
      steps = {
        { choose = "tx1" },
        { input = "349" },
        { input = "2024-05-27" },
        { intent = "back", expect = { step = "ask_date" } },
        { input = "2024-05-28", expect = { step = "ask_reason" } },
      },
    },
    {
      name = "Welsh",
      context = { customer_id = "cus_81f3a2", card_id = "card_4242", locale = "cy-GB",
                  today = "2024-06-01", at = 1717243200 },
      steps = {
        { expect = { ui = {
            { type = "text", text = "Pa daliad hoffech chi ei herio?" },
            { type = "choices", options = {
                { id = "tx1", label = "£349.00 i Currys ar 2024-05-28" },
                { id = "tx2", label = "£24.85 i Deliveroo ar 2024-05-27" },
                { id = "tx3", label = "£612.40 i Ryanair ar 2024-05-20" },
                { id = "other", label = "Dydy e ddim ar y rhestr" } } },
          } } },
        { choose = "tx2", expect = { text = "Faint ydych chi eisiau ei herio?" } },
        { input = "30", expect = { ui = {
            { type = "error", text = "Mae hynny'n fwy na'r taliad ei hun (£24.85)." },
            { type = "text", text = "Faint ydych chi eisiau ei herio?" },
            { type = "input", input = "money" },
          } } },
        { input = "24.85", expect = { text = "Ar ba ddyddiad gadawodd y taliad eich cyfrif?" } },
        { input = "2024-05-27", expect = { text = "Beth aeth o'i le?" } },
        { choose = "charged_twice" },
        { expect = { status = "resolved",
                     text = "Mae eich anghydfod ar agor — cyfeirnod DSP-20931. Byddwn ni'n rhoi gwybod i "
                         .. "chi sut mae pethau'n mynd yn yr ap o fewn 10 diwrnod gwaith." } },
      },
    },
  },
}
