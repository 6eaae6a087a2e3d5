return {
  flow = "lost_card",
  context = { customer_id = "cus_81f3a2", card_id = "card_4242", locale = "en-GB",
              address = "12 Acacia Avenue, Leeds LS1 4AB", at = 1717243200 },
  actions = {
    ["cards.freeze"] = { ok = true, data = { frozen = true } },
    ["cards.unfreeze"] = { ok = true, data = { frozen = false } },
    ["transactions.recent"] = { ok = true, data = { transactions = {
      { id = "tx_901", merchant = "Pret A Manger", amount = 6.45, date = "2024-05-31" },
      { id = "tx_903", merchant = "ASOS", amount = 184.99, date = "2024-06-01" },
    } } },
    ["fraud.open_case"] = { ok = true, data = { case_id = "fc_3321" } },
    ["identity.request_check"] = { ok = true, data = { request_id = "idr_77" } },
    ["cards.order_replacement"] = { ok = true, data = { order_id = "ord_5521", arrives_by = "2024-06-06" } },
  },
  tests = {
    {
      name = "lost: a replacement goes to the home address",
      steps = {
        { result = { ok = true, data = { frozen = true } },
          expect = { status = "waiting", step = "lost_or_stolen", choices = { "lost", "stolen", "found" },
                     text = "We've frozen your card so no one can use it. Did you lose it, or was it "
                         .. "stolen?" } },
        { choose = "lost", expect = { step = "confirm_address", choices = { "yes", "change" }, ui = {
            { type = "text", text = "Shall we send your new card to your home address?" },
            { type = "card", title = "Delivery address", body = "12 Acacia Avenue, Leeds LS1 4AB" },
            { type = "choices", options = { { id = "yes", label = "Yes, send it there" },
                                            { id = "change", label = "Send it somewhere else" } } },
          } } },
        { choose = "yes", expect = { status = "action", action = "cards.order_replacement",
                                     args = { card_id = "card_4242", reason = "lost",
                                              address = "12 Acacia Avenue, Leeds LS1 4AB" } } },
        { result = { ok = true, data = { order_id = "ord_5521" } },
          expect = { status = "resolved", step = "replacement_done",
                     text = "Your new card is on its way and should arrive within 3 to 5 working days. "
                         .. "Your old card stays frozen." } },
      },
    },
    {
      name = "found it: the card is unfrozen",
      steps = {
        { choose = "found", expect = { status = "action", action = "cards.unfreeze",
                                       args = { card_id = "card_4242" } } },
        { result = { ok = true, data = { frozen = false } },
          expect = { status = "resolved", step = "found_done",
                     text = "Great — we've unfrozen your card, so you can use it again straight away." } },
      },
    },
    {
      name = "found it, but unfreezing fails (action_failed)",
      actions = { ["cards.unfreeze"] = { ok = false, error = "timeout" } },
      steps = {
        { choose = "found" },
      },
      outcome = { status = "escalated", reason = "action_failed",
                  text = "I'll pass you to someone in our cards team." },
    },
    {
      name = "the card can't be frozen (on_error)",
      steps = {
        { result = { ok = false, error = "card_service_down" },
          expect = { status = "escalated", step = "cant_freeze", reason = "freeze_failed",
                     escalation = { skills = { "cards" }, priority = "urgent" },
                     text = "I couldn't freeze your card, so I'm passing you straight to our cards team." } },
      },
    },
    {
      name = "stolen: the customer recognises every recent payment",
      steps = {
        { choose = "stolen", expect = { status = "action", action = "transactions.recent",
                                        args = { card_id = "card_4242", days = 7 } } },
        { result = { ok = true, data = { transactions = {
            { id = "tx_901", merchant = "Pret A Manger", amount = 6.45, date = "2024-05-31" } } } },
          expect = { step = "review_transactions", choices = { "all_mine", "not_mine" }, ui = {
            { type = "text", text = "Here are the payments on your card from the last 7 days. Do you "
                                   .. "recognise them all?" },
            { type = "list", items = { { id = "tx_901", title = "Pret A Manger",
                                         detail = "£6.45 on 2024-05-31" } } },
            { type = "choices", options = { { id = "all_mine", label = "Yes, they're all mine" },
                                            { id = "not_mine", label = "No, some aren't mine" } } },
          } } },
        { choose = "all_mine", expect = { step = "confirm_address" } },
        { choose = "yes", expect = { action = "cards.order_replacement", args = { reason = "stolen" } } },
      },
      outcome = { status = "resolved", step = "replacement_done" },
    },
    {
      name = "stolen: unknown payments open a fraud case, and a new card follows",
      steps = {
        { choose = "stolen" },
        { choose = "not_mine", expect = { status = "action", action = "fraud.open_case",
                                          args = { customer_id = "cus_81f3a2", card_id = "card_4242",
                                                   reason = "stolen_card" } } },
        { result = { ok = true, data = { case_id = "fc_3321" } },
          expect = { step = "confirm_address",
                     text = { "Thanks for telling us. We've opened a fraud case and our fraud team will "
                                  .. "be in touch within 2 working days. You won't pay for payments you "
                                  .. "didn't make.",
                              "Shall we send your new card to your home address?" } } },
        { choose = "yes" },
      },
      outcome = { status = "resolved", step = "replacement_done" },
    },
    {
      name = "stolen: no recent payments to check",
      actions = { ["transactions.recent"] = { ok = true, data = { transactions = {} } } },
      steps = {
        { choose = "stolen" },
        { expect = { step = "confirm_address" } },
      },
    },
    {
      name = "stolen: recent payments can't be loaded (on_error)",
      actions = { ["transactions.recent"] = { ok = false, error = "upstream_unavailable" } },
      steps = {
        { choose = "stolen" },
        { expect = { step = "confirm_address",
                     text = { "I couldn't load your recent payments just now. If you spot one you don't "
                                  .. "recognise, tell us in the app and we'll look into it.",
                              "Shall we send your new card to your home address?" } } },
      },
    },
    {
      name = "stolen: the fraud case can't be opened (on_error)",
      actions = { ["fraud.open_case"] = { ok = false, error = "timeout" } },
      steps = {
        { choose = "stolen" },
        { choose = "not_mine" },
        { expect = { status = "escalated", step = "fraud_agent", reason = "fraud_case_failed",
                     text = "I'll pass you to our fraud team now — they can see everything you've "
                         .. "told me." } },
      },
      outcome = { escalation = { skills = { "fraud" }, priority = "urgent", flags = { "fraud" },
                                 collected = { loss_type = "stolen", unknown_transactions = true } } },
    },
    {
      name = "new address: the customer confirms it's them, then gives the address",
      steps = {
        { choose = "lost" },
        { choose = "change", expect = { status = "action", action = "identity.request_check",
                                        subflow = "verify_identity" } },
        { result = { ok = true, data = { request_id = "idr_77" } },
          expect = { step = "await_approval", subflow = "verify_identity" } },
        { event = "identity.verified", data = { method = "fingerprint" }, after = 45,
          expect = { step = "ask_address", input = "text",
                     text = { "Thanks, that's you confirmed.",
                              "Where should we send it? Please include the postcode." } } },
        { input = "Flat 3, 8 Park Row, Leeds LS1 5HD",
          expect = { action = "cards.order_replacement",
                     args = { address = "Flat 3, 8 Park Row, Leeds LS1 5HD", reason = "lost" } } },
      },
      outcome = { status = "resolved", step = "replacement_done" },
    },
    {
      name = "new address: three addresses without a postcode (input_failed)",
      steps = {
        { choose = "lost" },
        { choose = "change" },
        { event = "identity.verified", data = {} },
        { input = "Park Row", expect = { step = "ask_address", ui = {
            { type = "error", text = "Please give the full address, including the postcode." },
            { type = "text", text = "Where should we send it? Please include the postcode." },
            { type = "input", input = "text" },
          } } },
        { input = "   ", expect = { step = "ask_address" } },
        { input = "8 Park Row, Leeds", expect = { status = "escalated", reason = "input_failed",
                                                  escalation = { skills = { "cards" } } } },
      },
    },
    {
      name = "new address: the identity check times out and the customer wants a person",
      steps = {
        { choose = "lost" },
        { choose = "change" },
        { tick = 600, expect = { step = "timed_out", subflow = "verify_identity" } },
        { choose = "agent", expect = { status = "escalated", step = "not_verified",
                                       reason = "identity_not_verified",
                                       escalation = { skills = { "identity" } } } },
      },
    },
    {
      name = "back from the new address to the address question, then home after all",
      steps = {
        { choose = "lost" },
        { choose = "change" },
        { event = "identity.verified", data = {} },
        { intent = "back", expect = { step = "confirm_address" } },
        { choose = "yes", expect = { action = "cards.order_replacement" } },
      },
    },
    {
      name = "the customer cancels at the first question",
      steps = {
        { intent = "cancel", expect = { status = "cancelled" } },
      },
    },
    {
      name = "Welsh: lost, a replacement to the home address",
      context = { customer_id = "cus_81f3a2", card_id = "card_4242", locale = "cy-GB",
                  address = "12 Acacia Avenue, Leeds LS1 4AB", at = 1717243200 },
      steps = {
        { expect = { text = "Rydyn ni wedi rhewi eich cerdyn fel na all neb ei ddefnyddio. Wnaethoch "
                         .. "chi ei golli, neu gafodd ei ddwyn?" } },
        { choose = "lost", expect = { ui = {
            { type = "text", text = "Gawn ni anfon eich cerdyn newydd i'ch cyfeiriad cartref?" },
            { type = "card", title = "Cyfeiriad dosbarthu", body = "12 Acacia Avenue, Leeds LS1 4AB" },
            { type = "choices", options = { { id = "yes", label = "Ie, anfonwch e yno" },
                                            { id = "change", label = "Anfonwch e i rywle arall" } } },
          } } },
        { choose = "yes" },
        { expect = { status = "resolved",
                     text = "Mae eich cerdyn newydd ar ei ffordd a dylai gyrraedd o fewn 3 i 5 diwrnod "
                         .. "gwaith. Bydd eich hen gerdyn yn aros wedi'i rewi." } },
      },
    },
    {
      name = "Welsh: stolen, payments listed, and an address without a postcode",
      context = { customer_id = "cus_81f3a2", card_id = "card_4242", locale = "cy-GB",
                  address = "12 Acacia Avenue, Leeds LS1 4AB", at = 1717243200 },
      steps = {
        { choose = "stolen" },
        { expect = { step = "review_transactions", ui = {
            { type = "text", text = "Dyma'r taliadau ar eich cerdyn o'r 7 diwrnod diwethaf. Ydych chi'n "
                                   .. "adnabod pob un?" },
            { type = "list", items = {
                { id = "tx_901", title = "Pret A Manger", detail = "£6.45 ar 2024-05-31" },
                { id = "tx_903", title = "ASOS", detail = "£184.99 ar 2024-06-01" } } },
            { type = "choices", options = {
                { id = "all_mine", label = "Ydw, fi wnaeth nhw i gyd" },
                { id = "not_mine", label = "Nac ydw, dydw i ddim yn adnabod rhai ohonyn nhw" } } },
          } } },
        { choose = "all_mine" },
        { choose = "change" },
        { event = "identity.verified", data = {} },
        { input = "Park Row", expect = { ui = {
            { type = "error", text = "Rhowch y cyfeiriad llawn, gan gynnwys y cod post." },
            { type = "text", text = "I ble dylen ni ei anfon? Cofiwch gynnwys y cod post." },
            { type = "input", input = "text" },
          } } },
      },
    },
  },
}
