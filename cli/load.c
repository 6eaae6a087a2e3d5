/*
 * load.c — loads a list of flow files into one engine, retrying those that wait on a callee;
 * tells flows from the other Lua files by their names, and finds them in directories.
 */
#include "load.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

hf_engine *cli_engine_with_flows(const char *cmd, const unsigned char *key, int event_log,
                                 const cli_strv *files, cli_flowfile **loaded)
{
    hf_engine_options opts = HF_ENGINE_OPTIONS_INIT;
    hf_engine *e = NULL;
    cli_flowfile *ff = cli_xrealloc(NULL, (files->n ? files->n : 1) * sizeof *ff);
    int rc;

    opts.snapshot_key = key;
    opts.event_log = event_log;
    if (loaded)
        *loaded = NULL;
    if ((rc = hf_engine_new(&e, &opts)) != HF_OK) {
        cli_error("%s: cannot create an engine: %s", cmd, hf_strerror(rc));
        free(ff);
        return NULL;
    }
    if (cli_load_flows(e, ff, (const char *const *)files->v, files->n) > 0) {
        for (size_t i = 0; i < files->n; i++)
            if (ff[i].error)
                fprintf(stderr, "%s\n", ff[i].error);
        cli_flowfiles_free(ff, files->n);
        free(ff);
        hf_engine_free(e);
        return NULL;
    }
    if (loaded) {
        *loaded = ff;
    } else {
        cli_flowfiles_free(ff, files->n);
        free(ff);
    }
    return e;
}

cli_file_role cli_file_role_of(const char *path)
{
    const char *base = cli_base_name(path);

    if (strcmp(base, "routing.lua") == 0)
        return CLI_FILE_ROUTING;
    if (strcmp(base, "actions.lua") == 0)
        return CLI_FILE_ACTIONS;
    size_t n = strlen(base);
    if (n > 9 && strcmp(base + n - 9, ".test.lua") == 0)
        return CLI_FILE_TEST;
    return CLI_FILE_FLOW;
}

int cli_add_dir(const char *cmd, const char *dir, unsigned roles, cli_strv *files,
                cli_strv *tests)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    cli_strv found = { NULL, 0, 0 };

    if (!d) {
        cli_error("%s: %s: %s", cmd, dir, strerror(errno));
        return -1;
    }
    while ((ent = readdir(d)) != NULL)
        if (ent->d_name[0] != '.' && cli_ends_with(ent->d_name, ".lua"))
            cli_strv_push(&found, ent->d_name);
    closedir(d);
    cli_strv_sort(&found);
    for (size_t i = 0; i < found.n; i++) {
        cli_file_role role = cli_file_role_of(found.v[i]);
        cli_strv *to = roles & CLI_ROLE(role) ? files : role == CLI_FILE_TEST ? tests : NULL;
        if (to) {
            char *path = cli_path_join(dir, found.v[i]);
            cli_strv_push_file(to, path);
            free(path);
        }
    }
    cli_strv_free(&found);
    return 0;
}

int cli_add_path(const char *cmd, const char *path, unsigned roles, cli_strv *files)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        cli_error("%s: %s: %s", cmd, path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return cli_add_dir(cmd, path, roles, files, NULL);
    cli_strv_push_file(files, path);
    return 0;
}
