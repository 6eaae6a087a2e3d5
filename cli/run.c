/*
 * run.c — `helpflow run`: options, loading the flows, the start context, starting (or
 * restoring) the session, and saving its snapshot and event log at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "fixtures.h"
#include "keyfile.h"
#include "load.h"
#include "run.h"
#include "util.h"

static void usage(FILE *out)
{
    fputs(
"usage: helpflow run [--json] [--flow ID] [--context JSON] [--save FILE] [--key KEYFILE]\n"
"                    [--log FILE] FLOW.lua...\n"
"       helpflow run [--json] --restore FILE [--migrate VERSION] [--save FILE]\n"
"                    [--key KEYFILE] [--log FILE] FLOW.lua...\n"
"\n"
"Loads the flow files (in any order: a flow that calls another is loaded after it; the\n"
"routing config routing.lua, the action manifest actions.lua and conversation tests\n"
"X.test.lua are passed over) and plays one flow: --flow ID, else the flow of the first file.\n"
"The start context is --context JSON, else the \"context\" of the fixtures file beside the\n"
"played flow's file (X.lua -> X.fixtures.json):\n"
"  {\"context\": {...},\n"
"   \"actions\": {\"cards.get_status\": {\"ok\": true, \"data\": {...}} | {\"ok\": false, \"error\": \"...\"}},\n"
"   \"events\":  {\"identity.verified\": {...data}}}\n"
"else {}.\n"
"\n"
"In the terminal the flow is shown as the customer sees it. At a choice, type its number or\n"
"its id; at a question, type the answer. Host actions print as [action ID NAME ARGS] and are\n"
"answered from the fixtures' \"actions\"; without a fixture, type the result data as JSON (an\n"
"empty line: ok with no data; \"!message\": the action failed with that error). A wait for an\n"
"event is answered from the fixtures' \"events\"; without one, press Enter to send the event\n"
"(or type a JSON object to send it with that data), \"t\" to send a tick at the wait's timeout,\n"
"\"t N\" to send a tick N seconds later. Anywhere:\n"
"  /human /cancel /restart /back   send that intent (any /NAME sends the intent NAME)\n"
"  /quit                           stop (so does end of input)\n"
"  //text                          send \"/text\" literally\n"
"\n"
"With --json, prints the start output as one JSON line, then reads events, one JSON object a\n"
"line, on stdin and prints the session's output after each one (a rejected event's line\n"
"carries \"error\": {\"code\", \"message\"}). Blank lines are ignored; end of input ends.\n"
"Each line is flushed as it is written.\n", out);
    fputs("\n"
"Snapshots (docs/snapshots.md). --restore FILE goes on with the session a snapshot holds\n"
"instead of starting one: its output is the first line (in the terminal, it is shown), and\n"
"the events that follow are handled exactly as the saved session would have handled them.\n"
"The snapshot names its flow and version, which must be among the files loaded, and holds\n"
"its context, so --flow and --context do not go with it. --migrate VERSION then moves the\n"
"restored session onto that loaded version of its flow (\"newest\": the newest loaded),\n"
"through the new version's migrate(ctx, from_version) (hf_session_migrate()).\n"
"--save FILE writes the session's snapshot when input ends (or at /quit), through a\n"
"temporary file renamed over FILE, so a reader never sees half a snapshot; FILE may be the\n"
"one restored. --key KEYFILE (made by 'helpflow snapshot keygen') authenticates the\n"
"snapshots saved and requires a valid tag on the one restored. --log FILE keeps the\n"
"session's event log (its start context and every event it accepted) and writes it to FILE\n"
"as JSON when input ends, for 'helpflow replay'; a snapshot saved with --log carries the\n"
"log, and a session restored from it keeps adding to it. Snapshots and logs are written\n"
"with mode 0600: they hold what the customer said.\n"
"\n"
"options:\n"
"  --flow ID          the flow to play\n"
"  --context JSON     the start context, a JSON object\n"
"  --json             drive the session over JSON lines\n"
"  --restore FILE     go on with the session saved in a snapshot\n"
"  --migrate VERSION  move the restored session onto another version of its flow\n"
"  --save FILE        write the session's snapshot to FILE at the end\n"
"  --key KEYFILE      the snapshot key (one line of 64 hex digits)\n"
"  --log FILE         write the session's event log to FILE at the end\n"
"  --help             this help\n"
"\n"
"Exit status: 0 when the conversation ends or input ends; 2 on bad usage, a flow that does\n"
"not load, an unknown flow, a bad context, a snapshot that is not valid (corrupted,\n"
"truncated, foreign, not authenticated by the key, or of a flow version not loaded; the\n"
"message says which), a migration the flow refuses, or a snapshot or log that cannot be\n"
"written.\n", out);
}

typedef struct run_opts {
    int json;
    const char *flow;
    const char *context;
    const char *save;
    const char *restore;
    const char *key;
    const char *log;
    const char *migrate;
    int64_t migrate_to; /* --migrate's version; 0 the newest */
    cli_strv files;
} run_opts;

/* Returns -1 to go on, or the exit code to return now. */
static int parse_args(int argc, char **argv, run_opts *o)
{
    const cli_option options[] = {
        { .name = "--json", .flag = &o->json },
        { .name = "--flow", .value = &o->flow },
        { .name = "--context", .value = &o->context },
        { .name = "--save", .value = &o->save },
        { .name = "--restore", .value = &o->restore },
        { .name = "--key", .value = &o->key },
        { .name = "--log", .value = &o->log },
        { .name = "--migrate", .value = &o->migrate },
        { .name = NULL },
    };
    const cli_args args = { "run", "run", NULL, usage, options, cli_operand_flow, &o->files };
    int code = cli_parse_args(&args, argc, argv);

    if (code >= 0)
        return code;
    if (o->files.n == 0) {
        cli_error("run: no flow files given; try 'helpflow run --help'");
        return CLI_EXIT_USAGE;
    }
    if (o->migrate) {
        char *end = NULL;
        long long v = strcmp(o->migrate, "newest") == 0 ? 0 : strtoll(o->migrate, &end, 10);
        if (end && (end == o->migrate || *end || v < 1)) {
            cli_error("run: --migrate takes a flow version (a whole number from 1) or \"newest\", "
                      "not '%s'", o->migrate);
            return CLI_EXIT_USAGE;
        }
        if (!o->restore) {
            cli_error("run: --migrate moves a restored session: it needs --restore");
            return CLI_EXIT_USAGE;
        }
        o->migrate_to = v;
    }
    if (o->restore && (o->flow || o->context)) {
        cli_error("run: %s does not go with --restore: the snapshot names its flow and holds "
                  "its context", o->flow ? "--flow" : "--context");
        return CLI_EXIT_USAGE;
    }
    return -1;
}

/* The start context as JSON text (owned by the caller), or NULL after a message. */
static char *start_context(const run_opts *o, const cJSON *fx)
{
    const cJSON *ctx;

    if (o->context) {
        cJSON *parsed = cJSON_Parse(o->context);
        int ok = cJSON_IsObject(parsed);
        cJSON_Delete(parsed);
        if (!ok) {
            cli_error("run: --context is not a JSON object");
            return NULL;
        }
        return cli_xstrdup(o->context);
    }
    ctx = cli_fixtures_context(fx);
    if (ctx) {
        char *s = cJSON_PrintUnformatted(ctx);
        if (!s) {
            cli_error("out of memory");
            return NULL;
        }
        return s;
    }
    return cli_xstrdup("{}");
}

/* The context's "at", the session's start time, or 0. */
static double start_time(const char *context)
{
    cJSON *ctx = cJSON_Parse(context);
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(ctx, "at");
    double t = cJSON_IsNumber(at) ? at->valuedouble : 0;
    cJSON_Delete(ctx);
    return t;
}

static int start_session(hf_session **s, hf_engine *e, const char *flow, const char *context)
{
    int rc = hf_session_start(s, e, flow, context, strlen(context));

    if (rc == HF_OK)
        return 0;
    if (rc == HF_ENOTFOUND)
        cli_error("run: no flow '%s' is loaded", flow);
    else if (*hf_engine_errmsg(e))
        cli_error("run: cannot start '%s': %s", flow, hf_engine_errmsg(e));
    else
        cli_error("run: cannot start '%s': %s", flow, hf_strerror(rc));
    return -1;
}

/* Restores the snapshot in path into *s. 0, or -1 after a message. *last_at receives the
 * time of its last event, from which the terminal counts timeouts. */
static int restore_session(hf_session **s, hf_engine *e, const run_opts *o, double *last_at)
{
    size_t len = 0;
    char *bytes = cli_read_file(o->restore, &len);
    const char *json = NULL;
    int rc;

    if (!bytes) {
        cli_error("run: %s: %s", o->restore, strerror(errno));
        return -1;
    }
    rc = hf_session_restore(s, e, bytes, len);
    if (rc != HF_OK) {
        cli_snapshot_error("run", o->restore, e, bytes, len, o->key != NULL);
        free(bytes);
        return -1;
    }
    *last_at = 0;
    if (hf_snapshot_inspect(e, bytes, len, &json, NULL) == HF_OK) {
        cJSON *j = cJSON_Parse(json);
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "state");
        const cJSON *t0 = cJSON_GetObjectItemCaseSensitive(st, "t0");
        const cJSON *tl = cJSON_GetObjectItemCaseSensitive(st, "tl");
        *last_at = (cJSON_IsNumber(t0) ? t0->valuedouble : 0) +
                   (cJSON_IsNumber(tl) ? tl->valuedouble : 0);
        cJSON_Delete(j);
    }
    free(bytes);
    if (o->migrate && (rc = hf_session_migrate(*s, o->migrate_to)) != HF_OK) {
        cli_error("run: --migrate %s: %s", o->migrate,
                  *hf_engine_errmsg(e) ? hf_engine_errmsg(e) : hf_strerror(rc));
        hf_session_free(*s);
        *s = NULL;
        return -1;
    }
    if (o->log && hf_session_events(*s, &json, NULL) != HF_OK) {
        cli_error("run: --log: the snapshot %s carries no event log (a snapshot carries one "
                  "when the session was run with --log)", o->restore);
        hf_session_free(*s);
        *s = NULL;
        return -1;
    }
    return 0;
}

/* Writes the snapshot and the event log the options ask for. 0, or -1 after a message. */
static int save_session(hf_session *s, hf_engine *e, const run_opts *o)
{
    const unsigned char *bytes = NULL;
    const char *json = NULL;
    size_t len = 0;

    if (o->save) {
        if (hf_session_snapshot(s, &bytes, &len) != HF_OK) {
            cli_error("run: cannot snapshot the session: %s", hf_engine_errmsg(e));
            return -1;
        }
        if (cli_write_atomic("run", o->save, bytes, len, 0600) != 0)
            return -1;
    }
    if (o->log) {
        if (hf_session_events(s, &json, &len) != HF_OK) {
            cli_error("run: cannot get the event log: %s", hf_engine_errmsg(e));
            return -1;
        }
        char *text = cli_xrealloc(NULL, len + 1);
        memcpy(text, json, len);
        text[len] = '\n';
        int rc = cli_write_atomic("run", o->log, text, len + 1, 0600);
        free(text);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* The index of the loaded file whose flow is id (the first file when none is). */
static size_t file_of(const cli_flowfile *files, size_t n, const char *id)
{
    for (size_t i = 0; id && i < n; i++)
        if (files[i].flow_id && strcmp(files[i].flow_id, id) == 0)
            return i;
    return 0;
}

/* The "flow" of the session's output (owned by the caller), or NULL. */
static char *output_flow(const hf_session *s)
{
    cJSON *out = cJSON_Parse(hf_session_output(s, NULL));
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(out, "flow");
    char *id = cJSON_IsString(f) ? cli_xstrdup(f->valuestring) : NULL;
    cJSON_Delete(out);
    return id;
}

static int run_flows(const run_opts *o)
{
    unsigned char key[HF_SNAPSHOT_KEYBYTES];
    hf_engine *e = NULL;
    hf_session *s = NULL;
    cli_flowfile *files = NULL;
    cJSON *fx = NULL;
    char *context = NULL, *restored_flow = NULL;
    const char *flow;
    double now = 0;
    int code = CLI_EXIT_USAGE;

    if (o->key && cli_snapshot_key("run", o->key, key) != 0)
        return CLI_EXIT_USAGE;
    /* a restored session keeps the log its snapshot carries only where logs are kept */
    e = cli_engine_with_flows("run", o->key ? key : NULL, o->log || o->restore, &o->files,
                              &files);
    if (!e)
        return CLI_EXIT_USAGE;
    if (o->restore) {
        if (restore_session(&s, e, o, &now) != 0)
            goto done;
        /* the terminal answers from the fixtures beside the restored flow's file */
        restored_flow = output_flow(s);
        if (!o->json &&
            cli_fixtures_load(o->files.v[file_of(files, o->files.n, restored_flow)], &fx) != 0)
            goto done;
    } else {
        flow = o->flow ? o->flow : files[0].flow_id;
        /* the fixtures beside the file that holds the flow played (the first file by default) */
        size_t which = file_of(files, o->files.n, o->flow);
        /* JSON mode answers nothing itself: it needs the fixtures only for their context. */
        if ((!o->json || !o->context) && cli_fixtures_load(o->files.v[which], &fx) != 0)
            goto done;
        context = start_context(o, fx);
        if (!context || start_session(&s, e, flow, context) != 0)
            goto done;
        now = start_time(context);
    }
    code = o->json ? cli_run_json(s) : cli_play(s, fx, now);
    if (code == CLI_EXIT_OK && save_session(s, e, o) != 0)
        code = CLI_EXIT_USAGE;
done:
    cli_wipe(key, sizeof key); /* the engine keeps its own copy */
    hf_session_free(s);
    cli_flowfiles_free(files, o->files.n);
    free(files);
    free(context);
    free(restored_flow);
    cJSON_Delete(fx);
    hf_engine_free(e);
    return code;
}

int cli_run(int argc, char **argv)
{
    run_opts o = { 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, { NULL, 0, 0 } };
    int code = parse_args(argc, argv, &o);

    if (code < 0)
        code = run_flows(&o);
    cli_strv_free(&o.files);
    return code;
}
