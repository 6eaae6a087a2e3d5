return {
  flow = "forgotten_pin",
  context = { customer_id = "cus_81f3a2", card_id = "card_4242", locale = "en-GB", at = 1717243200 },
  actions = {
    ["identity.request_check"] = { ok = true, data = { request_id = "idr_12" } },
    ["cards.reveal_pin"] = { ok = true, data = { shown = true, expires_in = 30 } },
    ["cards.unblock_pin"] = { ok = true, data = { blocked = false } },
  },
  tests = {
    {
      name = "the PIN is shown once the customer approves",
      steps = {
        { expect = { status = "waiting", step = "intro", choices = { "show", "blocked" },
                     text = "No problem — once we've checked it's you, I can show your PIN here in the app." } },
        { choose = "show", expect = { status = "action", action = "identity.request_check",
                                      args = { customer_id = "cus_81f3a2", method = "in_app" } } },
        { result = { ok = true, data = { request_id = "idr_12" } }, after = 10,
          expect = { status = "waiting", step = "await_identity",
                     text = "We've sent a request to your banking app. Approve it with your passcode or "
                         .. "fingerprint and I'll carry on." } },
        { event = "identity.verified", data = { method = "passcode" }, after = 60,
          expect = { status = "action", action = "cards.reveal_pin",
                     args = { card_id = "card_4242", seconds = 30 } } },
        { result = { ok = true, data = { shown = true } },
          expect = { step = "pin_shown", choices = { "got_it", "change" },
                     text = "Your PIN is on screen for the next 30 seconds. Make sure no one can see it." } },
        { choose = "got_it", expect = { status = "resolved", step = "done",
                                        text = "All sorted. Keep your PIN to yourself, and never share "
                                            .. "it with anyone — not even us." } },
      },
    },
    {
      name = "a blocked PIN is shown and unblocked; the customer wants to change it",
      steps = {
        { choose = "blocked" },
        { event = "identity.verified", data = { method = "passcode" } },
        { result = { ok = true, data = { shown = true } },
          expect = { status = "action", action = "cards.unblock_pin", args = { card_id = "card_4242" } } },
        { result = { ok = true, data = { blocked = false } },
          expect = { step = "pin_shown",
                     text = { "I've unblocked your PIN too, so you can use it again straight away.",
                              "Your PIN is on screen for the next 30 seconds. Make sure no one can see it." } } },
        { choose = "change", expect = { status = "resolved", step = "change_info",
                                        text = "You can change your PIN at any cash machine: put your "
                                            .. "card in, enter your PIN and choose PIN services." } },
      },
    },
    {
      name = "identity isn't confirmed within 10 minutes",
      steps = {
        { choose = "show" },
        { tick = 599, expect = { status = "waiting", step = "await_identity" } },
        { tick = 1, expect = { status = "escalated", step = "verify_timeout", reason = "identity_timeout",
                               text = "I didn't get your approval in time, so I'll pass you to someone "
                                   .. "who can help you with your PIN." } },
      },
      outcome = { escalation = { skills = { "cards", "identity" }, priority = "normal" } },
    },
    {
      name = "an approval after the deadline is too late: the timeout fires first",
      steps = {
        { choose = "show" },
        { event = "identity.verified", data = { method = "passcode" }, after = 700,
          expect = { status = "escalated", reason = "identity_timeout" } },
      },
    },
    {
      name = "the identity check can't be sent (on_error)",
      actions = { ["identity.request_check"] = { ok = false, error = "push_unavailable" } },
      steps = {
        { choose = "show" },
        { expect = { status = "escalated", step = "cant_verify", reason = "identity_check_unavailable",
                     escalation = { skills = { "identity" } },
                     text = "I can't check it's you right now, so I'll pass you to someone who can." } },
      },
    },
    {
      name = "the PIN can't be shown (on_error)",
      actions = { ["cards.reveal_pin"] = { ok = false, error = "hsm_timeout" } },
      steps = {
        { choose = "show" },
        { event = "identity.verified", data = {} },
        { expect = { status = "escalated", step = "pin_unavailable", reason = "pin_reveal_failed",
                     escalation = { skills = { "cards" }, priority = "high" },
                     text = "Something went wrong showing your PIN, so I'll pass you to our cards team." } },
      },
    },
    {
      name = "unblocking fails and has no on_error (action_failed)",
      actions = { ["cards.unblock_pin"] = { ok = false, error = "timeout" } },
      steps = {
        { choose = "blocked" },
        { event = "identity.verified", data = {} },
      },
      outcome = { status = "escalated", reason = "action_failed",
                  text = "I'll pass you to someone in our cards team." },
    },
    {
      name = "asking for a person while waiting for the approval (human intent)",
      steps = {
        { choose = "show" },
        { intent = "human", expect = { status = "escalated", reason = "customer_requested",
                                       escalation = { skills = { "cards" } } } },
      },
    },
    {
      name = "events that don't fit are rejected",
      steps = {
        { event = "identity.verified", data = {}, expect = { error = "unexpected" } },
        { choose = "show" },
        { event = "card.frozen", data = {}, expect = { error = "unknown_event" } },
        { choose = "show", expect = { error = "unexpected" } },
        { event = "identity.verified", data = {}, expect = { status = "action", action = "cards.reveal_pin" } },
      },
    },
    {
      name = "a customer who walks away is abandoned after the idle timeout",
      steps = {
        { tick = 1800, expect = { status = "abandoned" } },
      },
    },
    {
      name = "Welsh",
      context = { customer_id = "cus_81f3a2", card_id = "card_4242", locale = "cy-GB", at = 1717243200 },
      steps = {
        { expect = { ui = {
            { type = "text", text = "Dim problem — unwaith y byddwn ni wedi gwirio mai chi sydd yna, galla "
                                   .. "i ddangos eich PIN yma yn yr ap." },
            { type = "choices", options = { { id = "show", label = "Dangos fy PIN" },
                                            { id = "blocked", label = "Mae fy PIN wedi'i rwystro" } } },
          } } },
        { choose = "blocked" },
        { expect = { text = "Rydyn ni wedi anfon cais i'ch ap bancio. Cymeradwywch e gyda'ch cod pas neu "
                         .. "olion bysedd ac fe wna i barhau." } },
        { event = "identity.verified", data = {} },
        { expect = { text = { "Rydw i wedi dadrwystro eich PIN hefyd, felly gallwch ei ddefnyddio eto ar "
                                  .. "unwaith.",
                              "Mae eich PIN ar y sgrin am y 30 eiliad nesaf. Gwnewch yn siŵr na all neb "
                                  .. "ei weld." } } },
        { choose = "got_it", expect = { status = "resolved",
                                        text = "Popeth wedi'i drefnu. Cadwch eich PIN i chi'ch hun, a "
                                            .. "pheidiwch byth â'i rannu gydag unrhyw un — dim hyd yn oed ni." } },
      },
    },
  },
}
