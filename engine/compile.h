/*
 * compile.h — shared by the flow compiler's files: compile.c (the flow as a whole and its
 * graph checks), compile_step.c (each step kind's fields), compile_fields.c (reading typed
 * fields and reporting problems). Everything here runs inside one protected Lua call.
 */
#ifndef HF_COMPILE_H
#define HF_COMPILE_H

#include <lua.h>

#include "internal.h"

#define MAX_ERRORS 20

typedef struct hfi_cc {
    hf_engine *e;
    lua_State *L;
    const char *src;
    size_t len;
    const char *name;
    hfi_flow *f;
    int nerr;
    int rc;              /* HF_ESYNTAX / HF_ECHECK when failing */
    int first_fn;        /* functions from this ref on belong to this load */
    const char **ids;    /* sorted step ids, while compiling */
    bool raw_where;      /* problems' `step` argument is a place ("queue 'x'"), not a step id */
    void *user;          /* what the compiler builds, when not a flow (route_load.c) */
} hfi_cc;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void hfi_cc_problem(hfi_cc *c, const char *step, const char *fmt, ...);
/* Compiles c->src in text mode, runs it in the sandbox under the budget, and checks that it
 * returned a DSL object of the given kind ("flow", "routing"), left on the stack; shape is
 * what the problem says it should have returned. */
bool hfi_cc_run_chunk(hfi_cc *c, const char *kind, const char *shape);
/* The number of keys of the table at idx. */
uint32_t hfi_cc_count(lua_State *L, int idx);
char *hfi_cc_dup(hfi_cc *c, const char *s);
void *hfi_cc_zalloc(hfi_cc *c, size_t n);
void hfi_cc_fields(hfi_cc *c, int idx, const char *step, const char *what, const char *const *allowed);
int hfi_cc_step_index(hfi_cc *c, const char *id);
int hfi_cc_target(hfi_cc *c, int idx, const char *step, const char *field);
char *hfi_cc_json(hfi_cc *c, int idx);
char *hfi_cc_string_list(hfi_cc *c, int idx, const char *step, const char *field, bool bare);
void hfi_cc_text(hfi_cc *c, int idx, const char *step, const char *field, hfi_text *t);
int hfi_cc_function(hfi_cc *c, int idx, const char *step, const char *field);
char *hfi_cc_string(hfi_cc *c, int idx, const char *step, const char *field);
const char *hfi_cc_priority(hfi_cc *c, int idx, const char *step);
void hfi_cc_set(hfi_cc *c, int idx, const char *step, hfi_trans *t);
void hfi_cc_step(hfi_cc *c, int idx, hfi_step *st);

#endif
