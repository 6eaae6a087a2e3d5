/*
 * dsl.c — the constructors of the flow DSL. They only tag tables: `say { ... }` records that
 * the table is a say step, `flow "id" { ... }` that it is a flow with that id, `t"key"` makes a
 * localised-string marker. compile.c reads the tags; the tables themselves are the author's.
 */
#include <lauxlib.h>

#include "internal.h"

const char *const hfi_kind_names[HFI_NKINDS] = {"say",  "ask",  "action",   "decide",
                                                "call", "wait", "resolved", "escalate"};

static void weak_table(lua_State *L, int *ref)
{
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    *ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

static void tag(lua_State *L, int idx, const char *kind)
{
    hf_engine *e = hfi_engine_of(L);
    idx = lua_absindex(L, idx);
    lua_rawgeti(L, LUA_REGISTRYINDEX, e->kinds);
    lua_pushvalue(L, idx);
    lua_pushstring(L, kind);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

static int step_ctor(lua_State *L)
{
    const char *kind = lua_tostring(L, lua_upvalueindex(1));
    if (lua_type(L, 1) != LUA_TTABLE)
        return luaL_error(L, "%s needs a table: %s { ... }", kind, kind);
    lua_settop(L, 1);
    tag(L, 1, kind);
    return 1;
}

static int flow_body(lua_State *L)
{
    if (lua_type(L, 1) != LUA_TTABLE)
        return luaL_error(L, "flow \"%s\" needs a table: flow \"%s\" { ... }",
                          lua_tostring(L, lua_upvalueindex(1)),
                          lua_tostring(L, lua_upvalueindex(1)));
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_setfield(L, -2, "id");
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "spec");
    tag(L, -1, "flow");
    return 1;
}

static int flow_ctor(lua_State *L)
{
    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_error(L, "flow needs an id first: flow \"id\" { ... }");
    lua_settop(L, 1);
    lua_pushcclosure(L, flow_body, 1);
    return 1;
}

static int t_ctor(lua_State *L)
{
    hf_engine *e = hfi_engine_of(L);
    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_error(L, "t needs a string key: t\"card.frozen\"");
    lua_createtable(L, 1, 0);
    lua_pushvalue(L, 1);
    lua_rawseti(L, -2, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, e->tmarks);
    lua_pushvalue(L, -2);
    lua_pushvalue(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    return 1;
}

void hfi_dsl_open(lua_State *L, int env)
{
    hf_engine *e = hfi_engine_of(L);
    weak_table(L, &e->kinds);
    weak_table(L, &e->tmarks);
    for (int k = 0; k < HFI_NKINDS; k++) {
        lua_pushstring(L, hfi_kind_names[k]);
        lua_pushcclosure(L, step_ctor, 1);
        lua_setfield(L, env, hfi_kind_names[k]);
    }
    lua_pushliteral(L, "routing"); /* routing { ... }: a routing config (route.c) */
    lua_pushcclosure(L, step_ctor, 1);
    lua_setfield(L, env, "routing");
    lua_pushcfunction(L, flow_ctor);
    lua_setfield(L, env, "flow");
    lua_pushcfunction(L, t_ctor);
    lua_setfield(L, env, "t");
}

static const char *lookup(lua_State *L, int idx, int ref)
{
    if (lua_type(L, idx) != LUA_TTABLE)
        return NULL;
    idx = lua_absindex(L, idx);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_pushvalue(L, idx);
    lua_rawget(L, -2);
    const char *s = lua_tostring(L, -1); /* anchored: the weak table holds it while idx lives */
    lua_pop(L, 2);
    return s;
}

const char *hfi_dsl_kind(lua_State *L, int idx) { return lookup(L, idx, hfi_engine_of(L)->kinds); }
const char *hfi_dsl_tkey(lua_State *L, int idx) { return lookup(L, idx, hfi_engine_of(L)->tmarks); }
