/*
 * compile.c — runs a flow file once in the sandbox and turns what it returns into an immutable
 * C flow graph, with the load-time checks that turn authoring mistakes into clear errors
 * ("card.lua: flow 'card_declined': step 'frozen': go to unknown step 'unfreez'").
 *
 * Everything here runs inside one protected call; errors found in the flow are collected (all
 * of them, up to a limit) rather than raised, so an author sees every problem at once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "internal.h"

#define MAX_ERRORS 20

const char *const hfi_input_names[HFI_NINPUTS] = {"text", "number", "money",
                                                  "date", "email",  "phone"};
const char *const hfi_priorities[4] = {"low", "normal", "high", "urgent"};

typedef struct cc {
    hf_engine *e;
    lua_State *L;
    const char *src;
    size_t len;
    const char *name;
    hfi_flow *f;
    int nerr;
    int rc;              /* HF_ESYNTAX / HF_ECHECK when failing */
    int first_fn;        /* functions from this ref on belong to this load */
    const char **ids;    /* sorted step ids, while compiling */
} cc;

static void problem(cc *c, const char *step, const char *fmt, ...)
{
    if (c->nerr++ >= MAX_ERRORS)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hfi_buf *b = &c->e->err;
    if (b->len)
        hfi_buf_addc(b, '\n');
    hfi_buf_adds(b, c->name);
    hfi_buf_adds(b, ": ");
    if (c->f && c->f->id) {
        hfi_buf_adds(b, "flow '");
        hfi_buf_adds(b, c->f->id);
        hfi_buf_adds(b, "': ");
    }
    if (step) {
        hfi_buf_adds(b, "step '");
        hfi_buf_adds(b, step);
        hfi_buf_adds(b, "': ");
    }
    hfi_buf_adds(b, msg);
    c->rc = HF_ECHECK;
}

/* Allocation failure while compiling is a memory error, raised in Lua terms. */
static char *dup(cc *c, const char *s)
{
    char *d = hfi_strdup(c->e, s);
    if (!d)
        luaL_error(c->L, "not enough memory");
    return d;
}

static void *zalloc(cc *c, size_t n)
{
    void *p = hfi_salloc(c->e, n);
    if (!p)
        luaL_error(c->L, "not enough memory");
    return p;
}

int hfi_fn_ref(lua_State *L, hf_engine *e, int idx)
{
    idx = lua_absindex(L, idx);
    lua_rawgeti(L, LUA_REGISTRYINDEX, e->fns);
    lua_pushvalue(L, idx);
    lua_rawseti(L, -2, ++e->nfns);
    lua_pop(L, 1);
    return e->nfns;
}

/* Checks that every key of the table at idx is a string in `allowed`. */
static void check_fields(cc *c, int idx, const char *step, const char *what,
                         const char *const *allowed)
{
    lua_State *L = c->L;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            problem(c, step, "%s has a field that is not a name", what);
            continue;
        }
        const char *k = lua_tostring(L, -1);
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            ok |= strcmp(*a, k) == 0;
        if (!ok)
            problem(c, step, "%s has an unknown field '%s'", what, k);
    }
}

static int step_index(cc *c, const char *id)
{
    int lo = 0, hi = (int)c->f->nsteps - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, r = strcmp(c->ids[mid], id);
        if (r == 0)
            return mid;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return HFI_NONE;
}

/* The step named by the string at idx (a `go`-like field), or HFI_NONE with a problem. */
static int target(cc *c, int idx, const char *step, const char *field)
{
    lua_State *L = c->L;
    if (lua_type(L, idx) != LUA_TSTRING) {
        problem(c, step, "%s must be a step id (a string), not a %s", field,
                luaL_typename(L, idx));
        return HFI_NONE;
    }
    int t = step_index(c, lua_tostring(L, idx));
    if (t == HFI_NONE)
        problem(c, step, "%s to unknown step '%s'", field, lua_tostring(L, idx));
    return t;
}

/* The value at idx as JSON. Encoding may raise: it writes into the engine's scratch buffer,
 * which nothing leaks from, and only the finished text is copied out. */
static char *json_of(cc *c, int idx)
{
    hfi_buf *b = &c->e->tmp;
    hfi_buf_reset(b);
    hfi_json_encode(c->L, idx, b, NULL);
    char *s = hfi_buf_dup(b, NULL);
    if (!s)
        luaL_error(c->L, "not enough memory");
    return s;
}

/* An array of strings, as JSON "[...]" (or items only, when bare). */
static char *string_list(cc *c, int idx, const char *step, const char *field, bool bare)
{
    lua_State *L = c->L;
    if (lua_type(L, idx) != LUA_TTABLE) {
        problem(c, step, "%s must be a list of strings", field);
        return NULL;
    }
    hfi_buf b;
    hfi_buf_init(&b, c->e);
    if (!bare)
        hfi_buf_addc(&b, '[');
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        count++;
        lua_pop(L, 1);
    }
    if ((lua_Integer)count != n)
        problem(c, step, "%s must be a list of strings", field);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        if (lua_type(L, -1) != LUA_TSTRING)
            problem(c, step, "%s must be a list of strings", field);
        else {
            if (i > 1)
                hfi_buf_addc(&b, ',');
            size_t l;
            const char *s = lua_tolstring(L, -1, &l);
            hfi_buf_add_jstr(&b, s, l);
        }
        lua_pop(L, 1);
    }
    if (!bare)
        hfi_buf_addc(&b, ']');
    char *s = hfi_buf_dup(&b, NULL);
    hfi_buf_free(&b);
    if (!s)
        luaL_error(L, "not enough memory");
    return s;
}

static void text_field(cc *c, int idx, const char *step, const char *field, hfi_text *t)
{
    lua_State *L = c->L;
    const char *key;
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        return;
    case LUA_TSTRING: {
        t->kind = HFI_TEXT_LIT;
        t->s = dup(c, lua_tostring(L, idx));
        hfi_buf b;
        hfi_buf_init(&b, c->e);
        hfi_buf_add_jstr(&b, t->s, lua_rawlen(L, idx));
        t->json = hfi_buf_dup(&b, NULL);
        hfi_buf_free(&b);
        if (!t->json)
            luaL_error(L, "not enough memory");
        return;
    }
    case LUA_TFUNCTION:
        t->kind = HFI_TEXT_FN;
        t->ref = hfi_fn_ref(L, c->e, idx);
        return;
    case LUA_TTABLE:
        if ((key = hfi_dsl_tkey(L, idx))) {
            t->kind = HFI_TEXT_KEY;
            t->s = dup(c, key);
            if (!c->f->nlocales)
                problem(c, step, "%s uses t\"%s\" but the flow has no strings", field, key);
            else if (!hfi_text_lookup(c->f, NULL, key))
                problem(c, step, "%s uses t\"%s\", which locale '%s' does not define", field,
                        key, c->f->locales[c->f->default_locale].name);
            return;
        }
        /* fall through */
    default:
        problem(c, step, "%s must be a string, t\"key\" or a function", field);
    }
}

static int function_field(cc *c, int idx, const char *step, const char *field)
{
    if (lua_isnil(c->L, idx))
        return HFI_NONE;
    if (lua_type(c->L, idx) != LUA_TFUNCTION) {
        problem(c, step, "%s must be a function", field);
        return HFI_NONE;
    }
    return hfi_fn_ref(c->L, c->e, idx);
}

static char *string_field(cc *c, int idx, const char *step, const char *field)
{
    if (lua_isnil(c->L, idx))
        return NULL;
    if (lua_type(c->L, idx) != LUA_TSTRING || lua_rawlen(c->L, idx) == 0) {
        problem(c, step, "%s must be a non-empty string", field);
        return NULL;
    }
    return dup(c, lua_tostring(c->L, idx));
}

static const char *priority_field(cc *c, int idx, const char *step)
{
    if (lua_isnil(c->L, idx))
        return NULL;
    if (lua_type(c->L, idx) == LUA_TSTRING)
        for (int i = 0; i < 4; i++)
            if (strcmp(lua_tostring(c->L, idx), hfi_priorities[i]) == 0)
                return hfi_priorities[i];
    problem(c, step, "priority must be one of low, normal, high, urgent");
    return NULL;
}

static int sort_sets(const void *a, const void *b)
{
    return strcmp(((const hfi_set *)a)->key, ((const hfi_set *)b)->key);
}

/* A `set` table -> the transition's sorted list of constant JSON values and functions. */
static void set_field(cc *c, int idx, const char *step, hfi_trans *t)
{
    lua_State *L = c->L;
    if (lua_isnil(L, idx))
        return;
    if (lua_type(L, idx) != LUA_TTABLE || hfi_dsl_kind(L, idx)) {
        problem(c, step, "set must be a table of key = value or function");
        return;
    }
    uint32_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        n++;
        lua_pop(L, 1);
    }
    if (!n)
        return;
    t->set = zalloc(c, sizeof *t->set * n);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            problem(c, step, "set keys must be names");
        } else {
            hfi_set *e = &t->set[t->nset++];
            e->key = dup(c, lua_tostring(L, -2));
            e->fn = HFI_NONE;
            if (lua_type(L, -1) == LUA_TFUNCTION)
                e->fn = hfi_fn_ref(L, c->e, -1);
            else
                e->json = json_of(c, lua_gettop(L)); /* raises on non-data */
        }
        lua_pop(L, 1);
    }
    qsort(t->set, t->nset, sizeof *t->set, sort_sets);
}

/* Reads go / next / set of the step at idx into st->next. */
static void transitions(cc *c, int idx, hfi_step *st, bool required)
{
    lua_State *L = c->L;
    int go = lua_getfield(L, idx, "go");
    int next = lua_getfield(L, idx, "next");
    int set = lua_getfield(L, idx, "set");
    int at = lua_gettop(L);
    if (go != LUA_TNIL && next != LUA_TNIL)
        problem(c, st->id, "has both go and next: use one");
    if (go != LUA_TNIL || next == LUA_TSTRING) {
        st->next = zalloc(c, sizeof *st->next);
        st->nnext = 1;
        st->next[0].when = HFI_NONE;
        st->next[0].go = target(c, go != LUA_TNIL ? at - 2 : at - 1, st->id, "go");
        set_field(c, at, st->id, &st->next[0]);
    } else if (next == LUA_TTABLE) {
        if (set != LUA_TNIL)
            problem(c, st->id, "set belongs on each next branch");
        lua_Integer n = (lua_Integer)lua_rawlen(L, at - 1);
        if (n == 0)
            problem(c, st->id, "next must be a list of { when = ..., go = ... } branches");
        st->next = zalloc(c, sizeof *st->next * (size_t)(n ? n : 1));
        st->nnext = (uint32_t)n;
        for (lua_Integer i = 1; i <= n; i++) {
            hfi_trans *t = &st->next[i - 1];
            t->when = HFI_NONE;
            t->go = HFI_NONE;
            lua_rawgeti(L, at - 1, i);
            int br = lua_gettop(L);
            if (lua_type(L, br) != LUA_TTABLE) {
                problem(c, st->id, "next branch %d must be a table", (int)i);
                lua_pop(L, 1);
                continue;
            }
            static const char *const fields[] = {"when", "go", "set", NULL};
            char what[32];
            snprintf(what, sizeof what, "next branch %d", (int)i);
            check_fields(c, br, st->id, what, fields);
            lua_getfield(L, br, "when");
            t->when = function_field(c, -1, st->id, "when");
            if (t->when == HFI_NONE && i < n)
                problem(c, st->id, "next branch %d has no when, so the branches after it can "
                        "never be taken", (int)i);
            lua_getfield(L, br, "go");
            t->go = target(c, lua_gettop(L), st->id, "go");
            lua_getfield(L, br, "set");
            set_field(c, lua_gettop(L), st->id, t);
            lua_pop(L, 4);
        }
    } else if (next != LUA_TNIL) {
        problem(c, st->id, "next must be a step id or a list of branches");
    } else if (set != LUA_TNIL) {
        problem(c, st->id, "set needs a go");
    }
    if (required && !st->nnext)
        problem(c, st->id, "%s step has no way on: give it go or next",
                hfi_kind_names[st->kind]);
    lua_pop(L, 3);
}

static void choices(cc *c, int idx, hfi_step *st)
{
    lua_State *L = c->L;
    if (lua_type(L, idx) != LUA_TTABLE || lua_rawlen(L, idx) == 0) {
        problem(c, st->id, "choices must be a list of { id, label, go }");
        return;
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    st->choices = zalloc(c, sizeof *st->choices * (size_t)n);
    st->nchoices = (uint32_t)n;
    for (lua_Integer i = 1; i <= n; i++) {
        hfi_choice *ch = &st->choices[i - 1];
        ch->to.when = HFI_NONE;
        ch->to.go = HFI_NONE;
        lua_rawgeti(L, idx, i);
        int t = lua_gettop(L);
        if (lua_type(L, t) != LUA_TTABLE) {
            problem(c, st->id, "choice %d must be a table", (int)i);
            lua_pop(L, 1);
            continue;
        }
        static const char *const fields[] = {"id", "label", "go", "set", NULL};
        char what[32];
        snprintf(what, sizeof what, "choice %d", (int)i);
        check_fields(c, t, st->id, what, fields);
        lua_getfield(L, t, "id");
        ch->id = string_field(c, -1, st->id, "choice id");
        if (!ch->id)
            problem(c, st->id, "choice %d needs an id", (int)i);
        else if (!hfi_ident_ok(ch->id))
            problem(c, st->id, "choice id '%s' may hold only letters, digits and _ . - :",
                    ch->id);
        for (lua_Integer j = 0; ch->id && j < i - 1; j++)
            if (st->choices[j].id && strcmp(st->choices[j].id, ch->id) == 0)
                problem(c, st->id, "two choices have the id '%s'", ch->id);
        lua_getfield(L, t, "label");
        text_field(c, lua_gettop(L), st->id, "choice label", &ch->label);
        if (ch->label.kind == HFI_TEXT_NONE)
            problem(c, st->id, "choice %d needs a label", (int)i);
        lua_getfield(L, t, "go");
        lua_getfield(L, t, "set");
        if (!lua_isnil(L, -2)) {
            ch->to.go = target(c, lua_gettop(L) - 1, st->id, "choice go");
            set_field(c, lua_gettop(L), st->id, &ch->to);
        } else if (st->nnext == 1 && st->next[0].when == HFI_NONE) {
            ch->to.go = st->next[0].go;
            if (!lua_isnil(L, -1))
                set_field(c, lua_gettop(L), st->id, &ch->to);
            else if (st->next[0].nset)
                problem(c, st->id, "choice '%s' takes the step's go: give it its own set too",
                        ch->id ? ch->id : "?");
        } else {
            problem(c, st->id, "choice '%s' has no go (and the step has no go)",
                    ch->id ? ch->id : "?");
        }
        lua_pop(L, 5);
    }
}

static void components(cc *c, int idx, hfi_step *st)
{
    lua_State *L = c->L;
    if (lua_isnil(L, idx))
        return;
    if (lua_type(L, idx) == LUA_TFUNCTION) {
        st->components_fn = hfi_fn_ref(L, c->e, idx);
        return;
    }
    if (lua_type(L, idx) != LUA_TTABLE || lua_rawlen(L, idx) == 0) {
        problem(c, st->id, "components must be a list of { type = \"card\"|\"list\"|\"link\" }");
        return;
    }
    bool dynamic = false;
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        int t = lua_gettop(L);
        lua_getfield(L, t, "type");
        const char *type = lua_type(L, t) == LUA_TTABLE ? lua_tostring(L, -1) : NULL;
        if (!type || (strcmp(type, "card") && strcmp(type, "list") && strcmp(type, "link")))
            problem(c, st->id, "component %d must have type card, list or link", (int)i);
        if (lua_type(L, t) == LUA_TTABLE) {
            lua_pushnil(L);
            while (lua_next(L, t)) {
                dynamic |= lua_type(L, -1) == LUA_TFUNCTION || hfi_dsl_tkey(L, -1) != NULL;
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 2);
    }
    if (dynamic)
        st->components_fn = hfi_fn_ref(L, c->e, idx);
    else if (!c->nerr)
        st->components_json = json_of(c, idx);
}

static const char *const say_fields[] = {"text", "components", "choices", "go", "next", "set",
                                         "flags", NULL};
static const char *const ask_fields[] = {"text", "input", "validate", "save", "go", "next",
                                         "set", "flags", NULL};
static const char *const action_fields[] = {"call", "args", "save", "go", "next", "set",
                                            "on_error", "flags", NULL};
static const char *const decide_fields[] = {"next", "flags", NULL};
static const char *const call_fields[] = {"flow", "go", "set", "flags", NULL};
static const char *const wait_fields[] = {"text", "event", "timeout", "go", "on_timeout", "set",
                                          "save", "flags", NULL};
static const char *const resolved_fields[] = {"text", "flags", NULL};
static const char *const escalate_fields[] = {"reason", "skills", "priority", "flags", "text",
                                              "summary", NULL};
static const char *const *const kind_fields[HFI_NKINDS] = {
    say_fields, ask_fields, action_fields, decide_fields, call_fields, wait_fields,
    resolved_fields, escalate_fields};

static void compile_step(cc *c, int idx, hfi_step *st)
{
    lua_State *L = c->L;
    char what[16];
    snprintf(what, sizeof what, "%s step", hfi_kind_names[st->kind]);
    check_fields(c, idx, st->id, what, kind_fields[st->kind]);
    st->validate = st->args = st->summary = st->components_fn = HFI_NONE;
    st->on_error = st->on_timeout = HFI_NONE;
    int top = lua_gettop(L);
    int fl = lua_getfield(L, idx, "flags");
    if (fl != LUA_TNIL)
        st->flags_json = string_list(c, top + 1, st->id, "flags", true);
    lua_getfield(L, idx, "text");
    text_field(c, top + 2, st->id, "text", &st->text);
    lua_settop(L, top);

    switch (st->kind) {
    case HFI_SAY:
        transitions(c, idx, st, false);
        lua_getfield(L, idx, "choices");
        if (!lua_isnil(L, -1))
            choices(c, lua_gettop(L), st);
        else if (!st->nnext)
            problem(c, st->id, "say step has no way on: give it choices or go");
        lua_getfield(L, idx, "components");
        components(c, lua_gettop(L), st);
        if (st->text.kind == HFI_TEXT_NONE && !st->components_json && st->components_fn < 0)
            problem(c, st->id, "say step shows nothing: give it text or components");
        break;
    case HFI_ASK:
        transitions(c, idx, st, true);
        lua_getfield(L, idx, "input");
        st->input = HFI_IN_TEXT;
        if (!lua_isnil(L, -1)) {
            const char *in = lua_tostring(L, -1);
            int k = 0;
            while (k < HFI_NINPUTS && !(in && lua_type(L, -1) == LUA_TSTRING &&
                                        strcmp(in, hfi_input_names[k]) == 0))
                k++;
            if (k == HFI_NINPUTS)
                problem(c, st->id, "input must be one of text, number, money, date, email, "
                        "phone");
            else
                st->input = (uint8_t)k;
        }
        lua_getfield(L, idx, "validate");
        st->validate = function_field(c, lua_gettop(L), st->id, "validate");
        lua_getfield(L, idx, "save");
        st->save = string_field(c, lua_gettop(L), st->id, "save");
        if (st->text.kind == HFI_TEXT_NONE)
            problem(c, st->id, "ask step needs text: the question");
        break;
    case HFI_ACTION:
        transitions(c, idx, st, true);
        lua_getfield(L, idx, "call");
        st->call = string_field(c, lua_gettop(L), st->id, "call");
        if (!st->call)
            problem(c, st->id, "action step needs call = \"action.name\"");
        else if (!hfi_ident_ok(st->call))
            problem(c, st->id, "action name '%s' may hold only letters, digits and _ . - :",
                    st->call);
        lua_getfield(L, idx, "args");
        if (lua_type(L, -1) == LUA_TTABLE)
            st->args = hfi_fn_ref(L, c->e, -1);
        else
            st->args = function_field(c, lua_gettop(L), st->id, "args");
        lua_getfield(L, idx, "save");
        st->save = string_field(c, lua_gettop(L), st->id, "save");
        lua_getfield(L, idx, "on_error");
        if (!lua_isnil(L, -1))
            st->on_error = target(c, lua_gettop(L), st->id, "on_error");
        break;
    case HFI_DECIDE:
        transitions(c, idx, st, true);
        lua_getfield(L, idx, "next");
        if (lua_type(L, -1) != LUA_TTABLE)
            problem(c, st->id, "decide step needs next = { { when = ..., go = ... }, ... }");
        break;
    case HFI_CALL:
        transitions(c, idx, st, true);
        lua_getfield(L, idx, "flow");
        st->subflow = string_field(c, lua_gettop(L), st->id, "flow");
        if (!st->subflow)
            problem(c, st->id, "call step needs flow = \"flow_id\"");
        else if (strcmp(st->subflow, c->f->id) != 0 && !hfi_engine_find(c->e, st->subflow))
            problem(c, st->id, "calls flow '%s', which is not loaded (load it first)",
                    st->subflow);
        break;
    case HFI_WAIT:
        transitions(c, idx, st, true);
        lua_getfield(L, idx, "event");
        st->event = string_field(c, lua_gettop(L), st->id, "event");
        if (st->event && !hfi_ident_ok(st->event))
            problem(c, st->id, "event name '%s' may hold only letters, digits and _ . - :",
                    st->event);
        lua_getfield(L, idx, "save");
        st->save = string_field(c, lua_gettop(L), st->id, "save");
        lua_getfield(L, idx, "timeout");
        if (!lua_isnil(L, -1)) {
            lua_Integer t;
            if (!lua_isinteger(L, -1) || (t = lua_tointeger(L, -1)) <= 0)
                problem(c, st->id, "timeout must be a whole number of seconds above 0");
            else
                st->timeout = (int64_t)t;
        }
        lua_getfield(L, idx, "on_timeout");
        if (!lua_isnil(L, -1)) {
            st->on_timeout = target(c, lua_gettop(L), st->id, "on_timeout");
            if (!st->timeout)
                problem(c, st->id, "on_timeout needs a timeout");
        }
        if (!st->event && !st->timeout)
            problem(c, st->id, "wait step needs an event, a timeout or both");
        break;
    case HFI_RESOLVED:
        break;
    case HFI_ESCALATE:
        lua_getfield(L, idx, "reason");
        st->reason = string_field(c, lua_gettop(L), st->id, "reason");
        if (!st->reason)
            problem(c, st->id, "escalate step needs a reason");
        lua_getfield(L, idx, "skills");
        if (!lua_isnil(L, -1))
            st->skills_json = string_list(c, lua_gettop(L), st->id, "skills", false);
        lua_getfield(L, idx, "priority");
        st->priority = priority_field(c, lua_gettop(L), st->id);
        lua_getfield(L, idx, "summary");
        st->summary = function_field(c, lua_gettop(L), st->id, "summary");
        break;
    }
    lua_settop(L, top);
}

static void compile_strings(cc *c, int idx)
{
    lua_State *L = c->L;
    hfi_flow *f = c->f;
    if (lua_isnil(L, idx))
        return;
    if (lua_type(L, idx) != LUA_TTABLE) {
        problem(c, NULL, "strings must be { [\"en-GB\"] = { key = \"text\", ... }, ... }");
        return;
    }
    uint32_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        n++;
        lua_pop(L, 1);
    }
    f->locales = zalloc(c, sizeof *f->locales * (n ? n : 1));
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TTABLE) {
            problem(c, NULL, "strings must map locale names to tables of texts");
            lua_pop(L, 1);
            continue;
        }
        hfi_locale *loc = &f->locales[f->nlocales++];
        loc->name = dup(c, lua_tostring(L, -2));
        int t = lua_gettop(L);
        uint32_t k = 0;
        lua_pushnil(L);
        while (lua_next(L, t)) {
            k++;
            lua_pop(L, 1);
        }
        loc->keys = zalloc(c, sizeof *loc->keys * (k ? k : 1));
        loc->texts = zalloc(c, sizeof *loc->texts * (k ? k : 1));
        lua_pushnil(L);
        while (lua_next(L, t)) {
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING) {
                problem(c, NULL, "strings of locale '%s' must map keys to texts", loc->name);
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
                loc->keys[at] = dup(c, key);
                loc->texts[at] = dup(c, lua_tostring(L, -1));
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

static void compile_policy(cc *c, int idx)
{
    lua_State *L = c->L;
    hfi_flow *f = c->f;
    if (lua_isnil(L, idx))
        return;
    if (lua_type(L, idx) != LUA_TTABLE) {
        problem(c, NULL, "policy must be a table");
        return;
    }
    static const char *const fields[] = {"max_retries", "max_visits", "repeat_contact", NULL};
    check_fields(c, idx, NULL, "policy", fields);
    lua_getfield(L, idx, "max_retries");
    if (!lua_isnil(L, -1)) {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 || lua_tointeger(L, -1) > 100)
            problem(c, NULL, "policy.max_retries must be a whole number from 0 to 100");
        else {
            f->max_retries = (uint32_t)lua_tointeger(L, -1);
            f->has_max_retries = true;
        }
    }
    lua_getfield(L, idx, "max_visits");
    if (!lua_isnil(L, -1)) {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > 250)
            problem(c, NULL, "policy.max_visits must be a whole number from 1 to 250");
        else
            f->max_visits = (uint32_t)lua_tointeger(L, -1);
    }
    lua_getfield(L, idx, "repeat_contact");
    int rc = lua_gettop(L);
    if (lua_type(L, rc) == LUA_TTABLE) {
        static const char *const rfields[] = {"failures", "within", NULL};
        check_fields(c, rc, NULL, "policy.repeat_contact", rfields);
        lua_getfield(L, rc, "failures");
        if (!lua_isnil(L, -1)) {
            if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1)
                problem(c, NULL, "policy.repeat_contact.failures must be a whole number above 0");
            else
                f->repeat_failures = (uint32_t)lua_tointeger(L, -1);
        }
        lua_getfield(L, rc, "within");
        if (!lua_isnil(L, -1)) {
            if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1)
                problem(c, NULL, "policy.repeat_contact.within must be seconds above 0");
            else
                f->repeat_within = (int64_t)lua_tointeger(L, -1);
        }
    } else if (!lua_isnil(L, rc)) {
        problem(c, NULL, "policy.repeat_contact must be { failures = N, within = seconds }");
    }
    lua_settop(L, idx);
}

static void compile_on(cc *c, int idx)
{
    lua_State *L = c->L;
    hfi_flow *f = c->f;
    if (lua_isnil(L, idx))
        return;
    if (lua_type(L, idx) != LUA_TTABLE) {
        problem(c, NULL, "on must map intents to step ids (or false)");
        return;
    }
    uint32_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        n++;
        lua_pop(L, 1);
    }
    f->on = zalloc(c, sizeof *f->on * (n ? n : 1));
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            problem(c, NULL, "on must map intent names to step ids");
        } else {
            hfi_intent *in = &f->on[f->non];
            in->name = dup(c, lua_tostring(L, -2));
            f->non++;
            if (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1))
                in->target = HFI_NONE;
            else
                in->target = target(c, lua_gettop(L), NULL, "on");
        }
        lua_pop(L, 1);
    }
}

/* Every step must be reachable from start (or from an intent's target). */
static void check_graph(cc *c)
{
    hfi_flow *f = c->f;
    /* one block: a second allocation failing would leak the first */
    int *todo = zalloc(c, (sizeof *todo + 1) * f->nsteps);
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
            problem(c, st->id, "no path from start '%s' reaches this step",
                    f->steps[f->start].id);
    }
    if (!has_end)
        problem(c, NULL, "no path reaches a resolved or escalate step: the flow never ends");
    hfi_sfree(c->e, todo);
}

static int sort_ids(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void compile_steps(cc *c, int idx)
{
    lua_State *L = c->L;
    hfi_flow *f = c->f;
    uint32_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        n++;
        lua_pop(L, 1);
    }
    if (n == 0) {
        problem(c, NULL, "steps is empty");
        return;
    }
    f->steps = zalloc(c, sizeof *f->steps * n);
    c->ids = zalloc(c, sizeof *c->ids * n);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            problem(c, NULL, "steps must be named: steps = { name = say { ... }, ... }");
            continue;
        }
        if (!hfi_ident_ok(lua_tostring(L, -1))) {
            problem(c, NULL, "step id '%s' may hold only letters, digits and _ . - :",
                    lua_tostring(L, -1));
            continue;
        }
        c->ids[f->nsteps++] = lua_tostring(L, -1); /* anchored by the steps table */
    }
    qsort(c->ids, f->nsteps, sizeof *c->ids, sort_ids);
    for (uint32_t i = 0; i < f->nsteps; i++) {
        hfi_step *st = &f->steps[i];
        st->id = dup(c, c->ids[i]);
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
            problem(c, st->id, "is not a step: use say, ask, action, decide, call, wait, "
                    "resolved or escalate");
        } else {
            st->kind = (uint8_t)k;
            compile_step(c, lua_gettop(L), st);
        }
        lua_pop(L, 1);
    }
}

static int compile_body(lua_State *L)
{
    cc *c = lua_touserdata(L, 1);
    hf_engine *e = c->e;
    lua_pushfstring(L, "=%s", c->name);
    int rc = luaL_loadbufferx(L, c->src, c->len, lua_tostring(L, -1), "t");
    if (rc != LUA_OK) {
        hfi_buf_reset(&e->err);
        hfi_buf_adds(&e->err, lua_tostring(L, -1));
        c->rc = rc == LUA_ERRSYNTAX ? HF_ESYNTAX : HF_ENOMEM;
        return 0;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, "hf.env");
    lua_setupvalue(L, -2, 1);
    hfi_budget_call(e, 0, 1);
    int fl = lua_gettop(L);
    const char *kind = hfi_dsl_kind(L, fl);
    if (!kind || strcmp(kind, "flow") != 0) {
        problem(c, NULL, "the file must return a flow: return flow \"id\" { ... }");
        return 0;
    }
    hfi_flow *f = c->f;
    lua_getfield(L, fl, "id");
    f->id = dup(c, lua_tostring(L, -1));
    if (!hfi_ident_ok(f->id)) {
        problem(c, NULL, "the flow id may hold only letters, digits and _ . - :");
        return 0;
    }
    lua_getfield(L, fl, "spec");
    int sp = lua_gettop(L);
    static const char *const fields[] = {"version", "title", "triggers", "start", "steps",
                                         "policy",  "strings", "locale", "skills", "priority",
                                         "on",      "migrate", NULL};
    check_fields(c, sp, NULL, "the flow", fields);
    lua_getfield(L, sp, "version");
    f->version = 1;
    if (!lua_isnil(L, -1)) {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1)
            problem(c, NULL, "version must be a whole number above 0");
        else
            f->version = (int64_t)lua_tointeger(L, -1);
    }
    lua_getfield(L, sp, "title");
    f->title = string_field(c, lua_gettop(L), NULL, "title");
    lua_getfield(L, sp, "triggers");
    if (!lua_isnil(L, -1))
        f->triggers_json = string_list(c, lua_gettop(L), NULL, "triggers", false);
    lua_getfield(L, sp, "skills");
    if (!lua_isnil(L, -1))
        f->skills_json = string_list(c, lua_gettop(L), NULL, "skills", false);
    lua_getfield(L, sp, "priority");
    f->priority = priority_field(c, lua_gettop(L), NULL);
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
            problem(c, NULL, "locale '%s' is not one of the flow's strings",
                    loc ? loc : "(not a string)");
    }
    lua_getfield(L, sp, "migrate");
    f->migrate = function_field(c, lua_gettop(L), NULL, "migrate");
    lua_getfield(L, sp, "steps");
    if (lua_type(L, -1) != LUA_TTABLE) {
        problem(c, NULL, "needs steps = { ... }");
        return 0;
    }
    compile_steps(c, lua_gettop(L));
    lua_getfield(L, sp, "start");
    if (lua_isnil(L, -1))
        problem(c, NULL, "needs start = \"first_step\"");
    else if (f->nsteps) {
        int s = target(c, lua_gettop(L), NULL, "start");
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
    cc c = {0};
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
