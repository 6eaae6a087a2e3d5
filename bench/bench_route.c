/*
 * bench_route — routing decisions per second on one core (issue 3: >= 200,000/s), through the
 * public API: hf_route with escalation JSON and live-state JSON in, decision JSON out.
 *
 * The config has 20 queues and 50 rules: 5 adjust-only rules, 40 table conditions (skills,
 * reason, flags, flow), 4 function conditions and a catch-all. The escalations are full
 * escalation objects (reason, skills, priority, flags, collected, path, summary) chosen to be
 * decided at rules spread over the whole list, some by functions, some overflowing because
 * their queue misses its service-level target, one finding its queue closed. Timed in process
 * CPU time, in 9 rounds; the median round is the figure. The live state is one snapshot, as a
 * backend passes between refreshes (the router reuses what it read from it); a second figure
 * gives a new live state on every call.
 *
 * usage: bench_route [DECISIONS_PER_ROUND]   (default 200,000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpflow.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Appends to the buffer at p with `left` bytes left. */
#define ADD(...)                                                                              \
    do {                                                                                      \
        int n_ = snprintf(p, left, __VA_ARGS__);                                              \
        p += n_;                                                                              \
        left -= (size_t)n_;                                                                   \
    } while (0)

/* 20 queues: q00..q18 with one skill each (s00..s18), and general, which takes any. */
static char *config(void)
{
    static char buf[16384];
    char *p = buf;
    size_t left = sizeof buf;
    ADD("return routing {\n  service_level = { answer_within = 20, target = 0.8 },\n"
                   "  queues = {\n");
    for (int i = 0; i < 19; i++)
        ADD("    q%02d = { skills = { 's%02d' }, languages = { 'en' } },\n", i, i);
    ADD("    general = { languages = { 'en', 'cy' } },\n  },\n  rules = {\n");
    int rules = 0;
    for (int i = 0; i < 5; i++, rules++) /* adjust-only */
        ADD("    { when = { reason = 'adjust%d', flags = 'f%d' }, priority = 'high' },\n",
            i, i);
    for (int i = 0; i < 44; i++, rules++) {
        int q = i % 19;
        if (i % 11 == 10) /* a function every eleventh rule */
            ADD("    { when = function(e) return e.flags.f%02d ~= nil and "
                           "e.collected.amount > %d end, queue = 'q%02d', priority = 'urgent' },\n",
                i, i, q);
        else if (i % 3 == 0)
            ADD("    { when = { skills = 's%02d', reason = { 'not_resolved', 'r%02d' } }, "
                           "queue = 'q%02d', overflow = { 'general' } },\n", q, i, q);
        else if (i % 3 == 1)
            ADD("    { when = { flow = 'flow%02d', skills = 's%02d' }, queue = 'q%02d', "
                           "overflow = { 'general' } },\n", i, q, q);
        else
            ADD("    { when = { reason = 'r%02d', flags = { 'x', 'y' } }, queue = 'q%02d' },\n",
                i, q);
    }
    ADD("    { queue = 'general' },\n  },\n}\n");
    rules++;
    if (rules != 50) {
        fprintf(stderr, "config has %d rules\n", rules);
        exit(1);
    }
    return buf;
}

/* Live state: every queue 14 agents at 10 Erlangs (meets 80%/20 s), except q03 at 13 agents
 * (misses: overflow), q07 closed, general big. */
static char *live_state(void)
{
    static char buf[4096];
    char *p = buf;
    size_t left = sizeof buf;
    ADD("{");
    for (int i = 0; i < 19; i++) {
        if (i == 7)
            ADD("\"q%02d\":{\"open\":false},", i);
        else
            ADD("\"q%02d\":{\"agents\":%d,\"arrivals_per_hour\":200,\"aht_s\":180},", i,
                i == 3 ? 13 : 14);
    }
    ADD("\"general\":{\"agents\":110,\"arrivals_per_hour\":1200,\"aht_s\":300}}");
    return buf;
}

#define ESC(reason, skill, flags, extra) ESCF(reason, "none", skill, flags, extra)
#define ESCF(reason, flow, skill, flags, extra)                                               \
    "{\"reason\":\"" reason "\",\"flow\":\"" flow "\",\"skills\":[\"" skill "\"],\"priority\":\"normal\","           \
    "\"flags\":[" flags "],\"collected\":{\"card_id\":\"c_1\",\"amount\":" extra ","         \
    "\"locale\":\"en-GB\"},\"path\":[{\"step\":\"check_card\",\"result\":{\"frozen\":false}},"   \
    "{\"step\":\"ask_amount\",\"input\":12.5},{\"step\":\"lookup\",\"result\":{}}],"          \
    "\"summary\":\"Customer came for \\\"My card was declined\\\". Steps: check_card > "      \
    "ask_amount (entered 12.5) > lookup. Handed over: not_resolved.\"}"

static const char *const escalations[] = {
    ESC("not_resolved", "s00", "", "12.5"),             /* rule 6: first table rule */
    ESC("not_resolved", "s03", "", "12.5"),             /* q03 misses its target: overflow */
    ESC("r17", "s99", "\"y\"", "12.5"),                 /* rule 23 */
    ESCF("adjust1", "flow07", "s07", "\"f1\"", "12.5"), /* adjust, rule 13: q07 closed */
    ESC("not_resolved", "s99", "\"f21\"", "500"),       /* function rule 27 (i = 21) holds */
    ESC("r41", "s99", "\"x\",\"f32\"", "5"),            /* functions evaluated, rule 47 */
    ESC("nothing", "s99", "", "1"),                     /* every rule, then the catch-all */
    ESC("not_resolved", "s12", "", "12.5"),             /* rule 42 */
};
#define NESC (sizeof escalations / sizeof escalations[0])

int main(int argc, char **argv)
{
    long per_round = argc > 1 ? atol(argv[1]) : 200000;
    hf_engine *e;
    if (hf_engine_new(&e, NULL) != HF_OK)
        return 1;
    const char *src = config();
    if (hf_engine_load_routing(e, src, strlen(src), "bench_routing.lua") != HF_OK) {
        fprintf(stderr, "config: %s\n", hf_engine_errmsg(e));
        return 1;
    }
    const char *live = live_state();
    size_t llen = strlen(live), elen[NESC];
    for (size_t i = 0; i < NESC; i++) {
        elen[i] = strlen(escalations[i]);
        const char *d;
        if (hf_route(e, escalations[i], elen[i], live, llen, &d, NULL) != HF_OK) {
            fprintf(stderr, "escalation %zu: %s\n", i, hf_engine_errmsg(e));
            return 1;
        }
        if (argc > 2)
            printf("%s\n", d);
    }
    printf("helpflow %s — routing benchmark (20 queues, 50 rules, %zu escalations)\n",
           hf_version(), NESC);
    enum { ROUNDS = 9 };
    double t[ROUNDS];
    size_t bytes = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now();
        for (long k = 0; k < per_round; k++) {
            size_t i = (size_t)k % NESC, len;
            const char *d;
            if (hf_route(e, escalations[i], elen[i], live, llen, &d, &len) != HF_OK) {
                fprintf(stderr, "route failed: %s\n", hf_engine_errmsg(e));
                return 1;
            }
            bytes += len;
        }
        t[r] = now() - t0;
    }
    qsort(t, ROUNDS, sizeof t[0], cmp_double);
    double rate = (double)per_round / t[ROUNDS / 2];
    printf("routing decisions per second (one core): %9.0f   target >= 200000  %s\n", rate,
           rate >= 200000 ? "ok" : "MISSED");
    printf("  (median of %d rounds of %ld; slowest %.0f, fastest %.0f; %.0f bytes of decision "
           "JSON each)\n", ROUNDS, per_round, (double)per_round / t[ROUNDS - 1],
           (double)per_round / t[0], (double)bytes / ((double)per_round * ROUNDS));

    /* The same with a new live state on every call (two snapshots, alternating): the worst
     * case, where nothing read from the live state can be reused. */
    char *live2 = strdup(live);
    char *at = strstr(live2, "\"agents\":110");
    at[11] = '1'; /* general: 111 agents instead of 110 */
    const char *lives[2] = {live, live2};
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now();
        for (long k = 0; k < per_round / 4; k++) {
            size_t i = (size_t)k % NESC;
            const char *d;
            if (hf_route(e, escalations[i], elen[i], lives[k & 1], llen, &d, NULL) != HF_OK)
                return 1;
        }
        t[r] = now() - t0;
    }
    qsort(t, ROUNDS, sizeof t[0], cmp_double);
    printf("  with a new live state on every call:  %9.0f /s (median of %d rounds of %ld)\n",
           (double)(per_round / 4) / t[ROUNDS / 2], ROUNDS, per_round / 4);
    free(live2);
    hf_engine_free(e);
    return 0;
}
