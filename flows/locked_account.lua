-- "I'm locked out of my account": find out why it's locked. Too many wrong passcodes: the
-- customer proves it's them (date of birth and email) and resets the passcode from a link we
-- text them. A fraud block goes straight to the fraud team; any other lock needs a person.
return flow "locked_account" {
  version = 1,
  title = "I'm locked out of my account",
  triggers = { "locked out", "account locked", "can't log in", "forgot passcode", "account blocked" },
  start = "check_lock",
  skills = { "identity" },
  -- Two tries at the security questions, two reset links: a third goes to a person (loop).
  policy = { max_retries = 2, max_visits = 2 },

  strings = {
    ["en-GB"] = {
      ["not_locked"] = "Your account isn't locked. If you can't log in, I can help you reset your "
          .. "passcode.",
      ["choice.reset"] = "Reset my passcode",
      ["choice.in_now"] = "I can log in now",
      ["all_fine"] = "Great — you're all set.",
      ["fraud_block"] = "We've paused your account to protect it from some unusual activity. Our "
          .. "fraud team needs to speak to you to unlock it, so I'm passing you to them now.",
      ["dob.ask"] = "Let's get you back in. First, to check it's you: what's your date of birth?",
      ["dob.invalid"] = "That doesn't look like a date of birth.",
      ["email.ask"] = "And what's the email address on your account?",
      ["no_match"] = "Those details don't match what we have for you.",
      ["choice.try_again"] = "Try again",
      ["choice.agent"] = "Talk to someone",
      ["await"] = "We've texted a link to the mobile number on your account. Open it on this phone "
          .. "and choose a new passcode — I'll wait here.",
      ["expired"] = "I didn't hear back, and the link has now expired.",
      ["choice.resend"] = "Send a new link",
      ["unlocked"] = "You're back in — your account is unlocked and your new passcode is set.",
      ["to_security"] = "I'll pass you to someone who can check it's you another way and unlock "
          .. "your account.",
      ["cant_check"] = "I can't unlock your account from here right now, so I'll pass you to "
          .. "someone who can.",
      ["escalate"] = "I'll pass you to someone who can help you get back into your account.",
      -- the words of the built-in input checks (docs/semantics.md)
      ["input.date"] = "Please enter a date as YYYY-MM-DD.",
      ["input.date.no_such_date"] = "That date doesn't exist.",
      ["input.email"] = "Please enter an email address.",
    },
    ["cy-GB"] = {
      ["not_locked"] = "Dydy eich cyfrif ddim wedi'i gloi. Os na allwch chi fewngofnodi, galla i "
          .. "eich helpu i ailosod eich cod pas.",
      ["choice.reset"] = "Ailosod fy nghod pas",
      ["choice.in_now"] = "Galla i fewngofnodi nawr",
      ["all_fine"] = "Gwych — mae popeth yn iawn.",
      ["fraud_block"] = "Rydyn ni wedi oedi eich cyfrif i'w ddiogelu rhag gweithgarwch anarferol. "
          .. "Mae angen i'n tîm twyll siarad â chi i'w ddatgloi, felly rwy'n eich trosglwyddo "
          .. "iddyn nhw nawr.",
      ["dob.ask"] = "Gadewch i ni eich cael chi'n ôl i mewn. Yn gyntaf, i wirio mai chi sydd yna: "
          .. "beth yw eich dyddiad geni?",
      ["dob.invalid"] = "Dydy hwnnw ddim yn edrych fel dyddiad geni.",
      ["email.ask"] = "A beth yw'r cyfeiriad e-bost ar eich cyfrif?",
      ["no_match"] = "Dydy'r manylion hynny ddim yn cyfateb i'r hyn sydd gennym ni amdanoch chi.",
      ["choice.try_again"] = "Rhoi cynnig arall arni",
      ["choice.agent"] = "Siarad â rhywun",
      ["await"] = "Rydyn ni wedi anfon dolen mewn neges destun i'r rhif ffôn symudol ar eich "
          .. "cyfrif. Agorwch hi ar y ffôn hwn a dewis cod pas newydd — fe arhosa i yma.",
      ["expired"] = "Chlywais i ddim byd, ac mae'r ddolen wedi dod i ben erbyn hyn.",
      ["choice.resend"] = "Anfon dolen newydd",
      ["unlocked"] = "Rydych chi'n ôl i mewn — mae eich cyfrif wedi'i ddatgloi a'ch cod pas newydd "
          .. "wedi'i osod.",
      ["to_security"] = "Fe wna i eich trosglwyddo i rywun a all wirio mai chi sydd yna mewn "
          .. "ffordd arall a datgloi eich cyfrif.",
      ["cant_check"] = "Alla i ddim datgloi eich cyfrif o'r fan hyn ar hyn o bryd, felly fe wna i "
          .. "eich trosglwyddo i rywun a all.",
      ["escalate"] = "Fe wna i eich trosglwyddo i rywun a all eich helpu i fynd yn ôl i mewn i'ch "
          .. "cyfrif.",
      -- the built-in input checks, in Welsh
      ["input.date"] = "Rhowch ddyddiad ar ffurf BBBB-MM-DD, os gwelwch yn dda.",
      ["input.date.no_such_date"] = "Dydy'r dyddiad hwnnw ddim yn bodoli.",
      ["input.email"] = "Rhowch gyfeiriad e-bost, os gwelwch yn dda.",
    },
  },

  steps = {
    check_lock = action {
      call = "security.lock_status",
      args = function(ctx) return { customer_id = ctx.customer_id } end,
      save = "lock",
      next = {
        { when = function(ctx) return not ctx.lock.locked end, go = "not_locked" },
        { when = function(ctx) return ctx.lock.reason == "fraud_prevention" end, go = "fraud_block" },
        { when = function(ctx) return ctx.lock.reason == "wrong_passcode" end, go = "ask_dob" },
        { go = "to_security" },
      },
      on_error = "cant_check",
    },

    not_locked = say {
      text = t"not_locked",
      choices = {
        { id = "reset", label = t"choice.reset", go = "ask_dob" },
        { id = "in_now", label = t"choice.in_now", go = "all_fine" },
      },
    },

    all_fine = resolved { text = t"all_fine" },

    fraud_block = escalate {
      reason = "fraud_block",
      skills = { "fraud" },
      priority = "urgent",
      flags = { "fraud" },
      text = t"fraud_block",
      summary = function(ctx)
        return "Account locked by fraud prevention (" .. tostring(ctx.lock.since or "date unknown")
            .. "). The customer contacted us to unlock it; they have not been told more."
      end,
    },

    ask_dob = ask {
      text = t"dob.ask",
      input = "date",
      validate = function(v, ctx)
        if v < "1900-01-01" or (ctx.today and v >= ctx.today) then return false, t"dob.invalid" end
        return true
      end,
      save = "date_of_birth",
      go = "ask_email",
    },

    ask_email = ask { text = t"email.ask", input = "email", save = "email", go = "check_details" },

    check_details = action {
      call = "security.check_details",
      args = function(ctx)
        return { customer_id = ctx.customer_id, date_of_birth = ctx.date_of_birth, email = ctx.email }
      end,
      save = "details",
      next = {
        { when = function(ctx) return ctx.details.match end, go = "send_reset" },
        { go = "no_match" },
      },
      on_error = "cant_check",
    },

    no_match = say {
      text = t"no_match",
      choices = {
        { id = "try_again", label = t"choice.try_again", go = "ask_dob" },
        { id = "agent", label = t"choice.agent", go = "to_security" },
      },
    },

    send_reset = action {
      call = "security.send_reset",
      args = function(ctx) return { customer_id = ctx.customer_id, channel = "sms" } end,
      save = "reset",
      go = "await_reset",
      on_error = "cant_check",
    },

    -- The host sends security.passcode_reset once the customer has set a new passcode.
    await_reset = wait {
      text = t"await",
      event = "security.passcode_reset",
      timeout = 900,
      go = "unlocked",
      on_timeout = "reset_expired",
    },

    reset_expired = say {
      text = t"expired",
      choices = {
        { id = "resend", label = t"choice.resend", go = "send_reset" },
        { id = "agent", label = t"choice.agent", go = "to_security" },
      },
    },

    unlocked = resolved { text = t"unlocked" },

    to_security = escalate {
      reason = "not_resolved",
      skills = { "identity" },
      text = t"to_security",
      summary = function(ctx)
        local why = ctx.lock and ctx.lock.reason or "unknown"
        if ctx.details and ctx.details.match == false then
          return "Account locked (" .. why .. "). The customer's date of birth and email didn't "
              .. "match our records."
        end
        if ctx.reset then
          return "Account locked (" .. why .. "). We texted a reset link, but the customer didn't "
              .. "complete the reset."
        end
        return "Account locked (" .. why .. "); this lock can't be cleared in the app."
      end,
    },

    cant_check = escalate {
      reason = "security_service_unavailable",
      skills = { "identity" },
      priority = "high",
      text = t"cant_check",
    },
  },
}
