/*
 * testfile.h — reading a conversation test file, `flows/X.test.lua` (docs/testing.md).
 *
 * The file is a Lua chunk returning one table of plain data. It is evaluated in a Lua state
 * of the command's own, not the engine's: only the base functions that compute (no io, os,
 * require, load, dofile, print, metatables, pcall or randomness), string (without dump and the
 * pattern functions, whose backtracking runs unbounded inside C), table, math and utf8; under a
 * budget of Lua instructions (the loops of table.move, insert, remove and string.rep charged
 * too: lua_data.h) and memory, so a runaway loop in a test file ends with an error instead of
 * hanging the test run. The table it returns is turned into JSON and checked against
 * the format, key by key: an unknown key is an error, so a typo never silently passes.
 */
#ifndef HF_CLI_TESTFILE_H
#define HF_CLI_TESTFILE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The start time of a test whose context has no "at": 2026-01-01T00:00:00Z. */
#define TF_DEFAULT_AT 1767225600

/* The Lua instructions and bytes a test file may use while it is evaluated. */
#define TF_INSTRUCTION_LIMIT 20000000
#define TF_MEMORY_LIMIT (64u << 20)

/* The most values (strings, numbers, booleans and tables) a test file may return, a table
 * counted each time it appears. */
#define TF_MAX_VALUES 1000000

/* What an entry of `steps` sends. */
typedef enum tf_kind {
    TF_NONE,   /* nothing: the entry checks the current output */
    TF_CHOOSE, /* choose = "id" */
    TF_INPUT,  /* input = "text" or a number */
    TF_RESULT, /* result = { ok, data | error } for the pending action */
    TF_EVENT,  /* event = "name", data = ... */
    TF_INTENT, /* intent = "name" */
    TF_TICK,   /* tick = N */
    TF_RAW     /* raw = 'JSON text', sent as it is */
} tf_kind;

typedef struct tf_entry {
    tf_kind kind;
    const cJSON *value;  /* the event's value (the option, input, result table, name, raw text) */
    const cJSON *data;   /* an event's data, or NULL */
    double after;        /* seconds after the previous event's time (a tick's N) */
    int has_after;       /* the entry gave `after` (or is a tick) */
    const cJSON *expect; /* an object of expectations, or NULL */
} tf_entry;

typedef struct tf_test {
    const char *name;
    cJSON *context;          /* owned: the start context, "at" filled in */
    double at;               /* the start time */
    const cJSON *actions;    /* the test's own fixtures, or NULL (the file's apply) */
    tf_entry *entries;       /* owned array */
    size_t n;
    const cJSON *outcome;    /* expectations after the last entry, or NULL */
    int expects_flow_error;  /* some expectation of the test names reason flow_error */
} tf_test;

typedef struct tf_file {
    char *path;
    char *flow;              /* the flow under test */
    const cJSON *actions;    /* the file's fixtures, or NULL */
    tf_test *tests;          /* owned array */
    size_t n;
    cJSON *root;             /* the file as JSON; the borrowed pointers above point into it */
} tf_file;

/*
 * Reads and checks the test file at path into *f. Returns 0, or -1 with *error set to a
 * message that names the file and what is wrong ("x.test.lua: unknown key 'expec' in
 * tests[2].steps[3] (did you mean 'expect'?)"); the caller frees *error. Either way the caller
 * calls tf_free(f) afterwards.
 */
int tf_load(tf_file *f, const char *path, char **error);

void tf_free(tf_file *f);

/* The fixture for an action: the test's, then the file's; NULL if neither has one. */
const cJSON *tf_fixture(const tf_file *f, const tf_test *t, const char *action);

/* The entry's event in words, for reports: `choose "unfreeze"`, `tick 600`, `no event`. The
 * caller frees it. */
char *tf_describe_event(const tf_entry *en);

#endif
