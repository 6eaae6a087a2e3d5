/*
 * replay.c — `helpflow replay`: rebuilds a session from its event log with hf_replay(), shows
 * each step, and checks an output (or outcome record) a phone claims against the replayed one.
 *
 * A session is a pure function of its flow version, start context and events, so a backend
 * need not trust an escalation a device reports: it replays the device's log on its own copy
 * of the flows and compares. The comparison is of canonical JSON (members sorted by name,
 * printed by cJSON), so that member order and white space do not matter and nothing else does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "cli.h"
#include "json.h"
#include "keyfile.h"
#include "load.h"
#include "run.h"
#include "util.h"

static void usage(FILE *out)
{
    fputs(
"usage: helpflow replay LOG [--claim FILE] [--key KEYFILE] [--quiet | --json] FLOW.lua...\n"
"\n"
"Rebuilds a session from its event log and shows every step it took. LOG is either the JSON\n"
"event log ('helpflow run --log FILE', hf_session_events()):\n"
"  {\"flow\": \"card_declined\", \"version\": 3, \"context\": {...start context...},\n"
"   \"events\": [{\"type\": \"result\", ...}, ...]}\n"
"or a snapshot that carries one (saved with 'helpflow run --log ... --save FILE', or by an\n"
"engine with the event_log option), recognised by its magic \"HFSN\"; --key KEYFILE is its\n"
"key if it was saved with one. The flow version the log names must be among the flow files\n"
"(any order; routing.lua, actions.lua and *.test.lua are passed over).\n"
"\n"
"Each step prints as the event (numbered from 0, as in the log's \"events\" array and the\n"
"library's messages), then what the session did: its status and step, what it waits for,\n"
"the host action it asks for, the escalation, and the texts and choices it shows. The last\n"
"line sums up where the session ended.\n"
"\n"
"--claim FILE checks what a device claims: FILE holds the session's final output (the JSON\n"
"the device rendered last, with \"status\") or its outcome record (with \"outcome\",\n"
"hf_session_outcome()). It is compared with the replayed one after both are made canonical\n"
"(parsed, members sorted by name, printed compactly): MATCH, or MISMATCH with the first\n"
"member that differs, e.g.\n"
"  MISMATCH: escalation.reason: claimed \"customer_requested\", replayed \"not_resolved\"\n"
"So a backend checks an escalation a phone reports with\n"
"  helpflow replay session.log --claim escalation.json --quiet flows/*.lua\n"
"and routes the replayed escalation (replay --json | tail -n 1), not the claimed one.\n"
"\n"
"options:\n"
"  --claim FILE     the final output or outcome record to check against the replay\n"
"  --key KEYFILE    the snapshot key, when LOG is an authenticated snapshot\n"
"  --quiet          print only the last line and the verdict\n"
"  --json           print the replayed outputs instead, one JSON line each (the start's, then\n"
"                   one per event: what 'helpflow run --json' printed for the accepted\n"
"                   events); the verdict goes to stderr\n"
"  --help           this help\n"
"\n"
"Exit status: 0 the replay ran (and the claim matches); 1 the claim does not match; 2 bad\n"
"usage, a LOG or claim that cannot be read or is not what it should be, a flow that does not\n"
"load or is not given, or an event the flow rejects (the log does not belong to that flow\n"
"version: the message names the event).\n", out);
}

typedef struct replay_opts {
    const char *claim;
    const char *key;
    int quiet;
    int json;
    cli_strv args; /* LOG, then flow files */
} replay_opts;

/* ---- JSON helpers -------------------------------------------------------------------------- */

static const cJSON *member(const cJSON *o, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(o, name);
}

/* Parses text as one JSON value with nothing but white space after it. */
static cJSON *parse_whole(const char *text, size_t len)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);

    if (!j)
        return NULL;
    for (; end && (size_t)(end - text) < len; end++)
        if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r') {
            cJSON_Delete(j);
            return NULL;
        }
    return j;
}

/* Compact JSON of item, cut to max bytes and "..." when longer (owned by the caller). */
static char *compact(const cJSON *item, size_t max)
{
    char *text = cJSON_PrintUnformatted(item);
    if (!text)
        return cli_xstrdup("null");
    if (max && strlen(text) > max + 3) { /* room for the dots in what is cut off */
        size_t n = max;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80) /* not inside a character */
            n--;
        strcpy(text + n, "...");
    }
    return text;
}

static void print_compact(FILE *out, const cJSON *item, size_t max)
{
    char *text = compact(item, max);
    fputs(text, out);
    free(text);
}

typedef struct named {
    cJSON *item;
    size_t pos;
} named;

static int by_name(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int c = strcmp(x->item->string ? x->item->string : "", y->item->string ? y->item->string : "");
    /* a name given twice keeps its order: cJSON's lookups find the first */
    return c ? c : (x->pos < y->pos ? -1 : x->pos > y->pos);
}

/* Sorts every object's members by name (byte order), in place, all the way down. */
static void canonicalize(cJSON *j)
{
    size_t n = 0, i = 0;
    cJSON *c;
    named *items;

    for (c = j ? j->child : NULL; c; c = c->next) {
        canonicalize(c);
        n++;
    }
    if (!cJSON_IsObject(j) || n < 2)
        return;
    items = cli_xrealloc(NULL, n * sizeof *items);
    for (c = j->child; c; c = c->next, i++)
        items[i] = (named){ c, i };
    qsort(items, n, sizeof *items, by_name);
    /* relinked as cJSON links them: the first item's prev is the last item */
    for (i = 0; i < n; i++) {
        items[i].item->next = i + 1 < n ? items[i + 1].item : NULL;
        items[i].item->prev = items[i ? i - 1 : n - 1].item;
    }
    j->child = items[0].item;
    free(items);
}

/* Appends ".name" or ".N" to path. */
static void path_push(char *path, size_t cap, const char *name, int index)
{
    size_t n = strlen(path);
    if (name)
        snprintf(path + n, cap - n, "%s%s", n ? "." : "", name);
    else
        snprintf(path + n, cap - n, "%s%d", n ? "." : "", index);
}

/* Finds the first place where the canonical a (claimed) and b (replayed) differ: 1 and path,
 * *ca, *cb set (either may be NULL: absent there), or 0 if they are equal. */
static int first_diff(const cJSON *a, const cJSON *b, char *path, size_t cap, const cJSON **ca,
                      const cJSON **cb)
{
    size_t len = strlen(path);

    *ca = a;
    *cb = b;
    if (!a || !b)
        return a != b;
    if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        const cJSON *x = a->child, *y = b->child;
        while (x || y) {
            int c = !x ? 1 : !y ? -1 : strcmp(x->string, y->string);
            path_push(path, cap, c <= 0 ? x->string : y->string, 0);
            if (first_diff(c <= 0 ? x : NULL, c >= 0 ? y : NULL, path, cap, ca, cb))
                return 1;
            path[len] = '\0';
            if (c <= 0)
                x = x->next;
            if (c >= 0)
                y = y->next;
        }
        return 0;
    }
    if (cJSON_IsArray(a) && cJSON_IsArray(b)) {
        const cJSON *x = a->child, *y = b->child;
        for (int i = 0; x || y; i++) {
            path_push(path, cap, NULL, i);
            if (first_diff(x, y, path, cap, ca, cb))
                return 1;
            path[len] = '\0';
            x = x ? x->next : NULL;
            y = y ? y->next : NULL;
        }
        return 0;
    }
    char *ta = compact(a, 0), *tb = compact(b, 0);
    int differ = strcmp(ta, tb) != 0;
    free(ta);
    free(tb);
    return differ;
}

/* Splits the text of a JSON array (as the engine writes it) into its top-level items. */
static size_t split_array(const char *text, size_t len, const char ***starts, size_t **lens)
{
    size_t n = 0, cap = 0, depth = 0;
    const char *item = NULL;
    int in_string = 0;

    *starts = NULL;
    *lens = NULL;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
            continue;
        }
        if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            if (depth++ == 1)
                item = text + i;
        } else if (c == ']' || c == '}') {
            if (--depth == 1) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 16;
                    *starts = cli_xrealloc((void *)*starts, cap * sizeof **starts);
                    *lens = cli_xrealloc(*lens, cap * sizeof **lens);
                }
                (*starts)[n] = item;
                (*lens)[n++] = (size_t)(text + i + 1 - item);
            }
        }
    }
    return n;
}

/* ---- showing steps ----------------------------------------------------------------------- */

static void print_time(FILE *out, double at)
{
    char buf[64];
    fprintf(out, "%s (%.0f)", cli_utc_date(buf, sizeof buf, (time_t)at), at);
}

/* An event in a few words: "choose unfreeze", "result a1 ok {...}", "tick". */
static void print_event(FILE *out, const cJSON *ev)
{
    const char *type = cli_json_str(ev, "type"), *s;
    const cJSON *at = member(ev, "at");

    if (!type) {
        print_compact(out, ev, 100);
    } else if (strcmp(type, "choose") == 0) {
        fprintf(out, "choose %s", (s = cli_json_str(ev, "option")) ? s : "?");
    } else if (strcmp(type, "input") == 0) {
        fputs("input ", out);
        print_compact(out, member(ev, "value"), 80);
    } else if (strcmp(type, "result") == 0) {
        fprintf(out, "result %s ", (s = cli_json_str(ev, "action")) ? s : "?");
        if (cJSON_IsTrue(member(ev, "ok"))) {
            fputs("ok", out);
            if (member(ev, "data")) {
                fputc(' ', out);
                print_compact(out, member(ev, "data"), 80);
            }
        } else {
            fputs("failed", out);
            if (member(ev, "error")) {
                fputc(' ', out);
                print_compact(out, member(ev, "error"), 80);
            }
        }
    } else if (strcmp(type, "intent") == 0) {
        fprintf(out, "intent %s", (s = cli_json_str(ev, "name")) ? s : "?");
    } else if (strcmp(type, "event") == 0) {
        fprintf(out, "event %s", (s = cli_json_str(ev, "name")) ? s : "?");
        if (member(ev, "data")) {
            fputc(' ', out);
            print_compact(out, member(ev, "data"), 80);
        }
    } else {
        fputs(type, out);
    }
    if (cJSON_IsNumber(at)) {
        fputs(" at ", out);
        print_time(out, at->valuedouble);
    }
}

static void print_strings(FILE *out, const cJSON *arr)
{
    for (const cJSON *c = arr ? arr->child : NULL; c; c = c->next) {
        if (cJSON_IsString(c))
            fputs(c->valuestring, out);
        else
            print_compact(out, c, 40);
        if (c->next)
            fputs(", ", out);
    }
}

/* "waiting at frozen for a choice", "action at check_card: a1 cards.get_status {...}". */
static void print_state(FILE *out, const cJSON *o)
{
    const char *status = cli_json_str(o, "status"), *step = cli_json_str(o, "step"), *s;
    const cJSON *ex = member(o, "expects"), *act = member(o, "action"), *es, *v;

    fprintf(out, "%s at %s", status ? status : "?", step ? step : "?");
    if ((s = cli_json_str(o, "subflow")))
        fprintf(out, " in subflow %s", s);
    if (status && strcmp(status, "waiting") == 0 && ex) {
        const char *kind = cli_json_str(ex, "kind");
        if (kind && strcmp(kind, "input") == 0)
            fprintf(out, ", for an input (%s)", (s = cli_json_str(ex, "input")) ? s : "?");
        else if (kind && strcmp(kind, "event") == 0)
            fprintf(out, ", for the event %s", (s = cli_json_str(ex, "event")) ? s : "?");
        else if (kind && strcmp(kind, "choice") == 0)
            fputs(", for a choice", out);
        else
            fprintf(out, ", for a %s", kind ? kind : "?");
        if (cJSON_IsNumber(v = member(ex, "deadline"))) {
            fputs(" until ", out);
            print_time(out, v->valuedouble);
        }
    } else if (act) {
        const char *id = cli_json_str(act, "id"), *name = cli_json_str(act, "name");
        fprintf(out, ": action %s %s ", id ? id : "?", name ? name : "?");
        print_compact(out, member(act, "args"), 100);
    } else if ((es = member(o, "escalation"))) {
        fprintf(out, ": reason %s", (s = cli_json_str(es, "reason")) ? s : "?");
        if (cJSON_GetArraySize(v = member(es, "skills"))) {
            fputs(", skills ", out);
            print_strings(out, v);
        }
        if ((s = cli_json_str(es, "priority")))
            fprintf(out, ", priority %s", s);
        if (cJSON_GetArraySize(v = member(es, "flags"))) {
            fputs(", flags ", out);
            print_strings(out, v);
        }
    }
}

/* The ui components, one a line, indented. */
static void print_ui(FILE *out, const cJSON *o)
{
    for (const cJSON *c = member(o, "ui") ? member(o, "ui")->child : NULL; c; c = c->next) {
        const char *type = cli_json_str(c, "type"), *s;
        if (type && strcmp(type, "input") == 0)
            continue; /* the state line says what input it waits for */
        fputs("           ", out);
        if (type && strcmp(type, "text") == 0 && (s = cli_json_str(c, "text"))) {
            fprintf(out, "%s\n", s);
        } else if (type && strcmp(type, "error") == 0 && (s = cli_json_str(c, "text"))) {
            fprintf(out, "! %s\n", s);
        } else if (type && strcmp(type, "choices") == 0) {
            fputs("choices:", out);
            for (const cJSON *op = member(c, "options") ? member(c, "options")->child : NULL; op;
                 op = op->next)
                fprintf(out, " %s \"%s\"%s", (s = cli_json_str(op, "id")) ? s : "?",
                        cli_json_str(op, "label") ? cli_json_str(op, "label") : "?",
                        op->next ? "," : "");
            fputc('\n', out);
        } else {
            fprintf(out, "[%s] ", type ? type : "?");
            print_compact(out, c, 100);
            fputc('\n', out);
        }
    }
}

static void print_step(FILE *out, int index, const cJSON *event, const cJSON *output)
{
    if (index < 0)
        fputs("start", out);
    else {
        fprintf(out, "event %d: ", index);
        print_event(out, event);
    }
    fputs("\n        -> ", out);
    print_state(out, output);
    fputc('\n', out);
    print_ui(out, output);
}

/* ---- the log ----------------------------------------------------------------------------- */

/* The event log LOG holds, as JSON text (owned by the caller), or NULL after a message. */
static char *read_log(hf_engine *e, const char *path, int have_key)
{
    size_t len = 0;
    char *bytes = cli_read_file(path, &len), *json;
    hf_session *s = NULL;
    const char *events = NULL;
    size_t elen = 0;

    if (!bytes) {
        cli_error("replay: %s: %s", path, strerror(errno));
        return NULL;
    }
    if (!cli_is_snapshot(bytes, len))
        return bytes;
    if (hf_session_restore(&s, e, bytes, len) != HF_OK) {
        cli_snapshot_error("replay", path, e, bytes, len, have_key);
        free(bytes);
        return NULL;
    }
    free(bytes);
    if (hf_session_events(s, &events, &elen) != HF_OK) {
        cli_error("replay: %s: the snapshot carries no event log (its session ran without "
                  "one: 'helpflow run --log', or the engine option event_log)", path);
        hf_session_free(s);
        return NULL;
    }
    json = cli_xrealloc(NULL, elen + 1);
    memcpy(json, events, elen);
    json[elen] = '\0';
    hf_session_free(s);
    return json;
}

typedef struct event_log {
    cJSON *root;
    const char *flow;
    int64_t version;
    char *context; /* compact JSON text */
    const cJSON *events;
    char *events_text;
} event_log;

static int parse_log(event_log *lg, const char *path, const char *text)
{
    const cJSON *v;
    const char *why = NULL;

    memset(lg, 0, sizeof *lg);
    lg->root = parse_whole(text, strlen(text));
    if (!cJSON_IsObject(lg->root))
        why = "it is not a JSON object (nor a snapshot)";
    else if (!(lg->flow = cli_json_str(lg->root, "flow")))
        why = "it has no \"flow\" string";
    else if (!cJSON_IsNumber(v = member(lg->root, "version")) || !(v->valuedouble >= 1) ||
             v->valuedouble > 9007199254740992.0 ||
             v->valuedouble != (double)(int64_t)v->valuedouble)
        why = "its \"version\" is not a whole number from 1";
    else if (!cJSON_IsObject(member(lg->root, "context")))
        why = "its \"context\" is not a JSON object";
    else if (!cJSON_IsArray(lg->events = member(lg->root, "events")))
        why = "its \"events\" is not a JSON array";
    if (why) {
        cli_error("replay: %s is not an event log: %s", path, why);
        return -1;
    }
    lg->version = (int64_t)member(lg->root, "version")->valuedouble;
    lg->context = cJSON_PrintUnformatted(member(lg->root, "context"));
    lg->events_text = cJSON_PrintUnformatted(lg->events);
    if (!lg->context || !lg->events_text) {
        cli_error("out of memory");
        return -1;
    }
    return 0;
}

static void free_log(event_log *lg)
{
    free(lg->context);
    free(lg->events_text);
    cJSON_Delete(lg->root);
}

/* After a rejection: the number of events the flow accepts before it rejects one, found by
 * replaying longer and longer prefixes; their outputs in *outputs (owned by the caller; NULL if
 * not even the start replays). */
static int accepted_prefix(hf_engine *e, const event_log *lg, char **outputs)
{
    cJSON *prefix = cJSON_CreateArray();
    const cJSON *ev = lg->events->child;
    int accepted = 0;

    *outputs = NULL;
    for (int m = 0;; m++) {
        char *text = cJSON_PrintUnformatted(prefix);
        const char *outs = NULL;
        hf_session *s = NULL;
        int rc = text ? hf_replay(&s, e, lg->flow, lg->version, lg->context,
                                  strlen(lg->context), text, strlen(text), &outs, NULL)
                      : HF_ENOMEM;
        free(text);
        hf_session_free(s);
        if (rc != HF_OK)
            break;
        accepted = m;
        free(*outputs);
        *outputs = cli_xstrdup(outs);
        if (!ev)
            break;
        cJSON_AddItemToArray(prefix, cJSON_Duplicate(ev, 1));
        ev = ev->next;
    }
    cJSON_Delete(prefix);
    return accepted;
}

/* ---- the claim ----------------------------------------------------------------------------- */

/* Compares the claim with the replayed output or outcome record; prints the verdict on out.
 * Returns the exit code. */
static int check_claim(FILE *out, const char *path, cJSON *claim, hf_session *s)
{
    const char *replayed = NULL, *what;
    char where[1024] = "";
    const cJSON *ca, *cb;
    cJSON *r;

    if (member(claim, "status")) {
        what = "output";
        replayed = hf_session_output(s, NULL);
    } else {
        what = "outcome record";
        if (hf_session_outcome(s, &replayed, NULL) != HF_OK) {
            fprintf(out, "MISMATCH: %s claims an outcome record, and the replayed session has "
                    "not finished (it is %s)\n", path, hf_status_name(hf_session_status(s)));
            return CLI_EXIT_FAILED;
        }
    }
    r = cJSON_Parse(replayed);
    if (!r) {
        cli_error("replay: the replayed %s is not JSON", what);
        return CLI_EXIT_USAGE;
    }
    canonicalize(claim);
    canonicalize(r);
    if (!first_diff(claim, r, where, sizeof where, &ca, &cb)) {
        fprintf(out, "MATCH: the claimed %s is the replayed one\n", what);
        cJSON_Delete(r);
        return CLI_EXIT_OK;
    }
    fprintf(out, "MISMATCH: %s: claimed ", where[0] ? where : "(the whole value)");
    if (ca)
        print_compact(out, ca, 200);
    else
        fputs("(absent)", out);
    fputs(", replayed ", out);
    if (cb)
        print_compact(out, cb, 200);
    else
        fputs("(absent)", out);
    fputc('\n', out);
    cJSON_Delete(r);
    return CLI_EXIT_FAILED;
}

static cJSON *read_claim(const char *path)
{
    size_t len = 0;
    char *text = cli_read_file(path, &len);
    cJSON *j;

    if (!text) {
        cli_error("replay: %s: %s", path, strerror(errno));
        return NULL;
    }
    j = parse_whole(text, len);
    free(text);
    if (!cJSON_IsObject(j) || (!member(j, "status") && !member(j, "outcome"))) {
        cli_error("replay: %s is not a session's output (an object with \"status\") nor an "
                  "outcome record (with \"outcome\")", path);
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

/* ---- the command ----------------------------------------------------------------------------- */

/* Prints every output of the outputs array (the start's, then one per event). */
static void print_outputs(const replay_opts *o, const event_log *lg, const char *outputs)
{
    const char **starts;
    size_t *lens, n = split_array(outputs, strlen(outputs), &starts, &lens);
    const cJSON *ev = lg->events->child;

    for (size_t i = 0; i < n; i++) {
        if (o->json) {
            fwrite(starts[i], 1, lens[i], stdout);
            fputc('\n', stdout);
        } else {
            cJSON *out = cJSON_ParseWithLength(starts[i], lens[i]);
            print_step(stdout, (int)i - 1, i ? ev : NULL, out);
            cJSON_Delete(out);
            if (i)
                ev = ev ? ev->next : NULL;
        }
    }
    free((void *)starts);
    free(lens);
}

static int replay_log(const replay_opts *o)
{
    unsigned char key[HF_SNAPSHOT_KEYBYTES];
    cli_strv flows = { NULL, 0, 0 };
    const char *path = o->args.v[0], *outs = NULL;
    hf_engine *e = NULL;
    hf_session *s = NULL;
    cJSON *claim = NULL;
    char *text = NULL, *outputs = NULL;
    event_log lg;
    int code = CLI_EXIT_USAGE, rc;
    FILE *verdict = o->json ? stderr : stdout;

    memset(&lg, 0, sizeof lg);
    if (o->key && cli_snapshot_key("replay", o->key, key) != 0)
        return CLI_EXIT_USAGE;
    for (size_t i = 1; i < o->args.n; i++)
        cli_operand_flow(&flows, o->args.v[i], 0);
    if (flows.n == 0) {
        cli_error("replay: no flow files given; try 'helpflow replay --help'");
        goto done;
    }
    e = cli_engine_with_flows("replay", o->key ? key : NULL, 1, &flows, NULL);
    cli_wipe(key, sizeof key);
    if (!e || !(text = read_log(e, path, o->key != NULL)) || parse_log(&lg, path, text) != 0)
        goto done;
    if (o->claim && !(claim = read_claim(o->claim)))
        goto done;

    rc = hf_replay(&s, e, lg.flow, lg.version, lg.context, strlen(lg.context), lg.events_text,
                   strlen(lg.events_text), &outs, NULL);
    if (rc == HF_EREJECTED) {
        /* the library's message starts "replay: ", as this one does */
        const char *msg = hf_engine_errmsg(e);
        char *why = cli_xstrdup(strncmp(msg, "replay: ", 8) == 0 ? msg + 8 : msg);
        int k = accepted_prefix(e, &lg, &outputs);
        if (outputs && !o->quiet)
            print_outputs(o, &lg, outputs);
        if (!o->quiet && !o->json) {
            fprintf(stdout, "event %d: ", k);
            print_event(stdout, cJSON_GetArrayItem(lg.events, k));
            fputs("\n        -> REJECTED\n", stdout);
        }
        cli_error("replay: %s: %s (the log does not belong to %s version %lld)", path, why,
                  lg.flow, (long long)lg.version);
        free(why);
        goto done;
    }
    if (rc != HF_OK) {
        cli_error("replay: %s: %s", path, hf_engine_errmsg(e));
        goto done;
    }
    outputs = cli_xstrdup(outs);
    if (!o->quiet)
        print_outputs(o, &lg, outputs);
    if (!o->json) {
        cJSON *last = cJSON_Parse(hf_session_output(s, NULL));
        int n = cJSON_GetArraySize(lg.events);
        printf("replayed %d event%s of %s version %lld: ", n, n == 1 ? "" : "s", lg.flow,
               (long long)lg.version);
        print_state(stdout, last);
        fputc('\n', stdout);
        cJSON_Delete(last);
    }
    code = claim ? check_claim(verdict, o->claim, claim, s) : CLI_EXIT_OK;
done:
    fflush(stdout);
    hf_session_free(s);
    cJSON_Delete(claim);
    free(outputs);
    free(text);
    free_log(&lg);
    cli_strv_free(&flows);
    hf_engine_free(e);
    return code;
}

/* Returns -1 to go on, or the exit code to return now. */
static int parse_args(int argc, char **argv, replay_opts *o)
{
    const cli_option options[] = {
        { .name = "--quiet", .alias = "-q", .flag = &o->quiet },
        { .name = "--json", .flag = &o->json },
        { .name = "--claim", .value = &o->claim },
        { .name = "--key", .value = &o->key },
        { .name = NULL },
    };
    const cli_args args = { "replay", "replay", NULL, usage, options, cli_operand_push,
                            &o->args };
    int code = cli_parse_args(&args, argc, argv);

    if (code >= 0)
        return code;
    if (o->args.n == 0) {
        cli_error("replay: give the LOG and the flow files; try 'helpflow replay --help'");
        return CLI_EXIT_USAGE;
    }
    if (o->quiet && o->json) {
        cli_error("replay: --quiet and --json do not go together; try 'helpflow replay --help'");
        return CLI_EXIT_USAGE;
    }
    return -1;
}

int cli_replay(int argc, char **argv)
{
    replay_opts o = { NULL, NULL, 0, 0, { NULL, 0, 0 } };
    int code = parse_args(argc, argv, &o);

    if (code < 0)
        code = replay_log(&o);
    cli_strv_free(&o.args);
    return code;
}
