/*
 * test_policy.c — when the engine escalates on its own (docs/semantics.md, "Escalation"):
 * every policy reason, the policy's limits and their overrides, and the escalation object.
 */
#include "harness.h"

static const char *DEFAULT_TEXT = "I'll pass you to someone who can help.";

static const char *FLOW_POL =
    "return flow 'pol' { start = 'menu', skills = { 'cards' }, priority = 'high', steps = {\n"
    "  menu = say { text = 'Menu', flags = { 'vip' }, choices = {\n"
    "    { id = 'again', label = 'Again', go = 'menu' },\n"
    "    { id = 'ask', label = 'Ask', go = 'q' },\n"
    "    { id = 'act', label = 'Act', go = 'act' },\n"
    "    { id = 'done', label = 'Done', go = 'done' } } },\n"
    "  q = ask { text = 'Number?', input = 'number', save = 'n', go = 'menu',\n"
    "    validate = function(v) if v < 0 then return false, 'No negatives' end return true end },\n"
    "  act = action { call = 'x.do', go = 'done' },\n"
    "  done = resolved { text = 'Done' } } }\n";

static hf_engine *engine_opts(const hf_engine_options *o)
{
    hf_engine *e = NULL;
    int rc = hf_engine_new(&e, o);
    if (rc != HF_OK)
        fail_msg("hf_engine_new: %s", hf_strerror(rc));
    t_load(e, FLOW_POL);
    return e;
}

static hf_engine *engine(void)
{
    return engine_opts(NULL);
}

static void expect(hf_session *s, const char *event, const char *status, const char *step)
{
    cJSON *o = t_send(s, event);
    t_assert_str(o, "status", status);
    if (step)
        t_assert_str(o, "step", step);
    cJSON_Delete(o);
}

static cJSON *expect_escalation(hf_session *s, const char *event, const char *reason)
{
    cJSON *o = event ? t_send(s, event) : t_output(s);
    t_assert_str(o, "status", "escalated");
    t_assert_str(o, "escalation.reason", reason);
    assert_int_equal(hf_session_status(s), HF_STATUS_ESCALATED);
    return o;
}

static int array_has_string(cJSON *arr, const char *s)
{
    cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
            return 1;
    }
    return 0;
}

#define CHOOSE(id) "{\"type\":\"choose\",\"option\":\"" id "\"}"
#define INPUT(v) "{\"type\":\"input\",\"value\":\"" v "\"}"
#define HUMAN "{\"type\":\"intent\",\"name\":\"human\"}"

/* ---------------------------------------------------------------------------------------- */

static void human_intent_escalates_customer_requested(void **state)
{
    hf_engine *e = engine();
    hf_session *s = t_start(e, "pol", "{\"card_id\":\"c_1\"}");
    cJSON *o = expect_escalation(s, HUMAN, "customer_requested");
    t_assert_str(o, "step", "menu");
    cJSON *ui = t_get(o, "ui");
    assert_int_equal(cJSON_GetArraySize(ui), 1);
    t_assert_str(o, "ui.0.type", "text");
    t_assert_str(o, "ui.0.text", DEFAULT_TEXT);
    /* Policy escalations take the flow's skills and priority. */
    cJSON *skills = t_get(o, "escalation.skills");
    assert_int_equal(cJSON_GetArraySize(skills), 1);
    t_assert_str(o, "escalation.skills.0", "cards");
    t_assert_str(o, "escalation.priority", "high");
    cJSON *flags = t_get(o, "escalation.flags");
    assert_int_equal(cJSON_GetArraySize(flags), 1);
    assert_true(array_has_string(flags, "vip"));
    t_assert_str(o, "escalation.collected.card_id", "c_1");
    assert_int_equal(cJSON_GetArraySize(t_get(o, "escalation.path")), 1);
    t_assert_str(o, "escalation.path.0.step", "menu");
    t_assert_str(o, "escalation.path.0.intent", "human");
    assert_true(strlen(t_str(o, "escalation.summary")) > 0);
    assert_null(t_get(o, "escalation.error"));
    cJSON_Delete(o);

    const char *json = NULL;
    assert_int_equal(hf_session_outcome(s, &json, NULL), HF_OK);
    o = cJSON_Parse(json);
    t_assert_str(o, "outcome", "escalated");
    t_assert_str(o, "reason", "customer_requested");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void third_invalid_input_in_a_row_escalates_input_failed(void **state)
{
    hf_engine *e = engine();
    hf_session *s = t_start(e, "pol", NULL);
    expect(s, CHOOSE("ask"), "waiting", "q");
    expect(s, INPUT("x"), "waiting", "q");
    expect(s, INPUT("-1"), "waiting", "q"); /* refused by validate: counts too */
    cJSON *o = expect_escalation(s, INPUT("y"), "input_failed");
    t_assert_str(o, "ui.0.text", DEFAULT_TEXT);
    t_assert_str(o, "escalation.priority", "high");
    /* each invalid input is a path entry with the input and the error */
    assert_int_equal(cJSON_GetArraySize(t_get(o, "escalation.path")), 4);
    t_assert_str(o, "escalation.path.0.choice", "ask");
    static const char *typed[] = { "x", "-1", "y" };
    for (int i = 0; i < 3; i++) {
        char path[64];
        snprintf(path, sizeof path, "escalation.path.%d.step", i + 1);
        t_assert_str(o, path, "q");
        snprintf(path, sizeof path, "escalation.path.%d.input", i + 1);
        t_assert_str(o, path, typed[i]);
        snprintf(path, sizeof path, "escalation.path.%d.error", i + 1);
        assert_true(strlen(t_str(o, path)) > 0);
    }
    t_assert_str(o, "escalation.path.2.error", "No negatives");
    cJSON_Delete(o);
    hf_session_free(s);

    /* "In a row": a fresh visit to the step starts counting again. */
    s = t_start(e, "pol", NULL);
    expect(s, CHOOSE("ask"), "waiting", "q");
    expect(s, INPUT("x"), "waiting", "q");
    expect(s, INPUT("x"), "waiting", "q");
    expect(s, INPUT("5"), "waiting", "menu");
    expect(s, CHOOSE("ask"), "waiting", "q");
    expect(s, INPUT("x"), "waiting", "q");
    expect(s, INPUT("x"), "waiting", "q");
    o = expect_escalation(s, INPUT("x"), "input_failed");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void max_retries_comes_from_options_and_flow_policy(void **state)
{
    hf_engine_options opts;
    assert_int_equal(hf_engine_options_init(&opts, HF_ENGINE_OPTIONS_VERSION), HF_OK);
    opts.max_retries = 1;
    hf_engine *e = engine_opts(&opts);
    hf_session *s = t_start(e, "pol", NULL);
    expect(s, CHOOSE("ask"), "waiting", "q");
    expect(s, INPUT("x"), "waiting", "q");
    cJSON_Delete(expect_escalation(s, INPUT("x"), "input_failed"));
    hf_session_free(s);

    /* A flow's policy beats the engine's, including 0: the first invalid input escalates. */
    t_load(e, "return flow 'strict' { start = 'q', policy = { max_retries = 0 }, steps = {\n"
              "  q = ask { text = 'N?', input = 'number', save = 'n', go = 'r' },\n"
              "  r = resolved { text = 'ok' } } }\n");
    t_load(e, "return flow 'lax' { start = 'q', policy = { max_retries = 4 }, steps = {\n"
              "  q = ask { text = 'N?', input = 'number', save = 'n', go = 'r' },\n"
              "  r = resolved { text = 'ok' } } }\n");
    s = t_start(e, "strict", NULL);
    cJSON_Delete(expect_escalation(s, INPUT("x"), "input_failed"));
    hf_session_free(s);
    s = t_start(e, "lax", NULL);
    for (int i = 0; i < 4; i++)
        expect(s, INPUT("x"), "waiting", "q");
    cJSON_Delete(expect_escalation(s, INPUT("x"), "input_failed"));
    hf_session_free(s);
    hf_engine_free(e);
}

static void entering_a_step_more_than_max_visits_escalates_loop(void **state)
{
    hf_engine *e = engine();
    hf_session *s = t_start(e, "pol", NULL); /* menu: visit 1 */
    expect(s, CHOOSE("again"), "waiting", "menu"); /* 2 */
    expect(s, CHOOSE("again"), "waiting", "menu"); /* 3 */
    cJSON *o = expect_escalation(s, CHOOSE("again"), "loop"); /* 4th entry */
    t_assert_str(o, "ui.0.text", DEFAULT_TEXT);
    t_assert_str(o, "escalation.skills.0", "cards");
    cJSON_Delete(o);
    hf_session_free(s);

    /* Visits count every way into the step, not just the same choice. */
    s = t_start(e, "pol", NULL);
    expect(s, CHOOSE("ask"), "waiting", "q");
    expect(s, INPUT("1"), "waiting", "menu");
    expect(s, CHOOSE("ask"), "waiting", "q");
    expect(s, INPUT("2"), "waiting", "menu");
    cJSON_Delete(expect_escalation(s, CHOOSE("again"), "loop"));
    hf_session_free(s);
    hf_engine_free(e);
}

static void max_visits_comes_from_options_and_flow_policy(void **state)
{
    hf_engine_options opts;
    assert_int_equal(hf_engine_options_init(&opts, HF_ENGINE_OPTIONS_VERSION), HF_OK);
    opts.max_visits = 5;
    hf_engine *e = engine_opts(&opts);
    hf_session *s = t_start(e, "pol", NULL);
    for (int i = 0; i < 4; i++)
        expect(s, CHOOSE("again"), "waiting", "menu");
    cJSON_Delete(expect_escalation(s, CHOOSE("again"), "loop"));
    hf_session_free(s);

    t_load(e, "return flow 'once' { start = 'm', policy = { max_visits = 1 }, steps = {\n"
              "  m = say { text = 'M', choices = { { id = 'again', label = 'A', go = 'm' },\n"
              "                                   { id = 'end', label = 'E', go = 'r' } } },\n"
              "  r = resolved { text = 'ok' } } }\n");
    s = t_start(e, "once", NULL);
    cJSON_Delete(expect_escalation(s, CHOOSE("again"), "loop"));
    hf_session_free(s);
    hf_engine_free(e);
}

static void more_than_1000_steps_in_one_event_escalates_loop(void **state)
{
    /* A cycle of five steps: 1,000 steps in one event come long before 250 visits of each. */
    hf_engine *e = t_engine();
    t_load(e, "return flow 'spin' { start = 'm', policy = { max_visits = 250 }, steps = {\n"
              "  m = say { text = 'M', choices = { { id = 'go', label = 'Go', go = 'a' } } },\n"
              "  a = decide { next = { { when = function(ctx) return ctx.stop end, go = 'fin' },\n"
              "                        { go = 'b' } } },\n"
              "  b = decide { next = { { go = 'c' } } },\n"
              "  c = decide { next = { { go = 'd' } } },\n"
              "  d = decide { next = { { go = 'e' } } },\n"
              "  e = decide { next = { { go = 'a' } } },\n"
              "  fin = resolved { text = 'fin' } } }\n");
    hf_session *s = t_start(e, "spin", NULL);
    cJSON *o = expect_escalation(s, CHOOSE("go"), "loop");
    int n = cJSON_GetArraySize(t_get(o, "escalation.path"));
    if (n < 1000 || n > 1003)
        fail_msg("path has %d steps: the 1,000-step limit should have stopped it", n);
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void failed_action_without_on_error_escalates_action_failed(void **state)
{
    hf_engine *e = engine();
    hf_session *s = t_start(e, "pol", NULL);
    cJSON *o = t_send(s, CHOOSE("act"));
    t_assert_str(o, "status", "action");
    t_assert_str(o, "action.name", "x.do");
    cJSON_Delete(o);
    o = expect_escalation(
        s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":false,\"error\":\"down\"}",
        "action_failed");
    t_assert_str(o, "step", "act");
    t_assert_str(o, "ui.0.text", DEFAULT_TEXT);
    assert_int_equal(cJSON_GetArraySize(t_get(o, "escalation.path")), 2);
    t_assert_str(o, "escalation.path.0.choice", "act");
    t_assert_str(o, "escalation.path.1.step", "act");
    t_assert_str(o, "escalation.path.1.error", "down");
    cJSON_Delete(o);
    hf_session_free(s);

    /* A success still goes on. */
    s = t_start(e, "pol", NULL);
    expect(s, CHOOSE("act"), "action", "act");
    expect(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true}", "resolved", "done");
    hf_session_free(s);
    hf_engine_free(e);
}

/* A flow whose start decides on a guard given as Lua source. */
static hf_session *guard_session(hf_engine *e, const char *id, const char *guard)
{
    char src[2048];
    snprintf(src, sizeof src,
             "return flow '%s' { start = 'd', steps = {\n"
             "  d = decide { next = { { when = %s, go = 'yes' }, { go = 'no' } } },\n"
             "  yes = resolved { text = 'yes' },\n"
             "  no = resolved { text = 'no' } } }\n",
             id, guard);
    t_load(e, src);
    return t_start(e, id, "{\"n\":1}");
}

static void failing_guard_escalates_flow_error(void **state)
{
    hf_engine *e = t_engine();
    static const char *guards[] = {
        "function(ctx) error('boom') end",
        "function(ctx) return ctx.missing.field end",
        "function(ctx) return ctx.n .. {} end",
        "function(ctx) return #nil end",
    };
    for (size_t i = 0; i < sizeof guards / sizeof guards[0]; i++) {
        char id[16];
        snprintf(id, sizeof id, "g%zu", i);
        hf_session *s = guard_session(e, id, guards[i]);
        cJSON *o = expect_escalation(s, NULL, "flow_error");
        t_assert_str(o, "ui.0.text", DEFAULT_TEXT);
        /* the detail is there for whoever debugs the flow */
        const char *err = t_str(o, "escalation.error");
        assert_non_null(strstr(err, "test.lua"));
        assert_non_null(strstr(err, id));
        if (i == 0)
            assert_non_null(strstr(err, "boom"));
        cJSON_Delete(o);
        hf_session_free(s);
    }
    hf_engine_free(e);
}

static void guard_returning_a_non_boolean_is_truthiness(void **state)
{
    hf_engine *e = t_engine();
    static const struct { const char *guard, *step; } cases[] = {
        { "function(ctx) return 'yes' end", "yes" },
        { "function(ctx) return 0 end", "yes" },
        { "function(ctx) return {} end", "yes" },
        { "function(ctx) return ctx.n end", "yes" },
        { "function(ctx) return nil end", "no" },
        { "function(ctx) end", "no" },
        { "function(ctx) return false end", "no" },
        { "function(ctx) return ctx.absent end", "no" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char id[16];
        snprintf(id, sizeof id, "t%zu", i);
        hf_session *s = guard_session(e, id, cases[i].guard);
        cJSON *o = t_output(s);
        t_assert_str(o, "status", "resolved");
        if (strcmp(t_str(o, "step"), cases[i].step) != 0)
            fail_msg("guard %s: went to %s, want %s", cases[i].guard, t_str(o, "step"),
                     cases[i].step);
        cJSON_Delete(o);
        hf_session_free(s);
    }
    hf_engine_free(e);
}

static void failing_flow_functions_of_every_kind_escalate_flow_error(void **state)
{
    hf_engine *e = t_engine();
    static const char *flows[] = {
        /* text */
        "return flow 'f1' { start = 'a', steps = {\n"
        "  a = say { text = function(ctx) error('x') end, go = 'r' }, r = resolved {} } }",
        /* label */
        "return flow 'f2' { start = 'a', steps = {\n"
        "  a = say { text = 'A', choices = { { id = 'c', label = function() error('x') end,\n"
        "    go = 'r' } } }, r = resolved {} } }",
        /* args */
        "return flow 'f3' { start = 'a', steps = {\n"
        "  a = action { call = 'x', args = function(ctx) return ctx.a.b end, go = 'r' },\n"
        "  r = resolved {} } }",
        /* args not a table */
        "return flow 'f4' { start = 'a', steps = {\n"
        "  a = action { call = 'x', args = function(ctx) return 5 end, go = 'r' },\n"
        "  r = resolved {} } }",
        /* set */
        "return flow 'f5' { start = 'a', steps = {\n"
        "  a = say { text = 'A', go = 'r', set = { v = function(ctx) error('x') end } },\n"
        "  r = resolved {} } }",
        /* set to a value that is not JSON data */
        "return flow 'f6' { start = 'a', steps = {\n"
        "  a = say { text = 'A', go = 'r',\n"
        "    set = { v = function(ctx) return function() end end } },\n"
        "  r = resolved {} } }",
        /* components */
        "return flow 'f7' { start = 'a', steps = {\n"
        "  a = say { text = 'A', components = function() error('x') end, go = 'r' },\n"
        "  r = resolved {} } }",
        /* text returning a non-string */
        "return flow 'f8' { start = 'a', steps = {\n"
        "  a = say { text = function(ctx) return {} end, go = 'r' }, r = resolved {} } }",
    };
    for (size_t i = 0; i < sizeof flows / sizeof flows[0]; i++) {
        t_load(e, flows[i]);
        char id[8];
        snprintf(id, sizeof id, "f%zu", i + 1);
        hf_session *s = t_start(e, id, NULL);
        cJSON *o = t_output(s);
        if (strcmp(t_str(o, "status"), "escalated") != 0 ||
            strcmp(t_str(o, "escalation.reason"), "flow_error") != 0)
            fail_msg("flow %s: %s", id, hf_session_output(s, NULL));
        cJSON_Delete(o);
        hf_session_free(s);
    }

    /* validate failing */
    t_load(e, "return flow 'f9' { start = 'q', steps = {\n"
              "  q = ask { text = 'Q', input = 'text', save = 'v', go = 'r',\n"
              "    validate = function(v) return v.x.y end }, r = resolved {} } }");
    hf_session *s = t_start(e, "f9", NULL);
    cJSON_Delete(expect_escalation(s, INPUT("hello"), "flow_error"));
    hf_session_free(s);
    hf_engine_free(e);
}

/* ---------------------------------------------------------------------------------------- */
/* repeat_contact                                                                             */

static int starts_escalated(hf_engine *e, const char *flow, const char *ctx)
{
    hf_session *s = t_start(e, flow, ctx);
    cJSON *o = t_output(s);
    int esc = strcmp(t_str(o, "status"), "escalated") == 0;
    if (esc) {
        t_assert_str(o, "escalation.reason", "repeat_contact");
        t_assert_str(o, "ui.0.text", DEFAULT_TEXT);
    } else {
        t_assert_str(o, "status", "waiting");
    }
    cJSON_Delete(o);
    hf_session_free(s);
    return esc;
}

static void two_recent_unresolved_outcomes_escalate_repeat_contact_at_once(void **state)
{
    hf_engine *e = engine();
    assert_true(starts_escalated(e, "pol",
        "{\"at\":100000,\"prior_outcomes\":["
        "{\"flow\":\"pol\",\"outcome\":\"escalated\",\"reason\":\"loop\",\"finished_at\":96400},"
        "{\"flow\":\"pol\",\"outcome\":\"abandoned\",\"finished_at\":99000}]}"));
    /* cancelled counts as unresolved; "at" stands in for "finished_at" */
    assert_true(starts_escalated(e, "pol",
        "{\"at\":100000,\"prior_outcomes\":["
        "{\"flow\":\"pol\",\"outcome\":\"cancelled\",\"at\":20000},"
        "{\"flow\":\"pol\",\"outcome\":\"escalated\",\"at\":99999}]}"));
    /* ...and the escalation says so in full */
    hf_session *s = t_start(e, "pol",
        "{\"at\":100000,\"card_id\":\"c_9\",\"prior_outcomes\":["
        "{\"flow\":\"pol\",\"outcome\":\"escalated\",\"finished_at\":99000},"
        "{\"flow\":\"pol\",\"outcome\":\"escalated\",\"finished_at\":99500}]}");
    cJSON *o = expect_escalation(s, NULL, "repeat_contact");
    t_assert_str(o, "escalation.skills.0", "cards");
    t_assert_str(o, "escalation.priority", "high");
    t_assert_str(o, "escalation.collected.card_id", "c_9");
    assert_null(t_get(o, "escalation.collected.prior_outcomes"));
    cJSON_Delete(o);
    const char *json = NULL;
    assert_int_equal(hf_session_outcome(s, &json, NULL), HF_OK);
    o = cJSON_Parse(json);
    t_assert_str(o, "reason", "repeat_contact");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void repeat_contact_ignores_resolved_other_flows_and_old_outcomes(void **state)
{
    hf_engine *e = engine();
    /* one resolved, one escalated */
    assert_false(starts_escalated(e, "pol",
        "{\"at\":100000,\"prior_outcomes\":["
        "{\"flow\":\"pol\",\"outcome\":\"resolved\",\"finished_at\":99000},"
        "{\"flow\":\"pol\",\"outcome\":\"escalated\",\"finished_at\":99500}]}"));
    /* other flows */
    assert_false(starts_escalated(e, "pol",
        "{\"at\":100000,\"prior_outcomes\":["
        "{\"flow\":\"other\",\"outcome\":\"escalated\",\"finished_at\":99000},"
        "{\"flow\":\"other\",\"outcome\":\"escalated\",\"finished_at\":99500},"
        "{\"flow\":\"pol\",\"outcome\":\"escalated\",\"finished_at\":99600}]}"));
    /* older than a day */
    assert_false(starts_escalated(e, "pol",
        "{\"at\":100000,\"prior_outcomes\":["
        "{\"flow\":\"pol\",\"outcome\":\"escalated\",\"finished_at\":13599},"
        "{\"flow\":\"pol\",\"outcome\":\"escalated\",\"finished_at\":99500}]}"));
    /* none */
    assert_false(starts_escalated(e, "pol", "{\"at\":100000,\"prior_outcomes\":[]}"));
    assert_false(starts_escalated(e, "pol", "{\"at\":100000}"));
    hf_engine_free(e);
}

static void repeat_contact_limits_come_from_options_and_flow_policy(void **state)
{
    const char *two =
        "{\"at\":100000,\"prior_outcomes\":["
        "{\"flow\":\"pol\",\"outcome\":\"escalated\",\"finished_at\":99000},"
        "{\"flow\":\"pol\",\"outcome\":\"escalated\",\"finished_at\":99500}]}";
    hf_engine_options opts;
    assert_int_equal(hf_engine_options_init(&opts, HF_ENGINE_OPTIONS_VERSION), HF_OK);
    opts.repeat_failures = 3;
    hf_engine *e = engine_opts(&opts);
    assert_false(starts_escalated(e, "pol", two));
    hf_engine_free(e);

    assert_int_equal(hf_engine_options_init(&opts, HF_ENGINE_OPTIONS_VERSION), HF_OK);
    opts.repeat_within = 800;
    e = engine_opts(&opts);
    assert_false(starts_escalated(e, "pol", two)); /* 99000 is 1000 s before */
    hf_engine_free(e);

    e = t_engine();
    t_load(e, "return flow 'rc' { start = 'm',\n"
              "  policy = { repeat_contact = { failures = 1, within = 3600 } }, steps = {\n"
              "  m = say { text = 'M', choices = { { id = 'x', label = 'X', go = 'r' } } },\n"
              "  r = resolved { text = 'ok' } } }\n");
    assert_true(starts_escalated(e, "rc",
        "{\"at\":100000,\"prior_outcomes\":["
        "{\"flow\":\"rc\",\"outcome\":\"escalated\",\"finished_at\":98200}]}"));
    assert_false(starts_escalated(e, "rc",
        "{\"at\":100000,\"prior_outcomes\":["
        "{\"flow\":\"rc\",\"outcome\":\"escalated\",\"finished_at\":92800}]}"));
    hf_engine_free(e);
}

static void outcome_records_fed_back_trigger_repeat_contact(void **state)
{
    hf_engine *e = engine();
    char *records[2];
    for (int i = 0; i < 2; i++) {
        char ctx[64];
        snprintf(ctx, sizeof ctx, "{\"at\":%d}", 50000 + i * 1000);
        hf_session *s = t_start(e, "pol", ctx);
        cJSON_Delete(expect_escalation(s, "{\"type\":\"intent\",\"name\":\"human\"}",
                                       "customer_requested"));
        const char *json = NULL;
        assert_int_equal(hf_session_outcome(s, &json, NULL), HF_OK);
        records[i] = strdup(json);
        hf_session_free(s);
    }
    char ctx[2048];
    snprintf(ctx, sizeof ctx, "{\"at\":60000,\"prior_outcomes\":[%s,%s]}", records[0], records[1]);
    assert_true(starts_escalated(e, "pol", ctx));
    snprintf(ctx, sizeof ctx, "{\"at\":60000,\"prior_outcomes\":[%s]}", records[1]);
    assert_false(starts_escalated(e, "pol", ctx));
    free(records[0]);
    free(records[1]);
    hf_engine_free(e);
}

/* ---------------------------------------------------------------------------------------- */
/* The escalation object                                                                      */

static void explicit_escalate_step_escalates_with_its_reason(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, "return flow 'ex' { start = 'm', skills = { 'flow_default' }, steps = {\n"
              "  m = say { text = 'M', choices = { { id = 'x', label = 'X', go = 'e' } } },\n"
              "  e = escalate { reason = 'suspected_fraud', skills = { 'fraud' },\n"
              "    priority = 'urgent', flags = { 'fraud' }, text = 'Fraud team.' } } }\n");
    hf_session *s = t_start(e, "ex", NULL);
    cJSON *o = expect_escalation(s, CHOOSE("x"), "suspected_fraud");
    t_assert_str(o, "step", "e");
    t_assert_str(o, "ui.0.text", "Fraud team.");
    assert_int_equal(cJSON_GetArraySize(t_get(o, "escalation.skills")), 1);
    t_assert_str(o, "escalation.skills.0", "fraud");
    t_assert_str(o, "escalation.priority", "urgent");
    t_assert_str(o, "escalation.flags.0", "fraud");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void escalation_has_every_field_and_no_engine_internals(void **state)
{
    hf_engine *e = engine();
    hf_session *s = t_start(e, "pol",
                            "{\"session\":\"s-1\",\"at\":1000,\"prior_outcomes\":[],"
                            "\"card_id\":\"c_1\",\"locale\":\"en-GB\",\"tier\":{\"gold\":true}}");
    expect(s, CHOOSE("ask"), "waiting", "q");
    cJSON *o = expect_escalation(s, HUMAN, "customer_requested");
    cJSON *esc = t_get(o, "escalation");
    static const char *fields[] = { "reason", "skills", "priority", "flags", "collected", "path",
                                    "summary" };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!cJSON_HasObjectItem(esc, fields[i]))
            fail_msg("escalation has no %s", fields[i]);
    assert_true(cJSON_IsArray(t_get(esc, "skills")));
    assert_true(cJSON_IsArray(t_get(esc, "flags")));
    assert_true(cJSON_IsArray(t_get(esc, "path")));
    assert_true(cJSON_IsString(t_get(esc, "summary")));
    cJSON *col = t_get(esc, "collected");
    assert_true(cJSON_IsObject(col));
    assert_int_equal(cJSON_GetArraySize(col), 3);
    t_assert_str(col, "card_id", "c_1");
    t_assert_str(col, "locale", "en-GB");
    assert_true(cJSON_IsTrue(t_get(col, "tier.gold")));
    assert_null(t_get(col, "session"));
    assert_null(t_get(col, "at"));
    assert_null(t_get(col, "prior_outcomes"));
    assert_int_equal(cJSON_GetArraySize(t_get(esc, "path")), 2);
    t_assert_str(esc, "path.0.step", "menu");
    t_assert_str(esc, "path.0.choice", "ask");
    t_assert_str(esc, "path.1.step", "q");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void policy_escalation_text_comes_from_flow_strings(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, "return flow 'tx' { start = 'q',\n"
              "  strings = { ['en-GB'] = {\n"
              "    ['escalate.customer_requested'] = 'An agent is coming.',\n"
              "    escalate = 'Someone will help.' } },\n"
              "  steps = {\n"
              "  q = ask { text = 'N?', input = 'number', save = 'n', go = 'r' },\n"
              "  r = resolved { text = 'ok' } } }\n");
    hf_session *s = t_start(e, "tx", NULL);
    cJSON *o = expect_escalation(s, HUMAN, "customer_requested");
    t_assert_str(o, "ui.0.text", "An agent is coming.");
    cJSON_Delete(o);
    hf_session_free(s);

    s = t_start(e, "tx", NULL);
    expect(s, INPUT("x"), "waiting", "q");
    expect(s, INPUT("x"), "waiting", "q");
    o = expect_escalation(s, INPUT("x"), "input_failed");
    t_assert_str(o, "ui.0.text", "Someone will help.");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* A flow with a flag-raising step, the human intent from the menu, and a given priority. */
static char *flag_flow(const char *policy, const char *flags, const char *priority)
{
    static char src[1024];
    snprintf(src, sizeof src,
             "return flow 'fp' { start = 'a', priority = '%s', %s steps = {\n"
             "  a = say { text = 'A', flags = { %s }, choices = {\n"
             "    { id = 'x', label = 'X', go = 'e' } } },\n"
             "  e = escalate { reason = 'r' } } }\n",
             priority, policy, flags);
    return src;
}

static const char *priority_after_human(const char *policy, const char *flags,
                                        const char *priority, char *out, size_t n)
{
    hf_engine *e = t_engine();
    t_load(e, flag_flow(policy, flags, priority));
    hf_session *s = t_start(e, "fp", NULL);
    cJSON *o = t_send(s, "{\"type\":\"intent\",\"name\":\"human\"}");
    snprintf(out, n, "%s", t_str(o, "escalation.priority"));
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
    return out;
}

static void flags_raise_the_priority_by_policy_never_lower_it(void **state)
{
    (void)state;
    char p[16];
    assert_string_equal(priority_after_human("", "", "normal", p, sizeof p), "normal");
    assert_string_equal(priority_after_human("", "'vulnerable'", "normal", p, sizeof p), "high");
    assert_string_equal(priority_after_human("", "'fraud'", "normal", p, sizeof p), "urgent");
    assert_string_equal(priority_after_human("", "'vulnerable'", "urgent", p, sizeof p),
                        "urgent");
    assert_string_equal(priority_after_human("", "'vip'", "low", p, sizeof p), "low");
    /* a flow's own policy replaces the defaults */
    const char *pol = "policy = { flag_priority = { vip = 'high' } },";
    assert_string_equal(priority_after_human(pol, "'vip'", "low", p, sizeof p), "high");
    assert_string_equal(priority_after_human(pol, "'fraud'", "low", p, sizeof p), "low");
}

static void bad_flag_priority_policy_fails_the_load(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    const char *src = flag_flow("policy = { flag_priority = { vip = 'asap' } },", "", "normal");
    assert_int_equal(hf_engine_load_string(e, src, strlen(src), "fp.lua", NULL), HF_ECHECK);
    assert_non_null(strstr(hf_engine_errmsg(e), "priority must be one of"));
    src = flag_flow("policy = { flag_priority = 'high' },", "", "normal");
    assert_int_equal(hf_engine_load_string(e, src, strlen(src), "fp.lua", NULL), HF_ECHECK);
    assert_non_null(strstr(hf_engine_errmsg(e), "flag_priority"));
    hf_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(human_intent_escalates_customer_requested),
        cmocka_unit_test(third_invalid_input_in_a_row_escalates_input_failed),
        cmocka_unit_test(max_retries_comes_from_options_and_flow_policy),
        cmocka_unit_test(entering_a_step_more_than_max_visits_escalates_loop),
        cmocka_unit_test(max_visits_comes_from_options_and_flow_policy),
        cmocka_unit_test(more_than_1000_steps_in_one_event_escalates_loop),
        cmocka_unit_test(failed_action_without_on_error_escalates_action_failed),
        cmocka_unit_test(failing_guard_escalates_flow_error),
        cmocka_unit_test(guard_returning_a_non_boolean_is_truthiness),
        cmocka_unit_test(failing_flow_functions_of_every_kind_escalate_flow_error),
        cmocka_unit_test(two_recent_unresolved_outcomes_escalate_repeat_contact_at_once),
        cmocka_unit_test(repeat_contact_ignores_resolved_other_flows_and_old_outcomes),
        cmocka_unit_test(repeat_contact_limits_come_from_options_and_flow_policy),
        cmocka_unit_test(outcome_records_fed_back_trigger_repeat_contact),
        cmocka_unit_test(explicit_escalate_step_escalates_with_its_reason),
        cmocka_unit_test(escalation_has_every_field_and_no_engine_internals),
        cmocka_unit_test(policy_escalation_text_comes_from_flow_strings),
        cmocka_unit_test(flags_raise_the_priority_by_policy_never_lower_it),
        cmocka_unit_test(bad_flag_priority_policy_fails_the_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
