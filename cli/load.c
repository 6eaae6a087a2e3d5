/* load.c — loads a list of flow files into one engine, retrying those that wait on a callee. */
#include "load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Keeps the message of a failure; one that does not name the file gets it in front, so that
 * every line of a report says where to look. */
static void set_error(cli_flowfile *f, int rc, const char *msg)
{
    size_t n;

    if (!msg || !*msg)
        msg = hf_strerror(rc);
    free(f->error);
    f->rc = rc;
    if (strstr(msg, f->path)) {
        f->error = cli_xstrdup(msg);
        return;
    }
    n = strlen(f->path) + 2 + strlen(msg) + 1;
    f->error = cli_xrealloc(NULL, n);
    snprintf(f->error, n, "%s: %s", f->path, msg);
}

/* One attempt at one file; returns 1 if it loaded. A failed load leaves the engine as it was. */
static int try_load(hf_engine *e, cli_flowfile *f, const char *src, size_t len)
{
    const char *id = NULL;
    int rc = hf_engine_load_string(e, src, len, f->path, &id);

    if (rc != HF_OK) {
        set_error(f, rc, hf_engine_errmsg(e));
        return 0;
    }
    free(f->error);
    f->error = NULL;
    f->rc = HF_OK;
    f->flow_id = id;
    return 1;
}

size_t cli_load_flows(hf_engine *e, cli_flowfile *files, const char *const *paths, size_t n)
{
    char **src = cli_xrealloc(NULL, (n ? n : 1) * sizeof *src);
    size_t *len = cli_xrealloc(NULL, (n ? n : 1) * sizeof *len);
    size_t pending = 0, failed = 0, progress;

    for (size_t i = 0; i < n; i++) {
        files[i] = (cli_flowfile){ paths[i], NULL, HF_ERROR, NULL };
        src[i] = cli_read_file(paths[i], &len[i]);
        if (src[i]) {
            pending++;
        } else {
            set_error(&files[i], HF_EIO, strerror(errno));
        }
    }

    /* Only check failures can be cured by loading another flow first; anything else (syntax,
     * duplicate version, memory) is final at the first attempt. */
    do {
        progress = 0;
        for (size_t i = 0; i < n; i++) {
            if (!src[i])
                continue;
            if (try_load(e, &files[i], src[i], len[i]))
                progress++;
            if (files[i].rc != HF_ECHECK) {
                free(src[i]);
                src[i] = NULL;
                pending--;
            }
        }
    } while (progress > 0 && pending > 0);

    for (size_t i = 0; i < n; i++) {
        free(src[i]);
        if (files[i].rc != HF_OK)
            failed++;
    }
    free(src);
    free(len);
    return failed;
}

void cli_flowfiles_free(cli_flowfile *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(files[i].error);
        files[i].error = NULL;
    }
}

cli_file_role cli_file_role_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;

    if (strcmp(base, "routing.lua") == 0)
        return CLI_FILE_ROUTING;
    if (strcmp(base, "actions.lua") == 0)
        return CLI_FILE_ACTIONS;
    size_t n = strlen(base);
    if (n > 9 && strcmp(base + n - 9, ".test.lua") == 0)
        return CLI_FILE_TEST;
    return CLI_FILE_FLOW;
}
