-- A small payment flow that the command-line tests drive (run --json, replay): a say with
-- choices and a text function, a validated money ask, an action with next and on_error, both ends.
return flow "pay" {
  version = 2,
  start = "menu",
  steps = {
    menu = say {
      text = function(ctx) return "Hello " .. (ctx.name or "there") .. "." end,
      choices = { { id = "pay", label = "Make a payment", go = "amount" },
                  { id = "bye", label = "Nothing", go = "done" } },
    },
    amount = ask {
      text = "How much?",
      input = "money",
      validate = function(v) if v > 100 then return false, "That's over your limit." end return true end,
      save = "amount",
      go = "pay",
    },
    pay = action {
      call = "payments.make",
      args = function(ctx) return { amount = ctx.amount } end,
      save = "payment",
      next = { { when = function(ctx) return ctx.payment.done end, go = "done" },
               { go = "agent" } },
      on_error = "agent",
    },
    done = resolved { text = "All done." },
    agent = escalate { reason = "not_resolved", skills = { "payments" }, priority = "high" },
  },
}
