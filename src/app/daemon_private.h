/* SPDX-License-Identifier: MIT */
/* What the two files of `newsbrief daemon` share: cmd_daemon.c, the schedule loop (fires,
 * catch-up, reloads, the heartbeat and the database visits), and daemon_process.c, its
 * processes and signals (one forked child per run, the worker process, reaping them, the
 * self-pipe). Only these two files include it. */
#ifndef NB_APP_DAEMON_PRIVATE_H
#define NB_APP_DAEMON_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/config.h"
#include "core/err.h"
#include "core/zone.h"
#include "sched/sched.h"
#include "store/store.h"
#include "web/web.h"

#define NB_DAEMON_NO_SCHEDULE ((size_t)-1) /* a child that delivers the outbox */

typedef struct nb_daemon_schedule {
    const nb_schedule_config *config; /* in the daemon's current configuration */
    nb_cron *cron;
    int64_t next_fire; /* UTC seconds */
    int queued;        /* due while nothing ran: runs when the run before it ends */
    int64_t queued_fire;
    int64_t unsaved_fire; /* a fire handled but not yet recorded (after the fork: no delay) */
    char unsaved_result[256];
} nb_daemon_schedule;

typedef struct nb_daemon {
    nb_config *config;
    nb_zone *zone;
    nb_daemon_schedule *schedules;
    size_t count;
    int pipe[2]; /* signals: the handler writes the signal number */

    pid_t child;           /* the run going on, or 0 */
    char child_name[128];  /* its schedule's name, "" for an outbox delivery */
    char child_label[200]; /* how log lines name it */
    int64_t child_started_ms;

    int stopping;
    int64_t stop_deadline_ms;
    int killed;

    int64_t outbox_due;        /* earliest time a pending row may go; INT64_MAX: none */
    int64_t outbox_not_before; /* after a pass that left rows due */
    int64_t outbox_retry;      /* its current interval, seconds */
    int64_t backoff_end;       /* a source's backoff end ahead; INT64_MAX: none */
    int64_t next_heartbeat_ms;
    nb_daemon_state heartbeat;
    int64_t last_prune; /* the last retention pass (after a run), UTC seconds */
    nb_web *web;        /* the archive, when web.listen is set; or NULL */

    /* workers on: the daemon shares the work with the others on its database */
    int workers;
    char worker_id[300];   /* hostname:pid: who holds its leases (runs and worker alike) */
    pid_t worker;          /* the worker process, or 0 */
    int64_t next_renew_ms; /* when the leases are renewed next */
    int64_t worker_started_ms;
} nb_daemon;

/* ---- cmd_daemon.c ---- */

/* The daemon's own lines: written at info level unless --quiet. */
void nb_daemon_say(const char *fmt, ...) NB_PRINTF(1, 2);
/* t in the daemon's zone for log lines and the status; "-" for none. */
void nb_daemon_when(const nb_daemon *d, int64_t t, char *out, size_t n);
int64_t nb_daemon_now_s(void);
/* The database for one short visit (caller closes); NULL (logged) when it cannot be opened. */
nb_store *nb_daemon_open_store(const nb_daemon *d);
/* Records a schedule's state: fire, result and run time when given (0 or NULL: kept). */
void nb_daemon_save_schedule(nb_store *store, const nb_daemon_schedule *s, int64_t fire,
                             const char *result, int64_t run_at, int64_t duration_ms);
/* Reads what the runs left (outbox waits, source backoffs) and writes the heartbeat. */
void nb_daemon_refresh(nb_daemon *d);

/* ---- daemon_process.c ---- */

/* The self-pipe and the signal handlers; NB_ERR_IO (printed) when the pipe cannot be made. */
nb_err nb_daemon_setup_signals(nb_daemon *d) NB_MUST_CHECK;
/* Closes the self-pipe (when it was made); no handler writes to it any more. */
void nb_daemon_close_signals(nb_daemon *d);
/* Forks the child that runs schedule which (NB_DAEMON_NO_SCHEDULE: delivers the outbox)
 * for the fire at fire; d->child is that child. */
void nb_daemon_start_run(nb_daemon *d, size_t which, int64_t fire);
/* The worker process (workers on): takes summary jobs and outbox messages. */
void nb_daemon_start_worker(nb_daemon *d);
/* Extends every lease this daemon's processes hold. */
void nb_daemon_renew_leases(nb_daemon *d);
/* Waits for the children that ended: a run's result is recorded, what it left read back; a
 * worker that stopped is started again unless the daemon is stopping. */
void nb_daemon_reap(nb_daemon *d);

#endif
