/* SPDX-License-Identifier: MIT */
/* `newsbrief daemon`'s processes and signals: one child forked per run (its own view of the
 * configuration, the run, one log line, the daily retention pass), the worker process with
 * workers on, and reaping them, whose results the schedule loop (cmd_daemon.c) records.
 * Signals reach the loop through a self-pipe; a child takes SIGTERM as "stop taking work". */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/daemon_private.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/time.h"
#include "push/push.h"

#define OUTBOX_RETRY_MIN 60   /* seconds before a delivery pass that left rows due is */
#define OUTBOX_RETRY_MAX 3600 /*   tried again, doubling up to this */
#define PRUNE_EVERY 86400     /* seconds between two retention passes */

/* How a forked run or worker ends (its _exit status), as reap reads it back: between the
 * daemon and its children only; the daemon's own result is an nb_err like any command's. */
enum {
    CHILD_OK = 0,       /* the run succeeded */
    CHILD_FAILED = 1,   /* it failed (its errors are logged) */
    CHILD_SKIPPED = 75, /* it found the run lock taken and did not run */
};

static int signal_pipe = -1;

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char byte = (unsigned char)sig;
    if (signal_pipe >= 0 && write(signal_pipe, &byte, 1) < 0) {
        /* the pipe is full: the loop wakes anyway */
    }
    errno = saved;
}

static void on_child_stop(int sig)
{
    (void)sig;
    nb_app_stop();
}

/* ---- runs ---- */

/* The configuration a schedule's run sees: its sources and channels only, and a run lock
 * that is not waited for. Shallow: the records stay the daemon's. */
static nb_config *run_view(const nb_config *config, const nb_schedule_config *s)
{
    nb_config *view = nb_xmalloc(sizeof *view);
    *view = *config;
    view->lock_timeout = 0;
    if (s && s->sources) {
        view->sources = nb_xcalloc(config->source_count + 1, sizeof *view->sources);
        view->source_count = 0;
        for (size_t i = 0; i < config->source_count; i++)
            for (char **name = s->sources; *name; name++)
                if (strcmp(*name, config->sources[i].name) == 0)
                    view->sources[view->source_count++] = config->sources[i];
    }
    if (s && s->channels) {
        view->channels = nb_xcalloc(config->channel_count + 1, sizeof *view->channels);
        view->channel_count = 0;
        for (size_t i = 0; i < config->channel_count; i++)
            for (char **name = s->channels; *name; name++)
                if (strcmp(*name, config->channels[i].name) == 0)
                    view->channels[view->channel_count++] = config->channels[i];
    }
    return view;
}

static void free_view(const nb_config *config, nb_config *view)
{
    if (view->sources != config->sources)
        free(view->sources);
    if (view->channels != config->channels)
        free(view->channels);
    free(view);
}

/* Retention, once a day, after a run and under the run lock. */
static void child_prune(const nb_config *config)
{
    nb_store *store = NULL;
    nb_store_lock *lock = NULL;
    nb_errbuf err;
    if (nb_store_lock_take(config->database, 0, &lock, &err) != NB_OK)
        return; /* a run from the shell: tomorrow then */
    nb_prune_report report;
    if (nb_store_open(config->database, &store, &err) != NB_OK ||
        nb_app_prune(config, store, 0, &report, &err) != NB_OK) {
        nb_log(NB_LOG_ERROR, "daemon", "prune error=\"%s\"", err.msg);
    } else {
        char text[256];
        nb_app_prune_describe(&report, text, sizeof text);
        nb_daemon_say("prune %s", text);
    }
    nb_store_close(store);
    nb_store_lock_release(lock);
}

/* The child: one run, one log line; returns its status (CHILD_*) for _exit. */
static int child_run(nb_daemon *d, size_t which, int64_t fire, int prune)
{
    const nb_schedule_config *s =
        which == NB_DAEMON_NO_SCHEDULE ? NULL : d->schedules[which].config;
    char label[160];
    char fire_text[32];
    nb_daemon_when(d, fire, fire_text, sizeof fire_text);
    if (s)
        snprintf(label, sizeof label, "schedule=%s fire=\"%s\"", s->name, fire_text);
    else
        snprintf(label, sizeof label, "outbox");
    nb_errbuf err;
    nb_store_lock *lock = NULL;
    /* with workers, the fire is this daemon's: its run waits for the run lock */
    nb_err locked = d->workers ? NB_OK : nb_store_lock_take(d->config->database, 0, &lock, &err);
    nb_store_lock_release(lock);
    if (locked == NB_ERR_LOCKED) {
        nb_log_write(NB_LOG_WARN, "daemon",
                     "run %s skipped: another newsbrief run holds the run "
                     "lock",
                     label);
        return CHILD_SKIPPED;
    }
    nb_config *view = run_view(d->config, s);
    if (d->workers) {
        const nb_summarizer_config *z = &d->config->summarizer;
        view->lock_timeout = d->config->lock_timeout;
        nb_app_summarize_via_jobs((int)d->config->job_max_attempts,
                                  (z->timeout * (z->max_retries + 1) + d->config->job_lease) *
                                          1000 * d->config->job_max_attempts +
                                      30000);
    }
    int64_t started = nb_clock_now_ms();
    nb_run_stats stats = {0};
    nb_err rc;
    if (s) {
        nb_run_options options = {
            .out = stdout, .deliver = s->deliver, .schedule = s->name, .workers = d->workers};
        rc = nb_pipeline_run_with(view, &options, &stats);
    } else {
        nb_store *store = NULL;
        nb_store_lock *run_lock = NULL;
        rc = nb_app_open_store(view, &store, &run_lock);
        if (rc == NB_OK) {
            nb_http *http = nb_app_http(view);
            nb_push_report report;
            nb_push_outbox(view, store, http, NULL, &report);
            nb_http_free(http);
            stats.sent = report.sent;
            stats.waiting = report.waiting;
            rc = report.channels_failed ? NB_ERR_FAILED : NB_OK;
            nb_store_lock_release(run_lock);
            nb_store_close(store);
        }
    }
    nb_daemon_say("run %s fetched=%zu new=%ld briefed=%zu queued=%zu sent=%zu waiting=%zu "
                  "duration_ms=%lld result=%s%s",
                  label, stats.fetched, stats.fresh, stats.briefed, stats.queued, stats.sent,
                  stats.waiting, (long long)(nb_clock_now_ms() - started),
                  rc == NB_OK ? "ok" : "failed", nb_app_stopping() ? " stopped=signal" : "");
    free_view(d->config, view);
    if (prune && !nb_app_stopping())
        child_prune(d->config);
    return rc == NB_OK ? CHILD_OK : CHILD_FAILED;
}

/* A forked process's signals; with workers, it dies with the daemon, so that a killed
 * daemon's leases expire and the others take its work over. */
static void child_setup(nb_daemon *d)
{
    pid_t parent = getppid();
    close(d->pipe[0]);
    close(d->pipe[1]);
    signal_pipe = -1;
    struct sigaction sa = {0};
    sa.sa_handler = on_child_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGHUP, SIG_IGN);
    signal(SIGCHLD, SIG_DFL);
    if (d->workers) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(CHILD_FAILED); /* the daemon died before the line above */
    }
}

/* Forks a child (what it is for names it in the error line), the output flushed first so
 * that nothing buffered is written twice; the child is set up (child_setup). The pid as
 * fork gives it: 0 in the child, -1 (logged) when there is none. The signals are blocked
 * across the fork until the child has its own handlers: a SIGTERM the daemon sends at once
 * (a stop right after a reload restarted the worker) would otherwise reach the daemon's
 * handler, copied into the child, and be lost there. */
static pid_t fork_child(nb_daemon *d, const char *what)
{
    sigset_t stops, old;
    sigemptyset(&stops);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGHUP);
    sigaddset(&stops, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &stops, &old); /* this thread: the one the child is made of */
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        nb_log(NB_LOG_ERROR, "daemon", "error=\"cannot start %s: %s\"", what, strerror(errno));
    else if (pid == 0)
        child_setup(d);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return pid;
}

/* Ends a child with status (CHILD_*), its output written out. */
static void __attribute__((noreturn)) child_exit(int status)
{
    fflush(stdout);
    fflush(stderr);
    _exit(status);
}

void nb_daemon_start_worker(nb_daemon *d)
{
    pid_t pid = fork_child(d, "the worker");
    if (pid < 0)
        return;
    if (pid == 0)
        child_exit(nb_app_worker(d->config, d->worker_id) == NB_OK ? CHILD_OK : CHILD_FAILED);
    d->worker = pid;
    d->worker_started_ms = nb_clock_now_ms();
}

void nb_daemon_renew_leases(nb_daemon *d)
{
    int64_t lease_ms = d->config->job_lease * 1000;
    d->next_renew_ms = nb_clock_now_ms() + lease_ms / 3;
    nb_store *store = nb_daemon_open_store(d);
    nb_errbuf err;
    if (store && nb_store_leases_renew(store, d->worker_id, lease_ms, NULL, &err) != NB_OK)
        nb_log(NB_LOG_ERROR, "daemon", "error=\"%s\"", err.msg);
    nb_store_close(store);
}

void nb_daemon_start_run(nb_daemon *d, size_t which, int64_t fire)
{
    int64_t now = nb_daemon_now_s();
    int prune = which != NB_DAEMON_NO_SCHEDULE && now - d->last_prune >= PRUNE_EVERY;
    if (prune)
        d->last_prune = now;
    pid_t pid = fork_child(d, "a run");
    if (pid < 0)
        return;
    if (pid == 0)
        child_exit(child_run(d, which, fire, prune));
    d->child = pid;
    d->child_started_ms = nb_clock_now_ms();
    if (which == NB_DAEMON_NO_SCHEDULE) {
        d->child_name[0] = '\0';
        snprintf(d->child_label, sizeof d->child_label, "the outbox delivery");
    } else {
        char t[32];
        nb_daemon_when(d, fire, t, sizeof t);
        snprintf(d->child_name, sizeof d->child_name, "%s", d->schedules[which].config->name);
        snprintf(d->child_label, sizeof d->child_label, "schedule=%s fire=\"%s\"", d->child_name,
                 t);
    }
}

/* A run ended: its result is recorded; what it left is read back. */
void nb_daemon_reap(nb_daemon *d)
{
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == d->worker) {
            d->worker = 0;
            if (!d->stopping) {
                nb_log_write(NB_LOG_WARN, "daemon", "the worker stopped (%s %d): started again",
                             WIFSIGNALED(status) ? "signal" : "exit",
                             WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
                if (nb_clock_now_ms() - d->worker_started_ms < 1000) {
                    struct timespec pause = {1, 0};
                    nanosleep(&pause, NULL); /* one that fails at once does not spin */
                }
                nb_daemon_start_worker(d);
            }
            continue;
        }
        if (pid != d->child)
            continue;
        const char *result = "ok";
        if (WIFSIGNALED(status))
            result = "killed";
        else if (WEXITSTATUS(status) == CHILD_SKIPPED)
            result = "skipped: the run lock was taken";
        else if (WEXITSTATUS(status) != CHILD_OK)
            result = "failed";
        int64_t duration = nb_clock_now_ms() - d->child_started_ms;
        d->child = 0;
        size_t which = NB_DAEMON_NO_SCHEDULE;
        for (size_t i = 0; i < d->count && d->child_name[0]; i++)
            if (strcmp(d->schedules[i].config->name, d->child_name) == 0)
                which = i;
        if (which != NB_DAEMON_NO_SCHEDULE) {
            nb_store *store = nb_daemon_open_store(d);
            if (store)
                nb_daemon_save_schedule(store, &d->schedules[which], 0, result,
                                        d->child_started_ms / 1000, duration);
            nb_store_close(store);
        }
        if (!d->child_name[0]) {
            nb_daemon_refresh(d);
            int64_t now = nb_daemon_now_s();
            if (d->outbox_due != INT64_MAX && d->outbox_due <= now) {
                /* rows are still due after a pass: a channel is failing; try again later */
                d->outbox_retry = d->outbox_retry ? d->outbox_retry * 2 : OUTBOX_RETRY_MIN;
                if (d->outbox_retry > OUTBOX_RETRY_MAX)
                    d->outbox_retry = OUTBOX_RETRY_MAX;
                d->outbox_not_before = now + d->outbox_retry;
            } else {
                d->outbox_retry = 0;
                d->outbox_not_before = 0;
            }
        } else {
            nb_daemon_refresh(d);
        }
    }
}

nb_err nb_daemon_setup_signals(nb_daemon *d)
{
    if (pipe(d->pipe) != 0) {
        fprintf(stderr, "newsbrief daemon: cannot create a pipe: %s\n", strerror(errno));
        return NB_ERR_IO;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(d->pipe[i], F_SETFL, fcntl(d->pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(d->pipe[i], F_SETFD, FD_CLOEXEC);
    }
    signal_pipe = d->pipe[1];
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGCHLD, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return NB_OK;
}

void nb_daemon_close_signals(nb_daemon *d)
{
    signal_pipe = -1;
    if (d->pipe[0] >= 0) {
        close(d->pipe[0]);
        close(d->pipe[1]);
    }
}
