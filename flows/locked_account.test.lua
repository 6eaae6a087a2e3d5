return {
  flow = "locked_account",
  context = { customer_id = "cus_81f3a2", locale = "en-GB", today = "2024-06-01", at = 1717243200 },
  actions = {
    ["security.lock_status"] = { ok = true, data = { locked = true, reason = "wrong_passcode" } },
    ["security.check_details"] = { ok = true, data = { match = true } },
    ["security.send_reset"] = { ok = true, data = { sent_to = "07••• •••789", expires_in = 900 } },
  },
  tests = {
    {
      name = "too many wrong passcodes: the customer proves it's them and resets it",
      steps = {
        { result = { ok = true, data = { locked = true, reason = "wrong_passcode" } },
          expect = { status = "waiting", step = "ask_dob", input = "date",
                     text = "Let's get you back in. First, to check it's you: what's your date of birth?" } },
        { input = "14/02/1988", expect = { step = "ask_email", input = "email",
                                          text = "And what's the email address on your account?" } },
        { input = "sam.jones@example.com",
          expect = { status = "action", action = "security.check_details",
                     args = { customer_id = "cus_81f3a2", date_of_birth = "1988-02-14",
                              email = "sam.jones@example.com" } } },
        { result = { ok = true, data = { match = true } },
          expect = { status = "action", action = "security.send_reset",
                     args = { customer_id = "cus_81f3a2", channel = "sms" } } },
        { result = { ok = true, data = { sent_to = "07••• •••789" } },
          expect = { status = "waiting", step = "await_reset",
                     text = "We've texted a link to the mobile number on your account. Open it on "
                         .. "this phone and choose a new passcode — I'll wait here." } },
        { event = "security.passcode_reset", data = { changed_at = "2024-06-01T12:03:10Z" }, after = 180,
          expect = { status = "resolved", step = "unlocked",
                     text = "You're back in — your account is unlocked and your new passcode is set." } },
      },
    },
    {
      name = "not locked, and the customer can log in after all",
      actions = { ["security.lock_status"] = { ok = true, data = { locked = false } } },
      steps = {
        { result = { ok = true, data = { locked = false } },
          expect = { step = "not_locked", choices = { "reset", "in_now" },
                     text = "Your account isn't locked. If you can't log in, I can help you reset "
                         .. "your passcode." } },
        { choose = "in_now", expect = { status = "resolved", step = "all_fine",
                                        text = "Great — you're all set." } },
      },
    },
    {
      name = "not locked, but the customer wants to reset the passcode",
      actions = { ["security.lock_status"] = { ok = true, data = { locked = false } } },
      steps = {
        { choose = "reset", expect = { status = "waiting", step = "ask_dob", input = "date" } },
      },
    },
    {
      name = "a fraud block goes straight to the fraud team",
      actions = {
        ["security.lock_status"] = { ok = true, data = { locked = true, reason = "fraud_prevention",
                                                          since = "2024-05-31" } },
      },
      steps = {
        { expect = { status = "escalated", step = "fraud_block",
                     text = "We've paused your account to protect it from some unusual activity. "
                         .. "Our fraud team needs to speak to you to unlock it, so I'm passing you "
                         .. "to them now." } },
      },
      outcome = { status = "escalated", step = "fraud_block", reason = "fraud_block",
                  escalation = { skills = { "fraud" }, priority = "urgent", flags = { "fraud" } } },
    },
    {
      name = "any other lock needs a person",
      actions = { ["security.lock_status"] = { ok = true, data = { locked = true, reason = "legal_hold" } } },
      steps = {
        { expect = { step = "to_security" } },
      },
      outcome = { status = "escalated", step = "to_security", reason = "not_resolved",
                  escalation = { skills = { "identity" }, priority = "normal" } },
    },
    {
      name = "the lock status can't be read (on_error)",
      steps = {
        { result = { ok = false, error = "timeout" },
          expect = { status = "escalated", step = "cant_check", reason = "security_service_unavailable",
                     escalation = { skills = { "identity" }, priority = "high" },
                     text = "I can't unlock your account from here right now, so I'll pass you to "
                         .. "someone who can." } },
      },
    },
    {
      name = "details don't match, the customer tries again and gets them right",
      steps = {
        { input = "1988-02-14" },
        { input = "sam@example.com", expect = { action = "security.check_details" } },
        { result = { ok = true, data = { match = false } },
          expect = { status = "waiting", step = "no_match", choices = { "try_again", "agent" },
                     text = "Those details don't match what we have for you." } },
        { choose = "try_again", expect = { step = "ask_dob" } },
        { input = "1988-02-14" },
        { input = "sam.jones@example.com", expect = { action = "security.check_details" } },
        { result = { ok = true, data = { match = true } }, expect = { action = "security.send_reset" } },
        { result = { ok = true, data = {} }, expect = { step = "await_reset" } },
      },
    },
    {
      name = "a third go at the security questions goes to a person (loop)",
      actions = { ["security.check_details"] = { ok = true, data = { match = false } } },
      steps = {
        { input = "1988-02-14" },
        { input = "sam@example.com", expect = { action = "security.check_details" } },
        { expect = { step = "no_match" } },
        { choose = "try_again", expect = { step = "ask_dob" } },
        { input = "1988-02-15" },
        { input = "sam@example.com" },
        { expect = { step = "no_match" } },
        { choose = "try_again", expect = { status = "escalated", reason = "loop",
                                            escalation = { skills = { "identity" } } } },
      },
    },
    {
      name = "details don't match and the customer asks for a person",
      actions = { ["security.check_details"] = { ok = true, data = { match = false } } },
      steps = {
        { input = "1988-02-14" },
        { input = "sam@example.com" },
        { expect = { step = "no_match" } },
        { choose = "agent", expect = { status = "escalated", step = "to_security", reason = "not_resolved",
                                       text = "I'll pass you to someone who can check it's you another "
                                           .. "way and unlock your account." } },
      },
    },
    {
      name = "the details check fails (on_error)",
      actions = { ["security.check_details"] = { ok = false, error = "upstream_unavailable" } },
      steps = {
        { input = "1988-02-14" },
        { input = "sam@example.com" },
        { expect = { status = "escalated", step = "cant_check", reason = "security_service_unavailable" } },
      },
    },
    {
      name = "the reset link can't be sent (on_error)",
      actions = { ["security.send_reset"] = { ok = false, error = "sms_gateway_down" } },
      steps = {
        { input = "1988-02-14" },
        { input = "sam@example.com", expect = { action = "security.check_details" } },
        { result = { ok = true, data = { match = true } }, expect = { action = "security.send_reset" } },
        { result = { ok = false, error = "sms_gateway_down" },
          expect = { status = "escalated", step = "cant_check" } },
      },
    },
    {
      name = "the link expires, a new one is sent and used",
      steps = {
        { input = "1988-02-14" },
        { input = "sam@example.com" },
        { expect = { step = "await_reset" } },
        { tick = 899, expect = { status = "waiting", step = "await_reset" } },
        { tick = 1, expect = { status = "waiting", step = "reset_expired", choices = { "resend", "agent" },
                               text = "I didn't hear back, and the link has now expired." } },
        { choose = "resend", expect = { status = "action", step = "send_reset", action = "security.send_reset" } },
        { result = { ok = true, data = {} }, expect = { step = "await_reset" } },
        { event = "security.passcode_reset", data = {}, after = 60,
          expect = { status = "resolved", step = "unlocked" } },
      },
    },
    {
      name = "the link expires and the customer wants a person",
      steps = {
        { input = "1988-02-14" },
        { input = "sam@example.com" },
        { expect = { step = "await_reset" } },
        { tick = 900, expect = { step = "reset_expired" } },
        { choose = "agent", expect = { status = "escalated", step = "to_security", reason = "not_resolved" } },
      },
    },
    {
      name = "dates that can't be a date of birth are asked again",
      steps = {
        { input = "2030-01-01", expect = { status = "waiting", step = "ask_dob", ui = {
            { type = "error", text = "That doesn't look like a date of birth." },
            { type = "text", text = "Let's get you back in. First, to check it's you: what's your "
                                   .. "date of birth?" },
            { type = "input", input = "date" },
          } } },
        { input = "31/02/1988", expect = { step = "ask_dob", ui = {
            { type = "error", text = "That date doesn't exist." },
            { type = "text", text = "Let's get you back in. First, to check it's you: what's your "
                                   .. "date of birth?" },
            { type = "input", input = "date" },
          } } },
        { input = "1988-02-14", expect = { step = "ask_email" } },
      },
    },
    {
      name = "three bad answers in a row go to a person (input_failed)",
      steps = {
        { input = "1988-02-14" },
        { input = "not an email", expect = { step = "ask_email" } },
        { input = "sam@", expect = { step = "ask_email" } },
        { input = "still not", expect = { status = "escalated", reason = "input_failed",
                                          text = "I'll pass you to someone who can help you get back "
                                              .. "into your account." } },
      },
    },
    {
      name = "asking for a person at a question (human intent)",
      steps = {
        { intent = "human", expect = { status = "escalated", reason = "customer_requested",
                                       escalation = { skills = { "identity" }, priority = "normal" } } },
      },
    },
    {
      name = "Welsh",
      context = { customer_id = "cus_81f3a2", locale = "cy-GB", today = "2024-06-01", at = 1717243200 },
      steps = {
        { result = { ok = true, data = { locked = true, reason = "wrong_passcode" } },
          expect = { step = "ask_dob", text = "Gadewch i ni eich cael chi'n ôl i mewn. Yn gyntaf, i "
                                              .. "wirio mai chi sydd yna: beth yw eich dyddiad geni?" } },
        { input = "31/02/1988", expect = { step = "ask_dob",
                                           says = "Dydy'r dyddiad hwnnw ddim yn bodoli." } },
        { input = "2030-01-01", expect = { step = "ask_dob", ui = {
            { type = "error", text = "Dydy hwnnw ddim yn edrych fel dyddiad geni." },
            { type = "text", text = "Gadewch i ni eich cael chi'n ôl i mewn. Yn gyntaf, i wirio mai "
                                   .. "chi sydd yna: beth yw eich dyddiad geni?" },
            { type = "input", input = "date" },
          } } },
        { intent = "human", expect = { status = "escalated",
                                       text = "Fe wna i eich trosglwyddo i rywun a all eich helpu i "
                                           .. "fynd yn ôl i mewn i'ch cyfrif." } },
      },
    },
  },
}
