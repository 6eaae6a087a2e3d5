/* lua_data.c — the capped allocator and the instruction budget of the command's Lua states. */
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

static void count_hook(lua_State *L, lua_Debug *ar)
{
    void *ud;
    cli_lua_budget *b;

    lua_getallocf(L, &ud);
    b = ud;
    b->executed += CLI_LUA_HOOK_EVERY;
    if (b->executed > b->max) {
        lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
        b->over(L, ar);
    }
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

    lua_sethook(L, count_hook, LUA_MASKCOUNT, CLI_LUA_HOOK_EVERY);
    status = lua_pcall(L, 0, nresults, 0);
    lua_sethook(L, NULL, 0, 0);
    return status;
}
