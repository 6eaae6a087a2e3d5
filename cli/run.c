/* run.c — `helpflow run`: options, loading the flows, the start context, starting the session. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fixtures.h"
#include "load.h"
#include "run.h"
#include "util.h"

static void usage(FILE *out)
{
    fputs(
"usage: helpflow run [--flow ID] [--context JSON] FLOW.lua...\n"
"       helpflow run --json [--flow ID] [--context JSON] FLOW.lua...\n"
"\n"
"Loads the flow files (in any order: a flow that calls another is loaded after it) and plays\n"
"one flow: --flow ID, else the flow of the first file. The start context is --context JSON,\n"
"else the \"context\" of the fixtures file beside the played flow's file (X.lua ->\n"
"X.fixtures.json):\n"
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
"\n"
"options:\n"
"  --flow ID        the flow to play\n"
"  --context JSON   the start context, a JSON object\n"
"  --json           drive the session over JSON lines\n"
"  --help           this help\n"
"\n"
"Exit status: 0 when the conversation ends or input ends, 2 on bad usage, a flow that does\n"
"not load, an unknown flow or a bad context.\n", out);
}

typedef struct run_opts {
    int json;
    const char *flow;
    const char *context;
    cli_strv files;
} run_opts;

/* "--name VALUE" or "--name=VALUE": 1 and *value set if argv[*i] is that option, 0 if it is
 * not, -1 if its value is missing. */
static int option_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    size_t n = strlen(name);
    const char *a = argv[*i];

    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        cli_error("run: option '%s' needs a value; try 'helpflow run --help'", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

/* Returns -1 to go on, or the exit code to return now. */
static int parse_args(int argc, char **argv, run_opts *o)
{
    int only_files = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r;

        if (only_files || a[0] != '-' || a[1] == '\0') {
            cli_strv_push_file(&o->files, a);
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_files = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if ((r = option_value(argc, argv, &i, "--flow", &o->flow)) != 0 ||
                   (r = option_value(argc, argv, &i, "--context", &o->context)) != 0) {
            if (r < 0)
                return CLI_EXIT_USAGE;
        } else {
            cli_error("run: unknown option '%s'; try 'helpflow run --help'", a);
            return CLI_EXIT_USAGE;
        }
    }
    if (o->files.n == 0) {
        cli_error("run: no flow files given; try 'helpflow run --help'");
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

static int run_flows(const run_opts *o)
{
    hf_engine *e = NULL;
    hf_session *s = NULL;
    cli_flowfile *files = cli_xrealloc(NULL, o->files.n * sizeof *files);
    cJSON *fx = NULL;
    char *context = NULL;
    const char *flow;
    int rc = hf_engine_new(&e, NULL), code = CLI_EXIT_USAGE;

    if (rc != HF_OK) {
        cli_error("run: cannot create an engine: %s", hf_strerror(rc));
        free(files);
        return CLI_EXIT_USAGE;
    }
    if (cli_load_flows(e, files, (const char *const *)o->files.v, o->files.n) > 0) {
        for (size_t i = 0; i < o->files.n; i++)
            if (files[i].error)
                fprintf(stderr, "%s\n", files[i].error);
        goto done;
    }
    flow = o->flow ? o->flow : files[0].flow_id;
    /* the fixtures beside the file that holds the flow played (the first file by default) */
    size_t which = 0;
    for (size_t i = 0; o->flow && i < o->files.n; i++)
        if (files[i].flow_id && strcmp(files[i].flow_id, o->flow) == 0)
            which = i;
    /* JSON mode answers nothing itself: it needs the fixtures only for their context. */
    if ((!o->json || !o->context) && cli_fixtures_load(o->files.v[which], &fx) != 0)
        goto done;
    context = start_context(o, fx);
    if (!context || start_session(&s, e, flow, context) != 0)
        goto done;
    code = o->json ? cli_run_json(s) : cli_play(s, fx, start_time(context));
done:
    hf_session_free(s);
    cli_flowfiles_free(files, o->files.n);
    free(files);
    free(context);
    cJSON_Delete(fx);
    hf_engine_free(e);
    return code;
}

int cli_run(int argc, char **argv)
{
    run_opts o = { 0, NULL, NULL, { NULL, 0, 0 } };
    int code = parse_args(argc, argv, &o);

    if (code < 0)
        code = run_flows(&o);
    cli_strv_free(&o.files);
    return code;
}
