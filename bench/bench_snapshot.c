/*
 * bench_snapshot — snapshot figures on the reference card_declined flow (issue: snapshots):
 *   1. the size of a snapshot of a session mid-way: after the card check, waiting at the
 *      "frozen" choice (without an event log; with one, for comparison);
 *   2. the stateless backend round trip: restore that snapshot, send one event (the customer
 *      chooses "unfreeze"; the session asks the host to unfreeze the card), snapshot again —
 *      median microseconds over rounds, in CPU time on one core, default engine options;
 *   3. for comparison, what deflating the same payload costs with zlib: a reused stream
 *      (deflateReset, as the issue suggests) and a fresh compress2() per call (what a naive
 *      snapshot would do); the engine uses its own small encoder (engine/deflate.c).
 *
 * usage: bench_snapshot [FLOWS_DIR]   (default: the source tree's flows/)
 * Targets: <= 200 bytes; <= 8 us median round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <zlib.h>

#include "helpflow.h"

#ifndef HF_SOURCE_DIR
#define HF_SOURCE_DIR "."
#endif

#define ROUNDS 31
#define PER_ROUND 20000

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void die(hf_engine *e, const char *what)
{
    fprintf(stderr, "bench_snapshot: %s: %s\n", what, e ? hf_engine_errmsg(e) : "");
    exit(1);
}

static hf_engine *engine(const char *dir, int event_log)
{
    hf_engine_options o = HF_ENGINE_OPTIONS_INIT;
    o.event_log = event_log;
    hf_engine *e;
    char path[4096];
    if (hf_engine_new(&e, &o) != HF_OK)
        die(NULL, "engine");
    snprintf(path, sizeof path, "%s/card_declined.lua", dir);
    if (hf_engine_load_file(e, path, NULL) != HF_OK)
        die(e, "loading card_declined.lua");
    return e;
}

static const char ctx[] = "{\"customer_id\":\"cus_81f3a2\",\"card_id\":\"card_4242\","
                          "\"locale\":\"en-GB\",\"at\":1717243200}";
static const char checked[] = "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true,\"data\":"
                              "{\"frozen\":true,\"status\":\"active\",\"last4\":\"4242\"}}";
static const char unfreeze[] = "{\"type\":\"choose\",\"option\":\"unfreeze\"}";

/* A snapshot of the session mid-way, copied into *out. */
static size_t midway(hf_engine *e, unsigned char **out)
{
    hf_session *s;
    const unsigned char *b;
    size_t len;
    if (hf_session_start(&s, e, "card_declined", ctx, sizeof ctx - 1) != HF_OK ||
        hf_session_send(s, checked, sizeof checked - 1, NULL, NULL) != HF_OK ||
        hf_session_snapshot(s, &b, &len) != HF_OK)
        die(e, "the mid-way session");
    *out = malloc(len);
    memcpy(*out, b, len);
    hf_session_free(s);
    return len;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : HF_SOURCE_DIR "/flows";
    hf_engine *e = engine(dir, 0), *logged = engine(dir, 1);
    unsigned char *snap, *snap_log;
    size_t len = midway(e, &snap), len_log = midway(logged, &snap_log);

    const char *json;
    if (hf_snapshot_inspect(e, snap, len, &json, NULL) != HF_OK)
        die(e, "inspect");
    cJSON *info = cJSON_Parse(json);
    char *payload = cJSON_PrintUnformatted(cJSON_GetObjectItem(info, "state"));
    size_t plen = strlen(payload);
    printf("snapshot, card_declined mid-way (waiting at 'frozen'): %zu bytes "
           "(state %d bytes, deflated to %d; target <= 200)\n",
           len, (int)cJSON_GetObjectItem(info, "payload_size")->valuedouble,
           (int)cJSON_GetObjectItem(info, "stored_size")->valuedouble);
    printf("  with the event log (event_log option): %zu bytes\n", len_log);

    /* the round trip, restore + event + snapshot, from the same bytes each time */
    double med[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now();
        for (int i = 0; i < PER_ROUND; i++) {
            hf_session *s;
            const unsigned char *b;
            size_t n;
            if (hf_session_restore(&s, e, snap, len) != HF_OK ||
                hf_session_send(s, unfreeze, sizeof unfreeze - 1, NULL, NULL) != HF_OK ||
                hf_session_snapshot(s, &b, &n) != HF_OK)
                die(e, "round trip");
            hf_session_free(s);
        }
        med[r] = (now() - t0) / PER_ROUND * 1e6;
    }
    qsort(med, ROUNDS, sizeof med[0], cmp_double);
    printf("stateless round trip (restore, one event, snapshot): median %.2f us "
           "(min %.2f, max %.2f over %d rounds of %d; target <= 8 us)\n",
           med[ROUNDS / 2], med[0], med[ROUNDS - 1], ROUNDS, PER_ROUND);

    /* its parts */
    double t_restore[ROUNDS], t_snap[ROUNDS];
    hf_session *held;
    if (hf_session_restore(&held, e, snap, len) != HF_OK)
        die(e, "restore");
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now();
        for (int i = 0; i < PER_ROUND; i++) {
            hf_session *s;
            if (hf_session_restore(&s, e, snap, len) != HF_OK)
                die(e, "restore");
            hf_session_free(s);
        }
        t_restore[r] = (now() - t0) / PER_ROUND * 1e6;
        t0 = now();
        for (int i = 0; i < PER_ROUND; i++) {
            const unsigned char *b;
            size_t n;
            if (hf_session_snapshot(held, &b, &n) != HF_OK)
                die(e, "snapshot");
        }
        t_snap[r] = (now() - t0) / PER_ROUND * 1e6;
    }
    qsort(t_restore, ROUNDS, sizeof t_restore[0], cmp_double);
    qsort(t_snap, ROUNDS, sizeof t_snap[0], cmp_double);
    printf("  restore alone: median %.2f us; snapshot alone: median %.2f us\n",
           t_restore[ROUNDS / 2], t_snap[ROUNDS / 2]);

    /* zlib's own deflate on the same payload: a stream reused with deflateReset, level 1, the
     * same kind of preset dictionary (a short one: the cost it shows is a floor) */
    double t_zr[ROUNDS];
    {
        static const char zdict[] = "\"fr\":[[\"st\":1,\"ex\":1,\"aq\":1,\"ns\":1,\"t0\":"
                                    "\"pa\":[{\"step\":\"\"result\":{\"ui\":[\"cx\":{\"c0\":{";
        z_stream z;
        memset(&z, 0, sizeof z);
        unsigned char zout[4096];
        if (deflateInit2(&z, 1, Z_DEFLATED, -12, 3, Z_FIXED) != Z_OK)
            die(NULL, "deflateInit2");
        for (int r = 0; r < ROUNDS; r++) {
            double t0 = now();
            for (int i = 0; i < PER_ROUND; i++) {
                deflateReset(&z);
                deflateSetDictionary(&z, (const Bytef *)zdict, sizeof zdict - 1);
                z.next_in = (Bytef *)payload;
                z.avail_in = (uInt)plen;
                z.next_out = zout;
                z.avail_out = sizeof zout;
                if (deflate(&z, Z_FINISH) != Z_STREAM_END)
                    die(NULL, "deflate");
            }
            t_zr[r] = (now() - t0) / PER_ROUND * 1e6;
        }
        deflateEnd(&z);
    }
    qsort(t_zr, ROUNDS, sizeof t_zr[0], cmp_double);
    printf("zlib deflate of the same %zu-byte state, reused stream (deflateReset): %.2f us\n",
           plen, t_zr[ROUNDS / 2]);

    /* a fresh compress2()/uncompress() per call, on the same payload */
    double t_c2[ROUNDS], t_un[ROUNDS];
    unsigned char out[4096], back[4096];
    uLongf clen = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now();
        for (int i = 0; i < PER_ROUND / 4; i++) {
            clen = sizeof out;
            if (compress2(out, &clen, (const Bytef *)payload, plen, Z_DEFAULT_COMPRESSION) != Z_OK)
                die(NULL, "compress2");
        }
        t_c2[r] = (now() - t0) / (PER_ROUND / 4) * 1e6;
        t0 = now();
        for (int i = 0; i < PER_ROUND / 4; i++) {
            uLongf blen = sizeof back;
            if (uncompress(back, &blen, out, clen) != Z_OK)
                die(NULL, "uncompress");
        }
        t_un[r] = (now() - t0) / (PER_ROUND / 4) * 1e6;
    }
    qsort(t_c2, ROUNDS, sizeof t_c2[0], cmp_double);
    qsort(t_un, ROUNDS, sizeof t_un[0], cmp_double);
    printf("for comparison, the same %zu-byte state with a fresh zlib stream per call: "
           "compress2 %.2f us (to %lu bytes, no dictionary), uncompress %.2f us\n",
           plen, t_c2[ROUNDS / 2], (unsigned long)clen, t_un[ROUNDS / 2]);

    hf_session_free(held);
    free(payload);
    cJSON_Delete(info);
    free(snap);
    free(snap_log);
    hf_engine_free(e);
    hf_engine_free(logged);
    return 0;
}
