/*
 * engine.c — the public engine API: options, lifecycle, loading flows, errors.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <sodium.h>

#include "internal.h"
#include "route.h"

const char *hf_version(void) { return HF_VERSION; }

const char *hf_strerror(int code)
{
    switch (code) {
    case HF_OK: return "ok";
    case HF_ERROR: return "error";
    case HF_ENOMEM: return "out of memory";
    case HF_EMISUSE: return "API misuse";
    case HF_EINVAL: return "invalid argument";
    case HF_ESYNTAX: return "flow syntax error";
    case HF_ECHECK: return "failed its load-time checks";
    case HF_ENOTFOUND: return "not found";
    case HF_EREJECTED: return "event rejected";
    case HF_EFINISHED: return "session finished";
    case HF_EIO: return "I/O error";
    case HF_EEXISTS: return "already loaded";
    default: return "unknown error";
    }
}

int hf_engine_options_init(hf_engine_options *o, uint32_t version)
{
    if (!o || version != HF_ENGINE_OPTIONS_VERSION)
        return HF_EMISUSE;
    memset(o, 0, sizeof *o);
    o->version = version;
    o->max_retries = 2;
    o->max_visits = 3;
    o->repeat_failures = 2;
    o->repeat_within = 86400;
    o->idle_timeout = 1800;
    o->instruction_limit = 1000000;
    o->memory_limit = 32u << 20;
    o->max_string = 1u << 20;
    o->max_event = 64u << 10;
    o->max_call_depth = 8;
    return HF_OK;
}

void hfi_seterr(hf_engine *e, const char *msg)
{
    hfi_buf_reset(&e->err);
    hfi_buf_adds(&e->err, msg);
}

void hfi_seterrf(hf_engine *e, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hfi_seterr(e, msg);
}

int hfi_fail(hf_engine *e, int code, const char *msg)
{
    hfi_seterr(e, msg);
    return code;
}

int hf_engine_new(hf_engine **out, const hf_engine_options *opts)
{
    if (!out)
        return HF_EMISUSE;
    *out = NULL;
    if (sodium_init() < 0)
        return HF_ERROR;
    hf_engine_options o;
    hf_engine_options_init(&o, HF_ENGINE_OPTIONS_VERSION);
    if (opts) {
        if (opts->version != HF_ENGINE_OPTIONS_VERSION)
            return HF_EMISUSE;
        /* a zero field keeps its default */
#define TAKE(f) if (opts->f) o.f = opts->f
        TAKE(max_retries); TAKE(max_visits); TAKE(repeat_failures); TAKE(repeat_within);
        TAKE(idle_timeout); TAKE(instruction_limit); TAKE(memory_limit); TAKE(max_string);
        TAKE(max_event); TAKE(max_call_depth); TAKE(alloc); TAKE(alloc_ud);
        TAKE(snapshot_key); TAKE(bundle_public_key); TAKE(event_log); TAKE(trace);
        TAKE(trace_ud);
#undef TAKE
    }
    /* the counters these bound are 8 bits; a call depth past these is no flow's */
    if (o.max_retries > 100 || o.max_visits > 250 || o.max_call_depth > 200)
        return HF_EINVAL;
    hf_engine *e = o.alloc ? o.alloc(o.alloc_ud, NULL, 0, sizeof *e) : malloc(sizeof *e);
    if (!e)
        return HF_ENOMEM;
    memset(e, 0, sizeof *e);
    e->opt = o;
    /* the keys are copied: the host's buffers need not outlive this call */
    if (o.snapshot_key) {
        memcpy(e->snapshot_key, o.snapshot_key, sizeof e->snapshot_key);
        e->opt.snapshot_key = e->snapshot_key;
    }
    if (o.bundle_public_key) {
        memcpy(e->bundle_key, o.bundle_public_key, sizeof e->bundle_key);
        e->opt.bundle_public_key = e->bundle_key;
    }
    e->c_bytes = sizeof *e;
    atomic_init(&e->interrupt, 0);
    hfi_buf_init(&e->err, e);
    hfi_buf_init(&e->scratch, e);
    hfi_buf_init(&e->ui, e);
    hfi_buf_init(&e->out, e);
    hfi_buf_init(&e->tmp, e);
    hfi_buf_init(&e->ev, e);
    hfi_buf_init(&e->snapbuf, e);
    e->doc.e = e;
    hfi_buf_init(&e->doc.strings, e);
    if (hfi_sandbox_open(e) != HF_OK) {
        hf_engine_free(e);
        return HF_ENOMEM;
    }
    *out = e;
    return HF_OK;
}

static void free_text(hf_engine *e, hfi_text *t)
{
    hfi_strfree(e, t->s);
    hfi_strfree(e, t->json);
}

static void free_trans(hf_engine *e, hfi_trans *t)
{
    for (uint32_t i = 0; t->set && i < t->nset; i++) {
        hfi_strfree(e, t->set[i].key);
        hfi_strfree(e, t->set[i].json);
    }
    hfi_sfree(e, t->set);
}

void hfi_flow_free(hf_engine *e, hfi_flow *f)
{
    if (!f)
        return;
    for (uint32_t i = 0; f->steps && i < f->nsteps; i++) {
        hfi_step *st = &f->steps[i];
        hfi_strfree(e, st->id);
        free_text(e, &st->text);
        hfi_strfree(e, st->components_json);
        for (uint32_t k = 0; st->choices && k < st->nchoices; k++) {
            hfi_strfree(e, st->choices[k].id);
            free_text(e, &st->choices[k].label);
            free_trans(e, &st->choices[k].to);
        }
        for (uint32_t k = 0; st->next && k < st->nnext; k++)
            free_trans(e, &st->next[k]);
        hfi_sfree(e, st->choices);
        hfi_sfree(e, st->next);
        hfi_strfree(e, st->save);
        hfi_strfree(e, st->call);
        hfi_strfree(e, st->args_keys);
        hfi_strfree(e, st->subflow);
        hfi_strfree(e, st->event);
        hfi_strfree(e, st->reason);
        hfi_strfree(e, st->skills_json);
        hfi_strfree(e, st->flags_json);
    }
    hfi_sfree(e, f->steps);
    for (uint32_t i = 0; f->locales && i < f->nlocales; i++) {
        hfi_locale *l = &f->locales[i];
        hfi_strfree(e, l->name);
        for (uint32_t k = 0; k < l->n; k++) {
            hfi_strfree(e, l->keys[k]);
            hfi_strfree(e, l->texts[k]);
        }
        hfi_sfree(e, l->keys);
        hfi_sfree(e, l->texts);
    }
    hfi_sfree(e, f->locales);
    for (uint32_t i = 0; f->on && i < f->non; i++)
        hfi_strfree(e, f->on[i].name);
    hfi_sfree(e, f->on);
    for (uint32_t i = 0; f->flagprio && i < f->nflagprio; i++)
        hfi_strfree(e, f->flagprio[i].flag);
    hfi_sfree(e, f->flagprio);
    hfi_strfree(e, f->id);
    hfi_strfree(e, f->title);
    hfi_strfree(e, f->source_name);
    hfi_strfree(e, f->triggers_json);
    hfi_strfree(e, f->skills_json);
    hfi_free(e, f, sizeof *f);
}

void hf_engine_free(hf_engine *e)
{
    if (!e)
        return;
    while (e->sessions)
        hf_session_free(e->sessions);
    for (uint32_t i = 0; i < e->nflows; i++)
        hfi_flow_free(e, e->flows[i]);
    hfi_free(e, e->flows, sizeof *e->flows * e->capflows);
    hfi_routing_free(e, e->routing);
    if (e->L)
        lua_close(e->L);
    hfi_buf_free(&e->err);
    hfi_buf_free(&e->scratch);
    hfi_buf_free(&e->ui);
    hfi_buf_free(&e->out);
    hfi_buf_free(&e->tmp);
    hfi_buf_free(&e->ev);
    hfi_buf_free(&e->snapbuf);
    hfi_jdoc_free(&e->doc);
    hfi_snap_free(e);
    sodium_memzero(e->snapshot_key, sizeof e->snapshot_key);
    if (e->opt.alloc)
        e->opt.alloc(e->opt.alloc_ud, e, sizeof *e, 0);
    else
        free(e);
}

const char *hf_engine_errmsg(const hf_engine *e)
{
    if (!e)
        return "no engine";
    return e->err.p ? e->err.p : "";
}

hfi_flow *hfi_engine_find(hf_engine *e, const char *id)
{
    for (uint32_t i = e->nflows; i > 0; i--)
        if (strcmp(e->flows[i - 1]->id, id) == 0)
            return e->flows[i - 1];
    return NULL;
}

static bool in_buf(const hfi_buf *b, const char *p)
{
    return b->p && p >= b->p && p < b->p + b->cap;
}

bool hfi_owned(const hf_engine *e, const void *ptr)
{
    const char *p = ptr;
    return p && (in_buf(&e->err, p) || in_buf(&e->scratch, p) || in_buf(&e->ui, p) ||
                 in_buf(&e->out, p) || in_buf(&e->tmp, p) || in_buf(&e->ev, p) ||
                 in_buf(&e->snapbuf, p) || in_buf(&e->doc.strings, p));
}

hfi_flow *hfi_engine_find_version(hf_engine *e, const char *id, int64_t version)
{
    if (version == 0)
        return hfi_engine_find(e, id);
    for (uint32_t i = 0; i < e->nflows; i++)
        if (e->flows[i]->version == version && strcmp(e->flows[i]->id, id) == 0)
            return e->flows[i];
    return NULL;
}

/* Keeps flows ordered by id, then version, so the newest of an id is the last of its run. */
static int add_flow(hf_engine *e, hfi_flow *f)
{
    uint32_t at = e->nflows;
    for (uint32_t i = 0; i < e->nflows; i++) {
        int r = strcmp(e->flows[i]->id, f->id);
        if (r == 0 && e->flows[i]->version == f->version)
            return hfi_fail(e, HF_EEXISTS, "that flow version is already loaded");
        if (r > 0 || (r == 0 && e->flows[i]->version > f->version)) {
            at = i;
            break;
        }
    }
    for (uint32_t i = at; i < e->nflows; i++) /* a later duplicate */
        if (strcmp(e->flows[i]->id, f->id) == 0 && e->flows[i]->version == f->version)
            return hfi_fail(e, HF_EEXISTS, "that flow version is already loaded");
    if (e->nflows == e->capflows) {
        uint32_t cap = e->capflows ? e->capflows * 2 : 8;
        hfi_flow **p = hfi_realloc(e, e->flows, sizeof *p * e->capflows, sizeof *p * cap);
        if (!p)
            return hfi_fail(e, HF_ENOMEM, "out of memory");
        e->flows = p;
        e->capflows = cap;
    }
    memmove(e->flows + at + 1, e->flows + at, sizeof *e->flows * (e->nflows - at));
    e->flows[at] = f;
    e->nflows++;
    return HF_OK;
}

void hfi_engine_forget_fns(hf_engine *e, int first)
{
    lua_State *L = e->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, e->fns);
    for (int i = first; i <= e->nfns; i++) {
        lua_pushnil(L);
        lua_rawseti(L, -2, i);
    }
    lua_pop(L, 1);
    if (first <= e->nfns)
        e->nfns = first - 1;
}

int hfi_engine_load(hf_engine *e, const char *source, size_t len, const char *name,
                    hfi_flow **out)
{
    *out = NULL;
    if (len >= 4 && memcmp(source, LUA_SIGNATURE, 4) == 0) {
        hfi_seterrf(e, "%s: binary chunks are not accepted: load flow source",
                    name ? name : "flow");
        return HF_ESYNTAX;
    }
    int first_fn = e->nfns + 1;
    hfi_flow *f;
    int rc = hfi_compile(e, source, len, name, &f);
    if (rc != HF_OK)
        return rc;
    crypto_generichash(f->hash, sizeof f->hash, (const unsigned char *)source, len, NULL, 0);
    rc = add_flow(e, f);
    if (rc != HF_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s: flow '%s' version %lld is already loaded",
                 f->source_name, f->id, (long long)f->version);
        hfi_flow_free(e, f);
        hfi_engine_forget_fns(e, first_fn); /* the copy's functions would stay forever */
        return hfi_fail(e, rc, msg);
    }
    *out = f;
    return HF_OK;
}

void hfi_engine_unload(hf_engine *e, hfi_flow *f)
{
    for (uint32_t i = 0; i < e->nflows; i++)
        if (e->flows[i] == f) {
            memmove(e->flows + i, e->flows + i + 1, sizeof *e->flows * (e->nflows - i - 1));
            e->nflows--;
            break;
        }
    hfi_flow_free(e, f);
}

int hf_engine_load_string(hf_engine *e, const char *source, size_t len, const char *name,
                          const char **flow_id)
{
    if (flow_id)
        *flow_id = NULL;
    if (!e)
        return HF_EMISUSE;
    if (!source)
        return hfi_fail(e, HF_EINVAL, "no source given");
    if (hfi_owned(e, source)) { /* read from a copy: see hfi_owned */
        char *copy = hfi_strndup(e, source, len);
        if (!copy)
            return hfi_fail(e, HF_ENOMEM, "out of memory");
        int rc = hf_engine_load_string(e, copy, len, name, flow_id);
        hfi_free(e, copy, len + 1);
        return rc;
    }
    hfi_flow *f;
    int rc = hfi_engine_load(e, source, len, name, &f);
    if (rc == HF_OK && flow_id)
        *flow_id = f->id;
    return rc;
}

int hf_engine_load_file(hf_engine *e, const char *path, const char **flow_id)
{
    if (flow_id)
        *flow_id = NULL;
    if (!e)
        return HF_EMISUSE;
    if (!path)
        return hfi_fail(e, HF_EINVAL, "no path given");
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        hfi_seterrf(e, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? HF_ENOTFOUND : HF_EIO;
    }
    hfi_buf b;
    hfi_buf_init(&b, e);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        hfi_buf_add(&b, chunk, n);
    int err = ferror(fp);
    fclose(fp);
    if (err || b.oom) {
        hfi_buf_free(&b);
        hfi_seterrf(e, "%s: cannot read", path);
        return err ? HF_EIO : HF_ENOMEM;
    }
    const char *base = strrchr(path, '/');
    int rc = hf_engine_load_string(e, b.p ? b.p : "", b.len, base ? base + 1 : path, flow_id);
    hfi_buf_free(&b);
    return rc;
}

int hf_engine_flows(hf_engine *e, const char **json, size_t *len)
{
    if (json)
        *json = NULL;
    if (len)
        *len = 0;
    if (!e || !json)
        return HF_EMISUSE;
    hfi_buf *b = &e->scratch;
    hfi_buf_reset(b);
    hfi_buf_addc(b, '[');
    for (uint32_t i = 0; i < e->nflows; i++) {
        const hfi_flow *f = e->flows[i];
        if (i)
            hfi_buf_addc(b, ',');
        hfi_buf_adds(b, "{\"id\":");
        hfi_buf_add_jstrz(b, f->id);
        hfi_buf_adds(b, ",\"version\":");
        hfi_buf_add_i64(b, f->version);
        hfi_buf_adds(b, ",\"title\":");
        hfi_buf_add_jstrz(b, f->title ? f->title : f->id);
        hfi_buf_adds(b, ",\"triggers\":");
        hfi_buf_adds(b, f->triggers_json ? f->triggers_json : "[]");
        hfi_buf_adds(b, ",\"start\":");
        hfi_buf_add_jstrz(b, f->steps[f->start].id);
        hfi_buf_adds(b, ",\"steps\":");
        hfi_buf_add_i64(b, f->nsteps);
        hfi_buf_adds(b, ",\"source\":");
        hfi_buf_add_jstrz(b, f->source_name);
        hfi_buf_addc(b, '}');
    }
    hfi_buf_addc(b, ']');
    if (b->oom)
        return hfi_fail(e, HF_ENOMEM, "out of memory");
    *json = b->p;
    if (len)
        *len = b->len;
    return HF_OK;
}

void hf_engine_interrupt(hf_engine *e)
{
    if (e)
        atomic_store(&e->interrupt, 1);
}

size_t hf_engine_memory(const hf_engine *e) { return e ? e->c_bytes + e->lua_bytes : 0; }
