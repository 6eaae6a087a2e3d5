/*
 * describe.c — a loaded flow as JSON, for the tools that draw, lint and measure flows
 * (hf_flow_describe). Each step lists the transitions the interpreter can take out of it,
 * labelled exactly as run.c reports taking them to the trace hook, so that a coverage tool can
 * match what sessions did against what a flow can do, edge for edge.
 */
#include <string.h>

#include "internal.h"

/* A comma before every item of a list but the first. */
static void sep(hfi_buf *b, uint32_t *n)
{
    if ((*n)++)
        hfi_buf_addc(b, ',');
}

static void add_list(hfi_buf *b, const char *items, bool bare)
{
    if (!items) {
        hfi_buf_addl(b, "null");
    } else if (bare) {
        hfi_buf_addc(b, '[');
        hfi_buf_adds(b, items);
        hfi_buf_addc(b, ']');
    } else {
        hfi_buf_adds(b, items);
    }
}

static void add_str_or_null(hfi_buf *b, const char *s)
{
    if (s)
        hfi_buf_add_jstrz(b, s);
    else
        hfi_buf_addl(b, "null");
}

/* ---- texts --------------------------------------------------------------------------- */

/* {"where": where + name, "literal" | "key" | "fn": ...}; nothing for an absent text. */
static void add_text(hfi_buf *b, uint32_t *n, const char *where, const char *name,
                     const hfi_text *t)
{
    if (t->kind == HFI_TEXT_NONE)
        return;
    sep(b, n);
    hfi_buf_addl(b, "{\"where\":\"");
    hfi_buf_adds(b, where);
    if (name)
        hfi_buf_adds(b, name); /* a choice id: an identifier */
    if (t->kind == HFI_TEXT_LIT) {
        hfi_buf_addl(b, "\",\"literal\":");
        hfi_buf_adds(b, t->json);
    } else if (t->kind == HFI_TEXT_KEY) {
        hfi_buf_addl(b, "\",\"key\":");
        hfi_buf_add_jstrz(b, t->s);
    } else {
        hfi_buf_addl(b, "\",\"fn\":true");
    }
    hfi_buf_addc(b, '}');
}

/* Whether member name k (klen bytes) holds no text for people: the component's type, an id,
 * a link's url. */
static bool not_text(const char *k, uint32_t klen)
{
    static const char *const names[] = {"type", "id", "url"};
    for (size_t i = 0; k && i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == klen && memcmp(names[i], k, klen) == 0)
            return true;
    return false;
}

/* A static component list's texts: each of its strings, at any depth, but the values of
 * "type", "id" and "url". A list a function computes (or holding t"key" markers) is one
 * {"where":"components","fn":true}. */
static int add_components(hf_engine *e, hfi_buf *b, uint32_t *n, const hfi_step *st)
{
    if (st->components_fn != HFI_NONE) {
        sep(b, n);
        hfi_buf_addl(b, "{\"where\":\"components\",\"fn\":true}");
        return HF_OK;
    }
    if (!st->components_json)
        return HF_OK;
    hfi_jdoc d = {.e = e};
    hfi_buf_init(&d.strings, e);
    int rc = hfi_jparse(&d, st->components_json, strlen(st->components_json));
    /* nodes are in document order: a walk over the array visits every string */
    for (uint32_t i = 0; rc == HF_OK && i < d.n; i++) {
        const hfi_jnode *nd = &d.nodes[i];
        if (nd->type != HFI_J_STRING || not_text(nd->key, nd->klen))
            continue;
        size_t len;
        const char *s = hfi_jstr(&d, (int)i, &len);
        if (!s) {
            rc = HF_ENOMEM;
            break;
        }
        sep(b, n);
        hfi_buf_addl(b, "{\"where\":\"components\",\"literal\":");
        hfi_buf_add_jstr(b, s, len);
        hfi_buf_addc(b, '}');
    }
    hfi_jdoc_free(&d);
    return rc;
}

/* ---- edges --------------------------------------------------------------------------- */

/* {"to", "via": via + (name, or num when not 0), "label"}; label is JSON text. */
static void add_edge(hfi_buf *b, uint32_t *n, const hfi_flow *f, int to, const char *via,
                     const char *name, uint32_t num, const char *label)
{
    sep(b, n);
    hfi_buf_addl(b, "{\"to\":");
    hfi_buf_add_idz(b, f->steps[to].id);
    hfi_buf_addl(b, ",\"via\":\"");
    hfi_buf_adds(b, via);
    if (name)
        hfi_buf_adds(b, name);
    else if (num)
        hfi_buf_add_i64(b, num);
    hfi_buf_addl(b, "\",\"label\":");
    hfi_buf_adds(b, label);
    hfi_buf_addc(b, '}');
}

/* A choice's label for a graph: its literal, its key as t"key", or its id when a function
 * computes it. */
static void choice_label(hfi_buf *out, const hfi_choice *ch)
{
    hfi_buf_reset(out);
    if (ch->label.kind == HFI_TEXT_LIT) {
        hfi_buf_adds(out, ch->label.json);
        return;
    }
    hfi_buf k;
    hfi_buf_init(&k, out->e);
    if (ch->label.kind == HFI_TEXT_KEY) {
        hfi_buf_addl(&k, "t\"");
        hfi_buf_adds(&k, ch->label.s);
        hfi_buf_addc(&k, '"');
    } else {
        hfi_buf_adds(&k, ch->id);
    }
    hfi_buf_add_jstr(out, k.p ? k.p : "", k.len);
    out->oom |= k.oom;
    hfi_buf_free(&k);
}

/* The step's own go / next, as the trace reports taking them: via NULL is "go", or "next:N"
 * for a list of branches ("when" / "otherwise"); else every branch is via, labelled label. */
static void add_next(hfi_buf *b, uint32_t *n, const hfi_flow *f, const hfi_step *st,
                     const char *via, const char *label)
{
    for (uint32_t i = 0; i < st->nnext; i++) {
        const hfi_trans *t = &st->next[i];
        if (via)
            add_edge(b, n, f, t->go, via, NULL, 0, label);
        else if (st->next_list)
            add_edge(b, n, f, t->go, "next:", NULL, i + 1,
                     t->when != HFI_NONE ? "\"when\"" : "\"otherwise\"");
        else
            add_edge(b, n, f, t->go, "go", NULL, 0, "\"\"");
    }
}

/* Mirrors run.c: what each kind does on the way out. */
static int add_edges(hf_engine *e, hfi_buf *b, const hfi_flow *f, const hfi_step *st)
{
    uint32_t n = 0;
    hfi_buf label;
    hfi_buf_init(&label, e);
    hfi_buf_addc(b, '[');
    switch (st->kind) {
    case HFI_SAY:
        if (!st->nchoices) { /* with choices, the step's go is only the choices' default */
            add_next(b, &n, f, st, NULL, NULL);
            break;
        }
        for (uint32_t i = 0; i < st->nchoices; i++) {
            const hfi_choice *ch = &st->choices[i];
            choice_label(&label, ch);
            add_edge(b, &n, f, ch->to.go, "choice:", ch->id, 0, label.p ? label.p : "\"\"");
        }
        break;
    case HFI_ASK:
    case HFI_DECIDE:
        add_next(b, &n, f, st, NULL, NULL);
        break;
    case HFI_ACTION:
        add_next(b, &n, f, st, NULL, NULL);
        if (st->on_error != HFI_NONE)
            add_edge(b, &n, f, st->on_error, "on_error", NULL, 0, "\"on_error\"");
        break;
    case HFI_CALL:
        add_next(b, &n, f, st, "return", "\"resolved\"");
        break;
    case HFI_WAIT:
        if (st->event) {
            hfi_buf_add_jstrz(&label, st->event);
            add_next(b, &n, f, st, "event", label.p ? label.p : "\"\"");
        }
        if (st->timeout && st->on_timeout != HFI_NONE)
            add_edge(b, &n, f, st->on_timeout, "timeout", NULL, 0, "\"timeout\"");
        else if (st->timeout)
            add_next(b, &n, f, st, "timeout", "\"timeout\"");
        break;
    default: /* resolved, escalate: the end (a subflow's resolved goes on at its call's go,
              * which the calling step's "return" edge describes) */
        break;
    }
    hfi_buf_addc(b, ']');
    int rc = label.oom ? HF_ENOMEM : HF_OK;
    hfi_buf_free(&label);
    return rc;
}

/* ---- steps --------------------------------------------------------------------------- */

static int add_step(hf_engine *e, hfi_buf *b, const hfi_flow *f, const hfi_step *st)
{
    hfi_buf_addl(b, "{\"id\":");
    hfi_buf_add_idz(b, st->id);
    hfi_buf_addl(b, ",\"kind\":\"");
    hfi_buf_adds(b, hfi_kind_names[st->kind]);
    hfi_buf_addl(b, "\",\"final\":");
    hfi_buf_adds(b, st->kind == HFI_RESOLVED || st->kind == HFI_ESCALATE ? "true" : "false");
    switch (st->kind) {
    case HFI_ASK:
        hfi_buf_addl(b, ",\"input\":\"");
        hfi_buf_adds(b, hfi_input_names[st->input]);
        hfi_buf_addl(b, "\",\"save\":");
        add_str_or_null(b, st->save);
        break;
    case HFI_ACTION:
        hfi_buf_addl(b, ",\"call\":");
        add_str_or_null(b, st->call);
        hfi_buf_addl(b, ",\"args\":");
        /* a static table's keys; null: a function computes them; none: [] (the host gets {}) */
        hfi_buf_adds(b, st->args_keys ? st->args_keys : st->args != HFI_NONE ? "null" : "[]");
        hfi_buf_addl(b, ",\"save\":");
        add_str_or_null(b, st->save);
        break;
    case HFI_CALL:
        hfi_buf_addl(b, ",\"flow\":");
        add_str_or_null(b, st->subflow);
        break;
    case HFI_WAIT:
        hfi_buf_addl(b, ",\"event\":");
        add_str_or_null(b, st->event);
        hfi_buf_addl(b, ",\"timeout\":");
        if (st->timeout)
            hfi_buf_add_i64(b, st->timeout);
        else
            hfi_buf_addl(b, "null");
        hfi_buf_addl(b, ",\"save\":");
        add_str_or_null(b, st->save);
        break;
    case HFI_ESCALATE:
        hfi_buf_addl(b, ",\"reason\":");
        add_str_or_null(b, st->reason);
        hfi_buf_addl(b, ",\"skills\":");
        add_list(b, st->skills_json, false);
        hfi_buf_addl(b, ",\"priority\":");
        add_str_or_null(b, st->priority);
        break;
    default:
        break;
    }
    hfi_buf_addl(b, ",\"flags\":");
    add_list(b, st->flags_json ? st->flags_json : "", true);
    hfi_buf_addl(b, ",\"texts\":[");
    uint32_t n = 0;
    add_text(b, &n, "text", NULL, &st->text);
    for (uint32_t i = 0; i < st->nchoices; i++)
        add_text(b, &n, "choice:", st->choices[i].id, &st->choices[i].label);
    int rc = add_components(e, b, &n, st);
    hfi_buf_addl(b, "],\"edges\":");
    if (rc == HF_OK)
        rc = add_edges(e, b, f, st);
    hfi_buf_addc(b, '}');
    return rc;
}

/* ---- the flow ------------------------------------------------------------------------ */

typedef const char *(*name_fn)(const hfi_flow *f, uint32_t i);

/* The index of the least of n (distinct) names above `after` (NULL: the least), or n. Locales
 * and intents are listed in name order: the flow keeps them as the Lua table listed them,
 * which is no order a reader, or a diff, can rely on. */
static uint32_t next_by_name(name_fn name, const hfi_flow *f, uint32_t n, const char *after)
{
    uint32_t best = n;
    for (uint32_t i = 0; i < n; i++)
        if ((!after || strcmp(name(f, i), after) > 0) &&
            (best == n || strcmp(name(f, i), name(f, best)) < 0))
            best = i;
    return best;
}

static const char *locale_name(const hfi_flow *f, uint32_t i) { return f->locales[i].name; }
static const char *intent_name(const hfi_flow *f, uint32_t i) { return f->on[i].name; }

/* Each locale, in name order, with its keys (sorted as they are kept): as a list under
 * "locales", or with the texts themselves under "strings", so that tools can measure and show
 * them without running the flow. */
static void add_locales(hfi_buf *b, const hfi_flow *f, bool texts)
{
    hfi_buf_adds(b, texts ? ",\"strings\":{" : ",\"locales\":{");
    const char *last = NULL;
    for (uint32_t i; (i = next_by_name(locale_name, f, f->nlocales, last)) < f->nlocales;) {
        const hfi_locale *l = &f->locales[i];
        if (last)
            hfi_buf_addc(b, ',');
        last = l->name;
        hfi_buf_add_jstrz(b, l->name);
        hfi_buf_addc(b, ':');
        hfi_buf_addc(b, texts ? '{' : '[');
        for (uint32_t k = 0; k < l->n; k++) {
            if (k)
                hfi_buf_addc(b, ',');
            hfi_buf_add_jstrz(b, l->keys[k]);
            if (texts) {
                hfi_buf_addc(b, ':');
                hfi_buf_add_jstrz(b, l->texts[k]);
            }
        }
        hfi_buf_addc(b, texts ? '}' : ']');
    }
    hfi_buf_addc(b, '}');
}

static void add_intents(hfi_buf *b, const hfi_flow *f)
{
    hfi_buf_addl(b, ",\"intents\":[");
    const char *last = NULL;
    for (uint32_t i; (i = next_by_name(intent_name, f, f->non, last)) < f->non;) {
        const hfi_intent *in = &f->on[i];
        if (last)
            hfi_buf_addc(b, ',');
        last = in->name;
        hfi_buf_addl(b, "{\"name\":");
        hfi_buf_add_jstrz(b, in->name);
        hfi_buf_addl(b, ",\"to\":");
        add_str_or_null(b, in->target != HFI_NONE ? f->steps[in->target].id : NULL);
        hfi_buf_addc(b, '}');
    }
    hfi_buf_addc(b, ']');
}

/* Only what the flow's policy sets; the engine's options supply the rest. */
static void add_policy(hfi_buf *b, const hfi_flow *f)
{
    uint32_t n = 0;
    hfi_buf_addl(b, ",\"policy\":{");
    if (f->has_max_retries) {
        sep(b, &n);
        hfi_buf_addl(b, "\"max_retries\":");
        hfi_buf_add_i64(b, f->max_retries);
    }
    if (f->max_visits) {
        sep(b, &n);
        hfi_buf_addl(b, "\"max_visits\":");
        hfi_buf_add_i64(b, f->max_visits);
    }
    if (f->repeat_failures || f->repeat_within) {
        uint32_t m = 0;
        sep(b, &n);
        hfi_buf_addl(b, "\"repeat_contact\":{");
        if (f->repeat_failures) {
            sep(b, &m);
            hfi_buf_addl(b, "\"failures\":");
            hfi_buf_add_i64(b, f->repeat_failures);
        }
        if (f->repeat_within) {
            sep(b, &m);
            hfi_buf_addl(b, "\"within\":");
            hfi_buf_add_i64(b, f->repeat_within);
        }
        hfi_buf_addc(b, '}');
    }
    if (f->flagprio) {
        sep(b, &n);
        hfi_buf_addl(b, "\"flag_priority\":{");
        for (uint32_t i = 0; i < f->nflagprio; i++) {
            if (i)
                hfi_buf_addc(b, ',');
            hfi_buf_add_jstrz(b, f->flagprio[i].flag);
            hfi_buf_addc(b, ':');
            hfi_buf_add_jstrz(b, f->flagprio[i].priority);
        }
        hfi_buf_addc(b, '}');
    }
    hfi_buf_addc(b, '}');
}

int hf_flow_describe(hf_engine *e, const char *flow_id, int64_t version, const char **json,
                     size_t *len)
{
    if (json)
        *json = NULL;
    if (len)
        *len = 0;
    if (!e)
        return HF_EMISUSE;
    if (!flow_id || !json)
        return hfi_fail(e, HF_EMISUSE, "hf_flow_describe needs a flow id and json");
    const hfi_flow *f = hfi_engine_find_version(e, flow_id, version);
    if (!f) {
        if (version && hfi_engine_find(e, flow_id))
            hfi_seterrf(e, "flow '%.200s' has no version %lld loaded", flow_id,
                        (long long)version);
        else
            hfi_seterrf(e, "no flow '%.200s' is loaded", flow_id);
        return HF_ENOTFOUND;
    }
    hfi_buf *b = &e->scratch;
    hfi_buf_reset(b);
    hfi_buf_addl(b, "{\"id\":");
    hfi_buf_add_idz(b, f->id);
    hfi_buf_addl(b, ",\"version\":");
    hfi_buf_add_i64(b, f->version);
    hfi_buf_addl(b, ",\"title\":");
    add_str_or_null(b, f->title);
    hfi_buf_addl(b, ",\"source\":");
    add_str_or_null(b, f->source_name); /* NULL if copying it failed at load */
    hfi_buf_addl(b, ",\"start\":");
    hfi_buf_add_idz(b, f->steps[f->start].id);
    hfi_buf_addl(b, ",\"triggers\":");
    hfi_buf_adds(b, f->triggers_json ? f->triggers_json : "[]");
    hfi_buf_addl(b, ",\"default_locale\":");
    add_str_or_null(b, f->nlocales ? f->locales[f->default_locale].name : NULL);
    add_locales(b, f, false);
    add_locales(b, f, true);
    add_intents(b, f);
    add_policy(b, f);
    hfi_buf_addl(b, ",\"skills\":");
    add_list(b, f->skills_json, false);
    hfi_buf_addl(b, ",\"priority\":");
    add_str_or_null(b, f->priority);
    hfi_buf_addl(b, ",\"steps\":[");
    int rc = HF_OK;
    for (uint32_t i = 0; rc == HF_OK && i < f->nsteps; i++) { /* in id order, as compiled */
        if (i)
            hfi_buf_addc(b, ',');
        rc = add_step(e, b, f, &f->steps[i]);
    }
    hfi_buf_addl(b, "]}");
    if (rc != HF_OK || b->oom)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    *json = b->p;
    if (len)
        *len = b->len;
    return HF_OK;
}
