/*
 * snapshot_state.c — a session's state as the JSON payload of a snapshot, and back.
 *
 * The payload is one object with short names (docs/snapshots.md has the whole list): the
 * subflow stack "fr" ([step, [step, visits, ...]] for the first frame, whose flow the envelope
 * names, then [flow, version, step, [...]] for each subflow), status "st",
 * what it waits for "ex", retries "re", the action sequence "aq", steps entered "ns", times
 * ("t0" the start, the others as differences), locale "lc", path "pa" (and "po" when its last
 * entry is still open), flags "fl", back history "hi", escalation reason "rs", escalation
 * "es", pending action args "ar", the output's ui "ui", context "cx", start context "c0"
 * (absent when it equals "cx"), and the event log "lx" and "lg" (and "lv", the version it
 * starts on, when the session has migrated since), after the session id
 * "id". Members that are zero or empty are left out.
 *
 * What is already JSON on the session is copied in as it is, and copied out as the reader saw
 * it, so a round trip is byte-exact. The ui is the largest part and usually text the flow
 * itself holds: a component that is exactly what a step of the current flow shows (its text,
 * its choices) is written as the number step * 2 (+ 1 for choices) and rendered again on
 * restore, in the session's locale, from the same flow version.
 *
 * Nothing read is trusted: every index, count, time and kind is checked against the flows the
 * engine has, and a state that does not fit them is refused.
 */
#include <string.h>

#include "internal.h"

static void add_key(hfi_buf *b, const char *key) /* ,"key": */
{
    hfi_buf_addc(b, ',');
    hfi_buf_addc(b, '"');
    hfi_buf_adds(b, key);
    hfi_buf_addl(b, "\":");
}

static void add_int(hfi_buf *b, const char *key, int64_t v)
{
    if (v) { /* absent means 0 */
        add_key(b, key);
        hfi_buf_add_i64(b, v);
    }
}

/* ---- ui components as references to the flow ----------------------------------------- */

/* Renders what step st of f shows as a component: its text (choices false) or its choices.
 * False when that depends on a function (then it is not a reference). */
static bool render(hf_session *s, const hfi_flow *f, const hfi_step *st, bool choices,
                   hfi_buf *b)
{
    hf_engine *e = s->e;
    if (!choices) {
        if (st->text.kind != HFI_TEXT_LIT && st->text.kind != HFI_TEXT_KEY)
            return false;
        hfi_buf_addl(b, "{\"type\":\"text\",\"text\":");
        hfi_fn_text(e, s, f, &st->text, b); /* literals and keys call no function */
        hfi_buf_addc(b, '}');
        return true;
    }
    for (uint32_t i = 0; i < st->nchoices; i++)
        if (st->choices[i].label.kind != HFI_TEXT_LIT && st->choices[i].label.kind != HFI_TEXT_KEY)
            return false;
    hfi_buf_addl(b, "{\"type\":\"choices\",\"options\":[");
    for (uint32_t i = 0; i < st->nchoices; i++) {
        hfi_buf_adds(b, i ? ",{\"id\":" : "{\"id\":");
        hfi_buf_add_idz(b, st->choices[i].id);
        hfi_buf_addl(b, ",\"label\":");
        hfi_fn_text(e, s, f, &st->choices[i].label, b);
        hfi_buf_addc(b, '}');
    }
    hfi_buf_addl(b, "]}");
    return true;
}

#define UI_OOM (-2) /* ui_ref ran out of memory: the snapshot cannot be written as it must */

/* The reference for a ui component, -1 if there is none, or UI_OOM. */
static int64_t ui_ref(hf_session *s, const char *item, size_t n)
{
    static const char text[] = "{\"type\":\"text\",", choices[] = "{\"type\":\"choices\",";
    bool is_choices = n > sizeof choices - 1 && memcmp(item, choices, sizeof choices - 1) == 0;
    if (!is_choices && !(n > sizeof text - 1 && memcmp(item, text, sizeof text - 1) == 0))
        return -1;
    const hfi_flow *f = hfi_top(s)->flow;
    hfi_buf *b = &s->e->scratch;
    /* the step the session stands at first: it shows most of the ui */
    for (uint32_t k = 0, i = hfi_top(s)->step; k < f->nsteps; k++, i = (i + 1) % f->nsteps) {
        const hfi_step *st = &f->steps[i];
        if (is_choices && !st->nchoices)
            continue;
        hfi_buf_reset(b);
        if (!render(s, f, st, is_choices, b))
            continue;
        if (b->oom)
            return UI_OOM;
        if (b->len == n && memcmp(b->p, item, n) == 0)
            return (int64_t)i * 2 + is_choices;
    }
    return -1;
}

static void write_ui(hf_session *s, hfi_buf *b)
{
    size_t n;
    const char *ui = hfi_output_ui(s, &n), *end = ui + n;
    if (!n)
        return;
    hfi_buf_addl(b, ",\"ui\":[");
    for (const char *p = ui; p < end;) {
        const char *q = hfi_json_skip(p, end);
        int64_t ref = ui_ref(s, p, (size_t)(q - p));
        if (ref == UI_OOM) {
            b->oom = true;
            return;
        }
        if (p != ui)
            hfi_buf_addc(b, ',');
        if (ref >= 0)
            hfi_buf_add_i64(b, ref);
        else
            hfi_buf_add(b, p, (size_t)(q - p));
        p = q < end && *q == ',' ? q + 1 : q;
    }
    hfi_buf_addc(b, ']');
}

/* ---- writing ----------------------------------------------------------------------------- */

void hfi_state_write(hf_session *s, hfi_buf *b)
{
    hfi_buf_addl(b, "{\"id\":");
    hfi_buf_adds(b, s->id);
    hfi_buf_addl(b, ",\"fr\":[");
    for (uint32_t d = 0; d < s->depth; d++) {
        const hfi_frame *fr = &s->frames[d];
        hfi_buf_adds(b, d ? ",[" : "[");
        if (d) { /* the first frame's flow is the envelope's */
            hfi_buf_add_idz(b, fr->flow->id);
            hfi_buf_addc(b, ',');
            hfi_buf_add_i64(b, fr->flow->version);
            hfi_buf_addc(b, ',');
        }
        hfi_buf_add_i64(b, fr->step);
        hfi_buf_addl(b, ",[");
        bool first = true; /* visits as (step, count) pairs, the zeros left out */
        for (uint32_t i = 0; i < fr->flow->nsteps; i++) {
            if (!fr->visits[i])
                continue;
            if (!first)
                hfi_buf_addc(b, ',');
            first = false;
            hfi_buf_add_i64(b, i);
            hfi_buf_addc(b, ',');
            hfi_buf_add_i64(b, fr->visits[i]);
        }
        hfi_buf_addl(b, "]]");
    }
    hfi_buf_addc(b, ']');
    add_int(b, "st", s->status);
    add_int(b, "ex", s->expect);
    add_int(b, "re", s->retries);
    add_int(b, "aq", s->action_seq);
    add_int(b, "ns", s->steps);
    add_int(b, "t0", s->started_at);
    /* the other times are mostly equal to the start or to each other: stored as deltas */
    add_int(b, "tl", s->last_at - s->started_at);
    add_int(b, "ta", s->last_at - s->active_at);
    add_int(b, "dl", s->deadline ? s->deadline - s->started_at + 1 : 0);
    add_int(b, "tf", s->finished_at ? s->finished_at - s->started_at + 1 : 0);
    if (s->locale) {
        add_key(b, "lc");
        hfi_buf_add_jstrz(b, s->locale);
    }
    if (s->path_len) {
        add_key(b, "pa");
        hfi_buf_addc(b, '[');
        hfi_buf_add(b, s->path, s->path_len);
        if (s->path_open)
            hfi_buf_addc(b, '}');
        hfi_buf_addc(b, ']');
        if (s->path_open)
            hfi_buf_addl(b, ",\"po\":1");
    }
    if (s->flags && *s->flags) {
        add_key(b, "fl");
        hfi_buf_addc(b, '[');
        hfi_buf_adds(b, s->flags);
        hfi_buf_addc(b, ']');
    }
    if (s->nhist) {
        add_key(b, "hi");
        for (uint32_t i = 0; i < s->nhist; i++) {
            hfi_buf_addc(b, i ? ',' : '[');
            hfi_buf_add_i64(b, s->hist[i]);
        }
        hfi_buf_addc(b, ']');
    }
    if (s->reason) {
        add_key(b, "rs");
        hfi_buf_add_jstrz(b, s->reason);
    }
    if (s->escalation) {
        add_key(b, "es");
        hfi_buf_adds(b, s->escalation);
    }
    if (s->args) {
        add_key(b, "ar");
        hfi_buf_adds(b, s->args);
    }
    if (s->out_static) {
        hfi_buf_addl(b, ",\"os\":1");
    } else {
        write_ui(s, b);
    }
    add_key(b, "cx");
    hfi_buf_add(b, s->ctx, s->ctx_len);
    if (s->start_ctx && strcmp(s->start_ctx, s->ctx) != 0) { /* absent: the same */
        add_key(b, "c0");
        hfi_buf_adds(b, s->start_ctx);
    }
    if (s->log) {
        if (s->log->version != s->frames[0].flow->version) /* it migrated since it started */
            add_int(b, "lv", s->log->version);
        add_key(b, "lx");
        hfi_buf_adds(b, s->log->ctx);
        add_key(b, "lg");
        hfi_buf_addc(b, '[');
        if (s->log->text)
            hfi_buf_add(b, s->log->text, s->log->len);
        hfi_buf_addc(b, ']');
    }
    hfi_buf_addc(b, '}');
}

/* ---- restoring -------------------------------------------------------------------------- */

/* The payload's members, all of two characters. */
static const char names[][3] = {"id", "fr", "st", "ex", "re", "aq", "ns", "t0", "tl",
                                "ta", "dl", "tf", "lc", "pa", "po", "fl", "hi", "rs",
                                "es", "ar", "os", "ui", "cx", "c0", "lx", "lg", "lv"};
#define NNAMES (sizeof names / sizeof names[0])

typedef struct reader {
    hf_engine *e;
    hfi_jdoc *d;
    const char *err;
    int at[NNAMES];  /* each member's node, -1 if absent; one pass over the object */
} reader;

static int slot(const char *key)
{
    for (size_t i = 0; i < NNAMES; i++)
        if (names[i][0] == key[0] && names[i][1] == key[1])
            return (int)i;
    return -1;
}

/* Indexes the payload's members; false for a name it does not know or an escaped one. */
static bool index_members(reader *r)
{
    for (size_t i = 0; i < NNAMES; i++)
        r->at[i] = -1;
    for (int c = r->d->nodes[0].child; c >= 0; c = r->d->nodes[c].next) {
        const hfi_jnode *n = &r->d->nodes[c];
        int i = n->klen == 2 && !n->kesc ? slot(n->key) : -1;
        if (i < 0)
            return false;
        r->at[i] = c; /* a repeated name: the last one, as everywhere */
    }
    return true;
}

static int get(reader *r, const char *key) { return r->at[slot(key)]; }

/* An integer member in [lo, hi]; absent is 0 (when 0 is in range). */
static bool get_int(reader *r, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    int i = get(r, key);
    double v = 0;
    if (i >= 0) {
        if (hfi_jtype(r->d, i) != HFI_J_NUMBER)
            goto bad;
        v = r->d->nodes[i].num;
    }
    if (!(v >= (double)lo && v <= (double)hi) || v != (double)(int64_t)v)
        goto bad;
    *out = (int64_t)v;
    return true;
bad:
    r->err = key;
    return false;
}

static bool int_node(reader *r, int i, int64_t lo, int64_t hi, int64_t *out)
{
    if (hfi_jtype(r->d, i) != HFI_J_NUMBER)
        return false;
    double v = r->d->nodes[i].num;
    if (!(v >= (double)lo && v <= (double)hi) || v != (double)(int64_t)v)
        return false;
    *out = (int64_t)v;
    return true;
}

static const char out_of_memory[] = "out of memory"; /* get_raw's failure that is not the data's */

/* A member of type t, copied as its text (what the parser saw), or, when inner, an array's
 * items so copied and joined by commas. Absent: NULL and true. */
static bool get_raw(reader *r, const char *key, int t, bool inner, char **out, size_t *len)
{
    int i = get(r, key);
    *out = NULL;
    if (len)
        *len = 0;
    if (i < 0)
        return true;
    if (hfi_jtype(r->d, i) != t) {
        r->err = key;
        return false;
    }
    const hfi_jnode *n = &r->d->nodes[i];
    if (!inner) {
        *out = hfi_strndup(r->e, n->s, n->n);
    } else { /* the items as they were, joined by commas: no space between them */
        hfi_buf b;
        hfi_buf_init(&b, r->e);
        for (int c = n->child; c >= 0; c = r->d->nodes[c].next) {
            const hfi_jnode *item = &r->d->nodes[c];
            bool quoted = item->type == HFI_J_STRING; /* s is between its quotes */
            if (c != n->child)
                hfi_buf_addc(&b, ',');
            hfi_buf_add(&b, item->s - quoted, item->n + 2 * quoted);
        }
        *out = hfi_buf_dup(&b, len);
        hfi_buf_free(&b);
        if (*out)
            return true;
    }
    if (!*out) {
        r->err = out_of_memory;
        return false;
    }
    if (len)
        *len = n->n;
    return true;
}

static bool items_all(reader *r, const char *key, int t)
{
    int i = get(r, key);
    if (i < 0)
        return true;
    for (int c = r->d->nodes[i].child; c >= 0; c = r->d->nodes[c].next)
        if (hfi_jtype(r->d, c) != t) {
            r->err = key;
            return false;
        }
    return true;
}

/* The step kind a session in this state stands at. */
static bool expect_fits(const hfi_step *st, int status, int expect)
{
    if (status >= HF_STATUS_RESOLVED)
        return expect == HFI_EXP_NONE;
    if (status == HF_STATUS_ACTION)
        return expect == HFI_EXP_RESULT && st->kind == HFI_ACTION;
    switch (expect) {
    case HFI_EXP_CHOICE: return st->kind == HFI_SAY && st->nchoices;
    case HFI_EXP_INPUT: return st->kind == HFI_ASK;
    case HFI_EXP_EVENT: return st->kind == HFI_WAIT;
    default: return false;
    }
}

static int read_frames(reader *r, hf_session *s, const char *flow, int64_t version)
{
    hf_engine *e = r->e;
    int fr = get(r, "fr");
    if (hfi_jtype(r->d, fr) != HFI_J_ARRAY || r->d->nodes[fr].count == 0 ||
        r->d->nodes[fr].count > e->opt.max_call_depth + 1u)
        return hfi_snap_bad(e, "its subflow stack is malformed");
    uint32_t n = r->d->nodes[fr].count;
    s->frames = hfi_alloc(e, sizeof *s->frames * n);
    if (!s->frames)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    s->capframes = n;
    for (int c = r->d->nodes[fr].child; c >= 0; c = r->d->nodes[c].next) {
        /* [step, visits] for the first frame, whose flow the envelope names; then
         * [flow, version, step, visits] */
        int first = hfi_jtype(r->d, c) == HFI_J_ARRAY ? r->d->nodes[c].child : -1;
        int id = s->depth ? first : -1;
        int ver = id >= 0 ? r->d->nodes[id].next : -1;
        int step = s->depth ? (ver >= 0 ? r->d->nodes[ver].next : -1) : first;
        int vis = step >= 0 ? r->d->nodes[step].next : -1;
        int64_t fversion = version, at;
        size_t fidlen = 0;
        const char *fid = s->depth ? hfi_jstr(r->d, id, &fidlen) : flow;
        if (!fid || (s->depth && (strlen(fid) != fidlen ||
                                  !int_node(r, ver, 1, INT64_MAX, &fversion))) ||
            hfi_jtype(r->d, vis) != HFI_J_ARRAY || r->d->nodes[vis].next >= 0 ||
            !int_node(r, step, 0, UINT32_MAX, &at))
            return hfi_snap_bad(e, "a frame of its subflow stack is malformed");
        hfi_flow *f = hfi_engine_find_version(e, fid, fversion);
        if (!f) {
            hfi_seterrf(e, "the snapshot needs flow '%.200s' version %lld, which is not loaded",
                        fid, (long long)fversion);
            return HF_ENOTFOUND;
        }
        if (at >= f->nsteps)
            return hfi_snap_bad(e, "its current step is not a step of its flow");
        uint8_t *visits = hfi_alloc(e, f->nsteps);
        if (!visits)
            return hfi_fail(e, HF_ENOMEM, "out of memory");
        memset(visits, 0, f->nsteps);
        s->frames[s->depth++] = (hfi_frame){f, (uint32_t)at, visits};
        if ((r->d->nodes[vis].count & 1) != 0)
            return hfi_snap_bad(e, "its visit counts are malformed");
        for (int v = r->d->nodes[vis].child; v >= 0; v = r->d->nodes[r->d->nodes[v].next].next) {
            int64_t idx, count;
            if (!int_node(r, v, 0, f->nsteps - 1, &idx) ||
                !int_node(r, r->d->nodes[v].next, 1, 255, &count))
                return hfi_snap_bad(e, "its visit counts are malformed");
            visits[idx] = (uint8_t)count;
        }
    }
    /* every frame below the top waits in a call, of the flow of the frame above it */
    for (uint32_t d = 0; d + 1 < s->depth; d++) {
        const hfi_step *st = &s->frames[d].flow->steps[s->frames[d].step];
        if (st->kind != HFI_CALL || strcmp(st->subflow, s->frames[d + 1].flow->id) != 0)
            return hfi_snap_bad(e, "its subflow stack does not match its flows");
    }
    return HF_OK;
}

/* The escalation reason as the engine keeps it: a policy literal, or a flow's own string. */
static const char *find_reason(hf_session *s, const char *reason)
{
    static const char *const policy[] = {"customer_requested", "input_failed", "loop",
                                         "action_failed", "flow_error", "repeat_contact"};
    for (size_t i = 0; i < sizeof policy / sizeof policy[0]; i++)
        if (strcmp(reason, policy[i]) == 0)
            return policy[i];
    for (uint32_t d = 0; d < s->depth; d++) {
        const hfi_flow *f = s->frames[d].flow;
        for (uint32_t i = 0; i < f->nsteps; i++)
            if (f->steps[i].reason && strcmp(f->steps[i].reason, reason) == 0)
                return f->steps[i].reason;
    }
    return NULL;
}

/* The ui, its references rendered again, into e->ui; then the output. */
static int read_ui(reader *r, hf_session *s, int ui)
{
    hf_engine *e = r->e;
    const hfi_flow *f = hfi_top(s)->flow;
    hfi_buf_reset(&e->ui);
    if (ui >= 0 && hfi_jtype(r->d, ui) != HFI_J_ARRAY)
        return hfi_snap_bad(e, "its ui is malformed");
    for (int c = ui >= 0 ? r->d->nodes[ui].child : -1; c >= 0; c = r->d->nodes[c].next) {
        int64_t ref;
        if (e->ui.len)
            hfi_buf_addc(&e->ui, ',');
        if (hfi_jtype(r->d, c) == HFI_J_OBJECT) {
            hfi_buf_add(&e->ui, r->d->nodes[c].s, r->d->nodes[c].n);
        } else if (!int_node(r, c, 0, (int64_t)f->nsteps * 2 - 1, &ref) ||
                   !render(s, f, &f->steps[ref / 2], ref & 1, &e->ui)) {
            return hfi_snap_bad(e, "its ui names what its flow does not show");
        }
    }
    return hfi_output(s);
}

int hfi_state_read(hf_session *s, hfi_jdoc *d, const char *flow, int64_t version, bool has_log)
{
    reader rd = {.e = s->e, .d = d}, *r = &rd;
    hf_engine *e = r->e;
    if (hfi_jtype(d, 0) != HFI_J_OBJECT)
        return hfi_snap_bad(e, "its state is not a JSON object");
    if (!index_members(r))
        return hfi_snap_bad(e, "its state has a member this library does not know");
    size_t idlen = 0;
    const char *id = hfi_jstr(d, get(r, "id"), &idlen);
    if (!id || idlen == 0 || idlen > 128 || strlen(id) != idlen)
        return hfi_snap_bad(e, "its session id is malformed");
    hfi_buf_reset(&e->ev);
    hfi_buf_add_jstr(&e->ev, id, idlen);
    if (!(s->id = hfi_buf_dup(&e->ev, NULL)))
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    int rc = read_frames(r, s, flow, version);
    if (rc != HF_OK)
        return rc;

    int64_t st, ex, re, aq, ns, t0, tl, ta, dl, tf;
    /* times are up to the year 9999; a deadline, up to a timeout (as long, compile_step.c)
     * after the last event */
    const int64_t tmax = 253402300799;
    if (!get_int(r, "st", 0, HF_STATUS_FAILED, &st) || !get_int(r, "ex", 0, HFI_EXP_RESULT, &ex) ||
        !get_int(r, "re", 0, 255, &re) || !get_int(r, "aq", 0, UINT32_MAX, &aq) ||
        !get_int(r, "ns", 0, UINT32_MAX, &ns) || !get_int(r, "t0", 0, tmax, &t0) ||
        !get_int(r, "tl", 0, tmax - t0, &tl) || !get_int(r, "ta", 0, tl, &ta) ||
        !get_int(r, "dl", 0, tl + tmax + 1, &dl) || !get_int(r, "tf", 0, tmax - t0 + 1, &tf)) {
        hfi_seterrf(e, "not a valid snapshot: its \"%s\" is out of range", r->err);
        return HF_EINVAL;
    }
    /* invalid inputs in a row: at most the policy's, and one more in the session it ended */
    const hfi_flow *tf_ = hfi_top(s)->flow;
    if (re > (tf_->has_max_retries ? tf_->max_retries : e->opt.max_retries) + 1)
        return hfi_snap_bad(e, "it counts more invalid inputs than its flow's policy allows");
    s->status = (uint8_t)st;
    s->expect = (uint8_t)ex;
    s->retries = (uint8_t)re;
    s->action_seq = (uint32_t)aq;
    s->steps = (uint32_t)ns;
    s->started_at = t0;
    s->last_at = s->now = t0 + tl;
    s->active_at = s->last_at - ta;
    s->deadline = dl ? t0 + dl - 1 : 0;
    s->finished_at = tf ? t0 + tf - 1 : 0;
    if (!expect_fits(hfi_cur(s), s->status, s->expect))
        return hfi_snap_bad(e, "what it waits for does not match its step");
    /* a deadline left by an earlier wait is harmless (the next wait sets its own), but at a
     * wait without a timeout it would fire one */
    if (s->expect == HFI_EXP_EVENT && s->deadline && !hfi_cur(s)->timeout)
        return hfi_snap_bad(e, "it has a deadline at a wait without a timeout");

    int lc = get(r, "lc");
    if (lc >= 0) {
        const char *loc = hfi_jstr(d, lc, NULL);
        if (!loc)
            return hfi_snap_bad(e, "its locale is not a string");
        if (!(s->locale = hfi_strdup(e, loc)))
            return hfi_fail(e, HF_ENOMEM, "out of memory");
    }
    int rs = get(r, "rs");
    if (rs >= 0) {
        const char *reason = hfi_jstr(d, rs, NULL);
        if (!reason || !(s->reason = find_reason(s, reason)))
            return hfi_snap_bad(e, "its escalation reason is unknown to its flow");
    }
    int64_t po, os;
    char *path = NULL, *flags = NULL;
    size_t path_len;
    if (!get_int(r, "po", 0, 1, &po) || !get_int(r, "os", 0, 1, &os) ||
        !items_all(r, "pa", HFI_J_OBJECT) || !items_all(r, "fl", HFI_J_STRING) ||
        !get_raw(r, "pa", HFI_J_ARRAY, true, &path, &path_len) ||
        !get_raw(r, "fl", HFI_J_ARRAY, true, &flags, NULL) ||
        !get_raw(r, "es", HFI_J_OBJECT, false, &s->escalation, NULL) ||
        !get_raw(r, "ar", HFI_J_OBJECT, false, &s->args, NULL)) {
        hfi_strfree(e, path);
        hfi_strfree(e, flags);
        if (r->err == out_of_memory)
            return hfi_fail(e, HF_ENOMEM, out_of_memory);
        hfi_seterrf(e, "not a valid snapshot: its \"%s\" is malformed", r->err);
        return HF_EINVAL;
    }
    s->flags = flags;
    /* an open entry gets the answer appended after its last member: it needs one */
    int pa = get(r, "pa"), open = -1;
    for (int c = po && pa >= 0 ? d->nodes[pa].child : -1; c >= 0; c = d->nodes[c].next)
        open = c;
    if (po && (open < 0 || d->nodes[open].count == 0)) {
        hfi_strfree(e, path);
        return hfi_snap_bad(e, "its open path entry is missing or empty");
    }
    if (path_len) { /* kept as run.c keeps it: exactly path_len + 1 bytes, none when empty */
        if (po) { /* the last entry is still open: its closing brace comes off */
            path_len--;
            s->path_open = true;
        }
        s->path = hfi_strndup(e, path, path_len);
        if (!s->path) {
            hfi_strfree(e, path);
            return hfi_fail(e, HF_ENOMEM, "out of memory");
        }
        s->path_len = path_len;
    }
    hfi_strfree(e, path);
    if ((s->status == HF_STATUS_ESCALATED) != (s->escalation != NULL) ||
        (s->status == HF_STATUS_ACTION) != (s->args != NULL)) {
        return hfi_snap_bad(e, "its escalation or pending action does not match its status");
    }

    int hi = get(r, "hi");
    if (hi >= 0) {
        if (hfi_jtype(d, hi) != HFI_J_ARRAY) {
            return hfi_snap_bad(e, "its history is malformed");
        }
        uint32_t n = d->nodes[hi].count;
        s->hist = n ? hfi_alloc(e, sizeof *s->hist * n) : NULL;
        if (n && !s->hist) {
            return hfi_fail(e, HF_ENOMEM, "out of memory");
        }
        s->caphist = n;
        for (int c = d->nodes[hi].child; c >= 0; c = d->nodes[c].next) {
            int64_t h;
            uint32_t depth, step;
            if (!int_node(r, c, 1 << 24, UINT32_MAX, &h) || (depth = (uint32_t)h >> 24) >
                s->depth || (step = (uint32_t)h & 0xffffff) >= s->frames[depth - 1].flow->nsteps) {
                return hfi_snap_bad(e, "its history is malformed");
            }
            s->hist[s->nhist++] = (uint32_t)h;
        }
    }

    /* the contexts: written canonical by the engine; written canonical again here */
    int cx = get(r, "cx"), c0 = get(r, "c0");
    if (hfi_jtype(d, cx) != HFI_J_OBJECT || (c0 >= 0 && hfi_jtype(d, c0) != HFI_J_OBJECT)) {
        return hfi_snap_bad(e, "its context is not a JSON object");
    }
    hfi_buf_reset(&e->ev);
    if (!hfi_jwrite(d, c0 >= 0 ? c0 : cx, &e->ev, NULL) ||
        !(s->start_ctx = hfi_buf_dup(&e->ev, NULL))) {
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    }
    int lx = get(r, "lx"), lg = get(r, "lg");
    if ((lx >= 0) != has_log || (lx >= 0 && (hfi_jtype(d, lx) != HFI_J_OBJECT ||
                                                               hfi_jtype(d, lg) != HFI_J_ARRAY)) ||
        !items_all(r, "lg", HFI_J_OBJECT)) {
        return hfi_snap_bad(e, "its event log is malformed");
    }
    int64_t lv;
    if (!get_int(r, "lv", 0, INT64_MAX, &lv) || (lv && lx < 0))
        return hfi_snap_bad(e, "its event log's first version is malformed");
    if (lx >= 0 && e->opt.event_log) { /* kept only where logs are kept */
        if (!(s->log = hfi_alloc(e, sizeof *s->log)))
            return hfi_fail(e, HF_ENOMEM, "out of memory");
        memset(s->log, 0, sizeof *s->log);
        s->log->version = lv ? lv : s->frames[0].flow->version;
        if (!get_raw(r, "lx", HFI_J_OBJECT, false, &s->log->ctx, NULL) ||
            !get_raw(r, "lg", HFI_J_ARRAY, true, &s->log->text, &s->log->len))
            return hfi_fail(e, HF_ENOMEM, "out of memory");
        s->log->cap = s->log->len + 1;
    }
    hfi_buf_reset(&e->tmp);
    if (!hfi_jwrite(d, cx, &e->tmp, NULL) ||
        hfi_ctx_replace(s, e->tmp.p, e->tmp.len) != HF_OK) {
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    }

    /* the output, rebuilt around the ui it had */
    int ui = get(r, "ui");
    if (os) {
        if (s->status != HF_STATUS_FAILED || ui >= 0)
            return hfi_snap_bad(e, "its output does not match its status");
        s->out = (char *)hfi_failed_output;
        s->out_len = strlen(hfi_failed_output);
        s->out_static = true;
        return HF_OK;
    }
    return read_ui(r, s, ui);
}

