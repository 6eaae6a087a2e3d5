/*
 * alloc.c — every byte the engine holds goes through the host's allocation hook (or realloc),
 * so that hf_engine_memory() is exact and the Lua heap can be capped.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void *raw(hf_engine *e, void *p, size_t old, size_t n)
{
    if (n == 0) {
        if (e->opt.alloc)
            return e->opt.alloc(e->opt.alloc_ud, p, old, n);
        free(p);
        return NULL;
    }
    void *q = e->opt.alloc ? e->opt.alloc(e->opt.alloc_ud, p, old, n) : realloc(p, n);
    if (!q)
        e->alloc_failures++;
    return q;
}

void *hfi_realloc(hf_engine *e, void *p, size_t old, size_t n)
{
    void *q = raw(e, p, p ? old : 0, n);
    if (n == 0) {
        e->c_bytes -= p ? old : 0;
        return NULL;
    }
    if (q)
        e->c_bytes += n - (p ? old : 0);
    return q;
}

void *hfi_alloc(hf_engine *e, size_t n) { return hfi_realloc(e, NULL, 0, n ? n : 1); }

void hfi_free(hf_engine *e, void *p, size_t n)
{
    if (p)
        hfi_realloc(e, p, n ? n : 1, 0);
}

char *hfi_strndup(hf_engine *e, const char *s, size_t n)
{
    char *d = hfi_alloc(e, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *hfi_strdup(hf_engine *e, const char *s) { return s ? hfi_strndup(e, s, strlen(s)) : NULL; }

void hfi_strfree(hf_engine *e, char *s)
{
    if (s)
        hfi_free(e, s, strlen(s) + 1);
}

/* lua_Alloc: counts the Lua heap and refuses growth past lua_limit. */
void *hfi_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    hf_engine *e = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        if (ptr) {
            raw(e, ptr, old, 0);
            e->lua_bytes -= old;
        }
        return NULL;
    }
    if (nsize > old && e->lua_bytes + (nsize - old) > e->lua_limit)
        return NULL;
    void *q = raw(e, ptr, old, nsize);
    if (q)
        e->lua_bytes += nsize - old;
    return q;
}

/* Blocks that remember their size, for structures freed far from where they were sized. */
typedef union sized {
    size_t n;
    max_align_t align;
} sized;

void *hfi_salloc(hf_engine *e, size_t n)
{
    if (n == 0) /* a pointer one past the block would look like no pointer to it at all */
        n = 1;
    sized *h = hfi_alloc(e, sizeof *h + n);
    if (!h)
        return NULL;
    h->n = sizeof *h + n;
    memset(h + 1, 0, n);
    return h + 1;
}

void hfi_sfree(hf_engine *e, void *p)
{
    if (!p)
        return;
    sized *h = (sized *)p - 1;
    hfi_free(e, h, h->n);
}
