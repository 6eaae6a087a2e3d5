/*
 * load.h — loading a list of flow files into one engine, in whatever order they are given;
 * telling flow files from the other Lua files that sit among them; finding them in directories.
 *
 * A flow that `call`s another fails its load-time check until the callee is loaded, so files
 * that fail a check are retried after the others, pass after pass, until a pass loads nothing
 * new. What still fails then is reported with the engine's message from its last attempt.
 */
#ifndef HF_CLI_LOAD_H
#define HF_CLI_LOAD_H

#include <stddef.h>

#include "helpflow.h"

#include "util.h"

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

/* A new engine with the default options but key (NULL: none) as its snapshot_key and
 * event_log, with the flow files loaded (in any order, as above). *loaded (may be NULL)
 * receives the files' load results, n = files->n of them, for the caller to free with
 * cli_flowfiles_free() and free(). NULL after printing the failures (every file that failed),
 * or "cmd: cannot create an engine: why". */
hf_engine *cli_engine_with_flows(const char *cmd, const unsigned char *key, int event_log,
                                 const cli_strv *files, cli_flowfile **loaded);

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

/* A set of roles, for cli_add_dir(): CLI_ROLE(CLI_FILE_FLOW) | CLI_ROLE(CLI_FILE_ROUTING)... */
#define CLI_ROLE(r) (1u << (r))

/*
 * Adds the Lua files directly in dir (*.lua, but not hidden ones, nor those in subdirectories),
 * sorted by name so that reports come out in a stable order, as paths "dir/name": those whose
 * role is in roles to files, and the conversation tests to tests if it is not NULL. Each file
 * goes in once (cli_strv_push_file()). 0, or -1 after the message "cmd: dir: why".
 */
int cli_add_dir(const char *cmd, const char *dir, unsigned roles, cli_strv *files,
                cli_strv *tests);

/* Adds path to files: a directory as cli_add_dir() does, anything else as it is. 0, or -1
 * after the message "cmd: path: why". */
int cli_add_path(const char *cmd, const char *path, unsigned roles, cli_strv *files);

#endif
