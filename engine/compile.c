/*
 * compile.c — runs a flow file once in the sandbox and turns what it returns into an immutable
 * C flow graph, with the load-time checks that turn authoring mistakes into clear errors
 * ("card.lua: flow 'card_declined': step 'frozen': go to unknown step 'unfreez'").
 *
 * Everything here runs inside one protected call; errors found in the flow are collected (all
 * of them, up to a limit) rather than raised, so an author sees every problem at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "compile.h"

static void compile_strings(hfi_cc *c, int idx)
{
    lua_State *L = c->L;
    hfi_flow *f = c->f;
    if (lua_isnil(L, idx))
        return;
    if (lua_type(L, idx) != LUA_TTABLE) {
        hfi_cc_problem(c, NULL, "strings must be { [\"en-GB\"] = { key = \"text\", ... }, ... }");
        return;
    }
    uint32_t n = hfi_cc_count(L, idx);
    f->locales = hfi_cc_zalloc(c, sizeof *f->locales * (n ? n : 1));
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TTABLE) {
            hfi_cc_problem(c, NULL, "strings must map locale names to tables of texts");
            lua_pop(L, 1);
            continue;
        }
        hfi_locale *loc = &f->locales[f->nlocales++];
        loc->name = hfi_cc_dup(c, lua_tostring(L, -2));
        int t = lua_gettop(L);
        uint32_t k = hfi_cc_count(L, t);
        loc->keys = hfi_cc_zalloc(c, sizeof *loc->keys * (k ? k : 1));
        loc->texts = hfi_cc_zalloc(c, sizeof *loc->texts * (k ? k : 1));
        lua_pushnil(L);
        while (lua_next(L, t)) {
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING) {
                hfi_cc_problem(c, NULL, "strings of locale '%s' must map keys to texts", loc->name);
            } else {
                /* insertion into the sorted key array */
                const char *key = lua_tostring(L, -2);
                uint32_t at = loc->n;
                while (at > 0 && strcmp(loc->keys[at - 1], key) > 0) {
                    loc->keys[at] = loc->keys[at - 1];
                    loc->texts[at] = loc->texts[at - 1];
                    at--;
                }
                loc->keys[at] = NULL;
                loc->texts[at] = NULL;
                loc->n++;
                loc->keys[at] = hfi_cc_dup(c, key);
                loc->texts[at] = hfi_cc_dup(c, lua_tostring(L, -1));
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    /* the default locale: `locale`, else en-GB, else the first by name */
    f->default_locale = 0;
    for (uint32_t i = 1; i < f->nlocales; i++)
        if (strcmp(f->locales[i].name, f->locales[f->default_locale].name) < 0)
            f->default_locale = i;
    for (uint32_t i = 0; i < f->nlocales; i++)
        if (strcmp(f->locales[i].name, "en-GB") == 0)
            f->default_locale = i;
}

static void compile_policy(hfi_cc *c, int idx)
{
    lua_State *L = c->L;
    hfi_flow *f = c->f;
    if (lua_isnil(L, idx))
        return;
    if (lua_type(L, idx) != LUA_TTABLE) {
        hfi_cc_problem(c, NULL, "policy must be a table");
        return;
    }
    static const char *const fields[] = {"max_retries", "max_visits", "repeat_contact",
                                         "flag_priority", NULL};
    hfi_cc_fields(c, idx, NULL, "policy", fields);
    lua_getfield(L, idx, "max_retries");
    if (!lua_isnil(L, -1)) {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 || lua_tointeger(L, -1) > 100)
            hfi_cc_problem(c, NULL, "policy.max_retries must be a whole number from 0 to 100");
        else {
            f->max_retries = (uint32_t)lua_tointeger(L, -1);
            f->has_max_retries = true;
        }
    }
    lua_getfield(L, idx, "max_visits");
    if (!lua_isnil(L, -1)) {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > 250)
            hfi_cc_problem(c, NULL, "policy.max_visits must be a whole number from 1 to 250");
        else
            f->max_visits = (uint32_t)lua_tointeger(L, -1);
    }
    lua_getfield(L, idx, "flag_priority");
    int fp = lua_gettop(L);
    if (lua_type(L, fp) == LUA_TTABLE) {
        uint32_t n = hfi_cc_count(L, fp);
        f->flagprio = hfi_cc_zalloc(c, sizeof *f->flagprio * (n ? n : 1));
        lua_pushnil(L);
        while (lua_next(L, fp)) {
            const char *p = hfi_cc_priority(c, lua_gettop(L), NULL);
            if (lua_type(L, -2) != LUA_TSTRING || !p) {
                hfi_cc_problem(c, NULL, "policy.flag_priority must map flags to priorities");
            } else {
                f->flagprio[f->nflagprio].priority = p;
                f->flagprio[f->nflagprio++].flag = hfi_cc_dup(c, lua_tostring(L, -2));
            }
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, fp)) {
        hfi_cc_problem(c, NULL, "policy.flag_priority must be { flag = \"priority\", ... }");
    }
    lua_settop(L, idx);
    lua_getfield(L, idx, "repeat_contact");
    int rc = lua_gettop(L);
    if (lua_type(L, rc) == LUA_TTABLE) {
        static const char *const rfields[] = {"failures", "within", NULL};
        hfi_cc_fields(c, rc, NULL, "policy.repeat_contact", rfields);
        lua_getfield(L, rc, "failures");
        if (!lua_isnil(L, -1)) {
            if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1)
                hfi_cc_problem(c, NULL, "policy.repeat_contact.failures must be a whole number above 0");
            else
                f->repeat_failures = (uint32_t)lua_tointeger(L, -1);
        }
        lua_getfield(L, rc, "within");
        if (!lua_isnil(L, -1)) {
            if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1)
                hfi_cc_problem(c, NULL, "policy.repeat_contact.within must be seconds above 0");
            else
                f->repeat_within = (int64_t)lua_tointeger(L, -1);
        }
    } else if (!lua_isnil(L, rc)) {
        hfi_cc_problem(c, NULL, "policy.repeat_contact must be { failures = N, within = seconds }");
    }
    lua_settop(L, idx);
}

static void compile_on(hfi_cc *c, int idx)
{
    lua_State *L = c->L;
    hfi_flow *f = c->f;
    if (lua_isnil(L, idx))
        return;
    if (lua_type(L, idx) != LUA_TTABLE) {
        hfi_cc_problem(c, NULL, "on must map intents to step ids (or false)");
        return;
    }
    uint32_t n = hfi_cc_count(L, idx);
    f->on = hfi_cc_zalloc(c, sizeof *f->on * (n ? n : 1));
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            hfi_cc_problem(c, NULL, "on must map intent names to step ids");
        } else {
            hfi_intent *in = &f->on[f->non];
            in->name = hfi_cc_dup(c, lua_tostring(L, -2));
            f->non++;
            if (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1))
                in->target = HFI_NONE;
            else
                in->target = hfi_cc_target(c, lua_gettop(L), NULL, "on");
        }
        lua_pop(L, 1);
    }
}

/* Every step must be reachable from start (or from an intent's target). */
static void check_graph(hfi_cc *c)
{
    hfi_flow *f = c->f;
    /* one block: a second allocation failing would leak the first */
    int *todo = hfi_cc_zalloc(c, (sizeof *todo + 1) * f->nsteps);
    uint8_t *seen = (uint8_t *)(todo + f->nsteps);
    int n = 0;
#define PUSH(i)                                                                               \
    do {                                                                                      \
        int i_ = (i);                                                                         \
        if (i_ >= 0 && !seen[i_]) {                                                           \
            seen[i_] = 1;                                                                     \
            todo[n++] = i_;                                                                   \
        }                                                                                     \
    } while (0)
    PUSH((int)f->start);
    for (uint32_t i = 0; i < f->non; i++)
        PUSH(f->on[i].target);
    bool has_end = false;
    while (n) {
        const hfi_step *st = &f->steps[todo[--n]];
        has_end |= st->kind == HFI_RESOLVED || st->kind == HFI_ESCALATE;
        for (uint32_t i = 0; i < st->nnext; i++)
            PUSH(st->next[i].go);
        for (uint32_t i = 0; i < st->nchoices; i++)
            PUSH(st->choices[i].to.go);
        PUSH(st->on_error);
        PUSH(st->on_timeout);
    }
#undef PUSH
    for (uint32_t i = 0; i < f->nsteps; i++) {
        const hfi_step *st = &f->steps[i];
        if (!seen[i])
            hfi_cc_problem(c, st->id, "no path from start '%s' reaches this step",
                    f->steps[f->start].id);
    }
    if (!has_end)
        hfi_cc_problem(c, NULL, "no path reaches a resolved or escalate step: the flow never ends");
    hfi_sfree(c->e, todo);
}

static int sort_ids(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void compile_steps(hfi_cc *c, int idx)
{
    lua_State *L = c->L;
    hfi_flow *f = c->f;
    uint32_t n = hfi_cc_count(L, idx);
    if (n == 0) {
        hfi_cc_problem(c, NULL, "steps is empty");
        return;
    }
    f->steps = hfi_cc_zalloc(c, sizeof *f->steps * n);
    c->ids = hfi_cc_zalloc(c, sizeof *c->ids * n);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            hfi_cc_problem(c, NULL, "steps must be named: steps = { name = say { ... }, ... }");
            continue;
        }
        if (!hfi_ident_ok(lua_tostring(L, -1))) {
            hfi_cc_problem(c, NULL, "step id '%s' may hold only letters, digits and _ . - :",
                    lua_tostring(L, -1));
            continue;
        }
        c->ids[f->nsteps++] = lua_tostring(L, -1); /* anchored by the steps table */
    }
    qsort(c->ids, f->nsteps, sizeof *c->ids, sort_ids);
    for (uint32_t i = 0; i < f->nsteps; i++) {
        hfi_step *st = &f->steps[i];
        st->id = hfi_cc_dup(c, c->ids[i]);
        st->validate = st->args = st->summary = st->components_fn = HFI_NONE;
        st->on_error = st->on_timeout = HFI_NONE;
    }
    for (uint32_t i = 0; i < f->nsteps; i++) {
        hfi_step *st = &f->steps[i];
        lua_getfield(L, idx, st->id);
        const char *kind = hfi_dsl_kind(L, -1);
        int k = 0;
        while (kind && k < HFI_NKINDS && strcmp(kind, hfi_kind_names[k]) != 0)
            k++;
        if (!kind || k == HFI_NKINDS) {
            hfi_cc_problem(c, st->id, "is not a step: use say, ask, action, decide, call, wait, "
                    "resolved or escalate");
        } else {
            st->kind = (uint8_t)k;
            hfi_cc_step(c, lua_gettop(L), st);
        }
        lua_pop(L, 1);
    }
}

static int compile_body(lua_State *L)
{
    hfi_cc *c = lua_touserdata(L, 1);
    hf_engine *e = c->e;
    if (!hfi_cc_run_chunk(c, "flow", "a flow: return flow \"id\" { ... }"))
        return 0;
    int fl = lua_gettop(L);
    hfi_flow *f = c->f;
    lua_getfield(L, fl, "id");
    f->id = hfi_cc_dup(c, lua_tostring(L, -1));
    if (!hfi_ident_ok(f->id)) {
        hfi_cc_problem(c, NULL, "the flow id may hold only letters, digits and _ . - :");
        return 0;
    }
    lua_getfield(L, fl, "spec");
    int sp = lua_gettop(L);
    static const char *const fields[] = {"version", "title", "triggers", "start", "steps",
                                         "policy",  "strings", "locale", "skills", "priority",
                                         "on",      "migrate", NULL};
    hfi_cc_fields(c, sp, NULL, "the flow", fields);
    lua_getfield(L, sp, "version");
    f->version = 1;
    if (!lua_isnil(L, -1)) {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1)
            hfi_cc_problem(c, NULL, "version must be a whole number above 0");
        else
            f->version = (int64_t)lua_tointeger(L, -1);
    }
    lua_getfield(L, sp, "title");
    f->title = hfi_cc_string(c, lua_gettop(L), NULL, "title");
    lua_getfield(L, sp, "triggers");
    if (!lua_isnil(L, -1))
        f->triggers_json = hfi_cc_string_list(c, lua_gettop(L), NULL, "triggers", false);
    lua_getfield(L, sp, "skills");
    if (!lua_isnil(L, -1))
        f->skills_json = hfi_cc_string_list(c, lua_gettop(L), NULL, "skills", false);
    lua_getfield(L, sp, "priority");
    f->priority = hfi_cc_priority(c, lua_gettop(L), NULL);
    lua_getfield(L, sp, "policy");
    compile_policy(c, lua_gettop(L));
    lua_getfield(L, sp, "strings");
    compile_strings(c, lua_gettop(L));
    lua_getfield(L, sp, "locale");
    if (!lua_isnil(L, -1)) {
        const char *loc = lua_tostring(L, -1);
        bool found = false;
        for (uint32_t i = 0; loc && i < f->nlocales; i++)
            if (strcmp(f->locales[i].name, loc) == 0) {
                f->default_locale = i;
                found = true;
            }
        if (!found)
            hfi_cc_problem(c, NULL, "locale '%s' is not one of the flow's strings",
                    loc ? loc : "(not a string)");
    }
    lua_getfield(L, sp, "migrate");
    f->migrate = hfi_cc_function(c, lua_gettop(L), NULL, "migrate");
    lua_getfield(L, sp, "steps");
    if (lua_type(L, -1) != LUA_TTABLE) {
        hfi_cc_problem(c, NULL, "needs steps = { ... }");
        return 0;
    }
    compile_steps(c, lua_gettop(L));
    lua_getfield(L, sp, "start");
    if (lua_isnil(L, -1))
        hfi_cc_problem(c, NULL, "needs start = \"first_step\"");
    else if (f->nsteps) {
        int s = hfi_cc_target(c, lua_gettop(L), NULL, "start");
        f->start = s < 0 ? 0 : (uint32_t)s;
    }
    lua_getfield(L, sp, "on");
    compile_on(c, lua_gettop(L));
    if (!c->nerr)
        check_graph(c);
    if (!c->nerr)
        hfi_freeze_flow(L, e, f, c->first_fn);
    return 0;
}

int hfi_compile(hf_engine *e, const char *src, size_t len, const char *name, hfi_flow **out)
{
    *out = NULL;
    hfi_cc c = {0};
    c.e = e;
    c.L = e->L;
    c.src = src;
    c.len = len;
    c.name = name ? name : "flow";
    c.first_fn = e->nfns + 1;
    hfi_buf_reset(&e->err);
    c.f = hfi_alloc(e, sizeof *c.f);
    if (!c.f)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    memset(c.f, 0, sizeof *c.f);
    c.f->upvalues = HFI_NONE;
    c.f->migrate = HFI_NONE;
    char msg[512];
    int rc = hfi_protect(e, compile_body, &c, msg, sizeof msg);
    hfi_sfree(e, c.ids);
    if (rc != HF_OK) {
        hfi_buf_reset(&e->err);
        if (rc == HF_ENOMEM)
            hfi_buf_adds(&e->err, "out of memory while loading the flow");
        else {
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
    if (c.rc != HF_OK) {
        /* forget the functions this load stored */
        lua_State *L = e->L;
        lua_rawgeti(L, LUA_REGISTRYINDEX, e->fns);
        for (int i = c.first_fn; i <= e->nfns; i++) {
            lua_pushnil(L);
            lua_rawseti(L, -2, i);
        }
        lua_pop(L, 1);
        e->nfns = c.first_fn - 1;
        hfi_flow_free(e, c.f);
        return c.rc;
    }
    c.f->source_name = hfi_strdup(e, c.name);
    *out = c.f;
    return HF_OK;
}
