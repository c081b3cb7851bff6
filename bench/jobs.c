/* SPDX-License-Identifier: MIT */
/* bench/jobs: the cost of the leased-job round trips through the store API, on the
 * database given (a PostgreSQL connection string or a SQLite path): N jobs added, then
 * claimed and marked done one after the other by one worker. Prints "jobs add_ms claim_ms
 * done_ms" (totals), from which bench/workers.sh derives the overhead per job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

static double ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_jobs DATABASE [N]\n");
        return 2;
    }
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;
    nb_store *store = NULL;
    nb_errbuf err;
    if (nb_store_open(argv[1], &store, &err) != NB_OK) {
        fprintf(stderr, "bench_jobs: %s\n", err.msg);
        return 1;
    }
    int rc = 1;
    double t0 = ms();
    for (long i = 0; i < n; i++) {
        char key[32];
        snprintf(key, sizeof key, "bench-%ld", i);
        if (nb_store_job_add(store, "bench", key, "{}", 5, 0, NULL, &err) != NB_OK)
            goto out;
    }
    double t1 = ms(), claim_ms = 0, done_ms = 0;
    for (long i = 0; i < n; i++) {
        nb_job job = {0};
        int found = 0, held = 0;
        double a = ms();
        if (nb_store_job_claim(store, "bench", "bench:1", 60000, &job, &found, &err) != NB_OK)
            goto out;
        double b = ms();
        if (!found) {
            snprintf(err.msg, sizeof err.msg, "job %ld of %ld not found", i + 1, n);
            goto out;
        }
        nb_err done = nb_store_job_done(store, job.id, "bench:1", job.attempt, &held, &err);
        done_ms += ms() - b;
        claim_ms += b - a;
        nb_job_clear(&job);
        if (done != NB_OK)
            goto out;
        if (!held) {
            snprintf(err.msg, sizeof err.msg, "lease of job %ld lost", i + 1);
            goto out;
        }
    }
    printf("%ld %.1f %.1f %.1f\n", n, t1 - t0, claim_ms, done_ms);
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "bench_jobs: %s\n", err.msg);
    nb_store_close(store);
    return rc;
}
