/*
 * report.c — `helpflow report`: reads outcome records (hf_session_outcome(), one JSON object a
 * line), checks every one, and prints per flow and version how many sessions self-service
 * resolved, how the others ended, where they ended and how long they took: a text table, JSON,
 * and with --html a page with a funnel chart per flow (report_html.c).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "args.h"
#include "cli.h"
#include "report.h"
#include "utf8.h"
#include "util.h"

static void usage(FILE *out)
{
    fputs(
"usage: helpflow report [--json] [--html FILE] OUTCOMES.jsonl...\n"
"\n"
"Reads outcome records, the JSON objects hf_session_outcome() gives for finished sessions,\n"
"one a line ('-' reads stdin; blank lines are skipped; a file named twice is read once), and\n"
"reports per flow and version: sessions, resolved and the containment rate (resolved /\n"
"sessions), escalated (and by reason), cancelled, abandoned, failed, the median duration\n"
"(h/m/s and seconds; over an even count, the mean of the middle two) and the step where\n"
"unresolved sessions most often ended, with how many ended there (ties: the first by name).\n"
"\n"
"Each record needs \"flow\" (string), \"version\" (integer), \"outcome\" (resolved,\n"
"escalated, cancelled, abandoned or failed), \"step\" (string) and \"duration\" (whole\n"
"seconds), and \"reason\" (string) when escalated. \"session\", \"steps\", \"started_at\",\n"
"\"finished_at\" and \"trail\" (the step ids entered, in order; \"flow/step\" inside a subflow)\n"
"are optional but must have their type when present; other members are ignored.\n"
"\n"
"Prints a table: one row per flow version (then an 'all flows' row when there are several),\n"
"and the escalations by reason. With no records at all it prints \"no outcome records\" and\n"
"exits 0.\n"
"\n"
"The funnel of a flow version counts, from the trails, the sessions that reached each step\n"
"(once per session): first along the most common path (from where most trails start, the\n"
"move most trails made next, step after step), then the steps reached only off it.\n"
"\n"
"options:\n"
"  --json        print the report as JSON instead (with each flow's funnel: the sessions\n"
"                that reached each step, most common path first)\n"
"  --html FILE   also write the report as one self-contained HTML page (no scripts, nothing\n"
"                loaded from the network) with a funnel chart per flow version; '-' writes\n"
"                the page to stdout instead of the table\n"
"  --help        this help\n"
"\n"
"Exit status: 0 the report was made, 2 bad usage, a file that cannot be read or written, or a\n"
"malformed record: then the bad lines are named (the first 20) as FILE:LINE: what is wrong,\n"
"and nothing is written.\n", out);
}

/* ---------------------------------------------------------------------------------------- */
/* Reading and checking records.                                                             */

typedef struct reader {
    rp_report *r;
    rp_tally group_keys; /* "VERSION:FLOW" -> index in r->groups */
    size_t capgroups;
    long bad;            /* malformed lines seen */
} reader;

enum { MAX_MESSAGES = 20 }; /* malformed lines named one by one; the rest are counted */

static int is_whole(const cJSON *j, double min)
{
    /* 2^53: past it a double no longer holds every integer, so a count could be off. */
    return cJSON_IsNumber(j) && isfinite(j->valuedouble) && floor(j->valuedouble) == j->valuedouble
           && j->valuedouble >= min && fabs(j->valuedouble) <= 9007199254740992.0;
}

/* Checks one record; on a problem writes it to why and returns -1. */
static int check_record(const cJSON *rec, int *outcome, char *why, size_t size)
{
    static const char *const known[] = {"session", "flow", "version", "outcome", "reason",
                                        "step", "steps", "started_at", "finished_at",
                                        "duration", "trail"};
    const cJSON *m;
    if (!cJSON_IsObject(rec)) {
        snprintf(why, size, "not a JSON object");
        return -1;
    }
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
        int seen = 0;
        cJSON_ArrayForEach(m, rec)
            seen += m->string && strcmp(m->string, known[k]) == 0;
        if (seen > 1) {
            snprintf(why, size, "\"%s\" appears %d times", known[k], seen);
            return -1;
        }
    }
    static const char *const required_strings[] = {"flow", "step"};
    for (size_t k = 0; k < 2; k++) {
        m = cJSON_GetObjectItemCaseSensitive(rec, required_strings[k]);
        if (!m) {
            snprintf(why, size, "missing \"%s\"", required_strings[k]);
            return -1;
        }
        if (!cJSON_IsString(m) || !m->valuestring[0]) {
            snprintf(why, size, "\"%s\" must be a non-empty string", required_strings[k]);
            return -1;
        }
    }
    m = cJSON_GetObjectItemCaseSensitive(rec, "version");
    if (!m || !is_whole(m, 0)) {
        snprintf(why, size, m ? "\"version\" must be a whole number >= 0" : "missing \"version\"");
        return -1;
    }
    m = cJSON_GetObjectItemCaseSensitive(rec, "duration");
    if (!m || !is_whole(m, 0)) {
        snprintf(why, size,
                 m ? "\"duration\" must be a whole number of seconds >= 0" : "missing \"duration\"");
        return -1;
    }
    m = cJSON_GetObjectItemCaseSensitive(rec, "outcome");
    if (!m) {
        snprintf(why, size, "missing \"outcome\"");
        return -1;
    }
    *outcome = -1;
    for (int o = 0; o < RP_N_OUTCOMES && cJSON_IsString(m); o++)
        if (strcmp(m->valuestring, rp_outcome_names[o]) == 0)
            *outcome = o;
    if (*outcome < 0) {
        snprintf(why, size, "\"outcome\" must be one of resolved, escalated, cancelled, "
                            "abandoned, failed");
        return -1;
    }
    m = cJSON_GetObjectItemCaseSensitive(rec, "reason");
    if (m && (!cJSON_IsString(m) || !m->valuestring[0])) {
        snprintf(why, size, "\"reason\" must be a non-empty string");
        return -1;
    }
    if (!m && *outcome == RP_ESCALATED) {
        snprintf(why, size, "an escalated outcome needs a \"reason\"");
        return -1;
    }
    m = cJSON_GetObjectItemCaseSensitive(rec, "session");
    if (m && !cJSON_IsString(m)) {
        snprintf(why, size, "\"session\" must be a string");
        return -1;
    }
    static const char *const whole[] = {"steps", "started_at", "finished_at"};
    for (size_t k = 0; k < 3; k++) {
        m = cJSON_GetObjectItemCaseSensitive(rec, whole[k]);
        if (m && !is_whole(m, k == 0 ? 0 : -9007199254740992.0)) {
            snprintf(why, size, "\"%s\" must be a whole number%s", whole[k], k == 0 ? " >= 0" : "");
            return -1;
        }
    }
    m = cJSON_GetObjectItemCaseSensitive(rec, "trail");
    if (m) {
        const cJSON *step;
        int i = 0;
        if (!cJSON_IsArray(m)) {
            snprintf(why, size, "\"trail\" must be an array of step ids");
            return -1;
        }
        cJSON_ArrayForEach(step, m) {
            i++;
            if (!cJSON_IsString(step) || !step->valuestring[0]) {
                snprintf(why, size, "\"trail\" entry %d must be a non-empty string", i);
                return -1;
            }
        }
    }
    return 0;
}

static rp_group *group_for(reader *rd, const char *flow, int64_t version)
{
    rp_report *r = rd->r;
    size_t len = strlen(flow) + 32;
    char *key = cli_xrealloc(NULL, len);
    snprintf(key, len, "%lld:%s", (long long)version, flow);
    size_t before = rd->group_keys.n;
    size_t i = rp_tally_add(&rd->group_keys, key, 1);
    free(key);
    if (rd->group_keys.n == before)
        return r->groups[i];
    if (r->ngroups == rd->capgroups) {
        rd->capgroups = rd->capgroups ? rd->capgroups * 2 : 8;
        r->groups = cli_xrealloc(r->groups, rd->capgroups * sizeof *r->groups);
    }
    rp_group *g = cli_xrealloc(NULL, sizeof *g);
    memset(g, 0, sizeof *g);
    g->flow = cli_xstrdup(flow);
    g->version = version;
    r->groups[r->ngroups++] = g;
    return g;
}

static int by_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static int by_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Counts a trail: each step it reached and each move it made, once per session. */
static void count_trail(rp_group *g, const cJSON *trail)
{
    size_t n = (size_t)cJSON_GetArraySize(trail), k = 0;
    size_t *idx = cli_xrealloc(NULL, (n ? n : 1) * sizeof *idx);
    uint64_t *mv = cli_xrealloc(NULL, (n ? n : 1) * sizeof *mv);
    const cJSON *step;
    g->trails++;
    cJSON_ArrayForEach(step, trail)
        idx[k++] = rp_tally_add(&g->steps, step->valuestring, 0);
    if (n > 0)
        rp_tally_add(&g->firsts, trail->child->valuestring, 1);
    size_t nmv = 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (idx[i] != idx[i + 1])
            mv[nmv++] = (uint64_t)idx[i] << 32 | (uint64_t)idx[i + 1];
    if (n > 1)
        qsort(idx, n, sizeof *idx, by_size);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || idx[i] != idx[i - 1])
            g->steps.counts[idx[i]]++;
    if (nmv > 1)
        qsort(mv, nmv, sizeof *mv, by_u64);
    for (size_t i = 0; i < nmv; i++) {
        char key[48];
        if (i > 0 && mv[i] == mv[i - 1])
            continue;
        snprintf(key, sizeof key, "%zu>%zu", (size_t)(mv[i] >> 32), (size_t)(mv[i] & 0xffffffffu));
        rp_tally_add(&g->moves, key, 1);
    }
    free(mv);
    free(idx);
}

static void add_duration(rp_group *g, int64_t d)
{
    if (g->ndurations == g->capdurations) {
        g->capdurations = g->capdurations ? g->capdurations * 2 : 16;
        g->durations = cli_xrealloc(g->durations, g->capdurations * sizeof *g->durations);
    }
    g->durations[g->ndurations++] = d;
}

static void count_record(reader *rd, const cJSON *rec, int outcome)
{
    const char *flow = cJSON_GetObjectItemCaseSensitive(rec, "flow")->valuestring;
    const char *step = cJSON_GetObjectItemCaseSensitive(rec, "step")->valuestring;
    int64_t version = (int64_t)cJSON_GetObjectItemCaseSensitive(rec, "version")->valuedouble;
    int64_t duration = (int64_t)cJSON_GetObjectItemCaseSensitive(rec, "duration")->valuedouble;
    const cJSON *trail = cJSON_GetObjectItemCaseSensitive(rec, "trail");
    rp_group *groups[2] = { group_for(rd, flow, version), &rd->r->total };

    for (int i = 0; i < 2; i++) {
        rp_group *g = groups[i];
        g->sessions++;
        g->outcomes[outcome]++;
        if (outcome == RP_ESCALATED)
            rp_tally_add(&g->reasons,
                         cJSON_GetObjectItemCaseSensitive(rec, "reason")->valuestring, 1);
        add_duration(g, duration);
    }
    if (outcome != RP_RESOLVED)
        rp_tally_add(&groups[0]->ends, step, 1);
    if (trail)
        count_trail(groups[0], trail);
    rd->r->records++;
}

/* Names a malformed line (the first MAX_MESSAGES of them) and counts it. */
static void bad_line(reader *rd, const char *name, long lineno, const char *why)
{
    if (++rd->bad <= MAX_MESSAGES)
        cli_error("report: %s:%ld: %s", name, lineno, why);
}

static int read_stream(reader *rd, FILE *in, const char *name)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long lineno = 0;
    char why[200];

    while ((got = getline(&line, &cap, in)) >= 0) {
        lineno++;
        if ((size_t)got != strlen(line)) {
            bad_line(rd, name, lineno, "holds a NUL byte");
            continue;
        }
        if (cli_is_blank(line))
            continue;
        long at = cli_utf8_bad_at(line, strlen(line));
        if (at >= 0) {
            snprintf(why, sizeof why, "not valid UTF-8 (byte %ld)", at + 1);
            bad_line(rd, name, lineno, why);
            continue;
        }
        const char *end = NULL;
        cJSON *rec = cJSON_ParseWithOpts(line, &end, 1);
        if (!rec) {
            snprintf(why, sizeof why, "not valid JSON (column %ld)",
                     end ? (long)(end - line) + 1 : 1L);
            bad_line(rd, name, lineno, why);
            continue;
        }
        int outcome;
        if (check_record(rec, &outcome, why, sizeof why) != 0)
            bad_line(rd, name, lineno, why);
        else if (rd->bad == 0)
            count_record(rd, rec, outcome);
        cJSON_Delete(rec);
    }
    int failed = ferror(in);
    free(line);
    if (failed) {
        cli_error("report: %s: %s", name, strerror(errno));
        return -1;
    }
    return 0;
}

static int read_inputs(reader *rd, const cli_strv *files)
{
    for (size_t i = 0; i < files->n; i++) {
        const char *path = files->v[i];
        if (strcmp(path, "-") == 0) {
            if (read_stream(rd, stdin, "<stdin>") != 0)
                return -1;
            continue;
        }
        FILE *f = fopen(path, "r");
        if (!f) {
            cli_error("report: %s: %s", path, strerror(errno));
            return -1;
        }
        int rc = read_stream(rd, f, path);
        fclose(f);
        if (rc != 0)
            return -1;
    }
    if (rd->bad > MAX_MESSAGES)
        cli_error("report: ... and %ld more malformed lines", rd->bad - MAX_MESSAGES);
    if (rd->bad) {
        cli_error("report: %ld malformed line%s; no report made", rd->bad, rd->bad == 1 ? "" : "s");
        return -1;
    }
    return 0;
}

static int by_flow_then_version(const void *a, const void *b)
{
    const rp_group *x = *(rp_group *const *)a, *y = *(rp_group *const *)b;
    int c = strcmp(x->flow, y->flow);
    if (c)
        return c;
    return (x->version > y->version) - (x->version < y->version);
}

static void group_free(rp_group *g)
{
    free(g->flow);
    rp_tally_free(&g->reasons);
    rp_tally_free(&g->ends);
    rp_tally_free(&g->steps);
    rp_tally_free(&g->firsts);
    rp_tally_free(&g->moves);
    free(g->durations);
}

static void report_free(rp_report *r)
{
    for (size_t i = 0; i < r->ngroups; i++) {
        group_free(r->groups[i]);
        free(r->groups[i]);
    }
    free(r->groups);
    group_free(&r->total);
}

/* ---------------------------------------------------------------------------------------- */
/* The text table.                                                                           */

/* s with every control character (C0, DEL, C1) shown as \xNN, so data cannot drive the
 * terminal. The caller frees it. */
static char *term_safe(const char *s)
{
    size_t n = strlen(s), j = 0;
    char *out = cli_xrealloc(NULL, 4 * n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            j += (size_t)sprintf(out + j, "\\x%02x", c);
        } else if (c == 0xC2 && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f) {
            j += (size_t)sprintf(out + j, "\\x%02x", (unsigned char)s[++i]);
        } else {
            out[j++] = (char)c;
        }
    }
    out[j] = '\0';
    return out;
}

typedef struct table {
    const char *align; /* 'l' or 'r' per column */
    size_t ncols, nrows, cap;
    char **cells;      /* row-major, owned */
} table;

/* Adds a row: ncols strings (NULL for an empty cell), copied and made safe for a terminal. */
static void table_add(table *t, char **cells)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->cells = cli_xrealloc(t->cells, t->cap * t->ncols * sizeof *t->cells);
    }
    for (size_t c = 0; c < t->ncols; c++)
        t->cells[t->nrows * t->ncols + c] = term_safe(cells[c] ? cells[c] : "");
    t->nrows++;
}

static void table_print(FILE *out, table *t)
{
    size_t *w = cli_xrealloc(NULL, t->ncols * sizeof *w);
    for (size_t c = 0; c < t->ncols; c++) {
        w[c] = 0;
        for (size_t r = 0; r < t->nrows; r++) {
            size_t cw = cli_utf8_width(t->cells[r * t->ncols + c]);
            if (cw > w[c])
                w[c] = cw;
        }
    }
    for (size_t r = 0; r < t->nrows; r++) {
        size_t last = t->ncols; /* no trailing blanks: stop after the last non-empty cell */
        while (last > 0 && !t->cells[r * t->ncols + last - 1][0])
            last--;
        for (size_t c = 0; c < last; c++) {
            const char *cell = t->cells[r * t->ncols + c];
            size_t pad = w[c] - cli_utf8_width(cell);
            if (c > 0)
                fputs("  ", out);
            if (t->align[c] == 'r')
                fprintf(out, "%*s%s", (int)pad, "", cell);
            else
                fprintf(out, "%s%*s", cell, c + 1 < last ? (int)pad : 0, "");
        }
        fputc('\n', out);
    }
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(w);
}

static char *fmt_seconds(double s)
{
    return s == floor(s) ? cli_format("%.0f", s) : cli_format("%.1f", s);
}

static void group_row(table *t, const rp_group *g)
{
    char human[64];
    char *cells[12];
    double median = rp_median(g);
    long top_n;
    const char *top = g->flow ? rp_top_end(g, &top_n) : NULL;

    rp_human_duration(median, human);
    cells[0] = cli_xstrdup(g->flow ? g->flow : "all flows");
    cells[1] = g->flow ? cli_format("%lld", (long long)g->version) : cli_xstrdup("");
    cells[2] = cli_format("%ld", g->sessions);
    cells[3] = cli_format("%ld", g->outcomes[RP_RESOLVED]);
    cells[4] = cli_format("%.1f%%", rp_containment(g));
    cells[5] = cli_format("%ld", g->outcomes[RP_ESCALATED]);
    cells[6] = cli_format("%ld", g->outcomes[RP_CANCELLED]);
    cells[7] = cli_format("%ld", g->outcomes[RP_ABANDONED]);
    cells[8] = cli_format("%ld", g->outcomes[RP_FAILED]);
    cells[9] = cli_xstrdup(human);
    cells[10] = fmt_seconds(median);
    if (top) {
        size_t len = strlen(top) + 32;
        cells[11] = cli_xrealloc(NULL, len);
        snprintf(cells[11], len, "%s (%ld)", top, top_n);
    } else {
        cells[11] = cli_xstrdup(g->flow ? "-" : "");
    }
    table_add(t, cells);
    for (int i = 0; i < 12; i++)
        free(cells[i]);
}

static void print_text(FILE *out, const rp_report *r)
{
    if (r->records == 0) {
        fputs("no outcome records\n", out);
        return;
    }
    table t = { "lrrrrrrrrrrl", 12, 0, 0, NULL };
    char *head[12] = { "flow", "version", "sessions", "resolved", "containment", "escalated",
                       "cancelled", "abandoned", "failed", "median", "(s)",
                       "most unresolved end" };
    table_add(&t, head);
    for (size_t i = 0; i < r->ngroups; i++)
        group_row(&t, r->groups[i]);
    if (r->ngroups > 1)
        group_row(&t, &r->total);
    table_print(out, &t);

    fputs("\nescalated by reason\n", out);
    if (r->total.outcomes[RP_ESCALATED] == 0) {
        fputs("none\n", out);
        return;
    }
    table e = { "lrlrr", 5, 0, 0, NULL };
    char *ehead[5] = { "flow", "version", "reason", "sessions", "share" };
    table_add(&e, ehead);
    for (size_t i = 0; i < r->ngroups; i++) {
        const rp_group *g = r->groups[i];
        size_t *order = rp_tally_ranked(&g->reasons);
        for (size_t k = 0; k < g->reasons.n; k++) {
            long n = g->reasons.counts[order[k]];
            char *cells[5] = { g->flow, cli_format("%lld", (long long)g->version),
                               g->reasons.keys[order[k]], cli_format("%ld", n),
                               cli_format("%.1f%%", round(1000.0 * (double)n /
                                                          (double)g->outcomes[RP_ESCALATED]) /
                                                        10) };
            table_add(&e, cells);
            free(cells[1]);
            free(cells[3]);
            free(cells[4]);
        }
        free(order);
    }
    table_print(out, &e);
}

/* ---------------------------------------------------------------------------------------- */
/* JSON.                                                                                     */

static cJSON *group_json(const rp_group *g)
{
    cJSON *o = cJSON_CreateObject();
    char human[64];
    double median = rp_median(g), containment = rp_containment(g);
    if (g->flow) {
        cJSON_AddStringToObject(o, "flow", g->flow);
        cJSON_AddNumberToObject(o, "version", (double)g->version);
    }
    cJSON_AddNumberToObject(o, "sessions", (double)g->sessions);
    cJSON_AddNumberToObject(o, "resolved", (double)g->outcomes[RP_RESOLVED]);
    if (containment < 0)
        cJSON_AddNullToObject(o, "containment_pct");
    else
        cJSON_AddNumberToObject(o, "containment_pct", containment);
    cJSON_AddNumberToObject(o, "escalated", (double)g->outcomes[RP_ESCALATED]);
    cJSON *by = cJSON_AddObjectToObject(o, "escalated_by_reason");
    size_t *order = rp_tally_ranked(&g->reasons);
    for (size_t k = 0; k < g->reasons.n; k++)
        cJSON_AddNumberToObject(by, g->reasons.keys[order[k]],
                                (double)g->reasons.counts[order[k]]);
    free(order);
    for (int o2 = RP_CANCELLED; o2 < RP_N_OUTCOMES; o2++)
        cJSON_AddNumberToObject(o, rp_outcome_names[o2], (double)g->outcomes[o2]);
    if (median < 0) {
        cJSON_AddNullToObject(o, "median_duration_s");
        cJSON_AddNullToObject(o, "median_duration");
    } else {
        rp_human_duration(median, human);
        cJSON_AddNumberToObject(o, "median_duration_s", median);
        cJSON_AddStringToObject(o, "median_duration", human);
    }
    if (!g->flow)
        return o;
    long top_n;
    const char *top = rp_top_end(g, &top_n);
    if (top) {
        cJSON *t = cJSON_AddObjectToObject(o, "most_unresolved_end");
        cJSON_AddStringToObject(t, "step", top);
        cJSON_AddNumberToObject(t, "sessions", (double)top_n);
    } else {
        cJSON_AddNullToObject(o, "most_unresolved_end");
    }
    cJSON_AddNumberToObject(o, "trails", (double)g->trails);
    rp_funnel_step *f;
    size_t n = rp_funnel(g, &f);
    cJSON *funnel = cJSON_AddArrayToObject(o, "funnel");
    for (size_t i = 0; i < n; i++) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "step", f[i].step);
        cJSON_AddNumberToObject(s, "sessions", (double)f[i].sessions);
        cJSON_AddBoolToObject(s, "main_path", f[i].on_path);
        cJSON_AddItemToArray(funnel, s);
    }
    free(f);
    return o;
}

static int print_json(FILE *out, const rp_report *r)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "records", (double)r->records);
    cJSON *flows = cJSON_AddArrayToObject(root, "flows");
    for (size_t i = 0; i < r->ngroups; i++)
        cJSON_AddItemToArray(flows, group_json(r->groups[i]));
    cJSON_AddItemToObject(root, "total", group_json(&r->total));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) {
        cli_error("out of memory");
        return -1;
    }
    fprintf(out, "%s\n", text);
    cJSON_free(text);
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* The command.                                                                              */

static int write_html(const char *path, const rp_report *r)
{
    if (strcmp(path, "-") == 0) {
        if (rp_write_html(stdout, r) == 0)
            return 0;
        cli_error("report: stdout: %s", strerror(errno));
        return -1;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        cli_error("report: cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    int rc = rp_write_html(f, r);
    if (fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        cli_error("report: cannot write %s: %s", path, strerror(errno));
    return rc;
}

/* The outcome files: "-" is stdin, read once however often it is named before "--". */
typedef struct inputs {
    cli_strv files;
    int stdin_seen;
} inputs;

static int take_input(void *ud, const char *path, int quoted)
{
    inputs *in = ud;

    if (strcmp(path, "-") == 0 && !quoted) {
        if (!in->stdin_seen++) /* stdin can be read once */
            cli_strv_push(&in->files, path);
    } else {
        cli_strv_push_file(&in->files, path);
    }
    return 0;
}

int cli_report(int argc, char **argv)
{
    inputs in = { { NULL, 0, 0 }, 0 };
    cli_strv *files = &in.files;
    const char *html = NULL;
    int json = 0, code;
    const cli_option options[] = {
        { .name = "--json", .flag = &json },
        { .name = "--html", .value = &html, .how = CLI_OPT_FILE },
        { .name = NULL },
    };
    const cli_args args = { "report", "report", NULL, usage, options, take_input, &in };

    code = cli_parse_args(&args, argc, argv);
    if (code >= 0)
        goto done;
    code = CLI_EXIT_USAGE;
    if (files->n == 0) {
        cli_error("report: no outcome files given ('-' reads stdin); try 'helpflow report --help'");
        goto done;
    }
    if (html && !html[0]) {
        cli_error("report: --html needs a file; try 'helpflow report --help'");
        goto done;
    }

    rp_report r;
    reader rd;
    memset(&r, 0, sizeof r);
    memset(&rd, 0, sizeof rd);
    rd.r = &r;
    r.files = (const char *const *)files->v;
    r.nfiles = files->n;
    if (read_inputs(&rd, files) == 0) {
        if (r.ngroups > 1)
            qsort(r.groups, r.ngroups, sizeof *r.groups, by_flow_then_version);
        int failed = 0;
        if (!html || strcmp(html, "-") != 0) {
            if (json)
                failed = print_json(stdout, &r) != 0;
            else
                print_text(stdout, &r);
        }
        if (!failed && html)
            failed = write_html(html, &r) != 0;
        if (fflush(stdout) != 0 || ferror(stdout)) {
            cli_error("report: stdout: %s", strerror(errno));
            failed = 1;
        }
        code = failed ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    rp_tally_free(&rd.group_keys);
    report_free(&r);
done:
    cli_strv_free(files);
    return code;
}
