/*
 * escalate.c — ending a session: the escalation policy's package (reason, skills, priority,
 * flags, what was collected and the path taken), the repeat-contact rule, and the outcome record
 * every finished session yields.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *const default_text = "I'll pass you to someone who can help.";

void hfi_finish(hf_session *s, int status)
{
    s->status = (uint8_t)status;
    s->expect = HFI_EXP_NONE;
    s->finished_at = s->now;
    s->deadline = 0;
    hfi_strfree(s->e, s->args);
    s->args = NULL;
}

/* The answer that left a path entry, in words. */
static void answer_words(hfi_jdoc *d, int entry, hfi_buf *w)
{
    static const struct {
        const char *key, *words;
    } kinds[] = {{"choice", "chose"},   {"input", "entered"},  {"error", "failed:"},
                 {"event", "got"},      {"intent", "asked to"}, {"timeout", "timed out"},
                 {"result", NULL}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        int v = hfi_jget(d, entry, kinds[k].key);
        if (v < 0 || !kinds[k].words)
            continue;
        hfi_buf_adds(w, " (");
        hfi_buf_adds(w, kinds[k].words);
        if (hfi_jtype(d, v) == HFI_J_STRING) {
            size_t n;
            const char *s = hfi_jstr(d, v, &n);
            hfi_buf_addc(w, ' ');
            hfi_buf_add(w, s ? s : "", s ? (n > 80 ? 80 : n) : 0);
        } else if (hfi_jtype(d, v) == HFI_J_NUMBER) {
            hfi_buf_addc(w, ' ');
            hfi_buf_add_num(w, d->nodes[v].num);
        }
        hfi_buf_addc(w, ')');
    }
}

/* The agent's one-paragraph summary when the flow gives none: where the customer went, what
 * they answered, and why they are being handed over. */
static void default_summary(hf_session *s, const char *reason, hfi_buf *out)
{
    hf_engine *e = s->e;
    const hfi_flow *top = s->frames[0].flow;
    hfi_buf w;
    hfi_buf_init(&w, e);
    hfi_buf_adds(&w, "Customer came for \"");
    hfi_buf_adds(&w, top->title ? top->title : top->id);
    hfi_buf_adds(&w, "\".");
    hfi_jdoc d = {.e = e};
    hfi_buf_init(&d.strings, e);
    hfi_buf_reset(&e->tmp);
    hfi_buf_addc(&e->tmp, '[');
    if (s->path)
        hfi_buf_add(&e->tmp, s->path, s->path_len);
    hfi_buf_addc(&e->tmp, ']');
    if (!e->tmp.oom && hfi_jparse(&d, e->tmp.p, e->tmp.len) == HF_OK && d.nodes[0].count) {
        hfi_buf_adds(&w, " Steps: ");
        for (int en = d.nodes[0].child; en >= 0; en = d.nodes[en].next) {
            if (en != d.nodes[0].child)
                hfi_buf_adds(&w, " > ");
            const char *step = hfi_jstr(&d, hfi_jget(&d, en, "step"), NULL);
            hfi_buf_adds(&w, step ? step : "?");
            answer_words(&d, en, &w);
        }
        hfi_buf_addc(&w, '.');
    }
    hfi_jdoc_free(&d);
    hfi_buf_adds(&w, " Handed over: ");
    hfi_buf_adds(&w, reason);
    hfi_buf_addc(&w, '.');
    hfi_buf_add_jstr(out, w.p ? w.p : "", w.len);
    if (w.oom)
        out->oom = true;
    hfi_buf_free(&w);
}

static int prio_rank(const char *p)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(p, hfi_priorities[i]) == 0)
            return i;
    return 1;
}

/* Flags raise the priority by policy: the flow's policy.flag_priority, else the engine's
 * defaults (vulnerable: at least high; fraud: urgent). Never lowers it. */
static const char *raise_for_flags(const hf_session *s, const char *priority)
{
    static const hfi_flagprio defaults[] = {{(char *)"vulnerable", "high"},
                                            {(char *)"fraud", "urgent"}};
    const hfi_flow *top = s->frames[0].flow;
    const hfi_flagprio *map = top->flagprio ? top->flagprio : defaults;
    uint32_t n = top->flagprio ? top->nflagprio : 2;
    char item[256];
    for (uint32_t i = 0; s->flags && i < n; i++) {
        int len = snprintf(item, sizeof item, "\"%s\"", map[i].flag);
        if (len > 0 && (size_t)len < sizeof item && hfi_flags_has(s->flags, item, (size_t)len) &&
            prio_rank(map[i].priority) > prio_rank(priority))
            priority = map[i].priority;
    }
    return priority;
}

static void build(hf_session *s, const char *reason, const char *skills, const char *priority,
                  const char *summary, size_t summary_len, const char *detail)
{
    hf_engine *e = s->e;
    priority = raise_for_flags(s, priority);
    hfi_path_close(s);
    hfi_buf sum;
    hfi_buf_init(&sum, e);
    if (!summary) {
        default_summary(s, reason, &sum);
        summary = sum.p;
        summary_len = sum.len;
    }
    hfi_buf *b = &e->tmp;
    hfi_buf_reset(b);
    hfi_buf_adds(b, "{\"reason\":");
    hfi_buf_add_jstrz(b, reason);
    hfi_buf_adds(b, ",\"skills\":");
    hfi_buf_adds(b, skills);
    hfi_buf_adds(b, ",\"priority\":\"");
    hfi_buf_adds(b, priority);
    hfi_buf_adds(b, "\",\"flags\":[");
    if (s->flags)
        hfi_buf_adds(b, s->flags);
    hfi_buf_adds(b, "],\"collected\":");
    hfi_buf_add(b, s->ctx, s->ctx_len);
    hfi_buf_adds(b, ",\"path\":[");
    if (s->path)
        hfi_buf_add(b, s->path, s->path_len);
    hfi_buf_addc(b, ']');
    hfi_buf_adds(b, ",\"summary\":");
    hfi_buf_add(b, summary ? summary : "\"\"", summary ? summary_len : 2);
    if (detail && *detail) {
        hfi_buf_adds(b, ",\"error\":");
        hfi_buf_add_jstrz(b, detail);
    }
    hfi_buf_addc(b, '}');
    char *esc = hfi_buf_dup(b, NULL);
    if (sum.oom)
        hfi_strfree(e, esc), esc = NULL;
    hfi_buf_free(&sum);
    s->reason = reason;
    if (!esc) {
        hfi_finish(s, HF_STATUS_FAILED);
        return;
    }
    hfi_strfree(e, s->escalation);
    s->escalation = esc;
    hfi_finish(s, HF_STATUS_ESCALATED);
}

static const char *policy_text(hf_session *s, const hfi_flow *f, const char *reason)
{
    char key[96];
    snprintf(key, sizeof key, "escalate.%s", reason);
    const char *t = hfi_text_lookup(f, s->locale, key);
    if (!t)
        t = hfi_text_lookup(f, s->locale, "escalate");
    return t;
}

void hfi_escalate(hf_session *s, const char *reason, const char *detail)
{
    if (s->status >= HF_STATUS_RESOLVED)
        return;
    hf_engine *e = s->e;
    const hfi_flow *f = hfi_top(s)->flow, *top = s->frames[0].flow;
    const char *skills = f->skills_json ? f->skills_json
                         : top->skills_json ? top->skills_json : "[]";
    const char *priority = f->priority ? f->priority : top->priority ? top->priority : "normal";
    const char *text = policy_text(s, f, reason);
    if (!text && f != top)
        text = policy_text(s, top, reason);
    /* the detail may live in the engine's error buffer, which the UI work below reuses */
    char why[512] = "";
    if (detail)
        snprintf(why, sizeof why, "%s", detail);
    if (e->ui.len)
        hfi_buf_addc(&e->ui, ',');
    hfi_buf_adds(&e->ui, "{\"type\":\"text\",\"text\":");
    hfi_buf_add_jstrz(&e->ui, text ? text : default_text);
    hfi_buf_addc(&e->ui, '}');
    build(s, reason, skills, priority, NULL, 0, why);
}

void hfi_escalate_step(hf_session *s, const hfi_step *st)
{
    hf_engine *e = s->e;
    const hfi_flow *f = hfi_top(s)->flow, *top = s->frames[0].flow;
    const char *skills = st->skills_json ? st->skills_json
                         : f->skills_json ? f->skills_json
                         : top->skills_json ? top->skills_json : "[]";
    const char *priority = st->priority ? st->priority
                           : f->priority ? f->priority : top->priority ? top->priority : "normal";
    char *summary = NULL;
    size_t summary_len = 0;
    char why[512] = "";
    if (st->summary != HFI_NONE) {
        hfi_buf sb;
        hfi_buf_init(&sb, e);
        hfi_text t = {.kind = HFI_TEXT_FN, .ref = st->summary};
        if (hfi_fn_text(e, s, f, &t, &sb) == HF_OK)
            summary = hfi_buf_dup(&sb, &summary_len);
        else
            snprintf(why, sizeof why, "summary: %s", hf_engine_errmsg(e));
        hfi_buf_free(&sb);
    }
    build(s, st->reason, skills, priority, summary, summary_len, why);
    if (summary)
        hfi_free(e, summary, summary_len + 1);
}

bool hfi_repeat_contact(hf_session *s, hfi_jdoc *d, int prior, int64_t at)
{
    const hfi_flow *f = s->frames[0].flow;
    uint32_t need = f->repeat_failures ? f->repeat_failures : s->e->opt.repeat_failures;
    int64_t within = f->repeat_within ? f->repeat_within : s->e->opt.repeat_within;
    uint32_t count = 0;
    for (int r = d->nodes[prior].child; r >= 0; r = d->nodes[r].next) {
        const char *flow = hfi_jstr(d, hfi_jget(d, r, "flow"), NULL);
        const char *outcome = hfi_jstr(d, hfi_jget(d, r, "outcome"), NULL);
        int when = hfi_jget(d, r, "finished_at");
        if (hfi_jtype(d, when) != HFI_J_NUMBER)
            when = hfi_jget(d, r, "at");
        if (!flow || strcmp(flow, f->id) != 0 || !outcome || strcmp(outcome, "resolved") == 0 ||
            hfi_jtype(d, when) != HFI_J_NUMBER || !isfinite(d->nodes[when].num))
            continue;
        double age = (double)at - d->nodes[when].num;
        if (age >= 0 && age <= (double)within)
            count++;
    }
    return count >= need;
}
