/* manifest.c — reading and checking the action manifest (manifest.h) in a Lua state of its own. */
#include "manifest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "lua_data.h"

/* The budget's end: luaL_error names the line of the function that called the one running. */
static void too_long(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    luaL_error(L, "more than %d instructions: a manifest is data, not a program",
               CLI_MANIFEST_INSTRUCTIONS);
}

/* Copies the named fields of the table at src into the table at dst. names ends with NULL. */
static void copy_fields(lua_State *L, int src, int dst, const char *const *names)
{
    for (; *names; names++) {
        lua_getfield(L, src, *names);
        lua_setfield(L, dst, *names);
    }
}

/* Opens a library into the registry only and pushes a filtered copy of it. */
static void push_lib(lua_State *L, const char *name, lua_CFunction open, const char *const *keep)
{
    luaL_requiref(L, name, open, 0);
    int lib = lua_gettop(L);
    lua_newtable(L);
    copy_fields(L, lib, lua_gettop(L), keep);
    lua_remove(L, lib);
}

/* Runs in protected mode: builds the environment the manifest sees and leaves it on the stack. */
static int make_env(lua_State *L)
{
    static const char *const base[] = { "assert", "error", "ipairs", "next", "pairs", "rawequal",
                                        "rawget", "rawlen", "select", "tonumber", "tostring",
                                        "type", NULL };
    static const char *const string[] = { "byte", "char", "format", "len", "lower", "rep",
                                          "reverse", "sub", "upper", NULL };
    static const char *const table[] = { "concat", "insert", "move", "pack", "remove", "sort",
                                         "unpack", NULL };
    static const char *const math[] = { "abs", "ceil", "floor", "fmod", "huge", "max",
                                        "maxinteger", "min", "mininteger", "modf", "pi", "sqrt",
                                        "tointeger", "type", "ult", NULL };
    static const char *const utf8[] = { "char", "charpattern", "codepoint", "codes", "len",
                                        "offset", NULL };

    lua_newtable(L);
    int env = lua_gettop(L);
    luaL_requiref(L, "_G", luaopen_base, 0);
    copy_fields(L, lua_gettop(L), env, base);
    lua_pop(L, 1);

    push_lib(L, LUA_STRLIBNAME, luaopen_string, string);
    /* ("x"):match(...) reaches the string library through the strings' metatable: point it at
     * the filtered copy too. */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_pushvalue(L, -3);
        lua_setfield(L, -2, "__index");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    push_lib(L, LUA_TABLIBNAME, luaopen_table, table);
    cli_lua_charge_loops(L, -2, -1);
    lua_setfield(L, env, LUA_TABLIBNAME);
    lua_setfield(L, env, LUA_STRLIBNAME);
    push_lib(L, LUA_MATHLIBNAME, luaopen_math, math);
    lua_setfield(L, env, LUA_MATHLIBNAME);
    push_lib(L, LUA_UTF8LIBNAME, luaopen_utf8, utf8);
    lua_setfield(L, env, LUA_UTF8LIBNAME);
    return 1;
}

static void add_error(cli_strv *errors, const char *fmt, ...) CLI_PRINTF(2, 3);

static void add_error(cli_strv *errors, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cli_strv_push(errors, buf);
}

/* Whether the string at idx holds a NUL byte, which C, and so the engine, would read as its
 * end ("a.b\0c" as "a.b"). */
static int has_nul(lua_State *L, int idx)
{
    size_t n;
    const char *s = lua_tolstring(L, idx, &n);
    return strlen(s) != n;
}

/* Action names follow the engine's rule for names: letters, digits and _ . - : only. */
static int name_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '.' || *s == '-' || *s == ':'))
            return 0;
    return 1;
}

/*
 * The walks below read the returned table without running anything: lua_next, lua_rawgeti
 * and lua_tolstring on values already strings neither allocate nor call metamethods, so they
 * cannot raise and need no protected call.
 */

/* Reads the list of names at the top of the stack into out; field is "args" or "result". */
static void read_names(lua_State *L, const char *path, const char *action, const char *field,
                       cli_strv *out, cli_strv *errors)
{
    int t = lua_gettop(L);
    lua_Integer n, count = 0;

    if (lua_type(L, t) != LUA_TTABLE) {
        add_error(errors, "%s: action '%s': %s is a %s, not a list of names", path, action,
                  field, luaL_typename(L, t));
        return;
    }
    n = (lua_Integer)lua_rawlen(L, t);
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        int isint = 0;
        lua_Integer k = lua_tointegerx(L, -2, &isint);
        lua_pop(L, 1);
        if (!isint || k < 1 || k > n) {
            add_error(errors, "%s: action '%s': %s is not a list of names: it has keys "
                      "other than 1, 2, 3...", path, action, field);
            lua_pop(L, 1);
            return;
        }
        count++;
    }
    if (count != n) {
        add_error(errors, "%s: action '%s': %s has holes: it is not a list", path, action,
                  field);
        return;
    }
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, t, i);
        if (lua_type(L, -1) != LUA_TSTRING) {
            add_error(errors, "%s: action '%s': %s: item %lld is a %s, not a string", path,
                      action, field, (long long)i, luaL_typename(L, -1));
        } else {
            const char *s = lua_tostring(L, -1);
            if (has_nul(L, -1))
                add_error(errors, "%s: action '%s': %s: item %lld holds a NUL byte", path,
                          action, field, (long long)i);
            else if (!name_ok(s))
                add_error(errors, "%s: action '%s': %s: item %lld, '%s', is not a name "
                          "(letters, digits and _ . - : only)", path, action, field,
                          (long long)i, s);
            else if (cli_strv_has(out, s))
                add_error(errors, "%s: action '%s': %s: '%s' is listed twice", path, action,
                          field, s);
            else
                cli_strv_push(out, s);
        }
        lua_pop(L, 1);
    }
}

/* Reads the action whose table is at the top of the stack. */
static void read_action(lua_State *L, const char *path, cli_action *a, cli_strv *errors)
{
    int t = lua_gettop(L);

    if (lua_type(L, t) != LUA_TTABLE) {
        add_error(errors, "%s: action '%s' is a %s, not a table {args = {...}, result = {...}, "
                  "doc = \"...\"}", path, a->name, luaL_typename(L, t));
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        const char *field = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        if (!field) {
            add_error(errors, "%s: action '%s': a key is a %s; the fields are args, result "
                      "and doc", path, a->name, luaL_typename(L, -2));
        } else if (strcmp(field, "args") == 0) {
            read_names(L, path, a->name, field, &a->args, errors);
        } else if (strcmp(field, "result") == 0) {
            read_names(L, path, a->name, field, &a->result, errors);
        } else if (strcmp(field, "doc") == 0) {
            if (lua_type(L, -1) != LUA_TSTRING)
                add_error(errors, "%s: action '%s': doc is a %s, not a string", path, a->name,
                          luaL_typename(L, -1));
            else
                a->doc = cli_xstrdup(lua_tostring(L, -1));
        } else {
            add_error(errors, "%s: action '%s': unknown field '%s' (the fields are args, "
                      "result and doc)", path, a->name, field);
        }
        lua_settop(L, t + 1); /* the key, for lua_next */
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const cli_action *)a)->name, ((const cli_action *)b)->name);
}

static void read_manifest(lua_State *L, cli_manifest *m, cli_strv *errors)
{
    int t = lua_gettop(L);
    size_t cap = 0;

    if (lua_type(L, t) != LUA_TTABLE) {
        add_error(errors, "%s: returns a %s, not a table of actions (return { [\"name\"] = "
                  "{ args = {...}, result = {...}, doc = \"...\" }, ... })", m->path,
                  luaL_typename(L, t));
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            add_error(errors, "%s: a key is a %s, not an action name", m->path,
                      luaL_typename(L, -2));
        } else if (has_nul(L, -2)) {
            add_error(errors, "%s: an action name holds a NUL byte", m->path);
        } else if (!name_ok(lua_tostring(L, -2))) {
            add_error(errors, "%s: '%s' is not an action name (letters, digits and _ . - : "
                      "only)", m->path, lua_tostring(L, -2));
        } else {
            if (m->n == cap) {
                cap = cap ? cap * 2 : 16;
                m->v = cli_xrealloc(m->v, cap * sizeof *m->v);
            }
            cli_action *a = &m->v[m->n++];
            memset(a, 0, sizeof *a);
            a->name = cli_xstrdup(lua_tostring(L, -2));
            read_action(L, m->path, a, errors);
        }
        lua_settop(L, t + 1);
    }
    if (m->n > 1)
        qsort(m->v, m->n, sizeof *m->v, by_name);
}

int cli_manifest_read(cli_manifest *m, const char *path, cli_strv *errors)
{
    size_t len = 0, before = errors->n;
    char *src = cli_read_file(path, &len);
    cli_lua_budget b;
    lua_State *L;
    char *chunkname;

    if (!src)
        return -1;
    m->path = cli_xstrdup(path);
    L = cli_lua_new(&b, CLI_MANIFEST_MEMORY, CLI_MANIFEST_INSTRUCTIONS, too_long);
    if (!L) {
        free(src);
        add_error(errors, "%s: out of memory", path);
        return 1;
    }
    chunkname = cli_xrealloc(NULL, strlen(path) + 2);
    sprintf(chunkname, "@%s", path);
    lua_pushcfunction(L, make_env);
    if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
        add_error(errors, "%s: %s", path, lua_tostring(L, -1));
    } else if (luaL_loadbufferx(L, src, len, chunkname, "t") != LUA_OK) {
        add_error(errors, "%s", lua_tostring(L, -1)); /* "path:line: message" */
    } else {
        lua_pushvalue(L, -2);
        lua_setupvalue(L, -2, 1); /* the chunk's _ENV */
        if (cli_lua_pcall_budget(L, 1) != LUA_OK) {
            /* Errors raised in the chunk start with "path:line:"; others (memory) get path. */
            const char *msg = lua_tostring(L, -1);
            if (!msg)
                add_error(errors, "%s: raised an error that is not a string", path);
            else if (strncmp(msg, path, strlen(path)) == 0)
                add_error(errors, "%s", msg);
            else
                add_error(errors, "%s: %s", path, msg);
        } else {
            lua_checkstack(L, 8);
            read_manifest(L, m, errors);
            /* the walk's order is the table's, which Lua seeds at random per state: sorted,
             * the same manifest gives the same messages every time */
            cli_strv added = {errors->v + before, errors->n - before, 0};
            cli_strv_sort(&added);
        }
    }
    free(chunkname);
    free(src);
    lua_close(L);
    return errors->n > before ? 1 : 0;
}

const cli_action *cli_manifest_find(const cli_manifest *m, const char *name)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(m->v[mid].name, name);
        if (r == 0)
            return &m->v[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void cli_manifest_free(cli_manifest *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].name);
        free(m->v[i].doc);
        cli_strv_free(&m->v[i].args);
        cli_strv_free(&m->v[i].result);
    }
    free(m->v);
    free(m->path);
    memset(m, 0, sizeof *m);
}
