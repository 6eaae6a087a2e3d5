/*
 * run.h — the two ways `helpflow run` drives a session: played in the terminal (play.c) or
 * over JSON lines (run_json.c); and what run, snapshot and replay share: snapshot key files,
 * files written whole or not at all, and an engine with its flows loaded.
 */
#ifndef HF_CLI_RUN_H
#define HF_CLI_RUN_H

#include <cjson/cJSON.h>

#include "helpflow.h"

#include "load.h"
#include "util.h"

/* Plays s with a person at the terminal. fx (may be NULL) answers host actions and wait events;
 * now is the time of the session's last event (for a new session, the context's "at"), from
 * which timeouts are counted. */
int cli_play(hf_session *s, const cJSON *fx, double now);

/* Prints the session's current output (the start output, or a restored session's), then one
 * output line per event line read on stdin, until EOF. */
int cli_run_json(hf_session *s);

/* ---- shared by run, snapshot and replay (snapshot.c, run.c) ---------------------------- */

/* Reads a snapshot key file, one line of 2 * HF_SNAPSHOT_KEYBYTES hex digits (what
 * `helpflow snapshot keygen` writes), into key. cmd names the command in messages ("run").
 * Warns when others may read the file. 0, or -1 after a message. */
int cli_snapshot_key(const char *cmd, const char *path, unsigned char *key);

/* Writes len bytes to path through a temporary file beside it, renamed over path at the end:
 * a reader (or a crash) sees the old file or the new one, never half of one. The file gets mode
 * 0600: snapshots and event logs hold what the customer told the flow. 0, or -1 after a
 * message naming cmd and path. */
int cli_write_atomic(const char *cmd, const char *path, const void *bytes, size_t len);

/* Zeroes n bytes at p in a way the compiler keeps (a key read into memory). */
void cli_wipe(void *p, size_t n);

/* Whether bytes start like a snapshot (the envelope's magic "HFSN"). */
int cli_is_snapshot(const void *bytes, size_t len);

/* A new engine with the default options but key (NULL: none) as its snapshot_key and
 * event_log, with the flow files loaded (in any order; see load.h). *loaded (may be NULL)
 * receives the files' load results, n = files->n of them, for the caller to free with
 * cli_flowfiles_free() and free(). NULL after printing the failures (every file that failed). */
hf_engine *cli_engine_with_flows(const char *cmd, const unsigned char *key, int event_log,
                                 const cli_strv *files, cli_flowfile **loaded);

/* "--name VALUE" or "--name=VALUE": 1 and *value set if argv[*i] is that option (moving *i past
 * its value), 0 if it is not, -1 after a message if its value is missing. */
int cli_option_value(const char *cmd, int argc, char **argv, int *i, const char *name,
                     const char **value);

#endif
