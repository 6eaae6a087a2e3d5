/*
 * play.c — `helpflow run` in the terminal: shows each output as the customer would see it and
 * turns what the person types (or the fixtures) into events. See the usage in run.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"
#include "json.h"
#include "render.h"
#include "run.h"
#include "util.h"

typedef struct play {
    hf_session *s;
    const cJSON *fx;
    cJSON *out;      /* the current output, parsed */
    cJSON *options;  /* the options of the last choices shown, for answers by number */
    double now;      /* the time of the last event sent */
    int manual;      /* a fixture's answer was rejected here: ask the person instead */
    int echo;        /* stdin is not a terminal: echo what is read, so the transcript reads */
    char *line;
    size_t cap;
} play;

enum { GOT_EVENT, GOT_NOTHING, GOT_QUIT };

/* Shows an output's components and remembers its choices. */
static void show(play *p)
{
    const cJSON *ui = cJSON_GetObjectItemCaseSensitive(p->out, "ui"), *c;

    cli_render_ui(stdout, ui);
    cJSON_ArrayForEach(c, ui) {
        const char *type = cli_json_str(c, "type");
        if (type && strcmp(type, "choices") == 0) {
            cJSON_Delete(p->options);
            p->options = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(c, "options"), 1);
        }
    }
}

/* Prints the prompt and reads one line into p->line; NULL at end of input. */
static const char *prompt(play *p, const char *text)
{
    fputs(text, stdout);
    fflush(stdout);
    if (getline(&p->line, &p->cap, stdin) == -1) {
        fputc('\n', stdout);
        return NULL;
    }
    cli_chomp(p->line);
    if (p->echo)
        printf("%s\n", p->line);
    return p->line;
}

static cJSON *new_event(const char *type)
{
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "type", type);
    return ev;
}

/* "/human" and friends: an intent, or "/quit". Returns GOT_NOTHING if line is not one. */
static int slash_command(const char *line, char **event)
{
    cJSON *ev;

    if (line[0] != '/' || line[1] == '/')
        return GOT_NOTHING;
    if (strcmp(line, "/quit") == 0)
        return GOT_QUIT;
    ev = new_event("intent");
    cJSON_AddStringToObject(ev, "name", line + 1);
    *event = cli_json_text(ev);
    return GOT_EVENT;
}

/* What the person typed, with "//" unescaped to "/". */
static const char *literal(const char *line)
{
    return line[0] == '/' && line[1] == '/' ? line + 1 : line;
}

static const char *trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

/* The option id a typed answer names: its number in the list shown, else the text itself. */
static const char *option_id(const play *p, const char *answer)
{
    const cJSON *opts = p->options;
    char *end;
    long n;

    if (!opts)
        opts = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(p->out, "expects"), "options");
    n = strtol(answer, &end, 10);
    if (end != answer && *end == '\0' && n >= 1 && n <= cJSON_GetArraySize(opts)) {
        const char *id = cli_json_str(cJSON_GetArrayItem(opts, (int)n - 1), "id");
        if (id)
            return id;
    }
    return answer;
}

static int ask_choice(play *p, char **event)
{
    for (;;) {
        const char *line = prompt(p, "> "), *answer;
        int got;
        cJSON *ev;

        if (!line)
            return GOT_QUIT;
        if ((got = slash_command(line, event)) != GOT_NOTHING)
            return got;
        answer = trim(p->line);
        if (!*answer)
            continue;
        ev = new_event("choose");
        cJSON_AddStringToObject(ev, "option", option_id(p, literal(answer)));
        *event = cli_json_text(ev);
        return GOT_EVENT;
    }
}

static int ask_input(play *p, const cJSON *expects, char **event)
{
    const char *type = cli_json_str(expects, "input");
    char text[64];
    const char *line;
    int got;
    cJSON *ev;

    snprintf(text, sizeof text, "%s> ", type ? type : "input");
    if (!(line = prompt(p, text)))
        return GOT_QUIT;
    if ((got = slash_command(line, event)) != GOT_NOTHING)
        return got;
    ev = new_event("input");
    cJSON_AddStringToObject(ev, "value", literal(line));
    *event = cli_json_text(ev);
    return GOT_EVENT;
}

/* Copies the members of a result fixture that an event may carry. */
static cJSON *result_event(const char *id, const cJSON *fixture)
{
    static const char *const members[] = { "ok", "data", "error" };
    cJSON *ev = new_event("result");

    cJSON_AddStringToObject(ev, "action", id);
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(fixture, members[i]);
        if (m)
            cJSON_AddItemToObject(ev, members[i], cJSON_Duplicate(m, 1));
    }
    return ev;
}

static int answer_action(play *p, char **event)
{
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(p->out, "action");
    const char *id = cli_json_str(action, "id"), *name = cli_json_str(action, "name");
    const cJSON *fixture = name ? cli_fixtures_action(p->fx, name) : NULL;

    cli_render_action(stdout, action);
    if (!id)
        id = "";
    if (fixture && !p->manual) {
        fputs("-> fixture: ", stdout);
        cli_json_put(stdout, fixture);
        fputc('\n', stdout);
        *event = cli_json_text(result_event(id, fixture));
        return GOT_EVENT;
    }
    puts("(type the result data as JSON; Enter: ok with no data; !message: the action failed)");
    for (;;) {
        const char *line = prompt(p, "result> ");
        cJSON *ev, *data;
        int got;

        if (!line)
            return GOT_QUIT;
        if ((got = slash_command(line, event)) != GOT_NOTHING)
            return got;
        ev = new_event("result");
        cJSON_AddStringToObject(ev, "action", id);
        if (line[0] == '!') {
            const char *err = trim(p->line + 1);
            cJSON_AddFalseToObject(ev, "ok");
            cJSON_AddStringToObject(ev, "error", *err ? err : "failed");
        } else if (cli_is_blank(line)) {
            cJSON_AddTrueToObject(ev, "ok");
        } else if ((data = cJSON_Parse(line)) != NULL) {
            cJSON_AddTrueToObject(ev, "ok");
            cJSON_AddItemToObject(ev, "data", data);
        } else {
            puts("! that is not JSON: type the result data as JSON, Enter, or !message");
            cJSON_Delete(ev);
            continue;
        }
        *event = cli_json_text(ev);
        return GOT_EVENT;
    }
}

/* When the wait times out: the output's own "deadline" if it says, else timeout after now. */
static double wait_deadline(const play *p, const cJSON *expects)
{
    const cJSON *deadline = cJSON_GetObjectItemCaseSensitive(expects, "deadline");
    const cJSON *timeout = cJSON_GetObjectItemCaseSensitive(expects, "timeout");

    if (cJSON_IsNumber(deadline))
        return deadline->valuedouble;
    if (cJSON_IsNumber(timeout))
        return p->now + timeout->valuedouble;
    return p->now + 60;
}

static cJSON *tick_at(double at)
{
    cJSON *ev = new_event("tick");
    cJSON_AddNumberToObject(ev, "at", at);
    return ev;
}

static cJSON *event_event(const char *name, const cJSON *data)
{
    cJSON *ev = new_event("event");
    cJSON_AddStringToObject(ev, "name", name);
    cJSON_AddItemToObject(ev, "data", data ? cJSON_Duplicate(data, 1) : cJSON_CreateObject());
    return ev;
}

static int answer_wait(play *p, const cJSON *expects, char **event)
{
    const char *name = cli_json_str(expects, "event") ? cli_json_str(expects, "event")
                                                      : cli_json_str(expects, "name");
    const cJSON *fixture = name ? cli_fixtures_event(p->fx, name) : NULL;

    if (fixture && !p->manual) {
        printf("-> fixture event: %s ", name);
        cli_json_put(stdout, fixture);
        fputc('\n', stdout);
        *event = cli_json_text(event_event(name, fixture));
        return GOT_EVENT;
    }
    if (name)
        printf("(waiting for the event %s: Enter sends it, a JSON object sends it with that data;"
               " t: a tick at the timeout, t N: a tick N seconds later)\n", name);
    else
        puts("(waiting: Enter or t sends a tick at the timeout, t N a tick N seconds later)");
    for (;;) {
        const char *line = prompt(p, "wait> "), *answer;
        cJSON *data = NULL;
        int got;

        if (!line)
            return GOT_QUIT;
        if ((got = slash_command(line, event)) != GOT_NOTHING)
            return got;
        answer = trim(p->line);
        if (strcmp(answer, "t") == 0 || (!name && !*answer)) {
            *event = cli_json_text(tick_at(wait_deadline(p, expects)));
        } else if (answer[0] == 't' && answer[1] == ' ') {
            *event = cli_json_text(tick_at(p->now + strtod(answer + 2, NULL)));
        } else if (!*answer) {
            *event = cli_json_text(event_event(name, NULL));
        } else if (name && cJSON_IsObject(data = cJSON_Parse(answer))) {
            *event = cli_json_text(event_event(name, data));
            cJSON_Delete(data);
        } else {
            cJSON_Delete(data);
            puts("! type Enter, a JSON object, t or t N");
            continue;
        }
        return GOT_EVENT;
    }
}

/* The next event, from the fixtures or the person; GOT_QUIT at /quit or end of input. */
static int next_event(play *p, char **event)
{
    const cJSON *expects = cJSON_GetObjectItemCaseSensitive(p->out, "expects");
    const char *kind = cli_json_str(expects, "kind");

    if (hf_session_status(p->s) == HF_STATUS_ACTION)
        return answer_action(p, event);
    if (kind && strcmp(kind, "choice") == 0)
        return ask_choice(p, event);
    if (kind && strcmp(kind, "input") == 0)
        return ask_input(p, expects, event);
    return answer_wait(p, expects, event);
}

/* Sends an event: shows the new output, or the rejection's message and leaves p as it was. */
static void send(play *p, const char *event)
{
    const char *reply = NULL;
    size_t len = 0;
    int rc = hf_session_send(p->s, event, strlen(event), &reply, &len);
    cJSON *out = reply ? cJSON_ParseWithLength(reply, len) : NULL;

    if (rc != HF_OK) {
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(out, "error");
        const char *msg = cli_json_str(err, "message");
        printf("! %s\n", msg ? msg : hf_strerror(rc));
        p->manual = 1;
        cJSON_Delete(out);
        return;
    }
    if (!out) {
        cli_error("run: the engine's output is not JSON");
        exit(CLI_EXIT_USAGE);
    }
    {
        cJSON *ev = cJSON_Parse(event);
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(ev, "at");
        if (cJSON_IsNumber(at))
            p->now = at->valuedouble;
        cJSON_Delete(ev);
    }
    cJSON_Delete(p->out);
    p->out = out;
    p->manual = 0;
    show(p);
}

static int is_final(int status)
{
    return status != HF_STATUS_WAITING && status != HF_STATUS_ACTION;
}

int cli_play(hf_session *s, const cJSON *fx, double now)
{
    play p = { s, fx, NULL, NULL, now, 0, !isatty(STDIN_FILENO), NULL, 0 };

    p.out = cJSON_Parse(hf_session_output(s, NULL));
    if (!p.out) {
        cli_error("run: the engine's output is not JSON");
        return CLI_EXIT_USAGE;
    }
    show(&p);
    while (!is_final(hf_session_status(s))) {
        char *event = NULL;
        int got = next_event(&p, &event);
        if (got == GOT_QUIT)
            break;
        send(&p, event);
        free(event);
    }
    if (is_final(hf_session_status(s)))
        cli_render_end(stdout, p.out);
    cJSON_Delete(p.out);
    cJSON_Delete(p.options);
    free(p.line);
    return CLI_EXIT_OK;
}
