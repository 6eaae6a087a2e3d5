/*
 * test_bundle.c — signed flow bundles (hf_bundle_pack, hf_bundle_inspect,
 * hf_engine_load_bundle): the reference flows round trip; every single-bit flip and every
 * truncation of a sample bundle is refused and leaves the engine as it was; so is every bit
 * flip of its manifest re-signed with the right key; wrong and missing keys, foreign bytes,
 * a flow or routing config that fails its checks, inflation bombs, reloading the same bundle,
 * another source under a loaded version, and running out of memory at every allocation.
 *
 * Bad bundles that pack refuses to make are made here by hand, from the layout in
 * docs/bundles.md, and signed with the test's own key through libsodium.
 */
#include <dirent.h>
#include <stdint.h>

#include <sodium.h>
#include <zlib.h>

#include "harness.h"

#define HDR 56
#define SIG 64

/* A flow that calls another (z_callee, loaded first although it sorts last), two locales. */
static const char *MAIN_SRC =
    "return flow 'main' {\n"
    "  version = 1, title = 'Main menu', start = 'hello',\n"
    "  strings = { ['en-GB'] = { hi = 'Hello' }, ['cy-GB'] = { hi = 'Helo' } },\n"
    "  steps = {\n"
    "    hello = say { text = t'hi', choices = { { id = 'sub', label = 'Sub', go = 'sub' },\n"
    "                                            { id = 'done', label = 'Done', go = 'done' } } },\n"
    "    sub = call { flow = 'callee', go = 'done' },\n"
    "    done = resolved { text = 'Bye' },\n"
    "  },\n"
    "}\n";

static const char *CALLEE_SRC =
    "return flow 'callee' { version = 2, start = 'q', steps = {\n"
    "  q = say { text = 'In the callee', choices = { { id = 'ok', label = 'OK', go = 'end' } } },\n"
    "  ['end'] = resolved { text = 'Callee done' } } }\n";

static const char *BASE_SRC =
    "return flow 'base' { version = 1, title = 'Base', start = 'a', steps = {\n"
    "  a = say { text = 'base flow', choices = { { id = 'ok', label = 'OK', go = 'b' } } },\n"
    "  b = resolved { text = 'ok' } } }\n";

static const char *BAD_SRC = /* go to a step that does not exist */
    "return flow 'bad' { version = 1, start = 'a', steps = {\n"
    "  a = say { text = 'x', go = 'nowhere' }, b = resolved { } } }\n";

static const char *ROUTING_SRC =
    "return routing { service_level = { answer_within = 20, target = 0.8 },\n"
    "  queues = { q = { skills = { 'cards' } } }, rules = { { queue = 'q' } } }";

static unsigned char pk[HF_BUNDLE_PUBLICKEYBYTES], sk[HF_BUNDLE_SECRETKEYBYTES];
static unsigned char pk2[HF_BUNDLE_PUBLICKEYBYTES], sk2[HF_BUNDLE_SECRETKEYBYTES];

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    if (hf_bundle_keypair(pk, sk) != HF_OK || hf_bundle_keypair(pk2, sk2) != HF_OK)
        return -1;
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------- */

typedef struct bytes {
    unsigned char *p;
    size_t n;
} bytes;

static hf_engine *keyed_engine(const unsigned char *key)
{
    hf_engine_options o;
    assert_int_equal(hf_engine_options_init(&o, HF_ENGINE_OPTIONS_VERSION), HF_OK);
    o.bundle_public_key = key;
    hf_engine *e = NULL;
    int rc = hf_engine_new(&e, &o);
    if (rc != HF_OK)
        fail_msg("hf_engine_new: %s", hf_strerror(rc));
    return e;
}

/* Entries JSON for hf_bundle_pack: name, kind, source triples, NULL-terminated. */
static char *entries(const char *const *triples)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; triples[i]; i += 3) {
        cJSON *it = cJSON_CreateObject();
        cJSON_AddStringToObject(it, "name", triples[i]);
        cJSON_AddStringToObject(it, "kind", triples[i + 1]);
        cJSON_AddStringToObject(it, "source", triples[i + 2]);
        cJSON_AddItemToArray(list, it);
    }
    char *text = cJSON_PrintUnformatted(list);
    cJSON_Delete(list);
    return text;
}

/* Packs with the given secret key; fails the test unless it works. The caller frees .p. */
static bytes pack_with(const char *const *triples, const unsigned char *key)
{
    hf_engine *e = t_engine();
    char *json = entries(triples);
    const unsigned char *out = NULL;
    size_t n = 0;
    int rc = hf_bundle_pack(e, json, strlen(json), key, &out, &n);
    if (rc != HF_OK)
        fail_msg("pack failed (%s): %s", hf_strerror(rc), hf_engine_errmsg(e));
    bytes b = { malloc(n), n };
    memcpy(b.p, out, n);
    free(json);
    hf_engine_free(e);
    return b;
}

/* The two-flow sample bundle, signed with the test key. */
static bytes sample(void)
{
    const char *t[] = { "main.lua", "flow", MAIN_SRC, "z_callee.lua", "flow", CALLEE_SRC, NULL };
    return pack_with(t, sk);
}

/* Packing that must fail with want; returns the message (static copy). */
static const char *pack_fails(const char *json, const unsigned char *key, int want)
{
    static char msg[2048];
    hf_engine *e = t_engine();
    const unsigned char *out = (const unsigned char *)"x";
    size_t n = 1;
    int rc = hf_bundle_pack(e, json, json ? strlen(json) : 0, key, &out, &n);
    snprintf(msg, sizeof msg, "%s", hf_engine_errmsg(e));
    if (rc != want)
        fail_msg("pack: want %s, got %s: %s", hf_strerror(want), hf_strerror(rc), msg);
    assert_null(out);
    assert_int_equal(n, 0);
    hf_engine_free(e);
    return msg;
}

/* The engine's flow list, as owned text. */
static char *flows_of(hf_engine *e)
{
    const char *j = NULL;
    assert_int_equal(hf_engine_flows(e, &j, NULL), HF_OK);
    return strdup(j);
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* The inflated body of a bundle (which must be sound). */
static bytes body_of(bytes b)
{
    bytes body = { malloc(get32(b.p + 16)), get32(b.p + 16) };
    uLongf n = body.n;
    assert_int_equal(uncompress(body.p, &n, b.p + HDR, get32(b.p + 20)), Z_OK);
    assert_int_equal(n, body.n);
    return body;
}

/* A bundle of the given body, declared as body_size bytes, signed with key. */
static bytes seal_as(const unsigned char *body, size_t n, uint32_t body_size,
                     const unsigned char *key)
{
    uLongf zn = compressBound(n);
    bytes b = { malloc(HDR + zn + SIG), 0 };
    assert_int_equal(compress2(b.p + HDR, &zn, body, n, 9), Z_OK);
    memcpy(b.p, HF_BUNDLE_MAGIC, HF_BUNDLE_MAGICBYTES);
    put32(b.p + 8, 1);
    put32(b.p + 12, 0);
    put32(b.p + 16, body_size);
    put32(b.p + 20, (uint32_t)zn);
    crypto_sign_ed25519_sk_to_pk(b.p + 24, key);
    crypto_sign_detached(b.p + HDR + zn, NULL, b.p, HDR + zn, key);
    b.n = HDR + zn + SIG;
    return b;
}

static bytes seal(const unsigned char *body, size_t n, const unsigned char *key)
{
    return seal_as(body, n, (uint32_t)n, key);
}

/* A body from hand-written entries: name, kind, source, and the manifest's extra members
 * for the entry (",\"id\":...") or NULL to describe the flow honestly is not possible here,
 * so the caller writes them. NULL-terminated quadruples. */
static bytes body_from(const char *const *q)
{
    char manifest[8192] = "{\"entries\":[";
    size_t data_len = 0;
    for (size_t i = 0; q[i]; i += 4) {
        unsigned char h[32];
        char hex[65];
        crypto_generichash(h, 32, (const unsigned char *)q[i + 2], strlen(q[i + 2]), NULL, 0);
        sodium_bin2hex(hex, sizeof hex, h, 32);
        size_t at = strlen(manifest);
        snprintf(manifest + at, sizeof manifest - at,
                 "%s{\"name\":\"%s\",\"kind\":\"%s\"%s,\"size\":%zu,\"blake2b\":\"%s\"}",
                 i ? "," : "", q[i], q[i + 1], q[i + 3], strlen(q[i + 2]), hex);
        data_len += strlen(q[i + 2]);
    }
    strcat(manifest, "]}");
    size_t mlen = strlen(manifest);
    bytes b = { malloc(4 + mlen + data_len), 4 + mlen + data_len };
    put32(b.p, (uint32_t)mlen);
    memcpy(b.p + 4, manifest, mlen);
    size_t at = 4 + mlen;
    for (size_t i = 0; q[i]; i += 4) {
        memcpy(b.p + at, q[i + 2], strlen(q[i + 2]));
        at += strlen(q[i + 2]);
    }
    return b;
}

/* Loading that must fail with want and change nothing; returns the message (static). */
static const char *load_fails(hf_engine *e, bytes b, int want)
{
    static char msg[2048];
    char *before = flows_of(e);
    const char *json = "x";
    size_t jlen = 1;
    int rc = hf_engine_load_bundle(e, b.p, b.n, &json, &jlen);
    snprintf(msg, sizeof msg, "%s", hf_engine_errmsg(e));
    if (rc != want)
        fail_msg("load: want %s, got %s: %s", hf_strerror(want), hf_strerror(rc), msg);
    assert_null(json);
    assert_int_equal(jlen, 0);
    if (strncmp(msg, "bundle refused: ", 16) != 0)
        fail_msg("message does not say the bundle was refused: %s", msg);
    char *after = flows_of(e);
    assert_string_equal(before, after);
    free(before);
    free(after);
    return msg;
}

/* Loads; fails the test unless it works. Returns the parsed description (caller deletes). */
static cJSON *load_ok(hf_engine *e, bytes b)
{
    const char *json = NULL;
    int rc = hf_engine_load_bundle(e, b.p, b.n, &json, NULL);
    if (rc != HF_OK)
        fail_msg("load failed (%s): %s", hf_strerror(rc), hf_engine_errmsg(e));
    cJSON *d = cJSON_Parse(json);
    assert_non_null(d);
    return d;
}

static void assert_contains(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("\"%s\" does not hold \"%s\"", text, want);
}

/* A session of the flow starts and shows its first step. */
static void runs(hf_engine *e, const char *flow)
{
    hf_session *s = t_start(e, flow, NULL);
    int st = hf_session_status(s);
    if (st != HF_STATUS_WAITING && st != HF_STATUS_ACTION)
        fail_msg("flow %s does not run: %s", flow, hf_session_output(s, NULL));
    hf_session_free(s);
}

/* ---- the reference flows ------------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void reference_flows_round_trip(void **state)
{
    (void)state;
    const char *src = getenv("HF_SOURCE_DIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/flows", src ? src : ".");
    DIR *d = opendir(dir);
    assert_non_null(d);
    cJSON *list = cJSON_CreateArray();
    int nflows = 0, routing = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        const char *name = ent->d_name;
        if (name[0] == '.' || !ends_with(name, ".lua") || ends_with(name, ".test.lua") ||
            strcmp(name, "actions.lua") == 0)
            continue;
        char rel[512];
        snprintf(rel, sizeof rel, "flows/%s", name);
        char *text = t_read_source(rel, NULL);
        cJSON *it = cJSON_CreateObject();
        cJSON_AddStringToObject(it, "name", name);
        int is_routing = strcmp(name, "routing.lua") == 0;
        cJSON_AddStringToObject(it, "kind", is_routing ? "routing" : "flow");
        cJSON_AddStringToObject(it, "source", text);
        cJSON_AddItemToArray(list, it);
        free(text);
        if (is_routing)
            routing++;
        else
            nflows++;
    }
    closedir(d);
    assert_true(nflows >= 6);
    assert_int_equal(routing, 1);
    char *json = cJSON_PrintUnformatted(list);
    cJSON_Delete(list);

    hf_engine *p = t_engine();
    const unsigned char *out = NULL;
    size_t n = 0;
    int rc = hf_bundle_pack(p, json, strlen(json), sk, &out, &n);
    if (rc != HF_OK)
        fail_msg("pack of flows/ failed (%s): %s", hf_strerror(rc), hf_engine_errmsg(p));
    bytes b = { malloc(n), n };
    memcpy(b.p, out, n);
    const char *none = NULL;
    assert_int_equal(hf_engine_flows(p, &none, NULL), HF_OK);
    assert_string_equal(none, "[]"); /* packing leaves the packing engine's flows alone */

    hf_engine *e = keyed_engine(pk);
    const char *esc = "{\"reason\":\"not_resolved\",\"skills\":[\"cards\"],\"priority\":"
                      "\"normal\",\"flags\":[]}";
    const char *live = "{\"cards\":{\"agents\":9,\"arrivals_per_hour\":20,\"aht_s\":180},"
                       "\"payments\":{\"agents\":9,\"arrivals_per_hour\":20,\"aht_s\":180},"
                       "\"fraud\":{\"agents\":9,\"arrivals_per_hour\":20,\"aht_s\":180},"
                       "\"general\":{\"agents\":9,\"arrivals_per_hour\":20,\"aht_s\":180}}";
    const char *dec = NULL;
    assert_int_equal(hf_route(e, esc, strlen(esc), live, strlen(live), &dec, NULL),
                     HF_ENOTFOUND);
    assert_contains(hf_engine_errmsg(e), "no routing config");
    cJSON *desc = load_ok(e, b);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(desc, "verified")));
    cJSON *en;
    int seen = 0;
    cJSON_ArrayForEach(en, cJSON_GetObjectItem(desc, "entries")) {
        if (strcmp(t_str(en, "kind"), "flow") != 0)
            continue;
        seen++;
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(en, "loaded")));
        runs(e, t_str(en, "id"));
    }
    assert_int_equal(seen, nflows);
    char *fl = flows_of(e);
    cJSON *flows = cJSON_Parse(fl);
    assert_int_equal(cJSON_GetArraySize(flows), nflows);
    cJSON_Delete(flows);
    free(fl);
    /* the routing config came with it */
    if (hf_route(e, esc, strlen(esc), live, strlen(live), &dec, NULL) != HF_OK)
        fail_msg("no route after loading flows/routing.lua: %s", hf_engine_errmsg(e));
    cJSON_Delete(desc);
    hf_engine_free(e);
    hf_engine_free(p);
    free(json);
    free(b.p);
}

/* ---- packing ------------------------------------------------------------------------- */

static void pack_orders_callees_first_and_is_deterministic(void **state)
{
    (void)state;
    bytes a = sample();
    const char *t[] = { "z_callee.lua", "flow", CALLEE_SRC, "main.lua", "flow", MAIN_SRC, NULL };
    bytes b = pack_with(t, sk);
    assert_int_equal(a.n, b.n);
    assert_memory_equal(a.p, b.p, a.n);

    hf_engine *e = t_engine();
    const char *json = NULL;
    assert_int_equal(hf_bundle_inspect(e, a.p, a.n, NULL, &json, NULL), HF_OK);
    cJSON *d = cJSON_Parse(json);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(d, "verified")));
    t_assert_str(d, "entries.0.name", "z_callee.lua");
    t_assert_str(d, "entries.0.id", "callee");
    assert_int_equal((int)t_num(d, "entries.0.version"), 2);
    assert_null(t_get(d, "entries.0.title"));
    assert_int_equal(cJSON_GetArraySize(t_get(d, "entries.0.locales")), 0);
    t_assert_str(d, "entries.1.name", "main.lua");
    t_assert_str(d, "entries.1.title", "Main menu");
    t_assert_str(d, "entries.1.locales.0", "cy-GB");
    t_assert_str(d, "entries.1.locales.1", "en-GB");
    assert_int_equal((int)t_num(d, "entries.1.size"), (int)strlen(MAIN_SRC));
    assert_int_equal((int)t_num(d, "size"), (int)a.n);
    cJSON_Delete(d);

    char signer[65];
    sodium_bin2hex(signer, sizeof signer, pk, sizeof pk);
    assert_int_equal(hf_bundle_inspect(e, a.p, a.n, pk, &json, NULL), HF_OK);
    d = cJSON_Parse(json);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(d, "verified")));
    t_assert_str(d, "signer", signer);
    cJSON_Delete(d);
    hf_engine_free(e);
    free(a.p);
    free(b.p);
}

static void pack_refuses_flows_that_fail_their_checks(void **state)
{
    (void)state;
    const char *bad[] = { "main.lua", "flow", MAIN_SRC, "z_callee.lua", "flow", CALLEE_SRC,
                          "bad.lua", "flow", BAD_SRC, NULL };
    char *json = entries(bad);
    const char *msg = pack_fails(json, sk, HF_ECHECK);
    assert_contains(msg, "bad.lua");
    assert_contains(msg, "nowhere");
    free(json);

    /* a call to a flow that is not in the bundle */
    const char *lonely[] = { "main.lua", "flow", MAIN_SRC, NULL };
    json = entries(lonely);
    msg = pack_fails(json, sk, HF_ECHECK);
    assert_contains(msg, "main.lua");
    assert_contains(msg, "callee");
    free(json);

    const char *syntax[] = { "s.lua", "flow", "return flow 'x' {", NULL };
    json = entries(syntax);
    assert_contains(pack_fails(json, sk, HF_ESYNTAX), "s.lua");
    free(json);

    const char *twice[] = { "a.lua", "flow", BASE_SRC, "b.lua", "flow", BASE_SRC, NULL };
    json = entries(twice);
    assert_contains(pack_fails(json, sk, HF_EEXISTS), "b.lua: flow 'base' version 1");
    free(json);

    /* a title that is not UTF-8 (the source is; a Lua escape makes the byte) could not be
     * written in the manifest as it is, and the bundle would never load */
    const char *latin1[] = { "l.lua", "flow",
                             "return flow 'l' { title = 'caf\\xe9', start = 'a',\n"
                             "  steps = { a = resolved { text = 'x' } } }", NULL };
    json = entries(latin1);
    assert_contains(pack_fails(json, sk, HF_ECHECK), "l.lua: flow 'l': its title");
    free(json);

    const char *routing[] = { "base.lua", "flow", BASE_SRC, "routing.lua", "routing",
                              "return routing { queues = {} }", NULL };
    json = entries(routing);
    assert_contains(pack_fails(json, sk, HF_ECHECK), "routing.lua");
    free(json);
}

static void pack_refuses_bad_entries(void **state)
{
    (void)state;
    pack_fails("not json", sk, HF_EINVAL);
    pack_fails("[]", sk, HF_EINVAL);
    pack_fails("{}", sk, HF_EINVAL);
    pack_fails("[{\"name\":\"a.lua\",\"kind\":\"flow\"}]", sk, HF_EINVAL);
    pack_fails("[{\"name\":\"a.lua\",\"kind\":\"flow\",\"source\":\"x\",\"extra\":1}]", sk,
               HF_EINVAL);
    pack_fails("[{\"name\":\"a.lua\",\"kind\":\"strings\",\"source\":\"x\"}]", sk, HF_EINVAL);
    const char *names[] = { "", ".hidden", "a/b.lua", "a b.lua", "caf\xc3\xa9.lua", NULL };
    for (int i = 0; names[i]; i++) {
        const char *t[] = { names[i], "flow", BASE_SRC, NULL };
        char *json = entries(t);
        assert_contains(pack_fails(json, sk, HF_EINVAL), "name");
        free(json);
    }
    const char *dup[] = { "a.lua", "flow", BASE_SRC, "a.lua", "flow", MAIN_SRC, NULL };
    char *json = entries(dup);
    assert_contains(pack_fails(json, sk, HF_EINVAL), "a.lua");
    free(json);
    const char *two[] = { "r1.lua", "routing", ROUTING_SRC, "r2.lua", "routing", ROUTING_SRC,
                          NULL };
    json = entries(two);
    pack_fails(json, sk, HF_EINVAL);
    free(json);
    const char *ok[] = { "base.lua", "flow", BASE_SRC, NULL };
    json = entries(ok);
    pack_fails(json, NULL, HF_EINVAL);
    /* a secret key whose public half is not its own */
    unsigned char broken[HF_BUNDLE_SECRETKEYBYTES];
    memcpy(broken, sk, 32);
    memcpy(broken + 32, pk2, 32);
    assert_contains(pack_fails(json, broken, HF_EINVAL), "secret key");
    free(json);
    const unsigned char *out;
    assert_int_equal(hf_bundle_pack(NULL, "[]", 2, sk, &out, NULL), HF_EMISUSE);
}

/* ---- loading ------------------------------------------------------------------------- */

static void sample_loads_and_runs(void **state)
{
    (void)state;
    bytes b = sample();
    hf_engine *e = keyed_engine(pk);
    cJSON *d = load_ok(e, b);
    t_assert_str(d, "entries.0.id", "callee");
    assert_true(cJSON_IsTrue(t_get(d, "entries.0.loaded")));
    cJSON_Delete(d);
    hf_session *s = t_start(e, "main", "{\"locale\":\"cy-GB\"}");
    cJSON *out = t_output(s);
    t_assert_str(out, "ui.0.text", "Helo");
    cJSON_Delete(out);
    out = t_send(s, "{\"type\":\"choose\",\"option\":\"sub\"}");
    t_assert_str(out, "ui.0.text", "In the callee");
    cJSON_Delete(out);
    hf_session_free(s);
    hf_engine_free(e);

    /* packed and loaded by one engine, straight from the buffer pack returned */
    e = keyed_engine(pk);
    const char *t[] = { "main.lua", "flow", MAIN_SRC, "z_callee.lua", "flow", CALLEE_SRC, NULL };
    char *json = entries(t);
    const unsigned char *packed = NULL;
    size_t n = 0;
    assert_int_equal(hf_bundle_pack(e, json, strlen(json), sk, &packed, &n), HF_OK);
    assert_int_equal(hf_engine_load_bundle(e, packed, n, NULL, NULL), HF_OK);
    runs(e, "main");
    free(json);
    hf_engine_free(e);
    free(b.p);
}

static void every_bit_flip_and_truncation_is_refused(void **state)
{
    (void)state;
    bytes b = sample();
    hf_engine *e = keyed_engine(pk);
    t_load(e, BASE_SRC);
    hf_session *s = t_start(e, "base", NULL);
    bytes m = { malloc(b.n), b.n };
    for (size_t bit = 0; bit < 8 * b.n; bit++) {
        memcpy(m.p, b.p, b.n);
        m.p[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        const char *msg = load_fails(e, m, HF_EINVAL);
        if (bit / 8 < HF_BUNDLE_MAGICBYTES)
            assert_contains(msg, "not a helpflow bundle");
    }
    for (size_t n = 0; n < b.n; n++) {
        bytes t = { b.p, n };
        load_fails(e, t, HF_EINVAL);
    }
    /* longer is no better than shorter */
    bytes longer = { malloc(b.n + 1), b.n + 1 };
    memcpy(longer.p, b.p, b.n);
    longer.p[b.n] = 0;
    assert_contains(load_fails(e, longer, HF_EINVAL), "bytes were added");
    /* the flows loaded before are still in service, sessions included */
    cJSON *out = t_send(s, "{\"type\":\"choose\",\"option\":\"ok\"}");
    t_assert_str(out, "status", "resolved");
    cJSON_Delete(out);
    hf_session_free(s);
    runs(e, "base");
    /* and the bundle itself was good all along */
    cJSON_Delete(load_ok(e, b));
    runs(e, "main");
    hf_engine_free(e);
    free(m.p);
    free(longer.p);
    free(b.p);
}

/* Where name strings sit in the manifest: flips inside them make other, valid names. */
static int in_a_name(const unsigned char *body, size_t off)
{
    const char *names[] = { "\"main.lua\"", "\"z_callee.lua\"" };
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(names[i]);
        for (size_t at = 4; at + n <= 4 + get32(body); at++)
            if (memcmp(body + at, names[i], n) == 0 && off > at && off < at + n - 1)
                return 1;
    }
    return 0;
}

static void every_bit_flip_of_a_resigned_manifest_is_refused(void **state)
{
    (void)state;
    bytes b = sample();
    bytes body = body_of(b);
    size_t end = 4 + get32(body.p); /* the size field and the manifest */
    hf_engine *e = keyed_engine(pk);
    t_load(e, BASE_SRC);
    char *before = flows_of(e);
    unsigned char *m = malloc(body.n);
    int accepted = 0;
    for (size_t bit = 0; bit < 8 * end; bit++) {
        memcpy(m, body.p, body.n);
        m[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        bytes x = seal(m, body.n, sk);
        const char *json = NULL;
        int rc = hf_engine_load_bundle(e, x.p, x.n, &json, NULL);
        if (rc == HF_OK) {
            /* only another valid entry name is still the same bundle */
            if (!in_a_name(body.p, bit / 8))
                fail_msg("flipping bit %zu of the manifest was accepted: %s", bit, json);
            accepted++;
            hf_engine_free(e);
            e = keyed_engine(pk);
            t_load(e, BASE_SRC);
        } else {
            char *after = flows_of(e);
            assert_string_equal(before, after);
            free(after);
        }
        free(x.p);
    }
    assert_true(accepted > 0); /* the test can tell an accepted bundle when it sees one */
    print_message("%zu bits flipped and re-signed, %d of them inside names (accepted)\n",
                  8 * end, accepted);
    runs(e, "base");
    free(before);
    free(m);
    hf_engine_free(e);
    free(body.p);
    free(b.p);
}

static void wrong_key_missing_key_and_foreign_bytes_are_refused(void **state)
{
    (void)state;
    bytes b = sample();
    hf_engine *e = keyed_engine(pk2);
    assert_contains(load_fails(e, b, HF_EINVAL), "another key");
    hf_engine_free(e);

    e = t_engine(); /* no bundle_public_key */
    assert_contains(load_fails(e, b, HF_EMISUSE), "bundle_public_key");
    hf_engine_free(e);

    e = keyed_engine(pk);
    const char *foreign[] = { "", "hello", "\x89PNG\r\n\x1a\n0000000000000000",
                              "{\"entries\":[]}", NULL };
    for (int i = 0; foreign[i]; i++) {
        bytes f = { (unsigned char *)foreign[i], strlen(foreign[i]) };
        assert_contains(load_fails(e, f, HF_EINVAL), "not a helpflow bundle");
    }
    /* unsigned: the signature left blank */
    bytes u = { malloc(b.n), b.n };
    memcpy(u.p, b.p, b.n);
    memset(u.p + b.n - SIG, 0, SIG);
    assert_contains(load_fails(e, u, HF_EINVAL), "signature does not verify");
    /* signed by another key that claims to be ours */
    bytes body = body_of(b);
    bytes x = seal(body.p, body.n, sk2);
    memcpy(x.p + 24, pk, sizeof pk);
    assert_contains(load_fails(e, x, HF_EINVAL), "signature does not verify");
    free(x.p);
    /* a format version from the future, and unknown flags, even when signed */
    memcpy(u.p, b.p, b.n);
    put32(u.p + 8, 2);
    crypto_sign_detached(u.p + b.n - SIG, NULL, u.p, b.n - SIG, sk);
    assert_contains(load_fails(e, u, HF_EINVAL), "format version 2");
    memcpy(u.p, b.p, b.n);
    put32(u.p + 12, 1);
    crypto_sign_detached(u.p + b.n - SIG, NULL, u.p, b.n - SIG, sk);
    assert_contains(load_fails(e, u, HF_EINVAL), "flags");
    bytes none = { NULL, 0 };
    load_fails(e, none, HF_EINVAL);
    assert_int_equal(hf_engine_load_bundle(NULL, b.p, b.n, NULL, NULL), HF_EMISUSE);
    hf_engine_free(e);
    free(u.p);
    free(body.p);
    free(b.p);
}

static void inflation_is_bounded(void **state)
{
    (void)state;
    hf_engine *e = keyed_engine(pk);
    bytes b = sample();
    bytes body = body_of(b);
    /* declared larger than the limit: refused before inflating */
    bytes x = seal_as(body.p, body.n, HF_BUNDLE_MAX_BODY + 1, sk);
    assert_contains(load_fails(e, x, HF_EINVAL), "a body holds");
    free(x.p);
    /* a bomb: 32 MiB of zeros declared as a few bytes */
    size_t big = 32u << 20;
    unsigned char *zeros = calloc(1, big);
    x = seal_as(zeros, big, 64, sk);
    assert_true(x.n < 100000);
    assert_contains(load_fails(e, x, HF_EINVAL), "inflates past");
    free(x.p);
    free(zeros);
    /* declared larger than it inflates to */
    x = seal_as(body.p, body.n, (uint32_t)body.n + 1, sk);
    assert_contains(load_fails(e, x, HF_EINVAL), "fewer than");
    free(x.p);
    /* bytes after the zlib stream, inside the signed part */
    x = seal(body.p, body.n, sk);
    unsigned char *y = malloc(x.n + 3);
    memcpy(y, x.p, x.n - SIG);
    memcpy(y + x.n - SIG, "abc", 3);
    put32(y + 20, get32(y + 20) + 3);
    crypto_sign_detached(y + x.n - SIG + 3, NULL, y, x.n - SIG + 3, sk);
    bytes z = { y, x.n + 3 };
    assert_contains(load_fails(e, z, HF_EINVAL), "follow the end");
    free(y);
    free(x.p);
    /* a zlib stream cut short (its checksum gone), and one that is not zlib, both signed */
    x = seal(body.p, body.n, sk);
    size_t zn = get32(x.p + 20) - 4;
    put32(x.p + 20, (uint32_t)zn);
    crypto_sign_detached(x.p + HDR + zn, NULL, x.p, HDR + zn, sk);
    z = (bytes){ x.p, HDR + zn + SIG };
    assert_contains(load_fails(e, z, HF_EINVAL), "ends early");
    memset(x.p + HDR, 'z', zn);
    crypto_sign_detached(x.p + HDR + zn, NULL, x.p, HDR + zn, sk);
    assert_contains(load_fails(e, z, HF_EINVAL), "damaged");
    free(x.p);
    /* bytes after the last entry */
    unsigned char *more = malloc(body.n + 1);
    memcpy(more, body.p, body.n);
    more[body.n] = 'x';
    x = seal(more, body.n + 1, sk);
    assert_contains(load_fails(e, x, HF_EINVAL), "follow the last entry");
    free(x.p);
    free(more);
    hf_engine_free(e);
    free(body.p);
    free(b.p);
}

static void bad_manifests_are_refused(void **state)
{
    (void)state;
    hf_engine *e = keyed_engine(pk);
    static const char *const flow_meta = ",\"id\":\"base\",\"version\":1,\"title\":\"Base\","
                                         "\"locales\":[]";
    struct {
        const char *name, *kind, *meta, *want;
    } cases[] = {
        { "base.lua", "flow", ",\"id\":\"base\",\"version\":2,\"title\":\"Base\",\"locales\":[]",
          "the manifest says flow 'base' version 2" },
        { "base.lua", "flow", ",\"id\":\"other\",\"version\":1,\"title\":\"Base\",\"locales\":[]",
          "the source is flow 'base'" },
        { "base.lua", "flow", ",\"id\":\"base\",\"version\":1,\"title\":\"Bass\",\"locales\":[]",
          "title" },
        { "base.lua", "flow", ",\"id\":\"base\",\"version\":1,\"locales\":[]", "title" },
        { "base.lua", "flow", ",\"id\":\"base\",\"version\":1,\"title\":\"Base\","
          "\"locales\":[\"en-GB\"]", "locales" },
        { "base.lua", "flow", ",\"id\":\"base\",\"version\":1,\"title\":\"Base\"", "locales" },
        { "base.lua", "flow", ",\"id\":\"base\",\"version\":1.0,\"title\":\"Base\","
          "\"locales\":[]", "version" },
        { "base.lua", "flow", ",\"version\":1,\"title\":\"Base\",\"locales\":[]", "id" },
        { "base.lua", "flow", ",\"id\":\"base\",\"version\":1,\"title\":\"Base\","
          "\"locales\":[],\"extra\":true", "unknown member" },
        { "base.lua", "flow", ",\"id\":\"base\",\"id\":\"base\",\"version\":1,\"title\":\"Base\","
          "\"locales\":[]", "repeated member" },
        { "base.lua", "strings", flow_meta, "kind" },
        { "../base.lua", "flow", flow_meta, "name" },
        { "base.lua", "routing", flow_meta, "only flows" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *q[] = { cases[i].name, cases[i].kind, BASE_SRC, cases[i].meta, NULL };
        bytes body = body_from(q);
        bytes x = seal(body.p, body.n, sk);
        assert_contains(load_fails(e, x, HF_EINVAL), cases[i].want);
        free(x.p);
        free(body.p);
    }
    /* the honest manifest loads, so the cases above failed for their one fault */
    const char *q[] = { "base.lua", "flow", BASE_SRC, flow_meta, NULL };
    bytes body = body_from(q);
    bytes x = seal(body.p, body.n, sk);
    cJSON_Delete(load_ok(e, x));
    free(x.p);

    /* a hash that does not match the content, size fields that do not add up */
    unsigned char *m = malloc(body.n);
    memcpy(m, body.p, body.n);
    m[body.n - 3] ^= 1; /* in the source: the manifest's hash no longer holds */
    x = seal(m, body.n, sk);
    hf_engine *f = keyed_engine(pk);
    assert_contains(load_fails(f, x, HF_EINVAL), "BLAKE2b");
    free(x.p);
    x = seal(m, body.n, sk);
    assert_int_equal(hf_bundle_inspect(f, x.p, x.n, NULL, NULL, NULL), HF_EINVAL);
    assert_contains(hf_engine_errmsg(f), "BLAKE2b"); /* hashes are checked without a key too */
    free(x.p);
    memcpy(m, body.p, body.n);
    put32(m, get32(m) + 1000);
    x = seal(m, body.n, sk);
    assert_contains(load_fails(f, x, HF_EINVAL), "runs past the body");
    free(x.p);
    const char *texts[] = { "not json", "[]", "{\"entries\":[]}", "{\"entries\":{}}",
                            "{\"entries\":[1]}", "{\"entries\":[],\"more\":1}", NULL };
    for (int i = 0; texts[i]; i++) {
        size_t n = strlen(texts[i]);
        unsigned char *t = malloc(4 + n);
        put32(t, (uint32_t)n);
        memcpy(t + 4, texts[i], n);
        x = seal(t, 4 + n, sk);
        load_fails(f, x, HF_EINVAL);
        free(x.p);
        free(t);
    }
    free(m);
    free(body.p);
    hf_engine_free(f);
    hf_engine_free(e);
}

static void a_bundle_with_a_failing_flow_is_refused_whole(void **state)
{
    (void)state;
    hf_engine *e = keyed_engine(pk);
    assert_int_equal(hf_engine_load_routing(e, ROUTING_SRC, strlen(ROUTING_SRC), "old.lua"),
                     HF_OK);
    const char *esc = "{\"reason\":\"not_resolved\",\"skills\":[\"cards\"],\"priority\":"
                      "\"normal\",\"flags\":[]}";
    const char *live = "{\"q\":{\"agents\":5,\"arrivals_per_hour\":20,\"aht_s\":180}}";
    const char *dec = NULL;
    assert_int_equal(hf_route(e, esc, strlen(esc), live, strlen(live), &dec, NULL), HF_OK);

    const char *base = ",\"id\":\"base\",\"version\":1,\"title\":\"Base\",\"locales\":[]";
    const char *q[] = { "base.lua", "flow", BASE_SRC, base,
                        "bad.lua", "flow", BAD_SRC, ",\"id\":\"bad\",\"version\":1,\"locales\":[]",
                        NULL };
    bytes body = body_from(q);
    bytes x = seal(body.p, body.n, sk);
    const char *msg = load_fails(e, x, HF_ECHECK);
    assert_contains(msg, "bad.lua");
    assert_contains(msg, "nowhere");
    free(x.p);
    free(body.p);
    assert_int_equal(hf_session_start(&(hf_session *){NULL}, e, "base", NULL, 0), HF_ENOTFOUND);

    /* a routing config that does not load: the flows before it are taken out again, and the
     * engine's own routing config stays */
    const char *r[] = { "base.lua", "flow", BASE_SRC, base,
                        "routing.lua", "routing", "return routing { queues = {} }", "", NULL };
    body = body_from(r);
    x = seal(body.p, body.n, sk);
    assert_contains(load_fails(e, x, HF_ECHECK), "routing.lua");
    free(x.p);
    free(body.p);
    assert_int_equal(hf_session_start(&(hf_session *){NULL}, e, "base", NULL, 0), HF_ENOTFOUND);
    assert_int_equal(hf_route(e, esc, strlen(esc), live, strlen(live), &dec, NULL), HF_OK);

    /* a good routing config replaces the engine's with the bundle's */
    const char *other = "return routing { service_level = { answer_within = 20, target = 0.8 },\n"
                        "  queues = { z = { skills = { 'cards' } } }, rules = { { queue = 'z' } } }";
    const char *g[] = { "base.lua", "flow", BASE_SRC, base, "routing.lua", "routing", other, "",
                        NULL };
    body = body_from(g);
    x = seal(body.p, body.n, sk);
    cJSON_Delete(load_ok(e, x));
    free(x.p);
    free(body.p);
    /* the bundle's config has queue z, not the old config's q */
    assert_int_equal(hf_route(e, esc, strlen(esc), live, strlen(live), &dec, NULL), HF_EINVAL);
    assert_contains(hf_engine_errmsg(e), "'q' is not a queue");
    runs(e, "base");
    hf_engine_free(e);
}

static void calls_resolve_against_the_engines_flows(void **state)
{
    (void)state;
    const char *meta = ",\"id\":\"main\",\"version\":1,\"title\":\"Main menu\","
                       "\"locales\":[\"cy-GB\",\"en-GB\"]";
    const char *q[] = { "main.lua", "flow", MAIN_SRC, meta, NULL };
    bytes body = body_from(q);
    bytes x = seal(body.p, body.n, sk);
    hf_engine *e = keyed_engine(pk);
    assert_contains(load_fails(e, x, HF_ECHECK), "callee");
    t_load(e, CALLEE_SRC);
    cJSON_Delete(load_ok(e, x));
    runs(e, "main");
    hf_engine_free(e);
    free(x.p);
    free(body.p);
}

static void reloading_the_same_bundle_changes_nothing(void **state)
{
    (void)state;
    bytes b = sample();
    hf_engine *e = keyed_engine(pk);
    cJSON_Delete(load_ok(e, b));
    char *before = flows_of(e);
    hf_session *s = t_start(e, "main", NULL);
    size_t mem = hf_engine_memory(e);
    for (int i = 0; i < 3; i++) {
        cJSON *d = load_ok(e, b);
        assert_false(cJSON_IsTrue(t_get(d, "entries.0.loaded")));
        assert_false(cJSON_IsTrue(t_get(d, "entries.1.loaded")));
        cJSON_Delete(d);
    }
    assert_true(hf_engine_memory(e) < mem + 65536); /* nothing piles up */
    char *after = flows_of(e);
    assert_string_equal(before, after);
    cJSON *out = t_send(s, "{\"type\":\"choose\",\"option\":\"sub\"}");
    t_assert_str(out, "ui.0.text", "In the callee");
    cJSON_Delete(out);
    hf_session_free(s);
    free(before);
    free(after);
    hf_engine_free(e);

    /* the same source loaded from a string counts as the same version */
    e = keyed_engine(pk);
    t_load(e, CALLEE_SRC);
    cJSON *d = load_ok(e, b);
    assert_false(cJSON_IsTrue(t_get(d, "entries.0.loaded")));
    assert_true(cJSON_IsTrue(t_get(d, "entries.1.loaded")));
    cJSON_Delete(d);
    hf_engine_free(e);
    free(b.p);
}

static void a_version_cannot_change_its_source(void **state)
{
    (void)state;
    bytes b = sample();
    hf_engine *e = keyed_engine(pk);
    cJSON_Delete(load_ok(e, b));
    char *changed = strdup(CALLEE_SRC);
    memcpy(strstr(changed, "In the callee"), "In the CALLEE", 13);
    const char *t[] = { "base.lua", "flow", BASE_SRC, "z_callee.lua", "flow", changed, NULL };
    bytes c = pack_with(t, sk);
    const char *msg = load_fails(e, c, HF_EEXISTS);
    assert_contains(msg, "z_callee.lua");
    assert_contains(msg, "cannot change");
    assert_int_equal(hf_session_start(&(hf_session *){NULL}, e, "base", NULL, 0), HF_ENOTFOUND);
    hf_session *s = t_start(e, "callee", NULL);
    cJSON *out = t_output(s);
    t_assert_str(out, "ui.0.text", "In the callee");
    cJSON_Delete(out);
    hf_session_free(s);

    /* a new version of it is another matter: both stay, new sessions take the newest */
    char *v3 = strdup(changed);
    memcpy(strstr(v3, "version = 2"), "version = 3", 11);
    const char *t3[] = { "z_callee.lua", "flow", v3, NULL };
    bytes d = pack_with(t3, sk);
    cJSON_Delete(load_ok(e, d));
    s = t_start(e, "callee", NULL);
    out = t_output(s);
    t_assert_str(out, "ui.0.text", "In the CALLEE");
    cJSON_Delete(out);
    hf_session_free(s);
    hf_engine_free(e);
    free(changed);
    free(v3);
    free(b.p);
    free(c.p);
    free(d.p);
}

/* ---- running out of memory ----------------------------------------------------------- */

struct oom {
    size_t count, fail_at;
    long long live;
};

static void *oom_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct oom *o = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        o->live -= (long long)old;
        return NULL;
    }
    if (nsize > old && o->fail_at && ++o->count == o->fail_at)
        return NULL;
    void *p = realloc(ptr, nsize);
    if (p)
        o->live += (long long)nsize - (long long)old;
    return p;
}

static void out_of_memory_at_every_allocation_changes_nothing(void **state)
{
    (void)state;
    bytes b = sample();
    int ok = 0;
    size_t n;
    for (n = 1; !ok && n < 100000; n++) {
        struct oom o = { 0, 0, 0 };
        hf_engine_options opt;
        hf_engine_options_init(&opt, HF_ENGINE_OPTIONS_VERSION);
        opt.alloc = oom_alloc;
        opt.alloc_ud = &o;
        opt.bundle_public_key = pk;
        hf_engine *e = NULL;
        assert_int_equal(hf_engine_new(&e, &opt), HF_OK);
        t_load(e, BASE_SRC);
        char *before = flows_of(e);
        o.fail_at = n; /* the n-th growing allocation from here on fails */
        int rc = hf_engine_load_bundle(e, b.p, b.n, NULL, NULL);
        o.fail_at = 0;
        if (o.count < n) { /* the load needs fewer allocations: every one has failed once */
            assert_int_equal(rc, HF_OK);
            ok = 1;
        }
        if (rc == HF_OK) { /* the failure was absorbed (Lua collects and tries again) */
            runs(e, "main");
        } else {
            if (rc != HF_ENOMEM)
                fail_msg("failing allocation %zu: want out of memory, got %s: %s", n,
                         hf_strerror(rc), hf_engine_errmsg(e));
            char *after = flows_of(e);
            assert_string_equal(before, after);
            free(after);
            runs(e, "base");
            cJSON_Delete(load_ok(e, b)); /* and it loads once memory is back */
        }
        free(before);
        hf_engine_free(e);
        assert_int_equal(o.live, 0);
    }
    assert_true(ok);
    print_message("loading: each of %zu allocations failed in turn\n", n - 2);

    /* packing, likewise: an error, never a crash or a leak */
    const char *t[] = { "main.lua", "flow", MAIN_SRC, "z_callee.lua", "flow", CALLEE_SRC, NULL };
    char *json = entries(t);
    ok = 0;
    for (n = 1; !ok && n < 100000; n++) {
        struct oom o = { 0, 0, 0 };
        hf_engine_options opt;
        hf_engine_options_init(&opt, HF_ENGINE_OPTIONS_VERSION);
        opt.alloc = oom_alloc;
        opt.alloc_ud = &o;
        hf_engine *e = NULL;
        assert_int_equal(hf_engine_new(&e, &opt), HF_OK);
        o.fail_at = n;
        const unsigned char *out = NULL;
        size_t len = 0;
        int rc = hf_bundle_pack(e, json, strlen(json), sk, &out, &len);
        o.fail_at = 0;
        ok = o.count < n;
        if (rc == HF_OK) {
            assert_int_equal(len, b.n);
            assert_memory_equal(out, b.p, b.n);
        } else if (rc != HF_ENOMEM) {
            fail_msg("failing allocation %zu: want out of memory, got %s: %s", n,
                     hf_strerror(rc), hf_engine_errmsg(e));
        }
        hf_engine_free(e);
        assert_int_equal(o.live, 0);
    }
    assert_true(ok);
    print_message("packing: each of %zu allocations failed in turn\n", n - 2);
    free(json);
    free(b.p);
}

static void keypair_and_misuse(void **state)
{
    (void)state;
    unsigned char a[32], s[64], c[32], s2[64];
    assert_int_equal(hf_bundle_keypair(a, s), HF_OK);
    assert_int_equal(hf_bundle_keypair(c, s2), HF_OK);
    assert_memory_not_equal(a, c, 32);
    assert_memory_equal(a, s + 32, 32);
    assert_int_equal(hf_bundle_keypair(NULL, s), HF_EMISUSE);
    assert_int_equal(hf_bundle_keypair(a, NULL), HF_EMISUSE);
    assert_int_equal(hf_bundle_inspect(NULL, "x", 1, NULL, NULL, NULL), HF_EMISUSE);
    hf_engine *e = t_engine();
    assert_int_equal(hf_bundle_inspect(e, NULL, 0, NULL, NULL, NULL), HF_EINVAL);
    hf_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reference_flows_round_trip),
        cmocka_unit_test(pack_orders_callees_first_and_is_deterministic),
        cmocka_unit_test(pack_refuses_flows_that_fail_their_checks),
        cmocka_unit_test(pack_refuses_bad_entries),
        cmocka_unit_test(sample_loads_and_runs),
        cmocka_unit_test(every_bit_flip_and_truncation_is_refused),
        cmocka_unit_test(every_bit_flip_of_a_resigned_manifest_is_refused),
        cmocka_unit_test(wrong_key_missing_key_and_foreign_bytes_are_refused),
        cmocka_unit_test(inflation_is_bounded),
        cmocka_unit_test(bad_manifests_are_refused),
        cmocka_unit_test(a_bundle_with_a_failing_flow_is_refused_whole),
        cmocka_unit_test(calls_resolve_against_the_engines_flows),
        cmocka_unit_test(reloading_the_same_bundle_changes_nothing),
        cmocka_unit_test(a_version_cannot_change_its_source),
        cmocka_unit_test(out_of_memory_at_every_allocation_changes_nothing),
        cmocka_unit_test(keypair_and_misuse),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
