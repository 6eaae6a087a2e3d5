---@meta helpflow
-- helpflow.lua: type definitions of the helpflow flow DSL and routing config for the Lua
-- language server (LuaLS; VS Code's sumneko.lua, Neovim's lua_ls). They give completion,
-- hover docs and warnings while writing flows; nothing here runs, and the engine never loads
-- this file. See docs/editor.md for setting an editor up.
--
-- Every class and field mirrors what the engine's compiler accepts (engine/compile.c,
-- compile_step.c, compile_fields.c, dsl.c, route_load.c): a field that is not here is a load
-- error there. tests/cli/test_editor_types.sh holds the two to each other. A field without `?`
-- is one the compiler requires. The load-time checks stay the authority: they also catch what a
-- type cannot say (a `go` to a step that does not exist, a step no path reaches).

-- ---------------------------------------------------------------------------------------------
-- Values

---A step id: letters, digits and `_ . - :`. A key of the flow's `steps`.
---@alias hf.StepId string

---@alias hf.Priority
---| "low"
---| "normal" # the default
---| "high"
---| "urgent"

---What an `ask` step asks for: checked before `validate`, and saved in a canonical form.
---@alias hf.InputType
---| "text"   # non-empty after trimming, at most 1,000 bytes; saved as a string
---| "number" # a decimal number; saved as a number
---| "money"  # non-negative, at most two decimals, optional £ $ € and thousands commas; saved as a number
---| "date"   # YYYY-MM-DD or DD/MM/YYYY, a real date; saved as "YYYY-MM-DD"
---| "email"  # saved as a string
---| "phone"  # 7 to 15 digits, + spaces dashes brackets allowed; saved with only + and digits

---A localised string, made by `t"key"`: the text of `key` in the session's locale (from the
---context's `locale`), else in the flow's default locale.
---@class hf.T

---What a text function may return: a string (a number is shown as one) or `t"key"`.
---@alias hf.TextValue string|number|hf.T

---Text shown to the customer: a string, `t"key"`, or a function of the context returning
---either.
---@alias hf.Text string|hf.T|fun(ctx: hf.Ctx): hf.TextValue

---JSON data: what can be stored in the context or sent to the host. Functions cannot; a
---`t"key"` in a component or in static `args` becomes its text.
---@alias hf.Data string|number|boolean|table|hf.T|nil

---The session's context, read-only: what the host passed at the start (every member except
---`session`, `at` and `prior_outcomes`), and what `save` and `set` stored since. Assigning to
---it raises an error (the session escalates with `flow_error`); `save` and `set` are the only
---ways to change it.
---@class hf.Ctx
---@field locale? string The customer's locale ("en-GB", "cy"), when the host gave one: it picks the `strings` that `t"key"` uses.
---@field [string] any

-- ---------------------------------------------------------------------------------------------
-- The flow

---What `flow "id" { ... }` returns; a flow file returns it.
---@class hf.Flow
---@field id string
---@field spec hf.FlowSpec

---@class hf.FlowSpec
---@field version? integer Whole number above 0 (default 1). An engine keeps every version it loaded; sessions finish on the version they started on.
---@field title? string
---@field triggers? string[] Phrases that launch the flow from search.
---@field start hf.StepId The first step.
---@field steps table<hf.StepId, hf.Step> The steps, by id.
---@field policy? hf.Policy Overrides of the engine's escalation policy.
---@field strings? table<string, table<string, string>> `{ ["en-GB"] = { key = "text", ... }, ... }`: the texts `t"key"` names, by locale.
---@field locale? string The default locale: one of `strings` (default "en-GB" if `strings` has it, else the first by name).
---@field skills? string[] Default skills of the escalations the policy makes (and of `escalate` steps that name none).
---@field priority? hf.Priority Default priority of those escalations.
---@field on? hf.Intents Intent overrides.
---@field migrate? fun(ctx: hf.Ctx, from_version: integer): table, hf.StepId? Moves a session of an older version onto this one: returns the new context (the old one, unchanged, will do) and, optionally, the step to stand at (default: the step of the same id).

---The escalation policy (DESIGN.md section 5).
---@class hf.Policy
---@field max_retries? integer Invalid inputs in a row an `ask` tolerates, 0 to 100 (engine default 2); the next escalates with `input_failed`.
---@field max_visits? integer Times a step may be entered, 1 to 250 (engine default 3); one more escalates with `loop`.
---@field repeat_contact? hf.RepeatContact Sends a customer who keeps coming back straight to a human.
---@field flag_priority? table<string, hf.Priority> `{ fraud = "urgent" }`: the priority an escalation with that flag is raised to, at least (default: vulnerable high, fraud urgent).

---@class hf.RepeatContact
---@field failures? integer Unresolved prior outcomes of this flow (above 0; engine default 2)...
---@field within? integer ... within this many seconds of the start (above 0; engine default 86400).

---Intents the customer can send at any waiting step. `human`, `cancel`, `restart` and `back` are
---built in; a flow may send one to a step of its own instead, turn one off with `false` (it is
---then rejected), or add new ones.
---@class hf.Intents
---@field human? hf.StepId|false Built in: escalates with `customer_requested`.
---@field cancel? hf.StepId|false Built in: ends the session as cancelled.
---@field restart? hf.StepId|false Built in: back to `start`, with the start context.
---@field back? hf.StepId|false Built in: back to the previous waiting step of the current flow.
---@field [string] hf.StepId|false

-- ---------------------------------------------------------------------------------------------
-- Transitions

---The context updates a transition makes before the next step is entered: a constant (JSON
---data) or a function of the context whose result is stored.
---@alias hf.Set table<string, hf.Data|fun(ctx: hf.Ctx): hf.Data>

---One branch of `next`. Branches are tried in order; the first whose `when` is truthy is taken.
---Only the last may leave `when` out.
---@class hf.Branch
---@field when? fun(ctx: hf.Ctx): any
---@field go hf.StepId
---@field set? hf.Set

---`next`: a step id, or a list of branches.
---@alias hf.Next hf.StepId|hf.Branch[]

---One option of a `say` step's `choices`.
---@class hf.Choice
---@field id string Letters, digits and `_ . - :`; unique in the step. The host sends it back.
---@field label hf.Text
---@field go? hf.StepId Absent: the step's own `go`.
---@field set? hf.Set

-- ---------------------------------------------------------------------------------------------
-- Components: UI the host draws natively. The engine checks `type` and passes every other field
-- to the host as it is (JSON data; `t"key"` becomes its text). The fields named below are the
-- ones the reference flows use and `helpflow run` draws.

---@alias hf.Component hf.Card|hf.List|hf.Link

---@class hf.Card
---@field type "card"
---@field title? hf.Data
---@field body? hf.Data
---@field [string] hf.Data

---@class hf.List
---@field type "list"
---@field title? hf.Data
---@field items? table[] `{ id = ..., title = ..., detail = ... }` rows.
---@field [string] hf.Data

---@class hf.Link
---@field type "link"
---@field label? hf.Data
---@field url? string A deep link into the app ("bank://accounts/top-up").
---@field [string] hf.Data

-- ---------------------------------------------------------------------------------------------
-- Steps

---@alias hf.Step hf.Say|hf.Ask|hf.Action|hf.Decide|hf.Call|hf.Wait|hf.Resolved|hf.Escalate

---Shows text and components. With `choices` it waits for one; without, it goes on to `go`.
---@class hf.Say
---@field text? hf.Text
---@field components? hf.Component[]|fun(ctx: hf.Ctx): hf.Component[]
---@field choices? hf.Choice[]
---@field go? hf.StepId
---@field next? hf.Next
---@field set? hf.Set Applied on `go` (on each branch, with `next`).
---@field flags? string[] Entering the step adds these to the session's flags ("vulnerable", "fraud"), which a later escalation carries.

---Asks for a typed value; checks its type, then `validate`; re-asks with the error; saves it.
---@class hf.Ask
---@field text hf.Text The question.
---@field input? hf.InputType Default "text".
---@field validate? fun(value: string|number, ctx: hf.Ctx): any, hf.TextValue? Gets the value as it will be saved; returns true, or false (or nil) and the message to show.
---@field save? string The context member the value is stored in.
---@field go? hf.StepId
---@field next? hf.Next
---@field set? hf.Set
---@field flags? string[]

---Asks the host to perform an action and waits for its result.
---@class hf.Action
---@field call string The action's name ("cards.get_status"): letters, digits and `_ . - :`.
---@field args? table<string, hf.Data>|fun(ctx: hf.Ctx): table<string, hf.Data> What the host gets (absent: `{}`).
---@field save? string The context member the result's data is stored in (on failure: `{ error = "..." }`).
---@field go? hf.StepId
---@field next? hf.Next
---@field set? hf.Set
---@field on_error? hf.StepId Where a failed action goes; absent, the session escalates with `action_failed`.
---@field flags? string[]

---Routes on `next` alone; waits for nothing. No branch taken escalates with `flow_error`.
---@class hf.Decide
---@field next hf.Branch[]
---@field flags? string[]

---Runs another flow (its newest version) as a subroutine, on the same context: its `resolved`
---end continues here at `go`; its escalation escalates the session.
---@class hf.Call
---@field flow string The flow's id; it must be loaded before this one.
---@field go hf.StepId
---@field set? hf.Set
---@field flags? string[]

---Waits for a host event, a timeout, or the first of both.
---@class hf.Wait
---@field text? hf.Text
---@field event? string The event's name ("identity.verified").
---@field timeout? integer Seconds above 0, from entering the step.
---@field go hf.StepId Where the event leads (and the timeout, without `on_timeout`).
---@field on_timeout? hf.StepId
---@field set? hf.Set
---@field save? string The context member the event's data is stored in.
---@field flags? string[]

---The end: self-service succeeded.
---@class hf.Resolved
---@field text? hf.Text
---@field flags? string[]

---The end: hand the customer to a human, with the reason, the context collected, the path and
---a summary for the agent.
---@class hf.Escalate
---@field reason string
---@field skills? string[] Absent: the flow's `skills`.
---@field priority? hf.Priority Absent: the flow's, else "normal".
---@field flags? string[] "vulnerable", "fraud", ...
---@field text? hf.Text
---@field summary? fun(ctx: hf.Ctx): hf.TextValue The one-paragraph summary for the agent (absent: one the engine writes from the path).

-- ---------------------------------------------------------------------------------------------
-- The DSL's constructors. Each step constructor tags its table and returns it.

---Declares a flow: `return flow "card_declined" { version = 3, start = "...", steps = { ... } }`.
---@param id string Letters, digits and `_ . - :`.
---@return fun(spec: hf.FlowSpec): hf.Flow
function flow(id) end

---@param spec hf.Say
---@return hf.Say
function say(spec) end

---@param spec hf.Ask
---@return hf.Ask
function ask(spec) end

---@param spec hf.Action
---@return hf.Action
function action(spec) end

---@param spec hf.Decide
---@return hf.Decide
function decide(spec) end

---@param spec hf.Call
---@return hf.Call
function call(spec) end

---@param spec hf.Wait
---@return hf.Wait
function wait(spec) end

---@param spec hf.Resolved
---@return hf.Resolved
function resolved(spec) end

---@param spec hf.Escalate
---@return hf.Escalate
function escalate(spec) end

---A localised string: `t"card.frozen"`, from the flow's `strings`.
---@param key string
---@return hf.T
function t(key) end

-- ---------------------------------------------------------------------------------------------
-- Routing configs (docs/routing.md): `return routing { ... }`.

---@class hf.Routing

---@class hf.RoutingSpec
---@field service_level? hf.ServiceLevel Default: 80% answered within 20 s.
---@field queues table<string, hf.Queue> The queues, by name (letters, digits and `_ . - :`; not "at").
---@field rules hf.Rule[] Tried in order: the first matching rule with a `queue` decides.

---@class hf.ServiceLevel
---@field answer_within? number Seconds, 0 to 86400.
---@field target? number The share to answer within it: above 0, at most 1 (0.8 for 80%).

---@class hf.Queue
---@field skills? string[] No skills: the queue takes any skill.
---@field languages? string[]
---@field hours? hf.Hours Absent: always open.

---@alias hf.Day "mon"|"tue"|"wed"|"thu"|"fri"|"sat"|"sun"

---@class hf.Hours
---@field from string "HH:MM", 00:00 to 24:00.
---@field to string "HH:MM", 00:00 to 24:00.
---@field days? hf.Day[] Default: every day.
---@field utc_offset? integer Minutes, -840 to 840.

---@class hf.Rule
---@field name? string Shown in `explain`.
---@field when? hf.Match|fun(e: hf.EscalationView): any Absent: always.
---@field queue? string The queue it decides; without one the rule only raises the priority.
---@field priority? hf.Priority
---@field overflow? string[] Queues to move to when `queue` misses its service-level target.

---A `when` table: every field must match. A string must equal the escalation's field, a list
---means any of them; `skills` and `flags` match when the escalation's list holds the value.
---@class hf.Match
---@field reason? string|string[]
---@field skills? string|string[]
---@field flags? string|string[]
---@field priority? hf.Priority|hf.Priority[]
---@field language? string|string[] The escalation's `language`, else the first part of `collected.locale`.
---@field flow? string|string[]

---The escalation as a rule function sees it, read-only: `skills` and `flags` are sets.
---@class hf.EscalationView
---@field reason string
---@field skills table<string, true>
---@field flags table<string, true>
---@field priority hf.Priority
---@field language? string
---@field flow? string
---@field collected? table
---@field [string] any

---@param spec hf.RoutingSpec
---@return hf.Routing
function routing(spec) end
