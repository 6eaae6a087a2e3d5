/*
 * route.h — what the router (route.c) shares with the rest of the engine: freeing the loaded
 * routing config, and the Erlang C queueing model (erlang.c).
 */
#ifndef HF_ROUTE_H
#define HF_ROUTE_H

#include <stdbool.h>

#include "internal.h"

struct hfi_routing;
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

#endif
