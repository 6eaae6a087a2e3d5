/*
 * run.h — the two ways `helpflow run` drives a started session: played in the terminal
 * (play.c) or over JSON lines (run_json.c). Both return the exit code.
 */
#ifndef HF_CLI_RUN_H
#define HF_CLI_RUN_H

#include <cjson/cJSON.h>

#include "helpflow.h"

/* Plays s with a person at the terminal. fx (may be NULL) answers host actions and wait events;
 * now is the session's start time (the context's "at"), from which timeouts are counted. */
int cli_play(hf_session *s, const cJSON *fx, double now);

/* Prints the start output, then one output line per event line read on stdin, until EOF. */
int cli_run_json(hf_session *s);

#endif
