/*
 * buf.c — growable byte buffers, and the JSON text writer's primitives. A buffer that fails to
 * grow remembers it (oom) and ignores later writes; callers check once at the end.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void hfi_buf_init(hfi_buf *b, hf_engine *e)
{
    memset(b, 0, sizeof *b);
    b->e = e;
}

void hfi_buf_free(hfi_buf *b)
{
    hfi_free(b->e, b->p, b->cap);
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

void hfi_buf_reset(hfi_buf *b)
{
    b->len = 0;
    b->oom = false;
    if (b->p)
        b->p[0] = '\0';
}

bool hfi_buf_reserve(hfi_buf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *p = hfi_realloc(b->e, b->p, b->cap, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void hfi_buf_add(hfi_buf *b, const char *s, size_t n)
{
    if (!hfi_buf_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void hfi_buf_adds(hfi_buf *b, const char *s) { hfi_buf_add(b, s, strlen(s)); }

void hfi_buf_addc(hfi_buf *b, char c)
{
    if (!hfi_buf_reserve(b, 1))
        return;
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}

void hfi_buf_add_i64(hfi_buf *b, int64_t v)
{
    char tmp[24], *p = tmp + sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    hfi_buf_add(b, p, (size_t)(tmp + sizeof tmp - p));
}

/* The shortest of %.15g, %.16g, %.17g that reads back as the same double. */
void hfi_buf_add_num(hfi_buf *b, double v)
{
    if (!isfinite(v)) {
        hfi_buf_add(b, "null", 4);
        return;
    }
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        hfi_buf_add_i64(b, (int64_t)v);
        return;
    }
    char tmp[40];
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    hfi_buf_add(b, tmp, (size_t)n);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

size_t hfi_utf8_put(char out[4], unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

long hfi_hex4(const char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

void hfi_buf_add_jstr(hfi_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (n > (SIZE_MAX - 2) / 6 || !hfi_buf_reserve(b, n * 6 + 2))
        return;
    char *o = b->p + b->len;
    const unsigned char *u = (const unsigned char *)s;
    *o++ = '"';
    for (size_t i = 0; i < n;) {
        /* eight bytes at a time while none needs escaping: no control character, quote,
         * backslash or non-ASCII byte */
        while (n - i >= 8) {
            uint64_t x;
            memcpy(&x, u + i, 8);
            if (hfi_swar_special(x))
                break;
            memcpy(o, u + i, 8);
            o += 8;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned c = u[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            *o++ = (char)c;
            i++;
        } else if (c >= 0x80) {
            size_t l = utf8_len(u + i, n - i);
            if (l) {
                memcpy(o, u + i, l);
                o += l;
                i += l;
            } else { /* invalid UTF-8 becomes U+FFFD */
                memcpy(o, "\xEF\xBF\xBD", 3);
                o += 3;
                i++;
            }
        } else {
            *o++ = '\\';
            switch (c) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            case '\b': *o++ = 'b'; break;
            case '\f': *o++ = 'f'; break;
            default:
                *o++ = 'u';
                *o++ = '0';
                *o++ = '0';
                *o++ = hex[c >> 4];
                *o++ = hex[c & 15];
            }
            i++;
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
    b->p[b->len] = '\0';
}

void hfi_buf_add_jstrz(hfi_buf *b, const char *s) { hfi_buf_add_jstr(b, s, strlen(s)); }

void hfi_buf_add_idz(hfi_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (!hfi_buf_reserve(b, n + 2))
        return;
    b->p[b->len] = '"';
    memcpy(b->p + b->len + 1, s, n);
    b->p[b->len + n + 1] = '"';
    b->len += n + 2;
    b->p[b->len] = '\0';
}

bool hfi_ident_ok(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '.' || *s == '-' || *s == ':'))
            return false;
    return true;
}

char *hfi_buf_dup(hfi_buf *b, size_t *len)
{
    if (b->oom)
        return NULL;
    char *d = hfi_strndup(b->e, b->p ? b->p : "", b->len);
    if (d && len)
        *len = b->len;
    return d;
}
