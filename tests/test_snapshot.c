/*
 * test_snapshot.c — snapshots, restore, flow versions, migration and replay (DESIGN.md
 * section 6).
 *
 * The round trip test plays every case of every flows/NAME.paths.json twice: once without a
 * break, and once for each point k in it, snapshotting after k events and restoring into
 * another engine, where the rest of the events must give byte-for-byte the same replies.
 */
#include <dirent.h>
#include <stdbool.h>

#include <zlib.h>

#include "harness.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

static const char *flows_dir(void)
{
    static char dir[4096];
    const char *src = getenv("HF_SOURCE_DIR");
    snprintf(dir, sizeof dir, "%s/flows", src ? src : ".");
    return dir;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

/* Loads every flow in flows/, callees first (failures are retried while loads succeed). */
static void load_library(hf_engine *e)
{
    struct dirent **ents;
    int n = scandir(flows_dir(), &ents, NULL, alphasort);
    assert_true(n > 0);
    int left = 0, *done = calloc((size_t)n, sizeof *done);
    for (int progress = 1; progress;) {
        progress = 0;
        left = 0;
        for (int i = 0; i < n; i++) {
            if (done[i] || !t_is_flow_file(ents[i]->d_name))
                continue;
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", flows_dir(), ents[i]->d_name);
            if (hf_engine_load_file(e, path, NULL) == HF_OK)
                done[i] = progress = 1;
            else
                left++;
        }
    }
    for (int i = 0; i < n; i++)
        free(ents[i]);
    free(ents);
    free(done);
    if (left)
        fail_msg("%d flows did not load: %s", left, hf_engine_errmsg(e));
}

static hf_engine *engine_with(const unsigned char *key, int event_log)
{
    hf_engine_options o = HF_ENGINE_OPTIONS_INIT;
    o.snapshot_key = key;
    o.event_log = event_log;
    hf_engine *e = NULL;
    assert_int_equal(hf_engine_new(&e, &o), HF_OK);
    return e;
}

/* A copy of the session's snapshot; the caller frees it. */
static unsigned char *snap(hf_session *s, size_t *len)
{
    const unsigned char *b;
    int rc = hf_session_snapshot(s, &b, len);
    if (rc != HF_OK)
        fail_msg("snapshot failed (%s)", hf_strerror(rc));
    unsigned char *copy = malloc(*len);
    memcpy(copy, b, *len);
    return copy;
}

static hf_session *restore_ok(hf_engine *e, const unsigned char *b, size_t len)
{
    hf_session *s = NULL;
    int rc = hf_session_restore(&s, e, b, len);
    if (rc != HF_OK)
        fail_msg("restore failed (%s): %s", hf_strerror(rc), hf_engine_errmsg(e));
    return s;
}

/* Sends an event given as JSON text or as a string to send as it is; returns the reply. */
static char *send_raw(hf_session *s, const cJSON *ev)
{
    char *text = cJSON_IsString(ev) ? strdup(ev->valuestring) : cJSON_PrintUnformatted(ev);
    const char *reply = NULL;
    hf_session_send(s, text, strlen(text), &reply, NULL);
    free(text);
    return strdup(reply ? reply : "");
}

/* ---- round trips at every step of every reference flow --------------------------------- */

typedef struct rt_stats {
    int cases, restores;
} rt_stats;

static void round_trip_case(hf_engine *a, hf_engine *b, const cJSON *c, const char *file,
                            rt_stats *st)
{
    const char *flow = cJSON_GetObjectItem(c, "flow")->valuestring;
    const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
    char *ctx = cJSON_PrintUnformatted(cJSON_GetObjectItem(c, "context"));
    const cJSON *steps = cJSON_GetObjectItem(c, "steps");
    int n = cJSON_GetArraySize(steps);
    /* the uninterrupted run: reply[i] after event i (step 0 is the start) */
    char **reply = calloc((size_t)n, sizeof *reply);
    hf_session *s = t_start(a, flow, ctx);
    reply[0] = strdup(hf_session_output(s, NULL));
    for (int i = 1; i < n; i++)
        reply[i] = send_raw(s, cJSON_GetObjectItem(cJSON_GetArrayItem(steps, i), "send"));
    hf_session_free(s);

    for (int k = 0; k < n; k++) {
        s = t_start(a, flow, ctx);
        for (int i = 1; i <= k; i++)
            free(send_raw(s, cJSON_GetObjectItem(cJSON_GetArrayItem(steps, i), "send")));
        size_t len;
        unsigned char *bytes = snap(s, &len);
        hf_session *r = restore_ok(b, bytes, len);
        if (strcmp(hf_session_output(r, NULL), hf_session_output(s, NULL)) != 0)
            fail_msg("%s: %s: restored after %d events, the output differs:\n  %s\n  %s", file,
                     name, k, hf_session_output(s, NULL), hf_session_output(r, NULL));
        /* a snapshot of the restored session is the same bytes */
        const unsigned char *again;
        size_t again_len;
        assert_int_equal(hf_session_snapshot(r, &again, &again_len), HF_OK);
        if (again_len != len || memcmp(again, bytes, len) != 0) {
            const char *j;
            char *copy = malloc(again_len);
            memcpy(copy, again, again_len);
            if (hf_snapshot_inspect(b, copy, again_len, &j, NULL) != HF_OK)
                j = hf_engine_errmsg(b);
            print_error("restored: %s\n", j);
            hf_snapshot_inspect(b, bytes, len, &j, NULL);
            print_error("original: %s\n", j);
            free(copy);
            fail_msg("%s: %s: the restored session's snapshot after %d events differs", file,
                     name, k);
        }
        for (int i = k + 1; i < n; i++) {
            char *got = send_raw(r, cJSON_GetObjectItem(cJSON_GetArrayItem(steps, i), "send"));
            if (strcmp(got, reply[i]) != 0)
                fail_msg("%s: %s: restored after %d events, event %d differs:\n  want %s\n"
                         "  got  %s", file, name, k, i, reply[i], got);
            free(got);
        }
        if (hf_session_status(r) >= HF_STATUS_RESOLVED) {
            const char *o1, *o2;
            assert_int_equal(hf_session_outcome(r, &o1, NULL), HF_OK);
            char *copy = strdup(o1);
            /* the uninterrupted session's outcome, from a fresh run to the end */
            hf_session *u = t_start(a, flow, ctx);
            for (int i = 1; i < n; i++)
                free(send_raw(u, cJSON_GetObjectItem(cJSON_GetArrayItem(steps, i), "send")));
            assert_int_equal(hf_session_outcome(u, &o2, NULL), HF_OK);
            assert_string_equal(copy, o2);
            free(copy);
            hf_session_free(u);
        }
        free(bytes);
        hf_session_free(r);
        hf_session_free(s);
        st->restores++;
    }
    for (int i = 0; i < n; i++)
        free(reply[i]);
    free(reply);
    free(ctx);
    st->cases++;
}

static void test_round_trip_every_step(void **state)
{
    (void)state;
    hf_engine *a = engine_with(NULL, 0), *b = engine_with(NULL, 0);
    load_library(a);
    load_library(b);
    struct dirent **ents;
    int n = scandir(flows_dir(), &ents, NULL, alphasort);
    rt_stats st = {0};
    int files = 0;
    for (int i = 0; i < n; i++) {
        if (ends_with(ents[i]->d_name, ".paths.json")) {
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", flows_dir(), ents[i]->d_name);
            char *text = slurp(path);
            cJSON *cases = cJSON_Parse(text);
            assert_non_null(cases);
            const cJSON *c;
            cJSON_ArrayForEach(c, cases) {
                if (!cJSON_GetObjectItem(c, "context")) /* the fixtures' context: skip */
                    continue;
                round_trip_case(a, b, c, ents[i]->d_name, &st);
            }
            cJSON_Delete(cases);
            free(text);
            files++;
        }
        free(ents[i]);
    }
    free(ents);
    print_message("round trips: %d files, %d cases, %d restores\n", files, st.cases,
                  st.restores);
    assert_true(files >= 6);
    assert_true(st.cases >= 40);
    hf_engine_free(a);
    hf_engine_free(b);
}

/* ---- a sample session ------------------------------------------------------------------- */

static const char card_ctx[] = "{\"customer_id\":\"cus_1\",\"card_id\":\"card_4242\","
                               "\"locale\":\"en-GB\",\"at\":1717243200}";
static const char frozen[] = "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true,"
                             "\"data\":{\"frozen\":true,\"status\":\"active\",\"last4\":\"4242\"}}";

/* card_declined, waiting at its "frozen" choice */
static hf_session *card_midway(hf_engine *e)
{
    hf_session *s = t_start(e, "card_declined", card_ctx);
    cJSON_Delete(t_send(s, frozen));
    return s;
}

static void test_size_and_identity(void **state)
{
    (void)state;
    hf_engine *e = engine_with(NULL, 0);
    load_library(e);
    hf_session *s = card_midway(e);
    size_t len;
    unsigned char *b = snap(s, &len);
    print_message("card_declined mid-way: %zu bytes\n", len);
    assert_true(len <= 200);
    assert_memory_equal(b, "HFSN\x01", 5);
    const char *json;
    assert_int_equal(hf_snapshot_inspect(e, b, len, &json, NULL), HF_OK);
    cJSON *j = cJSON_Parse(json);
    assert_string_equal(t_str(j, "flow"), "card_declined");
    assert_int_equal((int)t_num(j, "version"), 3);
    assert_int_equal((int)t_num(j, "size"), (int)len);
    assert_non_null(t_get(j, "state.cx"));
    cJSON_Delete(j);

    /* a host-given session id survives, a derived one is derived again */
    hf_session *named = t_start(e, "card_declined",
                                "{\"session\":\"conv-77\",\"card_id\":\"c\",\"at\":5}");
    unsigned char *nb = snap(named, &len);
    hf_session *r = restore_ok(e, nb, len);
    assert_string_equal(hf_session_output(r, NULL), hf_session_output(named, NULL));
    assert_non_null(strstr(hf_session_output(r, NULL), "\"session\":\"conv-77\""));
    hf_session_free(r);
    free(nb);
    hf_session_free(named);
    free(b);
    hf_session_free(s);
    hf_engine_free(e);
}

/* Large and odd states: long runs (matches of the longest length, overlapping their
 * source), text that does not repeat, and distances past the deflate window. */
static void test_large_states(void **state)
{
    (void)state;
    hf_engine_options o = HF_ENGINE_OPTIONS_INIT;
    o.max_event = 1u << 20;
    hf_engine *e = NULL;
    assert_int_equal(hf_engine_new(&e, &o), HF_OK);
    load_library(e);
    static const size_t sizes[] = {0, 1, 2, 3, 257, 258, 259, 4000, 33000, 70000, 300000};
    unsigned seed = 12345;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        for (int kind = 0; kind < 3; kind++) {
            size_t n = sizes[k];
            char *ctx = malloc(n * 2 + 256);
            int at = sprintf(ctx, "{\"card_id\":\"c\",\"note\":\"");
            for (size_t i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                char c = kind == 0 ? 'a'                                   /* one long run */
                         : kind == 1 ? (char)('a' + (seed >> 16) % 26)    /* no repeats */
                                     : "abcdefgh"[(i / 40000 + (i % 7)) % 8]; /* far repeats */
                ctx[at++] = c;
            }
            at += sprintf(ctx + at, "\",\"at\":1}");
            hf_session *s = t_start(e, "card_declined", ctx);
            size_t len;
            unsigned char *b = snap(s, &len);
            hf_session *r = restore_ok(e, b, len);
            assert_string_equal(hf_session_output(r, NULL), hf_session_output(s, NULL));
            const unsigned char *again;
            size_t again_len;
            assert_int_equal(hf_session_snapshot(r, &again, &again_len), HF_OK);
            assert_int_equal(again_len, len);
            assert_memory_equal(again, b, len);
            hf_session_free(r);
            hf_session_free(s);
            free(b);
            free(ctx);
        }
    hf_engine_free(e);
}

/* ---- corruption ------------------------------------------------------------------------- */

static void expect_refused(hf_engine *e, const unsigned char *b, size_t len, const char *what)
{
    hf_session *s = (hf_session *)1;
    int rc = hf_session_restore(&s, e, b, len);
    if (rc == HF_OK)
        fail_msg("%s was restored", what);
    assert_null(s);
    assert_true(rc == HF_EINVAL || rc == HF_ENOTFOUND);
    assert_true(strlen(hf_engine_errmsg(e)) > 10);
}

static void flips_and_truncations(const unsigned char *key)
{
    hf_engine *e = engine_with(key, 0);
    load_library(e);
    hf_session *s = card_midway(e);
    size_t len;
    unsigned char *b = snap(s, &len);
    /* two rounds: the first may grow the engine's reused buffers, the second must not add a
     * byte (nothing leaks per refusal) */
    hf_session_free(restore_ok(e, b, len)); /* its buffers exist from here on */
    size_t before = 0;
    int refused = 0;
    for (int round = 0; round < 2; round++) {
    if (round == 1)
        before = hf_engine_memory(e);
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            b[i] ^= (unsigned char)(1 << bit);
            expect_refused(e, b, len, "a snapshot with a flipped bit");
            b[i] ^= (unsigned char)(1 << bit);
            refused++;
        }
    for (size_t n = 0; n < len; n++) {
        unsigned char *cut = malloc(n ? n : 1); /* exactly n bytes, for ASan */
        memcpy(cut, b, n);
        expect_refused(e, cut, n, "a truncated snapshot");
        free(cut);
        refused++;
    }
    }
    /* the original still restores, and nothing leaked on the way */
    hf_session *r = restore_ok(e, b, len);
    assert_string_equal(hf_session_output(r, NULL), hf_session_output(s, NULL));
    hf_session_free(r);
    /* a leak of even one byte per refusal would show thousands; buffers that keep their
     * capacity may move by a few bytes */
    assert_true(hf_engine_memory(e) <= before + 256);
    print_message("%s: %zu bytes, %d corrupted copies refused\n",
                  key ? "authenticated" : "plain", len, refused);
    free(b);
    hf_session_free(s);
    hf_engine_free(e);
}

static void test_bit_flips_and_truncations(void **state)
{
    (void)state;
    static const unsigned char key[HF_SNAPSHOT_KEYBYTES] = "0123456789abcdef0123456789abcde";
    flips_and_truncations(NULL);
    flips_and_truncations(key);
}

static void test_foreign_bytes(void **state)
{
    (void)state;
    hf_engine *e = engine_with(NULL, 0);
    load_library(e);
    expect_refused(e, (const unsigned char *)"", 0, "nothing");
    expect_refused(e, (const unsigned char *)"HFSN", 4, "a bare magic");
    expect_refused(e, (const unsigned char *)"{\"fr\":[]}", 9, "JSON");
    static const unsigned char future[] = "HFSN\x02\x00\x01x\x01\x00\0\0\0\0";
    hf_session *s = NULL;
    assert_int_equal(hf_session_restore(&s, e, future, sizeof future - 1), HF_EINVAL);
    assert_non_null(strstr(hf_engine_errmsg(e), "format version 2"));
    assert_int_equal(hf_session_restore(NULL, e, "x", 1), HF_EMISUSE);
    assert_int_equal(hf_session_restore(&s, NULL, "x", 1), HF_EMISUSE);
    assert_int_equal(hf_session_snapshot(NULL, NULL, NULL), HF_EMISUSE);
    hf_engine_free(e);
}

/* Every JSONTestSuite file, as snapshot bytes. */
static void test_jsontestsuite_bytes(void **state)
{
    (void)state;
    const char *dir = t_jsontestsuite_dir();
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    t_require_jsontestsuite(n > 0 ? dir : NULL);
    hf_engine *e = engine_with(NULL, 0);
    load_library(e);
    int refused = 0;
    for (int i = 0; i < n; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
        char *text = ends_with(ents[i]->d_name, ".json") ? slurp(path) : NULL;
        if (text) {
            expect_refused(e, (const unsigned char *)text, strlen(text), path);
            refused++;
        }
        free(text);
        free(ents[i]);
    }
    free(ents);
    assert_true(refused >= 300);
    hf_engine_free(e);
}

/* A payload that is valid JSON with a good CRC but a state that does not fit its flow must be
 * refused, never trusted: built by hand as stored (not deflated) payloads. The first two are
 * controls that must restore. */
static void test_crafted_states(void **state)
{
    (void)state;
    hf_engine *e = engine_with(NULL, 0);
    load_library(e);
    static const char *const bad[] = {
        "{\"id\":\"x\",\"fr\":[[0,[]]],\"st\":2,\"cx\":{}}",
        "{\"id\":\"x\",\"fr\":[[0,[]]],\"st\":2,\"pa\":[ {\"step\":\"a\"} ,\n"
        "{\"step\":\"b\"}\n\n ],\"po\":1,\"fl\":[ \"x\" , \"y\" ],\"cx\":{}}",
        "{\"fr\":[[0,[]]],\"st\":2,\"cx\":{}}", /* no id */
        "{\"id\":\"x\",\"fr\":[[0,[]]],\"st\":2,\"re\":4,\"cx\":{}}", /* retries > 2 + 1 */
        "{\"id\":\"x\",\"fr\":[[0,[]]],\"st\":2,\"pa\":[],\"po\":1,\"cx\":{}}", /* fuzz */
        "{}",
        "{\"fr\":[]}",
        "{\"fr\":[[999,[]]],\"cx\":{}}",
        "{\"fr\":[[0,[0,300]]],\"cx\":{}}",
        "{\"fr\":[[0,[]]],\"st\":0,\"ex\":1,\"cx\":{}}",
        "{\"fr\":[[0,[]]],\"st\":1,\"ex\":4,\"cx\":[]}",
        "{\"fr\":[[0,[]]],\"st\":1,\"ex\":4,\"cx\":{}}", /* no args */
        "{\"fr\":[[0,[]]],\"st\":3,\"cx\":{}}",          /* no escalation */
        "{\"fr\":[[0,[]]],\"st\":9,\"cx\":{}}",
        "{\"fr\":[[0,[]]],\"st\":2,\"rs\":\"made_up\",\"cx\":{}}",
        "{\"fr\":[[0,[]]],\"st\":2,\"hi\":[5],\"cx\":{}}",
        "{\"fr\":[[0,[]]],\"st\":2,\"po\":1,\"cx\":{}}",
        "{\"fr\":[[0,[]],[\"nope\",3,0,[]]],\"st\":2,\"cx\":{}}",
        "{\"fr\":[[0,[]],[\"verify_identity\",1,0,[]]],\"st\":2,\"cx\":{}}",
        "{\"fr\":[[0,[]]],\"st\":2,\"t0\":-1,\"cx\":{}}",
        "{\"fr\":[[0,[]]],\"st\":2,\"t0\":1.5,\"cx\":{}}",
        "{\"id\":\"\",\"fr\":[[0,[]]],\"st\":2,\"cx\":{}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* the envelope around a stored payload, with its CRC */
        unsigned char b[1024];
        size_t n = 0, plen = strlen(bad[i]);
        memcpy(b, "HFSN\x01\x00\x0d" "card_declined\x03", 21);
        n = 21;
        if (plen >= 128) {
            b[n++] = (unsigned char)(plen | 128);
            b[n++] = (unsigned char)(plen >> 7);
        } else {
            b[n++] = (unsigned char)plen;
        }
        memcpy(b + n, bad[i], plen);
        n += plen;
        uLong crc = crc32(0, b, (unsigned)n);
        for (int k = 0; k < 4; k++)
            b[n++] = (unsigned char)(crc >> (8 * k));
        hf_session *s = NULL;
        int rc = hf_session_restore(&s, e, b, n);
        if (i == 1) { /* spaces between items (found by fuzzing): read, and written without */
            if (rc != HF_OK)
                fail_msg("the spaced state was refused: %s", hf_engine_errmsg(e));
            size_t len;
            unsigned char *again = snap(s, &len);
            hf_session *r = restore_ok(e, again, len);
            const char *j;
            assert_int_equal(hf_snapshot_inspect(e, again, len, &j, NULL), HF_OK);
            assert_non_null(strstr(j, "\"pa\":[{\"step\":\"a\"},{\"step\":\"b\"}],\"po\":1"));
            assert_non_null(strstr(j, "\"fl\":[\"x\",\"y\"]"));
            hf_session_free(r);
            free(again);
            hf_session_free(s);
            continue;
        }
        if (i == 0) { /* the control: a state that fits, so the envelope above is right */
            if (rc != HF_OK)
                fail_msg("the control state was refused: %s", hf_engine_errmsg(e));
            assert_non_null(strstr(hf_session_output(s, NULL), "\"status\":\"resolved\""));
            hf_session_free(s);
            continue;
        }
        if (rc == HF_OK)
            fail_msg("crafted state %zu was restored: %s", i, bad[i]);
        assert_true(rc == HF_EINVAL || rc == HF_ENOTFOUND);
    }
    hf_engine_free(e);
}

/* ---- keys ------------------------------------------------------------------------------- */

static void test_keys(void **state)
{
    (void)state;
    static const unsigned char k1[HF_SNAPSHOT_KEYBYTES] = "first key, thirty-two bytes lon";
    static const unsigned char k2[HF_SNAPSHOT_KEYBYTES] = "other key, thirty-two bytes lon";
    hf_engine *a = engine_with(k1, 0), *b = engine_with(k2, 0), *plain = engine_with(NULL, 0),
              *a2 = engine_with(k1, 0);
    load_library(a);
    load_library(b);
    load_library(plain);
    load_library(a2);
    hf_session *s = card_midway(a);
    size_t len, plen;
    unsigned char *signed_b = snap(s, &len);
    hf_session *p = card_midway(plain);
    unsigned char *plain_b = snap(p, &plen);
    assert_int_equal(len, plen + 32);

    hf_session *r = restore_ok(a2, signed_b, len); /* same key, another engine */
    assert_string_equal(hf_session_output(r, NULL), hf_session_output(s, NULL));
    hf_session_free(r);
    hf_session *x = NULL;
    assert_int_equal(hf_session_restore(&x, b, signed_b, len), HF_EINVAL);
    assert_non_null(strstr(hf_engine_errmsg(b), "tag does not match"));
    assert_int_equal(hf_session_restore(&x, plain, signed_b, len), HF_EINVAL);
    assert_non_null(strstr(hf_engine_errmsg(plain), "no snapshot key"));
    assert_int_equal(hf_session_restore(&x, a, plain_b, plen), HF_EINVAL);
    assert_non_null(strstr(hf_engine_errmsg(a), "requires one"));
    assert_null(x);
    free(signed_b);
    free(plain_b);
    hf_session_free(s);
    hf_session_free(p);
    hf_engine_free(a);
    hf_engine_free(b);
    hf_engine_free(plain);
    hf_engine_free(a2);
}

/* ---- versions and migration ------------------------------------------------------------- */

static const char v1[] =
    "return flow 'pin' { version = 1, start = 'ask',\n"
    "  steps = {\n"
    "    ask = say { text = 'v1: shall I resend it?', choices = {\n"
    "      { id = 'yes', label = 'Yes', go = 'done' }, { id = 'no', label = 'No', go = 'bye' } } },\n"
    "    done = resolved { text = 'v1: sent' },\n"
    "    bye = resolved { text = 'v1: ok' } } }\n";
static const char v2[] =
    "return flow 'pin' { version = 2, start = 'ask',\n"
    "  migrate = function(ctx, from)\n"
    "    return { note = 'from ' .. from, tier = ctx.tier }\n"
    "  end,\n"
    "  steps = {\n"
    "    ask = say { text = 'v2: shall I resend it?', choices = {\n"
    "      { id = 'yes', label = 'Yes', go = 'done' }, { id = 'no', label = 'No', go = 'bye' } } },\n"
    "    done = resolved { text = function(ctx) return 'v2: sent, ' .. ctx.note end },\n"
    "    bye = resolved { text = 'v2: ok' } } }\n";
static const char v3_moved[] =
    "return flow 'pin' { version = 3, start = 'start',\n"
    "  migrate = function(ctx, from) return ctx, 'gone' end,\n"
    "  steps = {\n"
    "    start = say { text = 'v3', choices = { { id = 'yes', label = 'Yes', go = 'end' } } },\n"
    "    ['end'] = resolved { text = 'v3: end' } } }\n";
static const char v4_nomigrate[] =
    "return flow 'pin' { version = 4, start = 'ask',\n"
    "  steps = {\n"
    "    ask = say { text = 'v4', choices = { { id = 'yes', label = 'Yes', go = 'done' } } },\n"
    "    done = resolved { text = 'v4: sent' } } }\n";
static const char v5_failing[] =
    "return flow 'pin' { version = 5, start = 'ask',\n"
    "  migrate = function(ctx, from) error('cannot migrate') end,\n"
    "  steps = {\n"
    "    ask = say { text = 'v5', choices = { { id = 'yes', label = 'Yes', go = 'done' } } },\n"
    "    done = resolved { text = 'v5: sent' } } }\n";

static void test_version_pinning(void **state)
{
    (void)state;
    hf_engine *a = t_engine();
    t_load(a, v1);
    hf_session *s = t_start(a, "pin", "{\"tier\":\"gold\"}");
    t_load(a, v2); /* a new version while the session runs */
    cJSON *o = t_send(s, "{\"type\":\"choose\",\"option\":\"yes\"}");
    assert_string_equal(t_str(o, "ui.0.text"), "v1: sent"); /* still on version 1 */
    cJSON_Delete(o);
    hf_session_free(s);

    /* new sessions start on the newest; a snapshot of version 1 restores as version 1 */
    hf_session *old = NULL;
    hf_engine *only1 = t_engine();
    t_load(only1, v1);
    old = t_start(only1, "pin", "{\"tier\":\"gold\"}");
    size_t len;
    unsigned char *b = snap(old, &len);
    hf_session *fresh = t_start(a, "pin", NULL);
    assert_non_null(strstr(hf_session_output(fresh, NULL), "\"version\":2"));
    hf_session *r = restore_ok(a, b, len);
    assert_non_null(strstr(hf_session_output(r, NULL), "\"version\":1"));
    o = t_send(r, "{\"type\":\"choose\",\"option\":\"yes\"}");
    assert_string_equal(t_str(o, "ui.0.text"), "v1: sent");
    cJSON_Delete(o);

    /* an engine without version 1 refuses it, naming what is missing */
    hf_engine *only2 = t_engine();
    t_load(only2, v2);
    hf_session *x = NULL;
    assert_int_equal(hf_session_restore(&x, only2, b, len), HF_ENOTFOUND);
    assert_non_null(strstr(hf_engine_errmsg(only2), "'pin' version 1"));
    const char *json; /* inspecting needs no flow */
    assert_int_equal(hf_snapshot_inspect(only2, b, len, &json, NULL), HF_OK);
    assert_non_null(strstr(json, "\"version\":1"));
    free(b);
    hf_session_free(r);
    hf_session_free(fresh);
    hf_session_free(old);
    hf_engine_free(a);
    hf_engine_free(only1);
    hf_engine_free(only2);
}

static void test_migration(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    t_load(e, v1);
    hf_session *s = t_start(e, "pin", "{\"tier\":\"gold\"}");
    t_load(e, v2);
    t_load(e, v3_moved);
    t_load(e, v4_nomigrate);
    t_load(e, v5_failing);
    char *before = strdup(hf_session_output(s, NULL));

    /* failures change nothing */
    assert_int_equal(hf_session_migrate(s, 9), HF_ENOTFOUND);
    assert_int_equal(hf_session_migrate(s, 4), HF_ECHECK);
    assert_non_null(strstr(hf_engine_errmsg(e), "declares no migrate"));
    assert_int_equal(hf_session_migrate(s, 3), HF_ECHECK);
    assert_non_null(strstr(hf_engine_errmsg(e), "no step 'gone'"));
    assert_int_not_equal(hf_session_migrate(s, 5), HF_OK);
    assert_non_null(strstr(hf_engine_errmsg(e), "cannot migrate"));
    assert_string_equal(hf_session_output(s, NULL), before);
    assert_int_equal(hf_session_migrate(s, 1), HF_OK); /* where it is already */
    assert_string_equal(hf_session_output(s, NULL), before);

    /* to version 2: the same step and ui, the new version's context and texts */
    assert_int_equal(hf_session_migrate(s, 2), HF_OK);
    cJSON *o = t_output(s);
    assert_int_equal((int)t_num(o, "version"), 2);
    assert_string_equal(t_str(o, "step"), "ask");
    assert_string_equal(t_str(o, "ui.0.text"), "v1: shall I resend it?");
    cJSON_Delete(o);
    o = t_send(s, "{\"type\":\"choose\",\"option\":\"yes\"}");
    assert_string_equal(t_str(o, "ui.0.text"), "v2: sent, from 1");
    cJSON_Delete(o);
    const char *rec;
    assert_int_equal(hf_session_outcome(s, &rec, NULL), HF_OK);
    assert_non_null(strstr(rec, "\"version\":2"));
    assert_int_equal(hf_session_migrate(s, 2), HF_EFINISHED);
    assert_int_equal(hf_session_migrate(NULL, 2), HF_EMISUSE);
    free(before);
    hf_session_free(s);
    hf_engine_free(e);
}

/* A migrated session's log replays: the migration is an entry of the log (found by the CLI's
 * author: the log used to name the new version and replay everything on it). */
static void test_migrated_log_replays(void **state)
{
    (void)state;
    hf_engine *e = engine_with(NULL, 1);
    t_load(e, v1);
    hf_session *s = t_start(e, "pin", "{\"tier\":\"gold\"}");
    t_load(e, v2);
    assert_int_equal(hf_session_migrate(s, 2), HF_OK);
    /* the log travels in a snapshot, to another engine with both versions */
    size_t len;
    unsigned char *b = snap(s, &len);
    hf_engine *other = engine_with(NULL, 1);
    t_load(other, v1);
    t_load(other, v2);
    hf_session *r = restore_ok(other, b, len);
    cJSON_Delete(t_send(r, "{\"type\":\"choose\",\"option\":\"yes\"}"));
    assert_non_null(strstr(hf_session_output(r, NULL), "v2: sent, from 1"));
    const char *log;
    assert_int_equal(hf_session_events(r, &log, NULL), HF_OK);
    cJSON *j = cJSON_Parse(log);
    assert_int_equal((int)t_num(j, "version"), 1); /* where it started */
    assert_string_equal(t_str(j, "events.0.type"), "migrate");
    assert_int_equal((int)t_num(j, "events.0.version"), 2);
    char *ctx = cJSON_PrintUnformatted(t_get(j, "context"));
    char *events = cJSON_PrintUnformatted(t_get(j, "events"));
    hf_session *re = NULL;
    const char *outputs;
    assert_int_equal(hf_replay(&re, other, "pin", 1, ctx, strlen(ctx), events, strlen(events),
                               &outputs, NULL), HF_OK);
    assert_string_equal(hf_session_output(re, NULL), hf_session_output(r, NULL));
    hf_session_free(re);
    /* without version 2, the migration cannot be replayed: said, not guessed */
    hf_engine *only1 = engine_with(NULL, 0);
    t_load(only1, v1);
    assert_int_equal(hf_replay(&re, only1, "pin", 1, ctx, strlen(ctx), events, strlen(events),
                               NULL, NULL), HF_EREJECTED);
    assert_non_null(strstr(hf_engine_errmsg(only1), "event 0"));
    /* a migration that fails leaves no entry behind */
    hf_session *t = t_start(e, "pin", "{\"tier\":\"gold\"}"); /* on version 2 */
    assert_int_equal(hf_session_migrate(t, 1), HF_ECHECK);     /* v1 has no migrate */
    assert_int_equal(hf_session_events(t, &log, NULL), HF_OK);
    assert_non_null(strstr(log, "\"events\":[]"));
    hf_session_free(t);
    cJSON_Delete(j);
    free(ctx);
    free(events);
    free(b);
    hf_session_free(r);
    hf_session_free(s);
    hf_engine_free(only1);
    hf_engine_free(other);
    hf_engine_free(e);
}

/* ---- event logs and replay ---------------------------------------------------------------- */

static void test_replay(void **state)
{
    (void)state;
    hf_engine *e = engine_with(NULL, 1);
    load_library(e);
    hf_session *s = t_start(e, "card_declined", card_ctx);
    char *outs[8];
    int n = 0;
    outs[n++] = strdup(hf_session_output(s, NULL));
    cJSON_Delete(t_send(s, frozen));
    outs[n++] = strdup(hf_session_output(s, NULL));
    t_reject(s, "{\"type\":\"choose\",\"option\":\"nope\"}", 33, HF_EREJECTED, "unknown_option");
    cJSON_Delete(t_send(s, "{\"type\":\"choose\",\"option\":\"unfreeze\",\"at\":1717243260}"));
    outs[n++] = strdup(hf_session_output(s, NULL));
    cJSON_Delete(t_send(s, "{\"type\":\"result\",\"action\":\"a2\",\"ok\":true,\"data\":{}}"));
    outs[n++] = strdup(hf_session_output(s, NULL));
    cJSON_Delete(t_send(s, "{\"type\":\"choose\",\"option\":\"no\"}"));
    outs[n++] = strdup(hf_session_output(s, NULL));
    assert_int_equal(hf_session_status(s), HF_STATUS_ESCALATED);

    const char *log;
    assert_int_equal(hf_session_events(s, &log, NULL), HF_OK);
    cJSON *j = cJSON_Parse(log);
    assert_int_equal(cJSON_GetArraySize(t_get(j, "events")), n - 1); /* not the rejected one */
    char *ctx = cJSON_PrintUnformatted(t_get(j, "context"));
    char *events = cJSON_PrintUnformatted(t_get(j, "events"));

    /* the backend replays the log on its own engine: every output, byte for byte */
    hf_engine *backend = engine_with(NULL, 0);
    load_library(backend);
    hf_session *r = NULL;
    const char *outputs;
    assert_int_equal(hf_replay(&r, backend, "card_declined", 3, ctx, strlen(ctx), events,
                               strlen(events), &outputs, NULL), HF_OK);
    cJSON *list = cJSON_Parse(outputs);
    assert_int_equal(cJSON_GetArraySize(list), n);
    for (int i = 0; i < n; i++) {
        char *one = cJSON_PrintUnformatted(cJSON_GetArrayItem(list, i));
        cJSON *want = cJSON_Parse(outs[i]);
        char *w = cJSON_PrintUnformatted(want);
        assert_string_equal(one, w);
        free(one);
        free(w);
        cJSON_Delete(want);
    }
    assert_string_equal(hf_session_output(r, NULL), outs[n - 1]);
    cJSON_Delete(list);
    hf_session_free(r);

    /* a log that was tampered with does not replay */
    char *bad = strdup(events);
    char *opt = strstr(bad, "unfreeze");
    memcpy(opt, "unfreezX", 8);
    assert_int_equal(hf_replay(&r, backend, "card_declined", 3, ctx, strlen(ctx), bad,
                               strlen(bad), NULL, NULL), HF_EREJECTED);
    assert_null(r);
    assert_non_null(strstr(hf_engine_errmsg(backend), "event 1"));
    assert_int_equal(hf_replay(&r, backend, "card_declined", 99, ctx, strlen(ctx), events,
                               strlen(events), NULL, NULL), HF_ENOTFOUND);
    assert_int_equal(hf_replay(&r, backend, "card_declined", 0, ctx, strlen(ctx), "{}", 2,
                               NULL, NULL), HF_EINVAL);

    /* the log travels in the snapshot */
    size_t len;
    unsigned char *b = snap(s, &len);
    hf_session *moved = restore_ok(e, b, len);
    const char *log2;
    assert_int_equal(hf_session_events(moved, &log2, NULL), HF_OK);
    cJSON *j2 = cJSON_Parse(log2);
    char *e2 = cJSON_PrintUnformatted(t_get(j2, "events"));
    assert_string_equal(e2, events);
    /* an engine without logs restores it but keeps none */
    hf_session *nolog = restore_ok(backend, b, len);
    assert_int_equal(hf_session_events(nolog, &log2, NULL), HF_EMISUSE);
    hf_session_free(nolog);
    /* and a session without a log does not start one in an engine that keeps them */
    hf_session *plain = card_midway(backend);
    unsigned char *pb = snap(plain, &len);
    hf_session *unlogged = restore_ok(e, pb, len);
    cJSON_Delete(t_send(unlogged, "{\"type\":\"choose\",\"option\":\"keep\"}"));
    assert_int_equal(hf_session_events(unlogged, &log2, NULL), HF_EMISUSE);
    const char *json;
    unsigned char *ub = snap(unlogged, &len);
    assert_int_equal(hf_snapshot_inspect(e, ub, len, &json, NULL), HF_OK);
    assert_null(strstr(json, "\"lg\""));
    free(ub);
    hf_session_free(unlogged);
    hf_session_free(plain);
    free(pb);
    free(e2);
    cJSON_Delete(j2);
    hf_session_free(moved);
    free(b);

    for (int i = 0; i < n; i++)
        free(outs[i]);
    free(bad);
    free(ctx);
    free(events);
    cJSON_Delete(j);
    hf_session_free(s);
    hf_engine_free(backend);
    hf_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_step),
        cmocka_unit_test(test_size_and_identity),
        cmocka_unit_test(test_large_states),
        cmocka_unit_test(test_bit_flips_and_truncations),
        cmocka_unit_test(test_foreign_bytes),
        cmocka_unit_test(test_jsontestsuite_bytes),
        cmocka_unit_test(test_crafted_states),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_version_pinning),
        cmocka_unit_test(test_migration),
        cmocka_unit_test(test_migrated_log_replays),
        cmocka_unit_test(test_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
