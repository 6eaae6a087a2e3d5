/*
 * json.h — the small cJSON helpers the commands share: a member that is a string, a value
 * printed compactly, an event built as a cJSON tree turned into the text the engine takes.
 */
#ifndef HF_CLI_JSON_H
#define HF_CLI_JSON_H

#include <stdio.h>

#include <cjson/cJSON.h>

/* The member name of obj if it is a string, else NULL (obj may be NULL). */
const char *cli_json_str(const cJSON *obj, const char *name);

/* The first of the given members of obj that is a string, or NULL. names ends with NULL. */
const char *cli_json_string(const cJSON *obj, const char *const *names);

/* Prints item as compact JSON ("null" for NULL). */
void cli_json_put(FILE *out, const cJSON *item);

/* item as compact JSON text, which the caller frees; item is deleted. Out of memory, it
 * exits (2) after a message, as cli_xrealloc() does. */
char *cli_json_text(cJSON *item);

#endif
