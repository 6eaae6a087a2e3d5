/*
 * escalate.c — ending a session: the escalation policy's package (reason, skills, priority,
 * flags, what was collected and the path taken), the repeat-contact rule, and the outcome record
 * every finished session yields.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

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

static void build(hf_session *s, const char *reason, const char *skills, const char *priority,
                  const char *summary, size_t summary_len, const char *detail)
{
    hf_engine *e = s->e;
    hfi_path_close(s);
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
    if (summary) {
        hfi_buf_adds(b, ",\"summary\":");
        hfi_buf_add(b, summary, summary_len);
    }
    if (detail && *detail) {
        hfi_buf_adds(b, ",\"error\":");
        hfi_buf_add_jstrz(b, detail);
    }
    hfi_buf_addc(b, '}');
    char *esc = hfi_buf_dup(b, NULL);
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
        hfi_text t = {HFI_TEXT_FN, NULL, st->summary};
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

bool hfi_repeat_contact(hf_session *s, const cJSON *prior, int64_t at)
{
    const hfi_flow *f = s->frames[0].flow;
    uint32_t need = f->repeat_failures ? f->repeat_failures : s->e->opt.repeat_failures;
    int64_t within = f->repeat_within ? f->repeat_within : s->e->opt.repeat_within;
    uint32_t count = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, prior)
    {
        const cJSON *flow = cJSON_GetObjectItemCaseSensitive(r, "flow");
        const cJSON *outcome = cJSON_GetObjectItemCaseSensitive(r, "outcome");
        const cJSON *when = cJSON_GetObjectItemCaseSensitive(r, "finished_at");
        if (!cJSON_IsNumber(when))
            when = cJSON_GetObjectItemCaseSensitive(r, "at");
        if (!cJSON_IsString(flow) || strcmp(flow->valuestring, f->id) != 0 ||
            !cJSON_IsString(outcome) || strcmp(outcome->valuestring, "resolved") == 0 ||
            !cJSON_IsNumber(when) || !isfinite(when->valuedouble))
            continue;
        double age = (double)at - when->valuedouble;
        if (age >= 0 && age <= (double)within)
            count++;
    }
    return count >= need;
}
