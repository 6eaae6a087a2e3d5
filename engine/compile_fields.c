/*
 * compile_fields.c — reading the typed fields of a flow's tables (step ids, texts, functions,
 * lists, set tables) and reporting problems as "FILE: flow 'ID': step 'STEP': problem". Problems
 * are collected, not raised, so an author sees all of them at once; only running out of memory
 * raises.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "compile.h"

const char *const hfi_input_names[HFI_NINPUTS] = {"text", "number", "money",
                                                  "date", "email",  "phone"};
const char *const hfi_priorities[4] = {"low", "normal", "high", "urgent"};

void hfi_cc_problem(hfi_cc *c, const char *step, const char *fmt, ...)
{
    if (c->nerr++ >= MAX_ERRORS)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hfi_buf *b = &c->e->err;
    if (b->len)
        hfi_buf_addc(b, '\n');
    hfi_buf_adds(b, c->name);
    hfi_buf_adds(b, ": ");
    if (c->f && c->f->id) {
        hfi_buf_adds(b, "flow '");
        hfi_buf_adds(b, c->f->id);
        hfi_buf_adds(b, "': ");
    }
    if (step && c->raw_where) {
        hfi_buf_adds(b, step);
        hfi_buf_adds(b, ": ");
    } else if (step) {
        hfi_buf_adds(b, "step '");
        hfi_buf_adds(b, step);
        hfi_buf_adds(b, "': ");
    }
    hfi_buf_adds(b, msg);
    c->rc = HF_ECHECK;
}

/* Allocation failure while compiling is a memory error, raised in Lua terms. */
char *hfi_cc_dup(hfi_cc *c, const char *s)
{
    char *d = hfi_strdup(c->e, s);
    if (!d)
        luaL_error(c->L, "not enough memory");
    return d;
}

void *hfi_cc_zalloc(hfi_cc *c, size_t n)
{
    void *p = hfi_salloc(c->e, n);
    if (!p)
        luaL_error(c->L, "not enough memory");
    return p;
}

bool hfi_cc_run_chunk(hfi_cc *c, const char *kind, const char *shape)
{
    lua_State *L = c->L;
    hf_engine *e = c->e;
    lua_pushfstring(L, "=%s", c->name);
    int rc = luaL_loadbufferx(L, c->src, c->len, lua_tostring(L, -1), "t");
    if (rc != LUA_OK) {
        hfi_buf_reset(&e->err);
        hfi_buf_adds(&e->err, lua_tostring(L, -1));
        c->rc = rc == LUA_ERRSYNTAX ? HF_ESYNTAX : HF_ENOMEM;
        return false;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, "hf.env");
    lua_setupvalue(L, -2, 1);
    hfi_budget_call(e, 0, 1);
    const char *got = hfi_dsl_kind(L, -1);
    if (!got || strcmp(got, kind) != 0) {
        hfi_cc_problem(c, NULL, "the file must return %s", shape);
        return false;
    }
    return true;
}

uint32_t hfi_cc_count(lua_State *L, int idx)
{
    uint32_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        n++;
        lua_pop(L, 1);
    }
    return n;
}

int hfi_fn_ref(lua_State *L, hf_engine *e, int idx)
{
    idx = lua_absindex(L, idx);
    lua_rawgeti(L, LUA_REGISTRYINDEX, e->fns);
    lua_pushvalue(L, idx);
    lua_rawseti(L, -2, ++e->nfns);
    lua_pop(L, 1);
    return e->nfns;
}

/* Checks that every key of the table at idx is a string in `allowed`. */
void hfi_cc_fields(hfi_cc *c, int idx, const char *step, const char *what,
                         const char *const *allowed)
{
    lua_State *L = c->L;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            hfi_cc_problem(c, step, "%s has a field that is not a name", what);
            continue;
        }
        const char *k = lua_tostring(L, -1);
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            ok |= strcmp(*a, k) == 0;
        if (!ok)
            hfi_cc_problem(c, step, "%s has an unknown field '%s'", what, k);
    }
}

int hfi_cc_step_index(hfi_cc *c, const char *id)
{
    int lo = 0, hi = (int)c->f->nsteps - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, r = strcmp(c->ids[mid], id);
        if (r == 0)
            return mid;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return HFI_NONE;
}

/* The step named by the string at idx (a `go`-like field), or HFI_NONE with a problem. */
int hfi_cc_target(hfi_cc *c, int idx, const char *step, const char *field)
{
    lua_State *L = c->L;
    if (lua_type(L, idx) != LUA_TSTRING) {
        hfi_cc_problem(c, step, "%s must be a step id (a string), not a %s", field,
                luaL_typename(L, idx));
        return HFI_NONE;
    }
    int t = hfi_cc_step_index(c, lua_tostring(L, idx));
    if (t == HFI_NONE)
        hfi_cc_problem(c, step, "%s to unknown step '%s'", field, lua_tostring(L, idx));
    return t;
}

/* The value at idx as JSON. Encoding may raise: it writes into the engine's scratch buffer,
 * which nothing leaks from, and only the finished text is copied out. */
char *hfi_cc_json(hfi_cc *c, int idx)
{
    hfi_buf *b = &c->e->tmp;
    hfi_buf_reset(b);
    hfi_json_encode(c->L, idx, b, NULL);
    char *s = hfi_buf_dup(b, NULL);
    if (!s)
        luaL_error(c->L, "not enough memory");
    return s;
}

/* An array of strings, as JSON "[...]" (or items only, when bare). */
char *hfi_cc_string_list(hfi_cc *c, int idx, const char *step, const char *field, bool bare)
{
    lua_State *L = c->L;
    if (lua_type(L, idx) != LUA_TTABLE) {
        hfi_cc_problem(c, step, "%s must be a list of strings", field);
        return NULL;
    }
    hfi_buf b;
    hfi_buf_init(&b, c->e);
    if (!bare)
        hfi_buf_addc(&b, '[');
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    size_t count = hfi_cc_count(L, idx);
    if ((lua_Integer)count != n)
        hfi_cc_problem(c, step, "%s must be a list of strings", field);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        if (lua_type(L, -1) != LUA_TSTRING)
            hfi_cc_problem(c, step, "%s must be a list of strings", field);
        else {
            if (i > 1)
                hfi_buf_addc(&b, ',');
            size_t l;
            const char *s = lua_tolstring(L, -1, &l);
            hfi_buf_add_jstr(&b, s, l);
        }
        lua_pop(L, 1);
    }
    if (!bare)
        hfi_buf_addc(&b, ']');
    char *s = hfi_buf_dup(&b, NULL);
    hfi_buf_free(&b);
    if (!s)
        luaL_error(L, "not enough memory");
    return s;
}

void hfi_cc_text(hfi_cc *c, int idx, const char *step, const char *field, hfi_text *t)
{
    lua_State *L = c->L;
    const char *key;
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        return;
    case LUA_TSTRING: {
        t->kind = HFI_TEXT_LIT;
        t->s = hfi_cc_dup(c, lua_tostring(L, idx));
        hfi_buf b;
        hfi_buf_init(&b, c->e);
        hfi_buf_add_jstr(&b, lua_tostring(L, idx), lua_rawlen(L, idx)); /* NULs included */
        t->json = hfi_buf_dup(&b, NULL);
        hfi_buf_free(&b);
        if (!t->json)
            luaL_error(L, "not enough memory");
        return;
    }
    case LUA_TFUNCTION:
        t->kind = HFI_TEXT_FN;
        t->ref = hfi_fn_ref(L, c->e, idx);
        return;
    case LUA_TTABLE:
        if ((key = hfi_dsl_tkey(L, idx))) {
            t->kind = HFI_TEXT_KEY;
            t->s = hfi_cc_dup(c, key);
            if (!c->f->nlocales)
                hfi_cc_problem(c, step, "%s uses t\"%s\" but the flow has no strings", field, key);
            else if (!hfi_text_lookup(c->f, NULL, key))
                hfi_cc_problem(c, step, "%s uses t\"%s\", which locale '%s' does not define", field,
                        key, c->f->locales[c->f->default_locale].name);
            return;
        }
        /* fall through */
    default:
        hfi_cc_problem(c, step, "%s must be a string, t\"key\" or a function", field);
    }
}

int hfi_cc_function(hfi_cc *c, int idx, const char *step, const char *field)
{
    if (lua_isnil(c->L, idx))
        return HFI_NONE;
    if (lua_type(c->L, idx) != LUA_TFUNCTION) {
        hfi_cc_problem(c, step, "%s must be a function", field);
        return HFI_NONE;
    }
    return hfi_fn_ref(c->L, c->e, idx);
}

char *hfi_cc_string(hfi_cc *c, int idx, const char *step, const char *field)
{
    if (lua_isnil(c->L, idx))
        return NULL;
    if (lua_type(c->L, idx) != LUA_TSTRING || lua_rawlen(c->L, idx) == 0) {
        hfi_cc_problem(c, step, "%s must be a non-empty string", field);
        return NULL;
    }
    return hfi_cc_dup(c, lua_tostring(c->L, idx));
}

const char *hfi_cc_priority(hfi_cc *c, int idx, const char *step)
{
    if (lua_isnil(c->L, idx))
        return NULL;
    if (lua_type(c->L, idx) == LUA_TSTRING)
        for (int i = 0; i < 4; i++)
            if (strcmp(lua_tostring(c->L, idx), hfi_priorities[i]) == 0)
                return hfi_priorities[i];
    hfi_cc_problem(c, step, "priority must be one of low, normal, high, urgent");
    return NULL;
}

static int sort_sets(const void *a, const void *b)
{
    return strcmp(((const hfi_set *)a)->key, ((const hfi_set *)b)->key);
}

/* A `set` table -> the transition's sorted list of constant JSON values and functions. */
void hfi_cc_set(hfi_cc *c, int idx, const char *step, hfi_trans *t)
{
    lua_State *L = c->L;
    if (lua_isnil(L, idx))
        return;
    if (lua_type(L, idx) != LUA_TTABLE || hfi_dsl_kind(L, idx)) {
        hfi_cc_problem(c, step, "set must be a table of key = value or function");
        return;
    }
    uint32_t n = hfi_cc_count(L, idx);
    if (!n)
        return;
    t->set = hfi_cc_zalloc(c, sizeof *t->set * n);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            hfi_cc_problem(c, step, "set keys must be names");
        } else {
            hfi_set *e = &t->set[t->nset++];
            e->key = hfi_cc_dup(c, lua_tostring(L, -2));
            e->fn = HFI_NONE;
            if (lua_type(L, -1) == LUA_TFUNCTION)
                e->fn = hfi_fn_ref(L, c->e, -1);
            else
                e->json = hfi_cc_json(c, lua_gettop(L)); /* raises on non-data */
        }
        lua_pop(L, 1);
    }
    qsort(t->set, t->nset, sizeof *t->set, sort_sets);
}
