/*
 * test_sandbox.c — flow code is untrusted: runaway loops, memory hogs, removed and read-only
 * globals, unbounded C library work, leaks between sessions, bytecode, bad top levels and
 * hf_engine_interrupt(). Whatever flow code does, the engine answers quickly, the session
 * escalates with flow_error, and the engine keeps serving.
 */
#include <pthread.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "harness.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Generous: sanitizer builds are slow, but a hang is minutes. */
#define QUICK 10.0

static hf_engine *engine_with(uint64_t instructions, size_t memory, size_t max_string)
{
    hf_engine_options o;
    assert_int_equal(hf_engine_options_init(&o, HF_ENGINE_OPTIONS_VERSION), HF_OK);
    if (instructions)
        o.instruction_limit = instructions;
    if (memory)
        o.memory_limit = memory;
    if (max_string)
        o.max_string = max_string;
    hf_engine *e = NULL;
    assert_int_equal(hf_engine_new(&e, &o), HF_OK);
    return e;
}

/*
 * Loads a flow whose start decides on `function(ctx) BODY end`, starts it and returns what
 * happened: "yes" / "no" (the branch taken) or "escalated:REASON". Static storage.
 */
static const char *run_guard(hf_engine *e, const char *body)
{
    static int serial;
    static char result[128];
    char id[32];
    snprintf(id, sizeof id, "g%d", ++serial);
    size_t n = strlen(body) + 512;
    char *src = malloc(n);
    snprintf(src, n,
             "return flow '%s' { start = 'd', steps = {\n"
             "  d = decide { next = { { when = function(ctx) %s end, go = 'yes' },\n"
             "                        { go = 'no' } } },\n"
             "  yes = resolved { text = 'yes' },\n"
             "  no = resolved { text = 'no' } } }\n",
             id, body);
    t_load(e, src);
    free(src);
    hf_session *s = t_start(e, id, "{\"n\":1}");
    cJSON *o = t_output(s);
    const char *status = t_str(o, "status");
    if (strcmp(status, "resolved") == 0)
        snprintf(result, sizeof result, "%s", t_str(o, "step"));
    else if (strcmp(status, "escalated") == 0)
        snprintf(result, sizeof result, "escalated:%s", t_str(o, "escalation.reason"));
    else
        snprintf(result, sizeof result, "status:%s", status);
    cJSON_Delete(o);
    hf_session_free(s);
    return result;
}

#define assert_guard(e, body, want)                                                           \
    do {                                                                                      \
        double t0_ = now();                                                                   \
        const char *got_ = run_guard((e), (body));                                            \
        double dt_ = now() - t0_;                                                             \
        if (strcmp(got_, (want)) != 0)                                                        \
            fail_msg("guard { %s }: want %s, got %s", (body), (want), got_);                  \
        if (dt_ > QUICK)                                                                      \
            fail_msg("guard { %s } took %.1f s", (body), dt_);                                \
    } while (0)

#define FLOW_ERROR "escalated:flow_error"

static const char *FLOW_MENU =
    "return flow 'menu' { start = 'm', steps = {\n"
    "  m = say { text = 'M', choices = { { id = 'x', label = 'X', go = 'r' } } },\n"
    "  r = resolved { text = 'ok' } } }\n";

/* ---------------------------------------------------------------------------------------- */

static void endless_loop_in_a_guard_escalates_and_the_engine_keeps_serving(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, FLOW_MENU);
    hf_session *other = t_start(e, "menu", NULL);
    assert_guard(e, "while true do end", FLOW_ERROR);
    assert_guard(e, "repeat until false", FLOW_ERROR);
    assert_guard(e, "local function f() return f() end return f()", FLOW_ERROR);
    assert_guard(e, "local function f() return 1 + f() end return f()", FLOW_ERROR);
    assert_guard(e, "for i = 1, math.huge do end", FLOW_ERROR);
    assert_guard(e, "return true", "yes");
    /* A session that was waiting all along is unaffected. */
    cJSON *o = t_send(other, "{\"type\":\"choose\",\"option\":\"x\"}");
    t_assert_str(o, "status", "resolved");
    cJSON_Delete(o);
    hf_session_free(other);
    assert_guard(e, "while true do end", FLOW_ERROR);
    assert_guard(e, "return false", "no");
    hf_engine_free(e);
}

static void endless_loop_in_an_event_escalates(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, "return flow 'ev' { start = 'q', steps = {\n"
              "  q = ask { text = 'Q', input = 'number', save = 'n', go = 'r',\n"
              "    validate = function(v) while v > 0 do end return true end },\n"
              "  r = resolved { text = 'ok' } } }\n");
    hf_session *s = t_start(e, "ev", NULL);
    double t0 = now();
    cJSON *o = t_send(s, "{\"type\":\"input\",\"value\":\"5\"}");
    assert_true(now() - t0 < QUICK);
    t_assert_str(o, "status", "escalated");
    t_assert_str(o, "escalation.reason", "flow_error");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void memory_hog_escalates_flow_error(void **state)
{
    /* A high instruction budget, so that the memory cap is what stops them. */
    size_t cap = (size_t)8 << 20;
    hf_engine *e = engine_with(2000000000u, cap, 0);
    assert_guard(e, "local t = {} for i = 1, 1e8 do t[i] = i end return true", FLOW_ERROR);
    assert_guard(e, "local t = {} while true do t[#t + 1] = ('x'):rep(1000) .. #t end",
                 FLOW_ERROR);
    assert_guard(e, "local t = {} while true do t[#t + 1] = {} end", FLOW_ERROR);
    assert_guard(e, "local s = 'x' while true do s = s .. s end", FLOW_ERROR);
    assert_guard(e, "local t = {} for i = 1, 1e7 do t[#t + 1] = tostring(i) end return true",
                 FLOW_ERROR);
    /* Memory comes back and the engine serves normally. */
    assert_guard(e, "local t = {} for i = 1, 1000 do t[i] = i end return #t == 1000", "yes");
    assert_true(hf_engine_memory(e) < cap);
    hf_engine_free(e);

    /* With the default limits too. */
    e = t_engine();
    assert_guard(e, "local t = {} while true do t[#t + 1] = ('x'):rep(100000) .. #t end",
                 FLOW_ERROR);
    assert_guard(e, "return true", "yes");
    hf_engine_free(e);
}

static void pcall_cannot_swallow_the_budget_kill(void **state)
{
    hf_engine *e = t_engine();
    assert_guard(e, "while true do pcall(function() while true do end end) end", FLOW_ERROR);
    assert_guard(e, "for i = 1, 3 do pcall(function() while true do end end) end return true",
                 FLOW_ERROR);
    assert_guard(e, "xpcall(function() while true do end end, function() return true end)"
                    " return true",
                 FLOW_ERROR);
    assert_guard(e, "local ok = pcall(error, 'x') while true do pcall(error) end", FLOW_ERROR);
    assert_guard(e, "pcall(pcall, function() while true do end end) return true", FLOW_ERROR);
    /* Ordinary errors can still be caught. */
    assert_guard(e, "return not pcall(error, 'x')", "yes");
    hf_engine_free(e);
}

static void removed_globals_are_absent_and_calling_them_fails(void **state)
{
    hf_engine *e = t_engine();
    static const struct { const char *name, *call; } removed[] = {
        { "io", "io.write('x')" },
        { "os", "os.time()" },
        { "debug", "debug.traceback()" },
        { "package", "package.loaded.x = 1" },
        { "require", "require('os')" },
        { "load", "load('return 1')()" },
        { "loadstring", "loadstring('return 1')()" },
        { "dofile", "dofile('/etc/passwd')" },
        { "loadfile", "loadfile('/etc/passwd')" },
        { "string.dump", "string.dump(function() end)" },
        { "collectgarbage", "collectgarbage('count')" },
        { "coroutine", "coroutine.wrap(function() end)()" },
        { "setmetatable", "setmetatable({}, {})" },
        { "getmetatable", "getmetatable('')" },
        { "rawset", "rawset({}, 1, 1)" },
        { "print", "print('x')" },
        { "math.random", "math.random()" },
        { "math.randomseed", "math.randomseed(1)" },
    };
    char body[256];
    for (size_t i = 0; i < sizeof removed / sizeof removed[0]; i++) {
        snprintf(body, sizeof body, "return %s == nil", removed[i].name);
        assert_guard(e, body, "yes");
        snprintf(body, sizeof body, "%s return true", removed[i].call);
        assert_guard(e, body, FLOW_ERROR);
    }
    /* What flow code needs is there. */
    assert_guard(e,
                 "return type(pairs) == 'function' and type(ipairs) == 'function'"
                 " and type(string.format) == 'function' and type(table.concat) == 'function'"
                 " and type(table.sort) == 'function' and type(math.floor) == 'function'"
                 " and type(utf8.char) == 'function' and tostring(12) == '12'"
                 " and tonumber('7') == 7 and select('#', 1, 2) == 2 and type(pcall) == 'function'"
                 " and ('abc'):upper() == 'ABC' and #('x'):rep(3) == 3",
                 "yes");
    hf_engine_free(e);
}

static void writing_a_global_fails(void **state)
{
    hf_engine *e = t_engine();
    assert_guard(e, "x = 1 return true", FLOW_ERROR);
    assert_guard(e, "_ENV.y = 1 return true", FLOW_ERROR);
    assert_guard(e, "flow = nil return true", FLOW_ERROR);
    assert_guard(e, "pairs = nil return true", FLOW_ERROR);

    const char *src = "leaked = 1\n"
                      "return flow 'gl' { start = 'r', steps = { r = resolved { text = 'x' } } }\n";
    assert_int_not_equal(hf_engine_load_string(e, src, strlen(src), "test.lua", NULL), HF_OK);
    assert_non_null(strstr(hf_engine_errmsg(e), "test.lua"));
    hf_session *s = NULL;
    assert_int_equal(hf_session_start(&s, e, "gl", NULL, 0), HF_ENOTFOUND);
    assert_guard(e, "return leaked == nil and x == nil and y == nil", "yes");
    hf_engine_free(e);
}

static void library_tables_are_read_only(void **state)
{
    hf_engine *e = t_engine();
    assert_guard(e, "string.len = nil return true", FLOW_ERROR);
    assert_guard(e, "string.evil = function() end return true", FLOW_ERROR);
    assert_guard(e, "math.pi = 3 return true", FLOW_ERROR);
    assert_guard(e, "table.insert = nil return true", FLOW_ERROR);
    assert_guard(e, "utf8.char = nil return true", FLOW_ERROR);
    assert_guard(e, "local s = string s.upper = s.lower return true", FLOW_ERROR);
    assert_guard(e, "pcall(function() string.len = nil end) return string.len('abc') == 3"
                    " and math.pi > 3.14 and table.insert ~= nil and string.evil == nil",
                 "yes");

    const char *src = "string.len = nil\n"
                      "return flow 'ro' { start = 'r', steps = { r = resolved { text = 'x' } } }\n";
    assert_int_not_equal(hf_engine_load_string(e, src, strlen(src), "test.lua", NULL), HF_OK);
    assert_guard(e, "return string.len('abc') == 3", "yes");
    hf_engine_free(e);
}

static void unbounded_c_library_work_is_refused(void **state)
{
    hf_engine *e = t_engine();
    assert_guard(e, "local s = ('x'):rep(1e9) return true", FLOW_ERROR);
    assert_guard(e, "local s = string.rep('ab', 1e6, ',') return true", FLOW_ERROR);
    assert_guard(e, "local s = ('x'):rep(2^53) return true", FLOW_ERROR);
    assert_guard(e,
                 "local t = {} for i = 1, 20 do t[i] = ('x'):rep(100000) end"
                 " return #table.concat(t) > 0",
                 FLOW_ERROR);
    assert_guard(e, "return #('x'):rep(100000) == 100000", "yes");
    assert_guard(e, "return #table.concat({ 'a', 'b' }, ',') == 3", "yes");
    hf_engine_free(e);

    /* max_string is an engine option. */
    e = engine_with(0, 0, 1000);
    assert_guard(e, "return #('x'):rep(1000) == 1000", "yes");
    assert_guard(e, "return #('x'):rep(1001) > 0", FLOW_ERROR);
    hf_engine_free(e);
}

static void pathological_pattern_ends_quickly_in_flow_error(void **state)
{
    hf_engine *e = t_engine();
    assert_guard(e, "return string.find(('a'):rep(5000), ('a*'):rep(20) .. 'b') ~= nil",
                 FLOW_ERROR);
    assert_guard(e, "return ('a'):rep(5000):match(('a-'):rep(20) .. 'b') ~= nil", FLOW_ERROR);
    assert_guard(e,
                 "local n = 0 for _ in ('a'):rep(5000):gmatch(('a*'):rep(15) .. 'b') do"
                 " n = n + 1 end return true",
                 FLOW_ERROR);
    /* Ordinary patterns work. */
    assert_guard(e, "return ('card 4242'):match('%d+') == '4242'", "yes");
    hf_engine_free(e);
}

static const char *FLOW_LEAK =
    "local stash\n"
    "local shared = {}\n"
    "return flow 'leak' { start = 'd', steps = {\n"
    "  d = decide { next = {\n"
    "    { when = function(ctx)\n"
    "        if ctx.role == 'a' then\n"
    "          pcall(function() stash = ctx.secret end)\n"
    "          pcall(function() shared.v = ctx.secret end)\n"
    "          pcall(function() table.insert(shared, ctx.secret) end)\n"
    "          pcall(function() _G.leak = ctx.secret end)\n"
    "        end\n"
    "        return false end, go = 'seen' },\n"
    "    { when = function(ctx)\n"
    "        return ctx.role == 'b' and (stash ~= nil or shared.v ~= nil or shared[1] ~= nil\n"
    "                                    or (_G ~= nil and _G.leak ~= nil)) end,\n"
    "      go = 'seen' },\n"
    "    { when = function(ctx) return ctx.role == 'a' end, go = 'wait' },\n"
    "    { go = 'unseen' } } },\n"
    "  wait = say { text = 'A waits', choices = { { id = 'x', label = 'X', go = 'unseen' } } },\n"
    "  seen = resolved { text = 'seen' },\n"
    "  unseen = resolved { text = 'unseen' } } }\n";

static void one_sessions_code_cannot_leave_data_for_another(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, FLOW_LEAK);
    hf_session *a = t_start(e, "leak", "{\"role\":\"a\",\"secret\":\"s3cr3t\"}");
    cJSON *o = t_output(a);
    t_assert_str(o, "step", "wait"); /* A's own guards ran and did not fail */
    cJSON_Delete(o);
    hf_session *b = t_start(e, "leak", "{\"role\":\"b\"}");
    o = t_output(b);
    t_assert_str(o, "status", "resolved");
    t_assert_str(o, "step", "unseen");
    cJSON_Delete(o);
    hf_session_free(a);
    hf_session_free(b);
    hf_engine_free(e);
}

/* The same through the error path: a guard that changes an upvalue and then fails. */
static void failing_guard_cannot_leave_data_for_another_session(void **state)
{
    static const char *how[] = { "error('x')", "pcall(error, 'x')", "local _ = nil .. 'x'" };
    for (size_t i = 0; i < sizeof how / sizeof how[0]; i++) {
        char src[1024];
        snprintf(src, sizeof src,
                 "local stash\n"
                 "return flow 'leak' { start = 'd', steps = {\n"
                 "  d = decide { next = {\n"
                 "    { when = function(ctx)\n"
                 "        if ctx.role == 'a' then stash = ctx.secret; %s end\n"
                 "        return false end, go = 'seen' },\n"
                 "    { when = function(ctx) return stash ~= nil end, go = 'seen' },\n"
                 "    { go = 'unseen' } } },\n"
                 "  seen = resolved { text = 'seen' },\n"
                 "  unseen = resolved { text = 'unseen' } } }\n",
                 how[i]);
        hf_engine *e = t_engine();
        t_load(e, src);
        hf_session *a = t_start(e, "leak", "{\"role\":\"a\",\"secret\":\"s3cr3t\"}");
        hf_session *b = t_start(e, "leak", "{\"role\":\"b\"}");
        cJSON *o = t_output(b);
        if (strcmp(t_str(o, "step"), "unseen") != 0)
            fail_msg("after { stash = ctx.secret; %s } in session A, session B saw it: %s",
                     how[i], hf_session_output(b, NULL));
        cJSON_Delete(o);
        hf_session_free(a);
        hf_session_free(b);
        hf_engine_free(e);
    }
}

struct chunk {
    char buf[65536];
    size_t len;
};

static int chunk_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    struct chunk *c = ud;
    if (c->len + sz > sizeof c->buf)
        return 1;
    memcpy(c->buf + c->len, p, sz);
    c->len += sz;
    return 0;
}

static void binary_chunks_are_refused_at_load(void **state)
{
    static struct chunk c;
    lua_State *L = luaL_newstate();
    const char *src = "return flow 'bin' { start = 'r', steps = { r = resolved { text = 'x' } } }";
    assert_int_equal(luaL_loadstring(L, src), LUA_OK);
    c.len = 0;
    assert_int_equal(lua_dump(L, chunk_writer, &c, 0), 0);
    lua_close(L);
    assert_true(c.len > 4);
    assert_int_equal(c.buf[0], '\x1b');

    hf_engine *e = t_engine();
    int rc = hf_engine_load_string(e, c.buf, c.len, "bin.luac", NULL);
    assert_int_equal(rc, HF_ESYNTAX);
    assert_non_null(strstr(hf_engine_errmsg(e), "bin.luac"));
    assert_non_null(strstr(hf_engine_errmsg(e), "binary"));
    hf_session *s = NULL;
    assert_int_equal(hf_session_start(&s, e, "bin", NULL, 0), HF_ENOTFOUND);
    /* Even a bare signature is refused. */
    rc = hf_engine_load_string(e, "\x1bLua", 4, "esc.lua", NULL);
    assert_int_equal(rc, HF_ESYNTAX);
    t_load(e, FLOW_MENU);
    hf_engine_free(e);
}

static void flow_file_whose_top_level_fails_does_not_load(void **state)
{
    hf_engine *e = t_engine();
    static const struct { const char *src, *msg; } bad[] = {
        { "while true do end\nreturn flow 'top' { start = 'r', steps = { r = resolved {} } }",
          NULL },
        { "error('nope at top')\nreturn flow 'top' { start = 'r', steps = { r = resolved {} } }",
          "nope at top" },
        { "local t = {} while true do t[#t + 1] = ('x'):rep(1000) .. #t end", NULL },
        { "local x = nil .. 'a'", NULL },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double t0 = now();
        int rc = hf_engine_load_string(e, bad[i].src, strlen(bad[i].src), "top.lua", NULL);
        if (rc != HF_ECHECK)
            fail_msg("top level %zu: want HF_ECHECK, got %s: %s", i, hf_strerror(rc),
                     hf_engine_errmsg(e));
        assert_true(now() - t0 < QUICK);
        const char *msg = hf_engine_errmsg(e);
        assert_non_null(strstr(msg, "top.lua"));
        if (bad[i].msg)
            assert_non_null(strstr(msg, bad[i].msg));
    }
    const char *flows = NULL;
    assert_int_equal(hf_engine_flows(e, &flows, NULL), HF_OK);
    assert_string_equal(flows, "[]");
    t_load(e, FLOW_MENU);
    hf_session *s = t_start(e, "menu", NULL);
    assert_int_equal(hf_session_status(s), HF_STATUS_WAITING);
    hf_session_free(s);
    hf_engine_free(e);
}

static void interrupt_fails_the_next_call_into_flow_code(void **state)
{
    hf_engine *e = t_engine();
    assert_guard(e, "return true", "yes");
    t_load(e, "return flow 'ig' { start = 'd', steps = {\n"
              "  d = decide { next = { { when = function() return true end, go = 'r' } } },\n"
              "  r = resolved { text = 'ok' } } }\n");
    hf_engine_interrupt(e);
    hf_session *s = t_start(e, "ig", NULL);
    cJSON *o = t_output(s);
    t_assert_str(o, "status", "escalated");
    t_assert_str(o, "escalation.reason", "flow_error");
    cJSON_Delete(o);
    hf_session_free(s);
    /* One interrupt, one call. */
    s = t_start(e, "ig", NULL);
    o = t_output(s);
    t_assert_str(o, "status", "resolved");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void *interrupter(void *arg)
{
    struct timespec ts = { 0, 200 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    hf_engine_interrupt(arg);
    return NULL;
}

static void interrupt_from_another_thread_stops_a_running_call(void **state)
{
    /* A budget no loop will use up in this test's lifetime. */
    hf_engine *e = engine_with(UINT64_C(1) << 50, 0, 0);
    t_load(e, "return flow 'spin' { start = 'd', steps = {\n"
              "  d = decide { next = { { when = function() while true do end end, go = 'r' },\n"
              "                        { go = 'r' } } },\n"
              "  r = resolved { text = 'ok' } } }\n");
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, interrupter, e), 0);
    double t0 = now();
    hf_session *s = t_start(e, "spin", NULL);
    double dt = now() - t0;
    pthread_join(th, NULL);
    assert_true(dt < QUICK);
    assert_true(dt >= 0.1);
    cJSON *o = t_output(s);
    t_assert_str(o, "status", "escalated");
    t_assert_str(o, "escalation.reason", "flow_error");
    cJSON_Delete(o);
    hf_session_free(s);
    t_load(e, FLOW_MENU);
    s = t_start(e, "menu", NULL);
    assert_int_equal(hf_session_status(s), HF_STATUS_WAITING);
    hf_session_free(s);
    hf_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(endless_loop_in_a_guard_escalates_and_the_engine_keeps_serving),
        cmocka_unit_test(endless_loop_in_an_event_escalates),
        cmocka_unit_test(memory_hog_escalates_flow_error),
        cmocka_unit_test(pcall_cannot_swallow_the_budget_kill),
        cmocka_unit_test(removed_globals_are_absent_and_calling_them_fails),
        cmocka_unit_test(writing_a_global_fails),
        cmocka_unit_test(library_tables_are_read_only),
        cmocka_unit_test(unbounded_c_library_work_is_refused),
        cmocka_unit_test(pathological_pattern_ends_quickly_in_flow_error),
        cmocka_unit_test(one_sessions_code_cannot_leave_data_for_another),
        cmocka_unit_test(failing_guard_cannot_leave_data_for_another_session),
        cmocka_unit_test(binary_chunks_are_refused_at_load),
        cmocka_unit_test(flow_file_whose_top_level_fails_does_not_load),
        cmocka_unit_test(interrupt_fails_the_next_call_into_flow_code),
        cmocka_unit_test(interrupt_from_another_thread_stops_a_running_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
