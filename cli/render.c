/* render.c — plain-text rendering of session outputs for `helpflow run`. */
#include "render.h"

#include <stdlib.h>
#include <string.h>

static int name_in(const char *name, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(name, *names) == 0)
            return 1;
    return 0;
}

/* A scalar as text, anything else as compact JSON. */
static void render_value(FILE *out, const cJSON *v)
{
    if (cJSON_IsString(v))
        fputs(v->valuestring, out);
    else
        cli_json_put(out, v);
}

static const char *const title_names[] = { "title", "heading", "name", NULL };
static const char *const body_names[] = { "text", "body", "subtitle", "description", NULL };
static const char *const label_names[] = { "label", "text", "title", "name", NULL };
static const char *const url_names[] = { "url", "href", "link", "deeplink", "deep_link",
                                         "target", NULL };

/* Members not yet shown, as "  key: value" lines. */
static void render_rest(FILE *out, const cJSON *c, const char *const *shown)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, c) {
        if (!m->string || strcmp(m->string, "type") == 0 || name_in(m->string, shown))
            continue;
        fprintf(out, "  %s: ", m->string);
        render_value(out, m);
        fputc('\n', out);
    }
}

static void render_card(FILE *out, const cJSON *c)
{
    const cJSON *title = NULL, *m;

    for (const char *const *n = title_names; *n && !title; n++) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, *n);
        if (cJSON_IsString(t))
            title = t;
    }
    fprintf(out, "+ %s\n", title ? title->valuestring : "card");
    cJSON_ArrayForEach(m, c) {
        if (m->string && name_in(m->string, body_names) && cJSON_IsString(m))
            fprintf(out, "  %s\n", m->valuestring);
    }
    cJSON_ArrayForEach(m, c) {
        if (m == title || !m->string || strcmp(m->string, "type") == 0 ||
            (name_in(m->string, body_names) && cJSON_IsString(m)))
            continue;
        fprintf(out, "  %s: ", m->string);
        render_value(out, m);
        fputc('\n', out);
    }
}

static void render_list(FILE *out, const cJSON *c)
{
    static const char *const item_names[] = { "items", "entries", "rows", "options", NULL };
    const char *title = cli_json_string(c, title_names);
    const cJSON *items = NULL, *it;

    for (const char *const *n = item_names; *n && !items; n++) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(c, *n);
        if (cJSON_IsArray(m))
            items = m;
    }
    if (title)
        fprintf(out, "%s\n", title);
    cJSON_ArrayForEach(it, items) {
        const char *label = cJSON_IsObject(it) ? cli_json_string(it, label_names) : NULL;
        const char *url = cJSON_IsObject(it) ? cli_json_string(it, url_names) : NULL;
        fputs("  - ", out);
        if (label)
            fputs(label, out);
        else
            render_value(out, it);
        if (url)
            fprintf(out, " (%s)", url);
        fputc('\n', out);
    }
    if (!items)
        render_rest(out, c, title_names);
}

static void render_link(FILE *out, const cJSON *c)
{
    const char *label = cli_json_string(c, label_names);
    const char *url = cli_json_string(c, url_names);

    if (label && url)
        fprintf(out, "-> %s (%s)\n", label, url);
    else if (label || url)
        fprintf(out, "-> %s\n", label ? label : url);
    else {
        fputs("-> link ", out);
        cli_json_put(out, c);
        fputc('\n', out);
    }
}

static void render_choices(FILE *out, const cJSON *c)
{
    const cJSON *opt;
    int n = 0;

    cJSON_ArrayForEach(opt, cJSON_GetObjectItemCaseSensitive(c, "options")) {
        static const char *const names[] = { "label", "id", NULL };
        const char *label = cli_json_string(opt, names);
        fprintf(out, "  %d. %s\n", ++n, label ? label : "?");
    }
}

static void render_component(FILE *out, const cJSON *c)
{
    static const char *const msg_names[] = { "text", "message", NULL };
    const char *type = cli_json_string(c, (const char *const[]){ "type", NULL });

    if (!type) {
        cli_json_put(out, c);
        fputc('\n', out);
    } else if (strcmp(type, "text") == 0) {
        const char *text = cli_json_string(c, msg_names);
        fprintf(out, "%s\n", text ? text : "");
    } else if (strcmp(type, "choices") == 0) {
        render_choices(out, c);
    } else if (strcmp(type, "input") == 0) {
        return;
    } else if (strcmp(type, "error") == 0) {
        const char *msg = cli_json_string(c, msg_names);
        fprintf(out, "! %s\n", msg ? msg : "that did not work");
    } else if (strcmp(type, "card") == 0) {
        render_card(out, c);
    } else if (strcmp(type, "list") == 0) {
        render_list(out, c);
    } else if (strcmp(type, "link") == 0) {
        render_link(out, c);
    } else {
        fprintf(out, "[%s] ", type);
        cli_json_put(out, c);
        fputc('\n', out);
    }
}

void cli_render_ui(FILE *out, const cJSON *ui)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, ui)
        render_component(out, c);
}

void cli_render_action(FILE *out, const cJSON *action)
{
    static const char *const id_names[] = { "id", NULL };
    static const char *const name_names[] = { "name", NULL };
    const char *id = cli_json_string(action, id_names);
    const char *name = cli_json_string(action, name_names);
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(action, "args");

    fprintf(out, "[action %s %s ", id ? id : "?", name ? name : "?");
    if (args)
        cli_json_put(out, args);
    else
        fputs("{}", out);
    fputs("]\n", out);
}

/* "a,b" from a JSON array of strings, or `none` when it is empty. */
static void render_names(FILE *out, const cJSON *arr, const char *none)
{
    const cJSON *s;
    int n = 0;
    cJSON_ArrayForEach(s, arr) {
        if (n++)
            fputc(',', out);
        render_value(out, s);
    }
    if (!n)
        fputs(none, out);
}

static void render_escalation(FILE *out, const cJSON *esc)
{
    static const char *const reason_names[] = { "reason", NULL };
    static const char *const prio_names[] = { "priority", NULL };
    static const char *const summary_names[] = { "summary", NULL };
    const char *reason = cli_json_string(esc, reason_names);
    const char *priority = cli_json_string(esc, prio_names);
    const char *summary = cli_json_string(esc, summary_names);
    /* Why a flow_error happened: what the author playing the flow needs to see. */
    const char *error = cli_json_string(esc, (const char *const[]){ "error", NULL });
    const cJSON *flags = cJSON_GetObjectItemCaseSensitive(esc, "flags");
    const cJSON *collected = cJSON_GetObjectItemCaseSensitive(esc, "collected");

    fprintf(out, "== escalated: %s (", reason ? reason : "?");
    render_names(out, cJSON_GetObjectItemCaseSensitive(esc, "skills"), "no skills");
    fprintf(out, ", %s) ==\n", priority ? priority : "normal");
    if (summary && *summary)
        fprintf(out, "summary: %s\n", summary);
    if (error && *error)
        fprintf(out, "error: %s\n", error);
    if (cJSON_GetArraySize(flags) > 0) {
        fputs("flags: ", out);
        render_names(out, flags, "");
        fputc('\n', out);
    }
    if (collected) {
        fputs("collected: ", out);
        cli_json_put(out, collected);
        fputc('\n', out);
    }
}

void cli_render_end(FILE *out, const cJSON *output)
{
    static const char *const status_names[] = { "status", NULL };
    const char *status = cli_json_string(output, status_names);

    if (status && strcmp(status, "escalated") == 0)
        render_escalation(out, cJSON_GetObjectItemCaseSensitive(output, "escalation"));
    else
        fprintf(out, "== %s ==\n", status ? status : "ended");
}
