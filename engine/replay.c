/*
 * replay.c — event logs, deterministic replay, and moving sessions between flow versions.
 *
 * A session is a pure function of its flow version, its start context and its events (the
 * engine reads no clock and no randomness), so the log the event_log option keeps is enough to
 * rebuild it byte for byte: that is how a backend checks an escalation a phone claims.
 */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "internal.h"

int hf_session_events(hf_session *s, const char **json, size_t *len)
{
    if (json)
        *json = NULL;
    if (len)
        *len = 0;
    if (!s || !json)
        return HF_EMISUSE;
    hf_engine *e = s->e;
    if (!s->log)
        return hfi_fail(e, HF_EMISUSE, "the session keeps no event log (the engine's event_log "
                                       "option is off, or it was restored without one)");
    const hfi_flow *f = s->frames[0].flow;
    hfi_buf *b = &e->snapbuf;
    hfi_buf_reset(b);
    hfi_buf_addl(b, "{\"flow\":");
    hfi_buf_add_idz(b, f->id);
    hfi_buf_addl(b, ",\"version\":");
    hfi_buf_add_i64(b, s->log->version); /* where it starts; migrations are entries */
    hfi_buf_addl(b, ",\"context\":");
    hfi_buf_adds(b, s->log->ctx);
    hfi_buf_addl(b, ",\"events\":[");
    if (s->log->text)
        hfi_buf_add(b, s->log->text, s->log->len);
    hfi_buf_addl(b, "]}");
    if (b->oom)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    *json = b->p;
    if (len)
        *len = b->len;
    return HF_OK;
}

/* The version a log entry {"type":"migrate","version":N} moves to, or 0 for an event. */
static int64_t migration(hf_engine *e, const char *text, size_t n)
{
    static const char type[] = "{\"type\":\"migrate\",\"version\":";
    if (n < sizeof type || memcmp(text, type, sizeof type - 1) != 0)
        return 0; /* entries are canonical: this is how the engine writes one */
    if (hfi_jparse(&e->doc, text, n) != HF_OK)
        return 0;
    int v = hfi_jget(&e->doc, 0, "version");
    double d = hfi_jtype(&e->doc, v) == HFI_J_NUMBER ? e->doc.nodes[v].num : 0;
    return d >= 1 && d <= 9007199254740991.0 && d == (double)(int64_t)d ? (int64_t)d : -1;
}

/* Appends an output to the replay's list. */
static void add_output(hfi_buf *b, const hf_session *s, bool first)
{
    if (!first)
        hfi_buf_addc(b, ',');
    hfi_buf_add(b, s->out, s->out_len);
}

static int replay(hf_session **out, hf_engine *e, const char *flow_id, int64_t version,
                  const char *context_json, size_t clen, const char *events_json, size_t elen,
                  const char **outputs, size_t *outputs_len)
{
    hfi_flow *f = hfi_engine_find_version(e, flow_id, version);
    if (!f) {
        if (version)
            hfi_seterrf(e, "flow '%.200s' version %lld is not loaded", flow_id,
                        (long long)version);
        else
            hfi_seterrf(e, "no flow '%.200s' is loaded", flow_id);
        return HF_ENOTFOUND;
    }

    /* where each event is in the caller's text: sending one reuses the engine's reader */
    int rc = hfi_jparse(&e->doc, events_json, elen);
    if (rc != HF_OK) {
        if (rc == HF_EINVAL)
            hfi_seterrf(e, "the events are not valid JSON: %s", e->doc.err);
        else
            hfi_seterr(e, "out of memory");
        return rc;
    }
    if (hfi_jtype(&e->doc, 0) != HFI_J_ARRAY)
        return hfi_fail(e, HF_EINVAL, "the events must be a JSON array");
    uint32_t n = e->doc.nodes[0].count;
    size_t *at = n ? hfi_alloc(e, sizeof *at * 2 * n) : NULL;
    if (n && !at)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    uint32_t k = 0;
    for (int c = e->doc.nodes[0].child; c >= 0; c = e->doc.nodes[c].next, k++) {
        at[2 * k] = (size_t)(e->doc.nodes[c].s - events_json);
        at[2 * k + 1] = e->doc.nodes[c].n;
    }

    hf_session *s = NULL;
    hfi_buf list;
    hfi_buf_init(&list, e);
    /* a session that ran out of memory on the way goes on (escalated, or failed) where the
     * original did not: such a replay proves nothing */
    const uint64_t failures = e->alloc_failures;
    rc = hfi_session_start(&s, e, f, context_json, clen);
    if (rc != HF_ENOMEM && e->alloc_failures != failures)
        rc = hfi_fail(e, HF_ENOMEM, "out of memory");
    if (rc == HF_OK && outputs) {
        hfi_buf_addc(&list, '[');
        add_output(&list, s, true);
    }
    for (k = 0; rc == HF_OK && k < n; k++) {
        int64_t to = migration(e, events_json + at[2 * k], at[2 * k + 1]);
        if (to > 0) { /* an entry hf_session_migrate left: the host migrated here */
            rc = hf_session_migrate(s, to);
            if (rc != HF_OK && rc != HF_ENOMEM)
                rc = HF_EREJECTED; /* the message says why; the index is added below */
        } else {
            rc = hf_session_send(s, events_json + at[2 * k], at[2 * k + 1], NULL, NULL);
        }
        if (rc != HF_ENOMEM && e->alloc_failures != failures)
            rc = hfi_fail(e, HF_ENOMEM, "out of memory");
        if (rc == HF_EREJECTED || rc == HF_EINVAL || rc == HF_EFINISHED) {
            char why[300];
            snprintf(why, sizeof why, "%s", hf_engine_errmsg(e));
            hfi_seterrf(e, "replay: event %u was rejected: %s", k, why);
            rc = HF_EREJECTED;
        } else if (rc == HF_OK && outputs) {
            add_output(&list, s, false);
        }
    }
    if (n)
        hfi_free(e, at, sizeof *at * 2 * n);
    if (rc == HF_OK && outputs) {
        hfi_buf_addc(&list, ']');
        if (list.oom) {
            rc = hfi_fail(e, HF_ENOMEM, "out of memory");
        } else {
            hfi_buf_reset(&e->snapbuf);
            hfi_buf_add(&e->snapbuf, list.p, list.len);
            if (e->snapbuf.oom)
                rc = hfi_fail(e, HF_ENOMEM, "out of memory");
        }
    }
    hfi_buf_free(&list);
    if (rc != HF_OK) {
        hf_session_free(s);
        return rc;
    }
    *out = s;
    if (outputs) {
        *outputs = e->snapbuf.p;
        if (outputs_len)
            *outputs_len = e->snapbuf.len;
    }
    return HF_OK;
}

int hf_replay(hf_session **out, hf_engine *e, const char *flow_id, int64_t version,
              const char *context_json, size_t clen, const char *events_json, size_t elen,
              const char **outputs, size_t *outputs_len)
{
    if (out)
        *out = NULL;
    if (outputs)
        *outputs = NULL;
    if (outputs_len)
        *outputs_len = 0;
    if (!out || !e || !flow_id || !events_json || version < 0)
        return e ? hfi_fail(e, HF_EMISUSE, "hf_replay needs out, engine, flow, a version >= 0 "
                                           "and events")
                 : HF_EMISUSE;
    /* the caller's text may lie in a buffer of the engine's that replaying reuses (inspect's
     * JSON holds a snapshot's log; checking an input writes into it, and may move it): the
     * replay reads a copy */
    if (!context_json)
        clen = 0;
    char *copy = hfi_alloc(e, elen + clen + 1);
    if (!copy)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    memcpy(copy, events_json, elen);
    if (clen)
        memcpy(copy + elen, context_json, clen);
    int rc = replay(out, e, flow_id, version, context_json ? copy + elen : NULL, clen, copy, elen,
                    outputs, outputs_len);
    hfi_free(e, copy, elen + clen + 1);
    return rc;
}

/* ---- migrating ---------------------------------------------------------------------------- */

static int step_index(const hfi_flow *f, const char *id)
{
    for (uint32_t i = 0; i < f->nsteps; i++)
        if (strcmp(f->steps[i].id, id) == 0)
            return (int)i;
    return HFI_NONE;
}

/* Whether a session in its state can stand at step st of the new version. */
static bool can_stand(const hf_session *s, const hfi_step *st, const hfi_step *old)
{
    if (s->depth > 1)
        return st->kind == HFI_CALL && st->subflow && strcmp(st->subflow, old->subflow) == 0;
    switch (s->expect) {
    case HFI_EXP_CHOICE: return st->kind == HFI_SAY && st->nchoices;
    case HFI_EXP_INPUT: return st->kind == HFI_ASK;
    case HFI_EXP_EVENT: return st->kind == HFI_WAIT;
    case HFI_EXP_RESULT: return st->kind == HFI_ACTION && strcmp(st->call, old->call) == 0;
    default: return false;
    }
}

int hf_session_migrate(hf_session *s, int64_t version)
{
    if (!s || version < 0)
        return s ? hfi_fail(s->e, HF_EMISUSE, "hf_session_migrate needs a version >= 0")
                 : HF_EMISUSE;
    hf_engine *e = s->e;
    hfi_frame *fr = &s->frames[0];
    const hfi_flow *from = fr->flow;
    if (s->status >= HF_STATUS_RESOLVED)
        return hfi_fail(e, HF_EFINISHED, "the session has ended: there is nothing to migrate");
    hfi_flow *to = hfi_engine_find_version(e, from->id, version);
    if (!to) {
        hfi_seterrf(e, "flow '%s' version %lld is not loaded", from->id, (long long)version);
        return HF_ENOTFOUND;
    }
    if (to == from)
        return HF_OK;
    if (to->migrate == HFI_NONE) {
        hfi_seterrf(e, "flow '%s' version %lld declares no migrate function, so sessions of "
                       "version %lld cannot move to it", to->id, (long long)to->version,
                    (long long)from->version);
        return HF_ECHECK;
    }

    /* the new context and step, computed before anything changes */
    char step[128];
    hfi_buf ctx;
    hfi_buf_init(&ctx, e);
    int rc = hfi_fn_migrate(e, s, to, from->version, &ctx, step, sizeof step);
    if (rc == HF_OK && (ctx.oom || ctx.len == 0 || ctx.p[0] != '{'))
        rc = hfi_fail(e, ctx.oom ? HF_ENOMEM : HF_ERROR,
                      ctx.oom ? "out of memory" : "migrate must return a table of named values");
    const hfi_step *old = &from->steps[fr->step];
    int at = rc == HF_OK ? step_index(to, step[0] ? step : old->id) : HFI_NONE;
    if (rc == HF_OK && at == HFI_NONE) {
        hfi_seterrf(e, "flow '%s' version %lld has no step '%s' for the migrated session",
                    to->id, (long long)to->version, step[0] ? step : old->id);
        rc = HF_ECHECK;
    } else if (rc == HF_OK && !can_stand(s, &to->steps[at], old)) {
        hfi_seterrf(e, "flow '%s' version %lld: step '%s' is a %s, and the session waits at a "
                       "%s there", to->id, (long long)to->version, to->steps[at].id,
                    hfi_kind_names[to->steps[at].kind], hfi_kind_names[old->kind]);
        rc = HF_ECHECK;
    }
    uint8_t *visits = rc == HF_OK ? hfi_alloc(e, to->nsteps) : NULL;
    if (rc == HF_OK && !visits)
        rc = hfi_fail(e, HF_ENOMEM, "out of memory");
    if (rc != HF_OK) {
        hfi_buf_free(&ctx);
        return rc;
    }
    /* visits, and the back history of the top frame, follow the steps by id */
    memset(visits, 0, to->nsteps);
    for (uint32_t i = 0; i < from->nsteps; i++) {
        int j = fr->visits[i] ? step_index(to, from->steps[i].id) : HFI_NONE;
        if (j != HFI_NONE)
            visits[j] = fr->visits[i];
    }
    /* with a log, the migration is an entry of it: hf_replay applies it where it happened */
    size_t log_at = s->log ? s->log->len : 0;
    if (s->log) {
        char entry[64];
        int m = snprintf(entry, sizeof entry, "{\"type\":\"migrate\",\"version\":%lld}",
                         (long long)to->version);
        if (hfi_log_append(s, entry, (size_t)m) != HF_OK) {
            hfi_buf_free(&ctx);
            hfi_free(e, visits, to->nsteps);
            return hfi_fail(e, HF_ENOMEM, "out of memory");
        }
    }
    /* the session moves; if its output cannot follow, it moves back */
    char *old_ctx = s->ctx;
    size_t old_len = s->ctx_len;
    uint8_t *old_visits = fr->visits;
    uint32_t old_step = fr->step;
    int64_t old_deadline = s->deadline;
    s->ctx = NULL;
    rc = hfi_ctx_replace(s, ctx.p, ctx.len);
    hfi_buf_free(&ctx);
    if (rc == HF_OK) {
        fr->visits = visits;
        fr->flow = to;
        fr->step = (uint32_t)at;
        /* a wait's deadline goes on only at a wait that has a timeout to fire */
        if (s->depth == 1 && s->expect == HFI_EXP_EVENT && !to->steps[at].timeout)
            s->deadline = 0;
        /* the same output, now naming the new version */
        size_t n;
        const char *ui = hfi_output_ui(s, &n);
        hfi_buf_reset(&e->ui);
        hfi_buf_add(&e->ui, ui, n);
        rc = hfi_output(s);
    }
    if (rc != HF_OK) {
        if (s->ctx)
            hfi_free(e, s->ctx, s->ctx_len + 1);
        s->ctx = old_ctx;
        s->ctx_len = old_len;
        fr->visits = old_visits;
        fr->flow = from;
        fr->step = old_step;
        s->deadline = old_deadline;
        if (s->log && s->log->text) {
            s->log->len = log_at;
            s->log->text[log_at] = '\0';
        }
        hfi_free(e, visits, to->nsteps);
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    }
    hfi_free(e, old_ctx, old_len + 1);
    hfi_free(e, old_visits, from->nsteps);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < s->nhist; i++) {
        uint32_t h = s->hist[i];
        if (h >> 24 != 1) {
            s->hist[kept++] = h;
            continue;
        }
        int j = step_index(to, from->steps[h & 0xffffff].id);
        if (j != HFI_NONE)
            s->hist[kept++] = 1u << 24 | (uint32_t)j;
    }
    s->nhist = kept;
    return HF_OK;
}
