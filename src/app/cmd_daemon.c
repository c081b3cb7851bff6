/* SPDX-License-Identifier: MIT */
/* `newsbrief daemon`: runs the schedules until stopped. A small parent process sleeps until
 * the next due event (a fire time, an outbox row whose wait is over, a source's backoff
 * end, the heartbeat) and forks one child per run, so a run's memory leaves with it and
 * the parent keeps watching fire times and signals while a run goes on. Signals reach the
 * loop through a self-pipe; the parent opens the database only for short reads and writes
 * and never holds it across a fork. Runs take the run lock, so they never overlap with
 * each other or with a `newsbrief run` from the shell. This file is the schedule loop;
 * daemon_process.c forks, reaps and signals. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/daemon_private.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/time.h"
#include "core/zone.h"
#include "push/push.h"
#include "sched/sched.h"
#include "store/store.h"
#include "web/web.h"

#define HEARTBEAT_MS (300 * 1000) /* the longest sleep: status tells a dead daemon by it */

void nb_daemon_say(const char *fmt, ...)
{
    if (nb_log_threshold < NB_LOG_WARN)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    nb_log_write(NB_LOG_INFO, "daemon", "%s", line);
}

void nb_daemon_when(const nb_daemon *d, int64_t t, char *out, size_t n)
{
    if (t <= 0 || t == INT64_MAX)
        snprintf(out, n, "-");
    else
        nb_zone_format(d->zone, t, out, n);
}

int64_t nb_daemon_now_s(void)
{
    return nb_clock_now_ms() / 1000;
}

/* ---- the database, opened for each short visit ---- */

nb_store *nb_daemon_open_store(const nb_daemon *d)
{
    nb_store *store = NULL;
    nb_errbuf err;
    if (nb_store_open(d->config->database, &store, &err) != NB_OK) {
        nb_log(NB_LOG_ERROR, "daemon", "error=\"%s\"", err.msg);
        return NULL;
    }
    return store;
}

void nb_daemon_save_schedule(nb_store *store, const nb_daemon_schedule *s, int64_t fire,
                             const char *result, int64_t run_at, int64_t duration_ms)
{
    nb_schedule_state st;
    nb_errbuf err;
    if (nb_store_schedule_load(store, s->config->name, &st, &err) != NB_OK) {
        nb_log(NB_LOG_ERROR, "daemon", "error=\"%s\"", err.msg);
        return;
    }
    free(st.cron);
    st.cron = nb_xstrdup(s->config->cron);
    if (fire)
        st.last_fire = fire;
    if (result) {
        free(st.last_result);
        st.last_result = nb_xstrdup(result);
    }
    if (run_at) {
        st.last_run_at = run_at;
        st.last_duration_ms = duration_ms;
    }
    st.next_fire = s->next_fire;
    if (nb_store_schedule_save(store, &st, &err) != NB_OK)
        nb_log(NB_LOG_ERROR, "daemon", "error=\"%s\"", err.msg);
    nb_schedule_state_clear(&st);
}

/* The earliest planned wake-up, in ms; without renewals: the next one that writes the
 * heartbeat (renewing leases does not), which status compares the heartbeat with. */
static int64_t next_wake_ms(const nb_daemon *d, int renewals)
{
    int64_t next = d->next_heartbeat_ms;
    if (d->stopping)
        return d->stop_deadline_ms < next ? d->stop_deadline_ms : next;
    for (size_t i = 0; i < d->count; i++)
        if (d->schedules[i].next_fire * 1000 < next)
            next = d->schedules[i].next_fire * 1000;
    if (renewals && d->workers && d->next_renew_ms < next)
        next = d->next_renew_ms;
    if (!d->child && !d->workers && d->outbox_due != INT64_MAX) {
        int64_t due = d->outbox_due > d->outbox_not_before ? d->outbox_due : d->outbox_not_before;
        if (due * 1000 < next)
            next = due * 1000;
    }
    if (d->backoff_end != INT64_MAX && d->backoff_end * 1000 < next)
        next = d->backoff_end * 1000;
    return next;
}

static int64_t next_event_ms(const nb_daemon *d)
{
    return next_wake_ms(d, 1);
}

void nb_daemon_refresh(nb_daemon *d)
{
    nb_store *store = nb_daemon_open_store(d);
    int64_t now = nb_daemon_now_s();
    if (store) {
        nb_errbuf err;
        int64_t due = 0;
        size_t pending = 0;
        if (nb_store_outbox_next_due(store, &due, &pending, &err) != NB_OK)
            nb_log(NB_LOG_ERROR, "daemon", "error=\"%s\"", err.msg);
        d->outbox_due = pending ? due : INT64_MAX;
        nb_source_state *states = NULL;
        size_t count = 0;
        d->backoff_end = INT64_MAX;
        if (nb_store_source_list(store, &states, &count, &err) == NB_OK) {
            for (size_t i = 0; i < count; i++) {
                if (states[i].next_fetch_at > now && states[i].next_fetch_at < d->backoff_end)
                    d->backoff_end = states[i].next_fetch_at;
                nb_source_state_clear(&states[i]);
            }
            free(states);
        }
    }
    int64_t now_ms = nb_clock_now_ms();
    d->next_heartbeat_ms = now_ms + HEARTBEAT_MS;
    d->heartbeat.heartbeat_at = now;
    if (d->web)
        nb_web_heartbeat(d->web);
    d->heartbeat.next_wake_at = (next_wake_ms(d, 0) + 999) / 1000;
    nb_errbuf err;
    if (store && nb_store_daemon_save(store, &d->heartbeat, &err) != NB_OK)
        nb_log(NB_LOG_ERROR, "daemon", "error=\"%s\"", err.msg);
    nb_store_close(store);
    char status[256] = "idle";
    size_t first = NB_DAEMON_NO_SCHEDULE;
    for (size_t i = 0; i < d->count; i++)
        if (first == NB_DAEMON_NO_SCHEDULE ||
            d->schedules[i].next_fire < d->schedules[first].next_fire)
            first = i;
    if (first != NB_DAEMON_NO_SCHEDULE) {
        char t[32];
        nb_daemon_when(d, d->schedules[first].next_fire, t, sizeof t);
        snprintf(status, sizeof status, "next: %s %s", d->schedules[first].config->name, t);
    }
    nb_app_notify("STATUS=%s", status);
}

/* A schedule's fire time has come. */
static void fire(nb_daemon *d, size_t i, int64_t now)
{
    nb_daemon_schedule *s = &d->schedules[i];
    int64_t fire_at = s->next_fire;
    /* when the fire was due on the monotonic clock, for bench/daemon's fire-to-message delay */
    nb_log(NB_LOG_DEBUG, "daemon", "fire schedule=%s due_monotonic_ms=%lld late_ms=%lld",
           s->config->name,
           (long long)(nb_clock_monotonic_ms() + fire_at * 1000 - nb_clock_now_ms()),
           (long long)(nb_clock_now_ms() - fire_at * 1000));
    int64_t next = 0;
    if (!nb_cron_next(s->cron, d->zone, fire_at > now ? fire_at : now, &next))
        next = INT64_MAX / 1000;
    s->next_fire = next;
    char t[32];
    nb_daemon_when(d, fire_at, t, sizeof t);
    const char *result = NULL;
    char skipped[256];
    if (d->child) {
        nb_log_write(NB_LOG_WARN, "daemon",
                     "schedule=%s fire=\"%s\" skipped: the run of %s is "
                     "still going",
                     s->config->name, t, d->child_label);
        snprintf(skipped, sizeof skipped, "skipped: the run of %s was going on", d->child_label);
        result = skipped;
    } else {
        s->queued = 1;
        s->queued_fire = fire_at;
    }
    s->unsaved_fire = fire_at;
    snprintf(s->unsaved_result, sizeof s->unsaved_result, "%s", result ? result : "");
}

/* Records the fires handled since the last call (once the run they start is under way). */
static void save_fires(nb_daemon *d)
{
    nb_store *store = NULL;
    for (size_t i = 0; i < d->count; i++) {
        nb_daemon_schedule *s = &d->schedules[i];
        if (!s->unsaved_fire)
            continue;
        if (!store && !(store = nb_daemon_open_store(d)))
            return;
        nb_daemon_save_schedule(store, s, s->unsaved_fire,
                                s->unsaved_result[0] ? s->unsaved_result : NULL, 0, 0);
        s->unsaved_fire = 0;
    }
    nb_store_close(store);
}

/* With workers, a fire is run by the daemon that claims it first; 0 when another did. */
static int claim_fire(nb_daemon *d, nb_daemon_schedule *s)
{
    nb_store *store = nb_daemon_open_store(d);
    if (!store)
        return 0;
    int won = 0;
    char *holder = NULL;
    nb_errbuf err;
    if (nb_store_fire_claim(store, s->config->name, s->queued_fire, d->worker_id, &won, &holder,
                            &err) != NB_OK) {
        nb_log(NB_LOG_ERROR, "daemon", "error=\"%s\"", err.msg);
    } else if (!won) {
        char t[32], result[400];
        nb_daemon_when(d, s->queued_fire, t, sizeof t);
        snprintf(result, sizeof result, "skipped: taken by %s", holder ? holder : "another worker");
        nb_daemon_say("schedule=%s fire=\"%s\" %s", s->config->name, t, result);
        nb_daemon_save_schedule(store, s, s->queued_fire, result, 0, 0);
    }
    free(holder);
    nb_store_close(store);
    return won;
}

static void start_next_queued(nb_daemon *d, int64_t now)
{
    if (d->child || d->stopping)
        return;
    for (size_t i = 0; i < d->count; i++) {
        nb_daemon_schedule *s = &d->schedules[i];
        if (!s->queued)
            continue;
        s->queued = 0;
        if (d->workers && !claim_fire(d, s))
            continue;
        nb_daemon_start_run(d, i, s->queued_fire);
        return;
    }
    if (d->workers)
        return; /* the workers send the outbox */
    if (d->outbox_due != INT64_MAX && d->outbox_due <= now && d->outbox_not_before <= now)
        nb_daemon_start_run(d, NB_DAEMON_NO_SCHEDULE, now);
}

/* ---- schedules from a configuration ---- */

static void free_schedules(nb_daemon_schedule *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        nb_cron_free(list[i].cron);
    free(list);
}

/* Builds the schedules of config; a schedule kept from old (same name and expression)
 * keeps its next fire and its queued run. */
static nb_daemon_schedule *build_schedules(const nb_config *config, const nb_zone *zone,
                                           const nb_daemon_schedule *old, size_t old_count,
                                           int64_t now)
{
    nb_daemon_schedule *list = nb_xcalloc(config->schedule_count + 1, sizeof *list);
    for (size_t i = 0; i < config->schedule_count; i++) {
        nb_daemon_schedule *s = &list[i];
        s->config = &config->schedules[i];
        nb_errbuf err;
        if (nb_cron_parse(s->config->cron, &s->cron, &err) != NB_OK)
            abort(); /* checked when the configuration was read */
        s->next_fire = INT64_MAX / 1000;
        for (size_t k = 0; k < old_count; k++) {
            if (strcmp(old[k].config->name, s->config->name) == 0 &&
                strcmp(old[k].config->cron, s->config->cron) == 0) {
                s->next_fire = old[k].next_fire;
                s->queued = old[k].queued;
                s->queued_fire = old[k].queued_fire;
            }
        }
        int64_t next;
        if (s->next_fire == INT64_MAX / 1000 && nb_cron_next(s->cron, zone, now, &next))
            s->next_fire = next;
    }
    return list;
}

/* At start: each schedule's fire missed while the daemon was down runs once when it is
 * within catch_up (the latest such fire); a schedule seen for the first time, or with a
 * new expression, starts from now. */
static void catch_up(nb_daemon *d, int64_t now)
{
    nb_store *store = nb_daemon_open_store(d);
    if (!store)
        return;
    for (size_t i = 0; i < d->count; i++) {
        nb_daemon_schedule *s = &d->schedules[i];
        nb_schedule_state st;
        nb_errbuf err;
        if (nb_store_schedule_load(store, s->config->name, &st, &err) != NB_OK) {
            nb_log(NB_LOG_ERROR, "daemon", "error=\"%s\"", err.msg);
            continue;
        }
        int watched = st.last_fire && st.cron && !strcmp(st.cron, s->config->cron);
        int64_t since = st.last_fire;
        nb_schedule_state_clear(&st);
        if (!watched) {
            nb_daemon_save_schedule(store, s, now, NULL, 0, 0); /* nothing was missed before now */
            continue;
        }
        int64_t latest = 0, next;
        for (int64_t t = since; nb_cron_next(s->cron, d->zone, t, &next) && next <= now;) {
            latest = next;
            /* a long absence: jump close to now rather than walk every fire */
            t = next < now - s->config->catch_up - 86400 ? now - s->config->catch_up - 86400 : next;
        }
        if (!latest) {
            nb_daemon_save_schedule(store, s, 0, NULL, 0, 0);
            continue;
        }
        char t[32];
        nb_daemon_when(d, latest, t, sizeof t);
        if (s->config->catch_up > 0 && now - latest <= s->config->catch_up) {
            nb_daemon_say("schedule=%s missed fire=\"%s\": catching up (catch_up=%llds)",
                          s->config->name, t, (long long)s->config->catch_up);
            s->queued = 1;
            s->queued_fire = latest;
            nb_daemon_save_schedule(store, s, latest, NULL, 0, 0);
        } else {
            nb_daemon_say("schedule=%s missed fire=\"%s\": not run (catch_up=%llds)",
                          s->config->name, t, (long long)s->config->catch_up);
            nb_daemon_save_schedule(store, s, latest, "missed: the daemon was not running", 0, 0);
        }
    }
    nb_store_close(store);
}

/* What a reload changes, in one line. */
static void describe_changes(const nb_config *old, const nb_config *fresh, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (used < n)                                                                              \
            used += (size_t)snprintf(out + used, n - used, __VA_ARGS__);                           \
    } while (0)
    for (size_t i = 0; i < fresh->schedule_count; i++) {
        const nb_schedule_config *s = &fresh->schedules[i];
        const nb_schedule_config *was = NULL;
        for (size_t k = 0; k < old->schedule_count; k++)
            if (!strcmp(old->schedules[k].name, s->name))
                was = &old->schedules[k];
        if (!was)
            ADD("%sschedule %s added (%s)", used ? "; " : "", s->name, s->cron);
        else if (strcmp(was->cron, s->cron) != 0)
            ADD("%sschedule %s: cron \"%s\" -> \"%s\"", used ? "; " : "", s->name, was->cron,
                s->cron);
    }
    for (size_t k = 0; k < old->schedule_count; k++) {
        int kept = 0;
        for (size_t i = 0; i < fresh->schedule_count && !kept; i++)
            kept = !strcmp(old->schedules[k].name, fresh->schedules[i].name);
        if (!kept)
            ADD("%sschedule %s removed", used ? "; " : "", old->schedules[k].name);
    }
    if (old->source_count != fresh->source_count)
        ADD("%ssources %zu -> %zu", used ? "; " : "", old->source_count, fresh->source_count);
    if (old->channel_count != fresh->channel_count)
        ADD("%schannels %zu -> %zu", used ? "; " : "", old->channel_count, fresh->channel_count);
    if (strcmp(old->timezone, fresh->timezone) != 0)
        ADD("%stimezone %s -> %s", used ? "; " : "", old->timezone, fresh->timezone);
    if (!used)
        ADD("no schedule, source, channel or zone changed");
#undef ADD
}

static void reload(nb_daemon *d)
{
    nb_app_notify("RELOADING=1");
    nb_config *fresh = NULL;
    nb_errbuf err;
    nb_zone *zone = NULL;
    nb_err rc = nb_app_load_config(d->config->path, &fresh, &err);
    if (!rc)
        rc = nb_zone_load(fresh->timezone, &zone, &err);
    if (rc) {
        nb_log_write(NB_LOG_ERROR, "daemon", "reload failed, the old configuration stays: %s",
                     err.msg);
        nb_config_free(fresh);
        /* nb_app_load_config selected the new zone for display; the old one stays */
        if (nb_time_set_zone(d->config->timezone, &err) != NB_OK)
            nb_log(NB_LOG_ERROR, "daemon", "error=\"%s\"", err.msg);
        nb_app_notify("READY=1");
        return;
    }
    char changes[1024];
    describe_changes(d->config, fresh, changes, sizeof changes);
    int64_t now = nb_daemon_now_s();
    int same_zone = strcmp(d->config->timezone, fresh->timezone) == 0;
    nb_daemon_schedule *list = build_schedules(fresh, zone, same_zone ? d->schedules : NULL,
                                               same_zone ? d->count : 0, now);
    free_schedules(d->schedules, d->count);
    nb_zone_free(d->zone);
    nb_config_free(d->config);
    d->config = fresh;
    d->zone = zone;
    d->schedules = list;
    d->count = fresh->schedule_count;
    nb_daemon_say("reloaded %s: %s", fresh->path, changes);
    if (d->worker)
        kill(d->worker, SIGTERM); /* started again with the new configuration */
    nb_store *store = nb_daemon_open_store(d);
    for (size_t i = 0; store && i < d->count; i++)
        nb_daemon_save_schedule(store, &d->schedules[i], 0, NULL, 0, 0);
    nb_store_close(store);
    nb_daemon_refresh(d);
    nb_app_notify("READY=1");
}

/* ---- the loop ---- */

static void begin_stop(nb_daemon *d, int sig)
{
    if (d->stopping)
        return;
    d->stopping = 1;
    d->stop_deadline_ms = nb_clock_now_ms() + d->config->shutdown_timeout * 1000;
    nb_app_notify("STOPPING=1");
    nb_daemon_say("stopping signal=%s%s", sig == SIGINT ? "INT" : "TERM",
                  d->child ? ": the run going on finishes its requests in flight" : "");
    if (d->child)
        kill(d->child, SIGTERM);
    if (d->worker)
        kill(d->worker, SIGTERM);
}

static void handle_signals(nb_daemon *d)
{
    unsigned char bytes[64];
    ssize_t n;
    while ((n = read(d->pipe[0], bytes, sizeof bytes)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (bytes[i] == SIGTERM || bytes[i] == SIGINT)
                begin_stop(d, bytes[i]);
            else if (bytes[i] == SIGHUP && !d->stopping)
                reload(d);
            else if (bytes[i] == SIGCHLD)
                nb_daemon_reap(d);
        }
    }
}

static nb_err daemon_main(const nb_cli *cli, int argc, char **argv)
{
    nb_daemon d = {.pipe = {-1, -1}, .outbox_due = INT64_MAX, .backoff_end = INT64_MAX};
    nb_err rc = nb_app_config(cli, &d.config);
    if (rc != NB_OK)
        return rc;
    nb_errbuf err;
    if (nb_zone_load(d.config->timezone, &d.zone, &err) != NB_OK) {
        fprintf(stderr, "newsbrief: %s: newsbrief.timezone: %s\n", d.config->path, err.msg);
        rc = NB_ERR_CONFIG;
        goto out;
    }
    if (d.config->schedule_count == 0) {
        fprintf(stderr,
                "newsbrief daemon: %s has no schedules: section; add one (see "
                "docs/CONFIG.md), or use `newsbrief run` from cron or a timer\n",
                d.config->path);
        rc = NB_ERR_CONFIG;
        goto out;
    }
    nb_store *store = NULL;
    if ((rc = nb_store_open(d.config->database, &store, &err)) != NB_OK) {
        fprintf(stderr, "newsbrief: %s\n", err.msg);
        rc = nb_app_store_open_failed(rc);
        goto out;
    }
    nb_store_close(store);
    rc = nb_daemon_setup_signals(&d);
    if (rc != NB_OK)
        goto out;
    nb_clock_run_from_pin(); /* --now: the daemon starts at that instant, then time runs */
    int64_t now = nb_daemon_now_s();
    d.schedules = build_schedules(d.config, d.zone, NULL, 0, now);
    d.count = d.config->schedule_count;
    d.heartbeat = (nb_daemon_state){.pid = getpid(), .started_at = now};
    d.workers = d.config->workers > 0;
    if (d.workers) {
        char host[256] = "localhost";
        if (gethostname(host, sizeof host) != 0)
            snprintf(host, sizeof host, "localhost");
        host[sizeof host - 1] = '\0';
        snprintf(d.worker_id, sizeof d.worker_id, "%s:%d", host, (int)getpid());
        d.heartbeat.worker = d.worker_id; /* a heartbeat row of its own among the others */
        d.next_renew_ms = nb_clock_now_ms() + d.config->job_lease * 1000 / 3;
    }
    catch_up(&d, now);
    nb_daemon_refresh(&d);
    {
        char t[32] = "-";
        size_t first = 0;
        for (size_t i = 1; i < d.count; i++)
            if (d.schedules[i].next_fire < d.schedules[first].next_fire)
                first = i;
        nb_daemon_when(&d, d.schedules[first].next_fire, t, sizeof t);
        nb_daemon_say("started pid=%d config=%s schedules=%zu next=\"%s %s\"%s%s", (int)getpid(),
                      d.config->path, d.count, d.schedules[first].config->name, t,
                      d.workers ? " worker=" : "", d.workers ? d.worker_id : "");
    }
    if (d.workers)
        nb_daemon_start_worker(&d);
    /* The archive, when web.listen is set: its threads live in this process and only read
     * the database; a forked run never touches them. Stopped after the last run ended. */
    if (d.config->web.listen) {
        nb_web_options wo = {.heartbeat = 1};
        if (nb_web_start(d.config, &wo, &d.web, &err) != NB_OK) {
            nb_app_error("%s", err.msg);
            rc = NB_ERR_CONFIG; /* web.listen cannot be used */
            goto out;
        }
        nb_daemon_say("serving %s/", nb_web_url(d.web));
    }
    nb_app_notify("READY=1");
    int64_t watchdog_ms = nb_app_watchdog_ms();
    for (;;) {
        handle_signals(&d);
        int64_t now_ms = nb_clock_now_ms();
        if (d.workers && now_ms >= d.next_renew_ms)
            nb_daemon_renew_leases(&d);
        if (d.stopping) {
            if (!d.child && !d.worker)
                break;
            if (now_ms >= d.stop_deadline_ms && !d.killed) {
                nb_log_write(NB_LOG_WARN, "daemon",
                             "the run did not end within shutdown_timeout=%llds: killed",
                             (long long)d.config->shutdown_timeout);
                if (d.child)
                    kill(d.child, SIGKILL);
                if (d.worker)
                    kill(d.worker, SIGKILL);
                d.killed = 1;
            }
        } else {
            int fired = 0;
            for (size_t i = 0; i < d.count; i++) {
                if (d.schedules[i].next_fire * 1000 <= now_ms) {
                    fire(&d, i, now_ms / 1000);
                    fired = 1;
                }
            }
            start_next_queued(&d, now_ms / 1000);
            save_fires(&d);
            if (fired || now_ms >= d.next_heartbeat_ms)
                nb_daemon_refresh(&d);
            else if (d.backoff_end != INT64_MAX && d.backoff_end * 1000 <= now_ms)
                nb_daemon_refresh(&d); /* a source's backoff is over: the status says so */
        }
        int64_t wake = next_event_ms(&d);
        if (watchdog_ms > 0) {
            nb_app_notify("WATCHDOG=1");
            if (now_ms + watchdog_ms / 2 < wake)
                wake = now_ms + watchdog_ms / 2;
        }
        int64_t wait = wake - nb_clock_now_ms();
        if (wait < 0)
            wait = 0;
        if (wait > INT_MAX)
            wait = INT_MAX;
        struct pollfd p = {.fd = d.pipe[0], .events = POLLIN};
        if (poll(&p, 1, (int)wait) < 0 && errno != EINTR) {
            nb_log(NB_LOG_ERROR, "daemon", "error=\"poll: %s\"", strerror(errno));
            break;
        }
    }
    d.heartbeat.stopped_at = nb_daemon_now_s();
    store = nb_daemon_open_store(&d);
    if (store && d.workers) {
        size_t released = 0;
        if (nb_store_leases_release(store, d.worker_id, &released, &err) != NB_OK)
            nb_log(NB_LOG_ERROR, "daemon", "error=\"%s\"", err.msg);
        else if (released)
            nb_daemon_say("released=%zu leases (their work goes to the other daemons)", released);
    }
    if (store && nb_store_daemon_save(store, &d.heartbeat, &err) != NB_OK)
        nb_log(NB_LOG_ERROR, "daemon", "error=\"%s\"", err.msg);
    nb_store_close(store);
    nb_web_stop(d.web);
    d.web = NULL;
    nb_daemon_say("stopped");
out:
    nb_daemon_close_signals(&d);
    free_schedules(d.schedules, d.count);
    nb_zone_free(d.zone);
    nb_config_free(d.config);
    return rc;
}

const nb_command nb_cmd_daemon = {
    .name = "daemon",
    .summary = "run the schedules until stopped (a service)",
    .usage = "Runs each schedule under schedules: at its fire times (cron expressions in\n"
             "newsbrief.timezone), and delivers outbox messages when their wait is over.\n"
             "It sleeps until the next due event; runs never overlap (a fire that comes while\n"
             "a run goes on is skipped with a log line), and share the run lock with\n"
             "`newsbrief run`. At start, a fire missed while it was down runs once if it is\n"
             "within the schedule's catch_up (default 1h). One log line per run.\n\n"
             "Signals: SIGTERM/SIGINT stop it (no new work; requests in flight finish within\n"
             "shutdown_timeout, default 20s; exit 0); SIGHUP reloads the configuration (an\n"
             "invalid file keeps the old one and logs one error line). With systemd\n"
             "(Type=notify) it reports READY, STATUS, RELOADING, STOPPING and the watchdog.\n\n"
             "options:\n"
             "  -c, --config FILE  configuration file\n"
             "      --now TIME     start the clock at this instant (ISO 8601), then let it\n"
             "                     run in real time; also NEWSBRIEF_NOW\n"
             "  -v, --verbose      more log lines on stderr (twice for debug)\n"
             "  -q, --quiet        errors only\n"
             "  -h, --help         this help\n\n"
             "exit status: 0 stopped by a signal; 2 usage or configuration error\n",
    .main = daemon_main,
};
