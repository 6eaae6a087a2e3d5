/* route.c — `helpflow route`: the routing decision for an escalation, with its explanation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "helpflow.h"

#include "args.h"
#include "cli.h"
#include "util.h"

static void usage(FILE *out)
{
    fputs(
"usage: helpflow route --routing FILE --queues LIVE.json [--explain] ESCALATION.json\n"
"\n"
"Decides where an escalation goes. FILE is a routing config (Lua, returning routing {...};\n"
"see flows/routing.lua). LIVE.json is the live state of the queues:\n"
"  {\"cards\": {\"agents\": 12, \"arrivals_per_hour\": 200, \"aht_s\": 180, \"open\": true}, ...,\n"
"   \"at\": unix-seconds (optional: checks the queues' opening hours)}\n"
"ESCALATION.json is an escalation object, or a whole session output holding one under\n"
"\"escalation\" (what 'helpflow run --json' prints when a session escalates); '-' reads it\n"
"from stdin.\n"
"\n"
"Prints the decision as JSON: queue, priority, the deciding rule, estimated_wait_s,\n"
"service_level and p_wait from Erlang C (estimated_wait_s is null and unbounded true when\n"
"the queue has no more agents than its load), overflow, the alternatives considered and\n"
"explain, the reasons in words.\n"
"\n"
"options:\n"
"  --routing FILE     the routing config\n"
"  --queues FILE      the live state of the queues\n"
"  --explain          print only the explanation, one sentence a line\n"
"  --help             this help\n"
"\n"
"Exit status: 0 a queue was chosen, 1 no open queue fits the escalation, 2 bad usage or bad\n"
"input (a file that cannot be read, bad JSON, a routing config that fails its checks).\n",
          out);
}

static char *read_input(const char *what, const char *path, size_t *len)
{
    if (strcmp(path, "-") == 0)
        return cli_read_stream(stdin, len);
    char *text = cli_read_file(path, len);
    if (!text)
        cli_error("route: cannot read the %s %s: %s", what, path, strerror(errno));
    return text;
}

static int decide(const char *routing, const char *queues, const char *escalation, int explain)
{
    size_t rlen = 0, qlen = 0, elen = 0;
    char *rsrc = read_input("routing config", routing, &rlen);
    char *live = rsrc ? read_input("live state", queues, &qlen) : NULL;
    char *esc = live ? read_input("escalation", escalation, &elen) : NULL;
    hf_engine *e = NULL;
    int code = CLI_EXIT_USAGE;
    if (!esc)
        goto done;
    int rc = hf_engine_new(&e, NULL);
    if (rc != HF_OK) {
        cli_error("route: cannot create an engine: %s", hf_strerror(rc));
        goto done;
    }
    rc = hf_engine_load_routing(e, rsrc, rlen, cli_base_name(routing));
    if (rc != HF_OK) {
        cli_error("route: the routing config does not load (%s):\n%s", hf_strerror(rc),
                  hf_engine_errmsg(e));
        goto done;
    }
    const char *decision = NULL;
    rc = hf_route(e, esc, elen, live, qlen, &decision, NULL);
    if (rc != HF_OK) {
        cli_error("route: %s", hf_engine_errmsg(e));
        code = rc == HF_ENOTFOUND ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
        goto done;
    }
    cJSON *j = cJSON_Parse(decision);
    if (!j) {
        cli_error("route: the decision is not JSON (a bug): %s", decision);
        goto done;
    }
    if (explain) {
        cJSON *s;
        cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(j, "explain"))
            if (cJSON_IsString(s))
                puts(s->valuestring);
    } else {
        char *pretty = cJSON_Print(j);
        if (pretty)
            puts(pretty);
        cJSON_free(pretty);
    }
    cJSON_Delete(j);
    code = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
done:
    hf_engine_free(e);
    free(rsrc);
    free(live);
    free(esc);
    return code;
}

typedef struct route_args {
    const char *escalation;
} route_args;

static int take_escalation(void *ud, const char *path, int quoted)
{
    route_args *r = ud;
    (void)quoted;
    if (r->escalation) {
        cli_error("route: one escalation at a time; try 'helpflow route --help'");
        return -1;
    }
    r->escalation = path;
    return 0;
}

int cli_route(int argc, char **argv)
{
    const char *routing = NULL, *queues = NULL;
    route_args r = { NULL };
    int explain = 0;
    const cli_option options[] = {
        { .name = "--explain", .flag = &explain },
        { .name = "--routing", .value = &routing, .how = CLI_OPT_FILE },
        { .name = "--queues", .value = &queues, .how = CLI_OPT_FILE },
        { .name = NULL },
    };
    const cli_args args = { "route", "route", NULL, usage, options, take_escalation, &r };
    int code = cli_parse_args(&args, argc, argv);

    if (code >= 0)
        return code;
    if (!routing || !queues || !r.escalation) {
        cli_error("route: needs --routing FILE, --queues LIVE.json and ESCALATION.json; try "
                  "'helpflow route --help'");
        return CLI_EXIT_USAGE;
    }
    return decide(routing, queues, r.escalation, explain);
}
