/*
 * test_api.c — the public API's contracts: versions, result codes, options, misuse, engines,
 * flow registry, session start and outcome, memory accounting and the allocation hook
 * (including the fail-the-N-th-allocation loop).
 */
#include <dirent.h>
#include <malloc.h>

#include "harness.h"

/* A small flow with a guard, a choice, an input and an action, used by several tests. */
static const char *FLOW_CARD =
    "return flow 'card' {\n"
    "  version = 2, title = 'Card help', triggers = { 'card declined', 'card broken' },\n"
    "  start = 'menu',\n"
    "  strings = { ['en-GB'] = { hi = 'Hello' } },\n"
    "  steps = {\n"
    "    menu = say { text = t'hi', choices = {\n"
    "      { id = 'go', label = 'Go', go = 'amount',\n"
    "        set = { picked = function(ctx) return (ctx.name or 'x') .. '!' end } },\n"
    "      { id = 'stop', label = 'Stop', go = 'done' } } },\n"
    "    amount = ask { text = 'How much?', input = 'money',\n"
    "      validate = function(v) if v >= 1000 then return false, 'Too much' end return true end,\n"
    "      save = 'amount', go = 'check' },\n"
    "    check = action { call = 'cards.get',\n"
    "      args = function(ctx) return { id = ctx.card_id, amount = ctx.amount } end,\n"
    "      save = 'card',\n"
    "      next = { { when = function(ctx) return ctx.card.frozen end, go = 'done' },\n"
    "               { go = 'agent' } } },\n"
    "    done = resolved { text = 'Done' },\n"
    "    agent = escalate { reason = 'not_resolved', skills = { 'cards' } },\n"
    "  },\n"
    "}\n";

static const char *FLOW_V1 =
    "return flow 'ver' { version = 1, title = 'Old', start = 'a', steps = {\n"
    "  a = say { text = 'version one', choices = { { id = 'ok', label = 'OK', go = 'b' } } },\n"
    "  b = resolved { text = 'one done' } } }\n";

static const char *FLOW_V2 =
    "return flow 'ver' { version = 2, title = 'New', start = 'a', steps = {\n"
    "  a = say { text = 'version two', choices = { { id = 'ok', label = 'OK', go = 'c' } } },\n"
    "  c = resolved { text = 'two done' } } }\n";

static int start(hf_session **s, hf_engine *e, const char *flow, const char *ctx)
{
    return hf_session_start(s, e, flow, ctx, ctx ? strlen(ctx) : 0);
}

static cJSON *flows_json(hf_engine *e)
{
    const char *json = NULL;
    size_t len = 0;
    assert_int_equal(hf_engine_flows(e, &json, &len), HF_OK);
    assert_non_null(json);
    assert_int_equal(len, strlen(json));
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    assert_true(cJSON_IsArray(j));
    return j;
}

/* ---------------------------------------------------------------------------------------- */

static void version_macros_match_hf_version(void **state)
{
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", HF_VERSION_MAJOR, HF_VERSION_MINOR, HF_VERSION_PATCH);
    assert_string_equal(HF_VERSION, want);
    assert_string_equal(hf_version(), HF_VERSION);
    assert_int_equal(HF_VERSION_NUMBER,
                     (HF_VERSION_MAJOR << 16) | (HF_VERSION_MINOR << 8) | HF_VERSION_PATCH);
    assert_int_equal(HF_VERSION_NUMBER, 0x000100);
}

static void strerror_names_every_code_distinctly(void **state)
{
    static const int codes[] = { HF_OK, HF_ERROR, HF_ENOMEM, HF_EMISUSE, HF_EINVAL, HF_ESYNTAX,
                                 HF_ECHECK, HF_ENOTFOUND, HF_EREJECTED, HF_EFINISHED, HF_EIO,
                                 HF_EEXISTS };
    const size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *a = hf_strerror(codes[i]);
        assert_non_null(a);
        assert_true(strlen(a) > 0);
        for (size_t k = 0; k < i; k++)
            if (strcmp(a, hf_strerror(codes[k])) == 0)
                fail_msg("codes %d and %d share the name \"%s\"", codes[i], codes[k], a);
    }
    assert_string_equal(hf_strerror(HF_ENOMEM), "out of memory");
    /* Codes the library does not know still get a name, distinct from the real ones. */
    const char *unknown[] = { hf_strerror(-12), hf_strerror(-999), hf_strerror(7) };
    for (size_t u = 0; u < 3; u++) {
        assert_non_null(unknown[u]);
        for (size_t i = 0; i < n; i++)
            assert_string_not_equal(unknown[u], hf_strerror(codes[i]));
    }
}

static void status_name_names_every_status(void **state)
{
    assert_string_equal(hf_status_name(HF_STATUS_WAITING), "waiting");
    assert_string_equal(hf_status_name(HF_STATUS_ACTION), "action");
    assert_string_equal(hf_status_name(HF_STATUS_RESOLVED), "resolved");
    assert_string_equal(hf_status_name(HF_STATUS_ESCALATED), "escalated");
    assert_string_equal(hf_status_name(HF_STATUS_CANCELLED), "cancelled");
    assert_string_equal(hf_status_name(HF_STATUS_ABANDONED), "abandoned");
    assert_string_equal(hf_status_name(HF_STATUS_FAILED), "failed");
    assert_string_equal(hf_status_name(7), "unknown");
    assert_string_equal(hf_status_name(-1), "unknown");
}

static void options_init_fills_the_defaults(void **state)
{
    hf_engine_options o;
    memset(&o, 0xAB, sizeof o);
    assert_int_equal(hf_engine_options_init(&o, HF_ENGINE_OPTIONS_VERSION), HF_OK);
    assert_int_equal(o.version, HF_ENGINE_OPTIONS_VERSION);
    assert_int_equal(o.max_retries, 2);
    assert_int_equal(o.max_visits, 3);
    assert_int_equal(o.repeat_failures, 2);
    assert_int_equal(o.repeat_within, 86400);
    assert_int_equal(o.idle_timeout, 1800);
    assert_int_equal(o.instruction_limit, 1000000);
    assert_int_equal(o.memory_limit, 32u << 20);
    assert_int_equal(o.max_string, 1u << 20);
    assert_int_equal(o.max_event, 64u << 10);
    assert_int_equal(o.max_call_depth, 8);
    assert_null(o.alloc);
    assert_null(o.alloc_ud);

    /* The static initialiser is a valid options value too. */
    hf_engine_options init = HF_ENGINE_OPTIONS_INIT;
    assert_int_equal(init.version, HF_ENGINE_OPTIONS_VERSION);
    hf_engine *e = NULL;
    assert_int_equal(hf_engine_new(&e, &init), HF_OK);
    assert_non_null(e);
    hf_engine_free(e);
}

static void options_init_rejects_unknown_version(void **state)
{
    hf_engine_options o;
    assert_int_equal(hf_engine_options_init(&o, 0), HF_EMISUSE);
    assert_int_equal(hf_engine_options_init(&o, HF_ENGINE_OPTIONS_VERSION + 1), HF_EMISUSE);
    assert_int_equal(hf_engine_options_init(&o, 999), HF_EMISUSE);
    assert_int_equal(hf_engine_options_init(NULL, HF_ENGINE_OPTIONS_VERSION), HF_EMISUSE);
}

static void engine_new_rejects_bad_options_version(void **state)
{
    hf_engine_options o = HF_ENGINE_OPTIONS_INIT;
    hf_engine *e = (hf_engine *)&o; /* must be reset to NULL on failure */
    o.version = 99;
    assert_int_equal(hf_engine_new(&e, &o), HF_EMISUSE);
    assert_null(e);
    o.version = 0;
    e = (hf_engine *)&o;
    assert_int_equal(hf_engine_new(&e, &o), HF_EMISUSE);
    assert_null(e);
    assert_int_equal(hf_engine_new(NULL, NULL), HF_EMISUSE);
    /* limits past what the engine's counters hold */
    static const struct { uint32_t retries, visits, depth; int rc; } limits[] = {
        {100, 250, 200, HF_OK}, {101, 0, 0, HF_EINVAL}, {0, 251, 0, HF_EINVAL},
        {0, 0, 201, HF_EINVAL}, {UINT32_MAX, 0, 0, HF_EINVAL}};
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        hf_engine_options lo = HF_ENGINE_OPTIONS_INIT;
        lo.max_retries = limits[i].retries;
        lo.max_visits = limits[i].visits;
        lo.max_call_depth = limits[i].depth;
        e = NULL;
        assert_int_equal(hf_engine_new(&e, &lo), limits[i].rc);
        assert_true((e != NULL) == (limits[i].rc == HF_OK));
        hf_engine_free(e);
    }
}

static void null_handles_are_misuse_and_frees_are_null_safe(void **state)
{
    const char *json = "x";
    size_t len = 99;
    hf_session *s = (hf_session *)&len;

    assert_int_equal(hf_engine_load_string(NULL, FLOW_V1, strlen(FLOW_V1), "t.lua", NULL),
                     HF_EMISUSE);
    assert_int_equal(hf_engine_load_file(NULL, "/nonexistent.lua", NULL), HF_EMISUSE);
    assert_int_equal(hf_engine_flows(NULL, &json, &len), HF_EMISUSE);
    assert_int_equal(hf_session_start(&s, NULL, "ver", "{}", 2), HF_EMISUSE);
    assert_null(s);
    assert_int_equal(hf_session_send(NULL, "{\"type\":\"tick\"}", 15, NULL, NULL), HF_EMISUSE);
    assert_int_equal(hf_session_status(NULL), HF_EMISUSE);
    json = "x";
    assert_int_equal(hf_session_outcome(NULL, &json, &len), HF_EMISUSE);
    len = 99;
    assert_string_equal(hf_session_output(NULL, &len), "");
    assert_int_equal(len, 0);
    assert_int_equal(hf_engine_memory(NULL), 0);
    assert_string_equal(hf_engine_errmsg(NULL), "no engine");
    hf_engine_interrupt(NULL);
    hf_engine_free(NULL);
    hf_session_free(NULL);

    hf_engine *e = t_engine();
    assert_int_equal(hf_session_start(NULL, e, "ver", "{}", 2), HF_EMISUSE);
    assert_int_equal(hf_engine_load_string(e, NULL, 10, "t.lua", NULL), HF_EINVAL);
    assert_int_equal(hf_engine_flows(e, NULL, NULL), HF_EMISUSE);
    /* The engine is still fine after all that. */
    t_load(e, FLOW_V1);
    hf_session *ok = t_start(e, "ver", NULL);
    assert_int_equal(hf_session_status(ok), HF_STATUS_WAITING);
    hf_session_free(ok);
    hf_engine_free(e);
}

static void errmsg_is_empty_until_something_fails(void **state)
{
    hf_engine *e = t_engine();
    assert_string_equal(hf_engine_errmsg(e), "");
    assert_int_equal(hf_engine_load_string(e, "return 42", 9, "answer.lua", NULL), HF_ECHECK);
    assert_non_null(strstr(hf_engine_errmsg(e), "answer.lua"));

    hf_session *s = NULL;
    assert_int_equal(start(&s, e, "no_such_flow", NULL), HF_ENOTFOUND);
    assert_null(s);
    assert_non_null(strstr(hf_engine_errmsg(e), "no_such_flow"));
    hf_engine_free(e);
}

static void two_engines_do_not_see_each_others_flows(void **state)
{
    hf_engine *a = t_engine();
    hf_engine *b = t_engine();
    t_load(a, FLOW_V1);
    hf_session *s = NULL;
    assert_int_equal(start(&s, b, "ver", NULL), HF_ENOTFOUND);
    assert_null(s);
    cJSON *fb = flows_json(b);
    assert_int_equal(cJSON_GetArraySize(fb), 0);
    cJSON_Delete(fb);
    /* The same id and version loads into the other engine: no shared registry. */
    t_load(b, FLOW_V1);
    cJSON *fa = flows_json(a);
    assert_int_equal(cJSON_GetArraySize(fa), 1);
    cJSON_Delete(fa);
    hf_engine_free(a);
    hf_engine_free(b);
}

static void loading_same_id_and_version_twice_is_eexists(void **state)
{
    hf_engine *e = t_engine();
    const char *id = NULL;
    assert_int_equal(hf_engine_load_string(e, FLOW_V1, strlen(FLOW_V1), "v1.lua", &id), HF_OK);
    assert_string_equal(id, "ver");
    const char *id2 = "unchanged";
    assert_int_equal(hf_engine_load_string(e, FLOW_V1, strlen(FLOW_V1), "v1.lua", &id2),
                     HF_EEXISTS);
    assert_non_null(strstr(hf_engine_errmsg(e), "ver"));
    cJSON *f = flows_json(e);
    assert_int_equal(cJSON_GetArraySize(f), 1);
    cJSON_Delete(f);
    hf_engine_free(e);
}

static void new_sessions_start_on_the_newest_version(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, FLOW_V1);
    hf_session *old = t_start(e, "ver", NULL);
    t_load(e, FLOW_V2);
    hf_session *s = t_start(e, "ver", NULL);

    cJSON *o = t_output(s);
    assert_int_equal((int)t_num(o, "version"), 2);
    t_assert_str(o, "ui.0.text", "version two");
    cJSON_Delete(o);

    /* A session started on version 1 finishes on version 1. */
    o = t_output(old);
    assert_int_equal((int)t_num(o, "version"), 1);
    cJSON_Delete(o);
    o = t_send(old, "{\"type\":\"choose\",\"option\":\"ok\"}");
    t_assert_str(o, "status", "resolved");
    t_assert_str(o, "step", "b");
    t_assert_str(o, "ui.0.text", "one done");
    assert_int_equal((int)t_num(o, "version"), 1);
    cJSON_Delete(o);

    o = t_send(s, "{\"type\":\"choose\",\"option\":\"ok\"}");
    t_assert_str(o, "step", "c");
    t_assert_str(o, "ui.0.text", "two done");
    cJSON_Delete(o);
    hf_session_free(old);
    hf_session_free(s);
    hf_engine_free(e);
}

static void engine_flows_lists_every_loaded_version(void **state)
{
    hf_engine *e = t_engine();
    cJSON *f = flows_json(e);
    assert_int_equal(cJSON_GetArraySize(f), 0);
    cJSON_Delete(f);

    t_load(e, FLOW_CARD);
    t_load(e, FLOW_V1);
    t_load(e, FLOW_V2);
    f = flows_json(e);
    assert_int_equal(cJSON_GetArraySize(f), 3);
    cJSON *card = NULL, *v1 = NULL, *v2 = NULL;
    int i1 = -1, i2 = -1, i = 0;
    cJSON *it;
    cJSON_ArrayForEach(it, f)
    {
        const char *id = t_str(it, "id");
        int v = (int)t_num(it, "version");
        if (strcmp(id, "card") == 0)
            card = it;
        else if (strcmp(id, "ver") == 0 && v == 1)
            v1 = it, i1 = i;
        else if (strcmp(id, "ver") == 0 && v == 2)
            v2 = it, i2 = i;
        i++;
    }
    assert_non_null(card);
    assert_non_null(v1);
    assert_non_null(v2);
    assert_true(i1 < i2); /* newest version last */
    t_assert_str(card, "title", "Card help");
    t_assert_str(card, "start", "menu");
    assert_int_equal((int)t_num(card, "version"), 2);
    assert_int_equal((int)t_num(card, "steps"), 5);
    cJSON *tr = t_get(card, "triggers");
    assert_true(cJSON_IsArray(tr));
    assert_int_equal(cJSON_GetArraySize(tr), 2);
    t_assert_str(card, "triggers.0", "card declined");
    t_assert_str(card, "triggers.1", "card broken");
    t_assert_str(v1, "title", "Old");
    t_assert_str(v2, "title", "New");
    assert_int_equal((int)t_num(v1, "steps"), 2);
    cJSON_Delete(f);
    hf_engine_free(e);
}

static void session_start_unknown_flow_is_enotfound(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, FLOW_V1);
    hf_session *s = (hf_session *)e;
    assert_int_equal(start(&s, e, "vER", NULL), HF_ENOTFOUND);
    assert_null(s);
    assert_int_equal(start(&s, e, "", NULL), HF_ENOTFOUND);
    assert_null(s);
    hf_engine_free(e);
}

static void session_start_rejects_context_that_is_not_an_object(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, FLOW_V1);
    static const char *bad[] = { "[]", "42", "\"ctx\"", "null", "true", "{", "{\"a\":}",
                                 "{\"a\":1} x", "{\"a\":1}}", "{'a':1}", "{\"a\":1,}" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hf_session *s = (hf_session *)e;
        int rc = start(&s, e, "ver", bad[i]);
        if (rc != HF_EINVAL)
            fail_msg("context %s: want HF_EINVAL, got %s", bad[i], hf_strerror(rc));
        assert_null(s);
    }
    /* A context of the right shape whose length excludes the garbage is fine. */
    hf_session *s = NULL;
    assert_int_equal(hf_session_start(&s, e, "ver", "{\"a\":1} x", 7), HF_OK);
    hf_session_free(s);
    /* NULL and empty mean {}. */
    s = NULL;
    assert_int_equal(hf_session_start(&s, e, "ver", NULL, 0), HF_OK);
    hf_session_free(s);
    s = NULL;
    assert_int_equal(hf_session_start(&s, e, "ver", "", 0), HF_OK);
    hf_session_free(s);
    hf_engine_free(e);
}

static void session_start_rejects_bad_engine_members(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, FLOW_V1);
    static const char *bad[] = { "{\"at\":\"yesterday\"}", "{\"at\":true}", "{\"at\":{}}",
                                 "{\"at\":[1]}", "{\"session\":5}", "{\"session\":{}}",
                                 "{\"prior_outcomes\":\"none\"}", "{\"prior_outcomes\":{}}" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hf_session *s = (hf_session *)e;
        int rc = start(&s, e, "ver", bad[i]);
        if (rc != HF_EINVAL)
            fail_msg("context %s: want HF_EINVAL, got %s", bad[i], hf_strerror(rc));
        assert_null(s);
    }
    hf_engine_free(e);
}

static void session_start_survives_json_test_suite_contexts(void **state)
{
    const char *dir = t_jsontestsuite_dir();
    DIR *d = opendir(dir);
    t_require_jsontestsuite(d);
    hf_engine *e = t_engine();
    t_load(e, FLOW_V1);
    struct dirent *de;
    int seen = 0;
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        if (n[0] == '.' || strlen(n) < 2 || n[1] != '_')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, n);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        char buf[1 << 17];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        hf_session *s = NULL;
        int rc = hf_session_start(&s, e, "ver", buf, len);
        /* An empty context means {} (the API says so); everything else in n_ is bad. */
        if (n[0] == 'n' && len > 0 && rc != HF_EINVAL)
            fail_msg("%s as a context: want HF_EINVAL, got %s", n, hf_strerror(rc));
        if (n[0] == 'y') {
            int is_object = strncmp(n, "y_object", 8) == 0;
            if (rc != (is_object ? HF_OK : HF_EINVAL))
                fail_msg("%s as a context: got %s", n, hf_strerror(rc));
        }
        if (rc == HF_OK) {
            assert_non_null(s);
            assert_int_equal(hf_session_status(s), HF_STATUS_WAITING);
        } else {
            assert_null(s);
        }
        hf_session_free(s);
        seen++;
    }
    closedir(d);
    assert_true(seen > 300);
    hf_engine_free(e);
}

static void derived_session_id_is_deterministic(void **state)
{
    const char *ctx = "{\"customer\":\"u_1\",\"card_id\":\"c_1\",\"at\":1700000000}";
    hf_engine *e = t_engine();
    hf_engine *e2 = t_engine();
    t_load(e, FLOW_V1);
    t_load(e2, FLOW_V1);
    hf_session *a = t_start(e, "ver", ctx);
    hf_session *b = t_start(e, "ver", ctx);
    hf_session *c = t_start(e2, "ver", ctx);
    hf_session *d =
        t_start(e, "ver", "{\"customer\":\"u_2\",\"card_id\":\"c_1\",\"at\":1700000000}");
    cJSON *oa = t_output(a), *ob = t_output(b), *oc = t_output(c), *od = t_output(d);
    const char *ida = t_str(oa, "session");
    assert_true(strlen(ida) > 0);
    assert_string_equal(ida, t_str(ob, "session"));
    assert_string_equal(ida, t_str(oc, "session"));
    assert_string_not_equal(ida, t_str(od, "session"));
    /* The whole output is a pure function of flow and context. */
    assert_string_equal(hf_session_output(a, NULL), hf_session_output(c, NULL));
    cJSON_Delete(oa);
    cJSON_Delete(ob);
    cJSON_Delete(oc);
    cJSON_Delete(od);
    hf_session_free(a);
    hf_session_free(b);
    hf_session_free(c);
    hf_session_free(d);
    hf_engine_free(e);
    hf_engine_free(e2);
}

static void given_session_id_is_used(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, FLOW_V1);
    hf_session *s = t_start(e, "ver", "{\"session\":\"conv-42\",\"at\":1000}");
    cJSON *o = t_output(s);
    t_assert_str(o, "session", "conv-42");
    t_assert_str(o, "flow", "ver");
    t_assert_str(o, "step", "a");
    t_assert_str(o, "status", "waiting");
    cJSON_Delete(o);
    o = t_send(s, "{\"type\":\"choose\",\"option\":\"ok\"}");
    t_assert_str(o, "session", "conv-42");
    cJSON_Delete(o);
    const char *json = NULL;
    assert_int_equal(hf_session_outcome(s, &json, NULL), HF_OK);
    o = cJSON_Parse(json);
    t_assert_str(o, "session", "conv-42");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void outcome_is_misuse_until_the_session_ends(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, FLOW_CARD);
    hf_session *s = t_start(e, "card", "{\"session\":\"s1\",\"at\":1000,\"card_id\":\"c_1\"}");
    const char *json = "x";
    size_t len = 5;
    assert_int_equal(hf_session_outcome(s, &json, &len), HF_EMISUSE);
    assert_null(json);
    assert_int_equal(len, 0);
    cJSON_Delete(t_send(s, "{\"type\":\"choose\",\"option\":\"go\",\"at\":1010}"));
    assert_int_equal(hf_session_outcome(s, &json, &len), HF_EMISUSE);
    cJSON_Delete(t_send(s, "{\"type\":\"input\",\"value\":\"12.50\",\"at\":1030}"));
    cJSON *o = t_send(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true,"
                         "\"data\":{\"frozen\":false},\"at\":1075}");
    t_assert_str(o, "status", "escalated");
    cJSON_Delete(o);

    assert_int_equal(hf_session_outcome(s, &json, &len), HF_OK);
    assert_int_equal(len, strlen(json));
    o = cJSON_Parse(json);
    assert_non_null(o);
    t_assert_str(o, "session", "s1");
    t_assert_str(o, "flow", "card");
    assert_int_equal((int)t_num(o, "version"), 2);
    t_assert_str(o, "outcome", "escalated");
    t_assert_str(o, "reason", "not_resolved");
    assert_int_equal((int)t_num(o, "started_at"), 1000);
    assert_int_equal((int)t_num(o, "finished_at"), 1075);
    assert_int_equal((int)t_num(o, "duration"), 75);
    /* menu, amount, check, agent */
    assert_int_equal((int)t_num(o, "steps"), 4);
    cJSON_Delete(o);
    hf_session_free(s);

    /* A resolved outcome has no reason. */
    s = t_start(e, "card", "{\"at\":500}");
    cJSON_Delete(t_send(s, "{\"type\":\"choose\",\"option\":\"stop\",\"at\":520}"));
    assert_int_equal(hf_session_outcome(s, &json, NULL), HF_OK);
    o = cJSON_Parse(json);
    t_assert_str(o, "outcome", "resolved");
    assert_null(t_get(o, "reason"));
    assert_int_equal((int)t_num(o, "duration"), 20);
    assert_int_equal((int)t_num(o, "steps"), 2);
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void engine_memory_grows_and_shrinks(void **state)
{
    hf_engine *e = t_engine();
    size_t m0 = hf_engine_memory(e);
    assert_true(m0 > 0);
    t_load(e, FLOW_CARD);
    size_t m1 = hf_engine_memory(e);
    assert_true(m1 > m0);
    hf_session *ss[20];
    for (int i = 0; i < 20; i++)
        ss[i] = t_start(e, "card", "{\"card_id\":\"c_1\",\"name\":\"Ann\"}");
    size_t m2 = hf_engine_memory(e);
    assert_true(m2 > m1);
    for (int i = 0; i < 20; i++)
        hf_session_free(ss[i]);
    size_t m3 = hf_engine_memory(e);
    assert_true(m3 < m2);
    hf_engine_free(e);
}

/* ---------------------------------------------------------------------------------------- */
/* Allocation hooks.                                                                         */

/* A bump allocator over one block taken before the test measures the C library's heap. */
struct arena {
    char *base;
    size_t size, used;
    size_t live;      /* bytes the engine holds now */
    size_t calls;     /* allocations and reallocations seen */
    char *last;       /* the most recent block, which can grow in place */
    size_t last_size;
};

static void *arena_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct arena *a = ud;
    if (nsize == 0) {
        if (ptr) {
            assert_true((char *)ptr >= a->base && (char *)ptr < a->base + a->size);
            a->live -= osize;
        }
        return NULL;
    }
    a->calls++;
    size_t old = ptr ? osize : 0;
    if (ptr)
        assert_true((char *)ptr >= a->base && (char *)ptr < a->base + a->size);
    if (ptr && nsize <= osize) {
        a->live -= osize - nsize;
        return ptr;
    }
    size_t need = (nsize + 15) & ~(size_t)15; /* every block 16-byte aligned */
    if (ptr && (char *)ptr == a->last && a->used - a->last_size + need <= a->size) {
        a->used += need - a->last_size;
        a->last_size = need;
        a->live += nsize - old;
        return ptr;
    }
    if (a->used + need > a->size)
        return NULL;
    char *p = a->base + a->used;
    a->used += need;
    a->last = p;
    a->last_size = need;
    if (ptr)
        memcpy(p, ptr, old);
    a->live += nsize - old;
    return p;
}

static size_t libc_heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static void custom_allocator_sees_every_allocation(void **state)
{
    struct arena a = { 0 };
    a.size = (size_t)512 << 20;
    a.base = malloc(a.size);
    assert_non_null(a.base);
    hf_engine_options o;
    assert_int_equal(hf_engine_options_init(&o, HF_ENGINE_OPTIONS_VERSION), HF_OK);
    o.alloc = arena_alloc;
    o.alloc_ud = &a;

    size_t heap0 = libc_heap_in_use();
    hf_engine *e = NULL;
    assert_int_equal(hf_engine_new(&e, &o), HF_OK);
    assert_true(a.calls > 0);
    assert_true(a.live > 0);
    assert_int_equal(hf_engine_load_string(e, FLOW_CARD, strlen(FLOW_CARD), "card.lua", NULL),
                     HF_OK);
    hf_session *s = NULL;
    const char *ctx = "{\"card_id\":\"c_1\",\"name\":\"Ann\",\"at\":1000}";
    assert_int_equal(hf_session_start(&s, e, "card", ctx, strlen(ctx)), HF_OK);
    const char *ev = "{\"type\":\"choose\",\"option\":\"go\"}";
    assert_int_equal(hf_session_send(s, ev, strlen(ev), NULL, NULL), HF_OK);
    const char *flows = NULL;
    assert_int_equal(hf_engine_flows(e, &flows, NULL), HF_OK);

    /* Everything the engine holds now (outputs included) came from the hook. */
    assert_int_equal(libc_heap_in_use(), heap0);
    assert_int_equal(hf_engine_memory(e), a.live);

    hf_session_free(s);
    hf_engine_free(e);
    assert_int_equal(a.live, 0);
    assert_int_equal(libc_heap_in_use(), heap0);
    free(a.base);
}

/* cJSON's global hooks, to catch JSON trees the engine builds outside its allocation hook. */
static size_t stray_allocs;

static void *stray_malloc(size_t n)
{
    stray_allocs++;
    return malloc(n);
}

static void engine_makes_no_allocation_outside_the_hook(void **state)
{
    struct arena a = { 0 };
    a.size = (size_t)512 << 20;
    a.base = malloc(a.size);
    hf_engine_options o;
    assert_int_equal(hf_engine_options_init(&o, HF_ENGINE_OPTIONS_VERSION), HF_OK);
    o.alloc = arena_alloc;
    o.alloc_ud = &a;
    cJSON_Hooks hooks = { stray_malloc, free };
    cJSON_InitHooks(&hooks);
    stray_allocs = 0;

    hf_engine *e = NULL;
    int rc = hf_engine_new(&e, &o);
    if (rc == HF_OK)
        rc = hf_engine_load_string(e, FLOW_CARD, strlen(FLOW_CARD), "card.lua", NULL);
    hf_session *s = NULL;
    const char *ctx = "{\"card_id\":\"c_1\",\"name\":\"Ann\",\"at\":1000}";
    if (rc == HF_OK)
        rc = hf_session_start(&s, e, "card", ctx, strlen(ctx));
    static const char *events[] = {
        "{\"type\":\"choose\",\"option\":\"go\"}",
        "{\"type\":\"input\",\"value\":\"12.50\"}",
        "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true,\"data\":{\"frozen\":true}}",
    };
    for (size_t i = 0; i < 3 && rc == HF_OK; i++)
        rc = hf_session_send(s, events[i], strlen(events[i]), NULL, NULL);
    const char *json = NULL;
    if (rc == HF_OK)
        rc = hf_session_outcome(s, &json, NULL);
    if (rc == HF_OK)
        rc = hf_engine_flows(e, &json, NULL);
    hf_session_free(s);
    hf_engine_free(e);
    cJSON_InitHooks(NULL);
    free(a.base);
    assert_int_equal(rc, HF_OK);
    if (stray_allocs)
        fail_msg("%zu allocations bypassed hf_engine_options.alloc (cJSON's malloc)", stray_allocs);
}

/*
 * realloc/free with failure injection, which also checks the hook's contract: every block
 * freed or reallocated is one it handed out, with its true size as osize.
 */
#define LIVE_CAP (1u << 18)
static struct live_block {
    void *p;
    size_t size;
} live_blocks[LIVE_CAP];

static size_t live_slot(void *p)
{
    size_t h = (size_t)(((uintptr_t)p >> 4) * 2654435761u) % LIVE_CAP;
    while (live_blocks[h].p && live_blocks[h].p != p)
        h = (h + 1) % LIVE_CAP;
    return h;
}

static void live_forget(size_t h)
{
    live_blocks[h].p = NULL;
    for (size_t j = (h + 1) % LIVE_CAP; live_blocks[j].p; j = (j + 1) % LIVE_CAP) {
        struct live_block b = live_blocks[j];
        live_blocks[j].p = NULL;
        live_blocks[live_slot(b.p)] = b;
    }
}

struct failing {
    size_t count;     /* growing allocations seen */
    size_t fail_at;   /* 0: never fail */
    int persistent;   /* fail every allocation from fail_at on */
    size_t failures;  /* allocations refused */
    size_t live;      /* bytes handed out and not freed */
    size_t nlive;     /* blocks handed out and not freed */
    const char *misuse; /* the first contract violation seen, if any */
    char why[160];
};

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct failing *f = ud;
    size_t old = 0, h = 0;
    if (ptr) {
        h = live_slot(ptr);
        if (!live_blocks[h].p) {
            if (!f->misuse)
                f->misuse = "a block the hook never handed out was freed or reallocated";
            return NULL;
        }
        old = live_blocks[h].size;
        if (osize != old && !f->misuse) {
            snprintf(f->why, sizeof f->why, "a block of %zu bytes was %s with osize %zu", old,
                     nsize ? "reallocated" : "freed", osize);
            f->misuse = f->why;
        }
    }
    if (nsize == 0) {
        if (ptr) {
            live_forget(h);
            f->live -= old;
            f->nlive--;
            free(ptr);
        }
        return NULL;
    }
    if (nsize > old) {
        f->count++;
        if (f->fail_at && (f->count == f->fail_at || (f->persistent && f->count > f->fail_at))) {
            f->failures++;
            return NULL;
        }
    }
    void *p = realloc(ptr, nsize);
    if (!p)
        return NULL;
    if (ptr) {
        live_forget(h);
        f->live -= old;
        f->nlive--;
    }
    h = live_slot(p);
    live_blocks[h].p = p;
    live_blocks[h].size = nsize;
    f->live += nsize;
    f->nlive++;
    return p;
}

static void engine_free_frees_sessions_still_alive(void **state)
{
    struct failing f = { 0 };
    hf_engine_options o;
    assert_int_equal(hf_engine_options_init(&o, HF_ENGINE_OPTIONS_VERSION), HF_OK);
    o.alloc = failing_alloc;
    o.alloc_ud = &f;
    hf_engine *e = NULL;
    assert_int_equal(hf_engine_new(&e, &o), HF_OK);
    t_load(e, FLOW_CARD);
    hf_session *s1 = t_start(e, "card", NULL);
    hf_session *s2 = t_start(e, "card", NULL);
    (void)s1;
    (void)s2;
    assert_true(f.live > 0);
    hf_engine_free(e);
    assert_null(f.misuse);
    assert_int_equal(f.live, 0);
}

/*
 * One run of engine creation, flow load, session start and a conversation under the failing
 * allocator. Every step either works as it would with plenty of memory or fails cleanly:
 * HF_ENOMEM from the API, or a session that escalates with flow_error / fails. Returns 1 if
 * the whole run went as it would without failures.
 */
static int oom_run(struct failing *f)
{
    static const struct {
        const char *event;
        int status;
        const char *step;
    } script[] = {
        { "{\"type\":\"choose\",\"option\":\"go\",\"at\":1010}", HF_STATUS_WAITING, "amount" },
        { "{\"type\":\"input\",\"value\":\"5000\"}", HF_STATUS_WAITING, "amount" },
        { "{\"type\":\"input\",\"value\":\"\\u00a312.50\",\"at\":1020}", HF_STATUS_ACTION,
          "check" },
        { "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true,\"data\":{\"frozen\":true}}",
          HF_STATUS_RESOLVED, "done" },
    };
    hf_engine_options o;
    assert_int_equal(hf_engine_options_init(&o, HF_ENGINE_OPTIONS_VERSION), HF_OK);
    o.alloc = failing_alloc;
    o.alloc_ud = f;
    hf_engine *e = NULL;
    hf_session *s = NULL;
    int complete = 0;
    const char *stage = "hf_engine_new";

    int rc = hf_engine_new(&e, &o);
    if (rc != HF_OK) {
        if (rc != HF_ENOMEM)
            fail_msg("fail_at %zu: hf_engine_new: %s", f->fail_at, hf_strerror(rc));
        assert_null(e);
        goto out;
    }
    stage = "hf_engine_load_string";
    rc = hf_engine_load_string(e, FLOW_CARD, strlen(FLOW_CARD), "card.lua", NULL);
    if (rc != HF_OK) {
        if (rc != HF_ENOMEM)
            fail_msg("fail_at %zu: load: %s: %s", f->fail_at, hf_strerror(rc),
                     hf_engine_errmsg(e));
        /* A failed load leaves no flow behind. */
        hf_session *none = NULL;
        int rs = hf_session_start(&none, e, "card", NULL, 0);
        if (rs != HF_ENOTFOUND && rs != HF_ENOMEM)
            fail_msg("fail_at %zu: start after failed load: %s", f->fail_at, hf_strerror(rs));
        hf_session_free(none);
        goto out;
    }
    const char *ctx = "{\"card_id\":\"c_1\",\"name\":\"Ann\",\"at\":1000}";
    stage = "hf_session_start";
    rc = hf_session_start(&s, e, "card", ctx, strlen(ctx));
    if (rc != HF_OK) {
        if (rc != HF_ENOMEM)
            fail_msg("fail_at %zu: start: %s", f->fail_at, hf_strerror(rc));
        assert_null(s);
        goto out;
    }
    int st = hf_session_status(s);
    const char *step = "menu";
    int want = HF_STATUS_WAITING;
    for (size_t i = 0;; i++) {
        cJSON *out = cJSON_Parse(hf_session_output(s, NULL));
        if (!out)
            fail_msg("fail_at %zu: output is not JSON: %s", f->fail_at, hf_session_output(s, NULL));
        if (st != want) {
            if (st == HF_STATUS_ESCALATED) {
                if (strcmp(t_str(out, "escalation.reason"), "flow_error") != 0)
                    fail_msg("fail_at %zu: escalated for %s", f->fail_at,
                             t_str(out, "escalation.reason"));
            } else if (st == HF_STATUS_FAILED) {
                /* the fixed output of docs/semantics.md */
                t_assert_str(out, "status", "failed");
                assert_int_equal(cJSON_GetArraySize(t_get(out, "ui")), 0);
                t_assert_str(out, "error.code", "out_of_memory");
            } else {
                fail_msg("fail_at %zu: status %s, want %s", f->fail_at, hf_status_name(st),
                         hf_status_name(want));
            }
            cJSON_Delete(out);
            goto out;
        }
        if (strcmp(t_str(out, "step"), step) != 0)
            fail_msg("fail_at %zu: step %s, want %s", f->fail_at, t_str(out, "step"), step);
        cJSON_Delete(out);
        if (i == sizeof script / sizeof script[0])
            break;

        size_t blen = 0;
        const char *b = hf_session_output(s, &blen);
        char *before = malloc(blen + 1);
        memcpy(before, b, blen + 1);
        stage = script[i].event;
        const char *reply = NULL;
        rc = hf_session_send(s, script[i].event, strlen(script[i].event), &reply, NULL);
        if (rc != HF_OK && hf_session_status(s) == HF_STATUS_FAILED) {
            /* Out of memory while handling the event: the session failed (checked below). */
            if (rc != HF_ENOMEM)
                fail_msg("fail_at %zu: event %zu failed the session with %s", f->fail_at, i,
                         hf_strerror(rc));
            free(before);
            st = HF_STATUS_FAILED;
        } else if (rc != HF_OK) {
            if (rc != HF_ENOMEM)
                fail_msg("fail_at %zu: event %zu: %s: %s", f->fail_at, i, hf_strerror(rc),
                         reply ? reply : "(no reply)");
            /* Refused for want of memory: the session is as it was. */
            assert_int_equal(hf_session_status(s), st);
            size_t alen = 0;
            const char *after = hf_session_output(s, &alen);
            if (alen != blen || memcmp(after, before, blen) != 0)
                fail_msg("fail_at %zu: output changed on ENOMEM", f->fail_at);
            free(before);
            goto out;
        } else {
            free(before);
            st = hf_session_status(s);
        }
        want = script[i].status;
        step = script[i].step;
    }
    const char *outcome = NULL;
    stage = "hf_session_outcome";
    rc = hf_session_outcome(s, &outcome, NULL);
    if (rc != HF_OK) {
        if (rc != HF_ENOMEM)
            fail_msg("fail_at %zu: outcome: %s", f->fail_at, hf_strerror(rc));
        goto out;
    }
    cJSON *oj = cJSON_Parse(outcome);
    assert_non_null(oj);
    t_assert_str(oj, "outcome", "resolved");
    cJSON_Delete(oj);
    complete = 1;
out:
    hf_session_free(s);
    hf_engine_free(e);
    if (f->misuse)
        fail_msg("fail_at %zu (in %s): %s", f->fail_at, stage, f->misuse);
    if (f->live != 0)
        fail_msg("fail_at %zu (in %s): %zu bytes in %zu blocks leaked", f->fail_at, stage,
                 f->live, f->nlive);
    return complete;
}

static void allocation_failures(int persistent)
{
    struct failing f = { 0 };
    assert_int_equal(oom_run(&f), 1);
    size_t total = f.count;
    assert_true(total > 10);
    size_t n;
    for (n = 1; n < total + 1000; n++) {
        memset(&f, 0, sizeof f);
        f.fail_at = n;
        f.persistent = persistent;
        int complete = oom_run(&f);
        if (f.failures == 0) {
            if (!complete)
                fail_msg("fail_at %zu: run failed with no allocation refused", n);
            break;
        }
    }
    assert_true(n > 10);
    assert_true(n <= total + 1);
}

static void every_failed_allocation_fails_cleanly_once(void **state)
{
    allocation_failures(0);
}

static void every_failed_allocation_fails_cleanly_persistently(void **state)
{
    allocation_failures(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(version_macros_match_hf_version),
        cmocka_unit_test(strerror_names_every_code_distinctly),
        cmocka_unit_test(status_name_names_every_status),
        cmocka_unit_test(options_init_fills_the_defaults),
        cmocka_unit_test(options_init_rejects_unknown_version),
        cmocka_unit_test(engine_new_rejects_bad_options_version),
        cmocka_unit_test(null_handles_are_misuse_and_frees_are_null_safe),
        cmocka_unit_test(errmsg_is_empty_until_something_fails),
        cmocka_unit_test(two_engines_do_not_see_each_others_flows),
        cmocka_unit_test(loading_same_id_and_version_twice_is_eexists),
        cmocka_unit_test(new_sessions_start_on_the_newest_version),
        cmocka_unit_test(engine_flows_lists_every_loaded_version),
        cmocka_unit_test(session_start_unknown_flow_is_enotfound),
        cmocka_unit_test(session_start_rejects_context_that_is_not_an_object),
        cmocka_unit_test(session_start_rejects_bad_engine_members),
        cmocka_unit_test(session_start_survives_json_test_suite_contexts),
        cmocka_unit_test(derived_session_id_is_deterministic),
        cmocka_unit_test(given_session_id_is_used),
        cmocka_unit_test(outcome_is_misuse_until_the_session_ends),
        cmocka_unit_test(engine_memory_grows_and_shrinks),
        cmocka_unit_test(custom_allocator_sees_every_allocation),
        cmocka_unit_test(engine_makes_no_allocation_outside_the_hook),
        cmocka_unit_test(engine_free_frees_sessions_still_alive),
        cmocka_unit_test(every_failed_allocation_fails_cleanly_once),
        cmocka_unit_test(every_failed_allocation_fails_cleanly_persistently),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
