/*
 * test_docs_example.c — what docs/authoring.md says of its example that only the C API can
 * show: a session saved under version 1 of replace_card moves onto version 2 with the
 * `migrate` function the guide prints, its context renamed and its step kept.
 */
#include "harness.h"

/* Version 1, as the guide tells it: the customer's answer was kept as ctx.issue. */
static const char *V1 =
    "return flow 'replace_card' { version = 1, start = 'what_happened', steps = {\n"
    "  what_happened = say { text = 'What is wrong?', choices = {\n"
    "    { id = 'damaged', label = 'Damaged', go = 'ask_postcode', set = { issue = 'damaged' } } } },\n"
    "  ask_postcode = ask { text = 'Postcode?', input = 'text', save = 'postcode', go = 'done' },\n"
    "  done = resolved { text = 'Done.' } } }\n";

static void load_file(hf_engine *e, const char *rel)
{
    size_t len;
    char *src = t_read_source(rel, &len);
    int rc = hf_engine_load_string(e, src, len, rel, NULL);
    if (rc != HF_OK)
        fail_msg("%s: %s", rel, hf_engine_errmsg(e));
    free(src);
}

static void a_version_1_session_migrates_onto_the_example(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, V1);
    load_file(e, "docs/examples/check_identity.lua");
    hf_session *s = t_start(e, "replace_card", "{\"card_id\":\"card_4242\"}");
    cJSON_Delete(t_send(s, "{\"type\":\"choose\",\"option\":\"damaged\"}"));
    /* version 2 ships while the customer is at the postcode question */
    load_file(e, "docs/examples/replace_card.lua");
    assert_int_equal(hf_session_migrate(s, 0), HF_OK);
    cJSON *o = t_output(s);
    assert_int_equal((int)t_num(o, "version"), 2);
    t_assert_str(o, "step", "ask_postcode");
    cJSON_Delete(o);
    o = t_send(s, "{\"type\":\"input\",\"value\":\"SW1A 1AA\"}");
    t_assert_str(o, "status", "action");
    t_assert_str(o, "action.name", "cards.order_replacement");
    t_assert_str(o, "action.args.reason", "damaged"); /* ctx.problem, from ctx.issue */
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_version_1_session_migrates_onto_the_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
