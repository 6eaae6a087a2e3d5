/* lint.c — the warnings of `helpflow check` (lint.h), from a flow's hf_flow_describe(). */
#include "lint.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "utf8.h"
#include "util.h"

/* The first `max` code points of s, and "..." when there is more, to show which text. */
static void snippet(char *out, size_t size, const char *s, size_t max)
{
    size_t i = 0, cps = 0;

    for (; s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && cps++ == max)
            break;
    if (i > size - 4)
        i = size - 4;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80) /* never cut a character */
        i--;
    memcpy(out, s, i);
    strcpy(out + i, s[i] ? "..." : "");
}

typedef struct step_ref {
    const char *id;
    int index;
} step_ref;

static int by_id(const void *a, const void *b)
{
    return strcmp(((const step_ref *)a)->id, ((const step_ref *)b)->id);
}

static int find_step(const step_ref *refs, int n, const char *id)
{
    step_ref key = { id, 0 };
    const step_ref *r = id ? bsearch(&key, refs, (size_t)n, sizeof *refs, by_id) : NULL;
    return r ? r->index : -1;
}

/* ---- (c) a locale lacking keys another has ----------------------------------------------- */

static long lint_locales(FILE *out, const char *file, const cJSON *locales)
{
    const cJSON *a, *b, *k;
    long warnings = 0;

    cJSON_ArrayForEach(a, locales) {
        cJSON_ArrayForEach(b, locales) {
            size_t missing = 0;
            if (a == b)
                continue;
            cJSON_ArrayForEach(k, b) {
                const cJSON *m;
                int found = 0;
                cJSON_ArrayForEach(m, a) {
                    if (cJSON_IsString(m) && cJSON_IsString(k) &&
                        strcmp(m->valuestring, k->valuestring) == 0) {
                        found = 1;
                        break;
                    }
                }
                if (found || !cJSON_IsString(k))
                    continue;
                if (missing++ == 0)
                    fprintf(out, "%s: warning: locale '%s' lacks strings that locale '%s' has: "
                            "'%s'", file, a->string, b->string, k->valuestring);
                else
                    fprintf(out, ", '%s'", k->valuestring);
            }
            if (missing) {
                fputc('\n', out);
                warnings++;
            }
        }
    }
    return warnings;
}

/* ---- (a) waiting steps with no way to an end --------------------------------------------- */

static int is_waiting(const cJSON *step)
{
    static const char *const kinds[] = { "ask", "action", "wait", "call", NULL };
    const char *kind = cli_json_str(step, "kind");
    const cJSON *e;

    if (!kind)
        return 0;
    for (int i = 0; kinds[i]; i++)
        if (strcmp(kind, kinds[i]) == 0)
            return 1;
    if (strcmp(kind, "say") != 0)
        return 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(step, "edges")) {
        const char *via = cli_json_str(e, "via");
        if (via && strncmp(via, "choice:", 7) == 0)
            return 1;
    }
    return 0;
}

/* Marks in ends[] every step from which some path of edges leads to a final step: a fixed
 * point over the edges, from the finals backwards. Intents are not edges of a step: they are
 * the customer's way out, and a step that needs one to end has the problem this finds. */
static void mark_ends(const cJSON **steps, int n, const step_ref *refs, char *ends)
{
    int changed = 1;

    for (int i = 0; i < n; i++)
        ends[i] = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(steps[i], "final"));
    while (changed) {
        changed = 0;
        for (int i = 0; i < n; i++) {
            const cJSON *e;
            if (ends[i])
                continue;
            cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(steps[i], "edges")) {
                int to = find_step(refs, n, cli_json_str(e, "to"));
                if (to >= 0 && ends[to]) {
                    ends[i] = 1;
                    changed = 1;
                    break;
                }
            }
        }
    }
}

/* ---- (b) texts too long for a phone ------------------------------------------------------ */

static long lint_texts(FILE *out, const char *file, const char *step, const cJSON *texts,
                       long max_text)
{
    const cJSON *t;
    long warnings = 0;

    cJSON_ArrayForEach(t, texts) {
        const char *lit = cli_json_str(t, "literal"), *where = cli_json_str(t, "where");
        char what[160], shown[160];
        size_t n;

        if (!lit || !where || (n = cli_utf8_width(lit)) <= (size_t)max_text)
            continue;
        if (strncmp(where, "choice:", 7) == 0)
            snprintf(what, sizeof what, "the label of choice '%s'", where + 7);
        else if (strcmp(where, "components") == 0)
            snprintf(what, sizeof what, "a component's text");
        else
            snprintf(what, sizeof what, "the %s", where);
        snippet(shown, sizeof shown, lit, 40);
        fprintf(out, "%s:%s: warning: %s is %zu characters, more than %ld (\"%s\")\n", file,
                step, what, n, max_text, shown);
        warnings++;
    }
    return warnings;
}

/* Every locale's strings, measured once each at the flow level, in the order describe lists
 * them (locales by name, keys sorted): a t"key" text is as long as its string is in the locale
 * the customer reads, so each locale counts. */
static long lint_strings(FILE *out, const char *file, const cJSON *strings, long max_text)
{
    const cJSON *loc, *k;
    long warnings = 0;

    cJSON_ArrayForEach(loc, strings) {
        cJSON_ArrayForEach(k, loc) {
            char shown[160];
            size_t n;
            if (!cJSON_IsString(k) || (n = cli_utf8_width(k->valuestring)) <= (size_t)max_text)
                continue;
            snippet(shown, sizeof shown, k->valuestring, 40);
            fprintf(out, "%s: warning: string '%s' of locale '%s' is %zu characters, more than "
                    "%ld (\"%s\")\n", file, k->string, loc->string, n, max_text, shown);
            warnings++;
        }
    }
    return warnings;
}

/* ---- (d) actions against the manifest ---------------------------------------------------- */

static long lint_action(FILE *out, const char *file, const cJSON *step,
                        const cli_manifest *m)
{
    const char *id = cli_json_str(step, "id"), *name = cli_json_str(step, "call");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(step, "args"), *arg;
    const cli_action *a;
    long warnings = 0;

    if (!name)
        return 0;
    a = cli_manifest_find(m, name);
    if (!a) {
        fprintf(out, "%s:%s: warning: action '%s' is not declared in %s\n", file, id, name,
                m->path);
        return 1;
    }
    cJSON_ArrayForEach(arg, args) { /* args null (a function's) has no items */
        if (!cJSON_IsString(arg) || cli_strv_has(&a->args, arg->valuestring))
            continue;
        fprintf(out, "%s:%s: warning: action '%s' gets argument '%s', which %s does not list "
                "(", file, id, name, arg->valuestring, m->path);
        if (a->args.n == 0)
            fputs("it lists none", out);
        for (size_t i = 0; i < a->args.n; i++)
            fprintf(out, "%s%s", i ? ", " : "its args: ", a->args.v[i]);
        fputs(")\n", out);
        warnings++;
    }
    return warnings;
}

long cli_lint_flow(FILE *out, hf_engine *e, const char *id, int64_t version, long max_text,
                   const cli_manifest *manifest)
{
    const char *json = NULL;
    size_t len = 0;
    int rc = hf_flow_describe(e, id, version, &json, &len);
    cJSON *flow;
    const cJSON *steps, *s;
    const char *file;
    long warnings = 0;

    if (rc != HF_OK) {
        cli_error("check: cannot describe flow '%s': %s", id, hf_engine_errmsg(e));
        return -1;
    }
    flow = cJSON_ParseWithLength(json, len);
    steps = cJSON_GetObjectItemCaseSensitive(flow, "steps");
    file = cli_json_str(flow, "source");
    if (!cJSON_IsArray(steps) || !file) {
        cli_error("check: flow '%s': hf_flow_describe gave no steps or source", id);
        cJSON_Delete(flow);
        return -1;
    }
    int n = cJSON_GetArraySize(steps), i = 0;
    const cJSON **sv = cli_xrealloc(NULL, (size_t)(n ? n : 1) * sizeof *sv);
    step_ref *refs = cli_xrealloc(NULL, (size_t)(n ? n : 1) * sizeof *refs);
    char *ends = cli_xrealloc(NULL, (size_t)(n ? n : 1));
    cJSON_ArrayForEach(s, steps) {
        sv[i] = s;
        refs[i].id = cli_json_str(s, "id");
        refs[i].id = refs[i].id ? refs[i].id : "";
        refs[i].index = i;
        i++;
    }
    qsort(refs, (size_t)n, sizeof *refs, by_id);
    mark_ends(sv, n, refs, ends);

    warnings += lint_locales(out, file, cJSON_GetObjectItemCaseSensitive(flow, "locales"));
    warnings += lint_strings(out, file, cJSON_GetObjectItemCaseSensitive(flow, "strings"),
                             max_text);
    for (i = 0; i < n; i++) {
        const char *sid = cli_json_str(sv[i], "id"), *kind = cli_json_str(sv[i], "kind");
        if (!sid || !kind)
            continue;
        if (!ends[i] && is_waiting(sv[i])) {
            fprintf(out, "%s:%s: warning: no path from this %s step leads to an end (resolved "
                    "or escalate): only an intent or a policy limit gets the customer out\n",
                    file, sid, kind);
            warnings++;
        }
        warnings += lint_texts(out, file, sid, cJSON_GetObjectItemCaseSensitive(sv[i], "texts"),
                               max_text);
        if (manifest && strcmp(kind, "action") == 0)
            warnings += lint_action(out, file, sv[i], manifest);
    }
    free(sv);
    free(refs);
    free(ends);
    cJSON_Delete(flow);
    return warnings;
}
