/*
 * test.c — `helpflow test`: runs the conversation tests beside the flows (docs/testing.md) and
 * reports each as PASS or FAIL, a failure with what was expected against what the customer
 * would have seen; with --coverage, which steps and transitions the tests never reached.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "args.h"
#include "cli.h"
#include "coverage.h"
#include "json.h"
#include "load.h"
#include "testfile.h"
#include "util.h"

static void usage(FILE *out)
{
    fputs(
"usage: helpflow test [--coverage] [--min-coverage PCT] PATH...\n"
"\n"
"Runs conversation tests: X.test.lua files beside the flows (see docs/testing.md). A PATH is\n"
"a directory, a flow file X.lua or a test file X.test.lua:\n"
"  a directory   every flow in it is loaded (*.lua but *.test.lua, routing.lua and\n"
"                actions.lua) and every *.test.lua in it runs;\n"
"  X.lua         the flow is loaded and X.test.lua beside it runs, if there is one;\n"
"  X.test.lua    it runs, and the flow X.lua beside it is loaded.\n"
"Other flows in the directory of a file are loaded too, quietly, so that the flows it\n"
"calls are there. All flows share one engine and may be given in any order.\n"
"\n"
"Prints one line per test, \"PASS flow: name\" or \"FAIL flow: name\" followed by the entry\n"
"that failed, what was expected and what the customer saw; then \"N passed, N failed\".\n"
"\n"
"options:\n"
"  --coverage          also report, per flow version under test, the steps entered and the\n"
"                      transitions taken by the tests (subflows count wherever they run),\n"
"                      and list those never reached\n"
"  --min-coverage PCT  fail (exit 1) when a flow is below PCT percent of its steps or of\n"
"                      its transitions; implies --coverage\n"
"  --help              this help\n"
"\n"
"Exit status: 0 every test passed, 1 a test failed, a flow did not load or coverage is\n"
"below --min-coverage, 2 bad usage, no tests found, or a test file that cannot be read or\n"
"is malformed (the message names the file and the key).\n", out);
}

/* ---- what to load and what to run ------------------------------------------------------ */

typedef struct plan {
    cli_strv flows;      /* flows under test first, then the quiet ones */
    size_t under_test;   /* flows[0..under_test) are under test */
    cli_strv support;    /* the quiet ones, before they join flows */
    cli_strv tests;
    int coverage;
    double min;          /* -1: no minimum */
} plan;

enum { NOT_OURS, A_FLOW, A_TEST, A_CONFIG };

/* What a file named on the command line is: routing.lua and actions.lua sit among flows but
 * are not; a file named just ".test.lua" is taken for a test too. */
static int kind_of(const char *path)
{
    switch (cli_file_role_of(path)) {
    case CLI_FILE_ROUTING:
    case CLI_FILE_ACTIONS:
        return A_CONFIG;
    case CLI_FILE_TEST:
        return A_TEST;
    default:
        return cli_ends_with(path, ".test.lua") ? A_TEST
             : cli_ends_with(path, ".lua")      ? A_FLOW
                                                : NOT_OURS;
    }
}

static char *dir_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *d;
    if (!slash)
        return cli_xstrdup(".");
    if (slash == path)
        return cli_xstrdup("/");
    d = cli_xrealloc(NULL, (size_t)(slash - path) + 1);
    memcpy(d, path, (size_t)(slash - path));
    d[slash - path] = '\0';
    return d;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* "dir/x.lua" <-> "dir/x.test.lua" */
static char *sibling(const char *path, int to_test)
{
    size_t n = strlen(path) - (to_test ? 4 : 9);
    const char *suffix = to_test ? ".test.lua" : ".lua";
    char *p = cli_xrealloc(NULL, n + strlen(suffix) + 1);
    memcpy(p, path, n);
    strcpy(p + n, suffix);
    return p;
}

static int add_path(plan *p, cli_strv *named, const char *path)
{
    struct stat st;
    char *other, *dir;

    if (stat(path, &st) != 0) {
        cli_error("test: %s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return cli_add_dir("test", path, CLI_ROLE(CLI_FILE_FLOW), named, &p->tests);
    switch (kind_of(path)) {
    case A_TEST:
        cli_strv_push_file(&p->tests, path);
        other = sibling(path, 0);
        if (exists(other))
            cli_strv_push_file(named, other);
        break;
    case A_FLOW:
        cli_strv_push_file(named, path);
        other = sibling(path, 1);
        if (exists(other))
            cli_strv_push_file(&p->tests, other);
        break;
    case A_CONFIG:
        cli_error("test: %s: a routing config or action manifest, not a flow or a test file",
                  path);
        return -1;
    default:
        cli_error("test: %s: not a flow (X.lua) or a test file (X.test.lua)", path);
        return -1;
    }
    free(other);
    dir = dir_name(path);
    cli_add_dir("test", dir, CLI_ROLE(CLI_FILE_FLOW), &p->support, NULL);
    free(dir);
    return 0;
}

typedef struct parse {
    plan *p;
    cli_strv named;      /* the flows named, and those of the directories named */
    int npaths;
} parse;

static int take_path(void *ud, const char *path, int quoted)
{
    parse *r = ud;
    (void)quoted;
    r->npaths++;
    return add_path(r->p, &r->named, path) != 0;
}

static int take_min(void *ud, const char *value)
{
    parse *r = ud;
    char *end;
    double v = strtod(value, &end);

    r->p->coverage = 1;
    if (end == value || *end != '\0' || !(v >= 0 && v <= 100)) {
        cli_error("test: --min-coverage needs a percentage from 0 to 100, not '%s'", value);
        return 1;
    }
    r->p->min = v;
    return 0;
}

/* Returns -1 to go on, or the exit code to return now. */
static int parse_args(int argc, char **argv, plan *p)
{
    parse r = { p, { NULL, 0, 0 }, 0 };
    const cli_option options[] = {
        { .name = "--coverage", .flag = &p->coverage },
        { .name = "--min-coverage", .take = take_min },
        { .name = NULL },
    };
    const cli_args args = { "test", "test", NULL, usage, options, take_path, &r };
    int code = cli_parse_args(&args, argc, argv);

    if (code < 0) {
        for (size_t i = 0; i < r.named.n; i++)
            cli_strv_push_file(&p->flows, r.named.v[i]);
        p->under_test = p->flows.n;
        for (size_t i = 0; i < p->support.n; i++)
            cli_strv_push_file(&p->flows, p->support.v[i]);
    }
    cli_strv_free(&r.named);
    if (code >= 0)
        return code;
    if (r.npaths == 0) {
        cli_error("test: no paths given; try 'helpflow test --help'");
        return CLI_EXIT_USAGE;
    }
    return -1;
}

/* ---- looking at an output --------------------------------------------------------------- */

static const cJSON *get(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

static int is_type(const cJSON *component, const char *type)
{
    const char *t = cli_json_str(component, "type");
    return t && strcmp(t, type) == 0;
}

/* Prints v as compact JSON: strings quoted and escaped, so a line stays one line. */
static void put_json(FILE *out, const cJSON *v)
{
    char *s = v ? cJSON_PrintUnformatted(v) : NULL;
    fputs(s ? s : "nothing", out);
    free(s);
}

static void put_quoted(FILE *out, const char *s)
{
    cJSON *v = cJSON_CreateString(s);
    put_json(out, v);
    cJSON_Delete(v);
}

/* Everything but the type, for components the report has no words for. */
static void put_component(FILE *out, const cJSON *c)
{
    cJSON *copy = cJSON_Duplicate(c, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "type");
    put_json(out, copy);
    cJSON_Delete(copy);
}

static void put_choices(FILE *out, const cJSON *c)
{
    const cJSON *o;
    int n = 0;
    cJSON_ArrayForEach(o, get(c, "options")) {
        const char *id = cli_json_str(o, "id"), *label = cli_json_str(o, "label");
        fputs(n++ ? " | " : "", out);
        fputs(id ? id : "?", out);
        if (label) {
            fputc(' ', out);
            put_quoted(out, label);
        }
    }
    if (!n)
        fputs("(none)", out);
}

/* "waiting (choice) at step 'frozen'", "... in subflow 'verify_identity'" */
static void put_status(FILE *out, const cJSON *o)
{
    const char *status = cli_json_str(o, "status"), *step = cli_json_str(o, "step");
    const char *sub = cli_json_str(o, "subflow");
    const cJSON *ex = get(o, "expects");
    const char *kind = cli_json_str(ex, "kind");

    fprintf(out, "      status   %s", status ? status : "?");
    if (status && strcmp(status, "waiting") == 0 && kind) {
        if (strcmp(kind, "input") == 0)
            fprintf(out, " (input %s)",
                    cli_json_str(ex, "input") ? cli_json_str(ex, "input") : "?");
        else if (strcmp(kind, "event") == 0)
            fprintf(out, " (event %s)",
                    cli_json_str(ex, "event") ? cli_json_str(ex, "event") : "?");
        else if (strcmp(kind, "tick") == 0)
            fputs(" (a timeout)", out);
        else
            fprintf(out, " (%s)", kind);
    }
    if (step)
        fprintf(out, " at step '%s'", step);
    if (sub)
        fprintf(out, " in subflow '%s'", sub);
    fputc('\n', out);
}

/* What the customer would have seen, and where the session stands. */
static void put_saw(FILE *out, const cJSON *o)
{
    const cJSON *c, *action = get(o, "action"), *esc = get(o, "escalation");
    const cJSON *err = get(o, "error");
    int n = 0;

    fputs("    the customer saw:\n", out);
    cJSON_ArrayForEach(c, get(o, "ui")) {
        const char *type = cli_json_str(c, "type");
        n++;
        if (is_type(c, "text") || is_type(c, "error")) {
            fprintf(out, "      %-8s ", type);
            put_quoted(out, cli_json_str(c, "text") ? cli_json_str(c, "text") : "");
        } else if (is_type(c, "choices")) {
            fputs("      choices  ", out);
            put_choices(out, c);
        } else if (is_type(c, "input")) {
            fprintf(out, "      input    %s",
                    cli_json_str(c, "input") ? cli_json_str(c, "input") : "?");
        } else {
            fprintf(out, "      %-8s ", type ? type : "?");
            put_component(out, c);
        }
        fputc('\n', out);
    }
    if (!n)
        fputs("      (nothing new)\n", out);
    put_status(out, o);
    if (action) {
        fprintf(out, "      action   %s ",
                cli_json_str(action, "name") ? cli_json_str(action, "name") : "?");
        put_json(out, get(action, "args"));
        fputc('\n', out);
    }
    if (esc) {
        const cJSON *skills = get(esc, "skills");
        fprintf(out, "      reason   %s",
                cli_json_str(esc, "reason") ? cli_json_str(esc, "reason") : "?");
        if (cJSON_GetArraySize(skills) > 0) {
            fputs(", skills ", out);
            put_json(out, skills);
        }
        if (cli_json_str(esc, "priority"))
            fprintf(out, ", priority %s", cli_json_str(esc, "priority"));
        fputc('\n', out);
        if (cli_json_str(esc, "error"))
            fprintf(out, "      error    %s\n", cli_json_str(esc, "error"));
    }
    if (err)
        fprintf(out, "      rejected %s: %s\n",
                cli_json_str(err, "code") ? cli_json_str(err, "code") : "?",
                cli_json_str(err, "message") ? cli_json_str(err, "message") : "");
}

/* ---- comparing ------------------------------------------------------------------------- */

/* {} is also Lua's empty list. */
static int is_empty_table(const cJSON *v)
{
    return (cJSON_IsObject(v) || cJSON_IsArray(v)) && v->child == NULL;
}

static int json_equal(const cJSON *a, const cJSON *b)
{
    const cJSON *x, *y;

    if (!a || !b)
        return a == b;
    if (is_empty_table(a) && is_empty_table(b))
        return 1;
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
        return a->valuedouble == b->valuedouble;
    if (cJSON_IsString(a) && cJSON_IsString(b))
        return strcmp(a->valuestring, b->valuestring) == 0;
    if ((a->type & 0xFF) != (b->type & 0xFF))
        return 0;
    if (cJSON_IsArray(a)) {
        for (x = a->child, y = b->child; x && y; x = x->next, y = y->next)
            if (!json_equal(x, y))
                return 0;
        return !x && !y;
    }
    if (cJSON_IsObject(a)) {
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
            return 0;
        cJSON_ArrayForEach(x, a)
            if (!json_equal(x, cJSON_GetObjectItemCaseSensitive(b, x->string)))
                return 0;
        return 1;
    }
    return 1; /* true, false, null */
}

/*
 * Reports each place where want is not a subset of got: objects compare by their members (any
 * depth), lists and scalars exactly. path (cap bytes) holds where want sits ("escalation");
 * each mismatch is a line "expected escalation.priority: "high", saw "normal"". Returns how
 * many there were.
 */
static int subset(FILE *r, const cJSON *want, const cJSON *got, char *path, size_t cap)
{
    const cJSON *m;
    int bad = 0;

    if (cJSON_IsObject(want) && cJSON_IsObject(got)) {
        cJSON_ArrayForEach(m, want) {
            size_t n = strlen(path);
            snprintf(path + n, cap - n, ".%s", m->string);
            bad += subset(r, m, cJSON_GetObjectItemCaseSensitive(got, m->string), path, cap);
            path[n] = '\0';
        }
        return bad;
    }
    if (json_equal(want, got))
        return 0;
    fprintf(r, "    expected %s: ", path);
    put_json(r, want);
    fputs(", saw ", r);
    put_json(r, got);
    fputc('\n', r);
    return 1;
}

/* The ui's text components (type "text"), in order; with errors too, the "error" ones. */
static cJSON *texts(const cJSON *o, int with_errors)
{
    cJSON *list = cJSON_CreateArray();
    const cJSON *c;
    cJSON_ArrayForEach(c, get(o, "ui")) {
        if ((is_type(c, "text") || (with_errors && is_type(c, "error"))) &&
            cli_json_str(c, "text"))
            cJSON_AddItemToArray(list, cJSON_CreateString(cli_json_str(c, "text")));
    }
    return list;
}

static cJSON *choice_ids(const cJSON *o)
{
    cJSON *list = cJSON_CreateArray();
    const cJSON *c, *opt;
    cJSON_ArrayForEach(c, get(o, "ui")) {
        if (!is_type(c, "choices"))
            continue;
        cJSON_ArrayForEach(opt, get(c, "options"))
            if (cli_json_str(opt, "id"))
                cJSON_AddItemToArray(list, cJSON_CreateString(cli_json_str(opt, "id")));
    }
    return list;
}

static void put_list(FILE *out, const cJSON *list, int quoted, const char *none)
{
    const cJSON *s;
    int n = 0;
    cJSON_ArrayForEach(s, list) {
        fputs(n++ ? " | " : "", out);
        if (quoted)
            put_json(out, s);
        else
            fputs(s->valuestring, out);
    }
    if (!n)
        fputs(none, out);
}

/* One exact string expectation: "expected step: 'done'" unless got is it. */
static int want_string(FILE *r, const cJSON *exp, const char *key, const char *got,
                       const char *what)
{
    const char *want = cli_json_str(exp, key);
    if (!want || (got && strcmp(want, got) == 0))
        return 0;
    fprintf(r, "    expected %s: %s\n", what, want);
    return 1;
}

static int want_subset(FILE *r, const cJSON *want, const cJSON *got, const char *name,
                       const char *absent)
{
    char path[256];

    if (!want)
        return 0;
    if (!got) {
        fprintf(r, "    expected %s ", name);
        put_json(r, want);
        fprintf(r, ", but %s\n", absent);
        return 1;
    }
    snprintf(path, sizeof path, "%s", name);
    return subset(r, want, got, path, sizeof path);
}

/* Checks the expectations exp against the output o; writes a line per mismatch to r and
 * returns how many there were. */
static int check_expect(FILE *r, const cJSON *exp, const cJSON *o)
{
    const cJSON *esc = get(o, "escalation"), *action = get(o, "action"), *v;
    const char *input = NULL;
    int bad = 0;

    if (cli_json_str(get(o, "expects"), "kind") &&
        strcmp(cli_json_str(get(o, "expects"), "kind"), "input") == 0)
        input = cli_json_str(get(o, "expects"), "input");
    bad += want_string(r, exp, "status", cli_json_str(o, "status"), "status");
    bad += want_string(r, exp, "step", cli_json_str(o, "step"), "step");
    bad += want_string(r, exp, "subflow", cli_json_str(o, "subflow"), "subflow");
    bad += want_string(r, exp, "input", input, "input");
    bad += want_string(r, exp, "action", cli_json_str(action, "name"), "action");
    bad += want_string(r, exp, "reason", cli_json_str(esc, "reason"), "reason");
    if ((v = get(exp, "text")) != NULL) {
        cJSON *got = texts(o, 0);
        int ok = 0;
        if (cJSON_IsString(v)) {
            const cJSON *t;
            cJSON_ArrayForEach(t, got)
                ok |= strcmp(t->valuestring, v->valuestring) == 0;
            if (!ok) {
                fputs("    expected text: ", r);
                put_json(r, v);
                fputc('\n', r);
            }
        } else if (!(ok = json_equal(v, got))) {
            fputs("    expected text, all of it in order: ", r);
            put_list(r, v, 1, "none");
            fputc('\n', r);
        }
        bad += !ok;
        cJSON_Delete(got);
    }
    if ((v = get(exp, "says")) != NULL) {
        cJSON *got = texts(o, 1);
        const cJSON *t;
        int ok = 0;
        cJSON_ArrayForEach(t, got)
            ok |= strstr(t->valuestring, v->valuestring) != NULL;
        if (!ok) {
            fputs("    expected some text saying: ", r);
            put_json(r, v);
            fputc('\n', r);
        }
        bad += !ok;
        cJSON_Delete(got);
    }
    if ((v = get(exp, "choices")) != NULL) {
        cJSON *got = choice_ids(o);
        if (!json_equal(v, got)) {
            fputs("    expected choices: ", r);
            put_list(r, v, 0, "none");
            fputc('\n', r);
            bad++;
        }
        cJSON_Delete(got);
    }
    bad += want_subset(r, get(exp, "args"), get(action, "args"), "args",
                       "no action is pending");
    bad += want_subset(r, get(exp, "escalation"), esc, "escalation",
                       "the session did not escalate");
    if ((v = get(exp, "ui")) != NULL && !json_equal(v, get(o, "ui"))) {
        fputs("    expected ui: ", r);
        put_json(r, v);
        fputs("\n         saw ui: ", r);
        put_json(r, get(o, "ui"));
        fputc('\n', r);
        bad++;
    }
    if ((v = get(exp, "error")) != NULL) {
        const char *code = cli_json_str(get(o, "error"), "code");
        if (!code) {
            fprintf(r, "    expected the event to be rejected with %s, but it was accepted\n",
                    v->valuestring);
            bad++;
        } else if (strcmp(code, v->valuestring) != 0) {
            fprintf(r, "    expected the event to be rejected with %s, not %s\n",
                    v->valuestring, code);
            bad++;
        }
    }
    return bad;
}

/* ---- running one test ------------------------------------------------------------------- */

/* Actions answered from the fixtures in a row before the runner calls it a loop. */
#define MAX_AUTO_ANSWERS 1000

typedef struct runner {
    hf_engine *e;
    const tf_file *f;
    const tf_test *t;
    hf_session *s;
    cJSON *out;          /* the current output */
    double now;          /* the time of the last event */
    char last_action[64];
    FILE *rep;           /* the failure's report */
    int failed;
} runner;

/* Starts the report of a failure at `where` ("step 3 (choose "x")"). */
static FILE *failure(runner *r, const char *where)
{
    if (!r->failed)
        fprintf(r->rep, "  at %s:\n", where);
    r->failed = 1;
    return r->rep;
}

static int take_output(runner *r, const char *json, size_t len)
{
    cJSON *o = cJSON_ParseWithLength(json, len);
    if (!o)
        return -1;
    cJSON_Delete(r->out);
    r->out = o;
    if (cli_json_str(get(o, "action"), "id"))
        snprintf(r->last_action, sizeof r->last_action, "%s",
                 cli_json_str(get(o, "action"), "id"));
    return 0;
}

/*
 * Sends one event. Returns 1 accepted (r->out is the new output), 0 rejected (*reply, owned by
 * the caller, is the engine's reply holding "error"; the session must be as it was), -1 after
 * reporting a failure of the engine itself.
 */
static int send(runner *r, const char *event, double at, cJSON **reply, const char *where)
{
    const char *text = NULL, *before;
    size_t len = 0;
    char *saved;
    int rc;

    *reply = NULL;
    saved = cli_xstrdup(hf_session_output(r->s, NULL));
    rc = hf_session_send(r->s, event, strlen(event), &text, &len);
    if (rc == HF_OK) {
        free(saved);
        if (!text || take_output(r, text, len) != 0) {
            fprintf(failure(r, where), "    the engine's output is not JSON\n");
            return -1;
        }
        r->now = at;
        return 1;
    }
    *reply = text ? cJSON_ParseWithLength(text, len) : NULL;
    before = hf_session_output(r->s, NULL);
    if (!*reply || !get(*reply, "error")) {
        fprintf(failure(r, where), "    the engine failed: %s\n",
                *hf_engine_errmsg(r->e) ? hf_engine_errmsg(r->e) : hf_strerror(rc));
        cJSON_Delete(*reply);
        *reply = NULL;
        free(saved);
        return -1;
    }
    if (strcmp(before, saved) != 0) {
        fprintf(failure(r, where), "    the rejected event changed the session (the engine "
                "promises it does not)\n");
        put_saw(r->rep, *reply);
        cJSON_Delete(*reply);
        *reply = NULL;
        free(saved);
        return -1;
    }
    free(saved);
    return 0;
}

static int is_status(const cJSON *o, const char *status)
{
    const char *s = cli_json_str(o, "status");
    return s && strcmp(s, status) == 0;
}

/* A flow_error the test did not ask for is a bug in the flow: it fails the test. */
static int flow_error_check(runner *r, const char *where)
{
    const cJSON *esc = get(r->out, "escalation");
    const char *reason = cli_json_str(esc, "reason");

    if (r->t->expects_flow_error || !is_status(r->out, "escalated") || !reason ||
        strcmp(reason, "flow_error") != 0)
        return 0;
    fprintf(failure(r, where), "    the flow failed: the session escalated with flow_error\n");
    put_saw(r->rep, r->out);
    return -1;
}

/* Answers pending actions from the fixtures until none is pending. 0, or -1 after a
 * failure. */
static int answer_actions(runner *r, const char *before)
{
    for (int n = 0; is_status(r->out, "action"); n++) {
        const cJSON *action = get(r->out, "action");
        const char *name = cli_json_str(action, "name"), *id = cli_json_str(action, "id");
        const cJSON *fx = name ? tf_fixture(r->f, r->t, name) : NULL;
        char where[256];
        cJSON *ev, *reply = NULL;
        char *text;
        int rc;

        snprintf(where, sizeof where, "%s, answering action '%.80s' from the fixtures",
                 before, name ? name : "?");
        if (n >= MAX_AUTO_ANSWERS) {
            fprintf(failure(r, where), "    more than %d actions in a row answered from the "
                    "fixtures: a loop?\n", MAX_AUTO_ANSWERS);
            return -1;
        }
        if (!fx) {
            fprintf(failure(r, where), "    no fixture for action '%s' (add it to `actions` "
                    "of the file or the test, or answer it with a `result` entry)\n",
                    name ? name : "?");
            put_saw(r->rep, r->out);
            return -1;
        }
        ev = cJSON_Duplicate(fx, 1);
        cJSON_AddStringToObject(ev, "type", "result");
        cJSON_AddStringToObject(ev, "action", id ? id : "");
        cJSON_AddNumberToObject(ev, "at", r->now);
        text = cli_json_text(ev);
        rc = send(r, text, r->now, &reply, where);
        free(text);
        if (rc == 0) {
            fprintf(failure(r, where), "    the fixture's result was rejected: %s: %s\n",
                    cli_json_str(get(reply, "error"), "code"),
                    cli_json_str(get(reply, "error"), "message"));
            put_saw(r->rep, reply);
        }
        cJSON_Delete(reply);
        if (rc != 1 || flow_error_check(r, where) != 0)
            return -1;
    }
    return 0;
}

/* The JSON of the entry's event, sent at time at. */
static char *event_json(const runner *r, const tf_entry *en, double at)
{
    cJSON *ev = cJSON_CreateObject();
    const cJSON *m;

    switch (en->kind) {
    case TF_CHOOSE:
        cJSON_AddStringToObject(ev, "type", "choose");
        cJSON_AddItemToObject(ev, "option", cJSON_Duplicate(en->value, 1));
        break;
    case TF_INPUT:
        cJSON_AddStringToObject(ev, "type", "input");
        cJSON_AddItemToObject(ev, "value", cJSON_Duplicate(en->value, 1));
        break;
    case TF_RESULT:
        cJSON_AddStringToObject(ev, "type", "result");
        /* with nothing pending, the last id: the engine's rejection then says why */
        cJSON_AddStringToObject(ev, "action", cli_json_str(get(r->out, "action"), "id")
                                                  ? cli_json_str(get(r->out, "action"), "id")
                                              : r->last_action[0] ? r->last_action : "a0");
        cJSON_ArrayForEach(m, en->value)
            cJSON_AddItemToObject(ev, m->string, cJSON_Duplicate(m, 1));
        break;
    case TF_EVENT:
        cJSON_AddStringToObject(ev, "type", "event");
        cJSON_AddItemToObject(ev, "name", cJSON_Duplicate(en->value, 1));
        if (en->data)
            cJSON_AddItemToObject(ev, "data", cJSON_Duplicate(en->data, 1));
        break;
    case TF_INTENT:
        cJSON_AddStringToObject(ev, "type", "intent");
        cJSON_AddItemToObject(ev, "name", cJSON_Duplicate(en->value, 1));
        break;
    case TF_TICK:
        cJSON_AddStringToObject(ev, "type", "tick");
        break;
    case TF_RAW:
    case TF_NONE:
        cJSON_Delete(ev);
        return cli_xstrdup(en->value ? en->value->valuestring : "");
    }
    cJSON_AddNumberToObject(ev, "at", at);
    return cli_json_text(ev);
}

/* The time a raw event carries, if it is JSON with an "at". */
static double raw_time(const char *raw, double now)
{
    cJSON *ev = cJSON_Parse(raw);
    const cJSON *at = get(ev, "at");
    double t = cJSON_IsNumber(at) ? at->valuedouble : now;
    cJSON_Delete(ev);
    return t;
}

/* Whether the entry answers the pending action itself: a `result`, or a raw result event
 * (a stale id, say), which must meet the action still pending. */
static int is_result(const tf_entry *en)
{
    cJSON *ev;
    const char *type;
    int yes;

    if (en->kind != TF_RAW)
        return en->kind == TF_RESULT;
    ev = cJSON_Parse(en->value->valuestring);
    type = cli_json_str(ev, "type");
    yes = type && strcmp(type, "result") == 0;
    cJSON_Delete(ev);
    return yes;
}

/* Reports the mismatches of exp against o, if any; -1 on a failure. */
static int expect(runner *r, const cJSON *exp, const cJSON *o, const char *where)
{
    char *lines = NULL;
    size_t len = 0;
    FILE *m;
    int bad;

    if (!exp)
        return 0;
    m = open_memstream(&lines, &len);
    if (!m) {
        cli_error("out of memory");
        exit(CLI_EXIT_USAGE);
    }
    bad = check_expect(m, exp, o);
    fclose(m);
    if (bad) {
        fputs(lines, failure(r, where));
        put_saw(r->rep, o);
    }
    free(lines);
    return bad ? -1 : 0;
}

static int run_entry(runner *r, size_t i)
{
    const tf_entry *en = &r->t->entries[i];
    char *what = tf_describe_event(en), *event;
    char where[256];
    double at;
    cJSON *reply = NULL;
    int rc;

    snprintf(where, sizeof where, "step %zu (%s)", i + 1,
             en->kind == TF_NONE && i == 0 ? "the start" : what);
    free(what);
    if (!is_result(en) && answer_actions(r, where) != 0)
        return -1;
    if (en->kind == TF_NONE)
        return expect(r, en->expect, r->out, where);
    at = r->now + en->after;
    if (en->kind == TF_RAW)
        at = raw_time(en->value->valuestring, r->now);
    event = event_json(r, en, at);
    rc = send(r, event, at, &reply, where);
    free(event);
    if (rc < 0)
        return -1;
    if (rc == 0 && !get(en->expect, "error")) {
        const cJSON *err = get(reply, "error");
        fprintf(failure(r, where), "    the event was rejected: %s: %s\n",
                cli_json_str(err, "code"), cli_json_str(err, "message"));
        cJSON_DeleteItemFromObjectCaseSensitive(reply, "error"); /* said just above */
        put_saw(r->rep, reply);
        cJSON_Delete(reply);
        return -1;
    }
    rc = expect(r, en->expect, rc == 0 ? reply : r->out, where);
    cJSON_Delete(reply);
    if (rc != 0)
        return -1;
    return flow_error_check(r, where);
}

static int run_steps(runner *r)
{
    const char *ctx;
    char *context = cJSON_PrintUnformatted(r->t->context);
    int rc;

    if (!context) {
        cli_error("out of memory");
        exit(CLI_EXIT_USAGE);
    }
    ctx = context;
    rc = hf_session_start(&r->s, r->e, r->f->flow, ctx, strlen(ctx));
    free(context);
    if (rc == HF_ENOTFOUND) {
        fprintf(failure(r, "the start"), "    no flow '%s' is loaded (set `flow` in the test "
                "file, or pass the flow's file)\n", r->f->flow);
        return -1;
    }
    if (rc != HF_OK) {
        fprintf(failure(r, "the start"), "    the session did not start: %s\n",
                *hf_engine_errmsg(r->e) ? hf_engine_errmsg(r->e) : hf_strerror(rc));
        return -1;
    }
    if (take_output(r, hf_session_output(r->s, NULL), strlen(hf_session_output(r->s, NULL)))) {
        fputs("    the engine's output is not JSON\n", failure(r, "the start"));
        return -1;
    }
    if (flow_error_check(r, "the start") != 0)
        return -1;
    for (size_t i = 0; i < r->t->n; i++)
        if (run_entry(r, i) != 0)
            return -1;
    if (answer_actions(r, "the end") != 0)
        return -1;
    return expect(r, r->t->outcome, r->out, "the end (outcome)");
}

/* Runs one test and prints its PASS / FAIL line (and report). Returns 1 if it passed. */
static int run_test(hf_engine *e, const tf_file *f, size_t index)
{
    const tf_test *t = &f->tests[index];
    char *report = NULL;
    size_t len = 0;
    runner r;

    memset(&r, 0, sizeof r);
    r.e = e;
    r.f = f;
    r.t = t;
    r.now = t->at;
    r.rep = open_memstream(&report, &len);
    if (!r.rep) {
        cli_error("out of memory");
        exit(CLI_EXIT_USAGE);
    }
    run_steps(&r);
    fclose(r.rep);
    hf_session_free(r.s);
    cJSON_Delete(r.out);
    if (t->name)
        printf("%s %s: %s\n", r.failed ? "FAIL" : "PASS", f->flow, t->name);
    else
        printf("%s %s: test %zu\n", r.failed ? "FAIL" : "PASS", f->flow, index + 1);
    fputs(report, stdout);
    fflush(stdout); /* a CI log shows each test as it ends */
    free(report);
    return !r.failed;
}

/* ---- the command ------------------------------------------------------------------------ */

/* The flow versions loaded from the files under test, for the coverage report, in the
 * engine's order (by id, then version). */
static void want_coverage(cli_cov *cov, hf_engine *e, const plan *p)
{
    const char *json = NULL;
    cJSON *list, *fl;

    if (hf_engine_flows(e, &json, NULL) != HF_OK || !(list = cJSON_Parse(json)))
        return;
    cJSON_ArrayForEach(fl, list) {
        const char *source = cli_json_str(fl, "source"), *id = cli_json_str(fl, "id");
        const cJSON *v = get(fl, "version");
        for (size_t i = 0; source && id && cJSON_IsNumber(v) && i < p->under_test; i++)
            if (strcmp(p->flows.v[i], source) == 0)
                cli_cov_want(cov, id, (int64_t)v->valuedouble);
    }
    cJSON_Delete(list);
}

static int run_plan(plan *p)
{
    hf_engine_options opts = HF_ENGINE_OPTIONS_INIT;
    hf_engine *e = NULL;
    cli_cov *cov = p->coverage ? cli_cov_new() : NULL;
    cli_flowfile *files = cli_xrealloc(NULL, (p->flows.n ? p->flows.n : 1) * sizeof *files);
    tf_file *tfs = cli_xrealloc(NULL, (p->tests.n ? p->tests.n : 1) * sizeof *tfs);
    size_t passed = 0, failed = 0, load_failed = 0, bad_files = 0, ntests = 0;
    int rc, unreadable = 0, below = 0;

    if (cov) {
        opts.trace = cli_cov_trace;
        opts.trace_ud = cov;
    }
    rc = hf_engine_new(&e, &opts);
    if (rc != HF_OK) {
        cli_error("test: cannot create an engine: %s", hf_strerror(rc));
        free(files);
        free(tfs);
        cli_cov_free(cov);
        return CLI_EXIT_USAGE;
    }
    for (size_t i = 0; i < p->tests.n; i++) {
        char *error = NULL;
        if (tf_load(&tfs[i], p->tests.v[i], &error) != 0) {
            cli_error("%s", error);
            tf_free(&tfs[i]); /* none of its tests runs */
            bad_files++;
        } else {
            ntests += tfs[i].n;
        }
        free(error);
    }
    cli_load_flows(e, files, (const char *const *)p->flows.v, p->flows.n);
    for (size_t i = 0; i < p->under_test; i++) {
        if (files[i].rc == HF_OK)
            continue;
        if (files[i].rc == HF_EIO) {
            cli_error("test: %s", files[i].error);
            unreadable = 1;
        } else {
            printf("%s\n", files[i].error);
            load_failed++;
        }
    }
    if (p->tests.n == 0 && !bad_files) {
        cli_error("test: no conversation tests (*.test.lua) in the paths given");
        unreadable = 1;
    }
    if (cov)
        want_coverage(cov, e, p);
    for (size_t i = 0; i < p->tests.n; i++) {
        for (size_t j = 0; tfs[i].root && j < tfs[i].n; j++) {
            if (run_test(e, &tfs[i], j))
                passed++;
            else
                failed++;
        }
    }
    if (cov) {
        putchar('\n');
        below = cli_cov_report(cov, e, stdout, p->min);
        putchar('\n');
    }
    if (load_failed)
        printf("%zu flow%s did not load\n", load_failed, load_failed == 1 ? "" : "s");
    if (bad_files)
        printf("%zu test file%s could not be used (above)\n", bad_files, bad_files == 1 ? "" : "s");
    printf("%zu passed, %zu failed\n", passed, failed);
    (void)ntests;
    for (size_t i = 0; i < p->tests.n; i++)
        tf_free(&tfs[i]);
    free(tfs);
    cli_flowfiles_free(files, p->flows.n);
    free(files);
    hf_engine_free(e);
    cli_cov_free(cov);
    if (unreadable || bad_files || below < 0)
        return CLI_EXIT_USAGE;
    return failed || load_failed || below > 0 ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

int cli_test(int argc, char **argv)
{
    plan p;
    int code;

    memset(&p, 0, sizeof p);
    p.min = -1;
    code = parse_args(argc, argv, &p);
    if (code < 0)
        code = run_plan(&p);
    cli_strv_free(&p.flows);
    cli_strv_free(&p.support);
    cli_strv_free(&p.tests);
    return code;
}
