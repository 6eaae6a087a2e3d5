/*
 * ctxview.c — what flow functions see as `ctx`: a read-only view of the session's context JSON.
 *
 * The context lives as canonical JSON text (json.c). Rather than decoding all of it into Lua
 * tables for every call, a function gets a small userdata over a private copy of the text that
 * finds members when they are read: ctx.card.frozen scans two short objects and decodes one
 * boolean. Writing to it is an error ("ctx is read-only"), so flow functions stay pure and a
 * view can be reused for as long as the context does not change. To flow code a view behaves as
 * a table: indexing, #, pairs, ipairs, type() == "table", tostring() gives its JSON.
 */
#include <string.h>

#include <lauxlib.h>

#include "internal.h"

typedef struct view {
    const char *p; /* the object or array, inside the text its user value holds */
    size_t n;
    bool raw;      /* the host's text as it came: it may repeat a name */
    bool unique;   /* ... but not in this object: the first match is the only one */
} view;

static view *check(lua_State *L, int idx)
{
    return hfi_view_json(L, idx, NULL) ? lua_touserdata(L, idx) : NULL;
}

const char *hfi_view_json(lua_State *L, int idx, size_t *len)
{
    if (lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx))
        return NULL;
    lua_rawgeti(L, LUA_REGISTRYINDEX, hfi_engine_of(L)->viewmt);
    bool ours = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    if (!ours)
        return NULL;
    view *v = lua_touserdata(L, idx);
    if (len)
        *len = v->n;
    return v->p;
}

/* Pushes the JSON value at p..end: scalars as Lua values, objects and arrays as views sharing
 * the text of the view at `owner`. */
static void push_value(lua_State *L, int owner, const char *p, const char *end)
{
    if (*p != '{' && *p != '[') {
        hfi_json_push(L, p, (size_t)(end - p));
        return;
    }
    bool raw = ((view *)lua_touserdata(L, owner))->raw;
    view *v = lua_newuserdatauv(L, sizeof *v, 1);
    v->p = p;
    v->n = (size_t)(end - p);
    v->raw = raw;
    v->unique = false;
    lua_getiuservalue(L, owner, 1);
    lua_setiuservalue(L, -2, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, hfi_engine_of(L)->viewmt);
    lua_setmetatable(L, -2);
}

static const char *ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || *p == ','))
        p++;
    return p;
}

/* Walks to the next member (objects) or item (arrays) from p; false at the end. */
typedef struct cursor {
    const char *p, *end;
    const char *kp, *kq; /* key text, between its quotes (objects) */
    const char *vp, *vq; /* value */
} cursor;

static bool next_item(cursor *c, bool object)
{
    const char *p = ws(c->p, c->end);
    if (p >= c->end || *p == '}' || *p == ']')
        return false;
    if (object) {
        c->kp = p + 1;
        c->kq = hfi_json_skip(p, c->end) - 1;
        p = c->kq + 1;
        while (p < c->end && (*p == ':' || *p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
            p++;
    }
    c->vp = p;
    c->vq = hfi_json_skip(p, c->end);
    c->p = c->vq;
    return true;
}

static int v_index(lua_State *L)
{
    view *v = check(L, 1);
    bool object = v->p[0] == '{';
    cursor c = {v->p + 1, v->p + v->n, 0, 0, 0, 0};
    hfi_budget_charge(L, v->n / 16);
    if (object) {
        if (lua_type(L, 2) != LUA_TSTRING)
            return 0;
        size_t klen;
        const char *key = lua_tolstring(L, 2, &klen);
        const char *vp = NULL, *vq = NULL;
        while (next_item(&c, true))
            if (hfi_json_keycmp(c.kp, c.kq, key, klen) == 0) {
                vp = c.vp, vq = c.vq;
                if (!v->raw || v->unique)
                    break; /* names are unique here */
            }
        if (!vp)
            return 0;
        push_value(L, 1, vp, vq); /* in raw text, the last of repeated names, as JSON readers do */
        return 1;
    }
    if (!lua_isinteger(L, 2))
        return 0;
    lua_Integer want = lua_tointeger(L, 2);
    for (lua_Integer i = 1; want >= 1 && next_item(&c, false); i++)
        if (i == want) {
            push_value(L, 1, c.vp, c.vq);
            return 1;
        }
    return 0;
}

static int v_newindex(lua_State *L)
{
    return luaL_error(L, "read-only: flow code cannot change it (a flow changes its context "
                         "with save or set)");
}

static int v_len(lua_State *L)
{
    view *v = check(L, 1);
    lua_Integer n = 0;
    if (v->p[0] == '[') {
        cursor c = {v->p + 1, v->p + v->n, 0, 0, 0, 0};
        while (next_item(&c, false))
            n++;
    }
    lua_pushinteger(L, n);
    return 1;
}

static int v_tostring(lua_State *L)
{
    view *v = check(L, 1);
    lua_pushlstring(L, v->p, v->n);
    return 1;
}

static int v_eq(lua_State *L)
{
    view *a = check(L, 1), *b = check(L, 2);
    lua_pushboolean(L, a && b && a->n == b->n && memcmp(a->p, b->p, a->n) == 0);
    return 1;
}

/* next(view, key): the member or item after key, found by walking from the start. */
static int v_next(lua_State *L)
{
    view *v = check(L, 1);
    bool object = v->p[0] == '{';
    cursor c = {v->p + 1, v->p + v->n, 0, 0, 0, 0};
    lua_settop(L, 2);
    hfi_budget_charge(L, v->n / 16);
    lua_Integer i = 0;
    bool found = lua_isnil(L, 2);
    while (next_item(&c, object)) {
        i++;
        if (found) {
            if (object)
                hfi_json_push(L, c.kp - 1, (size_t)(c.kq - c.kp) + 2);
            else
                lua_pushinteger(L, i);
            push_value(L, 1, c.vp, c.vq);
            return 2;
        }
        if (object) {
            size_t klen;
            const char *key = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &klen) : NULL;
            found = key && hfi_json_keycmp(c.kp, c.kq, key, klen) == 0;
        } else {
            found = lua_isinteger(L, 2) && lua_tointeger(L, 2) == i;
        }
    }
    lua_pushnil(L);
    return 1;
}

static int v_pairs(lua_State *L)
{
    check(L, 1);
    lua_pushcfunction(L, v_next);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* ---- sandbox functions that must see views as tables -------------------------------- */

static int sb_type(lua_State *L)
{
    luaL_checkany(L, 1);
    if (check(L, 1))
        lua_pushliteral(L, "table");
    else
        lua_pushstring(L, luaL_typename(L, 1));
    return 1;
}

static int sb_next(lua_State *L)
{
    if (check(L, 1))
        return v_next(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    if (lua_next(L, 1))
        return 2;
    lua_pushnil(L);
    return 1;
}

static int sb_rawget(lua_State *L)
{
    if (check(L, 1)) {
        lua_settop(L, 2);
        return v_index(L) ? 1 : (lua_pushnil(L), 1);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    lua_settop(L, 2);
    lua_rawget(L, 1);
    return 1;
}

static int sb_rawlen(lua_State *L)
{
    if (check(L, 1))
        return v_len(L);
    int t = lua_type(L, 1);
    luaL_argexpected(L, t == LUA_TTABLE || t == LUA_TSTRING, 1, "table or string");
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, 1));
    return 1;
}

void hfi_view_open(lua_State *L, int env)
{
    static const luaL_Reg mt[] = {{"__index", v_index},       {"__newindex", v_newindex},
                                  {"__len", v_len},           {"__pairs", v_pairs},
                                  {"__tostring", v_tostring}, {"__eq", v_eq},
                                  {NULL, NULL}};
    luaL_newlib(L, mt);
    lua_pushliteral(L, "ctx");
    lua_setfield(L, -2, "__name");
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    hfi_engine_of(L)->viewmt = luaL_ref(L, LUA_REGISTRYINDEX);
    static const luaL_Reg fns[] = {{"type", sb_type},
                                   {"next", sb_next},
                                   {"rawget", sb_rawget},
                                   {"rawlen", sb_rawlen},
                                   {NULL, NULL}};
    for (const luaL_Reg *f = fns; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, env, f->name);
    }
}

void hfi_view_push(lua_State *L, const char *text, size_t len, bool raw)
{
    char *copy = lua_newuserdatauv(L, len + 1, 0);
    memcpy(copy, text, len);
    copy[len] = '\0';
    view *v = lua_newuserdatauv(L, sizeof *v, 1);
    v->p = copy;
    v->n = len;
    v->raw = raw;
    v->unique = true; /* callers hand over objects whose top level names are unique */
    lua_insert(L, -2);
    lua_setiuservalue(L, -2, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, hfi_engine_of(L)->viewmt);
    lua_setmetatable(L, -2);
}
