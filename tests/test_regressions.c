/*
 * test_regressions.c — one test per bug found, named for the behaviour that broke.
 */
#include "harness.h"

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
    hf_engine *e = t_engine();
    t_load(e, "local stash\nlocal shared = {}\n"
              "return flow 'leak' { start = 'd', steps = {\n"
              "  d = decide { next = {\n"
              "    { when = function(ctx) if ctx.role == 'a' then\n"
              "        pcall(function() stash = ctx.secret end) end\n"
              "        local _ = shared; return false end, go = 'seen' },\n"
              "    { when = function(ctx) return ctx.role == 'b' and stash ~= nil end, go = 'seen' },\n"
              "    { go = 'unseen' } } },\n"
              "  seen = resolved { text = 'seen' },\n"
              "  unseen = resolved { text = 'unseen' } } }\n");
    hf_session *a = t_start(e, "leak", "{\"role\":\"a\",\"secret\":\"s3cr3t\"}");
    hf_session *b = t_start(e, "leak", "{\"role\":\"b\"}");
    cJSON *o = t_output(b);
    t_assert_str(o, "step", "unseen");
    cJSON_Delete(o);
    hf_session_free(a);
    hf_session_free(b);
    hf_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(intent_overridden_by_caller_leaves_the_subflow),
        cmocka_unit_test(upvalue_restore_survives_nil_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
