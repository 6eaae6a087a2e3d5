/*
 * run.h — the two ways `helpflow run` drives a session: played in the terminal (play.c) or
 * over JSON lines (run_json.c); and what run, snapshot and replay share about snapshot bytes.
 */
#ifndef HF_CLI_RUN_H
#define HF_CLI_RUN_H

#include <cjson/cJSON.h>

#include "helpflow.h"

#include "util.h"

/* Plays s with a person at the terminal. fx (may be NULL) answers host actions and wait events;
 * now is the time of the session's last event (for a new session, the context's "at"), from
 * which timeouts are counted. */
int cli_play(hf_session *s, const cJSON *fx, double now);

/* Prints the session's current output (the start output, or a restored session's), then one
 * output line per event line read on stdin, until EOF. */
int cli_run_json(hf_session *s);

/* ---- shared by run, snapshot and replay (snapshot.c) ------------------------------------- */

/* Whether bytes start like a snapshot (the envelope's magic "HFSN"). */
int cli_is_snapshot(const void *bytes, size_t len);

/* Says why the snapshot at path, whose len bytes are at bytes, did not restore: "cmd: path:
 * the engine's message", and, when it is authenticated and have_key is 0, how to give its key. */
void cli_snapshot_error(const char *cmd, const char *path, hf_engine *e, const void *bytes,
                        size_t len, int have_key);

#endif
