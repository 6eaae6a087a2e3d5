-- The action manifest: every host action the reference flows call, the arguments they pass
-- and the result fields they read. The host team implements these; `helpflow check` lints the
-- flows against it. Not a flow: loaders skip this file, as they skip routing.lua.
return {
  -- Cards
  ["cards.get_status"] = {
    args = { "card_id" }, result = { "frozen", "status", "last4" },
    doc = "The card's current state: frozen by the customer, and its status (active, blocked, expired).",
  },
  ["cards.freeze"] = {
    args = { "card_id" }, result = { "frozen" },
    doc = "Freezes the card at once: no payments or withdrawals until it is unfrozen.",
  },
  ["cards.unfreeze"] = {
    args = { "card_id" }, result = { "frozen" },
    doc = "Unfreezes a card the customer or a flow froze.",
  },
  ["cards.order_replacement"] = {
    args = { "card_id", "address", "reason" }, result = { "order_id", "arrives_by" },
    doc = "Cancels the card and orders a new one to the address; reason is lost, stolen or retained.",
  },
  ["cards.reveal_pin"] = {
    args = { "card_id", "seconds" }, result = { "shown", "expires_in" },
    doc = "Shows the PIN in the app for the given seconds; the PIN never reaches the flow.",
  },
  ["cards.unblock_pin"] = {
    args = { "card_id" }, result = { "blocked" },
    doc = "Unblocks a PIN blocked after too many wrong attempts.",
  },

  -- Payments and transactions
  ["payments.find_declined"] = {
    args = { "card_id", "amount" },
    result = { "found", "reason", "merchant", "amount", "declined_at" },
    doc = "The card's declined payment of that amount in the last 7 days, with the decline reason.",
  },
  ["payments.find_incoming"] = {
    args = { "account_id", "amount", "sent_on" }, result = { "status", "sender", "credited_on" },
    doc = "A payment of that amount into the account since sent_on: status credited, pending "
        .. "(arrived, still being checked) or not_found.",
  },
  ["payments.find_outgoing"] = {
    args = { "account_id", "amount", "days" },
    result = { "found", "payment_id", "payee", "date", "status" },
    doc = "The customer's payment of that amount in the last days: status completed (accepted by "
        .. "the receiving bank), processing, returned or held (for a security check).",
  },
  ["transactions.recent"] = {
    args = { "card_id", "days", "limit" }, result = { "transactions" },
    doc = "The card's payments in the last days, newest first, at most limit: "
        .. "transactions = [{id, merchant, amount, date}].",
  },
  ["disputes.create"] = {
    args = { "card_id", "transaction_id", "amount", "date", "reason" },
    result = { "reference", "status" },
    doc = "Raises a dispute or claim on a card transaction (transaction_id \"unlisted\" when the "
        .. "customer couldn't pick it).",
  },
  ["atm.find_withdrawal"] = {
    args = { "card_id" }, result = { "found", "transaction_id", "amount", "date", "location" },
    doc = "The card's latest cash machine withdrawal today, if any.",
  },

  -- Direct debits
  ["direct_debits.find"] = {
    args = { "account_id", "payee" },
    result = { "found", "mandate_id", "payee", "last_amount", "last_date", "next_date" },
    doc = "The account's active direct debit whose payee best matches the name the customer typed.",
  },
  ["direct_debits.cancel"] = {
    args = { "mandate_id" }, result = { "cancelled" },
    doc = "Cancels the direct debit mandate; the payee is told through Bacs.",
  },
  ["direct_debits.claim_refund"] = {
    args = { "mandate_id", "amount", "date" }, result = { "reference", "refunded" },
    doc = "Refunds a direct debit payment at once under the Direct Debit Guarantee and opens the "
        .. "indemnity claim against the payee.",
  },

  -- Customer details and security
  ["identity.request_check"] = {
    args = { "customer_id", "method" }, result = { "request_id", "expires_in" },
    doc = "Sends an approval request to the customer's banking app; the host sends the event "
        .. "identity.verified when they approve.",
  },
  ["fraud.open_case"] = {
    args = { "customer_id", "card_id", "reason" }, result = { "case_id" },
    doc = "Opens a fraud case for the fraud team.",
  },
  ["address.lookup"] = {
    args = { "postcode" }, result = { "addresses" },
    doc = "The postal addresses at a postcode (Royal Mail PAF): addresses = [\"...\"].",
  },
  ["customer.update_address"] = {
    args = { "customer_id", "address", "moved_on", "phone" },
    result = { "proof_needed", "effective_from" },
    doc = "Changes the customer's address from moved_on (and phone, if given); proof_needed when "
        .. "the credit reference check can't confirm the new address.",
  },
  ["security.lock_status"] = {
    args = { "customer_id" }, result = { "locked", "reason", "since" },
    doc = "Whether the customer's online banking is locked, and why: wrong_passcode, "
        .. "fraud_prevention or another restriction.",
  },
  ["security.check_details"] = {
    args = { "customer_id", "date_of_birth", "email" }, result = { "match" },
    doc = "Whether the date of birth and email match the customer's records.",
  },
  ["security.send_reset"] = {
    args = { "customer_id", "channel" }, result = { "sent_to", "expires_in" },
    doc = "Texts a passcode reset link; the host sends the event security.passcode_reset once "
        .. "the customer has set a new passcode.",
  },
}
