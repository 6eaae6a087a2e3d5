/*
 * coverage.h — step and transition coverage for `helpflow test --coverage`.
 *
 * The engine's trace hook reports every step a session enters, with the step it came from and
 * the transition taken (hf_trace_fn); hf_flow_describe() says which steps and transitions a
 * flow has, named the same way. What was taken, per flow version, against what exists, is the
 * coverage. Subflows count wherever they run: a flow tested only through its callers is covered
 * by its callers' tests.
 */
#ifndef HF_CLI_COVERAGE_H
#define HF_CLI_COVERAGE_H

#include <stdint.h>
#include <stdio.h>

#include "helpflow.h"

typedef struct cli_cov cli_cov;

cli_cov *cli_cov_new(void);
void cli_cov_free(cli_cov *c);

/* The trace hook: pass it as the engine option `trace` with c as `trace_ud`. */
void cli_cov_trace(void *c, const char *flow, int64_t version, const char *from, const char *to,
                   const char *via);

/* Adds a flow version to the report (flows are reported in the order added). */
void cli_cov_want(cli_cov *c, const char *flow, int64_t version);

/*
 * Prints the report of every flow added: a line per flow version with its step and transition
 * figures, the steps never entered and the transitions never taken under it, then the total.
 * With min >= 0 it then names every flow below min percent for steps or transitions.
 * Returns how many flows are below min (0 when min < 0), or -1 after printing why a flow
 * could not be described.
 */
int cli_cov_report(cli_cov *c, hf_engine *e, FILE *out, double min);

#endif
