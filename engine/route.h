/*
 * route.h — the router's shared parts: the compiled routing config (route_load.c), the
 * decision (route.c) and the Erlang C queueing model (erlang.c).
 */
#ifndef HF_ROUTE_H
#define HF_ROUTE_H

#include <stdbool.h>

#include "internal.h"

typedef struct hfi_routing hfi_routing;
/* Frees the C side of a routing config; its Lua functions go with the Lua state. NULL-safe. */
void hfi_routing_free(hf_engine *e, struct hfi_routing *r);

/* Erlang C for one queue: N agents, Poisson arrivals, exponential handle times. */
typedef struct hfi_erlang {
    double load;      /* offered load A in Erlangs: arrivals per second x handle time */
    double p_wait;    /* probability that a contact waits at all */
    double asa;       /* mean wait, seconds (average speed of answer) */
    double sl;        /* share answered within the service-level time */
    bool unbounded;   /* agents <= load: the queue grows without end; asa is not finite */
} hfi_erlang;

/* agents >= 0, arrivals_per_hour >= 0, aht_s > 0, within >= 0, all finite. Never divides by
 * zero and never yields inf or NaN: an unbounded queue has p_wait 1, sl 0, asa 0 and the flag. */
void hfi_erlang_c(unsigned agents, double arrivals_per_hour, double aht_s, double within,
                  hfi_erlang *out);

/* ---- the compiled config and the live state (route_load.c builds, route.c decides) ---- */

#define MAX_AGENTS 100000
#define SAID_MAX 320

/* The escalation fields a table condition may test. */
enum { F_REASON, F_SKILLS, F_FLAGS, F_PRIORITY, F_LANGUAGE, F_FLOW, NFIELDS };
extern const char *const hfi_route_fields[NFIELDS];
extern const char *const hfi_route_days[7]; /* "mon" .. "sun" */

typedef struct rcond {
    uint8_t field;
    uint32_t n;
    char **values;   /* any one matches */
} rcond;

typedef struct rrule {
    char *name;      /* optional, for explain */
    char *desc;      /* the condition in words */
    int when;        /* function ref, or HFI_NONE */
    rcond *conds;
    uint32_t nconds;
    int queue;       /* queue index, or -1: the rule only adjusts the priority */
    int prio;        /* index into hfi_priorities, or -1 */
    int *overflow;
    uint32_t noverflow;
} rrule;

typedef struct rqueue {
    char *name;
    size_t nlen;     /* strlen(name) */
    char **skills;   /* none: a generalist queue, it takes any skill */
    uint32_t nskills;
    char **langs;    /* none: any language */
    uint32_t nlangs;
    bool has_hours;
    int from, to;    /* minutes after local midnight; from > to runs past midnight */
    uint8_t days;    /* bit 0 = Monday */
    int utc_offset;  /* minutes */
} rqueue;

/* The live state of one queue in the call being decided. */
typedef struct live {
    bool present, open, figured;
    unsigned agents;
    double arrivals, aht;
    hfi_erlang erl;
    char *said;      /* the figures in words, once said; cached with the live state */
} live;

struct hfi_routing {
    char *name;
    double within, target;
    rqueue *queues;
    uint32_t nqueues;
    rrule *rules;
    uint32_t nrules;
    int first_fn, last_fn;  /* this config's refs in the engine's function table */
    int view_slot;          /* where the escalation's view is kept during a call */
    hfi_flow shim;          /* holds only `upvalues`, which is all hfi_restore_upvalues reads */
    /* reused by every call */
    live *live;
    char *said;             /* nqueues sentences of SAID_MAX bytes, for live[i].said */
    char *last_live;        /* the live state text the queues' live[] were read from */
    size_t last_len;
    bool has_at;            /* ... and its "at" */
    double at;
    hfi_jdoc esc, lv;
    hfi_buf explain, view;
};

/* The index in hfi_priorities of a priority name, or -1. */
int hfi_route_prio(const char *s);
/* The index of the queue named by s (n bytes), or -1. */
int hfi_route_queue(const hfi_routing *r, const char *s, size_t n);

#endif
