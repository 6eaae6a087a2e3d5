# types/helpflow.lua, the LuaLS annotations of the flow DSL: valid Lua, and in step with the
# compiler. Every field list the compiler checks tables against (compile.c, compile_step.c,
# route_load.c), the step kinds (dsl.c), input types, priorities and days must match the
# annotations exactly: a field the engine accepts and the types lack, or one the types offer
# and the engine rejects, fails here. Needs lua5.4 (scripts/install-deps.sh): without it the
# test prints SKIP and passes, unless CI is set.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

LUA=$(command -v lua5.4 || true)
if [ -z "$LUA" ]; then
    [ -z "${CI:-}" ] || fail "lua5.4 is not installed, and CI is set (scripts/install-deps.sh installs it)"
    echo "SKIP: lua5.4 is not installed (apt-get install lua5.4)"
    exit 0
fi

cat >"$T/check.lua" <<'LUA'
local src = arg[1]
local function read(path)
  local f = assert(io.open(src .. "/" .. path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local types = read("types/helpflow.lua")
assert(load(types, "=types/helpflow.lua", "t"))

-- The annotations: class -> { field = true }, alias -> its text, and the global functions.
local classes, aliases, functions = {}, {}, {}
local current
for line in (types .. "\n"):gmatch("([^\n]*)\n") do
  local class = line:match("^%-%-%-@class%s+([%w%.]+)")
  local field = line:match("^%-%-%-@field%s+([%a_][%w_]*)%??%s")
  local alias, body = line:match("^%-%-%-@alias%s+([%w%.]+)%s*(.*)$")
  if class then
    current = {}
    classes[class] = current
  elseif field and current then
    current[field] = true
  elseif alias then
    aliases[alias] = body
    current = nil
  elseif line:match("^%-%-%-|") and aliases.last then
    aliases[aliases.last] = aliases[aliases.last] .. " " .. line:gsub("#.*$", "")
  elseif not line:match("^%-%-%-@field") then
    current = nil
  end
  if alias then aliases.last = alias elseif not line:match("^%-%-%-|") then aliases.last = nil end
  local fn = line:match("^function%s+([%a_][%w_]*)%(")
  if fn then functions[fn] = true end
end

-- The compiler's string arrays: { name = ..., items = { ... } } per initializer in a file.
local function arrays(path)
  local out = {}
  local text = read(path)
  for name, body in text:gmatch("([%w_]+)%[[%w_]*%]%s*=%s*(%b{})") do
    local items, other = {}, body:sub(2, -2):gsub('"[^"]*"', ""):gsub("NULL", ""):gsub("[%s,]", "")
    for s in body:gmatch('"([^"]*)"') do items[#items + 1] = s end
    if #items > 0 and other == "" then out[#out + 1] = { name = name, items = items } end
  end
  return out
end

local failures = 0
local function problem(fmt, ...)
  failures = failures + 1
  io.stderr:write(string.format(fmt, ...), "\n")
end

-- find(path, key, how): the one array named key (how "name") or holding the string key.
local function find(path, key, how)
  local found
  for _, a in ipairs(arrays(path)) do
    local hit = how == "name" and a.name == key
    for _, s in ipairs(a.items) do hit = hit or (how == "has" and s == key) end
    if hit then
      if found then problem("%s: two arrays match %s '%s'", path, how, key) end
      found = a
    end
  end
  if not found then problem("%s: no array with %s '%s'", path, how, key) end
  return found and found.items or {}
end

local function same(what, engine, declared)
  local set = {}
  for _, s in ipairs(engine) do
    set[s] = true
    if not declared[s] then problem("%s: the compiler accepts '%s', the types lack it", what, s) end
  end
  for s in pairs(declared) do
    if not set[s] then problem("%s: the types declare '%s', the compiler rejects it", what, s) end
  end
end

local tables = {
  { "hf.FlowSpec", "engine/compile.c", "has", "version" },
  { "hf.Policy", "engine/compile.c", "has", "max_retries" },
  { "hf.RepeatContact", "engine/compile.c", "has", "failures" },
  { "hf.Say", "engine/compile_step.c", "name", "say_fields" },
  { "hf.Ask", "engine/compile_step.c", "name", "ask_fields" },
  { "hf.Action", "engine/compile_step.c", "name", "action_fields" },
  { "hf.Decide", "engine/compile_step.c", "name", "decide_fields" },
  { "hf.Call", "engine/compile_step.c", "name", "call_fields" },
  { "hf.Wait", "engine/compile_step.c", "name", "wait_fields" },
  { "hf.Resolved", "engine/compile_step.c", "name", "resolved_fields" },
  { "hf.Escalate", "engine/compile_step.c", "name", "escalate_fields" },
  { "hf.Choice", "engine/compile_step.c", "has", "label" },
  { "hf.Branch", "engine/compile_step.c", "has", "when" },
  { "hf.RoutingSpec", "engine/route_load.c", "has", "service_level" },
  { "hf.ServiceLevel", "engine/route_load.c", "has", "answer_within" },
  { "hf.Queue", "engine/route_load.c", "has", "languages" },
  { "hf.Hours", "engine/route_load.c", "has", "utc_offset" },
  { "hf.Rule", "engine/route_load.c", "has", "overflow" },
  { "hf.Match", "engine/route_load.c", "name", "hfi_route_fields" },
}
for _, t in ipairs(tables) do
  local class, path, how, key = t[1], t[2], t[3], t[4]
  if not classes[class] then problem("types: no class %s", class) else
    same(class, find(path, key, how), classes[class])
  end
end

-- Step kinds: a constructor and a class for each, all in hf.Step.
local kinds = find("engine/dsl.c", "hfi_kind_names", "name")
for _, k in ipairs(kinds) do
  local class = "hf." .. k:sub(1, 1):upper() .. k:sub(2)
  if not functions[k] then problem("types: no constructor %s { ... }", k) end
  if not classes[class] then problem("types: no class %s for step kind %s", class, k) end
  if not (aliases["hf.Step"] or ""):find(class .. "%f[^%w]") then
    problem("types: hf.Step lacks %s", class)
  end
end
for _, fn in ipairs({ "flow", "t", "routing" }) do
  if not functions[fn] then problem("types: no function %s", fn) end
  if not read("engine/dsl.c"):find('setfield%(L, env, "' .. fn .. '"%)') and
     not read("engine/dsl.c"):find('pushliteral%(L, "' .. fn .. '"%)') then
    problem("dsl.c does not define %s: the types should not either", fn)
  end
end

-- Enumerations: exactly the values the compiler accepts.
local function values(alias)
  local set = {}
  for v in (aliases[alias] or ""):gmatch('"([^"]*)"') do set[v] = true end
  return set
end
same("hf.InputType", find("engine/compile_fields.c", "hfi_input_names", "name"), values("hf.InputType"))
same("hf.Priority", find("engine/compile_fields.c", "hfi_priorities", "name"), values("hf.Priority"))
same("hf.Day", find("engine/route_load.c", "hfi_route_days", "name"), values("hf.Day"))
local component_types = {}
for class in (aliases["hf.Component"] or ""):gmatch("hf%.[%w]+") do
  local t = types:match("@class " .. class:gsub("%.", "%%.") .. "\n%-%-%-@field type \"(%a+)\"")
  if t then component_types[t] = true else problem("types: %s has no type", class) end
end
local engine_types = {}
for t in read("engine/compile_step.c"):gmatch('strcmp%(type, "(%a+)"%)') do
  engine_types[#engine_types + 1] = t
end
same("hf.Component", engine_types, component_types)

if failures > 0 then os.exit(1) end
local n = 0
for _ in pairs(classes) do n = n + 1 end
print(string.format("ok: %d classes, %d step kinds, in step with the compiler", n, #kinds))
LUA

CODE=0
"$LUA" "$T/check.lua" "$HF_SOURCE_DIR" >"$OUT" 2>"$ERR" || CODE=$?
expect_code 0 "types/helpflow.lua against the compiler"
expect_out "in step with the compiler"

# The check can fail: a field the compiler does not know, and one it knows that the types lack.
mkdir -p "$T/src/types" "$T/src/engine"
cp "$HF_SOURCE_DIR"/engine/{compile.c,compile_step.c,compile_fields.c,dsl.c,route_load.c} "$T/src/engine/"
sed -e 's/^---@field on_error? hf.StepId/---@field on_failure? hf.StepId/' \
    "$HF_SOURCE_DIR/types/helpflow.lua" >"$T/src/types/helpflow.lua"
CODE=0
"$LUA" "$T/check.lua" "$T/src" >"$OUT" 2>"$ERR" || CODE=$?
expect_code 1 "a renamed field"
expect_err "hf.Action: the compiler accepts 'on_error', the types lack it"
expect_err "hf.Action: the types declare 'on_failure', the compiler rejects it"
sed -e 's/"urgent"/"critical"/' "$HF_SOURCE_DIR/types/helpflow.lua" >"$T/src/types/helpflow.lua"
CODE=0
"$LUA" "$T/check.lua" "$T/src" >"$OUT" 2>"$ERR" || CODE=$?
expect_code 1 "a wrong priority"
expect_err "hf.Priority: the compiler accepts 'urgent', the types lack it"
printf 'this is not Lua (\n' >"$T/src/types/helpflow.lua"
CODE=0
"$LUA" "$T/check.lua" "$T/src" >"$OUT" 2>"$ERR" || CODE=$?
[ "$CODE" -ne 0 ] || fail "a types file that is not Lua passes"
expect_err "types/helpflow.lua"

# The example configuration in docs/editor.md is valid JSON naming the types directory.
awk '/^```json$/ { on = 1; next } /^```$/ { on = 0 } on' "$HF_SOURCE_DIR/docs/editor.md" >"$T/luarc.json"
[ -s "$T/luarc.json" ] || fail "docs/editor.md has no .luarc.json example"
"$LUA" -e '
  local s = io.read("a")
  -- JSON is Lua once its brackets and colons are swapped for Lua table syntax.
  s = s:gsub("%[", "{"):gsub("%]", "}"):gsub("(\"[^\"]*\")%s*:", "[%1] =")
  assert(load("return " .. s, "=luarc", "t"), "not JSON")()' <"$T/luarc.json" ||
    fail "the .luarc.json example does not parse"
grep -qF '"library": ["../helpflow/types"]' "$T/luarc.json" || fail "the example sets no workspace library"
grep -qF 'types' "$T/luarc.json" || fail "the example does not point at types/"
exit 0
