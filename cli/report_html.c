/*
 * report_html.c — `helpflow report --html`: the report as one self-contained page. Everything
 * is in the file: the styles inline, each funnel an inline SVG, no script at all; a Content
 * Security Policy of default-src 'none' makes sure that even a page someone edits later loads
 * nothing from anywhere. Every string from the records (flow ids, steps, reasons, file names)
 * goes through esc(): the records are data, and data never becomes markup.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpflow.h"

#include "report.h"
#include "util.h"

/* Writes s HTML-escaped, for text and for double- or single-quoted attributes alike. Control
 * characters, which HTML does not allow, become U+FFFD. */
static void esc(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
                fputs("\xEF\xBF\xBD", out);
            else
                fputc(c, out);
        }
    }
}

/* esc() of at most max code points of s, with "…" when it was cut. */
static void esc_cut(FILE *out, const char *s, size_t max)
{
    size_t n = 0;
    const char *p = s;
    for (; *p; p++)
        if (((unsigned char)*p & 0xC0) != 0x80 && n++ == max)
            break;
    if (!*p) {
        esc(out, s);
        return;
    }
    char *cut = cli_xrealloc(NULL, (size_t)(p - s) + 1);
    memcpy(cut, s, (size_t)(p - s));
    cut[p - s] = '\0';
    esc(out, cut);
    fputs("\xE2\x80\xA6", out);
    free(cut);
}

/* n / of in percent to one decimal, rounded half away from zero as the text table rounds
 * (report.c): "%.1f" alone rounds 6.25, exact in binary, to even (6.2), where the table says
 * 6.3. */
static double pct(long n, long of)
{
    return of ? round(1000.0 * (double)n / (double)of) / 10 : 0;
}

static const char style[] =
    ":root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;"
    "--bar:#3949ab;--off:#9fa8da;--resolved:#2e7d32;--escalated:#e65100;--cancelled:#6d6d6d;"
    "--abandoned:#a0a0a0;--failed:#b71c1c}\n"
    "@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--line:#30363d;"
    "--bg:#0d1117;--bar:#7986cb;--off:#3f4a8a}}\n"
    "body{margin:0;background:var(--bg);color:var(--fg);"
    "font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif}\n"
    "main{max-width:1200px;margin:0 auto;padding:24px}\n"
    "h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.2em;margin:32px 0 8px}"
    "h3{font-size:1.05em;margin:28px 0 4px}\n"
    "p{margin:4px 0 12px}.muted{color:var(--muted)}code{font-size:.92em}\n"
    "table{border-collapse:collapse;margin:8px 0 16px;font-variant-numeric:tabular-nums}\n"
    "caption{text-align:left;font-weight:600;padding:4px 0}\n"
    "th,td{padding:3px 7px;border-bottom:1px solid var(--line);text-align:left;"
    "vertical-align:top;font-size:.9em}td code{white-space:nowrap}\n"
    "thead th{font-weight:600;border-bottom:2px solid var(--line);vertical-align:bottom}\n"
    "td.n,th.n{text-align:right}td.n{white-space:nowrap}tfoot th,tfoot td{font-weight:600}\n"
    ".scroll{overflow-x:auto}\n"
    "svg.funnel{display:block;max-width:100%;height:auto}\n"
    "svg text{fill:currentColor;font-size:13px}svg .step{font-family:ui-monospace,monospace}\n"
    "svg .bar{fill:var(--bar)}svg .bar.off{fill:var(--off)}svg .bar.all{fill:var(--muted)}\n"
    "svg .resolved{fill:var(--resolved)}svg .escalated{fill:var(--escalated)}"
    "svg .cancelled{fill:var(--cancelled)}svg .abandoned{fill:var(--abandoned)}"
    "svg .failed{fill:var(--failed)}\n"
    "svg .sep{stroke:var(--line)}details{margin:4px 0 8px}summary{cursor:pointer}\n";

static void head(FILE *out, const rp_report *r)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          /* First, so that nothing before it could load: the page may fetch nothing at all. */
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", out);
    fprintf(out, "<meta name=\"generator\" content=\"helpflow %s\">\n", hf_version());
    fprintf(out, "<title>helpflow report: %ld outcome record%s</title>\n", r->records,
            r->records == 1 ? "" : "s");
    fprintf(out, "<style>\n%s</style>\n</head>\n<body>\n<main>\n", style);
}

static void cell_num(FILE *out, long n) { fprintf(out, "<td class=\"n\">%ld</td>", n); }

static void outcome_row(FILE *out, const rp_group *g)
{
    char human[64];
    double median = rp_median(g);
    long top_n;
    const char *top = g->flow ? rp_top_end(g, &top_n) : NULL;

    fputs("<tr><th scope=\"row\">", out);
    if (g->flow)
        esc(out, g->flow);
    else
        fputs("All flows", out);
    fputs("</th>", out);
    if (g->flow)
        fprintf(out, "<td class=\"n\">%lld</td>", (long long)g->version);
    else
        fputs("<td></td>", out);
    cell_num(out, g->sessions);
    cell_num(out, g->outcomes[RP_RESOLVED]);
    fprintf(out, "<td class=\"n\">%.1f%%</td>", rp_containment(g));
    for (int o = RP_ESCALATED; o < RP_N_OUTCOMES; o++)
        cell_num(out, g->outcomes[o]);
    rp_human_duration(median, human);
    fprintf(out, "<td class=\"n\">%s <span class=\"muted\">(%.*f s)</span></td><td>", human,
            median == floor(median) ? 0 : 1, median);
    if (top) {
        fputs("<code>", out);
        esc(out, top);
        fprintf(out, "</code> (%ld)", top_n);
    } else if (g->flow) {
        fputs("<span class=\"muted\">none</span>", out);
    }
    fputs("</td></tr>\n", out);
}

static void outcome_table(FILE *out, const rp_report *r)
{
    fputs("<div class=\"scroll\"><table>\n<caption>Outcomes by flow and version</caption>\n"
          "<thead><tr><th scope=\"col\">Flow</th><th scope=\"col\" class=\"n\">Version</th>"
          "<th scope=\"col\" class=\"n\">Sessions</th><th scope=\"col\" class=\"n\">Resolved</th>"
          "<th scope=\"col\" class=\"n\">Containment</th>"
          "<th scope=\"col\" class=\"n\">Escalated</th><th scope=\"col\" class=\"n\">Cancelled</th>"
          "<th scope=\"col\" class=\"n\">Abandoned</th><th scope=\"col\" class=\"n\">Failed</th>"
          "<th scope=\"col\" class=\"n\">Median duration</th>"
          "<th scope=\"col\">Most unresolved end</th></tr></thead>\n<tbody>\n", out);
    for (size_t i = 0; i < r->ngroups; i++)
        outcome_row(out, r->groups[i]);
    fputs("</tbody>\n", out);
    if (r->ngroups > 1) {
        fputs("<tfoot>\n", out);
        outcome_row(out, &r->total);
        fputs("</tfoot>\n", out);
    }
    fputs("</table></div>\n", out);
}

static void reason_table(FILE *out, const rp_report *r)
{
    if (r->total.outcomes[RP_ESCALATED] == 0) {
        fputs("<p>No session escalated.</p>\n", out);
        return;
    }
    fputs("<div class=\"scroll\"><table>\n<caption>Escalations by reason</caption>\n"
          "<thead><tr><th scope=\"col\">Flow</th><th scope=\"col\" class=\"n\">Version</th>"
          "<th scope=\"col\">Reason</th><th scope=\"col\" class=\"n\">Sessions</th>"
          "<th scope=\"col\" class=\"n\">Share of escalations</th></tr></thead>\n<tbody>\n", out);
    for (size_t i = 0; i < r->ngroups; i++) {
        const rp_group *g = r->groups[i];
        size_t *order = rp_tally_ranked(&g->reasons);
        for (size_t k = 0; k < g->reasons.n; k++) {
            long n = g->reasons.counts[order[k]];
            fputs("<tr><th scope=\"row\">", out);
            esc(out, g->flow);
            fprintf(out, "</th><td class=\"n\">%lld</td><td><code>", (long long)g->version);
            esc(out, g->reasons.keys[order[k]]);
            fprintf(out, "</code></td><td class=\"n\">%ld</td><td class=\"n\">%.1f%%</td></tr>\n",
                    n, pct(n, g->outcomes[RP_ESCALATED]));
        }
        free(order);
    }
    fputs("</tbody>\n</table></div>\n", out);
}

/* ---------------------------------------------------------------------------------------- */
/* The funnel of one flow version, as SVG.                                                   */

enum {
    SVG_W = 760,       /* viewBox width */
    ROW = 26,          /* height of a row */
    BAR = 18,          /* height of a bar */
    LABEL_MAX = 34,    /* code points of a label shown; longer ones are cut, whole in <title> */
    VALUE_W = 120      /* room right of the bars for "12 · 100.0%" */
};

typedef struct svg {
    FILE *out;
    int label_w;       /* width of the label column */
    int bar_w;         /* width a bar of every session takes */
    int y;             /* top of the next row */
    long sessions;
} svg;

static void svg_bar(svg *s, const char *label, int is_step, const char *cls, long n)
{
    double w = s->sessions ? (double)s->bar_w * (double)n / (double)s->sessions : 0;
    FILE *out = s->out;
    fprintf(out, "<g><text x=\"%d\" y=\"%d\" text-anchor=\"end\"%s>", s->label_w - 8,
            s->y + BAR - 5, is_step ? " class=\"step\"" : "");
    esc_cut(out, label, LABEL_MAX);
    fprintf(out, "</text><rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\">"
                 "<title>", cls, s->label_w, s->y, w < 1 && n > 0 ? 1.0 : w, BAR);
    esc(out, label);
    fprintf(out, ": %ld of %ld sessions (%.1f%%)</title></rect>", n, s->sessions,
            pct(n, s->sessions));
    fprintf(out, "<text x=\"%.1f\" y=\"%d\">%ld · %.1f%%</text></g>\n",
            s->label_w + (w < 1 ? 1.0 : w) + 6, s->y + BAR - 5, n, pct(n, s->sessions));
    s->y += ROW;
}

static void svg_heading(svg *s, const char *text)
{
    fprintf(s->out, "<line class=\"sep\" x1=\"0\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>"
                    "<text x=\"0\" y=\"%d\" class=\"muted\">%s</text>\n",
            SVG_W, s->y + 4, s->y + 4, s->y + 20, text);
    s->y += ROW;
}

/* Width of a key entry ("escalated 12 (41.7%)"), from the 13px font's average advance. */
static double key_width(int o, long n, long of)
{
    char text[96];
    int len = snprintf(text, sizeof text, "%s %ld (%.1f%%)", rp_outcome_names[o], n, pct(n, of));
    return 16 + 7.4 * len + 18;
}

/* The rows the key of g's outcomes takes, wrapped to the chart's width. */
static int key_rows(const svg *s, const rp_group *g)
{
    double x = s->label_w;
    int rows = 1;
    for (int o = 0; o < RP_N_OUTCOMES; o++) {
        if (g->outcomes[o] == 0)
            continue;
        double w = key_width(o, g->outcomes[o], g->sessions);
        if (x + w > SVG_W && x > s->label_w) {
            rows++;
            x = s->label_w;
        }
        x += w;
    }
    return rows;
}

/* The closing row: the sessions split by outcome, and a key below it. */
static void svg_split(svg *s, const rp_group *g)
{
    FILE *out = s->out;
    double x = s->label_w;
    fprintf(out, "<g><text x=\"%d\" y=\"%d\" text-anchor=\"end\">outcome</text>\n",
            s->label_w - 8, s->y + BAR - 5);
    for (int o = 0; o < RP_N_OUTCOMES; o++) {
        long n = g->outcomes[o];
        if (n == 0)
            continue;
        double w = (double)s->bar_w * (double)n / (double)g->sessions;
        fprintf(out, "<rect class=\"seg %s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\">"
                     "<title>%s: %ld of %ld sessions (%.1f%%)</title></rect>\n",
                rp_outcome_names[o], x, s->y, w, BAR, rp_outcome_names[o], n, g->sessions,
                pct(n, g->sessions));
        x += w;
    }
    fputs("</g>\n", out);
    s->y += ROW;
    x = s->label_w;
    for (int o = 0; o < RP_N_OUTCOMES; o++) {
        long n = g->outcomes[o];
        if (n == 0)
            continue;
        double w = key_width(o, n, g->sessions);
        if (x + w > SVG_W && x > s->label_w) {
            s->y += ROW - 6;
            x = s->label_w;
        }
        fprintf(out, "<rect class=\"key %s\" x=\"%.0f\" y=\"%d\" width=\"12\" height=\"12\"/>"
                     "<text x=\"%.0f\" y=\"%d\">%s %ld (%.1f%%)</text>\n",
                rp_outcome_names[o], x, s->y + 2, x + 16, s->y + 12, rp_outcome_names[o], n,
                pct(n, g->sessions));
        x += w;
    }
    s->y += ROW;
}

/* The chart's <desc>: what the bars show, in words, for those who cannot see them. */
static void svg_desc(FILE *out, const rp_group *g, const rp_funnel_step *f, size_t n)
{
    fprintf(out, "%ld sessions.", g->sessions);
    for (size_t i = 0; i < n; i++) {
        if (i == 0)
            fputs(" Steps reached along the most common path:", out);
        else if (!f[i].on_path && f[i - 1].on_path)
            fputs(". Off that path:", out);
        fputs(i == 0 || (!f[i].on_path && f[i - 1].on_path) ? " " : ", ", out);
        esc(out, f[i].step);
        fprintf(out, " %ld", f[i].sessions);
    }
    if (n > 0)
        fputc('.', out);
    else
        fputs(" No trails were recorded, so the steps reached are not known.", out);
    fputs(" Outcomes:", out);
    for (int o = 0, first = 1; o < RP_N_OUTCOMES; o++)
        if (g->outcomes[o]) {
            fprintf(out, "%s %ld %s", first ? "" : ",", g->outcomes[o], rp_outcome_names[o]);
            first = 0;
        }
    fputc('.', out);
}

static void funnel_data(FILE *out, const rp_group *g, const rp_funnel_step *f, size_t n)
{
    fputs("<details><summary>The funnel as a table</summary>\n<table>\n"
          "<thead><tr><th scope=\"col\">Step</th><th scope=\"col\" class=\"n\">Sessions</th>"
          "<th scope=\"col\" class=\"n\">Share</th><th scope=\"col\">On the most common path</th>"
          "</tr></thead>\n<tbody>\n", out);
    for (size_t i = 0; i < n; i++) {
        fputs("<tr><th scope=\"row\"><code>", out);
        esc(out, f[i].step);
        fprintf(out, "</code></th><td class=\"n\">%ld</td><td class=\"n\">%.1f%%</td><td>%s</td>"
                     "</tr>\n", f[i].sessions, pct(f[i].sessions, g->sessions),
                f[i].on_path ? "yes" : "no");
    }
    for (int o = 0; o < RP_N_OUTCOMES; o++)
        fprintf(out, "<tr><th scope=\"row\">%s</th><td class=\"n\">%ld</td>"
                     "<td class=\"n\">%.1f%%</td><td></td></tr>\n", rp_outcome_names[o],
                g->outcomes[o], pct(g->outcomes[o], g->sessions));
    fputs("</tbody>\n</table></details>\n", out);
}

static void funnel(FILE *out, const rp_group *g, size_t id)
{
    rp_funnel_step *f;
    size_t n = rp_funnel(g, &f), longest = 12; /* "all sessions" */
    int off = 0;

    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        for (const char *p = f[i].step; *p; p++)
            len += ((unsigned char)*p & 0xC0) != 0x80;
        if (len > longest)
            longest = len;
        off += !f[i].on_path;
    }
    if (longest > LABEL_MAX + 1)
        longest = LABEL_MAX + 1;

    svg s = { out, 0, 0, 0, g->sessions };
    s.label_w = 16 + (int)(7.9 * (double)longest);
    s.bar_w = SVG_W - s.label_w - VALUE_W;
    int height = ROW * (1 + (int)n + (off > 0) + 1 + 1) + (ROW - 6) * (key_rows(&s, g) - 1) + 8;

    fprintf(out, "<section aria-labelledby=\"f%zu-h\">\n<h3 id=\"f%zu-h\"><code>", id, id);
    esc(out, g->flow);
    fprintf(out, "</code>, version %lld</h3>\n<p class=\"muted\">", (long long)g->version);
    if (g->trails == 0)
        fputs("No record of this version carries a trail, so only the outcomes are shown.", out);
    else if (g->trails < g->sessions)
        fprintf(out, "Steps reached are counted from the %ld of %ld sessions whose record "
                     "carries a trail.", g->trails, g->sessions);
    else
        fputs("Sessions that reached each step (once per session), along the most common "
              "path first.", out);
    fputs("</p>\n", out);

    fprintf(out, "<svg class=\"funnel\" role=\"img\" aria-labelledby=\"f%zu-t f%zu-d\" "
                 "viewBox=\"0 0 %d %d\" width=\"%d\" "
                 "height=\"%d\">\n<title id=\"f%zu-t\">Funnel of ", id, id, SVG_W, height,
            SVG_W, height, id);
    esc(out, g->flow);
    fprintf(out, " version %lld</title>\n<desc id=\"f%zu-d\">", (long long)g->version, id);
    svg_desc(out, g, f, n);
    fputs("</desc>\n", out);

    s.y = 4;
    svg_bar(&s, "all sessions", 0, "bar all", g->sessions);
    for (size_t i = 0; i < n; i++) {
        if (!f[i].on_path && (i == 0 || f[i - 1].on_path))
            svg_heading(&s, "reached off the most common path");
        svg_bar(&s, f[i].step, 1, f[i].on_path ? "bar" : "bar off", f[i].sessions);
    }
    svg_split(&s, g);
    fputs("</svg>\n", out);
    funnel_data(out, g, f, n);
    fputs("</section>\n", out);
    free(f);
}

int rp_write_html(FILE *out, const rp_report *r)
{
    head(out, r);
    fputs("<h1>Self-service outcomes</h1>\n<p>", out);
    fprintf(out, "%ld outcome record%s from ", r->records, r->records == 1 ? "" : "s");
    for (size_t i = 0; i < r->nfiles; i++) {
        fputs(i == 0 ? "" : i + 1 == r->nfiles ? " and " : ", ", out);
        fputs("<code>", out);
        esc(out, strcmp(r->files[i], "-") == 0 ? "stdin" : r->files[i]);
        fputs("</code>", out);
    }
    if (r->records == 0) {
        fputs(".</p>\n<p>No outcome records.</p>\n", out);
    } else {
        fprintf(out, ": %ld resolved by self-service (%.1f%% containment), %ld escalated.</p>\n",
                r->total.outcomes[RP_RESOLVED], rp_containment(&r->total),
                r->total.outcomes[RP_ESCALATED]);
        outcome_table(out, r);
        reason_table(out, r);
        fputs("<h2>Funnels</h2>\n", out);
        for (size_t i = 0; i < r->ngroups; i++)
            funnel(out, r->groups[i], i + 1);
    }
    fprintf(out, "<p class=\"muted\">Made by <code>helpflow report</code> %s.</p>\n"
                 "</main>\n</body>\n</html>\n", hf_version());
    return ferror(out) ? -1 : 0;
}
