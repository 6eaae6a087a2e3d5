/* json.c — members and compact printing of cJSON values for the commands (json.h). */
#include "json.h"

#include <stdlib.h>

#include "util.h"

const char *cli_json_str(const cJSON *obj, const char *name)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(m) ? m->valuestring : NULL;
}

const char *cli_json_string(const cJSON *obj, const char *const *names)
{
    for (; *names; names++) {
        const char *s = cli_json_str(obj, *names);
        if (s)
            return s;
    }
    return NULL;
}

void cli_json_put(FILE *out, const cJSON *item)
{
    char *s = item ? cJSON_PrintUnformatted(item) : NULL;
    fputs(s ? s : "null", out);
    free(s);
}

char *cli_json_text(cJSON *item)
{
    char *text = cJSON_PrintUnformatted(item);
    cJSON_Delete(item);
    if (!text) {
        cli_error("out of memory");
        exit(CLI_EXIT_USAGE);
    }
    return text;
}
