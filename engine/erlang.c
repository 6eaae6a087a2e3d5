/*
 * erlang.c — Erlang C: how long contacts wait in a queue of N agents, given the arrival rate and
 * the average handle time.
 *
 * The textbook formula has A^N / N! in it, which overflows long before a contact centre's few
 * hundred agents. Erlang B has a recursion that stays in [0, 1] all the way:
 *     B(0) = 1,   B(k) = A B(k-1) / (k + A B(k-1))
 * and Erlang C follows from it:
 *     C = N B / (N - A (1 - B))                 probability of waiting, for N > A
 *     ASA = C AHT / (N - A)                     mean wait
 *     SL(t) = 1 - C exp(-(N - A) t / AHT)       share answered within t seconds
 * With N <= A the queue is unstable: every contact waits and the wait grows without bound.
 */
#include <math.h>

#include "route.h"

void hfi_erlang_c(unsigned agents, double arrivals_per_hour, double aht_s, double within,
                  hfi_erlang *out)
{
    double a = arrivals_per_hour / 3600.0 * aht_s;
    double n = (double)agents;
    out->load = a;
    if (!(n > a) || !isfinite(a)) {
        out->p_wait = 1.0;
        out->asa = 0.0;
        out->sl = 0.0;
        out->unbounded = true;
        return;
    }
    out->unbounded = false;
    if (a == 0.0) {
        out->p_wait = 0.0;
        out->asa = 0.0;
        out->sl = 1.0;
        return;
    }
    double b = 1.0;
    for (unsigned k = 1; k <= agents && b > 0.0; k++) /* once B underflows it stays 0 */
        b = a * b / ((double)k + a * b);
    double c = n * b / (n - a * (1.0 - b));
    if (c > 1.0)
        c = 1.0;
    out->p_wait = c;
    out->asa = c * aht_s / (n - a);
    double sl = 1.0 - c * exp(-(n - a) * within / aht_s);
    out->sl = sl < 0.0 ? 0.0 : sl > 1.0 ? 1.0 : sl;
}
