/*
 * jparse.c — the strict JSON reader for everything a host sends (contexts, events, outcome
 * records). RFC 8259 exactly: no trailing commas, comments, leading zeros, bare control
 * characters, lone surrogates or invalid UTF-8; at most 64 levels deep. It builds a small tree
 * of nodes that point into the text, in an arena the engine reuses, so reading an event
 * allocates nothing once the engine is warm and every byte goes through the engine's hook.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_DEPTH 64

typedef struct parser {
    hfi_jdoc *d;
    const char *p, *end, *start;
    const char *err;
} parser;

static int fail(parser *ps, const char *msg)
{
    if (!ps->err)
        ps->err = msg;
    return -1;
}

static int new_node(parser *ps, uint8_t type)
{
    hfi_jdoc *d = ps->d;
    if (d->n == d->cap) {
        uint32_t cap = d->cap ? d->cap * 2 : 32;
        hfi_jnode *nodes = hfi_realloc(d->e, d->nodes, sizeof *nodes * d->cap,
                                       sizeof *nodes * cap);
        if (!nodes)
            return fail(ps, "out of memory");
        d->nodes = nodes;
        d->cap = cap;
    }
    hfi_jnode *n = &d->nodes[d->n];
    memset(n, 0, sizeof *n);
    n->type = type;
    n->child = n->next = -1;
    return (int)d->n++;
}

static void ws(parser *ps)
{
    while (ps->p < ps->end &&
           (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

/* Checks the string at ps->p (an opening quote); sets *s, *n to its raw contents. */
static bool string(parser *ps, const char **s, uint32_t *n, bool *escaped)
{
    const unsigned char *p = (const unsigned char *)ps->p + 1, *end = (const unsigned char *)ps->end;
    *escaped = false;
    while (p < end && *p != '"') {
        unsigned c = *p;
        if (c < 0x20)
            return fail(ps, "control character in a string"), false;
        if (c == '\\') {
            *escaped = true;
            if (++p >= end)
                break;
            switch (*p) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                p++;
                break;
            case 'u': {
                if (end - p < 5)
                    return fail(ps, "bad \\u escape"), false;
                long cp = hfi_hex4((const char *)p + 1);
                if (cp < 0)
                    return fail(ps, "bad \\u escape"), false;
                p += 5;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    long lo = end - p >= 6 && p[0] == '\\' && p[1] == 'u'
                                  ? hfi_hex4((const char *)p + 2) : -1;
                    if (lo < 0xDC00 || lo > 0xDFFF)
                        return fail(ps, "lone surrogate in a string"), false;
                    p += 6;
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return fail(ps, "lone surrogate in a string"), false;
                }
                break;
            }
            default:
                return fail(ps, "bad escape in a string"), false;
            }
            continue;
        }
        if (c < 0x80) {
            p++;
            continue;
        }
        /* UTF-8: the shortest form, no surrogates, at most U+10FFFF */
        size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                     : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        if (!len || (size_t)(end - p) < len)
            return fail(ps, "invalid UTF-8"), false;
        for (size_t i = 1; i < len; i++)
            if ((p[i] & 0xC0) != 0x80)
                return fail(ps, "invalid UTF-8"), false;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) ||
            (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
            return fail(ps, "invalid UTF-8"), false;
        p += len;
    }
    if (p >= end)
        return fail(ps, "unterminated string"), false;
    *s = ps->p + 1;
    *n = (uint32_t)((const char *)p - ps->p - 1);
    ps->p = (const char *)p + 1;
    return true;
}

static bool number(parser *ps, hfi_jnode *node)
{
    const char *p = ps->p, *end = ps->end, *s = p;
    if (p < end && *p == '-')
        p++;
    if (p >= end || *p < '0' || *p > '9')
        return fail(ps, "bad number"), false;
    if (*p == '0')
        p++;
    else
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9')
            return fail(ps, "bad number"), false;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9')
            return fail(ps, "bad number"), false;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    size_t n = (size_t)(p - s);
    /* a plain decimal of at most 15 digits is exact as integer / 10^k: the same double strtod
     * gives, without its cost */
    {
        static const double pow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
                                       1e11, 1e12, 1e13, 1e14, 1e15};
        const char *q = s;
        bool neg = *q == '-';
        q += neg;
        uint64_t m = 0;
        int digits = 0, frac = -1;
        for (; q < p; q++) {
            if (*q == '.') {
                frac = 0;
                continue;
            }
            if (*q < '0' || *q > '9')
                break;
            m = m * 10 + (uint64_t)(*q - '0');
            digits++;
            frac += frac >= 0;
        }
        if (q == p && digits <= 15) {
            double v = (double)m / pow10[frac > 0 ? frac : 0];
            node->num = neg ? -v : v;
            node->s = s;
            node->n = (uint32_t)n;
            ps->p = p;
            return true;
        }
    }
    char tmp[64];
    if (n >= sizeof tmp) { /* a very long number: copy what strtod needs */
        char *big = hfi_alloc(ps->d->e, n + 1);
        if (!big)
            return fail(ps, "out of memory"), false;
        memcpy(big, s, n);
        big[n] = '\0';
        node->num = strtod(big, NULL);
        hfi_free(ps->d->e, big, n + 1);
    } else {
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        node->num = strtod(tmp, NULL);
    }
    node->s = s;
    node->n = (uint32_t)n;
    ps->p = p;
    return true;
}

static bool literal(parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return fail(ps, "unexpected character"), false;
    ps->p += n;
    return true;
}

static int value(parser *ps, int depth)
{
    if (depth > MAX_DEPTH)
        return fail(ps, "nested too deeply");
    ws(ps);
    if (ps->p >= ps->end)
        return fail(ps, "unexpected end");
    char c = *ps->p;
    int i;
    switch (c) {
    case '{':
    case '[': {
        bool object = c == '{';
        if ((i = new_node(ps, object ? HFI_J_OBJECT : HFI_J_ARRAY)) < 0)
            return -1;
        const char *open = ps->p++;
        int last = -1;
        ws(ps);
        if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) {
            ps->p++;
            ps->d->nodes[i].s = open;
            ps->d->nodes[i].n = (uint32_t)(ps->p - open);
            return i;
        }
        for (;;) {
            const char *key = NULL;
            uint32_t klen = 0;
            bool kesc = false;
            ws(ps);
            if (object) {
                if (ps->p >= ps->end || *ps->p != '"')
                    return fail(ps, "expected a member name");
                if (!string(ps, &key, &klen, &kesc))
                    return -1;
                ws(ps);
                if (ps->p >= ps->end || *ps->p != ':')
                    return fail(ps, "expected ':'");
                ps->p++;
            }
            int v = value(ps, depth + 1);
            if (v < 0)
                return -1;
            hfi_jnode *vn = &ps->d->nodes[v];
            vn->key = key;
            vn->klen = klen;
            vn->kesc = kesc;
            if (last < 0)
                ps->d->nodes[i].child = v;
            else
                ps->d->nodes[last].next = v;
            last = v;
            ps->d->nodes[i].count++;
            ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) {
                ps->p++;
                break;
            }
            return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
        }
        ps->d->nodes[i].s = open;
        ps->d->nodes[i].n = (uint32_t)(ps->p - open);
        return i;
    }
    case '"': {
        if ((i = new_node(ps, HFI_J_STRING)) < 0)
            return -1;
        const char *s;
        uint32_t n;
        bool esc;
        if (!string(ps, &s, &n, &esc))
            return -1;
        ps->d->nodes[i].s = s;
        ps->d->nodes[i].n = n;
        ps->d->nodes[i].esc = esc;
        return i;
    }
    case 't':
        return literal(ps, "true") ? new_node(ps, HFI_J_TRUE) : -1;
    case 'f':
        return literal(ps, "false") ? new_node(ps, HFI_J_FALSE) : -1;
    case 'n':
        return literal(ps, "null") ? new_node(ps, HFI_J_NULL) : -1;
    default:
        if ((i = new_node(ps, HFI_J_NUMBER)) < 0)
            return -1;
        return number(ps, &ps->d->nodes[i]) ? i : -1;
    }
}

int hfi_jparse(hfi_jdoc *d, const char *text, size_t len)
{
    d->n = 0;
    hfi_buf_reset(&d->strings);
    d->err[0] = '\0';
    /* unescaped strings are never longer than the text, plus a NUL each: reserve it now so
     * that reading strings later cannot fail */
    if (!hfi_buf_reserve(&d->strings, 2 * len + 16)) {
        snprintf(d->err, sizeof d->err, "out of memory");
        return HF_ENOMEM;
    }
    parser ps = {d, text, text + len, text, NULL};
    int root = value(&ps, 0);
    if (root >= 0) {
        ws(&ps);
        if (ps.p < ps.end)
            root = fail(&ps, "unexpected text after the value");
    }
    if (root < 0) {
        snprintf(d->err, sizeof d->err, "%s at byte %ld", ps.err ? ps.err : "bad JSON",
                 (long)(ps.p - text));
        return strcmp(ps.err ? ps.err : "", "out of memory") == 0 ? HF_ENOMEM : HF_EINVAL;
    }
    return HF_OK;
}

void hfi_jdoc_free(hfi_jdoc *d)
{
    hfi_free(d->e, d->nodes, sizeof *d->nodes * d->cap);
    d->nodes = NULL;
    d->n = d->cap = 0;
    hfi_buf_free(&d->strings);
}

/* ---- reading the tree ---------------------------------------------------------------- */

/* Unescapes checked string contents into b. */
static void unescape(hfi_buf *b, const char *s, size_t n)
{
    const char *end = s + n;
    while (s < end) {
        const char *q = memchr(s, '\\', (size_t)(end - s));
        if (!q) {
            hfi_buf_add(b, s, (size_t)(end - s));
            return;
        }
        hfi_buf_add(b, s, (size_t)(q - s));
        char c = q[1];
        s = q + 2;
        switch (c) {
        case 'b': hfi_buf_addc(b, '\b'); break;
        case 'f': hfi_buf_addc(b, '\f'); break;
        case 'n': hfi_buf_addc(b, '\n'); break;
        case 'r': hfi_buf_addc(b, '\r'); break;
        case 't': hfi_buf_addc(b, '\t'); break;
        case 'u': {
            unsigned long cp = (unsigned long)hfi_hex4(s);
            s += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned long)hfi_hex4(s + 2) - 0xDC00);
                s += 6;
            }
            char u[4];
            hfi_buf_add(b, u, hfi_utf8_put(u, cp));
            break;
        }
        default: hfi_buf_addc(b, c);
        }
    }
}

const char *hfi_jstr(hfi_jdoc *d, int i, size_t *len)
{
    if (i < 0 || d->nodes[i].type != HFI_J_STRING)
        return NULL;
    hfi_jnode *n = &d->nodes[i];
    if (!n->esc && !n->unescaped) {
        /* contents without escapes are the string itself; NUL-terminate a copy for C */
        size_t at = d->strings.len;
        hfi_buf_add(&d->strings, n->s, n->n);
        hfi_buf_addc(&d->strings, '\0');
        if (d->strings.oom)
            return NULL;
        n->unescaped = (uint32_t)at + 1;
        n->ulen = n->n;
    } else if (!n->unescaped) {
        size_t at = d->strings.len;
        unescape(&d->strings, n->s, n->n);
        n->ulen = (uint32_t)(d->strings.len - at);
        hfi_buf_addc(&d->strings, '\0');
        if (d->strings.oom)
            return NULL;
        n->unescaped = (uint32_t)at + 1;
    }
    if (len)
        *len = n->ulen;
    return d->strings.p + n->unescaped - 1;
}

static bool key_is(hfi_jdoc *d, const hfi_jnode *n, const char *key, size_t klen)
{
    if (!n->kesc)
        return n->klen == klen && memcmp(n->key, key, klen) == 0;
    size_t at = d->strings.len;
    unescape(&d->strings, n->key, n->klen);
    bool same = d->strings.len - at == klen && memcmp(d->strings.p + at, key, klen) == 0;
    d->strings.len = at;
    return same;
}

int hfi_jget(hfi_jdoc *d, int obj, const char *key)
{
    if (obj < 0 || d->nodes[obj].type != HFI_J_OBJECT)
        return -1;
    size_t klen = strlen(key);
    int found = -1; /* the last of duplicate members wins, as in JavaScript */
    for (int c = d->nodes[obj].child; c >= 0; c = d->nodes[c].next)
        if (key_is(d, &d->nodes[c], key, klen))
            found = c;
    return found;
}

/* ---- writing a tree back, canonically ------------------------------------------------ */

typedef struct keyed {
    const char *k;
    size_t n;
    int node;
    int order;
} keyed;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->k, y->k, n);
    if (!c)
        c = (x->n > y->n) - (x->n < y->n);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

static bool write_node(hfi_jdoc *d, int i, hfi_buf *b, const char *const *skip, int depth);

static bool write_object(hfi_jdoc *d, int i, hfi_buf *b, const char *const *skip, int depth)
{
    uint32_t count = d->nodes[i].count;
    keyed small[16];
    keyed *k = count <= 16 ? small : hfi_alloc(d->e, sizeof *k * count);
    if (!k)
        return false;
    /* member names, unescaped, live in d->strings: take offsets first, pointers after */
    int m = 0;
    size_t *offs = NULL;
    for (int c = d->nodes[i].child; c >= 0; c = d->nodes[c].next, m++) {
        hfi_jnode *n = &d->nodes[c];
        k[m].node = c;
        k[m].order = m;
        if (!n->kesc) {
            k[m].k = n->key;
            k[m].n = n->klen;
        } else {
            size_t at = d->strings.len;
            unescape(&d->strings, n->key, n->klen);
            k[m].k = NULL;
            k[m].n = d->strings.len - at;
            n->ulen = (uint32_t)at; /* scratch: where its name starts */
        }
    }
    (void)offs;
    if (d->strings.oom) {
        if (k != small)
            hfi_free(d->e, k, sizeof *k * count);
        return false;
    }
    for (int j = 0; j < m; j++)
        if (!k[j].k)
            k[j].k = d->strings.p + d->nodes[k[j].node].ulen;
    qsort(k, (size_t)m, sizeof *k, keyed_cmp);
    hfi_buf_addc(b, '{');
    bool first = true, ok = true;
    for (int j = 0; j < m && ok; j++) {
        if (j + 1 < m && k[j].n == k[j + 1].n && memcmp(k[j].k, k[j + 1].k, k[j].n) == 0)
            continue; /* a later duplicate wins */
        bool skipped = false;
        for (const char *const *s = depth == 0 ? skip : NULL; s && *s && !skipped; s++)
            skipped = strlen(*s) == k[j].n && memcmp(*s, k[j].k, k[j].n) == 0;
        if (skipped)
            continue;
        if (!first)
            hfi_buf_addc(b, ',');
        first = false;
        hfi_buf_add_jstr(b, k[j].k, k[j].n);
        hfi_buf_addc(b, ':');
        ok = write_node(d, k[j].node, b, skip, depth + 1);
    }
    hfi_buf_addc(b, '}');
    if (k != small)
        hfi_free(d->e, k, sizeof *k * count);
    return ok;
}

static bool write_node(hfi_jdoc *d, int i, hfi_buf *b, const char *const *skip, int depth)
{
    hfi_jnode *n = &d->nodes[i];
    switch (n->type) {
    case HFI_J_NULL: hfi_buf_add(b, "null", 4); break;
    case HFI_J_TRUE: hfi_buf_add(b, "true", 4); break;
    case HFI_J_FALSE: hfi_buf_add(b, "false", 5); break;
    case HFI_J_NUMBER: hfi_buf_add_num(b, n->num); break;
    case HFI_J_STRING:
        if (!n->esc) { /* checked contents without escapes are already canonical */
            hfi_buf_addc(b, '"');
            hfi_buf_add(b, n->s, n->n);
            hfi_buf_addc(b, '"');
        } else {
            size_t len;
            const char *s = hfi_jstr(d, i, &len);
            if (!s)
                return false;
            hfi_buf_add_jstr(b, s, len);
        }
        break;
    case HFI_J_ARRAY:
        hfi_buf_addc(b, '[');
        for (int c = n->child; c >= 0; c = d->nodes[c].next) {
            if (c != n->child)
                hfi_buf_addc(b, ',');
            if (!write_node(d, c, b, skip, depth + 1))
                return false;
        }
        hfi_buf_addc(b, ']');
        break;
    case HFI_J_OBJECT:
        if (!write_object(d, i, b, skip, depth))
            return false;
        break;
    }
    return !b->oom && !d->strings.oom;
}

bool hfi_jwrite(hfi_jdoc *d, int i, hfi_buf *b, const char *const *skip)
{
    if (i < 0) {
        hfi_buf_add(b, "null", 4);
        return !b->oom;
    }
    return write_node(d, i, b, skip, 0);
}
