-- "I've forgotten my PIN": once the customer approves an identity check in the banking app, the
-- app shows the PIN (the host's cards.reveal_pin; the PIN itself never passes through the flow).
-- A blocked PIN is unblocked too. No approval within 10 minutes: a person takes over.
return flow "forgotten_pin" {
  version = 1,
  title = "I've forgotten my PIN",
  triggers = { "forgot pin", "forgotten pin", "pin blocked", "what is my pin" },
  start = "intro",
  skills = { "cards" },
  policy = { max_visits = 3 },

  strings = {
    ["en-GB"] = {
      ["intro"] = "No problem — once we've checked it's you, I can show your PIN here in the app.",
      ["choice.show"] = "Show my PIN",
      ["choice.blocked"] = "My PIN is blocked",
      ["await"] = "We've sent a request to your banking app. Approve it with your passcode or "
          .. "fingerprint and I'll carry on.",
      ["timeout"] = "I didn't get your approval in time, so I'll pass you to someone who can "
          .. "help you with your PIN.",
      ["unblocked"] = "I've unblocked your PIN too, so you can use it again straight away.",
      ["shown"] = "Your PIN is on screen for the next 30 seconds. Make sure no one can see it.",
      ["choice.got_it"] = "Got it, thanks",
      ["choice.change"] = "I want to change it",
      ["change_info"] = "You can change your PIN at any cash machine: put your card in, enter "
          .. "your PIN and choose PIN services.",
      ["done"] = "All sorted. Keep your PIN to yourself, and never share it with anyone — not "
          .. "even us.",
      ["cant_verify"] = "I can't check it's you right now, so I'll pass you to someone who can.",
      ["pin_unavailable"] = "Something went wrong showing your PIN, so I'll pass you to our cards "
          .. "team.",
      ["escalate"] = "I'll pass you to someone in our cards team.",
    },
    ["cy-GB"] = {
      ["intro"] = "Dim problem — unwaith y byddwn ni wedi gwirio mai chi sydd yna, galla i "
          .. "ddangos eich PIN yma yn yr ap.",
      ["choice.show"] = "Dangos fy PIN",
      ["choice.blocked"] = "Mae fy PIN wedi'i rwystro",
      ["await"] = "Rydyn ni wedi anfon cais i'ch ap bancio. Cymeradwywch e gyda'ch cod pas neu "
          .. "olion bysedd ac fe wna i barhau.",
      ["timeout"] = "Ches i mo'ch cymeradwyaeth mewn pryd, felly fe wna i eich trosglwyddo i "
          .. "rywun a all eich helpu gyda'ch PIN.",
      ["unblocked"] = "Rydw i wedi dadrwystro eich PIN hefyd, felly gallwch ei ddefnyddio eto ar "
          .. "unwaith.",
      ["shown"] = "Mae eich PIN ar y sgrin am y 30 eiliad nesaf. Gwnewch yn siŵr na all neb ei "
          .. "weld.",
      ["choice.got_it"] = "Iawn, diolch",
      ["choice.change"] = "Rydw i eisiau ei newid",
      ["change_info"] = "Gallwch newid eich PIN mewn unrhyw beiriant arian parod: rhowch eich "
          .. "cerdyn i mewn, rhowch eich PIN a dewis gwasanaethau PIN.",
      ["done"] = "Popeth wedi'i drefnu. Cadwch eich PIN i chi'ch hun, a pheidiwch byth â'i rannu "
          .. "gydag unrhyw un — dim hyd yn oed ni.",
      ["cant_verify"] = "Alla i ddim gwirio mai chi sydd yna ar hyn o bryd, felly fe wna i eich "
          .. "trosglwyddo i rywun a all.",
      ["pin_unavailable"] = "Aeth rhywbeth o'i le wrth ddangos eich PIN, felly fe wna i eich "
          .. "trosglwyddo i'n tîm cardiau.",
      ["escalate"] = "Fe wna i eich trosglwyddo i rywun yn ein tîm cardiau.",
    },
  },

  steps = {
    intro = say {
      text = t"intro",
      choices = {
        { id = "show", label = t"choice.show", go = "request_check" },
        { id = "blocked", label = t"choice.blocked", go = "request_check",
          set = { pin_blocked = true } },
      },
    },

    request_check = action {
      call = "identity.request_check",
      args = function(ctx) return { customer_id = ctx.customer_id, method = "in_app" } end,
      save = "identity_check",
      go = "await_identity",
      on_error = "cant_verify",
    },

    await_identity = wait {
      text = t"await",
      event = "identity.verified",
      timeout = 600,
      go = "show_pin",
      on_timeout = "verify_timeout",
    },

    verify_timeout = escalate {
      reason = "identity_timeout",
      skills = { "cards", "identity" },
      text = t"timeout",
    },

    show_pin = action {
      call = "cards.reveal_pin",
      args = function(ctx) return { card_id = ctx.card_id, seconds = 30 } end,
      save = "pin_reveal",
      go = "after_reveal",
      on_error = "pin_unavailable",
    },

    after_reveal = decide {
      next = {
        { when = function(ctx) return ctx.pin_blocked end, go = "unblock" },
        { go = "pin_shown" },
      },
    },

    unblock = action {
      call = "cards.unblock_pin",
      args = function(ctx) return { card_id = ctx.card_id } end,
      go = "unblocked",
    },

    unblocked = say { text = t"unblocked", go = "pin_shown" },

    pin_shown = say {
      text = t"shown",
      choices = {
        { id = "got_it", label = t"choice.got_it", go = "done" },
        { id = "change", label = t"choice.change", go = "change_info" },
      },
    },

    change_info = resolved { text = t"change_info" },

    done = resolved { text = t"done" },

    cant_verify = escalate {
      reason = "identity_check_unavailable",
      skills = { "identity" },
      text = t"cant_verify",
    },

    pin_unavailable = escalate {
      reason = "pin_reveal_failed",
      skills = { "cards" },
      priority = "high",
      text = t"pin_unavailable",
    },
  },
}
