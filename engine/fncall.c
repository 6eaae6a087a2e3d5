/*
 * fncall.c — every call from the interpreter into flow code: guards, texts, action args,
 * components, validators and context updates. Each runs in one protected call under the
 * budget; afterwards the flow's upvalues are put back (freeze.c), so nothing survives a call.
 *
 * Flow functions see the session's context through a read-only view of its JSON (ctxview.c),
 * made once per change of the context and reused until the next. `save` and `set` change the
 * context's JSON text directly (json.c keeps it canonical), so moving a session on needs no
 * Lua at all unless a flow function has to run.
 */
#include <string.h>

#include <lauxlib.h>

#include "internal.h"

enum { OP_GUARD, OP_TEXT, OP_JSON, OP_VALIDATE, OP_MIGRATE };

typedef struct call {
    hf_engine *e;
    hf_session *s;
    const hfi_flow *f;
    int op;
    int ref;
    hfi_buf *b;
    bool *flag;
    const char *value; /* JSON */
    size_t vlen;
    int64_t from;      /* migrate: the version migrated from */
    char *step;        /* migrate: the step it names, if any */
    size_t steplen;
} call;

static void push_fn(lua_State *L, hf_engine *e, int ref)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, e->fns);
    lua_rawgeti(L, -1, ref);
    lua_remove(L, -2);
}

static void push_view(lua_State *L, hf_engine *e, hf_session *s)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, e->fns);
    if (e->view_of == s && e->view_gen == s->ctx_gen) {
        lua_rawgeti(L, -1, 0);
    } else {
        e->view_of = NULL;
        hfi_view_push(L, s->ctx, s->ctx_len, false);
        lua_pushvalue(L, -1);
        lua_rawseti(L, -3, 0);
        e->view_of = s;
        e->view_gen = s->ctx_gen;
    }
    lua_remove(L, -2);
}

static void text_result(lua_State *L, call *c, int idx)
{
    const char *key = hfi_dsl_tkey(L, idx);
    if (key) {
        const char *t = hfi_text_lookup(c->f, c->s->locale, key);
        hfi_buf_add_jstrz(c->b, t ? t : key);
    } else if (lua_type(L, idx) == LUA_TSTRING || lua_type(L, idx) == LUA_TNUMBER) {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        hfi_buf_add_jstr(c->b, s, n);
    } else {
        luaL_error(L, "a text function must return a string or t\"key\", not a %s",
                   luaL_typename(L, idx));
    }
}

static int body(lua_State *L)
{
    call *c = lua_touserdata(L, 1);
    hf_engine *e = c->e;
    hfi_jopts o = {c->f, c->s->locale};
    switch (c->op) {
    case OP_GUARD:
        push_fn(L, e, c->ref);
        push_view(L, e, c->s);
        hfi_budget_call(e, 1, 1);
        *c->flag = lua_toboolean(L, -1);
        break;
    case OP_TEXT:
        push_fn(L, e, c->ref);
        push_view(L, e, c->s);
        hfi_budget_call(e, 1, 1);
        text_result(L, c, lua_gettop(L));
        break;
    case OP_JSON:
        push_fn(L, e, c->ref);
        if (lua_isfunction(L, -1)) {
            push_view(L, e, c->s);
            hfi_budget_call(e, 1, 1);
        }
        hfi_json_encode(L, -1, c->b, &o);
        break;
    case OP_VALIDATE:
        push_fn(L, e, c->ref);
        hfi_json_push(L, c->value, c->vlen);
        push_view(L, e, c->s);
        hfi_budget_call(e, 2, 2);
        *c->flag = lua_toboolean(L, -2);
        if (!*c->flag && lua_type(L, -1) == LUA_TSTRING)
            text_result(L, c, lua_gettop(L));
        else if (!*c->flag && hfi_dsl_tkey(L, -1))
            text_result(L, c, lua_gettop(L));
        break;
    case OP_MIGRATE:
        push_fn(L, e, c->ref);
        push_view(L, e, c->s);
        lua_pushinteger(L, (lua_Integer)c->from);
        hfi_budget_call(e, 2, 2);
        if (!lua_istable(L, -2) && !hfi_view_json(L, -2, NULL))
            luaL_error(L, "migrate must return the new context (a table), not a %s",
                       luaL_typename(L, -2));
        if (!lua_isnil(L, -1)) {
            size_t n = 0;
            const char *id = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
            if (!id || n >= c->steplen || strlen(id) != n)
                luaL_error(L, "migrate's second result must be a step id");
            memcpy(c->step, id, n + 1);
        }
        if (hfi_view_json(L, -2, NULL)) { /* the context it was given, unchanged */
            size_t n;
            const char *j = hfi_view_json(L, -2, &n);
            hfi_buf_add(c->b, j, n);
        } else {
            hfi_json_encode(L, -2, c->b, &o);
        }
        break;
    }
    return 0;
}

static int run(call *c)
{
    hf_engine *e = c->e;
    char msg[400];
    int rc = hfi_protect(e, body, c, msg, sizeof msg);
    hfi_restore_upvalues(e->L, e, c->f);
    if (rc != HF_OK) {
        const hfi_step *st = hfi_cur(c->s);
        hfi_seterrf(e, "%s: flow '%s': step '%s': %s", c->f->source_name, c->f->id, st->id, msg);
    }
    return rc;
}

int hfi_fn_guard(hf_engine *e, hf_session *s, const hfi_flow *f, int ref, bool *out)
{
    call c = {.e = e, .s = s, .f = f, .op = OP_GUARD, .ref = ref, .flag = out};
    return run(&c);
}

int hfi_fn_text(hf_engine *e, hf_session *s, const hfi_flow *f, const hfi_text *t, hfi_buf *b)
{
    if (t->kind == HFI_TEXT_LIT) {
        hfi_buf_adds(b, t->json);
        return HF_OK;
    }
    if (t->kind == HFI_TEXT_KEY) {
        const char *txt = hfi_text_lookup(f, s->locale, t->s);
        hfi_buf_add_jstrz(b, txt ? txt : t->s);
        return HF_OK;
    }
    size_t at = b->len;
    call c = {.e = e, .s = s, .f = f, .op = OP_TEXT, .ref = t->ref, .b = b};
    int rc = run(&c);
    if (rc != HF_OK)
        b->len = at;
    return rc;
}

int hfi_fn_json(hf_engine *e, hf_session *s, const hfi_flow *f, int ref, hfi_buf *b)
{
    size_t at = b->len;
    call c = {.e = e, .s = s, .f = f, .op = OP_JSON, .ref = ref, .b = b};
    int rc = run(&c);
    if (rc != HF_OK)
        b->len = at;
    return rc;
}

int hfi_fn_migrate(hf_engine *e, hf_session *s, const hfi_flow *f, int64_t from, hfi_buf *ctx,
                   char *step, size_t steplen)
{
    step[0] = '\0';
    call c = {.e = e, .s = s, .f = f, .op = OP_MIGRATE, .ref = f->migrate, .b = ctx,
              .from = from, .step = step, .steplen = steplen};
    return run(&c);
}

int hfi_fn_validate(hf_engine *e, hf_session *s, const hfi_flow *f, int ref, const char *value,
                    size_t vlen, bool *ok, hfi_buf *msg)
{
    call c = {.e = e, .s = s, .f = f, .op = OP_VALIDATE, .ref = ref, .flag = ok, .b = msg,
              .value = value, .vlen = vlen};
    return run(&c);
}

int hfi_ctx_assign(hf_session *s, const char *key, const char *json, size_t jlen)
{
    hf_engine *e = s->e;
    hfi_buf_reset(&e->tmp);
    hfi_json_set_member(&e->tmp, s->ctx, s->ctx_len, key, strlen(key), json, jlen);
    if (e->tmp.oom)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    if (e->tmp.len > e->opt.max_string)
        return hfi_fail(e, HF_EINVAL, "the context would grow past max_string");
    if (strcmp(key, "locale") == 0) {
        char *loc = NULL;
        if (jlen >= 2 && json[0] == '"') {
            hfi_jdoc d = {.e = e};
            hfi_buf_init(&d.strings, e);
            const char *v = hfi_jparse(&d, json, jlen) == HF_OK ? hfi_jstr(&d, 0, NULL) : NULL;
            loc = v ? hfi_strdup(e, v) : NULL;
            hfi_jdoc_free(&d);
            if (!loc)
                return hfi_fail(e, HF_ENOMEM, "out of memory");
        }
        hfi_strfree(e, s->locale);
        s->locale = loc;
    }
    return hfi_ctx_replace(s, e->tmp.p, e->tmp.len);
}

int hfi_ctx_reset(hf_session *s, const char *text, size_t len)
{
    hf_engine *e = s->e;
    hfi_jdoc d = {.e = e};
    hfi_buf_init(&d.strings, e);
    int rc = hfi_jparse(&d, text, len);
    const char *loc = rc == HF_OK ? hfi_jstr(&d, hfi_jget(&d, 0, "locale"), NULL) : NULL;
    char *copy = loc ? hfi_strdup(e, loc) : NULL;
    hfi_jdoc_free(&d);
    if (rc != HF_OK || (loc && !copy))
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    rc = hfi_ctx_replace(s, text, len);
    if (rc != HF_OK) {
        hfi_strfree(e, copy);
        return rc;
    }
    hfi_strfree(e, s->locale);
    s->locale = copy;
    return HF_OK;
}

int hfi_ctx_set(hf_session *s, const hfi_flow *f, const hfi_set *set, uint32_t n)
{
    hf_engine *e = s->e;
    hfi_buf v;
    hfi_buf_init(&v, e);
    int rc = HF_OK;
    for (uint32_t i = 0; i < n && rc == HF_OK; i++) {
        const char *json = set[i].json;
        size_t len = json ? strlen(json) : 0;
        if (!json) {
            hfi_buf_reset(&v);
            rc = hfi_fn_json(e, s, f, set[i].fn, &v);
            json = v.p;
            len = v.len;
        }
        if (rc == HF_OK)
            rc = hfi_ctx_assign(s, set[i].key, json, len);
    }
    hfi_buf_free(&v);
    return rc;
}

int hfi_ctx_replace(hf_session *s, const char *text, size_t len)
{
    hf_engine *e = s->e;
    char *d = hfi_realloc(e, s->ctx, s->ctx ? s->ctx_len + 1 : 0, len + 1);
    if (!d)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    memcpy(d, text, len);
    d[len] = '\0';
    s->ctx = d;
    s->ctx_len = len;
    s->ctx_gen++;
    return HF_OK;
}
