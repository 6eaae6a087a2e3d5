/* lua_data.c — the capped allocator and the instruction budget of the command's Lua states,
 * and the library loops charged to that budget. */
#include "lua_data.h"

#include <stdlib.h>

/* lua_Alloc with a cap: past it the allocation fails and Lua raises "not enough memory". */
static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    cli_lua_budget *b = ud;
    size_t old = ptr ? osize : 0;
    void *p;

    if (nsize == 0) {
        free(ptr);
        b->used -= old;
        return NULL;
    }
    if (nsize > old && nsize - old > b->limit - b->used)
        return NULL;
    p = realloc(ptr, nsize);
    if (!p)
        return NULL;
    b->used = b->used - old + nsize;
    return p;
}

static void budget_hook(lua_State *L, lua_Debug *ar);

/* The budget's end: past it the hook fires at every instruction, so that no error handler
 * inside the file can swallow the stop. ar is the Lua code running. */
static void stop(lua_State *L, cli_lua_budget *b, lua_Debug *ar)
{
    lua_sethook(L, budget_hook, LUA_MASKCOUNT | LUA_MASKCALL, 1);
    b->over(L, ar);
}

/* ---- loops inside C --------------------------------------------------------------------- */

/* The registry field holding { [function] = LOOP_* } for the library functions charged. */
#define LOOPS_KEY "helpflow.loops"

enum { LOOP_MOVE = 1, LOOP_INSERT, LOOP_REMOVE, LOOP_REP };

/* The turns of the loop a call of the function `loop` names is about to run, its nargs
 * arguments at index base; 0 when they are not what it takes (it raises the error then). */
static lua_Integer loop_turns(lua_State *L, int loop, int base, int nargs)
{
    lua_Integer a, b;
    int ok1, ok2;

    switch (loop) {
    case LOOP_MOVE: /* move(a1, f, e, t [,a2]) runs over f..e */
        a = lua_tointegerx(L, base + 1, &ok1);
        b = lua_tointegerx(L, base + 2, &ok2);
        if (nargs < 3 || !ok1 || !ok2 || b < a)
            return 0;
        return (double)b - (double)a + 1 < (double)LUA_MAXINTEGER ? b - a + 1 : LUA_MAXINTEGER;
    case LOOP_INSERT: /* insert(t, pos, v) shifts t[pos..#t] up */
        if (nargs != 3 || !lua_istable(L, base))
            return 0;
        a = lua_tointegerx(L, base + 1, &ok1);
        b = (lua_Integer)lua_rawlen(L, base);
        return ok1 && a >= 1 && a <= b ? b - a + 1 : 0;
    case LOOP_REMOVE: /* remove(t, pos) shifts t[pos+1..#t] down */
        if (nargs < 2 || !lua_istable(L, base))
            return 0;
        a = lua_tointegerx(L, base + 1, &ok1);
        b = (lua_Integer)lua_rawlen(L, base);
        return ok1 && a >= 1 && a < b ? b - a : 0;
    default: /* rep(s, n [,sep]): only nothing to copy escapes the memory cap */
        if (nargs < 2 || lua_type(L, base) != LUA_TSTRING || lua_rawlen(L, base) > 0 ||
            (nargs > 2 && !lua_isnil(L, base + 2) &&
             (lua_type(L, base + 2) != LUA_TSTRING || lua_rawlen(L, base + 2) > 0)))
            return 0;
        a = lua_tointegerx(L, base + 1, &ok1);
        return ok1 && a > 0 ? a : 0;
    }
}

/* A call is about to run (ar): if it is one of the functions charged, its loop's turns go on
 * the budget first, as that many instructions. */
static void charge_call(lua_State *L, cli_lua_budget *b, lua_Debug *ar)
{
    int top = lua_gettop(L), loop, nargs;
    lua_Integer turns;
    lua_Debug caller;

    if (!lua_getinfo(L, "fr", ar) || !lua_iscfunction(L, -1) ||
        lua_getfield(L, LUA_REGISTRYINDEX, LOOPS_KEY) != LUA_TTABLE) {
        lua_settop(L, top);
        return;
    }
    lua_insert(L, -2);
    lua_rawget(L, -2);
    loop = (int)lua_tointeger(L, -1);
    lua_settop(L, top);
    if (!loop)
        return;
    for (nargs = 0; nargs < ar->ntransfer && nargs < 5; nargs++)
        lua_getlocal(L, ar, ar->ftransfer + nargs); /* pushes the argument */
    turns = loop_turns(L, loop, top + 1, nargs);
    lua_settop(L, top);
    if (turns <= b->max - b->executed) {
        b->executed += turns;
        return;
    }
    b->executed = b->max + 1;
    /* the C function has no line: the Lua code that called it is the one to show */
    if (lua_getstack(L, 1, &caller))
        stop(L, b, &caller);
    stop(L, b, ar);
}

/* Counts instructions, and charges the calls of the functions whose loops run in C. */
static void budget_hook(lua_State *L, lua_Debug *ar)
{
    void *ud;
    cli_lua_budget *b;

    lua_getallocf(L, &ud);
    b = ud;
    if (ar->event != LUA_HOOKCOUNT) {
        charge_call(L, b, ar);
        return;
    }
    b->executed += CLI_LUA_HOOK_EVERY;
    if (b->executed > b->max)
        stop(L, b, ar);
}

lua_State *cli_lua_new(cli_lua_budget *b, size_t memory, long long instructions, lua_Hook over)
{
    b->used = 0;
    b->limit = memory;
    b->executed = 0;
    b->max = instructions;
    b->over = over;
    return lua_newstate(capped_alloc, b);
}

int cli_lua_pcall_budget(lua_State *L, int nresults)
{
    int status;

    lua_sethook(L, budget_hook, LUA_MASKCOUNT | LUA_MASKCALL, CLI_LUA_HOOK_EVERY);
    status = lua_pcall(L, 0, nresults, 0);
    lua_sethook(L, NULL, 0, 0);
    return status;
}

void cli_lua_charge_loops(lua_State *L, int strlib, int tablib)
{
    static const struct {
        int string;
        const char *name;
        int loop;
    } fns[] = { { 0, "move", LOOP_MOVE }, { 0, "insert", LOOP_INSERT },
                { 0, "remove", LOOP_REMOVE }, { 1, "rep", LOOP_REP } };

    strlib = lua_absindex(L, strlib);
    tablib = lua_absindex(L, tablib);
    lua_newtable(L);
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        if (lua_getfield(L, fns[i].string ? strlib : tablib, fns[i].name) != LUA_TFUNCTION) {
            lua_pop(L, 1);
            continue;
        }
        lua_pushinteger(L, fns[i].loop);
        lua_rawset(L, -3);
    }
    lua_setfield(L, LUA_REGISTRYINDEX, LOOPS_KEY);
}
