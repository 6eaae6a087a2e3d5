/*
 * freeze.c — flow code must not keep state between calls, or one session could leave data for
 * another. Globals and libraries are read-only already; what is left are the flow file's own
 * locals, captured as upvalues. At load, every table reachable from the flow's functions through
 * upvalues is replaced by a read-only view (deeply), and every upvalue's value is recorded; after
 * each call into flow code the recorded values are put back.
 */
#include <lauxlib.h>

#include "internal.h"

/* Makes the table at idx (and the tables inside it) read-only in place of its users; pushes
 * the read-only view. `seen` maps original tables to their views. */
#define MAX_DEPTH 64

/* A DSL object or t"key" marker keeps its meaning through its read-only view. */
static void retag(lua_State *L, int ref, int orig, int view)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_pushvalue(L, orig);
    if (lua_rawget(L, -2) != LUA_TNIL) {
        lua_pushvalue(L, view);
        lua_insert(L, -2);
        lua_rawset(L, -3);
    } else {
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static void note_function(lua_State *L, int fnset)
{
    lua_pushvalue(L, -1);
    lua_pushboolean(L, 1);
    lua_rawset(L, fnset);
}

static void freeze_table(lua_State *L, int idx, int seen, int fnset, int depth)
{
    idx = lua_absindex(L, idx);
    if (depth > MAX_DEPTH)
        luaL_error(L, "tables nested more than %d deep in the flow's locals", MAX_DEPTH);
    luaL_checkstack(L, 8, "tables nested too deeply");
    lua_pushvalue(L, idx);
    if (lua_rawget(L, seen) != LUA_TNIL)
        return; /* its view, made before (cycles end here too) */
    lua_pop(L, 1);
    if (lua_getmetatable(L, idx)) { /* a read-only view already (libraries, the environment) */
        lua_pop(L, 1);
        lua_pushvalue(L, idx);
        return;
    }
    /* keys cannot be replaced where they stand: a table with table keys is copied instead */
    bool table_keys = false;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_istable(L, -1)) {
            table_keys = true;
            lua_pop(L, 1);
            break;
        }
    }
    if (table_keys)
        lua_newtable(L);
    else
        lua_pushvalue(L, idx);
    int target = lua_gettop(L);
    lua_pushvalue(L, target);
    hfi_readonly(L, -1);
    int view = lua_gettop(L);
    hf_engine *e = hfi_engine_of(L);
    retag(L, e->kinds, idx, view);
    retag(L, e->tmarks, idx, view);
    lua_pushvalue(L, idx);
    lua_pushvalue(L, view);
    lua_rawset(L, seen); /* before the contents: a table that holds itself gets its view */
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        bool replaced = false;
        if (lua_istable(L, -1)) {
            freeze_table(L, -1, seen, fnset, depth + 1);
            lua_replace(L, -2);
            replaced = true;
        } else if (lua_isfunction(L, -1)) {
            note_function(L, fnset);
        }
        if (table_keys) {
            lua_pushvalue(L, -2);
            if (lua_istable(L, -1)) {
                freeze_table(L, -1, seen, fnset, depth + 1);
                lua_replace(L, -2);
            } else if (lua_isfunction(L, -1)) {
                note_function(L, fnset);
            }
            lua_insert(L, -2);
            lua_rawset(L, target);
        } else if (replaced) { /* replacing an existing key's value is safe during next */
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, idx);
        } else {
            lua_pop(L, 1);
        }
    }
    lua_remove(L, target);
}

/* Walks the function at idx: freezes the tables its upvalues hold, records every upvalue once
 * (by identity) into the restore list {fn, n, value, ...}, and walks functions it reaches. */
static void walk_function(lua_State *L, int idx, int seen, int fnset, int list, int ids)
{
    idx = lua_absindex(L, idx);
    for (int n = 1;; n++) {
        const char *name = lua_getupvalue(L, idx, n);
        if (!name)
            break;
        void *id = lua_upvalueid(L, idx, n);
        lua_pushlightuserdata(L, id);
        bool known = lua_rawget(L, ids) != LUA_TNIL;
        lua_pop(L, 1);
        if (known) {
            lua_pop(L, 1);
            continue;
        }
        lua_pushlightuserdata(L, id);
        lua_pushboolean(L, 1);
        lua_rawset(L, ids);
        if (lua_istable(L, -1)) {
            freeze_table(L, -1, seen, fnset, 0);
            lua_remove(L, -2);
            lua_pushvalue(L, -1);
            lua_setupvalue(L, idx, n);
        } else if (lua_isfunction(L, -1)) {
            lua_pushvalue(L, -1);
            lua_pushboolean(L, 1);
            lua_rawset(L, fnset);
        }
        /* the values may be nil: count in list[0], never with the length operator */
        lua_rawgeti(L, list, 0);
        lua_Integer at = lua_tointeger(L, -1);
        lua_pop(L, 1);
        lua_pushinteger(L, at + 3);
        lua_rawseti(L, list, 0);
        lua_pushvalue(L, idx);
        lua_rawseti(L, list, at + 1);
        lua_pushinteger(L, n);
        lua_rawseti(L, list, at + 2);
        lua_rawseti(L, list, at + 3);
    }
}

void hfi_freeze_flow(lua_State *L, hf_engine *e, hfi_flow *f, int first_fn)
{
    int top = lua_gettop(L);
    lua_newtable(L);
    int seen = top + 1;
    lua_newtable(L);
    int fnset = top + 2;
    lua_newtable(L);
    int list = top + 3;
    lua_newtable(L);
    int ids = top + 4;
    lua_newtable(L);
    int done = top + 5;
    lua_rawgeti(L, LUA_REGISTRYINDEX, e->fns);
    for (int i = first_fn; i <= e->nfns; i++) {
        lua_rawgeti(L, -1, i);
        if (lua_istable(L, -1)) { /* a static table (args, set lists, components) */
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                if (lua_isfunction(L, -1)) {
                    lua_pushvalue(L, -1);
                    lua_pushboolean(L, 1);
                    lua_rawset(L, fnset);
                } else if (lua_istable(L, -1)) {
                    freeze_table(L, -1, seen, fnset, 0);
                    lua_pop(L, 1);
                }
                lua_pop(L, 1);
            }
        } else if (lua_isfunction(L, -1)) {
            lua_pushvalue(L, -1);
            lua_pushboolean(L, 1);
            lua_rawset(L, fnset);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    /* walk functions until no new one appears */
    for (bool more = true; more;) {
        more = false;
        lua_pushnil(L);
        while (lua_next(L, fnset)) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            if (lua_rawget(L, done) == LUA_TNIL) {
                lua_pop(L, 1);
                lua_pushvalue(L, -1);
                lua_pushboolean(L, 1);
                lua_rawset(L, done);
                if (!lua_iscfunction(L, -1))
                    walk_function(L, -1, seen, fnset, list, ids);
                more = true;
                lua_pop(L, 1);
                break; /* fnset may have grown: restart the traversal */
            }
            lua_pop(L, 1);
        }
    }
    lua_rawgeti(L, list, 0);
    bool any = lua_tointeger(L, -1) > 0;
    lua_pop(L, 1);
    f->upvalues = any ? hfi_fn_ref(L, e, list) : HFI_NONE;
    lua_settop(L, top);
}

void hfi_restore_upvalues(lua_State *L, hf_engine *e, const hfi_flow *f)
{
    if (f->upvalues == HFI_NONE)
        return;
    lua_rawgeti(L, LUA_REGISTRYINDEX, e->fns);
    lua_rawgeti(L, -1, f->upvalues);
    int list = lua_gettop(L);
    lua_rawgeti(L, list, 0);
    lua_Integer n = lua_tointeger(L, -1);
    lua_pop(L, 1);
    for (lua_Integer i = 1; i <= n; i += 3) {
        lua_rawgeti(L, list, i);
        int fn = lua_gettop(L);
        int up = (int)(lua_rawgeti(L, list, i + 1), lua_tointeger(L, -1));
        lua_getupvalue(L, fn, up);
        lua_rawgeti(L, list, i + 2);
        if (!lua_rawequal(L, -1, -2)) {
            lua_setupvalue(L, fn, up);
            lua_pop(L, 1);
        } else {
            lua_pop(L, 2);
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 2);
}
