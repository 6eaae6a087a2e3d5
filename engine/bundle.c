/*
 * bundle.c — signed flow bundles (DESIGN.md section 7; the byte layout is in docs/bundles.md):
 * packing them, reading them, and loading them into an engine all or nothing.
 *
 * Flows that arrive over the air are code, so a bundle is read trusting nothing before it
 * must: its size and, when there is a key, its signature first (nothing unsigned is inflated),
 * then a bounded inflate, then the manifest and every entry's hash, and only then are flows
 * compiled. Loading stages the flows in the engine, in the bundle's order, so that a `call`
 * sees the flows stored before it; if anything fails they are taken out again and their
 * functions forgotten, and the engine is as it was. The routing config goes last: it replaces
 * the engine's only once everything else has held.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zlib.h>

#include "internal.h"

#define FORMAT 1
#define HDR_SIZE 56             /* magic, format, flags, body size, zlib size, signer */
#define SIG_SIZE 64             /* crypto_sign_BYTES */
#define HASH_SIZE 32            /* BLAKE2b-256 */
#define MAX_NAME 128
#define MAX_ENTRIES 4096

enum { K_FLOW, K_ROUTING };
static const char *const kind_names[] = {"flow", "routing"};

/* One entry, as the manifest describes it; strings point into the manifest's parse. */
typedef struct bentry {
    const char *name;
    int kind;
    const char *id;           /* flows: */
    int64_t version;
    const char *title;        /* NULL when the flow has none */
    size_t title_len;
    int locales;              /* the manifest's array node */
    const unsigned char *data;
    size_t size;
    unsigned char hash[HASH_SIZE];
    hfi_flow *staged;         /* loading: the flow this bundle added */
    bool loaded;              /* loading: added (false: the engine had it already) */
} bentry;

typedef struct bundle {
    hf_engine *e;
    size_t size, body_size;
    unsigned char signer[HF_BUNDLE_PUBLICKEYBYTES];
    bool verified;
    unsigned char *body;
    hfi_jdoc doc;             /* the manifest */
    bentry *ent;
    uint32_t n;
} bundle;

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* The first 8 bytes of a key as hex: enough to tell keys apart in a message. */
static void key_id(char out[17], const unsigned char *key)
{
    sodium_bin2hex(out, 17, key, 8);
}

/* zlib allocates through the engine's hook, like everything else. */
static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    if (size && items > SIZE_MAX / size)
        return Z_NULL;
    return hfi_salloc(opaque, (size_t)items * size);
}

static void z_free(voidpf opaque, voidpf p) { hfi_sfree(opaque, p); }

/* Letters, digits and _ . - only, not starting with a dot: a file name on any system. */
static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n > MAX_NAME || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

/* Prefixes the engine's message (hf_engine_load_bundle's failures all start the same way). */
static int refuse(hf_engine *e, int rc)
{
    hfi_buf t;
    hfi_buf_init(&t, e);
    hfi_buf_addl(&t, "bundle refused: ");
    hfi_buf_add(&t, e->err.p ? e->err.p : "", e->err.len);
    if (!t.oom) {
        hfi_buf_reset(&e->err);
        hfi_buf_add(&e->err, t.p, t.len);
    }
    hfi_buf_free(&t);
    return rc;
}

static void bundle_free(bundle *b)
{
    hfi_free(b->e, b->body, b->body_size ? b->body_size : 1);
    hfi_jdoc_free(&b->doc);
    hfi_sfree(b->e, b->ent);
}

/* ---- reading ------------------------------------------------------------------------- */

static int inflate_body(bundle *b, const unsigned char *z, size_t zlen)
{
    hf_engine *e = b->e;
    b->body = hfi_alloc(e, b->body_size);
    if (!b->body)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    z_stream s;
    memset(&s, 0, sizeof s);
    s.zalloc = z_alloc;
    s.zfree = z_free;
    s.opaque = e;
    if (inflateInit(&s) != Z_OK)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    s.next_in = (Bytef *)(uintptr_t)z;
    s.avail_in = (uInt)zlen;
    s.next_out = b->body;
    s.avail_out = (uInt)b->body_size;
    int zr = inflate(&s, Z_FINISH);
    size_t in_left = s.avail_in, out_left = s.avail_out;
    const char *zmsg = s.msg; /* zlib's messages are static */
    inflateEnd(&s);
    if (zr == Z_STREAM_END && in_left == 0 && out_left == 0)
        return HF_OK;
    if (zr == Z_MEM_ERROR)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    if (zr == Z_STREAM_END && in_left)
        hfi_seterrf(e, "%zu bytes follow the end of the compressed body", in_left);
    else if (zr == Z_STREAM_END)
        hfi_seterrf(e, "the body inflates to %zu bytes, fewer than the %zu its header says",
                    b->body_size - out_left, b->body_size);
    else if (zr == Z_DATA_ERROR || zr == Z_NEED_DICT)
        hfi_seterrf(e, "the compressed body is damaged (zlib: %s)",
                    zmsg ? zmsg : "needs a dictionary");
    else if (out_left == 0 && in_left > 0)
        hfi_seterrf(e, "the body inflates past the %zu bytes its header says", b->body_size);
    else
        hfi_seterrf(e, "the compressed body ends early");
    return HF_EINVAL;
}

/* A JSON number written as a plain whole number (no sign, fraction or exponent). */
static bool whole(const hfi_jdoc *d, int i, uint64_t max, uint64_t *out)
{
    if (hfi_jtype(d, i) != HFI_J_NUMBER || d->nodes[i].n == 0 || d->nodes[i].n > 15)
        return false;
    uint64_t v = 0;
    for (uint32_t k = 0; k < d->nodes[i].n; k++) {
        char c = d->nodes[i].s[k];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (uint64_t)(c - '0');
    }
    *out = v;
    return v <= max;
}

static bool hex_hash(const char *s, size_t n, unsigned char out[HASH_SIZE])
{
    if (n != 2 * HASH_SIZE)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return sodium_hex2bin(out, HASH_SIZE, s, n, NULL, NULL, NULL) == 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const bentry *const *)a)->name, (*(const bentry *const *)b)->name);
}

/* The manifest's members of an entry; each may appear once. */
enum { M_NAME, M_KIND, M_ID, M_VERSION, M_TITLE, M_LOCALES, M_SIZE, M_HASH, M_N };
static const char *const member_names[M_N] = {"name",  "kind",    "id",   "version",
                                              "title", "locales", "size", "blake2b"};

static int read_entry(bundle *b, int node, uint32_t idx, size_t *offset)
{
    hf_engine *e = b->e;
    hfi_jdoc *d = &b->doc;
    bentry *en = &b->ent[idx];
    int m[M_N];
    for (int k = 0; k < M_N; k++)
        m[k] = -1;
    if (hfi_jtype(d, node) != HFI_J_OBJECT) {
        hfi_seterrf(e, "manifest entry %u is not an object", idx + 1);
        return HF_EINVAL;
    }
    for (int c = d->nodes[node].child; c >= 0; c = d->nodes[c].next) {
        const hfi_jnode *mn = &d->nodes[c];
        int k = 0;
        while (k < M_N && (mn->kesc || strlen(member_names[k]) != mn->klen ||
                           memcmp(member_names[k], mn->key, mn->klen) != 0))
            k++;
        if (k == M_N || m[k] >= 0) {
            hfi_seterrf(e, "manifest entry %u: %s member '%.*s'", idx + 1,
                        k == M_N ? "unknown" : "repeated", (int)(mn->klen > 40 ? 40 : mn->klen),
                        mn->key);
            return HF_EINVAL;
        }
        m[k] = c;
    }
    size_t n = 0;
    en->name = hfi_jstr(d, m[M_NAME], &n);
    if (!en->name || !name_ok(en->name, n)) {
        hfi_seterrf(e, "manifest entry %u: its name must be 1 to %d letters, digits and _ . -, "
                    "not starting with a dot", idx + 1, MAX_NAME);
        return HF_EINVAL;
    }
    const char *kind = hfi_jstr(d, m[M_KIND], &n);
    en->kind = -1;
    for (int k = 0; kind && k < 2; k++)
        if (strlen(kind_names[k]) == n && memcmp(kind, kind_names[k], n) == 0)
            en->kind = k;
    if (en->kind < 0) {
        hfi_seterrf(e, "entry '%s': kind must be \"flow\" or \"routing\"", en->name);
        return HF_EINVAL;
    }
    if (en->kind == K_FLOW) {
        uint64_t v = 0;
        en->id = hfi_jstr(d, m[M_ID], &n);
        if (!en->id || n != strlen(en->id) || !hfi_ident_ok(en->id)) {
            hfi_seterrf(e, "entry '%s': a flow needs an id of letters, digits and _ . - :",
                        en->name);
            return HF_EINVAL;
        }
        if (!whole(d, m[M_VERSION], INT64_MAX, &v) || v == 0) {
            hfi_seterrf(e, "entry '%s': a flow needs a version, a whole number above 0",
                        en->name);
            return HF_EINVAL;
        }
        en->version = (int64_t)v;
        if (m[M_TITLE] >= 0 && !(en->title = hfi_jstr(d, m[M_TITLE], &en->title_len))) {
            hfi_seterrf(e, "entry '%s': title must be a string", en->name);
            return HF_EINVAL;
        }
        en->locales = m[M_LOCALES];
        bool ok = hfi_jtype(d, en->locales) == HFI_J_ARRAY;
        const char *prev = NULL;
        for (int c = ok ? d->nodes[en->locales].child : -1; c >= 0; c = d->nodes[c].next) {
            const char *loc = hfi_jstr(d, c, &n);
            /* in strictly ascending order, as pack writes them: one spelling per set */
            ok = ok && loc && n == strlen(loc) && (!prev || strcmp(prev, loc) < 0);
            prev = loc;
        }
        if (!ok) {
            hfi_seterrf(e, "entry '%s': locales must be an array of locale names, sorted",
                        en->name);
            return HF_EINVAL;
        }
    } else if (m[M_ID] >= 0 || m[M_VERSION] >= 0 || m[M_TITLE] >= 0 || m[M_LOCALES] >= 0) {
        hfi_seterrf(e, "entry '%s': only flows have an id, version, title or locales", en->name);
        return HF_EINVAL;
    }
    uint64_t size = 0;
    if (!whole(d, m[M_SIZE], b->body_size - *offset, &size)) {
        hfi_seterrf(e, "entry '%s': size must be a whole number of bytes within the body",
                    en->name);
        return HF_EINVAL;
    }
    const char *hex = hfi_jstr(d, m[M_HASH], &n);
    if (!hex || !hex_hash(hex, n, en->hash)) {
        hfi_seterrf(e, "entry '%s': blake2b must be 64 lowercase hex digits", en->name);
        return HF_EINVAL;
    }
    en->data = b->body + *offset;
    en->size = (size_t)size;
    *offset += en->size;
    unsigned char h[HASH_SIZE];
    crypto_generichash(h, sizeof h, en->data, en->size, NULL, 0);
    if (memcmp(h, en->hash, sizeof h) != 0) {
        hfi_seterrf(e, "entry '%s': its content does not match its BLAKE2b hash", en->name);
        return HF_EINVAL;
    }
    return HF_OK;
}

/* The body: the manifest's size (4 bytes), the manifest, then each entry's bytes in order. */
static int read_manifest(bundle *b)
{
    hf_engine *e = b->e;
    hfi_jdoc *d = &b->doc;
    size_t mlen = get32(b->body);
    if (mlen > b->body_size - 4) {
        hfi_seterrf(e, "the manifest's size (%zu bytes) runs past the body", mlen);
        return HF_EINVAL;
    }
    int rc = hfi_jparse(d, (const char *)b->body + 4, mlen);
    if (rc == HF_ENOMEM)
        return hfi_fail(e, rc, "out of memory");
    if (rc != HF_OK) {
        hfi_seterrf(e, "the manifest is not JSON: %s", d->err);
        return HF_EINVAL;
    }
    int list = hfi_jget(d, 0, "entries");
    if (hfi_jtype(d, 0) != HFI_J_OBJECT || d->nodes[0].count != 1 ||
        hfi_jtype(d, list) != HFI_J_ARRAY)
        return hfi_fail(e, HF_EINVAL, "the manifest must be {\"entries\": [...]}");
    uint32_t n = d->nodes[list].count;
    if (n == 0 || n > MAX_ENTRIES) {
        hfi_seterrf(e, "the manifest lists %u entries: a bundle holds 1 to %d", n,
                    MAX_ENTRIES);
        return HF_EINVAL;
    }
    b->ent = hfi_salloc(e, sizeof *b->ent * n);
    bentry **sorted = hfi_salloc(e, sizeof *sorted * n);
    if (!b->ent || !sorted) {
        hfi_sfree(e, sorted);
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    }
    b->n = n;
    size_t offset = 4 + mlen;
    uint32_t i = 0, routings = 0;
    rc = HF_OK;
    for (int c = d->nodes[list].child; c >= 0 && rc == HF_OK; c = d->nodes[c].next, i++) {
        rc = read_entry(b, c, i, &offset);
        sorted[i] = &b->ent[i];
        routings += rc == HF_OK && b->ent[i].kind == K_ROUTING;
    }
    if (rc == HF_OK && offset != b->body_size) {
        hfi_seterrf(e, "%zu bytes of the body follow the last entry", b->body_size - offset);
        rc = HF_EINVAL;
    }
    if (rc == HF_OK && routings > 1)
        rc = hfi_fail(e, HF_EINVAL, "the bundle holds more than one routing config");
    if (rc == HF_OK) {
        qsort(sorted, b->n, sizeof *sorted, by_name);
        for (i = 1; i < b->n; i++)
            if (strcmp(sorted[i - 1]->name, sorted[i]->name) == 0) {
                hfi_seterrf(e, "two entries are named '%s'", sorted[i]->name);
                rc = HF_EINVAL;
                break;
            }
    }
    hfi_sfree(e, sorted);
    return rc;
}

/* Everything short of compiling: structure, signature (with a key), inflate, manifest,
 * hashes. On failure the message is in e->err and b must still be freed. */
static int open_bundle(bundle *b, const unsigned char *p, size_t len, const unsigned char *key)
{
    hf_engine *e = b->e;
    b->size = len;
    b->doc.e = e;
    hfi_buf_init(&b->doc.strings, e);
    if (len < HF_BUNDLE_MAGICBYTES || memcmp(p, HF_BUNDLE_MAGIC, HF_BUNDLE_MAGICBYTES) != 0)
        return hfi_fail(e, HF_EINVAL, "not a helpflow bundle (it does not start with the "
                                      "bundle magic)");
    if (len < HDR_SIZE + SIG_SIZE) {
        hfi_seterrf(e, "truncated: %zu bytes, fewer than a bundle's header and signature (%d)",
                    len, HDR_SIZE + SIG_SIZE);
        return HF_EINVAL;
    }
    uint32_t format = get32(p + 8), flags = get32(p + 12);
    if (format != FORMAT) {
        hfi_seterrf(e, "bundle format version %u: this library reads version %d", format,
                    FORMAT);
        return HF_EINVAL;
    }
    if (flags != 0) {
        hfi_seterrf(e, "unknown bundle flags 0x%x", flags);
        return HF_EINVAL;
    }
    b->body_size = get32(p + 16);
    uint64_t zlen = get32(p + 20), want = HDR_SIZE + zlen + SIG_SIZE;
    memcpy(b->signer, p + 24, sizeof b->signer);
    if (want != len) {
        hfi_seterrf(e, "%s: the header says %llu bytes, there are %zu",
                    len < want ? "truncated" : "bytes were added", (unsigned long long)want,
                    len);
        return HF_EINVAL;
    }
    if (b->body_size > HF_BUNDLE_MAX_BODY || b->body_size < 4) {
        hfi_seterrf(e, "the header gives the body as %zu bytes: a body holds 4 to %u",
                    b->body_size, HF_BUNDLE_MAX_BODY);
        return HF_EINVAL;
    }
    if (key) {
        char have[17], want_id[17];
        if (sodium_memcmp(b->signer, key, sizeof b->signer) != 0) {
            key_id(have, b->signer);
            key_id(want_id, key);
            hfi_seterrf(e, "signed by another key (%s...), not the one trusted (%s...)", have,
                        want_id);
            return HF_EINVAL;
        }
        if (crypto_sign_verify_detached(p + HDR_SIZE + zlen, p, HDR_SIZE + zlen, key) != 0)
            return hfi_fail(e, HF_EINVAL, "the signature does not verify: the bundle was "
                                          "altered after it was signed");
        b->verified = true;
    }
    int rc = inflate_body(b, p + HDR_SIZE, (size_t)zlen);
    return rc != HF_OK ? rc : read_manifest(b);
}

/* ---- describing ---------------------------------------------------------------------- */

static void write_hash(hfi_buf *o, const unsigned char *h)
{
    char hex[2 * HASH_SIZE + 1];
    sodium_bin2hex(hex, sizeof hex, h, HASH_SIZE);
    hfi_buf_addc(o, '"');
    hfi_buf_add(o, hex, 2 * HASH_SIZE);
    hfi_buf_addc(o, '"');
}

/* The description hf_bundle_inspect() and hf_engine_load_bundle() return. */
static void describe(bundle *b, hfi_buf *o, bool loading)
{
    char signer[2 * HF_BUNDLE_PUBLICKEYBYTES + 1];
    sodium_bin2hex(signer, sizeof signer, b->signer, sizeof b->signer);
    hfi_buf_reset(o);
    hfi_buf_addl(o, "{\"format\":1,\"size\":");
    hfi_buf_add_i64(o, (int64_t)b->size);
    hfi_buf_addl(o, ",\"body_size\":");
    hfi_buf_add_i64(o, (int64_t)b->body_size);
    hfi_buf_addl(o, ",\"signer\":\"");
    hfi_buf_adds(o, signer);
    hfi_buf_addl(o, "\",\"verified\":");
    hfi_buf_adds(o, b->verified ? "true" : "false");
    hfi_buf_addl(o, ",\"entries\":[");
    for (uint32_t i = 0; i < b->n; i++) {
        const bentry *en = &b->ent[i];
        hfi_buf_adds(o, i ? ",{\"name\":" : "{\"name\":");
        hfi_buf_add_jstrz(o, en->name);
        hfi_buf_addl(o, ",\"kind\":");
        hfi_buf_add_jstrz(o, kind_names[en->kind]);
        if (en->kind == K_FLOW) {
            hfi_buf_addl(o, ",\"id\":");
            hfi_buf_add_jstrz(o, en->id);
            hfi_buf_addl(o, ",\"version\":");
            hfi_buf_add_i64(o, en->version);
            if (en->title) {
                hfi_buf_addl(o, ",\"title\":");
                hfi_buf_add_jstr(o, en->title, en->title_len);
            }
            hfi_buf_addl(o, ",\"locales\":");
            hfi_jwrite(&b->doc, en->locales, o, NULL);
            if (loading)
                hfi_buf_adds(o, en->loaded ? ",\"loaded\":true" : ",\"loaded\":false");
        }
        hfi_buf_addl(o, ",\"size\":");
        hfi_buf_add_i64(o, (int64_t)en->size);
        hfi_buf_addl(o, ",\"blake2b\":");
        write_hash(o, en->hash);
        hfi_buf_addc(o, '}');
    }
    hfi_buf_addl(o, "]}");
}

int hf_bundle_inspect(hf_engine *e, const void *bytes, size_t len,
                      const unsigned char *public_key, const char **json, size_t *json_len)
{
    if (json)
        *json = NULL;
    if (json_len)
        *json_len = 0;
    if (!e)
        return HF_EMISUSE;
    if (!bytes)
        return hfi_fail(e, HF_EINVAL, "no bundle given");
    bundle b;
    memset(&b, 0, sizeof b);
    b.e = e;
    int rc = open_bundle(&b, bytes, len, public_key);
    if (rc == HF_OK) {
        describe(&b, &e->scratch, false);
        if (e->scratch.oom)
            rc = hfi_fail(e, HF_ENOMEM, "out of memory");
    }
    bundle_free(&b);
    if (rc != HF_OK)
        return rc;
    hfi_buf_reset(&e->err);
    if (json)
        *json = e->scratch.p;
    if (json_len)
        *json_len = e->scratch.len;
    return HF_OK;
}

/* ---- loading ------------------------------------------------------------------------- */

/* The names of f's locales, sorted (the manifest's order). *out is an hfi_salloc block. */
static const char **sorted_locales(hf_engine *e, const hfi_flow *f)
{
    const char **v = hfi_salloc(e, sizeof *v * (f->nlocales + 1));
    if (!v)
        return NULL;
    for (uint32_t i = 0; i < f->nlocales; i++) {
        uint32_t at = i;
        for (; at > 0 && strcmp(v[at - 1], f->locales[i].name) > 0; at--)
            v[at] = v[at - 1];
        v[at] = f->locales[i].name;
    }
    return v;
}

/* Whether the compiled flow is the one the manifest describes. */
static int check_flow(bundle *b, const bentry *en, const hfi_flow *f)
{
    hf_engine *e = b->e;
    hfi_jdoc *d = &b->doc;
    if (strcmp(f->id, en->id) != 0 || f->version != en->version) {
        hfi_seterrf(e, "entry '%s': the manifest says flow '%s' version %lld, the source is "
                    "flow '%s' version %lld", en->name, en->id, (long long)en->version, f->id,
                    (long long)f->version);
        return HF_EINVAL;
    }
    if (!f->title != !en->title ||
        (f->title && (strlen(f->title) != en->title_len ||
                      memcmp(f->title, en->title, en->title_len) != 0))) {
        hfi_seterrf(e, "entry '%s': the manifest's title is not the flow's", en->name);
        return HF_EINVAL;
    }
    const char **loc = sorted_locales(e, f);
    if (!loc)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    bool same = d->nodes[en->locales].count == f->nlocales;
    uint32_t i = 0;
    for (int c = d->nodes[en->locales].child; same && c >= 0; c = d->nodes[c].next, i++)
        same = strcmp(hfi_jstr(d, c, NULL), loc[i]) == 0;
    hfi_sfree(e, loc);
    if (!same) {
        hfi_seterrf(e, "entry '%s': the manifest's locales are not the flow's strings",
                    en->name);
        return HF_EINVAL;
    }
    return HF_OK;
}

/* Whether f is one this bundle staged. */
static bool staged_here(const bundle *b, const hfi_flow *f)
{
    for (uint32_t i = 0; i < b->n; i++)
        if (b->ent[i].staged == f)
            return true;
    return false;
}

static int stage_flow(bundle *b, bentry *en)
{
    hf_engine *e = b->e;
    hfi_flow *have = hfi_engine_find_version(e, en->id, en->version);
    if (have && staged_here(b, have)) {
        hfi_seterrf(e, "entry '%s': flow '%s' version %lld is in the bundle twice", en->name,
                    en->id, (long long)en->version);
        return HF_EEXISTS;
    }
    if (have && memcmp(have->hash, en->hash, HASH_SIZE) == 0)
        return HF_OK; /* the same source: loading the bundle again changes nothing */
    hfi_flow *f;
    int rc = hfi_engine_load(e, (const char *)en->data, en->size, en->name, &f);
    if (rc == HF_EEXISTS) {
        hfi_seterrf(e, "entry '%s': flow '%s' version %lld is already loaded with another "
                    "source: a version's content cannot change (give the flow a new version)",
                    en->name, en->id, (long long)en->version);
        return rc;
    }
    if (rc != HF_OK)
        return rc;
    en->staged = f;
    en->loaded = true;
    return check_flow(b, en, f);
}

int hf_engine_load_bundle(hf_engine *e, const void *bytes, size_t len, const char **json,
                          size_t *json_len)
{
    if (json)
        *json = NULL;
    if (json_len)
        *json_len = 0;
    if (!e)
        return HF_EMISUSE;
    if (!e->opt.bundle_public_key)
        return hfi_fail(e, HF_EMISUSE, "bundle refused: the engine has no bundle_public_key "
                                       "to verify it with (set it in hf_engine_options)");
    if (!bytes)
        return hfi_fail(e, HF_EINVAL, "bundle refused: no bundle given");
    bundle b;
    memset(&b, 0, sizeof b);
    b.e = e;
    int first_fn = e->nfns + 1;
    int rc = open_bundle(&b, bytes, len, e->opt.bundle_public_key);
    for (uint32_t i = 0; rc == HF_OK && i < b.n; i++)
        if (b.ent[i].kind == K_FLOW)
            rc = stage_flow(&b, &b.ent[i]);
    /* written before the routing config goes in, the one step that then cannot be undone */
    if (rc == HF_OK) {
        describe(&b, &e->scratch, true);
        if (e->scratch.oom)
            rc = hfi_fail(e, HF_ENOMEM, "out of memory");
    }
    for (uint32_t i = 0; rc == HF_OK && i < b.n; i++)
        if (b.ent[i].kind == K_ROUTING)
            rc = hf_engine_load_routing(e, (const char *)b.ent[i].data, b.ent[i].size,
                                        b.ent[i].name);
    if (rc != HF_OK) {
        for (uint32_t i = b.n; i-- > 0;)
            if (b.ent[i].staged)
                hfi_engine_unload(e, b.ent[i].staged);
        hfi_engine_forget_fns(e, first_fn);
        bundle_free(&b);
        return refuse(e, rc);
    }
    bundle_free(&b);
    hfi_buf_reset(&e->err);
    if (json)
        *json = e->scratch.p;
    if (json_len)
        *json_len = e->scratch.len;
    return HF_OK;
}

/* ---- packing ------------------------------------------------------------------------- */

typedef struct pentry {
    const char *name;
    int kind;
    const char *src;
    size_t len;
    hfi_flow *f;      /* in the scratch engine, once loaded */
    int rc;           /* the last attempt's result */
    char *err;        /* ... and its message */
} pentry;

static int by_pname(const void *a, const void *b)
{
    return strcmp(((const pentry *)a)->name, ((const pentry *)b)->name);
}

/* The entries the caller gives: [{"name", "kind", "source"}, ...], sorted by name. */
static int read_entries(hf_engine *e, hfi_jdoc *d, pentry **out, uint32_t *count)
{
    uint32_t n = hfi_jtype(d, 0) == HFI_J_ARRAY ? d->nodes[0].count : 0;
    if (n == 0 || n > MAX_ENTRIES) {
        hfi_seterrf(e, "entries must be a JSON array of 1 to %d {\"name\", \"kind\", "
                    "\"source\"} objects", MAX_ENTRIES);
        return HF_EINVAL;
    }
    pentry *p = hfi_salloc(e, sizeof *p * n);
    if (!p)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    *out = p;
    *count = n;
    uint32_t i = 0, routings = 0;
    for (int c = d->nodes[0].child; c >= 0; c = d->nodes[c].next, i++) {
        size_t nlen = 0, klen = 0;
        const char *kind = hfi_jstr(d, hfi_jget(d, c, "kind"), &klen);
        p[i].name = hfi_jstr(d, hfi_jget(d, c, "name"), &nlen);
        p[i].src = hfi_jstr(d, hfi_jget(d, c, "source"), &p[i].len);
        if (hfi_jtype(d, c) != HFI_J_OBJECT || d->nodes[c].count != 3 || !p[i].name ||
            !kind || !p[i].src) {
            hfi_seterrf(e, "entry %u must be {\"name\", \"kind\", \"source\"}, all strings",
                        i + 1);
            return HF_EINVAL;
        }
        if (!name_ok(p[i].name, nlen)) {
            hfi_seterrf(e, "entry %u: the name must be 1 to %d letters, digits and _ . -, not "
                        "starting with a dot", i + 1, MAX_NAME);
            return HF_EINVAL;
        }
        p[i].kind = -1;
        for (int k = 0; k < 2; k++)
            if (strlen(kind_names[k]) == klen && memcmp(kind, kind_names[k], klen) == 0)
                p[i].kind = k;
        if (p[i].kind < 0) {
            hfi_seterrf(e, "entry '%s': kind must be \"flow\" or \"routing\"", p[i].name);
            return HF_EINVAL;
        }
        routings += p[i].kind == K_ROUTING;
    }
    if (routings > 1)
        return hfi_fail(e, HF_EINVAL, "a bundle holds one routing config at most");
    qsort(p, n, sizeof *p, by_pname);
    for (i = 1; i < n; i++)
        if (strcmp(p[i - 1].name, p[i].name) == 0) {
            hfi_seterrf(e, "two entries are named '%s'", p[i].name);
            return HF_EINVAL;
        }
    return HF_OK;
}

/* Loads the flows into the scratch engine s, pass after pass, as long as a pass loads one
 * more: a flow that calls another fails its check until its callee is in. order[] gets the
 * entries in the order they loaded (the flows first, the routing config last). */
static int load_all(hf_engine *e, hf_engine *s, pentry *p, uint32_t n, uint32_t *order)
{
    uint32_t done = 0, flows = 0;
    for (uint32_t i = 0; i < n; i++) {
        p[i].rc = HF_ECHECK; /* pending */
        flows += p[i].kind == K_FLOW;
    }
    for (bool progress = true; progress && done < flows;) {
        progress = false;
        for (uint32_t i = 0; i < n; i++) {
            if (p[i].kind != K_FLOW || p[i].f || p[i].rc != HF_ECHECK)
                continue;
            p[i].rc = hfi_engine_load(s, p[i].src, p[i].len, p[i].name, &p[i].f);
            if (p[i].rc == HF_EEXISTS) /* the scratch engine holds only this bundle */
                hfi_buf_adds(&s->err, ": another entry of the bundle has that flow version");
            hfi_strfree(e, p[i].err);
            p[i].err = p[i].rc == HF_OK ? NULL : hfi_strdup(e, hf_engine_errmsg(s));
            if (p[i].rc == HF_OK) {
                order[done++] = i;
                progress = true;
            } else if (p[i].rc == HF_ENOMEM) {
                return hfi_fail(e, HF_ENOMEM, "out of memory");
            }
        }
    }
    if (done < flows) {
        int rc = HF_OK;
        hfi_buf_reset(&e->err);
        for (uint32_t i = 0; i < n; i++) {
            if (p[i].kind != K_FLOW || p[i].f)
                continue;
            if (rc != HF_OK)
                hfi_buf_addc(&e->err, '\n');
            hfi_buf_adds(&e->err, p[i].err ? p[i].err : "out of memory");
            if (rc == HF_OK)
                rc = p[i].rc;
        }
        return e->err.oom ? HF_ENOMEM : rc;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (p[i].kind != K_ROUTING)
            continue;
        int rc = hf_engine_load_routing(s, p[i].src, p[i].len, p[i].name);
        if (rc != HF_OK)
            return hfi_fail(e, rc, hf_engine_errmsg(s));
        order[done++] = i;
    }
    return HF_OK;
}

static void write_manifest(hf_engine *e, hfi_buf *o, const pentry *p, const uint32_t *order,
                           uint32_t n)
{
    hfi_buf_addl(o, "{\"entries\":[");
    for (uint32_t k = 0; k < n; k++) {
        const pentry *en = &p[order[k]];
        const hfi_flow *f = en->f;
        unsigned char h[HASH_SIZE];
        hfi_buf_adds(o, k ? ",{\"name\":" : "{\"name\":");
        hfi_buf_add_jstrz(o, en->name);
        hfi_buf_addl(o, ",\"kind\":");
        hfi_buf_add_jstrz(o, kind_names[en->kind]);
        if (f) {
            hfi_buf_addl(o, ",\"id\":");
            hfi_buf_add_jstrz(o, f->id);
            hfi_buf_addl(o, ",\"version\":");
            hfi_buf_add_i64(o, f->version);
            if (f->title) {
                hfi_buf_addl(o, ",\"title\":");
                hfi_buf_add_jstrz(o, f->title);
            }
            hfi_buf_addl(o, ",\"locales\":[");
            const char **loc = sorted_locales(e, f);
            if (!loc)
                o->oom = true;
            for (uint32_t i = 0; loc && i < f->nlocales; i++) {
                if (i)
                    hfi_buf_addc(o, ',');
                hfi_buf_add_jstrz(o, loc[i]);
            }
            hfi_sfree(e, loc);
            hfi_buf_addc(o, ']');
        }
        hfi_buf_addl(o, ",\"size\":");
        hfi_buf_add_i64(o, (int64_t)en->len);
        hfi_buf_addl(o, ",\"blake2b\":");
        crypto_generichash(h, sizeof h, (const unsigned char *)en->src, en->len, NULL, 0);
        write_hash(o, h);
        hfi_buf_addc(o, '}');
    }
    hfi_buf_addl(o, "]}");
}

/* Deflates body into out (appended). Level 9 and fixed parameters: the same body always
 * deflates to the same bytes with the same zlib. */
static int deflate_body(hf_engine *e, const hfi_buf *body, hfi_buf *out)
{
    z_stream s;
    memset(&s, 0, sizeof s);
    s.zalloc = z_alloc;
    s.zfree = z_free;
    s.opaque = e;
    if (deflateInit2(&s, 9, Z_DEFLATED, 15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    size_t bound = deflateBound(&s, (uLong)body->len);
    if (!hfi_buf_reserve(out, bound)) {
        deflateEnd(&s);
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    }
    s.next_in = (Bytef *)body->p;
    s.avail_in = (uInt)body->len;
    s.next_out = (Bytef *)out->p + out->len;
    s.avail_out = (uInt)bound;
    int zr = deflate(&s, Z_FINISH);
    out->len += s.total_out;
    out->p[out->len] = '\0';
    deflateEnd(&s);
    return zr == Z_STREAM_END ? HF_OK : hfi_fail(e, HF_ENOMEM, "out of memory");
}

/* The body deflated and wrapped: header, zlib stream, signature. */
static int seal(hf_engine *e, const hfi_buf *body, const unsigned char *sk, hfi_buf *out)
{
    unsigned char hdr[HDR_SIZE];
    memcpy(hdr, HF_BUNDLE_MAGIC, HF_BUNDLE_MAGICBYTES);
    put32(hdr + 8, FORMAT);
    put32(hdr + 12, 0);
    put32(hdr + 16, (uint32_t)body->len);
    crypto_sign_ed25519_sk_to_pk(hdr + 24, sk);
    hfi_buf_reset(out);
    hfi_buf_add(out, (const char *)hdr, sizeof hdr);
    int rc = deflate_body(e, body, out);
    if (rc != HF_OK)
        return rc;
    if (!hfi_buf_reserve(out, SIG_SIZE))
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    unsigned char *p = (unsigned char *)out->p;
    put32(p + 20, (uint32_t)(out->len - HDR_SIZE));
    crypto_sign_detached(p + out->len, NULL, p, out->len, sk);
    /* a secret key whose halves do not belong together signs bundles nobody can verify */
    if (crypto_sign_verify_detached(p + out->len, p, out->len, p + 24) != 0)
        return hfi_fail(e, HF_EINVAL, "the secret key is damaged: its two halves do not "
                                      "belong together");
    out->len += SIG_SIZE;
    out->p[out->len] = '\0';
    return HF_OK;
}

/* Reads back the bundle just sealed, as a loading engine would, and checks that each flow
 * entry describes its flow: a title or locale name that is not UTF-8 cannot be written in the
 * manifest as it is, and would make a bundle no engine loads. */
static int read_back(hf_engine *e, const hfi_buf *out, const pentry *p, const uint32_t *order)
{
    bundle b;
    memset(&b, 0, sizeof b);
    b.e = e;
    const unsigned char *bytes = (const unsigned char *)out->p;
    int rc = open_bundle(&b, bytes, out->len, bytes + 24);
    for (uint32_t k = 0; rc == HF_OK && k < b.n; k++) {
        const hfi_flow *f = p[order[k]].f;
        if (f && (rc = check_flow(&b, &b.ent[k], f)) == HF_EINVAL) {
            hfi_seterrf(e, "%s: flow '%s': its title and locale names must be UTF-8 text to "
                        "go in a bundle", b.ent[k].name, f->id);
            rc = HF_ECHECK;
        }
    }
    bundle_free(&b);
    return rc;
}

static int pack(hf_engine *e, hfi_jdoc *d, const unsigned char *sk, hfi_buf *body)
{
    pentry *p = NULL;
    uint32_t n = 0, *order = NULL;
    hf_engine *s = NULL;
    int rc = read_entries(e, d, &p, &n);
    if (rc == HF_OK && !(order = hfi_salloc(e, sizeof *order * n)))
        rc = hfi_fail(e, HF_ENOMEM, "out of memory");
    if (rc == HF_OK) {
        /* the checks run under e's limits, with nothing of e's but its allocator */
        hf_engine_options o = e->opt;
        o.snapshot_key = o.bundle_public_key = NULL;
        o.trace = NULL;
        o.trace_ud = NULL;
        o.event_log = 0;
        rc = hf_engine_new(&s, &o);
        if (rc != HF_OK)
            rc = hfi_fail(e, rc, "out of memory");
    }
    if (rc == HF_OK)
        rc = load_all(e, s, p, n, order);
    if (rc == HF_OK) {
        hfi_buf_add(body, "\0\0\0\0", 4);
        write_manifest(e, body, p, order, n);
        size_t mlen = body->len - 4;
        for (uint32_t k = 0; k < n; k++)
            hfi_buf_add(body, p[order[k]].src, p[order[k]].len);
        if (body->oom)
            rc = hfi_fail(e, HF_ENOMEM, "out of memory");
        else if (body->len > HF_BUNDLE_MAX_BODY) {
            hfi_seterrf(e, "the bundle's body would be %zu bytes, over the %u-byte limit",
                        body->len, HF_BUNDLE_MAX_BODY);
            rc = HF_EINVAL;
        } else {
            put32((unsigned char *)body->p, (uint32_t)mlen);
            rc = seal(e, body, sk, &e->scratch);
        }
    }
    if (rc == HF_OK)
        rc = read_back(e, &e->scratch, p, order);
    for (uint32_t i = 0; p && i < n; i++)
        hfi_strfree(e, p[i].err);
    hfi_sfree(e, p);
    hfi_sfree(e, order);
    hf_engine_free(s);
    return rc;
}

int hf_bundle_pack(hf_engine *e, const char *entries_json, size_t len,
                   const unsigned char *secret_key, const unsigned char **bytes, size_t *blen)
{
    if (bytes)
        *bytes = NULL;
    if (blen)
        *blen = 0;
    if (!e || !bytes)
        return HF_EMISUSE;
    if (!entries_json)
        return hfi_fail(e, HF_EINVAL, "no entries given");
    if (!secret_key)
        return hfi_fail(e, HF_EINVAL, "no secret key given");
    hfi_jdoc d;
    memset(&d, 0, sizeof d);
    d.e = e;
    hfi_buf_init(&d.strings, e);
    hfi_buf body;
    hfi_buf_init(&body, e);
    int rc = hfi_jparse(&d, entries_json, len);
    if (rc == HF_EINVAL)
        hfi_seterrf(e, "the entries are not JSON: %s", d.err);
    else if (rc == HF_ENOMEM)
        hfi_seterr(e, "out of memory");
    if (rc == HF_OK)
        rc = pack(e, &d, secret_key, &body);
    hfi_jdoc_free(&d);
    hfi_buf_free(&body);
    if (rc != HF_OK)
        return rc;
    hfi_buf_reset(&e->err);
    *bytes = (const unsigned char *)e->scratch.p;
    if (blen)
        *blen = e->scratch.len;
    return HF_OK;
}

int hf_bundle_keypair(unsigned char *public_key, unsigned char *secret_key)
{
    if (!public_key || !secret_key)
        return HF_EMISUSE;
    if (sodium_init() < 0)
        return HF_ERROR;
    return crypto_sign_keypair(public_key, secret_key) == 0 ? HF_OK : HF_ERROR;
}
