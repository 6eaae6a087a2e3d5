/*
 * sandbox.c — the engine's one Lua state, and the discipline at every entry into it.
 *
 * Flow code sees a read-only environment holding the DSL and the safe parts of the base,
 * string, table, math and utf8 libraries. Every call into flow code runs inside lua_pcall,
 * under an instruction budget counted by a hook that keeps firing once the budget is spent (so
 * a script's own pcall cannot swallow the kill), and under the Lua heap cap. Library functions
 * that work inside C, where no hook fires, charge the budget for that work; string patterns are
 * refused when their worst-case backtracking on the subject is out of proportion.
 */
#include <math.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "internal.h"

#define HOOK_EVERY 1000                /* instructions between hook calls */
#define PATTERN_MAX_COST 2e7           /* worst-case steps a pattern call may take */

hf_engine *hfi_engine_of(lua_State *L) { return *(hf_engine **)lua_getextraspace(L); }

static void hook(lua_State *L, lua_Debug *ar);

static void kill(lua_State *L, hf_engine *e, const char *why)
{
    e->killed = true;
    lua_sethook(L, hook, LUA_MASKCOUNT, 1); /* fire on every instruction from now on */
    luaL_error(L, "%s", why);
}

static void hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    hf_engine *e = hfi_engine_of(L);
    if (e->killed) /* keep raising until the error reaches the engine's own pcall */
        luaL_error(L, "instruction budget exceeded");
    if (atomic_exchange(&e->interrupt, 0))
        kill(L, e, "interrupted by the host");
    e->budget -= HOOK_EVERY;
    if (e->budget < 0)
        kill(L, e, "instruction budget exceeded");
}

void hfi_budget_charge(lua_State *L, size_t units)
{
    hf_engine *e = hfi_engine_of(L);
    if (units > (size_t)INT64_MAX / 2)
        units = (size_t)INT64_MAX / 2;
    e->budget -= (int64_t)units;
    if (e->budget < 0)
        kill(L, e, "instruction budget exceeded");
}

void hfi_budget_call(hf_engine *e, int nargs, int nresults)
{
    lua_State *L = e->L;
    e->killed = false;
    e->budget = (int64_t)e->opt.instruction_limit;
    if (atomic_exchange(&e->interrupt, 0))
        luaL_error(L, "interrupted by the host");
    lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_EVERY);
    lua_call(L, nargs, nresults);
    lua_sethook(L, NULL, 0, 0);
}

void hfi_budget_continue(hf_engine *e, int nargs, int nresults)
{
    lua_State *L = e->L;
    e->killed = false;
    if (e->budget <= 0)
        luaL_error(L, "instruction budget exceeded");
    if (atomic_exchange(&e->interrupt, 0))
        luaL_error(L, "interrupted by the host");
    lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_EVERY);
    lua_call(L, nargs, nresults);
    lua_sethook(L, NULL, 0, 0);
}

/* Once killed, the hook must fire on every instruction so that no pcall can resume. */
static void arm_kill(lua_State *L, hf_engine *e)
{
    if (e->killed)
        lua_sethook(L, hook, LUA_MASKCOUNT, 1);
}

typedef struct protected {
    int (*fn)(lua_State *L);
    void *ud;
} protected;

static int trampoline(lua_State *L)
{
    protected *p = lua_touserdata(L, 1);
    lua_settop(L, 0);
    lua_pushlightuserdata(L, p->ud);
    return p->fn(L);
}

static int msgh(lua_State *L)
{
    arm_kill(L, hfi_engine_of(L));
    return 1;
}

int hfi_protect(hf_engine *e, int (*fn)(lua_State *L), void *ud, char *errbuf, size_t errlen)
{
    lua_State *L = e->L;
    protected p = {fn, ud};
    int top = lua_gettop(L);
    lua_pushcfunction(L, msgh);
    lua_pushcfunction(L, trampoline);
    lua_pushlightuserdata(L, &p);
    int rc = lua_pcall(L, 1, 0, top + 1);
    lua_sethook(L, NULL, 0, 0);
    bool killed = e->killed;
    e->killed = false;
    if (rc == LUA_OK) {
        lua_settop(L, top);
        return HF_OK;
    }
    const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    if (killed)
        msg = "instruction budget exceeded";
    else if (rc == LUA_ERRMEM)
        msg = "memory limit exceeded";
    else if (!msg)
        msg = "error object is not a string";
    if (errbuf && errlen) {
        size_t n = strlen(msg);
        if (n >= errlen)
            n = errlen - 1;
        memcpy(errbuf, msg, n);
        errbuf[n] = '\0';
    }
    lua_settop(L, top);
    if (rc == LUA_ERRMEM)
        lua_gc(L, LUA_GCCOLLECT);
    return rc == LUA_ERRMEM ? HF_ENOMEM : HF_ERROR;
}

/* ---- read-only tables ---------------------------------------------------------------- */

static int ro_newindex(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TSTRING)
        return luaL_error(L, "cannot assign '%s': flow code cannot change shared tables or "
                             "globals", lua_tostring(L, 2));
    return luaL_error(L, "flow code cannot change shared tables or globals");
}

static int ro_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, lua_upvalueindex(1)));
    return 1;
}

static int ro_next(lua_State *L)
{
    lua_settop(L, 2);
    if (lua_next(L, lua_upvalueindex(1)))
        return 2;
    lua_pushnil(L);
    return 1;
}

static int ro_pairs(lua_State *L)
{
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__index");
    lua_pushcclosure(L, ro_next, 1);
    lua_pushnil(L);
    lua_pushnil(L);
    return 3;
}

int hfi_readonly_target(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx))
        return 0;
    lua_pushliteral(L, "__newindex");
    lua_rawget(L, -2);
    bool ours = lua_tocfunction(L, -1) == ro_newindex;
    lua_pop(L, 1);
    if (!ours) {
        lua_pop(L, 1);
        return 0;
    }
    lua_pushliteral(L, "__index");
    lua_rawget(L, -2);
    lua_remove(L, -2);
    return 1;
}

void hfi_readonly(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);                 /* the proxy */
    lua_createtable(L, 0, 5);        /* its metatable */
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, ro_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, idx);
    lua_pushcclosure(L, ro_len, 1);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, ro_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_replace(L, idx);
}

/* ---- charged library functions ------------------------------------------------------- */

enum { C_PLAIN, C_PATTERN, C_FIND, C_REP, C_TABLE, C_MOVE, C_UNPACK };

static size_t string_units(lua_State *L, int from, int to)
{
    size_t u = 0;
    for (int i = from; i <= to; i++)
        if (lua_type(L, i) == LUA_TSTRING)
            u += lua_rawlen(L, i);
    return u;
}

/* Worst-case backtracking of a Lua pattern on n bytes: n^(q+1) * 2^k, q the unbounded
 * repetitions (* + - %b, back-references) and k the optional items (?). A call whose worst
 * case is out of proportion is refused; the others are charged for it. */
static void check_pattern(lua_State *L, bool find)
{
    if (lua_type(L, 1) != LUA_TSTRING && lua_type(L, 1) != LUA_TNUMBER)
        return; /* the library reports the bad argument */
    if (lua_type(L, 2) != LUA_TSTRING || (find && lua_toboolean(L, 4)))
        return; /* a plain find: linear */
    size_t n, plen;
    lua_tolstring(L, 1, &n);
    const char *p = lua_tolstring(L, 2, &plen);
    int q = 0, k = 0;
    bool inset = false;
    for (size_t i = 0; i < plen; i++) {
        char c = p[i];
        if (c == '%' && i + 1 < plen) {
            char d = p[++i];
            if (!inset && (d == 'b' || (d >= '1' && d <= '9')))
                q++;
            continue;
        }
        if (inset) {
            if (c == ']')
                inset = false;
            continue;
        }
        if (c == '[') {
            inset = true;
            if (i + 1 < plen && p[i + 1] == '^')
                i++;
            if (i + 1 < plen && p[i + 1] == ']')
                i++;
        } else if (c == '*' || c == '+' || c == '-') {
            q++;
        } else if (c == '?') {
            k++;
        }
    }
    double cost = pow((double)n + 1, q + 1) * pow(2.0, k > 60 ? 60 : k);
    if (cost > PATTERN_MAX_COST)
        luaL_error(L, "pattern too complex for a subject of %d bytes", (int)n);
    hfi_budget_charge(L, (size_t)(cost / 32) + n);
}

static int charged(lua_State *L)
{
    hf_engine *e = hfi_engine_of(L);
    int n = lua_gettop(L);
    int mode = (int)lua_tointeger(L, lua_upvalueindex(2));
    hfi_budget_charge(L, 1 + string_units(L, 1, n) / 16);
    switch (mode) {
    case C_PATTERN:
    case C_FIND:
        check_pattern(L, mode == C_FIND);
        break;
    case C_REP: {
        lua_Integer reps = luaL_optinteger(L, 2, 0);
        /* a number to repeat is at most a few dozen bytes once converted */
        size_t len = lua_type(L, 1) == LUA_TSTRING ? lua_rawlen(L, 1)
                     : lua_type(L, 1) == LUA_TNUMBER ? 48 : 0;
        size_t sep = lua_type(L, 3) == LUA_TSTRING ? lua_rawlen(L, 3) : 0;
        if (reps > 0 && (double)reps * (double)(len + sep) > (double)e->opt.max_string)
            return luaL_error(L, "string.rep: result longer than %d bytes",
                              (int)e->opt.max_string);
        break;
    }
    case C_TABLE: /* length through __len, so read-only views are charged too */
        if (lua_type(L, 1) == LUA_TTABLE || lua_type(L, 1) == LUA_TUSERDATA) {
            double len = (double)luaL_len(L, 1);
            if (len > 0)
                hfi_budget_charge(L, (size_t)(len * (1 + log2(len + 1))));
        }
        break;
    case C_MOVE:
        if (lua_isinteger(L, 2) && lua_isinteger(L, 3)) {
            lua_Integer f = lua_tointeger(L, 2), t = lua_tointeger(L, 3);
            if (t >= f)
                hfi_budget_charge(L, (size_t)((double)t - (double)f + 1));
        }
        break;
    case C_UNPACK: {
        lua_Integer i = luaL_optinteger(L, 2, 1);
        lua_Integer j = lua_isnoneornil(L, 3) ? (lua_type(L, 1) == LUA_TTABLE ||
                                                 lua_type(L, 1) == LUA_TUSERDATA
                                                     ? luaL_len(L, 1) : 0)
                                              : luaL_checkinteger(L, 3);
        if (j >= i)
            hfi_budget_charge(L, (size_t)((double)j - (double)i + 1));
        break;
    }
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    int r = lua_gettop(L);
    hfi_budget_charge(L, string_units(L, 1, r) / 16);
    for (int i = 1; i <= r; i++)
        if (lua_type(L, i) == LUA_TSTRING && lua_rawlen(L, i) > e->opt.max_string)
            return luaL_error(L, "string longer than %d bytes", (int)e->opt.max_string);
    return r;
}

/* Copies the functions named in `names` from the table at src into a new table, wrapped with
 * the given charging mode unless listed in `free_fns`. Pushes the new table. */
typedef struct libfn {
    const char *name;
    int mode; /* -1: copy as is */
} libfn;

static void copy_lib(lua_State *L, int src, const libfn *fns)
{
    lua_newtable(L);
    for (const libfn *f = fns; f->name; f++) {
        lua_getfield(L, src, f->name);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            continue;
        }
        if (f->mode >= 0 && lua_iscfunction(L, -1)) {
            lua_pushinteger(L, f->mode);
            lua_pushcclosure(L, charged, 2);
        }
        lua_setfield(L, -2, f->name);
    }
}

static const libfn base_fns[] = {
    {"assert", -1}, {"error", -1}, {"ipairs", -1}, {"next", -1}, {"pairs", -1},
    {"pcall", -1}, {"xpcall", -1}, {"select", -1}, {"tonumber", C_PLAIN},
    {"tostring", C_PLAIN}, {"type", -1}, {"rawequal", -1}, {"rawlen", -1}, {"rawget", -1},
    {NULL, 0}};
static const libfn string_fns[] = {
    {"byte", C_PLAIN}, {"char", C_PLAIN}, {"find", C_FIND}, {"format", C_PLAIN},
    {"gmatch", C_PATTERN}, {"gsub", C_PATTERN}, {"len", -1}, {"lower", C_PLAIN},
    {"match", C_PATTERN}, {"rep", C_REP}, {"reverse", C_PLAIN}, {"sub", C_PLAIN},
    {"upper", C_PLAIN}, {"pack", C_PLAIN}, {"packsize", C_PLAIN}, {"unpack", C_PLAIN},
    {NULL, 0}};
static const libfn table_fns[] = {
    {"concat", C_TABLE}, {"insert", C_TABLE}, {"move", C_MOVE}, {"pack", -1},
    {"remove", C_TABLE}, {"sort", C_TABLE}, {"unpack", C_UNPACK}, {NULL, 0}};
static const libfn math_fns[] = {
    {"abs", -1}, {"ceil", -1}, {"cos", -1}, {"deg", -1}, {"exp", -1}, {"floor", -1},
    {"fmod", -1}, {"log", -1}, {"max", -1}, {"min", -1}, {"modf", -1}, {"rad", -1},
    {"sin", -1}, {"sqrt", -1}, {"tan", -1}, {"tointeger", -1}, {"type", -1}, {"ult", -1},
    {"acos", -1}, {"asin", -1}, {"atan", -1}, {"huge", -1}, {"pi", -1},
    {"maxinteger", -1}, {"mininteger", -1}, {NULL, 0}};
static const libfn utf8_fns[] = {
    {"char", C_PLAIN}, {"charpattern", -1}, {"codes", C_PLAIN}, {"codepoint", C_PLAIN},
    {"len", C_PLAIN}, {"offset", C_PLAIN}, {NULL, 0}};

static int open_libs(lua_State *L)
{
    luaL_requiref(L, "_G", luaopen_base, 0);
    int g = lua_gettop(L);
    luaL_requiref(L, "string", luaopen_string, 0);
    int str = lua_gettop(L);
    luaL_requiref(L, "table", luaopen_table, 0);
    luaL_requiref(L, "math", luaopen_math, 0);
    luaL_requiref(L, "utf8", luaopen_utf8, 0);

    copy_lib(L, g, base_fns); /* the environment */
    int env = lua_gettop(L);
    lua_pushliteral(L, LUA_VERSION);
    lua_setfield(L, env, "_VERSION");

    const struct {
        const char *name;
        int src;
        const libfn *fns;
    } libs[] = {{"string", str, string_fns},
                {"table", str + 1, table_fns},
                {"math", str + 2, math_fns},
                {"utf8", str + 3, utf8_fns}};
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        copy_lib(L, libs[i].src, libs[i].fns);
        hfi_readonly(L, -1);
        if (i == 0) { /* methods on strings ("x"):rep(...) reach the sandbox's string table */
            lua_pushliteral(L, "");
            lua_getmetatable(L, -1);
            lua_pushvalue(L, -3);
            lua_setfield(L, -2, "__index");
            lua_pop(L, 2);
        }
        lua_setfield(L, env, libs[i].name);
    }
    hfi_dsl_open(L, env);
    hfi_view_open(L, env);
    hfi_readonly(L, env);
    lua_setfield(L, LUA_REGISTRYINDEX, "hf.env");

    lua_newtable(L);
    hfi_engine_of(L)->fns = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

int hfi_sandbox_open(hf_engine *e)
{
    e->lua_limit = e->opt.memory_limit;
    lua_State *L = lua_newstate(hfi_lua_alloc, e);
    if (!L)
        return HF_ENOMEM;
    *(hf_engine **)lua_getextraspace(L) = e;
    e->L = L;
    lua_gc(L, LUA_GCGEN, 0, 0);
    char msg[256];
    int rc = hfi_protect(e, open_libs, NULL, msg, sizeof msg);
    if (rc != HF_OK) {
        lua_close(L);
        e->L = NULL;
        return HF_ENOMEM;
    }
    return HF_OK;
}
