/*
 * test_snapshot_review.c — the snapshot, replay and migrate code under review: the deflate
 * encoder against zlib on many generated inputs, running out of memory at every allocation of
 * each snapshot call, states the reader must refuse because the interpreter would go wrong on
 * them later, migrate and replay edge cases, and buffers the engine hands out and takes back.
 *
 * The deflate test links the engine's internals (engine/internal.h): the encoder has no public
 * entry of its own, and feeding it bytes directly reaches inputs no session state would hold.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#include <zlib.h>

#include "harness.h"
#include "../engine/internal.h"

/* ---- an allocator that fails on demand and checks every size it is told ------------------ */

typedef struct ctl {
    size_t count, fail_at; /* the fail_at-th growing allocation from now on fails (0: none) */
    long long live;
    int bad_size;          /* frees and reallocs told another size than the block has */
} ctl;

/* Each block carries its size in front, so that an osize that is not the block's shows. */
static void *checking_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    ctl *o = ud;
    size_t *h = ptr ? (size_t *)ptr - 2 : NULL;
    size_t old = ptr ? osize : 0;
    if (h && h[0] != osize)
        o->bad_size++;
    if (nsize == 0) {
        free(h);
        o->live -= (long long)old;
        return NULL;
    }
    if (nsize > old && o->fail_at && ++o->count == o->fail_at)
        return NULL;
    size_t *p = realloc(h, nsize + 2 * sizeof *p);
    if (!p)
        return NULL;
    p[0] = nsize;
    o->live += (long long)nsize - (long long)old;
    return p + 2;
}

static hf_engine *engine_ctl(ctl *o, const unsigned char *key, int event_log)
{
    hf_engine_options opt = HF_ENGINE_OPTIONS_INIT;
    opt.alloc = checking_alloc;
    opt.alloc_ud = o;
    opt.snapshot_key = key;
    opt.event_log = event_log;
    hf_engine *e = NULL;
    assert_int_equal(hf_engine_new(&e, &opt), HF_OK);
    return e;
}

static void engine_done(hf_engine *e, ctl *o)
{
    hf_engine_free(e);
    assert_int_equal(o->live, 0);
    assert_int_equal(o->bad_size, 0);
}

/* ---- flows ------------------------------------------------------------------------------ */

/* Step indexes (ids sorted byte-wise): amount 0, done 1, fetch 2, go_sub 3, hold 4, menu 5,
 * plain 6. sub: ask 0, ok 1. other: fin 0, q 1. */
static const char sub_src[] =
    "return flow 'sub' { version = 1, start = 'ask',\n"
    "  steps = {\n"
    "    ask = ask { text = 'Code?', input = 'text', go = 'ok' },\n"
    "    ok = resolved { text = 'sub done' } } }\n";
static const char other_src[] =
    "return flow 'other' { version = 1, start = 'q',\n"
    "  steps = {\n"
    "    q = say { text = 'Other?', choices = { { id = 'x', label = 'X', go = 'fin' } } },\n"
    "    fin = resolved { text = 'bye' } } }\n";
#define MAIN_STEPS(hold)                                                                           \
    "  steps = {\n"                                                                                \
    "    menu = say { text = 'Menu', choices = {\n"                                                \
    "      { id = 'sub', label = 'Sub', go = 'go_sub' },\n"                                        \
    "      { id = 'wait', label = 'Wait', go = 'hold' },\n"                                        \
    "      { id = 'act', label = 'Act', go = 'fetch' },\n"                                         \
    "      { id = 'ask', label = 'Ask', go = 'amount' },\n"                                        \
    "      { id = 'plain', label = 'Plain', go = 'plain' } } },\n"                                 \
    "    go_sub = call { flow = 'sub', go = 'done' },\n"                                           \
    hold                                                                                           \
    "    plain = wait { text = 'Plain', event = 'ping', go = 'done' },\n"                          \
    "    fetch = action { call = 'x.get', args = { a = 1 }, go = 'done' },\n"                      \
    "    amount = ask { text = 'How much?', input = 'money', go = 'done' },\n"                     \
    "    done = resolved { text = function(ctx) return 'Done ' .. tostring(ctx.tier) end } } }\n"
static const char main_v1[] =
    "return flow 'main' { version = 1, start = 'menu',\n"
    MAIN_STEPS("    hold = wait { text = 'Waiting', event = 'ping', timeout = 60, go = 'done' "
               "},\n");
/* version 2: the same steps, but its hold has no timeout */
static const char main_v2[] =
    "return flow 'main' { version = 2, start = 'menu',\n"
    "  migrate = function(ctx, from) return { tier = ctx.tier, from = from } end,\n"
    MAIN_STEPS("    hold = wait { text = 'Waiting', event = 'ping', go = 'done' },\n");
/* version v of main, with body as its migrate function's */
#define MIGRATING(v, body)                                                                         \
    "return flow 'main' { version = " #v ", start = 'menu',\n"                                     \
    "  migrate = function(ctx, from) " body " end,\n"                                              \
    MAIN_STEPS("    hold = wait { text = 'Waiting', event = 'ping', timeout = 60, go = 'done' },\n")
/* a version whose number is longer: the migrated output grows */
static const char main_v20[] = MIGRATING(20, "return { tier = ctx.tier, from = from }");

static void load_all(hf_engine *e)
{
    t_load(e, sub_src);
    t_load(e, other_src);
    t_load(e, main_v1);
}

static const char start_ctx[] = "{\"tier\":\"gold\",\"locale\":\"en-GB\",\"at\":1000}";

static const unsigned char key[HF_SNAPSHOT_KEYBYTES] = "review key, thirty-two bytes lo";

/* A session of main, taken through: 0 nothing (at the menu), 1 into the subflow, 2 into the
 * wait, 3 to the pending action, 4 to the ask after an invalid input. */
static hf_session *main_at(hf_engine *e, int where)
{
    static const char *const choice[] = {NULL, "sub", "wait", "act", "ask"};
    hf_session *s = NULL;
    if (hf_session_start(&s, e, "main", start_ctx, strlen(start_ctx)) != HF_OK)
        return NULL;
    if (choice[where]) {
        char ev[128];
        snprintf(ev, sizeof ev, "{\"type\":\"choose\",\"option\":\"%s\",\"at\":1010}",
                 choice[where]);
        assert_int_equal(hf_session_send(s, ev, strlen(ev), NULL, NULL), HF_OK);
    }
    if (where == 4) {
        static const char bad[] = "{\"type\":\"input\",\"value\":\"lots\",\"at\":1020}";
        assert_int_equal(hf_session_send(s, bad, strlen(bad), NULL, NULL), HF_OK);
    }
    return s;
}

static unsigned char *copy_snapshot(hf_session *s, size_t *len)
{
    const unsigned char *b;
    int rc = hf_session_snapshot(s, &b, len);
    if (rc != HF_OK)
        fail_msg("snapshot failed (%s)", hf_strerror(rc));
    unsigned char *c = malloc(*len ? *len : 1);
    memcpy(c, b, *len);
    return c;
}

/* A stored (not deflated) snapshot of flow `flow` version 1 around the JSON state, with its
 * CRC; *n gets its length. */
static unsigned char *envelope(const char *flow, const char *state, size_t *n)
{
    size_t fl = strlen(flow), pl = strlen(state), k = 0;
    unsigned char *b = malloc(32 + fl + pl);
    memcpy(b, "HFSN\x01\x00", 6);
    k = 6;
    b[k++] = (unsigned char)fl;
    memcpy(b + k, flow, fl);
    k += fl;
    b[k++] = 1;
    for (size_t v = pl;; v >>= 7) {
        b[k++] = (unsigned char)((v & 127) | (v >> 7 ? 128 : 0));
        if (!(v >> 7))
            break;
    }
    memcpy(b + k, state, pl);
    k += pl;
    uLong crc = crc32(0L, b, (uInt)k);
    for (int i = 0; i < 4; i++)
        b[k++] = (unsigned char)(crc >> (8 * i));
    *n = k;
    return b;
}

static int restore_state(hf_engine *e, const char *flow, const char *state, hf_session **out)
{
    size_t n;
    unsigned char *b = envelope(flow, state, &n);
    int rc = hf_session_restore(out, e, b, n);
    free(b);
    return rc;
}

static bool is_json(const char *s)
{
    cJSON *j = cJSON_Parse(s);
    cJSON_Delete(j);
    return j != NULL;
}

/* ---- deflate against zlib --------------------------------------------------------------- */

static uint32_t rnd_state = 2463534242u;
static uint32_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

/* Input of n bytes of kind k; dict (dn bytes) is the dictionary, for inputs made of it. */
static void generate(unsigned char *p, size_t n, int kind, const unsigned char *dict, size_t dn)
{
    for (size_t i = 0; i < n;) {
        switch (kind) {
        case 0: p[i++] = (unsigned char)rnd(); break;                      /* no repeats */
        case 1: p[i++] = "ab"[rnd() & 1]; break;                           /* short matches */
        case 2: p[i++] = 'x'; break;                                       /* one long run */
        case 3: p[i] = (unsigned char)(i % 3 == 0 ? 'q' : i % 7); i++; break; /* periods */
        case 4: {                  /* pieces of the dictionary, its last bytes first */
            size_t take = dn ? 1 + rnd() % 40 : 1;
            size_t from = i == 0 && dn > take ? dn - take : dn ? rnd() % dn : 0;
            for (size_t j = 0; j < take && i < n; j++)
                p[i++] = dn ? dict[(from + j) % dn] : 'd';
            if (i < n && rnd() % 4 == 0)
                p[i++] = (unsigned char)rnd();
            break;
        }
        case 5: {                  /* JSON-like, repeating at varied distances */
            char item[64];
            int m = snprintf(item, sizeof item, "{\"step\":\"s_%u\",\"choice\":\"c%u\"},",
                             rnd() % 50, rnd() % 7);
            for (int j = 0; j < m && i < n; j++)
                p[i++] = (unsigned char)item[j];
            break;
        }
        default: {                 /* blocks that recur 32767..32769 bytes later */
            size_t d = 32767 + rnd() % 3;
            p[i] = i >= d && rnd() % 8 ? p[i - d] : (unsigned char)rnd();
            i++;
            break;
        }
        }
    }
}

/* Deflates in with the engine's encoder and inflates it with zlib; fails on any difference. */
static void deflate_check(hf_engine *e, hfi_deflate_state *z, const hfi_deflate_dict *dd,
                          const unsigned char *in, size_t n, int kind)
{
    hfi_buf out;
    hfi_buf_init(&out, e);
    hfi_buf_adds(&out, "prefix"); /* it appends */
    assert_int_equal(hfi_deflate(z, dd, (const char *)in, n, &out), HF_OK);
    assert_false(out.oom);
    assert_memory_equal(out.p, "prefix", 6);
    size_t zn = out.len - 6;
    if (zn > n + n / 8 + 16)
        fail_msg("size %zu kind %d: %zu bytes out, more than the room reserved", n, kind, zn);
    z_stream st;
    memset(&st, 0, sizeof st);
    assert_int_equal(inflateInit2(&st, -15), Z_OK);
    if (dd->n)
        assert_int_equal(inflateSetDictionary(&st, dd->p, (uInt)dd->n), Z_OK);
    unsigned char *back = malloc(n + 2);
    st.next_in = (Bytef *)out.p + 6;
    st.avail_in = (uInt)zn;
    st.next_out = back;
    st.avail_out = (uInt)(n + 2);
    int zr = inflate(&st, Z_FINISH);
    if (zr != Z_STREAM_END || st.total_out != n || st.avail_in != 0 ||
        memcmp(back, in, n) != 0)
        fail_msg("size %zu kind %d dictionary %zu: zlib gives %d, %lu bytes (%s)", n, kind,
                 dd->n, zr, st.total_out, st.msg ? st.msg : "same length");
    inflateEnd(&st);
    free(back);
    hfi_buf_free(&out);
}

static void test_deflate_matches_zlib(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    static const char json_dict[] =
        "\"skills\":[\"priority\":\"normal\",\"reason\":\"\"summary\":\"\"collected\":{"
        "{\"type\":\"text\",\"text\":\"\"choice\":\"\"step\":\":false,\":true,\":null,";
    static unsigned char rand_dict[HFI_DEFLATE_DICT_MAX + 100];
    for (size_t i = 0; i < sizeof rand_dict; i++)
        rand_dict[i] = (unsigned char)rnd();
    const struct {
        const unsigned char *p;
        size_t n;
    } dicts[] = {{(const unsigned char *)"", 0},
                 {(const unsigned char *)json_dict, sizeof json_dict - 1},
                 {rand_dict, sizeof rand_dict}}; /* longer than the most: cut to 2048 */
    hfi_deflate_dict *dd = calloc(1, sizeof *dd);
    unsigned char *in = malloc(400000);
    long checked = 0;
    for (size_t d = 0; d < sizeof dicts / sizeof dicts[0]; d++) {
        hfi_deflate_dict_init(dd, (const char *)dicts[d].p, dicts[d].n);
        assert_true(dd->n <= HFI_DEFLATE_DICT_MAX);
        hfi_deflate_state *z = calloc(1, sizeof *z);
        for (int kind = 0; kind < 6; kind++)
            for (size_t n = 0; n <= 2000; n++) {
                if (n == 1000) /* the generation stamps wrap around mid-way */
                    z->gen = UINT32_MAX - 1;
                generate(in, n, kind, dd->p, dd->n);
                deflate_check(e, z, dd, in, n, kind);
                checked++;
            }
        static const size_t big[] = {4095, 4096, 32767, 32768, 32769, 32770, 65536, 100003,
                                     400000};
        for (size_t b = 0; b < sizeof big / sizeof big[0]; b++)
            for (int kind = 0; kind < 7; kind++) {
                generate(in, big[b], kind, dd->p, dd->n);
                deflate_check(e, z, dd, in, big[b], kind);
                checked++;
            }
        hfi_deflate_free(e, dd, z);
        free(z);
    }
    print_message("deflate: %ld inputs inflate back to themselves with zlib\n", checked);
    free(in);
    free(dd);
    hf_engine_free(e);
}

/* Through the API, with the real dictionary: notes made of its pieces, of every length up to
 * 2000, come back from a snapshot (inspect inflates with zlib) exactly. */
static void test_snapshot_notes_of_every_length(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    load_all(e);
    static const char *const bits[] = {"priority", "normal", ":false,", "cus_", "en-GB",
                                       "summary", "collected", "type", "text", "{", "[",
                                       "step", "x", "0", "1,1", ":true,", "card_id"};
    char *note = malloc(2100), *ctx = malloc(4400);
    for (size_t n = 0; n <= 2000; n++) {
        size_t k = 0;
        while (k < n) {
            const char *b = rnd() % 5 ? bits[rnd() % (sizeof bits / sizeof bits[0])] : "q";
            for (; *b && k < n; b++)
                note[k++] = *b;
        }
        note[k] = '\0';
        snprintf(ctx, 4400, "{\"note\":\"%s\",\"at\":5}", note);
        hf_session *s = t_start(e, "main", ctx);
        const unsigned char *b;
        size_t len;
        assert_int_equal(hf_session_snapshot(s, &b, &len), HF_OK);
        const char *json;
        assert_int_equal(hf_snapshot_inspect(e, b, len, &json, NULL), HF_OK); /* straight */
        cJSON *j = cJSON_Parse(json);
        assert_string_equal(t_str(j, "state.cx.note"), note);
        cJSON_Delete(j);
        hf_session_free(s);
    }
    free(note);
    free(ctx);
    hf_engine_free(e);
}

/* ---- running out of memory at every allocation ---------------------------------------------- */

enum { OP_SNAPSHOT, OP_RESTORE, OP_INSPECT, OP_EVENTS, OP_REPLAY, OP_MIGRATE, OP_N };
static const char *const op_names[] = {"snapshot", "restore", "inspect", "events", "replay",
                                       "migrate"};

/* What one run of op gives without failures, to compare with: a snapshot's bytes, inspect's
 * JSON, the events, the replay's outputs. */
typedef struct result {
    char *text;
    size_t len;
} result;

static void keep(result *r, const void *p, size_t n)
{
    r->text = malloc(n + 1);
    memcpy(r->text, p, n);
    r->text[n] = '\0';
    r->len = n;
}

/* The snapshot that every op starts from, and that session's log: main version 1 at its ask
 * after an invalid input (retries, history, an open path, an event log, a tag), or inside its
 * subflow (two frames). */
typedef struct fixture {
    unsigned char *snap;
    size_t snap_len;
    char *ctx, *events;
} fixture;

static void make_fixture(fixture *fx, int where)
{
    ctl o = {0};
    hf_engine *e1 = engine_ctl(&o, key, 1);
    load_all(e1);
    hf_session *s = main_at(e1, where);
    fx->snap = copy_snapshot(s, &fx->snap_len);
    const char *log;
    assert_int_equal(hf_session_events(s, &log, NULL), HF_OK);
    cJSON *j = cJSON_Parse(log);
    fx->ctx = cJSON_PrintUnformatted(t_get(j, "context"));
    fx->events = cJSON_PrintUnformatted(t_get(j, "events"));
    cJSON_Delete(j);
    hf_session_free(s);
    engine_done(e1, &o);
}

/* Runs op on an engine (its session restored from the fixture where op needs one); the
 * engine's allocations fail from the fail_at-th on. Returns the code; *r the result. */
static int run_op(int op, hf_engine *e, hf_session *s, const fixture *fx, result *r, ctl *o)
{
    const unsigned char *b;
    const char *j;
    size_t n = 0;
    int rc;
    hf_session *x = NULL;
    r->text = NULL;
    switch (op) {
    case OP_SNAPSHOT:
        rc = hf_session_snapshot(s, &b, &n);
        if (rc == HF_OK)
            keep(r, b, n);
        return rc;
    case OP_RESTORE:
        rc = hf_session_restore(&x, e, fx->snap, fx->snap_len);
        if (rc == HF_OK) {
            keep(r, hf_session_output(x, NULL), strlen(hf_session_output(x, NULL)));
            hf_session_free(x);
        } else {
            assert_null(x);
        }
        return rc;
    case OP_INSPECT:
        rc = hf_snapshot_inspect(e, fx->snap, fx->snap_len, &j, &n);
        if (rc == HF_OK)
            keep(r, j, n);
        return rc;
    case OP_EVENTS:
        rc = hf_session_events(s, &j, &n);
        if (rc == HF_OK)
            keep(r, j, n);
        return rc;
    case OP_REPLAY:
        rc = hf_replay(&x, e, "main", 1, fx->ctx, strlen(fx->ctx), fx->events,
                       strlen(fx->events), &j, &n);
        if (rc == HF_OK) {
            keep(r, j, n);
            hf_session_free(x);
        } else {
            assert_null(x);
        }
        return rc;
    default:
        rc = hf_session_migrate(s, 20);
        o->fail_at = 0; /* what follows only reads the result */
        if (rc == HF_OK) {
            assert_int_equal(hf_session_snapshot(s, &b, &n), HF_OK);
            keep(r, b, n);
        }
        return rc;
    }
}

static void oom_loop(int op, const fixture *fx)
{
    result want = {0};
    size_t n;
    bool done = false;
    for (n = 0; !done && n < 100000; n++) {
        ctl o = {0};
        hf_engine *e = engine_ctl(&o, key, 1);
        load_all(e);
        t_load(e, main_v20);
        hf_session *s = NULL;
        if (op == OP_SNAPSHOT || op == OP_EVENTS || op == OP_MIGRATE)
            assert_int_equal(hf_session_restore(&s, e, fx->snap, fx->snap_len), HF_OK);
        /* the whole state before, to see that a failure changes nothing: the fixture's bytes
         * (taking a snapshot here would make the buffers the call under test must make) */
        const unsigned char *before = fx->snap;
        size_t l0 = fx->snap_len;
        o.fail_at = n; /* n == 0: the run without failures, the reference */
        o.count = 0;
        result got;
        int rc = run_op(op, e, s, fx, &got, &o);
        o.fail_at = 0;
        if (n == 0) {
            if (rc != HF_OK)
                fail_msg("%s without failures: %s: %s", op_names[op], hf_strerror(rc),
                         hf_engine_errmsg(e));
            want = got;
        } else {
            done = o.count < n; /* no allocation failed */
            if (rc == HF_OK) {
                if (got.len != want.len || memcmp(got.text, want.text, want.len) != 0) {
                    size_t at = 0;
                    while (at < got.len && at < want.len && got.text[at] == want.text[at])
                        at++;
                    at = at > 40 ? at - 40 : 0;
                    fail_msg("%s, allocation %zu failed: HF_OK, but a different result, from "
                             "byte %zu:\n  want %.200s\n  got  %.200s", op_names[op], n, at,
                             want.text + at, got.text + at);
                }
                free(got.text);
            } else {
                if (rc != HF_ENOMEM)
                    fail_msg("%s, allocation %zu failed: want out of memory, got %s: %s",
                             op_names[op], n, hf_strerror(rc), hf_engine_errmsg(e));
                if (s) {
                    size_t l1;
                    const unsigned char *b1;
                    assert_int_equal(hf_session_snapshot(s, &b1, &l1), HF_OK);
                    if (l1 != l0 || memcmp(b1, before, l0) != 0)
                        fail_msg("%s, allocation %zu failed: the session changed",
                                 op_names[op], n);
                }
                /* and the engine goes on: the same call succeeds now */
                result again;
                assert_int_equal(run_op(op, e, s, fx, &again, &o), HF_OK);
                assert_int_equal(again.len, want.len);
                assert_memory_equal(again.text, want.text, want.len);
                free(again.text);
            }
        }
        hf_session_free(s);
        hf_engine_free(e);
        if (o.live != 0 || o.bad_size != 0)
            fail_msg("%s, allocation %zu failed: %lld bytes left, %d frees of the wrong size",
                     op_names[op], n, o.live, o.bad_size);
    }
    assert_true(done);
    print_message("%s: each of %zu allocations failed in turn\n", op_names[op], n - 2);
    free(want.text);
}

static void test_out_of_memory_everywhere(void **state)
{
    (void)state;
    static const int where[] = {4, 1};
    for (int w = 0; w < 2; w++) {
        fixture fx;
        make_fixture(&fx, where[w]);
        for (int op = 0; op < OP_N; op++)
            oom_loop(op, &fx);
        free(fx.snap);
        free(fx.ctx);
        free(fx.events);
    }
}


/* ---- states the reader must refuse ------------------------------------------------------ */

/* The control first: a state like the bad one that does fit, so the envelope is right. */
static void fits(hf_engine *e, const char *flow, const char *state)
{
    hf_session *s = NULL;
    int rc = restore_state(e, flow, state, &s);
    if (rc != HF_OK)
        fail_msg("the control state was refused (%s): %s\n  %s", hf_strerror(rc),
                 hf_engine_errmsg(e), state);
    hf_session_free(s);
}

static void refused(hf_engine *e, const char *flow, const char *state, const char *why)
{
    hf_session *s = (hf_session *)1;
    int rc = restore_state(e, flow, state, &s);
    if (rc == HF_OK)
        fail_msg("restored a state with %s: %s\n  output %s", why, state,
                 hf_session_output(s, NULL));
    assert_null(s);
    assert_int_equal(rc, HF_EINVAL);
    assert_non_null(strstr(hf_engine_errmsg(e), "not a valid snapshot"));
}

/* An open path entry that is an empty object: the answer run.c adds to it would make the
 * escalation's "path" `[{,"intent":"human"}]`, and the host's output not JSON. */
static void test_open_path_entry_must_be_an_entry(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    load_all(e);
    hf_session *s = NULL;
    static const char good[] = "{\"id\":\"x\",\"fr\":[[5,[5,1]]],\"ex\":1,"
                               "\"pa\":[{\"step\":\"menu\"}],\"po\":1,\"cx\":{}}";
    assert_int_equal(restore_state(e, "main", good, &s), HF_OK);
    cJSON_Delete(t_send(s, "{\"type\":\"intent\",\"name\":\"human\"}"));
    assert_true(is_json(hf_session_output(s, NULL)));
    hf_session_free(s);
    refused(e, "main", "{\"id\":\"x\",\"fr\":[[5,[5,1]]],\"ex\":1,\"pa\":[{}],\"po\":1,\"cx\":{}}",
            "an empty open path entry");
    refused(e, "main",
            "{\"id\":\"x\",\"fr\":[[5,[5,1]]],\"ex\":1,\"pa\":[{\"step\":\"menu\"},{ }],\"po\":1,"
            "\"cx\":{}}",
            "an empty open path entry");
    hf_engine_free(e);
}

/* run.c keeps the path in a block of exactly path_len + 1 bytes (and none when it is empty)
 * and tells the allocator so when it grows it: a restored path must be kept the same way. */
static void test_restored_path_keeps_its_exact_size(void **state)
{
    (void)state;
    static const char *const states[] = {
        "{\"id\":\"x\",\"fr\":[[5,[5,1]]],\"ex\":1,\"pa\":[{\"step\":\"menu\"}],\"po\":1,"
        "\"cx\":{}}",
        "{\"id\":\"x\",\"fr\":[[5,[5,1]]],\"ex\":1,\"pa\":[{\"step\":\"menu\"}],\"cx\":{}}",
        "{\"id\":\"x\",\"fr\":[[5,[5,1]]],\"ex\":1,\"pa\":[],\"cx\":{}}",
    };
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
        ctl o = {0};
        hf_engine *e = engine_ctl(&o, NULL, 0);
        load_all(e);
        hf_session *s = NULL;
        assert_int_equal(restore_state(e, "main", states[i], &s), HF_OK);
        cJSON_Delete(t_send(s, "{\"type\":\"choose\",\"option\":\"ask\"}")); /* the path grows */
        cJSON *o2 = t_send(s, "{\"type\":\"intent\",\"name\":\"human\"}");
        cJSON_Delete(o2);
        hf_session_free(s);
        if (o.bad_size)
            fail_msg("state %zu: %d frees or reallocs with the wrong size", i, o.bad_size);
        engine_done(e, &o);
    }
}

/* Every frame below the top stands at a call: of the flow of the frame above it. */
static void test_subflow_frame_must_be_the_calls_flow(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    load_all(e);
    fits(e, "main", "{\"id\":\"x\",\"fr\":[[3,[3,1,5,1]],[\"sub\",1,0,[0,1]]],\"ex\":2,\"cx\":{}}");
    refused(e, "main",
            "{\"id\":\"x\",\"fr\":[[3,[3,1,5,1]],[\"sub\\u0000x\",1,0,[0,1]]],\"ex\":2,\"cx\":{}}",
            "a subflow id with a NUL in it");
    refused(e, "main",
            "{\"id\":\"x\",\"fr\":[[3,[3,1,5,1]],[\"other\",1,1,[1,1]]],\"ex\":1,\"cx\":{}}",
            "a subflow frame of a flow its call does not call");
    hf_engine_free(e);
}

/* A deadline where the session waits for an event at a wait without a timeout: the next event
 * after it would fire a timeout the step does not have. (Elsewhere a deadline left over from
 * an earlier wait is harmless, and sessions do carry one: the next wait sets its own.) */
static void test_deadline_needs_a_timeout(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    load_all(e);
    fits(e, "main",
         "{\"id\":\"x\",\"fr\":[[4,[4,1,5,1]]],\"ex\":3,\"t0\":1000,\"dl\":61,\"cx\":{}}");
    fits(e, "main",
         "{\"id\":\"x\",\"fr\":[[0,[0,1,5,1]]],\"ex\":2,\"t0\":1000,\"dl\":61,\"cx\":{}}");
    refused(e, "main",
            "{\"id\":\"x\",\"fr\":[[6,[5,1,6,1]]],\"ex\":3,\"t0\":1000,\"dl\":61,\"cx\":{}}",
            "a deadline at a wait without a timeout");
    hf_engine_free(e);
}

/* The envelope's flow id is a flow id: not one with a NUL in it (which would find "main"). */
static void test_envelope_flow_id(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    load_all(e);
    static const char st[] = "{\"id\":\"x\",\"fr\":[[5,[5,1]]],\"ex\":1,\"cx\":{}}";
    fits(e, "main", st);
    static const char *const bad[] = {"main\0x", "ma in", "main\""};
    static const size_t len[] = {6, 5, 5};
    for (int i = 0; i < 3; i++) {
        char id[8];
        memcpy(id, bad[i], len[i]);
        size_t n;
        unsigned char *b = envelope("main", st, &n);
        /* the same envelope with another id of another length: rebuilt by hand */
        size_t k = 0;
        unsigned char *c = malloc(n + 8);
        memcpy(c, "HFSN\x01\x00", 6);
        k = 6;
        c[k++] = (unsigned char)len[i];
        memcpy(c + k, id, len[i]);
        k += len[i];
        memcpy(c + k, b + 7 + 4, n - 7 - 4 - 4); /* version, size, payload */
        k += n - 7 - 4 - 4;
        uLong crc = crc32(0L, c, (uInt)k);
        for (int j = 0; j < 4; j++)
            c[k++] = (unsigned char)(crc >> (8 * j));
        hf_session *s = (hf_session *)1;
        int rc = hf_session_restore(&s, e, c, k);
        if (rc == HF_OK)
            fail_msg("restored a snapshot whose flow id is \"%s\" (%zu bytes)", id, len[i]);
        assert_int_equal(rc, HF_EINVAL);
        assert_null(s);
        free(c);
        free(b);
    }
    hf_engine_free(e);
}

/* The envelope has one byte for the flow id's length: a longer id cannot be written, and a
 * snapshot that wrote it anyway would not read back. */
static void test_flow_id_longer_than_the_envelope_holds(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    char id[301], src[600];
    memset(id, 'f', 300);
    id[300] = '\0';
    snprintf(src, sizeof src, "return flow '%s' { version = 1, start = 'a',\n"
             "  steps = { a = say { text = 'A',\n"
             "              choices = { { id = 'x', label = 'X', go = 'b' } } },\n"
             "            b = resolved { text = 'B' } } }\n", id);
    t_load(e, src);
    hf_session *s = t_start(e, id, NULL);
    const unsigned char *b;
    size_t len;
    int rc = hf_session_snapshot(s, &b, &len);
    if (rc == HF_OK) {
        hf_session *r = NULL;
        rc = hf_session_restore(&r, e, b, len);
        if (rc != HF_OK)
            fail_msg("the snapshot of a flow with a 300-byte id does not restore: %s",
                     hf_engine_errmsg(e));
        assert_string_equal(hf_session_output(r, NULL), hf_session_output(s, NULL));
        hf_session_free(r);
    } else {
        assert_int_equal(rc, HF_EINVAL);
        assert_non_null(strstr(hf_engine_errmsg(e), "flow id"));
        assert_null(b);
    }
    hf_session_free(s);
    hf_engine_free(e);
}

/* Timeouts: one as large as Lua's integers would overflow the deadline (the time entered plus
 * it) and is refused at load; the largest allowed, entered at the latest time allowed, makes a
 * deadline that snapshots and restores. */
static void test_huge_timeout(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    static const char too_long[] =
        "return flow 'long' { version = 1, start = 'w',\n"
        "  steps = { w = wait { event = 'go', timeout = 9223372036854775807, go = 'end' },\n"
        "            ['end'] = resolved { text = 'end' } } }\n";
    assert_int_equal(hf_engine_load_string(e, too_long, strlen(too_long), "long.lua", NULL),
                     HF_ECHECK);
    assert_non_null(strstr(hf_engine_errmsg(e), "253402300799"));
    t_load(e, "return flow 'long' { version = 1, start = 'w',\n"
              "  steps = { w = wait { event = 'go', timeout = 253402300799, go = 'end' },\n"
              "            ['end'] = resolved { text = 'end' } } }\n");
    static const char *const ctxs[] = {"{\"at\":1700000000}", "{\"at\":253402300799}"};
    for (int i = 0; i < 2; i++) {
        hf_session *s = t_start(e, "long", ctxs[i]);
        size_t len;
        unsigned char *b = copy_snapshot(s, &len);
        hf_session *r = NULL;
        if (hf_session_restore(&r, e, b, len) != HF_OK)
            fail_msg("a session waiting with the longest timeout does not restore: %s",
                     hf_engine_errmsg(e));
        assert_string_equal(hf_session_output(r, NULL), hf_session_output(s, NULL));
        cJSON *o = t_send(r, "{\"type\":\"event\",\"name\":\"go\"}");
        assert_string_equal(t_str(o, "status"), "resolved");
        cJSON_Delete(o);
        hf_session_free(r);
        free(b);
        hf_session_free(s);
    }
    hf_engine_free(e);
}

/* More than 4 GiB of bytes: the CRC and inflate take 32-bit lengths, so the checks must not
 * look at only the first (len mod 4 GiB) bytes and take the rest on trust. */
static void test_bytes_past_4_gib(void **state)
{
    (void)state;
    if (sizeof(size_t) < 8)
        skip();
    hf_engine *e = t_engine();
    load_all(e);
    hf_session *s = main_at(e, 0);
    size_t len;
    unsigned char *b = copy_snapshot(s, &len);
    assert_int_equal(b[5] & 1, 1); /* deflated */
    size_t big = ((size_t)1 << 32) + len;
    unsigned char *m = mmap(NULL, big, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
        skip();
    /* the snapshot's bytes first, four GiB of zeros, then its CRC: the CRC of the first
     * (len - 4) bytes, which is what a 32-bit length sees of it all */
    memcpy(m, b, len - 4);
    memcpy(m + big - 4, b + len - 4, 4);
    hf_session *r = (hf_session *)1;
    int rc = hf_session_restore(&r, e, m, big);
    if (rc == HF_OK)
        fail_msg("restored a snapshot with four GiB of zeros inside");
    assert_null(r);
    assert_int_equal(rc, HF_EINVAL);
    munmap(m, big);
    free(b);
    hf_session_free(s);
    hf_engine_free(e);
}

/* ---- migrate ------------------------------------------------------------------------------ */


/* A wait's deadline goes with it only to a wait that has a timeout. */
static void test_migrate_wait_deadline(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    load_all(e);
    hf_session *s = main_at(e, 2); /* at hold, deadline 1070 */
    cJSON *o = t_output(s);
    assert_int_equal((int)t_num(o, "expects.deadline"), 1070);
    cJSON_Delete(o);
    t_load(e, main_v2);
    assert_int_equal(hf_session_migrate(s, 2), HF_OK);
    o = t_output(s);
    assert_int_equal((int)t_num(o, "version"), 2);
    assert_null(t_get(o, "expects.deadline"));
    cJSON_Delete(o);
    o = t_send(s, "{\"type\":\"tick\",\"at\":1200}");
    assert_string_equal(t_str(o, "status"), "waiting");
    assert_string_equal(t_str(o, "step"), "hold");
    cJSON_Delete(o);
    /* and the state it is in restores */
    size_t len;
    unsigned char *b = copy_snapshot(s, &len);
    hf_session *r = NULL;
    assert_int_equal(hf_session_restore(&r, e, b, len), HF_OK);
    assert_string_equal(hf_session_output(r, NULL), hf_session_output(s, NULL));
    hf_session_free(r);
    free(b);
    hf_session_free(s);
    hf_engine_free(e);
}

static void test_migrate_edges(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    load_all(e);
    hf_session *in_sub = main_at(e, 1), *acting = main_at(e, 3), *menu = main_at(e, 0),
               *fresh = main_at(e, 0);
    t_load(e, main_v2);
    t_load(e, MIGRATING(3, "error('no')"));
    t_load(e, MIGRATING(4, "return 5"));
    t_load(e, MIGRATING(5, "return ctx, 5"));
    t_load(e, MIGRATING(6, "return ctx, 'menu\\0junk'"));
    t_load(e, MIGRATING(7, "return { f = function() end }"));
    t_load(e, MIGRATING(8, "return { 1, 2 }"));
    t_load(e, MIGRATING(9, "return ctx, 'amount'"));     /* an ask: not where a choice waits */
    t_load(e, MIGRATING(10, "return ctx, string.rep('m', 200)"));
    t_load(e, MIGRATING(11, "while true do end"));
    t_load(e, MIGRATING(12, "return {}"));               /* an empty context is a context */

    /* failures change nothing: not the state, not what flow code sees of the context */
    size_t l0, l1;
    unsigned char *before = copy_snapshot(menu, &l0);
    for (int v = 3; v <= 11; v++) {
        int rc = hf_session_migrate(menu, v);
        if (rc == HF_OK)
            fail_msg("migrating to version %d succeeded: %s", v, hf_session_output(menu, NULL));
        assert_true(rc == HF_ERROR || rc == HF_ECHECK);
        unsigned char *after = copy_snapshot(menu, &l1);
        assert_int_equal(l1, l0);
        assert_memory_equal(after, before, l0);
        free(after);
    }
    free(before);
    cJSON *o = t_send(menu, "{\"type\":\"choose\",\"option\":\"plain\"}");
    cJSON_Delete(o);
    o = t_send(menu, "{\"type\":\"event\",\"name\":\"ping\"}");
    assert_string_equal(t_str(o, "ui.0.text"), "Done gold"); /* the context as it was */
    cJSON_Delete(o);

    assert_int_equal(hf_session_migrate(fresh, 1), HF_OK); /* where it is */
    assert_int_equal(hf_session_migrate(fresh, 0), HF_OK); /* 0 is the newest: 12 */
    o = t_output(fresh);
    assert_int_equal((int)t_num(o, "version"), 12);
    cJSON_Delete(o);
    hf_session_free(fresh);

    /* inside a subflow: the call of the same subflow; a pending action: the same action */
    assert_int_equal(hf_session_migrate(in_sub, 2), HF_OK);
    o = t_output(in_sub);
    assert_string_equal(t_str(o, "subflow"), "sub");
    assert_int_equal((int)t_num(o, "version"), 2);
    cJSON_Delete(o);
    o = t_send(in_sub, "{\"type\":\"input\",\"value\":\"x\"}");
    assert_string_equal(t_str(o, "status"), "resolved");
    cJSON_Delete(o);
    assert_int_equal(hf_session_migrate(acting, 2), HF_OK);
    o = t_send(acting, "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true}");
    assert_string_equal(t_str(o, "status"), "resolved");
    assert_string_equal(t_str(o, "ui.0.text"), "Done gold");
    cJSON_Delete(o);
    hf_session_free(in_sub);
    hf_session_free(acting);
    hf_session_free(menu);
    hf_engine_free(e);
}

/* ---- replay and event logs -------------------------------------------------------------- */

static void test_replay_edges(void **state)
{
    (void)state;
    hf_engine *e = engine_ctl(&(ctl){0}, NULL, 1);
    load_all(e);
    hf_session *r = (hf_session *)1;
    static const char ctx[] = "{\"at\":1}";
    struct {
        const char *events;
        int rc;
    } cases[] = {
        {"{}", HF_EINVAL},
        {"[1,2]", HF_EREJECTED},
        {"[\"tick\"]", HF_EREJECTED},
        {"[{\"type\":\"choose\",\"option\":\"x\"}]", HF_EREJECTED}, /* another flow's */
        {"[{\"type\":\"tick\"}", HF_EINVAL},
        {"", HF_EINVAL},
        {"[]", HF_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *outs = "x";
        int rc = hf_replay(&r, e, "main", 0, ctx, strlen(ctx), cases[i].events,
                           strlen(cases[i].events), &outs, NULL);
        if (rc != cases[i].rc)
            fail_msg("replay of %s: want %s, got %s: %s", cases[i].events,
                     hf_strerror(cases[i].rc), hf_strerror(rc), hf_engine_errmsg(e));
        if (rc == HF_OK) {
            assert_non_null(r);
            hf_session_free(r);
        } else {
            assert_null(r);
            assert_null(outs);
        }
    }
    /* a long log: twenty thousand ticks */
    size_t n = 20000, k = 0;
    char *big = malloc(n * 16 + 2);
    big[k++] = '[';
    for (size_t i = 0; i < n; i++)
        k += (size_t)sprintf(big + k, "%s{\"type\":\"tick\"}", i ? "," : "");
    big[k++] = ']';
    const char *outs;
    size_t olen;
    assert_int_equal(hf_replay(&r, e, "main", 1, ctx, strlen(ctx), big, k, &outs, &olen), HF_OK);
    cJSON *list = cJSON_Parse(outs);
    assert_int_equal(cJSON_GetArraySize(list), (int)n + 1);
    cJSON_Delete(list);
    hf_session_free(r);
    free(big);
    hf_engine_free(e);
}

/* The engine's own buffers handed straight back: a snapshot's bytes to restore and inspect,
 * the event log's context and events (spans inside it) to replay. */
static void test_engine_buffers_handed_back(void **state)
{
    (void)state;
    ctl o = {0};
    hf_engine *e = engine_ctl(&o, key, 1);
    load_all(e);
    hf_session *s = main_at(e, 4);
    const unsigned char *b;
    size_t len;
    assert_int_equal(hf_session_snapshot(s, &b, &len), HF_OK);
    hf_session *r = NULL;
    assert_int_equal(hf_session_restore(&r, e, b, len), HF_OK);
    assert_string_equal(hf_session_output(r, NULL), hf_session_output(s, NULL));
    assert_int_equal(hf_session_snapshot(s, &b, &len), HF_OK);
    const char *json;
    assert_int_equal(hf_snapshot_inspect(e, b, len, &json, NULL), HF_OK);
    assert_non_null(strstr(json, "\"flow\":\"main\""));

    /* the restored session's log goes on where the original's stopped */
    cJSON_Delete(t_send(r, "{\"type\":\"input\",\"value\":\"12.50\",\"at\":1030}"));
    cJSON_Delete(t_send(s, "{\"type\":\"input\",\"value\":\"12.50\",\"at\":1030}"));
    const char *log;
    size_t loglen;
    assert_int_equal(hf_session_events(r, &log, &loglen), HF_OK);
    char *copy = strdup(log);
    assert_int_equal(hf_session_events(s, &log, NULL), HF_OK);
    assert_string_equal(log, copy);
    free(copy);
    assert_int_equal(hf_session_events(r, &log, &loglen), HF_OK);
    const char *c = strstr(log, "\"context\":") + 10, *ev = strstr(log, ",\"events\":");
    const char *evs = ev + 10;
    hf_session *x = NULL;
    const char *outs;
    assert_int_equal(hf_replay(&x, e, "main", 1, c, (size_t)(ev - c), evs,
                               (size_t)(log + loglen - 1 - evs), &outs, NULL),
                     HF_OK);
    assert_string_equal(hf_session_output(x, NULL), hf_session_output(s, NULL));
    hf_session_free(x);
    hf_session_free(r);
    hf_session_free(s);
    engine_done(e, &o);
}

/* The event log inside inspect's JSON (the engine's scratch buffer), handed to replay as it is:
 * checking an input writes its value into that buffer (and makes it grow: room for every byte
 * escaped), so replay must not read the log from there. */
static void test_replay_of_the_log_inspect_shows(void **state)
{
    (void)state;
    ctl o = {0};
    hf_engine *e = engine_ctl(&o, NULL, 1);
    load_all(e);
    hf_session *s = main_at(e, 1); /* at the subflow's text ask */
    char more[1100];
    memset(more, 0, sizeof more);
    strcpy(more, "{\"type\":\"input\",\"value\":\"");
    memset(more + strlen(more), 'v', 1000);
    strcat(more, "\"}");
    assert_int_equal(hf_session_send(s, more, strlen(more), NULL, NULL), HF_OK);
    assert_int_equal(hf_session_status(s), HF_STATUS_RESOLVED);
    size_t len;
    unsigned char *b = copy_snapshot(s, &len);
    /* another engine, whose buffers have not grown for that input yet */
    ctl o2 = {0};
    hf_engine *e2 = engine_ctl(&o2, NULL, 0);
    load_all(e2);
    const char *json;
    size_t jlen;
    assert_int_equal(hf_snapshot_inspect(e2, b, len, &json, &jlen), HF_OK);
    /* the log's start context and events, where inspect wrote them */
    const char *lx = strstr(json, "\"lx\":") + 5, *lg = strstr(json, ",\"lg\":");
    const char *ev = lg + 6, *end = json + jlen - 3; /* "...]}}" */
    assert_int_equal(*ev, '[');
    assert_int_equal(*end, ']');
    hf_session *r = NULL;
    int rc = hf_replay(&r, e2, "main", 1, lx, (size_t)(lg - lx), ev, (size_t)(end + 1 - ev), NULL,
                       NULL);
    if (rc != HF_OK)
        fail_msg("replaying the log inspect shows: %s: %s", hf_strerror(rc), hf_engine_errmsg(e2));
    assert_string_equal(hf_session_output(r, NULL), hf_session_output(s, NULL));
    hf_session_free(r);
    free(b);
    hf_session_free(s);
    engine_done(e2, &o2);
    engine_done(e, &o);
}

/* A snapshot from one engine restored into another, both used in turn: nothing is shared. */
static void test_two_engines(void **state)
{
    (void)state;
    ctl oa = {0}, ob = {0};
    hf_engine *a = engine_ctl(&oa, key, 1), *b = engine_ctl(&ob, key, 1);
    load_all(a);
    load_all(b);
    hf_session *sa = main_at(a, 1);
    for (int round = 0; round < 3; round++) {
        size_t len;
        unsigned char *bytes = copy_snapshot(sa, &len);
        hf_session *sb = NULL;
        assert_int_equal(hf_session_restore(&sb, b, bytes, len), HF_OK);
        assert_string_equal(hf_session_output(sb, NULL), hf_session_output(sa, NULL));
        free(bytes);
        hf_session_free(sa);
        bytes = copy_snapshot(sb, &len);
        assert_int_equal(hf_session_restore(&sa, a, bytes, len), HF_OK);
        free(bytes);
        hf_session_free(sb);
    }
    cJSON *o = t_send(sa, "{\"type\":\"input\",\"value\":\"x\"}");
    assert_string_equal(t_str(o, "status"), "resolved");
    cJSON_Delete(o);
    hf_session_free(sa);
    engine_done(a, &oa);
    engine_done(b, &ob);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deflate_matches_zlib),
        cmocka_unit_test(test_snapshot_notes_of_every_length),
        cmocka_unit_test(test_out_of_memory_everywhere),
        cmocka_unit_test(test_open_path_entry_must_be_an_entry),
        cmocka_unit_test(test_restored_path_keeps_its_exact_size),
        cmocka_unit_test(test_subflow_frame_must_be_the_calls_flow),
        cmocka_unit_test(test_deadline_needs_a_timeout),
        cmocka_unit_test(test_envelope_flow_id),
        cmocka_unit_test(test_flow_id_longer_than_the_envelope_holds),
        cmocka_unit_test(test_huge_timeout),
        cmocka_unit_test(test_bytes_past_4_gib),
        cmocka_unit_test(test_migrate_wait_deadline),
        cmocka_unit_test(test_migrate_edges),
        cmocka_unit_test(test_replay_edges),
        cmocka_unit_test(test_engine_buffers_handed_back),
        cmocka_unit_test(test_replay_of_the_log_inspect_shows),
        cmocka_unit_test(test_two_engines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
