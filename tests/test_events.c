/*
 * test_events.c — the host protocol's events: every event type, every way an event is refused
 * (with the exact codes of docs/semantics.md, and the session left exactly as it was), the
 * global intents and their overrides, the idle timeout and event time.
 */
#include <dirent.h>

#include "harness.h"

#define REJECT(s, ev, rc, code) t_reject((s), (ev), strlen(ev), (rc), (code))

static const char *FLOW_EV =
    "return flow 'ev' { start = 'route', steps = {\n"
    "  route = decide { next = {\n"
    "    { when = function(c) return c.mode == 'ask' end, go = 'q' },\n"
    "    { when = function(c) return c.mode == 'act' end, go = 'act' },\n"
    "    { when = function(c) return c.mode == 'wait' end, go = 'w' },\n"
    "    { go = 'menu' } } },\n"
    "  menu = say { text = 'Menu', choices = {\n"
    "    { id = 'a', label = 'A', go = 'q' }, { id = 'b', label = 'B', go = 'done' } } },\n"
    "  q = ask { text = 'Amount?', input = 'money', save = 'amt', go = 'act' },\n"
    "  act = action { call = 'do.it', save = 'r', go = 'act2' },\n"
    "  act2 = action { call = 'do.more', go = 'w' },\n"
    "  w = wait { text = 'Hold on', event = 'thing.happened', go = 'done' },\n"
    "  done = resolved { text = 'Done' } } }\n";

static const char *FLOW_INTENTS =
    "return flow 'it' { start = 'menu', steps = {\n"
    "  menu = say { text = 'Menu', choices = {\n"
    "    { id = 'a', label = 'A', go = 'q', set = { picked = 'a' } },\n"
    "    { id = 'b', label = 'B', go = 'fin' } } },\n"
    "  q = ask { text = 'Name?', input = 'text', save = 'name', go = 'menu2' },\n"
    "  menu2 = say { text = 'Menu 2', choices = { { id = 'fin', label = 'Fin', go = 'fin' } } },\n"
    "  fin = escalate { reason = 'check' } } }\n";

static const char *FLOW_ON =
    "return flow 'on' { start = 'menu',\n"
    "  on = { human = 'triage', back = false, help = 'faq' },\n"
    "  steps = {\n"
    "    menu = say { text = 'Menu', choices = { { id = 'a', label = 'A', go = 'q' } } },\n"
    "    q = ask { text = 'Name?', input = 'text', save = 'name', go = 'fin' },\n"
    "    triage = say { text = 'Before we pass you on', choices = {\n"
    "      { id = 'agent', label = 'Agent', go = 'fin' } } },\n"
    "    faq = say { text = 'FAQ', choices = { { id = 'ok', label = 'OK', go = 'menu' } } },\n"
    "    fin = escalate { reason = 'check' } } }\n";

static const char *FLOW_TIME =
    "return flow 'tm' { start = 'menu', steps = {\n"
    "  menu = say { text = 'Menu', choices = { { id = 'w', label = 'Wait', go = 'w' } } },\n"
    "  w = wait { event = 'x', timeout = 100, go = 'done', on_timeout = 'late' },\n"
    "  done = resolved { text = 'Done' },\n"
    "  late = resolved { text = 'Late' } } }\n";

static hf_engine *engine(void)
{
    hf_engine *e = t_engine();
    t_load(e, FLOW_EV);
    t_load(e, FLOW_INTENTS);
    t_load(e, FLOW_ON);
    t_load(e, FLOW_TIME);
    return e;
}

/* A session of 'ev' waiting in the given mode: menu (choice), ask, act (action a1), wait. */
static hf_session *ev_session(hf_engine *e, const char *mode)
{
    char ctx[128];
    snprintf(ctx, sizeof ctx, "{\"mode\":\"%s\",\"at\":1000}", mode);
    hf_session *s = t_start(e, "ev", ctx);
    int want = strcmp(mode, "act") == 0 ? HF_STATUS_ACTION : HF_STATUS_WAITING;
    assert_int_equal(hf_session_status(s), want);
    return s;
}

static void expect(hf_session *s, const char *event, const char *status, const char *step)
{
    cJSON *o = t_send(s, event);
    t_assert_str(o, "status", status);
    if (step)
        t_assert_str(o, "step", step);
    cJSON_Delete(o);
}

/* The error code of a rejected event (after t_reject checked the rejection). Caller frees. */
static char *reject_code(hf_session *s, const char *ev, size_t len, int rc)
{
    t_reject(s, ev, len, rc, NULL);
    const char *reply = NULL;
    hf_session_send(s, ev, len, &reply, NULL);
    cJSON *j = cJSON_Parse(reply);
    char *code = strdup(t_str(j, "error.code"));
    assert_true(strlen(t_str(j, "error.message")) > 0);
    cJSON_Delete(j);
    return code;
}

/* ---------------------------------------------------------------------------------------- */
/* Malformed input                                                                            */

static const char *suite_dir(void) { return t_jsontestsuite_dir(); }

/* Sends every JSONTestSuite file whose name starts with prefix to s; each must be refused. */
static int send_suite(hf_session *s, char prefix)
{
    DIR *d = opendir(suite_dir());
    if (!d)
        return -1;
    struct dirent *de;
    int n = 0;
    static char buf[1 << 18];
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] != prefix || de->d_name[1] != '_')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", suite_dir(), de->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        char *code = reject_code(s, buf, len, HF_EINVAL);
        if (len > 65536) {
            if (strcmp(code, "too_large") != 0)
                fail_msg("%s (%zu bytes): want too_large, got %s", de->d_name, len, code);
        } else if (prefix == 'n' && strcmp(code, "bad_json") != 0 &&
                   strcmp(code, "bad_event") != 0) {
            fail_msg("%s: want bad_json or bad_event, got %s", de->d_name, code);
        }
        free(code);
        n++;
    }
    closedir(d);
    return n;
}

static void json_test_suite_inputs_are_refused_without_harm(void **state)
{
    DIR *d = opendir(suite_dir());
    t_require_jsontestsuite(d);
    closedir(d);
    hf_engine *e = engine();
    static const char *modes[] = { "menu", "ask", "act", "wait" };
    for (size_t m = 0; m < 4; m++) {
        hf_session *s = ev_session(e, modes[m]);
        assert_true(send_suite(s, 'n') >= 188);
        assert_true(send_suite(s, 'i') >= 35);
        assert_true(send_suite(s, 'y') >= 95);
        hf_session_free(s);
    }
    /* The session still works after all that. */
    hf_session *s = ev_session(e, "menu");
    expect(s, "{\"type\":\"choose\",\"option\":\"b\"}", "resolved", "done");
    hf_session_free(s);
    hf_engine_free(e);
}

static void malformed_json_is_bad_json(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "menu");
    static const char *bad[] = {
        "", " ", "{", "}", "{\"type\":\"tick\"", "{\"type\":\"tick\",}", "{type:\"tick\"}",
        "{'type':'tick'}", "{\"type\":\"tick\"} {}", "{\"type\":\"tick\"}}",
        "{\"type\":\"tick\"} x", "{\"type\":\"tick\"}//", "{\"type\":\"tick\" /* c */}",
        "{\"type\":\"choose\",\"option\":\"a\\x\"}", "nul", "\xef\xbb\xbf{",
        "{\"type\":\"tick\",\"at\":-}", "{\"type\":\"tick\",\"at\":1e}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        REJECT(s, bad[i], HF_EINVAL, "bad_json");
    hf_session_free(s);
    hf_engine_free(e);
}

/* What a lenient parser lets through is still not JSON (RFC 8259). */
static void json_a_lenient_parser_accepts_is_still_bad_json(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "menu");
    static const char *bad[] = {
        "{\"type\":\"choose\",\"option\":\"a\n\"}",
        "{\"type\":\"choose\",\"option\":\"a\t\"}",
        "{\"type\":\"choose\",\"option\":\"\x01a\"}",
        "{\"type\":\"tick\",\"at\":01500}",
        "{\"type\":\"tick\",\"at\":-01}",
        "{\"type\":\"tick\",\"at\":1500.}",
        "{\"type\":\"tick\",\"at\":.5e4}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        REJECT(s, bad[i], HF_EINVAL, "bad_json");
    hf_session_free(s);
    hf_engine_free(e);
}

static void non_object_json_is_bad_event(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "menu");
    static const char *bad[] = { "[]", "1", "\"choose\"", "null", "true",
                                 "[{\"type\":\"tick\"}]" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        REJECT(s, bad[i], HF_EINVAL, "bad_event");
    hf_session_free(s);
    hf_engine_free(e);
}

static void unknown_or_missing_type_is_bad_event(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "menu");
    static const char *bad[] = { "{}", "{\"at\":1000}", "{\"type\":\"dance\"}",
                                 "{\"type\":\"Choose\",\"option\":\"a\"}", "{\"type\":5}",
                                 "{\"type\":null}", "{\"type\":\"\"}" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        REJECT(s, bad[i], HF_EINVAL, "bad_event");
    hf_session_free(s);
    hf_engine_free(e);
}

static void unknown_member_is_bad_event(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "menu");
    REJECT(s, "{\"type\":\"choose\",\"option\":\"a\",\"extra\":1}", HF_EINVAL, "bad_event");
    REJECT(s, "{\"type\":\"tick\",\"foo\":true}", HF_EINVAL, "bad_event");
    REJECT(s, "{\"type\":\"intent\",\"name\":\"human\",\"value\":\"x\"}", HF_EINVAL, "bad_event");
    hf_session_free(s);
    s = ev_session(e, "ask");
    REJECT(s, "{\"type\":\"input\",\"value\":\"1\",\"option\":\"a\"}", HF_EINVAL, "bad_event");
    hf_session_free(s);
    s = ev_session(e, "act");
    REJECT(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true,\"date\":{}}", HF_EINVAL,
           "bad_event");
    hf_session_free(s);
    s = ev_session(e, "wait");
    REJECT(s, "{\"type\":\"event\",\"name\":\"thing.happened\",\"payload\":{}}", HF_EINVAL,
           "bad_event");
    hf_session_free(s);
    hf_engine_free(e);
}

static void missing_member_is_bad_event(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "menu");
    REJECT(s, "{\"type\":\"choose\"}", HF_EINVAL, "bad_event");
    REJECT(s, "{\"type\":\"intent\"}", HF_EINVAL, "bad_event");
    hf_session_free(s);
    s = ev_session(e, "ask");
    REJECT(s, "{\"type\":\"input\"}", HF_EINVAL, "bad_event");
    hf_session_free(s);
    s = ev_session(e, "act");
    REJECT(s, "{\"type\":\"result\",\"ok\":true}", HF_EINVAL, "bad_event");
    REJECT(s, "{\"type\":\"result\",\"action\":\"a1\"}", HF_EINVAL, "bad_event");
    hf_session_free(s);
    s = ev_session(e, "wait");
    REJECT(s, "{\"type\":\"event\"}", HF_EINVAL, "bad_event");
    REJECT(s, "{\"type\":\"event\",\"data\":{}}", HF_EINVAL, "bad_event");
    hf_session_free(s);
    hf_engine_free(e);
}

static void wrong_member_types_are_bad_event(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "menu");
    REJECT(s, "{\"type\":\"choose\",\"option\":5}", HF_EINVAL, "bad_event");
    REJECT(s, "{\"type\":\"choose\",\"option\":null}", HF_EINVAL, "bad_event");
    REJECT(s, "{\"type\":\"choose\",\"option\":[\"a\"]}", HF_EINVAL, "bad_event");
    REJECT(s, "{\"type\":\"intent\",\"name\":true}", HF_EINVAL, "bad_event");
    REJECT(s, "{\"type\":\"tick\",\"at\":\"soon\"}", HF_EINVAL, "bad_event");
    REJECT(s, "{\"type\":\"tick\",\"at\":[1500]}", HF_EINVAL, "bad_event");
    REJECT(s, "{\"type\":\"tick\",\"at\":{}}", HF_EINVAL, "bad_event");
    REJECT(s, "{\"type\":\"choose\",\"option\":\"a\",\"at\":true}", HF_EINVAL, "bad_event");
    hf_session_free(s);
    s = ev_session(e, "ask");
    REJECT(s, "{\"type\":\"input\",\"value\":[1]}", HF_EINVAL, "bad_event");
    REJECT(s, "{\"type\":\"input\",\"value\":{}}", HF_EINVAL, "bad_event");
    REJECT(s, "{\"type\":\"input\",\"value\":null}", HF_EINVAL, "bad_event");
    hf_session_free(s);
    s = ev_session(e, "act");
    REJECT(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":\"yes\"}", HF_EINVAL, "bad_event");
    REJECT(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":1}", HF_EINVAL, "bad_event");
    REJECT(s, "{\"type\":\"result\",\"action\":1,\"ok\":true}", HF_EINVAL, "bad_event");
    REJECT(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":false,\"error\":5}", HF_EINVAL,
           "bad_event");
    hf_session_free(s);
    s = ev_session(e, "wait");
    REJECT(s, "{\"type\":\"event\",\"name\":3}", HF_EINVAL, "bad_event");
    hf_session_free(s);
    hf_engine_free(e);
}

/* ---------------------------------------------------------------------------------------- */
/* Events that do not fit the state                                                           */

static void unknown_option_is_rejected(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "menu");
    REJECT(s, "{\"type\":\"choose\",\"option\":\"zzz\"}", HF_EREJECTED, "unknown_option");
    REJECT(s, "{\"type\":\"choose\",\"option\":\"A\"}", HF_EREJECTED, "unknown_option");
    REJECT(s, "{\"type\":\"choose\",\"option\":\"\"}", HF_EREJECTED, "unknown_option");
    expect(s, "{\"type\":\"choose\",\"option\":\"a\"}", "waiting", "q");
    hf_session_free(s);
    hf_engine_free(e);
}

static void events_that_do_not_fit_a_choice_are_unexpected(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "menu");
    REJECT(s, "{\"type\":\"input\",\"value\":\"12\"}", HF_EREJECTED, "unexpected");
    REJECT(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true}", HF_EREJECTED, "unexpected");
    REJECT(s, "{\"type\":\"event\",\"name\":\"thing.happened\"}", HF_EREJECTED, "unexpected");
    hf_session_free(s);
    hf_engine_free(e);
}

static void events_that_do_not_fit_an_input_are_unexpected(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "ask");
    REJECT(s, "{\"type\":\"choose\",\"option\":\"a\"}", HF_EREJECTED, "unexpected");
    REJECT(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true}", HF_EREJECTED, "unexpected");
    REJECT(s, "{\"type\":\"event\",\"name\":\"thing.happened\"}", HF_EREJECTED, "unexpected");
    hf_session_free(s);
    hf_engine_free(e);
}

static void events_that_do_not_fit_a_host_event_are_unexpected(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "wait");
    REJECT(s, "{\"type\":\"choose\",\"option\":\"a\"}", HF_EREJECTED, "unexpected");
    REJECT(s, "{\"type\":\"input\",\"value\":\"12\"}", HF_EREJECTED, "unexpected");
    REJECT(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true}", HF_EREJECTED, "unexpected");
    REJECT(s, "{\"type\":\"event\",\"name\":\"other.thing\"}", HF_EREJECTED, "unknown_event");
    expect(s, "{\"type\":\"event\",\"name\":\"thing.happened\",\"data\":{\"x\":1}}", "resolved",
           "done");
    hf_session_free(s);
    hf_engine_free(e);
}

static void only_result_and_tick_fit_while_an_action_is_pending(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "act");
    REJECT(s, "{\"type\":\"input\",\"value\":\"12\"}", HF_EREJECTED, "unexpected");
    REJECT(s, "{\"type\":\"choose\",\"option\":\"a\"}", HF_EREJECTED, "unexpected");
    REJECT(s, "{\"type\":\"event\",\"name\":\"thing.happened\"}", HF_EREJECTED, "unexpected");
    REJECT(s, "{\"type\":\"intent\",\"name\":\"human\"}", HF_EREJECTED, "unexpected");
    expect(s, "{\"type\":\"tick\",\"at\":1010}", "action", "act");
    expect(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true}", "action", "act2");
    hf_session_free(s);
    hf_engine_free(e);
}

static void stale_action_id_is_rejected(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "act");
    REJECT(s, "{\"type\":\"result\",\"action\":\"a7\",\"ok\":true}", HF_EREJECTED, "stale_action");
    REJECT(s, "{\"type\":\"result\",\"action\":\"a2\",\"ok\":true}", HF_EREJECTED, "stale_action");
    REJECT(s, "{\"type\":\"result\",\"action\":\"\",\"ok\":true}", HF_EREJECTED, "stale_action");
    cJSON *o = t_send(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true,\"data\":5}");
    t_assert_str(o, "action.id", "a2");
    cJSON_Delete(o);
    REJECT(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true}", HF_EREJECTED, "stale_action");
    expect(s, "{\"type\":\"result\",\"action\":\"a2\",\"ok\":true}", "waiting", "w");
    hf_session_free(s);
    hf_engine_free(e);
}

static void time_going_backwards_is_rejected(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "menu");
    REJECT(s, "{\"type\":\"tick\",\"at\":999}", HF_EREJECTED, "time_backwards");
    REJECT(s, "{\"type\":\"choose\",\"option\":\"a\",\"at\":0}", HF_EREJECTED, "time_backwards");
    expect(s, "{\"type\":\"choose\",\"option\":\"a\",\"at\":1100}", "waiting", "q");
    REJECT(s, "{\"type\":\"input\",\"value\":\"5\",\"at\":1099}", HF_EREJECTED,
           "time_backwards");
    /* Equal times are fine; so is an event without at (it is the previous time). */
    expect(s, "{\"type\":\"tick\",\"at\":1100}", "waiting", "q");
    expect(s, "{\"type\":\"tick\"}", "waiting", "q");
    REJECT(s, "{\"type\":\"tick\",\"at\":1099.5}", HF_EREJECTED, "time_backwards");
    hf_session_free(s);
    hf_engine_free(e);
}

static void events_after_the_end_are_finished(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "menu");
    expect(s, "{\"type\":\"choose\",\"option\":\"b\"}", "resolved", "done");
    static const char *evs[] = { "{\"type\":\"choose\",\"option\":\"b\"}", "{\"type\":\"tick\"}",
                                 "{\"type\":\"tick\",\"at\":99999}",
                                 "{\"type\":\"intent\",\"name\":\"restart\"}",
                                 "{\"type\":\"intent\",\"name\":\"human\"}",
                                 "{\"type\":\"input\",\"value\":\"1\"}" };
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
        REJECT(s, evs[i], HF_EFINISHED, "finished");
    assert_int_equal(hf_session_status(s), HF_STATUS_RESOLVED);
    hf_session_free(s);
    hf_engine_free(e);
}

static void oversized_event_is_too_large(void **state)
{
    hf_engine_options o;
    assert_int_equal(hf_engine_options_init(&o, HF_ENGINE_OPTIONS_VERSION), HF_OK);
    o.max_event = 256;
    hf_engine *e = NULL;
    assert_int_equal(hf_engine_new(&e, &o), HF_OK);
    t_load(e, FLOW_EV);
    hf_session *s = ev_session(e, "ask");
    char ev[1024];
    snprintf(ev, sizeof ev, "{\"type\":\"input\",\"value\":\"%0300d\"}", 1);
    REJECT(s, ev, HF_EINVAL, "too_large");
    /* Malformed but too large: the size is checked before anything is parsed. */
    memset(ev, '{', 600);
    ev[600] = '\0';
    REJECT(s, ev, HF_EINVAL, "too_large");
    expect(s, "{\"type\":\"input\",\"value\":\"12\"}", "action", "act");
    hf_session_free(s);
    hf_engine_free(e);

    /* The default limit is 64 KiB. */
    e = engine();
    s = ev_session(e, "menu");
    size_t n = 65536;
    char *big = malloc(n + 2);
    const char *head = "{\"type\":\"tick\"";
    memcpy(big, head, strlen(head));
    memset(big + strlen(head), ' ', n - strlen(head) - 1);
    big[n - 1] = '}';
    big[n] = '\0';
    const char *reply = NULL;
    assert_int_equal(hf_session_send(s, big, n, &reply, NULL), HF_OK);
    big[n - 1] = ' ';
    big[n] = '}';
    big[n + 1] = '\0';
    t_reject(s, big, n + 1, HF_EINVAL, "too_large");
    free(big);
    hf_session_free(s);
    hf_engine_free(e);
}

static void embedded_nul_bytes_are_bad_json(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "menu");
    static const char tick_nul[] = "{\"type\":\"tick\"}\0";
    t_reject(s, tick_nul, sizeof tick_nul - 1, HF_EINVAL, "bad_json");
    static const char inside[] = "{\"type\":\"tick\"\0}";
    t_reject(s, inside, sizeof inside - 1, HF_EINVAL, "bad_json");
    static const char two[] = "{\"type\":\"choose\",\"option\":\"a\"}\0{\"type\":\"tick\"}";
    t_reject(s, two, sizeof two - 1, HF_EINVAL, "bad_json");
    static const char in_string[] = "{\"type\":\"choose\",\"option\":\"b\0\"}";
    t_reject(s, in_string, sizeof in_string - 1, HF_EINVAL, "bad_json");
    t_reject(s, "\0", 1, HF_EINVAL, "bad_json");
    /* The length is what counts, not the NUL: a shorter len cuts the event. */
    static const char cut[] = "{\"type\":\"choose\",\"option\":\"b\"}garbage";
    const char *reply = NULL;
    assert_int_equal(hf_session_send(s, cut, sizeof cut - 1 - 7, &reply, NULL), HF_OK);
    assert_int_equal(hf_session_status(s), HF_STATUS_RESOLVED);
    hf_session_free(s);
    hf_engine_free(e);
}

static void null_event_is_refused(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "menu");
    const char *before = hf_session_output(s, NULL);
    char *copy = strdup(before);
    int rc = hf_session_send(s, NULL, 0, NULL, NULL);
    assert_true(rc == HF_EINVAL || rc == HF_EMISUSE);
    assert_string_equal(hf_session_output(s, NULL), copy);
    free(copy);
    hf_session_free(s);
    hf_engine_free(e);
}

/* ---------------------------------------------------------------------------------------- */
/* Intents                                                                                    */

static void human_intent_escalates_customer_requested(void **state)
{
    hf_engine *e = engine();
    static const char *modes[] = { "menu", "ask", "wait" };
    for (size_t i = 0; i < 3; i++) {
        hf_session *s = ev_session(e, modes[i]);
        cJSON *o = t_send(s, "{\"type\":\"intent\",\"name\":\"human\"}");
        t_assert_str(o, "status", "escalated");
        t_assert_str(o, "escalation.reason", "customer_requested");
        cJSON_Delete(o);
        hf_session_free(s);
    }
    hf_engine_free(e);
}

static void cancel_intent_ends_the_session_cancelled(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "ask");
    cJSON *o = t_send(s, "{\"type\":\"intent\",\"name\":\"cancel\",\"at\":1030}");
    t_assert_str(o, "status", "cancelled");
    assert_null(t_get(o, "escalation"));
    cJSON_Delete(o);
    assert_int_equal(hf_session_status(s), HF_STATUS_CANCELLED);
    REJECT(s, "{\"type\":\"input\",\"value\":\"12\"}", HF_EFINISHED, "finished");
    const char *json = NULL;
    assert_int_equal(hf_session_outcome(s, &json, NULL), HF_OK);
    o = cJSON_Parse(json);
    t_assert_str(o, "outcome", "cancelled");
    assert_int_equal((int)t_num(o, "duration"), 30);
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void restart_intent_goes_back_to_start_with_the_start_context(void **state)
{
    hf_engine *e = engine();
    hf_session *s = t_start(e, "it", "{\"x\":1,\"at\":1000}");
    cJSON *first = t_output(s);
    expect(s, "{\"type\":\"choose\",\"option\":\"a\"}", "waiting", "q");
    cJSON *o = t_send(s, "{\"type\":\"intent\",\"name\":\"restart\"}");
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "step", "menu");
    t_assert_str(o, "ui.0.text", "Menu");
    t_assert_str(o, "ui.1.type", "choices");
    cJSON_Delete(o);
    o = t_send(s, "{\"type\":\"choose\",\"option\":\"b\"}");
    t_assert_str(o, "escalation.reason", "check");
    assert_null(t_get(o, "escalation.collected.picked"));
    assert_int_equal((int)t_num(o, "escalation.collected.x"), 1);
    cJSON_Delete(o);
    cJSON_Delete(first);
    hf_session_free(s);
    hf_engine_free(e);
}

static void back_intent_returns_to_the_previous_waiting_step(void **state)
{
    hf_engine *e = engine();
    hf_session *s = t_start(e, "it", NULL);
    /* Nothing to go back to yet: the intent does not fit the state. */
    REJECT(s, "{\"type\":\"intent\",\"name\":\"back\"}", HF_EREJECTED, "unexpected");
    expect(s, "{\"type\":\"choose\",\"option\":\"a\"}", "waiting", "q");
    cJSON *o = t_send(s, "{\"type\":\"intent\",\"name\":\"back\"}");
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "step", "menu");
    t_assert_str(o, "expects.kind", "choice");
    t_assert_str(o, "ui.0.text", "Menu");
    cJSON_Delete(o);
    expect(s, "{\"type\":\"choose\",\"option\":\"a\"}", "waiting", "q");
    expect(s, "{\"type\":\"input\",\"value\":\"Ann\"}", "waiting", "menu2");
    o = t_send(s, "{\"type\":\"intent\",\"name\":\"back\"}");
    t_assert_str(o, "step", "q");
    t_assert_str(o, "expects.kind", "input");
    t_assert_str(o, "ui.0.text", "Name?");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void unknown_intent_is_rejected(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "menu");
    REJECT(s, "{\"type\":\"intent\",\"name\":\"dance\"}", HF_EREJECTED, "unknown_intent");
    REJECT(s, "{\"type\":\"intent\",\"name\":\"help\"}", HF_EREJECTED, "unknown_intent");
    REJECT(s, "{\"type\":\"intent\",\"name\":\"\"}", HF_EREJECTED, "unknown_intent");
    REJECT(s, "{\"type\":\"intent\",\"name\":\"Human\"}", HF_EREJECTED, "unknown_intent");
    hf_session_free(s);
    hf_engine_free(e);
}

static void on_redirects_an_intent_to_a_step(void **state)
{
    hf_engine *e = engine();
    hf_session *s = t_start(e, "on", NULL);
    cJSON *o = t_send(s, "{\"type\":\"intent\",\"name\":\"human\"}");
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "step", "triage");
    t_assert_str(o, "ui.0.text", "Before we pass you on");
    cJSON_Delete(o);
    o = t_send(s, "{\"type\":\"choose\",\"option\":\"agent\"}");
    t_assert_str(o, "escalation.reason", "check");
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

static void on_false_disables_an_intent(void **state)
{
    hf_engine *e = engine();
    hf_session *s = t_start(e, "on", NULL);
    expect(s, "{\"type\":\"choose\",\"option\":\"a\"}", "waiting", "q");
    REJECT(s, "{\"type\":\"intent\",\"name\":\"back\"}", HF_EREJECTED, "unknown_intent");
    /* The intents it does not override still work. */
    expect(s, "{\"type\":\"intent\",\"name\":\"cancel\"}", "cancelled", NULL);
    hf_session_free(s);
    hf_engine_free(e);
}

static void on_adds_a_custom_intent(void **state)
{
    hf_engine *e = engine();
    hf_session *s = t_start(e, "on", NULL);
    expect(s, "{\"type\":\"choose\",\"option\":\"a\"}", "waiting", "q");
    cJSON *o = t_send(s, "{\"type\":\"intent\",\"name\":\"help\"}");
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "step", "faq");
    t_assert_str(o, "ui.0.text", "FAQ");
    cJSON_Delete(o);
    expect(s, "{\"type\":\"choose\",\"option\":\"ok\"}", "waiting", "menu");
    hf_session_free(s);
    hf_engine_free(e);
}

/* ---------------------------------------------------------------------------------------- */
/* Time                                                                                       */

static void tick_after_idle_timeout_abandons(void **state)
{
    hf_engine *e = engine();
    hf_session *s = ev_session(e, "menu");
    /* An earlier tick changes nothing but time: empty ui, same step. */
    cJSON *o = t_send(s, "{\"type\":\"tick\",\"at\":2799}");
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "step", "menu");
    t_assert_str(o, "expects.kind", "choice");
    assert_int_equal(cJSON_GetArraySize(t_get(o, "ui")), 0);
    cJSON_Delete(o);
    hf_session_free(s);

    s = ev_session(e, "menu");
    expect(s, "{\"type\":\"tick\",\"at\":2800}", "abandoned", NULL);
    assert_int_equal(hf_session_status(s), HF_STATUS_ABANDONED);
    REJECT(s, "{\"type\":\"choose\",\"option\":\"a\"}", HF_EFINISHED, "finished");
    const char *json = NULL;
    assert_int_equal(hf_session_outcome(s, &json, NULL), HF_OK);
    o = cJSON_Parse(json);
    t_assert_str(o, "outcome", "abandoned");
    cJSON_Delete(o);
    hf_session_free(s);

    /* Measured from the last event other than a tick, not from the start. */
    s = ev_session(e, "menu");
    expect(s, "{\"type\":\"choose\",\"option\":\"a\",\"at\":2000}", "waiting", "q");
    expect(s, "{\"type\":\"tick\",\"at\":3000}", "waiting", "q");
    expect(s, "{\"type\":\"tick\",\"at\":3799}", "waiting", "q");
    expect(s, "{\"type\":\"tick\",\"at\":3800}", "abandoned", NULL);
    hf_session_free(s);
    hf_engine_free(e);

    /* The limit is an engine option. */
    hf_engine_options opts;
    assert_int_equal(hf_engine_options_init(&opts, HF_ENGINE_OPTIONS_VERSION), HF_OK);
    opts.idle_timeout = 60;
    e = NULL;
    assert_int_equal(hf_engine_new(&e, &opts), HF_OK);
    t_load(e, FLOW_EV);
    s = ev_session(e, "act");
    expect(s, "{\"type\":\"tick\",\"at\":1059}", "action", "act");
    hf_session_free(s);
    s = ev_session(e, "act");
    expect(s, "{\"type\":\"tick\",\"at\":1060}", "abandoned", NULL);
    hf_session_free(s);
    hf_engine_free(e);
}

static const char *FLOW_SLOW =
    "return flow 'slow' { start = 'w', steps = {\n"
    "  w = wait { event = 'x', timeout = 2000, go = 'done', on_timeout = 'late' },\n"
    "  late = say { text = 'Late', choices = { { id = 'ok', label = 'OK', go = 'done' } } },\n"
    "  done = resolved { text = 'Done' } } }\n";

static void timers_fire_before_the_idle_timeout_and_count_as_activity(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, FLOW_SLOW);
    /* At 3000 both the deadline (1000 + 2000) and the idle limit (1000 + 1800) have passed:
     * the timeout fires first, and is the latest activity. */
    hf_session *s = t_start(e, "slow", "{\"at\":1000}");
    cJSON *o = t_send(s, "{\"type\":\"tick\",\"at\":3000}");
    t_assert_str(o, "status", "waiting");
    t_assert_str(o, "step", "late");
    t_assert_str(o, "ui.0.text", "Late");
    cJSON_Delete(o);
    expect(s, "{\"type\":\"tick\",\"at\":4799}", "waiting", "late");
    expect(s, "{\"type\":\"tick\",\"at\":4800}", "abandoned", NULL);
    hf_session_free(s);
    hf_engine_free(e);
}

static void first_event_without_at_takes_the_start_time(void **state)
{
    hf_engine *e = engine();
    hf_session *s = t_start(e, "tm", "{\"at\":1000}");
    expect(s, "{\"type\":\"choose\",\"option\":\"w\"}", "waiting", "w");
    /* entered at 1000: deadline 1100 */
    expect(s, "{\"type\":\"tick\",\"at\":1099}", "waiting", "w");
    expect(s, "{\"type\":\"tick\",\"at\":1100}", "resolved", "late");
    hf_session_free(s);
    hf_engine_free(e);
}

static void event_without_at_takes_the_previous_events_time(void **state)
{
    hf_engine *e = engine();
    hf_session *s = t_start(e, "tm", "{\"at\":1000}");
    expect(s, "{\"type\":\"tick\",\"at\":1500}", "waiting", "menu");
    expect(s, "{\"type\":\"choose\",\"option\":\"w\"}", "waiting", "w");
    /* entered at 1500: deadline 1600 */
    expect(s, "{\"type\":\"tick\",\"at\":1599}", "waiting", "w");
    REJECT(s, "{\"type\":\"tick\",\"at\":1598}", HF_EREJECTED, "time_backwards");
    expect(s, "{\"type\":\"tick\",\"at\":1600}", "resolved", "late");
    hf_session_free(s);

    /* No "at" anywhere: time stands still at 0 and nothing ever times out. */
    s = t_start(e, "tm", NULL);
    expect(s, "{\"type\":\"choose\",\"option\":\"w\"}", "waiting", "w");
    expect(s, "{\"type\":\"tick\"}", "waiting", "w");
    expect(s, "{\"type\":\"event\",\"name\":\"x\"}", "resolved", "done");
    hf_session_free(s);
    hf_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_test_suite_inputs_are_refused_without_harm),
        cmocka_unit_test(malformed_json_is_bad_json),
        cmocka_unit_test(json_a_lenient_parser_accepts_is_still_bad_json),
        cmocka_unit_test(non_object_json_is_bad_event),
        cmocka_unit_test(unknown_or_missing_type_is_bad_event),
        cmocka_unit_test(unknown_member_is_bad_event),
        cmocka_unit_test(missing_member_is_bad_event),
        cmocka_unit_test(wrong_member_types_are_bad_event),
        cmocka_unit_test(unknown_option_is_rejected),
        cmocka_unit_test(events_that_do_not_fit_a_choice_are_unexpected),
        cmocka_unit_test(events_that_do_not_fit_an_input_are_unexpected),
        cmocka_unit_test(events_that_do_not_fit_a_host_event_are_unexpected),
        cmocka_unit_test(only_result_and_tick_fit_while_an_action_is_pending),
        cmocka_unit_test(stale_action_id_is_rejected),
        cmocka_unit_test(time_going_backwards_is_rejected),
        cmocka_unit_test(events_after_the_end_are_finished),
        cmocka_unit_test(oversized_event_is_too_large),
        cmocka_unit_test(embedded_nul_bytes_are_bad_json),
        cmocka_unit_test(null_event_is_refused),
        cmocka_unit_test(human_intent_escalates_customer_requested),
        cmocka_unit_test(cancel_intent_ends_the_session_cancelled),
        cmocka_unit_test(restart_intent_goes_back_to_start_with_the_start_context),
        cmocka_unit_test(back_intent_returns_to_the_previous_waiting_step),
        cmocka_unit_test(unknown_intent_is_rejected),
        cmocka_unit_test(on_redirects_an_intent_to_a_step),
        cmocka_unit_test(on_false_disables_an_intent),
        cmocka_unit_test(on_adds_a_custom_intent),
        cmocka_unit_test(tick_after_idle_timeout_abandons),
        cmocka_unit_test(timers_fire_before_the_idle_timeout_and_count_as_activity),
        cmocka_unit_test(first_event_without_at_takes_the_start_time),
        cmocka_unit_test(event_without_at_takes_the_previous_events_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
