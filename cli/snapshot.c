/*
 * snapshot.c — `helpflow snapshot`: snapshot keys, and what a snapshot holds (docs/snapshots.md).
 * Also what run and replay share about snapshot bytes (run.h).
 *
 * The format is the library's business: inspect hands the bytes to hf_snapshot_inspect(), which
 * verifies them as a restore would, and prints the state it returns. The state's member names
 * are the short ones of engine/snapshot_state.c; a step is stored as its index in its flow's
 * steps sorted by id, which is the order of hf_flow_describe()'s "steps", so step ids can be
 * shown only when the flows are loaded too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "args.h"
#include "cli.h"
#include "json.h"
#include "keyfile.h"
#include "load.h"
#include "run.h"
#include "util.h"

static void usage(FILE *out)
{
    fputs(
"usage: helpflow snapshot inspect FILE [--key KEYFILE] [--json] [FLOW.lua...]\n"
"       helpflow snapshot keygen -o KEYFILE\n"
"\n"
"A snapshot is a session saved as bytes ('helpflow run --save', hf_session_snapshot()): a\n"
"small binary envelope (magic \"HFSN\", format, flags, flow id and version) around the\n"
"session's state as JSON, deflated, with a CRC-32 and, when saved with a key, an\n"
"authentication tag. docs/snapshots.md describes the format.\n"
"\n"
"inspect  checks FILE as a restore would (magic, format, checksum, tag, payload) and shows\n"
"         what it holds: flow and version, session id, status, the current step and the\n"
"         subflows it is in, what the session waits for (a choice, an input, an event and\n"
"         its deadline, or the result of a host action: id, name and arguments), retries\n"
"         and counters, times (as UTC dates and unix seconds), locale, flags, escalation,\n"
"         path, the context and the sizes. Steps are stored by their index in the flow;\n"
"         give the flow files (FLOW.lua..., any order) to see step ids, action names, input\n"
"         types and event names. An authenticated snapshot is checked, and shown, only with\n"
"         its key. --json prints the library's description instead (hf_snapshot_inspect():\n"
"         {\"format\", \"flags\", \"flow\", \"version\", \"size\", \"payload_size\",\n"
"         \"stored_size\", \"compressed\", \"authenticated\", \"state\"}).\n"
"keygen   makes a snapshot key: 32 random bytes written to KEYFILE as one line of 64\n"
"         lowercase hex digits, mode 0600. Refuses to overwrite a file. Give it to\n"
"         'helpflow run --key', 'helpflow replay --key' and 'snapshot inspect --key'; an app\n"
"         sets the same bytes as the engine option snapshot_key.\n"
"\n"
"options:\n"
"  --key KEYFILE  inspect: the key the snapshot was saved with\n"
"  --json         inspect: print JSON\n"
"  -o KEYFILE     keygen: the key file to write\n"
"  --help         this help\n"
"\n"
"Exit status: 0 success; 2 bad usage, a file that cannot be read or written, a key file that\n"
"is not a key, a flow that does not load, or a file that is not a valid snapshot (not one,\n"
"truncated, corrupted, of an unknown format, or not authenticated by the key).\n", out);
}

/* ---- helpers shared with run and replay (run.h) ------------------------------------------- */

int cli_is_snapshot(const void *bytes, size_t len)
{
    return len >= 4 && memcmp(bytes, "HFSN", 4) == 0;
}

void cli_snapshot_error(const char *cmd, const char *path, hf_engine *e, const void *bytes,
                        size_t len, int have_key)
{
    const unsigned char *b = bytes;

    /* flags bit 2 of the envelope: authenticated */
    cli_error("%s: %s: %s%s", cmd, path, hf_engine_errmsg(e),
              !have_key && cli_is_snapshot(bytes, len) && len > 5 && (b[5] & 2)
                  ? " (give its key with --key KEYFILE)" : "");
}

/* ---- keygen --------------------------------------------------------------------------- */

static int keygen(const char *out)
{
    unsigned char key[HF_SNAPSHOT_KEYBYTES];
    struct stat st;
    int err;

    if (lstat(out, &st) == 0) {
        cli_error("snapshot keygen: %s already exists: not overwriting a key", out);
        return CLI_EXIT_USAGE;
    }
    if (sodium_init() < 0) {
        cli_error("snapshot keygen: libsodium could not start: no random bytes");
        return CLI_EXIT_USAGE;
    }
    randombytes_buf(key, sizeof key);
    err = cli_key_write(out, key, sizeof key, 0600);
    cli_wipe(key, sizeof key);
    if (err) {
        cli_error("snapshot keygen: %s: %s", out, strerror(err));
        return CLI_EXIT_USAGE;
    }
    printf("wrote %s (a snapshot key: keep it secret; give it with --key)\n", out);
    return CLI_EXIT_OK;
}

/* ---- inspect ---------------------------------------------------------------------------- */

/* One frame of the session's subflow stack, with its flow's steps when the flow is loaded. */
typedef struct frame {
    const char *flow;
    int64_t version;
    int64_t step;
    const cJSON *visits; /* [step, count, ...] */
    cJSON *desc;         /* hf_flow_describe(), or NULL */
    const cJSON *steps;  /* its "steps", or NULL */
} frame;

#define MAX_FRAMES 64

typedef struct inspect {
    FILE *out;
    const cJSON *state;
    frame frames[MAX_FRAMES];
    int nframes;
    int described;  /* flows were given */
    const frame *missing; /* the first frame whose flow version is not loaded, or NULL */
} inspect;

static const cJSON *member(const cJSON *o, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(o, name);
}

/* An integer member; absent (the state leaves zeros out) is 0. */
static int64_t int_member(const cJSON *o, const char *name)
{
    const cJSON *v = member(o, name);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* The described step of frame f at index i, or NULL. */
static const cJSON *step_of(const frame *f, int64_t i)
{
    return f->steps && i >= 0 ? cJSON_GetArrayItem(f->steps, (int)i) : NULL;
}

/* Prints step i of frame f: its id when its flow is loaded, else "#i". */
static void print_step(inspect *in, const frame *f, int64_t i)
{
    const char *id = cli_json_str(step_of(f, i), "id");
    if (id)
        fputs(id, in->out);
    else
        fprintf(in->out, "#%lld", (long long)i);
}

static void label(inspect *in, const char *name)
{
    fprintf(in->out, "%-14s", name);
}

static void print_time(FILE *out, int64_t t)
{
    char buf[64];
    fprintf(out, "%s (%lld)", cli_utc_date(buf, sizeof buf, (time_t)t), (long long)t);
}

static int is_scalar(const cJSON *j)
{
    return !cJSON_IsArray(j) && !cJSON_IsObject(j);
}

/* JSON with two spaces a level, its continuation lines indented by indent columns. Arrays of
 * scalars stay on one line. */
static void print_pretty(FILE *out, const cJSON *j, int indent)
{
    const cJSON *c;
    int all_scalars = 1;

    if (is_scalar(j) || !j->child) {
        cli_json_put(out, j);
        return;
    }
    for (c = j->child; c; c = c->next)
        all_scalars &= is_scalar(c);
    if (cJSON_IsArray(j) && all_scalars) {
        cli_json_put(out, j);
        return;
    }
    fputc(cJSON_IsArray(j) ? '[' : '{', out);
    for (c = j->child; c; c = c->next) {
        fprintf(out, "\n%*s", indent + 2, "");
        if (cJSON_IsObject(j)) {
            cJSON *k = cJSON_CreateString(c->string);
            cli_json_put(out, k);
            cJSON_Delete(k);
            fputs(": ", out);
        }
        print_pretty(out, c, indent + 2);
        if (c->next)
            fputc(',', out);
    }
    fprintf(out, "\n%*s%c", indent, "", cJSON_IsArray(j) ? ']' : '}');
}

/* Reads the state's subflow stack "fr" into in->frames, describing each frame's flow. */
static int read_frames(inspect *in, hf_engine *e, const char *flow, int64_t version)
{
    const cJSON *fr = member(in->state, "fr"), *c;

    for (c = fr ? fr->child : NULL; c && in->nframes < MAX_FRAMES; c = c->next) {
        frame *f = &in->frames[in->nframes];
        const cJSON *a = c->child;
        memset(f, 0, sizeof *f);
        if (in->nframes == 0) { /* [step, visits]: the envelope names its flow */
            f->flow = flow;
            f->version = version;
        } else { /* [flow, version, step, visits] */
            f->flow = a && cJSON_IsString(a) ? a->valuestring : "?";
            a = a ? a->next : NULL;
            f->version = a && cJSON_IsNumber(a) ? (int64_t)a->valuedouble : 0;
            a = a ? a->next : NULL;
        }
        f->step = a && cJSON_IsNumber(a) ? (int64_t)a->valuedouble : -1;
        f->visits = a ? a->next : NULL;
        const char *json = NULL;
        if (e && hf_flow_describe(e, f->flow, f->version, &json, NULL) == HF_OK) {
            f->desc = cJSON_Parse(json);
            f->steps = member(f->desc, "steps");
        } else if (!in->missing) {
            in->missing = f;
        }
        in->nframes++;
    }
    return in->nframes > 0 ? 0 : -1;
}

static void print_where(inspect *in)
{
    const frame *top = &in->frames[in->nframes - 1];
    const char *kind = cli_json_str(step_of(top, top->step), "kind");

    label(in, "step");
    print_step(in, top, top->step);
    if (kind)
        fprintf(in->out, " (%s)", kind);
    if (in->nframes > 1)
        fprintf(in->out, " in subflow %s version %lld", top->flow, (long long)top->version);
    fputc('\n', in->out);
    if (in->nframes > 1) {
        for (int d = 0; d < in->nframes; d++) {
            const frame *f = &in->frames[d];
            label(in, d ? "" : "stack");
            fprintf(in->out, "%s version %lld at ", f->flow, (long long)f->version);
            print_step(in, f, f->step);
            fputs(d + 1 < in->nframes ? " (calls)\n" : " (current)\n", in->out);
        }
    }
    for (int d = 0; d < in->nframes; d++) {
        const frame *f = &in->frames[d];
        const cJSON *v = f->visits ? f->visits->child : NULL;
        if (!v)
            continue;
        label(in, d ? "" : "visits");
        if (in->nframes > 1)
            fprintf(in->out, "%s: ", f->flow);
        for (int first = 1; v && v->next; v = v->next->next, first = 0) {
            if (!first)
                fputs(", ", in->out);
            print_step(in, f, (int64_t)v->valuedouble);
            fprintf(in->out, " %lld", (long long)v->next->valuedouble);
        }
        fputc('\n', in->out);
    }
}

/* What the session waits for: "ex" 1 a choice, 2 an input, 3 an event (or tick), 4 a result. */
static void print_wait(inspect *in, int64_t status)
{
    const frame *top = &in->frames[in->nframes - 1];
    const cJSON *step = step_of(top, top->step);
    const cJSON *st = in->state;
    int64_t ex = int_member(st, "ex"), t0 = int_member(st, "t0"), dl = int_member(st, "dl");
    const char *s;

    label(in, "waits for");
    switch (status >= HF_STATUS_RESOLVED ? 0 : ex) {
    case 0:
        fputs(status >= HF_STATUS_RESOLVED ? "nothing: the session has ended" : "nothing", in->out);
        break;
    case 1:
        fputs("a choice", in->out);
        break;
    case 2:
        fputs("an input", in->out);
        if ((s = cli_json_str(step, "input")))
            fprintf(in->out, " (%s)", s);
        break;
    case 3:
        if (!step)
            fputs("an event", in->out);
        else if ((s = cli_json_str(step, "event")))
            fprintf(in->out, "the event %s", s);
        else
            fputs("a tick (a timed wait)", in->out);
        if (dl) {
            fputs(", until ", in->out);
            print_time(in->out, t0 + dl - 1);
        }
        break;
    case 4:
        fprintf(in->out, "the result of action a%lld", (long long)int_member(st, "aq"));
        if ((s = cli_json_str(step, "call")))
            fprintf(in->out, " %s", s);
        fputc(' ', in->out);
        if (member(st, "ar"))
            cli_json_put(in->out, member(st, "ar"));
        else
            fputs("{}", in->out);
        break;
    default:
        fprintf(in->out, "(unknown: %lld)", (long long)ex);
    }
    fputc('\n', in->out);
}

static void print_times(inspect *in)
{
    const cJSON *st = in->state;
    int64_t t0 = int_member(st, "t0"), last = t0 + int_member(st, "tl");
    int64_t active = last - int_member(st, "ta"), tf = int_member(st, "tf");

    label(in, "started");
    print_time(in->out, t0);
    fputc('\n', in->out);
    label(in, "last event");
    print_time(in->out, last);
    fputc('\n', in->out);
    if (active != last) {
        label(in, "last active");
        print_time(in->out, active);
        fputs(" (the idle timeout counts from here)\n", in->out);
    }
    if (tf) {
        label(in, "finished");
        print_time(in->out, t0 + tf - 1);
        fputc('\n', in->out);
    }
}

/* A list of strings (or any JSON) as "a, b, c". */
static void print_list(FILE *out, const cJSON *arr)
{
    for (const cJSON *c = arr ? arr->child : NULL; c; c = c->next) {
        if (cJSON_IsString(c))
            fputs(c->valuestring, out);
        else
            cli_json_put(out, c);
        if (c->next)
            fputs(", ", out);
    }
}

static void print_escalation(inspect *in)
{
    const cJSON *es = member(in->state, "es"), *v;
    const char *s;

    if (!es)
        return;
    label(in, "escalation");
    fprintf(in->out, "reason %s", (s = cli_json_str(es, "reason")) ? s : "?");
    if (cJSON_IsArray(v = member(es, "skills")) && v->child) {
        fputs(", skills ", in->out);
        print_list(in->out, v);
    }
    if ((s = cli_json_str(es, "priority")))
        fprintf(in->out, ", priority %s", s);
    if (cJSON_IsArray(v = member(es, "flags")) && v->child) {
        fputs(", flags ", in->out);
        print_list(in->out, v);
    }
    fputc('\n', in->out);
    if ((s = cli_json_str(es, "summary"))) {
        label(in, "summary");
        fprintf(in->out, "%s\n", s);
    }
}

static void print_path(inspect *in)
{
    const cJSON *pa = member(in->state, "pa"), *c;
    int n = cJSON_GetArraySize(pa);

    if (!n)
        return;
    label(in, "path");
    for (c = pa->child; c; c = c->next) {
        const char *s = cli_json_str(c, "step");
        fputs(s ? s : "?", in->out);
        if (c->next)
            fputs(", ", in->out);
    }
    fprintf(in->out, " (%d %s%s)\n", n, n == 1 ? "entry" : "entries",
            int_member(in->state, "po") ? "; the last one still open" : "");
}

/* "hi": the back history, each (depth << 24 | step index). */
static void print_history(inspect *in)
{
    const cJSON *hi = member(in->state, "hi"), *c;

    if (!cJSON_GetArraySize(hi))
        return;
    label(in, "back history");
    for (c = hi->child; c; c = c->next) {
        int64_t h = (int64_t)c->valuedouble, depth = h >> 24;
        if (depth >= 1 && depth <= in->nframes) {
            const frame *f = &in->frames[depth - 1];
            if (depth > 1)
                fprintf(in->out, "%s/", f->flow);
            print_step(in, f, h & 0xffffff);
        } else {
            fprintf(in->out, "%lld", (long long)h);
        }
        if (c->next)
            fputs(", ", in->out);
    }
    fputc('\n', in->out);
}

/* "ui": components as JSON, or the number step * 2 (+ 1 for its choices): what that step of the
 * current flow shows, rendered again on restore. "os": the fixed output of a failed session. */
static void print_ui(inspect *in)
{
    const cJSON *ui = member(in->state, "ui"), *c;
    const frame *top = &in->frames[in->nframes - 1];
    int n = cJSON_GetArraySize(ui);

    if (int_member(in->state, "os")) {
        label(in, "ui");
        fputs("the fixed output of a failed session\n", in->out);
        return;
    }
    label(in, "ui");
    if (!n) {
        fputs("nothing new\n", in->out);
        return;
    }
    fprintf(in->out, "%d component%s: ", n, n == 1 ? "" : "s");
    for (c = ui->child; c; c = c->next) {
        if (cJSON_IsNumber(c)) {
            int64_t ref = (int64_t)c->valuedouble;
            fprintf(in->out, "%s of step ", ref & 1 ? "choices" : "text");
            print_step(in, top, ref / 2);
        } else {
            const char *type = cli_json_str(c, "type");
            fputs(type ? type : "?", in->out);
        }
        if (c->next)
            fputs(", ", in->out);
    }
    fputc('\n', in->out);
}

static void print_json_member(inspect *in, const char *name, const char *title)
{
    const cJSON *v = member(in->state, name);
    if (!v)
        return;
    label(in, title);
    print_pretty(in->out, v, 14);
    fputc('\n', in->out);
}

static void print_inspect(FILE *out, const char *path, const cJSON *j, hf_engine *e)
{
    inspect in;
    const char *flow = cli_json_str(j, "flow"), *s;
    int64_t version = int_member(j, "version"), status;
    const cJSON *log;

    memset(&in, 0, sizeof in);
    in.out = out;
    in.described = e != NULL;
    in.state = member(j, "state");
    status = int_member(in.state, "st");
    label(&in, "snapshot");
    fprintf(out, "%s: format %lld", path, (long long)int_member(j, "format"));
    for (const cJSON *c = member(j, "flags") ? member(j, "flags")->child : NULL; c; c = c->next)
        if (cJSON_IsString(c)) /* "event_log" reads "event log" */
            fprintf(out, "%s%s", c == member(j, "flags")->child ? "; " : ", ",
                    strcmp(c->valuestring, "event_log") == 0 ? "event log" : c->valuestring);
    fputc('\n', out);
    label(&in, "flow");
    fprintf(out, "%s version %lld\n", flow ? flow : "?", (long long)version);
    label(&in, "session");
    fprintf(out, "%s\n", (s = cli_json_str(in.state, "id")) ? s : "?");
    label(&in, "status");
    fprintf(out, "%s\n", hf_status_name((int)status));
    if (read_frames(&in, e, flow ? flow : "?", version) == 0) {
        print_where(&in);
        print_wait(&in, status);
    }
    if (int_member(in.state, "re")) {
        label(&in, "retries");
        fprintf(out, "%lld invalid input(s) in a row\n", (long long)int_member(in.state, "re"));
    }
    label(&in, "counters");
    fprintf(out, "%lld step(s) entered, %lld host action(s) asked for\n",
            (long long)int_member(in.state, "ns"), (long long)int_member(in.state, "aq"));
    print_times(&in);
    if ((s = cli_json_str(in.state, "lc"))) {
        label(&in, "locale");
        fprintf(out, "%s\n", s);
    }
    if (cJSON_GetArraySize(member(in.state, "fl"))) {
        label(&in, "flags");
        print_list(out, member(in.state, "fl"));
        fputc('\n', out);
    }
    if ((s = cli_json_str(in.state, "rs")) && !member(in.state, "es")) {
        label(&in, "reason");
        fprintf(out, "%s\n", s);
    }
    print_escalation(&in);
    print_path(&in);
    if (in.nframes > 0) {
        print_history(&in);
        print_ui(&in);
    }
    if ((log = member(in.state, "lg"))) {
        int n = cJSON_GetArraySize(log);
        label(&in, "event log");
        fprintf(out, "the start context and %d event%s\n", n, n == 1 ? "" : "s");
    }
    print_json_member(&in, "cx", "context");
    print_json_member(&in, "c0", "start context");
    label(&in, "size");
    fprintf(out, "%lld bytes; a payload of %lld bytes of JSON, stored in %lld%s\n",
            (long long)int_member(j, "size"), (long long)int_member(j, "payload_size"),
            (long long)int_member(j, "stored_size"),
            cJSON_IsTrue(member(j, "compressed")) ? " (deflated)" : " (as it is)");
    if (in.missing && !in.described)
        fputs("(steps show as #index: give the flow files after FILE to see their ids)\n", out);
    else if (in.missing)
        fprintf(out, "(flow %s version %lld is not among the flow files given: its steps show "
                "as #index)\n", in.missing->flow, (long long)in.missing->version);
    for (int d = 0; d < in.nframes; d++)
        cJSON_Delete(in.frames[d].desc);
}

typedef struct snap_opts {
    const char *key;
    const char *out;
    int json;
    cli_strv args; /* inspect: FILE, then flow files */
} snap_opts;

static int inspect_file(const snap_opts *o)
{
    unsigned char key[HF_SNAPSHOT_KEYBYTES];
    cli_strv flows = { NULL, 0, 0 };
    hf_engine *e = NULL;
    const char *path = o->args.v[0], *json = NULL;
    size_t len = 0, jlen = 0;
    char *bytes = NULL;
    int code = CLI_EXIT_USAGE, rc;

    if (o->key && cli_snapshot_key("snapshot inspect", o->key, key) != 0)
        return CLI_EXIT_USAGE;
    for (size_t i = 1; i < o->args.n; i++)
        cli_operand_flow(&flows, o->args.v[i], 0);
    e = cli_engine_with_flows("snapshot inspect", o->key ? key : NULL, 0, &flows, NULL);
    cli_wipe(key, sizeof key);
    if (!e)
        goto done;
    if (!(bytes = cli_read_file(path, &len))) {
        cli_error("snapshot inspect: %s: %s", path, strerror(errno));
        goto done;
    }
    rc = hf_snapshot_inspect(e, bytes, len, &json, &jlen);
    if (rc != HF_OK) {
        cli_snapshot_error("snapshot inspect", path, e, bytes, len, o->key != NULL);
        goto done;
    }
    if (o->json) {
        fwrite(json, 1, jlen, stdout);
        fputc('\n', stdout);
    } else {
        cJSON *j = cJSON_ParseWithLength(json, jlen);
        if (!j) {
            cli_error("snapshot inspect: %s: the library's description is not JSON", path);
            goto done;
        }
        print_inspect(stdout, path, j, flows.n ? e : NULL);
        cJSON_Delete(j);
    }
    code = CLI_EXIT_OK;
done:
    free(bytes);
    cli_strv_free(&flows);
    hf_engine_free(e);
    return code;
}

/* Returns -1 to go on, or the exit code to return now. argv[0] is the subcommand. */
static int parse_args(int argc, char **argv, snap_opts *o)
{
    const cli_option options[] = {
        { .name = "--json", .flag = &o->json },
        { .name = "--key", .value = &o->key },
        { .name = "-o", .value = &o->out, .how = CLI_OPT_EQUALS },
        { .name = NULL },
    };
    char cmd[64];

    snprintf(cmd, sizeof cmd, "snapshot %s", argv[0]);
    const cli_args args = { cmd, "snapshot", NULL, usage, options, cli_operand_push, &o->args };
    return cli_parse_args(&args, argc, argv);
}

int cli_snapshot(int argc, char **argv)
{
    snap_opts o = { NULL, NULL, 0, { NULL, 0, 0 } };
    const char *sub = argc > 1 ? argv[1] : NULL;
    int code;

    if (!sub) {
        cli_error("snapshot: give a subcommand, inspect or keygen; try 'helpflow snapshot --help'");
        return CLI_EXIT_USAGE;
    }
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(sub, "inspect") != 0 && strcmp(sub, "keygen") != 0) {
        cli_error("snapshot: unknown subcommand '%s': use inspect or keygen; try 'helpflow "
                  "snapshot --help'", sub);
        return CLI_EXIT_USAGE;
    }
    code = parse_args(argc - 1, argv + 1, &o);
    if (code >= 0) {
        cli_strv_free(&o.args);
        return code;
    }
    code = CLI_EXIT_USAGE;
    if (strcmp(sub, "keygen") == 0) {
        if (!o.out || o.args.n || o.key || o.json)
            cli_error("snapshot keygen: give the key file with -o KEYFILE (and nothing else); "
                      "try 'helpflow snapshot --help'");
        else
            code = keygen(o.out);
    } else if (o.out) {
        cli_error("snapshot inspect: -o does not apply here; try 'helpflow snapshot --help'");
    } else if (o.args.n == 0) {
        cli_error("snapshot inspect: give the snapshot FILE; try 'helpflow snapshot --help'");
    } else {
        code = inspect_file(&o);
    }
    cli_strv_free(&o.args);
    return code;
}
