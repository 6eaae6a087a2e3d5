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

  steps = {
    what_happened = ask {
      text = "I'm sorry this has happened. In a few words, what happened? Our fraud team will "
          .. "pick this up straight away.",
      input = "text",
      save = "scam_description",
      go = "to_fraud_team",
    },

    to_fraud_team = escalate {
      reason = "scam_reported",
      flags = { "fraud" },
      priority = "urgent",
      skills = { "fraud" },
      text = "Thank you. I'm passing you to our fraud team now. While you wait, don't move any "
          .. "money or share any codes, even with someone who says they're from the bank.",
      summary = function(ctx)
        return "Customer reports a scam in their own words: \"" .. ctx.scam_description .. "\""
      end,
    },
  },
}
