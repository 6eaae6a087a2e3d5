/*
 * load.h — loading a list of flow files into one engine, in whatever order they are given.
 *
 * A flow that `call`s another fails its load-time check until the callee is loaded, so files
 * that fail a check are retried after the others, pass after pass, until a pass loads nothing
 * new. What still fails then is reported with the engine's message from its last attempt.
 */
#ifndef HF_CLI_LOAD_H
#define HF_CLI_LOAD_H

#include <stddef.h>

#include "helpflow.h"

typedef struct cli_flowfile {
    const char *path;    /* borrowed from the caller */
    const char *flow_id; /* the loaded flow's id (owned by the engine), NULL if it failed */
    int rc;              /* HF_OK, or the code of the last failure (HF_EIO: unreadable) */
    char *error;         /* the last failure's message, owned; NULL on success */
} cli_flowfile;

/* Fills files[i] for each of the n paths and loads them into e. Returns how many failed. */
size_t cli_load_flows(hf_engine *e, cli_flowfile *files, const char *const *paths, size_t n);

/* Frees the messages held by files[0..n). */
void cli_flowfiles_free(cli_flowfile *files, size_t n);

/* The Lua files that sit among flows without being flows, recognised by their name (whatever
 * their directory): routing.lua, the routing config ('helpflow route'); actions.lua, the
 * action manifest (manifest.h); X.test.lua, a conversation test. Commands that take
 * directories or globs of flows pass these over as flows (check checks the first two as what
 * they are). */
typedef enum cli_file_role {
    CLI_FILE_FLOW,
    CLI_FILE_ROUTING,
    CLI_FILE_ACTIONS,
    CLI_FILE_TEST
} cli_file_role;

cli_file_role cli_file_role_of(const char *path);

#endif
