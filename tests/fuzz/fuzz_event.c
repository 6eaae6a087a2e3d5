/*
 * fuzz_event.c — libFuzzer target: arbitrary bytes as events to sessions of the reference
 * flows. The first byte picks the flow; the rest is split at newlines into events. Whatever
 * arrives, every reply must be there, and a refused event must leave the output as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpflow.h"

static hf_engine *engine;
static const char *const flows[] = {"card_declined",     "lost_card",         "dispute",
                                    "forgotten_pin",     "scam_report",       "payment_not_received",
                                    "update_address",    "cancel_direct_debit", "atm_retained_card",
                                    "locked_account"};
#define NFLOWS (sizeof flows / sizeof flows[0])

static void load(void)
{
    static const char *const files[] = {"verify_identity", "card_declined", "lost_card",
                                        "dispute", "forgotten_pin", "scam_report",
                                        "payment_not_received", "update_address",
                                        "cancel_direct_debit", "atm_retained_card",
                                        "locked_account"};
    const char *dir = getenv("HF_SOURCE_DIR");
    hf_engine_new(&engine, NULL);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/flows/%s.lua", dir ? dir : HF_SOURCE_DIR_DEFAULT,
                 files[i]);
        if (hf_engine_load_file(engine, path, NULL) != HF_OK) {
            fprintf(stderr, "%s\n", hf_engine_errmsg(engine));
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!engine)
        load();
    if (size < 1)
        return 0;
    hf_session *s;
    const char *ctx = "{\"card_id\":\"c_1\",\"at\":5,\"locale\":\"cy\"}";
    if (hf_session_start(&s, engine, flows[data[0] % NFLOWS], ctx, strlen(ctx)) != HF_OK)
        abort();
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        size_t blen;
        const char *b = hf_session_output(s, &blen);
        char *before = malloc(blen + 1);
        memcpy(before, b, blen + 1);
        const char *reply = NULL;
        int rc = hf_session_send(s, p, n, &reply, NULL);
        if (!reply)
            abort();
        size_t alen;
        const char *a = hf_session_output(s, &alen);
        if (rc != HF_OK && (alen != blen || memcmp(a, before, blen) != 0))
            abort();
        free(before);
        p += n + (nl != NULL);
    }
    hf_session_free(s);
    return 0;
}
