-- "Check it's you": the subflow docs/authoring.md's example calls before it orders anything.
-- It asks the customer's banking app for an approval and waits for the host to say it came.
return flow "check_identity" {
  version = 1,
  title = "Check it's you",
  start = "send_check",
  skills = { "identity" },

  strings = {
    ["en-GB"] = {
      ["await"] = "I've sent a request to your banking app: open it and approve it. I'll wait here.",
      ["verified"] = "Thanks, that's you confirmed.",
      ["not_checked"] = "I couldn't confirm it's you, so I'll pass you to someone who can.",
    },
    ["cy-GB"] = {
      ["await"] = "Rydw i wedi anfon cais i'ch ap bancio: agorwch ef a'i gymeradwyo. Fe arhosa i yma.",
      ["verified"] = "Diolch, rydyn ni wedi cadarnhau mai chi sydd yna.",
      ["not_checked"] = "Allwn i ddim cadarnhau mai chi sydd yna, felly fe wna i eich trosglwyddo i "
          .. "rywun a all.",
    },
  },

  steps = {
    send_check = action {
      call = "identity.request_check",
      args = function(ctx) return { customer_id = ctx.customer_id } end,
      go = "await_approval",
      on_error = "not_checked",
    },

    await_approval = wait {
      text = t"await",
      event = "identity.verified",   -- the host sends {"type":"event","name":"identity.verified"}
      timeout = 300,                 -- seconds; then on_timeout
      go = "verified",
      on_timeout = "not_checked",
    },

    verified = resolved { text = t"verified" },

    not_checked = escalate {
      reason = "identity_not_verified",
      skills = { "identity" },
      text = t"not_checked",
    },
  },
}
