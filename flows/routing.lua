-- The reference routing config: where the bank's escalations go (DESIGN.md section 5).
-- Rules are tried in order; the first that matches and names a queue decides. A rule without a
-- queue only raises the priority, and matching goes on. A `when` table matches when every field
-- does (a string field equals the value, or one of a list of values; skills and flags hold
-- it); a `when` function gets the escalation read-only, with skills and flags as sets.
return routing {
  service_level = { answer_within = 20, target = 0.8 },      -- 80% answered within 20 s
  queues = {
    cards    = { skills = { "cards" },    languages = { "en" } },
    payments = { skills = { "payments" }, languages = { "en" } },
    fraud    = { skills = { "fraud" },    languages = { "en" } },
    general  = { skills = { },            languages = { "en", "cy" } },  -- no skills: takes any
  },
  rules = {
    { name = "fraud", when = function(e) return e.flags.fraud or e.reason == "scam_reported" end,
      queue = "fraud", priority = "urgent" },
    { name = "vulnerable", when = { flags = "vulnerable" }, priority = "high" },
    { name = "repeat contact", when = { reason = "repeat_contact" }, priority = "high" },
    { name = "welsh", when = { language = "cy" }, queue = "general" },
    { name = "cards", when = { skills = "cards" }, queue = "cards", overflow = { "general" } },
    { name = "payments", when = { skills = { "payments", "disputes" } }, queue = "payments",
      overflow = { "general" } },
    { name = "everything else", queue = "general" },
  },
}
