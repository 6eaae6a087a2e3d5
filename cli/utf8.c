/* utf8.c — code points and validity of UTF-8 text (utf8.h). */
#include "utf8.h"

size_t cli_utf8_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static int continues(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* The length of the valid sequence at s, with left bytes left, or 0. The second byte's range
 * rules out overlong forms (E0, F0), surrogates (ED) and code points past U+10FFFF (F4). */
static size_t sequence(const unsigned char *s, size_t left)
{
    unsigned char lo = 0x80, hi = 0xBF;
    size_t need;

    if (s[0] == 0)
        return 0;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        need = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        need = 3, lo = s[0] == 0xE0 ? 0xA0 : 0x80, hi = s[0] == 0xED ? 0x9F : 0xBF;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        need = 4, lo = s[0] == 0xF0 ? 0x90 : 0x80, hi = s[0] == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    if (left < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < need; k++)
        if (!continues(s[k]))
            return 0;
    return need;
}

long cli_utf8_bad_at(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        size_t len = sequence(p + i, n - i);
        if (len == 0)
            return (long)i;
        i += len;
    }
    return -1;
}
