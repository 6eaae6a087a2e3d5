/*
 * test_load.c — the load-time checks of docs/semantics.md, one test each: every authoring
 * mistake is refused with HF_ECHECK (HF_ESYNTAX for Lua syntax) and a message that names the
 * file, the flow and the step; a failed load leaves the engine as it was and still usable.
 */
#include <unistd.h>

#include "harness.h"

static const char *GOOD =
    "return flow 'good' { start = 'a', steps = {\n"
    "  a = say { text = 'A', choices = { { id = 'x', label = 'X', go = 'b' } } },\n"
    "  b = resolved { text = 'B' } } }\n";

static void engine_is_unchanged_and_usable(hf_engine *e, const char *flow_id)
{
    const char *json = NULL;
    assert_int_equal(hf_engine_flows(e, &json, NULL), HF_OK);
    assert_string_equal(json, "[]");
    if (flow_id) {
        hf_session *s = (hf_session *)e;
        assert_int_equal(hf_session_start(&s, e, flow_id, NULL, 0), HF_ENOTFOUND);
        assert_null(s);
    }
    t_load(e, GOOD);
    hf_session *s = t_start(e, "good", NULL);
    cJSON *o = t_send(s, "{\"type\":\"choose\",\"option\":\"x\"}");
    t_assert_str(o, "status", "resolved");
    cJSON_Delete(o);
    hf_session_free(s);
}

/*
 * Loads src as "bad.lua" into a fresh engine; it must fail with want_rc and a message holding
 * every one of the NULL-terminated pieces. Then checks the engine has no flow and still works.
 */
static void refused(const char *src, int want_rc, ...) __attribute__((sentinel));
static void refused(const char *src, int want_rc, ...)
{
    hf_engine *e = t_engine();
    const char *id = "untouched";
    int rc = hf_engine_load_string(e, src, strlen(src), "bad.lua", &id);
    const char *msg = hf_engine_errmsg(e);
    if (rc != want_rc)
        fail_msg("want %s, got %s (%s) for:\n%s", hf_strerror(want_rc), hf_strerror(rc), msg, src);
    va_list ap;
    va_start(ap, want_rc);
    for (const char *piece = va_arg(ap, const char *); piece; piece = va_arg(ap, const char *))
        if (!strstr(msg, piece))
            fail_msg("message \"%s\" lacks \"%s\"", msg, piece);
    va_end(ap);
    engine_is_unchanged_and_usable(e, "f");
    hf_engine_free(e);
}

#define STEP_A "bad.lua: flow 'f': step 'a':"

/* ---------------------------------------------------------------------------------------- */

static void unknown_step_kind_is_refused(void **state)
{
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = { text = 'A', go = 'b' },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = 'hello',\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, NULL);
    /* A misspelt constructor is an unknown name, reported with the file and the line. */
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = sya { text = 'A', go = 'b' },\n"
            "  b = resolved {} } }",
            HF_ECHECK, "bad.lua", "sya", NULL);
}

static void unknown_field_is_refused(void **state)
{
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = say { text = 'A', go = 'b', colour = 'red' },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "colour", NULL);
    /* a field of another kind */
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = decide { text = 'A', next = { { go = 'b' } } },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "text", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = say { text = 'A', input = 'text', go = 'b' },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "input", NULL);
    /* in a choice */
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = say { text = 'A',\n"
            "    choices = { { id = 'x', label = 'X', go = 'b', colour = 1 } } },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "colour", NULL);
    /* in a next branch */
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = decide { next = { { go = 'b', colour = 1 } } },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "colour", NULL);
    /* of the flow */
    refused("return flow 'f' { start = 'a', colour = 'red', steps = {\n"
            "  a = resolved {} } }",
            HF_ECHECK, "bad.lua: flow 'f'", "colour", NULL);
}

static void wrong_field_type_is_refused(void **state)
{
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = say { text = 42, go = 'b' },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "text", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = say { text = 'A', go = 5 },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "go", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = say { text = 'A', choices = 'x', go = 'b' },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "choices", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = decide { next = { { when = true, go = 'b' }, { go = 'b' } } },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "when", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = wait { timeout = 'soon', go = 'b' },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "timeout", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = escalate { reason = 'r', skills = 'cards' } } }",
            HF_ECHECK, STEP_A, "skills", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = action { call = 'x', args = 'none', go = 'b' },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "args", NULL);
    refused("return flow 'f' { version = 'two', start = 'a', steps = { a = resolved {} } }",
            HF_ECHECK, "bad.lua: flow 'f'", "version", NULL);
    refused("return flow 'f' { version = 0, start = 'a', steps = { a = resolved {} } }",
            HF_ECHECK, "bad.lua: flow 'f'", "version", NULL);
    refused("return flow 'f' { version = 1.5, start = 'a', steps = { a = resolved {} } }",
            HF_ECHECK, "bad.lua: flow 'f'", "version", NULL);
    refused("return flow 'f' { triggers = 'card', start = 'a', steps = { a = resolved {} } }",
            HF_ECHECK, "bad.lua: flow 'f'", "triggers", NULL);
    refused("return flow 'f' { start = 'a', steps = 'a' }", HF_ECHECK, "bad.lua: flow 'f'",
            "steps", NULL);
}

static void go_to_unknown_step_is_refused(void **state)
{
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = say { text = 'A', go = 'nowhere',\n"
            "    choices = { { id = 'x', label = 'X', go = 'b' }, { id = 'y', label = 'Y' } } },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "'nowhere'", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = decide { next = { { when = function() return true end, go = 'b' },\n"
            "                        { go = 'nowhere' } } },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "'nowhere'", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = say { text = 'A', choices = { { id = 'x', label = 'X', go = 'nowhere' },\n"
            "                                    { id = 'y', label = 'Y', go = 'b' } } },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "'nowhere'", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = action { call = 'x', go = 'b', on_error = 'nowhere' },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "'nowhere'", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = wait { event = 'e', timeout = 5, go = 'b', on_timeout = 'nowhere' },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "'nowhere'", NULL);
    refused("return flow 'f' { start = 'nowhere', steps = { a = resolved {} } }", HF_ECHECK,
            "bad.lua: flow 'f'", "'nowhere'", NULL);
    refused("return flow 'f' { start = 'a', on = { human = 'nowhere' }, steps = {\n"
            "  a = say { text = 'A', choices = { { id = 'x', label = 'X', go = 'b' } } },\n"
            "  b = resolved {} } }",
            HF_ECHECK, "bad.lua: flow 'f'", "'nowhere'", NULL);
}

static void unreachable_step_is_refused(void **state)
{
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = say { text = 'A', go = 'b' },\n"
            "  b = resolved {},\n"
            "  island = say { text = 'I', go = 'b' } } }",
            HF_ECHECK, "bad.lua: flow 'f': step 'island':", NULL);
}

static void every_kind_of_transition_makes_a_step_reachable(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, GOOD);
    t_load(e, "return flow 'reach' { start = 'a', on = { help = 'by_intent' }, steps = {\n"
              "  a = say { text = 'A', choices = { { id = 'x', label = 'X', go = 'act' },\n"
              "                                    { id = 'y', label = 'Y', go = 'w' } } },\n"
              "  act = action { call = 'x', go = 'r', on_error = 'by_error' },\n"
              "  w = wait { event = 'e', timeout = 5, go = 'c', on_timeout = 'by_timeout' },\n"
              "  c = call { flow = 'good', go = 'd' },\n"
              "  d = decide { next = { { when = function() return true end, go = 'r' },\n"
              "                        { go = 'by_next' } } },\n"
              "  by_intent = resolved {}, by_error = resolved {}, by_timeout = resolved {},\n"
              "  by_next = escalate { reason = 'x' },\n"
              "  r = resolved {} } }\n");
    hf_engine_free(e);
}

static void flow_without_an_end_is_refused(void **state)
{
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = say { text = 'A', choices = { { id = 'x', label = 'X', go = 'b' } } },\n"
            "  b = say { text = 'B', choices = { { id = 'y', label = 'Y', go = 'a' } } } } }",
            HF_ECHECK, "bad.lua: flow 'f'", NULL);
}

static void non_terminal_step_without_a_way_on_is_refused(void **state)
{
    /* 's' reaches both 'a' and the end, so that 'a' is the only problem. */
#define ENTRY "return flow 'f' { start = 's', steps = {\n" \
              "  s = say { text = 'S', choices = { { id = 'x', label = 'X', go = 'a' },\n" \
              "                                    { id = 'y', label = 'Y', go = 'b' } } },\n"
    refused(ENTRY "  a = say { text = 'A' },\n"
                  "  b = resolved {} } }",
            HF_ECHECK, STEP_A, NULL);
    refused(ENTRY "  a = ask { text = 'A', input = 'text', save = 'v' },\n"
                  "  b = resolved {} } }",
            HF_ECHECK, STEP_A, NULL);
    refused(ENTRY "  a = action { call = 'x', on_error = 'b' },\n"
                  "  b = resolved {} } }",
            HF_ECHECK, STEP_A, NULL);
#undef ENTRY
    /* a choice with no go of its own on a step with none */
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = say { text = 'A', choices = { { id = 'x', label = 'X', go = 'b' },\n"
            "                                    { id = 'y', label = 'Y' } } },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, NULL);
}

static void required_fields_are_required(void **state)
{
    refused("return flow 'f' { steps = { a = resolved {} } }", HF_ECHECK, "bad.lua: flow 'f'",
            "start", NULL);
    refused("return flow 'f' { start = 'a' }", HF_ECHECK, "bad.lua: flow 'f'", "steps", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = action { go = 'b' }, b = resolved {} } }",
            HF_ECHECK, STEP_A, "call", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = decide { }, b = resolved {} } }",
            HF_ECHECK, STEP_A, "next", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = call { go = 'b' }, b = resolved {} } }",
            HF_ECHECK, STEP_A, "flow", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = escalate { text = 'x' } } }",
            HF_ECHECK, STEP_A, "reason", NULL);
}

static void call_to_a_flow_not_loaded_is_refused(void **state)
{
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = call { flow = 'ghost', go = 'b' },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "ghost", NULL);
}

static void unknown_input_type_is_refused(void **state)
{
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = ask { text = 'A', input = 'colour', save = 'v', go = 'b' },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "input", NULL);
}

static void unknown_priority_is_refused(void **state)
{
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = escalate { reason = 'r', priority = 'asap' } } }",
            HF_ECHECK, STEP_A, "priority", NULL);
    refused("return flow 'f' { start = 'a', priority = 'asap', steps = {\n"
            "  a = escalate { reason = 'r' } } }",
            HF_ECHECK, "bad.lua: flow 'f'", "priority", NULL);
    /* the four known ones load */
    static const char *ok[] = { "low", "normal", "high", "urgent" };
    hf_engine *e = t_engine();
    for (int i = 0; i < 4; i++) {
        char src[256];
        snprintf(src, sizeof src,
                 "return flow 'p%d' { start = 'a', steps = {\n"
                 "  a = escalate { reason = 'r', priority = '%s' } } }",
                 i, ok[i]);
        t_load(e, src);
    }
    hf_engine_free(e);
}

static void duplicate_choice_id_is_refused(void **state)
{
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = say { text = 'A', choices = { { id = 'same', label = 'X', go = 'b' },\n"
            "                                    { id = 'same', label = 'Y', go = 'b' } } },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "same", NULL);
}

static void whenless_next_branch_that_is_not_last_is_refused(void **state)
{
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = decide { next = { { go = 'b' },\n"
            "                        { when = function() return true end, go = 'c' } } },\n"
            "  b = resolved {}, c = resolved {} } }",
            HF_ECHECK, STEP_A, NULL);
}

static void missing_localised_key_is_refused(void **state)
{
    refused("return flow 'f' { start = 'a',\n"
            "  strings = { ['en-GB'] = { hello = 'Hello' }, ['fr-FR'] = { nope = 'Non' } },\n"
            "  steps = {\n"
            "  a = say { text = t'nope', go = 'b' },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "nope", NULL);
    refused("return flow 'f' { start = 'a',\n"
            "  strings = { ['en-GB'] = { hello = 'Hello' } },\n"
            "  steps = {\n"
            "  a = say { text = t'hello',\n"
            "    choices = { { id = 'x', label = t'missing', go = 'b' } } },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "missing", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = resolved { text = t'nostrings' } } }",
            HF_ECHECK, STEP_A, "nostrings", NULL);
}

/* A static components list is data: a function anywhere in it could never be shown (the
 * session would escalate with flow_error every time), so it is refused at load with where it
 * is and what to write instead. */
static void function_inside_static_components_is_refused(void **state)
{
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = say { text = 'A', go = 'b',\n"
            "    components = { { type = 'card', title = function(ctx) return 'T' end } } },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "components[1].title is a function",
            "make components itself a function",
            "components = function(ctx) return { ... } end", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = say { text = 'A', go = 'b', components = {\n"
            "    { type = 'link', label = 'L', url = 'u' },\n"
            "    { type = 'list', items = { { id = 'i', title = 'I' },\n"
            "                               { id = 'j', title = function() return 'J' end } } } } },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "components[2].items[2].title is a function", NULL);
    /* a t"key" anywhere in the list must be in the default locale, as for any text */
    refused("return flow 'f' { start = 'a', strings = { ['en-GB'] = { k = 'K' } }, steps = {\n"
            "  a = say { text = 'A', go = 'b', components = {\n"
            "    { type = 'list', items = { { id = 'i', title = t'gone' } } } } },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "components[1].items[1].title uses t\"gone\"", NULL);

    /* what the message asks for works: a function building the list, per session */
    hf_engine *e = t_engine();
    t_load(e, "return flow 'f' { start = 'a', steps = {\n"
              "  a = say { text = 'A', go = 'b', components = function(ctx)\n"
              "    return { { type = 'card', title = 'Card ' .. ctx.n } } end },\n"
              "  b = resolved {} } }");
    hf_session *s = t_start(e, "f", "{\"n\":\"7\"}");
    cJSON *o = t_output(s);
    t_assert_str(o, "status", "resolved");
    t_assert_str(o, "ui.1.title", "Card 7");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* A t"key" at any depth of a static components list is shown in the session's locale. */
static void t_keys_deep_inside_components_follow_the_locale(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, "return flow 'f' { start = 'a',\n"
              "  strings = { ['en-GB'] = { one = 'One', top = 'Top' },\n"
              "              ['cy-GB'] = { one = 'Un', top = 'Brig' } },\n"
              "  steps = {\n"
              "  a = say { text = 'A', go = 'b', components = {\n"
              "    { type = 'list', title = t'top', items = { { id = 'i', title = t'one' } } },\n"
              "    { type = 'list', items = { { id = 'j', title = t'one' } } } } },\n"
              "  b = resolved {} } }");
    hf_session *s = t_start(e, "f", "{\"locale\":\"cy-GB\"}");
    cJSON *o = t_output(s);
    t_assert_str(o, "ui.1.title", "Brig");
    t_assert_str(o, "ui.1.items.0.title", "Un");
    t_assert_str(o, "ui.2.items.0.title", "Un");
    cJSON_Delete(o);
    hf_session_free(s);
    s = t_start(e, "f", "{\"locale\":\"en-GB\"}");
    o = t_output(s);
    t_assert_str(o, "ui.2.items.0.title", "One");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void ids_and_names_outside_the_allowed_characters_are_refused(void **state)
{
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = say { text = 'A', go = 'b c' },\n"
            "  ['b c'] = resolved {} } }",
            HF_ECHECK, "bad.lua: flow 'f'", "b c", NULL);
    refused("return flow 'f g' { start = 'a', steps = { a = resolved {} } }", HF_ECHECK,
            "bad.lua", "f g", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = say { text = 'A', choices = { { id = 'x/y', label = 'X', go = 'b' } } },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "x/y", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = action { call = 'cards get', go = 'b' },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, "cards get", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = wait { event = 'id\"verified', go = 'b' },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, NULL);
    /* all the allowed characters */
    hf_engine *e = t_engine();
    t_load(e, "return flow 'A_b.c-d:9' { start = 'S_1.x-y:z', steps = {\n"
              "  ['S_1.x-y:z'] = say { text = 'A', choices = {\n"
              "    { id = 'c_1.x-y:z', label = 'X', go = 'w' } } },\n"
              "  w = wait { event = 'identity.verified:v-2_x', go = 'a' },\n"
              "  a = action { call = 'cards.get_status:v-2', go = 'r' },\n"
              "  r = resolved {} } }");
    hf_session *s = t_start(e, "A_b.c-d:9", NULL);
    cJSON *o = t_output(s);
    t_assert_str(o, "step", "S_1.x-y:z");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void wait_without_event_or_timeout_is_refused(void **state)
{
    refused("return flow 'f' { start = 'a', steps = {\n"
            "  a = wait { text = 'W', go = 'b' },\n"
            "  b = resolved {} } }",
            HF_ECHECK, STEP_A, NULL);
}

static void syntax_error_reports_file_and_line(void **state)
{
    refused("return flow 'f' {\n"
            "  start = 'a',\n"
            "  steps = {\n"
            "    a = say { text = 'A' go = 'b' },\n"
            "    b = resolved {} } }\n",
            HF_ESYNTAX, "bad.lua:4:", NULL);
    refused("return flow 'f' { start = 'a', steps = {\n\n\n\n\n\n  a = resolved { }\n",
            HF_ESYNTAX, "bad.lua:", NULL);
    refused("\n\nlocal = 1\n", HF_ESYNTAX, "bad.lua:3:", NULL);
}

static void chunk_that_does_not_return_a_flow_is_refused(void **state)
{
    refused("return 42", HF_ECHECK, "bad.lua", NULL);
    refused("return {}", HF_ECHECK, "bad.lua", NULL);
    refused("return { start = 'a', steps = { a = resolved {} } }", HF_ECHECK, "bad.lua", NULL);
    refused("local x = 1", HF_ECHECK, "bad.lua", NULL);
    refused("return resolved { text = 'x' }", HF_ECHECK, "bad.lua", NULL);
    refused("return flow 'f'", HF_ECHECK, "bad.lua", NULL);
    refused("", HF_ECHECK, "bad.lua", NULL);
}

static void failed_new_version_leaves_the_old_one_newest(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, "return flow 'v' { version = 1, start = 'a', steps = {\n"
              "  a = resolved { text = 'one' } } }");
    const char *bad = "return flow 'v' { version = 2, start = 'a', steps = {\n"
                      "  a = say { text = 'two', go = 'nowhere' } } }";
    assert_int_equal(hf_engine_load_string(e, bad, strlen(bad), "v2.lua", NULL), HF_ECHECK);
    assert_non_null(strstr(hf_engine_errmsg(e), "v2.lua: flow 'v': step 'a':"));
    hf_session *s = t_start(e, "v", NULL);
    cJSON *o = t_output(s);
    assert_int_equal((int)t_num(o, "version"), 1);
    t_assert_str(o, "ui.0.text", "one");
    cJSON_Delete(o);
    hf_session_free(s);
    const char *json = NULL;
    assert_int_equal(hf_engine_flows(e, &json, NULL), HF_OK);
    o = cJSON_Parse(json);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    cJSON_Delete(o);
    hf_engine_free(e);
}

static void load_file_reads_files_and_names_them_in_messages(void **state)
{
    hf_engine *e = t_engine();
    const char *id = "x";
    int rc = hf_engine_load_file(e, "/nonexistent/dir/flow.lua", &id);
    assert_int_equal(rc, HF_ENOTFOUND);
    assert_non_null(strstr(hf_engine_errmsg(e), "/nonexistent/dir/flow.lua"));

    char path[] = "/tmp/hf_test_load_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("return flow 'filed' { start = 'a', steps = {\n"
          "  a = say { text = 'A', go = 'gone' } } }\n", f);
    fclose(f);
    assert_int_equal(hf_engine_load_file(e, path, NULL), HF_ECHECK);
    const char *msg = hf_engine_errmsg(e);
    char want[256];
    /* the file's name (a path ends with it) */
    snprintf(want, sizeof want, "%s: flow 'filed': step 'a':", strrchr(path, '/') + 1);
    if (!strstr(msg, want))
        fail_msg("message \"%s\" lacks \"%s\"", msg, want);

    f = fopen(path, "w");
    fputs(GOOD, f);
    fclose(f);
    id = NULL;
    assert_int_equal(hf_engine_load_file(e, path, &id), HF_OK);
    assert_string_equal(id, "good");
    unlink(path);
    hf_engine_free(e);
}

static void load_string_without_a_name_still_explains(void **state)
{
    hf_engine *e = t_engine();
    const char *bad = "return flow 'f' { start = 'a', steps = {\n"
                      "  a = say { text = 'A', go = 'gone' } } }";
    assert_int_equal(hf_engine_load_string(e, bad, strlen(bad), NULL, NULL), HF_ECHECK);
    assert_non_null(strstr(hf_engine_errmsg(e), "flow 'f': step 'a':"));
    assert_non_null(strstr(hf_engine_errmsg(e), "gone"));
    /* The length is what counts: the source may carry no NUL and trailing bytes. */
    const char *id = NULL;
    char buf[512];
    snprintf(buf, sizeof buf, "%sGARBAGE", GOOD);
    assert_int_equal(hf_engine_load_string(e, buf, strlen(GOOD), "len.lua", &id), HF_OK);
    assert_string_equal(id, "good");
    hf_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unknown_step_kind_is_refused),
        cmocka_unit_test(unknown_field_is_refused),
        cmocka_unit_test(wrong_field_type_is_refused),
        cmocka_unit_test(go_to_unknown_step_is_refused),
        cmocka_unit_test(unreachable_step_is_refused),
        cmocka_unit_test(every_kind_of_transition_makes_a_step_reachable),
        cmocka_unit_test(flow_without_an_end_is_refused),
        cmocka_unit_test(non_terminal_step_without_a_way_on_is_refused),
        cmocka_unit_test(required_fields_are_required),
        cmocka_unit_test(call_to_a_flow_not_loaded_is_refused),
        cmocka_unit_test(unknown_input_type_is_refused),
        cmocka_unit_test(unknown_priority_is_refused),
        cmocka_unit_test(duplicate_choice_id_is_refused),
        cmocka_unit_test(whenless_next_branch_that_is_not_last_is_refused),
        cmocka_unit_test(missing_localised_key_is_refused),
        cmocka_unit_test(function_inside_static_components_is_refused),
        cmocka_unit_test(t_keys_deep_inside_components_follow_the_locale),
        cmocka_unit_test(ids_and_names_outside_the_allowed_characters_are_refused),
        cmocka_unit_test(wait_without_event_or_timeout_is_refused),
        cmocka_unit_test(syntax_error_reports_file_and_line),
        cmocka_unit_test(chunk_that_does_not_return_a_flow_is_refused),
        cmocka_unit_test(failed_new_version_leaves_the_old_one_newest),
        cmocka_unit_test(load_file_reads_files_and_names_them_in_messages),
        cmocka_unit_test(load_string_without_a_name_still_explains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
