/*
 * report_figures.c — the figures of `helpflow report`: tallies of strings, the median
 * duration, the containment rate, durations for people, and each flow version's funnel.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

const char *const rp_outcome_names[RP_N_OUTCOMES] = {"resolved", "escalated", "cancelled",
                                                     "abandoned", "failed"};

/* ---------------------------------------------------------------------------------------- */
/* Tallies.                                                                                  */

static size_t hash_str(const char *s)
{
    size_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static long tally_find(const rp_tally *t, const char *key)
{
    if (!t->nslots)
        return -1;
    for (size_t i = hash_str(key) & (t->nslots - 1);; i = (i + 1) & (t->nslots - 1)) {
        size_t slot = t->slots[i];
        if (slot == 0)
            return -1;
        if (strcmp(t->keys[slot - 1], key) == 0)
            return (long)(slot - 1);
    }
}

static void tally_rehash(rp_tally *t)
{
    size_t nslots = t->nslots ? t->nslots * 2 : 16;
    free(t->slots);
    t->slots = cli_xrealloc(NULL, nslots * sizeof *t->slots);
    memset(t->slots, 0, nslots * sizeof *t->slots);
    t->nslots = nslots;
    for (size_t k = 0; k < t->n; k++) {
        size_t i = hash_str(t->keys[k]) & (nslots - 1);
        while (t->slots[i])
            i = (i + 1) & (nslots - 1);
        t->slots[i] = k + 1;
    }
}

size_t rp_tally_add(rp_tally *t, const char *key, long delta)
{
    long found = tally_find(t, key);
    if (found >= 0) {
        t->counts[found] += delta;
        return (size_t)found;
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->keys = cli_xrealloc(t->keys, t->cap * sizeof *t->keys);
        t->counts = cli_xrealloc(t->counts, t->cap * sizeof *t->counts);
    }
    t->keys[t->n] = cli_xstrdup(key);
    t->counts[t->n] = delta;
    t->n++;
    if (t->n * 2 > t->nslots) /* at most half full: probes stay short */
        tally_rehash(t);
    else {
        size_t i = hash_str(key) & (t->nslots - 1);
        while (t->slots[i])
            i = (i + 1) & (t->nslots - 1);
        t->slots[i] = t->n;
    }
    return t->n - 1;
}

void rp_tally_free(rp_tally *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->keys[i]);
    free(t->keys);
    free(t->counts);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

typedef struct ranked {
    const char *key;
    long count;
    size_t index;
} ranked;

static int by_count_then_name(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->key, y->key);
}

size_t *rp_tally_ranked(const rp_tally *t)
{
    ranked *r = cli_xrealloc(NULL, (t->n ? t->n : 1) * sizeof *r);
    size_t *out = cli_xrealloc(NULL, (t->n ? t->n : 1) * sizeof *out);
    for (size_t i = 0; i < t->n; i++)
        r[i] = (ranked){ t->keys[i], t->counts[i], i };
    if (t->n > 1)
        qsort(r, t->n, sizeof *r, by_count_then_name);
    for (size_t i = 0; i < t->n; i++)
        out[i] = r[i].index;
    free(r);
    return out;
}

/* ---------------------------------------------------------------------------------------- */
/* Figures.                                                                                  */

static int by_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

double rp_median(const rp_group *g)
{
    size_t n = g->ndurations;
    if (n == 0)
        return -1;
    int64_t *d = cli_xrealloc(NULL, n * sizeof *d);
    memcpy(d, g->durations, n * sizeof *d);
    qsort(d, n, sizeof *d, by_int64);
    /* Durations are whole seconds below 2^53, so the mean of two is exact in a double. */
    double m = n % 2 ? (double)d[n / 2] : ((double)d[n / 2 - 1] + (double)d[n / 2]) / 2;
    free(d);
    return m;
}

double rp_containment(const rp_group *g)
{
    if (g->sessions == 0)
        return -1;
    return round(1000.0 * (double)g->outcomes[RP_RESOLVED] / (double)g->sessions) / 10;
}

void rp_human_duration(double seconds, char buf[64])
{
    long long whole = (long long)seconds;
    const char *half = seconds - (double)whole >= 0.25 ? ".5" : "";
    long long s = whole % 60, m = whole / 60 % 60, h = whole / 3600 % 24, d = whole / 86400;
    if (whole < 60)
        snprintf(buf, 64, "%lld%ss", s, half);
    else if (whole < 3600)
        snprintf(buf, 64, "%lldm %02lld%ss", m, s, half);
    else if (whole < 86400)
        snprintf(buf, 64, "%lldh %02lldm %02lld%ss", h, m, s, half);
    else
        snprintf(buf, 64, "%lldd %02lldh %02lldm %02lld%ss", d, h, m, s, half);
}

const char *rp_top_end(const rp_group *g, long *count)
{
    size_t *order;
    const char *top = NULL;
    *count = 0;
    if (g->ends.n == 0)
        return NULL;
    order = rp_tally_ranked(&g->ends);
    top = g->ends.keys[order[0]];
    *count = g->ends.counts[order[0]];
    free(order);
    return top;
}

typedef struct move {
    size_t from, to;
    long count;
    const char *to_name;
} move;

static int by_from_then_count(const void *a, const void *b)
{
    const move *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->to_name, y->to_name);
}

/*
 * The most common path: it starts where most trails start, then keeps taking the move most
 * trails made from the step it has reached, to a step not yet on the path (ties: by name, so
 * that the order of the records does not matter), until no trail moved on. The steps reached
 * only off it follow, most reached first.
 */
size_t rp_funnel(const rp_group *g, rp_funnel_step **out)
{
    size_t n = g->steps.n, len = 0, nmoves = g->moves.n;
    *out = NULL;
    if (n == 0)
        return 0;
    rp_funnel_step *f = cli_xrealloc(NULL, n * sizeof *f);
    char *on = cli_xrealloc(NULL, n);
    move *mv = cli_xrealloc(NULL, (nmoves ? nmoves : 1) * sizeof *mv);
    size_t *first = cli_xrealloc(NULL, (n + 1) * sizeof *first);
    memset(on, 0, n);
    for (size_t i = 0; i < nmoves; i++) {
        mv[i].count = g->moves.counts[i];
        if (sscanf(g->moves.keys[i], "%zu>%zu", &mv[i].from, &mv[i].to) != 2)
            mv[i].from = mv[i].to = 0; /* cannot happen: count_trail() makes the keys */
        mv[i].to_name = g->steps.keys[mv[i].to];
    }
    if (nmoves > 1)
        qsort(mv, nmoves, sizeof *mv, by_from_then_count);
    for (size_t s = 0, i = 0; s <= n; s++) { /* first[s]: where the moves from s begin */
        while (i < nmoves && mv[i].from < s)
            i++;
        first[s] = i;
    }
    size_t *starts = rp_tally_ranked(&g->firsts);
    long cur = g->firsts.n ? tally_find(&g->steps, g->firsts.keys[starts[0]]) : -1;
    free(starts);
    while (cur >= 0) {
        size_t c = (size_t)cur;
        on[c] = 1;
        f[len++] = (rp_funnel_step){ g->steps.keys[c], g->steps.counts[c], 1 };
        cur = -1;
        for (size_t i = first[c]; i < first[c + 1]; i++)
            if (!on[mv[i].to]) {
                cur = (long)mv[i].to;
                break;
            }
    }
    size_t *order = rp_tally_ranked(&g->steps);
    for (size_t i = 0; i < n; i++)
        if (!on[order[i]])
            f[len++] = (rp_funnel_step){ g->steps.keys[order[i]], g->steps.counts[order[i]], 0 };
    free(order);
    free(first);
    free(mv);
    free(on);
    *out = f;
    return len;
}
