/* coverage.c — what the trace hook saw, against what hf_flow_describe() says a flow has. */
#include "coverage.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "util.h"

typedef struct cov_flow {
    char *id;
    int64_t version;
    int wanted;
    cli_strv entered; /* step ids */
    cli_strv taken;   /* "from\037to\037via", one per distinct transition */
} cov_flow;

struct cli_cov {
    cov_flow *v;
    size_t n, cap;
    size_t last; /* the flow of the previous trace: sessions stay in one flow for a while */
};

/* Field separator of the taken keys: no step id or via holds it. */
#define SEP "\037"

cli_cov *cli_cov_new(void)
{
    cli_cov *c = cli_xrealloc(NULL, sizeof *c);
    memset(c, 0, sizeof *c);
    return c;
}

void cli_cov_free(cli_cov *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].id);
        cli_strv_free(&c->v[i].entered);
        cli_strv_free(&c->v[i].taken);
    }
    free(c->v);
    free(c);
}

static cov_flow *find_flow(cli_cov *c, const char *id, int64_t version)
{
    cov_flow *f;

    if (c->last < c->n && c->v[c->last].version == version && strcmp(c->v[c->last].id, id) == 0)
        return &c->v[c->last];
    for (size_t i = 0; i < c->n; i++) {
        if (c->v[i].version == version && strcmp(c->v[i].id, id) == 0) {
            c->last = i;
            return &c->v[i];
        }
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->v = cli_xrealloc(c->v, c->cap * sizeof *c->v);
    }
    f = &c->v[c->n];
    memset(f, 0, sizeof *f);
    f->id = cli_xstrdup(id);
    f->version = version;
    c->last = c->n++;
    return f;
}

static char *edge_key(const char *from, const char *to, const char *via)
{
    size_t n = strlen(from) + strlen(to) + strlen(via) + 3;
    char *k = cli_xrealloc(NULL, n);
    snprintf(k, n, "%s" SEP "%s" SEP "%s", from, to, via);
    return k;
}

void cli_cov_trace(void *ud, const char *flow, int64_t version, const char *from,
                   const char *to, const char *via)
{
    cov_flow *f = find_flow(ud, flow, version);
    char *k;

    if (!cli_strv_has(&f->entered, to))
        cli_strv_push(&f->entered, to);
    if (!from) /* a start: no transition of the flow */
        return;
    k = edge_key(from, to, via);
    if (!cli_strv_has(&f->taken, k))
        cli_strv_push(&f->taken, k);
    free(k);
}

void cli_cov_want(cli_cov *c, const char *flow, int64_t version)
{
    find_flow(c, flow, version)->wanted = 1;
}

/* Whether some transition to `to` by `via` was taken from any step (a flow's `on` intents
 * are taken from wherever the customer waits). */
static int taken_from_anywhere(const cov_flow *f, const char *to, const char *via)
{
    size_t tl = strlen(to), vl = strlen(via);
    for (size_t i = 0; i < f->taken.n; i++) {
        const char *k = strchr(f->taken.v[i], SEP[0]);
        if (k && strncmp(k + 1, to, tl) == 0 && k[1 + tl] == SEP[0] &&
            strncmp(k + 2 + tl, via, vl) == 0 && k[2 + tl + vl] == '\0')
            return 1;
    }
    return 0;
}

/* Percent rounded down, so that 100% always means all of it. Nothing to cover is 100%. */
static unsigned percent(size_t got, size_t of)
{
    return of ? (unsigned)(got * 100 / of) : 100;
}

static int below(size_t got, size_t of, double min)
{
    return of > 0 && (double)got * 100.0 < min * (double)of;
}

/* "lookup -> to_agent (next:2, otherwise)": the label only where it says more than via. */
static void print_edge(FILE *out, const char *from, const char *to, const char *via,
                       const char *label)
{
    const char *colon = strchr(via, ':');
    int say_label = label && *label && strcmp(label, via) != 0 &&
                    !(colon && strcmp(colon + 1, label) == 0);
    fprintf(out, "  not taken: %s -> %s (%s%s%s)\n", from, to, via, say_label ? ", " : "",
            say_label ? label : "");
}

typedef struct figures {
    size_t steps, entered, edges, taken;
} figures;

/* Counts, and prints the report of one flow version. */
static int report_flow(const cov_flow *f, hf_engine *e, FILE *out, figures *fig)
{
    const char *json = NULL;
    size_t len = 0;
    int rc = hf_flow_describe(e, f->id, f->version, &json, &len);
    cJSON *d, *st, *ed, *in;
    FILE *miss;
    char *missing = NULL;
    size_t mlen = 0;

    memset(fig, 0, sizeof *fig);
    if (rc != HF_OK) {
        cli_error("test: cannot describe flow '%s' version %lld: %s", f->id,
                  (long long)f->version, *hf_engine_errmsg(e) ? hf_engine_errmsg(e)
                                                               : hf_strerror(rc));
        return -1;
    }
    d = cJSON_ParseWithLength(json, len);
    if (!d) {
        cli_error("test: the description of flow '%s' is not JSON", f->id);
        return -1;
    }
    /* the lines under the figures are written first, the figures known only at the end */
    miss = open_memstream(&missing, &mlen);
    if (!miss) {
        cli_error("out of memory");
        exit(CLI_EXIT_USAGE);
    }
    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(d, "steps")) {
        const char *id = cli_json_str(st, "id");
        if (!id)
            continue;
        fig->steps++;
        if (cli_strv_has(&f->entered, id))
            fig->entered++;
        else
            fprintf(miss, "  not entered: %s\n", id);
    }
    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(d, "steps")) {
        const char *from = cli_json_str(st, "id");
        cli_strv seen = { NULL, 0, 0 };
        cJSON_ArrayForEach(ed, cJSON_GetObjectItemCaseSensitive(st, "edges")) {
            const char *to = cli_json_str(ed, "to"), *via = cli_json_str(ed, "via");
            char *k;
            if (!from || !to || !via)
                continue;
            k = edge_key(from, to, via);
            if (!cli_strv_has(&seen, k)) {
                cli_strv_push(&seen, k);
                fig->edges++;
                if (cli_strv_has(&f->taken, k))
                    fig->taken++;
                else
                    print_edge(miss, from, to, via, cli_json_str(ed, "label"));
            }
            free(k);
        }
        cli_strv_free(&seen);
    }
    /* a flow's own intent handlers are its transitions too, from any waiting step */
    cJSON_ArrayForEach(in, cJSON_GetObjectItemCaseSensitive(d, "intents")) {
        const char *name = cli_json_str(in, "name"), *to = cli_json_str(in, "to");
        char *via;
        size_t n;
        if (!name || !to)
            continue;
        n = strlen(name) + 8;
        via = cli_xrealloc(NULL, n);
        snprintf(via, n, "intent:%s", name);
        fig->edges++;
        if (taken_from_anywhere(f, to, via))
            fig->taken++;
        else
            print_edge(miss, "(any waiting step)", to, via, NULL);
        free(via);
    }
    fclose(miss);
    fprintf(out, "%s v%lld: steps %zu/%zu (%u%%), transitions %zu/%zu (%u%%)\n", f->id,
            (long long)f->version, fig->entered, fig->steps, percent(fig->entered, fig->steps),
            fig->taken, fig->edges, percent(fig->taken, fig->edges));
    /* a flow no test reaches: the list of all it has would say nothing more */
    if (fig->entered == 0 && fig->steps > 0)
        fputs("  not reached by any test\n", out);
    else
        fputs(missing, out);
    free(missing);
    cJSON_Delete(d);
    return 0;
}

int cli_cov_report(cli_cov *c, hf_engine *e, FILE *out, double min)
{
    figures total = { 0, 0, 0, 0 };
    figures *fig = cli_xrealloc(NULL, (c->n ? c->n : 1) * sizeof *fig);
    int nbelow = 0;

    fputs("coverage:\n", out);
    for (size_t i = 0; i < c->n; i++) {
        if (!c->v[i].wanted)
            continue;
        if (report_flow(&c->v[i], e, out, &fig[i]) != 0) {
            free(fig);
            return -1;
        }
        total.steps += fig[i].steps;
        total.entered += fig[i].entered;
        total.edges += fig[i].edges;
        total.taken += fig[i].taken;
    }
    fprintf(out, "total: steps %zu/%zu (%u%%), transitions %zu/%zu (%u%%)\n", total.entered,
            total.steps, percent(total.entered, total.steps), total.taken, total.edges,
            percent(total.taken, total.edges));
    for (size_t i = 0; min >= 0 && i < c->n; i++) {
        const cov_flow *f = &c->v[i];
        int bs, bt;
        if (!f->wanted)
            continue;
        bs = below(fig[i].entered, fig[i].steps, min);
        bt = below(fig[i].taken, fig[i].edges, min);
        if (!bs && !bt)
            continue;
        nbelow++;
        fprintf(out, "below %g%%: %s v%lld (", min, f->id, (long long)f->version);
        if (bs)
            fprintf(out, "steps %u%%", percent(fig[i].entered, fig[i].steps));
        if (bt)
            fprintf(out, "%stransitions %u%%", bs ? ", " : "",
                    percent(fig[i].taken, fig[i].edges));
        fputs(")\n", out);
    }
    free(fig);
    return nbelow;
}
