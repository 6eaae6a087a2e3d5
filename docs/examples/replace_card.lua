-- "My card is damaged": order a new card for one that is cracked, bent or whose chip has
-- stopped working. The example flow of docs/authoring.md, which builds it up step by step.
return flow "replace_card" {
  version = 2,
  title = "Replace a damaged card",
  triggers = { "card damaged", "card broken", "card snapped", "chip not working" },
  start = "check_card",
  skills = { "cards" },                      -- who takes over when the policy escalates
  policy = { max_retries = 2, max_visits = 3 },
  on = { human = "to_agent" },               -- "talk to someone" goes to our own escalate step

  strings = {
    ["en-GB"] = {
      ["what"] = "Sorry to hear that. What's wrong with your card?",
      ["choice.damaged"] = "It's cracked or bent",
      ["choice.chip"] = "The chip doesn't work",
      ["choice.fine"] = "Nothing, it works now",
      ["expiring"] = "Your card expires within a month, so a new one is already on its way.",
      ["postcode.ask"] = "What's the postcode of the address we should send it to?",
      ["postcode.bad"] = "That doesn't look like a UK postcode.",
      ["ordered"] = "Done: your new card is on its way. Keep using this one until it arrives.",
      ["fine"] = "Good to hear. Come back any time.",
      ["to_agent"] = "I'll pass you to someone in our cards team.",
      ["cant_check"] = "I can't look at your card right now, so I'll pass you to our cards team.",
    },
    ["cy-GB"] = {
      ["what"] = "Mae'n ddrwg gen i glywed hynny. Beth sy'n bod ar eich cerdyn?",
      ["choice.damaged"] = "Mae wedi cracio neu blygu",
      ["choice.chip"] = "Dydy'r sglodyn ddim yn gweithio",
      ["choice.fine"] = "Dim byd, mae'n gweithio nawr",
      ["expiring"] = "Mae eich cerdyn yn dod i ben o fewn mis, felly mae un newydd ar ei ffordd yn "
          .. "barod.",
      ["postcode.ask"] = "Beth yw cod post y cyfeiriad y dylen ni ei anfon iddo?",
      ["postcode.bad"] = "Dydy hwnnw ddim yn edrych fel cod post yn y DU.",
      ["ordered"] = "Dyna ni: mae eich cerdyn newydd ar ei ffordd. Daliwch ati i ddefnyddio'r un "
          .. "hwn nes iddo gyrraedd.",
      ["fine"] = "Da clywed hynny. Dewch yn ôl unrhyw bryd.",
      ["to_agent"] = "Fe wna i eich trosglwyddo i rywun yn ein tîm cardiau.",
      ["cant_check"] = "Alla i ddim edrych ar eich cerdyn ar hyn o bryd, felly fe wna i eich "
          .. "trosglwyddo i'n tîm cardiau.",
    },
  },

  steps = {
    check_card = action {
      call = "cards.get_status",
      args = function(ctx) return { card_id = ctx.card_id } end,
      save = "card",                         -- the result's data is ctx.card
      next = {
        { when = function(ctx) return ctx.card.status ~= "active" end, go = "to_agent" },
        { go = "what_happened" },
      },
      on_error = "cant_check",               -- the host could not do it
    },

    what_happened = say {
      text = t"what",
      choices = {
        { id = "damaged", label = t"choice.damaged", go = "triage", set = { problem = "damaged" } },
        { id = "chip", label = t"choice.chip", go = "triage", set = { problem = "chip" } },
        { id = "fine", label = t"choice.fine", go = "fine" },
      },
    },

    triage = decide {
      next = {
        { when = function(ctx) return ctx.card.expires_in_days <= 30 end, go = "expiring" },
        { go = "verify" },
      },
    },

    verify = call { flow = "check_identity", go = "ask_postcode" },

    ask_postcode = ask {
      text = t"postcode.ask",
      input = "text",
      validate = function(value)
        if not value:upper():match("^%u%u?%d[%u%d]? ?%d%u%u$") then
          return false, t"postcode.bad"
        end
        return true
      end,
      save = "postcode",
      go = "order",
    },

    order = action {
      call = "cards.order_replacement",
      args = function(ctx)
        return { card_id = ctx.card_id, postcode = ctx.postcode, reason = ctx.problem }
      end,
      save = "order",
      go = "ordered",
      on_error = "to_agent",
    },

    ordered = resolved { text = t"ordered" },
    expiring = resolved { text = t"expiring" },
    fine = resolved { text = t"fine" },

    to_agent = escalate { reason = "not_resolved", skills = { "cards" }, text = t"to_agent" },
    cant_check = escalate {
      reason = "card_status_unavailable",
      skills = { "cards" },
      priority = "high",
      text = t"cant_check",
    },
  },

  -- Version 1 kept the customer's answer as ctx.issue. A session saved under version 1 moves
  -- onto this one (hf_session_migrate) with its context renamed; it stays at the same step.
  migrate = function(ctx, from_version)
    local new = {}
    for key, value in pairs(ctx) do new[key] = value end
    if from_version == 1 then
      new.problem, new.issue = ctx.issue, nil
    end
    return new
  end,
}
