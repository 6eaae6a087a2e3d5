/*
 * test_route.c — the router (hf_engine_load_routing, hf_route): Erlang C against reference
 * figures, rule order, adjust-only rules, table and function conditions, overflow, closed and
 * unstaffed queues, every load-time check, and bad live state and escalation JSON (the whole
 * JSONTestSuite parsing corpus as both).
 */
#include <dirent.h>
#include <math.h>

#include "harness.h"

/* One queue and one catch-all rule: hf_route then reports the queue's Erlang C figures. */
static const char *ONE_QUEUE =
    "return routing { service_level = { answer_within = 20, target = 0.8 },\n"
    "  queues = { q = { skills = { 'cards' } } }, rules = { { queue = 'q' } } }";

static const char *ESC_CARDS = "{\"reason\":\"not_resolved\",\"skills\":[\"cards\"],"
                               "\"priority\":\"normal\",\"flags\":[]}";

/* Four queues with the given agents, each at 200/h x 180 s except general at 1200/h x 300 s. */
static char *live4(int cards, int payments, int fraud, int general, const char *extra)
{
    static char buf[1024];
    snprintf(buf, sizeof buf,
             "{\"cards\":{\"agents\":%d,\"arrivals_per_hour\":200,\"aht_s\":180},"
             "\"payments\":{\"agents\":%d,\"arrivals_per_hour\":200,\"aht_s\":180},"
             "\"fraud\":{\"agents\":%d,\"arrivals_per_hour\":200,\"aht_s\":180},"
             "\"general\":{\"agents\":%d,\"arrivals_per_hour\":1200,\"aht_s\":300}%s}",
             cards, payments, fraud, general, extra ? extra : "");
    return buf;
}

static hf_engine *routing_engine(const char *src)
{
    hf_engine *e = t_engine();
    int rc = hf_engine_load_routing(e, src, strlen(src), "routing.lua");
    if (rc != HF_OK)
        fail_msg("routing did not load (%s): %s", hf_strerror(rc), hf_engine_errmsg(e));
    return e;
}

static hf_engine *reference_engine(void)
{
    size_t len;
    char *src = t_read_source("flows/routing.lua", &len);
    hf_engine *e = t_engine();
    int rc = hf_engine_load_routing(e, src, len, "routing.lua");
    free(src);
    if (rc != HF_OK)
        fail_msg("flows/routing.lua did not load (%s): %s", hf_strerror(rc), hf_engine_errmsg(e));
    return e;
}

/* Routes and parses the decision; fails the test unless hf_route returns HF_OK. */
static cJSON *route(hf_engine *e, const char *esc, const char *live)
{
    const char *d = NULL;
    size_t len = 0;
    int rc = hf_route(e, esc, strlen(esc), live, strlen(live), &d, &len);
    if (rc != HF_OK)
        fail_msg("hf_route: %s: %s", hf_strerror(rc), hf_engine_errmsg(e));
    assert_int_equal(strlen(d), len);
    cJSON *j = cJSON_Parse(d);
    if (!j)
        fail_msg("decision is not JSON: %s", d);
    return j;
}

static int route_rc(hf_engine *e, const char *esc, const char *live)
{
    const char *d = (const char *)1;
    int rc = hf_route(e, esc, strlen(esc), live, strlen(live), &d, NULL);
    if (rc != HF_OK)
        assert_null(d);
    return rc;
}

/* want to 3 significant digits */
static void assert_sig3(double got, double want, const char *what)
{
    double unit = pow(10, floor(log10(fabs(want))) - 2);
    if (fabs(got - want) > unit / 2 + 1e-12)
        fail_msg("%s: want %.4g, got %.6g (3 significant digits)", what, want, got);
}

static void check_figures(int agents, double arrivals, double aht, double p, double w,
                          double sl)
{
    hf_engine *e = routing_engine(ONE_QUEUE);
    char live[256];
    snprintf(live, sizeof live, "{\"q\":{\"agents\":%d,\"arrivals_per_hour\":%g,\"aht_s\":%g}}",
             agents, arrivals, aht);
    cJSON *d = route(e, ESC_CARDS, live);
    assert_sig3(t_num(d, "p_wait"), p, "p_wait");
    assert_sig3(t_num(d, "estimated_wait_s"), w, "estimated_wait_s");
    assert_sig3(t_num(d, "service_level"), sl, "service_level");
    assert_false(cJSON_IsTrue(t_get(d, "unbounded")));
    cJSON_Delete(d);
    hf_engine_free(e);
}

/* ---- Erlang C --------------------------------------------------------------------------- */

static void erlang_c_13_agents_10_erlangs(void **state)
{
    (void)state;
    check_figures(13, 200, 180, 0.2853, 17.1, 0.7956);
}

static void erlang_c_14_agents_10_erlangs(void **state)
{
    (void)state;
    check_figures(14, 200, 180, 0.1741, 7.84, 0.8884);
}

static void erlang_c_11_agents_10_erlangs(void **state)
{
    (void)state;
    check_figures(11, 200, 180, 0.6821, 122.8, 0.3896);
}

static void erlang_c_110_agents_100_erlangs(void **state)
{
    (void)state;
    check_figures(110, 1200, 300, 0.2370, 7.11, 0.8783);
}

static void fewer_agents_than_erlangs_is_an_unbounded_wait(void **state)
{
    (void)state;
    hf_engine *e = routing_engine(ONE_QUEUE);
    const char *lives[] = {"{\"q\":{\"agents\":9,\"arrivals_per_hour\":200,\"aht_s\":180}}",
                           "{\"q\":{\"agents\":10,\"arrivals_per_hour\":200,\"aht_s\":180}}",
                           "{\"q\":{\"agents\":1,\"arrivals_per_hour\":1e9,\"aht_s\":1e6}}"};
    for (size_t i = 0; i < 3; i++) {
        const char *d = NULL;
        assert_int_equal(hf_route(e, ESC_CARDS, strlen(ESC_CARDS), lives[i], strlen(lives[i]),
                                  &d, NULL), HF_OK);
        assert_null(strstr(d, "inf"));
        assert_null(strstr(d, "nan"));
        cJSON *j = cJSON_Parse(d);
        assert_non_null(j);
        assert_true(cJSON_IsNull(t_get(j, "estimated_wait_s")));
        assert_true(cJSON_IsTrue(t_get(j, "unbounded")));
        assert_true(t_num(j, "service_level") == 0);
        assert_true(t_num(j, "p_wait") == 1);
        assert_non_null(strstr(d, "without bound"));
        cJSON_Delete(j);
    }
    hf_engine_free(e);
}

static void hundreds_of_agents_stay_finite_and_sane(void **state)
{
    (void)state;
    hf_engine *e = routing_engine(ONE_QUEUE);
    /* 500 agents for 475 Erlangs; then 100,000 agents for a small load; then no load */
    const char *lives[] = {"{\"q\":{\"agents\":500,\"arrivals_per_hour\":10000,\"aht_s\":171}}",
                           "{\"q\":{\"agents\":100000,\"arrivals_per_hour\":100,\"aht_s\":300}}",
                           "{\"q\":{\"agents\":500,\"arrivals_per_hour\":0,\"aht_s\":171}}"};
    for (size_t i = 0; i < 3; i++) {
        cJSON *j = route(e, ESC_CARDS, lives[i]);
        double p = t_num(j, "p_wait"), w = t_num(j, "estimated_wait_s");
        double sl = t_num(j, "service_level");
        assert_true(p >= 0 && p <= 1);
        assert_true(sl >= 0 && sl <= 1);
        assert_true(w >= 0 && w < 60);
        if (i == 0) { /* a big, busy queue: some wait, short waits, service level high */
            assert_true(p > 0.05 && p < 0.6);
            assert_true(sl > 0.8);
        } else {
            assert_true(p < 1e-9 && sl == 1);
        }
        cJSON_Delete(j);
    }
    hf_engine_free(e);
}

/* ---- rules --------------------------------------------------------------------------------- */

static int explain_has(cJSON *d, const char *words)
{
    cJSON *s;
    cJSON_ArrayForEach(s, t_get(d, "explain"))
    {
        if (cJSON_IsString(s) && strstr(s->valuestring, words))
            return 1;
    }
    return 0;
}

#define assert_explains(d, words)                                                             \
    do {                                                                                      \
        if (!explain_has((d), (words))) {                                                     \
            char *txt_ = cJSON_Print(d);                                                      \
            fail_msg("explain lacks \"%s\": %s", (words), txt_);                              \
        }                                                                                     \
    } while (0)

static void first_matching_rule_with_a_queue_wins(void **state)
{
    (void)state;
    hf_engine *e = reference_engine();
    /* a fraud flag and a cards skill: the fraud rule comes first */
    cJSON *d = route(e, "{\"reason\":\"not_resolved\",\"skills\":[\"cards\"],\"flags\":[\"fraud\"]}",
                     live4(14, 14, 14, 110, NULL));
    t_assert_str(d, "queue", "fraud");
    t_assert_str(d, "priority", "urgent");
    assert_int_equal((int)t_num(d, "rule"), 1);
    assert_explains(d, "Rule 1 'fraud' (when function, line");
    assert_false(explain_has(d, "Rule 5"));
    cJSON_Delete(d);
    /* without the flag, the cards rule */
    d = route(e, ESC_CARDS, live4(14, 14, 14, 110, NULL));
    t_assert_str(d, "queue", "cards");
    t_assert_str(d, "priority", "normal");
    assert_int_equal((int)t_num(d, "rule"), 5);
    assert_true(cJSON_IsNull(t_get(d, "overflow")));
    assert_explains(d, "Rule 5 'cards' (skills has cards) matched");
    assert_explains(d, "Priority normal: the escalation's own.");
    cJSON_Delete(d);
    /* nothing specific: the catch-all */
    d = route(e, "{\"reason\":\"x\"}", live4(14, 14, 14, 110, NULL));
    t_assert_str(d, "queue", "general");
    assert_int_equal((int)t_num(d, "rule"), 7);
    assert_explains(d, "(always) matched");
    cJSON_Delete(d);
    hf_engine_free(e);
}

static void adjust_only_rules_raise_priority_and_matching_goes_on(void **state)
{
    (void)state;
    hf_engine *e = reference_engine();
    cJSON *d = route(e, "{\"reason\":\"repeat_contact\",\"skills\":[\"cards\"],\"priority\":\"low\"}",
                     live4(14, 14, 14, 110, NULL));
    t_assert_str(d, "queue", "cards");
    t_assert_str(d, "priority", "high");
    assert_explains(d, "Rule 3 'repeat contact' (reason is repeat_contact) matched: priority at "
                       "least high");
    assert_explains(d, "raised by rule 3 from low");
    cJSON_Delete(d);
    /* two adjust rules: the higher wins; a higher escalation priority is never lowered */
    d = route(e, "{\"reason\":\"repeat_contact\",\"skills\":[\"cards\"],\"priority\":\"urgent\","
                 "\"flags\":[\"vulnerable\"]}", live4(14, 14, 14, 110, NULL));
    t_assert_str(d, "priority", "urgent");
    assert_explains(d, "Rule 2 'vulnerable' (flags has vulnerable) matched");
    cJSON_Delete(d);
    hf_engine_free(e);
}

static void table_and_function_conditions(void **state)
{
    (void)state;
    hf_engine *e = reference_engine();
    /* a list value matches any of its items */
    cJSON *d = route(e, "{\"reason\":\"x\",\"skills\":[\"disputes\"]}", live4(14, 14, 14, 110, NULL));
    t_assert_str(d, "queue", "payments");
    assert_explains(d, "skills has payments or disputes");
    cJSON_Delete(d);
    /* the language, from collected.locale */
    d = route(e, "{\"reason\":\"x\",\"skills\":[\"cards\"],\"collected\":{\"locale\":\"cy-GB\"}}",
              live4(14, 14, 14, 110, NULL));
    t_assert_str(d, "queue", "general");
    assert_explains(d, "language is cy");
    cJSON_Delete(d);
    /* the function sees the reason too */
    d = route(e, "{\"reason\":\"scam_reported\"}", live4(14, 14, 14, 110, NULL));
    t_assert_str(d, "queue", "fraud");
    cJSON_Delete(d);
    hf_engine_free(e);

    /* every key of a table must match; flow and priority fields; function sees a view */
    e = routing_engine(
        "return routing { queues = { a = {}, b = {}, c = {}, d = {} }, rules = {\n"
        "  { when = { reason = 'r', flow = 'card_declined' }, queue = 'a' },\n"
        "  { when = { priority = { 'high', 'urgent' } }, queue = 'b' },\n"
        "  { when = function(e) return #e.path == 2 and e.collected.card_id == 'c1'\n"
        "                              and e.skills.cards and type(e) == 'table' end, queue = 'c' },\n"
        "  { queue = 'd' } } }");
    const char *live = "{\"a\":{\"agents\":5,\"arrivals_per_hour\":1,\"aht_s\":60},"
                       "\"b\":{\"agents\":5,\"arrivals_per_hour\":1,\"aht_s\":60},"
                       "\"c\":{\"agents\":5,\"arrivals_per_hour\":1,\"aht_s\":60},"
                       "\"d\":{\"agents\":5,\"arrivals_per_hour\":1,\"aht_s\":60}}";
    d = route(e, "{\"flow\":\"card_declined\",\"status\":\"escalated\",\"escalation\":{\"reason\":\"r\"}}",
              live);
    t_assert_str(d, "queue", "a");
    cJSON_Delete(d);
    d = route(e, "{\"reason\":\"r\",\"flow\":\"other\"}", live);
    t_assert_str(d, "queue", "d");
    cJSON_Delete(d);
    d = route(e, "{\"reason\":\"r\",\"priority\":\"urgent\"}", live);
    t_assert_str(d, "queue", "b");
    t_assert_str(d, "priority", "urgent");
    cJSON_Delete(d);
    d = route(e, "{\"reason\":\"r\",\"skills\":[\"cards\"],\"collected\":{\"card_id\":\"c1\"},"
                 "\"path\":[{\"step\":\"a\"},{\"step\":\"b\"}]}", live);
    t_assert_str(d, "queue", "c");
    cJSON_Delete(d);
    hf_engine_free(e);
}

static void a_failing_rule_function_does_not_match_and_says_why(void **state)
{
    (void)state;
    hf_engine *e = routing_engine(
        "local n = 0\n"
        "return routing { queues = { a = {}, b = {} }, rules = {\n"
        "  { when = function(e) return e.nothing.here end, queue = 'a' },\n"
        "  { when = function(e) e.reason = 'x' return true end, queue = 'a' },\n"
        "  { when = function(e) while true do end end, queue = 'a' },\n"
        "  { when = function(e) n = n + 1 return n > 1 end, queue = 'a' },\n"
        "  { queue = 'b' } } }");
    const char *live = "{\"a\":{\"agents\":5,\"arrivals_per_hour\":1,\"aht_s\":60},"
                       "\"b\":{\"agents\":5,\"arrivals_per_hour\":1,\"aht_s\":60}}";
    for (int round = 0; round < 3; round++) { /* the counter never survives a call */
        cJSON *d = route(e, ESC_CARDS, live);
        t_assert_str(d, "queue", "b");
        assert_explains(d, "Rule 1 (when function, line 3): its when function failed");
        assert_explains(d, "Rule 2 (when function, line 4): its when function failed");
        assert_explains(d, "instruction budget exceeded");
        cJSON_Delete(d);
    }
    hf_engine_free(e);
}

/* ---- overflow and opening -------------------------------------------------------------- */

static void overflow_taken_when_the_queue_misses_its_target(void **state)
{
    (void)state;
    hf_engine *e = reference_engine();
    cJSON *d = route(e, ESC_CARDS, live4(13, 14, 14, 110, NULL)); /* cards 79.6% < 80% */
    t_assert_str(d, "queue", "general");
    t_assert_str(d, "overflow.from", "cards");
    t_assert_str(d, "overflow.to", "general");
    assert_non_null(strstr(t_str(d, "overflow.why"), "79.6%"));
    t_assert_str(d, "alternatives.0.queue", "cards");
    assert_sig3(t_num(d, "alternatives.0.service_level"), 0.7956, "alternative service level");
    assert_non_null(strstr(t_str(d, "alternatives.0.why_not"), "misses the service-level target"));
    assert_explains(d, "Overflow: cards misses");
    cJSON_Delete(d);
    hf_engine_free(e);
}

static void overflow_not_taken(void **state)
{
    (void)state;
    hf_engine *e = reference_engine();
    /* cards meets its target */
    cJSON *d = route(e, ESC_CARDS, live4(14, 14, 14, 110, NULL));
    t_assert_str(d, "queue", "cards");
    assert_true(cJSON_IsNull(t_get(d, "overflow")));
    cJSON_Delete(d);
    /* cards misses, but general misses too: it stays */
    d = route(e, ESC_CARDS, live4(13, 14, 14, 104, NULL));
    t_assert_str(d, "queue", "cards");
    assert_true(cJSON_IsNull(t_get(d, "overflow")));
    t_assert_str(d, "alternatives.0.queue", "general");
    assert_explains(d, "so it stays there");
    cJSON_Delete(d);
    /* general does not serve Welsh... no: general does; a queue lacking the language is skipped */
    hf_engine_free(e);
    e = routing_engine(
        "return routing { queues = { cards = { skills = { 'cards' } },\n"
        "  other = { skills = { 'payments' } }, en = { languages = { 'en' } } }, rules = {\n"
        "  { queue = 'cards', overflow = { 'other', 'en' } } } }");
    d = route(e, "{\"reason\":\"x\",\"skills\":[\"cards\"],\"language\":\"cy\"}",
              "{\"cards\":{\"agents\":11,\"arrivals_per_hour\":200,\"aht_s\":180},"
              "\"other\":{\"agents\":50,\"arrivals_per_hour\":200,\"aht_s\":180},"
              "\"en\":{\"agents\":50,\"arrivals_per_hour\":200,\"aht_s\":180}}");
    t_assert_str(d, "queue", "cards");
    char *txt = cJSON_PrintUnformatted(d);
    assert_non_null(strstr(txt, "lacks the skill 'cards'"));
    assert_non_null(strstr(txt, "does not serve language 'cy'"));
    free(txt);
    cJSON_Delete(d);
    hf_engine_free(e);
}

static void closed_and_unstaffed_queues_are_skipped(void **state)
{
    (void)state;
    hf_engine *e = reference_engine();
    const char *closed = "{\"cards\":{\"open\":false},"
                         "\"general\":{\"agents\":110,\"arrivals_per_hour\":1200,\"aht_s\":300}}";
    cJSON *d = route(e, ESC_CARDS, closed);
    t_assert_str(d, "queue", "general");
    t_assert_str(d, "overflow.from", "cards");
    assert_non_null(strstr(t_str(d, "overflow.why"), "cards is closed"));
    t_assert_str(d, "alternatives.0.why_not", "closed");
    assert_false(cJSON_IsTrue(t_get(d, "alternatives.0.open")));
    cJSON_Delete(d);
    /* unstaffed: even when general misses its target, it is better than nobody */
    d = route(e, ESC_CARDS, live4(0, 14, 14, 104, NULL));
    t_assert_str(d, "queue", "general");
    assert_non_null(strstr(t_str(d, "overflow.why"), "cards is unstaffed"));
    t_assert_str(d, "alternatives.0.why_not", "no agents staffed");
    cJSON_Delete(d);
    /* fraud has no overflow: when it is closed, any open queue that fits */
    d = route(e, "{\"reason\":\"x\",\"flags\":[\"fraud\"],\"skills\":[\"fraud\"]}",
              "{\"fraud\":{\"open\":false},\"cards\":{\"agents\":50,\"arrivals_per_hour\":1,"
              "\"aht_s\":60},\"general\":{\"agents\":110,\"arrivals_per_hour\":1200,\"aht_s\":300}}");
    t_assert_str(d, "queue", "general"); /* cards lacks the skill; payments has no live state */
    t_assert_str(d, "priority", "urgent");
    char *txt = cJSON_PrintUnformatted(d);
    assert_non_null(strstr(txt, "lacks the skill 'fraud'"));
    assert_non_null(strstr(txt, "no live state"));
    free(txt);
    cJSON_Delete(d);
    /* nothing open fits */
    assert_int_equal(route_rc(e, ESC_CARDS, "{\"cards\":{\"open\":false},\"general\":{\"agents\":0,"
                                            "\"arrivals_per_hour\":1,\"aht_s\":60}}"),
                     HF_ENOTFOUND);
    assert_non_null(strstr(hf_engine_errmsg(e), "no open queue fits"));
    assert_non_null(strstr(hf_engine_errmsg(e), "cards: closed"));
    hf_engine_free(e);
}

static void opening_hours_close_a_queue(void **state)
{
    (void)state;
    hf_engine *e = routing_engine(
        "return routing { queues = {\n"
        "  day = { hours = { from = '08:00', to = '20:00', days = { 'mon', 'tue', 'wed', 'thu', 'fri' } } },\n"
        "  night = { hours = { from = '20:00', to = '08:00', utc_offset = 60 } },\n"
        "  any = {} }, rules = { { queue = 'day', overflow = { 'night', 'any' } } } }");
#define HOURS_LIVE                                                                        \
    "{\"at\":%s,\"day\":{\"agents\":50,\"arrivals_per_hour\":10,\"aht_s\":60},"                \
    "\"night\":{\"agents\":50,\"arrivals_per_hour\":10,\"aht_s\":60},"                          \
    "\"any\":{\"agents\":50,\"arrivals_per_hour\":10,\"aht_s\":60}}"
    struct {
        const char *at, *queue;
    } cases[] = {
        {"1700049600", "day"},   /* Wed 2023-11-15 12:00 UTC */
        {"1700078400", "night"}, /* Wed 20:00 UTC: day has closed; 21:00 at +1, night is open */
        {"1700020800", "night"}, /* Wed 04:00 UTC: night began on Tuesday, 05:00 local */
        {"1700308800", "any"},   /* Sat 12:00 UTC: day is closed on Saturdays, night by day */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char live[512];
        snprintf(live, sizeof live, HOURS_LIVE, cases[i].at);
        cJSON *d = route(e, ESC_CARDS, live);
        if (strcmp(t_str(d, "queue"), cases[i].queue) != 0)
            fail_msg("at %s: want %s, got %s", cases[i].at, cases[i].queue, t_str(d, "queue"));
        if (i == 3)
            t_assert_str(d, "alternatives.0.why_not", "outside its opening hours");
        cJSON_Delete(d);
    }
    /* without "at" the hours cannot be checked: the live state is refused, never guessed */
    assert_int_equal(
        route_rc(e, ESC_CARDS, "{\"day\":{\"agents\":50,\"arrivals_per_hour\":10,\"aht_s\":60}}"),
        HF_EINVAL);
    assert_non_null(strstr(hf_engine_errmsg(e), "needs \"at\""));
    hf_engine_free(e);
}

static void a_session_output_routes_by_its_escalation(void **state)
{
    (void)state;
    hf_engine *e = reference_engine();
    t_load(e, "return flow 'f' { start = 'a', steps = { a = escalate { reason = 'not_resolved',\n"
              "  skills = { 'payments' }, priority = 'high' } } }");
    hf_session *s = t_start(e, "f", "{\"card_id\":\"c1\"}");
    const char *out = hf_session_output(s, NULL);
    cJSON *d = route(e, out, live4(14, 14, 14, 110, NULL));
    t_assert_str(d, "queue", "payments");
    t_assert_str(d, "priority", "high");
    cJSON_Delete(d);
    hf_session_free(s);
    /* a session that has not escalated is not an escalation */
    t_load(e, "return flow 'g' { start = 'a', steps = { a = say { text = 'x', choices = {\n"
              "  { id = 'y', label = 'Y', go = 'b' } } }, b = resolved {} } }");
    s = t_start(e, "g", NULL);
    assert_int_equal(route_rc(e, hf_session_output(s, NULL), live4(14, 14, 14, 110, NULL)),
                     HF_EINVAL);
    assert_non_null(strstr(hf_engine_errmsg(e), "holds no escalation"));
    hf_session_free(s);
    hf_engine_free(e);
}

/* ---- API misuse and reloading -------------------------------------------------------------- */

static void misuse_and_no_routing(void **state)
{
    (void)state;
    const char *d = NULL;
    assert_int_equal(hf_route(NULL, "{}", 2, "{}", 2, &d, NULL), HF_EMISUSE);
    assert_int_equal(hf_engine_load_routing(NULL, "x", 1, NULL), HF_EMISUSE);
    hf_engine *e = t_engine();
    assert_int_equal(hf_route(e, "{}", 2, "{}", 2, NULL, NULL), HF_EMISUSE);
    assert_int_equal(hf_route(e, ESC_CARDS, strlen(ESC_CARDS), "{}", 2, &d, NULL), HF_ENOTFOUND);
    assert_non_null(strstr(hf_engine_errmsg(e), "no routing config"));
    assert_int_equal(hf_engine_load_routing(e, NULL, 0, NULL), HF_EINVAL);
    hf_engine_free(e);
}

static void a_later_load_replaces_and_a_failed_one_keeps(void **state)
{
    (void)state;
    hf_engine *e = routing_engine("return routing { queues = { a = {} }, rules = {\n"
                                  "  { when = function(e) return true end, queue = 'a' } } }");
    const char *live = "{\"a\":{\"agents\":5,\"arrivals_per_hour\":1,\"aht_s\":60},"
                       "\"b\":{\"agents\":5,\"arrivals_per_hour\":1,\"aht_s\":60}}";
    const char *bad = "return routing { queues = { b = {} }, rules = { { queue = 'c' } } }";
    assert_int_equal(hf_engine_load_routing(e, bad, strlen(bad), "bad.lua"), HF_ECHECK);
    assert_int_equal(route_rc(e, ESC_CARDS, live), HF_EINVAL); /* b is not a queue of a's config */
    const char *good = "return routing { queues = { a = {}, b = {} }, rules = {\n"
                       "  { when = function(e) return false end, queue = 'a' }, { queue = 'b' } } }";
    for (int i = 0; i < 50; i++) /* replacing many times frees the old configs */
        assert_int_equal(hf_engine_load_routing(e, good, strlen(good), "good.lua"), HF_OK);
    cJSON *d = route(e, ESC_CARDS, live);
    t_assert_str(d, "queue", "b");
    cJSON_Delete(d);
    hf_engine_free(e);
}

/* ---- load-time checks ---------------------------------------------------------------------- */

static void bad_configs_fail_with_messages_naming_the_queue_or_rule(void **state)
{
    (void)state;
    static const struct {
        const char *src;
        int rc;
        const char *words;
    } cases[] = {
        {"return routing { queues = { a = {} }, rules = { { queue = 'a' } ,, } }", HF_ESYNTAX,
         "routing.lua:1:"},
        {"\x1bLua", HF_ESYNTAX, "binary"},
        {"error('boom')", HF_ECHECK, "boom"},
        {"return { queues = { a = {} }, rules = { { queue = 'a' } } }", HF_ECHECK,
         "must return a routing config"},
        {"return flow 'x' { }", HF_ECHECK, "must return a routing config"},
        {"return routing { queues = { a = {} }, rules = { { queue = 'a' } }, colour = 1 }",
         HF_ECHECK, "unknown field 'colour'"},
        {"return routing { queues = { a = { skill = { 'x' } } }, rules = { { queue = 'a' } } }",
         HF_ECHECK, "queue 'a': the queue has an unknown field 'skill'"},
        {"return routing { queues = { a = { skills = 'x' } }, rules = { { queue = 'a' } } }",
         HF_ECHECK, "queue 'a': skills must be a list of strings"},
        {"return routing { queues = { a = { languages = { 1 } } }, rules = { { queue = 'a' } } }",
         HF_ECHECK, "queue 'a': languages must be a list of strings"},
        {"return routing { queues = { a = 5 }, rules = { { queue = 'a' } } }", HF_ECHECK,
         "queue 'a': must be a table"},
        {"return routing { queues = { ['a b'] = {} }, rules = { { queue = 'a' } } }", HF_ECHECK,
         "queue names may hold only"},
        {"return routing { queues = { at = {} }, rules = { { queue = 'at' } } }", HF_ECHECK,
         "'at' cannot name a queue"},
        {"return routing { queues = { }, rules = { { queue = 'a' } } }", HF_ECHECK,
         "queues is empty"},
        {"return routing { rules = { { queue = 'a' } } }", HF_ECHECK, "needs queues"},
        {"return routing { queues = { a = {} } }", HF_ECHECK, "needs rules"},
        {"return routing { queues = { a = {} }, rules = { } }", HF_ECHECK, "needs rules"},
        {"return routing { queues = { a = {} }, rules = { { queue = 'b' } } }", HF_ECHECK,
         "rule 1: queue 'b' is not one of the queues"},
        {"return routing { queues = { a = {} }, rules = { { queue = 'a', overflow = { 'b' } } } }",
         HF_ECHECK, "rule 1: overflow queue 'b' is not one of the queues"},
        {"return routing { queues = { a = {} }, rules = { { queue = 'a', overflow = { 'a' } } } }",
         HF_ECHECK, "rule 1: overflow lists the rule's own queue 'a'"},
        {"return routing { queues = { a = {}, b = {} }, rules = { { queue = 'a', overflow = { 'b', 'b' } } } }",
         HF_ECHECK, "overflow lists 'b' twice"},
        {"return routing { queues = { a = {}, b = {} }, rules = { { priority = 'high', overflow = { 'b' } }, { queue = 'a' } } }",
         HF_ECHECK, "rule 1: overflow needs a queue"},
        {"return routing { queues = { a = {} }, rules = { { queue = 'a', priority = 'asap' } } }",
         HF_ECHECK, "rule 1: priority must be one of low, normal, high, urgent"},
        {"return routing { queues = { a = {} }, rules = { { when = { colour = 'red' }, queue = 'a' }, { queue = 'a' } } }",
         HF_ECHECK, "rule 1: when tests an unknown field 'colour'"},
        {"return routing { queues = { a = {} }, rules = { { when = { priority = 'asap' }, queue = 'a' }, { queue = 'a' } } }",
         HF_ECHECK, "when.priority 'asap'"},
        {"return routing { queues = { a = {} }, rules = { { when = { skills = {} }, queue = 'a' }, { queue = 'a' } } }",
         HF_ECHECK, "could never match"},
        {"return routing { queues = { a = {} }, rules = { { when = 'x', queue = 'a' } } }",
         HF_ECHECK, "rule 1: when must be a table of fields to match or a function"},
        {"return routing { queues = { a = {} }, rules = { { when = { reason = 'x' } }, { queue = 'a' } } }",
         HF_ECHECK, "rule 1: does nothing"},
        {"return routing { queues = { a = {} }, rules = { { queue = 'a', go = 'b' } } }",
         HF_ECHECK, "rule 1: the rule has an unknown field 'go'"},
        {"return routing { queues = { a = {} }, rules = { 'a' } }", HF_ECHECK,
         "rule 1: must be a table"},
        {"return routing { queues = { a = {} }, rules = { { queue = 'a' }, { queue = 'a' } } }",
         HF_ECHECK, "rule 2: can never match: rule 1 before it has no when"},
        {"return routing { queues = { a = {} }, rules = { { priority = 'high' } } }", HF_ECHECK,
         "no rule picks a queue"},
        {"return routing { service_level = { target = 1.5 }, queues = { a = {} }, rules = { { queue = 'a' } } }",
         HF_ECHECK, "service_level: target must be a share"},
        {"return routing { service_level = { answer_within = -1 }, queues = { a = {} }, rules = { { queue = 'a' } } }",
         HF_ECHECK, "service_level: answer_within must be seconds"},
        {"return routing { service_level = { within = 20 }, queues = { a = {} }, rules = { { queue = 'a' } } }",
         HF_ECHECK, "unknown field 'within'"},
        {"return routing { service_level = 0.8, queues = { a = {} }, rules = { { queue = 'a' } } }",
         HF_ECHECK, "service_level must be"},
        {"return routing { queues = { a = { hours = { from = '8am', to = '20:00' } } }, rules = { { queue = 'a' } } }",
         HF_ECHECK, "queue 'a': hours need from and to"},
        {"return routing { queues = { a = { hours = { from = '08:00', to = '20:00', days = { } } } }, rules = { { queue = 'a' } } }",
         HF_ECHECK, "names no day"},
        {"return routing { queues = { a = { } }, rules = { { queue = 'a\\0zzzzzzzzzzzzzzzzz' } } }",
         HF_ECHECK, "is not one of the queues"},
        {"return routing { queues = { a = { hours = { from = '08:00', to = '20:00', days = { 'monday' } } } }, rules = { { queue = 'a' } } }",
         HF_ECHECK, "'monday' is not one of"},
        {"return routing { queues = { a = { hours = { from = '08:00', to = '20:00', utc_offset = 1.5 } } }, rules = { { queue = 'a' } } }",
         HF_ECHECK, "utc_offset"},
        {"return routing { queues = { a = {} }, rules = { { queue = 'a', name = 3 } } }",
         HF_ECHECK, "rule 1: name must be"},
        {"while true do end", HF_ECHECK, "instruction budget exceeded"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hf_engine *e = t_engine();
        int rc = hf_engine_load_routing(e, cases[i].src, strlen(cases[i].src), "routing.lua");
        if (rc != cases[i].rc)
            fail_msg("case %zu: want %s, got %s: %s", i, hf_strerror(cases[i].rc),
                     hf_strerror(rc), hf_engine_errmsg(e));
        if (!strstr(hf_engine_errmsg(e), cases[i].words))
            fail_msg("case %zu: message lacks \"%s\": %s", i, cases[i].words,
                     hf_engine_errmsg(e));
        if (!strstr(hf_engine_errmsg(e), "routing.lua"))
            fail_msg("case %zu: message does not name the file: %s", i, hf_engine_errmsg(e));
        /* the engine still works, and has no routing */
        const char *d;
        assert_int_equal(hf_route(e, ESC_CARDS, strlen(ESC_CARDS), "{}", 2, &d, NULL),
                         HF_ENOTFOUND);
        hf_engine_free(e);
    }
}

/* One budget for every rule function of a decision: after a rule that loops, a later function
 * rule gets nothing left and does not hold, so one call's cost is bounded whatever the config. */
static void rule_functions_share_one_budget_per_decision(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    const char *cfg = "return routing { queues = { a = { }, b = { }, c = { } }, rules = {\n"
                      "  { when = function(e) while true do end end, queue = 'a' },\n"
                      "  { when = function(e) return true end, queue = 'b' },\n"
                      "  { queue = 'c' } } }\n";
    assert_int_equal(hf_engine_load_routing(e, cfg, strlen(cfg), "shared.lua"), HF_OK);
    const char *live = "{\"a\":{\"agents\":5,\"arrivals_per_hour\":10,\"aht_s\":60},"
                       "\"b\":{\"agents\":5,\"arrivals_per_hour\":10,\"aht_s\":60},"
                       "\"c\":{\"agents\":5,\"arrivals_per_hour\":10,\"aht_s\":60}}";
    cJSON *d = route(e, ESC_CARDS, live);
    t_assert_str(d, "queue", "c");
    char *text = cJSON_PrintUnformatted(t_get(d, "explain"));
    assert_non_null(strstr(text, "budget"));
    free(text);
    cJSON_Delete(d);
    /* the next decision starts with a whole budget again */
    d = route(e, ESC_CARDS, live);
    t_assert_str(d, "queue", "c");
    cJSON_Delete(d);
    hf_engine_free(e);
}

static void the_reference_config_loads(void **state)
{
    (void)state;
    hf_engine_free(reference_engine());
}

/* ---- bad live state and escalations -------------------------------------------------------- */

static void bad_live_state_is_rejected(void **state)
{
    (void)state;
    hf_engine *e = reference_engine();
    static const struct {
        const char *live, *words;
    } cases[] = {
        {"", "not valid JSON"},
        {"{\"cards\":", "not valid JSON"},
        {"[]", "must be a JSON object"},
        {"{\"cardz\":{\"agents\":1,\"arrivals_per_hour\":1,\"aht_s\":1}}", "'cardz' is not a queue"},
        {"{\"cards\":5}", "queue 'cards' must be an object"},
        {"{\"cards\":{\"agents\":13,\"aht_s\":180}}", "needs agents, arrivals_per_hour and aht_s"},
        {"{\"cards\":{\"agents\":-1,\"arrivals_per_hour\":1,\"aht_s\":1}}", "agents must be"},
        {"{\"cards\":{\"agents\":1.5,\"arrivals_per_hour\":1,\"aht_s\":1}}", "agents must be"},
        {"{\"cards\":{\"agents\":\"13\",\"arrivals_per_hour\":1,\"aht_s\":1}}", "agents must be"},
        {"{\"cards\":{\"agents\":1000001,\"arrivals_per_hour\":1,\"aht_s\":1}}", "agents must be"},
        {"{\"cards\":{\"agents\":1,\"arrivals_per_hour\":1e999,\"aht_s\":1}}", "arrivals_per_hour"},
        {"{\"cards\":{\"agents\":1,\"arrivals_per_hour\":-2,\"aht_s\":1}}", "arrivals_per_hour"},
        {"{\"cards\":{\"agents\":1,\"arrivals_per_hour\":1,\"aht_s\":0}}", "aht_s must be"},
        {"{\"cards\":{\"agents\":1,\"arrivals_per_hour\":1,\"aht_s\":1,\"open\":1}}", "open must be"},
        {"{\"cards\":{\"agents\":1,\"arrivals_per_hour\":1,\"aht_s\":1,\"colour\":1}}",
         "unknown field 'colour'"},
        {"{\"at\":\"noon\"}", "at must be unix seconds"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = route_rc(e, ESC_CARDS, cases[i].live);
        if (rc != HF_EINVAL)
            fail_msg("live %s: want invalid argument, got %s", cases[i].live, hf_strerror(rc));
        if (!strstr(hf_engine_errmsg(e), cases[i].words))
            fail_msg("live %s: message lacks \"%s\": %s", cases[i].live, cases[i].words,
                     hf_engine_errmsg(e));
    }
    /* an escaped member name is the same name */
    cJSON *d = route(e, ESC_CARDS, "{\"\\u0063ards\":{\"agents\":14,\"arrivals_per_hour\":200,"
                                   "\"aht_s\":180}}");
    t_assert_str(d, "queue", "cards");
    cJSON_Delete(d);
    hf_engine_free(e);
}

static void bad_escalations_are_rejected(void **state)
{
    (void)state;
    hf_engine *e = reference_engine();
    const char *live = live4(14, 14, 14, 110, NULL);
    static const struct {
        const char *esc, *words;
    } cases[] = {
        {"", "not valid JSON"},
        {"\"x\"", "must be a JSON object"},
        {"{}", "needs \"reason\""},
        {"{\"reason\":3}", "needs \"reason\""},
        {"{\"reason\":\"x\",\"priority\":\"asap\"}", "priority must be"},
        {"{\"reason\":\"x\",\"skills\":\"cards\"}", "skills must be an array of strings"},
        {"{\"reason\":\"x\",\"flags\":[1]}", "flags must be an array of strings"},
        {"{\"reason\":\"x\",\"language\":5}", "language must be a string"},
        {"{\"escalation\":5}", "\"escalation\" must be an object"},
        {"{\"status\":\"waiting\",\"step\":\"a\"}", "holds no escalation"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = route_rc(e, cases[i].esc, live);
        if (rc != HF_EINVAL)
            fail_msg("escalation %s: want invalid argument, got %s", cases[i].esc,
                     hf_strerror(rc));
        if (!strstr(hf_engine_errmsg(e), cases[i].words))
            fail_msg("escalation %s: message lacks \"%s\": %s", cases[i].esc, cases[i].words,
                     hf_engine_errmsg(e));
    }
    hf_engine_free(e);
}

/* Every file of JSONTestSuite's parsing corpus as the live state and as the escalation: the
 * n_ files must be rejected as invalid, and nothing may crash. */
static void json_test_suite_as_live_state_and_escalation(void **state)
{
    (void)state;
    const char *src = getenv("HF_SOURCE_DIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/../shared/data/jsontestsuite/test_parsing", src ? src : ".");
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(dir, sizeof dir, "/work/shared/data/jsontestsuite/test_parsing");
        d = opendir(dir);
    }
    if (!d)
        skip();
    hf_engine *e = reference_engine();
    const char *live = live4(14, 14, 14, 110, NULL);
    struct dirent *ent;
    int files = 0;
    while ((ent = readdir(d))) {
        const char *n = ent->d_name;
        if (n[0] == '.' || !strstr(n, ".json"))
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, n);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *text = malloc((size_t)len + 1);
        assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
        text[len] = '\0';
        fclose(f);
        const char *out;
        int as_live = hf_route(e, ESC_CARDS, strlen(ESC_CARDS), text, (size_t)len, &out, NULL);
        int as_esc = hf_route(e, text, (size_t)len, live, strlen(live), &out, NULL);
        if (n[0] == 'n' && (as_live != HF_EINVAL || as_esc != HF_EINVAL))
            fail_msg("%s: want invalid argument both ways, got %s / %s", n,
                     hf_strerror(as_live), hf_strerror(as_esc));
        /* valid JSON of another shape is invalid too; an empty object names no open queue */
        if (as_live != HF_OK && as_live != HF_EINVAL && as_live != HF_ENOTFOUND)
            fail_msg("%s as live state: %s", n, hf_strerror(as_live));
        if (as_esc != HF_OK && as_esc != HF_EINVAL)
            fail_msg("%s as escalation: %s", n, hf_strerror(as_esc));
        free(text);
        files++;
    }
    closedir(d);
    assert_true(files > 300);
    /* and the engine still routes */
    cJSON *j = route(e, ESC_CARDS, live);
    t_assert_str(j, "queue", "cards");
    cJSON_Delete(j);
    hf_engine_free(e);
}

/* ---- memory -------------------------------------------------------------------------------- */

typedef struct countdown {
    long left; /* allocations until one fails; < 0 never */
    int failed;
} countdown;

static void *countdown_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    countdown *c = ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (c->left == 0) {
        c->failed = 1;
        return NULL;
    }
    if (c->left > 0)
        c->left--;
    return realloc(ptr, nsize);
}

/* Fails the N-th allocation of engine creation, routing load and a routing decision, for every
 * N: each either works or fails with HF_ENOMEM, and nothing leaks (ASan checks that). */
static void allocation_failures_fail_cleanly(void **state)
{
    (void)state;
    size_t len;
    char *src = t_read_source("flows/routing.lua", &len);
    const char *live = live4(13, 14, 14, 110, NULL);
    const char *esc = "{\"reason\":\"repeat_contact\",\"skills\":[\"cards\"],\"flags\":[\"x\"]}";
    int complete = 0;
    for (long n = 0; n < 20000 && !complete; n++) {
        countdown c = {n, 0};
        hf_engine_options o = HF_ENGINE_OPTIONS_INIT;
        o.alloc = countdown_alloc;
        o.alloc_ud = &c;
        hf_engine *e = NULL;
        int rc = hf_engine_new(&e, &o);
        if (rc != HF_OK) {
            assert_int_equal(rc, HF_ENOMEM);
            continue;
        }
        rc = hf_engine_load_routing(e, src, len, "routing.lua");
        if (rc == HF_OK) {
            const char *d = NULL;
            for (int k = 0; k < 2 && rc == HF_OK; k++)
                rc = hf_route(e, esc, strlen(esc), live, strlen(live), &d, NULL);
            if (rc == HF_OK) {
                assert_non_null(strstr(d, "\"queue\":\"general\""));
                complete = !c.failed;
            }
        }
        if (rc != HF_OK && rc != HF_ENOMEM)
            fail_msg("fail at %ld: %s: %s", n, hf_strerror(rc), hf_engine_errmsg(e));
        hf_engine_free(e);
    }
    assert_true(complete);
    free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(erlang_c_13_agents_10_erlangs),
        cmocka_unit_test(erlang_c_14_agents_10_erlangs),
        cmocka_unit_test(erlang_c_11_agents_10_erlangs),
        cmocka_unit_test(erlang_c_110_agents_100_erlangs),
        cmocka_unit_test(fewer_agents_than_erlangs_is_an_unbounded_wait),
        cmocka_unit_test(hundreds_of_agents_stay_finite_and_sane),
        cmocka_unit_test(first_matching_rule_with_a_queue_wins),
        cmocka_unit_test(adjust_only_rules_raise_priority_and_matching_goes_on),
        cmocka_unit_test(table_and_function_conditions),
        cmocka_unit_test(a_failing_rule_function_does_not_match_and_says_why),
        cmocka_unit_test(overflow_taken_when_the_queue_misses_its_target),
        cmocka_unit_test(overflow_not_taken),
        cmocka_unit_test(closed_and_unstaffed_queues_are_skipped),
        cmocka_unit_test(opening_hours_close_a_queue),
        cmocka_unit_test(rule_functions_share_one_budget_per_decision),
        cmocka_unit_test(a_session_output_routes_by_its_escalation),
        cmocka_unit_test(misuse_and_no_routing),
        cmocka_unit_test(a_later_load_replaces_and_a_failed_one_keeps),
        cmocka_unit_test(bad_configs_fail_with_messages_naming_the_queue_or_rule),
        cmocka_unit_test(the_reference_config_loads),
        cmocka_unit_test(bad_live_state_is_rejected),
        cmocka_unit_test(bad_escalations_are_rejected),
        cmocka_unit_test(json_test_suite_as_live_state_and_escalation),
        cmocka_unit_test(allocation_failures_fail_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
