-- The action manifest of docs/authoring.md's example: the host actions its flows call, the
-- arguments they pass and the result fields they read. `helpflow check` lints the flows
-- against it; the host team implements exactly these.
return {
  ["cards.get_status"] = {
    args = { "card_id" }, result = { "status", "expires_in_days" },
    doc = "The card's status (active, blocked, cancelled) and the days until it expires.",
  },
  ["cards.order_replacement"] = {
    args = { "card_id", "postcode", "reason" }, result = { "order_id" },
    doc = "Orders a new card to the address at the postcode; the old one works until it arrives.",
  },
  ["identity.request_check"] = {
    args = { "customer_id" }, result = {},
    doc = "Sends an approval request to the customer's banking app; identity.verified follows.",
  },
}
