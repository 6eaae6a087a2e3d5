/*
 * fixtures.h — the fixtures file beside a flow: `X.lua` -> `X.fixtures.json`, shaped
 *   { "context": {...},
 *     "actions": { "cards.get_status": {"ok": true, "data": {...}} | {"ok": false, "error": "..."} },
 *     "events":  { "identity.verified": {...data} } }
 * every member optional. `helpflow run` starts from its context and answers host actions and
 * wait events from it.
 */
#ifndef HF_CLI_FIXTURES_H
#define HF_CLI_FIXTURES_H

#include <cjson/cJSON.h>

/* The fixtures path for a flow file; the caller frees it. */
char *cli_fixtures_path(const char *flow_path);

/*
 * Reads the fixtures beside flow_path into *out (NULL if there is no such file). Returns 0, or
 * -1 after printing why the file is unreadable or malformed. The caller cJSON_Delete()s *out.
 */
int cli_fixtures_load(const char *flow_path, cJSON **out);

/* The start context, an object, or NULL. */
const cJSON *cli_fixtures_context(const cJSON *fx);

/* The result recorded for a host action ({"ok", "data"|"error"}), or NULL. */
const cJSON *cli_fixtures_action(const cJSON *fx, const char *name);

/* The data recorded for a wait event, or NULL if the event has no fixture. */
const cJSON *cli_fixtures_event(const cJSON *fx, const char *name);

#endif
