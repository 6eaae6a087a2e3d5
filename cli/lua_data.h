/*
 * lua_data.h — a Lua state of the command's own, never the engine's, for the declarative Lua
 * files it reads (the action manifest, manifest.c; conversation tests, testfile.c): its memory
 * capped and its instructions counted, so that a runaway file ends with an error instead of
 * hanging the command. What a file may call is its reader's business.
 */
#ifndef HF_CLI_LUA_DATA_H
#define HF_CLI_LUA_DATA_H

#include <stddef.h>

#include <lua.h>

/* The budget's hook counts every CLI_LUA_HOOK_EVERY instructions, and at every one once the
 * budget is spent, so that no error handler inside the file can swallow the stop. */
#define CLI_LUA_HOOK_EVERY 1000

typedef struct cli_lua_budget {
    size_t used, limit;      /* bytes */
    long long executed, max; /* instructions, counted in steps of CLI_LUA_HOOK_EVERY */
    lua_Hook over;           /* raises the error once executed passes max */
} cli_lua_budget;

/* A new state (NULL if it cannot be made) whose allocations past memory bytes fail: Lua
 * raises "not enough memory". Its budgeted calls may run about instructions instructions; then
 * the count hook calls over, which raises the error the reader words (the function running is
 * at level 0, and lua_getinfo(L, "l", ar) gives its line). b holds the budget and must
 * outlive the state. */
lua_State *cli_lua_new(cli_lua_budget *b, size_t memory, long long instructions, lua_Hook over);

/* lua_pcall(L, 0, nresults, 0) under the instruction budget: the budget's hook (on count
 * and call) is on for the call only. */
int cli_lua_pcall_budget(lua_State *L, int nresults);

/* Charges the loops of table.move, table.insert, table.remove (found in the table at index
 * tablib) and string.rep (strlib) to the budget, one instruction a turn, before a call runs
 * them: those loops run inside C, where no count hook fires, and as long as the arguments say,
 * not as long as memory lasts (a range of nils to move, a "list" whose #t is 2^40 while it
 * holds 40 items, an empty string to repeat). string.rep is charged only for an empty piece:
 * a result it builds is bounded by the memory cap. The functions stay as they are, and so do
 * their error messages. Call it in protected mode, before the budgeted call. */
void cli_lua_charge_loops(lua_State *L, int strlib, int tablib);

#endif
