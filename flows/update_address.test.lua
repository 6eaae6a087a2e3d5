return {
  flow = "update_address",
  context = { customer_id = "cus_81f3a2", locale = "en-GB", today = "2024-06-01", at = 1717243200 },
  actions = {
    ["identity.request_check"] = { ok = true, data = { request_id = "idr_90", expires_in = 600 } },
    ["address.lookup"] = { ok = true, data = { addresses = {
      "Flat 1, 27 Cathedral Road, Cardiff CF11 9HA",
      "Flat 2, 27 Cathedral Road, Cardiff CF11 9HA",
      "Flat 3, 27 Cathedral Road, Cardiff CF11 9HA",
    } } },
    ["customer.update_address"] = { ok = true, data = { proof_needed = false, effective_from = "2024-06-01" } },
  },
  tests = {
    {
      name = "the customer confirms it's them, picks the new address by postcode and it's saved",
      steps = {
        { expect = { status = "waiting", step = "await_approval", subflow = "verify_identity" } },
        { event = "identity.verified", data = { method = "fingerprint" }, after = 30,
          expect = { status = "waiting", step = "ask_postcode", input = "text",
                     text = { "Thanks, that's you confirmed.",
                              "What's the postcode of your new address?" } } },
        { input = "cf11 9ha", expect = { status = "action", action = "address.lookup",
                                         args = { postcode = "CF11 9HA" } } },
        { result = { ok = true, data = { addresses = { "Flat 1, 27 Cathedral Road, Cardiff CF11 9HA",
                                                       "Flat 2, 27 Cathedral Road, Cardiff CF11 9HA" } } },
          expect = { status = "waiting", step = "pick_address", input = "number", ui = {
            { type = "text", text = "These are the addresses we have for that postcode:" },
            { type = "list", items = {
                { id = "1", title = "1. Flat 1, 27 Cathedral Road, Cardiff CF11 9HA" },
                { id = "2", title = "2. Flat 2, 27 Cathedral Road, Cardiff CF11 9HA" } } },
            { type = "text", text = "Type the number of your new address, or 0 if it isn't listed." },
            { type = "input", input = "number" },
          } } },
        { input = "2", expect = { step = "ask_move_date", input = "date",
                                  text = "When did you move, or when will you? You can tell us up to "
                                      .. "30 days ahead." } },
        { input = "2024-06-20", expect = { step = "confirm", choices = { "yes", "change" }, ui = {
            { type = "text", text = "Please check your new address. Is it right?" },
            { type = "card", title = "New address", body = "Flat 2, 27 Cathedral Road, Cardiff CF11 9HA" },
            { type = "choices", options = { { id = "yes", label = "Yes, that's right" },
                                            { id = "change", label = "No, change it" } } },
          } } },
        { choose = "yes", expect = { step = "phone_changed", choices = { "same", "new" },
                                     text = "Has your phone number changed too?" } },
        { choose = "same", expect = { status = "action", action = "customer.update_address",
                                      args = { customer_id = "cus_81f3a2", moved_on = "2024-06-20",
                                               address = "Flat 2, 27 Cathedral Road, Cardiff CF11 9HA" } } },
        { result = { ok = true, data = { proof_needed = false } },
          expect = { status = "resolved", step = "updated",
                     text = "All done — your address is updated. Cards and letters will go to your "
                         .. "new address from the day you move." } },
      },
    },
    {
      name = "a new phone number is saved with the address",
      steps = {
        { event = "identity.verified", data = {} },
        { input = "CF11 9HA" },
        { input = "1" },
        { input = "2024-05-28" },
        { choose = "yes" },
        { choose = "new", expect = { step = "ask_phone", input = "phone",
                                     text = "What's your new phone number?" } },
        { input = "07700 900123", expect = { action = "customer.update_address",
                                             args = { phone = "07700900123", moved_on = "2024-05-28" } } },
      },
      outcome = { status = "resolved", step = "updated" },
    },
    {
      name = "an address the credit check can't confirm needs a document",
      actions = { ["customer.update_address"] = { ok = true, data = { proof_needed = true } } },
      steps = {
        { event = "identity.verified", data = {} },
        { input = "CF11 9HA" },
        { input = "3" },
        { input = "2024-06-01" },
        { choose = "yes" },
        { choose = "same" },
        { expect = { status = "waiting", step = "proof_needed", ui = {
            { type = "text", text = "We couldn't confirm your new address automatically, so please "
                                   .. "upload a recent utility bill, council tax bill or tenancy "
                                   .. "agreement within 30 days." },
            { type = "link", label = "Upload a document", url = "bank://documents/upload?reason=address" },
            { type = "choices", options = { { id = "ok", label = "OK" } } },
          } } },
        { choose = "ok", expect = { status = "resolved", step = "updated" } },
      },
    },
    {
      name = "the address isn't listed: the customer types it",
      steps = {
        { event = "identity.verified", data = {} },
        { input = "CF11 9HA" },
        { input = "0", expect = { step = "ask_full_address",
                                  text = "Please type your full new address, including the postcode." } },
        { input = "Flat 4a, 27 Cathedral Road, Cardiff CF11 9HA", expect = { step = "ask_move_date" } },
        { input = "2024-06-01", expect = { step = "confirm", ui = {
            { type = "text", text = "Please check your new address. Is it right?" },
            { type = "card", title = "New address", body = "Flat 4a, 27 Cathedral Road, Cardiff CF11 9HA" },
            { type = "choices", options = { { id = "yes", label = "Yes, that's right" },
                                            { id = "change", label = "No, change it" } } },
          } } },
      },
    },
    {
      name = "no addresses at a postcode: tried again, then typed",
      actions = { ["address.lookup"] = { ok = true, data = { addresses = {} } } },
      steps = {
        { event = "identity.verified", data = {} },
        { input = "CF99 1ZZ" },
        { expect = { step = "no_match", choices = { "retry", "type" },
                     text = "I couldn't find any addresses for that postcode." } },
        { choose = "retry", expect = { step = "ask_postcode" } },
        { input = "CF99 1ZY" },
        { expect = { step = "no_match" } },
        { choose = "type", expect = { step = "ask_full_address" } },
      },
    },
    {
      name = "the address lookup is down (on_error): the customer types the address",
      actions = { ["address.lookup"] = { ok = false, error = "paf_unavailable" } },
      steps = {
        { event = "identity.verified", data = {} },
        { input = "CF11 9HA" },
        { expect = { status = "waiting", step = "ask_full_address" } },
      },
    },
    {
      name = "answers that don't fit are asked again",
      steps = {
        { event = "identity.verified", data = {} },
        { input = "Cardiff", expect = { step = "ask_postcode", ui = {
            { type = "error", text = "That doesn't look like a UK postcode — for example, CF10 1AA." },
            { type = "text", text = "What's the postcode of your new address?" },
            { type = "input", input = "text" },
          } } },
        { input = "CF11 9HA" },
        { input = "4", expect = { step = "pick_address", ui = {
            { type = "error", text = "Please type a number from 0 to 3." },
            { type = "text", text = "Type the number of your new address, or 0 if it isn't listed." },
            { type = "input", input = "number" },
          } } },
        { input = "1.5", expect = { step = "pick_address" } },
        { input = "0" },
        { input = "27 Cathedral Road", expect = { step = "ask_full_address", ui = {
            { type = "error", text = "Please give the full address, including the postcode." },
            { type = "text", text = "Please type your full new address, including the postcode." },
            { type = "input", input = "text" },
          } } },
        { input = "27 Cathedral Road, Cardiff CF11 9HA" },
        { input = "2024-07-02", expect = { step = "ask_move_date", ui = {
            { type = "error", text = "That's more than 30 days away — please come back nearer the time." },
            { type = "text", text = "When did you move, or when will you? You can tell us up to 30 "
                                   .. "days ahead." },
            { type = "input", input = "date" },
          } } },
        { input = "2024-07-01", expect = { step = "confirm" } },
      },
    },
    {
      name = "the customer spots a mistake and starts the address again",
      steps = {
        { event = "identity.verified", data = {} },
        { input = "CF11 9HA" },
        { input = "1" },
        { input = "2024-06-01" },
        { choose = "change", expect = { step = "ask_postcode" } },
      },
    },
    {
      name = "the address can't be saved (on_error)",
      actions = { ["customer.update_address"] = { ok = false, error = "core_banking_timeout" } },
      steps = {
        { event = "identity.verified", data = {} },
        { input = "CF11 9HA" },
        { input = "1" },
        { input = "2024-06-01" },
        { choose = "yes" },
        { choose = "same" },
        { expect = { status = "escalated", step = "update_failed", reason = "address_update_failed",
                     escalation = { skills = { "accounts" }, priority = "normal",
                                    collected = { update = { error = "core_banking_timeout" } } },
                     text = "I couldn't save your new address just now, so I'll pass you to someone "
                         .. "who can. They can see everything you've told me." } },
      },
    },
    {
      name = "the identity check times out and the customer wants a person",
      steps = {
        { tick = 600, expect = { step = "timed_out", subflow = "verify_identity" } },
        { choose = "agent", expect = { status = "escalated", reason = "identity_not_verified",
                                       escalation = { skills = { "identity" } } } },
      },
    },
    {
      name = "three postcodes that don't fit go to a person (input_failed)",
      steps = {
        { event = "identity.verified", data = {} },
        { input = "Cardiff" },
        { input = "CF11" },
        { input = "my new flat", expect = { status = "escalated", reason = "input_failed",
                                            escalation = { skills = { "accounts" } },
                                            text = "I'll pass you to someone who can update your address." } },
      },
    },
    {
      name = "Welsh",
      context = { customer_id = "cus_81f3a2", locale = "cy-GB", today = "2024-06-01", at = 1717243200 },
      steps = {
        { event = "identity.verified", data = {},
          expect = { text = { "Diolch, rydyn ni wedi cadarnhau mai chi sydd yna.",
                              "Beth yw cod post eich cyfeiriad newydd?" } } },
        { input = "CF11 9HA" },
        { expect = { step = "pick_address",
                     text = { "Dyma'r cyfeiriadau sydd gennym ni ar gyfer y cod post hwnnw:",
                              "Teipiwch rif eich cyfeiriad newydd, neu 0 os nad yw ar y rhestr." } } },
        { input = "9", expect = { ui = {
            { type = "error", text = "Teipiwch rif o 0 i 3." },
            { type = "text", text = "Teipiwch rif eich cyfeiriad newydd, neu 0 os nad yw ar y rhestr." },
            { type = "input", input = "number" },
          } } },
        { input = "1" },
        { input = "2024-06-01", expect = { ui = {
            { type = "text", text = "Gwiriwch eich cyfeiriad newydd. Ydy e'n gywir?" },
            { type = "card", title = "Cyfeiriad newydd", body = "Flat 1, 27 Cathedral Road, Cardiff CF11 9HA" },
            { type = "choices", options = { { id = "yes", label = "Ydy, mae'n gywir" },
                                            { id = "change", label = "Nac ydy, rhaid ei newid" } } },
          } } },
        { choose = "yes", expect = { text = "Ydy eich rhif ffôn wedi newid hefyd?" } },
        { choose = "same" },
        { expect = { status = "resolved",
                     text = "Dyna ni — mae eich cyfeiriad wedi'i ddiweddaru. Bydd cardiau a "
                         .. "llythyrau'n mynd i'ch cyfeiriad newydd o'r diwrnod y byddwch chi'n symud." } },
      },
    },
  },
}
