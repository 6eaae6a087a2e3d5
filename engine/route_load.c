/*
 * route_load.c — loading a routing config (DESIGN.md section 5).
 *
 * A routing config is a Lua chunk returning `routing { service_level, queues, rules }`. It runs
 * once, in the sandbox, like a flow file, and is compiled here into C: queues sorted by name,
 * rules with their table conditions turned into field/value lists, rule functions stored in the
 * engine's function table and frozen like flow functions (freeze.c), so they keep no state.
 * The decision itself is route.c.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "compile.h"
#include "route.h"

const char *const hfi_route_fields[NFIELDS] = {"reason",   "skills",   "flags",
                                                 "priority", "language", "flow"};
const char *const hfi_route_days[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* ---- freeing ------------------------------------------------------------------------- */

static void free_strings(hf_engine *e, char **v, uint32_t n)
{
    for (uint32_t i = 0; v && i < n; i++)
        hfi_strfree(e, v[i]);
    hfi_sfree(e, v);
}

void hfi_routing_free(hf_engine *e, struct hfi_routing *r)
{
    if (!r)
        return;
    for (uint32_t i = 0; r->queues && i < r->nqueues; i++) {
        rqueue *q = &r->queues[i];
        hfi_strfree(e, q->name);
        free_strings(e, q->skills, q->nskills);
        free_strings(e, q->langs, q->nlangs);
    }
    hfi_sfree(e, r->queues);
    for (uint32_t i = 0; r->rules && i < r->nrules; i++) {
        rrule *u = &r->rules[i];
        hfi_strfree(e, u->name);
        hfi_strfree(e, u->desc);
        for (uint32_t k = 0; u->conds && k < u->nconds; k++)
            free_strings(e, u->conds[k].values, u->conds[k].n);
        hfi_sfree(e, u->conds);
        hfi_sfree(e, u->overflow);
    }
    hfi_sfree(e, r->rules);
    hfi_sfree(e, r->live);
    hfi_sfree(e, r->said);
    hfi_free(e, r->last_live, r->last_len + 1);
    hfi_strfree(e, r->name);
    hfi_jdoc_free(&r->esc);
    hfi_jdoc_free(&r->lv);
    hfi_buf_free(&r->explain);
    hfi_buf_free(&r->view);
    hfi_sfree(e, r);
}

/* Forgets the functions a config stored (a failed load, or a config being replaced). */
static void forget_fns(hf_engine *e, int first, int last)
{
    lua_State *L = e->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, e->fns);
    for (int i = first; i <= last; i++) {
        lua_pushnil(L);
        lua_rawseti(L, -2, i);
    }
    lua_pop(L, 1);
}

/* ---- compiling the config ------------------------------------------------------------ */

/* The config is compiled with the flow compiler's helpers (compile_fields.c); its problems
 * name a queue or a rule rather than a step. */
#define RT(c) ((hfi_routing *)(c)->user)

/* Is the value at idx a list of non-empty strings? Says so when not. */
static bool string_list(hfi_cc *c, int idx, const char *where, const char *field)
{
    lua_State *L = c->L;
    lua_Integer len = lua_type(L, idx) == LUA_TTABLE && !hfi_dsl_kind(L, idx)
                          ? (lua_Integer)lua_rawlen(L, idx) : -1;
    bool ok = len >= 0 && hfi_cc_count(L, idx) == (uint32_t)len;
    for (lua_Integer i = 1; ok && i <= len; i++) {
        ok = lua_rawgeti(L, idx, i) == LUA_TSTRING && lua_rawlen(L, -1) > 0;
        lua_pop(L, 1);
    }
    if (!ok)
        hfi_cc_problem(c, where, "%s must be a list of strings", field);
    return ok;
}

/* A list of strings (or, when one_ok, a single string) into a new array. */
static bool strings(hfi_cc *c, int idx, const char *where, const char *field, bool one_ok,
                    char ***out, uint32_t *n)
{
    lua_State *L = c->L;
    *out = NULL;
    *n = 0;
    if (one_ok && lua_type(L, idx) == LUA_TSTRING) {
        *out = hfi_cc_zalloc(c, sizeof **out);
        (*out)[0] = hfi_cc_dup(c, lua_tostring(L, idx));
        *n = 1;
        return true;
    }
    lua_Integer len = lua_type(L, idx) == LUA_TTABLE && !hfi_dsl_kind(L, idx)
                          ? (lua_Integer)lua_rawlen(L, idx) : -1;
    if (len < 0 || hfi_cc_count(L, idx) != (uint32_t)len) {
        hfi_cc_problem(c, where, "%s must be %sa list of strings", field, one_ok ? "a string or " : "");
        return false;
    }
    *out = hfi_cc_zalloc(c, sizeof **out * (size_t)len);
    for (lua_Integer i = 1; i <= len; i++) {
        lua_rawgeti(L, idx, i);
        if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0)
            hfi_cc_problem(c, where, "%s must be %sa list of strings", field,
                    one_ok ? "a string or " : "");
        else
            (*out)[(*n)++] = hfi_cc_dup(c, lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    return true;
}

int hfi_route_prio(const char *s)
{
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, hfi_priorities[i]) == 0)
            return i;
    return -1;
}

int hfi_route_queue(const hfi_routing *r, const char *s, size_t n)
{
    int lo = 0, hi = (int)r->nqueues - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const char *q = r->queues[mid].name;
        size_t qn = r->queues[mid].nlen;
        int d = memcmp(q, s, qn < n ? qn : n); /* s may hold NUL bytes: compare lengths too */
        if (d == 0)
            d = (qn > n) - (qn < n);
        if (d == 0)
            return mid;
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* "HH:MM" -> minutes, or -1. "24:00" is the end of the day. */
static int clock_time(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m))
        return -1;
    return h * 60 + m;
}

static void compile_hours(hfi_cc *c, int idx, const char *where, rqueue *q)
{
    lua_State *L = c->L;
    if (lua_type(L, idx) != LUA_TTABLE) {
        hfi_cc_problem(c, where, "hours must be { from = \"08:00\", to = \"20:00\", days = {...}, "
                "utc_offset = minutes }");
        return;
    }
    static const char *const fields[] = {"from", "to", "days", "utc_offset", NULL};
    hfi_cc_fields(c, idx, where, "hours", fields);
    q->has_hours = true;
    q->days = 0x7f;
    lua_getfield(L, idx, "from");
    lua_getfield(L, idx, "to");
    q->from = clock_time(lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL);
    q->to = clock_time(lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL);
    if (q->from < 0 || q->to < 0)
        hfi_cc_problem(c, where, "hours need from and to as \"HH:MM\" (00:00 to 24:00)");
    lua_pop(L, 2);
    lua_getfield(L, idx, "days");
    if (!lua_isnil(L, -1) && string_list(c, lua_gettop(L), where, "hours.days")) {
        q->days = 0;
        for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, -1); i++) {
            lua_rawgeti(L, -1, i);
            const char *day = lua_tostring(L, -1);
            int d = 0;
            while (d < 7 && strcmp(day, hfi_route_days[d]) != 0)
                d++;
            if (d == 7)
                hfi_cc_problem(c, where, "hours.days: '%s' is not one of mon tue wed thu fri sat sun",
                        day);
            else
                q->days |= (uint8_t)(1u << d);
            lua_pop(L, 1);
        }
        if (!q->days)
            hfi_cc_problem(c, where, "hours.days names no day: the queue would never open");
    }
    lua_getfield(L, idx, "utc_offset");
    if (!lua_isnil(L, -1)) {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < -840 || lua_tointeger(L, -1) > 840)
            hfi_cc_problem(c, where, "hours.utc_offset must be whole minutes from -840 to 840");
        else
            q->utc_offset = (int)lua_tointeger(L, -1);
    }
    lua_pop(L, 2);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void compile_queues(hfi_cc *c, int idx)
{
    lua_State *L = c->L;
    hfi_routing *r = RT(c);
    if (lua_type(L, idx) != LUA_TTABLE || hfi_dsl_kind(L, idx)) {
        hfi_cc_problem(c, NULL, "needs queues = { name = { skills = {...}, languages = {...} }, ... }");
        return;
    }
    uint32_t n = hfi_cc_count(L, idx);
    if (!n) {
        hfi_cc_problem(c, NULL, "queues is empty: name at least one queue");
        return;
    }
    /* names first, sorted, so that rules can find queues by binary search */
    /* Lua's memory, so that an error raised below cannot leak it */
    const char **names = lua_newuserdatauv(L, sizeof *names * n, 0);
    uint32_t k = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        const char *qn = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (!qn || !hfi_ident_ok(qn))
            hfi_cc_problem(c, NULL, "queue names may hold only letters, digits and _ . - :");
        else if (strcmp(qn, "at") == 0)
            hfi_cc_problem(c, NULL, "'at' cannot name a queue: the live state uses it for the time");
        else
            names[k++] = qn; /* anchored by the queues table */
    }
    qsort(names, k, sizeof *names, cmp_names);
    r->queues = hfi_cc_zalloc(c, sizeof *r->queues * k);
    for (uint32_t i = 0; i < k; i++) {
        r->queues[r->nqueues].name = hfi_cc_dup(c, names[i]);
        r->queues[r->nqueues++].nlen = strlen(names[i]);
    }
    lua_pop(L, 1);
    r->live = hfi_cc_zalloc(c, sizeof *r->live * r->nqueues);
    r->said = hfi_cc_zalloc(c, (size_t)SAID_MAX * r->nqueues);
    for (uint32_t i = 0; i < r->nqueues; i++) {
        rqueue *q = &r->queues[i];
        char where[160];
        snprintf(where, sizeof where, "queue '%s'", q->name);
        int top = lua_gettop(L);
        lua_getfield(L, idx, q->name);
        int t = top + 1;
        if (lua_type(L, t) != LUA_TTABLE || hfi_dsl_kind(L, t)) {
            hfi_cc_problem(c, where, "must be a table { skills = {...}, languages = {...}, hours = "
                    "{...} }");
            lua_settop(L, top);
            continue;
        }
        static const char *const fields[] = {"skills", "languages", "hours", NULL};
        hfi_cc_fields(c, t, where, "the queue", fields);
        lua_getfield(L, t, "skills");
        if (!lua_isnil(L, -1))
            strings(c, lua_gettop(L), where, "skills", false, &q->skills, &q->nskills);
        lua_getfield(L, t, "languages");
        if (!lua_isnil(L, -1))
            strings(c, lua_gettop(L), where, "languages", false, &q->langs, &q->nlangs);
        lua_getfield(L, t, "hours");
        if (!lua_isnil(L, -1))
            compile_hours(c, lua_gettop(L), where, q);
        lua_settop(L, top);
    }
}

static void compile_service_level(hfi_cc *c, int idx)
{
    lua_State *L = c->L;
    hfi_routing *r = RT(c);
    r->within = 20;
    r->target = 0.8;
    if (lua_isnil(L, idx))
        return;
    if (lua_type(L, idx) != LUA_TTABLE) {
        hfi_cc_problem(c, NULL, "service_level must be { answer_within = seconds, target = 0..1 }");
        return;
    }
    static const char *const fields[] = {"answer_within", "target", NULL};
    hfi_cc_fields(c, idx, "service_level", "service_level", fields);
    lua_getfield(L, idx, "answer_within");
    if (!lua_isnil(L, -1)) {
        double v = lua_tonumber(L, -1);
        if (lua_type(L, -1) != LUA_TNUMBER || !(v >= 0 && v <= 86400))
            hfi_cc_problem(c, "service_level", "answer_within must be seconds from 0 to 86400");
        else
            r->within = v;
    }
    lua_getfield(L, idx, "target");
    if (!lua_isnil(L, -1)) {
        double v = lua_tonumber(L, -1);
        if (lua_type(L, -1) != LUA_TNUMBER || !(v > 0 && v <= 1))
            hfi_cc_problem(c, "service_level", "target must be a share above 0 and at most 1 (0.8 "
                    "for 80%%)");
        else
            r->target = v;
    }
    lua_pop(L, 2);
}

/* A table condition: { field = value or { values }, ... }, described in words as it goes. */
static void compile_conds(hfi_cc *c, int idx, const char *where, rrule *u, hfi_buf *desc)
{
    lua_State *L = c->L;
    uint32_t n = hfi_cc_count(L, idx);
    u->conds = hfi_cc_zalloc(c, sizeof *u->conds * n);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        int f = 0;
        while (k && f < NFIELDS && strcmp(k, hfi_route_fields[f]) != 0)
            f++;
        if (!k || f == NFIELDS) {
            hfi_cc_problem(c, where, "when tests an unknown field '%s' (use reason, skills, flags, "
                    "priority, language or flow, or a function)", k ? k : "?");
            lua_pop(L, 1);
            continue;
        }
        rcond *cd = &u->conds[u->nconds++];
        cd->field = (uint8_t)f;
        char what[32];
        snprintf(what, sizeof what, "when.%s", k);
        if (strings(c, lua_gettop(L), where, what, true, &cd->values, &cd->n) && !cd->n)
            hfi_cc_problem(c, where, "%s is an empty list: it could never match", what);
        for (uint32_t i = 0; f == F_PRIORITY && i < cd->n; i++)
            if (hfi_route_prio(cd->values[i]) < 0)
                hfi_cc_problem(c, where, "when.priority '%s' is not one of low, normal, high, urgent",
                        cd->values[i]);
        if (desc->len)
            hfi_buf_adds(desc, " and ");
        hfi_buf_adds(desc, k);
        hfi_buf_adds(desc, f == F_SKILLS || f == F_FLAGS ? " has " : " is ");
        for (uint32_t i = 0; i < cd->n; i++) {
            if (i)
                hfi_buf_adds(desc, " or ");
            hfi_buf_adds(desc, cd->values[i]);
        }
        lua_pop(L, 1);
    }
}

static void compile_rule(hfi_cc *c, int idx, uint32_t i)
{
    lua_State *L = c->L;
    hfi_routing *r = RT(c);
    rrule *u = &r->rules[i];
    u->when = HFI_NONE;
    u->queue = -1;
    u->prio = -1;
    char where[32];
    snprintf(where, sizeof where, "rule %u", (unsigned)(i + 1));
    if (lua_type(L, idx) != LUA_TTABLE || hfi_dsl_kind(L, idx)) {
        hfi_cc_problem(c, where, "must be a table { when = ..., queue = ..., priority = ... }");
        return;
    }
    static const char *const fields[] = {"when", "queue", "priority", "overflow", "name", NULL};
    hfi_cc_fields(c, idx, where, "the rule", fields);
    int top = lua_gettop(L);
    hfi_buf *desc = &c->e->tmp; /* the engine's: an error raised while it grows leaks nothing */
    hfi_buf_reset(desc);
    lua_getfield(L, idx, "name");
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0)
            hfi_cc_problem(c, where, "name must be a non-empty string");
        else
            u->name = hfi_cc_dup(c, lua_tostring(L, -1));
    }
    lua_getfield(L, idx, "when");
    int w = lua_gettop(L);
    if (lua_type(L, w) == LUA_TFUNCTION) {
        lua_Debug ar;
        lua_pushvalue(L, w);
        lua_getinfo(L, ">S", &ar);
        char d[48];
        snprintf(d, sizeof d, "when function, line %d", ar.linedefined);
        hfi_buf_adds(desc, d);
        u->when = hfi_fn_ref(L, c->e, w);
    } else if (lua_type(L, w) == LUA_TTABLE && !hfi_dsl_kind(L, w)) {
        compile_conds(c, w, where, u, desc);
    } else if (!lua_isnil(L, w)) {
        hfi_cc_problem(c, where, "when must be a table of fields to match or a function");
    }
    if (!desc->len)
        hfi_buf_adds(desc, "always");
    u->desc = hfi_buf_dup(desc, NULL);
    if (!u->desc)
        luaL_error(L, "not enough memory");
    lua_getfield(L, idx, "queue");
    if (!lua_isnil(L, -1)) {
        size_t n;
        const char *qn = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
        u->queue = qn ? hfi_route_queue(r, qn, n) : -1;
        if (!qn)
            hfi_cc_problem(c, where, "queue must be a queue name");
        else if (u->queue < 0)
            hfi_cc_problem(c, where, "queue '%s' is not one of the queues", qn);
    }
    lua_getfield(L, idx, "priority");
    if (!lua_isnil(L, -1)) {
        u->prio = hfi_route_prio(lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL);
        if (u->prio < 0)
            hfi_cc_problem(c, where, "priority must be one of low, normal, high, urgent");
    }
    lua_getfield(L, idx, "overflow");
    if (!lua_isnil(L, -1)) {
        int ov = lua_gettop(L);
        if (lua_isnil(L, top + 3))
            hfi_cc_problem(c, where, "overflow needs a queue to overflow from");
        if (string_list(c, ov, where, "overflow")) {
            uint32_t n = (uint32_t)lua_rawlen(L, ov);
            u->overflow = hfi_cc_zalloc(c, sizeof *u->overflow * n);
            for (uint32_t k = 0; k < n; k++) {
                lua_rawgeti(L, ov, (lua_Integer)k + 1);
                const char *name = lua_tostring(L, -1);
                lua_pop(L, 1); /* anchored by the overflow list */
                int q = hfi_route_queue(r, name, strlen(name));
                bool again = false;
                for (uint32_t j = 0; j < u->noverflow; j++)
                    again |= u->overflow[j] == q;
                if (q < 0)
                    hfi_cc_problem(c, where, "overflow queue '%s' is not one of the queues", name);
                else if (q == u->queue)
                    hfi_cc_problem(c, where, "overflow lists the rule's own queue '%s'", name);
                else if (again)
                    hfi_cc_problem(c, where, "overflow lists '%s' twice", name);
                else
                    u->overflow[u->noverflow++] = q;
            }
        }
    }
    if (lua_isnil(L, top + 3) && u->prio < 0)
        hfi_cc_problem(c, where, "does nothing: give it a queue, a priority or both");
    lua_settop(L, top);
}

static void compile_rules(hfi_cc *c, int idx)
{
    lua_State *L = c->L;
    hfi_routing *r = RT(c);
    lua_Integer n = lua_type(L, idx) == LUA_TTABLE && !hfi_dsl_kind(L, idx)
                        ? (lua_Integer)lua_rawlen(L, idx) : -1;
    if (n <= 0 || hfi_cc_count(L, idx) != (uint32_t)n) {
        hfi_cc_problem(c, NULL, "needs rules = { { when = ..., queue = ... }, ... }, a list");
        return;
    }
    r->rules = hfi_cc_zalloc(c, sizeof *r->rules * (size_t)n);
    r->nrules = (uint32_t)n;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        compile_rule(c, lua_gettop(L), (uint32_t)(i - 1));
        lua_pop(L, 1);
    }
    int catch_all = -1, deciders = 0;
    for (uint32_t i = 0; i < r->nrules; i++) {
        const rrule *u = &r->rules[i];
        if (catch_all >= 0) {
            char where[32];
            snprintf(where, sizeof where, "rule %u", (unsigned)(i + 1));
            hfi_cc_problem(c, where, "can never match: rule %d before it has no when and always picks "
                    "a queue", catch_all + 1);
            break;
        }
        deciders += u->queue >= 0;
        if (u->queue >= 0 && u->when == HFI_NONE && !u->nconds)
            catch_all = (int)i;
    }
    if (!deciders && !c->nerr)
        hfi_cc_problem(c, NULL, "no rule picks a queue: end the rules with a catch-all { queue = ... }");
}

static int compile_body(lua_State *L)
{
    hfi_cc *c = lua_touserdata(L, 1);
    hf_engine *e = c->e;
    if (!hfi_cc_run_chunk(c, "routing", "a routing config: return routing { ... }"))
        return 0;
    int sp = lua_gettop(L);
    static const char *const fields[] = {"service_level", "queues", "rules", NULL};
    hfi_cc_fields(c, sp, NULL, "the routing config", fields);
    lua_getfield(L, sp, "service_level");
    compile_service_level(c, lua_gettop(L));
    lua_getfield(L, sp, "queues");
    compile_queues(c, lua_gettop(L));
    lua_getfield(L, sp, "rules");
    if (RT(c)->nqueues)
        compile_rules(c, lua_gettop(L));
    if (!c->nerr) {
        lua_pushboolean(L, 0);
        RT(c)->view_slot = hfi_fn_ref(L, e, -1);
        hfi_freeze_flow(L, e, &RT(c)->shim, RT(c)->first_fn);
    }
    return 0;
}

int hf_engine_load_routing(hf_engine *e, const char *source, size_t len, const char *name)
{
    if (!e)
        return HF_EMISUSE;
    if (!source)
        return hfi_fail(e, HF_EINVAL, "no routing source given");
    if (hfi_owned(e, source)) { /* read from a copy: see hfi_owned */
        char *copy = hfi_strndup(e, source, len);
        if (!copy)
            return hfi_fail(e, HF_ENOMEM, "out of memory");
        int rc = hf_engine_load_routing(e, copy, len, name);
        hfi_free(e, copy, len + 1);
        return rc;
    }
    hfi_cc c = {.e = e, .L = e->L, .src = source, .len = len, .name = name ? name : "routing",
                .raw_where = true};
    if (len >= 4 && memcmp(source, LUA_SIGNATURE, 4) == 0) {
        hfi_seterrf(e, "%s: binary chunks are not accepted: load routing source", c.name);
        return HF_ESYNTAX;
    }
    hfi_buf_reset(&e->err);
    hfi_routing *r = hfi_salloc(e, sizeof *r);
    if (!r)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    r->first_fn = e->nfns + 1;
    r->shim.upvalues = HFI_NONE;
    r->esc.e = r->lv.e = e;
    hfi_buf_init(&r->esc.strings, e);
    hfi_buf_init(&r->lv.strings, e);
    hfi_buf_init(&r->explain, e);
    hfi_buf_init(&r->view, e);
    c.user = r;
    char msg[512];
    int rc = hfi_protect(e, compile_body, &c, msg, sizeof msg);
    if (rc != HF_OK) {
        hfi_buf_reset(&e->err);
        if (rc == HF_ENOMEM) {
            hfi_buf_adds(&e->err, "out of memory while loading the routing config");
        } else {
            size_t nl = strlen(c.name);
            if (strncmp(msg, c.name, nl) != 0 || msg[nl] != ':') {
                hfi_buf_adds(&e->err, c.name);
                hfi_buf_adds(&e->err, ": ");
            }
            hfi_buf_adds(&e->err, msg);
        }
        c.rc = rc == HF_ENOMEM ? HF_ENOMEM : HF_ECHECK;
    } else if (c.nerr > MAX_ERRORS) {
        hfi_buf_adds(&e->err, "\n... and more problems");
    }
    r->name = c.rc == HF_OK ? hfi_strdup(e, c.name) : NULL;
    if (c.rc == HF_OK && !r->name)
        c.rc = hfi_fail(e, HF_ENOMEM, "out of memory");
    if (c.rc != HF_OK) {
        forget_fns(e, r->first_fn, e->nfns);
        e->nfns = r->first_fn - 1;
        hfi_routing_free(e, r);
        return c.rc;
    }
    r->last_fn = e->nfns;
    if (e->routing) {
        forget_fns(e, e->routing->first_fn, e->routing->last_fn);
        hfi_routing_free(e, e->routing);
    }
    e->routing = r;
    return HF_OK;
}

