/*
 * test_flow_paths.c — drives the reference flow library (flows/) through its path tests.
 *
 * Every .lua file in flows/ is loaded into one engine (a flow that `call`s another fails until
 * its callee is loaded, so failed loads are retried until a pass loads nothing new). Then every
 * flows/NAME.paths.json is run, one cmocka test per file:
 *
 *   [{"name": "...", "flow": "card_declined", "context": {...},
 *     "steps": [{"expect": {...}},                          -- the output right after start
 *               {"send": {...event...}, "expect": {...}},   -- an event that must be accepted
 *               {"send": {...}, "reject": "unknown_option"}, ...]}]
 *
 * "expect" maps dotted paths into the output ("escalation.reason", "ui.0.text"; numbers index
 * arrays) to JSON values, compared as JSON; an expected null also matches a missing member.
 * "send" is an event object, or a string sent as it is (to send malformed JSON). "reject" says
 * the event must be refused with that error.code, leaving the output byte-for-byte unchanged.
 * "context" (absent: the one in NAME.fixtures.json) is the start context. Failures name the
 * file, the case and the step's index (0 is the start). HF_PATHS_TRACE=1 prints every exchange.
 *
 * Two checks span the files: every step of every loaded flow is entered by some case (the
 * distinct step ids seen in outputs and escalation paths, per flow, must number the flow's
 * "steps" from hf_engine_flows()), and NAME.fixtures.json — what `helpflow run` answers host
 * actions from — has a well-formed answer for every action and host event the cases meet.
 */
#include <dirent.h>
#include <stdbool.h>

#include "harness.h"

#define MAX_FILES 128

typedef struct paths_file {
    char name[256];   /* "card_declined" for card_declined.paths.json */
    int failed_cases; /* set by its test, for the summary */
} paths_file;

/* What the whole program shares: one engine with every flow, and what the cases met. */
static struct {
    hf_engine *engine;
    char dir[4096];         /* HF_SOURCE_DIR/flows */
    char *load_errors;      /* messages of flows that did not load, NULL if all did */
    size_t nloaded;
    paths_file files[MAX_FILES];
    size_t nfiles;
    cJSON *seen_steps;      /* {flow: {step: true}} */
    cJSON *seen_actions;    /* {file: {action name: true}} */
    cJSON *seen_events;     /* {file: {event name: true}} */
    int paths_ran;          /* path files whose test ran */
    cJSON *seen_reasons;    /* {reason: true}, over every case that escalated */
} G;

/* ---------------------------------------------------------------------------------------- */
/* Small helpers.                                                                            */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
            buf = malloc((size_t)n + 1);
            if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
                free(buf);
                buf = NULL;
            } else if (buf) {
                buf[n] = '\0';
            }
        }
    }
    fclose(f);
    return buf;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

/* Appends a formatted line to a growing message. */
static void append(char **buf, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t old = *buf ? strlen(*buf) : 0;
    char *p = realloc(*buf, old + strlen(line) + 2);
    if (!p)
        return;
    memcpy(p + old, line, strlen(line));
    p[old + strlen(line)] = '\n';
    p[old + strlen(line) + 1] = '\0';
    *buf = p;
}

/* Marks set[outer][inner] = true, creating the inner object. */
static void mark(cJSON *set, const char *outer, const char *inner)
{
    cJSON *o = cJSON_GetObjectItemCaseSensitive(set, outer);
    if (!o)
        o = cJSON_AddObjectToObject(set, outer);
    if (o && !cJSON_GetObjectItemCaseSensitive(o, inner))
        cJSON_AddTrueToObject(o, inner);
}

static int count_members(const cJSON *o)
{
    return o ? cJSON_GetArraySize(o) : 0;
}

static char *json_text(const cJSON *j)
{
    return j ? cJSON_PrintUnformatted(j) : NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Loading.                                                                                  */

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Loads every .lua file in flows/, retrying failures until a pass loads nothing new. */
static void load_flows(void)
{
    struct dirent **ents = NULL;
    int n = scandir(G.dir, &ents, NULL, by_name);
    if (n < 0) {
        append(&G.load_errors, "cannot list %s", G.dir);
        return;
    }
    char *paths[MAX_FILES];
    int done[MAX_FILES] = {0};
    size_t np = 0;
    for (int i = 0; i < n; i++) {
        const char *nm = ents[i]->d_name;
        if (t_is_flow_file(nm) && np < MAX_FILES) { /* not routing.lua, tests, manifest */
            paths[np] = malloc(strlen(G.dir) + strlen(nm) + 2);
            sprintf(paths[np], "%s/%s", G.dir, nm);
            np++;
        } else if (has_suffix(nm, ".paths.json") && G.nfiles < MAX_FILES) {
            paths_file *pf = &G.files[G.nfiles++];
            snprintf(pf->name, sizeof pf->name, "%.*s", (int)(strlen(nm) - strlen(".paths.json")),
                     nm);
        }
        free(ents[i]);
    }
    free(ents);

    char *last_err[MAX_FILES] = {0};
    for (int progress = 1; progress;) {
        progress = 0;
        for (size_t i = 0; i < np; i++) {
            if (done[i])
                continue;
            const char *id = NULL;
            int rc = hf_engine_load_file(G.engine, paths[i], &id);
            free(last_err[i]);
            last_err[i] = NULL;
            if (rc == HF_OK) {
                done[i] = 1;
                progress = 1;
                G.nloaded++;
            } else {
                size_t len = strlen(hf_engine_errmsg(G.engine)) + 64;
                last_err[i] = malloc(len);
                snprintf(last_err[i], len, "(%s) %s", hf_strerror(rc), hf_engine_errmsg(G.engine));
            }
        }
    }
    for (size_t i = 0; i < np; i++) {
        if (!done[i])
            append(&G.load_errors, "%s: %s", paths[i], last_err[i] ? last_err[i] : "?");
        free(last_err[i]);
        free(paths[i]);
    }
    if (np == 0)
        append(&G.load_errors, "no flows in %s", G.dir);
}

static int group_setup(void **state)
{
    (void)state;
    const char *src = getenv("HF_SOURCE_DIR");
    snprintf(G.dir, sizeof G.dir, "%s/flows", src ? src : ".");
    if (hf_engine_new(&G.engine, NULL) != HF_OK)
        return -1;
    G.seen_steps = cJSON_CreateObject();
    G.seen_actions = cJSON_CreateObject();
    G.seen_events = cJSON_CreateObject();
    G.seen_reasons = cJSON_CreateObject();
    load_flows();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    hf_engine_free(G.engine);
    cJSON_Delete(G.seen_steps);
    cJSON_Delete(G.seen_actions);
    cJSON_Delete(G.seen_events);
    cJSON_Delete(G.seen_reasons);
    free(G.load_errors);
    return 0;
}

static void test_every_flow_loads(void **state)
{
    (void)state;
    if (G.load_errors)
        fail_msg("flows that did not load:\n%s", G.load_errors);
    assert_true(G.nloaded > 0);
}

/* ---------------------------------------------------------------------------------------- */
/* Running the cases.                                                                        */

/*
 * Records the steps an output shows: its own, and every entry of an escalation's path. Inside a
 * subflow the output's "flow" is still the session's flow and "subflow" names the step's flow;
 * a path entry names its flow in "flow" inside a subflow.
 */
static void note_output(cJSON *out, const char *case_flow, const char *file)
{
    cJSON *flow = cJSON_GetObjectItemCaseSensitive(out, "subflow");
    if (!cJSON_IsString(flow))
        flow = cJSON_GetObjectItemCaseSensitive(out, "flow");
    cJSON *step = cJSON_GetObjectItemCaseSensitive(out, "step");
    if (cJSON_IsString(step))
        mark(G.seen_steps, cJSON_IsString(flow) ? flow->valuestring : case_flow,
             step->valuestring);
    cJSON *entry;
    cJSON_ArrayForEach(entry, t_get(out, "escalation.path"))
    {
        cJSON *s = cJSON_GetObjectItemCaseSensitive(entry, "step");
        cJSON *f = cJSON_GetObjectItemCaseSensitive(entry, "flow");
        if (cJSON_IsString(s))
            mark(G.seen_steps, cJSON_IsString(f) ? f->valuestring : case_flow, s->valuestring);
    }
    cJSON *name = t_get(out, "action.name");
    if (cJSON_IsString(name) && cJSON_IsString(t_get(out, "status")) &&
        strcmp(t_get(out, "status")->valuestring, "action") == 0)
        mark(G.seen_actions, file, name->valuestring);
}

/* Checks every expectation; appends a line per mismatch to *why. Returns mismatches. */
static int check_expect(cJSON *out, cJSON *expect, char **why)
{
    int bad = 0;
    cJSON *want;
    cJSON_ArrayForEach(want, expect)
    {
        cJSON *got = t_get(out, want->string);
        int ok = cJSON_IsNull(want) ? (!got || cJSON_IsNull(got))
                                    : (got && cJSON_Compare(want, got, 1));
        if (!ok) {
            char *w = json_text(want), *g = json_text(got);
            append(why, "    %s: want %s, got %s", want->string, w, g ? g : "(absent)");
            cJSON_free(w);
            cJSON_free(g);
            bad++;
        }
    }
    return bad;
}

/* Runs one case on a fresh session. Returns 0 if every step held, else prints why and 1. */
/* The handoff package an agent reads: complete, and free of engine internals. */
static void check_package(cJSON *esc, char **why)
{
    static const char *const priorities[] = {"low", "normal", "high", "urgent"};
    cJSON *reason = cJSON_GetObjectItemCaseSensitive(esc, "reason");
    cJSON *priority = cJSON_GetObjectItemCaseSensitive(esc, "priority");
    cJSON *collected = cJSON_GetObjectItemCaseSensitive(esc, "collected");
    cJSON *path = cJSON_GetObjectItemCaseSensitive(esc, "path");
    cJSON *summary = cJSON_GetObjectItemCaseSensitive(esc, "summary");
    cJSON *item;
    if (!cJSON_IsString(reason) || !reason->valuestring[0])
        append(why, "    escalation has no reason");
    else
        mark(G.seen_reasons, "reasons", reason->valuestring);
    bool known = false;
    for (size_t i = 0; cJSON_IsString(priority) && i < 4; i++)
        known |= strcmp(priority->valuestring, priorities[i]) == 0;
    if (!known)
        append(why, "    escalation priority is not low, normal, high or urgent");
    const char *lists[] = {"skills", "flags"};
    for (size_t i = 0; i < 2; i++) {
        cJSON *l = cJSON_GetObjectItemCaseSensitive(esc, lists[i]);
        if (!cJSON_IsArray(l))
            append(why, "    escalation %s is not a list", lists[i]);
        cJSON_ArrayForEach(item, l) if (!cJSON_IsString(item))
            append(why, "    escalation %s holds a non-string", lists[i]);
    }
    if (!cJSON_IsObject(collected))
        append(why, "    escalation has no collected object");
    const char *internals[] = {"session", "at", "prior_outcomes"};
    for (size_t i = 0; i < 3; i++)
        if (cJSON_GetObjectItemCaseSensitive(collected, internals[i]))
            append(why, "    collected holds the engine's \"%s\"", internals[i]);
    if (!cJSON_IsArray(path))
        append(why, "    escalation has no path");
    cJSON_ArrayForEach(item, path) if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(item, "step")))
        append(why, "    a path entry has no step");
    if (!cJSON_IsString(summary) || strlen(summary->valuestring) < 20)
        append(why, "    escalation has no readable summary");
}

static int run_case(const char *file, cJSON *c, cJSON *fixture_ctx)
{
    cJSON *jname = cJSON_GetObjectItemCaseSensitive(c, "name");
    cJSON *jflow = cJSON_GetObjectItemCaseSensitive(c, "flow");
    cJSON *steps = cJSON_GetObjectItemCaseSensitive(c, "steps");
    const char *name = cJSON_IsString(jname) ? jname->valuestring : "(unnamed)";
    if (!cJSON_IsString(jflow) || !cJSON_IsArray(steps) || cJSON_GetArraySize(steps) == 0) {
        print_error("%s: case '%s': needs \"flow\" and a non-empty \"steps\"\n", file, name);
        return 1;
    }
    cJSON *ctx = cJSON_GetObjectItemCaseSensitive(c, "context");
    char *ctx_text = json_text(ctx ? ctx : fixture_ctx);

    hf_session *s = NULL;
    int rc = hf_session_start(&s, G.engine, jflow->valuestring, ctx_text,
                              ctx_text ? strlen(ctx_text) : 0);
    cJSON_free(ctx_text);
    if (rc != HF_OK) {
        print_error("%s: case '%s': start %s failed (%s): %s\n", file, name, jflow->valuestring,
                    hf_strerror(rc), hf_engine_errmsg(G.engine));
        return 1;
    }

    int failed = 0, index = 0, escalations = 0;
    const char *last_status = "";
    cJSON *st;
    cJSON_ArrayForEach(st, steps)
    {
        char *why = NULL;
        cJSON *send = cJSON_GetObjectItemCaseSensitive(st, "send");
        cJSON *reject = cJSON_GetObjectItemCaseSensitive(st, "reject");
        cJSON *expect = cJSON_GetObjectItemCaseSensitive(st, "expect");
        char *event = NULL;
        const char *reply = NULL;
        cJSON *out = NULL;

        if (send) {
            event = cJSON_IsString(send) ? strdup(send->valuestring) : json_text(send);
            size_t before_len = 0;
            const char *b = hf_session_output(s, &before_len);
            char *before = malloc(before_len + 1);
            memcpy(before, b, before_len + 1);
            rc = hf_session_send(s, event, strlen(event), &reply, NULL);
            out = reply ? cJSON_Parse(reply) : NULL;
            if (!out) {
                append(&why, "    reply is not JSON");
            } else if (reject) {
                cJSON *code = t_get(out, "error.code");
                if (rc == HF_OK)
                    append(&why, "    want rejection %s, but the event was accepted",
                           cJSON_IsString(reject) ? reject->valuestring : "?");
                else if (!cJSON_IsString(code))
                    append(&why, "    rejection (%s) has no error.code", hf_strerror(rc));
                else if (cJSON_IsString(reject) && strcmp(code->valuestring, reject->valuestring))
                    append(&why, "    error.code: want %s, got %s (%s)", reject->valuestring,
                           code->valuestring, hf_strerror(rc));
                size_t after_len = 0;
                const char *after = hf_session_output(s, &after_len);
                if (rc != HF_OK && (after_len != before_len || memcmp(before, after, after_len)))
                    append(&why, "    the rejected event changed the output:\n    before %s\n"
                                 "    after  %s", before, after);
            } else if (rc != HF_OK) {
                append(&why, "    the event was refused (%s)", hf_strerror(rc));
            } else {
                cJSON *type = cJSON_GetObjectItemCaseSensitive(send, "type");
                cJSON *ev = cJSON_GetObjectItemCaseSensitive(send, "name");
                if (cJSON_IsString(type) && strcmp(type->valuestring, "event") == 0 &&
                    cJSON_IsString(ev))
                    mark(G.seen_events, file, ev->valuestring);
            }
            free(before);
        } else {
            if (index > 0)
                append(&why, "    only the first step may leave out \"send\"");
            out = t_output(s);
        }
        if (getenv("HF_PATHS_TRACE")) /* HF_PATHS_TRACE=1 prints every exchange */
            printf("%s | %s | %d | %s\n  -> %s\n", file, name, index, event ? event : "(start)",
                   reply ? reply : hf_session_output(s, NULL));
        if (out) {
            if (rc == HF_OK || !send) {
                note_output(out, jflow->valuestring, file);
                cJSON *status = cJSON_GetObjectItemCaseSensitive(out, "status");
                cJSON *esc = cJSON_GetObjectItemCaseSensitive(out, "escalation");
                last_status = cJSON_IsString(status) ? status->valuestring : "";
                if (esc) {
                    escalations++;
                    check_package(esc, &why);
                }
                if (esc && strcmp(last_status, "escalated") != 0)
                    append(&why, "    an escalation in a %s output", last_status);
                if (escalations > 1)
                    append(&why, "    escalated more than once");
                if (strcmp(last_status, "resolved") == 0 && escalations)
                    append(&why, "    resolved after an escalation");
            }
            if (expect)
                check_expect(out, expect, &why);
        }
        if (why) {
            char *ev_text = event ? event : NULL;
            print_error("%s: case '%s': step %d%s%s:\n%s    output: %s\n", file, name, index,
                        ev_text ? ", event " : "", ev_text ? ev_text : "", why,
                        reply ? reply : hf_session_output(s, NULL));
            free(why);
            failed = 1;
        }
        cJSON_Delete(out);
        free(event);
        if (failed)
            break; /* later steps depend on this one */
        index++;
    }
    hf_session_free(s);
    return failed;
}

static cJSON *load_json(const char *name, const char *suffix)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s%s", G.dir, name, suffix);
    char *text = read_file(path);
    if (!text)
        return NULL;
    cJSON *j = cJSON_Parse(text);
    free(text);
    return j;
}

static void test_paths(void **state)
{
    paths_file *pf = *state;
    G.paths_ran++;
    cJSON *cases = load_json(pf->name, ".paths.json");
    if (!cJSON_IsArray(cases))
        fail_msg("flows/%s.paths.json is missing or not a JSON array", pf->name);
    cJSON *fixtures = load_json(pf->name, ".fixtures.json");
    cJSON *fixture_ctx = cJSON_GetObjectItemCaseSensitive(fixtures, "context");

    char file[300];
    snprintf(file, sizeof file, "%s.paths.json", pf->name);
    int total = 0;
    cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        total++;
        pf->failed_cases += run_case(file, c, fixture_ctx);
    }
    cJSON_Delete(cases);
    cJSON_Delete(fixtures);
    if (pf->failed_cases)
        fail_msg("%s: %d of %d cases failed", file, pf->failed_cases, total);
}

/* ---------------------------------------------------------------------------------------- */
/* Checks across the files.                                                                  */

/* Every step of every flow is entered by some case. Needs the path tests to have run. */
static void test_every_step_is_covered(void **state)
{
    (void)state;
    if (G.paths_ran == 0)
        skip();
    const char *json = NULL;
    int rc = hf_engine_flows(G.engine, &json, NULL);
    if (rc != HF_OK)
        fail_msg("hf_engine_flows: %s", hf_strerror(rc));
    cJSON *flows = cJSON_Parse(json);
    if (!cJSON_IsArray(flows))
        fail_msg("hf_engine_flows is not a JSON array: %s", json);

    /* Newest version last: the last entry of an id wins. */
    cJSON *want = cJSON_CreateObject();
    cJSON *f;
    cJSON_ArrayForEach(f, flows)
    {
        cJSON *id = cJSON_GetObjectItemCaseSensitive(f, "id");
        cJSON *n = cJSON_GetObjectItemCaseSensitive(f, "steps");
        if (!cJSON_IsString(id) || !cJSON_IsNumber(n))
            fail_msg("flow entry without \"id\" or \"steps\": %s", json);
        cJSON_DeleteItemFromObjectCaseSensitive(want, id->valuestring);
        cJSON_AddNumberToObject(want, id->valuestring, n->valuedouble);
    }

    char *why = NULL;
    cJSON *w;
    cJSON_ArrayForEach(w, want)
    {
        cJSON *seen = cJSON_GetObjectItemCaseSensitive(G.seen_steps, w->string);
        int got = count_members(seen);
        if (got != (int)w->valuedouble) {
            char *list = NULL;
            cJSON *s;
            cJSON_ArrayForEach(s, seen) append(&list, "      %s", s->string);
            append(&why, "  %s: %d steps, %d distinct steps entered by its path tests:\n%s",
                   w->string, (int)w->valuedouble, got, list ? list : "      (none)");
            free(list);
        }
    }
    cJSON_ArrayForEach(w, G.seen_steps)
    {
        if (!cJSON_GetObjectItemCaseSensitive(want, w->string))
            append(&why, "  steps seen for %s, which is not a loaded flow", w->string);
    }
    cJSON_Delete(want);
    cJSON_Delete(flows);
    if (why)
        fail_msg("step coverage:\n%s", why);
}

/* Appends a problem if answer is not {"ok": true, "data"?} or {"ok": false, "error": "..."}. */
static void check_action_fixture(char **why, const char *file, const char *name, cJSON *answer)
{
    cJSON *ok = cJSON_GetObjectItemCaseSensitive(answer, "ok");
    cJSON *err = cJSON_GetObjectItemCaseSensitive(answer, "error");
    if (!cJSON_IsObject(answer) || !cJSON_IsBool(ok))
        append(why, "  %s: action %s: want {\"ok\": bool, ...}", file, name);
    else if (cJSON_IsFalse(ok) && !cJSON_IsString(err))
        append(why, "  %s: action %s: a failure needs an \"error\" string", file, name);
}

/* The reference flows' cases escalate for each reason the policy knows (flow_error, which
 * needs broken flow code, is tested in test_policy.c) and through explicit escalate steps. */
static void test_every_policy_reason_is_exercised(void **state)
{
    (void)state;
    if (G.paths_ran == 0)
        skip();
    static const char *const reasons[] = {"customer_requested", "input_failed", "loop",
                                          "action_failed", "repeat_contact"};
    cJSON *seen = cJSON_GetObjectItemCaseSensitive(G.seen_reasons, "reasons");
    char *why = NULL;
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (!cJSON_GetObjectItemCaseSensitive(seen, reasons[i]))
            append(&why, "  no case escalates with %s\n", reasons[i]);
    if (count_members(seen) <= (int)(sizeof reasons / sizeof reasons[0]))
        append(&why, "  no case escalates through an explicit escalate step\n");
    if (why)
        fail_msg("%s", why);
}

/* Each NAME.fixtures.json can start its flow and answers every action and event the cases met. */
static void test_fixtures_answer_what_the_flows_ask(void **state)
{
    (void)state;
    if (G.paths_ran == 0)
        skip();
    char *why = NULL;
    for (size_t i = 0; i < G.nfiles; i++) {
        const char *name = G.files[i].name;
        char file[300];
        snprintf(file, sizeof file, "%s.fixtures.json", name);
        cJSON *fx = load_json(name, ".fixtures.json");
        cJSON *ctx = cJSON_GetObjectItemCaseSensitive(fx, "context");
        cJSON *actions = cJSON_GetObjectItemCaseSensitive(fx, "actions");
        cJSON *events = cJSON_GetObjectItemCaseSensitive(fx, "events");
        if (!cJSON_IsObject(fx) || !cJSON_IsObject(ctx) || !cJSON_IsObject(actions) ||
            !cJSON_IsObject(events)) {
            append(&why, "  %s: missing, or not {\"context\": {}, \"actions\": {}, \"events\": {}}",
                   file);
            cJSON_Delete(fx);
            continue;
        }
        cJSON *a;
        cJSON_ArrayForEach(a, actions) check_action_fixture(&why, file, a->string, a);
        char paths_name[300];
        snprintf(paths_name, sizeof paths_name, "%s.paths.json", name);
        cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(G.seen_actions, paths_name))
        {
            if (!cJSON_GetObjectItemCaseSensitive(actions, a->string))
                append(&why, "  %s: no answer for action %s", file, a->string);
        }
        cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(G.seen_events, paths_name))
        {
            if (!cJSON_GetObjectItemCaseSensitive(events, a->string))
                append(&why, "  %s: no data for event %s", file, a->string);
        }
        /* The context starts the flow the file is named for. */
        char *ctx_text = json_text(ctx);
        hf_session *s = NULL;
        int rc = hf_session_start(&s, G.engine, name, ctx_text, strlen(ctx_text));
        if (rc != HF_OK)
            append(&why, "  %s: its context does not start flow %s (%s): %s", file, name,
                   hf_strerror(rc), hf_engine_errmsg(G.engine));
        hf_session_free(s);
        cJSON_free(ctx_text);
        cJSON_Delete(fx);
    }
    if (why)
        fail_msg("fixtures:\n%s", why);
}

int main(void)
{
    /* The path files are only known once the directory is listed; list it before the group. */
    if (group_setup(NULL) != 0) {
        fprintf(stderr, "cannot create an engine\n");
        return 1;
    }
    struct CMUnitTest tests[MAX_FILES + 4];
    size_t n = 0;
    tests[n++] = (struct CMUnitTest){"every_flow_loads", test_every_flow_loads, NULL, NULL, NULL};
    static char names[MAX_FILES][300];
    for (size_t i = 0; i < G.nfiles; i++) {
        snprintf(names[i], sizeof names[i], "paths_%s", G.files[i].name);
        tests[n++] = (struct CMUnitTest){names[i], test_paths, NULL, NULL, &G.files[i]};
    }
    tests[n++] = (struct CMUnitTest){"every_step_is_covered", test_every_step_is_covered, NULL,
                                     NULL, NULL};
    tests[n++] = (struct CMUnitTest){"every_policy_reason_is_exercised",
                                     test_every_policy_reason_is_exercised, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"fixtures_answer_what_the_flows_ask",
                                     test_fixtures_answer_what_the_flows_ask, NULL, NULL, NULL};
    int failed = _cmocka_run_group_tests("flow_paths", tests, n, NULL, NULL);
    group_teardown(NULL);
    return failed;
}
