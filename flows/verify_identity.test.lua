return {
  flow = "verify_identity",
  context = { customer_id = "cus_81f3a2", locale = "en-GB", at = 1717243200 },
  actions = {
    ["identity.request_check"] = { ok = true, data = { request_id = "idr_77", expires_in = 600 } },
  },
  tests = {
    {
      name = "the customer approves in the app",
      steps = {
        { result = { ok = true, data = { request_id = "idr_77", expires_in = 600 } }, after = 5,
          expect = { status = "waiting", step = "await_approval",
                     text = "We've sent a request to your banking app. Open it and approve with your "
                         .. "passcode or fingerprint — I'll wait here." } },
        { event = "identity.verified", data = { method = "fingerprint" }, after = 55,
          expect = { status = "resolved", step = "verified", text = "Thanks, that's you confirmed." } },
      },
    },
    {
      name = "the request expires; sent again and approved",
      steps = {
        { tick = 599, expect = { status = "waiting", step = "await_approval" } },
        { tick = 1, expect = { step = "timed_out", choices = { "retry", "agent" },
                               text = "I didn't hear back from your app, so the request has expired." } },
        { choose = "retry", after = 90, expect = { status = "action", action = "identity.request_check",
                                                   args = { customer_id = "cus_81f3a2", method = "in_app" } } },
        { result = { ok = true, data = { request_id = "idr_78" } }, expect = { step = "await_approval" } },
        { event = "identity.verified", data = { method = "passcode" }, after = 30,
          expect = { status = "resolved", step = "verified" } },
      },
    },
    {
      name = "the request expires and the customer wants a person",
      steps = {
        { tick = 900, expect = { step = "timed_out" } },
        { choose = "agent", expect = { status = "escalated", step = "not_verified",
                                       reason = "identity_not_verified",
                                       text = "No problem — I'll pass you to someone who can check it's "
                                           .. "you another way." } },
      },
      outcome = { escalation = { skills = { "identity" }, priority = "normal" } },
    },
    {
      name = "the request can't be sent (on_error)",
      steps = {
        { result = { ok = false, error = "push_unavailable" },
          expect = { status = "escalated", step = "cant_check", reason = "identity_check_unavailable",
                     escalation = { skills = { "identity" }, priority = "high",
                                    collected = { identity_check = { error = "push_unavailable" } } },
                     text = "I can't send a request to your app right now, so I'll pass you to someone "
                         .. "who can help." } },
      },
    },
    {
      name = "sending the request again and again ends in a loop escalation",
      steps = {
        { tick = 600 },
        { choose = "retry" },
        { tick = 600 },
        { choose = "retry" },
        { tick = 600, expect = { step = "timed_out" } },
        { choose = "retry", expect = { status = "escalated", reason = "loop",
                                       text = "I'll pass you to someone who can check it's you another way." } },
      },
    },
    {
      name = "an approval after the deadline: the timeout fires first",
      steps = {
        { event = "identity.verified", data = { method = "fingerprint" }, after = 800,
          expect = { status = "waiting", step = "timed_out" } },
      },
    },
    {
      name = "events that don't fit the wait are rejected",
      steps = {
        { event = "identity.failed", data = {}, expect = { error = "unknown_event" } },
        { choose = "retry", expect = { error = "unexpected" } },
        { input = "1234", expect = { error = "unexpected" } },
        { event = "identity.verified", data = {}, expect = { status = "resolved" } },
      },
    },
    {
      name = "asking for a person while waiting (human intent)",
      steps = {
        { intent = "human", after = 40,
          expect = { status = "escalated", reason = "customer_requested",
                     escalation = { skills = { "identity" }, priority = "normal" },
                     text = "I'll pass you to someone who can check it's you another way." } },
      },
    },
    {
      name = "Welsh",
      context = { customer_id = "cus_81f3a2", locale = "cy-GB", at = 1717243200 },
      steps = {
        { expect = { text = "Rydyn ni wedi anfon cais i'ch ap bancio. Agorwch yr ap a'i gymeradwyo "
                         .. "gyda'ch cod pas neu olion bysedd — fe arhosa i yma." } },
        { tick = 600, expect = { ui = {
            { type = "text", text = "Chlywais i ddim gan eich ap, felly mae'r cais wedi dod i ben." },
            { type = "choices", options = { { id = "retry", label = "Anfon eto" },
                                            { id = "agent", label = "Siarad â rhywun" } } },
          } } },
        { choose = "agent", expect = { status = "escalated",
                                       text = "Dim problem — fe wna i eich trosglwyddo i rywun a all "
                                           .. "wirio mai chi sydd yna mewn ffordd arall." } },
      },
    },
  },
}
