-- "I think I've been scammed": no self-service here. We ask for a few words about what
-- happened, so the fraud team can start before they pick up, and hand over at once.
return flow "scam_report" {
  version = 1,
  title = "Report a scam",
  triggers = { "scam", "i've been scammed", "fraud", "someone tricked me", "sent money to a scammer" },
  start = "what_happened",
  skills = { "fraud" },
  priority = "urgent",
  policy = { max_retries = 2 },

  strings = {
    ["en-GB"] = {
      ["what_happened"] = "I'm sorry this has happened. In a few words, what happened? Our fraud "
          .. "team will pick this up straight away.",
      ["to_fraud_team"] = "Thank you. I'm passing you to our fraud team now. While you wait, don't "
          .. "move any money or share any codes, even with someone who says they're from the bank.",
      ["escalate"] = "I'll pass you to someone who can help.",
      -- the words of the built-in input checks (docs/semantics.md)
      ["input.text"] = "Please type your answer.",
      ["input.text.too_long"] = "That's too long: please keep it under 1,000 characters.",
    },
    ["cy-GB"] = {
      ["what_happened"] = "Mae'n ddrwg gen i fod hyn wedi digwydd. Mewn ychydig eiriau, beth "
          .. "ddigwyddodd? Bydd ein tîm twyll yn delio â hyn ar unwaith.",
      ["to_fraud_team"] = "Diolch. Rwy'n eich trosglwyddo i'n tîm twyll nawr. Tra byddwch chi'n "
          .. "aros, peidiwch â symud unrhyw arian na rhannu unrhyw godau, hyd yn oed gyda rhywun "
          .. "sy'n dweud ei fod yn gweithio i'r banc.",
      ["escalate"] = "Fe wna i eich trosglwyddo i rywun a all helpu.",
      -- the built-in input checks, in Welsh
      ["input.text"] = "Teipiwch eich ateb, os gwelwch yn dda.",
      ["input.text.too_long"] = "Mae hynny'n rhy hir: cadwch o dan 1,000 o nodau, os gwelwch "
          .. "yn dda.",
    },
  },

  steps = {
    what_happened = ask {
      text = t"what_happened",
      input = "text",
      save = "scam_description",
      go = "to_fraud_team",
    },

    to_fraud_team = escalate {
      reason = "scam_reported",
      flags = { "fraud" },
      priority = "urgent",
      skills = { "fraud" },
      text = t"to_fraud_team",
      summary = function(ctx)
        return "Customer reports a scam in their own words: \"" .. ctx.scam_description .. "\""
      end,
    },
  },
}
