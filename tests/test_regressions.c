/*
 * test_regressions.c — one test per bug found, named for the behaviour that broke.
 */
#include "harness.h"

/* Loads src, runs session A (which may try to leave its secret behind) then session B of the
 * flow; B must end at step "unseen". */
static void assert_no_leak(const char *src, const char *flow)
{
    hf_engine *e = t_engine();
    t_load(e, src);
    hf_session *a = t_start(e, flow, "{\"role\":\"a\",\"secret\":\"s3cr3t\"}");
    hf_session *b = t_start(e, flow, "{\"role\":\"b\"}");
    cJSON *o = t_output(b);
    t_assert_str(o, "step", "unseen");
    cJSON_Delete(o);
    hf_session_free(a);
    hf_session_free(b);
    hf_engine_free(e);
}

/* Loads src and starts the flow: it must escalate with flow_error, its error holding needle
 * (NULL: any). */
static void assert_flow_error(const char *src, const char *flow, const char *needle)
{
    hf_engine *e = t_engine();
    t_load(e, src);
    hf_session *s = t_start(e, flow, NULL);
    cJSON *o = t_output(s);
    t_assert_str(o, "escalation.reason", "flow_error");
    if (needle && !strstr(t_str(o, "escalation.error"), needle))
        fail_msg("error lacks \"%s\": %s", needle, t_str(o, "escalation.error"));
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static const char *CALLEE =
    "return flow 'idcheck' { start = 'send', steps = {\n"
    "  send = action { call = 'identity.send_code', go = 'wait_code' },\n"
    "  wait_code = wait { event = 'identity.verified', go = 'ok' },\n"
    "  ok = resolved { text = 'verified' } } }\n";

static const char *CALLER =
    "return flow 'addr' { start = 'verify', on = { help = 'faq' }, steps = {\n"
    "  verify = call { flow = 'idcheck', go = 'done' },\n"
    "  faq = say { text = 'FAQ', choices = { { id = 'again', label = 'Again', go = 'verify' } } },\n"
    "  done = resolved { text = 'done' } } }\n";

/* An intent a caller overrides, sent while a subflow runs, used to jump to the caller's step
 * index inside the subflow's steps (a crash). It must leave the subflow for the caller. */
static void intent_overridden_by_caller_leaves_the_subflow(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    t_load(e, CALLEE);
    t_load(e, CALLER);
    hf_session *s = t_start(e, "addr", "{\"at\":1}");
    cJSON_Delete(t_send(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true}"));
    cJSON *o = t_send(s, "{\"type\":\"intent\",\"name\":\"help\"}");
    t_assert_str(o, "step", "faq");
    assert_null(t_get(o, "subflow"));
    t_assert_str(o, "ui.0.text", "FAQ");
    cJSON_Delete(o);
    /* back into the subflow from the start: it is entered afresh */
    o = t_send(s, "{\"type\":\"choose\",\"option\":\"again\"}");
    t_assert_str(o, "step", "send");
    t_assert_str(o, "subflow", "idcheck");
    t_assert_str(o, "action.id", "a2");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* An upvalue restore list with a nil value in it lost the entries after the nil, so a guard
 * could leave data for the next session through a file-level local. */
static void upvalue_restore_survives_nil_values(void **state)
{
    (void)state;
    assert_no_leak("local stash\nlocal shared = {}\n"
              "return flow 'leak' { start = 'd', steps = {\n"
              "  d = decide { next = {\n"
              "    { when = function(ctx) if ctx.role == 'a' then\n"
              "        pcall(function() stash = ctx.secret end) end\n"
              "        local _ = shared; return false end, go = 'seen' },\n"
              "    { when = function(ctx) return ctx.role == 'b' and stash ~= nil end, go = 'seen' },\n"
              "    { go = 'unseen' } } },\n"
              "  seen = resolved { text = 'seen' },\n"
              "  unseen = resolved { text = 'unseen' } } }\n",
                   "leak");
}

/* A step table kept in a file-level local (say {}) escaped the freezing and carried one
 * session's context into the next. */
static void dsl_tables_in_locals_are_frozen_too(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    t_load(e, "local store = say {}\n"
              "local greet = t'hi'\n"
              "return flow 'leak' { start = 'a', strings = { ['en-GB'] = { hi = 'Hello' } },\n"
              "  steps = {\n"
              "  a = say { text = function(ctx) return greet end, go = 'b' },\n"
              "  b = say { text = function(ctx) store.last = ctx; return 'stored' end,\n"
              "            choices = { { id = 'x', label = 'x', go = 'done' } } },\n"
              "  done = resolved { text = 'ok' } } }\n");
    hf_session *s = t_start(e, "leak", "{\"secret\":\"alice\"}");
    cJSON *o = t_output(s);
    /* a t"key" kept in a local still resolves through its read-only view */
    t_assert_str(o, "ui.0.text", "Hello");
    t_assert_str(o, "escalation.reason", "flow_error");
    assert_non_null(strstr(t_str(o, "escalation.error"), "cannot assign"));
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* string.match and gsub took a 4th argument for find's "plain" and skipped the complexity
 * check, hanging the engine for seconds. */
static void pattern_limits_hold_whatever_the_fourth_argument(void **state)
{
    (void)state;
    const char *calls[] = {
        "string.match(string.rep('a', 30), 'a*a*a*a*a*a*a*a*a*b', 1, true)",
        "string.gsub(string.rep('a', 30), 'a*a*a*a*a*a*a*a*a*b', '', 1)",
        "string.find(string.rep('a', 9999), '.-b')",
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        char src[512];
        snprintf(src, sizeof src,
                 "return flow 'p' { start = 'a', steps = {\n"
                 "  a = say { text = function(ctx) local r = %s return 'done' end, go = 'z' },\n"
                 "  z = resolved { text = 'z' } } }\n", calls[i]);
        assert_flow_error(src, "p", NULL);
    }
}

/* table.unpack, and an encoder that did not charge array elements, let flow code do unbounded
 * work or build an unbounded context outside the Lua heap. */
static void c_library_work_and_data_size_are_bounded(void **state)
{
    (void)state;
    const char *bodies[] = {
        "for i = 1, 100000 do select('#', table.unpack({}, 1, 999000)) end return 'x'",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        char src[512];
        snprintf(src, sizeof src,
                 "return flow 'u' { start = 'a', steps = {\n"
                 "  a = say { text = function(ctx) %s end, go = 'z' },\n"
                 "  z = resolved { text = 'z' } } }\n", bodies[i]);
        assert_flow_error(src, "u", NULL);
    }
    assert_flow_error("return flow 'dag' { start = 'a', steps = {\n"
              "  a = say { text = 'hi', go = 'z', set = { big = function(ctx)\n"
              "      local t = 'xxxxxxxxxxxxxxxx'; for i = 1, 24 do t = { t, t } end; return t end } },\n"
              "  z = resolved { text = 'z' } } }\n",
                      "dag", "data larger than");
}

/* Freezing a deeply nested local table overran the Lua stack (heap corruption, then a crash). */
static void deeply_nested_local_tables_fail_the_load_cleanly(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    const char *deep = "local t = {} for i = 1, 1000 do t = { t } end\n"
                       "return flow 'deep' { start = 'a', steps = {\n"
                       "  a = say { text = function(ctx) return type(t) end, go = 'z' },\n"
                       "  z = resolved { text = 'z' } } }\n";
    assert_int_equal(hf_engine_load_string(e, deep, strlen(deep), "deep.lua", NULL), HF_ECHECK);
    assert_non_null(strstr(hf_engine_errmsg(e), "nested"));
    t_load(e, "local t = {} for i = 1, 30 do t = { t } end\n"
              "return flow 'ok' { start = 'a', steps = {\n"
              "  a = say { text = function(ctx) return type(t[1][1]) end, go = 'z' },\n"
              "  z = resolved { text = 'z' } } }\n");
    hf_session *s = t_start(e, "ok", NULL);
    cJSON *o = t_output(s);
    t_assert_str(o, "status", "resolved");
    t_assert_str(o, "ui.0.text", "table");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* restart put the start context back but kept the locale a `set` had changed. */
static void restart_restores_the_start_locale(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    t_load(e, "return flow 'loc' { start = 'a',\n"
              "  strings = { ['en-GB'] = { hi = 'Hello' }, ['fr-FR'] = { hi = 'Bonjour' } },\n"
              "  steps = {\n"
              "  a = say { text = t'hi', choices = {\n"
              "    { id = 'fr', label = 'FR', go = 'a', set = { locale = 'fr-FR' } },\n"
              "    { id = 'end', label = 'End', go = 'z' } } },\n"
              "  z = resolved { text = 'z' } } }\n");
    hf_session *s = t_start(e, "loc", "{\"locale\":\"en-GB\"}");
    cJSON *o = t_send(s, "{\"type\":\"choose\",\"option\":\"fr\"}");
    t_assert_str(o, "ui.0.text", "Bonjour");
    cJSON_Delete(o);
    o = t_send(s, "{\"type\":\"intent\",\"name\":\"restart\"}");
    t_assert_str(o, "ui.0.text", "Hello");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* A literal text holding a NUL byte was escaped from a copy cut at the NUL but with the Lua
 * string's full length: a read past the copy (found by fuzz_flow). */
static void texts_with_nul_bytes_load_and_show_escaped(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    t_load(e, "return flow 'nul' { start = 'a', steps = {\n"
              "  a = say { text = 'before\\0after', go = 'z' },\n"
              "  z = resolved { text = 'z' } } }\n");
    hf_session *s = t_start(e, "nul", NULL);
    size_t len;
    const char *out = hf_session_output(s, &len);
    assert_non_null(strstr(out, "\"before\\u0000after\""));
    hf_session_free(s);
    hf_engine_free(e);
}

/* Tables used as keys in a flow file's locals were left writable, and a table holding itself
 * handed out its unfrozen self: either let a session leave data for the next. */
static void table_keys_and_cycles_in_locals_are_frozen_too(void **state)
{
    (void)state;
    const char *uses[] = {
        "local holder = { [{}] = true }\n"
        "local function put(ctx) for k in pairs(holder) do k.v = ctx.secret end end\n"
        "local function seen() for k in pairs(holder) do if k.v then return true end end end\n",
        "local holder = {}; holder.self = holder\n"
        "local function put(ctx) holder.self.v = ctx.secret end\n"
        "local function seen() return holder.self.v ~= nil end\n",
    };
    for (size_t i = 0; i < sizeof uses / sizeof uses[0]; i++) {
        char src[1024];
        snprintf(src, sizeof src,
                 "%s"
                 "return flow 'k' { start = 'd', steps = {\n"
                 "  d = decide { next = {\n"
                 "    { when = function(ctx) if ctx.role == 'a' then pcall(put, ctx) end\n"
                 "        return false end, go = 'seen' },\n"
                 "    { when = function(ctx) return ctx.role == 'b' and seen() end, go = 'seen' },\n"
                 "    { go = 'unseen' } } },\n"
                 "  seen = resolved { text = 'seen' },\n"
                 "  unseen = resolved { text = 'unseen' } } }\n", uses[i]);
        assert_no_leak(src, "k");
    }
}

/* A run of numbers was never measured against max_string while it was encoded. */
static void encoded_numbers_count_against_max_string(void **state)
{
    (void)state;
    assert_flow_error("return flow 'n' { start = 'a', steps = {\n"
              "  a = action { call = 'x', args = function() local t = {}\n"
              "      for i = 1, 60000 do t[i] = -1.2345678901234567e-300 end return { v = t } end,\n"
              "    go = 'z' },\n"
              "  z = resolved { text = 'z' } } }\n",
                      "n", "data larger than");
}

static const char *ROUTING_VIEW =
    "return routing { queues = { gold = { }, other = { } }, rules = {\n"
    "  { when = function(e) return e.customer.tier == 'gold' and e.n == 2 end, queue = 'gold' },\n"
    "  { queue = 'other' } } }\n";

/* Rule functions read the escalation as it came: whitespace between a nested name and its
 * value broke the reading, and a repeated name gave the first value, not the last. */
static void rule_functions_read_raw_escalations_like_the_reader(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    assert_int_equal(hf_engine_load_routing(e, ROUTING_VIEW, strlen(ROUTING_VIEW), "v.lua"), HF_OK);
    const char *live = "{\"gold\":{\"agents\":5,\"arrivals_per_hour\":10,\"aht_s\":60},"
                       "\"other\":{\"agents\":5,\"arrivals_per_hour\":10,\"aht_s\":60}}";
    const char *esc = "{\"reason\":\"x\",\"skills\":[],\"n\":1,\"n\":2,"
                      "\"customer\":{\"tier\"\t:\n\"gold\"}}";
    const char *d = NULL;
    assert_int_equal(hf_route(e, esc, strlen(esc), live, strlen(live), &d, NULL), HF_OK);
    cJSON *j = cJSON_Parse(d);
    t_assert_str(j, "queue", "gold");
    cJSON_Delete(j);
    hf_engine_free(e);
}

/* The explain sentences round as printf does: 0.125 Erlangs is "0.12", not "0.13". */
static void explain_figures_round_as_printf_does(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    assert_int_equal(hf_engine_load_routing(e, ROUTING_VIEW, strlen(ROUTING_VIEW), "v.lua"), HF_OK);
    const char *live = "{\"gold\":{\"agents\":5,\"arrivals_per_hour\":45,\"aht_s\":10},"
                       "\"other\":{\"agents\":5,\"arrivals_per_hour\":45,\"aht_s\":10}}";
    const char *esc = "{\"reason\":\"x\",\"skills\":[]}";
    const char *d = NULL;
    assert_int_equal(hf_route(e, esc, strlen(esc), live, strlen(live), &d, NULL), HF_OK);
    assert_non_null(strstr(d, "5 agents for 0.12 Erlangs"));
    hf_engine_free(e);
}

/* A tick late enough to fire a wait's timeout skipped the idle check that follows it. */
static void a_tick_past_a_timeout_and_the_idle_time_abandons(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    t_load(e, "return flow 'w' { start = 'w', steps = {\n"
              "  w = wait { timeout = 60, go = 'menu' },\n"
              "  menu = say { text = 'Still there?', choices = { { id = 'y', label = 'Yes', go = 'z' } } },\n"
              "  z = resolved { text = 'z' } } }\n");
    hf_session *s = t_start(e, "w", "{\"at\":1000}");
    /* deadline 1060; the idle timeout (1800 s) then runs from 1060 */
    cJSON *o = t_send(s, "{\"type\":\"tick\",\"at\":2000}");
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "step", "menu");
    cJSON_Delete(o);
    hf_session_free(s);
    s = t_start(e, "w", "{\"at\":1000}");
    o = t_send(s, "{\"type\":\"tick\",\"at\":2860}");
    t_assert_str(o, "status", "abandoned");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* Text the engine returned, passed straight back: an event cut from inspect's JSON (in the
 * engine's scratch buffer, which checking the event rewrites), a context that is an error
 * message, a flow source that is the flow list. Each is read from a copy (ASan found the
 * first reading freed memory). */
static const char *PIN =
    "return flow 'pin' { start = 'ask', steps = {\n"
    "  ask = ask { text = 'Amount?', input = 'money', save = 'amount', go = 'done' },\n"
    "  done = resolved { text = 'ok' } } }\n";

static void text_the_engine_returned_can_be_passed_back(void **state)
{
    (void)state;
    hf_engine_options o = HF_ENGINE_OPTIONS_INIT;
    o.event_log = 1;
    hf_engine *e = NULL;
    assert_int_equal(hf_engine_new(&e, &o), HF_OK);
    t_load(e, PIN);
    hf_session *s = t_start(e, "pin", "{\"at\":1}");
    cJSON_Delete(t_send(s, "{\"type\":\"input\",\"value\":\"x\"}")); /* invalid: re-asks */
    const unsigned char *b;
    size_t n;
    assert_int_equal(hf_session_snapshot(s, &b, &n), HF_OK);
    hf_session *r = NULL;
    assert_int_equal(hf_session_restore(&r, e, b, n), HF_OK);
    assert_int_equal(hf_session_snapshot(s, &b, &n), HF_OK);
    const char *json;
    assert_int_equal(hf_snapshot_inspect(e, b, n, &json, NULL), HF_OK);
    const char *ev = strstr(json, "\"lg\":[");
    assert_non_null(ev);
    ev += 6; /* the logged event, in inspect's JSON: {"type":"input","value":"x"} */
    size_t evlen = (size_t)(strchr(ev, '}') - ev) + 1;
    const char *reply;
    assert_int_equal(hf_session_send(r, ev, evlen, &reply, NULL), HF_OK);
    assert_non_null(strstr(reply, "\"error\""));
    /* the error message as a context, the flow list as a source */
    hf_session *x = NULL;
    assert_int_equal(hf_session_start(&x, e, "pin", "{", 1), HF_EINVAL);
    const char *msg = hf_engine_errmsg(e);
    assert_int_equal(hf_session_start(&x, e, "pin", msg, strlen(msg)), HF_EINVAL);
    const char *list;
    assert_int_equal(hf_engine_flows(e, &list, NULL), HF_OK);
    assert_int_equal(hf_engine_load_string(e, list, strlen(list), "list", NULL), HF_ESYNTAX);
    hf_session_free(r);
    hf_session_free(s);
    hf_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(intent_overridden_by_caller_leaves_the_subflow),
        cmocka_unit_test(upvalue_restore_survives_nil_values),
        cmocka_unit_test(dsl_tables_in_locals_are_frozen_too),
        cmocka_unit_test(pattern_limits_hold_whatever_the_fourth_argument),
        cmocka_unit_test(c_library_work_and_data_size_are_bounded),
        cmocka_unit_test(deeply_nested_local_tables_fail_the_load_cleanly),
        cmocka_unit_test(restart_restores_the_start_locale),
        cmocka_unit_test(texts_with_nul_bytes_load_and_show_escaped),
        cmocka_unit_test(table_keys_and_cycles_in_locals_are_frozen_too),
        cmocka_unit_test(encoded_numbers_count_against_max_string),
        cmocka_unit_test(rule_functions_read_raw_escalations_like_the_reader),
        cmocka_unit_test(explain_figures_round_as_printf_does),
        cmocka_unit_test(a_tick_past_a_timeout_and_the_idle_time_abandons),
        cmocka_unit_test(text_the_engine_returned_can_be_passed_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
