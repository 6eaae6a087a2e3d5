/*
 * fuzz_snapshot.c — libFuzzer target: arbitrary bytes as snapshots for an engine holding the
 * reference flows. The first byte picks how the rest is used: as snapshot bytes as they are,
 * or as the JSON payload of an envelope with a correct CRC (stored, or as the raw deflate
 * stream of one), so that the fuzzer reaches the state reader behind the checksum. A state
 * that restores must go on: it snapshots again, restores to the same output, and takes a few
 * events without harm, every output and reply on the way JSON (a state that the reader takes
 * and the interpreter then writes broken JSON from, an open path entry with no member, say,
 * shows here).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <zlib.h>

#include "helpflow.h"

static hf_engine *engine;

static void load(void)
{
    static const char *const files[] = {"verify_identity", "card_declined", "lost_card",
                                        "dispute", "forgotten_pin", "scam_report"};
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

/* An envelope for card_declined version 3 around payload (flags: 1 deflated). */
static size_t wrap(unsigned char *out, const unsigned char *payload, size_t n, size_t size,
                   unsigned flags)
{
    size_t k = 0;
    memcpy(out, "HFSN\x01", 5);
    k = 5;
    out[k++] = (unsigned char)flags;
    out[k++] = 13;
    memcpy(out + k, "card_declined", 13);
    k += 13;
    out[k++] = 3;
    for (size_t v = size;; v >>= 7) { /* LEB128 */
        out[k++] = (unsigned char)((v & 127) | (v >> 7 ? 128 : 0));
        if (!(v >> 7))
            break;
    }
    memcpy(out + k, payload, n);
    k += n;
    uLong crc = crc32(0L, out, (uInt)k);
    for (int i = 0; i < 4; i++)
        out[k++] = (unsigned char)(crc >> (8 * i));
    return k;
}

static void must_be_json(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    if (!j) {
        fprintf(stderr, "not JSON: %s\n", text);
        abort();
    }
    cJSON_Delete(j);
}

static const char *const events[] = {
    "{\"type\":\"choose\",\"option\":\"unfreeze\"}", "{\"type\":\"input\",\"value\":\"12.50\"}",
    "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true,\"data\":{}}",
    "{\"type\":\"intent\",\"name\":\"back\"}", "{\"type\":\"intent\",\"name\":\"human\"}",
    "{\"type\":\"tick\",\"at\":99999999}"};

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!engine)
        load();
    if (size < 1 || size > 65536)
        return 0;
    unsigned char *buf = malloc(2 * size + 128);
    const unsigned char *bytes = data + 1;
    size_t n = size - 1;
    if (data[0] % 3 == 1) {
        n = wrap(buf, data + 1, size - 1, size - 1, 0);
        bytes = buf;
    } else if (data[0] % 3 == 2) {
        /* the input deflated (raw, no dictionary: the engine sets one, so most of these
         * stop at inflate; what passes is still checked all the way) */
        unsigned char *z = malloc(size + 64);
        z_stream st;
        memset(&st, 0, sizeof st);
        deflateInit2(&st, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
        st.next_in = (Bytef *)(data + 1);
        st.avail_in = (uInt)(size - 1);
        st.next_out = z;
        st.avail_out = (uInt)(size + 64);
        deflate(&st, Z_FINISH);
        n = wrap(buf, z, st.total_out, size - 1, 1);
        deflateEnd(&st);
        free(z);
        bytes = buf;
    }
    hf_session *s = NULL;
    if (hf_session_restore(&s, engine, bytes, n) == HF_OK) {
        const unsigned char *again;
        size_t alen;
        if (hf_session_snapshot(s, &again, &alen) != HF_OK)
            abort();
        unsigned char *copy = malloc(alen);
        memcpy(copy, again, alen);
        hf_session *r = NULL;
        if (hf_session_restore(&r, engine, copy, alen) != HF_OK ||
            strcmp(hf_session_output(r, NULL), hf_session_output(s, NULL)) != 0)
            abort();
        must_be_json(hf_session_output(r, NULL));
        for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
            const char *reply = NULL;
            hf_session_send(r, events[i], strlen(events[i]), &reply, NULL);
            if (!reply)
                abort();
            must_be_json(reply);
        }
        hf_session_free(r);
        free(copy);
        hf_session_free(s);
    }
    free(buf);
    return 0;
}
