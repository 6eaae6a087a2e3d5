/*
 * session.c — the public session API. Starting a session, and taking events: each event is
 * parsed and checked against the session's state *before* anything changes, so an event that
 * does not fit is rejected with the session exactly as it was.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <sodium.h>

#include "internal.h"

#define MAX_ID 128

/* ---- reading the host's JSON (jparse.c) ------------------------------------------------ */

static int member(hf_engine *e, int obj, const char *name) { return hfi_jget(&e->doc, obj, name); }
static int type_of(hf_engine *e, int i) { return hfi_jtype(&e->doc, i); }
static const char *str(hf_engine *e, int i) { return hfi_jstr(&e->doc, i, NULL); }
static bool is_string(hf_engine *e, int i) { return type_of(e, i) == HFI_J_STRING; }
static bool is_bool(hf_engine *e, int i)
{
    return type_of(e, i) == HFI_J_TRUE || type_of(e, i) == HFI_J_FALSE;
}

/* A JSON number of unix seconds: finite, not negative, below year 10000. */
static bool seconds(hf_engine *e, int i, int64_t *out)
{
    if (type_of(e, i) != HFI_J_NUMBER)
        return false;
    double v = e->doc.nodes[i].num;
    if (!isfinite(v) || v < 0 || v > 253402300799.0)
        return false;
    *out = (int64_t)floor(v);
    return true;
}

/* ---- freeing ------------------------------------------------------------------------ */

static void free_frames(hf_session *s)
{
    for (uint32_t i = 0; i < s->depth; i++)
        hfi_free(s->e, s->frames[i].visits, s->frames[i].flow->nsteps);
    s->depth = 0;
}

/* Forgets the cached context view (it holds a copy of one session's context). */
static void forget_view(hf_engine *e)
{
    if (e->view_of) {
        lua_State *L = e->L;
        lua_rawgeti(L, LUA_REGISTRYINDEX, e->fns);
        lua_pushnil(L);
        lua_rawseti(L, -2, 0);
        lua_pop(L, 1);
        e->view_of = NULL;
    }
}

void hf_session_free(hf_session *s)
{
    if (!s)
        return;
    hf_engine *e = s->e;
    if (s->prev)
        s->prev->next = s->next;
    else
        e->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    if (e->view_of == s)
        forget_view(e);
    free_frames(s);
    hfi_free(e, s->frames, sizeof *s->frames * s->capframes);
    hfi_strfree(e, s->id);
    hfi_free(e, s->ctx, s->ctx_len + 1);
    hfi_strfree(e, s->start_ctx);
    hfi_strfree(e, s->locale);
    if (s->path)
        hfi_free(e, s->path, s->path_len + 1);
    hfi_strfree(e, s->flags);
    hfi_free(e, s->hist, sizeof *s->hist * s->caphist);
    hfi_strfree(e, s->escalation);
    hfi_strfree(e, s->args);
    if (s->out && !s->out_static)
        hfi_free(e, s->out, s->out_len + 1);
    hfi_strfree(e, s->outcome);
    hfi_log_free(e, s->log);
    hfi_free(e, s, sizeof *s);
}

/* ---- starting ------------------------------------------------------------------------ */

/* The session id is kept as the JSON string it is written as, quotes included. */
static int set_id(hf_session *s, const char *id, size_t n)
{
    hfi_buf b;
    hfi_buf_init(&b, s->e);
    hfi_buf_add_jstr(&b, id, n);
    s->id = hfi_buf_dup(&b, NULL);
    hfi_buf_free(&b);
    return s->id ? HF_OK : HF_ENOMEM;
}

void hfi_derive_id(const hfi_flow *f, const char *ctx, size_t len, int64_t at,
                   char id[HFI_DERIVED_ID])
{
    unsigned char h[12];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)f->id, strlen(f->id) + 1);
    crypto_generichash_update(&st, (const unsigned char *)&f->version, sizeof f->version);
    crypto_generichash_update(&st, (const unsigned char *)&at, sizeof at);
    crypto_generichash_update(&st, (const unsigned char *)ctx, len);
    crypto_generichash_final(&st, h, sizeof h);
    id[0] = 's';
    id[1] = '_';
    sodium_bin2hex(id + 2, HFI_DERIVED_ID - 2, h, sizeof h);
}

static int derive_id(hf_session *s, const char *ctx, size_t len, int64_t at)
{
    char id[HFI_DERIVED_ID];
    hfi_derive_id(s->frames[0].flow, ctx, len, at, id);
    return set_id(s, id, strlen(id));
}

static int start_fail(hf_engine *e, hf_session *s, int rc, const char *msg)
{
    if (msg)
        hfi_seterr(e, msg);
    hf_session_free(s);
    return rc;
}

hf_session *hfi_session_new(hf_engine *e)
{
    hf_session *s = hfi_alloc(e, sizeof *s);
    if (!s)
        return NULL;
    memset(s, 0, sizeof *s);
    s->e = e;
    s->next = e->sessions;
    if (e->sessions)
        e->sessions->prev = s;
    e->sessions = s;
    return s;
}

int hf_session_start(hf_session **out, hf_engine *e, const char *flow_id,
                     const char *context_json, size_t len)
{
    if (out)
        *out = NULL;
    if (!out || !e || !flow_id)
        return e ? hfi_fail(e, HF_EMISUSE, "hf_session_start needs out, engine and flow id")
                 : HF_EMISUSE;
    hfi_flow *f = hfi_engine_find(e, flow_id);
    if (!f) {
        hfi_seterrf(e, "no flow '%.200s' is loaded", flow_id);
        return HF_ENOTFOUND;
    }
    if (context_json && hfi_owned(e, context_json)) { /* read from a copy: see hfi_owned */
        char *copy = hfi_strndup(e, context_json, len);
        if (!copy)
            return hfi_fail(e, HF_ENOMEM, "out of memory");
        int rc = hfi_session_start(out, e, f, copy, len);
        hfi_free(e, copy, len + 1);
        return rc;
    }
    return hfi_session_start(out, e, f, context_json, len);
}

int hfi_session_start(hf_session **out, hf_engine *e, hfi_flow *f, const char *context_json,
                      size_t len)
{
    *out = NULL;
    if (!context_json || len == 0) {
        context_json = "{}";
        len = 2;
    }
    if (len > e->opt.max_event)
        return hfi_fail(e, HF_EINVAL, "the context is larger than max_event");
    int rc = hfi_jparse(&e->doc, context_json, len);
    if (rc != HF_OK) {
        hfi_seterrf(e, "the context is not valid JSON: %s", e->doc.err);
        return rc;
    }
    const int j = 0;
    if (type_of(e, j) != HFI_J_OBJECT)
        return start_fail(e, NULL, HF_EINVAL, "the context must be a JSON object");
    int64_t at = 0;
    int v = member(e, j, "at");
    if (v >= 0 && !seconds(e, v, &at))
        return start_fail(e, NULL, HF_EINVAL, "context \"at\" must be unix seconds");
    int sid = member(e, j, "session");
    size_t sidlen = 0;
    if (sid >= 0 && (!is_string(e, sid) || !hfi_jstr(&e->doc, sid, &sidlen) || sidlen == 0 ||
                     sidlen > MAX_ID || strlen(str(e, sid)) != sidlen))
        return start_fail(e, NULL, HF_EINVAL,
                          "context \"session\" must be a string of 1 to 128 bytes");
    int prior = member(e, j, "prior_outcomes");
    if (prior >= 0 && type_of(e, prior) != HFI_J_ARRAY)
        return start_fail(e, NULL, HF_EINVAL,
                          "context \"prior_outcomes\" must be an array of outcome records");

    hf_session *s = hfi_session_new(e);
    if (!s)
        return start_fail(e, NULL, HF_ENOMEM, "out of memory");
    if (e->opt.event_log) {
        /* the context as given (engine members included), canonical */
        hfi_buf_reset(&e->tmp);
        if (!(s->log = hfi_alloc(e, sizeof *s->log)))
            return start_fail(e, s, HF_ENOMEM, "out of memory");
        memset(s->log, 0, sizeof *s->log);
        if (!hfi_jwrite(&e->doc, j, &e->tmp, NULL) || !(s->log->ctx = hfi_buf_dup(&e->tmp, NULL)))
            return start_fail(e, s, HF_ENOMEM, "out of memory");
        s->log->version = f->version;
    }
    s->frames = hfi_alloc(e, sizeof *s->frames);
    s->capframes = s->frames ? 1 : 0;
    uint8_t *visits = hfi_alloc(e, f->nsteps);
    if (!s->frames || !visits) {
        hfi_free(e, visits, f->nsteps);
        return start_fail(e, s, HF_ENOMEM, "out of memory");
    }
    memset(visits, 0, f->nsteps);
    s->capframes = 1;
    s->depth = 1;
    s->frames[0] = (hfi_frame){f, f->start, visits};
    s->started_at = s->last_at = s->active_at = s->now = at;

    /* the flow's context: everything but the engine's own members, in canonical form */
    static const char *const engine_members[] = {"at", "session", "prior_outcomes", NULL};
    int loc = member(e, j, "locale");
    if (is_string(e, loc) && !(s->locale = hfi_strdup(e, str(e, loc) ? str(e, loc) : "")))
        return start_fail(e, s, HF_ENOMEM, "out of memory");
    hfi_buf_reset(&e->tmp);
    if (!hfi_jwrite(&e->doc, j, &e->tmp, engine_members))
        return start_fail(e, s, HF_ENOMEM, "out of memory");
    if (hfi_ctx_replace(s, e->tmp.p, e->tmp.len) != HF_OK ||
        !(s->start_ctx = hfi_strndup(e, s->ctx, s->ctx_len)))
        return start_fail(e, s, HF_ENOMEM, "out of memory");
    rc = sid >= 0 ? set_id(s, str(e, sid), sidlen) : derive_id(s, s->ctx, s->ctx_len, at);
    if (rc != HF_OK)
        return start_fail(e, s, rc, "out of memory");

    hfi_buf_reset(&e->ui);
    if (prior >= 0 && hfi_repeat_contact(s, &e->doc, prior, at))
        hfi_escalate(s, "repeat_contact", NULL);
    else
        hfi_run_goto(s, (int)f->start, "start", NULL);
    rc = s->oom ? HF_ENOMEM : hfi_output(s);
    if (rc != HF_OK) {
        hf_session_free(s);
        return hfi_fail(e, rc, "out of memory");
    }
    *out = s;
    return HF_OK;
}

/* ---- events -------------------------------------------------------------------------- */

typedef enum { EV_CHOOSE, EV_INPUT, EV_RESULT, EV_INTENT, EV_EVENT, EV_TICK, EV_N } ev_type;

static const struct {
    const char *name;
    const char *members[6];
} ev_shapes[EV_N] = {
    {"choose", {"option", NULL}},
    {"input", {"value", NULL}},
    {"result", {"action", "ok", "data", "error", NULL}},
    {"intent", {"name", NULL}},
    {"event", {"name", "data", NULL}},
    {"tick", {NULL}},
};

typedef struct rejection {
    int rc;
    const char *code;
    char message[256];
} rejection;

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int reject(rejection *r, int rc, const char *code, const char *fmt, ...)
{
    r->rc = rc;
    r->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
    return rc;
}

/* Builds the reply to a rejected event: the unchanged output plus "error". */
static int rejected(hf_session *s, rejection *r, const char **reply, size_t *reply_len)
{
    hf_engine *e = s->e;
    hfi_seterr(e, r->message);
    hfi_buf *b = &e->scratch;
    hfi_buf_reset(b);
    hfi_buf_add(b, s->out, s->out_len - 1);
    hfi_buf_adds(b, ",\"error\":{\"code\":\"");
    hfi_buf_adds(b, r->code);
    hfi_buf_adds(b, "\",\"message\":");
    hfi_buf_add_jstrz(b, r->message);
    hfi_buf_adds(b, "}}");
    if (reply)
        *reply = b->oom ? s->out : b->p;
    if (reply_len)
        *reply_len = b->oom ? s->out_len : b->len;
    return r->rc;
}

/* What a checked event asks for, before anything changes. */
typedef struct event {
    ev_type type;
    int64_t at;
    int j;              /* the event object in e->doc */
    int choice;         /* EV_CHOOSE: index */
    hfi_buf *value;     /* EV_INPUT: the typed value as JSON, or NULL if invalid */
    const char *invalid;
    const char *raw;    /* EV_INPUT: what was typed, as JSON */
    const hfi_intent *override;
    uint32_t override_depth;
    const char *intent;
    int back_to;        /* EV_INTENT back: history index */
} event;

static int check_shape(hf_engine *e, event *ev, rejection *r)
{
    int j = ev->j;
    if (type_of(e, j) != HFI_J_OBJECT)
        return reject(r, HF_EINVAL, "bad_event", "an event must be a JSON object");
    const char *type = str(e, member(e, j, "type"));
    if (!type)
        return reject(r, HF_EINVAL, "bad_event", "an event needs a \"type\" string");
    int t = 0;
    while (t < EV_N && strcmp(ev_shapes[t].name, type) != 0)
        t++;
    if (t == EV_N)
        return reject(r, HF_EINVAL, "bad_event", "unknown event type \"%.100s\"", type);
    ev->type = (ev_type)t;
    for (int c = e->doc.nodes[j].child; c >= 0; c = e->doc.nodes[c].next) {
        const hfi_jnode *m = &e->doc.nodes[c];
        bool known = (m->klen == 4 && memcmp(m->key, "type", 4) == 0) ||
                     (m->klen == 2 && memcmp(m->key, "at", 2) == 0);
        for (int k = 0; !known && ev_shapes[t].members[k]; k++)
            known = m->klen == strlen(ev_shapes[t].members[k]) &&
                    memcmp(m->key, ev_shapes[t].members[k], m->klen) == 0;
        if (!known)
            return reject(r, HF_EINVAL, "bad_event", "unknown member \"%.*s\"",
                          (int)(m->klen > 100 ? 100 : m->klen), m->key);
    }
    return HF_OK;
}

/* The innermost flow of the call stack that overrides the intent, and its depth. */
static const hfi_intent *find_override(hf_session *s, const char *name, uint32_t *depth)
{
    for (uint32_t d = s->depth; d > 0; d--) {
        const hfi_flow *f = s->frames[d - 1].flow;
        for (uint32_t i = 0; i < f->non; i++)
            if (strcmp(f->on[i].name, name) == 0) {
                *depth = d;
                return &f->on[i];
            }
    }
    return NULL;
}

/* Leaves the subflows above depth: an intent handled by a caller ends them. */
static void unwind_to(hf_session *s, uint32_t depth)
{
    while (s->depth > depth) {
        hfi_frame *fr = hfi_top(s);
        hfi_free(s->e, fr->visits, fr->flow->nsteps);
        s->depth--;
    }
    while (s->nhist && (s->hist[s->nhist - 1] >> 24) > s->depth)
        s->nhist--;
}

/* The history index `back` returns to, or -1. The newest entry is the current step. */
static int back_target(hf_session *s)
{
    int i = (int)s->nhist - 1;
    if (i < 0)
        return -1;
    for (i--; i >= 0; i--) {
        uint32_t depth = s->hist[i] >> 24;
        if (depth == s->depth)
            return i;
        if (depth < s->depth)
            return -1;
    }
    return -1;
}

/* Checks that the event fits the session as it is now. */
static int check_fit(hf_session *s, event *ev, rejection *r)
{
    hf_engine *e = s->e;
    int j = ev->j;
    const hfi_step *st = hfi_cur(s);
    switch (ev->type) {
    case EV_TICK:
        return HF_OK;
    case EV_CHOOSE: {
        const char *opt = str(e, member(e, j, "option"));
        if (!opt)
            return reject(r, HF_EINVAL, "bad_event", "choose needs an \"option\" string");
        if (s->expect != HFI_EXP_CHOICE)
            return reject(r, HF_EREJECTED, "unexpected", "not waiting for a choice");
        for (uint32_t i = 0; i < st->nchoices; i++)
            if (strcmp(st->choices[i].id, opt) == 0) {
                ev->choice = (int)i;
                return HF_OK;
            }
        return reject(r, HF_EREJECTED, "unknown_option", "no option \"%.100s\" here", opt);
    }
    case EV_INPUT: {
        int v = member(e, j, "value");
        if (!is_string(e, v) && type_of(e, v) != HFI_J_NUMBER)
            return reject(r, HF_EINVAL, "bad_event", "input needs a \"value\" string");
        if (s->expect != HFI_EXP_INPUT)
            return reject(r, HF_EREJECTED, "unexpected", "not waiting for an input");
        hfi_buf_reset(&e->scratch);
        ev->value = &e->scratch;
        const hfi_input_problem *bad;
        if (is_string(e, v)) {
            size_t vlen;
            const char *vs = hfi_jstr(&e->doc, v, &vlen);
            if (!vs)
                return reject(r, HF_ENOMEM, "bad_event", "out of memory");
            bad = hfi_input_parse(st->input, vs, vlen, false, 0, ev->value);
        } else {
            bad = hfi_input_parse(st->input, NULL, 0, true, e->doc.nodes[v].num, ev->value);
        }
        /* the flow's words for the problem, in the customer's locale, else the engine's */
        ev->invalid = bad ? hfi_input_message(hfi_top(s)->flow, s->locale, bad) : NULL;
        if (ev->value->oom)
            return reject(r, HF_ENOMEM, "bad_event", "out of memory");
        return HF_OK;
    }
    case EV_RESULT: {
        const char *id = str(e, member(e, j, "action"));
        int ok = member(e, j, "ok"), err = member(e, j, "error");
        if (!id || !is_bool(e, ok))
            return reject(r, HF_EINVAL, "bad_event",
                          "result needs \"action\" (the action id) and \"ok\" (true/false)"
                          );
        if (err >= 0 && !is_string(e, err))
            return reject(r, HF_EINVAL, "bad_event", "result \"error\" must be a string"
                          );
        if (type_of(e, ok) == HFI_J_TRUE && err >= 0)
            return reject(r, HF_EINVAL, "bad_event", "a result with ok: true has no error"
                          );
        if (type_of(e, ok) == HFI_J_FALSE && member(e, j, "data") >= 0)
            return reject(r, HF_EINVAL, "bad_event", "a result with ok: false has no data"
                          );
        if (s->expect != HFI_EXP_RESULT)
            return reject(r, HF_EREJECTED, "unexpected", "no action is pending");
        char want[24];
        snprintf(want, sizeof want, "a%u", (unsigned)s->action_seq);
        if (strcmp(want, id) != 0)
            return reject(r, HF_EREJECTED, "stale_action",
                          "action \"%.100s\" is not the pending one", id);
        return HF_OK;
    }
    case EV_INTENT: {
        const char *name = str(e, member(e, j, "name"));
        if (!name)
            return reject(r, HF_EINVAL, "bad_event", "intent needs a \"name\" string");
        if (s->status != HF_STATUS_WAITING)
            return reject(r, HF_EREJECTED, "unexpected",
                          "intents are taken only while waiting for the customer");
        ev->intent = name;
        ev->override = find_override(s, ev->intent, &ev->override_depth);
        if (ev->override) {
            if (ev->override->target == HFI_NONE)
                return reject(r, HF_EREJECTED, "unknown_intent",
                              "the intent \"%.100s\" is turned off in this flow", ev->intent);
            return HF_OK;
        }
        if (strcmp(ev->intent, "back") == 0) {
            ev->back_to = back_target(s);
            if (ev->back_to < 0)
                return reject(r, HF_EREJECTED, "unexpected", "there is no step to go back to"
                              );
            return HF_OK;
        }
        if (strcmp(ev->intent, "human") && strcmp(ev->intent, "cancel") &&
            strcmp(ev->intent, "restart"))
            return reject(r, HF_EREJECTED, "unknown_intent", "unknown intent \"%.100s\"",
                          ev->intent);
        return HF_OK;
    }
    case EV_EVENT: {
        const char *name = str(e, member(e, j, "name"));
        if (!name)
            return reject(r, HF_EINVAL, "bad_event", "event needs a \"name\" string");
        if (s->expect != HFI_EXP_EVENT)
            return reject(r, HF_EREJECTED, "unexpected", "not waiting for a host event");
        if (!st->event || strcmp(st->event, name) != 0)
            return reject(r, HF_EREJECTED, "unknown_event", "not waiting for \"%.100s\"", name);
        return HF_OK;
    }
    default:
        return reject(r, HF_EINVAL, "bad_event", "unknown event");
    }
}

/* A member of the event as canonical JSON, in a new allocation; NULL on failure. */
static char *to_json(hf_engine *e, int i, size_t *len)
{
    hfi_buf b;
    hfi_buf_init(&b, e);
    if (!hfi_jwrite(&e->doc, i, &b, NULL)) {
        hfi_buf_free(&b);
        return NULL;
    }
    char *d = hfi_buf_dup(&b, len);
    hfi_buf_free(&b);
    return d;
}

static void handle_input(hf_session *s, event *ev)
{
    hf_engine *e = s->e;
    const hfi_step *st = hfi_cur(s);
    const hfi_flow *f = hfi_top(s)->flow;
    int raw = member(e, ev->j, "value");
    size_t rawn = 0;
    char *rawj = to_json(e, raw, &rawn);
    char *value = hfi_strndup(e, ev->value->p ? ev->value->p : "", ev->value->len);
    size_t vlen = ev->value->len;
    hfi_buf msg;
    hfi_buf_init(&msg, e);
    if (!rawj || !value) {
        hfi_escalate(s, "flow_error", "out of memory");
        goto done;
    }
    if (ev->invalid) {
        hfi_buf_add_jstrz(&msg, ev->invalid);
    } else if (st->validate != HFI_NONE) {
        bool ok = false;
        if (hfi_fn_validate(e, s, f, st->validate, value, vlen, &ok, &msg) != HF_OK) {
            hfi_escalate(s, "flow_error", hf_engine_errmsg(e));
            goto done;
        }
        if (!ok && msg.len == 0)
            hfi_buf_add_jstrz(&msg, "That doesn't look right. Please try again.");
        if (ok)
            hfi_buf_reset(&msg);
    }
    if (msg.oom) {
        s->oom = true;
        goto done;
    }
    if (msg.len) { /* invalid: record the attempt, then re-ask or give up */
        hfi_path_answer(s, "input", rawj, rawn);
        hfi_path_answer(s, "error", msg.p, msg.len);
        uint32_t max = f->has_max_retries ? f->max_retries : e->opt.max_retries;
        if (++s->retries > max) {
            hfi_escalate(s, "input_failed", NULL);
            goto done;
        }
        hfi_path_step(s, f, st); /* the re-ask is a new path entry for the step */
        if (e->ui.len)
            hfi_buf_addc(&e->ui, ',');
        hfi_buf_adds(&e->ui, "{\"type\":\"error\",\"text\":");
        hfi_buf_add(&e->ui, msg.p, msg.len);
        hfi_buf_addc(&e->ui, '}');
        hfi_emit_ask(s, st);
        goto done;
    }
    hfi_path_answer(s, "input", value, vlen);
    if (st->save && hfi_ctx_assign(s, st->save, value, vlen) != HF_OK) {
        hfi_escalate(s, "flow_error", hf_engine_errmsg(e));
        goto done;
    }
    hfi_run_take(s, st->next, st->nnext, NULL, NULL);
done:
    hfi_buf_free(&msg);
    if (rawj)
        hfi_free(e, rawj, rawn + 1);
    if (value)
        hfi_free(e, value, vlen + 1);
}

static void handle_result(hf_session *s, event *ev)
{
    hf_engine *e = s->e;
    const hfi_step *st = hfi_cur(s);
    bool ok = type_of(e, member(e, ev->j, "ok")) == HFI_J_TRUE;
    hfi_strfree(e, s->args);
    s->args = NULL;
    s->status = HF_STATUS_WAITING; /* no longer pending; whatever follows sets the status */
    s->expect = HFI_EXP_NONE;
    /* the result as canonical JSON, in the engine's event buffer: data, or {"error": "..."} */
    hfi_buf *b = &e->ev;
    hfi_buf_reset(b);
    size_t err_at = 0;
    bool written;
    if (ok) {
        written = hfi_jwrite(&e->doc, member(e, ev->j, "data"), b, NULL);
    } else {
        int err = member(e, ev->j, "error");
        hfi_buf_adds(b, "{\"error\":");
        err_at = b->len;
        written = err >= 0 ? hfi_jwrite(&e->doc, err, b, NULL) : (hfi_buf_adds(b, "\"failed\""), true);
        hfi_buf_addc(b, '}');
    }
    if (!written || b->oom) {
        s->oom = true;
        return;
    }
    if (ok)
        hfi_path_answer(s, "result", b->p, b->len);
    else
        hfi_path_answer(s, "error", b->p + err_at, b->len - err_at - 1);
    if (st->save && hfi_ctx_assign(s, st->save, b->p, b->len) != HF_OK) {
        hfi_escalate(s, "flow_error", hf_engine_errmsg(e));
        return;
    }
    if (ok)
        hfi_run_take(s, st->next, st->nnext, NULL, NULL);
    else if (st->on_error != HFI_NONE)
        hfi_run_goto(s, st->on_error, "on_error", NULL);
    else
        hfi_escalate(s, "action_failed", NULL);
}

static void handle_intent(hf_session *s, event *ev)
{
    hf_engine *e = s->e;
    hfi_buf_reset(&e->tmp);
    hfi_buf_add_jstrz(&e->tmp, ev->intent);
    char *name = hfi_buf_dup(&e->tmp, NULL);
    if (name) {
        hfi_path_answer(s, "intent", name, strlen(name));
        hfi_strfree(e, name);
    }
    if (ev->override) {
        hfi_path_close(s);
        unwind_to(s, ev->override_depth);
        hfi_run_goto(s, ev->override->target, "intent:", ev->override->name);
    } else if (strcmp(ev->intent, "human") == 0) {
        hfi_escalate(s, "customer_requested", NULL);
    } else if (strcmp(ev->intent, "cancel") == 0) {
        hfi_path_close(s);
        hfi_finish(s, HF_STATUS_CANCELLED);
    } else if (strcmp(ev->intent, "restart") == 0) {
        unwind_to(s, 1);
        s->nhist = 0;
        if (hfi_ctx_reset(s, s->start_ctx, strlen(s->start_ctx)) != HF_OK) {
            hfi_escalate(s, "flow_error", "out of memory");
            return;
        }
        hfi_run_goto(s, (int)s->frames[0].flow->start, "intent:restart", NULL);
    } else { /* back */
        uint32_t target = s->hist[ev->back_to] & 0xFFFFFF;
        s->nhist = (uint32_t)ev->back_to;
        hfi_run_goto(s, (int)target, "intent:back", NULL);
    }
}

static void handle_event(hf_session *s, event *ev)
{
    hf_engine *e = s->e;
    const hfi_step *st = hfi_cur(s);
    char *nj = to_json(e, member(e, ev->j, "name"), NULL);
    if (nj) {
        hfi_path_answer(s, "event", nj, strlen(nj));
        hfi_strfree(e, nj);
    }
    s->deadline = 0;
    if (st->save) {
        size_t n;
        char *data = to_json(e, member(e, ev->j, "data"), &n);
        int rc = data ? hfi_ctx_assign(s, st->save, data, n) : HF_ENOMEM;
        if (data)
            hfi_free(e, data, n + 1);
        if (rc != HF_OK) {
            hfi_escalate(s, "flow_error", hf_engine_errmsg(e));
            return;
        }
    }
    hfi_run_take(s, st->next, st->nnext, "event", NULL);
}

/* The wait's deadline has passed: the timeout moves on, at the deadline's time. */
static void fire_timeout(hf_session *s)
{
    const hfi_step *st = hfi_cur(s);
    int64_t when = s->deadline;
    s->now = s->active_at = when;
    s->deadline = 0;
    hfi_path_answer(s, "timeout", "true", 4);
    if (st->on_timeout != HFI_NONE)
        hfi_run_goto(s, st->on_timeout, "timeout", NULL);
    else
        hfi_run_take(s, st->next, st->nnext, "timeout", NULL);
}

static void dispatch(hf_session *s, event *ev)
{
    switch (ev->type) {
    case EV_CHOOSE: {
        const hfi_choice *ch = &hfi_cur(s)->choices[ev->choice];
        hf_engine *e = s->e;
        hfi_buf_reset(&e->tmp);
        hfi_buf_add_idz(&e->tmp, ch->id);
        char *id = hfi_buf_dup(&e->tmp, NULL);
        if (id) {
            hfi_path_answer(s, "choice", id, strlen(id));
            hfi_strfree(e, id);
        }
        hfi_run_take(s, &ch->to, 1, "choice:", ch->id);
        break;
    }
    case EV_INPUT:
        handle_input(s, ev);
        break;
    case EV_RESULT:
        handle_result(s, ev);
        break;
    case EV_INTENT:
        handle_intent(s, ev);
        break;
    case EV_EVENT:
        handle_event(s, ev);
        break;
    default:
        break;
    }
}

/* Appends the event in e->doc, canonical, to the session's event log. */
static int log_event(hf_session *s)
{
    hf_engine *e = s->e;
    hfi_buf_reset(&e->tmp);
    if (!hfi_jwrite(&e->doc, 0, &e->tmp, NULL))
        return HF_ENOMEM;
    return hfi_log_append(s, e->tmp.p, e->tmp.len);
}

int hfi_log_append(hf_session *s, const char *json, size_t n)
{
    hf_engine *e = s->e;
    hfi_log *log = s->log;
    size_t need = log->len + 1 + n + 1;
    if (need > log->cap) {
        size_t cap = log->cap ? log->cap : 64;
        while (cap < need)
            cap *= 2;
        char *p = hfi_realloc(e, log->text, log->cap, cap);
        if (!p)
            return HF_ENOMEM;
        log->text = p;
        log->cap = cap;
    }
    if (log->len)
        log->text[log->len++] = ',';
    memcpy(log->text + log->len, json, n);
    log->len += n;
    log->text[log->len] = '\0';
    return HF_OK;
}

void hfi_log_free(hf_engine *e, hfi_log *log)
{
    if (!log)
        return;
    hfi_strfree(e, log->ctx);
    if (log->text)
        hfi_free(e, log->text, log->cap);
    hfi_free(e, log, sizeof *log);
}

/* An allocation failed mid-event: the session cannot be trusted to go on, and escalating
 * needs memory too. It ends `failed`, with an output that needs no allocation. */
const char hfi_failed_output[] =
    "{\"status\":\"failed\",\"ui\":[],\"error\":{\"code\":\"out_of_memory\","
    "\"message\":\"the engine ran out of memory\"}}";

static void fail_for_memory(hf_session *s)
{
    hf_engine *e = s->e;
    hfi_finish(s, HF_STATUS_FAILED);
    if (s->out && !s->out_static)
        hfi_free(e, s->out, s->out_len + 1);
    s->out = (char *)hfi_failed_output;
    s->out_len = sizeof hfi_failed_output - 1;
    s->out_static = true;
    s->oom = false;
    hfi_seterr(e, "out of memory: the session failed");
}

int hf_session_send(hf_session *s, const char *event_json, size_t len, const char **reply,
                    size_t *reply_len)
{
    if (reply)
        *reply = NULL;
    if (reply_len)
        *reply_len = 0;
    if (!s)
        return HF_EMISUSE;
    hf_engine *e = s->e;
    rejection r = {0};
    if (event_json && hfi_owned(e, event_json)) { /* read from a copy: see hfi_owned */
        char *copy = hfi_strndup(e, event_json, len);
        if (!copy)
            return hfi_fail(e, HF_ENOMEM, "out of memory");
        int rc = hf_session_send(s, copy, len, reply, reply_len);
        hfi_free(e, copy, len + 1);
        return rc;
    }
    if (!event_json) {
        reject(&r, HF_EINVAL, "bad_json", "no event given");
        return rejected(s, &r, reply, reply_len);
    }
    if (s->status >= HF_STATUS_RESOLVED) {
        reject(&r, HF_EFINISHED, "finished", "the session has ended (%s)",
               hf_status_name(s->status));
        return rejected(s, &r, reply, reply_len);
    }
    if (len > e->opt.max_event) {
        reject(&r, HF_EINVAL, "too_large", "the event is larger than max_event");
        return rejected(s, &r, reply, reply_len);
    }
    int rc = hfi_jparse(&e->doc, event_json, len);
    if (rc != HF_OK) {
        reject(&r, rc, "bad_json", "the event is not valid JSON: %s", e->doc.err);
        return rejected(s, &r, reply, reply_len);
    }
    event ev = {0};
    ev.j = 0;
    ev.at = s->last_at;
    rc = check_shape(e, &ev, &r);
    int at = rc == HF_OK ? member(e, 0, "at") : -1;
    if (rc == HF_OK && at >= 0 && !seconds(e, at, &ev.at))
        rc = reject(&r, HF_EINVAL, "bad_event", "\"at\" must be unix seconds");
    if (rc == HF_OK && ev.at < s->last_at)
        rc = reject(&r, HF_EREJECTED, "time_backwards",
                    "\"at\" is earlier than the previous event's");
    if (rc == HF_OK)
        rc = check_fit(s, &ev, &r);
    if (rc != HF_OK)
        return rejected(s, &r, reply, reply_len);
    if (s->log && log_event(s) != HF_OK) /* a session that keeps a log */
        return hfi_fail(e, HF_ENOMEM, "out of memory: the event was not taken");

    /* the event fits: from here on the session moves */
    hfi_buf_reset(&e->ui);
    s->now = ev.at;
    bool late = s->expect == HFI_EXP_EVENT && s->deadline && ev.at >= s->deadline;
    if (late) {
        /* the deadline passed first: the timeout fires, at the deadline; then the event goes
         * to the step that follows if it fits there, and is overtaken by the timeout if not */
        fire_timeout(s);
        s->now = ev.at;
        rejection r2;
        if (ev.type != EV_TICK && s->status < HF_STATUS_RESOLVED && check_fit(s, &ev, &r2) == HF_OK)
            dispatch(s, &ev);
    } else if (ev.type != EV_TICK) {
        dispatch(s, &ev);
    }
    /* idle time counts from the last activity, a fired timeout included */
    if (ev.type == EV_TICK && s->status < HF_STATUS_RESOLVED &&
        ev.at - s->active_at >= e->opt.idle_timeout) {
        hfi_path_close(s);
        hfi_finish(s, HF_STATUS_ABANDONED);
    }
    s->last_at = ev.at;
    if (ev.type != EV_TICK)
        s->active_at = ev.at;
    if (s->oom || hfi_output(s) != HF_OK)
        fail_for_memory(s);
    if (reply)
        *reply = s->out;
    if (reply_len)
        *reply_len = s->out_len;
    return HF_OK;
}

const char *hf_session_output(const hf_session *s, size_t *len)
{
    if (len)
        *len = s ? s->out_len : 0;
    return s && s->out ? s->out : "";
}

int hf_session_status(const hf_session *s) { return s ? s->status : HF_EMISUSE; }

int hf_session_outcome(hf_session *s, const char **json, size_t *len)
{
    if (json)
        *json = NULL;
    if (len)
        *len = 0;
    if (!s || !json)
        return HF_EMISUSE;
    hf_engine *e = s->e;
    if (s->status < HF_STATUS_RESOLVED)
        return hfi_fail(e, HF_EMISUSE, "the session has not finished");
    if (!s->outcome) {
        static const char *const outcomes[] = {"", "", "resolved", "escalated", "cancelled",
                                               "abandoned", "failed"};
        const hfi_flow *f = s->frames[0].flow;
        hfi_buf b;
        hfi_buf_init(&b, e);
        hfi_buf_adds(&b, "{\"session\":");
        hfi_buf_adds(&b, s->id);
        hfi_buf_adds(&b, ",\"flow\":");
        hfi_buf_add_idz(&b, f->id);
        hfi_buf_adds(&b, ",\"version\":");
        hfi_buf_add_i64(&b, f->version);
        hfi_buf_adds(&b, ",\"outcome\":\"");
        hfi_buf_adds(&b, outcomes[s->status]);
        hfi_buf_addc(&b, '"');
        if (s->reason) {
            hfi_buf_adds(&b, ",\"reason\":");
            hfi_buf_add_jstrz(&b, s->reason);
        }
        hfi_buf_adds(&b, ",\"step\":");
        hfi_buf_add_idz(&b, hfi_cur(s)->id);
        hfi_buf_adds(&b, ",\"steps\":");
        hfi_buf_add_i64(&b, s->steps);
        hfi_buf_adds(&b, ",\"trail\":");
        hfi_path_trail(s, &b); /* a failure leaves b->oom set, caught below */
        hfi_buf_adds(&b, ",\"started_at\":");
        hfi_buf_add_i64(&b, s->started_at);
        hfi_buf_adds(&b, ",\"finished_at\":");
        hfi_buf_add_i64(&b, s->finished_at);
        hfi_buf_adds(&b, ",\"duration\":");
        hfi_buf_add_i64(&b, s->finished_at - s->started_at);
        hfi_buf_addc(&b, '}');
        s->outcome = hfi_buf_dup(&b, NULL);
        hfi_buf_free(&b);
        if (!s->outcome)
            return hfi_fail(e, HF_ENOMEM, "out of memory");
    }
    *json = s->outcome;
    if (len)
        *len = strlen(s->outcome);
    return HF_OK;
}
