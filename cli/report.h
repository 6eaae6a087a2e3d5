/*
 * report.h — `helpflow report`: what the outcome records of finished sessions say, per flow and
 * version. report.c reads and checks the records and prints the text table or JSON;
 * report_figures.c computes the figures; report_html.c draws them as one self-contained page.
 */
#ifndef HF_CLI_REPORT_H
#define HF_CLI_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The final outcomes, in the order the report shows them. */
enum { RP_RESOLVED, RP_ESCALATED, RP_CANCELLED, RP_ABANDONED, RP_FAILED, RP_N_OUTCOMES };

extern const char *const rp_outcome_names[RP_N_OUTCOMES];

/* Strings counted by name: keys in the order first seen, a count for each, a hash for lookup. */
typedef struct rp_tally {
    char **keys;
    long *counts;
    size_t n, cap;
    size_t *slots; /* open addressing: index + 1, 0 empty */
    size_t nslots;
} rp_tally;

/* Adds delta to key's count (adding the key with count delta if new); returns its index. */
size_t rp_tally_add(rp_tally *t, const char *key, long delta);

/* Frees what t holds and empties it. */
void rp_tally_free(rp_tally *t);

/* Indexes of t's keys, by count (highest first) and then by name: the caller frees it. */
size_t *rp_tally_ranked(const rp_tally *t);

/* The figures of one flow version (or, for the total, of every record). */
typedef struct rp_group {
    char *flow;      /* NULL for the total */
    int64_t version;
    long sessions;
    long outcomes[RP_N_OUTCOMES];
    rp_tally reasons;        /* escalations by reason */
    rp_tally ends;           /* unresolved sessions by the step they ended at */
    int64_t *durations;
    size_t ndurations, capdurations;
    long trails;             /* records that carried a trail */
    rp_tally steps;          /* step -> sessions whose trail reached it (once per session) */
    rp_tally firsts;         /* step -> trails that begin there */
    rp_tally moves;          /* "FROM>TO" step indexes -> trails holding that move */
} rp_group;

typedef struct rp_report {
    rp_group **groups;       /* sorted by flow, then version */
    size_t ngroups;
    rp_group total;
    long records;
    const char *const *files; /* the inputs, as named on the command line */
    size_t nfiles;
} rp_report;

/* The funnel of a group: the steps its trails reached, the most common path first. */
typedef struct rp_funnel_step {
    const char *step;        /* owned by the group */
    long sessions;           /* sessions whose trail reached it */
    int on_path;             /* on the most common path (else: reached off it) */
} rp_funnel_step;

/* Fills *out (the caller frees it) and returns how many steps it holds. */
size_t rp_funnel(const rp_group *g, rp_funnel_step **out);

/* The median duration in seconds (a half for an even count); -1 with no sessions. */
double rp_median(const rp_group *g);

/* resolved / sessions as a percentage, rounded to one decimal; -1 with no sessions. */
double rp_containment(const rp_group *g);

/* "45s", "2m 05s", "1h 02m 05s", "3d 01h 02m 05s"; a half second shows as "02.5s". */
void rp_human_duration(double seconds, char buf[64]);

/* The most frequent unresolved end step (ties: first by name), or NULL; *count its count. */
const char *rp_top_end(const rp_group *g, long *count);

/* Writes the HTML page. Returns 0, or -1 if writing failed (errno set). */
int rp_write_html(FILE *out, const rp_report *r);

#endif
