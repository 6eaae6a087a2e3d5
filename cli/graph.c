/*
 * graph.c — `helpflow graph`: draws a flow as Graphviz dot, Mermaid or (through Graphviz's
 * dot) SVG, from its hf_flow_describe(); with --heat, coloured by what finished sessions did,
 * from their outcome records' trails.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "helpflow.h"

#include "args.h"
#include "cli.h"
#include "json.h"
#include "load.h"
#include "util.h"

static void usage(FILE *out)
{
    fputs(
"usage: helpflow graph [--flow ID] [--format dot|mermaid|svg] [--heat OUTCOMES.jsonl]\n"
"                      [-o FILE] FLOW.lua...\n"
"\n"
"Draws a flow. The files are loaded as 'helpflow run' loads them (in any order; a flow that\n"
"calls another needs the callee's file too); routing.lua, actions.lua and conversation\n"
"tests (*.test.lua), which are not flows, are passed over, so flows/*.lua will do. The flow\n"
"drawn is --flow ID (its newest version), else the last file's flow.\n"
"\n"
"Each step is a node shaped by its kind: say a box, ask a parallelogram, action a rounded\n"
"box, decide a diamond, call a double box (mermaid: a subroutine), wait a hexagon; resolved\n"
"ends are green, escalate ends orange; a small black circle points at the start. Nodes show\n"
"the step id and what it does (the action called, the input asked for, the subflow, the\n"
"event or timeout awaited, the escalation's reason). Edges carry the choice's label (a\n"
"localised one, t\"key\", in the words of the flow's default locale; a label longer than 40\n"
"characters is cut short, with an ellipsis), \"when\" (\"when #1\", \"when #2\"... in the\n"
"order they are tried, when a step has several) or \"otherwise\" for next branches,\n"
"\"on_error\" and \"timeout\" (dashed), the event awaited, or \"resolved\" for a call's way on.\n"
"Intents the flow redirects with `on` come, dotted, from an \"any waiting step\" node.\n"
"\n"
"--heat reads outcome records (the JSON lines of hf_session_outcome(), one session each,\n"
"with their \"trail\": the ids of the steps the session entered, a subflow's as FLOW/STEP).\n"
"Records of other flows or versions are passed over. Each step and edge is labelled with\n"
"the number of sessions that went through it, \"unfreeze (42)\", and coloured on a scale from\n"
"pale yellow (few) to dark red (the most); grey ones no session took. An edge is counted\n"
"when a trail goes from its step to its target (a subflow's steps in between left out);\n"
"edges between the same two steps share that count, since a trail names steps, not\n"
"transitions. Intent and policy moves are counted in the steps, not on any edge.\n"
"\n"
"options:\n"
"  --flow ID          the flow to draw\n"
"  --format FORMAT    dot (Graphviz, the default), mermaid (a Mermaid flowchart), or svg\n"
"                     (dot run through Graphviz's `dot -Tsvg`, which must be in PATH)\n"
"  --heat FILE        colour by the outcome records in FILE (JSON lines; '-' for stdin)\n"
"  -o FILE            write to FILE instead of stdout\n"
"  --help             this help\n"
"\n"
"Exit status: 0 drawn, 2 bad usage, a file that cannot be read or does not load, an unknown\n"
"flow, a malformed outcome record (named by its line number), or no Graphviz for svg.\n", out);
}

/* ---- a growable string ------------------------------------------------------------------ */

typedef struct gbuf {
    char *p;
    size_t len, cap;
} gbuf;

static void gb_add(gbuf *b, const char *s, size_t n)
{
    if (b->cap - b->len < n + 1) {
        while (b->cap - b->len < n + 1)
            b->cap = b->cap ? b->cap * 2 : 4096;
        b->p = cli_xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void gb_puts(gbuf *b, const char *s) { gb_add(b, s, strlen(s)); }

static void gb_printf(gbuf *b, const char *fmt, ...) CLI_PRINTF(2, 3);

static void gb_printf(gbuf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        gb_add(b, small, (size_t)n);
        return;
    }
    char *big = cli_xrealloc(NULL, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    gb_add(b, big, (size_t)n);
    free(big);
}

/* The most characters (code points) of a choice's label an edge shows: a picture has room for
 * a few words on an edge, and a phone's button text is no longer than that anyway. */
#define GRAPH_LABEL_MAX 40

/* ---- the graph -------------------------------------------------------------------------- */

typedef struct gstep {
    const char *id, *kind;
    char *detail;  /* second line of the node: what the step does, or NULL */
    char *mid;     /* the node's Mermaid id */
    long count;    /* sessions through it (--heat) */
    int seen;      /* counted for the record at hand */
} gstep;

typedef struct gedge {
    int from, to;
    const char *via;
    char *label;   /* "" for none */
    long count;
    int seen;
} gedge;

typedef struct gintent {
    const char *name;
    int to;
} gintent;

typedef struct graph {
    cJSON *json;
    const char *id, *title;
    int64_t version;
    gstep *steps;
    int nsteps, start;
    gedge *edges;
    int nedges;
    gintent *intents;
    int nintents;
    int heat;        /* --heat given */
    long sessions;   /* records of the flow version */
    long max_step, max_edge;
} graph;

static int step_index(const graph *g, const char *id)
{
    for (int i = 0; id && i < g->nsteps; i++)
        if (strcmp(g->steps[i].id, id) == 0)
            return i;
    return -1;
}

/* What the step does, in a few words, for its node's second line. */
static char *step_detail(const cJSON *st, const char *kind)
{
    const char *s;
    const cJSON *timeout;

    if (strcmp(kind, "action") == 0 && (s = cli_json_str(st, "call")))
        return cli_xstrdup(s);
    if (strcmp(kind, "ask") == 0 && (s = cli_json_str(st, "input")))
        return cli_format("input: %s", s);
    if (strcmp(kind, "call") == 0 && (s = cli_json_str(st, "flow")))
        return cli_format("calls %s", s);
    if (strcmp(kind, "escalate") == 0 && (s = cli_json_str(st, "reason")))
        return cli_format("reason: %s", s);
    if (strcmp(kind, "wait") == 0) {
        s = cli_json_str(st, "event");
        timeout = cJSON_GetObjectItemCaseSensitive(st, "timeout");
        if (s && cJSON_IsNumber(timeout))
            return cli_format("event: %s, timeout %.0f s", s, timeout->valuedouble);
        if (s)
            return cli_format("event: %s", s);
        if (cJSON_IsNumber(timeout))
            return cli_format("timeout %.0f s", timeout->valuedouble);
    }
    return NULL;
}

/* s cut to at most max code points for a picture: at the last space in the second half of
 * the cut when there is one (a whole word reads better than half of one), without the spaces
 * and punctuation left dangling there, and with an ellipsis to show that there is more. */
static char *shorten(const char *s, size_t max)
{
    size_t i, cps = 0, cut = 0, space = 0;

    for (i = 0; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80)
            continue; /* inside a character */
        if (cps == max - 1)
            cut = i; /* max - 1 characters before it: room for the ellipsis */
        if (cps == max)
            break;
        if (s[i] == ' ' && cps >= max / 2 && cps < max - 1)
            space = i;
        cps++;
    }
    if (!s[i])
        return cli_xstrdup(s); /* max characters or fewer */
    if (space)
        cut = space;
    while (cut > 0 && strchr(" ,;:.-", s[cut - 1]))
        cut--;
    return cli_format("%.*s\xE2\x80\xA6", (int)cut, s); /* U+2026 HORIZONTAL ELLIPSIS */
}

/* The text a choice's label shows: its literal, or for a t"key" its string in the flow's
 * default locale (what a customer with no locale of the flow's sees); NULL when a function
 * computes it. */
static const char *choice_text(const cJSON *flow, const cJSON *st, const char *via)
{
    const cJSON *t;

    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(st, "texts")) {
        const char *where = cli_json_str(t, "where"), *key = cli_json_str(t, "key"), *loc;
        if (!where || strcmp(where, via) != 0)
            continue;
        if (cli_json_str(t, "literal"))
            return cli_json_str(t, "literal");
        if (!key || !(loc = cli_json_str(flow, "default_locale")))
            return NULL;
        return cli_json_str(cJSON_GetObjectItemCaseSensitive(
                        cJSON_GetObjectItemCaseSensitive(flow, "strings"), loc), key);
    }
    return NULL;
}

/* The edge's label: the describe label, with "when" numbered among several and the
 * timeout's seconds; a choice's in the words the customer reads, cut short for a picture. */
static char *edge_label(const cJSON *flow, const cJSON *st, const char *via, const char *label,
                        int whens)
{
    const cJSON *timeout = cJSON_GetObjectItemCaseSensitive(st, "timeout");
    const char *text;

    if (strncmp(via, "next:", 5) == 0 && whens > 1 && strcmp(label, "when") == 0)
        return cli_format("when #%s", via + 5);
    if (strcmp(via, "timeout") == 0 && cJSON_IsNumber(timeout))
        return cli_format("timeout %.0f s", timeout->valuedouble);
    if (strncmp(via, "choice:", 7) == 0 && (text = choice_text(flow, st, via)))
        return shorten(text, GRAPH_LABEL_MAX);
    return cli_xstrdup(label);
}

/* Mermaid ids: "s_" and the step id with anything but letters, digits and _ as _, made unique
 * (step ids may hold . - :, which Mermaid reads as syntax; and "end" is a keyword there). */
static void mermaid_ids(graph *g)
{
    for (int i = 0; i < g->nsteps; i++) {
        size_t n = strlen(g->steps[i].id);
        char *m = cli_xrealloc(NULL, n + 3 + 24);
        int clash;
        strcpy(m, "s_");
        for (size_t k = 0; k < n; k++) {
            char c = g->steps[i].id[k];
            int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            m[2 + k] = ok ? c : '_';
        }
        m[2 + n] = '\0';
        for (int suffix = 2;; suffix++) {
            clash = 0;
            for (int j = 0; j < i && !clash; j++)
                clash = strcmp(g->steps[j].mid, m) == 0;
            if (!clash)
                break;
            sprintf(m + 2 + n, "_%d", suffix);
        }
        g->steps[i].mid = m;
    }
}

/* Builds the graph from the flow's description. 0, or -1 after a message. */
static int graph_build(graph *g, const char *json, size_t len)
{
    const cJSON *steps, *st, *in;
    int i = 0;

    g->json = cJSON_ParseWithLength(json, len);
    steps = cJSON_GetObjectItemCaseSensitive(g->json, "steps");
    g->id = cli_json_str(g->json, "id");
    g->title = cli_json_str(g->json, "title");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(g->json, "version");
    if (!cJSON_IsArray(steps) || !g->id || !cJSON_IsNumber(ver)) {
        cli_error("graph: the flow's description is not what hf_flow_describe() promises");
        return -1;
    }
    g->version = (int64_t)ver->valuedouble;
    g->nsteps = cJSON_GetArraySize(steps);
    g->steps = cli_xrealloc(NULL, (size_t)(g->nsteps ? g->nsteps : 1) * sizeof *g->steps);
    cJSON_ArrayForEach(st, steps) {
        gstep *s = &g->steps[i++];
        memset(s, 0, sizeof *s);
        s->id = cli_json_str(st, "id") ? cli_json_str(st, "id") : "";
        s->kind = cli_json_str(st, "kind") ? cli_json_str(st, "kind") : "";
        s->detail = step_detail(st, s->kind);
    }
    g->start = step_index(g, cli_json_str(g->json, "start"));
    i = 0;
    cJSON_ArrayForEach(st, steps) {
        const cJSON *edges = cJSON_GetObjectItemCaseSensitive(st, "edges"), *e;
        int whens = 0, from = i++;
        cJSON_ArrayForEach(e, edges) {
            const char *label = cli_json_str(e, "label");
            whens += label && strcmp(label, "when") == 0;
        }
        cJSON_ArrayForEach(e, edges) {
            const char *via = cli_json_str(e, "via"), *label = cli_json_str(e, "label");
            int to = step_index(g, cli_json_str(e, "to"));
            if (!via || to < 0)
                continue;
            g->edges = cli_xrealloc(g->edges, (size_t)(g->nedges + 1) * sizeof *g->edges);
            g->edges[g->nedges++] = (gedge){ from, to, via,
                                             edge_label(g->json, st, via, label ? label : "",
                                                        whens),
                                             0, 0 };
        }
    }
    cJSON_ArrayForEach(in, cJSON_GetObjectItemCaseSensitive(g->json, "intents")) {
        int to = step_index(g, cli_json_str(in, "to"));
        if (to < 0 || !cli_json_str(in, "name"))
            continue; /* an intent `on` turns off leads nowhere */
        g->intents = cli_xrealloc(g->intents, (size_t)(g->nintents + 1) * sizeof *g->intents);
        g->intents[g->nintents++] = (gintent){ cli_json_str(in, "name"), to };
    }
    mermaid_ids(g);
    return 0;
}

static void graph_free(graph *g)
{
    for (int i = 0; i < g->nsteps; i++) {
        free(g->steps[i].detail);
        free(g->steps[i].mid);
    }
    for (int i = 0; i < g->nedges; i++)
        free(g->edges[i].label);
    free(g->steps);
    free(g->edges);
    free(g->intents);
    cJSON_Delete(g->json);
}

/* ---- heat ------------------------------------------------------------------------------- */

/* Counts one trail: each step and each edge once per session. 0, or -1 after a message. */
static int count_trail(graph *g, const cJSON *trail, const char *file, long line)
{
    const cJSON *t;
    int prev = -1;

    for (int i = 0; i < g->nsteps; i++)
        g->steps[i].seen = 0;
    for (int i = 0; i < g->nedges; i++)
        g->edges[i].seen = 0;
    cJSON_ArrayForEach(t, trail) {
        int cur;
        if (!cJSON_IsString(t)) {
            cli_error("graph: %s:%ld: \"trail\" holds a %s, not a step id", file, line,
                      cJSON_IsNumber(t) ? "number" : "non-string");
            return -1;
        }
        if (strchr(t->valuestring, '/'))
            continue; /* a subflow's step: between its call and the call's way on */
        cur = step_index(g, t->valuestring);
        if (cur < 0) {
            cli_error("graph: %s:%ld: the trail names step '%s', which flow '%s' version %lld "
                      "does not have", file, line, t->valuestring, g->id, (long long)g->version);
            return -1;
        }
        if (!g->steps[cur].seen++)
            g->steps[cur].count++;
        for (int i = 0; prev >= 0 && i < g->nedges; i++)
            if (g->edges[i].from == prev && g->edges[i].to == cur && !g->edges[i].seen++)
                g->edges[i].count++;
        prev = cur;
    }
    return 0;
}

/* Reads the outcome records and counts the drawn flow version's. 0, or -1 after a message. */
static int read_heat(graph *g, const char *path)
{
    size_t len = 0;
    char *text = strcmp(path, "-") == 0 ? cli_read_stream(stdin, &len)
                                        : cli_read_file(path, &len);
    const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
    char *line, *next;
    long lineno = 0;
    int rc = 0;

    if (!text) {
        cli_error("graph: cannot read the outcome records %s: %s", path, strerror(errno));
        return -1;
    }
    g->heat = 1;
    for (line = text; rc == 0 && line < text + len; line = next) {
        char *nl = memchr(line, '\n', (size_t)(text + len - line));
        next = nl ? nl + 1 : text + len;
        if (nl)
            *nl = '\0';
        lineno++;
        if (memchr(line, '\0', (size_t)(next - line) - (nl ? 1 : 0))) {
            cli_error("graph: %s:%ld: a NUL byte in the line", name, lineno);
            rc = -1;
            break;
        }
        if (cli_is_blank(line))
            continue;
        cJSON *rec = cJSON_ParseWithOpts(line, NULL, 1); /* nothing may follow the object */
        const char *flow = cli_json_str(rec, "flow");
        const cJSON *ver = cJSON_GetObjectItemCaseSensitive(rec, "version");
        if (!cJSON_IsObject(rec)) {
            cli_error("graph: %s:%ld: not one JSON object (an outcome record)", name, lineno);
            rc = -1;
        } else if (!flow || !cJSON_IsNumber(ver)) {
            cli_error("graph: %s:%ld: an outcome record needs a string \"flow\" and a number "
                      "\"version\"", name, lineno);
            rc = -1;
        } else if (strcmp(flow, g->id) == 0 && ver->valuedouble == (double)g->version) {
            const cJSON *trail = cJSON_GetObjectItemCaseSensitive(rec, "trail");
            if (!cJSON_IsArray(trail)) {
                cli_error("graph: %s:%ld: the record has no \"trail\" array of step ids", name,
                          lineno);
                rc = -1;
            } else {
                rc = count_trail(g, trail, name, lineno);
                g->sessions++;
            }
        }
        cJSON_Delete(rec);
    }
    free(text);
    if (rc == 0 && g->sessions == 0)
        cli_error("graph: warning: %s holds no outcome records of flow '%s' version %lld", name,
                  g->id, (long long)g->version);
    for (int i = 0; i < g->nsteps; i++)
        if (g->steps[i].count > g->max_step)
            g->max_step = g->steps[i].count;
    for (int i = 0; i < g->nedges; i++)
        if (g->edges[i].count > g->max_edge)
            g->max_edge = g->edges[i].count;
    return rc;
}

/* The heat scale: level 0 for nothing, 1..5 by count relative to the most (ColorBrewer's
 * YlOrRd, which reads as hotter and stays legible in grey). */
static const char *const heat_fill[6] = { "#e9ecef", "#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20",
                                          "#bd0026" };

static int heat_level(long count, long max)
{
    if (count <= 0 || max <= 0)
        return 0;
    return (int)((5 * count + max - 1) / max);
}

/* ---- dot -------------------------------------------------------------------------------- */

/* s inside a dot "..." string: quotes and backslashes escaped (so that \n, \l and the like in
 * a text stay literal), line breaks as spaces. */
static void dot_str(gbuf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            gb_add(b, "\\", 1);
        gb_add(b, (*s == '\n' || *s == '\r' || *s == '\t') ? " " : s, 1);
    }
}

static void dot_node_style(gbuf *b, const graph *g, const gstep *s)
{
    static const struct { const char *kind, *attrs; } shapes[] = {
        { "say", "shape=box" },
        { "ask", "shape=parallelogram" },
        { "action", "shape=box, style=\"rounded\"" },
        { "decide", "shape=diamond" },
        { "call", "shape=box, peripheries=2" },
        { "wait", "shape=hexagon" },
        { "resolved", "shape=box, style=\"rounded,filled\", color=\"#2b8a3e\", "
                      "fillcolor=\"#d3f9d8\", penwidth=2" },
        { "escalate", "shape=box, style=\"rounded,filled\", color=\"#d9480f\", "
                      "fillcolor=\"#ffe8cc\", penwidth=2" },
    };
    const char *attrs = "shape=box";

    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        if (strcmp(s->kind, shapes[i].kind) == 0)
            attrs = shapes[i].attrs;
    if (!g->heat) {
        gb_puts(b, attrs);
        return;
    }
    /* With heat the fill shows the count; the ends keep their coloured outline. */
    int level = heat_level(s->count, g->max_step);
    const char *shape = strstr(attrs, "shape=") + 6;
    gb_printf(b, "shape=%.*s", (int)strcspn(shape, ","), shape);
    if (strcmp(s->kind, "call") == 0)
        gb_puts(b, ", peripheries=2");
    gb_printf(b, ", style=\"%sfilled\", fillcolor=\"%s\"",
              strcmp(s->kind, "action") == 0 || strcmp(s->kind, "resolved") == 0 ||
                      strcmp(s->kind, "escalate") == 0 ? "rounded," : "",
              heat_fill[level]);
    if (level >= 4)
        gb_puts(b, ", fontcolor=\"white\"");
    if (strcmp(s->kind, "resolved") == 0)
        gb_puts(b, ", color=\"#2b8a3e\", penwidth=3");
    else if (strcmp(s->kind, "escalate") == 0)
        gb_puts(b, ", color=\"#d9480f\", penwidth=3");
}

static const char *edge_line(const char *via)
{
    if (strcmp(via, "on_error") == 0 || strcmp(via, "timeout") == 0)
        return "dashed";
    return NULL;
}

static void render_dot(gbuf *b, const graph *g, const char *heat_name)
{
    gb_puts(b, "digraph \"");
    dot_str(b, g->id);
    gb_puts(b, "\" {\n  label=\"");
    dot_str(b, g->id);
    gb_printf(b, " v%lld", (long long)g->version);
    if (g->title) {
        gb_puts(b, ": ");
        dot_str(b, g->title);
    }
    if (g->heat) {
        gb_printf(b, "\\nheat: %ld session%s in ", g->sessions, g->sessions == 1 ? "" : "s");
        dot_str(b, heat_name);
        gb_puts(b, ", pale (few) to dark red (most)");
    }
    gb_puts(b, "\";\n  labelloc=t;\n  fontname=\"Helvetica\";\n"
               "  node [fontname=\"Helvetica\", fontsize=11];\n"
               "  edge [fontname=\"Helvetica\", fontsize=10];\n");
    /* "(start)" and "(intents)" hold parentheses, which no step id may: they never clash. */
    gb_puts(b, "  \"(start)\" [shape=circle, style=filled, fillcolor=\"#212529\", label=\"\", "
               "width=0.2, fixedsize=true];\n");
    for (int i = 0; i < g->nsteps; i++) {
        const gstep *s = &g->steps[i];
        gb_puts(b, "  \"");
        dot_str(b, s->id);
        gb_puts(b, "\" [");
        dot_node_style(b, g, s);
        gb_puts(b, ", label=\"");
        dot_str(b, s->id);
        if (g->heat)
            gb_printf(b, " (%ld)", s->count);
        if (s->detail) {
            gb_puts(b, "\\n");
            dot_str(b, s->detail);
        }
        gb_puts(b, "\"];\n");
    }
    if (g->start >= 0) {
        gb_puts(b, "  \"(start)\" -> \"");
        dot_str(b, g->steps[g->start].id);
        gb_puts(b, "\"");
        if (g->heat)
            gb_printf(b, " [label=\"(%ld)\"]", g->sessions);
        gb_puts(b, ";\n");
    }
    for (int i = 0; i < g->nedges; i++) {
        const gedge *e = &g->edges[i];
        gbuf attrs = { NULL, 0, 0 };
        if (*e->label || g->heat) {
            gb_puts(&attrs, ", label=\"");
            dot_str(&attrs, e->label);
            if (g->heat)
                gb_printf(&attrs, "%s(%ld)", *e->label ? " " : "", e->count);
            gb_puts(&attrs, "\"");
        }
        if (edge_line(e->via))
            gb_printf(&attrs, ", style=%s", edge_line(e->via));
        if (g->heat) {
            int level = heat_level(e->count, g->max_edge);
            gb_printf(&attrs, ", color=\"%s\", penwidth=%d",
                      level ? heat_fill[level] : "#adb5bd", level ? level : 1);
        } else if (strcmp(e->via, "on_error") == 0) {
            gb_puts(&attrs, ", color=\"#c92a2a\"");
        }
        gb_puts(b, "  \"");
        dot_str(b, g->steps[e->from].id);
        gb_puts(b, "\" -> \"");
        dot_str(b, g->steps[e->to].id);
        gb_puts(b, "\"");
        if (attrs.len)
            gb_printf(b, " [%s]", attrs.p + 2); /* past the first ", " */
        gb_puts(b, ";\n");
        free(attrs.p);
    }
    if (g->nintents) {
        gb_puts(b, "  \"(intents)\" [shape=note, style=dashed, label=\"any waiting step\"];\n");
        for (int i = 0; i < g->nintents; i++) {
            gb_puts(b, "  \"(intents)\" -> \"");
            dot_str(b, g->steps[g->intents[i].to].id);
            gb_puts(b, "\" [label=\"");
            dot_str(b, g->intents[i].name);
            gb_puts(b, "\", style=dotted];\n");
        }
    }
    gb_puts(b, "}\n");
}

/* ---- mermaid ---------------------------------------------------------------------------- */

/* s inside a Mermaid "..." string: what Mermaid would read as syntax or HTML becomes one of
 * its entity codes (#34; is a quote), line breaks become spaces. */
static void mermaid_str(gbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '"': gb_puts(b, "#34;"); break;
        case '#': gb_puts(b, "#35;"); break;
        case '&': gb_puts(b, "#38;"); break;
        case '<': gb_puts(b, "#60;"); break;
        case '>': gb_puts(b, "#62;"); break;
        case '`': gb_puts(b, "#96;"); break;
        case '|': gb_puts(b, "#124;"); break;
        case '\n': case '\r': case '\t': gb_puts(b, " "); break;
        default: gb_add(b, s, 1);
        }
    }
}

static void render_mermaid(gbuf *b, const graph *g, const char *heat_name)
{
    static const struct { const char *kind, *open, *close; } shapes[] = {
        { "say", "[\"", "\"]" },       { "ask", "[/\"", "\"/]" },
        { "action", "(\"", "\")" },    { "decide", "{\"", "\"}" },
        { "call", "[[\"", "\"]]" },    { "wait", "{{\"", "\"}}" },
        { "resolved", "([\"", "\"])" }, { "escalate", "([\"", "\"])" },
    };
    int link = 0;

    gb_puts(b, "flowchart TD\n  %% ");
    mermaid_str(b, g->id);
    gb_printf(b, " v%lld", (long long)g->version);
    if (g->title) {
        gb_puts(b, ": ");
        mermaid_str(b, g->title);
    }
    gb_puts(b, "\n");
    if (g->heat) {
        gb_printf(b, "  %%%% %ld session%s in ", g->sessions, g->sessions == 1 ? "" : "s");
        mermaid_str(b, heat_name);
        gb_puts(b, "\n");
    }
    gb_puts(b, "  hf_start((\"start\"))\n");
    for (int i = 0; i < g->nsteps; i++) {
        const gstep *s = &g->steps[i];
        const char *open = "[\"", *close = "\"]";
        for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++)
            if (strcmp(s->kind, shapes[k].kind) == 0) {
                open = shapes[k].open;
                close = shapes[k].close;
            }
        gb_printf(b, "  %s%s", s->mid, open);
        mermaid_str(b, s->id);
        if (g->heat)
            gb_printf(b, " (%ld)", s->count);
        if (s->detail) {
            gb_puts(b, "<br/>");
            mermaid_str(b, s->detail);
        }
        gb_printf(b, "%s\n", close);
    }
    if (g->nintents)
        gb_puts(b, "  hf_intents>\"any waiting step\"]\n");
    if (g->start >= 0) {
        if (g->heat)
            gb_printf(b, "  hf_start -->|\"(%ld)\"| %s\n", g->sessions, g->steps[g->start].mid);
        else
            gb_printf(b, "  hf_start --> %s\n", g->steps[g->start].mid);
        link++;
    }
    for (int i = 0; i < g->nedges; i++) {
        const gedge *e = &g->edges[i];
        gb_printf(b, "  %s %s", g->steps[e->from].mid, edge_line(e->via) ? "-.->" : "-->");
        if (*e->label || g->heat) {
            gb_puts(b, "|\"");
            mermaid_str(b, e->label);
            if (g->heat)
                gb_printf(b, "%s(%ld)", *e->label ? " " : "", e->count);
            gb_puts(b, "\"|");
        }
        gb_printf(b, " %s\n", g->steps[e->to].mid);
    }
    for (int i = 0; i < g->nintents; i++) {
        gb_puts(b, "  hf_intents -.->|\"");
        mermaid_str(b, g->intents[i].name);
        gb_printf(b, "\"| %s\n", g->steps[g->intents[i].to].mid);
    }
    gb_puts(b, "  classDef start fill:#212529,stroke:#212529,color:#fff\n");
    gb_puts(b, "  class hf_start start\n");
    if (!g->heat) {
        gb_puts(b, "  classDef resolved fill:#d3f9d8,stroke:#2b8a3e,stroke-width:2px\n"
                   "  classDef escalate fill:#ffe8cc,stroke:#d9480f,stroke-width:2px\n");
        for (int i = 0; i < g->nsteps; i++)
            if (strcmp(g->steps[i].kind, "resolved") == 0 ||
                strcmp(g->steps[i].kind, "escalate") == 0)
                gb_printf(b, "  class %s %s\n", g->steps[i].mid, g->steps[i].kind);
        for (int i = 0; i < g->nedges; i++)
            if (strcmp(g->edges[i].via, "on_error") == 0)
                gb_printf(b, "  linkStyle %d stroke:#c92a2a\n", link + i);
        return;
    }
    for (int level = 0; level <= 5; level++)
        gb_printf(b, "  classDef heat%d fill:%s,stroke:#495057,color:%s\n", level,
                  heat_fill[level], level >= 4 ? "#fff" : "#000");
    for (int i = 0; i < g->nsteps; i++) {
        const gstep *s = &g->steps[i];
        gb_printf(b, "  class %s heat%d\n", s->mid, heat_level(s->count, g->max_step));
        if (strcmp(s->kind, "resolved") == 0)
            gb_printf(b, "  style %s stroke:#2b8a3e,stroke-width:3px\n", s->mid);
        else if (strcmp(s->kind, "escalate") == 0)
            gb_printf(b, "  style %s stroke:#d9480f,stroke-width:3px\n", s->mid);
    }
    for (int i = 0; i < g->nedges; i++) {
        int level = heat_level(g->edges[i].count, g->max_edge);
        gb_printf(b, "  linkStyle %d stroke:%s,stroke-width:%dpx\n", link + i,
                  level ? heat_fill[level] : "#adb5bd", level ? level : 1);
    }
}

/* ---- output ----------------------------------------------------------------------------- */

/* The path of prog in PATH, or NULL. The caller frees it. */
static char *find_in_path(const char *prog)
{
    const char *path = getenv("PATH");
    size_t plen = strlen(prog);

    if (!path)
        path = "/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        char *cand = cli_xrealloc(NULL, n + 1 + plen + 1);
        if (n == 0)
            strcpy(cand, "./"); /* an empty entry is the current directory */
        else
            memcpy(cand, path, n), strcpy(cand + n, "/");
        strcat(cand, prog);
        if (access(cand, X_OK) == 0)
            return cand;
        free(cand);
        path += n + (path[n] == ':');
    }
    return NULL;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Runs `dot -Tsvg` on text, its output to fd. 0, or -1 after a message. */
static int run_dot(const char *dot, const gbuf *text, int fd)
{
    int in[2], status;
    pid_t pid;
    struct sigaction ign, old;

    if (pipe(in) != 0) {
        cli_error("graph: cannot run dot: %s", strerror(errno));
        return -1;
    }
    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        cli_error("graph: cannot run dot: %s", strerror(errno));
        close(in[0]);
        close(in[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(in[0], STDIN_FILENO);
        if (fd != STDOUT_FILENO)
            dup2(fd, STDOUT_FILENO);
        close(in[0]);
        close(in[1]);
        execl(dot, "dot", "-Tsvg", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    /* A dot that dies early closes the pipe: that is its exit status's to report. */
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old);
    int werr = write_all(in[1], text->p, text->len);
    close(in[1]);
    sigaction(SIGPIPE, &old, NULL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        cli_error("graph: %s -Tsvg failed (%s %d)", dot,
                  WIFEXITED(status) ? "exit status" : "signal",
                  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        return -1;
    }
    if (werr) {
        cli_error("graph: cannot write to dot: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Writes the drawing to -o FILE or stdout. 0, or -1 after a message. */
static int emit(const gbuf *text, const char *out, int svg)
{
    char *dot = NULL;
    int fd = STDOUT_FILENO, rc;

    if (svg) {
        dot = find_in_path("dot");
        if (!dot) {
            cli_error("graph: svg needs Graphviz's dot: apt-get install graphviz");
            return -1;
        }
    }
    if (out) {
        fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd < 0) {
            cli_error("graph: cannot write %s: %s", out, strerror(errno));
            free(dot);
            return -1;
        }
    }
    if (svg) {
        rc = run_dot(dot, text, fd);
    } else {
        fflush(stdout);
        rc = write_all(fd, text->p, text->len);
        if (rc)
            cli_error("graph: cannot write %s: %s", out ? out : "to stdout", strerror(errno));
    }
    if (out && close(fd) != 0 && rc == 0) {
        cli_error("graph: cannot write %s: %s", out, strerror(errno));
        rc = -1;
    }
    if (rc && out)
        unlink(out); /* no half drawing left behind */
    free(dot);
    return rc;
}

/* ---- the command ------------------------------------------------------------------------ */

typedef struct graph_opts {
    const char *flow, *format, *heat, *out;
    cli_strv files;
} graph_opts;

/* Returns -1 to go on, or the exit code to return now. */
static int parse_args(int argc, char **argv, graph_opts *o)
{
    const cli_option options[] = {
        { .name = "--flow", .value = &o->flow },
        { .name = "--format", .value = &o->format },
        { .name = "--heat", .value = &o->heat },
        { .name = "-o", .value = &o->out },
        { .name = NULL },
    };
    const cli_args args = { "graph", "graph", NULL, usage, options, cli_operand_flow, &o->files };
    int code = cli_parse_args(&args, argc, argv);

    if (code >= 0)
        return code;
    if (strcmp(o->format, "dot") != 0 && strcmp(o->format, "mermaid") != 0 &&
        strcmp(o->format, "svg") != 0) {
        cli_error("graph: unknown format '%s': dot, mermaid or svg", o->format);
        return CLI_EXIT_USAGE;
    }
    if (o->files.n == 0) {
        cli_error("graph: no flow files given; try 'helpflow graph --help'");
        return CLI_EXIT_USAGE;
    }
    return -1;
}

/* The version of the flow loaded from path (hf_engine_flows' "source"), or 0: the newest. */
static int64_t version_of(hf_engine *e, const char *path)
{
    const char *json = NULL;
    size_t len = 0;
    int64_t version = 0;
    const cJSON *f;

    if (hf_engine_flows(e, &json, &len) != HF_OK)
        return 0;
    cJSON *list = cJSON_ParseWithLength(json, len);
    cJSON_ArrayForEach(f, list) {
        const char *src = cli_json_str(f, "source");
        const cJSON *ver = cJSON_GetObjectItemCaseSensitive(f, "version");
        if (src && strcmp(src, path) == 0 && cJSON_IsNumber(ver))
            version = (int64_t)ver->valuedouble;
    }
    cJSON_Delete(list);
    return version;
}

static int draw(const graph_opts *o)
{
    hf_engine *e = NULL;
    cli_flowfile *files;
    const char *id, *json = NULL, *heat_name;
    size_t len = 0;
    int64_t version = 0;
    graph g;
    gbuf text = { NULL, 0, 0 };
    int code = CLI_EXIT_USAGE, rc;

    e = cli_engine_with_flows("graph", NULL, 0, &o->files, &files);
    if (!e)
        return CLI_EXIT_USAGE;
    memset(&g, 0, sizeof g);
    id = o->flow ? o->flow : files[o->files.n - 1].flow_id;
    if (!o->flow)
        version = version_of(e, files[o->files.n - 1].path);
    rc = hf_flow_describe(e, id, version, &json, &len);
    if (rc != HF_OK) {
        if (rc == HF_ENOTFOUND)
            cli_error("graph: no flow '%s' in the files given", id);
        else
            cli_error("graph: %s", hf_engine_errmsg(e));
        goto done;
    }
    if (graph_build(&g, json, len) != 0)
        goto done;
    if (o->heat && read_heat(&g, o->heat) != 0)
        goto done;
    heat_name = o->heat && strcmp(o->heat, "-") == 0 ? "stdin" : o->heat;
    if (strcmp(o->format, "mermaid") == 0)
        render_mermaid(&text, &g, heat_name);
    else
        render_dot(&text, &g, heat_name);
    if (emit(&text, o->out, strcmp(o->format, "svg") == 0) == 0)
        code = CLI_EXIT_OK;
done:
    free(text.p);
    graph_free(&g);
    cli_flowfiles_free(files, o->files.n);
    free(files);
    hf_engine_free(e);
    return code;
}

int cli_graph(int argc, char **argv)
{
    graph_opts o = { NULL, "dot", NULL, NULL, { NULL, 0, 0 } };
    int code = parse_args(argc, argv, &o);

    if (code < 0)
        code = draw(&o);
    cli_strv_free(&o.files);
    return code;
}
