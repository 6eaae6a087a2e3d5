/*
 * json.c — Lua values <-> JSON text. Contexts live as JSON text in C (compact, isolated, cheap
 * to park and to snapshot); flow functions see them as Lua tables decoded per event.
 *
 * Encoding is deterministic: object keys are written in byte order, so the same context always
 * gives the same text (deterministic replay, stable snapshots).
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <lauxlib.h>

#include "internal.h"

#define MAX_DEPTH 64

typedef struct keyref {
    const char *s;
    size_t n;
} keyref;

static int keycmp(const void *a, const void *b)
{
    const keyref *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->s, y->s, n);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

static void encode(lua_State *L, int idx, hfi_buf *b, const hfi_jopts *o, int depth);

static void encode_table(lua_State *L, int idx, hfi_buf *b, const hfi_jopts *o, int depth)
{
    const char *key = hfi_dsl_tkey(L, idx);
    if (key) {
        const char *txt = o && o->flow ? hfi_text_lookup(o->flow, o->locale, key) : key;
        hfi_buf_add_jstrz(b, txt ? txt : key);
        return;
    }
    if (hfi_dsl_kind(L, idx))
        luaL_error(L, "a flow or step cannot be used as data");
    if (depth >= MAX_DEPTH)
        luaL_error(L, "data nested too deeply (or a table that contains itself)");
    lua_Unsigned n = lua_rawlen(L, idx);
    size_t count = 0, strkeys = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        count++;
        if (lua_type(L, -2) == LUA_TSTRING)
            strkeys++;
        lua_pop(L, 1);
    }
    if (count > 0 && count == n) { /* an array */
        hfi_buf_addc(b, '[');
        for (lua_Unsigned i = 1; i <= n; i++) {
            if (i > 1)
                hfi_buf_addc(b, ',');
            lua_rawgeti(L, idx, (lua_Integer)i);
            encode(L, lua_gettop(L), b, o, depth + 1);
            lua_pop(L, 1);
        }
        hfi_buf_addc(b, ']');
        return;
    }
    if (strkeys != count)
        luaL_error(L, "data tables need string keys (or be arrays 1..n)");
    hfi_budget_charge(L, count);
    keyref *keys = count ? lua_newuserdatauv(L, count * sizeof *keys, 0) : NULL;
    int keys_at = lua_gettop(L);
    size_t k = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        keys[k].s = lua_tolstring(L, -2, &keys[k].n); /* keys stay alive in the table */
        k++;
        lua_pop(L, 1);
    }
    qsort(keys, count, sizeof *keys, keycmp);
    hfi_buf_addc(b, '{');
    for (size_t i = 0; i < count; i++) {
        if (i)
            hfi_buf_addc(b, ',');
        hfi_buf_add_jstr(b, keys[i].s, keys[i].n);
        hfi_buf_addc(b, ':');
        lua_pushlstring(L, keys[i].s, keys[i].n);
        lua_rawget(L, idx);
        encode(L, lua_gettop(L), b, o, depth + 1);
        lua_pop(L, 1);
    }
    hfi_buf_addc(b, '}');
    if (count)
        lua_remove(L, keys_at);
}

static void encode(lua_State *L, int idx, hfi_buf *b, const hfi_jopts *o, int depth)
{
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        hfi_buf_add(b, "null", 4);
        break;
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, idx))
            hfi_buf_add(b, "true", 4);
        else
            hfi_buf_add(b, "false", 5);
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            hfi_buf_add_i64(b, (int64_t)lua_tointeger(L, idx));
        else
            hfi_buf_add_num(b, (double)lua_tonumber(L, idx));
        break;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        hfi_buf_add_jstr(b, s, n);
        break;
    }
    case LUA_TTABLE:
        encode_table(L, idx, b, o, depth);
        break;
    default:
        luaL_error(L, "a %s cannot be stored as data", luaL_typename(L, idx));
    }
    if (b->oom)
        luaL_error(L, "not enough memory");
}

void hfi_json_encode(lua_State *L, int idx, hfi_buf *b, const hfi_jopts *o)
{
    luaL_checkstack(L, MAX_DEPTH * 2 + 10, "data nested too deeply");
    encode(L, lua_absindex(L, idx), b, o, 0);
}

void hfi_json_push_cjson(lua_State *L, const cJSON *j, int depth)
{
    if (depth > MAX_DEPTH)
        luaL_error(L, "data nested too deeply");
    luaL_checkstack(L, 4, "data nested too deeply");
    if (cJSON_IsNull(j) || cJSON_IsInvalid(j)) {
        lua_pushnil(L);
    } else if (cJSON_IsBool(j)) {
        lua_pushboolean(L, cJSON_IsTrue(j));
    } else if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        lua_Integer i;
        if (d >= -9007199254740992.0 && d <= 9007199254740992.0 && lua_numbertointeger(d, &i) &&
            (double)i == d)
            lua_pushinteger(L, i);
        else
            lua_pushnumber(L, d);
    } else if (cJSON_IsString(j)) {
        lua_pushstring(L, j->valuestring);
    } else if (cJSON_IsArray(j)) {
        int n = cJSON_GetArraySize(j), i = 1;
        lua_createtable(L, n, 0);
        for (const cJSON *c = j->child; c; c = c->next) {
            hfi_json_push_cjson(L, c, depth + 1);
            lua_rawseti(L, -2, i++);
        }
    } else if (cJSON_IsObject(j)) {
        lua_createtable(L, 0, cJSON_GetArraySize(j));
        for (const cJSON *c = j->child; c; c = c->next) {
            lua_pushstring(L, c->string);
            hfi_json_push_cjson(L, c, depth + 1);
            lua_rawset(L, -3);
        }
    } else {
        lua_pushnil(L);
    }
}

static int push_tree(lua_State *L)
{
    hfi_json_push_cjson(L, lua_touserdata(L, 1), 0);
    return 1;
}

/* The conversion may raise (out of memory): run it in its own protected call so that cJSON's
 * tree is always freed, then pass the error on. */
void hfi_json_push(lua_State *L, const char *text, size_t len)
{
    cJSON *j = cJSON_ParseWithLength(text, len);
    if (!j)
        luaL_error(L, "internal: stored JSON does not parse");
    lua_pushcfunction(L, push_tree);
    lua_pushlightuserdata(L, j);
    int rc = lua_pcall(L, 1, 1, 0);
    cJSON_Delete(j);
    if (rc != LUA_OK)
        lua_error(L);
}

/* ---- cJSON trees -> canonical JSON text --------------------------------------------- */

typedef struct member {
    const cJSON *item;
    size_t order;
} member;

static int member_cmp(const void *a, const void *b)
{
    const member *x = a, *y = b;
    int c = strcmp(x->item->string, y->item->string);
    if (c)
        return c;
    return (x->order > y->order) - (x->order < y->order);
}

/* Writes j as compact JSON with object keys sorted and, for duplicate keys, the last one kept
 * (as JavaScript does). False if nested deeper than MAX_DEPTH or out of memory. */
bool hfi_json_write(hfi_buf *b, const cJSON *j, int depth)
{
    if (depth > MAX_DEPTH)
        return false;
    if (cJSON_IsNull(j)) {
        hfi_buf_add(b, "null", 4);
    } else if (cJSON_IsTrue(j)) {
        hfi_buf_add(b, "true", 4);
    } else if (cJSON_IsFalse(j)) {
        hfi_buf_add(b, "false", 5);
    } else if (cJSON_IsNumber(j)) {
        hfi_buf_add_num(b, j->valuedouble);
    } else if (cJSON_IsString(j)) {
        hfi_buf_add_jstrz(b, j->valuestring);
    } else if (cJSON_IsArray(j)) {
        hfi_buf_addc(b, '[');
        for (const cJSON *c = j->child; c; c = c->next) {
            if (c != j->child)
                hfi_buf_addc(b, ',');
            if (!hfi_json_write(b, c, depth + 1))
                return false;
        }
        hfi_buf_addc(b, ']');
    } else if (cJSON_IsObject(j)) {
        size_t n = 0;
        for (const cJSON *c = j->child; c; c = c->next)
            n++;
        member *m = n ? hfi_alloc(b->e, sizeof *m * n) : NULL;
        if (n && !m)
            return false;
        size_t k = 0;
        for (const cJSON *c = j->child; c; c = c->next, k++) {
            m[k].item = c;
            m[k].order = k;
        }
        qsort(m, n, sizeof *m, member_cmp);
        hfi_buf_addc(b, '{');
        bool first = true, ok = true;
        for (size_t i = 0; i < n && ok; i++) {
            if (i + 1 < n && strcmp(m[i].item->string, m[i + 1].item->string) == 0)
                continue; /* a later duplicate wins */
            if (!first)
                hfi_buf_addc(b, ',');
            first = false;
            hfi_buf_add_jstrz(b, m[i].item->string);
            hfi_buf_addc(b, ':');
            ok = hfi_json_write(b, m[i].item, depth + 1);
        }
        hfi_buf_addc(b, '}');
        hfi_free(b->e, m, sizeof *m * n);
        if (!ok)
            return false;
    } else {
        return false;
    }
    return !b->oom;
}
