-- "I've moved house": once the customer has confirmed it's them (verify_identity), they find
-- their new address by postcode (or type it), tell us when they move, and may update their
-- phone number too. Addresses the credit reference check can't confirm need a document.
local STRINGS = {
  ["en-GB"] = {
    ["postcode.ask"] = "What's the postcode of your new address?",
    ["postcode.invalid"] = "That doesn't look like a UK postcode — for example, CF10 1AA.",
    ["addresses"] = "These are the addresses we have for that postcode:",
    ["pick"] = "Type the number of your new address, or 0 if it isn't listed.",
    ["pick.invalid"] = "Please type a number from 0 to %d.",
    ["no_match"] = "I couldn't find any addresses for that postcode.",
    ["choice.retry"] = "Try the postcode again",
    ["choice.type"] = "Type my address",
    ["full.ask"] = "Please type your full new address, including the postcode.",
    ["full.invalid"] = "Please give the full address, including the postcode.",
    ["move_date.ask"] = "When did you move, or when will you? You can tell us up to 30 days ahead.",
    ["move_date.too_far"] = "That's more than 30 days away — please come back nearer the time.",
    ["confirm"] = "Please check your new address. Is it right?",
    ["confirm.title"] = "New address",
    ["choice.right"] = "Yes, that's right",
    ["choice.change"] = "No, change it",
    ["phone.changed"] = "Has your phone number changed too?",
    ["choice.phone_same"] = "No, it's the same",
    ["choice.phone_new"] = "Yes, it's changed",
    ["phone.ask"] = "What's your new phone number?",
    ["proof"] = "We couldn't confirm your new address automatically, so please upload a recent "
        .. "utility bill, council tax bill or tenancy agreement within 30 days.",
    ["link.upload"] = "Upload a document",
    ["choice.ok"] = "OK",
    ["updated"] = "All done — your address is updated. Cards and letters will go to your new "
        .. "address from the day you move.",
    ["update_failed"] = "I couldn't save your new address just now, so I'll pass you to someone "
        .. "who can. They can see everything you've told me.",
    ["escalate"] = "I'll pass you to someone who can update your address.",
    -- the words of the built-in input checks (docs/semantics.md)
    ["input.text"] = "Please type your answer.",
    ["input.text.too_long"] = "That's too long: please keep it under 1,000 characters.",
    ["input.number"] = "Please enter a number.",
    ["input.date"] = "Please enter a date as YYYY-MM-DD.",
    ["input.date.no_such_date"] = "That date doesn't exist.",
    ["input.phone"] = "Please enter a phone number.",
  },
  ["cy-GB"] = {
    ["postcode.ask"] = "Beth yw cod post eich cyfeiriad newydd?",
    ["postcode.invalid"] = "Dydy hwnnw ddim yn edrych fel cod post yn y DU — er enghraifft, "
        .. "CF10 1AA.",
    ["addresses"] = "Dyma'r cyfeiriadau sydd gennym ni ar gyfer y cod post hwnnw:",
    ["pick"] = "Teipiwch rif eich cyfeiriad newydd, neu 0 os nad yw ar y rhestr.",
    ["pick.invalid"] = "Teipiwch rif o 0 i %d.",
    ["no_match"] = "Allwn i ddim dod o hyd i unrhyw gyfeiriadau ar gyfer y cod post hwnnw.",
    ["choice.retry"] = "Rhoi cynnig arall ar y cod post",
    ["choice.type"] = "Teipio fy nghyfeiriad",
    ["full.ask"] = "Teipiwch eich cyfeiriad newydd llawn, gan gynnwys y cod post.",
    ["full.invalid"] = "Rhowch y cyfeiriad llawn, gan gynnwys y cod post.",
    ["move_date.ask"] = "Pryd wnaethoch chi symud, neu pryd fyddwch chi'n symud? Gallwch roi "
        .. "gwybod i ni hyd at 30 diwrnod ymlaen llaw.",
    ["move_date.too_far"] = "Mae hynny'n fwy na 30 diwrnod i ffwrdd — dewch yn ôl yn nes at yr "
        .. "amser.",
    ["confirm"] = "Gwiriwch eich cyfeiriad newydd. Ydy e'n gywir?",
    ["confirm.title"] = "Cyfeiriad newydd",
    ["choice.right"] = "Ydy, mae'n gywir",
    ["choice.change"] = "Nac ydy, rhaid ei newid",
    ["phone.changed"] = "Ydy eich rhif ffôn wedi newid hefyd?",
    ["choice.phone_same"] = "Nac ydy, mae'r un fath",
    ["choice.phone_new"] = "Ydy, mae wedi newid",
    ["phone.ask"] = "Beth yw eich rhif ffôn newydd?",
    ["proof"] = "Allen ni ddim cadarnhau eich cyfeiriad newydd yn awtomatig, felly lanlwythwch "
        .. "fil cyfleustodau diweddar, bil treth gyngor neu gytundeb tenantiaeth o fewn 30 "
        .. "diwrnod.",
    ["link.upload"] = "Lanlwytho dogfen",
    ["choice.ok"] = "Iawn",
    ["updated"] = "Dyna ni — mae eich cyfeiriad wedi'i ddiweddaru. Bydd cardiau a llythyrau'n "
        .. "mynd i'ch cyfeiriad newydd o'r diwrnod y byddwch chi'n symud.",
    ["update_failed"] = "Doeddwn i ddim yn gallu cadw eich cyfeiriad newydd ar hyn o bryd, felly "
        .. "fe wna i eich trosglwyddo i rywun a all. Gallan nhw weld popeth rydych chi wedi'i "
        .. "ddweud wrtha i.",
    ["escalate"] = "Fe wna i eich trosglwyddo i rywun a all ddiweddaru eich cyfeiriad.",
    -- the built-in input checks, in Welsh
    ["input.text"] = "Teipiwch eich ateb, os gwelwch yn dda.",
    ["input.text.too_long"] = "Mae hynny'n rhy hir: cadwch o dan 1,000 o nodau, os gwelwch "
        .. "yn dda.",
    ["input.number"] = "Rhowch rif, os gwelwch yn dda.",
    ["input.date"] = "Rhowch ddyddiad ar ffurf BBBB-MM-DD, os gwelwch yn dda.",
    ["input.date.no_such_date"] = "Dydy'r dyddiad hwnnw ddim yn bodoli.",
    ["input.phone"] = "Rhowch rif ffôn, os gwelwch yn dda.",
  },
}

local MOVE_AHEAD_DAYS = 30

-- A text with data in it, in the customer's language (Welsh for a Welsh locale, as t"key"
-- picks it, else English).
local function fmt(ctx, key, ...)
  local lang = string.match(ctx.locale or "", "^%a+")
  return string.format(STRINGS[lang == "cy" and "cy-GB" or "en-GB"][key], ...)
end

-- The day number of a YYYY-MM-DD date (days since 1970-01-01), to count days between dates.
local function day_number(date)
  local y, m, d = string.match(date, "^(%d+)-(%d+)-(%d+)$")
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local doy = (153 * (m > 2 and m - 3 or m + 9) + 2) // 5 + d - 1
  return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
end

-- A UK postcode: "CF10 1AA", "LS1 4AB", "SW1A 1AA"; `tail` allows text before it.
local function has_postcode(v, tail)
  local pattern = "%u%u?%d[%u%d]?%s*%d%u%u%s*$"
  return string.find(string.upper(v), tail and pattern or "^%s*" .. pattern) ~= nil
end

return flow "update_address" {
  version = 1,
  title = "Change my address",
  triggers = { "change address", "moved house", "new address", "update my address" },
  start = "verify",
  skills = { "accounts" },
  policy = { max_retries = 2, max_visits = 3 },
  strings = STRINGS,

  steps = {
    verify = call { flow = "verify_identity", go = "ask_postcode" },

    ask_postcode = ask {
      text = t"postcode.ask",
      input = "text",
      validate = function(v)
        if not has_postcode(v) then return false, t"postcode.invalid" end
        return true
      end,
      save = "postcode",
      go = "lookup",
    },

    -- The lookup service down is no reason to stop: the customer types the address instead.
    lookup = action {
      call = "address.lookup",
      args = function(ctx) return { postcode = string.upper(ctx.postcode) } end,
      save = "found",
      next = {
        { when = function(ctx) return #ctx.found.addresses == 0 end, go = "no_match" },
        { go = "show_addresses" },
      },
      on_error = "ask_full_address",
    },

    show_addresses = say {
      text = t"addresses",
      components = function(ctx)
        local items = {}
        for i, address in ipairs(ctx.found.addresses) do
          items[i] = { id = tostring(i), title = i .. ". " .. address }
        end
        return { { type = "list", items = items } }
      end,
      go = "pick_address",
    },

    pick_address = ask {
      text = t"pick",
      input = "number",
      validate = function(v, ctx)
        local n = #ctx.found.addresses
        if v ~= math.floor(v) or v < 0 or v > n then return false, fmt(ctx, "pick.invalid", n) end
        return true
      end,
      save = "address_number",
      next = {
        { when = function(ctx) return ctx.address_number == 0 end, go = "ask_full_address" },
        { go = "ask_move_date",
          set = { new_address = function(ctx) return ctx.found.addresses[ctx.address_number] end } },
      },
    },

    no_match = say {
      text = t"no_match",
      choices = {
        { id = "retry", label = t"choice.retry", go = "ask_postcode" },
        { id = "type", label = t"choice.type", go = "ask_full_address" },
      },
    },

    ask_full_address = ask {
      text = t"full.ask",
      input = "text",
      validate = function(v)
        if not has_postcode(v, true) then return false, t"full.invalid" end
        return true
      end,
      save = "new_address",
      go = "ask_move_date",
    },

    ask_move_date = ask {
      text = t"move_date.ask",
      input = "date",
      validate = function(v, ctx)
        if ctx.today and day_number(v) - day_number(ctx.today) > MOVE_AHEAD_DAYS then
          return false, t"move_date.too_far"
        end
        return true
      end,
      save = "moved_on",
      go = "confirm",
    },

    confirm = say {
      text = t"confirm",
      components = function(ctx)
        return { { type = "card", title = t"confirm.title", body = ctx.new_address } }
      end,
      choices = {
        { id = "yes", label = t"choice.right", go = "phone_changed" },
        { id = "change", label = t"choice.change", go = "ask_postcode" },
      },
    },

    phone_changed = say {
      text = t"phone.changed",
      choices = {
        { id = "same", label = t"choice.phone_same", go = "save_address" },
        { id = "new", label = t"choice.phone_new", go = "ask_phone" },
      },
    },

    ask_phone = ask { text = t"phone.ask", input = "phone", save = "new_phone", go = "save_address" },

    save_address = action {
      call = "customer.update_address",
      args = function(ctx)
        return { customer_id = ctx.customer_id, address = ctx.new_address, moved_on = ctx.moved_on,
                 phone = ctx.new_phone }
      end,
      save = "update",
      next = {
        { when = function(ctx) return ctx.update.proof_needed end, go = "proof_needed" },
        { go = "updated" },
      },
      on_error = "update_failed",
    },

    -- Waits for an OK: without the document within 30 days the account gets restricted, so the
    -- customer must see this before the conversation closes.
    proof_needed = say {
      text = t"proof",
      components = {
        { type = "link", label = t"link.upload", url = "bank://documents/upload?reason=address" },
      },
      choices = { { id = "ok", label = t"choice.ok" } },
      go = "updated",
    },

    updated = resolved { text = t"updated" },

    update_failed = escalate {
      reason = "address_update_failed",
      skills = { "accounts" },
      text = t"update_failed",
      summary = function(ctx)
        return "Identity confirmed in the app. The customer's new address, \""
            .. tostring(ctx.new_address) .. "\" (moving " .. tostring(ctx.moved_on)
            .. "), could not be saved: " .. tostring(ctx.update and ctx.update.error) .. "."
      end,
    },
  },
}
