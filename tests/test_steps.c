/*
 * test_steps.c — every step kind and step field of docs/semantics.md, seen from the host:
 * what each step shows in `ui`, what it waits for, what it saves in the context, where it goes.
 */
#include "harness.h"

/* ---------------------------------------------------------------------------------------- */
/* Helpers.                                                                                  */

static int ui_len(cJSON *o)
{
    cJSON *ui = t_get(o, "ui");
    if (!cJSON_IsArray(ui)) {
        char *txt = cJSON_PrintUnformatted(o);
        fail_msg("no ui array in %s", txt);
    }
    return cJSON_GetArraySize(ui);
}

#define assert_ui_len(o, n)                                                                   \
    do {                                                                                      \
        if (ui_len(o) != (n)) {                                                               \
            char *txt_ = cJSON_PrintUnformatted(o);                                           \
            fail_msg("want %d ui components, got %d in %s", (n), ui_len(o), txt_);            \
        }                                                                                     \
    } while (0)

/* Asserts the JSON at path prints exactly as want (unformatted). */
#define assert_json_at(o, path, want)                                                         \
    do {                                                                                      \
        cJSON *v_ = t_get((o), (path));                                                       \
        char *got_ = v_ ? cJSON_PrintUnformatted(v_) : NULL;                                  \
        if (!got_ || strcmp(got_, (want)) != 0) {                                             \
            char *txt_ = cJSON_PrintUnformatted(o);                                           \
            fail_msg("%s: want %s, got %s in %s", (path), (want), got_ ? got_ : "(absent)",   \
                     txt_);                                                                   \
        }                                                                                     \
        cJSON_free(got_);                                                                     \
    } while (0)

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

static void expect_escalated(cJSON *o, const char *reason)
{
    t_assert_str(o, "status", "escalated");
    t_assert_str(o, "escalation.reason", reason);
}

static hf_engine *engine_with(const char *src)
{
    hf_engine *e = t_engine();
    t_load(e, src);
    return e;
}

/* ---------------------------------------------------------------------------------------- */
/* say                                                                                        */

static const char *FLOW_SAY =
    "return flow 'say' { start = 'hello', steps = {\n"
    "  hello = say { text = 'Hello', go = 'pick' },\n"
    "  pick = say { text = 'Pick one', choices = {\n"
    "    { id = 'x', label = 'Ex', go = 'bye' },\n"
    "    { id = 'y', label = 'Why', go = 'other' } } },\n"
    "  bye = resolved { text = 'Bye' },\n"
    "  other = resolved { text = 'Other' } } }\n";

static void say_without_choices_flows_on_and_both_texts_show_in_order(void **state)
{
    hf_engine *e = engine_with(FLOW_SAY);
    hf_session *s = t_start(e, "say", NULL);
    cJSON *o = t_output(s);
    t_assert_str(o, "flow", "say");
    assert_int_equal((int)t_num(o, "version"), 1);
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "step", "pick");
    t_assert_str(o, "expects.kind", "choice");
    assert_ui_len(o, 3);
    t_assert_str(o, "ui.0.type", "text");
    t_assert_str(o, "ui.0.text", "Hello");
    t_assert_str(o, "ui.1.type", "text");
    t_assert_str(o, "ui.1.text", "Pick one");
    t_assert_str(o, "ui.2.type", "choices");
    assert_json_at(o, "ui.2.options",
                   "[{\"id\":\"x\",\"label\":\"Ex\"},{\"id\":\"y\",\"label\":\"Why\"}]");
    assert_null(t_get(o, "action"));
    assert_null(t_get(o, "escalation"));
    cJSON_Delete(o);

    /* ui holds only what was shown since the previous event. */
    o = t_send(s, "{\"type\":\"choose\",\"option\":\"y\"}");
    t_assert_str(o, "status", "resolved");
    t_assert_str(o, "step", "other");
    assert_ui_len(o, 1);
    t_assert_str(o, "ui.0.text", "Other");
    assert_null(t_get(o, "expects"));
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void say_components_are_passed_through_after_the_text(void **state)
{
    hf_engine *e = engine_with(
        "return flow 'comp' { start = 'a', steps = {\n"
        "  a = say { text = 'Your cards',\n"
        "    components = {\n"
        "      { type = 'card', title = 'Visa debit', last4 = '4242', frozen = true },\n"
        "      { type = 'list', items = { 'one', 'two' } },\n"
        "      { type = 'link', label = 'Open cards', url = 'app://cards' } },\n"
        "    go = 'b' },\n"
        "  b = say { text = 'More', components = function(ctx)\n"
        "      return { { type = 'card', title = ctx.name } } end,\n"
        "    choices = { { id = 'ok', label = 'OK', go = 'c' } } },\n"
        "  c = resolved { text = 'Done' } } }\n");
    hf_session *s = t_start(e, "comp", "{\"name\":\"Ann\"}");
    cJSON *o = t_output(s);
    assert_ui_len(o, 7);
    t_assert_str(o, "ui.0.text", "Your cards");
    t_assert_str(o, "ui.1.type", "card");
    t_assert_str(o, "ui.1.title", "Visa debit");
    t_assert_str(o, "ui.1.last4", "4242");
    assert_true(cJSON_IsTrue(t_get(o, "ui.1.frozen")));
    t_assert_str(o, "ui.2.type", "list");
    assert_json_at(o, "ui.2.items", "[\"one\",\"two\"]");
    t_assert_str(o, "ui.3.type", "link");
    t_assert_str(o, "ui.3.url", "app://cards");
    t_assert_str(o, "ui.3.label", "Open cards");
    t_assert_str(o, "ui.4.text", "More");
    t_assert_str(o, "ui.5.type", "card");
    t_assert_str(o, "ui.5.title", "Ann");
    t_assert_str(o, "ui.6.type", "choices");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void text_and_labels_may_be_functions_of_ctx(void **state)
{
    hf_engine *e = engine_with(
        "return flow 'fn' { start = 'a', steps = {\n"
        "  a = say { text = function(ctx) return 'Hi ' .. ctx.name .. '.' end,\n"
        "    choices = { { id = 'c', label = function(ctx) return 'Card ' .. ctx.last4 end,\n"
        "                  go = 'b' } } },\n"
        "  b = resolved { text = function(ctx) return 'Bye ' .. ctx.name end } } }\n");
    hf_session *s = t_start(e, "fn", "{\"name\":\"Ann\",\"last4\":\"4242\"}");
    cJSON *o = t_output(s);
    t_assert_str(o, "ui.0.text", "Hi Ann.");
    assert_json_at(o, "ui.1.options", "[{\"id\":\"c\",\"label\":\"Card 4242\"}]");
    cJSON_Delete(o);
    o = t_send(s, "{\"type\":\"choose\",\"option\":\"c\"}");
    t_assert_str(o, "ui.0.text", "Bye Ann");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void choice_set_updates_context_and_choice_may_use_step_go(void **state)
{
    hf_engine *e = engine_with(
        "return flow 'cs' { start = 'a', steps = {\n"
        "  a = say { text = 'Which?', go = 'fin', choices = {\n"
        "    { id = 'one', label = 'One', set = { picked = 'one', n = 1 } },\n"
        "    { id = 'two', label = 'Two',\n"
        "      set = { picked = 'two', n = function(ctx) return ctx.base + 1 end } },\n"
        "    { id = 'other', label = 'Other', go = 'elsewhere' } } },\n"
        "  fin = escalate { reason = 'check' },\n"
        "  elsewhere = resolved { text = 'Elsewhere' } } }\n");
    hf_session *s = t_start(e, "cs", "{\"base\":41}");
    cJSON *o = t_send(s, "{\"type\":\"choose\",\"option\":\"two\"}");
    expect_escalated(o, "check");
    t_assert_str(o, "step", "fin");
    t_assert_str(o, "escalation.collected.picked", "two");
    assert_int_equal((int)t_num(o, "escalation.collected.n"), 42);
    assert_int_equal((int)t_num(o, "escalation.collected.base"), 41);
    cJSON_Delete(o);
    hf_session_free(s);

    s = t_start(e, "cs", "{\"base\":41}");
    o = t_send(s, "{\"type\":\"choose\",\"option\":\"one\"}");
    t_assert_str(o, "escalation.collected.picked", "one");
    assert_int_equal((int)t_num(o, "escalation.collected.n"), 1);
    cJSON_Delete(o);
    hf_session_free(s);

    s = t_start(e, "cs", NULL);
    o = t_send(s, "{\"type\":\"choose\",\"option\":\"other\"}");
    t_assert_str(o, "status", "resolved");
    t_assert_str(o, "step", "elsewhere");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* ---------------------------------------------------------------------------------------- */
/* ask                                                                                        */

static void load_ask_flow(hf_engine *e, const char *type)
{
    char src[512];
    snprintf(src, sizeof src,
             "return flow 'ask_%s' { start = 'q', steps = {\n"
             "  q = ask { text = 'Value?', input = '%s', save = 'v', go = 'fin' },\n"
             "  fin = escalate { reason = 'check' } } }\n",
             type, type);
    t_load(e, src);
}

static hf_engine *ask_engine(void)
{
    hf_engine *e = t_engine();
    static const char *types[] = { "text", "number", "money", "date", "email", "phone" };
    for (size_t i = 0; i < 6; i++)
        load_ask_flow(e, types[i]);
    return e;
}

/* Sends value (a JSON value) to a fresh ask of type; checks the saved value prints as want. */
static void ask_saves(hf_engine *e, const char *type, const char *value, const char *want)
{
    char flow[32];
    snprintf(flow, sizeof flow, "ask_%s", type);
    hf_session *s = t_start(e, flow, NULL);
    cJSON *o = t_output(s);
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "expects.kind", "input");
    t_assert_str(o, "expects.input", type);
    cJSON_Delete(o);
    char ev[4096];
    snprintf(ev, sizeof ev, "{\"type\":\"input\",\"value\":%s}", value);
    o = t_send(s, ev);
    if (strcmp(t_str(o, "status"), "escalated") != 0) {
        char *txt = cJSON_PrintUnformatted(o);
        fail_msg("%s input %s was not accepted: %s", type, value, txt);
    }
    assert_json_at(o, "escalation.collected.v", want);
    cJSON_Delete(o);
    hf_session_free(s);
}

/* Sends value to a fresh ask of type; checks it is refused with a re-ask. */
static void ask_refuses(hf_engine *e, const char *type, const char *value)
{
    char flow[32];
    snprintf(flow, sizeof flow, "ask_%s", type);
    hf_session *s = t_start(e, flow, NULL);
    char ev[4096];
    snprintf(ev, sizeof ev, "{\"type\":\"input\",\"value\":%s}", value);
    cJSON *o = t_send(s, ev);
    if (strcmp(t_str(o, "status"), "waiting") != 0) {
        char *txt = cJSON_PrintUnformatted(o);
        fail_msg("%s input %s was accepted: %s", type, value, txt);
    }
    t_assert_str(o, "step", "q");
    t_assert_str(o, "expects.kind", "input");
    assert_ui_len(o, 3);
    t_assert_str(o, "ui.0.type", "error");
    assert_true(strlen(t_str(o, "ui.0.text")) > 0);
    t_assert_str(o, "ui.1.type", "text");
    t_assert_str(o, "ui.1.text", "Value?");
    t_assert_str(o, "ui.2.type", "input");
    cJSON_Delete(o);
    hf_session_free(s);
}

static void ask_shows_question_and_input_and_waits(void **state)
{
    hf_engine *e = ask_engine();
    hf_session *s = t_start(e, "ask_money", NULL);
    cJSON *o = t_output(s);
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "step", "q");
    t_assert_str(o, "expects.kind", "input");
    t_assert_str(o, "expects.input", "money");
    assert_ui_len(o, 2);
    t_assert_str(o, "ui.0.type", "text");
    t_assert_str(o, "ui.0.text", "Value?");
    t_assert_str(o, "ui.1.type", "input");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void ask_text_accepts_non_empty_up_to_1000_bytes(void **state)
{
    hf_engine *e = ask_engine();
    ask_saves(e, "text", "\"hello there\"", "\"hello there\"");
    ask_refuses(e, "text", "\"\"");
    ask_refuses(e, "text", "\"   \"");
    char v[1100], w[1100];
    memset(v, 0, sizeof v);
    v[0] = '"';
    memset(v + 1, 'a', 1000);
    v[1001] = '"';
    ask_saves(e, "text", v, v);
    memset(w, 0, sizeof w);
    w[0] = '"';
    memset(w + 1, 'a', 1001);
    w[1002] = '"';
    ask_refuses(e, "text", w);
    hf_engine_free(e);
}

static void ask_number_saves_a_number(void **state)
{
    hf_engine *e = ask_engine();
    ask_saves(e, "number", "\"42\"", "42");
    ask_saves(e, "number", "\"-3.5\"", "-3.5");
    ask_saves(e, "number", "7", "7");
    ask_saves(e, "number", "-2.25", "-2.25");
    ask_refuses(e, "number", "\"abc\"");
    ask_refuses(e, "number", "\"12abc\"");
    ask_refuses(e, "number", "\"\"");
    ask_refuses(e, "number", "\"1.2.3\"");
    hf_engine_free(e);
}

static void ask_money_saves_a_number_to_two_decimals(void **state)
{
    hf_engine *e = ask_engine();
    ask_saves(e, "money", "\"12.5\"", "12.5");
    ask_saves(e, "money", "\"12.50\"", "12.5");
    ask_saves(e, "money", "\"\\u00a31,234.56\"", "1234.56"); /* £1,234.56 */
    ask_saves(e, "money", "\"£1,234.56\"", "1234.56");
    ask_saves(e, "money", "\"$5\"", "5");
    ask_saves(e, "money", "\"€0.99\"", "0.99");
    ask_saves(e, "money", "\"1,000,000\"", "1000000");
    ask_saves(e, "money", "\"0\"", "0");
    ask_saves(e, "money", "12.5", "12.5");
    ask_refuses(e, "money", "\"-5\"");
    ask_refuses(e, "money", "\"12.345\"");
    ask_refuses(e, "money", "\"twelve\"");
    ask_refuses(e, "money", "\"£\"");
    ask_refuses(e, "money", "\"\"");
    ask_refuses(e, "money", "-1");
    hf_engine_free(e);
}

static void ask_date_saves_iso_date_of_a_real_day(void **state)
{
    hf_engine *e = ask_engine();
    ask_saves(e, "date", "\"2024-02-01\"", "\"2024-02-01\"");
    ask_saves(e, "date", "\"01/02/2024\"", "\"2024-02-01\"");
    ask_saves(e, "date", "\"29/02/2024\"", "\"2024-02-29\"");
    ask_saves(e, "date", "\"2000-02-29\"", "\"2000-02-29\"");
    ask_refuses(e, "date", "\"2023-02-29\"");
    ask_refuses(e, "date", "\"1900-02-29\"");
    ask_refuses(e, "date", "\"31/04/2024\"");
    ask_refuses(e, "date", "\"2024-13-01\"");
    ask_refuses(e, "date", "\"2024-00-10\"");
    ask_refuses(e, "date", "\"2024-01-32\"");
    ask_refuses(e, "date", "\"tomorrow\"");
    ask_refuses(e, "date", "\"\"");
    ask_refuses(e, "date", "20240201");
    hf_engine_free(e);
}

static void ask_email_and_phone(void **state)
{
    hf_engine *e = ask_engine();
    ask_saves(e, "email", "\"ann@example.com\"", "\"ann@example.com\"");
    ask_refuses(e, "email", "\"ann\"");
    ask_refuses(e, "email", "\"ann@\"");
    ask_refuses(e, "email", "\"@example.com\"");
    ask_refuses(e, "email", "\"\"");

    ask_saves(e, "phone", "\"+44 (0)20 7946-0958\"", "\"+4402079460958\"");
    ask_saves(e, "phone", "\"07946 095 800\"", "\"07946095800\"");
    ask_saves(e, "phone", "\"1234567\"", "\"1234567\"");
    ask_saves(e, "phone", "\"123456789012345\"", "\"123456789012345\"");
    ask_refuses(e, "phone", "\"123456\"");
    ask_refuses(e, "phone", "\"1234567890123456\"");
    ask_refuses(e, "phone", "\"call me maybe\"");
    ask_refuses(e, "phone", "\"0794x6095800\"");
    hf_engine_free(e);
}

static const char *FLOW_VALIDATE =
    "return flow 'val' { start = 'q', steps = {\n"
    "  q = ask { text = 'How much?', input = 'number', save = 'n', go = 'fin',\n"
    "    validate = function(v, ctx)\n"
    "      if v > ctx.limit then return false, 'That is over your limit.' end\n"
    "      if v == 13 then return nil, 'Unlucky.' end\n"
    "      if v == 7 then return false end\n"
    "      return true end },\n"
    "  fin = escalate { reason = 'check' } } }\n";

static void validate_false_shows_error_then_question_then_input(void **state)
{
    hf_engine *e = engine_with(FLOW_VALIDATE);
    hf_session *s = t_start(e, "val", "{\"limit\":100}");
    cJSON *o = t_send(s, "{\"type\":\"input\",\"value\":\"500\"}");
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "step", "q");
    assert_ui_len(o, 3);
    t_assert_str(o, "ui.0.type", "error");
    t_assert_str(o, "ui.0.text", "That is over your limit.");
    t_assert_str(o, "ui.1.type", "text");
    t_assert_str(o, "ui.1.text", "How much?");
    t_assert_str(o, "ui.2.type", "input");
    cJSON_Delete(o);

    o = t_send(s, "{\"type\":\"input\",\"value\":\"13\"}");
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "ui.0.type", "error");
    t_assert_str(o, "ui.0.text", "Unlucky.");
    cJSON_Delete(o);

    o = t_send(s, "{\"type\":\"input\",\"value\":\"50\"}");
    expect_escalated(o, "check");
    assert_int_equal((int)t_num(o, "escalation.collected.n"), 50);
    cJSON_Delete(o);
    hf_session_free(s);

    /* false without a message still refuses, with some message. */
    s = t_start(e, "val", "{\"limit\":100}");
    o = t_send(s, "{\"type\":\"input\",\"value\":7}");
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "ui.0.type", "error");
    assert_true(strlen(t_str(o, "ui.0.text")) > 0);
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void ask_type_check_runs_before_validate(void **state)
{
    /* validate compares v with a number: a non-number reaching it would be a flow_error. */
    hf_engine *e = engine_with(FLOW_VALIDATE);
    hf_session *s = t_start(e, "val", "{\"limit\":100}");
    cJSON *o = t_send(s, "{\"type\":\"input\",\"value\":\"lots\"}");
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "ui.0.type", "error");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void ask_may_route_with_next(void **state)
{
    hf_engine *e = engine_with(
        "return flow 'an' { start = 'q', steps = {\n"
        "  q = ask { text = 'Amount?', input = 'money', save = 'amount', next = {\n"
        "    { when = function(ctx) return ctx.amount > 100 end, go = 'big' },\n"
        "    { go = 'small' } } },\n"
        "  big = resolved { text = 'Big' },\n"
        "  small = resolved { text = 'Small' } } }\n");
    hf_session *s = t_start(e, "an", NULL);
    cJSON *o = t_send(s, "{\"type\":\"input\",\"value\":\"150.00\"}");
    t_assert_str(o, "step", "big");
    cJSON_Delete(o);
    hf_session_free(s);
    s = t_start(e, "an", NULL);
    o = t_send(s, "{\"type\":\"input\",\"value\":\"99.99\"}");
    t_assert_str(o, "step", "small");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* ---------------------------------------------------------------------------------------- */
/* action                                                                                     */

static const char *FLOW_ACTION =
    "return flow 'act' { start = 'get', steps = {\n"
    "  get = action { call = 'cards.get_status',\n"
    "    args = function(ctx) return { card_id = ctx.card_id, n = 3 } end,\n"
    "    save = 'card',\n"
    "    next = { { when = function(ctx) return ctx.card.frozen end, go = 'frozen' },\n"
    "             { go = 'other' } },\n"
    "    on_error = 'cant' },\n"
    "  other = action { call = 'cards.other', save = 'other', go = 'fin' },\n"
    "  frozen = resolved { text = 'Frozen' },\n"
    "  cant = escalate { reason = 'status_unavailable' },\n"
    "  fin = escalate { reason = 'check' } } }\n";

static void action_asks_host_with_sequential_ids_and_args(void **state)
{
    hf_engine *e = engine_with(FLOW_ACTION);
    hf_session *s = t_start(e, "act", "{\"card_id\":\"c_1\"}");
    cJSON *o = t_output(s);
    t_assert_str(o, "status", "action");
    t_assert_str(o, "step", "get");
    t_assert_str(o, "expects.kind", "result");
    t_assert_str(o, "action.id", "a1");
    t_assert_str(o, "action.name", "cards.get_status");
    t_assert_str(o, "action.args.card_id", "c_1");
    assert_int_equal((int)t_num(o, "action.args.n"), 3);
    assert_ui_len(o, 0);
    cJSON_Delete(o);
    assert_int_equal(hf_session_status(s), HF_STATUS_ACTION);

    o = t_send(s,
               "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true,\"data\":{\"frozen\":false}}");
    t_assert_str(o, "status", "action");
    t_assert_str(o, "step", "other");
    t_assert_str(o, "action.id", "a2");
    t_assert_str(o, "action.name", "cards.other");
    assert_json_at(o, "action.args", "{}");
    cJSON_Delete(o);

    /* ok without data saves null. */
    o = t_send(s, "{\"type\":\"result\",\"action\":\"a2\",\"ok\":true}");
    expect_escalated(o, "check");
    assert_json_at(o, "escalation.collected.card", "{\"frozen\":false}");
    assert_json_at(o, "escalation.collected.other", "null");
    cJSON_Delete(o);
    hf_session_free(s);

    /* The first truthy branch decides; ids start again at a1 in a new session. */
    s = t_start(e, "act", "{\"card_id\":\"c_2\"}");
    o = t_output(s);
    t_assert_str(o, "action.id", "a1");
    t_assert_str(o, "action.args.card_id", "c_2");
    cJSON_Delete(o);
    o = t_send(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true,\"data\":{\"frozen\":true}}");
    t_assert_str(o, "status", "resolved");
    t_assert_str(o, "step", "frozen");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void action_failure_goes_to_on_error_and_saves_the_error(void **state)
{
    hf_engine *e = engine_with(FLOW_ACTION);
    hf_session *s = t_start(e, "act", "{\"card_id\":\"c_1\"}");
    cJSON *o =
        t_send(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":false,\"error\":\"timeout\"}");
    expect_escalated(o, "status_unavailable");
    t_assert_str(o, "step", "cant");
    assert_json_at(o, "escalation.collected.card", "{\"error\":\"timeout\"}");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void action_step_set_applies_on_go(void **state)
{
    hf_engine *e = engine_with(
        "return flow 'as' { start = 'a', steps = {\n"
        "  a = action { call = 'x.y', save = 'r', go = 'fin',\n"
        "    set = { seen = function(ctx) return ctx.r.n + 1 end, tag = 'set' } },\n"
        "  fin = escalate { reason = 'check' } } }\n");
    hf_session *s = t_start(e, "as", NULL);
    cJSON *o = t_send(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true,\"data\":{\"n\":41}}");
    expect_escalated(o, "check");
    assert_int_equal((int)t_num(o, "escalation.collected.seen"), 42);
    t_assert_str(o, "escalation.collected.tag", "set");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* ---------------------------------------------------------------------------------------- */
/* decide                                                                                     */

static void decide_takes_the_first_truthy_branch(void **state)
{
    hf_engine *e = engine_with(
        "return flow 'dec' { start = 'd', steps = {\n"
        "  d = decide { next = {\n"
        "    { when = function(ctx) return ctx.n > 10 end, go = 'big' },\n"
        "    { when = function(ctx) return ctx.n > 5 end, go = 'mid' },\n"
        "    { go = 'small' } } },\n"
        "  big = resolved { text = 'big' },\n"
        "  mid = resolved { text = 'mid' },\n"
        "  small = resolved { text = 'small' } } }\n");
    static const struct { const char *ctx, *step; } cases[] = {
        { "{\"n\":20}", "big" }, { "{\"n\":7}", "mid" }, { "{\"n\":1}", "small" },
        { "{\"n\":11}", "big" }, { "{\"n\":6}", "mid" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hf_session *s = t_start(e, "dec", cases[i].ctx);
        cJSON *o = t_output(s);
        t_assert_str(o, "status", "resolved");
        t_assert_str(o, "step", cases[i].step);
        assert_ui_len(o, 1);
        t_assert_str(o, "ui.0.text", cases[i].step);
        cJSON_Delete(o);
        hf_session_free(s);
    }
    hf_engine_free(e);
}

static void decide_with_no_branch_taken_escalates_flow_error(void **state)
{
    hf_engine *e = engine_with(
        "return flow 'none' { start = 'd', steps = {\n"
        "  d = decide { next = {\n"
        "    { when = function(ctx) return ctx.a end, go = 'x' },\n"
        "    { when = function(ctx) return false end, go = 'x' } } },\n"
        "  x = resolved { text = 'x' } } }\n");
    hf_session *s = t_start(e, "none", NULL);
    cJSON *o = t_output(s);
    expect_escalated(o, "flow_error");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* ---------------------------------------------------------------------------------------- */
/* call                                                                                       */

static const char *FLOW_SUB =
    "return flow 'sub' { start = 's1', steps = {\n"
    "  s1 = say { text = function(ctx) return 'Sub sees ' .. ctx.name end, choices = {\n"
    "    { id = 'ok', label = 'OK', go = 'sdone', set = { from_sub = 'yes' } },\n"
    "    { id = 'no', label = 'No', go = 'sesc' } } },\n"
    "  sdone = resolved { text = 'Sub done' },\n"
    "  sesc = escalate { reason = 'sub_failed', skills = { 'sub_team' },\n"
    "                    priority = 'urgent' } } }\n";

static const char *FLOW_MAIN =
    "return flow 'main' { start = 'intro', steps = {\n"
    "  intro = say { text = 'Main intro', go = 'c' },\n"
    "  c = call { flow = 'sub', go = 'after' },\n"
    "  after = say { text = function(ctx) return 'Back: ' .. ctx.from_sub end,\n"
    "    choices = { { id = 'fin', label = 'Fin', go = 'done' } } },\n"
    "  done = resolved { text = 'Main done' } } }\n";

static void call_runs_subflow_and_its_resolved_end_continues_at_go(void **state)
{
    hf_engine *e = engine_with(FLOW_SUB);
    t_load(e, FLOW_MAIN);
    hf_session *s = t_start(e, "main", "{\"name\":\"Ann\"}");
    cJSON *o = t_output(s);
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "step", "s1");
    assert_ui_len(o, 3);
    t_assert_str(o, "ui.0.text", "Main intro");
    t_assert_str(o, "ui.1.text", "Sub sees Ann");
    t_assert_str(o, "ui.2.type", "choices");
    cJSON_Delete(o);

    o = t_send(s, "{\"type\":\"choose\",\"option\":\"ok\"}");
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "flow", "main");
    t_assert_str(o, "step", "after");
    assert_ui_len(o, 3);
    t_assert_str(o, "ui.0.text", "Sub done");
    t_assert_str(o, "ui.1.text", "Back: yes"); /* the subflow shares the context */
    t_assert_str(o, "ui.2.type", "choices");
    cJSON_Delete(o);

    o = t_send(s, "{\"type\":\"choose\",\"option\":\"fin\"}");
    t_assert_str(o, "status", "resolved");
    t_assert_str(o, "step", "done");
    t_assert_str(o, "ui.0.text", "Main done");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void call_subflow_escalation_escalates_the_session(void **state)
{
    hf_engine *e = engine_with(FLOW_SUB);
    t_load(e, FLOW_MAIN);
    hf_session *s = t_start(e, "main", "{\"name\":\"Ann\"}");
    cJSON *o = t_send(s, "{\"type\":\"choose\",\"option\":\"no\"}");
    expect_escalated(o, "sub_failed");
    assert_int_equal(hf_session_status(s), HF_STATUS_ESCALATED);
    assert_json_at(o, "escalation.skills", "[\"sub_team\"]");
    t_assert_str(o, "escalation.priority", "urgent");
    cJSON *path = t_get(o, "escalation.path");
    assert_int_equal(cJSON_GetArraySize(path), 4);
    t_assert_str(o, "escalation.path.0.step", "intro");
    assert_null(t_get(o, "escalation.path.0.flow"));
    t_assert_str(o, "escalation.path.1.step", "c");
    t_assert_str(o, "escalation.path.2.step", "s1");
    t_assert_str(o, "escalation.path.2.flow", "sub");
    t_assert_str(o, "escalation.path.2.choice", "no");
    t_assert_str(o, "escalation.path.3.step", "sesc");
    t_assert_str(o, "escalation.path.3.flow", "sub");
    cJSON_Delete(o);
    /* Events after that are refused: the whole session ended. */
    t_reject(s, "{\"type\":\"tick\"}", 15, HF_EFINISHED, "finished");
    hf_session_free(s);
    hf_engine_free(e);
}

static void call_deeper_than_max_call_depth_escalates_flow_error(void **state)
{
    hf_engine_options opts;
    assert_int_equal(hf_engine_options_init(&opts, HF_ENGINE_OPTIONS_VERSION), HF_OK);
    opts.max_call_depth = 2;
    hf_engine *e = NULL;
    assert_int_equal(hf_engine_new(&e, &opts), HF_OK);
    t_load(e, "return flow 'd3' { start = 'r', steps = { r = resolved { text = 'd3' } } }");
    t_load(e, "return flow 'd2' { start = 'c', steps = { c = call { flow = 'd3', go = 'r' },"
              " r = resolved { text = 'd2' } } }");
    t_load(e, "return flow 'd1' { start = 'c', steps = { c = call { flow = 'd2', go = 'r' },"
              " r = resolved { text = 'd1' } } }");
    t_load(e, "return flow 'd0' { start = 'c', steps = { c = call { flow = 'd1', go = 'r' },"
              " r = resolved { text = 'd0' } } }");
    hf_session *s = t_start(e, "d1", NULL);
    cJSON *o = t_output(s);
    t_assert_str(o, "status", "resolved");
    t_assert_str(o, "step", "r");
    assert_ui_len(o, 3);
    t_assert_str(o, "ui.0.text", "d3");
    t_assert_str(o, "ui.1.text", "d2");
    t_assert_str(o, "ui.2.text", "d1");
    cJSON_Delete(o);
    hf_session_free(s);

    s = t_start(e, "d0", NULL);
    o = t_output(s);
    expect_escalated(o, "flow_error");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* ---------------------------------------------------------------------------------------- */
/* wait                                                                                       */

static const char *FLOW_WAIT =
    "return flow 'wt' { start = 'w', steps = {\n"
    "  w = wait { text = 'Waiting for the bank', event = 'bank.done', timeout = 600,\n"
    "    go = 'ok', on_timeout = 'late' },\n"
    "  ok = resolved { text = 'On time' },\n"
    "  late = resolved { text = 'Too late' } } }\n";

static void wait_for_event_moves_on_when_it_arrives(void **state)
{
    hf_engine *e = engine_with(FLOW_WAIT);
    hf_session *s = t_start(e, "wt", "{\"at\":1000}");
    cJSON *o = t_output(s);
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "step", "w");
    assert_json_at(o, "expects", "{\"kind\":\"event\",\"event\":\"bank.done\",\"deadline\":1600}");
    t_assert_str(o, "ui.0.text", "Waiting for the bank");
    cJSON_Delete(o);
    o = t_send(s,
               "{\"type\":\"event\",\"name\":\"bank.done\",\"data\":{\"ref\":\"r1\"},\"at\":1200}");
    t_assert_str(o, "status", "resolved");
    t_assert_str(o, "step", "ok");
    t_assert_str(o, "ui.0.text", "On time");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void wait_event_data_is_saved_when_the_step_has_save(void **state)
{
    hf_engine *e = engine_with(
        "return flow 'ws' { start = 'w', steps = {\n"
        "  w = wait { event = 'identity.verified', save = 'idv', go = 'fin' },\n"
        "  fin = escalate { reason = 'check' } } }\n");
    hf_session *s = t_start(e, "ws", NULL);
    cJSON *o =
        t_send(s, "{\"type\":\"event\",\"name\":\"identity.verified\",\"data\":{\"level\":2}}");
    expect_escalated(o, "check");
    assert_json_at(o, "escalation.collected.idv", "{\"level\":2}");
    t_assert_str(o, "escalation.path.0.step", "w");
    t_assert_str(o, "escalation.path.0.event", "identity.verified");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void wait_timeout_fires_at_the_deadline(void **state)
{
    hf_engine *e = engine_with(FLOW_WAIT);
    hf_session *s = t_start(e, "wt", "{\"at\":1000}");
    cJSON *o = t_send(s, "{\"type\":\"tick\",\"at\":1599}");
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "step", "w");
    cJSON_Delete(o);
    o = t_send(s, "{\"type\":\"tick\",\"at\":1600}");
    t_assert_str(o, "status", "resolved");
    t_assert_str(o, "step", "late");
    t_assert_str(o, "ui.0.text", "Too late");
    cJSON_Delete(o);
    hf_session_free(s);

    /* Without on_timeout the timeout follows go. */
    hf_engine_free(e);
    e = engine_with(
        "return flow 'wg' { start = 'w', steps = {\n"
        "  w = wait { timeout = 60, go = 'after' },\n"
        "  after = resolved { text = 'After' } } }\n");
    s = t_start(e, "wg", "{\"at\":1000}");
    o = t_output(s);
    assert_json_at(o, "expects", "{\"kind\":\"tick\",\"deadline\":1060}");
    cJSON_Delete(o);
    o = t_send(s, "{\"type\":\"tick\",\"at\":1059}");
    t_assert_str(o, "step", "w");
    t_assert_str(o, "status", "waiting");
    cJSON_Delete(o);
    o = t_send(s, "{\"type\":\"tick\",\"at\":1100}");
    t_assert_str(o, "step", "after");
    t_assert_str(o, "status", "resolved");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void late_event_fires_timeout_first_then_is_handled_by_next_step(void **state)
{
    hf_engine *e = engine_with(
        "return flow 'wl' { start = 'w1', steps = {\n"
        "  w1 = wait { event = 'x', timeout = 60, go = 'early', on_timeout = 'w2' },\n"
        "  w2 = wait { text = 'Still waiting', event = 'x', go = 'fin' },\n"
        "  early = resolved { text = 'Early' },\n"
        "  fin = escalate { reason = 'check' } } }\n");
    hf_session *s = t_start(e, "wl", "{\"at\":1000}");
    cJSON *o = t_send(s, "{\"type\":\"event\",\"name\":\"x\",\"at\":1070}");
    expect_escalated(o, "check");
    t_assert_str(o, "step", "fin");
    assert_int_equal(cJSON_GetArraySize(t_get(o, "escalation.path")), 3);
    t_assert_str(o, "escalation.path.0.step", "w1");
    assert_true(cJSON_IsTrue(t_get(o, "escalation.path.0.timeout")));
    t_assert_str(o, "escalation.path.1.step", "w2");
    t_assert_str(o, "escalation.path.1.event", "x");
    t_assert_str(o, "escalation.path.2.step", "fin");
    cJSON_Delete(o);
    hf_session_free(s);

    /* A tick past the deadline is absorbed by the timeout. */
    s = t_start(e, "wl", "{\"at\":1000}");
    o = t_send(s, "{\"type\":\"tick\",\"at\":1060}");
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "step", "w2");
    t_assert_str(o, "ui.0.text", "Still waiting");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void late_event_that_does_not_fit_after_the_timeout_is_dropped(void **state)
{
    hf_engine *e = engine_with(
        "return flow 'wd' { start = 'w1', steps = {\n"
        "  w1 = wait { event = 'x', timeout = 60, go = 'early', on_timeout = 'menu' },\n"
        "  menu = say { text = 'Too slow',\n"
        "    choices = { { id = 'ok', label = 'OK', go = 'fin' } } },\n"
        "  early = resolved { text = 'Early' },\n"
        "  fin = escalate { reason = 'check' } } }\n");
    hf_session *s = t_start(e, "wd", "{\"at\":1000}");
    cJSON *o = t_send(s, "{\"type\":\"event\",\"name\":\"x\",\"at\":1070}");
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "step", "menu");
    t_assert_str(o, "ui.0.text", "Too slow");
    assert_null(t_get(o, "error"));
    cJSON_Delete(o);
    o = t_send(s, "{\"type\":\"choose\",\"option\":\"ok\"}");
    t_assert_str(o, "escalation.path.0.step", "w1");
    assert_true(cJSON_IsTrue(t_get(o, "escalation.path.0.timeout")));
    assert_null(t_get(o, "escalation.path.0.event"));
    t_assert_str(o, "escalation.path.1.step", "menu");
    t_assert_str(o, "escalation.path.1.choice", "ok");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* ---------------------------------------------------------------------------------------- */
/* resolved / escalate                                                                       */

static void resolved_ends_the_session(void **state)
{
    hf_engine *e = engine_with(
        "return flow 'r' { start = 'r', steps = { r = resolved { text = 'All sorted.' } } }");
    hf_session *s = t_start(e, "r", NULL);
    cJSON *o = t_output(s);
    t_assert_str(o, "status", "resolved");
    t_assert_str(o, "step", "r");
    assert_ui_len(o, 1);
    t_assert_str(o, "ui.0.type", "text");
    t_assert_str(o, "ui.0.text", "All sorted.");
    assert_null(t_get(o, "escalation"));
    assert_null(t_get(o, "action"));
    cJSON_Delete(o);
    assert_int_equal(hf_session_status(s), HF_STATUS_RESOLVED);
    hf_session_free(s);
    hf_engine_free(e);
}

static const char *FLOW_ESC =
    "return flow 'esc' { start = 'a', steps = {\n"
    "  a = say { text = 'A', flags = { 'vulnerable' },\n"
    "    choices = { { id = 'x', label = 'X', go = 'q' } } },\n"
    "  q = ask { text = 'Amount?', input = 'money', save = 'amount', go = 'act' },\n"
    "  act = action { call = 'cards.get', save = 'card', go = 'e' },\n"
    "  e = escalate { reason = 'not_resolved', skills = { 'cards', 'fraud' },\n"
    "    priority = 'high', flags = { 'fraud' }, text = 'Passing you on.',\n"
    "    summary = function(ctx) return 'Card ' .. ctx.card_id .. ' was frozen.' end } } }\n";

static void escalate_step_carries_the_whole_escalation(void **state)
{
    hf_engine *e = engine_with(FLOW_ESC);
    hf_session *s = t_start(e, "esc", "{\"card_id\":\"c_1\",\"at\":1000}");
    cJSON_Delete(t_send(s, "{\"type\":\"choose\",\"option\":\"x\"}"));
    cJSON_Delete(t_send(s, "{\"type\":\"input\",\"value\":\"12.50\"}"));
    cJSON *o =
        t_send(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true,\"data\":{\"frozen\":true}}");
    expect_escalated(o, "not_resolved");
    t_assert_str(o, "step", "e");
    assert_ui_len(o, 1);
    t_assert_str(o, "ui.0.text", "Passing you on.");
    assert_json_at(o, "escalation.skills", "[\"cards\",\"fraud\"]");
    t_assert_str(o, "escalation.priority", "urgent"); /* the step says high; fraud raises it */
    cJSON *flags = t_get(o, "escalation.flags");
    assert_int_equal(cJSON_GetArraySize(flags), 2);
    assert_true(array_has_string(flags, "vulnerable"));
    assert_true(array_has_string(flags, "fraud"));
    t_assert_str(o, "escalation.collected.card_id", "c_1");
    assert_json_at(o, "escalation.collected.amount", "12.5");
    assert_json_at(o, "escalation.collected.card", "{\"frozen\":true}");
    assert_int_equal(cJSON_GetArraySize(t_get(o, "escalation.path")), 4);
    t_assert_str(o, "escalation.path.0.step", "a");
    t_assert_str(o, "escalation.path.0.choice", "x");
    t_assert_str(o, "escalation.path.1.step", "q");
    assert_non_null(t_get(o, "escalation.path.1.input"));
    t_assert_str(o, "escalation.path.2.step", "act");
    assert_json_at(o, "escalation.path.2.result", "{\"frozen\":true}");
    t_assert_str(o, "escalation.path.3.step", "e");
    t_assert_str(o, "escalation.summary", "Card c_1 was frozen.");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void escalate_defaults_priority_normal_and_empty_lists(void **state)
{
    hf_engine *e = engine_with(
        "return flow 'ed' { start = 'e', steps = { e = escalate { reason = 'plain' } } }");
    hf_session *s = t_start(e, "ed", NULL);
    cJSON *o = t_output(s);
    expect_escalated(o, "plain");
    t_assert_str(o, "escalation.priority", "normal");
    assert_json_at(o, "escalation.skills", "[]");
    assert_json_at(o, "escalation.flags", "[]");
    assert_json_at(o, "escalation.collected", "{}");
    assert_json_at(o, "escalation.path", "[{\"step\":\"e\"}]");
    assert_true(cJSON_IsString(t_get(o, "escalation.summary")));
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* ---------------------------------------------------------------------------------------- */
/* set, context                                                                               */

static void set_stores_constants_and_function_results(void **state)
{
    hf_engine *e = engine_with(
        "return flow 'set' { start = 'a', steps = {\n"
        "  a = say { text = 'A', go = 'b', set = { one = 1, two = 'two', flag = true,\n"
        "    list = { 1, 2, 3 }, obj = { k = 'v' }, empty = {},\n"
        "    made = function(ctx) return {} end,\n"
        "    double = function(ctx) return ctx.base * 2 end } },\n"
        "  b = decide { next = {\n"
        "    { when = function(ctx) return ctx.one == 1 end, go = 'c',\n"
        "      set = { via_next = function(ctx) return ctx.two .. '!' end } },\n"
        "    { go = 'c' } } },\n"
        "  c = escalate { reason = 'check' } } }\n");
    hf_session *s = t_start(e, "set", "{\"base\":21}");
    cJSON *o = t_output(s);
    expect_escalated(o, "check");
    assert_json_at(o, "escalation.collected.one", "1");
    assert_json_at(o, "escalation.collected.two", "\"two\"");
    assert_json_at(o, "escalation.collected.flag", "true");
    assert_json_at(o, "escalation.collected.list", "[1,2,3]");
    assert_json_at(o, "escalation.collected.obj", "{\"k\":\"v\"}");
    assert_json_at(o, "escalation.collected.double", "42");
    assert_json_at(o, "escalation.collected.empty", "{}");
    assert_json_at(o, "escalation.collected.made", "{}");
    assert_json_at(o, "escalation.collected.via_next", "\"two!\"");
    assert_json_at(o, "escalation.collected.base", "21");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* Whatever a guard does to its ctx, save and set are the only ways to change the context. */
static void changes_flow_functions_make_to_ctx_are_not_kept(void **state)
{
    hf_engine *e = engine_with(
        "return flow 'cp' { start = 'a', steps = {\n"
        "  a = decide { next = {\n"
        "    { when = function(ctx)\n"
        "        pcall(function() ctx.hacked = true end)\n"
        "        pcall(function() ctx.list[1] = 'changed' end)\n"
        "        pcall(function() ctx.nested.deep = 'changed' end)\n"
        "        return false end,\n"
        "      go = 'x' },\n"
        "    { when = function(ctx) return ctx.hacked == nil and ctx.list[1] == 'orig' end,\n"
        "      go = 'b' },\n"
        "    { go = 'x' } } },\n"
        "  b = escalate { reason = 'check' },\n"
        "  x = resolved { text = 'x' } } }\n");
    hf_session *s = t_start(e, "cp", "{\"list\":[\"orig\"],\"nested\":{\"deep\":\"orig\"}}");
    cJSON *o = t_output(s);
    expect_escalated(o, "check");
    assert_null(t_get(o, "escalation.collected.hacked"));
    assert_json_at(o, "escalation.collected.list", "[\"orig\"]");
    assert_json_at(o, "escalation.collected.nested", "{\"deep\":\"orig\"}");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* docs/semantics.md: flow functions get ctx read-only; assigning to it is a flow_error. */
static void assigning_to_ctx_in_a_flow_function_escalates_flow_error(void **state)
{
    static const char *writes[] = { "ctx.n = 2", "ctx.list[1] = 'changed'", "ctx.fresh = {}",
                                    "ctx.nested.deep = 1", "table.insert(ctx.list, 'x')" };
    hf_engine *e = t_engine();
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        char src[512];
        snprintf(src, sizeof src,
                 "return flow 'cw%zu' { start = 'a', steps = {\n"
                 "  a = decide { next = { { when = function(ctx) %s; return true end, go = 'b' },\n"
                 "                        { go = 'b' } } },\n"
                 "  b = escalate { reason = 'check' } } }\n",
                 i, writes[i]);
        t_load(e, src);
        char id[16];
        snprintf(id, sizeof id, "cw%zu", i);
        hf_session *s = t_start(e, id, "{\"n\":1,\"list\":[\"orig\"],\"nested\":{\"deep\":0}}");
        cJSON *o = t_output(s);
        if (strcmp(t_str(o, "escalation.reason"), "flow_error") != 0)
            fail_msg("{ %s } in a guard: %s", writes[i], hf_session_output(s, NULL));
        assert_true(strlen(t_str(o, "escalation.error")) > 0);
        assert_json_at(o, "escalation.collected.n", "1");
        assert_json_at(o, "escalation.collected.list", "[\"orig\"]");
        assert_json_at(o, "escalation.collected.nested", "{\"deep\":0}");
        cJSON_Delete(o);
        hf_session_free(s);
    }
    hf_engine_free(e);
}

static void ctx_reads_like_a_table(void **state)
{
    hf_engine *e = engine_with(
        "return flow 'cr' { start = 'a', steps = {\n"
        "  a = decide { next = {\n"
        "    { when = function(ctx)\n"
        "        local keys = 0\n"
        "        for k, v in pairs(ctx) do keys = keys + 1 end\n"
        "        local sum = 0\n"
        "        for i, v in ipairs(ctx.list) do sum = sum + v end\n"
        "        return type(ctx) == 'table' and type(ctx.card) == 'table' and keys == 3\n"
        "          and #ctx.list == 3 and sum == 6 and ctx.card.frozen == true\n"
        "          and ctx.name == 'Ann' and ctx.absent == nil end, go = 'yes' },\n"
        "    { go = 'no' } } },\n"
        "  yes = resolved { text = 'yes' },\n"
        "  no = resolved { text = 'no' } } }\n");
    hf_session *s =
        t_start(e, "cr", "{\"name\":\"Ann\",\"list\":[1,2,3],\"card\":{\"frozen\":true}}");
    cJSON *o = t_output(s);
    t_assert_str(o, "step", "yes");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* ---------------------------------------------------------------------------------------- */
/* Localised strings                                                                          */

static const char *FLOW_LOC =
    "return flow 'loc' { start = 'a',\n"
    "  strings = { ['en-GB'] = { hello = 'Hello', bye = 'Goodbye', pick = 'Pick' },\n"
    "              ['fr-FR'] = { hello = 'Bonjour', pick = 'Choisir' } },\n"
    "  steps = {\n"
    "    a = say { text = t'hello', go = 'b' },\n"
    "    b = say { text = function(ctx) return t'bye' end,\n"
    "      choices = { { id = 'ok', label = t'pick', go = 'c' } } },\n"
    "    c = resolved { text = 'x' } } }\n";

static void check_loc(hf_engine *e, const char *ctx, const char *hello, const char *bye,
                      const char *pick)
{
    hf_session *s = t_start(e, "loc", ctx);
    cJSON *o = t_output(s);
    t_assert_str(o, "ui.0.text", hello);
    t_assert_str(o, "ui.1.text", bye);
    t_assert_str(o, "ui.2.options.0.label", pick);
    cJSON_Delete(o);
    hf_session_free(s);
}

static void localised_strings_follow_ctx_locale_and_fall_back_to_default(void **state)
{
    hf_engine *e = engine_with(FLOW_LOC);
    check_loc(e, NULL, "Hello", "Goodbye", "Pick");
    check_loc(e, "{\"locale\":\"en-GB\"}", "Hello", "Goodbye", "Pick");
    check_loc(e, "{\"locale\":\"fr-FR\"}", "Bonjour", "Goodbye", "Choisir");
    check_loc(e, "{\"locale\":\"de-DE\"}", "Hello", "Goodbye", "Pick");
    hf_engine_free(e);
}

static void default_locale_is_en_gb_else_first_in_sort_order_else_declared(void **state)
{
    hf_engine *e = engine_with(
        "return flow 'l2' { start = 'a',\n"
        "  strings = { ['fr-FR'] = { hi = 'Salut' }, ['de-DE'] = { hi = 'Hallo' } },\n"
        "  steps = { a = say { text = t'hi',\n"
        "                      choices = { { id = 'ok', label = 'OK', go = 'b' } } },\n"
        "            b = resolved { text = 'x' } } }\n");
    t_load(e,
           "return flow 'l3' { start = 'a', locale = 'fr-FR',\n"
           "  strings = { ['fr-FR'] = { hi = 'Salut' }, ['de-DE'] = { hi = 'Hallo' } },\n"
           "  steps = { a = say { text = t'hi',\n"
           "                      choices = { { id = 'ok', label = 'OK', go = 'b' } } },\n"
           "            b = resolved { text = 'x' } } }\n");
    hf_session *s = t_start(e, "l2", NULL);
    cJSON *o = t_output(s);
    t_assert_str(o, "ui.0.text", "Hallo");
    cJSON_Delete(o);
    hf_session_free(s);
    s = t_start(e, "l2", "{\"locale\":\"fr-FR\"}");
    o = t_output(s);
    t_assert_str(o, "ui.0.text", "Salut");
    cJSON_Delete(o);
    hf_session_free(s);
    s = t_start(e, "l3", NULL);
    o = t_output(s);
    t_assert_str(o, "ui.0.text", "Salut");
    cJSON_Delete(o);
    hf_session_free(s);
    s = t_start(e, "l3", "{\"locale\":\"de-DE\"}");
    o = t_output(s);
    t_assert_str(o, "ui.0.text", "Hallo");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(say_without_choices_flows_on_and_both_texts_show_in_order),
        cmocka_unit_test(say_components_are_passed_through_after_the_text),
        cmocka_unit_test(text_and_labels_may_be_functions_of_ctx),
        cmocka_unit_test(choice_set_updates_context_and_choice_may_use_step_go),
        cmocka_unit_test(ask_shows_question_and_input_and_waits),
        cmocka_unit_test(ask_text_accepts_non_empty_up_to_1000_bytes),
        cmocka_unit_test(ask_number_saves_a_number),
        cmocka_unit_test(ask_money_saves_a_number_to_two_decimals),
        cmocka_unit_test(ask_date_saves_iso_date_of_a_real_day),
        cmocka_unit_test(ask_email_and_phone),
        cmocka_unit_test(validate_false_shows_error_then_question_then_input),
        cmocka_unit_test(ask_type_check_runs_before_validate),
        cmocka_unit_test(ask_may_route_with_next),
        cmocka_unit_test(action_asks_host_with_sequential_ids_and_args),
        cmocka_unit_test(action_failure_goes_to_on_error_and_saves_the_error),
        cmocka_unit_test(action_step_set_applies_on_go),
        cmocka_unit_test(decide_takes_the_first_truthy_branch),
        cmocka_unit_test(decide_with_no_branch_taken_escalates_flow_error),
        cmocka_unit_test(call_runs_subflow_and_its_resolved_end_continues_at_go),
        cmocka_unit_test(call_subflow_escalation_escalates_the_session),
        cmocka_unit_test(call_deeper_than_max_call_depth_escalates_flow_error),
        cmocka_unit_test(wait_for_event_moves_on_when_it_arrives),
        cmocka_unit_test(wait_event_data_is_saved_when_the_step_has_save),
        cmocka_unit_test(wait_timeout_fires_at_the_deadline),
        cmocka_unit_test(late_event_fires_timeout_first_then_is_handled_by_next_step),
        cmocka_unit_test(late_event_that_does_not_fit_after_the_timeout_is_dropped),
        cmocka_unit_test(resolved_ends_the_session),
        cmocka_unit_test(escalate_step_carries_the_whole_escalation),
        cmocka_unit_test(escalate_defaults_priority_normal_and_empty_lists),
        cmocka_unit_test(set_stores_constants_and_function_results),
        cmocka_unit_test(changes_flow_functions_make_to_ctx_are_not_kept),
        cmocka_unit_test(assigning_to_ctx_in_a_flow_function_escalates_flow_error),
        cmocka_unit_test(ctx_reads_like_a_table),
        cmocka_unit_test(localised_strings_follow_ctx_locale_and_fall_back_to_default),
        cmocka_unit_test(default_locale_is_en_gb_else_first_in_sort_order_else_declared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
