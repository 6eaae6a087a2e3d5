/* check.c — `helpflow check`: loads flow files into one engine and reports every error. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "load.h"
#include "util.h"

static void usage(FILE *out)
{
    fputs(
"usage: helpflow check PATH...\n"
"\n"
"Loads the flows into one engine and runs the load-time checks (syntax, unknown kinds and\n"
"fields, go to unknown steps, unreachable steps, no way on, calls to unknown flows, ...).\n"
"A PATH is a flow file, or a directory: then every *.lua in it, not in subdirectories, except\n"
"the conversation tests (*.test.lua). A file named routing.lua is checked as a routing config\n"
"(see 'helpflow route'). Flows may be given in any order: one that calls another is loaded\n"
"after it. Prints one line per error, as FILE: flow 'ID': step 'STEP': problem, then\n"
"\"ok: N flows\" (and \", 1 routing config\").\n"
"\n"
"options:\n"
"  --help   this help\n"
"\n"
"Exit status: 0 every flow loads, 1 a flow fails its checks, 2 bad usage or a path that\n"
"cannot be read.\n", out);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the flow files of dir, sorted so that reports come out in a stable order. */
static int add_dir(cli_strv *files, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    cli_strv found = { NULL, 0, 0 };
    size_t dlen = strlen(dir);
    int sep = dlen > 0 && dir[dlen - 1] != '/';

    if (!d) {
        cli_error("check: %s: %s", dir, strerror(errno));
        return -1;
    }
    while ((ent = readdir(d)) != NULL) {
        const char *name = ent->d_name;
        if (name[0] == '.' || !ends_with(name, ".lua") || ends_with(name, ".test.lua"))
            continue;
        cli_strv_push(&found, name);
    }
    closedir(d);
    if (found.n > 1)
        qsort(found.v, found.n, sizeof *found.v, by_name);
    for (size_t i = 0; i < found.n; i++) {
        char *path = cli_xrealloc(NULL, dlen + 1 + strlen(found.v[i]) + 1);
        sprintf(path, "%s%s%s", dir, sep ? "/" : "", found.v[i]);
        cli_strv_push_file(files, path);
        free(path);
    }
    cli_strv_free(&found);
    return 0;
}

static int add_path(cli_strv *files, const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        cli_error("check: %s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return add_dir(files, path);
    cli_strv_push_file(files, path);
    return 0;
}

/* Returns -1 to go on, or the exit code to return now. */
static int parse_args(int argc, char **argv, cli_strv *files)
{
    int only_paths = 0, bad = 0, npaths = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_paths && a[0] == '-' && a[1] != '\0') {
            if (strcmp(a, "--") == 0) {
                only_paths = 1;
                continue;
            }
            if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                usage(stdout);
                return CLI_EXIT_OK;
            }
            cli_error("check: unknown option '%s'; try 'helpflow check --help'", a);
            return CLI_EXIT_USAGE;
        }
        npaths++;
        if (add_path(files, a) != 0)
            bad = 1;
    }
    if (npaths == 0) {
        cli_error("check: no paths given; try 'helpflow check --help'");
        return CLI_EXIT_USAGE;
    }
    return bad ? CLI_EXIT_USAGE : -1;
}

static int is_routing(const char *path)
{
    const char *base = strrchr(path, '/');
    return strcmp(base ? base + 1 : path, "routing.lua") == 0;
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

static int check_files(const cli_strv *paths)
{
    hf_engine *e = NULL;
    cli_strv flows = { NULL, 0, 0 };
    size_t failed, unreadable = 0, routings = 0, routing_failed = 0;
    int rc = hf_engine_new(&e, NULL);

    if (rc != HF_OK) {
        cli_error("check: cannot create an engine: %s", hf_strerror(rc));
        return CLI_EXIT_USAGE;
    }
    for (size_t i = 0; i < paths->n; i++)
        if (!is_routing(paths->v[i]))
            cli_strv_push(&flows, paths->v[i]);
    cli_flowfile *files = cli_xrealloc(NULL, (flows.n ? flows.n : 1) * sizeof *files);
    failed = cli_load_flows(e, files, (const char *const *)flows.v, flows.n);
    for (size_t i = 0; i < flows.n; i++) {
        if (files[i].rc == HF_EIO) {
            unreadable++;
            cli_error("check: %s", files[i].error);
        } else if (files[i].error) {
            printf("%s\n", files[i].error);
        }
    }
    for (size_t i = 0; i < paths->n; i++) {
        if (!is_routing(paths->v[i]))
            continue;
        routings++;
        int r = check_routing(e, paths->v[i]);
        routing_failed += r == 1;
        unreadable += r == 2;
    }
    if (failed == 0 && routing_failed == 0)
        printf("ok: %zu flows%s\n", flows.n,
               routings == 0 ? "" : routings == 1 ? ", 1 routing config" : ", routing configs");
    else
        printf("failed: %zu of %zu flows%s\n", failed, flows.n,
               routing_failed ? ", and a routing config" : "");
    cli_flowfiles_free(files, flows.n);
    free(files);
    cli_strv_free(&flows);
    hf_engine_free(e);
    if (unreadable)
        return CLI_EXIT_USAGE;
    return failed || routing_failed ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

int cli_check(int argc, char **argv)
{
    cli_strv files = { NULL, 0, 0 };
    int code = parse_args(argc, argv, &files);

    if (code < 0)
        code = check_files(&files);
    cli_strv_free(&files);
    return code;
}
