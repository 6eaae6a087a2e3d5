/*
 * output.c — the JSON the host renders after every call (DESIGN.md section 3). Built once per
 * event into the engine's buffer and kept, exactly sized, on the session.
 */
#include <string.h>

#include "internal.h"

const char *hf_status_name(int status)
{
    static const char *const names[] = {"waiting",   "action",    "resolved", "escalated",
                                        "cancelled", "abandoned", "failed"};
    return status >= 0 && status <= HF_STATUS_FAILED ? names[status] : "unknown";
}

static void expects(hf_session *s, hfi_buf *b)
{
    const hfi_step *st = hfi_cur(s);
    switch (s->expect) {
    case HFI_EXP_CHOICE:
        hfi_buf_addl(b, ",\"expects\":{\"kind\":\"choice\"}");
        break;
    case HFI_EXP_INPUT:
        hfi_buf_addl(b, ",\"expects\":{\"kind\":\"input\",\"input\":\"");
        hfi_buf_adds(b, hfi_input_names[st->input]);
        hfi_buf_addl(b, "\"}");
        break;
    case HFI_EXP_EVENT:
        if (st->event) {
            hfi_buf_addl(b, ",\"expects\":{\"kind\":\"event\",\"event\":");
            hfi_buf_add_idz(b, st->event);
        } else {
            hfi_buf_addl(b, ",\"expects\":{\"kind\":\"tick\"");
        }
        if (s->deadline) {
            hfi_buf_addl(b, ",\"deadline\":");
            hfi_buf_add_i64(b, s->deadline);
        }
        hfi_buf_addc(b, '}');
        break;
    case HFI_EXP_RESULT:
        hfi_buf_addl(b, ",\"action\":{\"id\":\"a");
        hfi_buf_add_i64(b, s->action_seq);
        hfi_buf_addl(b, "\",\"name\":");
        hfi_buf_add_idz(b, st->call);
        hfi_buf_addl(b, ",\"args\":");
        hfi_buf_adds(b, s->args ? s->args : "{}");
        hfi_buf_addl(b, "},\"expects\":{\"kind\":\"result\"}");
        break;
    }
}

int hfi_output(hf_session *s)
{
    hf_engine *e = s->e;
    hfi_buf *b = &e->out;
    const hfi_flow *top = s->frames[0].flow;
    hfi_buf_reset(b);
    hfi_buf_addl(b, "{\"session\":");
    hfi_buf_adds(b, s->id);
    hfi_buf_addl(b, ",\"flow\":");
    hfi_buf_add_idz(b, top->id);
    hfi_buf_addl(b, ",\"version\":");
    hfi_buf_add_i64(b, top->version);
    hfi_buf_addl(b, ",\"step\":");
    hfi_buf_add_idz(b, hfi_cur(s)->id);
    if (s->depth > 1) {
        hfi_buf_addl(b, ",\"subflow\":");
        hfi_buf_add_idz(b, hfi_top(s)->flow->id);
    }
    hfi_buf_addl(b, ",\"status\":\"");
    hfi_buf_adds(b, hf_status_name(s->status));
    hfi_buf_addl(b, "\",\"ui\":[");
    if (e->ui.len)
        hfi_buf_add(b, e->ui.p, e->ui.len);
    hfi_buf_addc(b, ']');
    if (s->status == HF_STATUS_ESCALATED && s->escalation) {
        hfi_buf_addl(b, ",\"escalation\":");
        hfi_buf_adds(b, s->escalation);
    } else if (s->status <= HF_STATUS_ACTION) {
        expects(s, b);
    }
    hfi_buf_addc(b, '}');
    if (b->oom || e->ui.oom)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    char *out = s->out_static ? hfi_alloc(e, b->len + 1)
                              : hfi_realloc(e, s->out, s->out ? s->out_len + 1 : 0, b->len + 1);
    if (!out)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    memcpy(out, b->p, b->len + 1);
    s->out = out;
    s->out_len = b->len;
    s->out_static = false;
    return HF_OK;
}

/* The ui array of an output, without its brackets. */
const char *hfi_output_ui(const hf_session *s, size_t *len)
{
    static const char mark[] = ",\"ui\":[";
    const char *p = s->out ? strstr(s->out, mark) : NULL;
    if (!p) {
        *len = 0;
        return "";
    }
    p += sizeof mark - 2;
    const char *end = hfi_json_skip(p, s->out + s->out_len);
    *len = (size_t)(end - p) - 2;
    return p + 1;
}
