-- "Check it's you": a subflow other flows call before anything sensitive. It sends an approval
-- request to the customer's banking app and waits for the host's identity.verified event.
-- Resolves when the customer approves; escalates when they can't.
return flow "verify_identity" {
  version = 1,
  title = "Check it's you",
  start = "send_check",
  skills = { "identity" },

  strings = {
    ["en-GB"] = {
      ["await"] = "We've sent a request to your banking app. Open it and approve with your "
          .. "passcode or fingerprint — I'll wait here.",
      ["timed_out"] = "I didn't hear back from your app, so the request has expired.",
      ["choice.retry"] = "Send it again",
      ["choice.agent"] = "Talk to someone",
      ["verified"] = "Thanks, that's you confirmed.",
      ["not_verified"] = "No problem — I'll pass you to someone who can check it's you another way.",
      ["cant_check"] = "I can't send a request to your app right now, so I'll pass you to someone "
          .. "who can help.",
      ["escalate"] = "I'll pass you to someone who can check it's you another way.",
    },
    ["cy-GB"] = {
      ["await"] = "Rydyn ni wedi anfon cais i'ch ap bancio. Agorwch yr ap a'i gymeradwyo gyda'ch "
          .. "cod pas neu olion bysedd — fe arhosa i yma.",
      ["timed_out"] = "Chlywais i ddim gan eich ap, felly mae'r cais wedi dod i ben.",
      ["choice.retry"] = "Anfon eto",
      ["choice.agent"] = "Siarad â rhywun",
      ["verified"] = "Diolch, rydyn ni wedi cadarnhau mai chi sydd yna.",
      ["not_verified"] = "Dim problem — fe wna i eich trosglwyddo i rywun a all wirio mai chi sydd "
          .. "yna mewn ffordd arall.",
      ["cant_check"] = "Alla i ddim anfon cais i'ch ap ar hyn o bryd, felly fe wna i eich "
          .. "trosglwyddo i rywun a all helpu.",
      ["escalate"] = "Fe wna i eich trosglwyddo i rywun a all wirio mai chi sydd yna mewn ffordd "
          .. "arall.",
    },
  },

  steps = {
    send_check = action {
      call = "identity.request_check",
      args = function(ctx) return { customer_id = ctx.customer_id, method = "in_app" } end,
      save = "identity_check",
      go = "await_approval",
      on_error = "cant_check",
    },

    await_approval = wait {
      text = t"await",
      event = "identity.verified",
      timeout = 600,
      go = "verified",
      on_timeout = "timed_out",
    },

    timed_out = say {
      text = t"timed_out",
      choices = {
        { id = "retry", label = t"choice.retry", go = "send_check" },
        { id = "agent", label = t"choice.agent", go = "not_verified" },
      },
    },

    verified = resolved { text = t"verified" },

    not_verified = escalate {
      reason = "identity_not_verified",
      skills = { "identity" },
      text = t"not_verified",
    },

    cant_check = escalate {
      reason = "identity_check_unavailable",
      skills = { "identity" },
      priority = "high",
      text = t"cant_check",
    },
  },
}
