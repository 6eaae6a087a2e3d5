/*
 * lint.h — the warnings of `helpflow check`: what loads but will hurt customers or hosts. Every
 * lint reads the flow as hf_flow_describe() gives it, as any tool could.
 *
 *   FILE:STEP: warning: ...   a step's problem (FILE is the flow's source)
 *   FILE: warning: ...        a problem of the whole flow (its strings)
 */
#ifndef HF_CLI_LINT_H
#define HF_CLI_LINT_H

#include <stdint.h>
#include <stdio.h>

#include "helpflow.h"
#include "manifest.h"

/* The longest text, in characters (code points), that a phone screen comfortably shows. */
#define CLI_LINT_MAX_TEXT 280

/*
 * Lints the loaded flow id, version: prints each warning as one line on out, in step order
 * (the flow's own warnings first), and returns how many, or -1 if the flow cannot be
 * described (a message is then on stderr). The lints:
 *  - a waiting step (a say with choices, ask, action, wait, call) from which no path of the
 *    flow's own transitions leads to a resolved or escalate step;
 *  - a literal text, choice label or component text longer than max_text code points, and
 *    so too any string of any locale of the flow's `strings` (what t"key" shows);
 *  - a locale of `strings` that lacks keys another locale has;
 *  - with a manifest (else skipped): an action step calling an action the manifest does not
 *    declare, or passing an argument it does not list (args a function computes are unknown
 *    until run time, and pass).
 */
long cli_lint_flow(FILE *out, hf_engine *e, const char *id, int64_t version, long max_text,
                   const cli_manifest *manifest);

#endif
