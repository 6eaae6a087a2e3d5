-- The conversation tests of docs/examples/replace_card.lua (docs/testing.md describes the
-- format). Together they take every step and transition of the flow and of check_identity:
-- `helpflow test --min-coverage 100 docs/examples` passes.
return {
  flow = "replace_card",
  context = { customer_id = "cus_81f3a2", card_id = "card_4242", locale = "en-GB" },
  actions = {
    ["cards.get_status"] = { ok = true, data = { status = "active", expires_in_days = 400 } },
    ["identity.request_check"] = { ok = true, data = {} },
    ["cards.order_replacement"] = { ok = true, data = { order_id = "ord_1" } },
  },
  tests = {
    {
      name = "a cracked card: checked, then a new one ordered",
      steps = {
        { expect = { status = "waiting", step = "what_happened",
                     text = "Sorry to hear that. What's wrong with your card?",
                     choices = { "damaged", "chip", "fine" } } },
        { choose = "damaged", expect = { status = "action", action = "identity.request_check",
                                         subflow = "check_identity" } },
        { expect = { status = "waiting", step = "await_approval",
                     text = "I've sent a request to your banking app: open it and approve it. "
                         .. "I'll wait here." } },
        { event = "identity.verified", after = 40,
          expect = { text = { "Thanks, that's you confirmed.",
                              "What's the postcode of the address we should send it to?" },
                     input = "text" } },
        { input = "not a postcode", expect = { step = "ask_postcode",
                                               says = "That doesn't look like a UK postcode." } },
        { input = "sw1a 1aa", expect = { status = "action", action = "cards.order_replacement",
                                         args = { card_id = "card_4242", postcode = "sw1a 1aa",
                                                  reason = "damaged" } } },
        { result = { ok = true, data = { order_id = "ord_1" } },
          expect = { status = "resolved", step = "ordered" } },
      },
    },
    {
      name = "a card that expires soon: a new one is already on its way",
      actions = { ["cards.get_status"] = { ok = true, data = { status = "active",
                                                               expires_in_days = 12 } } },
      steps = {
        { choose = "chip", expect = { status = "resolved", step = "expiring" } },
      },
    },
    {
      name = "it works now",
      steps = { { choose = "fine", expect = { status = "resolved", text = "Good to hear. Come back any time." } } },
    },
    {
      name = "a blocked card goes to the cards team",
      actions = { ["cards.get_status"] = { ok = true, data = { status = "blocked",
                                                               expires_in_days = 400 } } },
      outcome = { status = "escalated", reason = "not_resolved",
                  escalation = { skills = { "cards" }, priority = "normal" } },
    },
    {
      name = "the card cannot be checked",
      actions = { ["cards.get_status"] = { ok = false, error = "timeout" } },
      outcome = { status = "escalated", reason = "card_status_unavailable",
                  escalation = { priority = "high" } },
    },
    {
      name = "the app never approves: the wait times out",
      steps = {
        { choose = "damaged" },
        { tick = 300, expect = { status = "escalated", reason = "identity_not_verified",
                                 escalation = { skills = { "identity" } } } },
      },
    },
    {
      name = "the approval request cannot be sent",
      actions = { ["identity.request_check"] = { ok = false, error = "unavailable" } },
      steps = {
        { choose = "chip" },
        { expect = { status = "escalated", reason = "identity_not_verified" } },
      },
    },
    {
      name = "the order fails",
      actions = { ["cards.order_replacement"] = { ok = false, error = "timeout" } },
      steps = {
        { choose = "damaged" },
        { event = "identity.verified" },
        { input = "SW1A 1AA" },
        { expect = { status = "escalated", step = "to_agent", reason = "not_resolved" } },
      },
    },
    {
      name = "asking for a person at any waiting step",
      steps = {
        { intent = "human", expect = { status = "escalated", step = "to_agent",
                                       text = "I'll pass you to someone in our cards team." } },
      },
    },
    {
      name = "three bad postcodes in a row (input_failed)",
      steps = {
        { choose = "damaged" },
        { event = "identity.verified" },
        { input = "x" },
        { input = "y" },
        { input = "z", expect = { status = "escalated", reason = "input_failed" } },
      },
    },
    {
      name = "Welsh",
      context = { customer_id = "cus_81f3a2", card_id = "card_4242", locale = "cy-GB" },
      steps = {
        { expect = { text = "Mae'n ddrwg gen i glywed hynny. Beth sy'n bod ar eich cerdyn?" } },
        { choose = "damaged" },
        { event = "identity.verified", expect = { text = {
            "Diolch, rydyn ni wedi cadarnhau mai chi sydd yna.",
            "Beth yw cod post y cyfeiriad y dylen ni ei anfon iddo?" } } },
        { input = "?", expect = { says = "Dydy hwnnw ddim yn edrych fel cod post yn y DU." } },
      },
    },
  },
}
