/*
 * snapshot.c — a session as bytes, and back (DESIGN.md section 6; docs/snapshots.md).
 *
 * The envelope, every multi-byte integer little-endian or LEB128:
 *
 *   "HFSN"  magic                         4 bytes
 *   format  1                             1 byte
 *   flags   bit 0 payload deflated, bit 1 authenticated, bit 2 carries the event log
 *   n       flow id length, 1..255         1 byte
 *   id      the flow id                    n bytes
 *   version the flow version               LEB128
 *   size    the payload's length           LEB128
 *   payload raw deflate (preset dictionary below), or the JSON as is when that is no larger
 *   crc     CRC-32 of everything above: checked before anything is inflated
 *   tag     crypto_auth (HMAC-SHA-512-256) of everything above, when authenticated
 *
 * The payload is a JSON object of the session's state with short names (docs/snapshots.md).
 * Strings that are already JSON on the session (context, path, escalation, ui) are copied in
 * as they are and copied out as the parser saw them, so a round trip is byte-exact.
 *
 * Speed (bench/bench_snapshot.c): payloads are deflated by deflate.c — one block of fixed
 * codes against a preset dictionary whose hash chains are made once — and inflated by zlib
 * through an inflate stream that lives as long as the engine and is reset, not rebuilt, per
 * call. On a payload of a few hundred bytes, the dictionary and leaving the flow's own texts
 * out of the payload (snapshot_state.c) save far more bytes than a stronger compressor would.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>
#include <zlib.h>

#include "internal.h"

#define MAGIC "HFSN"
#define FORMAT 1
#define F_DEFLATED 1u
#define F_AUTH 2u
#define F_LOG 4u
#define MAX_PAYLOAD (64u << 20)
/* The most bytes a payload of MAX_PAYLOAD deflates to (fixed codes: 9 bits a byte at worst;
 * stored blocks: 5 bytes in 64 KiB), so that lengths fit zlib's 32-bit ones. */
#define MAX_STORED (MAX_PAYLOAD + MAX_PAYLOAD / 8 + 64)

/* The format's own names and the JSON the engine writes most, most frequent last (deflate
 * finds the nearest match cheapest). */
static const char dictionary[] =
    "\"skills\":[\"priority\":\"normal\",\"reason\":\"\"summary\":\"\"collected\":{"
    "{\"type\":\"error\",\"text\":\"{\"type\":\"input\",\"input\":\"{\"type\":\"text\",\"text\":\""
    "\"input\":\"\"choice\":\"\"event\":\"\"error\":\"\"status\":\"\"name\":\"\"id\":\""
    ":false,\":true,\":null,\"customer_id\":\"cus_\"card_id\":\"\"amount\":"
    "\"es\":{\"ar\":{\"rs\":\"\"fl\":[\"re\":1,\"tl\":\"ta\":\"dl\":\"tf\":"
    "{\"fr\":[[0,[0,1,1,1]]],\"st\":1,\"ex\":1,\"aq\":1,\"ns\":1,\"t0\":17"
    "\"lc\":\"en-GB\",\"pa\":[{\"step\":\"\",\"result\":{\"},{\"step\":\""
    "\"po\":1,\"hi\":[16777216,\"ui\":[1],\"cx\":{\"locale\":\"en-GB\"},\"c0\":{";

typedef struct hfi_snap {
    hfi_deflate_dict dict;   /* the dictionary's hash chains, made once */
    hfi_deflate_state def;
    z_stream inf;
    bool dict_ok, inf_ok;
} hfi_snap;

static voidpf z_alloc(voidpf ud, uInt items, uInt size)
{
    return hfi_salloc(ud, (size_t)items * size);
}

static void z_free(voidpf ud, voidpf p) { hfi_sfree(ud, p); }

static hfi_snap *snap_of(hf_engine *e)
{
    if (!e->snap) {
        e->snap = hfi_salloc(e, sizeof *e->snap);
        if (!e->snap)
            return NULL;
        memset(e->snap, 0, sizeof *e->snap);
    }
    return e->snap;
}

void hfi_snap_free(hf_engine *e)
{
    if (!e->snap)
        return;
    hfi_deflate_free(e, &e->snap->dict, &e->snap->def);
    if (e->snap->inf_ok)
        inflateEnd(&e->snap->inf);
    hfi_sfree(e, e->snap);
    e->snap = NULL;
}

/* ---- little helpers ------------------------------------------------------------------- */

static void put_u32(hfi_buf *b, uint32_t v)
{
    char c[4] = {(char)(v & 255), (char)(v >> 8 & 255), (char)(v >> 16 & 255),
                 (char)(v >> 24 & 255)};
    hfi_buf_add(b, c, 4);
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_leb(hfi_buf *b, uint64_t v)
{
    do {
        char c = (char)(v & 127);
        v >>= 7;
        if (v)
            c = (char)(c | 128);
        hfi_buf_addc(b, c);
    } while (v);
}

/* Reads a LEB128 number of at most 9 bytes (63 bits); NULL if it runs past end. */
static const unsigned char *get_leb(const unsigned char *p, const unsigned char *end,
                                    uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; p < end && shift < 63; shift += 7) {
        *v |= (uint64_t)(*p & 127) << shift;
        if (!(*p++ & 128))
            return p;
    }
    return NULL;
}

/* ---- the envelope ------------------------------------------------------------------------ */

static void write_header(hfi_buf *b, const hfi_flow *f, unsigned flags, size_t payload)
{
    hfi_buf_addl(b, MAGIC);
    hfi_buf_addc(b, FORMAT);
    hfi_buf_addc(b, (char)flags);
    size_t n = strlen(f->id);
    hfi_buf_addc(b, (char)n);
    hfi_buf_add(b, f->id, n);
    put_leb(b, (uint64_t)f->version);
    put_leb(b, payload);
}

static int deflate_into(hf_engine *e, const char *in, size_t n, hfi_buf *out)
{
    hfi_snap *z = snap_of(e);
    if (!z)
        return HF_ENOMEM;
    if (!z->dict_ok) {
        hfi_deflate_dict_init(&z->dict, dictionary, sizeof dictionary - 1);
        z->dict_ok = true;
    }
    return hfi_deflate(&z->def, &z->dict, in, n, out);
}

int hf_session_snapshot(hf_session *s, const unsigned char **bytes, size_t *len)
{
    if (bytes)
        *bytes = NULL;
    if (len)
        *len = 0;
    if (!s || !bytes)
        return HF_EMISUSE;
    hf_engine *e = s->e;
    hfi_buf *state = &e->tmp, *b = &e->snapbuf;
    hfi_buf_reset(state);
    hfi_state_write(s, state);
    if (state->oom)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    if (state->len > MAX_PAYLOAD)
        return hfi_fail(e, HF_EINVAL, "the session's state is too large for a snapshot");
    const hfi_flow *f = s->frames[0].flow;
    if (strlen(f->id) > 255) /* the envelope gives its length one byte */
        return hfi_fail(e, HF_EINVAL, "the flow id is longer than a snapshot holds (255 bytes)");
    unsigned flags = (s->log ? F_LOG : 0) | (e->opt.snapshot_key ? F_AUTH : 0);
    hfi_buf_reset(b);
    write_header(b, f, flags | F_DEFLATED, state->len);
    size_t head = b->len;
    int rc = deflate_into(e, state->p, state->len, b);
    if (rc != HF_OK)
        return hfi_fail(e, rc, rc == HF_ENOMEM ? "out of memory" : "deflate failed");
    if (b->len - head >= state->len) { /* compression does not pay: store it as it is */
        hfi_buf_reset(b);
        write_header(b, f, flags, state->len);
        hfi_buf_add(b, state->p, state->len);
    }
    uLong crc = crc32(0L, (const Bytef *)b->p, (uInt)b->len);
    put_u32(b, (uint32_t)crc);
    if (flags & F_AUTH) {
        unsigned char tag[crypto_auth_BYTES];
        crypto_auth(tag, (const unsigned char *)b->p, b->len, e->snapshot_key);
        hfi_buf_add(b, (const char *)tag, sizeof tag);
    }
    if (b->oom)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    *bytes = (const unsigned char *)b->p;
    if (len)
        *len = b->len;
    return HF_OK;
}

/* What the envelope says. */
typedef struct envelope {
    unsigned flags;
    char flow[256];
    int64_t version;
    size_t size;        /* payload, inflated */
    size_t total;
    size_t stored;      /* payload bytes as stored */
    const unsigned char *payload;
} envelope;

int hfi_snap_bad(hf_engine *e, const char *why)
{
    hfi_seterrf(e, "not a valid snapshot: %s", why);
    return HF_EINVAL;
}

/* Checks the envelope: its header, and its tag when there is one. */
static int open_envelope(hf_engine *e, const unsigned char *p, size_t len, envelope *env)
{
    const unsigned char *end = p + len, *q = p;
    memset(env, 0, sizeof *env);
    env->total = len;
    if (len < 4 || memcmp(p, MAGIC, 4) != 0)
        return hfi_snap_bad(e, "it does not start with the snapshot magic \"HFSN\"");
    if (len < 7)
        return hfi_snap_bad(e, "it is truncated");
    if (p[4] != FORMAT) {
        hfi_seterrf(e, "not a valid snapshot: format version %u, this library reads %u", p[4],
                    FORMAT);
        return HF_EINVAL;
    }
    env->flags = p[5];
    if (env->flags & ~(F_DEFLATED | F_AUTH | F_LOG))
        return hfi_snap_bad(e, "unknown flags");
    size_t n = p[6];
    q = p + 7;
    if (n == 0 || (size_t)(end - q) < n)
        return hfi_snap_bad(e, "it is truncated or its flow id is empty");
    memcpy(env->flow, q, n);
    env->flow[n] = '\0';
    if (strlen(env->flow) != n || !hfi_ident_ok(env->flow))
        return hfi_snap_bad(e, "its flow id is not a flow id");
    q += n;
    uint64_t v, size;
    if (!(q = get_leb(q, end, &v)) || !(q = get_leb(q, end, &size)))
        return hfi_snap_bad(e, "it is truncated");
    if (v == 0 || v > INT64_MAX)
        return hfi_snap_bad(e, "its flow version is out of range");
    if (size > MAX_PAYLOAD)
        return hfi_snap_bad(e, "its payload is larger than a snapshot can be");
    env->version = (int64_t)v;
    env->size = (size_t)size;
    size_t trailer = 4 + (env->flags & F_AUTH ? crypto_auth_BYTES : 0);
    if ((size_t)(end - q) < trailer)
        return hfi_snap_bad(e, "it is truncated");
    const unsigned char *payload = q, *crcp = end - trailer;
    env->stored = (size_t)(crcp - payload);
    if (env->stored > MAX_STORED)
        return hfi_snap_bad(e, "its payload is larger than a snapshot can be");

    /* the checksum and the tag before anything is inflated or read */
    if ((uint32_t)crc32(0L, p, (uInt)(crcp - p)) != get_u32(crcp))
        return hfi_snap_bad(e, "its checksum does not match (corrupted or truncated)");
    if (e->opt.snapshot_key && !(env->flags & F_AUTH))
        return hfi_snap_bad(e, "it carries no authentication tag, and this engine requires one");
    if (env->flags & F_AUTH) {
        if (!e->opt.snapshot_key)
            return hfi_snap_bad(e, "it is authenticated, and this engine has no snapshot key to check it");
        if (crypto_auth_verify(crcp + 4, p, (size_t)(crcp + 4 - p), e->snapshot_key) != 0)
            return hfi_snap_bad(e, "its authentication tag does not match this engine's key");
    }

    env->payload = payload;
    return HF_OK;
}

/* Inflates and checks the payload of an opened envelope into e->snapbuf. */
static int open_payload(hf_engine *e, envelope *env)
{
    const unsigned char *payload = env->payload;
    hfi_buf *b = &e->snapbuf;
    hfi_buf_reset(b);
    if (env->flags & F_DEFLATED) {
        hfi_snap *z = snap_of(e);
        if (!z)
            return hfi_fail(e, HF_ENOMEM, "out of memory");
        if (!z->inf_ok) {
            z->inf.zalloc = z_alloc;
            z->inf.zfree = z_free;
            z->inf.opaque = e;
            if (inflateInit2(&z->inf, -15) != Z_OK)
                return hfi_fail(e, HF_ENOMEM, "out of memory");
            z->inf_ok = true;
        } else if (inflateReset(&z->inf) != Z_OK) {
            return hfi_fail(e, HF_ERROR, "inflate failed");
        }
        /* the first call makes the stream's window, and may run out of memory */
        if (inflateSetDictionary(&z->inf, (const Bytef *)dictionary, sizeof dictionary - 1) !=
            Z_OK)
            return hfi_fail(e, HF_ENOMEM, "out of memory");
        z->inf.next_in = (Bytef *)(uintptr_t)payload;
        z->inf.avail_in = (uInt)env->stored;
        /* the buffer grows with what actually comes out, never to a size the bytes claim */
        int zr = Z_OK;
        while (zr == Z_OK && b->len <= env->size) {
            size_t room = b->len < 4096 ? 4096 : b->len;
            if (room > env->size + 1 - b->len)
                room = env->size + 1 - b->len; /* one more, to see a payload too long */
            if (!hfi_buf_reserve(b, room + 1))
                return hfi_fail(e, HF_ENOMEM, "out of memory");
            z->inf.next_out = (Bytef *)b->p + b->len;
            z->inf.avail_out = (uInt)room;
            zr = inflate(&z->inf, Z_NO_FLUSH);
            b->len += room - z->inf.avail_out;
            if (zr == Z_BUF_ERROR && z->inf.avail_out != 0)
                break;
            if (zr == Z_BUF_ERROR)
                zr = Z_OK;
        }
        if (zr != Z_STREAM_END || z->inf.avail_in != 0 || b->len != env->size)
            return hfi_snap_bad(e, "its payload does not inflate to its stated size");
    } else {
        if (env->stored != env->size)
            return hfi_snap_bad(e, "its payload is not its stated size");
        if (!hfi_buf_reserve(b, env->size + 1))
            return hfi_fail(e, HF_ENOMEM, "out of memory");
        memcpy(b->p, payload, env->size);
        b->len = env->size;
    }
    b->p[b->len] = '\0';
    return HF_OK;
}

static int restore(hf_session **out, hf_engine *e, const envelope *env)
{
    /* the payload moves out of snapbuf: parsing it may need the engine's buffers */
    size_t n = e->snapbuf.len;
    char *text = hfi_alloc(e, n + 1);
    if (!text)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    memcpy(text, e->snapbuf.p, n + 1);
    int rc = hfi_jparse(&e->doc, text, n);
    if (rc != HF_OK) {
        hfi_free(e, text, n + 1);
        return rc == HF_ENOMEM ? hfi_fail(e, rc, "out of memory")
                               : hfi_snap_bad(e, "its state is not valid JSON");
    }
    hf_session *s = hfi_session_new(e);
    if (!s) {
        hfi_free(e, text, n + 1);
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    }
    rc = hfi_state_read(s, &e->doc, env->flow, env->version, (env->flags & F_LOG) != 0);
    hfi_free(e, text, n + 1);
    if (rc != HF_OK) {
        /* the message is set; freeing must not touch it */
        hf_session_free(s);
        return rc;
    }
    *out = s;
    return HF_OK;
}


int hf_session_restore(hf_session **out, hf_engine *e, const void *bytes, size_t len)
{
    if (out)
        *out = NULL;
    if (!out || !e || !bytes)
        return e ? hfi_fail(e, HF_EMISUSE, "hf_session_restore needs out, engine and bytes")
                 : HF_EMISUSE;
    if (hfi_owned(e, bytes)) { /* read from a copy: see hfi_owned */
        void *copy = hfi_alloc(e, len);
        if (!copy)
            return hfi_fail(e, HF_ENOMEM, "out of memory");
        memcpy(copy, bytes, len);
        int rc = hf_session_restore(out, e, copy, len);
        hfi_free(e, copy, len);
        return rc;
    }
    envelope env;
    int rc = open_envelope(e, bytes, len, &env);
    if (rc == HF_OK)
        rc = open_payload(e, &env);
    if (rc != HF_OK)
        return rc;
    return restore(out, e, &env);
}

int hf_snapshot_inspect(hf_engine *e, const void *bytes, size_t len, const char **json,
                        size_t *json_len)
{
    if (json)
        *json = NULL;
    if (json_len)
        *json_len = 0;
    if (!e || !bytes || !json)
        return e ? hfi_fail(e, HF_EMISUSE, "hf_snapshot_inspect needs engine, bytes and json")
                 : HF_EMISUSE;
    if (hfi_owned(e, bytes)) { /* read from a copy: see hfi_owned */
        void *copy = hfi_alloc(e, len);
        if (!copy)
            return hfi_fail(e, HF_ENOMEM, "out of memory");
        memcpy(copy, bytes, len);
        int rc = hf_snapshot_inspect(e, copy, len, json, json_len);
        hfi_free(e, copy, len);
        return rc;
    }
    envelope env;
    int rc = open_envelope(e, bytes, len, &env);
    if (rc != HF_OK)
        return rc;
    if ((rc = open_payload(e, &env)) != HF_OK)
        return rc;
    rc = hfi_jparse(&e->doc, e->snapbuf.p, e->snapbuf.len);
    if (rc == HF_ENOMEM)
        return hfi_fail(e, rc, "out of memory");
    if (rc != HF_OK || hfi_jtype(&e->doc, 0) != HFI_J_OBJECT)
        return hfi_snap_bad(e, "its state is not a JSON object");
    hfi_buf *b = &e->scratch;
    hfi_buf_reset(b);
    hfi_buf_addl(b, "{\"format\":");
    hfi_buf_add_i64(b, FORMAT);
    hfi_buf_addl(b, ",\"flags\":[");
    static const char *const names[] = {"\"deflated\"", "\"authenticated\"", "\"event_log\""};
    bool first = true;
    for (unsigned i = 0; i < 3; i++)
        if (env.flags & (1u << i)) {
            if (!first)
                hfi_buf_addc(b, ',');
            first = false;
            hfi_buf_adds(b, names[i]);
        }
    hfi_buf_addl(b, "],\"flow\":");
    hfi_buf_add_jstrz(b, env.flow);
    hfi_buf_addl(b, ",\"version\":");
    hfi_buf_add_i64(b, env.version);
    hfi_buf_addl(b, ",\"size\":");
    hfi_buf_add_i64(b, (int64_t)env.total);
    hfi_buf_addl(b, ",\"payload_size\":");
    hfi_buf_add_i64(b, (int64_t)env.size);
    hfi_buf_addl(b, ",\"stored_size\":");
    hfi_buf_add_i64(b, (int64_t)env.stored);
    hfi_buf_addl(b, ",\"compressed\":");
    hfi_buf_adds(b, env.flags & F_DEFLATED ? "true" : "false");
    hfi_buf_addl(b, ",\"authenticated\":");
    hfi_buf_adds(b, env.flags & F_AUTH ? "true" : "false");
    hfi_buf_addl(b, ",\"state\":");
    hfi_buf_add(b, e->snapbuf.p, e->snapbuf.len);
    hfi_buf_addc(b, '}');
    if (b->oom)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    *json = b->p;
    if (json_len)
        *json_len = b->len;
    return HF_OK;
}
