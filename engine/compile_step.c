/*
 * compile_step.c — one step's fields, by kind: transitions (go / next / set), choices,
 * components, and what each of the eight kinds requires.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "compile.h"

static void transitions(hfi_cc *c, int idx, hfi_step *st, bool required)
{
    lua_State *L = c->L;
    int go = lua_getfield(L, idx, "go");
    int next = lua_getfield(L, idx, "next");
    int set = lua_getfield(L, idx, "set");
    int at = lua_gettop(L);
    if (go != LUA_TNIL && next != LUA_TNIL)
        hfi_cc_problem(c, st->id, "has both go and next: use one");
    if (go != LUA_TNIL || next == LUA_TSTRING) {
        st->next = hfi_cc_zalloc(c, sizeof *st->next);
        st->nnext = 1;
        st->next[0].when = HFI_NONE;
        st->next[0].go = hfi_cc_target(c, go != LUA_TNIL ? at - 2 : at - 1, st->id, "go");
        hfi_cc_set(c, at, st->id, &st->next[0]);
    } else if (next == LUA_TTABLE) {
        if (set != LUA_TNIL)
            hfi_cc_problem(c, st->id, "set belongs on each next branch");
        lua_Integer n = (lua_Integer)lua_rawlen(L, at - 1);
        if (n == 0)
            hfi_cc_problem(c, st->id, "next must be a list of { when = ..., go = ... } branches");
        st->next = hfi_cc_zalloc(c, sizeof *st->next * (size_t)(n ? n : 1));
        st->nnext = (uint32_t)n;
        st->next_list = true;
        for (lua_Integer i = 1; i <= n; i++) {
            hfi_trans *t = &st->next[i - 1];
            t->when = HFI_NONE;
            t->go = HFI_NONE;
            lua_rawgeti(L, at - 1, i);
            int br = lua_gettop(L);
            if (lua_type(L, br) != LUA_TTABLE) {
                hfi_cc_problem(c, st->id, "next branch %d must be a table", (int)i);
                lua_pop(L, 1);
                continue;
            }
            static const char *const fields[] = {"when", "go", "set", NULL};
            char what[32];
            snprintf(what, sizeof what, "next branch %d", (int)i);
            hfi_cc_fields(c, br, st->id, what, fields);
            lua_getfield(L, br, "when");
            t->when = hfi_cc_function(c, -1, st->id, "when");
            if (t->when == HFI_NONE && i < n)
                hfi_cc_problem(c, st->id, "next branch %d has no when, so the branches after it can "
                        "never be taken", (int)i);
            lua_getfield(L, br, "go");
            t->go = hfi_cc_target(c, lua_gettop(L), st->id, "go");
            lua_getfield(L, br, "set");
            hfi_cc_set(c, lua_gettop(L), st->id, t);
            lua_pop(L, 4);
        }
    } else if (next != LUA_TNIL) {
        hfi_cc_problem(c, st->id, "next must be a step id or a list of branches");
    } else if (set != LUA_TNIL) {
        hfi_cc_problem(c, st->id, "set needs a go");
    }
    if (required && !st->nnext)
        hfi_cc_problem(c, st->id, "%s step has no way on: give it go or next",
                hfi_kind_names[st->kind]);
    lua_pop(L, 3);
}

static void choices(hfi_cc *c, int idx, hfi_step *st)
{
    lua_State *L = c->L;
    if (lua_type(L, idx) != LUA_TTABLE || lua_rawlen(L, idx) == 0) {
        hfi_cc_problem(c, st->id, "choices must be a list of { id, label, go }");
        return;
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    st->choices = hfi_cc_zalloc(c, sizeof *st->choices * (size_t)n);
    st->nchoices = (uint32_t)n;
    for (lua_Integer i = 1; i <= n; i++) {
        hfi_choice *ch = &st->choices[i - 1];
        ch->to.when = HFI_NONE;
        ch->to.go = HFI_NONE;
        lua_rawgeti(L, idx, i);
        int t = lua_gettop(L);
        if (lua_type(L, t) != LUA_TTABLE) {
            hfi_cc_problem(c, st->id, "choice %d must be a table", (int)i);
            lua_pop(L, 1);
            continue;
        }
        static const char *const fields[] = {"id", "label", "go", "set", NULL};
        char what[32];
        snprintf(what, sizeof what, "choice %d", (int)i);
        hfi_cc_fields(c, t, st->id, what, fields);
        lua_getfield(L, t, "id");
        ch->id = hfi_cc_string(c, -1, st->id, "choice id");
        if (!ch->id)
            hfi_cc_problem(c, st->id, "choice %d needs an id", (int)i);
        else if (!hfi_ident_ok(ch->id))
            hfi_cc_problem(c, st->id, "choice id '%s' may hold only letters, digits and _ . - :",
                    ch->id);
        for (lua_Integer j = 0; ch->id && j < i - 1; j++)
            if (st->choices[j].id && strcmp(st->choices[j].id, ch->id) == 0)
                hfi_cc_problem(c, st->id, "two choices have the id '%s'", ch->id);
        lua_getfield(L, t, "label");
        hfi_cc_text(c, lua_gettop(L), st->id, "choice label", &ch->label);
        if (ch->label.kind == HFI_TEXT_NONE)
            hfi_cc_problem(c, st->id, "choice %d needs a label", (int)i);
        lua_getfield(L, t, "go");
        lua_getfield(L, t, "set");
        if (!lua_isnil(L, -2)) {
            ch->to.go = hfi_cc_target(c, lua_gettop(L) - 1, st->id, "choice go");
            hfi_cc_set(c, lua_gettop(L), st->id, &ch->to);
        } else if (st->nnext == 1 && st->next[0].when == HFI_NONE) {
            ch->to.go = st->next[0].go;
            if (!lua_isnil(L, -1))
                hfi_cc_set(c, lua_gettop(L), st->id, &ch->to);
            else if (st->next[0].nset)
                hfi_cc_problem(c, st->id, "choice '%s' takes the step's go: give it its own set too",
                        ch->id ? ch->id : "?");
        } else {
            hfi_cc_problem(c, st->id, "choice '%s' has no go (and the step has no go)",
                    ch->id ? ch->id : "?");
        }
        lua_pop(L, 5);
    }
}

/*
 * Walks the value at idx of a static components list, named path (path[0..len), with room
 * for cap bytes) in messages. A function anywhere in it is a load error: the list is data,
 * sent to the host as it is, and only components itself may be a function (run per session,
 * building the whole list). A t"key" anywhere makes the list dynamic: it is resolved in the
 * session's locale each time it is shown; the key must be in the default locale, as for any
 * text. Returns whether it found a t"key". Deeper than a JSON value may be, it stops: the
 * encoding of the list reports that.
 */
static bool components_scan(hfi_cc *c, int idx, const hfi_step *st, char *path, size_t len,
                            size_t cap, int depth)
{
    lua_State *L = c->L;
    const char *key;
    if (lua_type(L, idx) == LUA_TFUNCTION) {
        hfi_cc_problem(c, st->id, "%s is a function, but a components list is data, sent as it "
                "is: to compute components, make components itself a function that returns "
                "the list (components = function(ctx) return { ... } end)", path);
        return false;
    }
    if ((key = hfi_dsl_tkey(L, idx))) {
        if (!c->f->nlocales)
            hfi_cc_problem(c, st->id, "%s uses t\"%s\" but the flow has no strings", path, key);
        else if (!hfi_text_lookup(c->f, NULL, key))
            hfi_cc_problem(c, st->id, "%s uses t\"%s\", which locale '%s' does not define", path,
                    key, c->f->locales[c->f->default_locale].name);
        return true;
    }
    if (lua_type(L, idx) != LUA_TTABLE || hfi_dsl_kind(L, idx) || depth >= 64 ||
        !lua_checkstack(L, 4))
        return false;
    bool found = false;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int n = -1;
        if (lua_type(L, -2) == LUA_TSTRING)
            n = snprintf(path + len, cap - len, ".%s", lua_tostring(L, -2));
        else if (lua_isinteger(L, -2))
            n = snprintf(path + len, cap - len, "[%lld]", (long long)lua_tointeger(L, -2));
        if (n >= 0) /* other keys are for the encoding to refuse */
            found |= components_scan(c, lua_gettop(L), st, path,
                                     len + (size_t)n < cap ? len + (size_t)n : cap - 1, cap,
                                     depth + 1);
        path[len] = '\0';
        lua_pop(L, 1);
    }
    return found;
}

static void components(hfi_cc *c, int idx, hfi_step *st)
{
    lua_State *L = c->L;
    if (lua_isnil(L, idx))
        return;
    if (lua_type(L, idx) == LUA_TFUNCTION) {
        st->components_fn = hfi_fn_ref(L, c->e, idx);
        return;
    }
    if (lua_type(L, idx) != LUA_TTABLE || lua_rawlen(L, idx) == 0) {
        hfi_cc_problem(c, st->id, "components must be a list of { type = \"card\"|\"list\"|\"link\" }");
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
            hfi_cc_problem(c, st->id, "component %d must have type card, list or link", (int)i);
        char path[256];
        int len = snprintf(path, sizeof path, "components[%d]", (int)i);
        if (lua_type(L, t) == LUA_TTABLE && len > 0 && (size_t)len < sizeof path)
            dynamic |= components_scan(c, t, st, path, (size_t)len, sizeof path, 0);
        lua_pop(L, 2);
    }
    if (dynamic)
        st->components_fn = hfi_fn_ref(L, c->e, idx);
    else if (!c->nerr)
        st->components_json = hfi_cc_json(c, idx);
}

static int sort_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The string keys of a static args table at idx, sorted, as JSON: what hf_flow_describe shows
 * of the arguments an action gets, when no function computes them. */
static char *args_keys(hfi_cc *c, int idx)
{
    lua_State *L = c->L;
    uint32_t n = hfi_cc_count(L, idx), k = 0;
    const char **keys = hfi_cc_zalloc(c, sizeof *keys * (n ? n : 1));
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) == LUA_TSTRING)
            keys[k++] = lua_tostring(L, -2); /* anchored by the table */
        lua_pop(L, 1);
    }
    qsort(keys, k, sizeof *keys, sort_keys);
    hfi_buf b;
    hfi_buf_init(&b, c->e);
    hfi_buf_addc(&b, '[');
    for (uint32_t i = 0; i < k; i++) {
        if (i)
            hfi_buf_addc(&b, ',');
        hfi_buf_add_jstrz(&b, keys[i]);
    }
    hfi_buf_addc(&b, ']');
    hfi_sfree(c->e, keys);
    char *s = hfi_buf_dup(&b, NULL);
    hfi_buf_free(&b);
    if (!s)
        luaL_error(L, "not enough memory");
    return s;
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

void hfi_cc_step(hfi_cc *c, int idx, hfi_step *st)
{
    lua_State *L = c->L;
    char what[16];
    snprintf(what, sizeof what, "%s step", hfi_kind_names[st->kind]);
    hfi_cc_fields(c, idx, st->id, what, kind_fields[st->kind]);
    st->validate = st->args = st->summary = st->components_fn = HFI_NONE;
    st->on_error = st->on_timeout = HFI_NONE;
    int top = lua_gettop(L);
    int fl = lua_getfield(L, idx, "flags");
    if (fl != LUA_TNIL)
        st->flags_json = hfi_cc_string_list(c, top + 1, st->id, "flags", true);
    lua_getfield(L, idx, "text");
    hfi_cc_text(c, top + 2, st->id, "text", &st->text);
    lua_settop(L, top);

    switch (st->kind) {
    case HFI_SAY:
        transitions(c, idx, st, false);
        lua_getfield(L, idx, "choices");
        if (!lua_isnil(L, -1))
            choices(c, lua_gettop(L), st);
        else if (!st->nnext)
            hfi_cc_problem(c, st->id, "say step has no way on: give it choices or go");
        lua_getfield(L, idx, "components");
        components(c, lua_gettop(L), st);
        if (st->text.kind == HFI_TEXT_NONE && !st->components_json && st->components_fn < 0)
            hfi_cc_problem(c, st->id, "say step shows nothing: give it text or components");
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
                hfi_cc_problem(c, st->id, "input must be one of text, number, money, date, email, "
                        "phone");
            else
                st->input = (uint8_t)k;
        }
        lua_getfield(L, idx, "validate");
        st->validate = hfi_cc_function(c, lua_gettop(L), st->id, "validate");
        lua_getfield(L, idx, "save");
        st->save = hfi_cc_string(c, lua_gettop(L), st->id, "save");
        if (st->text.kind == HFI_TEXT_NONE)
            hfi_cc_problem(c, st->id, "ask step needs text: the question");
        break;
    case HFI_ACTION:
        transitions(c, idx, st, true);
        lua_getfield(L, idx, "call");
        st->call = hfi_cc_string(c, lua_gettop(L), st->id, "call");
        if (!st->call)
            hfi_cc_problem(c, st->id, "action step needs call = \"action.name\"");
        else if (!hfi_ident_ok(st->call))
            hfi_cc_problem(c, st->id, "action name '%s' may hold only letters, digits and _ . - :",
                    st->call);
        lua_getfield(L, idx, "args");
        if (lua_type(L, -1) == LUA_TTABLE) {
            st->args = hfi_fn_ref(L, c->e, -1);
            st->args_keys = args_keys(c, lua_gettop(L));
        } else
            st->args = hfi_cc_function(c, lua_gettop(L), st->id, "args");
        lua_getfield(L, idx, "save");
        st->save = hfi_cc_string(c, lua_gettop(L), st->id, "save");
        lua_getfield(L, idx, "on_error");
        if (!lua_isnil(L, -1))
            st->on_error = hfi_cc_target(c, lua_gettop(L), st->id, "on_error");
        break;
    case HFI_DECIDE:
        transitions(c, idx, st, true);
        lua_getfield(L, idx, "next");
        if (lua_type(L, -1) != LUA_TTABLE)
            hfi_cc_problem(c, st->id, "decide step needs next = { { when = ..., go = ... }, ... }");
        break;
    case HFI_CALL:
        transitions(c, idx, st, true);
        lua_getfield(L, idx, "flow");
        st->subflow = hfi_cc_string(c, lua_gettop(L), st->id, "flow");
        if (!st->subflow)
            hfi_cc_problem(c, st->id, "call step needs flow = \"flow_id\"");
        else if (strcmp(st->subflow, c->f->id) != 0 && !hfi_engine_find(c->e, st->subflow))
            hfi_cc_problem(c, st->id, "calls flow '%s', which is not loaded (load it first)",
                    st->subflow);
        break;
    case HFI_WAIT:
        transitions(c, idx, st, true);
        lua_getfield(L, idx, "event");
        st->event = hfi_cc_string(c, lua_gettop(L), st->id, "event");
        if (st->event && !hfi_ident_ok(st->event))
            hfi_cc_problem(c, st->id, "event name '%s' may hold only letters, digits and _ . - :",
                    st->event);
        lua_getfield(L, idx, "save");
        st->save = hfi_cc_string(c, lua_gettop(L), st->id, "save");
        lua_getfield(L, idx, "timeout");
        if (!lua_isnil(L, -1)) {
            lua_Integer t;
            /* at most the latest time an event may carry (year 9999): a deadline, the time
             * entered plus this, then fits in an int64_t */
            if (!lua_isinteger(L, -1) || (t = lua_tointeger(L, -1)) <= 0 || t > 253402300799)
                hfi_cc_problem(c, st->id, "timeout must be a whole number of seconds from 1 to "
                               "253402300799");
            else
                st->timeout = (int64_t)t;
        }
        lua_getfield(L, idx, "on_timeout");
        if (!lua_isnil(L, -1)) {
            st->on_timeout = hfi_cc_target(c, lua_gettop(L), st->id, "on_timeout");
            if (!st->timeout)
                hfi_cc_problem(c, st->id, "on_timeout needs a timeout");
        }
        if (!st->event && !st->timeout)
            hfi_cc_problem(c, st->id, "wait step needs an event, a timeout or both");
        break;
    case HFI_RESOLVED:
        break;
    case HFI_ESCALATE:
        lua_getfield(L, idx, "reason");
        st->reason = hfi_cc_string(c, lua_gettop(L), st->id, "reason");
        if (!st->reason)
            hfi_cc_problem(c, st->id, "escalate step needs a reason");
        lua_getfield(L, idx, "skills");
        if (!lua_isnil(L, -1))
            st->skills_json = hfi_cc_string_list(c, lua_gettop(L), st->id, "skills", false);
        lua_getfield(L, idx, "priority");
        st->priority = hfi_cc_priority(c, lua_gettop(L), st->id);
        lua_getfield(L, idx, "summary");
        st->summary = hfi_cc_function(c, lua_gettop(L), st->id, "summary");
        break;
    }
    lua_settop(L, top);
}
