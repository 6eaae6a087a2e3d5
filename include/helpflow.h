/*
 * helpflow.h — the public API of helpflow, an embeddable self-service flow engine.
 *
 * An engine (hf_engine) owns one sandboxed Lua 5.4 state and every flow loaded into it. A
 * session (hf_session) is one customer conversation: a state machine driven by the host one
 * event at a time. Everything crosses this boundary as UTF-8 text: contexts, events and
 * outputs are JSON (see DESIGN.md section 3), so that every binding only passes strings.
 *
 * Conventions, for every function below:
 *  - Functions returning int return HF_OK (0) or a negative HF_E* code; hf_strerror() names the
 *    code and hf_engine_errmsg() holds the detail of the last failure on that engine.
 *  - Out-parameters come first. On failure they are set to NULL / 0 and nothing changes.
 *  - Strings returned as `const char *` are owned by the library, NUL-terminated, and stay valid
 *    until the call named in the function's comment; copy them to keep them.
 *  - Threads: one engine and its sessions are used by one thread at a time. Only
 *    hf_engine_interrupt() may be called from another thread. Two engines never share state.
 *  - Passing NULL where a handle is required returns HF_EMISUSE instead of crashing; every
 *    _free() accepts NULL.
 */
#ifndef HELPFLOW_H
#define HELPFLOW_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(HF_BUILDING_SHARED)
#  define HF_API __declspec(dllexport)
#elif defined(__GNUC__)
#  define HF_API __attribute__((visibility("default")))
#else
#  define HF_API
#endif

#define HF_VERSION_MAJOR 0
#define HF_VERSION_MINOR 1
#define HF_VERSION_PATCH 0
#define HF_VERSION "0.1.0"
/* One number, comparable: 0x00MMmmpp. */
#define HF_VERSION_NUMBER ((HF_VERSION_MAJOR << 16) | (HF_VERSION_MINOR << 8) | HF_VERSION_PATCH)

/* The version of the library actually linked, as "MAJOR.MINOR.PATCH". Static storage. */
HF_API const char *hf_version(void);

/* ---------------------------------------------------------------------------------------- */
/* Result codes. HF_OK is 0; errors are negative and append-only.                           */

enum {
    HF_OK = 0,
    HF_ERROR = -1,      /* an error not covered below; see hf_engine_errmsg() */
    HF_ENOMEM = -2,     /* out of memory, or the engine's memory limit was reached */
    HF_EMISUSE = -3,    /* API misuse: NULL handle, bad options version, wrong state */
    HF_EINVAL = -4,     /* a bad argument: not JSON, wrong shape, unknown field */
    HF_ESYNTAX = -5,    /* a flow's Lua source does not compile */
    HF_ECHECK = -6,     /* a flow compiled but failed a load-time check */
    HF_ENOTFOUND = -7,  /* no such flow (or file) */
    HF_EREJECTED = -8,  /* an event that does not fit the session's state; nothing changed */
    HF_EFINISHED = -9,  /* the session has ended (resolved, escalated, ...); nothing changed */
    HF_EIO = -10,       /* a file could not be read */
    HF_EEXISTS = -11    /* that flow id and version is already loaded */
};

/* A short, static, English name for a result code ("out of memory"). Never NULL. */
HF_API const char *hf_strerror(int code);

/* ---------------------------------------------------------------------------------------- */
/* Engine.                                                                                   */

typedef struct hf_engine hf_engine;
typedef struct hf_session hf_session;

/*
 * Allocation hook, with lua_Alloc's contract: nsize == 0 frees ptr and returns NULL; otherwise
 * it returns a block of nsize bytes (reallocating ptr, of osize bytes, when ptr is not NULL),
 * or NULL on failure. The engine routes every allocation of its own and of its Lua state
 * through it. It is called only from the thread that is using the engine.
 */
typedef void *(*hf_alloc_fn)(void *ud, void *ptr, size_t osize, size_t nsize);

#define HF_ENGINE_OPTIONS_VERSION 1

/*
 * Trace hook (for coverage tools and debugging): called each time a session of the engine
 * enters a step. flow and version name the flow that holds the step (a subflow's, inside a
 * `call`); from is the step it came from in that flow, or NULL when it enters the flow (a
 * session's start, or a `call` into a subflow); via names the transition taken, in the
 * vocabulary of hf_flow_describe()'s edges: "start", "go", "next:N" (the Nth entry of
 * `next`, from 1), "choice:ID", "on_error", "timeout", "event", "return" (a subflow resolved
 * and its `call` step goes on), "intent:NAME" (an intent's handler, `on = {...}` or built in:
 * "intent:back", "intent:restart"). The strings are valid only during the call. The hook must
 * not call into the engine.
 */
typedef void (*hf_trace_fn)(void *ud, const char *flow, int64_t version, const char *from,
                            const char *to, const char *via);

/*
 * Engine options. Always initialise with HF_ENGINE_OPTIONS_INIT or hf_engine_options_init(),
 * then change the fields you care about: a field left 0 takes its default, so fields can be
 * appended in later versions without breaking callers.
 */
typedef struct hf_engine_options {
    uint32_t version;           /* HF_ENGINE_OPTIONS_VERSION */
    uint32_t max_retries;       /* invalid inputs in a row an ask tolerates; the next escalates
                                 * with input_failed. Default 2, at most 100. A flow's policy
                                 * may override. */
    uint32_t max_visits;        /* times a step may be entered; one more escalates with loop.
                                 * Default 3, at most 250. A flow's policy may override. */
    uint32_t repeat_failures;   /* unresolved prior outcomes of the same flow that send the
                                 * customer straight to a human (repeat_contact). Default 2. */
    int64_t repeat_within;      /* ... counted within this many seconds of the start. 86400. */
    int64_t idle_timeout;       /* seconds without an event after which a tick abandons the
                                 * session. Default 1800. */
    uint64_t instruction_limit; /* Lua VM instructions per call into flow code. 1,000,000. */
    size_t memory_limit;        /* bytes the engine's Lua state may hold. 32 MiB. */
    size_t max_string;          /* longest string flow code may build. 1 MiB. */
    size_t max_event;           /* longest event or context JSON accepted. 64 KiB. */
    uint32_t max_call_depth;    /* nested subflow calls. Default 8, at most 200. */
    hf_alloc_fn alloc;          /* NULL: the C library's realloc/free */
    void *alloc_ud;             /* passed to alloc */
    /* NULL, or HF_SNAPSHOT_KEYBYTES bytes (copied): snapshots carry an authentication tag
     * (libsodium crypto_auth) and hf_session_restore() refuses any without a valid one. */
    const unsigned char *snapshot_key;
    /* NULL, or HF_BUNDLE_PUBLICKEYBYTES bytes (copied): the Ed25519 public key whose
     * signature hf_engine_load_bundle() requires. Without one, every bundle is refused. */
    const unsigned char *bundle_public_key;
    /* Nonzero: sessions keep their start context and every accepted event, for
     * hf_session_events() and hf_replay(), and their snapshots carry them. A session
     * restored from a snapshot keeps the log the snapshot carries (none, if it carries none);
     * an engine without this option drops it. Default 0. */
    int event_log;
    /* Called, when not NULL, each time a session enters a step (hf_trace_fn). */
    hf_trace_fn trace;
    void *trace_ud;             /* passed to trace */
} hf_engine_options;

#define HF_ENGINE_OPTIONS_INIT                                                                 \
    { HF_ENGINE_OPTIONS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/* Fills *opts with the defaults. Returns HF_EMISUSE if version is not one this library knows. */
HF_API int hf_engine_options_init(hf_engine_options *opts, uint32_t version);

/*
 * Creates an engine. opts may be NULL for the defaults. On success *out owns the engine until
 * hf_engine_free(). Fails with HF_EMISUSE on an unknown options version, HF_EINVAL on an option
 * past its limit, HF_ENOMEM.
 */
HF_API int hf_engine_new(hf_engine **out, const hf_engine_options *opts);

/*
 * Frees the engine, its flows and its Lua state. Every session of the engine must have been
 * freed first (a session still alive is freed with it; its handle becomes invalid). NULL-safe.
 */
HF_API void hf_engine_free(hf_engine *e);

/*
 * The message of the engine's last failure: for a flow that failed to load it names the file,
 * the flow and the step ("card.lua: flow 'card_declined': step 'frozen': go to unknown step
 * 'unfreez'"), with the line for syntax errors. Valid until the next call on the engine or one of
 * its sessions. "" if nothing failed yet; "no engine" for NULL.
 */
HF_API const char *hf_engine_errmsg(const hf_engine *e);

/*
 * Loads one flow from Lua source. name is the chunk name used in messages (usually the file
 * name); it may be NULL. The flow's id and version come from the source. A flow id can be
 * loaded in several versions; new sessions start on the newest. Loading the same id and version
 * twice fails with HF_EEXISTS. A `call` to a flow the engine does not have fails the check:
 * load callees first. On any failure the engine is unchanged.
 * If flow_id is not NULL it receives the loaded flow's id, valid while the engine lives.
 * Errors: HF_ESYNTAX, HF_ECHECK, HF_EEXISTS, HF_ENOMEM, HF_EINVAL (NULL source).
 */
HF_API int hf_engine_load_string(hf_engine *e, const char *source, size_t len, const char *name,
                                 const char **flow_id);

/* hf_engine_load_string() on the contents of a file. Adds HF_EIO / HF_ENOTFOUND. */
HF_API int hf_engine_load_file(hf_engine *e, const char *path, const char **flow_id);

/*
 * A JSON array describing the loaded flows:
 * [{"id","version","title","triggers":[...],"start","steps":N,"source"}, ...], ordered by id
 * and then version, so the newest version of an id comes last ("source" is the name the flow
 * was loaded under).
 * *json stays valid until the next call on the engine. *len may be NULL.
 */
HF_API int hf_engine_flows(hf_engine *e, const char **json, size_t *len);

/*
 * Makes the call into flow code that is running now — or, if none is, the next one — fail as if
 * it had exceeded its instruction budget (so its session escalates with flow_error). The one
 * function that may be called from any thread, including a signal handler.
 */
HF_API void hf_engine_interrupt(hf_engine *e);

/* Bytes currently allocated by the engine: its own structures, its sessions and its Lua state. */
HF_API size_t hf_engine_memory(const hf_engine *e);

/* ---------------------------------------------------------------------------------------- */
/* Sessions.                                                                                 */

/* A session's status, mirrored in the output's "status". */
typedef enum hf_status {
    HF_STATUS_WAITING = 0,   /* for a choice, an input or a host event ("expects") */
    HF_STATUS_ACTION = 1,    /* the host must perform "action" and send its result */
    HF_STATUS_RESOLVED = 2,  /* final: self-service succeeded */
    HF_STATUS_ESCALATED = 3, /* final: hand over to a human ("escalation") */
    HF_STATUS_CANCELLED = 4, /* final: the customer cancelled */
    HF_STATUS_ABANDONED = 5, /* final: a tick arrived after the idle timeout */
    HF_STATUS_FAILED = 6     /* final: even escalation was impossible (out of memory) */
} hf_status;

/* "waiting", "action", ... Static storage; "unknown" for other values. */
HF_API const char *hf_status_name(int status);

/*
 * Starts a session of the newest version of flow_id. context_json is a JSON object with what the
 * host knows; these members have a meaning to the engine and are not copied into the flow's
 * context: "session" (string id; absent, the engine derives one from the context), "at" (unix
 * seconds, the start time; absent, 0) and "prior_outcomes" (array of outcome records, for the
 * repeat_contact policy). Every other member, "locale" included, is the flow's ctx.
 * context_json may be NULL or empty for {}; len is its length in bytes.
 *
 * The session runs until it waits, needs a host action or ends; hf_session_output() then says
 * what to render. A flow that fails at once is not an error here: the session escalates with
 * flow_error and HF_OK is returned.
 * Errors: HF_ENOTFOUND (no such flow), HF_EINVAL (context not a JSON object, bad "at",
 * "session" or "prior_outcomes"), HF_ENOMEM, HF_EMISUSE. On error *out is NULL.
 */
HF_API int hf_session_start(hf_session **out, hf_engine *e, const char *flow_id,
                            const char *context_json, size_t len);

/*
 * Sends one event (a JSON object, DESIGN.md section 3) to the session.
 * On HF_OK the session moved on; *reply is its new output (the same text as
 * hf_session_output()). If the event does not fit — not JSON, unknown type or field, unknown
 * option, an input while an action is pending, a stale action id, time going backwards — the
 * session is exactly as it was, the return is HF_EINVAL or HF_EREJECTED (HF_EFINISHED after the
 * end), and *reply is the session's unchanged output with an added member
 * "error": {"code": "...", "message": "..."}. Running out of memory while reading the event
 * is HF_ENOMEM, with the session likewise unchanged; running out while handling it ends the
 * session with status "failed" (HF_OK: its output then says so). reply and reply_len may be
 * NULL. *reply stays valid until the next call on this session or its engine.
 */
HF_API int hf_session_send(hf_session *s, const char *event_json, size_t len,
                           const char **reply, size_t *reply_len);

/*
 * The session's current output JSON: what the host renders now. Valid until the next call on
 * this session. *len may be NULL. Never NULL for a live session ("" for NULL).
 */
HF_API const char *hf_session_output(const hf_session *s, size_t *len);

/* The session's hf_status, or HF_EMISUSE for NULL. */
HF_API int hf_session_status(const hf_session *s);

/*
 * The outcome record of a finished session, as JSON:
 * {"session","flow","version","outcome","reason","step","steps","trail","started_at",
 * "finished_at","duration"} ("reason" only for escalations; "step" is where the session ended,
 * "steps" how many steps it entered, "trail" their ids in order, "flow/step" for a step of a
 * subflow: [..., "verify", "verify_identity/send_check", ...]; an ask that re-asks after
 * an invalid input is not entered again). Pass these records back in a later start context's
 * "prior_outcomes". HF_EMISUSE while the session is still running. Valid until the next call on
 * this session.
 */
HF_API int hf_session_outcome(hf_session *s, const char **json, size_t *len);

/* Frees the session. NULL-safe. */
HF_API void hf_session_free(hf_session *s);

/* ---------------------------------------------------------------------------------------- */
/* Routing: where an escalation goes (DESIGN.md section 5). The backend's call.              */

/*
 * Loads the engine's routing config: a Lua chunk returning `routing { service_level = {...},
 * queues = {...}, rules = {...} }`, run in the same sandbox as flows, its functions under the
 * same budgets. A later load replaces the config; on failure the previous one stays.
 * Errors: HF_ESYNTAX, HF_ECHECK (the message names the queue or rule), HF_ENOMEM, HF_EINVAL.
 */
HF_API int hf_engine_load_routing(hf_engine *e, const char *source, size_t len,
                                  const char *name);

/*
 * Decides where an escalation goes. escalation_json is an escalation object (or a session
 * output holding one under "escalation"); live_json the live state of the queues:
 * {"cards": {"agents": 12, "arrivals_per_hour": 200, "aht_s": 180, "open": true}, ...}.
 * *decision receives JSON: {"queue", "priority", "estimated_wait_s", "service_level",
 * "overflow": {...} or null, "alternatives": [...], "explain": ["...", ...]}; valid until the
 * next call on the engine. Errors: HF_EINVAL (bad JSON, missing fields), HF_ENOTFOUND (no
 * routing loaded, or no open queue fits), HF_ENOMEM.
 */
HF_API int hf_route(hf_engine *e, const char *escalation_json, size_t elen,
                    const char *live_json, size_t llen, const char **decision, size_t *len);

/* ---------------------------------------------------------------------------------------- */
/* Snapshots, flow versions and replay (DESIGN.md section 6).                                */

#define HF_SNAPSHOT_KEYBYTES 32

/*
 * Serialises the session to a snapshot: a binary envelope (magic, format version, flags, flow
 * id and version) around its state, deflated when that pays, with a CRC-32, and an
 * authentication tag when the engine has a snapshot_key. It holds everything the session needs
 * to go on: the current output, a pending action (same id and args), a running wait's absolute
 * deadline, the subflow stack, the policy counters and, with the event_log option, the event
 * log. Works in every status, final ones included. *bytes stays valid until the next call on
 * the session or its engine. Errors: HF_ENOMEM, HF_EMISUSE, HF_EINVAL (a state over 64 MiB,
 * or a flow id longer than the envelope's 255 bytes).
 */
HF_API int hf_session_snapshot(hf_session *s, const unsigned char **bytes, size_t *len);

/*
 * Rebuilds a session from a snapshot taken by any engine (another process, another machine)
 * that has the same flow version loaded: the restored session's output is the one the
 * snapshotted session had, and it goes on exactly as that one would have. Bytes that are
 * truncated, corrupted, foreign, from an unknown format version, or (with a snapshot_key) not
 * authenticated by that key are refused with HF_EINVAL; a snapshot whose flow version (or a
 * subflow's) this engine lacks, with HF_ENOTFOUND. The message says which. On error *out is
 * NULL and the engine is unchanged.
 */
HF_API int hf_session_restore(hf_session **out, hf_engine *e, const void *bytes, size_t len);

/*
 * What a snapshot holds, as JSON, without restoring it (no flow needed):
 * {"format", "flags": [...], "flow", "version", "size", "payload_size", "compressed",
 *  "authenticated", "state": {...}}. The bytes are verified as hf_session_restore() does
 * (a tag can be checked only with the engine's snapshot_key). *json stays valid until the next
 * call on the engine. Errors: HF_EINVAL, HF_ENOMEM.
 */
HF_API int hf_snapshot_inspect(hf_engine *e, const void *bytes, size_t len, const char **json,
                               size_t *json_len);

/*
 * Moves a session onto another loaded version of its flow (version 0: the newest). The target
 * version must declare `migrate = function(ctx, from_version)`, which returns the new context
 * and, optionally, the id of the step to stand at (default: the step of the same id). A step
 * that no longer exists, a step of another kind than the one the session waits at, or a
 * failing migrate function is an error (HF_ECHECK or HF_ERROR, message says why) and the
 * session is unchanged. Migrating to the version it is on is HF_OK and changes nothing.
 * Errors also: HF_ENOTFOUND (no such version), HF_EFINISHED, HF_ENOMEM.
 */
HF_API int hf_session_migrate(hf_session *s, int64_t version);

/*
 * The session's event log, with the engine's event_log option:
 * {"flow", "version", "context": {...the start context...}, "events": [...]} where version is
 * the one the session started on and events are every event the session accepted, in order
 * (rejected ones changed nothing and are not kept), with an entry
 * {"type":"migrate","version":N} where hf_session_migrate() moved it (a host can never send
 * that type). *json stays valid until the next call on the session or its engine.
 * HF_EMISUSE when the engine keeps no logs.
 */
HF_API int hf_session_events(hf_session *s, const char **json, size_t *len);

/*
 * Rebuilds a session from its flow version (0: the newest), start context and events (a JSON
 * array, as hf_session_events() gives them) and returns it in *out: a session is a pure
 * function of these, so the result matches the original byte for byte. *outputs, when not
 * NULL, receives a JSON array of every output on the way (the start's, then one per event);
 * valid until the next call on the engine. A migrate entry is applied with
 * hf_session_migrate(), so the engine needs every version the log passes through. An event
 * the rebuilt session rejects, or a migration it cannot make, fails the replay with
 * HF_EREJECTED (the message gives its index): the log does not belong to those flow versions.
 * Errors also: HF_ENOTFOUND, HF_EINVAL, HF_ENOMEM (also when memory ran out on the way, which
 * the original may not have). On error *out is NULL.
 */
HF_API int hf_replay(hf_session **out, hf_engine *e, const char *flow_id, int64_t version,
                     const char *context_json, size_t clen, const char *events_json,
                     size_t elen, const char **outputs, size_t *outputs_len);

/* ---------------------------------------------------------------------------------------- */
/* Bundles (DESIGN.md section 7).                                                            */

/*
 * A bundle carries flows (their Lua source) and, optionally, a routing config to phones: a
 * manifest of its entries (name, kind, flow id, version, title, locales, size, BLAKE2b hash),
 * zlib-compressed, signed with Ed25519 by its publisher. docs/bundles.md gives the byte layout.
 * Keys are libsodium's: a 32-byte public key and a 64-byte secret key (seed, then public key).
 */
#define HF_BUNDLE_PUBLICKEYBYTES 32
#define HF_BUNDLE_SECRETKEYBYTES 64
/* Every bundle starts with these 8 bytes (as PNG does: text-mode transfers and truncation to
 * 7 bits show at once), so a tool can tell a bundle from other bytes before reading it. */
#define HF_BUNDLE_MAGIC "\x89HFB\r\n\x1a\n"
#define HF_BUNDLE_MAGICBYTES 8
/* The most bytes a bundle's body (manifest and entries) may inflate to: 16 MiB. Larger
 * bundles are neither packed nor read, so a small file cannot make an engine allocate more. */
#define HF_BUNDLE_MAX_BODY (16u << 20)

/*
 * Makes a new signing key pair (libsodium crypto_sign_keypair) into public_key
 * (HF_BUNDLE_PUBLICKEYBYTES) and secret_key (HF_BUNDLE_SECRETKEYBYTES). The publisher keeps the
 * secret key; apps configure the public key as the engine option bundle_public_key.
 * Errors: HF_EMISUSE (NULL buffer), HF_ERROR (libsodium could not start).
 */
HF_API int hf_bundle_keypair(unsigned char *public_key, unsigned char *secret_key);

/*
 * Builds a signed bundle. entries_json is a JSON array of {"name", "kind", "source"}: kind
 * "flow" (Lua source of one flow) or "routing" (a routing config; at most one); name is the
 * entry's name in the bundle (usually the file name: letters, digits and _ . -, at most 128
 * bytes, unique). Every entry is first loaded into a scratch engine with e's options: a flow
 * that fails its checks, a `call` to a flow that is not in the bundle, a flow version given
 * twice, a title or locale name that is not UTF-8, or a routing config that does not load
 * refuses the pack (HF_ESYNTAX / HF_ECHECK / HF_EEXISTS; the message names each failing
 * entry, one a line). Entries are stored in the order they loaded there (pass after pass in
 * name order, so a flow's callees come first; the routing config last): the same entries and
 * key always give the same bytes.
 * *bytes (*blen bytes) stays valid until the next call on e. e's flows are not touched.
 * Errors also: HF_EINVAL (entries_json malformed, a bad or repeated name, no entries, a body
 * over HF_BUNDLE_MAX_BODY, a damaged secret key), HF_ENOMEM, HF_EMISUSE.
 */
HF_API int hf_bundle_pack(hf_engine *e, const char *entries_json, size_t len,
                          const unsigned char *secret_key, const unsigned char **bytes,
                          size_t *blen);

/*
 * Reads a bundle without loading it: checks its structure, inflates it (bounded) and checks
 * every entry's size and hash; with public_key (HF_BUNDLE_PUBLICKEYBYTES, or NULL to skip)
 * also its signature. *json (may be NULL) receives a description, valid until the next call
 * on e: {"format", "size", "body_size", "signer" (the public key the bundle names, hex),
 * "verified" (whether the signature was checked and holds), "entries": [{"name", "kind",
 * "id", "version", "title", "locales", "size", "blake2b"}, ...]} ("id" to "locales" for flows
 * only; "title" when the flow has one). Flows are not compiled here.
 * Errors: HF_EINVAL (not a bundle, truncated, altered, unknown format version, signed by
 * another key, a bad manifest or hash: the message says which), HF_ENOMEM, HF_EMISUSE.
 */
HF_API int hf_bundle_inspect(hf_engine *e, const void *bytes, size_t len,
                             const unsigned char *public_key, const char **json,
                             size_t *json_len);

/*
 * Loads a bundle into the engine, all or nothing. The signature must verify against the
 * engine's bundle_public_key; then every hash is checked, every flow compiled and checked (a
 * `call` may name a flow of the bundle stored before it, or one the engine has), and the
 * routing config, if the bundle has one, loaded as hf_engine_load_routing() does (replacing
 * the engine's). A flow version the engine already has with the same source is left as it is
 * (loading a bundle again changes nothing); the same version with another source refuses the
 * bundle, since a version's content cannot change. On any failure nothing changes: the
 * engine's flows and routing config are exactly as before, and every session goes on.
 * *json (may be NULL) receives hf_bundle_inspect()'s description, "verified": true, with
 * "loaded" on each flow entry (false: the engine had it already); valid until the next call
 * on the engine.
 * Errors: HF_EMISUSE (no bundle_public_key configured: every bundle is refused), HF_EINVAL (bad
 * bytes or signature, as hf_bundle_inspect()), HF_ESYNTAX / HF_ECHECK (a flow or the routing
 * config fails; the message names the entry), HF_EEXISTS (a version already loaded with
 * another source, or twice in the bundle), HF_ENOMEM. Every message starts "bundle refused: ".
 */
HF_API int hf_engine_load_bundle(hf_engine *e, const void *bytes, size_t len, const char **json,
                                 size_t *json_len);

/* ---------------------------------------------------------------------------------------- */
/* Introspection, for tools: graphs, lint, coverage.                                         */

/*
 * Describes a loaded flow (version 0: the newest) as JSON:
 *
 *   {"id", "version", "title" (null if none), "source" (the name it was loaded under), "start",
 *    "triggers": [...], "default_locale": "en-GB" or null, "locales": {"en-GB": [keys, sorted],
 *    ...}, "strings": {"en-GB": {"key": "text", ...}, "cy-GB": {...}} (the texts of `strings`,
 *    locales in name order, keys sorted), "intents": [{"name", "to": step id, or null where
 *    `on` turns the intent off}, ...] (the flow's `on` only, by name), "policy": {...} (only
 *    what the flow's policy sets: "max_retries", "max_visits", "repeat_contact": {"failures",
 *    "within"}, "flag_priority"),
 *    "skills": [...] or null, "priority" or null (the defaults of policy escalations),
 *    "steps": [step, ...] in id order (byte-wise; the compiled order)}
 *
 * Each step: {"id", "kind" (say|ask|action|decide|call|wait|resolved|escalate), "final"
 * (resolved and escalate), then by kind: ask "input", "save"; action "call", "args" (the keys
 * of a static args table, sorted; null when a function computes them; [] without args),
 * "save"; call "flow"; wait "event", "timeout" (seconds), "save"; escalate "reason", "skills",
 * "priority" (null where the step sets none); absent members are null. Then for every kind
 * "flags": [...], "texts" and "edges".
 *
 * "texts": what the step shows, each {"where": "text" | "choice:ID" | "components", and one of
 * "literal": "...", "key": "string.key" (a t"key"), "fn": true (a function computes it)}. For
 * a static component list, each of its strings but the values of "type", "id" and "url".
 *
 * "edges": every transition out of the step, {"to", "via", "label"}, with via named as the
 * trace hook (hf_trace_fn) reports taking it, so that the (from, to, via) triples a trace
 * reports are exactly edges: "go" (a `go`, or `next` given as one step id; label ""),
 * "next:N" (the Nth branch of a `next` list, from 1; label "when", or "otherwise" for one
 * with no `when`), "choice:ID" (label: the literal label, t"key" for a localised one, the id
 * when a function computes it), "on_error" (label "on_error"), for a wait "event" (label: the
 * event name) and "timeout" (to on_timeout, or else go; label "timeout"), for a call "return"
 * (the subflow resolved; label "resolved"). A say with choices has only its choices' edges.
 * Not edges: a session's start and a subflow's entry ("start", to "start"), the built-in
 * intents back and restart ("intent:back" to an earlier waiting step, "intent:restart" to
 * "start"), the flow's `on` intents ("intent:NAME" from any waiting step, to the "intents"'
 * "to"), and policy escalations, which end where they are and enter no step.
 *
 * *json stays valid until the next call on the engine; *len may be NULL. Errors: HF_ENOTFOUND
 * (no such flow, or no such version of it), HF_EMISUSE (NULL engine, flow_id or json),
 * HF_ENOMEM.
 */
HF_API int hf_flow_describe(hf_engine *e, const char *flow_id, int64_t version,
                            const char **json, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* HELPFLOW_H */
