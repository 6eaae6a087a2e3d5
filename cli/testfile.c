/*
 * testfile.c — reading conversation test files: a restricted Lua state evaluates the chunk, its
 * table becomes JSON, and the JSON is checked against the format (docs/testing.md).
 */
#include "testfile.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "lua_data.h"
#include "util.h"

/* ---- the Lua state ---------------------------------------------------------------------- */

/* The budget's end. luaL_error would name the caller of the function running; the line
 * running is the one to show. */
static void too_long(lua_State *L, lua_Debug *ar)
{
    lua_getinfo(L, "l", ar);
    lua_pushfstring(L, ":%d: runs too long (more than %d Lua instructions: a loop that never "
                    "ends?)", ar->currentline, TF_INSTRUCTION_LIMIT);
    lua_error(L);
}

/* Only what computes data: no I/O, no loading code, no metatables, no randomness (a test must
 * run the same way every time), no error catching (so the budget always ends a runaway). */
static void restrict_env(lua_State *L)
{
    static const char *const base_off[] = { "dofile", "loadfile", "load", "require",
        "collectgarbage", "print", "setmetatable", "getmetatable", "rawset", "pcall",
        "xpcall", "warn", NULL };
    static const char *const string_off[] = { "dump", "find", "match", "gmatch", "gsub", NULL };
    static const char *const math_off[] = { "random", "randomseed", NULL };

    for (const char *const *n = base_off; *n; n++) {
        lua_pushnil(L);
        lua_setglobal(L, *n);
    }
    lua_getglobal(L, "string");
    for (const char *const *n = string_off; *n; n++) {
        lua_pushnil(L);
        lua_setfield(L, -2, *n);
    }
    lua_pop(L, 1);
    lua_getglobal(L, "math");
    for (const char *const *n = math_off; *n; n++) {
        lua_pushnil(L);
        lua_setfield(L, -2, *n);
    }
    lua_pop(L, 1);
}

static int open_libs(lua_State *L)
{
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    lua_settop(L, 0);
    restrict_env(L);
    lua_getglobal(L, LUA_STRLIBNAME);
    lua_getglobal(L, LUA_TABLIBNAME);
    cli_lua_charge_loops(L, -2, -1);
    lua_pop(L, 2);
    return 0;
}

/* Lua names the chunk "" so that its messages start ":LINE:"; the whole path goes in front. */
static char *lua_message(const char *path, lua_State *L, int status)
{
    const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;

    if (status == LUA_ERRMEM)
        return cli_format("%s: uses more than %u MiB of memory", path, TF_MEMORY_LIMIT >> 20);
    if (!msg)
        return cli_format("%s: raised an error that is not a message", path);
    if (msg[0] == ':' && msg[1] >= '0' && msg[1] <= '9')
        return cli_format("%s%s", path, msg);
    return cli_format("%s: %s", path, msg);
}

/* ---- Lua value -> JSON ------------------------------------------------------------------ */

typedef struct conv {
    char path[512];
    size_t plen;
    char *error;        /* the first problem, "PATH: what" */
    cJSON *root;
    long values;        /* converted so far: a table counts wherever it appears */
} conv;

#define MAX_DEPTH 64

static void path_push_key(conv *c, const char *key, size_t *saved)
{
    int ident = (key[0] < '0' || key[0] > '9') && key[0] != '\0';
    *saved = c->plen;
    for (const char *k = key; *k && ident; k++)
        ident = (*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
                (*k >= '0' && *k <= '9') || *k == '_';
    if (ident)
        snprintf(c->path + c->plen, sizeof c->path - c->plen, "%s%s", c->plen ? "." : "", key);
    else
        snprintf(c->path + c->plen, sizeof c->path - c->plen, "[\"%.60s\"]", key);
    c->plen += strlen(c->path + c->plen);
}

static void path_push_index(conv *c, long long i, size_t *saved)
{
    *saved = c->plen;
    snprintf(c->path + c->plen, sizeof c->path - c->plen, "[%lld]", i);
    c->plen += strlen(c->path + c->plen);
}

static void path_pop(conv *c, size_t saved)
{
    c->plen = saved;
    c->path[saved] = '\0';
}

static int conv_fail(conv *c, const char *what)
{
    if (!c->error)
        c->error = cli_format("%s %s", c->plen ? c->path : "the returned value", what);
    return -1;
}

static int to_json(lua_State *L, conv *c, int depth, cJSON **out);

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The table at the top of the stack: a list (keys 1..n), an object (string keys, in sorted
 * order so messages and contexts come out the same every run), or {} for an empty one. */
static int table_to_json(lua_State *L, conv *c, int depth, cJSON **out)
{
    int t = lua_gettop(L);
    size_t total = 0, ints = 0, strs = 0;
    lua_Integer max = 0;
    const char *bad_key = NULL;

    if (depth > MAX_DEPTH)
        return conv_fail(c, "is nested too deeply (a table that holds itself?)");
    if (!lua_checkstack(L, 8))
        return conv_fail(c, "is nested too deeply");
    lua_pushnil(L);
    while (lua_next(L, t)) {
        total++;
        if (lua_type(L, -2) == LUA_TSTRING) {
            size_t n;
            const char *k = lua_tolstring(L, -2, &n);
            if (strlen(k) != n)
                bad_key = "a key with a NUL byte";
            strs++;
        } else if (lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1) {
            ints++;
            if (lua_tointeger(L, -2) > max)
                max = lua_tointeger(L, -2);
        } else {
            bad_key = lua_isinteger(L, -2) ? "an index below 1"
                                           : lua_typename(L, lua_type(L, -2));
        }
        lua_pop(L, 1);
    }
    if (bad_key) {
        char *what = cli_format("has a key that is not a name or a list index (%s)", bad_key);
        conv_fail(c, what);
        free(what);
        return -1;
    }
    if (strs > 0 && ints > 0)
        return conv_fail(c, "mixes list items and named keys");
    if (ints > 0) {
        if ((size_t)max != ints)
            return conv_fail(c, "is a list with a hole in it (a nil item?)");
        *out = cJSON_CreateArray();
        for (lua_Integer i = 1; i <= max; i++) {
            cJSON *item = NULL;
            size_t saved;
            int rc;
            path_push_index(c, (long long)i, &saved);
            lua_rawgeti(L, t, i);
            rc = to_json(L, c, depth + 1, &item);
            lua_pop(L, 1);
            path_pop(c, saved);
            if (item)
                cJSON_AddItemToArray(*out, item);
            if (rc != 0)
                return -1;
        }
        return 0;
    }
    *out = cJSON_CreateObject();
    if (total == 0)
        return 0;
    char **keys = cli_xrealloc(NULL, total * sizeof *keys);
    size_t nk = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        keys[nk++] = cli_xstrdup(lua_tostring(L, -2));
        lua_pop(L, 1);
    }
    qsort(keys, nk, sizeof *keys, by_string);
    int rc = 0;
    for (size_t i = 0; i < nk && rc == 0; i++) {
        cJSON *item = NULL;
        size_t saved;
        path_push_key(c, keys[i], &saved);
        lua_pushstring(L, keys[i]);
        lua_rawget(L, t);
        rc = to_json(L, c, depth + 1, &item);
        lua_pop(L, 1);
        path_pop(c, saved);
        if (item)
            cJSON_AddItemToObject(*out, keys[i], item);
    }
    for (size_t i = 0; i < nk; i++)
        free(keys[i]);
    free(keys);
    return rc;
}

/* Largest integer a JSON number (a double) holds exactly. */
#define MAX_EXACT 9007199254740992LL

static int to_json(lua_State *L, conv *c, int depth, cJSON **out)
{
    *out = NULL;
    /* A table used in two places becomes two copies: forty levels of { t, t } are 2^40
     * values, which no depth limit or memory cap of the Lua state stops. */
    if (++c->values > TF_MAX_VALUES) {
        if (!c->error)
            c->error = cli_format("returns more than %d values (a table counts each time it "
                                  "appears: is one used in very many places?)", TF_MAX_VALUES);
        return -1;
    }
    switch (lua_type(L, -1)) {
    case LUA_TBOOLEAN:
        *out = cJSON_CreateBool(lua_toboolean(L, -1));
        return 0;
    case LUA_TNUMBER:
        if (lua_isinteger(L, -1)) {
            lua_Integer i = lua_tointeger(L, -1);
            if (i > MAX_EXACT || i < -MAX_EXACT)
                return conv_fail(c, "is an integer too large for JSON");
            *out = cJSON_CreateNumber((double)i);
        } else {
            double d = lua_tonumber(L, -1);
            if (!isfinite(d))
                return conv_fail(c, "is not a finite number");
            *out = cJSON_CreateNumber(d);
        }
        return 0;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        if (strlen(s) != n)
            return conv_fail(c, "holds a NUL byte");
        *out = cJSON_CreateString(s);
        return 0;
    }
    case LUA_TTABLE:
        return table_to_json(L, c, depth, out);
    default: {
        char *what = cli_format("is a %s: a test file holds plain data (strings, numbers, "
                                "booleans, tables)", luaL_typename(L, -1));
        conv_fail(c, what);
        free(what);
        return -1;
    }
    }
}

/* Runs inside lua_pcall so that a memory error in the API unwinds cleanly; what is built so
 * far hangs off c->root, for the caller to free. */
static int convert_protected(lua_State *L)
{
    conv *c = lua_touserdata(L, 2);
    lua_settop(L, 1);
    to_json(L, c, 0, &c->root);
    return 0;
}

/* Evaluates the file; *root gets its value as JSON. Returns 0, or -1 with *error set. */
static int evaluate(const char *path, cJSON **root, char **error)
{
    cli_lua_budget b;
    lua_State *L;
    size_t len;
    char *src = cli_read_file(path, &len);
    conv c;
    int status;

    *root = NULL;
    if (!src) {
        *error = cli_format("%s: %s", path, strerror(errno));
        return -1;
    }
    L = cli_lua_new(&b, TF_MEMORY_LIMIT, TF_INSTRUCTION_LIMIT, too_long);
    if (!L) {
        free(src);
        *error = cli_format("%s: out of memory", path);
        return -1;
    }
    lua_pushcfunction(L, open_libs);
    status = lua_pcall(L, 0, 0, 0);
    if (status == LUA_OK)
        status = luaL_loadbufferx(L, src, len, "=", "t");
    free(src);
    if (status == LUA_OK)
        status = cli_lua_pcall_budget(L, 1);
    if (status != LUA_OK) {
        *error = lua_message(path, L, status);
        lua_close(L);
        return -1;
    }
    if (!lua_istable(L, -1)) {
        *error = cli_format("%s: must return a table of tests (it returns %s)", path,
                            lua_isnoneornil(L, -1) ? "nothing" : luaL_typename(L, -1));
        lua_close(L);
        return -1;
    }
    memset(&c, 0, sizeof c);
    lua_pushcfunction(L, convert_protected);
    lua_insert(L, -2);
    lua_pushlightuserdata(L, &c);
    status = lua_pcall(L, 2, 0, 0);
    if (c.error) {
        char *m = cli_format("%s: %s", path, c.error);
        free(c.error);
        c.error = m;
    } else if (status != LUA_OK) {
        c.error = lua_message(path, L, status);
    }
    lua_close(L);
    if (c.error) {
        cJSON_Delete(c.root);
        *error = c.error;
        return -1;
    }
    *root = c.root;
    return 0;
}

/* ---- checking the format ---------------------------------------------------------------- */

typedef struct checker {
    const char *file;
    char *error;
} checker;

static int fail(checker *k, const char *fmt, ...) CLI_PRINTF(2, 3);
static int fail(checker *k, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    if (k->error)
        return -1;
    va_start(ap, fmt);
    msg = cli_vformat(fmt, ap);
    va_end(ap);
    k->error = cli_format("%s: %s", k->file, msg);
    free(msg);
    return -1;
}

/* {} is how Lua writes an empty list too. */
static int is_list(const cJSON *v)
{
    return cJSON_IsArray(v) || (cJSON_IsObject(v) && v->child == NULL);
}

static const char *json_kind(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsArray(v))
        return "a list";
    if (cJSON_IsObject(v))
        return "a table of named keys";
    return "something else";
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[64];

    if (la >= 63 || lb >= 63)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* Every key of obj must be one of keys (NULL-terminated); where names the table. */
static int known_keys(checker *k, const cJSON *obj, const char *const *keys, const char *where)
{
    const cJSON *m;

    cJSON_ArrayForEach(m, obj) {
        const char *near = NULL;
        size_t best = 3;
        int found = 0;
        for (const char *const *key = keys; *key; key++) {
            size_t d;
            if (strcmp(m->string, *key) == 0) {
                found = 1;
                break;
            }
            d = edit_distance(m->string, *key);
            if (d < best) {
                best = d;
                near = *key;
            }
        }
        if (found)
            continue;
        if (near)
            return fail(k, "unknown key '%s' in %s (did you mean '%s'?)", m->string, where, near);
        return fail(k, "unknown key '%s' in %s", m->string, where);
    }
    return 0;
}

static int want_string(checker *k, const cJSON *v, const char *where, const char *key)
{
    if (v && !cJSON_IsString(v))
        return fail(k, "%s.%s must be a string (it is %s)", where, key, json_kind(v));
    return 0;
}

static int want_object(checker *k, const cJSON *v, const char *where, const char *key)
{
    if (v && !cJSON_IsObject(v))
        return fail(k, "%s.%s must be a table of named keys (it is %s)", where, key,
                    json_kind(v));
    return 0;
}

static int want_list_of_strings(checker *k, const cJSON *v, const char *where, const char *key)
{
    const cJSON *s;
    if (!v)
        return 0;
    if (!is_list(v))
        return fail(k, "%s.%s must be a list (it is %s)", where, key, json_kind(v));
    cJSON_ArrayForEach(s, v) {
        if (!cJSON_IsString(s))
            return fail(k, "%s.%s must be a list of strings", where, key);
    }
    return 0;
}

static int one_of(const char *s, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(s, *names) == 0)
            return 1;
    return 0;
}

static const char *const statuses[] = { "waiting", "action", "resolved", "escalated",
                                        "cancelled", "abandoned", "failed", NULL };
static const char *const input_types[] = { "text", "number", "money", "date", "email",
                                           "phone", NULL };

/* A result, as a fixture or a `result` entry: { ok = bool, data = ... } | { ok = false,
 * error = "..." }. */
static int check_result(checker *k, const cJSON *r, const char *where)
{
    static const char *const keys[] = { "ok", "data", "error", NULL };
    const cJSON *ok;

    if (!cJSON_IsObject(r))
        return fail(k, "%s must be a table { ok = true, data = ... } or { ok = false, "
                    "error = \"...\" } (it is %s)", where, json_kind(r));
    if (known_keys(k, r, keys, where))
        return -1;
    ok = cJSON_GetObjectItemCaseSensitive(r, "ok");
    if (!cJSON_IsBool(ok))
        return fail(k, "%s needs ok = true or ok = false", where);
    if (want_string(k, cJSON_GetObjectItemCaseSensitive(r, "error"), where, "error"))
        return -1;
    if (cJSON_IsTrue(ok) && cJSON_GetObjectItemCaseSensitive(r, "error"))
        return fail(k, "%s has ok = true and an error: a result that worked has no error", where);
    if (cJSON_IsFalse(ok) && cJSON_GetObjectItemCaseSensitive(r, "data"))
        return fail(k, "%s has ok = false and data: a failed result has only an error", where);
    return 0;
}

static int check_actions(checker *k, const cJSON *actions, const char *where)
{
    const cJSON *a;

    if (!actions)
        return 0;
    if (!cJSON_IsObject(actions))
        return fail(k, "%s must be a table of action name = result (it is %s)", where,
                    json_kind(actions));
    cJSON_ArrayForEach(a, actions) {
        char *at = cli_format("%s[\"%s\"]", where, a->string);
        int rc = check_result(k, a, at);
        free(at);
        if (rc)
            return -1;
    }
    return 0;
}

static int check_context(checker *k, const cJSON *ctx, const char *where)
{
    const cJSON *at;

    if (!ctx)
        return 0;
    if (!cJSON_IsObject(ctx))
        return fail(k, "%s must be a table of named keys (it is %s)", where, json_kind(ctx));
    at = cJSON_GetObjectItemCaseSensitive(ctx, "at");
    if (at && !cJSON_IsNumber(at))
        return fail(k, "%s.at must be a number of unix seconds (it is %s)", where,
                    json_kind(at));
    return 0;
}

static int names_flow_error(const cJSON *exp)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(exp, "reason");
    const cJSON *esc = cJSON_GetObjectItemCaseSensitive(exp, "escalation");
    const cJSON *er = cJSON_GetObjectItemCaseSensitive(esc, "reason");
    return (cJSON_IsString(r) && strcmp(r->valuestring, "flow_error") == 0) ||
           (cJSON_IsString(er) && strcmp(er->valuestring, "flow_error") == 0);
}

/* `expect` (or, with is_outcome, `outcome`). */
static int check_expect(checker *k, const cJSON *exp, const char *where, int is_outcome)
{
    static const char *const keys[] = { "status", "step", "subflow", "text", "says", "choices",
        "input", "action", "args", "reason", "escalation", "error", "ui", NULL };
    static const char *const strings[] = { "step", "subflow", "says", "action", "reason",
                                           "error", NULL };
    const cJSON *v;

    if (!cJSON_IsObject(exp))
        return fail(k, "%s must be a table of expectations (it is %s)", where, json_kind(exp));
    if (known_keys(k, exp, keys, where))
        return -1;
    for (const char *const *s = strings; *s; s++)
        if (want_string(k, cJSON_GetObjectItemCaseSensitive(exp, *s), where, *s))
            return -1;
    v = cJSON_GetObjectItemCaseSensitive(exp, "status");
    if (v && (!cJSON_IsString(v) || !one_of(v->valuestring, statuses)))
        return fail(k, "%s.status must be one of waiting, action, resolved, escalated, "
                    "cancelled, abandoned, failed", where);
    v = cJSON_GetObjectItemCaseSensitive(exp, "input");
    if (v && (!cJSON_IsString(v) || !one_of(v->valuestring, input_types)))
        return fail(k, "%s.input must be an input type: text, number, money, date, email or "
                    "phone", where);
    v = cJSON_GetObjectItemCaseSensitive(exp, "text");
    if (v && !cJSON_IsString(v) && want_list_of_strings(k, v, where, "text"))
        return fail(k, "%s.text must be a string or a list of strings", where);
    if (want_list_of_strings(k, cJSON_GetObjectItemCaseSensitive(exp, "choices"), where,
                             "choices"))
        return -1;
    if (want_object(k, cJSON_GetObjectItemCaseSensitive(exp, "args"), where, "args") ||
        want_object(k, cJSON_GetObjectItemCaseSensitive(exp, "escalation"), where,
                    "escalation"))
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(exp, "ui");
    if (v && !is_list(v))
        return fail(k, "%s.ui must be a list of components (it is %s)", where, json_kind(v));
    if (is_outcome && cJSON_GetObjectItemCaseSensitive(exp, "error"))
        return fail(k, "%s.error has no meaning in an outcome: put it in the `expect` of the "
                    "entry whose event must be rejected", where);
    return 0;
}

static const struct {
    const char *key;
    tf_kind kind;
} event_keys[] = {
    { "choose", TF_CHOOSE }, { "input", TF_INPUT }, { "result", TF_RESULT },
    { "event", TF_EVENT },   { "intent", TF_INTENT }, { "tick", TF_TICK }, { "raw", TF_RAW },
};

#define N_EVENT_KEYS (sizeof event_keys / sizeof event_keys[0])

static int check_number_at_least0(checker *k, const cJSON *v, const char *where,
                                  const char *key)
{
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0))
        return fail(k, "%s.%s must be a number of seconds, 0 or more", where, key);
    return 0;
}

static int check_entry(checker *k, const cJSON *e, const char *where, tf_entry *out)
{
    static const char *const keys[] = { "choose", "input", "result", "event", "data",
        "intent", "tick", "raw", "after", "expect", NULL };
    const char *first = NULL;
    const cJSON *v;

    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(e))
        return fail(k, "%s must be a table like { choose = \"id\", expect = { ... } } (it is "
                    "%s)", where, json_kind(e));
    if (known_keys(k, e, keys, where))
        return -1;
    for (size_t i = 0; i < N_EVENT_KEYS; i++) {
        v = cJSON_GetObjectItemCaseSensitive(e, event_keys[i].key);
        if (!v)
            continue;
        if (first)
            return fail(k, "%s has both %s and %s: an entry sends at most one event", where,
                        first, event_keys[i].key);
        first = event_keys[i].key;
        out->kind = event_keys[i].kind;
        out->value = v;
    }
    switch (out->kind) {
    case TF_CHOOSE:
    case TF_EVENT:
    case TF_INTENT:
    case TF_RAW:
        if (want_string(k, out->value, where, first))
            return -1;
        break;
    case TF_INPUT:
        if (!cJSON_IsString(out->value) && !cJSON_IsNumber(out->value))
            return fail(k, "%s.input must be a string or a number (it is %s)", where,
                        json_kind(out->value));
        break;
    case TF_RESULT: {
        char *at = cli_format("%s.result", where);
        int rc = check_result(k, out->value, at);
        free(at);
        if (rc)
            return -1;
        break;
    }
    case TF_TICK:
        if (check_number_at_least0(k, out->value, where, "tick"))
            return -1;
        out->after = out->value->valuedouble;
        out->has_after = 1;
        break;
    case TF_NONE:
        break;
    }
    out->data = cJSON_GetObjectItemCaseSensitive(e, "data");
    if (out->data && out->kind != TF_EVENT)
        return fail(k, "%s has data but no event = \"name\": data goes with an event", where);
    v = cJSON_GetObjectItemCaseSensitive(e, "after");
    if (v) {
        if (out->kind == TF_NONE)
            return fail(k, "%s has after but sends no event", where);
        if (out->kind == TF_TICK)
            return fail(k, "%s has tick and after: tick = N already says how many seconds "
                        "later", where);
        if (out->kind == TF_RAW)
            return fail(k, "%s has raw and after: a raw event is sent as it is (give it an "
                        "\"at\" of its own)", where);
        if (check_number_at_least0(k, v, where, "after"))
            return -1;
        out->after = v->valuedouble;
        out->has_after = 1;
    }
    v = cJSON_GetObjectItemCaseSensitive(e, "expect");
    if (v) {
        char *at = cli_format("%s.expect", where);
        int rc = check_expect(k, v, at, 0);
        free(at);
        if (rc)
            return -1;
        if (cJSON_GetObjectItemCaseSensitive(v, "error") && out->kind == TF_NONE)
            return fail(k, "%s.expect has error but the entry sends no event to reject", where);
        out->expect = v;
    }
    return 0;
}

static int check_test(checker *k, const cJSON *t, size_t index, const cJSON *file_ctx,
                      tf_test *out)
{
    static const char *const keys[] = { "name", "context", "actions", "steps", "outcome",
                                        NULL };
    char where[64];
    const cJSON *steps, *ctx, *v;
    const cJSON *e;
    size_t i = 0;

    snprintf(where, sizeof where, "tests[%zu]", index + 1);
    if (!cJSON_IsObject(t))
        return fail(k, "%s must be a table { name = ..., steps = { ... } } (it is %s)", where,
                    json_kind(t));
    if (known_keys(k, t, keys, where))
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(t, "name");
    if (v && (!cJSON_IsString(v) || !*v->valuestring))
        return fail(k, "%s.name must be a non-empty string", where);
    out->name = v ? v->valuestring : NULL;
    ctx = cJSON_GetObjectItemCaseSensitive(t, "context");
    {
        char *at = cli_format("%s.context", where);
        int rc = check_context(k, ctx, at);
        free(at);
        if (rc)
            return -1;
        at = cli_format("%s.actions", where);
        out->actions = cJSON_GetObjectItemCaseSensitive(t, "actions");
        rc = check_actions(k, out->actions, at);
        free(at);
        if (rc)
            return -1;
    }
    steps = cJSON_GetObjectItemCaseSensitive(t, "steps");
    out->outcome = cJSON_GetObjectItemCaseSensitive(t, "outcome");
    if (steps && !is_list(steps))
        return fail(k, "%s.steps must be a list of entries (it is %s)", where,
                    json_kind(steps));
    if ((!steps || !steps->child) && !out->outcome)
        return fail(k, "%s has neither steps nor an outcome: it would test nothing", where);
    if (out->outcome) {
        char *at = cli_format("%s.outcome", where);
        int rc = check_expect(k, out->outcome, at, 1);
        free(at);
        if (rc)
            return -1;
        out->expects_flow_error |= names_flow_error(out->outcome);
    }
    out->n = (size_t)cJSON_GetArraySize(steps);
    out->entries = cli_xrealloc(NULL, (out->n ? out->n : 1) * sizeof *out->entries);
    cJSON_ArrayForEach(e, steps) {
        char at[96];
        snprintf(at, sizeof at, "%s.steps[%zu]", where, i + 1);
        if (check_entry(k, e, at, &out->entries[i]))
            return -1;
        if (out->entries[i].expect)
            out->expects_flow_error |= names_flow_error(out->entries[i].expect);
        i++;
    }
    /* the test's context replaces the file's; either way it gets a start time */
    out->context = cJSON_Duplicate(ctx ? ctx : file_ctx, 1);
    if (!out->context)
        out->context = cJSON_CreateObject();
    v = cJSON_GetObjectItemCaseSensitive(out->context, "at");
    if (cJSON_IsNumber(v)) {
        out->at = v->valuedouble;
    } else {
        out->at = TF_DEFAULT_AT;
        cJSON_AddNumberToObject(out->context, "at", TF_DEFAULT_AT);
    }
    return 0;
}

/* The flow id a file name implies: "dir/card_declined.test.lua" -> "card_declined". */
static char *flow_from_path(const char *path)
{
    const char *base = strrchr(path, '/');
    size_t n;
    char *s;

    base = base ? base + 1 : path;
    n = strlen(base);
    if (n > 9 && strcmp(base + n - 9, ".test.lua") == 0)
        n -= 9;
    else if (n > 4 && strcmp(base + n - 4, ".lua") == 0)
        n -= 4;
    s = cli_xrealloc(NULL, n + 1);
    memcpy(s, base, n);
    s[n] = '\0';
    return s;
}

static int check_file(checker *k, tf_file *f)
{
    static const char *const keys[] = { "flow", "context", "actions", "tests", NULL };
    const cJSON *root = f->root, *tests, *t, *flow, *ctx;
    size_t i = 0;

    if (!cJSON_IsObject(root) || !root->child)
        return fail(k, "must return a table { flow = ..., tests = { ... } } (it returns %s)",
                    is_list(root) && root->child ? "a list" : "an empty table");
    if (known_keys(k, root, keys, "the returned table"))
        return -1;
    flow = cJSON_GetObjectItemCaseSensitive(root, "flow");
    if (flow && (!cJSON_IsString(flow) || !*flow->valuestring))
        return fail(k, "flow must be the id of the flow under test, a string");
    f->flow = flow ? cli_xstrdup(flow->valuestring) : flow_from_path(f->path);
    ctx = cJSON_GetObjectItemCaseSensitive(root, "context");
    if (check_context(k, ctx, "context"))
        return -1;
    f->actions = cJSON_GetObjectItemCaseSensitive(root, "actions");
    if (check_actions(k, f->actions, "actions"))
        return -1;
    tests = cJSON_GetObjectItemCaseSensitive(root, "tests");
    if (!tests)
        return fail(k, "has no tests = { ... }");
    if (!is_list(tests))
        return fail(k, "tests must be a list of tests (it is %s)", json_kind(tests));
    if (!tests->child)
        return fail(k, "tests is empty");
    f->n = (size_t)cJSON_GetArraySize(tests);
    f->tests = cli_xrealloc(NULL, f->n * sizeof *f->tests);
    memset(f->tests, 0, f->n * sizeof *f->tests);
    cJSON_ArrayForEach(t, tests) {
        if (check_test(k, t, i, ctx, &f->tests[i]))
            return -1;
        i++;
    }
    return 0;
}

int tf_load(tf_file *f, const char *path, char **error)
{
    checker k = { path, NULL };

    memset(f, 0, sizeof *f);
    *error = NULL;
    f->path = cli_xstrdup(path);
    if (evaluate(path, &f->root, error) != 0)
        return -1;
    if (check_file(&k, f) != 0) {
        *error = k.error;
        return -1;
    }
    return 0;
}

void tf_free(tf_file *f)
{
    for (size_t i = 0; f->tests && i < f->n; i++) {
        free(f->tests[i].entries);
        cJSON_Delete(f->tests[i].context);
    }
    free(f->tests);
    free(f->flow);
    free(f->path);
    cJSON_Delete(f->root);
    memset(f, 0, sizeof *f);
}

const cJSON *tf_fixture(const tf_file *f, const tf_test *t, const char *action)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(t->actions, action);
    return r ? r : cJSON_GetObjectItemCaseSensitive(f->actions, action);
}

/* Cuts s in place to at most max bytes, the last three "...", between two characters: the
 * report is UTF-8, as the file is. */
static void cut_short(char *s, size_t max)
{
    size_t n = max - 3;

    if (strlen(s) <= max)
        return;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    strcpy(s + n, "...");
}

/* A short JSON rendering of v, cut at about 60 bytes. */
static char *short_json(const cJSON *v)
{
    char *s = cJSON_PrintUnformatted(v);
    if (!s)
        return cli_xstrdup("?");
    cut_short(s, 60);
    return s;
}

char *tf_describe_event(const tf_entry *en)
{
    char *what, *v = NULL, *out;

    switch (en->kind) {
    case TF_NONE:
        return cli_xstrdup("no event");
    case TF_RESULT: {
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(en->value, "error");
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(en->value, "ok")))
            what = cli_xstrdup("result ok");
        else if (cJSON_IsString(err))
            what = cli_format("result failed %s", (v = short_json(err)));
        else
            what = cli_xstrdup("result failed");
        break;
    }
    case TF_TICK:
        what = cli_format("tick %gs later", en->after);
        break;
    case TF_RAW:
        what = cli_format("raw %s", en->value->valuestring);
        cut_short(what, 64);
        break;
    default: {
        const char *name = en->kind == TF_CHOOSE ? "choose" : en->kind == TF_INPUT ? "input"
                         : en->kind == TF_EVENT ? "event" : "intent";
        what = cli_format("%s %s", name, (v = short_json(en->value)));
        break;
    }
    }
    free(v);
    if (!en->has_after || en->kind == TF_TICK)
        return what;
    out = cli_format("%s, %gs later", what, en->after);
    free(what);
    return out;
}
