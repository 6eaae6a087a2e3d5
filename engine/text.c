/*
 * text.c — localised strings. A flow's `strings` are compiled into sorted key arrays per
 * locale; t"key" resolves against the session's locale (ctx.locale): the exact locale, else one
 * of the same language ("cy" for "cy-GB"), else the flow's default locale.
 */
#include <string.h>

#include "internal.h"

static const char *find(const hfi_locale *l, const char *key)
{
    int lo = 0, hi = (int)l->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, r = strcmp(l->keys[mid], key);
        if (r == 0)
            return l->texts[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

static size_t lang_len(const char *s)
{
    size_t n = 0;
    while (s[n] && s[n] != '-' && s[n] != '_')
        n++;
    return n;
}

static const hfi_locale *pick(const hfi_flow *f, const char *locale)
{
    if (!locale)
        return NULL;
    for (uint32_t i = 0; i < f->nlocales; i++)
        if (f->locales[i].name && strcmp(f->locales[i].name, locale) == 0)
            return &f->locales[i];
    size_t n = lang_len(locale);
    for (uint32_t i = 0; i < f->nlocales; i++) {
        const char *name = f->locales[i].name;
        if (name && lang_len(name) == n && strncmp(name, locale, n) == 0)
            return &f->locales[i];
    }
    return NULL;
}

const char *hfi_text_lookup_in(const hfi_flow *f, const char *locale, const char *key)
{
    if (!f->nlocales)
        return NULL;
    const hfi_locale *l = locale ? pick(f, locale) : &f->locales[f->default_locale];
    return l ? find(l, key) : NULL;
}

const char *hfi_text_lookup(const hfi_flow *f, const char *locale, const char *key)
{
    if (!f->nlocales)
        return NULL;
    const hfi_locale *l = pick(f, locale);
    const char *s = l ? find(l, key) : NULL;
    if (!s && f->locales[f->default_locale].name)
        s = find(&f->locales[f->default_locale], key);
    return s;
}
