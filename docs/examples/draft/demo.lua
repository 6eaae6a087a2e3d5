-- A draft with a mistake of each kind `helpflow check` warns about, for docs/authoring.md
-- ("Linting it"): it loads, but `helpflow check --strict --max-text 60 .` fails here with seven
-- warnings. Not in docs/examples itself, so that the example flows there stay clean.
return flow "demo" {
  start = "hello",
  strings = {
    ["en-GB"] = { hi = "Hello", bye = "Bye" },
    ["cy-GB"] = {   -- no 'bye'; and 'hi' is long for --max-text 60
      hi = "Helo, a chroeso i'r gwasanaeth cymorth: rydyn ni yma i'ch helpu gyda'ch cerdyn, "
        .. "eich cyfrif a'ch taliadau, ddydd a nos, pryd bynnag y bydd angen help arnoch chi. "
        .. "Dywedwch wrthon ni beth sydd wedi digwydd a byddwn ni'n gwneud ein gorau i'w ddatrys "
        .. "yn gyflym ac yn ddiogel i chi.",
    },
  },
  steps = {
    hello = say {
      text = t"hi",
      choices = {
        { id = "a", label = "Round we go", go = "again" },
        { id = "b", label = "I'd like to talk to someone about the details of my account, please",
          go = "look" },
      },
    },
    -- again and again2 ask round in a circle with no way to an end
    again = ask { text = "Name?", input = "text", save = "name", go = "again2" },
    again2 = say { text = "Again", choices = { { id = "x", label = "Again", go = "again" } } },
    -- a misspelt action, then a misspelt argument
    look = action { call = "cards.get_statuss", args = { card_id = "c1" }, go = "look2" },
    look2 = action { call = "cards.get_status", args = { cardid = "c1" }, go = "done" },
    done = resolved { text = t"bye" },
  },
}
