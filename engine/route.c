/*
 * route.c — the backend's routing decision (DESIGN.md section 5): where an escalation goes.
 *
 * The config was compiled by route_load.c. Deciding: rules are tried in order. A rule's `when` is a table (every key must match: a
 * string field equals one of the values, a list field — skills, flags — holds one of them) or a
 * function of a read-only view of the escalation (in which skills and flags are sets, so
 * `e.flags.fraud` reads naturally). A matching rule without a queue only raises the priority
 * and matching goes on; the first matching rule with a queue decides. Then Erlang C (erlang.c)
 * on the live state of the queues decides whether to overflow: a chosen queue that misses the
 * service-level target moves to the first of the rule's overflow queues that has the skills
 * and meets it; a closed or unstaffed queue is never chosen while an open one fits.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "route.h"

/* ---- reading the escalation and the live state --------------------------------------- */

typedef struct esc {
    int obj;                 /* the escalation object */
    const char *reason, *flow, *lang;
    int prio;                /* index into hfi_priorities; normal when absent */
    int skills, flags;       /* array nodes, or -1 */
    char langbuf[16];
} esc;

typedef struct alt {
    int q;
    char why[160];
} alt;

/* One decision in progress. */
typedef struct rctx {
    hf_engine *e;
    hfi_routing *r;
    esc x;
    bool has_at, view_ready;
    double at;
    alt *alts;
    uint32_t nalts;
    int *cands;
} rctx;

static int invalid(hf_engine *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static int invalid(hf_engine *e, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hfi_seterr(e, msg);
    return HF_EINVAL;
}

static bool string_array(hfi_jdoc *d, int i)
{
    if (hfi_jtype(d, i) != HFI_J_ARRAY)
        return false;
    for (int c = d->nodes[i].child; c >= 0; c = d->nodes[c].next)
        if (d->nodes[c].type != HFI_J_STRING)
            return false;
    return true;
}

static int read_escalation(hf_engine *e, hfi_jdoc *d, const char *text, size_t len, esc *x)
{
    int rc = hfi_jparse(d, text, len);
    if (rc != HF_OK) {
        hfi_seterrf(e, "escalation: not valid JSON: %s", d->err);
        return rc;
    }
    if (hfi_jtype(d, 0) != HFI_J_OBJECT)
        return invalid(e, "escalation: must be a JSON object (an escalation, or a session "
                       "output holding one)");
    x->obj = 0;
    int inner = hfi_jget(d, 0, "escalation");
    if (inner >= 0) {
        if (hfi_jtype(d, inner) != HFI_J_OBJECT)
            return invalid(e, "escalation: \"escalation\" must be an object");
        x->flow = hfi_jstr(d, hfi_jget(d, 0, "flow"), NULL);
        x->obj = inner;
    } else if (hfi_jget(d, 0, "status") >= 0 && hfi_jget(d, 0, "reason") < 0) {
        const char *st = hfi_jstr(d, hfi_jget(d, 0, "status"), NULL);
        return invalid(e, "escalation: the session output holds no escalation (status '%.40s')",
                       st ? st : "?");
    }
    int f = hfi_jget(d, x->obj, "flow");
    if (f >= 0 && !(x->flow = hfi_jstr(d, f, NULL)))
        return invalid(e, "escalation: flow must be a string");
    x->reason = hfi_jstr(d, hfi_jget(d, x->obj, "reason"), NULL);
    if (!x->reason)
        return invalid(e, "escalation: needs \"reason\", a string");
    x->prio = 1;
    int p = hfi_jget(d, x->obj, "priority");
    if (p >= 0 && (x->prio = hfi_route_prio(hfi_jstr(d, p, NULL))) < 0)
        return invalid(e, "escalation: priority must be one of low, normal, high, urgent");
    x->skills = hfi_jget(d, x->obj, "skills");
    x->flags = hfi_jget(d, x->obj, "flags");
    if (x->skills >= 0 && !string_array(d, x->skills))
        return invalid(e, "escalation: skills must be an array of strings");
    if (x->flags >= 0 && !string_array(d, x->flags))
        return invalid(e, "escalation: flags must be an array of strings");
    /* the language: "language", else the primary subtag of collected.locale ("en-GB" -> en) */
    int l = hfi_jget(d, x->obj, "language");
    if (l >= 0 && hfi_jtype(d, l) != HFI_J_STRING)
        return invalid(e, "escalation: language must be a string");
    if (l < 0)
        l = hfi_jget(d, hfi_jget(d, x->obj, "collected"), "locale");
    const char *s = hfi_jstr(d, l, NULL);
    size_t n = 0;
    while (s && s[n] && s[n] != '-' && s[n] != '_' && n + 1 < sizeof x->langbuf) {
        char ch = s[n];
        x->langbuf[n++] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    x->langbuf[n] = '\0';
    x->lang = n ? x->langbuf : NULL;
    return HF_OK;
}

/* Is member node m of object obj named name? Escaped names go the slow way. */
static bool member_is(hfi_jdoc *d, int obj, int m, const char *name)
{
    const hfi_jnode *n = &d->nodes[m];
    if (!n->kesc)
        return n->klen == strlen(name) && memcmp(n->key, name, n->klen) == 0;
    return hfi_jget(d, obj, name) == m;
}

static int read_live_text(rctx *c, hfi_jdoc *d, const char *text, size_t len);

static bool whole(double v, double max) { return v >= 0 && v <= max && v == floor(v); }

static int read_queue_state(hf_engine *e, hfi_jdoc *d, int obj, const char *name, live *lv)
{
    memset(lv, 0, sizeof *lv);
    lv->open = true;
    if (hfi_jtype(d, obj) != HFI_J_OBJECT)
        return invalid(e, "live state: queue '%s' must be an object {\"agents\", "
                       "\"arrivals_per_hour\", \"aht_s\", \"open\"}", name);
    bool ha = false, hr = false, hh = false;
    for (int m = d->nodes[obj].child; m >= 0; m = d->nodes[m].next) {
        const hfi_jnode *v = &d->nodes[m];
        bool num = v->type == HFI_J_NUMBER;
        if (member_is(d, obj, m, "agents")) {
            if (!num || !whole(v->num, MAX_AGENTS))
                return invalid(e, "live state: queue '%s': agents must be a whole number from "
                               "0 to %d", name, MAX_AGENTS);
            lv->agents = (unsigned)v->num;
            ha = true;
        } else if (member_is(d, obj, m, "arrivals_per_hour")) {
            if (!num || !(v->num >= 0 && v->num <= 1e9))
                return invalid(e, "live state: queue '%s': arrivals_per_hour must be a number "
                               "from 0 to 1e9", name);
            lv->arrivals = v->num;
            hr = true;
        } else if (member_is(d, obj, m, "aht_s")) {
            if (!num || !(v->num > 0 && v->num <= 1e6))
                return invalid(e, "live state: queue '%s': aht_s must be seconds above 0 (at "
                               "most 1e6)", name);
            lv->aht = v->num;
            hh = true;
        } else if (member_is(d, obj, m, "open")) {
            if (v->type != HFI_J_TRUE && v->type != HFI_J_FALSE)
                return invalid(e, "live state: queue '%s': open must be true or false", name);
            lv->open = v->type == HFI_J_TRUE;
        } else if (member_is(d, obj, m, "free")) {
            if (!num || !whole(v->num, MAX_AGENTS))
                return invalid(e, "live state: queue '%s': free must be a whole number of "
                               "agents", name);
        } else {
            return invalid(e, "live state: queue '%s' has an unknown field '%.*s' (agents, "
                           "arrivals_per_hour, aht_s, open, free)", name,
                           (int)(v->klen > 60 ? 60 : v->klen), v->key);
        }
    }
    if (lv->open && !(ha && hr && hh))
        return invalid(e, "live state: queue '%s' needs agents, arrivals_per_hour and aht_s "
                       "(or \"open\": false)", name);
    lv->present = true;
    return HF_OK;
}

/* A backend routes many escalations against one snapshot of its queues: when the text is the
 * one read last time, the queues' state and their Erlang C figures are still good. */
static int read_live(rctx *c, const char *text, size_t len)
{
    hf_engine *e = c->e;
    hfi_routing *r = c->r;
    hfi_jdoc *d = &r->lv;
    if (r->last_live && r->last_len == len && memcmp(r->last_live, text, len) == 0) {
        c->has_at = r->has_at;
        c->at = r->at;
        return HF_OK;
    }
    hfi_free(e, r->last_live, r->last_len + 1);
    r->last_live = NULL;
    r->last_len = 0;
    memset(r->live, 0, sizeof *r->live * r->nqueues);
    int rc = read_live_text(c, d, text, len);
    if (rc != HF_OK)
        return rc;
    for (uint32_t i = 0; !c->has_at && i < r->nqueues; i++)
        if (r->queues[i].has_hours)
            return invalid(e, "live state: needs \"at\" (unix seconds), as queue '%s' has "
                           "opening hours", r->queues[i].name);
    r->has_at = c->has_at;
    r->at = c->at;
    r->last_live = hfi_strndup(e, text, len);
    r->last_len = r->last_live ? len : 0;
    return HF_OK; /* without a copy, the next call reads it again */
}

static int read_live_text(rctx *c, hfi_jdoc *d, const char *text, size_t len)
{
    hf_engine *e = c->e;
    hfi_routing *r = c->r;
    int rc = hfi_jparse(d, text, len);
    if (rc != HF_OK) {
        hfi_seterrf(e, "live state: not valid JSON: %s", d->err);
        return rc;
    }
    if (hfi_jtype(d, 0) != HFI_J_OBJECT)
        return invalid(e, "live state: must be a JSON object {\"queue\": {\"agents\", "
                       "\"arrivals_per_hour\", \"aht_s\"}, ...}");
    for (int m = d->nodes[0].child; m >= 0; m = d->nodes[m].next) {
        const hfi_jnode *n = &d->nodes[m];
        if (member_is(d, 0, m, "at")) {
            if (n->type != HFI_J_NUMBER || !(fabs(n->num) < 1e12))
                return invalid(e, "live state: at must be unix seconds");
            c->has_at = true;
            c->at = n->num;
            continue;
        }
        int q = -1;
        if (!n->kesc)
            q = hfi_route_queue(r, n->key, n->klen);
        for (uint32_t i = 0; n->kesc && q < 0 && i < r->nqueues; i++)
            if (hfi_jget(d, 0, r->queues[i].name) == m)
                q = (int)i;
        if (q < 0)
            return invalid(e, "live state: '%.*s' is not a queue of the routing config",
                           (int)(n->klen > 60 ? 60 : n->klen), n->key);
        if ((rc = read_queue_state(e, d, m, r->queues[q].name, &r->live[q])) != HF_OK)
            return rc;
    }
    return HF_OK;
}

/* ---- conditions ---------------------------------------------------------------------- */

static bool list_has(hfi_jdoc *d, int arr, const char *s)
{
    for (int i = arr >= 0 ? d->nodes[arr].child : -1; i >= 0; i = d->nodes[i].next) {
        const char *v = hfi_jstr(d, i, NULL);
        if (v && strcmp(v, s) == 0)
            return true;
    }
    return false;
}

static bool cond_holds(rctx *c, const rcond *cd)
{
    hfi_jdoc *d = &c->r->esc;
    const char *s = NULL;
    switch (cd->field) {
    case F_SKILLS:
    case F_FLAGS:
        for (uint32_t i = 0; i < cd->n; i++)
            if (list_has(d, cd->field == F_SKILLS ? c->x.skills : c->x.flags, cd->values[i]))
                return true;
        return false;
    case F_REASON: s = c->x.reason; break;
    case F_PRIORITY: s = hfi_priorities[c->x.prio]; break;
    case F_LANGUAGE: s = c->x.lang; break;
    case F_FLOW: s = c->x.flow; break;
    }
    for (uint32_t i = 0; s && i < cd->n; i++)
        if (strcmp(s, cd->values[i]) == 0)
            return true;
    return false;
}

/* A list of strings as a JSON object of name: true, so that e.flags.fraud reads. */
static void add_set(hfi_buf *b, hfi_jdoc *d, int arr)
{
    hfi_buf_addc(b, '{');
    for (int i = arr >= 0 ? d->nodes[arr].child : -1; i >= 0; i = d->nodes[i].next) {
        size_t n;
        const char *s = hfi_jstr(d, i, &n);
        if (i != d->nodes[arr].child)
            hfi_buf_addc(b, ',');
        hfi_buf_add_jstr(b, s ? s : "", s ? n : 0);
        hfi_buf_addl(b, ":true");
    }
    hfi_buf_addc(b, '}');
}

/* What rule functions see: the escalation, canonical, with skills and flags as sets and the
 * flow and language it was routed by. */
/* The text of a checked JSON value, as it stands in the input. */
static void add_raw(hfi_buf *b, const hfi_jnode *n)
{
    switch (n->type) {
    case HFI_J_NULL: hfi_buf_addl(b, "null"); break;
    case HFI_J_TRUE: hfi_buf_addl(b, "true"); break;
    case HFI_J_FALSE: hfi_buf_addl(b, "false"); break;
    case HFI_J_STRING: hfi_buf_add(b, n->s - 1, n->n + 2); break; /* with its quotes */
    default: hfi_buf_add(b, n->s, n->n); /* numbers, objects and arrays */
    }
}

/* The escalation as rule functions see it: skills and flags as sets, the other members as
 * they came (the reader checked them; no need to write them again). */
static bool build_view(rctx *c)
{
    hfi_routing *r = c->r;
    hfi_jdoc *d = &r->esc;
    hfi_buf *b = &r->view;
    static const char *const skip[] = {"skills", "flags", "flow", "language", NULL};
    hfi_buf_reset(b);
    hfi_buf_addl(b, "{\"flags\":");
    add_set(b, d, c->x.flags);
    hfi_buf_addl(b, ",\"skills\":");
    add_set(b, d, c->x.skills);
    if (c->x.flow) {
        hfi_buf_addl(b, ",\"flow\":");
        hfi_buf_add_jstrz(b, c->x.flow);
    }
    if (c->x.lang) {
        hfi_buf_addl(b, ",\"language\":");
        hfi_buf_add_jstrz(b, c->x.lang);
    }
    for (int m = d->nodes[c->x.obj].child; m >= 0; m = d->nodes[m].next) {
        const hfi_jnode *n = &d->nodes[m];
        bool skipped = false;
        for (const char *const *k = skip; *k && !skipped; k++)
            skipped = member_is(d, c->x.obj, m, *k);
        for (int later = n->next; !skipped && later >= 0; later = d->nodes[later].next)
            skipped = d->nodes[later].klen == n->klen &&
                      memcmp(d->nodes[later].key, n->key, n->klen) == 0; /* the last wins */
        if (skipped)
            continue;
        hfi_buf_addl(b, ",\"");
        hfi_buf_add(b, n->key, n->klen);
        hfi_buf_addl(b, "\":");
        add_raw(b, n);
    }
    hfi_buf_addc(b, '}');
    return !b->oom;
}

typedef struct fcall {
    rctx *c;
    int ref;
    bool result;
} fcall;

static int fn_body(lua_State *L)
{
    fcall *f = lua_touserdata(L, 1);
    rctx *c = f->c;
    hfi_routing *r = c->r;
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->e->fns);
    int fns = lua_gettop(L);
    lua_rawgeti(L, fns, f->ref);
    if (!c->view_ready) {
        hfi_view_push(L, r->view.p, r->view.len, true);
        lua_pushvalue(L, -1);
        lua_rawseti(L, fns, r->view_slot);
        c->view_ready = true;
    } else {
        lua_rawgeti(L, fns, r->view_slot);
    }
    hfi_budget_continue(c->e, 1, 1); /* one budget for all the rules of a decision */
    f->result = lua_toboolean(L, -1);
    return 0;
}

static void rule_label(const rrule *u, uint32_t i, char *out, size_t n)
{
    if (u->name)
        snprintf(out, n, "Rule %u '%s' (%s)", (unsigned)(i + 1), u->name, u->desc);
    else
        snprintf(out, n, "Rule %u (%s)", (unsigned)(i + 1), u->desc);
}

static void say(rctx *c, const char *sentence)
{
    hfi_buf *b = &c->r->explain;
    if (b->len)
        hfi_buf_addc(b, ',');
    hfi_buf_add_jstrz(b, sentence);
}

/* Does rule i hold? A failing function holds not, and says why. */
static int rule_holds(rctx *c, uint32_t i, bool *holds)
{
    const rrule *u = &c->r->rules[i];
    *holds = true;
    for (uint32_t k = 0; k < u->nconds && *holds; k++)
        *holds = cond_holds(c, &u->conds[k]);
    if (u->when == HFI_NONE || !*holds)
        return HF_OK;
    hf_engine *e = c->e;
    if (!c->view_ready && !build_view(c))
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    fcall f = {c, u->when, false};
    char msg[300];
    int rc = hfi_protect(e, fn_body, &f, msg, sizeof msg);
    hfi_restore_upvalues(e->L, e, &c->r->shim);
    *holds = rc == HF_OK && f.result;
    if (rc != HF_OK) {
        char label[400], s[800];
        rule_label(u, i, label, sizeof label);
        snprintf(s, sizeof s, "%s: its when function failed (%s), so the rule was taken as not "
                 "matching.", label, msg);
        say(c, s);
    }
    return HF_OK;
}

/* ---- queues -------------------------------------------------------------------------- */

enum { AV_OPEN, AV_NOLIVE, AV_CLOSED, AV_HOURS, AV_NOAGENTS };
static const char *const av_why[] = {"", "no live state", "closed", "outside its opening hours",
                                     "no agents staffed"};

static bool in_hours(const rqueue *q, double at)
{
    double t = floor(at) + q->utc_offset * 60.0;
    double days = floor(t / 86400);
    int minute = (int)((t - days * 86400) / 60);
    int dow = (int)fmod(days + 3, 7); /* 1970-01-01 was a Thursday; 0 = Monday */
    if (dow < 0)
        dow += 7;
    int prev = (dow + 6) % 7;
    bool today = q->days & (1u << dow), yesterday = q->days & (1u << prev);
    if (q->from == q->to)
        return today;
    if (q->from < q->to)
        return today && minute >= q->from && minute < q->to;
    return (today && minute >= q->from) || (yesterday && minute < q->to);
}

static int availability(rctx *c, int q)
{
    const live *l = &c->r->live[q];
    if (!l->present)
        return AV_NOLIVE;
    if (!l->open)
        return AV_CLOSED;
    if (c->r->queues[q].has_hours && c->has_at && !in_hours(&c->r->queues[q], c->at))
        return AV_HOURS;
    return l->agents ? AV_OPEN : AV_NOAGENTS;
}

static const hfi_erlang *figures(rctx *c, int q)
{
    live *l = &c->r->live[q];
    if (!l->figured) {
        hfi_erlang_c(l->agents, l->arrivals, l->aht, c->r->within, &l->erl);
        l->figured = true;
    }
    return &l->erl;
}

static bool meets(rctx *c, int q) { return figures(c, q)->sl >= c->r->target; }

/* Why queue q cannot take this escalation (skills, language), or NULL if it fits. */
static const char *misfit(rctx *c, int q, char *why, size_t n)
{
    const rqueue *qu = &c->r->queues[q];
    hfi_jdoc *d = &c->r->esc;
    for (int i = c->x.skills >= 0 && qu->nskills ? d->nodes[c->x.skills].child : -1; i >= 0;
         i = d->nodes[i].next) {
        const char *s = hfi_jstr(d, i, NULL);
        bool has = false;
        for (uint32_t k = 0; s && k < qu->nskills && !has; k++)
            has = strcmp(qu->skills[k], s) == 0;
        if (!has) {
            snprintf(why, n, "lacks the skill '%.60s'", s ? s : "?");
            return why;
        }
    }
    if (c->x.lang && qu->nlangs) {
        for (uint32_t k = 0; k < qu->nlangs; k++)
            if (strcmp(qu->langs[k], c->x.lang) == 0)
                return NULL;
        snprintf(why, n, "does not serve language '%s'", c->x.lang);
        return why;
    }
    return NULL;
}

static void add_alt(rctx *c, int q, const char *why)
{
    for (uint32_t i = 0; i < c->nalts; i++)
        if (c->alts[i].q == q)
            return;
    alt *a = &c->alts[c->nalts++];
    a->q = q;
    size_t n = strlen(why);
    if (n >= sizeof a->why)
        n = sizeof a->why - 1;
    memcpy(a->why, why, n);
    a->why[n] = '\0';
}

/* A bounded writer into a said slot: the sentences are built without printf, which cost a
 * fifth of a decision when the live state changes on every call. */
typedef struct slot {
    char *p;
    size_t len, cap;
} slot;

static void put(slot *w, const char *s, size_t n)
{
    if (w->len + n >= w->cap)
        n = w->cap - 1 - w->len;
    memcpy(w->p + w->len, s, n);
    w->len += n;
    w->p[w->len] = '\0';
}

static void puts_(slot *w, const char *s) { put(w, s, strlen(s)); }

/* printf's own "%.Nf" (decimals >= 0) or "%g" (decimals < 0), clamped to the slot. */
static void put_printf(slot *w, int decimals, double v)
{
    char tmp[64];
    int n = decimals >= 0 ? snprintf(tmp, sizeof tmp, "%.*f", decimals, v)
                          : snprintf(tmp, sizeof tmp, "%g", v);
    if (n > 0)
        put(w, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* v as printf's "%.Nf" writes it (N = 1 or 2). The integer path is exact away from a tie;
 * values near one, huge ones and non-finite ones go to printf itself. */
static void put_fixed(slot *w, double v, int decimals)
{
    double scale = decimals == 1 ? 10 : 100, x = fabs(v) * scale;
    if (!(x < 1e15) || fabs(x - floor(x) - 0.5) < 1e-6) {
        put_printf(w, decimals, v);
        return;
    }
    long long n = llround(x);
    char tmp[40], *e = tmp + sizeof tmp, *p = e;
    for (int i = 0; i < decimals; i++, n /= 10)
        *--p = (char)('0' + n % 10);
    *--p = '.';
    do {
        *--p = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    if (signbit(v))
        *--p = '-';
    put(w, p, (size_t)(e - p));
}

/* v as printf's "%g" writes it; small whole numbers without printf. */
static void put_num(slot *w, double v)
{
    if (v == floor(v) && fabs(v) < 1e6 && !signbit(v)) {
        char tmp[24], *e = tmp + sizeof tmp, *p = e;
        long long n = (long long)v;
        do {
            *--p = (char)('0' + n % 10);
            n /= 10;
        } while (n);
        put(w, p, (size_t)(e - p));
        return;
    }
    put_printf(w, -1, v);
}

static void describe_figures(rctx *c, int q)
{
    live *l = &c->r->live[q];
    if (l->said) {
        say(c, l->said);
        return;
    }
    const hfi_erlang *f = figures(c, q);
    slot w = {c->r->said + (size_t)q * SAID_MAX, 0, SAID_MAX};
    w.p[0] = '\0';
    char agents[24];
    snprintf(agents, sizeof agents, "%u", l->agents);
    puts_(&w, c->r->queues[q].name);
    puts_(&w, ": ");
    puts_(&w, agents);
    puts_(&w, " agents for ");
    put_fixed(&w, f->load, 2);
    puts_(&w, " Erlangs (");
    put_num(&w, l->arrivals);
    puts_(&w, " contacts an hour, ");
    put_num(&w, l->aht);
    puts_(&w, " s each): ");
    if (f->unbounded) {
        puts_(&w, "no more agents than the load, so the wait grows without bound.");
    } else {
        put_fixed(&w, 100 * f->p_wait, 1);
        puts_(&w, "% of contacts wait, ");
        put_fixed(&w, f->asa, 1);
        puts_(&w, " s on average; ");
        put_fixed(&w, 100 * f->sl, 1);
        puts_(&w, "% answered within ");
        put_num(&w, c->r->within);
        puts_(&w, " s against a target of ");
        put_num(&w, 100 * c->r->target);
        puts_(&w, "%.");
    }
    l->said = w.p;
    say(c, w.p);
}

static void sl_words(rctx *c, int q, char *out, size_t n)
{
    const hfi_erlang *f = figures(c, q);
    if (f->unbounded)
        snprintf(out, n, "its wait grows without bound");
    else
        snprintf(out, n, "%.1f%% within %g s", 100 * f->sl, c->r->within);
}

/* Of the candidate queues, the first open one that fits and meets the target, else the open
 * one that fits with the best service level; -1 if none is open and fits. The others become
 * alternatives, with the reason they were not chosen. */
static int pick(rctx *c, const int *cands, uint32_t n)
{
    int best = -1, first_meeting = -1;
    char why[160];
    for (uint32_t i = 0; i < n && first_meeting < 0; i++) {
        int q = cands[i];
        if (availability(c, q) != AV_OPEN || misfit(c, q, why, sizeof why))
            continue;
        if (meets(c, q))
            first_meeting = q;
        else if (best < 0 || figures(c, q)->sl > figures(c, best)->sl)
            best = q;
    }
    int chosen = first_meeting >= 0 ? first_meeting : best;
    for (uint32_t i = 0; i < n; i++) {
        int q = cands[i], av = availability(c, q);
        char sl[64], w[200];
        if (q == chosen)
            continue;
        if (av != AV_OPEN) {
            add_alt(c, q, av_why[av]);
        } else if (misfit(c, q, why, sizeof why)) {
            add_alt(c, q, why);
        } else if (!meets(c, q)) {
            sl_words(c, q, sl, sizeof sl);
            snprintf(w, sizeof w, "misses the service-level target (%s)", sl);
            add_alt(c, q, w);
        } else {
            snprintf(w, sizeof w, "meets the target, but %s comes first",
                     c->r->queues[chosen].name);
            add_alt(c, q, w);
        }
    }
    return chosen;
}

/* ---- the decision -------------------------------------------------------------------- */

typedef struct decision {
    int rule, queue, from, prio;
    char why[400];   /* of the overflow, when from >= 0 */
} decision;

static int choose_queue(rctx *c, const rrule *u, decision *dn)
{
    hfi_routing *r = c->r;
    int q0 = u->queue;
    char s[600], sl[64], sl2[64];
    const char *n0 = r->queues[q0].name;
    dn->queue = q0;
    dn->from = -1;
    int av0 = availability(c, q0);
    if (av0 == AV_OPEN) {
        describe_figures(c, q0);
        if (meets(c, q0))
            return HF_OK;
        int q = u->noverflow ? pick(c, u->overflow, u->noverflow) : -1;
        sl_words(c, q0, sl, sizeof sl);
        if (q >= 0 && meets(c, q)) {
            sl_words(c, q, sl2, sizeof sl2);
            snprintf(dn->why, sizeof dn->why, "%s misses the service-level target (%s, target "
                     "%g%%); %s has the skills and meets it (%s)", n0, sl, 100 * r->target,
                     r->queues[q].name, sl2);
            dn->from = q0;
            dn->queue = q;
            snprintf(s, sizeof s, "Overflow: %s.", dn->why);
            say(c, s);
            describe_figures(c, q);
            snprintf(s, sizeof s, "misses the service-level target (%s)", sl);
            add_alt(c, q0, s);
            return HF_OK;
        }
        if (q >= 0) { /* the best of the overflow queues, but no better off */
            sl_words(c, q, sl2, sizeof sl2);
            snprintf(s, sizeof s, "misses the service-level target too (%s)", sl2);
            add_alt(c, q, s);
        }
        snprintf(s, sizeof s, "%s misses the service-level target (%s), but %s, so it stays "
                 "there.", n0, sl, u->noverflow ? "no overflow queue that fits meets it"
                                                : "the rule lists no overflow queue");
        say(c, s);
        return HF_OK;
    }
    /* the rule's queue cannot answer: its overflow queues, then any open queue that fits */
    add_alt(c, q0, av_why[av0]);
    int q = u->noverflow ? pick(c, u->overflow, u->noverflow) : -1;
    bool listed = q >= 0;
    if (q < 0) {
        uint32_t n = 0;
        for (uint32_t i = 0; i < r->nqueues; i++) {
            bool skip = (int)i == q0;
            for (uint32_t k = 0; k < u->noverflow; k++)
                skip |= u->overflow[k] == (int)i;
            if (!skip)
                c->cands[n++] = (int)i;
        }
        q = pick(c, c->cands, n);
    }
    if (q < 0) {
        hfi_buf *b = &c->e->tmp;
        hfi_buf_reset(b);
        for (uint32_t i = 0; i < c->nalts; i++) {
            hfi_buf_adds(b, i ? "; " : "");
            hfi_buf_adds(b, r->queues[c->alts[i].q].name);
            hfi_buf_adds(b, ": ");
            hfi_buf_adds(b, c->alts[i].why);
        }
        hfi_buf_addc(b, '\0');
        hfi_seterrf(c->e, "no open queue fits this escalation (rule %d chose %s): %s",
                    dn->rule + 1, n0, b->oom ? "" : b->p);
        return HF_ENOTFOUND;
    }
    sl_words(c, q, sl, sizeof sl);
    snprintf(dn->why, sizeof dn->why, "%s is %s; %s is %s, has the skills and %s (%s)", n0,
             av0 == AV_NOAGENTS ? "unstaffed" : av0 == AV_NOLIVE ? "without live state"
                                                               : av_why[av0],
             r->queues[q].name, listed ? "the rule's overflow queue" : "open",
             meets(c, q) ? "meets the target" : "has the best service level of those open", sl);
    dn->from = q0;
    dn->queue = q;
    snprintf(s, sizeof s, "Overflow: %s.", dn->why);
    say(c, s);
    describe_figures(c, q);
    return HF_OK;
}

/* v rounded to `decimals` places (2 or 4), written without printf: the decision's numbers are
 * most of what it costs to write. Far out of range, the general writer. */
static void add_fixed(hfi_buf *b, double v, int decimals)
{
    double scale = decimals == 2 ? 100 : 10000;
    if (!(fabs(v) < 1e12)) {
        hfi_buf_add_num(b, v);
        return;
    }
    long long n = llround(v * scale);
    if (n < 0) {
        hfi_buf_addc(b, '-');
        n = -n;
    }
    long long whole = n / (long long)scale, frac = n % (long long)scale;
    hfi_buf_add_i64(b, whole);
    if (!frac)
        return;
    char digits[8];
    int k = decimals;
    while (frac % 10 == 0) {
        frac /= 10;
        k--;
    }
    for (int i = k - 1; i >= 0; i--, frac /= 10)
        digits[i] = (char)('0' + frac % 10);
    hfi_buf_addc(b, '.');
    hfi_buf_add(b, digits, (size_t)k);
}

static void write_decision(rctx *c, const decision *dn, hfi_buf *b)
{
    hfi_routing *r = c->r;
    const hfi_erlang *f = figures(c, dn->queue);
    hfi_buf_addl(b, "{\"queue\":");
    hfi_buf_add_idz(b, r->queues[dn->queue].name);
    hfi_buf_addl(b, ",\"priority\":");
    hfi_buf_add_idz(b, hfi_priorities[dn->prio]);
    hfi_buf_addl(b, ",\"rule\":");
    hfi_buf_add_i64(b, dn->rule + 1);
    hfi_buf_addl(b, ",\"estimated_wait_s\":");
    if (f->unbounded)
        hfi_buf_addl(b, "null");
    else
        add_fixed(b, f->asa, 2);
    hfi_buf_addl(b, ",\"service_level\":");
    add_fixed(b, f->sl, 4);
    hfi_buf_addl(b, ",\"p_wait\":");
    add_fixed(b, f->p_wait, 4);
    hfi_buf_adds(b, f->unbounded ? ",\"unbounded\":true" : ",\"unbounded\":false");
    hfi_buf_addl(b, ",\"agents\":");
    hfi_buf_add_i64(b, r->live[dn->queue].agents);
    hfi_buf_addl(b, ",\"load_erlangs\":");
    add_fixed(b, f->load, 4);
    hfi_buf_addl(b, ",\"overflow\":");
    if (dn->from < 0) {
        hfi_buf_addl(b, "null");
    } else {
        hfi_buf_addl(b, "{\"from\":");
        hfi_buf_add_idz(b, r->queues[dn->from].name);
        hfi_buf_addl(b, ",\"to\":");
        hfi_buf_add_idz(b, r->queues[dn->queue].name);
        hfi_buf_addl(b, ",\"why\":");
        hfi_buf_add_jstrz(b, dn->why);
        hfi_buf_addc(b, '}');
    }
    hfi_buf_addl(b, ",\"alternatives\":[");
    for (uint32_t i = 0; i < c->nalts; i++) {
        int q = c->alts[i].q, av = availability(c, q);
        if (i)
            hfi_buf_addc(b, ',');
        hfi_buf_addl(b, "{\"queue\":");
        hfi_buf_add_idz(b, r->queues[q].name);
        const hfi_erlang *g = av == AV_OPEN ? figures(c, q) : NULL;
        hfi_buf_addl(b, ",\"estimated_wait_s\":");
        if (g && !g->unbounded)
            add_fixed(b, g->asa, 2);
        else
            hfi_buf_addl(b, "null");
        hfi_buf_addl(b, ",\"service_level\":");
        if (g)
            add_fixed(b, g->sl, 4);
        else
            hfi_buf_addl(b, "null");
        hfi_buf_adds(b, av == AV_OPEN || av == AV_NOAGENTS ? ",\"open\":true"
                                                          : ",\"open\":false");
        hfi_buf_addl(b, ",\"why_not\":");
        hfi_buf_add_jstrz(b, c->alts[i].why);
        hfi_buf_addc(b, '}');
    }
    hfi_buf_addl(b, "],\"explain\":[");
    hfi_buf_add(b, r->explain.p, r->explain.len);
    hfi_buf_addl(b, "]}");
}

static int decide(rctx *c, decision *dn)
{
    hfi_routing *r = c->r;
    char label[400], s[800];
    int raised = -1, raised_by = -1;
    dn->rule = -1;
    for (uint32_t i = 0; i < r->nrules && dn->rule < 0; i++) {
        const rrule *u = &r->rules[i];
        bool holds;
        int rc = rule_holds(c, i, &holds);
        if (rc != HF_OK)
            return rc;
        if (!holds)
            continue;
        rule_label(u, i, label, sizeof label);
        if (u->queue < 0) {
            snprintf(s, sizeof s, "%s matched: priority at least %s; matching goes on.", label,
                     hfi_priorities[u->prio]);
            if (u->prio > raised) {
                raised = u->prio;
                raised_by = (int)i;
            }
        } else {
            int n = snprintf(s, sizeof s, "%s matched: queue %s", label,
                             r->queues[u->queue].name);
            for (uint32_t k = 0; k < u->noverflow && n < (int)sizeof s; k++)
                n += snprintf(s + n, sizeof s - (size_t)n, "%s%s", k ? ", " : ", overflow to ",
                              r->queues[u->overflow[k]].name);
            if (n < (int)sizeof s)
                snprintf(s + n, sizeof s - (size_t)n, ".");
            dn->rule = (int)i;
        }
        say(c, s);
    }
    if (dn->rule < 0) {
        invalid(c->e, "no rule sends this escalation (reason '%.80s') to a queue: end the rules "
                "with a catch-all { queue = ... }", c->x.reason);
        return HF_ENOTFOUND;
    }
    const rrule *u = &r->rules[dn->rule];
    dn->prio = u->prio >= 0 ? u->prio : c->x.prio;
    int rc = choose_queue(c, u, dn);
    if (rc != HF_OK)
        return rc;
    if (raised > dn->prio) {
        snprintf(s, sizeof s, "Priority %s: raised by rule %d from %s.", hfi_priorities[raised],
                 raised_by + 1, hfi_priorities[dn->prio]);
        dn->prio = raised;
    } else {
        snprintf(s, sizeof s, "Priority %s: %s.", hfi_priorities[dn->prio],
                 u->prio >= 0 ? "set by the deciding rule" : "the escalation's own");
    }
    say(c, s);
    return HF_OK;
}

int hf_route(hf_engine *e, const char *escalation_json, size_t elen, const char *live_json,
             size_t llen, const char **decision_json, size_t *len)
{
    if (decision_json)
        *decision_json = NULL;
    if (len)
        *len = 0;
    if (!e || !decision_json)
        return HF_EMISUSE;
    hfi_routing *r = e->routing;
    if (!r)
        return hfi_fail(e, HF_ENOTFOUND, "no routing config is loaded: call "
                        "hf_engine_load_routing first");
    if (!escalation_json || !live_json)
        return hfi_fail(e, HF_EINVAL, "no escalation or live state given");
    if (hfi_owned(e, escalation_json) || hfi_owned(e, live_json)) { /* see hfi_owned */
        char *copy = hfi_alloc(e, elen + llen + 1);
        if (!copy)
            return hfi_fail(e, HF_ENOMEM, "out of memory");
        memcpy(copy, escalation_json, elen);
        memcpy(copy + elen, live_json, llen);
        int rc = hf_route(e, copy, elen, copy + elen, llen, decision_json, len);
        hfi_free(e, copy, elen + llen + 1);
        return rc;
    }
    rctx c = {.e = e, .r = r};
    alt alts_small[32];
    int cands_small[32];
    alt *alts = r->nqueues <= 32 ? alts_small : hfi_alloc(e, sizeof *alts * r->nqueues);
    int *cands = r->nqueues <= 32 ? cands_small : hfi_alloc(e, sizeof *cands * r->nqueues);
    int rc = alts && cands ? HF_OK : hfi_fail(e, HF_ENOMEM, "out of memory");
    c.alts = alts;
    c.cands = cands;
    hfi_buf_reset(&r->explain);
    decision dn;
    if (rc == HF_OK)
        rc = read_escalation(e, &r->esc, escalation_json, elen, &c.x);
    if (rc == HF_OK)
        rc = read_live(&c, live_json, llen);
    e->budget = (int64_t)e->opt.instruction_limit; /* shared by the rules of this decision */
    if (rc == HF_OK)
        rc = decide(&c, &dn);
    if (rc == HF_OK) {
        hfi_buf *b = &e->scratch;
        hfi_buf_reset(b);
        write_decision(&c, &dn, b);
        if (b->oom || r->explain.oom)
            rc = hfi_fail(e, HF_ENOMEM, "out of memory");
        else {
            *decision_json = b->p;
            if (len)
                *len = b->len;
        }
    }
    if (alts != alts_small)
        hfi_free(e, alts, alts ? sizeof *alts * r->nqueues : 0);
    if (cands != cands_small)
        hfi_free(e, cands, cands ? sizeof *cands * r->nqueues : 0);
    return rc;
}

