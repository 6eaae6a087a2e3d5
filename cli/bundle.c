/*
 * bundle.c — `helpflow bundle`: signing keys, and packing, verifying and listing signed flow
 * bundles (docs/bundles.md). The format is the library's business: this file reads files,
 * hands their bytes to hf_bundle_pack() / hf_bundle_inspect() and prints what comes back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "helpflow.h"

#include "args.h"
#include "cli.h"
#include "keyfile.h"
#include "load.h"
#include "utf8.h"
#include "util.h"

static void usage(FILE *out)
{
    fputs(
"usage: helpflow bundle keygen -o NAME\n"
"       helpflow bundle pack PATH... -o FILE --key NAME.key\n"
"       helpflow bundle verify FILE --pub NAME.pub\n"
"       helpflow bundle list [--pub NAME.pub] [--json] FILE\n"
"\n"
"A bundle is one file that carries flows (and a routing config) to apps: a manifest of its\n"
"entries (names, flow ids, versions, titles, locales, sizes, BLAKE2b hashes), compressed\n"
"with zlib and signed with Ed25519. An app's engine loads a bundle only if the signature\n"
"verifies against the public key it was given, and only if every flow in it passes its\n"
"checks; otherwise it keeps the flows it had. docs/bundles.md describes the format.\n"
"\n"
"keygen   makes a key pair: NAME.key, the secret key (mode 0600: keep it to yourself; the\n"
"         publisher signs with it), and NAME.pub, the public key apps trust. Each file is one\n"
"         line of lowercase hex (128 and 64 digits). Refuses to overwrite either file.\n"
"pack     loads every flow into a scratch engine, refuses the lot if one fails its checks or\n"
"         calls a flow that is not in the bundle, and writes the signed bundle to FILE. A PATH\n"
"         is a flow file or a directory: then every *.lua in it, not in subdirectories, except\n"
"         conversation tests (*.test.lua) and the action manifest (actions.lua). A file named\n"
"         routing.lua is the bundle's routing config. Entries are named by their file names,\n"
"         which must be unique and hold only letters, digits and _ . -. The same files and\n"
"         key always give the same bytes.\n"
"verify   checks FILE's signature against the public key and every entry's hash; prints OK\n"
"         or what is wrong.\n"
"list     prints what FILE holds: kind, name, flow id, version, title, size and the start\n"
"         of each BLAKE2b hash. Sizes and hashes are always checked; the signature only with\n"
"         --pub. --json prints the library's description of the bundle instead.\n"
"\n"
"options:\n"
"  -o NAME|FILE   keygen: the key files' name (NAME.key, NAME.pub); pack: the bundle to write\n"
"  --key FILE     pack: the secret key file\n"
"  --pub FILE     verify, list: the public key file\n"
"  --json         list: print JSON\n"
"  --help         this help\n"
"\n"
"Exit status: 0 success; 1 a flow fails its checks (pack), or the bundle's signature, a hash\n"
"or its structure is wrong (verify, list); 2 bad usage, a file that cannot be read or\n"
"written, a key file that is not a key, or a file that is not a bundle at all.\n", out);
}

typedef struct bundle_opts {
    const char *cmd; /* "bundle pack": what messages start with */
    const char *out;
    const char *key;
    const char *pub;
    int json;
    cli_strv args;
} bundle_opts;

/* Returns -1 to go on, or the exit code to return now. argv[0] is the subcommand. */
static int parse_args(int argc, char **argv, bundle_opts *o)
{
    const cli_option options[] = {
        { .name = "--json", .flag = &o->json },
        { .name = "-o", .alias = "--output", .value = &o->out },
        { .name = "--key", .value = &o->key },
        { .name = "--pub", .value = &o->pub },
        { .name = NULL },
    };
    const cli_args args = { o->cmd, "bundle", "bundle", usage, options, cli_operand_push,
                            &o->args };
    return cli_parse_args(&args, argc, argv);
}

/* Whether the options given are the ones the subcommand takes; says which is wrong otherwise. */
static int check_opts(const bundle_opts *o, int out, int key, int pub, int json)
{
    const char *bad = (o->out && !out) ? "-o" : (o->key && !key) ? "--key"
                    : (o->pub && !pub) ? "--pub" : (o->json && !json) ? "--json" : NULL;
    if (bad) {
        cli_error("%s: %s does not apply here; try 'helpflow bundle --help'", o->cmd, bad);
        return -1;
    }
    return 0;
}

/* ---- keys ---------------------------------------------------------------------------- */

/* Reads a key file (one line of hex) of exactly n bytes into out; 0, or -1 after a message.
 * what is "public" or "secret": a key of the other kind is named as such. */
static int read_key(const bundle_opts *o, const char *path, unsigned char *out, size_t n,
                    const char *what)
{
    size_t digits;
    int rc = cli_key_read(o->cmd, path, out, n, strcmp(what, "secret") == 0 ? what : NULL,
                          &digits);

    if (rc <= 0)
        return rc;
    if (digits == 4 * n)
        cli_error("%s: %s is a secret key, not a public key: give NAME.pub", o->cmd, path);
    else if (digits == n)
        cli_error("%s: %s is a public key, not a secret key: give NAME.key", o->cmd, path);
    else
        cli_error("%s: %s is not a %s key file (one line of %zu hex digits)", o->cmd, path, what,
                  2 * n);
    return -1;
}

static int keygen(const bundle_opts *o)
{
    unsigned char pk[HF_BUNDLE_PUBLICKEYBYTES], sk[HF_BUNDLE_SECRETKEYBYTES];
    char id[17];
    struct stat st;
    int err;

    if (check_opts(o, 1, 0, 0, 0) != 0)
        return CLI_EXIT_USAGE;
    if (!o->out || o->args.n) {
        cli_error("bundle keygen: give the key name with -o NAME (and nothing else); try "
                  "'helpflow bundle --help'");
        return CLI_EXIT_USAGE;
    }
    char *kpath = cli_format("%s.key", o->out), *ppath = cli_format("%s.pub", o->out);
    int code = CLI_EXIT_USAGE;
    if (lstat(kpath, &st) == 0 || lstat(ppath, &st) == 0) {
        cli_error("bundle keygen: %s already exists: not overwriting a key",
                  lstat(kpath, &st) == 0 ? kpath : ppath);
        goto done;
    }
    if (hf_bundle_keypair(pk, sk) != HF_OK) {
        cli_error("bundle keygen: cannot make a key pair");
        goto done;
    }
    err = cli_key_write(kpath, sk, sizeof sk, 0600);
    cli_wipe(sk, sizeof sk);
    if (err) {
        cli_error("bundle keygen: %s: %s", kpath, strerror(err));
        goto done;
    }
    err = cli_key_write(ppath, pk, sizeof pk, 0644);
    if (err) {
        cli_error("bundle keygen: %s: %s", ppath, strerror(err));
        unlink(kpath); /* half a pair is no use */
        goto done;
    }
    cli_hex(id, pk, 8);
    printf("wrote %s (secret: keep it to yourself) and %s (public; key %s)\n", kpath, ppath, id);
    code = CLI_EXIT_OK;
done:
    free(kpath);
    free(ppath);
    return code;
}

/* ---- pack ---------------------------------------------------------------------------- */

static int name_ok(const char *s)
{
    if (!*s || *s == '.' || strlen(s) > 128)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '.' || *s == '-'))
            return 0;
    return 1;
}

/* The entries for hf_bundle_pack(), as JSON text (caller frees), or NULL after a message. */
static char *entries_json(const cli_strv *files)
{
    cJSON *list = cJSON_CreateArray();
    char *text = NULL;
    int bad = 0;

    if (!list)
        return NULL;
    for (size_t i = 0; i < files->n && !bad; i++) {
        const char *path = files->v[i], *name = cli_base_name(path);
        size_t len = 0;
        char *src;

        for (size_t k = 0; k < i; k++)
            if (strcmp(cli_base_name(files->v[k]), name) == 0) {
                cli_error("bundle pack: %s and %s would both be named '%s' in the bundle",
                          files->v[k], path, name);
                bad = 1;
            }
        if (bad)
            break;
        if (!name_ok(name)) {
            cli_error("bundle pack: %s: a bundle entry's name holds only letters, digits and "
                      "_ . - (and does not start with a dot)", path);
            bad = 1;
            break;
        }
        src = cli_read_file(path, &len);
        if (!src) {
            cli_error("bundle pack: %s: %s", path, strerror(errno));
            bad = 1;
            break;
        }
        if (cli_utf8_bad_at(src, len) >= 0) {
            cli_error("bundle pack: %s: not UTF-8 text (or holds a NUL byte)", path);
            free(src);
            bad = 1;
            break;
        }
        cJSON *item = cJSON_CreateObject();
        cJSON_AddItemToArray(list, item);
        int routing = cli_file_role_of(path) == CLI_FILE_ROUTING;
        if (!cJSON_AddStringToObject(item, "name", name) ||
            !cJSON_AddStringToObject(item, "kind", routing ? "routing" : "flow") ||
            !cJSON_AddStringToObject(item, "source", src)) {
            cli_error("out of memory");
            bad = 1;
        }
        free(src);
    }
    if (!bad)
        text = cJSON_PrintUnformatted(list);
    cJSON_Delete(list);
    return text;
}

/* The engine's message, one line at a time, with each entry name put back as its path. */
static void print_problems(const char *msg, const cli_strv *files)
{
    while (*msg) {
        const char *nl = strchr(msg, '\n');
        size_t n = nl ? (size_t)(nl - msg) : strlen(msg);
        const char *path = NULL;
        size_t skip = 0;
        for (size_t i = 0; i < files->n && !path; i++) {
            size_t bl = strlen(cli_base_name(files->v[i]));
            if (n > bl && strncmp(msg, cli_base_name(files->v[i]), bl) == 0 && msg[bl] == ':') {
                path = files->v[i];
                skip = bl;
            }
        }
        if (path)
            fprintf(stderr, "%s%.*s\n", path, (int)(n - skip), msg + skip);
        else
            fprintf(stderr, "%.*s\n", (int)n, msg);
        msg += n + (nl != NULL);
    }
}

/* "6 flows, 1 routing config" from a description's entries. */
static void print_counts(FILE *out, const cJSON *desc)
{
    const cJSON *en;
    int flows = 0, routing = 0;
    cJSON_ArrayForEach(en, cJSON_GetObjectItemCaseSensitive(desc, "entries")) {
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(en, "kind");
        if (cJSON_IsString(kind) && strcmp(kind->valuestring, "flow") == 0)
            flows++;
        else
            routing++;
    }
    fprintf(out, "%d flow%s%s", flows, flows == 1 ? "" : "s",
            routing ? ", 1 routing config" : "");
}

static int pack(const bundle_opts *o)
{
    cli_strv files = { NULL, 0, 0 };
    unsigned char sk[HF_BUNDLE_SECRETKEYBYTES];
    hf_engine *e = NULL;
    char *json = NULL;
    int code = CLI_EXIT_USAGE, rc;

    if (check_opts(o, 1, 1, 0, 0) != 0)
        return CLI_EXIT_USAGE;
    if (!o->out || !o->key || o->args.n == 0) {
        cli_error("bundle pack: give PATH..., -o FILE and --key NAME.key; try "
                  "'helpflow bundle --help'");
        return CLI_EXIT_USAGE;
    }
    /* flows and the routing config; conversation tests and the action manifest stay home */
    for (size_t i = 0; i < o->args.n; i++)
        if (cli_add_path(o->cmd, o->args.v[i], CLI_ROLE(CLI_FILE_FLOW) |
                         CLI_ROLE(CLI_FILE_ROUTING), &files) != 0)
            goto done;
    if (files.n == 0) {
        cli_error("bundle pack: no flow files in %s", o->args.v[0]);
        goto done;
    }
    if (read_key(o, o->key, sk, sizeof sk, "secret") != 0)
        goto done;
    json = entries_json(&files);
    if (!json)
        goto done;
    rc = hf_engine_new(&e, NULL);
    if (rc != HF_OK) {
        cli_error("bundle pack: cannot create an engine: %s", hf_strerror(rc));
        goto done;
    }
    const unsigned char *bytes = NULL;
    size_t len = 0;
    rc = hf_bundle_pack(e, json, strlen(json), sk, &bytes, &len);
    if (rc == HF_ESYNTAX || rc == HF_ECHECK || rc == HF_EEXISTS) {
        print_problems(hf_engine_errmsg(e), &files);
        cli_error("bundle pack: nothing written: every flow must pass its checks");
        code = CLI_EXIT_FAILED;
        goto done;
    }
    if (rc != HF_OK) {
        cli_error("bundle pack: %s", *hf_engine_errmsg(e) ? hf_engine_errmsg(e)
                                                           : hf_strerror(rc));
        goto done;
    }
    if (cli_write_atomic(o->cmd, o->out, bytes, len, 0644) != 0)
        goto done;
    const char *desc_json = NULL;
    if (hf_bundle_inspect(e, bytes, len, NULL, &desc_json, NULL) == HF_OK) {
        cJSON *desc = cJSON_Parse(desc_json);
        char id[17];
        cli_hex(id, sk + 32, 8);
        printf("%s: ", o->out);
        print_counts(stdout, desc);
        printf(", %zu bytes, signed by key %s\n", len, id);
        cJSON_Delete(desc);
    }
    code = CLI_EXIT_OK;
done:
    cli_wipe(sk, sizeof sk);
    hf_engine_free(e);
    free(json);
    cli_strv_free(&files);
    return code;
}

/* ---- verify and list ----------------------------------------------------------------- */

/* Reads FILE and inspects it. Returns -1 with *desc set (the caller deletes it) when it is a
 * sound bundle, else the exit code after a message: 1 a bundle that fails, 2 not a bundle. */
static int inspect(const char *cmd, const char *path, const unsigned char *pk, cJSON **desc,
                   char **raw)
{
    size_t len = 0;
    unsigned char *bytes = (unsigned char *)cli_read_file(path, &len);
    hf_engine *e = NULL;
    const char *json = NULL;
    int code;

    *desc = NULL;
    if (!bytes) {
        cli_error("%s: %s: %s", cmd, path, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    if (len < HF_BUNDLE_MAGICBYTES || memcmp(bytes, HF_BUNDLE_MAGIC, HF_BUNDLE_MAGICBYTES)) {
        cli_error("%s: %s: not a helpflow bundle", cmd, path);
        free(bytes);
        return CLI_EXIT_USAGE;
    }
    int rc = hf_engine_new(&e, NULL);
    if (rc != HF_OK) {
        cli_error("%s: cannot create an engine: %s", cmd, hf_strerror(rc));
        free(bytes);
        return CLI_EXIT_USAGE;
    }
    rc = hf_bundle_inspect(e, bytes, len, pk, &json, NULL);
    if (rc == HF_OK) {
        *desc = cJSON_Parse(json);
        if (raw)
            *raw = cli_xstrdup(json);
        code = *desc ? -1 : CLI_EXIT_USAGE;
    } else if (rc == HF_EINVAL) {
        printf("%s: FAILED: %s\n", path, hf_engine_errmsg(e));
        code = CLI_EXIT_FAILED;
    } else {
        cli_error("%s: %s: %s", cmd, path, hf_strerror(rc));
        code = CLI_EXIT_USAGE;
    }
    hf_engine_free(e);
    free(bytes);
    return code;
}

static int verify(const bundle_opts *o)
{
    unsigned char pk[HF_BUNDLE_PUBLICKEYBYTES];
    cJSON *desc;

    if (check_opts(o, 0, 0, 1, 0) != 0)
        return CLI_EXIT_USAGE;
    if (!o->pub || o->args.n != 1) {
        cli_error("bundle verify: give one FILE and --pub NAME.pub; try "
                  "'helpflow bundle --help'");
        return CLI_EXIT_USAGE;
    }
    if (read_key(o, o->pub, pk, sizeof pk, "public") != 0)
        return CLI_EXIT_USAGE;
    int code = inspect(o->cmd, o->args.v[0], pk, &desc, NULL);
    if (code >= 0)
        return code;
    char id[17];
    cli_hex(id, pk, 8);
    printf("%s: OK: ", o->args.v[0]);
    print_counts(stdout, desc);
    printf(", signed by key %s\n", id);
    cJSON_Delete(desc);
    return CLI_EXIT_OK;
}

static const char *field(const cJSON *en, const char *name, char *buf, size_t n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(en, name);
    if (cJSON_IsString(v))
        return v->valuestring;
    if (cJSON_IsNumber(v)) {
        snprintf(buf, n, "%.0f", v->valuedouble);
        return buf;
    }
    return "-";
}

enum { C_KIND, C_NAME, C_ID, C_VERSION, C_TITLE, C_SIZE, C_HASH, C_N };

static void print_row(const char *const *cells, const size_t *w)
{
    for (int c = 0; c < C_N; c++) {
        size_t pad = w[c] - cli_utf8_width(cells[c]);
        int right = c == C_VERSION || c == C_SIZE;
        if (right)
            printf("%*s", (int)pad, "");
        fputs(cells[c], stdout);
        if (c + 1 < C_N)
            printf("%*s", (int)(right ? 2 : pad + 2), "");
    }
    putchar('\n');
}

static int list(const bundle_opts *o)
{
    unsigned char pk[HF_BUNDLE_PUBLICKEYBYTES];
    cJSON *desc, *en;
    char *raw = NULL;

    if (check_opts(o, 0, 0, 1, 1) != 0)
        return CLI_EXIT_USAGE;
    if (o->args.n != 1) {
        cli_error("bundle list: give one FILE; try 'helpflow bundle --help'");
        return CLI_EXIT_USAGE;
    }
    if (o->pub && read_key(o, o->pub, pk, sizeof pk, "public") != 0)
        return CLI_EXIT_USAGE;
    int code = inspect(o->cmd, o->args.v[0], o->pub ? pk : NULL, &desc, &raw);
    if (code >= 0)
        return code;
    if (o->json) {
        puts(raw);
        free(raw);
        cJSON_Delete(desc);
        return CLI_EXIT_OK;
    }
    free(raw);
    const cJSON *signer = cJSON_GetObjectItemCaseSensitive(desc, "signer");
    char sid[17] = "?";
    if (cJSON_IsString(signer))
        snprintf(sid, sizeof sid, "%.16s", signer->valuestring);
    printf("%s: ", o->args.v[0]);
    print_counts(stdout, desc);
    printf(", %s bytes (%s inflated), signed by key %s, %s\n",
           field(desc, "size", (char[32]){0}, 32), field(desc, "body_size", (char[32]){0}, 32),
           sid, o->pub ? "signature verified" : "signature not checked (give --pub)");

    static const char *const heads[C_N] = {"KIND", "NAME",  "ID",     "VERSION",
                                           "TITLE", "SIZE", "BLAKE2B"};
    size_t w[C_N];
    char bufs[C_N][64];
    const char *cells[C_N];
    for (int c = 0; c < C_N; c++)
        w[c] = cli_utf8_width(heads[c]);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            print_row(heads, w);
        cJSON_ArrayForEach(en, cJSON_GetObjectItemCaseSensitive(desc, "entries")) {
            static const char *const names[C_N] = {"kind",  "name", "id",     "version",
                                                   "title", "size", "blake2b"};
            for (int c = 0; c < C_N; c++)
                cells[c] = field(en, names[c], bufs[c], sizeof bufs[c]);
            if (strlen(cells[C_HASH]) > 12) {
                snprintf(bufs[C_HASH], sizeof bufs[C_HASH], "%.12s", cells[C_HASH]);
                cells[C_HASH] = bufs[C_HASH];
            }
            for (int c = 0; c < C_N && pass == 0; c++)
                if (cli_utf8_width(cells[c]) > w[c])
                    w[c] = cli_utf8_width(cells[c]);
            if (pass == 1)
                print_row(cells, w);
        }
    }
    cJSON_Delete(desc);
    return CLI_EXIT_OK;
}

int cli_bundle(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(const bundle_opts *o);
    } subs[] = {{"keygen", keygen}, {"pack", pack}, {"verify", verify}, {"list", list}};
    bundle_opts o = { NULL, NULL, NULL, NULL, 0, { NULL, 0, 0 } };
    char cmd[32];
    int code;

    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(argv[1], subs[i].name) != 0)
            continue;
        snprintf(cmd, sizeof cmd, "bundle %s", subs[i].name);
        o.cmd = cmd;
        code = parse_args(argc - 1, argv + 1, &o);
        if (code < 0)
            code = subs[i].fn(&o);
        cli_strv_free(&o.args);
        return code;
    }
    cli_error("bundle: unknown subcommand '%s': use keygen, pack, verify or list; try "
              "'helpflow bundle --help'", argv[1]);
    return CLI_EXIT_USAGE;
}
