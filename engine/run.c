/*
 * run.c — the interpreter. Entering a step shows what it shows and either waits (say with
 * choices, ask, wait), asks the host for an action, ends, or moves straight on. One event runs
 * this loop until the session waits again; every component shown on the way goes into `ui`.
 */
#include <string.h>

#include "internal.h"

#define MAX_HOPS 1000 /* steps entered while handling one event */

static void ui_begin(hf_engine *e)
{
    if (e->ui.len)
        hfi_buf_addc(&e->ui, ',');
}

/* Shows a text component; false (and the session escalated) if its function failed. */
bool hfi_emit_text(hf_session *s, const hfi_text *t, const char *type)
{
    hf_engine *e = s->e;
    if (t->kind == HFI_TEXT_NONE)
        return true;
    size_t at = e->ui.len;
    ui_begin(e);
    hfi_buf_adds(&e->ui, "{\"type\":\"");
    hfi_buf_adds(&e->ui, type);
    hfi_buf_adds(&e->ui, "\",\"text\":");
    if (hfi_fn_text(e, s, hfi_top(s)->flow, t, &e->ui) != HF_OK) {
        e->ui.len = at;
        hfi_escalate(s, "flow_error", hf_engine_errmsg(e));
        return false;
    }
    hfi_buf_addc(&e->ui, '}');
    return true;
}

static bool emit_components(hf_session *s, const hfi_step *st)
{
    hf_engine *e = s->e;
    const char *items = NULL;
    size_t n = 0;
    if (st->components_json) {
        items = st->components_json;
        n = strlen(items);
    } else if (st->components_fn != HFI_NONE) {
        hfi_buf_reset(&e->tmp);
        if (hfi_fn_json(e, s, hfi_top(s)->flow, st->components_fn, &e->tmp) != HF_OK) {
            hfi_escalate(s, "flow_error", hf_engine_errmsg(e));
            return false;
        }
        items = e->tmp.p;
        n = e->tmp.len;
        if (n < 2 || items[0] != '[') {
            hfi_escalate(s, "flow_error", "components must be a list of components");
            return false;
        }
    } else {
        return true;
    }
    if (n > 2) { /* splice the array's items into ui */
        ui_begin(e);
        hfi_buf_add(&e->ui, items + 1, n - 2);
    }
    return true;
}

static bool emit_choices(hf_session *s, const hfi_step *st)
{
    hf_engine *e = s->e;
    size_t at = e->ui.len;
    ui_begin(e);
    hfi_buf_adds(&e->ui, "{\"type\":\"choices\",\"options\":[");
    for (uint32_t i = 0; i < st->nchoices; i++) {
        if (i)
            hfi_buf_addc(&e->ui, ',');
        hfi_buf_adds(&e->ui, "{\"id\":");
        hfi_buf_add_idz(&e->ui, st->choices[i].id);
        hfi_buf_adds(&e->ui, ",\"label\":");
        if (hfi_fn_text(e, s, hfi_top(s)->flow, &st->choices[i].label, &e->ui) != HF_OK) {
            e->ui.len = at;
            hfi_escalate(s, "flow_error", hf_engine_errmsg(e));
            return false;
        }
        hfi_buf_addc(&e->ui, '}');
    }
    hfi_buf_adds(&e->ui, "]}");
    return true;
}

bool hfi_emit_ask(hf_session *s, const hfi_step *st)
{
    hf_engine *e = s->e;
    if (!hfi_emit_text(s, &st->text, "text"))
        return false;
    ui_begin(e);
    hfi_buf_adds(&e->ui, "{\"type\":\"input\",\"input\":\"");
    hfi_buf_adds(&e->ui, hfi_input_names[st->input]);
    hfi_buf_adds(&e->ui, "\"}");
    return true;
}

/* ---- the path: one entry per step entered, with the answer that left it -------------- */

static void path_add(hf_session *s, const char *text, size_t n)
{
    hf_engine *e = s->e;
    char *p = hfi_realloc(e, s->path, s->path_len ? s->path_len + 1 : 0, s->path_len + n + 1);
    if (!p) {
        s->oom = true;
        return;
    }
    memcpy(p + s->path_len, text, n);
    s->path_len += n;
    p[s->path_len] = '\0';
    s->path = p;
}

void hfi_path_close(hf_session *s)
{
    if (s->path_open) {
        path_add(s, "}", 1);
        s->path_open = false;
    }
}

void hfi_path_step(hf_session *s, const hfi_flow *f, const hfi_step *st)
{
    hf_engine *e = s->e;
    hfi_path_close(s);
    hfi_buf_reset(&e->tmp);
    if (s->path_len)
        hfi_buf_addc(&e->tmp, ',');
    hfi_buf_adds(&e->tmp, "{\"step\":");
    hfi_buf_add_idz(&e->tmp, st->id);
    if (s->depth > 1) {
        hfi_buf_adds(&e->tmp, ",\"flow\":");
        hfi_buf_add_idz(&e->tmp, f->id);
    }
    if (e->tmp.oom) {
        s->oom = true;
        return;
    }
    path_add(s, e->tmp.p, e->tmp.len);
    s->path_open = true;
}

void hfi_path_answer(hf_session *s, const char *key, const char *json, size_t len)
{
    if (!s->path_open)
        return;
    hf_engine *e = s->e;
    hfi_buf_reset(&e->tmp);
    hfi_buf_addc(&e->tmp, ',');
    hfi_buf_add_jstrz(&e->tmp, key);
    hfi_buf_addc(&e->tmp, ':');
    hfi_buf_add(&e->tmp, json, len);
    if (e->tmp.oom)
        s->oom = true;
    else
        path_add(s, e->tmp.p, e->tmp.len);
}

/* The identifier written as a JSON string at p (hfi_path_step: no escapes), and *n its length;
 * NULL if p holds no string. */
static const char *path_id(const char *p, const char *end, size_t *n)
{
    const char *q = p < end && *p == '"' ? memchr(p + 1, '"', (size_t)(end - p - 1)) : NULL;
    *n = q ? (size_t)(q - p - 1) : 0;
    return q ? p + 1 : NULL;
}

/* The path has an entry per step entered, and one more per re-ask of an ask: the entry after
 * an invalid input (one with both "input" and "error") is the same step asking again, not a
 * step entered. So the trail costs the session no state of its own. The path is our own
 * text: `{"step":ID[,"flow":ID][,"answer":JSON]...}`, comma separated, the last maybe open. */
int hfi_path_trail(hf_session *s, hfi_buf *b)
{
    static const char head[] = "{\"step\":";
    const char *p = s->path, *end = p ? p + s->path_len : NULL;
    bool reask = false, first = true;
    hfi_buf_addc(b, '[');
    while (p && p < end && (size_t)(end - p) > sizeof head - 1 &&
           memcmp(p, head, sizeof head - 1) == 0) {
        size_t n, fn = 0;
        const char *step = path_id(p + sizeof head - 1, end, &n), *flow = NULL;
        if (!step)
            break;
        bool input = false, error = false;
        for (p = step + n + 1; p < end && *p == ',';) {
            size_t kn;
            const char *key = path_id(p + 1, end, &kn);
            if (!key || key + kn + 1 >= end)
                break;
            p = key + kn + 2; /* past the ':' */
            if (kn == 4 && memcmp(key, "flow", 4) == 0)
                flow = path_id(p, end, &fn);
            input |= kn == 5 && memcmp(key, "input", 5) == 0;
            error |= kn == 5 && memcmp(key, "error", 5) == 0;
            p = hfi_json_skip(p, end);
        }
        if (!reask) {
            hfi_buf_adds(b, first ? "\"" : ",\"");
            first = false;
            if (flow) {
                hfi_buf_add(b, flow, fn);
                hfi_buf_addc(b, '/');
            }
            hfi_buf_add(b, step, n);
            hfi_buf_addc(b, '"');
        }
        reask = input && error;
        if (p < end && *p == '}')
            p++;
        if (p < end && *p == ',')
            p++;
    }
    hfi_buf_addc(b, ']');
    return b->oom ? HF_ENOMEM : HF_OK;
}

/* ---- flags and the back history ------------------------------------------------------ */

/* The end of the JSON string item starting at p (just past its closing quote). */
static const char *item_end(const char *p)
{
    const char *q = p + 1;
    while (*q && *q != '"')
        q += (*q == '\\' && q[1]) ? 2 : 1;
    return *q ? q + 1 : q;
}

bool hfi_flags_has(const char *list, const char *item, size_t n)
{
    for (const char *p = list; p && *p == '"';) {
        const char *end = item_end(p);
        if ((size_t)(end - p) == n && memcmp(p, item, n) == 0)
            return true;
        p = *end == ',' ? end + 1 : end;
    }
    return false;
}

/* Adds the JSON string items of `items` ("\"a\",\"b\"") to the session's flags, each once. */
static void add_flags(hf_session *s, const char *items)
{
    hf_engine *e = s->e;
    hfi_buf_reset(&e->tmp);
    if (s->flags)
        hfi_buf_adds(&e->tmp, s->flags);
    for (const char *p = items; *p == '"';) {
        const char *end = item_end(p);
        size_t n = (size_t)(end - p);
        if (!hfi_flags_has(e->tmp.p, p, n)) {
            if (e->tmp.len)
                hfi_buf_addc(&e->tmp, ',');
            hfi_buf_add(&e->tmp, p, n);
        }
        p = *end == ',' ? end + 1 : end;
    }
    char *d = e->tmp.oom ? NULL : hfi_strndup(e, e->tmp.p ? e->tmp.p : "", e->tmp.len);
    if (!d) {
        s->oom = true;
        return;
    }
    hfi_strfree(e, s->flags);
    s->flags = d;
}

static void hist_push(hf_session *s)
{
    hf_engine *e = s->e;
    if (s->nhist == s->caphist) {
        uint32_t cap = s->caphist ? s->caphist * 2 : 4;
        uint32_t *h = hfi_realloc(e, s->hist, sizeof *h * s->caphist, sizeof *h * cap);
        if (!h)
            return; /* back will not reach this step; nothing else is lost */
        s->hist = h;
        s->caphist = cap;
    }
    s->hist[s->nhist++] = (s->depth << 24) | hfi_top(s)->step;
}

static void wait_for(hf_session *s, uint8_t expect)
{
    s->status = HF_STATUS_WAITING;
    s->expect = expect;
    hist_push(s);
}

/* ---- the trace hook ------------------------------------------------------------------ */

/* Tells the engine's trace hook (hf_trace_fn) that the session enters step `to` of the top
 * frame's flow from `from`: the label is via, then name or else n ("next:" 2). It is spelled
 * out in e->tmp, which hfi_path_step() is about to take over anyway. */
static void trace(hf_session *s, const hfi_step *from, const hfi_step *to, const char *via,
                  const char *name, uint32_t n)
{
    hf_engine *e = s->e;
    const hfi_flow *f = hfi_top(s)->flow;
    hfi_buf_reset(&e->tmp);
    hfi_buf_adds(&e->tmp, via);
    if (name)
        hfi_buf_adds(&e->tmp, name);
    else if (n)
        hfi_buf_add_i64(&e->tmp, n);
    hfi_buf_addc(&e->tmp, '\0');
    if (e->tmp.oom) {
        s->oom = true;
        return;
    }
    /* "start" enters a flow: the session's, or a subflow's */
    e->opt.trace(e->opt.trace_ud, f->id, f->version, strcmp(via, "start") ? from->id : NULL,
                 to->id, e->tmp.p);
}

/* ---- transitions --------------------------------------------------------------------- */

/* The first transition whose guard holds, with its set applied, and its index in *branch;
 * HFI_NONE after escalating. */
static int choose(hf_session *s, const hfi_trans *list, uint32_t n, uint32_t *branch)
{
    hf_engine *e = s->e;
    const hfi_flow *f = hfi_top(s)->flow;
    for (uint32_t i = 0; i < n; i++) {
        const hfi_trans *t = &list[i];
        bool ok = true;
        if (t->when != HFI_NONE && hfi_fn_guard(e, s, f, t->when, &ok) != HF_OK) {
            hfi_escalate(s, "flow_error", hf_engine_errmsg(e));
            return HFI_NONE;
        }
        if (!ok)
            continue;
        if (t->nset && hfi_ctx_set(s, f, t->set, t->nset) != HF_OK) {
            hfi_escalate(s, "flow_error", hf_engine_errmsg(e));
            return HFI_NONE;
        }
        *branch = i;
        return t->go;
    }
    hfi_seterrf(e, "%s: flow '%s': step '%s': no next branch matched", f->source_name, f->id,
                hfi_cur(s)->id);
    hfi_escalate(s, "flow_error", hf_engine_errmsg(e));
    return HFI_NONE;
}

static void run(hf_session *s, int idx, const char *via, const char *name, uint32_t n);

/* How the trace names taking branch i of the step's own go / next. */
static const char *list_via(const hfi_step *st, uint32_t i, uint32_t *n)
{
    *n = st->next_list ? i + 1 : 0;
    return st->next_list ? "next:" : "go";
}

void hfi_run_take(hf_session *s, const hfi_trans *list, uint32_t n, const char *via,
                  const char *name)
{
    uint32_t branch = 0, num = 0;
    int to = choose(s, list, n, &branch);
    if (to == HFI_NONE)
        return;
    if (!via)
        via = list_via(hfi_cur(s), branch, &num);
    run(s, to, via, name, num);
}

static bool enter_call(hf_session *s, const hfi_step *st)
{
    hf_engine *e = s->e;
    hfi_flow *sub = hfi_engine_find(e, st->subflow);
    if (!sub) {
        hfi_escalate(s, "flow_error", "the called flow is not loaded");
        return false;
    }
    if (s->depth > e->opt.max_call_depth) {
        hfi_escalate(s, "flow_error", "subflow calls nested too deeply");
        return false;
    }
    if (s->depth == s->capframes) {
        uint32_t cap = s->capframes * 2;
        hfi_frame *fr = hfi_realloc(e, s->frames, sizeof *fr * s->capframes, sizeof *fr * cap);
        if (!fr) {
            hfi_escalate(s, "flow_error", "out of memory");
            return false;
        }
        s->frames = fr;
        s->capframes = cap;
    }
    uint8_t *visits = hfi_alloc(e, sub->nsteps);
    if (!visits) {
        hfi_escalate(s, "flow_error", "out of memory");
        return false;
    }
    memset(visits, 0, sub->nsteps);
    hfi_frame *fr = &s->frames[s->depth++];
    fr->flow = sub;
    fr->step = sub->start;
    fr->visits = visits;
    return true;
}

/* A subflow resolved: back to the caller, which goes on at its call step's go. */
static void leave_call(hf_session *s)
{
    hf_engine *e = s->e;
    hfi_frame *fr = hfi_top(s);
    hfi_free(e, fr->visits, fr->flow->nsteps);
    s->depth--;
    while (s->nhist && (s->hist[s->nhist - 1] >> 24) > s->depth)
        s->nhist--;
}

void hfi_run_goto(hf_session *s, int idx, const char *via, const char *name)
{
    run(s, idx, via, name, 0);
}

/* Enters step idx, which via (name, n: see trace()) leads to, and runs on from there. */
static void run(hf_session *s, int idx, const char *via, const char *name, uint32_t n)
{
    hf_engine *e = s->e;
    for (unsigned hops = 0;; hops++) {
        hfi_frame *fr = hfi_top(s);
        const hfi_flow *f = fr->flow;
        uint32_t maxv = f->max_visits ? f->max_visits : e->opt.max_visits;
        if (hops >= MAX_HOPS || fr->visits[idx] >= maxv) {
            hfi_path_close(s);
            fr->step = (uint32_t)idx;
            hfi_escalate(s, "loop", NULL);
            return;
        }
        const hfi_step *st = &f->steps[idx];
        if (e->opt.trace)
            trace(s, &f->steps[fr->step], st, via, name, n);
        fr->visits[idx]++;
        fr->step = (uint32_t)idx;
        s->steps++;
        s->retries = 0;
        hfi_path_step(s, f, st);
        if (st->flags_json)
            add_flags(s, st->flags_json);
        switch (st->kind) {
        case HFI_SAY:
            if (!hfi_emit_text(s, &st->text, "text") || !emit_components(s, st))
                return;
            if (st->nchoices) {
                if (emit_choices(s, st))
                    wait_for(s, HFI_EXP_CHOICE);
                return;
            }
            break;
        case HFI_ASK:
            if (hfi_emit_ask(s, st))
                wait_for(s, HFI_EXP_INPUT);
            return;
        case HFI_ACTION: {
            hfi_buf_reset(&e->tmp);
            if (st->args != HFI_NONE) {
                if (hfi_fn_json(e, s, f, st->args, &e->tmp) != HF_OK) {
                    hfi_escalate(s, "flow_error", hf_engine_errmsg(e));
                    return;
                }
                if (e->tmp.len == 0 || e->tmp.p[0] != '{') {
                    hfi_seterrf(e, "%s: flow '%s': step '%s': args must be a table of named "
                                "values", f->source_name, f->id, st->id);
                    hfi_escalate(s, "flow_error", hf_engine_errmsg(e));
                    return;
                }
            } else {
                hfi_buf_adds(&e->tmp, "{}");
            }
            char *args = hfi_buf_dup(&e->tmp, NULL);
            if (!args) {
                hfi_escalate(s, "flow_error", "out of memory");
                return;
            }
            hfi_strfree(e, s->args);
            s->args = args;
            s->action_seq++;
            s->status = HF_STATUS_ACTION;
            s->expect = HFI_EXP_RESULT;
            return;
        }
        case HFI_DECIDE:
            break;
        case HFI_CALL:
            if (!enter_call(s, st))
                return;
            idx = (int)hfi_top(s)->flow->start;
            via = "start", name = NULL, n = 0;
            continue;
        case HFI_WAIT:
            if (!hfi_emit_text(s, &st->text, "text"))
                return;
            s->deadline = st->timeout ? s->now + st->timeout : 0;
            wait_for(s, HFI_EXP_EVENT);
            return;
        case HFI_RESOLVED:
            if (!hfi_emit_text(s, &st->text, "text"))
                return;
            if (s->depth > 1) {
                hfi_path_close(s);
                leave_call(s);
                const hfi_step *caller = hfi_cur(s);
                uint32_t branch;
                idx = choose(s, caller->next, caller->nnext, &branch);
                if (idx == HFI_NONE)
                    return;
                via = "return", name = NULL, n = 0;
                continue;
            }
            hfi_path_close(s);
            hfi_finish(s, HF_STATUS_RESOLVED);
            return;
        case HFI_ESCALATE:
            if (!hfi_emit_text(s, &st->text, "text"))
                return;
            hfi_escalate_step(s, st);
            return;
        }
        /* say without choices, decide: straight on */
        uint32_t branch = 0;
        idx = choose(s, st->next, st->nnext, &branch);
        if (idx == HFI_NONE)
            return;
        via = list_via(st, branch, &n);
        name = NULL;
    }
}
