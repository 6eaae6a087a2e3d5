/*
 * internal.h — what the engine's files share. Nothing here is public; every name is hfi_.
 *
 * The architecture, one file each:
 *   alloc.c          the engine's allocator hook, memory accounting and the Lua heap cap
 *   buf.c            growable byte buffers and JSON text writing (escaping, numbers, UTF-8)
 *   jparse.c         the strict reader of the JSON a host sends (contexts, events)
 *   json.c           Lua values <-> JSON text; editing canonical objects in place
 *   sandbox.c        the Lua state: whitelisted environment, budgets, protected calls
 *   dsl.c            the flow DSL's constructors (flow, say, ask, ..., t)
 *   ctxview.c        the read-only view of the context that flow functions see
 *   compile.c        a flow's Lua description -> an immutable C graph; graph checks
 *   compile_step.c   ... each step kind's fields
 *   compile_fields.c ... reading typed fields, reporting problems
 *   freeze.c         making flow code unable to keep state between calls
 *   fncall.c         calling flow functions: guards, texts, args, validators, set values
 *   text.c           localised strings
 *   input.c          typed inputs (number, money, date, email, phone, text)
 *   engine.c         the public engine API
 *   session.c        the public session API: starting, events, rejections
 *   run.c            the interpreter: entering steps and following transitions
 *   escalate.c       the escalation policy, summaries and the repeat-contact rule
 *   output.c         the output JSON the host renders
 *   describe.c       hf_flow_describe: a loaded flow's steps and transitions, for tools
 *   route_load.c     the backend's routing config (route.h)
 *   route.c          ... the routing decision: rules, overflow, explain
 *   erlang.c         ... Erlang C, for expected waits and service levels
 *   bundle.c         signed flow bundles: packing, verifying, loading all-or-nothing
 *   snapshot.c       snapshots: the envelope, compression, checksums and keys
 *   deflate.c        ... a small raw deflate encoder for their payloads
 *   snapshot_state.c ... the session's state as their JSON payload, and back
 *   replay.c         event logs, deterministic replay, and migrating sessions between versions
 */
#ifndef HF_INTERNAL_H
#define HF_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "helpflow.h"

/* ---- buffers ------------------------------------------------------------------------- */

typedef struct hfi_buf {
    char *p;
    size_t len, cap;
    hf_engine *e; /* allocations go through the engine's hook */
    bool oom;     /* a growth failed: contents are truncated */
} hfi_buf;

void hfi_buf_init(hfi_buf *b, hf_engine *e);
void hfi_buf_free(hfi_buf *b);
void hfi_buf_reset(hfi_buf *b);
bool hfi_buf_reserve(hfi_buf *b, size_t extra);
void hfi_buf_add(hfi_buf *b, const char *s, size_t n);
void hfi_buf_adds(hfi_buf *b, const char *s);
/* A string literal, its length known at compile time. */
#define hfi_buf_addl(b, lit) hfi_buf_add((b), (lit), sizeof(lit) - 1)
void hfi_buf_addc(hfi_buf *b, char c);
void hfi_buf_add_i64(hfi_buf *b, int64_t v);
void hfi_buf_add_num(hfi_buf *b, double v); /* JSON number; non-finite -> null */
/* A JSON string literal, quotes included; invalid UTF-8 becomes U+FFFD. */
void hfi_buf_add_jstr(hfi_buf *b, const char *s, size_t n);
void hfi_buf_add_jstrz(hfi_buf *b, const char *s);
/* An identifier (hfi_ident_ok) as a JSON string: nothing to escape. */
void hfi_buf_add_idz(hfi_buf *b, const char *s);
/* Letters, digits and _ . - : only: step, choice, flow, action and event names. */
bool hfi_ident_ok(const char *s);
/* Writes code point cp as UTF-8; returns its length (1..4). */
size_t hfi_utf8_put(char out[4], unsigned long cp);
/* The value of four hex digits, or -1. */
long hfi_hex4(const char *p);
/* The buffer's contents as a new NUL-terminated allocation of exactly len + 1 bytes. */
char *hfi_buf_dup(hfi_buf *b, size_t *len);

/* ---- jparse: the strict reader of the host's JSON -------------------------------------- */

enum { HFI_J_NULL, HFI_J_FALSE, HFI_J_TRUE, HFI_J_NUMBER, HFI_J_STRING, HFI_J_ARRAY,
       HFI_J_OBJECT };

typedef struct hfi_jnode {
    uint8_t type;
    bool esc, kesc;          /* the value / the member name has escapes */
    const char *s;           /* strings: contents between the quotes; others: the text */
    uint32_t n;
    const char *key;         /* object members: the name, between its quotes */
    uint32_t klen;
    uint32_t count;          /* arrays and objects: items */
    double num;
    int child, next;         /* node indices, -1 for none */
    uint32_t unescaped, ulen; /* hfi_jstr's cache: offset + 1 in strings */
} hfi_jnode;

typedef struct hfi_jdoc {
    hf_engine *e;
    hfi_jnode *nodes;        /* node 0 is the root */
    uint32_t n, cap;
    hfi_buf strings;         /* unescaped strings */
    char err[96];
} hfi_jdoc;

/* Parses len bytes as one JSON value; HF_EINVAL (d->err says why and where) or HF_ENOMEM. */
int hfi_jparse(hfi_jdoc *d, const char *text, size_t len);
void hfi_jdoc_free(hfi_jdoc *d);
/* The member of object obj named key (the last one, if repeated), or -1. */
int hfi_jget(hfi_jdoc *d, int obj, const char *key);
/* A string node's value, unescaped and NUL-terminated; NULL if i is not a string. Valid until
 * the next parse. */
const char *hfi_jstr(hfi_jdoc *d, int i, size_t *len);
/* Writes node i as canonical JSON (keys sorted, the last duplicate kept), leaving out the top
 * object's members named in skip (NULL-terminated, or NULL). i < 0 writes null. */
bool hfi_jwrite(hfi_jdoc *d, int i, hfi_buf *b, const char *const *skip);
static inline int hfi_jtype(const hfi_jdoc *d, int i) { return i < 0 ? -1 : d->nodes[i].type; }

/* Whether any of the eight bytes in x is a control character (< 0x20), '"', '\\' or
 * non-ASCII: the bytes a JSON string cannot take as they are, or must check. */
static inline bool hfi_swar_special(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
    uint64_t lt20 = (x - ones * 0x20) & ~x;            /* high bit set where byte < 0x20 */
    uint64_t zq = (q - ones) & ~q, zb = (bs - ones) & ~bs; /* ... where byte == '"', '\\' */
    return ((lt20 | zq | zb) & high) || (x & high);
}

/* ---- allocation ---------------------------------------------------------------------- */

void *hfi_alloc(hf_engine *e, size_t n);
void *hfi_realloc(hf_engine *e, void *p, size_t old, size_t n);
void hfi_free(hf_engine *e, void *p, size_t n);
char *hfi_strdup(hf_engine *e, const char *s);
char *hfi_strndup(hf_engine *e, const char *s, size_t n);
void hfi_strfree(hf_engine *e, char *s);
/* Zeroed blocks that remember their size: hfi_sfree() needs no length. */
void *hfi_salloc(hf_engine *e, size_t n);
void hfi_sfree(hf_engine *e, void *p);
void *hfi_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/* ---- flows --------------------------------------------------------------------------- */

enum hfi_kind {
    HFI_SAY,
    HFI_ASK,
    HFI_ACTION,
    HFI_DECIDE,
    HFI_CALL,
    HFI_WAIT,
    HFI_RESOLVED,
    HFI_ESCALATE,
    HFI_NKINDS
};
extern const char *const hfi_kind_names[HFI_NKINDS];

enum hfi_input { HFI_IN_TEXT, HFI_IN_NUMBER, HFI_IN_MONEY, HFI_IN_DATE, HFI_IN_EMAIL, HFI_IN_PHONE,
                 HFI_NINPUTS };
extern const char *const hfi_input_names[HFI_NINPUTS];

#define HFI_NONE (-1)   /* no step / no function */

enum hfi_text_kind { HFI_TEXT_NONE, HFI_TEXT_LIT, HFI_TEXT_KEY, HFI_TEXT_FN };
typedef struct hfi_text {
    uint8_t kind;
    char *s;  /* literal or key */
    char *json; /* a literal as a JSON string, quotes included */
    int ref;  /* function, in the engine's function table */
} hfi_text;

typedef struct hfi_set {
    char *key;
    char *json;  /* a constant value, or NULL */
    int fn;      /* else a function of ctx */
} hfi_set;

typedef struct hfi_trans {
    int when;      /* guard function or HFI_NONE */
    int go;        /* target step index */
    hfi_set *set;  /* context updates, in key order */
    uint32_t nset;
} hfi_trans;

typedef struct hfi_choice {
    char *id;
    hfi_text label;
    hfi_trans to;
} hfi_choice;

typedef struct hfi_step {
    char *id;
    uint8_t kind;
    uint8_t input;
    hfi_text text;
    char *components_json;   /* static components, "[...]" */
    int components_fn;       /* ref of a function or a table with t"" or functions */
    hfi_choice *choices;
    uint32_t nchoices;
    hfi_trans *next;         /* go / next, in order */
    uint32_t nnext;
    bool next_list;          /* next was a list of branches: traced "next:N", not "go" */
    int validate;
    char *save;
    char *call;              /* action name */
    int args;
    char *args_keys;         /* a static args table's keys, sorted, as JSON "[...]" (describe.c);
                              * NULL when args is a function or absent */
    int on_error;
    char *subflow;
    char *event;
    int64_t timeout;         /* seconds; 0 none */
    int on_timeout;
    char *reason;
    char *skills_json;       /* "[...]" */
    const char *priority;    /* static string */
    char *flags_json;        /* items, no brackets: "\"fraud\",\"vip\"" */
    int summary;
} hfi_step;

typedef struct hfi_locale {
    char *name;
    uint32_t n;
    char **keys;  /* sorted */
    char **texts;
} hfi_locale;

typedef struct hfi_flagprio {
    char *flag;
    const char *priority; /* the least priority an escalation with the flag gets */
} hfi_flagprio;

typedef struct hfi_intent {
    char *name;
    int target;   /* step index, or HFI_NONE when disabled */
} hfi_intent;

typedef struct hfi_flow {
    char *id;
    int64_t version;
    char *title;
    char *source_name;
    char *triggers_json;
    hfi_step *steps;
    uint32_t nsteps;
    uint32_t start;
    /* policy; 0 = engine default */
    uint32_t max_retries, max_visits, repeat_failures;
    int64_t repeat_within;
    bool has_max_retries;
    hfi_flagprio *flagprio; /* policy.flag_priority; NULL: the engine's defaults */
    uint32_t nflagprio;
    hfi_locale *locales;
    uint32_t nlocales;
    uint32_t default_locale;
    char *skills_json;
    const char *priority;
    hfi_intent *on;
    uint32_t non;
    int migrate;
    int upvalues;  /* ref of the table of upvalues to restore after each call */
    /* BLAKE2b-256 of the source: a bundle may bring a loaded version again only with the
     * same content (bundle.c) */
    unsigned char hash[32];
} hfi_flow;

/* ---- engine -------------------------------------------------------------------------- */

struct hf_engine {
    hf_engine_options opt;
    size_t c_bytes;     /* outside Lua */
    /* allocations the host's allocator refused, ever: hf_replay() (replay.c) cannot vouch for
     * a session rebuilt while one failed, even if the session absorbed it */
    uint64_t alloc_failures;
    size_t lua_bytes;
    size_t lua_limit;   /* cap on lua_bytes; raised while the engine itself works */
    lua_State *L;
    atomic_int interrupt;
    int64_t budget;     /* instructions left in the running call */
    bool killed;        /* the running call is over budget: the hook keeps raising */
    int fns;            /* registry ref: the table of every flow function, by integer ref */
    int kinds;          /* registry ref: weak table, DSL object -> its kind */
    int tmarks;         /* registry ref: weak table, t"key" marker -> key */
    int viewmt;         /* registry ref: the metatable of context views */
    int nfns;
    hfi_flow **flows;
    uint32_t nflows, capflows;
    hf_session *sessions; /* live sessions, to free with the engine */
    hfi_buf err;        /* last error message */
    hfi_buf scratch;    /* replies with errors, flow lists */
    hfi_buf ui;         /* ui components of the event in progress */
    hfi_buf out;        /* output being built */
    hfi_buf tmp;
    hfi_buf ev;         /* values taken from the event in progress */
    hfi_jdoc doc;       /* the event or context being read */
    /* the read-only view of one session's context, kept until that context changes */
    const hf_session *view_of;
    uint64_t view_gen;
    struct hfi_routing *routing; /* the routing config (route.c), or NULL */
    /* snapshots (snapshot.c): the reused deflate/inflate streams, and the host's key copies */
    struct hfi_snap *snap;
    hfi_buf snapbuf;    /* the last snapshot, inspection or replay outputs */
    unsigned char snapshot_key[32];
    unsigned char bundle_key[32];
};

void hfi_seterr(hf_engine *e, const char *msg);
void hfi_seterrf(hf_engine *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
int hfi_fail(hf_engine *e, int code, const char *msg);
hfi_flow *hfi_engine_find(hf_engine *e, const char *id); /* newest version */
hfi_flow *hfi_engine_find_version(hf_engine *e, const char *id, int64_t version); /* 0: newest */
/* Whether p points into one of the engine's own buffers: text the engine returned (an error
 * message, a reply with an error, inspect's JSON, a decision, a flow list) that the call it
 * is passed to may overwrite or move while reading it. The public functions taking text read
 * such input from a copy. */
bool hfi_owned(const hf_engine *e, const void *p);
void hfi_flow_free(hf_engine *e, hfi_flow *f);
/* Loading flows in steps, for bundles (bundle.c), which stage several flows and keep them only
 * if all load. hfi_engine_load: hf_engine_load_string() giving the flow itself.
 * hfi_engine_unload: takes out and frees a flow no session has used (one just loaded).
 * hfi_engine_forget_fns: forgets the functions stored from ref `first` on, once the flows
 * holding them are gone. */
int hfi_engine_load(hf_engine *e, const char *src, size_t len, const char *name,
                    hfi_flow **out);
void hfi_engine_unload(hf_engine *e, hfi_flow *f);
void hfi_engine_forget_fns(hf_engine *e, int first);

/* ---- sandbox ------------------------------------------------------------------------- */

int hfi_sandbox_open(hf_engine *e);
/* Runs fn(L, ud) in protected mode; on error, stores the message in e->err and returns it. */
int hfi_protect(hf_engine *e, int (*fn)(lua_State *L), void *ud, char *errbuf, size_t errlen);
/* Inside a protected function: calls the function below nargs arguments under the budget. */
void hfi_budget_call(hf_engine *e, int nargs, int nresults);
/* The same, going on with what is left of the budget (e->budget) rather than a fresh one:
 * for several calls that together get one budget (the rules of one routing decision). */
void hfi_budget_continue(hf_engine *e, int nargs, int nresults);
/* Charges the running call for work done in C; raises when over budget. */
void hfi_budget_charge(lua_State *L, size_t units);
hf_engine *hfi_engine_of(lua_State *L);
/* Replaces the table at idx by a read-only view of it (a proxy: writes raise). */
void hfi_readonly(lua_State *L, int idx);
/* If the value at idx is a read-only view (sandbox.c), pushes the table it shows; else 0. */
int hfi_readonly_target(lua_State *L, int idx);

/* ---- dsl ----------------------------------------------------------------------------- */

void hfi_dsl_open(lua_State *L, int env);
/* If the value at idx is a DSL object, its kind ("flow", "say", ...); else NULL. */
const char *hfi_dsl_kind(lua_State *L, int idx);
/* If the value at idx is a t"key" marker, pushes nothing and returns the key; else NULL. */
const char *hfi_dsl_tkey(lua_State *L, int idx);

/* ---- json ---------------------------------------------------------------------------- */

typedef struct hfi_jopts {
    const hfi_flow *flow;   /* to resolve t"key" markers, or NULL */
    const char *locale;
} hfi_jopts;

/* Encodes the value at idx as JSON; raises a Lua error on functions, cycles, bad keys. */
void hfi_json_encode(lua_State *L, int idx, hfi_buf *b, const hfi_jopts *o);
/* Pushes the value of JSON text (which must be valid: it was checked or written by us). */
void hfi_json_push(lua_State *L, const char *text, size_t len);
/* Writes the canonical object obj with member key set to the JSON value val, keeping the
 * members in key order. */
void hfi_json_set_member(hfi_buf *out, const char *obj, size_t len, const char *key,
                         size_t klen, const char *val, size_t vlen);

/* Past the JSON value starting at p (valid JSON). */
const char *hfi_json_skip(const char *p, const char *end);
/* Compares the escaped JSON key text p..q (between its quotes) with a plain key. */
int hfi_json_keycmp(const char *p, const char *q, const char *key, size_t klen);

/* ---- ctxview: the read-only context flow functions see ---------------------------------- */

void hfi_view_open(lua_State *L, int env);
/* Pushes a read-only view of the JSON object text (copied), whose top-level names must be
 * unique. raw: the nested values are as a host sent them (whitespace, repeated names: the last
 * wins), not the engine's canonical form. */
void hfi_view_push(lua_State *L, const char *text, size_t len, bool raw);
/* If the value at idx is a view, its JSON text; else NULL. */
const char *hfi_view_json(lua_State *L, int idx, size_t *len);

/* ---- compile / freeze ---------------------------------------------------------------- */

int hfi_compile(hf_engine *e, const char *src, size_t len, const char *name, hfi_flow **out);
/* Run inside a protected call, with the flow's spec's functions in the function table. */
void hfi_freeze_flow(lua_State *L, hf_engine *e, hfi_flow *f, int first_fn);
void hfi_restore_upvalues(lua_State *L, hf_engine *e, const hfi_flow *f);
int hfi_fn_ref(lua_State *L, hf_engine *e, int idx); /* stores a function, returns its ref */

/* ---- text ---------------------------------------------------------------------------- */

const char *hfi_text_lookup(const hfi_flow *f, const char *locale, const char *key);
/* The same without falling back: key in locale (exact, else the same language) only; NULL
 * locale: the default locale only. For texts the engine has words of its own for (input.c). */
const char *hfi_text_lookup_in(const hfi_flow *f, const char *locale, const char *key);

/* ---- input --------------------------------------------------------------------------- */

/* What is wrong with a typed input: the key of the flow's strings that words it
 * (input.<type>, or input.<type>.<problem>), the key of its type to fall back on (or NULL),
 * and the built-in English for flows that word neither. Static storage. */
typedef struct hfi_input_problem {
    const char *key, *general, *text;
} hfi_input_problem;

/* Checks and normalises a typed input. On success writes the JSON value to out and returns
 * NULL; otherwise returns the problem. */
const hfi_input_problem *hfi_input_parse(int type, const char *s, size_t n, bool is_number,
                                         double num, hfi_buf *out);
/* The words to show for problem p to a session of flow f in locale: the flow's strings (the
 * locale's, then the default locale's) or the built-in English. Valid while f is loaded. */
const char *hfi_input_message(const hfi_flow *f, const char *locale, const hfi_input_problem *p);

/* ---- sessions ------------------------------------------------------------------------ */

typedef struct hfi_frame {
    const hfi_flow *flow;
    uint32_t step;       /* current step */
    uint8_t *visits;     /* per step */
} hfi_frame;

struct hf_session {
    hf_engine *e;
    hf_session *prev, *next;
    char *id;            /* as a JSON string, quotes included */
    hfi_frame *frames;
    uint32_t depth;      /* frames in use, >= 1 */
    uint32_t capframes;
    uint8_t status;
    uint8_t expect;      /* what a waiting step waits for: HFI_EXP_* */
    uint8_t retries;     /* invalid inputs in a row at the current ask */
    uint32_t action_seq;
    uint32_t steps;      /* steps entered */
    int64_t started_at, last_at, active_at, deadline;
    int64_t finished_at;
    char *ctx;           /* the flow's context, a JSON object */
    size_t ctx_len;
    uint64_t ctx_gen;
    char *start_ctx;     /* for the restart intent */
    char *locale;
    char *path;          /* path entries, comma separated; the last one may be open */
    size_t path_len;
    bool path_open;
    bool oom;            /* an allocation failed while handling the event: it ends failed */
    bool out_static;     /* out is the static failure output, not an allocation */
    char *flags;         /* flag strings seen, JSON items */
    uint32_t *hist;      /* waiting steps entered: depth << 24 | step */
    uint32_t nhist, caphist;
    const char *reason;  /* of the escalation, or NULL */
    char *escalation;    /* the escalation object, JSON */
    char *args;          /* the pending action's args, JSON */
    int64_t now;         /* time of the event being handled */
    char *out;           /* current output */
    size_t out_len;
    char *outcome;
    struct hfi_log *log; /* the event log, with the engine's event_log option; else NULL */
};

/* A session's event log (replay.c): apart, so that sessions without one pay a pointer. */
typedef struct hfi_log {
    char *ctx;           /* the start context as given, canonical */
    int64_t version;     /* the flow version the log starts on (a migration moves the session) */
    char *text;          /* accepted events, canonical, comma separated */
    size_t len, cap;
} hfi_log;

enum { HFI_EXP_NONE, HFI_EXP_CHOICE, HFI_EXP_INPUT, HFI_EXP_EVENT, HFI_EXP_RESULT };

/* fncall.c: calls into flow code for the session s. Each returns HF_OK, or an error with the
 * message (naming file, flow and step) in e->err, which the caller turns into a flow_error
 * escalation. */
int hfi_fn_guard(hf_engine *e, hf_session *s, const hfi_flow *f, int ref, bool *out);
int hfi_fn_text(hf_engine *e, hf_session *s, const hfi_flow *f, const hfi_text *t, hfi_buf *b);
int hfi_fn_json(hf_engine *e, hf_session *s, const hfi_flow *f, int ref, hfi_buf *b);
int hfi_fn_validate(hf_engine *e, hf_session *s, const hfi_flow *f, int ref, const char *value,
                    size_t vlen, bool *ok, hfi_buf *msg);
/* Calls flow f's migrate(ctx, from): the new context goes to ctx (JSON), the step it names,
 * if any, to step (of steplen bytes, "" if none). */
int hfi_fn_migrate(hf_engine *e, hf_session *s, const hfi_flow *f, int64_t from, hfi_buf *ctx,
                   char *step, size_t steplen);
/* ctx[key] = the JSON value json. */
int hfi_ctx_assign(hf_session *s, const char *key, const char *json, size_t jlen);
/* Applies a transition's set list. */
int hfi_ctx_set(hf_session *s, const hfi_flow *f, const hfi_set *set, uint32_t n);
/* Makes text (a JSON object) the session's context. */
int hfi_ctx_replace(hf_session *s, const char *text, size_t len);
/* The same, and the session's locale becomes the one that context names (restart). */
int hfi_ctx_reset(hf_session *s, const char *text, size_t len);

/* run.c */
/* Enters step idx of the top frame and runs until the session waits, needs an action or ends.
 * via, then name when not NULL, is how the trace hook names the way in (hf_trace_fn): "start",
 * "on_error", "timeout", "intent:" + name, ... */
void hfi_run_goto(hf_session *s, int idx, const char *via, const char *name);
/* Takes one of the transitions (the first whose guard holds) from the current step. via NULL:
 * the list is the step's go or next, traced "go" or "next:N"; else as for hfi_run_goto. */
void hfi_run_take(hf_session *s, const hfi_trans *list, uint32_t n, const char *via,
                  const char *name);
/* Writes the ids of the steps the session entered, from its path, as a JSON array: "flow/step"
 * inside a subflow. HF_OK or HF_ENOMEM. */
int hfi_path_trail(hf_session *s, hfi_buf *b);
void hfi_path_answer(hf_session *s, const char *key, const char *json, size_t len);
void hfi_path_close(hf_session *s);
/* Whether a flags list ("\"a\",\"b\"") holds the JSON string item (quotes included). */
bool hfi_flags_has(const char *list, const char *item, size_t n);
void hfi_path_step(hf_session *s, const hfi_flow *f, const hfi_step *st);
bool hfi_emit_text(hf_session *s, const hfi_text *t, const char *type);
bool hfi_emit_ask(hf_session *s, const hfi_step *st);
static inline hfi_frame *hfi_top(hf_session *s) { return &s->frames[s->depth - 1]; }
static inline const hfi_step *hfi_cur(hf_session *s)
{
    hfi_frame *fr = hfi_top(s);
    return &fr->flow->steps[fr->step];
}

/* escalate.c */
void hfi_escalate(hf_session *s, const char *reason, const char *detail);
void hfi_escalate_step(hf_session *s, const hfi_step *st);
void hfi_finish(hf_session *s, int status);
bool hfi_repeat_contact(hf_session *s, hfi_jdoc *d, int prior, int64_t at);
extern const char *const hfi_priorities[4];

/* output.c */
int hfi_output(hf_session *s);
/* The ui array of the session's output, without its brackets ("" if none). */
const char *hfi_output_ui(const hf_session *s, size_t *len);

/* session.c: a new, empty session linked into the engine (free with hf_session_free), and
 * starting one on a given flow version */
hf_session *hfi_session_new(hf_engine *e);
/* Appends one entry (JSON text) to the session's event log; frees a log. */
int hfi_log_append(hf_session *s, const char *json, size_t n);
void hfi_log_free(hf_engine *e, hfi_log *log);
/* The id the engine gives a session whose start context names none: a hash of the flow
 * version, the flow's start context and the start time ("s_" and 24 hex digits). */
#define HFI_DERIVED_ID 27
void hfi_derive_id(const hfi_flow *f, const char *ctx, size_t len, int64_t at,
                   char id[HFI_DERIVED_ID]);
/* The output of a session that ran out of memory (static: the out_static case). */
extern const char hfi_failed_output[];
int hfi_session_start(hf_session **out, hf_engine *e, hfi_flow *f, const char *context_json,
                      size_t len);

/* deflate.c: a raw deflate encoder for small payloads (fixed codes, a preset dictionary) */
#define HFI_DEFLATE_DICT_MAX 2048
typedef struct hfi_deflate_dict {
    const unsigned char *p;  /* the dictionary, static */
    size_t n;
    uint32_t head[1u << 12]; /* per hash, the latest position holding it, or UINT32_MAX */
    uint32_t prev[HFI_DEFLATE_DICT_MAX];
} hfi_deflate_dict;
typedef struct hfi_deflate_state {
    uint64_t head[1u << 12]; /* generation << 32 | position */
    uint32_t *prev;          /* per input position, the one before it with the same hash */
    unsigned char *text;     /* the dictionary and the input, one after the other */
    size_t cap;              /* input positions prev and text have room for */
    uint32_t gen;
} hfi_deflate_state;
void hfi_deflate_dict_init(hfi_deflate_dict *dd, const char *dict, size_t n);
/* Appends the raw deflate stream of in to out (whose engine allocates). */
int hfi_deflate(hfi_deflate_state *z, const hfi_deflate_dict *dd, const char *in, size_t n,
                hfi_buf *out);
void hfi_deflate_free(hf_engine *e, const hfi_deflate_dict *dd, hfi_deflate_state *z);

/* snapshot.c */
void hfi_snap_free(hf_engine *e);
/* Sets the message "not a valid snapshot: why" and returns HF_EINVAL. */
int hfi_snap_bad(hf_engine *e, const char *why);
/* snapshot_state.c: the session's state as a snapshot's JSON payload, and back into a new,
 * empty session s from the parsed payload d (flow and version are the envelope's; log whether
 * it says the payload carries an event log). */
void hfi_state_write(hf_session *s, hfi_buf *b);
int hfi_state_read(hf_session *s, hfi_jdoc *d, const char *flow, int64_t version, bool log);

#endif
