return {
  flow = "atm_retained_card",
  context = { customer_id = "cus_81f3a2", card_id = "card_4242", locale = "en-GB",
              address = "12 Acacia Avenue, Leeds LS1 4AB", at = 1717243200 },
  actions = {
    ["cards.freeze"] = { ok = true, data = { frozen = true } },
    ["atm.find_withdrawal"] = { ok = true, data = { found = true, transaction_id = "tx_atm_551",
                                                    amount = 100, date = "2024-06-01",
                                                    location = "Sainsbury's, Briggate, Leeds" } },
    ["disputes.create"] = { ok = true, data = { reference = "CLM-40417", status = "open" } },
    ["cards.order_replacement"] = { ok = true, data = { order_id = "ord_6610" } },
  },
  tests = {
    {
      name = "the machine kept the card and the cash: a claim is raised and a new card ordered",
      steps = {
        { result = { ok = true, data = { frozen = true } },
          expect = { status = "waiting", step = "got_cash", choices = { "yes", "no", "no_withdrawal" },
                     text = "We've frozen your card so no one else can use it. Cash machines destroy "
                         .. "the cards they keep, so we'll send you a new one. Did the machine give "
                         .. "you your cash first?" } },
        { choose = "no", expect = { status = "action", action = "atm.find_withdrawal",
                                    args = { card_id = "card_4242" } } },
        { result = { ok = true, data = { found = true, transaction_id = "tx_atm_551", amount = 100,
                                         date = "2024-06-01", location = "Sainsbury's, Briggate, Leeds" } },
          expect = { step = "confirm_withdrawal", choices = { "not_dispensed", "got_it" },
                     text = "I can see £100.00 taken out at a cash machine (Sainsbury's, Briggate, "
                         .. "Leeds) on 2024-06-01. Did that money leave your account without the "
                         .. "machine giving it to you?" } },
        { choose = "not_dispensed",
          expect = { status = "action", action = "disputes.create",
                     args = { card_id = "card_4242", transaction_id = "tx_atm_551", amount = 100,
                              date = "2024-06-01", reason = "atm_cash_not_dispensed" } } },
        { result = { ok = true, data = { reference = "CLM-40417" } },
          expect = { status = "waiting", step = "replace", choices = { "yes", "not_now" },
                     text = { "We've raised a claim for the £100.00 (reference CLM-40417). The "
                                  .. "machine's owner will check its cash, and we'll put the money "
                                  .. "back in your account within 10 working days.",
                              "Shall we send a new card to your home address?" } } },
        { choose = "yes", expect = { status = "action", action = "cards.order_replacement",
                                     args = { card_id = "card_4242", reason = "retained",
                                              address = "12 Acacia Avenue, Leeds LS1 4AB" } } },
        { result = { ok = true, data = { order_id = "ord_6610" } },
          expect = { status = "resolved", step = "done",
                     text = "Your new card is on its way and should arrive within 3 to 5 working "
                         .. "days. Your old card stays frozen." } },
      },
    },
    {
      name = "after the claim is raised, the customer asks for a person",
      steps = {
        { choose = "no" },
        { choose = "not_dispensed" },
        { expect = { step = "replace" } },
        { intent = "human", expect = { status = "escalated", reason = "customer_requested",
                                       text = "I'll pass you to someone in our cards team." } },
      },
      outcome = { escalation = { collected = { claim = { reference = "CLM-40417" } } } },
    },
    {
      name = "the customer got their cash: just a new card",
      steps = {
        { choose = "yes", expect = { step = "replace" } },
        { choose = "yes", expect = { action = "cards.order_replacement" } },
      },
      outcome = { status = "resolved", step = "done" },
    },
    {
      name = "not taking cash out, and no new card for now",
      steps = {
        { choose = "no_withdrawal", expect = { step = "replace" } },
        { choose = "not_now", expect = { status = "resolved", step = "no_replacement",
                                         text = "No problem. Your card stays frozen — you can order "
                                             .. "a new one in the app at any time, under Cards." } },
      },
    },
    {
      name = "no withdrawal on the account: nothing to claim",
      actions = { ["atm.find_withdrawal"] = { ok = true, data = { found = false } } },
      steps = {
        { choose = "no" },
        { expect = { step = "replace",
                     text = { "I can't see any cash taken out with your card today, so no money has "
                                  .. "left your account.",
                              "Shall we send a new card to your home address?" } } },
        { intent = "human", expect = { status = "escalated", reason = "customer_requested" } },
      },
      outcome = { escalation = { collected = { withdrawal = { found = false } } } },
    },
    {
      name = "the withdrawal we found is one the customer did get",
      steps = {
        { choose = "no" },
        { expect = { step = "confirm_withdrawal" } },
        { choose = "got_it", expect = { step = "replace" } },
      },
    },
    {
      name = "the withdrawal can't be looked up (on_error): the payments team takes over",
      actions = { ["atm.find_withdrawal"] = { ok = false, error = "timeout" } },
      steps = {
        { choose = "no" },
        { expect = { status = "escalated", step = "cash_agent", reason = "atm_claim_failed",
                     escalation = { skills = { "payments" }, priority = "high" },
                     text = "I can't look into the missing cash from here right now, so I'll pass "
                         .. "you to our payments team. They can see everything you've told me." } },
      },
    },
    {
      name = "the claim can't be raised (on_error)",
      actions = { ["disputes.create"] = { ok = false, error = "disputes_unavailable" } },
      steps = {
        { choose = "no" },
        { choose = "not_dispensed" },
        { expect = { status = "escalated", step = "cash_agent", reason = "atm_claim_failed",
                     escalation = { collected = { claim = { error = "disputes_unavailable" } } } } },
      },
    },
    {
      name = "the card can't be frozen (on_error): straight to the cards team, urgently",
      steps = {
        { result = { ok = false, error = "card_service_down" },
          expect = { status = "escalated", step = "cant_freeze", reason = "freeze_failed",
                     escalation = { skills = { "cards" }, priority = "urgent" } } },
      },
    },
    {
      name = "ordering the new card fails and has no on_error (action_failed)",
      actions = { ["cards.order_replacement"] = { ok = false, error = "timeout" } },
      steps = {
        { choose = "yes" },
        { choose = "yes" },
      },
      outcome = { status = "escalated", reason = "action_failed",
                  text = "I'll pass you to someone in our cards team.",
                  escalation = { skills = { "cards" } } },
    },
    {
      name = "asking for a person at a choice (human intent)",
      steps = {
        { choose = "yes", expect = { step = "replace" } },
        { intent = "human", expect = { status = "escalated", reason = "customer_requested",
                                       escalation = { skills = { "cards" }, priority = "normal" } } },
      },
    },
    {
      name = "an unknown choice is rejected and changes nothing",
      steps = {
        { choose = "maybe", expect = { error = "unknown_option" } },
        { expect = { status = "waiting", step = "got_cash" } },
      },
    },
    {
      name = "Welsh",
      context = { customer_id = "cus_81f3a2", card_id = "card_4242", locale = "cy-GB",
                  address = "12 Acacia Avenue, Leeds LS1 4AB", at = 1717243200 },
      steps = {
        { expect = { step = "got_cash",
                     text = "Rydyn ni wedi rhewi eich cerdyn fel na all neb arall ei ddefnyddio. Mae "
                         .. "peiriannau arian parod yn dinistrio'r cardiau maen nhw'n eu cadw, felly "
                         .. "byddwn ni'n anfon un newydd atoch chi. Wnaeth y peiriant roi eich arian "
                         .. "i chi yn gyntaf?" } },
        { choose = "no" },
        { expect = { step = "confirm_withdrawal",
                     text = "Galla i weld bod £100.00 wedi'i godi o beiriant arian parod (Sainsbury's, "
                         .. "Briggate, Leeds) ar 2024-06-01. Wnaeth yr arian hwnnw adael eich cyfrif "
                         .. "heb i'r peiriant ei roi i chi?" } },
        { choose = "not_dispensed" },
        { expect = { step = "replace", says = "cyfeirnod CLM-40417",
                     ui = {
                       { type = "text", text = "Rydyn ni wedi gwneud hawliad am y £100.00 (cyfeirnod "
                             .. "CLM-40417). Bydd perchennog y peiriant yn gwirio'r arian sydd ynddo, "
                             .. "a byddwn ni'n rhoi'r arian yn ôl yn eich cyfrif o fewn 10 diwrnod "
                             .. "gwaith." },
                       { type = "text", text = "Gawn ni anfon cerdyn newydd i'ch cyfeiriad cartref?" },
                       { type = "card", title = "Cyfeiriad dosbarthu",
                         body = "12 Acacia Avenue, Leeds LS1 4AB" },
                       { type = "choices", options = {
                           { id = "yes", label = "Cewch, diolch" },
                           { id = "not_now", label = "Dim nawr" } } },
                     } } },
        { choose = "not_now", expect = { status = "resolved",
                                         text = "Dim problem. Bydd eich cerdyn yn aros wedi'i rewi — "
                                             .. "gallwch archebu un newydd yn yr ap unrhyw bryd, o dan "
                                             .. "Cardiau." } },
      },
    },
  },
}
