/*
 * harness.h — small helpers shared by the cmocka tests: make an engine, load a flow from a
 * string, drive a session and look into its JSON output. Everything here fails the running test
 * (cmocka's fail_msg) rather than returning errors, so a test reads as a conversation.
 */
#ifndef HF_TEST_HARNESS_H
#define HF_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "helpflow.h"

/* Whether a file name in flows/ is a flow: not the routing config, the action manifest or a
 * conversation test (the names the CLI gives those roles, cli/load.c). */
static inline int t_is_flow_file(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".lua") == 0 &&
           !(n > 9 && strcmp(name + n - 9, ".test.lua") == 0) &&
           strcmp(name, "routing.lua") != 0 && strcmp(name, "actions.lua") != 0;
}

/* An engine with default options, or fails the test. */
static inline hf_engine *t_engine(void)
{
    hf_engine *e = NULL;
    int rc = hf_engine_new(&e, NULL);
    if (rc != HF_OK)
        fail_msg("hf_engine_new: %s", hf_strerror(rc));
    return e;
}

/* Loads a flow from source; fails the test with the engine's message if it does not load. */
static inline void t_load(hf_engine *e, const char *src)
{
    int rc = hf_engine_load_string(e, src, strlen(src), "test.lua", NULL);
    if (rc != HF_OK)
        fail_msg("load failed (%s): %s", hf_strerror(rc), hf_engine_errmsg(e));
}

/* Starts a session of flow with a context (NULL for {}), or fails the test. */
static inline hf_session *t_start(hf_engine *e, const char *flow, const char *ctx)
{
    hf_session *s = NULL;
    int rc = hf_session_start(&s, e, flow, ctx, ctx ? strlen(ctx) : 0);
    if (rc != HF_OK)
        fail_msg("start %s failed (%s): %s", flow, hf_strerror(rc), hf_engine_errmsg(e));
    return s;
}

/* The session's current output, parsed. The caller cJSON_Delete()s it. */
static inline cJSON *t_output(const hf_session *s)
{
    cJSON *j = cJSON_Parse(hf_session_output(s, NULL));
    if (!j)
        fail_msg("output is not JSON: %s", hf_session_output(s, NULL));
    return j;
}

/* Sends an event that must be accepted; returns the parsed reply (caller deletes it). */
static inline cJSON *t_send(hf_session *s, const char *event)
{
    const char *reply = NULL;
    int rc = hf_session_send(s, event, strlen(event), &reply, NULL);
    if (rc != HF_OK)
        fail_msg("event %s was refused (%s): %s", event, hf_strerror(rc), reply ? reply : "");
    cJSON *j = cJSON_Parse(reply);
    if (!j)
        fail_msg("reply is not JSON: %s", reply);
    return j;
}

/*
 * Sends an event that must be rejected with want_rc and error code want_code; checks that the
 * session's output is byte-for-byte what it was before.
 */
static inline void t_reject(hf_session *s, const char *event, size_t len, int want_rc,
                            const char *want_code)
{
    size_t before_len = 0;
    const char *b = hf_session_output(s, &before_len);
    char *before = malloc(before_len + 1);
    memcpy(before, b, before_len + 1);
    const char *reply = NULL;
    int rc = hf_session_send(s, event, len, &reply, NULL);
    if (rc != want_rc)
        fail_msg("event %.*s: want %s, got %s: %s", (int)len, event, hf_strerror(want_rc),
                 hf_strerror(rc), reply ? reply : "");
    cJSON *j = cJSON_Parse(reply);
    if (!j)
        fail_msg("rejection reply is not JSON: %s", reply);
    cJSON *code = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "error"),
                                                   "code");
    if (!cJSON_IsString(code))
        fail_msg("rejection has no error.code: %s", reply);
    if (want_code && strcmp(code->valuestring, want_code) != 0)
        fail_msg("want error %s, got %s: %s", want_code, code->valuestring, reply);
    cJSON_Delete(j);
    size_t after_len = 0;
    const char *after = hf_session_output(s, &after_len);
    if (after_len != before_len || memcmp(before, after, before_len) != 0)
        fail_msg("rejected event changed the output:\nbefore %s\nafter  %s", before, after);
    free(before);
}

/*
 * The item at a dotted path ("escalation.reason", "ui.0.text"); numbers index arrays.
 * NULL if absent.
 */
static inline cJSON *t_get(cJSON *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "."); tok && j; tok = strtok(NULL, ".")) {
        if (cJSON_IsArray(j) && tok[0] >= '0' && tok[0] <= '9')
            j = cJSON_GetArrayItem(j, atoi(tok));
        else
            j = cJSON_GetObjectItemCaseSensitive(j, tok);
    }
    return j;
}

/* The string at path, or fails the test. */
static inline const char *t_str(cJSON *j, const char *path)
{
    cJSON *v = t_get(j, path);
    if (!cJSON_IsString(v)) {
        char *txt = cJSON_PrintUnformatted(j);
        fail_msg("no string at %s in %s", path, txt);
    }
    return v->valuestring;
}

/* Asserts the string at path equals want. */
#define t_assert_str(j, path, want)                                                           \
    do {                                                                                      \
        const char *got_ = t_str((j), (path));                                                \
        if (strcmp(got_, (want)) != 0) {                                                      \
            char *txt_ = cJSON_PrintUnformatted(j);                                           \
            fail_msg("%s: want \"%s\", got \"%s\" in %s", (path), (want), got_, txt_);        \
        }                                                                                     \
    } while (0)

/* The number at path, or fails the test. */
static inline double t_num(cJSON *j, const char *path)
{
    cJSON *v = t_get(j, path);
    if (!cJSON_IsNumber(v)) {
        char *txt = cJSON_PrintUnformatted(j);
        fail_msg("no number at %s in %s", path, txt);
    }
    return v->valuedouble;
}

/* Reads a whole file under HF_SOURCE_DIR (or the current directory); caller frees. */
static inline char *t_read_source(const char *rel, size_t *len)
{
    const char *dir = getenv("HF_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : ".", rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n)
        fail_msg("cannot read %s", path);
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

/*
 * The JSONTestSuite parsing cases: $HF_JSONTESTSUITE, else the shared data beside the checkout
 * ($HF_SOURCE_DIR/../shared/data/jsontestsuite/test_parsing). Missing, the calling test is
 * skipped on a developer's machine but fails in CI (CI set), where the data is always there.
 */
static inline const char *t_jsontestsuite_dir(void)
{
    static char dir[1024];
    const char *env = getenv("HF_JSONTESTSUITE");
    if (env)
        return env;
    const char *src = getenv("HF_SOURCE_DIR");
    snprintf(dir, sizeof dir, "%s/../shared/data/jsontestsuite/test_parsing", src ? src : ".");
    return dir;
}

#define t_require_jsontestsuite(d)                                                            \
    do {                                                                                      \
        if (!(d)) {                                                                           \
            if (getenv("CI"))                                                                 \
                fail_msg("no JSONTestSuite at %s", t_jsontestsuite_dir());                    \
            print_message("no JSONTestSuite at %s; set HF_JSONTESTSUITE\n",                   \
                          t_jsontestsuite_dir());                                             \
            skip();                                                                           \
        }                                                                                     \
    } while (0)

#endif
