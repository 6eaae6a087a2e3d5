/*
 * test_cli_resume.c — `helpflow run --json --save / --restore` across processes, on every
 * reference flow: a session saved in one process and restored in another goes on exactly as
 * if it had never been interrupted.
 *
 * For every case of every flows/NAME.paths.json (one cmocka test per file), the command plays
 * the case's events in one process (with --log), then once for every point k: a first process
 * gets the first k events and --save's the snapshot, a second one --restore's it and gets the
 * rest. The first process must print the first k + 1 lines of the uninterrupted run; the
 * second must print the session's output at k (the uninterrupted line k, or, after a rejected
 * event, the last line before it without its "error") and then exactly the uninterrupted lines
 * that follow; and its --log must be the uninterrupted run's log, byte for byte. Odd cases
 * run with a snapshot key (--key). Then `helpflow replay LOG --json` must print the
 * uninterrupted run's lines less the rejected ones, and `replay --claim` of its last line must
 * say MATCH.
 *
 * The command runs through posix_spawn (no shell), from HF_BIN; flows from HF_SOURCE_DIR.
 */
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

extern char **environ;

#define MAX_FILES 128
#define MAX_ARGS 96

static struct {
    const char *bin;
    char dir[4096];          /* HF_SOURCE_DIR/flows */
    char tmp[4096];          /* a directory of our own */
    char *flows[MAX_ARGS];   /* the flow files */
    int nflows;
    char names[MAX_FILES][256];
    int nfiles;
    long processes;
} G;

/* ---- files and processes ------------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap);
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static void spill(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        fail_msg("cannot write %s", path);
}

/* The files of the test, in its own directory: tmp_path("snap") is always the same string. */
static const char *const file_names[] = {"stdout", "stderr", "events", "first", "rest", "snap",
                                         "a.log", "b.log", "full.log", "claim", "key"};
#define NFILE_NAMES (sizeof file_names / sizeof file_names[0])
static char file_paths[NFILE_NAMES][4200];

static const char *tmp_path(const char *name)
{
    for (size_t i = 0; i < NFILE_NAMES; i++)
        if (strcmp(file_names[i], name) == 0) {
            if (!file_paths[i][0])
                snprintf(file_paths[i], sizeof file_paths[i], "%s/%s", G.tmp, name);
            return file_paths[i];
        }
    fail_msg("no test file %s", name);
    return NULL;
}

/* Runs HF_BIN with args (NULL-terminated), stdin from the file in_path; its stdout in *out
 * (the caller frees it). Returns the exit code; its stderr is in tmp/stderr. */
static int run_cli(const char *const *args, const char *in_path, char **out)
{
    const char *argv[MAX_ARGS + 16];
    int n = 0;
    argv[n++] = G.bin;
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in_path, O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, tmp_path("stdout"), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&fa, 2, tmp_path("stderr"), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    pid_t pid;
    int rc = posix_spawn(&pid, G.bin, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        fail_msg("cannot run %s: %s", G.bin, strerror(rc));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        ;
    G.processes++;
    *out = slurp(tmp_path("stdout"), NULL);
    if (!*out)
        fail_msg("no stdout from %s", G.bin);
    if (!WIFEXITED(status))
        fail_msg("%s %s died (status %d)", G.bin, args[0], status);
    return WEXITSTATUS(status);
}

/* The lines of text (modified in place): count in *n. */
static char **split_lines(char *text, int *n)
{
    int cap = 16;
    char **v = malloc(sizeof *v * (size_t)cap);
    *n = 0;
    for (char *p = text; *p;) {
        char *nl = strchr(p, '\n');
        if (!nl)
            fail_msg("output does not end with a newline: %s", p);
        *nl = '\0';
        if (*n == cap)
            v = realloc(v, sizeof *v * (size_t)(cap *= 2));
        v[(*n)++] = p;
        p = nl + 1;
    }
    return v;
}

static bool has_error(const char *line)
{
    cJSON *j = cJSON_Parse(line);
    if (!j)
        fail_msg("output line is not JSON: %s", line);
    bool e = cJSON_GetObjectItemCaseSensitive(j, "error") != NULL;
    cJSON_Delete(j);
    return e;
}

/* ---- one case ------------------------------------------------------------------------------ */

typedef struct kase {
    const char *file, *name, *flow;
    char *context;     /* NULL: the fixtures' */
    char **events;     /* one line each */
    int n;
    bool keyed;
} kase;

/* Writes events[from, to) to path, one a line. */
static void write_events(const kase *c, int from, int to, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        fail_msg("cannot write %s", path);
    for (int i = from; i < to; i++)
        fprintf(f, "%s\n", c->events[i]);
    fclose(f);
}

/* The args of `run --json` for c, then extra ones, into argv (NULL-terminated). */
static void run_args(const kase *c, const char **argv, bool restore, const char *const *extra)
{
    int n = 0;
    argv[n++] = "run";
    argv[n++] = "--json";
    if (!restore) {
        argv[n++] = "--flow";
        argv[n++] = c->flow;
        if (c->context) {
            argv[n++] = "--context";
            argv[n++] = c->context;
        }
    }
    if (c->keyed) {
        argv[n++] = "--key";
        argv[n++] = tmp_path("key");
    }
    for (int i = 0; extra[i]; i++)
        argv[n++] = extra[i];
    for (int i = 0; i < G.nflows; i++)
        argv[n++] = G.flows[i];
    argv[n] = NULL;
}

#define WHERE c->file, c->name

static void check_case(const kase *c)
{
    const char *argv[MAX_ARGS + 16];
    const char *full_log = tmp_path("full.log");
    char *full_text;

    /* uninterrupted */
    write_events(c, 0, c->n, tmp_path("events"));
    run_args(c, argv, false, (const char *const[]){"--log", full_log, NULL});
    int code = run_cli(argv, tmp_path("events"), &full_text);
    if (code != 0)
        fail_msg("%s: %s: run --json exits %d: %s", WHERE, code, slurp(tmp_path("stderr"), NULL));
    int nfull;
    char **full = split_lines(full_text, &nfull);
    if (nfull != c->n + 1)
        fail_msg("%s: %s: %d events gave %d lines", WHERE, c->n, nfull);
    char *want_log = slurp(full_log, NULL);
    if (!want_log)
        fail_msg("%s: %s: run --log wrote no log", WHERE);

    for (int k = 0; k <= c->n; k++) {
        char *a_text, *b_text;
        write_events(c, 0, k, tmp_path("first"));
        run_args(c, argv, false,
                 (const char *const[]){"--save", tmp_path("snap"), "--log", tmp_path("a.log"),
                                       NULL});
        if ((code = run_cli(argv, tmp_path("first"), &a_text)) != 0)
            fail_msg("%s: %s: k=%d: run --save exits %d: %s", WHERE, k, code,
                     slurp(tmp_path("stderr"), NULL));
        int na;
        char **a = split_lines(a_text, &na);
        if (na != k + 1)
            fail_msg("%s: %s: k=%d: the first process printed %d lines", WHERE, k, na);
        for (int i = 0; i < na; i++)
            if (strcmp(a[i], full[i]) != 0)
                fail_msg("%s: %s: k=%d: line %d differs:\n  %s\n  %s", WHERE, k, i, a[i], full[i]);

        write_events(c, k, c->n, tmp_path("rest"));
        run_args(c, argv, true,
                 (const char *const[]){"--restore", tmp_path("snap"), "--log", tmp_path("b.log"),
                                       NULL});
        if ((code = run_cli(argv, tmp_path("rest"), &b_text)) != 0)
            fail_msg("%s: %s: k=%d: run --restore exits %d: %s", WHERE, k, code,
                     slurp(tmp_path("stderr"), NULL));
        int nb;
        char **b = split_lines(b_text, &nb);
        if (nb != c->n - k + 1)
            fail_msg("%s: %s: k=%d: the restoring process printed %d lines, want %d", WHERE, k,
                     nb, c->n - k + 1);
        int j = k; /* the session's output at k: a rejected event's line carries "error" */
        while (j > 0 && has_error(full[j]))
            j--;
        if (strcmp(b[0], full[j]) != 0)
            fail_msg("%s: %s: k=%d: the restored output differs:\n  restored %s\n  want     %s",
                     WHERE, k, b[0], full[j]);
        for (int i = 1; i < nb; i++)
            if (strcmp(b[i], full[k + i]) != 0)
                fail_msg("%s: %s: k=%d: after the restore, line %d differs:\n  got  %s\n  want "
                         "%s", WHERE, k, k + i, b[i], full[k + i]);
        char *b_log = slurp(tmp_path("b.log"), NULL);
        if (!b_log || strcmp(b_log, want_log) != 0)
            fail_msg("%s: %s: k=%d: the restored session's log differs:\n  got  %s\n  want %s",
                     WHERE, k, b_log ? b_log : "(none)", want_log);
        free(b_log);
        free(a);
        free(b);
        free(a_text);
        free(b_text);
    }

    /* the log replays to the same outputs, and the last one is a MATCH */
    char *r_text;
    const char *rargs[MAX_ARGS + 8];
    int n = 0;
    rargs[n++] = "replay";
    rargs[n++] = full_log;
    rargs[n++] = "--json";
    for (int i = 0; i < G.nflows; i++)
        rargs[n++] = G.flows[i];
    rargs[n] = NULL;
    if ((code = run_cli(rargs, "/dev/null", &r_text)) != 0)
        fail_msg("%s: %s: replay exits %d: %s", WHERE, code, slurp(tmp_path("stderr"), NULL));
    int nr;
    char **r = split_lines(r_text, &nr);
    int i = 0;
    for (int f = 0; f < nfull; f++) {
        if (f > 0 && has_error(full[f]))
            continue;
        if (i >= nr || strcmp(r[i], full[f]) != 0)
            fail_msg("%s: %s: replay line %d differs from run line %d:\n  %s\n  %s", WHERE, i, f,
                     i < nr ? r[i] : "(none)", full[f]);
        i++;
    }
    if (i != nr)
        fail_msg("%s: %s: replay printed %d lines, want %d", WHERE, nr, i);
    int last = nfull - 1;
    while (last > 0 && has_error(full[last]))
        last--;
    spill(tmp_path("claim"), full[last]);
    n = 0;
    rargs[n++] = "replay";
    rargs[n++] = full_log;
    rargs[n++] = "--claim";
    rargs[n++] = tmp_path("claim");
    rargs[n++] = "--quiet";
    for (int f = 0; f < G.nflows; f++)
        rargs[n++] = G.flows[f];
    rargs[n] = NULL;
    char *v_text;
    code = run_cli(rargs, "/dev/null", &v_text);
    if (code != 0 || !strstr(v_text, "\nMATCH"))
        fail_msg("%s: %s: replay --claim of the last line exits %d: %s", WHERE, code, v_text);
    free(v_text);
    free(r);
    free(r_text);
    free(want_log);
    free(full);
    free(full_text);
}

/* ---- the files ----------------------------------------------------------------------------- */

static void test_paths_file(void **state)
{
    const char *name = *state;
    char path[4096 + 300];
    snprintf(path, sizeof path, "%s/%s.paths.json", G.dir, name);
    char *text = slurp(path, NULL);
    assert_non_null(text);
    cJSON *cases = cJSON_Parse(text);
    if (!cJSON_IsArray(cases))
        fail_msg("%s is not a JSON array", path);
    int index = 0, ran = 0;
    for (cJSON *cs = cases->child; cs; cs = cs->next, index++) {
        kase c = {0};
        c.file = name;
        c.name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cs, "name"));
        c.flow = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cs, "flow"));
        cJSON *ctx = cJSON_GetObjectItemCaseSensitive(cs, "context");
        cJSON *steps = cJSON_GetObjectItemCaseSensitive(cs, "steps");
        if (!c.name || !c.flow || !cJSON_IsArray(steps))
            fail_msg("%s: case %d is malformed", path, index);
        c.context = ctx ? cJSON_PrintUnformatted(ctx) : NULL;
        c.keyed = index % 2 == 1;
        c.events = calloc((size_t)cJSON_GetArraySize(steps) + 1, sizeof *c.events);
        bool sendable = true;
        for (cJSON *st = steps->child; st; st = st->next) {
            cJSON *send = cJSON_GetObjectItemCaseSensitive(st, "send");
            if (!send)
                continue;
            char *line = cJSON_IsString(send) ? strdup(send->valuestring)
                                              : cJSON_PrintUnformatted(send);
            /* one event a line: one with a line break, or blank (ignored), cannot be sent */
            if (strchr(line, '\n') || strchr(line, '\r') || !line[strspn(line, " \t")])
                sendable = false;
            c.events[c.n++] = line;
        }
        if (sendable) {
            check_case(&c);
            ran++;
        }
        for (int i = 0; i < c.n; i++)
            free(c.events[i]);
        free(c.events);
        free(c.context);
    }
    if (ran == 0)
        fail_msg("%s: no case could be run", path);
    cJSON_Delete(cases);
    free(text);
}

static int by_name(const void *a, const void *b) { return strcmp(a, b); }

static void cleanup(void)
{
    for (size_t i = 0; i < NFILE_NAMES; i++)
        unlink(tmp_path(file_names[i]));
    rmdir(G.tmp);
}

int main(void)
{
    const char *src = getenv("HF_SOURCE_DIR");
    G.bin = getenv("HF_BIN");
    if (!G.bin || !src) {
        fprintf(stderr, "test_cli_resume: HF_BIN and HF_SOURCE_DIR must be set\n");
        return 1;
    }
    snprintf(G.dir, sizeof G.dir, "%s/flows", src);
    const char *t = getenv("TMPDIR");
    snprintf(G.tmp, sizeof G.tmp, "%s/hf_resume.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(G.tmp)) {
        perror("mkdtemp");
        return 1;
    }
    atexit(cleanup);

    DIR *d = opendir(G.dir);
    if (!d) {
        perror(G.dir);
        return 1;
    }
    for (struct dirent *ent; (ent = readdir(d)) != NULL;) {
        size_t n = strlen(ent->d_name);
        if (t_is_flow_file(ent->d_name) && G.nflows < MAX_ARGS - 16) {
            char *p = malloc(strlen(G.dir) + n + 2);
            sprintf(p, "%s/%s", G.dir, ent->d_name);
            G.flows[G.nflows++] = p;
        } else if (n > 11 && strcmp(ent->d_name + n - 11, ".paths.json") == 0 &&
                   G.nfiles < MAX_FILES) {
            snprintf(G.names[G.nfiles++], sizeof G.names[0], "%.*s", (int)(n - 11), ent->d_name);
        }
    }
    closedir(d);
    qsort(G.names, (size_t)G.nfiles, sizeof G.names[0], by_name);

    /* the key the odd cases use, made by the command itself */
    char *out;
    const char *keygen[] = {"snapshot", "keygen", "-o", tmp_path("key"), NULL};
    if (run_cli(keygen, "/dev/null", &out) != 0) {
        fprintf(stderr, "test_cli_resume: snapshot keygen failed\n");
        return 1;
    }
    free(out);

    struct CMUnitTest tests[MAX_FILES];
    for (int i = 0; i < G.nfiles; i++)
        tests[i] = (struct CMUnitTest){G.names[i], test_paths_file, NULL, NULL, G.names[i]};
    int failed = _cmocka_run_group_tests("cli_resume", tests, (size_t)G.nfiles, NULL, NULL);
    fprintf(stderr, "test_cli_resume: %ld processes\n", G.processes);
    for (int i = 0; i < G.nflows; i++)
        free(G.flows[i]);
    return failed;
}
