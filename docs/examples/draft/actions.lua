-- The draft's action manifest (docs/authoring.md, "Linting it"): the one action it may call.
return {
  ["cards.get_status"] = { args = { "card_id" }, result = { "status", "expires_in_days" } },
}
