/* fixtures.c — reading and looking into a flow's fixtures file. */
#include "fixtures.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

char *cli_fixtures_path(const char *flow_path)
{
    static const char suffix[] = ".fixtures.json";
    size_t n = strlen(flow_path);
    char *p;

    if (n >= 4 && strcmp(flow_path + n - 4, ".lua") == 0)
        n -= 4;
    p = cli_xrealloc(NULL, n + sizeof suffix);
    memcpy(p, flow_path, n);
    memcpy(p + n, suffix, sizeof suffix);
    return p;
}

static int object_or_absent(const cJSON *fx, const char *member)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(fx, member);
    return !m || cJSON_IsObject(m);
}

/* An action fixture must say whether the action worked. */
static int results_ok(const cJSON *actions)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, actions) {
        if (!cJSON_IsObject(r) || !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(r, "ok")))
            return 0;
    }
    return 1;
}

int cli_fixtures_load(const char *flow_path, cJSON **out)
{
    char *path = cli_fixtures_path(flow_path);
    size_t len;
    char *text = cli_read_file(path, &len);
    cJSON *fx;

    *out = NULL;
    if (!text) {
        if (errno == ENOENT) {
            free(path);
            return 0;
        }
        cli_error("%s: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    fx = cJSON_ParseWithLength(text, len);
    free(text);
    if (!fx || !cJSON_IsObject(fx)) {
        cli_error("%s: not a JSON object", path);
        goto bad;
    }
    if (!object_or_absent(fx, "context") || !object_or_absent(fx, "actions") ||
        !object_or_absent(fx, "events")) {
        cli_error("%s: \"context\", \"actions\" and \"events\" must be objects", path);
        goto bad;
    }
    if (!results_ok(cJSON_GetObjectItemCaseSensitive(fx, "actions"))) {
        cli_error("%s: each action fixture must be an object with \"ok\": true or false", path);
        goto bad;
    }
    free(path);
    *out = fx;
    return 0;
bad:
    cJSON_Delete(fx);
    free(path);
    return -1;
}

const cJSON *cli_fixtures_context(const cJSON *fx)
{
    return cJSON_GetObjectItemCaseSensitive(fx, "context");
}

const cJSON *cli_fixtures_action(const cJSON *fx, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(fx, "actions"), name);
}

const cJSON *cli_fixtures_event(const cJSON *fx, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(fx, "events"), name);
}
