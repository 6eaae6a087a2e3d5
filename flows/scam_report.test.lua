return {
  flow = "scam_report",
  context = { customer_id = "cus_81f3a2", locale = "en-GB", at = 1717243200 },
  tests = {
    {
      name = "the customer describes the scam and goes straight to the fraud team",
      steps = {
        { expect = { status = "waiting", step = "what_happened", input = "text",
                     text = "I'm sorry this has happened. In a few words, what happened? Our fraud "
                         .. "team will pick this up straight away." } },
        { input = "Someone called saying they were the bank and I moved £2,000 to a safe account.",
          expect = { status = "escalated", step = "to_fraud_team", reason = "scam_reported",
                     text = "Thank you. I'm passing you to our fraud team now. While you wait, don't "
                         .. "move any money or share any codes, even with someone who says they're "
                         .. "from the bank." } },
      },
      outcome = { escalation = {
        skills = { "fraud" }, priority = "urgent", flags = { "fraud" },
        summary = "Customer reports a scam in their own words: \"Someone called saying they were the "
            .. "bank and I moved £2,000 to a safe account.\"",
      } },
    },
    {
      name = "one empty answer, then the story",
      steps = {
        { input = "   ", expect = { status = "waiting", step = "what_happened", ui = {
            { type = "error", text = "Please type your answer." },
            { type = "text", text = "I'm sorry this has happened. In a few words, what happened? Our "
                                   .. "fraud team will pick this up straight away." },
            { type = "input", input = "text" },
          } } },
        { input = "A text said my parcel was held and I entered my card details.",
          expect = { status = "escalated", reason = "scam_reported" } },
      },
    },
    {
      name = "three empty answers (input_failed) still reach the fraud team, urgently",
      steps = {
        { input = "" },
        { input = " " },
        { input = "  ", expect = { status = "escalated", reason = "input_failed",
                                   text = "I'll pass you to someone who can help." } },
      },
      outcome = { escalation = { skills = { "fraud" }, priority = "urgent" } },
    },
    {
      name = "asking for a person at once keeps the flow's fraud routing",
      steps = {
        { intent = "human", expect = { status = "escalated", reason = "customer_requested",
                                       escalation = { skills = { "fraud" }, priority = "urgent" } } },
      },
    },
    {
      name = "the customer cancels; later events are refused",
      steps = {
        { intent = "cancel", expect = { status = "cancelled" } },
        { intent = "human", expect = { error = "finished" } },
      },
    },
    {
      name = "Welsh",
      context = { customer_id = "cus_81f3a2", locale = "cy-GB", at = 1717243200 },
      steps = {
        { expect = { text = "Mae'n ddrwg gen i fod hyn wedi digwydd. Mewn ychydig eiriau, beth "
                         .. "ddigwyddodd? Bydd ein tîm twyll yn delio â hyn ar unwaith." } },
        { input = "Galwad ffôn gan rywun oedd yn honni bod o'r banc.",
          expect = { status = "escalated",
                     text = "Diolch. Rwy'n eich trosglwyddo i'n tîm twyll nawr. Tra byddwch chi'n aros, "
                         .. "peidiwch â symud unrhyw arian na rhannu unrhyw godau, hyd yn oed gyda "
                         .. "rhywun sy'n dweud ei fod yn gweithio i'r banc." } },
      },
    },
  },
}
