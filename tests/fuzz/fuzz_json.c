/*
 * fuzz_json.c — libFuzzer target: arbitrary bytes as a start context and as routing input
 * (escalation and live state) against the reference routing config.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpflow.h"

static hf_engine *engine;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        abort();
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (fread(b, 1, (size_t)n, f) != (size_t)n)
        abort();
    b[n] = '\0';
    fclose(f);
    return b;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!engine) {
        const char *dir = getenv("HF_SOURCE_DIR");
        char path[4096];
        hf_engine_new(&engine, NULL);
        snprintf(path, sizeof path, "%s/flows/card_declined.lua", dir ? dir : HF_SOURCE_DIR_DEFAULT);
        if (hf_engine_load_file(engine, path, NULL) != HF_OK)
            abort();
        snprintf(path, sizeof path, "%s/flows/routing.lua", dir ? dir : HF_SOURCE_DIR_DEFAULT);
        char *src = slurp(path);
        if (hf_engine_load_routing(engine, src, strlen(src), "routing.lua") != HF_OK)
            abort();
        free(src);
    }
    hf_session *s = NULL;
    if (hf_session_start(&s, engine, "card_declined", (const char *)data, size) == HF_OK)
        hf_session_free(s);
    static const char *live = "{\"cards\":{\"agents\":13,\"arrivals_per_hour\":200,\"aht_s\":180},"
                              "\"general\":{\"agents\":30,\"arrivals_per_hour\":300,\"aht_s\":240}}";
    const char *d;
    hf_route(engine, (const char *)data, size, live, strlen(live), &d, NULL);
    hf_route(engine, "{\"reason\":\"x\",\"skills\":[\"cards\"]}", 33, (const char *)data, size, &d,
             NULL);
    return 0;
}
