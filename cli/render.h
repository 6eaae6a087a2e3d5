/*
 * render.h — drawing a session's output (DESIGN.md section 3) as plain terminal text, the way
 * `helpflow run` shows a conversation to the person playing it.
 */
#ifndef HF_CLI_RENDER_H
#define HF_CLI_RENDER_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "json.h"

/* Prints each component of an output's "ui" array: text as paragraphs, choices as a numbered
 * list, error as "! message", card/list/link readably. An `input` component prints nothing:
 * the prompt names its type. */
void cli_render_ui(FILE *out, const cJSON *ui);

/* Prints a pending host action: "[action a1 cards.get_status {"card_id":"c_1"}]". */
void cli_render_action(FILE *out, const cJSON *action);

/* Prints the closing line of a final output ("== resolved ==", "== escalated: reason (skills,
 * priority) ==" with the escalation's summary, flags and collected context). */
void cli_render_end(FILE *out, const cJSON *output);

#endif
