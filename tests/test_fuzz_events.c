/*
 * test_fuzz_events.c — mutated events against every reference flow, with fixed seeds so a
 * failure reproduces. Whatever arrives, the engine must answer with JSON, and a refused event
 * must leave the session's output byte for byte as it was. (Run it longer by setting
 * HF_FUZZ_SESSIONS; the sanitizer build checks memory on every run.)
 */
#include "harness.h"

static const char *const seeds[] = {
    "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true,\"data\":{\"frozen\":true}}",
    "{\"type\":\"result\",\"action\":\"a1\",\"ok\":true,\"data\":{\"frozen\":false,\"x\":[1,2]}}",
    "{\"type\":\"choose\",\"option\":\"unfreeze\"}",
    "{\"type\":\"choose\",\"option\":\"no\"}",
    "{\"type\":\"result\",\"action\":\"a2\",\"ok\":false,\"error\":\"timeout\"}",
    "{\"type\":\"input\",\"value\":\"12.50\"}",
    "{\"type\":\"input\",\"value\":\"\\u00a31,234.5\"}",
    "{\"type\":\"intent\",\"name\":\"back\"}",
    "{\"type\":\"intent\",\"name\":\"restart\"}",
    "{\"type\":\"event\",\"name\":\"identity.verified\",\"data\":{\"level\":2}}",
    "{\"type\":\"tick\",\"at\":99999}",
    "{\"type\":\"result\",\"action\":\"a2\",\"ok\":true,\"data\":{\"found\":true,"
    "\"reason\":\"insufficient_funds\",\"merchant\":\"T\\\"x\"}}",
};

static const char *const files[] = {"verify_identity", "card_declined", "lost_card", "dispute",
                                    "forgotten_pin", "scam_report"};

static unsigned long rng = 1;
static unsigned next_rand(void)
{
    rng = rng * 6364136223846793005UL + 1442695040888963407UL;
    return (unsigned)(rng >> 33);
}

static size_t mutate(char *buf, size_t len, size_t cap)
{
    int muts = (int)(next_rand() % 4);
    for (int m = 0; m < muts; m++) {
        size_t pos = len ? next_rand() % len : 0;
        switch (next_rand() % 3) {
        case 0:
            if (len)
                buf[pos] = (char)(next_rand() % 256);
            break;
        case 1:
            if (len > 1) {
                memmove(buf + pos, buf + pos + 1, len - pos - 1);
                len--;
            }
            break;
        default:
            if (len + 1 < cap) {
                memmove(buf + pos + 1, buf + pos, len - pos);
                buf[pos] = "{}[]\",:\\0a"[next_rand() % 10];
                len++;
            }
        }
    }
    return len;
}

static void mutated_events_get_json_answers_and_refusals_change_nothing(void **state)
{
    (void)state;
    hf_engine *e = t_engine();
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "flows/%s.lua", files[i]);
        char *src = t_read_source(rel, NULL);
        t_load(e, src);
        free(src);
    }
    const char *env = getenv("HF_FUZZ_SESSIONS");
    int sessions = env ? atoi(env) : 1500;
    for (int it = 0; it < sessions; it++) {
        rng = (unsigned long)it + 1;
        const char *flow = files[1 + next_rand() % 5];
        hf_session *s = t_start(e, flow, "{\"card_id\":\"c_1\",\"at\":5,\"locale\":\"cy\"}");
        for (int k = 0; k < 12; k++) {
            char buf[600];
            const char *src = seeds[next_rand() % (sizeof seeds / sizeof seeds[0])];
            size_t len = strlen(src);
            memcpy(buf, src, len);
            len = mutate(buf, len, sizeof buf);
            size_t blen;
            const char *b = hf_session_output(s, &blen);
            char *before = malloc(blen + 1);
            memcpy(before, b, blen + 1);
            const char *reply = NULL;
            int rc = hf_session_send(s, buf, len, &reply, NULL);
            cJSON *j = reply ? cJSON_Parse(reply) : NULL;
            if (!j)
                fail_msg("session %d event %d: reply is not JSON: %s", it, k,
                         reply ? reply : "(none)");
            cJSON_Delete(j);
            if (rc != HF_OK) {
                size_t alen;
                const char *a = hf_session_output(s, &alen);
                if (alen != blen || memcmp(a, before, blen) != 0)
                    fail_msg("session %d event %d: a refused event changed the output", it, k);
            }
            free(before);
        }
        hf_session_free(s);
    }
    hf_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mutated_events_get_json_answers_and_refusals_change_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
