/*
 * test_input_words.c — the words of the built-in input checks (docs/semantics.md, "Input
 * messages"): a flow's strings word them per locale under input.<type> and
 * input.<type>.<problem>; a flow that does not keeps the engine's English, byte for byte.
 */
#include "harness.h"

/* An ask of each type, with the customer's words in Welsh for some problems only. The default
 * locale (en-GB) words the phone problem and the nonexistent date; Welsh words input.date but
 * not input.date.no_such_date. */
static const char *FLOW =
    "return flow 'words' { start = 'menu',\n"
    "  strings = {\n"
    "    ['en-GB'] = { q = 'Value?', ['input.phone'] = 'Phone number, please.',\n"
    "                  ['input.date.no_such_date'] = 'No such day.' },\n"
    "    ['cy-GB'] = { q = 'Gwerth?',\n"
    "                  ['input.money'] = 'Rhowch swm, fel 12.50.',\n"
    "                  ['input.date'] = 'Rhowch ddyddiad fel BBBB-MM-DD.',\n"
    "                  ['input.text'] = 'Teipiwch eich ateb.',\n"
    "                  ['input.text.too_long'] = 'Mae hynny\\'n rhy hir.',\n"
    "                  ['input.number'] = 'Rhowch rif.',\n"
    "                  ['input.email'] = 'Rhowch gyfeiriad e-bost.' } },\n"
    "  steps = {\n"
    "    menu = say { text = 'Which?', choices = {\n"
    "      { id = 'text', label = 'T', go = 'text' }, { id = 'number', label = 'N', go = 'number' },\n"
    "      { id = 'money', label = 'M', go = 'money' }, { id = 'date', label = 'D', go = 'date' },\n"
    "      { id = 'email', label = 'E', go = 'email' }, { id = 'phone', label = 'P', go = 'phone' },\n"
    "      { id = 'checked', label = 'C', go = 'checked' } } },\n"
    "    text = ask { text = t'q', input = 'text', save = 'v', go = 'fin' },\n"
    "    number = ask { text = t'q', input = 'number', save = 'v', go = 'fin' },\n"
    "    money = ask { text = t'q', input = 'money', save = 'v', go = 'fin' },\n"
    "    date = ask { text = t'q', input = 'date', save = 'v', go = 'fin' },\n"
    "    email = ask { text = t'q', input = 'email', save = 'v', go = 'fin' },\n"
    "    phone = ask { text = t'q', input = 'phone', save = 'v', go = 'fin' },\n"
    "    checked = ask { text = t'q', input = 'money', save = 'v', go = 'fin',\n"
    "      validate = function(v) return v > 0, 'Over zero, please.' end },\n"
    "    fin = escalate { reason = 'check' } } }\n";

/* Sends value (a JSON value) to a fresh session of locale (NULL: none) at the ask of type;
 * the input must be refused with the error `want`, shown before the question again. */
static void says(hf_engine *e, const char *locale, const char *type, const char *value,
                 const char *want)
{
    char ctx[64], ev[2200];
    if (locale)
        snprintf(ctx, sizeof ctx, "{\"locale\":\"%s\"}", locale);
    hf_session *s = t_start(e, "words", locale ? ctx : NULL);
    snprintf(ev, sizeof ev, "{\"type\":\"choose\",\"option\":\"%s\"}", type);
    cJSON_Delete(t_send(s, ev));
    snprintf(ev, sizeof ev, "{\"type\":\"input\",\"value\":%s}", value);
    cJSON *o = t_send(s, ev);
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "step", type);
    t_assert_str(o, "ui.0.type", "error");
    const char *got = t_str(o, "ui.0.text");
    if (strcmp(got, want) != 0)
        fail_msg("%s, %s input %s: want \"%s\", got \"%s\"", locale ? locale : "no locale", type,
                 value, want, got);
    t_assert_str(o, "ui.1.text", locale && strncmp(locale, "cy", 2) == 0 ? "Gwerth?" : "Value?");
    cJSON_Delete(o);
    hf_session_free(s);
}

static char *long_text(void)
{
    static char v[1100];
    v[0] = '"';
    memset(v + 1, 'x', 1001);
    strcpy(v + 1002, "\"");
    return v;
}

static void the_flow_words_each_problem_in_the_customers_locale(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, FLOW);
    says(e, "cy-GB", "money", "\"twelve\"", "Rhowch swm, fel 12.50.");
    says(e, "cy-GB", "money", "-3", "Rhowch swm, fel 12.50.");
    says(e, "cy-GB", "number", "\"lots\"", "Rhowch rif.");
    says(e, "cy-GB", "date", "\"next week\"", "Rhowch ddyddiad fel BBBB-MM-DD.");
    says(e, "cy-GB", "date", "20260101", "Rhowch ddyddiad fel BBBB-MM-DD."); /* a JSON number */
    says(e, "cy-GB", "email", "\"nope\"", "Rhowch gyfeiriad e-bost.");
    says(e, "cy-GB", "text", "\"   \"", "Teipiwch eich ateb.");
    says(e, "cy-GB", "text", long_text(), "Mae hynny'n rhy hir.");
    /* the same language is enough, as for t"key" */
    says(e, "cy", "money", "\"twelve\"", "Rhowch swm, fel 12.50.");
    hf_engine_free(e);
}

/* A locale that words a type but not one of its problems still says it in that language:
 * its input.<type> comes before the default locale's input.<type>.<problem>. */
static void a_locale_words_a_problem_with_its_types_key(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, FLOW);
    says(e, "cy-GB", "date", "\"31/02/2026\"", "Rhowch ddyddiad fel BBBB-MM-DD.");
    says(e, "en-GB", "date", "\"31/02/2026\"", "No such day.");
    says(e, "en-GB", "date", "\"next week\"", "Please enter a date as YYYY-MM-DD.");
    hf_engine_free(e);
}

/* What the customer's locale does not word, the default locale's strings do, then the engine. */
static void the_default_locale_then_the_engine_word_the_rest(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, FLOW);
    says(e, "cy-GB", "phone", "\"12\"", "Phone number, please.");
    says(e, "fr-FR", "phone", "\"12\"", "Phone number, please.");
    says(e, NULL, "money", "\"twelve\"", "Please enter an amount, like 12.50.");
    says(e, "en-GB", "money", "\"12.345\"", "Please enter an amount, like 12.50.");
    says(e, "en-GB", "number", "\"lots\"", "Please enter a number.");
    says(e, "en-GB", "email", "\"nope\"", "Please enter an email address.");
    says(e, "en-GB", "email", "12", "That doesn't look right.");
    says(e, "en-GB", "text", "\"\"", "Please type your answer.");
    says(e, "en-GB", "text", long_text(), "That's too long: please keep it under 1,000 characters.");
    hf_engine_free(e);
}

/* A flow without strings keeps every built-in message exactly. */
static void a_flow_without_strings_keeps_the_engines_english(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, "return flow 'plain' { start = 'd', steps = {\n"
              "  d = ask { text = 'When?', input = 'date', save = 'v', go = 'fin' },\n"
              "  fin = resolved {} } }\n");
    hf_session *s = t_start(e, "plain", "{\"locale\":\"cy-GB\"}");
    cJSON *o = t_send(s, "{\"type\":\"input\",\"value\":\"30/02/2026\"}");
    t_assert_str(o, "ui.0.text", "That date doesn't exist.");
    cJSON_Delete(o);
    o = t_send(s, "{\"type\":\"input\",\"value\":\"soon\"}");
    t_assert_str(o, "ui.0.text", "Please enter a date as YYYY-MM-DD.");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* The words are the customer's everywhere the problem shows: the re-ask's ui and the path of
 * the escalation when the retries run out. A validate's own message is the flow's, untouched. */
static void the_words_reach_the_escalation_path_too(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, FLOW);
    hf_session *s = t_start(e, "words", "{\"locale\":\"cy-GB\"}");
    cJSON_Delete(t_send(s, "{\"type\":\"choose\",\"option\":\"checked\"}"));
    cJSON *o = t_send(s, "{\"type\":\"input\",\"value\":\"0\"}");
    t_assert_str(o, "ui.0.text", "Over zero, please.");
    cJSON_Delete(o);
    cJSON_Delete(t_send(s, "{\"type\":\"input\",\"value\":\"x\"}"));
    o = t_send(s, "{\"type\":\"input\",\"value\":\"y\"}");
    t_assert_str(o, "status", "escalated");
    t_assert_str(o, "escalation.reason", "input_failed");
    t_assert_str(o, "escalation.path.1.error", "Over zero, please.");
    t_assert_str(o, "escalation.path.2.error", "Rhowch swm, fel 12.50.");
    t_assert_str(o, "escalation.path.3.error", "Rhowch swm, fel 12.50.");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_flow_words_each_problem_in_the_customers_locale),
        cmocka_unit_test(a_locale_words_a_problem_with_its_types_key),
        cmocka_unit_test(the_default_locale_then_the_engine_word_the_rest),
        cmocka_unit_test(a_flow_without_strings_keeps_the_engines_english),
        cmocka_unit_test(the_words_reach_the_escalation_path_too),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
