return {
  flow = "payment_not_received",
  context = { customer_id = "cus_81f3a2", account_id = "acc_20931", locale = "en-GB",
              today = "2024-06-01", at = 1717243200 },
  actions = {
    ["payments.find_incoming"] = { ok = true, data = { status = "not_found" } },
    ["payments.find_outgoing"] = { ok = true, data = { found = true, payment_id = "pay_2219",
                                                       payee = "Jordan Evans", date = "2024-05-31",
                                                       status = "processing" } },
  },
  tests = {
    {
      name = "money the customer is waiting for has arrived",
      steps = {
        { expect = { status = "waiting", step = "which_way", choices = { "incoming", "outgoing" },
                     text = "Is this money you're waiting to receive, or a payment you sent that "
                         .. "hasn't arrived?" } },
        { choose = "incoming", expect = { step = "ask_amount", input = "money",
                                          text = "How much was the payment?" } },
        { input = "1,850.00", expect = { step = "ask_sent_date", input = "date",
                                         text = "When did they send it?" } },
        { input = "31/05/2024", expect = { status = "action", action = "payments.find_incoming",
                                           args = { account_id = "acc_20931", amount = 1850,
                                                    sent_on = "2024-05-31" } } },
        { result = { ok = true, data = { status = "credited", sender = "ACME PAYROLL LTD",
                                         credited_on = "2024-05-31" } },
          expect = { status = "resolved", step = "arrived",
                     text = "Good news — £1850.00 from ACME PAYROLL LTD reached your account on "
                         .. "2024-05-31." } },
      },
    },
    {
      name = "money that has reached us but is still being checked",
      actions = { ["payments.find_incoming"] = { ok = true, data = { status = "pending" } } },
      steps = {
        { choose = "incoming" },
        { input = "250" },
        { input = "2024-06-01" },
        { expect = { status = "resolved", step = "incoming_pending",
                     text = "It's reached us and we're finishing our usual checks. It'll be in your "
                         .. "account within 2 hours." } },
      },
    },
    {
      name = "nothing yet, but it's early: the customer will wait",
      steps = {
        { choose = "incoming" },
        { input = "250" },
        { input = "2024-05-28" },
        { expect = { step = "too_early", choices = { "wait", "agent" },
                     text = "Nothing has arrived yet. Payments between UK banks usually take up to 2 "
                         .. "hours, but some, like salaries, take up to 3 working days. If it still "
                         .. "isn't here after that, ask the sender to check with their bank, then "
                         .. "come back to us." } },
        { choose = "wait", expect = { status = "resolved", step = "wait_done",
                                      text = "Thanks. We'll send you a notification as soon as it "
                                          .. "arrives." } },
      },
    },
    {
      name = "nothing yet, it's early, but the customer wants a person",
      steps = {
        { choose = "incoming" },
        { input = "250" },
        { input = "2024-05-31" },
        { expect = { step = "too_early" } },
        { choose = "agent", expect = { status = "escalated", step = "to_payments", reason = "not_resolved",
                                       text = "I'll pass you to someone in our payments team. They can "
                                           .. "see everything you've told me." } },
      },
      outcome = { escalation = { skills = { "payments" }, priority = "normal",
                                 summary = "The customer is expecting £250.00 (sent 2024-05-31) that "
                                     .. "hasn't arrived yet, and wants to talk to someone." } },
    },
    {
      name = "more than 3 working days late: the payments team traces it",
      steps = {
        { choose = "incoming" },
        { input = "250" },
        { input = "2024-05-27" },
        { expect = { status = "escalated", step = "overdue", reason = "incoming_payment_missing",
                     text = "It's been more than 3 working days, so I'll pass you to our payments "
                         .. "team to trace it. They can see everything you've told me." } },
      },
      outcome = { escalation = { skills = { "payments" },
                                 summary = "The customer is expecting £250.00, sent to them on "
                                     .. "2024-05-27, and it hasn't arrived; we have no record of it. "
                                     .. "Please trace it." } },
    },
    {
      name = "payments can't be searched (on_error)",
      actions = { ["payments.find_incoming"] = { ok = false, error = "timeout" } },
      steps = {
        { choose = "incoming" },
        { input = "250" },
        { input = "2024-05-31" },
        { expect = { status = "escalated", step = "cant_search", reason = "payment_search_unavailable",
                     escalation = { skills = { "payments" }, priority = "high" },
                     text = "I can't look up your payments right now, so I'll pass you to our "
                         .. "payments team." } },
      },
    },
    {
      name = "a payment the customer sent goes through while they wait",
      steps = {
        { choose = "outgoing", expect = { step = "ask_amount" } },
        { input = "75", expect = { status = "action", action = "payments.find_outgoing",
                                   args = { account_id = "acc_20931", amount = 75, days = 14 } } },
        { result = { ok = true, data = { found = true, payment_id = "pay_2219", payee = "Jordan Evans",
                                         date = "2024-05-31", status = "processing" } },
          expect = { status = "waiting", step = "in_progress",
                     text = "It's still being processed. I'm checking for an update — this usually "
                         .. "takes a minute or two." } },
        { event = "payment.status_changed", data = { status = "completed" }, after = 40,
          expect = { step = "delivered", choices = { "ok", "still_missing" },
                     text = "Your payment to Jordan Evans left your account on 2024-05-31, and their "
                         .. "bank accepted it. Ask them to check again — their bank can take a little "
                         .. "while to show it." } },
        { choose = "ok", expect = { status = "resolved", step = "done", text = "Glad that's cleared up." } },
      },
    },
    {
      name = "still processing after two minutes",
      steps = {
        { choose = "outgoing" },
        { input = "75" },
        { expect = { step = "in_progress" } },
        { tick = 119, expect = { status = "waiting", step = "in_progress" } },
        { tick = 1, expect = { status = "resolved", step = "still_processing",
                               text = "It's still on its way. Most payments arrive within 2 hours, "
                                   .. "and we'll send you a notification once it's delivered." } },
      },
    },
    {
      name = "the payment is sent back while the customer waits",
      steps = {
        { choose = "outgoing" },
        { input = "75" },
        { event = "payment.status_changed", data = { status = "returned" },
          expect = { status = "resolved", step = "returned",
                     text = "Your payment to Jordan Evans was sent back by their bank — usually because "
                         .. "the account details didn't match — so the money is back in your account. "
                         .. "Check the details with them and send it again." } },
      },
    },
    {
      name = "the payment moves to a status we can't explain: a person takes over",
      steps = {
        { choose = "outgoing" },
        { input = "75" },
        { event = "payment.status_changed", data = { status = "rejected" },
          expect = { status = "escalated", step = "to_payments", reason = "not_resolved" } },
      },
      outcome = { escalation = { summary = "Outgoing payment of £75.00 moved to status 'rejected' "
                                     .. "while the customer waited." } },
    },
    {
      name = "accepted by their bank, but the recipient still hasn't got it",
      actions = { ["payments.find_outgoing"] = { ok = true, data = { found = true, payment_id = "pay_2219",
                                                                     payee = "Jordan Evans",
                                                                     date = "2024-05-30",
                                                                     status = "completed" } } },
      steps = {
        { choose = "outgoing" },
        { input = "75" },
        { expect = { step = "delivered" } },
        { choose = "still_missing", expect = { status = "escalated", step = "to_payments" } },
      },
      outcome = { escalation = { collected = { recipient_says_missing = true },
                                 summary = "Outgoing payment of £75.00 to Jordan Evans shows as accepted "
                                     .. "by the receiving bank, but the recipient says they haven't got "
                                     .. "it. Please trace it." } },
    },
    {
      name = "a payment already sent back",
      actions = { ["payments.find_outgoing"] = { ok = true, data = { found = true, payee = "Jordan Evans",
                                                                     status = "returned" } } },
      steps = {
        { choose = "outgoing" },
        { input = "75" },
        { expect = { status = "resolved", step = "returned" } },
      },
    },
    {
      name = "a payment held for a security check goes to the fraud team, urgently",
      actions = { ["payments.find_outgoing"] = { ok = true, data = { found = true, payment_id = "pay_2219",
                                                                     payee = "Jordan Evans",
                                                                     status = "held" } } },
      steps = {
        { choose = "outgoing" },
        { input = "75" },
        { expect = { status = "escalated", step = "held", reason = "payment_held",
                     text = "We've held this payment for a security check. Our fraud team needs a "
                         .. "quick word with you before it can go, so I'm passing you to them now." } },
      },
      outcome = { escalation = { skills = { "fraud" }, priority = "urgent", flags = { "fraud" } } },
    },
    {
      name = "no such payment: another amount, then a person",
      actions = { ["payments.find_outgoing"] = { ok = true, data = { found = false } } },
      steps = {
        { choose = "outgoing" },
        { input = "75" },
        { expect = { step = "not_sent", choices = { "retry", "agent" },
                     text = "I can't see a payment of £75.00 leaving your account in the last 14 days. "
                         .. "If you set it up for a later date, you'll find it under Payments > "
                         .. "Scheduled." } },
        { choose = "retry", expect = { step = "ask_amount" } },
        { input = "57" },
        { expect = { step = "not_sent" } },
        { choose = "agent", expect = { status = "escalated", step = "to_payments" } },
      },
      outcome = { escalation = { summary = "The customer says they sent £57.00, but we can't find the "
                                     .. "payment." } },
    },
    {
      name = "sent payments can't be searched (on_error)",
      actions = { ["payments.find_outgoing"] = { ok = false, error = "timeout" } },
      steps = {
        { choose = "outgoing" },
        { input = "75" },
        { expect = { status = "escalated", step = "cant_search" } },
      },
    },
    {
      name = "a zero amount and a future date are asked again",
      steps = {
        { choose = "incoming" },
        { input = "0", expect = { step = "ask_amount", ui = {
            { type = "error", text = "Please enter an amount above zero." },
            { type = "text", text = "How much was the payment?" },
            { type = "input", input = "money" },
          } } },
        { input = "12.345", expect = { step = "ask_amount" } },
        { input = "12.34", expect = { step = "ask_sent_date" } },
        { input = "2024-06-03", expect = { step = "ask_sent_date", ui = {
            { type = "error", text = "That date is in the future." },
            { type = "text", text = "When did they send it?" },
            { type = "input", input = "date" },
          } } },
        { input = "2024-06-01", expect = { action = "payments.find_incoming" } },
      },
    },
    {
      name = "asking for a person while we wait for the payment (human intent)",
      steps = {
        { choose = "outgoing" },
        { input = "75" },
        { intent = "human", after = 20,
          expect = { status = "escalated", reason = "customer_requested",
                     text = "I'll pass you to someone in our payments team.",
                     escalation = { skills = { "payments" }, priority = "normal" } } },
      },
    },
    {
      name = "Welsh",
      context = { customer_id = "cus_81f3a2", account_id = "acc_20931", locale = "cy-GB",
                  today = "2024-06-01", at = 1717243200 },
      steps = {
        { expect = { ui = {
            { type = "text", text = "Ai arian rydych chi'n aros i'w gael yw hwn, neu daliad a "
                                   .. "anfonoch chi sydd heb gyrraedd?" },
            { type = "choices", options = { { id = "incoming", label = "Arian rydw i'n aros amdano" },
                                            { id = "outgoing", label = "Taliad a anfonais i" } } },
          } } },
        { choose = "outgoing", expect = { text = "Faint oedd y taliad?" } },
        { input = "75" },
        { event = "payment.status_changed", data = { status = "completed" },
          expect = { text = "Gadawodd eich taliad i Jordan Evans eich cyfrif ar 2024-05-31, ac fe "
                         .. "wnaeth eu banc ei dderbyn. Gofynnwch iddyn nhw wirio eto — gall gymryd "
                         .. "ychydig o amser i'w banc ei ddangos." } },
        { choose = "ok", expect = { status = "resolved", text = "Falch bod hynny'n glir nawr." } },
      },
    },
  },
}
