/*
 * manifest.h — the action manifest, `flows/actions.lua`: the host actions flows may call, with
 * the names of their arguments and results. `helpflow check` validates it and lints the flows'
 * action steps against it.
 *
 *   return {
 *     ["cards.get_status"] = { args = { "card_id" }, result = { "frozen", "blocked" },
 *                              doc = "The card's current state." },
 *   }
 *
 * Every field of an action is optional: a missing args or result is an empty list. The file is
 * evaluated in a Lua state of the command's own, never the engine's, with only the base
 * functions that compute (no io, os, require, load, dofile, print, metatables or pcall), string
 * (without dump and the pattern functions, whose backtracking runs unbounded inside C), table,
 * math and utf8, under a budget of instructions (the loops of table.move, insert, remove and
 * string.rep counted too: lua_data.h) and memory: the manifest is data, and a runaway
 * loop in it ends with an error instead of hanging a check.
 */
#ifndef HF_CLI_MANIFEST_H
#define HF_CLI_MANIFEST_H

#include <stddef.h>

#include "util.h"

/* What evaluating a manifest may use. */
#define CLI_MANIFEST_INSTRUCTIONS 10000000
#define CLI_MANIFEST_MEMORY (32u << 20)

typedef struct cli_action {
    char *name;
    cli_strv args;
    cli_strv result;
    char *doc; /* NULL if none */
} cli_action;

typedef struct cli_manifest {
    char *path;
    cli_action *v; /* sorted by name */
    size_t n;
} cli_manifest;

/*
 * Reads and checks the manifest at path into *m (which the caller zero-initialises and, in
 * every case, frees with cli_manifest_free()). Returns 0 on success; -1 if the file cannot be
 * read (errno set; nothing in errors); 1 if it is not a valid manifest: then errors holds one
 * message per problem, each naming the file and, where there is one, the action and field
 * ("flows/actions.lua: action 'cards.freeze': args: item 2 is a number, not a string").
 */
int cli_manifest_read(cli_manifest *m, const char *path, cli_strv *errors);

/* The action of that name, or NULL. */
const cli_action *cli_manifest_find(const cli_manifest *m, const char *name);

void cli_manifest_free(cli_manifest *m);

#endif
