/* run_json.c — `helpflow run --json`: a session driven by JSON lines, one output line per event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "util.h"

/* Writes one output as one line, flushed: a driver on the other end of a pipe reads it now. */
static void print_line(const char *json, size_t len)
{
    if (memchr(json, '\n', len)) {
        char *copy = cli_xrealloc(NULL, len + 1);
        memcpy(copy, json, len);
        copy[len] = '\0';
        cJSON_Minify(copy);
        fputs(copy, stdout);
        free(copy);
    } else {
        fwrite(json, 1, len, stdout);
    }
    fputc('\n', stdout);
    fflush(stdout);
}

/* The reply the engine owes but did not give (it ran out of memory): the unchanged output with
 * an "error" member, as a rejection would carry. */
static void print_failure(hf_session *s, int rc)
{
    cJSON *out = cJSON_Parse(hf_session_output(s, NULL));
    cJSON *err = cJSON_CreateObject();
    char *text;

    if (!out)
        out = cJSON_CreateObject();
    cJSON_AddStringToObject(err, "code", "internal");
    cJSON_AddStringToObject(err, "message", hf_strerror(rc));
    cJSON_DeleteItemFromObjectCaseSensitive(out, "error");
    cJSON_AddItemToObject(out, "error", err);
    text = cJSON_PrintUnformatted(out);
    if (text)
        print_line(text, strlen(text));
    else
        print_line("{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}", 55);
    free(text);
    cJSON_Delete(out);
}

int cli_run_json(hf_session *s)
{
    size_t len = 0, cap = 0;
    const char *out = hf_session_output(s, &len);
    char *line = NULL;
    ssize_t got;

    print_line(out, len);
    while ((got = getline(&line, &cap, stdin)) != -1) {
        const char *reply = NULL;
        size_t reply_len = 0;
        int rc;

        (void)got;
        len = cli_chomp(line);
        if (cli_is_blank(line))
            continue;
        rc = hf_session_send(s, line, len, &reply, &reply_len);
        if (reply)
            print_line(reply, reply_len);
        else
            print_failure(s, rc);
    }
    free(line);
    return CLI_EXIT_OK;
}
