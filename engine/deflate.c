/*
 * deflate.c — a small raw deflate encoder (RFC 1951) for snapshot payloads: one block with the
 * fixed Huffman codes, greedy LZ77 matching against a preset dictionary and the input itself.
 * zlib inflates what it writes (snapshot.c, with inflateSetDictionary).
 *
 * Why not zlib's deflate: a snapshot payload is a few hundred bytes, and on such inputs
 * zlib's per-call work — resetting its hash tables, hashing the dictionary again, building
 * Huffman trees it then may not use — costs several times the compressing itself (about
 * 3.5 us of a 9 us round trip, bench/bench_snapshot.c). Here the dictionary's hash chains are
 * built once per engine, a call touches tables sized by its input only, and the fixed codes
 * need no trees. On these payloads it compresses within a few bytes of zlib's level 1.
 */
#include <string.h>

#include "internal.h"

#define HASH_BITS 12
#define HASH_SIZE (1u << HASH_BITS)
#define MIN_MATCH 3
#define MAX_MATCH 258
#define MAX_DIST 32768
#define MAX_CHAIN 8
#define NICE_MATCH 64 /* long enough: stop looking for a longer one */
#define NONE UINT32_MAX

/* ---- bits --------------------------------------------------------------------------------- */

typedef struct bits {
    unsigned char *p; /* room reserved in advance: no check per byte */
    uint64_t acc;
    unsigned n;
} bits;

static void put(bits *w, uint32_t v, unsigned n)
{
    w->acc |= (uint64_t)v << w->n;
    w->n += n;
    while (w->n >= 8) {
        *w->p++ = (unsigned char)w->acc;
        w->acc >>= 8;
        w->n -= 8;
    }
}

/* Huffman codes go out most significant bit first: reversed into the LSB-first stream. */
#define R2(n) n, n + 2 * 64, n + 1 * 64, n + 3 * 64
#define R4(n) R2(n), R2(n + 2 * 16), R2(n + 1 * 16), R2(n + 3 * 16)
#define R6(n) R4(n), R4(n + 2 * 4), R4(n + 1 * 4), R4(n + 3 * 4)
static const unsigned char rev8[256] = {R6(0), R6(2), R6(1), R6(3)};
#undef R2
#undef R4
#undef R6

static uint32_t reverse(uint32_t code, unsigned n) /* n <= 9 */
{
    return n == 9 ? (uint32_t)rev8[code & 255] << 1 | code >> 8 : (uint32_t)rev8[code] >> (8 - n);
}

/* The fixed literal/length code of symbol sym (0..287), RFC 1951 section 3.2.6. */
static void put_lit(bits *w, unsigned sym)
{
    if (sym < 144)
        put(w, reverse(0x30 + sym, 8), 8);
    else if (sym < 256)
        put(w, reverse(0x190 + sym - 144, 9), 9);
    else if (sym < 280)
        put(w, reverse(sym - 256, 7), 7);
    else
        put(w, reverse(0xc0 + sym - 280, 8), 8);
}

static const uint16_t len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19, 23,
                                      27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
                                      227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,    17,
                                       25,   33,   49,   65,   97,   129,   193,   257,   385,
                                       513,  769,  1025, 1537, 2049, 3073,  4097,  6145,  8193,
                                       12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

static void put_match(bits *w, unsigned len, unsigned dist)
{
    unsigned l = 28, d = 29;
    while (len_base[l] > len)
        l--;
    put_lit(w, 257 + l);
    put(w, len - len_base[l], len_extra[l]);
    while (dist_base[d] > dist)
        d--;
    put(w, reverse(d, 5), 5);
    put(w, dist - dist_base[d], dist_extra[d]);
}

/* ---- matching ----------------------------------------------------------------------------- */

static uint32_t hash3(const unsigned char *p)
{
    return ((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]) * 2654435761u >> (32 - HASH_BITS);
}

void hfi_deflate_dict_init(hfi_deflate_dict *dd, const char *dict, size_t n)
{
    if (n > HFI_DEFLATE_DICT_MAX)
        n = HFI_DEFLATE_DICT_MAX;
    dd->p = (const unsigned char *)dict;
    dd->n = n;
    for (uint32_t h = 0; h < HASH_SIZE; h++)
        dd->head[h] = NONE;
    for (size_t i = 0; i + MIN_MATCH <= n; i++) {
        uint32_t h = hash3(dd->p + i);
        dd->prev[i] = dd->head[h];
        dd->head[h] = (uint32_t)i;
    }
}

/* How far a and b agree, up to max bytes (words at a time). */
static size_t agree(const unsigned char *a, const unsigned char *b, size_t max)
{
    size_t len = 0;
    while (len + 8 <= max) {
        uint64_t x, y;
        memcpy(&x, a + len, 8);
        memcpy(&y, b + len, 8);
        if (x != y)
            break;
        len += 8;
    }
    while (len < max && a[len] == b[len])
        len++;
    return len;
}

/*
 * Positions run over the dictionary and then the input as one text, copied together into
 * z->text: 0..dn-1 the dictionary, dn.. the input. The dictionary's chains are fixed (dd);
 * the input's are this call's: head holds, per hash, the latest input position stamped with
 * the call's generation, and prev links each input position to the one before it, which may
 * lead into the dictionary.
 */
int hfi_deflate(hfi_deflate_state *z, const hfi_deflate_dict *dd, const char *in, size_t n,
                hfi_buf *out)
{
    hf_engine *e = out->e;
    const uint32_t dn = (uint32_t)dd->n;
    if (n > UINT32_MAX / 2 - dn)
        return HF_EINVAL;
    if (z->cap < n || !z->text) { /* both grow, or neither; the dictionary needs text too */
        uint32_t *prev = hfi_alloc(e, sizeof *prev * n);
        unsigned char *text = prev ? hfi_alloc(e, dn + n) : NULL;
        if (!text) {
            hfi_free(e, prev, sizeof *prev * n);
            return HF_ENOMEM;
        }
        hfi_deflate_free(e, dd, z);
        z->prev = prev;
        z->text = text;
        z->cap = n;
    }
    /* fixed codes take at most 9 bits a literal; the block's header and end, a few bytes */
    if (!hfi_buf_reserve(out, n + n / 8 + 16))
        return HF_ENOMEM;
    if (++z->gen == 0) { /* the stamps wrapped: forget them all */
        memset(z->head, 0, sizeof z->head);
        z->gen = 1;
    }
    memcpy(z->text, dd->p, dn);
    memcpy(z->text + dn, in, n);
    const unsigned char *t = z->text;
    const uint64_t stamp = (uint64_t)z->gen << 32;
    bits w = {(unsigned char *)out->p + out->len, 0, 0};
    put(&w, 3, 3); /* the last block, fixed codes */
    for (uint32_t cur = dn, end = dn + (uint32_t)n; cur < end;) {
        size_t best = 0, dist = 0, room = end - cur < MAX_MATCH ? end - cur : MAX_MATCH;
        uint32_t h;
        if (room >= MIN_MATCH) {
            h = hash3(t + cur);
            uint32_t cand = (z->head[h] >> 32) == z->gen ? (uint32_t)z->head[h] : dd->head[h];
            for (int chain = 0; cand != NONE && chain < MAX_CHAIN && cur - cand <= MAX_DIST;
                 chain++) {
                if (t[cand + best] == t[cur + best]) { /* can it beat the best? */
                    size_t len = agree(t + cand, t + cur, room);
                    if (len > best) {
                        best = len;
                        dist = cur - cand;
                        if (len >= NICE_MATCH || len == room)
                            break;
                    }
                }
                cand = cand < dn ? dd->prev[cand] : z->prev[cand - dn];
            }
        }
        size_t take = best >= MIN_MATCH ? best : 1;
        if (best >= MIN_MATCH)
            put_match(&w, (unsigned)best, (unsigned)dist);
        else
            put_lit(&w, t[cur]);
        for (size_t k = 0; k < take; k++, cur++) { /* every position covered joins its chain */
            if (end - cur < MIN_MATCH)
                continue;
            h = hash3(t + cur);
            z->prev[cur - dn] = (z->head[h] >> 32) == z->gen ? (uint32_t)z->head[h] : dd->head[h];
            z->head[h] = stamp | cur;
        }
    }
    put_lit(&w, 256);
    if (w.n)
        put(&w, 0, 8 - w.n);
    out->len = (size_t)((char *)w.p - out->p);
    return HF_OK;
}

void hfi_deflate_free(hf_engine *e, const hfi_deflate_dict *dd, hfi_deflate_state *z)
{
    hfi_free(e, z->prev, sizeof *z->prev * z->cap);
    if (z->text)
        hfi_free(e, z->text, dd->n + z->cap);
    z->prev = NULL;
    z->text = NULL;
    z->cap = 0;
}
