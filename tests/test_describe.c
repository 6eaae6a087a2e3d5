/*
 * test_describe.c — the introspection tools build on: hf_flow_describe(), the trace hook and
 * the outcome record's trail. The reference flows are described and driven through their
 * path tests with a trace, and every step a trace reports entering must be an edge the
 * description lists (the coverage tool matches the two one to one); small flows pin the exact
 * trace of each way in, and the trail of outcome records.
 */
#include <dirent.h>
#include <stdbool.h>

#include "harness.h"

/* ---------------------------------------------------------------------------------------- */
/* A trace recorder.                                                                         */

typedef struct rec {
    char *flow, *from, *to, *via;
    int64_t version;
} rec;

typedef struct tracelog {
    rec *r;
    size_t n, cap;
    char text[8192]; /* "[flow] from -> to (via)" lines; from "-" when NULL */
} tracelog;

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static void on_trace(void *ud, const char *flow, int64_t version, const char *from,
                     const char *to, const char *via)
{
    tracelog *t = ud;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->r = realloc(t->r, sizeof *t->r * t->cap);
    }
    t->r[t->n++] = (rec){strdup(flow), dup_or_null(from), strdup(to), strdup(via), version};
    size_t at = strlen(t->text);
    snprintf(t->text + at, sizeof t->text - at, "[%s] %s -> %s (%s)\n", flow, from ? from : "-",
             to, via);
}

static void log_clear(tracelog *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->r[i].flow);
        free(t->r[i].from);
        free(t->r[i].to);
        free(t->r[i].via);
    }
    t->n = 0;
    t->text[0] = '\0';
}

static void log_free(tracelog *t)
{
    log_clear(t);
    free(t->r);
    t->r = NULL;
    t->cap = 0;
}

static hf_engine *traced_engine(tracelog *t)
{
    hf_engine_options o;
    assert_int_equal(hf_engine_options_init(&o, HF_ENGINE_OPTIONS_VERSION), HF_OK);
    o.trace = on_trace;
    o.trace_ud = t;
    hf_engine *e = NULL;
    assert_int_equal(hf_engine_new(&e, &o), HF_OK);
    return e;
}

#define REJECT(s, ev, rc, code) t_reject((s), (ev), strlen(ev), (rc), (code))

/* Sends an event that must be accepted. */
static void send_ok(hf_session *s, const char *event)
{
    cJSON_Delete(t_send(s, event));
}

#define assert_trace(t, want)                                                                 \
    do {                                                                                      \
        if (strcmp((t)->text, (want)) != 0)                                                   \
            fail_msg("trace:\n%swant:\n%s", (t)->text, (want));                               \
    } while (0)

/* ---------------------------------------------------------------------------------------- */
/* Descriptions, and checking a trace against them.                                          */

static cJSON *describe(hf_engine *e, const char *id, int64_t version)
{
    const char *json = NULL;
    size_t len = 0;
    int rc = hf_flow_describe(e, id, version, &json, &len);
    if (rc != HF_OK)
        fail_msg("describe %s: %s: %s", id, hf_strerror(rc), hf_engine_errmsg(e));
    assert_int_equal(len, strlen(json));
    cJSON *j = cJSON_Parse(json);
    if (!j)
        fail_msg("describe %s is not JSON: %s", id, json);
    return j;
}

static cJSON *step_of(cJSON *flow, const char *id)
{
    cJSON *st;
    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(flow, "steps"))
    {
        if (strcmp(t_str(st, "id"), id) == 0)
            return st;
    }
    return NULL;
}

static bool has_edge(cJSON *step, const char *to, const char *via)
{
    cJSON *ed;
    cJSON_ArrayForEach(ed, cJSON_GetObjectItemCaseSensitive(step, "edges"))
    {
        if (strcmp(t_str(ed, "to"), to) == 0 && strcmp(t_str(ed, "via"), via) == 0)
            return true;
    }
    return false;
}

/* Whether a step waits for the customer: where `back` may return to. */
static bool waits(cJSON *step)
{
    const char *kind = t_str(step, "kind");
    return strcmp(kind, "ask") == 0 || strcmp(kind, "wait") == 0 ||
           (strcmp(kind, "say") == 0 && cJSON_GetArraySize(t_get(step, "edges")) > 0 &&
            strncmp(t_str(step, "edges.0.via"), "choice:", 7) == 0);
}

/* Fails unless a traced step entry is something describe says the flow can do. */
static void check_rec(hf_engine *e, const rec *r)
{
    cJSON *d = describe(e, r->flow, r->version);
    cJSON *to = step_of(d, r->to);
    if (!to)
        fail_msg("trace enters unknown step %s of %s", r->to, r->flow);
    if (strcmp(r->via, "start") == 0) {
        if (r->from || strcmp(r->to, t_str(d, "start")) != 0)
            fail_msg("%s: start at %s from %s", r->flow, r->to, r->from ? r->from : "-");
        cJSON_Delete(d);
        return;
    }
    if (!r->from)
        fail_msg("%s: no from for %s (%s)", r->flow, r->to, r->via);
    cJSON *from = step_of(d, r->from);
    if (!from)
        fail_msg("trace leaves unknown step %s of %s", r->from, r->flow);
    bool ok;
    if (strcmp(r->via, "intent:restart") == 0) {
        ok = strcmp(r->to, t_str(d, "start")) == 0;
    } else if (strcmp(r->via, "intent:back") == 0) {
        ok = waits(to);
    } else if (strncmp(r->via, "intent:", 7) == 0) {
        ok = false;
        cJSON *in;
        cJSON_ArrayForEach(in, t_get(d, "intents"))
        {
            ok |= strcmp(t_str(in, "name"), r->via + 7) == 0 && cJSON_IsString(t_get(in, "to")) &&
                  strcmp(t_str(in, "to"), r->to) == 0;
        }
    } else {
        ok = has_edge(from, r->to, r->via);
    }
    if (!ok) {
        char *txt = cJSON_PrintUnformatted(from);
        fail_msg("%s: traced %s -> %s (%s) is not an edge of: %s", r->flow, r->from, r->to,
                 r->via, txt);
    }
    cJSON_Delete(d);
}

/* ---------------------------------------------------------------------------------------- */
/* The reference flows.                                                                      */

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Loads every flow in flows/ (routing.lua is not one), callees before callers: a load that
 * fails is retried while another pass loads something. names gets each NAME of
 * flows/NAME.paths.json. */
static void load_reference(hf_engine *e, char names[][256], size_t *nnames)
{
    char dir[4096];
    const char *src = getenv("HF_SOURCE_DIR");
    snprintf(dir, sizeof dir, "%s/flows", src ? src : ".");
    struct dirent **ents = NULL;
    int n = scandir(dir, &ents, NULL, by_name);
    if (n < 0)
        fail_msg("cannot list %s", dir);
    char *paths[128];
    size_t np = 0;
    *nnames = 0;
    for (int i = 0; i < n; i++) {
        const char *nm = ents[i]->d_name;
        if (t_is_flow_file(nm) && np < 128) {
            paths[np] = malloc(strlen(dir) + strlen(nm) + 2);
            sprintf(paths[np++], "%s/%s", dir, nm);
        } else if (has_suffix(nm, ".paths.json") && *nnames < 64) {
            snprintf(names[(*nnames)++], 256, "%.*s", (int)(strlen(nm) - strlen(".paths.json")),
                     nm);
        }
        free(ents[i]);
    }
    free(ents);
    bool done[128] = {false};
    for (bool progress = true; progress;) {
        progress = false;
        for (size_t i = 0; i < np; i++)
            if (!done[i] && hf_engine_load_file(e, paths[i], NULL) == HF_OK)
                done[i] = progress = true;
    }
    for (size_t i = 0; i < np; i++) {
        if (!done[i])
            fail_msg("%s does not load: %s", paths[i], hf_engine_errmsg(e));
        free(paths[i]);
    }
    assert_true(np >= 5);
}

static void every_reference_flow_describes_a_consistent_graph(void **state)
{
    hf_engine *e = t_engine();
    char names[64][256];
    size_t nnames;
    load_reference(e, names, &nnames);
    const char *list = NULL;
    assert_int_equal(hf_engine_flows(e, &list, NULL), HF_OK);
    cJSON *flows = cJSON_Parse(list);
    cJSON *f;
    int described = 0;
    cJSON_ArrayForEach(f, flows)
    {
        const char *id = t_str(f, "id");
        cJSON *d = describe(e, id, (int64_t)t_num(f, "version"));
        t_assert_str(d, "id", id);
        assert_int_equal((int)t_num(d, "version"), (int)t_num(f, "version"));
        t_assert_str(d, "source", t_str(f, "source"));
        cJSON *steps = t_get(d, "steps");
        assert_int_equal(cJSON_GetArraySize(steps), (int)t_num(f, "steps"));
        assert_non_null(step_of(d, t_str(d, "start")));
        const char *prev = "";
        cJSON *st;
        cJSON_ArrayForEach(st, steps)
        {
            const char *sid = t_str(st, "id");
            if (strcmp(prev, sid) >= 0)
                fail_msg("%s: steps not in id order at %s", id, sid);
            prev = sid;
            bool final = cJSON_IsTrue(t_get(st, "final"));
            int nedges = cJSON_GetArraySize(t_get(st, "edges"));
            if (final != (nedges == 0))
                fail_msg("%s: step %s: final %d with %d edges", id, sid, final, nedges);
            assert_true(cJSON_IsArray(t_get(st, "texts")));
            assert_true(cJSON_IsArray(t_get(st, "flags")));
            cJSON *ed, *ed2;
            cJSON_ArrayForEach(ed, t_get(st, "edges"))
            {
                if (!step_of(d, t_str(ed, "to")))
                    fail_msg("%s: step %s: edge to unknown step %s", id, sid, t_str(ed, "to"));
                assert_true(cJSON_IsString(t_get(ed, "label")));
                int same = 0;
                cJSON_ArrayForEach(ed2, t_get(st, "edges")) same +=
                    strcmp(t_str(ed, "to"), t_str(ed2, "to")) == 0 &&
                    strcmp(t_str(ed, "via"), t_str(ed2, "via")) == 0;
                assert_int_equal(same, 1);
            }
            if (strcmp(t_str(st, "kind"), "call") == 0) {
                t_assert_str(st, "edges.0.via", "return");
                cJSON *callee = describe(e, t_str(st, "flow"), 0); /* it is loaded */
                cJSON_Delete(callee);
            }
        }
        cJSON *in;
        cJSON_ArrayForEach(in, t_get(d, "intents"))
        {
            cJSON *to = t_get(in, "to");
            assert_true(cJSON_IsNull(to) || (cJSON_IsString(to) && step_of(d, to->valuestring)));
        }
        cJSON_Delete(d);
        described++;
    }
    assert_true(described >= 5);
    cJSON_Delete(flows);
    hf_engine_free(e);
}

/* Checks a finished session's trail against what the trace saw it enter: the same steps, in
 * order, "flow/step" for those of another flow than the session's. */
static void check_trail(hf_session *s, const char *flow, const tracelog *t, const char *where)
{
    const char *json = NULL;
    assert_int_equal(hf_session_outcome(s, &json, NULL), HF_OK);
    cJSON *o = cJSON_Parse(json);
    cJSON *trail = t_get(o, "trail");
    if (!cJSON_IsArray(trail))
        fail_msg("%s: outcome has no trail: %s", where, json);
    assert_int_equal(cJSON_GetArraySize(trail), (int)t_num(o, "steps"));
    if ((size_t)cJSON_GetArraySize(trail) != t->n)
        fail_msg("%s: trail %s, but the trace saw %zu steps:\n%s", where, json, t->n, t->text);
    for (size_t i = 0; i < t->n; i++) {
        char want[600];
        if (strcmp(t->r[i].flow, flow) == 0)
            snprintf(want, sizeof want, "%s", t->r[i].to);
        else
            snprintf(want, sizeof want, "%s/%s", t->r[i].flow, t->r[i].to);
        const char *got = cJSON_GetArrayItem(trail, (int)i)->valuestring;
        if (!got || strcmp(got, want) != 0)
            fail_msg("%s: trail[%zu] is %s, the trace says %s", where, i, got ? got : "?", want);
    }
    cJSON_Delete(o);
}

/* Every path case of flows/, traced: what the trace reports entering must be an edge of the
 * description, a rejected event must trace nothing, and a finished session's trail must be
 * what the trace saw. */
static void traced_reference_paths_take_only_described_edges(void **state)
{
    tracelog t = {0};
    hf_engine *e = traced_engine(&t);
    char names[64][256];
    size_t nnames;
    load_reference(e, names, &nnames);
    assert_true(nnames >= 5);
    size_t cases = 0, traced = 0, rejected = 0, finished = 0;
    for (size_t i = 0; i < nnames; i++) {
        char rel[300];
        snprintf(rel, sizeof rel, "flows/%s.paths.json", names[i]);
        char *text = t_read_source(rel, NULL);
        cJSON *all = cJSON_Parse(text);
        free(text);
        if (!cJSON_IsArray(all))
            fail_msg("%s is not a JSON array", rel);
        snprintf(rel, sizeof rel, "flows/%s.fixtures.json", names[i]);
        text = t_read_source(rel, NULL);
        cJSON *fixtures = cJSON_Parse(text);
        free(text);
        cJSON *c;
        cJSON_ArrayForEach(c, all)
        {
            const char *flow = t_str(c, "flow");
            cJSON *ctxj = t_get(c, "context");
            char *ctx = cJSON_PrintUnformatted(ctxj ? ctxj : t_get(fixtures, "context"));
            log_clear(&t);
            hf_session *s = NULL;
            assert_int_equal(hf_session_start(&s, e, flow, ctx, strlen(ctx)), HF_OK);
            free(ctx);
            cJSON *st;
            cJSON_ArrayForEach(st, t_get(c, "steps"))
            {
                cJSON *send = t_get(st, "send");
                if (!send)
                    continue;
                char *ev = cJSON_IsString(send) ? strdup(send->valuestring)
                                                : cJSON_PrintUnformatted(send);
                size_t before = t.n;
                int rc = hf_session_send(s, ev, strlen(ev), NULL, NULL);
                if (rc != HF_OK) {
                    rejected++;
                    if (t.n != before)
                        fail_msg("%s: case %s: rejected event %s traced:\n%s", names[i],
                                 t_str(c, "name"), ev, t.text);
                }
                free(ev);
            }
            for (size_t k = 0; k < t.n; k++)
                check_rec(e, &t.r[k]);
            traced += t.n;
            if (hf_session_status(s) >= HF_STATUS_RESOLVED) {
                check_trail(s, flow, &t, t_str(c, "name"));
                finished++;
            }
            hf_session_free(s);
            cases++;
        }
        cJSON_Delete(all);
        cJSON_Delete(fixtures);
    }
    assert_true(cases > 20);
    assert_true(traced > 100);
    assert_true(rejected > 0);
    assert_true(finished > 10);
    hf_engine_free(e);
    log_free(&t);
}

/* ---------------------------------------------------------------------------------------- */
/* Each way into a step, traced exactly.                                                     */

static const char *FLOW_ROUTE =
    "return flow 'rt' { start = 'route', steps = {\n"
    "  route = decide { next = {\n"
    "    { when = function(c) return c.never end, go = 'bye' }, { go = 'hello' } } },\n"
    "  hello = say { text = 'Hi', go = 'menu' },\n"
    "  menu = say { text = 'Pick', choices = {\n"
    "    { id = 'a', label = 'A', go = 'note' }, { id = 'b', label = 'B', go = 'bye' } } },\n"
    "  note = say { text = 'Noted', next = 'bye' },\n"
    "  bye = resolved { text = 'Bye' } } }\n";

static void next_go_and_choice_are_traced_with_their_branch(void **state)
{
    tracelog t = {0};
    hf_engine *e = traced_engine(&t);
    t_load(e, FLOW_ROUTE);
    hf_session *s = t_start(e, "rt", NULL);
    assert_trace(&t, "[rt] - -> route (start)\n"
                     "[rt] route -> hello (next:2)\n"
                     "[rt] hello -> menu (go)\n");
    send_ok(s, "{\"type\":\"choose\",\"option\":\"a\"}");
    assert_trace(&t, "[rt] - -> route (start)\n"
                     "[rt] route -> hello (next:2)\n"
                     "[rt] hello -> menu (go)\n"
                     "[rt] menu -> note (choice:a)\n"
                     "[rt] note -> bye (go)\n"); /* next = "step" is a go */
    for (size_t i = 0; i < t.n; i++)
        check_rec(e, &t.r[i]);
    hf_session_free(s);
    hf_engine_free(e);
    log_free(&t);
}

static const char *FLOW_ACT =
    "return flow 'act' { start = 'check', steps = {\n"
    "  check = action { call = 'x.get', next = { { go = 'fine' } }, on_error = 'failed' },\n"
    "  fine = resolved { text = 'Fine' },\n"
    "  failed = escalate { reason = 'x_failed' } } }\n";

static void an_action_traces_next_or_on_error(void **state)
{
    tracelog t = {0};
    hf_engine *e = traced_engine(&t);
    t_load(e, FLOW_ACT);
    hf_session *s = t_start(e, "act", NULL);
    send_ok(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":false,\"error\":\"down\"}");
    assert_trace(&t, "[act] - -> check (start)\n[act] check -> failed (on_error)\n");
    hf_session_free(s);
    log_clear(&t);
    s = t_start(e, "act", NULL);
    send_ok(s, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true}");
    /* one branch, but a list of them: next:1, not go */
    assert_trace(&t, "[act] - -> check (start)\n[act] check -> fine (next:1)\n");
    hf_session_free(s);
    hf_engine_free(e);
    log_free(&t);
}

static const char *FLOW_WAIT =
    "return flow 'wt' { start = 'w', steps = {\n"
    "  w = wait { event = 'id.ok', timeout = 60, go = 'done', on_timeout = 'late' },\n"
    "  done = resolved { text = 'Done' },\n"
    "  late = escalate { reason = 'late' } } }\n";

static const char *FLOW_WAIT_GO =
    "return flow 'wg' { start = 'w', steps = {\n"
    "  w = wait { timeout = 60, go = 'done' },\n"
    "  done = resolved { text = 'Done' } } }\n";

static void a_wait_traces_its_event_and_its_timeout(void **state)
{
    tracelog t = {0};
    hf_engine *e = traced_engine(&t);
    t_load(e, FLOW_WAIT);
    t_load(e, FLOW_WAIT_GO);
    hf_session *s = t_start(e, "wt", "{\"at\":1000}");
    send_ok(s, "{\"type\":\"tick\",\"at\":1059}");
    send_ok(s, "{\"type\":\"event\",\"name\":\"id.ok\",\"at\":1059}");
    assert_trace(&t, "[wt] - -> w (start)\n[wt] w -> done (event)\n");
    hf_session_free(s);

    log_clear(&t);
    s = t_start(e, "wt", "{\"at\":1000}");
    send_ok(s, "{\"type\":\"tick\",\"at\":1060}");
    assert_trace(&t, "[wt] - -> w (start)\n[wt] w -> late (timeout)\n");
    hf_session_free(s);

    /* without on_timeout, the timeout takes go, still as "timeout" */
    log_clear(&t);
    s = t_start(e, "wg", "{\"at\":1000}");
    send_ok(s, "{\"type\":\"tick\",\"at\":2000}");
    assert_trace(&t, "[wg] - -> w (start)\n[wg] w -> done (timeout)\n");
    for (size_t i = 0; i < t.n; i++)
        check_rec(e, &t.r[i]);
    hf_session_free(s);
    hf_engine_free(e);
    log_free(&t);
}

static const char *FLOW_SUB =
    "return flow 'sub' { start = 'confirm', steps = {\n"
    "  confirm = say { text = 'Sure?', choices = { { id = 'ok', label = 'OK', go = 'fine' },\n"
    "    { id = 'no', label = 'No', go = 'nope' } } },\n"
    "  fine = resolved { text = 'Confirmed' },\n"
    "  nope = escalate { reason = 'not_confirmed' } } }\n";

static const char *FLOW_MAIN =
    "return flow 'main' { start = 'intro', on = { help = 'faq' }, steps = {\n"
    "  intro = say { text = 'Hi', go = 'c' },\n"
    "  c = call { flow = 'sub', go = 'after' },\n"
    "  after = say { text = 'Back', choices = { { id = 'fin', label = 'Fin', go = 'fin' } } },\n"
    "  faq = say { text = 'FAQ', choices = { { id = 'fin', label = 'Fin', go = 'fin' } } },\n"
    "  fin = resolved { text = 'Bye' } } }\n";

static void a_call_traces_the_subflow_start_and_the_return(void **state)
{
    tracelog t = {0};
    hf_engine *e = traced_engine(&t);
    t_load(e, FLOW_SUB);
    t_load(e, FLOW_MAIN);
    hf_session *s = t_start(e, "main", NULL);
    send_ok(s, "{\"type\":\"choose\",\"option\":\"ok\"}");
    send_ok(s, "{\"type\":\"choose\",\"option\":\"fin\"}");
    assert_trace(&t, "[main] - -> intro (start)\n"
                     "[main] intro -> c (go)\n"
                     "[sub] - -> confirm (start)\n"
                     "[sub] confirm -> fine (choice:ok)\n"
                     "[main] c -> after (return)\n"
                     "[main] after -> fin (choice:fin)\n");
    for (size_t i = 0; i < t.n; i++)
        check_rec(e, &t.r[i]);
    check_trail(s, "main", &t, "call");
    const char *json = NULL;
    assert_int_equal(hf_session_outcome(s, &json, NULL), HF_OK);
    cJSON *o = cJSON_Parse(json);
    char *trail = cJSON_PrintUnformatted(t_get(o, "trail"));
    assert_string_equal(trail, "[\"intro\",\"c\",\"sub/confirm\",\"sub/fine\",\"after\",\"fin\"]");
    free(trail);
    cJSON_Delete(o);
    hf_session_free(s);

    /* an intent the caller overrides, sent inside the subflow: it leaves from the call step */
    log_clear(&t);
    s = t_start(e, "main", NULL);
    send_ok(s, "{\"type\":\"intent\",\"name\":\"help\"}");
    assert_trace(&t, "[main] - -> intro (start)\n"
                     "[main] intro -> c (go)\n"
                     "[sub] - -> confirm (start)\n"
                     "[main] c -> faq (intent:help)\n");
    for (size_t i = 0; i < t.n; i++)
        check_rec(e, &t.r[i]);
    hf_session_free(s);
    hf_engine_free(e);
    log_free(&t);
}

static const char *FLOW_INTENTS =
    "return flow 'in' { start = 'q1', on = { help = 'faq', human = false }, steps = {\n"
    "  q1 = ask { text = 'Name?', save = 'name', go = 'q2' },\n"
    "  q2 = say { text = 'Sure?', choices = { { id = 'y', label = 'Yes', go = 'fin' } } },\n"
    "  faq = say { text = 'FAQ', choices = { { id = 'q', label = 'Back', go = 'q1' } } },\n"
    "  fin = resolved { text = 'OK' } } }\n";

static void intents_are_traced_by_name(void **state)
{
    tracelog t = {0};
    hf_engine *e = traced_engine(&t);
    t_load(e, FLOW_INTENTS);
    hf_session *s = t_start(e, "in", NULL);
    send_ok(s, "{\"type\":\"input\",\"value\":\"Ann\"}");
    send_ok(s, "{\"type\":\"intent\",\"name\":\"back\"}");
    send_ok(s, "{\"type\":\"input\",\"value\":\"Bo\"}");
    send_ok(s, "{\"type\":\"intent\",\"name\":\"help\"}");
    send_ok(s, "{\"type\":\"intent\",\"name\":\"restart\"}");
    const char *want = "[in] - -> q1 (start)\n"
                       "[in] q1 -> q2 (go)\n"
                       "[in] q2 -> q1 (intent:back)\n"
                       "[in] q1 -> q2 (go)\n"
                       "[in] q2 -> faq (intent:help)\n"
                       "[in] faq -> q1 (intent:restart)\n";
    assert_trace(&t, want);
    /* turned off: rejected, and nothing is entered */
    REJECT(s, "{\"type\":\"intent\",\"name\":\"human\"}", HF_EREJECTED, "unknown_intent");
    assert_trace(&t, want);
    for (size_t i = 0; i < t.n; i++)
        check_rec(e, &t.r[i]);
    /* cancel ends the session without entering a step */
    send_ok(s, "{\"type\":\"intent\",\"name\":\"cancel\"}");
    assert_trace(&t, want);
    check_trail(s, "in", &t, "intents");
    hf_session_free(s);
    hf_engine_free(e);
    log_free(&t);
}

static void rejected_events_and_policy_escalations_trace_nothing(void **state)
{
    tracelog t = {0};
    hf_engine *e = traced_engine(&t);
    t_load(e, "return flow 'lp' { start = 'menu', policy = { max_visits = 1, max_retries = 0 },\n"
              "  steps = {\n"
              "  menu = say { text = 'Menu', choices = { { id = 'again', label = 'Again',\n"
              "    go = 'menu' }, { id = 'n', label = 'Number', go = 'n' } } },\n"
              "  n = ask { text = 'How many?', input = 'number', go = 'fin' },\n"
              "  fin = resolved { text = 'OK' } } }\n");
    hf_session *s = t_start(e, "lp", NULL);
    const char *want = "[lp] - -> menu (start)\n";
    assert_trace(&t, want);
    REJECT(s, "{\"type\":\"choose\",\"option\":\"nope\"}", HF_EREJECTED, "unknown_option");
    REJECT(s, "{\"type\":\"input\",\"value\":\"1\"}", HF_EREJECTED, "unexpected");
    REJECT(s, "{\"type\":\"intent\",\"name\":\"back\"}", HF_EREJECTED, "unexpected");
    REJECT(s, "not json", HF_EINVAL, "bad_json");
    assert_trace(&t, want);
    /* a second visit is over max_visits: the loop escalation enters nothing */
    cJSON *o = t_send(s, "{\"type\":\"choose\",\"option\":\"again\"}");
    t_assert_str(o, "escalation.reason", "loop");
    cJSON_Delete(o);
    assert_trace(&t, want);
    check_trail(s, "lp", &t, "loop");
    hf_session_free(s);

    /* nor does input_failed */
    log_clear(&t);
    s = t_start(e, "lp", NULL);
    send_ok(s, "{\"type\":\"choose\",\"option\":\"n\"}");
    o = t_send(s, "{\"type\":\"input\",\"value\":\"many\"}");
    t_assert_str(o, "escalation.reason", "input_failed");
    cJSON_Delete(o);
    assert_trace(&t, "[lp] - -> menu (start)\n[lp] menu -> n (choice:n)\n");
    check_trail(s, "lp", &t, "input_failed");
    hf_session_free(s);
    hf_engine_free(e);
    log_free(&t);
}

/* ---------------------------------------------------------------------------------------- */
/* The trail.                                                                                */

static void the_trail_lists_steps_entered_not_re_asks(void **state)
{
    tracelog t = {0};
    hf_engine *e = traced_engine(&t);
    t_load(e, "return flow 'ra' { start = 'n', steps = {\n"
              "  n = ask { text = 'How many?', input = 'number', save = 'n', go = 'fin' },\n"
              "  fin = resolved { text = 'OK' } } }\n");
    hf_session *s = t_start(e, "ra", NULL);
    send_ok(s, "{\"type\":\"input\",\"value\":\"lots\"}");
    send_ok(s, "{\"type\":\"input\",\"value\":\"x\"}");
    send_ok(s, "{\"type\":\"input\",\"value\":\"3\"}");
    const char *json = NULL;
    assert_int_equal(hf_session_outcome(s, &json, NULL), HF_OK);
    cJSON *o = cJSON_Parse(json);
    char *trail = cJSON_PrintUnformatted(t_get(o, "trail"));
    assert_string_equal(trail, "[\"n\",\"fin\"]");
    assert_int_equal((int)t_num(o, "steps"), 2);
    free(trail);
    cJSON_Delete(o);
    check_trail(s, "ra", &t, "re-ask");
    hf_session_free(s);
    hf_engine_free(e);
    log_free(&t);
}

static void the_trail_of_a_session_that_entered_nothing_is_empty(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, FLOW_ACT);
    hf_session *s = t_start(e, "act", "{\"at\":100000,\"prior_outcomes\":["
                            "{\"flow\":\"act\",\"outcome\":\"escalated\",\"at\":99000},"
                            "{\"flow\":\"act\",\"outcome\":\"escalated\",\"at\":99500}]}");
    const char *json = NULL;
    assert_int_equal(hf_session_outcome(s, &json, NULL), HF_OK);
    cJSON *o = cJSON_Parse(json);
    t_assert_str(o, "reason", "repeat_contact");
    assert_int_equal(cJSON_GetArraySize(t_get(o, "trail")), 0);
    assert_true(cJSON_IsArray(t_get(o, "trail")));
    cJSON_Delete(o);
    hf_session_free(s);
    hf_engine_free(e);
}

/* ---------------------------------------------------------------------------------------- */
/* What describe says.                                                                       */

static void assert_json(cJSON *j, const char *path, const char *want)
{
    char *got = cJSON_PrintUnformatted(t_get(j, path));
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s: want %s, got %s", path, want, got ? got : "(absent)");
    free(got);
}

static void describe_gives_each_kind_its_fields_and_edges(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, FLOW_SUB);
    t_load(e, FLOW_MAIN);
    t_load(e, FLOW_WAIT);
    t_load(e, FLOW_ROUTE);
    t_load(e,
           "return flow 'kinds' { version = 4, title = 'Kinds', triggers = { 'k' },\n"
           "  start = 'q', locale = 'en-GB', skills = { 'cards' }, priority = 'high',\n"
           "  policy = { max_retries = 1, repeat_contact = { within = 600 },\n"
           "             flag_priority = { vip = 'urgent' } },\n"
           "  on = { zebra = 'q', human = false, apple = 'esc' },\n"
           "  strings = { ['fr-FR'] = { yes = 'Oui' }, ['en-GB'] = { yes = 'Yes', b = 'B' } },\n"
           "  steps = {\n"
           "    q = ask { text = t'b', input = 'money', save = 'amount', go = 'act' },\n"
           "    act = action { call = 'pay.send',\n"
           "      args = { zeta = 1, alpha = function(c) return 2 end },\n"
           "      go = 'act2', on_error = 'esc', flags = { 'vip' } },\n"
           "    act2 = action { call = 'pay.check', args = function(c) return {} end,\n"
           "      go = 'act3' },\n"
           "    act3 = action { call = 'pay.ping', go = 'menu' },\n"
           "    menu = say { text = function(c) return 'Hi' end,\n"
           "      components = { { type = 'link', label = 'Top up', url = 'bank://top-up' },\n"
           "                     { type = 'list', items = { { id = 'i1', title = 'One' } } } },\n"
           "      choices = { { id = 'y', label = t'yes', go = 'fin' },\n"
           "                  { id = 'f', label = function(c) return 'F' end, go = 'esc' },\n"
           "                  { id = 'l', label = 'Lit \"q\"', go = 'fin' } } },\n"
           "    fin = resolved { text = 'Done' },\n"
           "    esc = escalate { reason = 'nope', priority = 'urgent' } } }\n");
    cJSON *d = describe(e, "kinds", 0);
    t_assert_str(d, "title", "Kinds");
    t_assert_str(d, "default_locale", "en-GB");
    assert_json(d, "locales", "{\"en-GB\":[\"b\",\"yes\"],\"fr-FR\":[\"yes\"]}");
    assert_json(d, "strings", "{\"en-GB\":{\"b\":\"B\",\"yes\":\"Yes\"},"
                              "\"fr-FR\":{\"yes\":\"Oui\"}}");
    assert_json(d, "intents", "[{\"name\":\"apple\",\"to\":\"esc\"},"
                              "{\"name\":\"human\",\"to\":null},"
                              "{\"name\":\"zebra\",\"to\":\"q\"}]");
    assert_json(d, "policy", "{\"max_retries\":1,\"repeat_contact\":{\"within\":600},"
                             "\"flag_priority\":{\"vip\":\"urgent\"}}");
    assert_json(d, "skills", "[\"cards\"]");
    t_assert_str(d, "priority", "high");
    assert_json(d, "triggers", "[\"k\"]");

    cJSON *st = step_of(d, "q");
    t_assert_str(st, "input", "money");
    t_assert_str(st, "save", "amount");
    assert_json(st, "texts", "[{\"where\":\"text\",\"key\":\"b\"}]");
    assert_json(st, "edges", "[{\"to\":\"act\",\"via\":\"go\",\"label\":\"\"}]");
    st = step_of(d, "act");
    assert_json(st, "args", "[\"alpha\",\"zeta\"]");
    assert_json(st, "flags", "[\"vip\"]");
    assert_json(st, "save", "null");
    assert_json(st, "edges", "[{\"to\":\"act2\",\"via\":\"go\",\"label\":\"\"},"
                             "{\"to\":\"esc\",\"via\":\"on_error\",\"label\":\"on_error\"}]");
    assert_json(step_of(d, "act2"), "args", "null");
    assert_json(step_of(d, "act3"), "args", "[]");
    st = step_of(d, "menu");
    assert_json(st, "texts", "[{\"where\":\"text\",\"fn\":true},"
                             "{\"where\":\"choice:y\",\"key\":\"yes\"},"
                             "{\"where\":\"choice:f\",\"fn\":true},"
                             "{\"where\":\"choice:l\",\"literal\":\"Lit \\\"q\\\"\"},"
                             "{\"where\":\"components\",\"literal\":\"Top up\"},"
                             "{\"where\":\"components\",\"literal\":\"One\"}]");
    assert_json(st, "edges", "[{\"to\":\"fin\",\"via\":\"choice:y\",\"label\":\"t\\\"yes\\\"\"},"
                             "{\"to\":\"esc\",\"via\":\"choice:f\",\"label\":\"f\"},"
                             "{\"to\":\"fin\",\"via\":\"choice:l\",\"label\":\"Lit \\\"q\\\"\"}]");
    st = step_of(d, "esc");
    assert_true(cJSON_IsTrue(t_get(st, "final")));
    t_assert_str(st, "reason", "nope");
    assert_json(st, "skills", "null");
    t_assert_str(st, "priority", "urgent");
    assert_json(st, "edges", "[]");
    cJSON_Delete(d);

    d = describe(e, "wt", 0);
    st = step_of(d, "w");
    t_assert_str(st, "event", "id.ok");
    assert_int_equal((int)t_num(st, "timeout"), 60);
    assert_json(st, "edges", "[{\"to\":\"done\",\"via\":\"event\",\"label\":\"id.ok\"},"
                             "{\"to\":\"late\",\"via\":\"timeout\",\"label\":\"timeout\"}]");
    assert_json(d, "title", "null");
    assert_json(d, "default_locale", "null");
    assert_json(d, "locales", "{}");
    assert_json(d, "strings", "{}");
    assert_json(d, "intents", "[]");
    assert_json(d, "policy", "{}");
    cJSON_Delete(d);

    d = describe(e, "main", 0);
    st = step_of(d, "c");
    t_assert_str(st, "flow", "sub");
    assert_json(st, "edges", "[{\"to\":\"after\",\"via\":\"return\",\"label\":\"resolved\"}]");
    cJSON_Delete(d);

    d = describe(e, "rt", 0);
    assert_json(step_of(d, "route"), "edges",
                "[{\"to\":\"bye\",\"via\":\"next:1\",\"label\":\"when\"},"
                "{\"to\":\"hello\",\"via\":\"next:2\",\"label\":\"otherwise\"}]");
    assert_json(step_of(d, "note"), "edges", "[{\"to\":\"bye\",\"via\":\"go\",\"label\":\"\"}]");
    cJSON_Delete(d);
    hf_engine_free(e);
}

/* "strings" holds the texts as written, escaped as JSON, so that tools (lint, graph) can
 * measure and show them: every locale, the default one named by "default_locale". */
static void describe_gives_the_texts_of_every_locale(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, "return flow 'loc' { start = 'a', locale = 'cy-GB',\n"
              "  strings = { ['en-GB'] = { hi = 'Say \"hi\"\\n', z = 'Z' },\n"
              "              ['cy-GB'] = { hi = 'Dywedwch \"helo\" \xc3\xa2' } },\n"
              "  steps = { a = resolved { text = t'hi' } } }\n");
    cJSON *d = describe(e, "loc", 0);
    t_assert_str(d, "default_locale", "cy-GB");
    assert_json(d, "strings", "{\"cy-GB\":{\"hi\":\"Dywedwch \\\"helo\\\" \xc3\xa2\"},"
                              "\"en-GB\":{\"hi\":\"Say \\\"hi\\\"\\n\",\"z\":\"Z\"}}");
    t_assert_str(d, "strings.en-GB.hi", "Say \"hi\"\n");
    cJSON_Delete(d);
    hf_engine_free(e);
}

static void describe_picks_the_version_asked_for(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, "return flow 'v' { version = 1, start = 'a', steps = {\n"
              "  a = resolved { text = 'one' } } }\n");
    t_load(e, "return flow 'v' { version = 3, start = 'b', steps = {\n"
              "  b = resolved { text = 'three' } } }\n");
    cJSON *d = describe(e, "v", 0);
    assert_int_equal((int)t_num(d, "version"), 3);
    t_assert_str(d, "start", "b");
    cJSON_Delete(d);
    d = describe(e, "v", 1);
    assert_int_equal((int)t_num(d, "version"), 1);
    t_assert_str(d, "steps.0.texts.0.literal", "one");
    cJSON_Delete(d);
    hf_engine_free(e);
}

static void describe_errors(void **state)
{
    hf_engine *e = t_engine();
    t_load(e, FLOW_ACT);
    const char *json = "x";
    size_t len = 9;
    assert_int_equal(hf_flow_describe(e, "nope", 0, &json, &len), HF_ENOTFOUND);
    assert_null(json);
    assert_int_equal(len, 0);
    assert_non_null(strstr(hf_engine_errmsg(e), "nope"));
    assert_int_equal(hf_flow_describe(e, "act", 2, &json, &len), HF_ENOTFOUND);
    assert_non_null(strstr(hf_engine_errmsg(e), "version 2"));
    assert_int_equal(hf_flow_describe(e, "act", -1, &json, NULL), HF_ENOTFOUND);
    assert_int_equal(hf_flow_describe(NULL, "act", 0, &json, &len), HF_EMISUSE);
    assert_null(json);
    assert_int_equal(hf_flow_describe(e, NULL, 0, &json, &len), HF_EMISUSE);
    assert_int_equal(hf_flow_describe(e, "act", 0, NULL, &len), HF_EMISUSE);
    assert_int_equal(hf_flow_describe(e, "act", 0, &json, NULL), HF_OK); /* len may be NULL */
    assert_non_null(json);
    hf_engine_free(e);
}

/* ---------------------------------------------------------------------------------------- */
/* Allocation failures: describe, a traced session and its outcome fail cleanly.             */

struct failing {
    size_t count, fail_at, live;
};

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct failing *f = ud;
    if (nsize == 0) {
        if (ptr)
            f->live -= osize;
        free(ptr);
        return NULL;
    }
    if (++f->count == f->fail_at)
        return NULL;
    void *p = realloc(ptr, nsize);
    if (p)
        f->live += nsize - (ptr ? osize : 0);
    return p;
}

static void quiet(void *ud, const char *flow, int64_t version, const char *from, const char *to,
                  const char *via)
{
    ++*(int *)ud;
}

/* One run failing allocation f->fail_at; returns whether it got to the end. */
static bool oom_run(struct failing *f)
{
    int calls = 0;
    hf_engine_options o;
    hf_engine_options_init(&o, HF_ENGINE_OPTIONS_VERSION);
    o.alloc = failing_alloc;
    o.alloc_ud = f;
    o.trace = quiet;
    o.trace_ud = &calls;
    hf_engine *e = NULL;
    hf_session *s = NULL;
    bool complete = false;
    const char *json;
    if (hf_engine_new(&e, &o) != HF_OK)
        goto out;
    if (hf_engine_load_string(e, FLOW_SUB, strlen(FLOW_SUB), "sub.lua", NULL) != HF_OK ||
        hf_engine_load_string(e, FLOW_MAIN, strlen(FLOW_MAIN), "main.lua", NULL) != HF_OK)
        goto out;
    int rc = hf_flow_describe(e, "main", 0, &json, NULL);
    if (rc != HF_OK) {
        assert_int_equal(rc, HF_ENOMEM);
        goto out;
    }
    cJSON *dj = cJSON_Parse(json);
    assert_non_null(dj);
    cJSON_Delete(dj);
    if (hf_session_start(&s, e, "main", NULL, 0) != HF_OK)
        goto out;
    static const char *const events[] = {"{\"type\":\"choose\",\"option\":\"ok\"}",
                                         "{\"type\":\"choose\",\"option\":\"fin\"}"};
    for (size_t i = 0; i < 2; i++)
        hf_session_send(s, events[i], strlen(events[i]), NULL, NULL);
    if (hf_session_status(s) < HF_STATUS_RESOLVED)
        goto out; /* an event refused for memory */
    rc = hf_session_outcome(s, &json, NULL);
    if (rc != HF_OK) {
        assert_int_equal(rc, HF_ENOMEM);
        goto out;
    }
    cJSON *oj = cJSON_Parse(json);
    assert_non_null(oj);
    assert_true(cJSON_IsArray(t_get(oj, "trail")));
    complete = hf_session_status(s) == HF_STATUS_RESOLVED;
    if (complete)
        assert_int_equal(cJSON_GetArraySize(t_get(oj, "trail")), 6);
    cJSON_Delete(oj);
out:
    hf_session_free(s);
    hf_engine_free(e);
    if (f->live)
        fail_msg("fail_at %zu: %zu bytes leaked", f->fail_at, f->live);
    return complete;
}

static void allocation_failures_fail_cleanly(void **state)
{
    struct failing f = {0};
    assert_true(oom_run(&f));
    size_t total = f.count;
    for (size_t n = 1; n <= total; n++) {
        memset(&f, 0, sizeof f);
        f.fail_at = n;
        oom_run(&f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_reference_flow_describes_a_consistent_graph),
        cmocka_unit_test(traced_reference_paths_take_only_described_edges),
        cmocka_unit_test(next_go_and_choice_are_traced_with_their_branch),
        cmocka_unit_test(an_action_traces_next_or_on_error),
        cmocka_unit_test(a_wait_traces_its_event_and_its_timeout),
        cmocka_unit_test(a_call_traces_the_subflow_start_and_the_return),
        cmocka_unit_test(intents_are_traced_by_name),
        cmocka_unit_test(rejected_events_and_policy_escalations_trace_nothing),
        cmocka_unit_test(the_trail_lists_steps_entered_not_re_asks),
        cmocka_unit_test(the_trail_of_a_session_that_entered_nothing_is_empty),
        cmocka_unit_test(describe_gives_each_kind_its_fields_and_edges),
        cmocka_unit_test(describe_gives_the_texts_of_every_locale),
        cmocka_unit_test(describe_picks_the_version_asked_for),
        cmocka_unit_test(describe_errors),
        cmocka_unit_test(allocation_failures_fail_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
