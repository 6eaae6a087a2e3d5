/* check.c — `helpflow check`: loads flow files into one engine, reports every error, lints. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "args.h"
#include "cli.h"
#include "lint.h"
#include "load.h"
#include "manifest.h"
#include "util.h"

static void usage(FILE *out)
{
    fputs(
"usage: helpflow check [--strict] [--max-text N] [--actions FILE] PATH...\n"
"\n"
"Loads the flows into one engine and runs the load-time checks (syntax, unknown kinds and\n"
"fields, go to unknown steps, unreachable steps, no way on, calls to unknown flows, ...),\n"
"then lints the flows that load.\n"
"\n"
"A PATH is a flow file, or a directory: then every *.lua in it, not in subdirectories.\n"
"Conversation tests (*.test.lua) are passed over ('helpflow test' runs them). Two names are\n"
"not flows: routing.lua is checked as a routing config (see 'helpflow route') and\n"
"actions.lua as an action manifest:\n"
"  return { [\"cards.get_status\"] = { args = { \"card_id\" }, result = { \"frozen\" },\n"
"                                     doc = \"The card's current state.\" }, ... }\n"
"(every field optional; args and result are lists of names, doc a string). Flows may be given\n"
"in any order: one that calls another is loaded after it.\n"
"\n"
"Errors print as FILE: flow 'ID': step 'STEP': problem. Warnings print as\n"
"FILE:STEP: warning: problem (FILE: warning: for the flow as a whole), for:\n"
"  - a waiting step (a say with choices, ask, action, wait, call) from which no path of the\n"
"    flow's transitions leads to an end (resolved or escalate); intents do not count;\n"
"  - a text, choice label or component text longer than --max-text characters (code points;\n"
"    texts that functions compute are not measured), and any string of any locale of the\n"
"    flow's strings (what t\"key\" shows) longer than that, named by locale and key;\n"
"  - a locale of the flow's strings that lacks keys another locale has;\n"
"  - an action step whose action the action manifest does not declare, or that passes an\n"
"    argument the manifest does not list (args computed by a function are not checked).\n"
"    The manifest is --actions FILE, else the actions.lua in the flow's own directory; with\n"
"    neither, this lint is skipped.\n"
"The last line is \"ok: N flows\" (with the routing configs, action manifests and warnings\n"
"counted), or \"failed: ...\".\n"
"\n"
"options:\n"
"  --strict         warnings fail the check (exit 1)\n"
"  --max-text N     the longest text, in characters, before a warning (default 280: what a\n"
"                   phone screen shows comfortably)\n"
"  --actions FILE   the action manifest for every flow (it must exist and be valid)\n"
"  --help           this help\n"
"\n"
"Exit status: 0 every file passes its checks (warnings allowed, unless --strict), 1 a file\n"
"fails its checks (or, with --strict, a warning), 2 bad usage, a path that cannot be read or\n"
"a bad --actions file.\n", out);
}

typedef struct check_opts {
    int strict;
    long max_text;
    const char *actions; /* --actions FILE, or NULL */
    cli_strv files;
    int npaths;          /* the paths given */
} check_opts;

/* What a directory gives: flows, routing configs and action manifests; conversation tests are
 * for 'helpflow test'. */
#define CHECKED \
    (CLI_ROLE(CLI_FILE_FLOW) | CLI_ROLE(CLI_FILE_ROUTING) | CLI_ROLE(CLI_FILE_ACTIONS))

static int take_path(void *ud, const char *path, int quoted)
{
    check_opts *o = ud;
    (void)quoted;
    o->npaths++;
    return cli_add_path("check", path, CHECKED, &o->files) != 0;
}

static int take_max_text(void *ud, const char *value)
{
    check_opts *o = ud;
    char *end;

    errno = 0;
    o->max_text = strtol(value, &end, 10);
    if (errno || end == value || *end || o->max_text < 1) {
        cli_error("check: --max-text wants a whole number of characters, at least 1, not '%s'",
                  value);
        return -1;
    }
    return 0;
}

/* Returns -1 to go on, or the exit code to return now. */
static int parse_args(int argc, char **argv, check_opts *o)
{
    const cli_option options[] = {
        { .name = "--strict", .flag = &o->strict },
        { .name = "--actions", .value = &o->actions },
        { .name = "--max-text", .take = take_max_text },
        { .name = NULL },
    };
    const cli_args args = { "check", "check", NULL, usage, options, take_path, o };
    int code = cli_parse_args(&args, argc, argv);

    if (code >= 0)
        return code;
    if (o->npaths == 0) {
        cli_error("check: no paths given; try 'helpflow check --help'");
        return CLI_EXIT_USAGE;
    }
    return -1;
}

/* Loads a routing config into e; prints its problems. 0 loaded, 1 failed, 2 unreadable. */
static int check_routing(hf_engine *e, const char *path)
{
    size_t len = 0;
    char *src = cli_read_file(path, &len);
    if (!src) {
        cli_error("check: %s: %s", path, strerror(errno));
        return 2;
    }
    int rc = hf_engine_load_routing(e, src, len, path);
    free(src);
    if (rc == HF_OK)
        return 0;
    printf("%s\n", hf_engine_errmsg(e));
    return 1;
}

/* Action manifests, each read once however many flows (and paths) lead to it. */
typedef struct manifest_slot {
    dev_t dev;
    ino_t ino;
    cli_manifest m;
    int ok;
} manifest_slot;

typedef struct checker {
    const check_opts *o;
    hf_engine *e;
    /* Each slot is an allocation of its own: the manifests handed out (given, and the one a
     * lint is reading) must stay where they are while later ones are read and the list grows. */
    manifest_slot **slots;
    size_t nslots;
    size_t manifests, manifests_failed, unreadable;
    const cli_manifest *given; /* --actions */
} checker;

/*
 * The manifest at path, reading it the first time; its problems are printed then, once (on
 * out: stdout among the other problems, stderr for --actions). NULL if it is not valid or
 * cannot be read; *found is 0 if there is no such file.
 */
static const cli_manifest *manifest_at(checker *c, const char *path, FILE *out, int *found)
{
    struct stat st;
    cli_strv errors = { NULL, 0, 0 };
    manifest_slot *slot;

    *found = 1;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT) {
            *found = 0;
            return NULL;
        }
        cli_error("check: %s: %s", path, strerror(errno));
        c->unreadable++;
        return NULL;
    }
    for (size_t i = 0; i < c->nslots; i++)
        if (c->slots[i]->dev == st.st_dev && c->slots[i]->ino == st.st_ino)
            return c->slots[i]->ok ? &c->slots[i]->m : NULL;
    slot = cli_xrealloc(NULL, sizeof *slot);
    memset(slot, 0, sizeof *slot);
    c->slots = cli_xrealloc(c->slots, (c->nslots + 1) * sizeof *c->slots);
    c->slots[c->nslots++] = slot;
    slot->dev = st.st_dev;
    slot->ino = st.st_ino;
    int rc = cli_manifest_read(&slot->m, path, &errors);
    if (rc < 0) {
        cli_error("check: %s: %s", path, strerror(errno));
        c->unreadable++;
    } else if (rc > 0) {
        for (size_t i = 0; i < errors.n; i++)
            fprintf(out, "%s\n", errors.v[i]);
        c->manifests_failed++;
    }
    slot->ok = rc == 0;
    c->manifests++;
    cli_strv_free(&errors);
    return slot->ok ? &slot->m : NULL;
}

static void free_manifests(checker *c)
{
    for (size_t i = 0; i < c->nslots; i++) {
        cli_manifest_free(&c->slots[i]->m);
        free(c->slots[i]);
    }
    free(c->slots);
    c->slots = NULL;
    c->nslots = 0;
}

/* The manifest that lints the flow in `source`: --actions, else the actions.lua beside it. */
static const cli_manifest *manifest_for(checker *c, const char *source)
{
    const char *slash = strrchr(source, '/');
    size_t dlen = slash ? (size_t)(slash - source) + 1 : 0;
    char *path;
    const cli_manifest *m;
    int found;

    if (c->o->actions)
        return c->given;
    path = cli_xrealloc(NULL, dlen + sizeof "actions.lua");
    memcpy(path, source, dlen);
    strcpy(path + dlen, "actions.lua");
    m = manifest_at(c, path, stdout, &found);
    free(path);
    return m;
}

/* Lints each flow that loaded, in the order of the paths. Returns the number of warnings, or
 * -1 if a flow could not be described. */
static long lint_flows(checker *c, const cli_flowfile *files, size_t n)
{
    const char *json = NULL;
    size_t len = 0;
    cJSON *list;
    long warnings = 0;

    if (hf_engine_flows(c->e, &json, &len) != HF_OK) {
        cli_error("check: cannot list the flows: %s", hf_engine_errmsg(c->e));
        return -1;
    }
    list = cJSON_ParseWithLength(json, len);
    for (size_t i = 0; i < n && warnings >= 0; i++) {
        const cJSON *f;
        if (files[i].rc != HF_OK)
            continue;
        cJSON_ArrayForEach(f, list) {
            const cJSON *src = cJSON_GetObjectItemCaseSensitive(f, "source");
            const cJSON *ver = cJSON_GetObjectItemCaseSensitive(f, "version");
            if (!cJSON_IsString(src) || strcmp(src->valuestring, files[i].path) != 0 ||
                !cJSON_IsNumber(ver))
                continue;
            const cli_manifest *m = manifest_for(c, files[i].path);
            long w = cli_lint_flow(stdout, c->e, files[i].flow_id, (int64_t)ver->valuedouble,
                                   c->o->max_text, m);
            warnings = w < 0 ? -1 : warnings + w;
            break;
        }
    }
    cJSON_Delete(list);
    return warnings;
}

static void print_summary(const checker *c, size_t nflows, size_t failed, size_t routings,
                          size_t routing_failed, long warnings)
{
    if (failed || routing_failed || c->manifests_failed) {
        const char *sep = "";
        fputs("failed:", stdout);
        if (failed) {
            printf(" %zu of %zu flows", failed, nflows);
            sep = ",";
        }
        if (routing_failed) {
            printf("%s %zu routing config%s", sep, routing_failed, routing_failed == 1 ? "" : "s");
            sep = ",";
        }
        if (c->manifests_failed)
            printf("%s %zu action manifest%s", sep, c->manifests_failed,
                   c->manifests_failed == 1 ? "" : "s");
    } else if (c->o->strict && warnings > 0) {
        printf("failed: %ld warning%s, with --strict", warnings, warnings == 1 ? "" : "s");
        warnings = 0;
    } else {
        printf("ok: %zu flows", nflows);
        if (routings)
            printf(", %zu routing config%s", routings, routings == 1 ? "" : "s");
        if (c->manifests)
            printf(", %zu action manifest%s", c->manifests, c->manifests == 1 ? "" : "s");
    }
    if (warnings > 0)
        printf(", %ld warning%s", warnings, warnings == 1 ? "" : "s");
    putchar('\n');
}

static int check_files(const check_opts *o)
{
    const cli_strv *paths = &o->files;
    checker c = { o, NULL, NULL, 0, 0, 0, 0, NULL };
    cli_strv flows = { NULL, 0, 0 };
    size_t failed, routings = 0, routing_failed = 0;
    long warnings = 0;
    int code, found;
    int rc = hf_engine_new(&c.e, NULL);

    if (rc != HF_OK) {
        cli_error("check: cannot create an engine: %s", hf_strerror(rc));
        return CLI_EXIT_USAGE;
    }
    if (o->actions) {
        c.given = manifest_at(&c, o->actions, stderr, &found);
        if (!c.given) {
            if (!found)
                cli_error("check: --actions %s: %s", o->actions, strerror(ENOENT));
            else if (!c.unreadable)
                cli_error("check: --actions %s is not a valid action manifest", o->actions);
            hf_engine_free(c.e);
            free_manifests(&c);
            return CLI_EXIT_USAGE;
        }
    }
    for (size_t i = 0; i < paths->n; i++)
        if (cli_file_role_of(paths->v[i]) == CLI_FILE_FLOW)
            cli_strv_push(&flows, paths->v[i]);
    cli_flowfile *files = cli_xrealloc(NULL, (flows.n ? flows.n : 1) * sizeof *files);
    failed = cli_load_flows(c.e, files, (const char *const *)flows.v, flows.n);
    for (size_t i = 0; i < flows.n; i++) {
        if (files[i].rc == HF_EIO) {
            c.unreadable++;
            cli_error("check: %s", files[i].error);
        } else if (files[i].error) {
            printf("%s\n", files[i].error);
        }
    }
    for (size_t i = 0; i < paths->n; i++) {
        switch (cli_file_role_of(paths->v[i])) {
        case CLI_FILE_ROUTING: {
            int r = check_routing(c.e, paths->v[i]);
            routings++;
            routing_failed += r == 1;
            c.unreadable += r == 2;
            break;
        }
        case CLI_FILE_ACTIONS:
            manifest_at(&c, paths->v[i], stdout, &found);
            break;
        default:
            break;
        }
    }
    warnings = lint_flows(&c, files, flows.n);
    if (warnings >= 0)
        print_summary(&c, flows.n, failed, routings, routing_failed, warnings);
    if (warnings < 0 || c.unreadable)
        code = CLI_EXIT_USAGE;
    else if (failed || routing_failed || c.manifests_failed || (o->strict && warnings > 0))
        code = CLI_EXIT_FAILED;
    else
        code = CLI_EXIT_OK;
    cli_flowfiles_free(files, flows.n);
    free(files);
    cli_strv_free(&flows);
    free_manifests(&c);
    hf_engine_free(c.e);
    return code;
}

int cli_check(int argc, char **argv)
{
    check_opts o = { 0, CLI_LINT_MAX_TEXT, NULL, { NULL, 0, 0 }, 0 };
    int code = parse_args(argc, argv, &o);

    if (code < 0)
        code = check_files(&o);
    cli_strv_free(&o.files);
    return code;
}
