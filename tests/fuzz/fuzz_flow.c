/*
 * fuzz_flow.c — libFuzzer target: arbitrary bytes as flow source, loaded into one engine (with
 * a small instruction budget so endless loops end fast). A flow that loads is started and
 * sent a few events. Nothing may crash, leak or escape the budget.
 */
#include <stdlib.h>
#include <string.h>

#include "helpflow.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    hf_engine_options o;
    hf_engine_options_init(&o, HF_ENGINE_OPTIONS_VERSION);
    o.instruction_limit = 20000;
    o.memory_limit = 8u << 20;
    hf_engine *e;
    if (hf_engine_new(&e, &o) != HF_OK)
        abort();
    const char *id = NULL;
    if (hf_engine_load_string(e, (const char *)data, size, "fuzz.lua", &id) == HF_OK) {
        hf_session *s;
        if (hf_session_start(&s, e, id, "{\"at\":1}", 8) == HF_OK) {
            static const char *const events[] = {
                "{\"type\":\"choose\",\"option\":\"a\"}", "{\"type\":\"input\",\"value\":\"1\"}",
                "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true,\"data\":{}}",
                "{\"type\":\"intent\",\"name\":\"back\"}", "{\"type\":\"tick\",\"at\":99999}"};
            for (size_t i = 0; i < sizeof events / sizeof events[0]; i++)
                hf_session_send(s, events[i], strlen(events[i]), NULL, NULL);
            hf_session_free(s);
        }
    }
    hf_engine_free(e);
    return 0;
}
