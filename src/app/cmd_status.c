/* SPDX-License-Identifier: MIT */
/* `newsbrief status`: the daemon's health from what it writes to the database (pid,
 * heartbeat, each schedule's last fire and result), the next fire of each schedule, what
 * waits in the outbox per channel and which sources back off. Exit 1 makes it a health
 * check: a daemon expected (schedules configured) whose heartbeat is older than two of its
 * wake-ups, or a channel that is failing. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/time.h"
#include "core/zone.h"
#include "sched/sched.h"
#include "store/store.h"

#define HEARTBEAT_GRACE 5 /* seconds of slack on top of two wake-ups */

typedef struct channel_status {
    const char *name;
    size_t pending;       /* rows not yet sent */
    size_t failed;        /* rows the platform refused for good */
    int64_t next_attempt; /* of the channel's first pending row; 0: now */
    int failing;          /* its first row stopped on a configuration error or its attempts */
    const char *answer;   /* that row's last answer */
} channel_status;

static void fmt(const nb_zone *zone, int64_t t, char *out, size_t n)
{
    if (t <= 0)
        snprintf(out, n, "-");
    else
        nb_zone_format(zone, t, out, n);
}

static json_t *instant(int64_t t)
{
    return t > 0 ? json_integer((json_int_t)t) : json_null();
}

static int64_t max_attempts_of(const nb_config *config, const char *channel)
{
    for (size_t i = 0; i < config->channel_count; i++)
        if (!strcmp(config->channels[i].name, channel))
            return config->channels[i].max_attempts;
    return 5;
}

/* Per channel: the outbox rows in id order, so the first pending one is the channel's head. */
static channel_status *summarize_outbox(const nb_config *config, const nb_outbox_row *rows,
                                        size_t count, size_t *out_count)
{
    channel_status *list = calloc(count + 1, sizeof *list);
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        const nb_outbox_row *r = &rows[i];
        channel_status *c = NULL;
        for (size_t k = 0; k < n && !c; k++)
            if (!strcmp(list[k].name, r->channel))
                c = &list[k];
        if (!c) {
            c = &list[n++];
            c->name = r->channel;
        }
        if (r->status[0] == 'f') {
            c->failed++;
            continue;
        }
        if (c->pending++ == 0) {
            c->next_attempt = r->next_attempt_at;
            c->answer = r->last_answer;
            c->failing = r->attempts > 0 && (r->next_attempt_at == 0 ||
                                             r->attempts >= max_attempts_of(config, r->channel));
        }
    }
    *out_count = n;
    return list;
}

static nb_err status_main(const nb_cli *cli, int argc, char **argv)
{
    nb_config *config = NULL;
    nb_err loaded = nb_app_config(cli, &config);
    if (loaded != NB_OK)
        return loaded;
    nb_err rc = NB_OK;
    nb_errbuf err;
    nb_zone *zone = NULL;
    nb_store *store = NULL;
    nb_schedule_state *states = NULL;
    nb_outbox_row *rows = NULL;
    nb_source_state *sources = NULL;
    channel_status *channels = NULL;
    size_t state_count = 0, row_count = 0, source_count = 0, channel_count = 0;
    nb_daemon_state daemon;
    int found = 0;
    if (nb_zone_load(config->timezone, &zone, &err) != NB_OK) {
        fprintf(stderr, "newsbrief: %s\n", err.msg);
        rc = NB_ERR_CONFIG;
        goto out;
    }
    if ((rc = nb_store_open(config->database, &store, &err)) != NB_OK) {
        fprintf(stderr, "newsbrief: %s\n", err.msg);
        rc = nb_app_store_open_failed(rc);
        goto out;
    }
    if ((rc = nb_store_daemon_load(store, &daemon, &found, &err)) != NB_OK ||
        (rc = nb_store_schedule_list(store, &states, &state_count, &err)) != NB_OK ||
        (rc = nb_store_outbox_list(store, &rows, &row_count, &err)) != NB_OK ||
        (rc = nb_store_source_list(store, &sources, &source_count, &err)) != NB_OK) {
        fprintf(stderr, "newsbrief: %s\n", err.msg);
        goto out;
    }
    int64_t now = nb_clock_now();
    int64_t interval = daemon.next_wake_at - daemon.heartbeat_at;
    if (interval < 1)
        interval = 1;
    int running = found && !daemon.stopped_at;
    int fresh = running && now - daemon.heartbeat_at <= 2 * interval + HEARTBEAT_GRACE;
    /* with workers, each daemon sharing the database has a heartbeat of its own: the live
     * ones are listed (a killed daemon's row stays until prune), and one is enough */
    nb_daemon_state *daemons = NULL;
    size_t daemon_count = 0, live = 0;
    if (nb_store_daemon_list(store, &daemons, &daemon_count, &err) != NB_OK)
        fprintf(stderr, "newsbrief: %s\n", err.msg);
    for (size_t i = 0; i < daemon_count; i++) {
        int64_t every = daemons[i].next_wake_at - daemons[i].heartbeat_at;
        if (now - daemons[i].heartbeat_at <= 2 * (every < 1 ? 1 : every) + HEARTBEAT_GRACE)
            daemons[live++] = daemons[i];
        else
            free(daemons[i].worker);
    }
    int daemon_ok = config->schedule_count == 0 || fresh || live > 0;
    channels = summarize_outbox(config, rows, row_count, &channel_count);
    int channels_ok = 1;
    for (size_t i = 0; i < channel_count; i++)
        channels_ok &= !channels[i].failing;
    int healthy = daemon_ok && channels_ok;
    if (!healthy)
        rc = NB_ERR_FAILED; /* status as a health check */

    json_t *doc = cli->json ? json_object() : NULL;
    char a[32], b[32], c[32];
    /* the daemon */
    const char *state = !found              ? "never ran on this database"
                        : daemon.stopped_at ? "stopped"
                        : fresh             ? "running"
                                            : "not responding (heartbeat too old)";
    if (doc) {
        json_object_set_new(
            doc, "daemon",
            json_pack("{s:s, s:b, s:I, s:o, s:o, s:o, s:o}", "state", state, "healthy", daemon_ok,
                      "pid", (json_int_t)daemon.pid, "started_at", instant(daemon.started_at),
                      "heartbeat_at", instant(daemon.heartbeat_at), "next_wake_at",
                      instant(daemon.next_wake_at), "stopped_at", instant(daemon.stopped_at)));
    } else {
        printf("daemon: %s", state);
        if (found) {
            fmt(zone, daemon.started_at, a, sizeof a);
            fmt(zone, daemon.heartbeat_at, b, sizeof b);
            fmt(zone, daemon.next_wake_at, c, sizeof c);
            printf(" (pid %lld, started %s, heartbeat %s, next wake-up %s)", (long long)daemon.pid,
                   a, b, c);
        }
        putchar('\n');
    }
    json_t *live_list = doc ? json_array() : NULL;
    if (live && !doc)
        printf("daemons sharing the work:\n");
    for (size_t i = 0; i < live; i++) {
        const nb_daemon_state *w = &daemons[i];
        if (live_list) {
            json_array_append_new(live_list, json_pack("{s:s, s:I, s:o, s:o, s:o}", "worker",
                                                       w->worker, "pid", (json_int_t)w->pid,
                                                       "started_at", instant(w->started_at),
                                                       "heartbeat_at", instant(w->heartbeat_at),
                                                       "next_wake_at", instant(w->next_wake_at)));
        } else {
            fmt(zone, w->started_at, a, sizeof a);
            fmt(zone, w->heartbeat_at, b, sizeof b);
            fmt(zone, w->next_wake_at, c, sizeof c);
            printf("  %-24s pid %lld, started %s, heartbeat %s, next wake-up %s\n", w->worker,
                   (long long)w->pid, a, b, c);
        }
    }
    if (doc)
        json_object_set_new(doc, "daemons", live_list);
    nb_daemon_states_free(daemons, live);
    /* schedules: configured ones, with what the daemon recorded */
    json_t *list = doc ? json_array() : NULL;
    if (!doc && config->schedule_count)
        printf("\n%-16s %-20s %-16s %-16s %s\n", "SCHEDULE", "CRON", "LAST FIRE", "NEXT FIRE",
               "LAST RESULT");
    for (size_t i = 0; i < config->schedule_count; i++) {
        const nb_schedule_config *s = &config->schedules[i];
        const nb_schedule_state *st = NULL;
        for (size_t k = 0; k < state_count; k++)
            if (!strcmp(states[k].name, s->name))
                st = &states[k];
        nb_cron *cron = NULL;
        int64_t next = 0;
        if (nb_cron_parse(s->cron, &cron, &err) == NB_OK && !nb_cron_next(cron, zone, now, &next))
            next = 0;
        nb_cron_free(cron);
        const char *result = st && st->last_result ? st->last_result : NULL;
        /* a fire time with neither a run nor a result is where the watch began */
        int64_t last = st && (result || st->last_run_at) ? st->last_fire : 0;
        if (list) {
            json_array_append_new(
                list,
                json_pack("{s:s, s:s, s:o, s:s?, s:o, s:I, s:o}", "name", s->name, "cron", s->cron,
                          "last_fire", instant(last), "last_result", result, "last_run_at",
                          instant(st ? st->last_run_at : 0), "last_duration_ms",
                          (json_int_t)(st ? st->last_duration_ms : 0), "next_fire", instant(next)));
        } else {
            fmt(zone, last, a, sizeof a);
            fmt(zone, next, b, sizeof b);
            printf("%-16s %-20s %-16s %-16s %s\n", s->name, s->cron, a, b, result ? result : "-");
        }
    }
    if (doc)
        json_object_set_new(doc, "schedules", list);
    /* the outbox */
    list = doc ? json_array() : NULL;
    if (!doc)
        printf("\noutbox: %s\n", channel_count ? "" : "empty");
    for (size_t i = 0; i < channel_count; i++) {
        const channel_status *ch = &channels[i];
        if (list) {
            json_array_append_new(
                list, json_pack("{s:s, s:I, s:I, s:o, s:b, s:s?}", "channel", ch->name, "pending",
                                (json_int_t)ch->pending, "failed", (json_int_t)ch->failed,
                                "next_attempt_at", instant(ch->next_attempt), "failing",
                                ch->failing, "last_answer", ch->answer));
            continue;
        }
        printf("  %-16s %zu waiting", ch->name, ch->pending);
        if (ch->pending && ch->next_attempt > now) {
            fmt(zone, ch->next_attempt, a, sizeof a);
            printf(" until %s", a);
        }
        if (ch->failed)
            printf(", %zu refused", ch->failed);
        if (ch->failing)
            printf(", FAILING");
        if (ch->answer)
            printf("; last answer: %s", ch->answer);
        putchar('\n');
    }
    if (doc)
        json_object_set_new(doc, "outbox", list);
    /* leased work: jobs per kind and state; dead ones with their last error */
    nb_job_count *jobs = NULL;
    size_t job_count = 0;
    if (nb_store_job_counts(store, &jobs, &job_count, &err) != NB_OK)
        fprintf(stderr, "newsbrief: %s\n", err.msg);
    list = doc ? json_array() : NULL;
    if (!doc && job_count)
        printf("\njobs:\n");
    for (size_t i = 0; i < job_count; i++) {
        if (list)
            json_array_append_new(list,
                                  json_pack("{s:s, s:s, s:I, s:s?}", "kind", jobs[i].kind, "state",
                                            jobs[i].state, "count", (json_int_t)jobs[i].count,
                                            "last_error", jobs[i].last_error));
        else
            printf("  %-16s %-8s %lld%s%s\n", jobs[i].kind, jobs[i].state, (long long)jobs[i].count,
                   jobs[i].last_error ? "; last error: " : "",
                   jobs[i].last_error ? jobs[i].last_error : "");
    }
    nb_job_counts_free(jobs, job_count);
    if (doc)
        json_object_set_new(doc, "jobs", list);
    /* sources in backoff */
    list = doc ? json_array() : NULL;
    size_t backing_off = 0;
    for (size_t i = 0; i < source_count; i++) {
        const nb_source_state *s = &sources[i];
        if (s->next_fetch_at <= now)
            continue;
        if (!doc && backing_off == 0)
            printf("\nsources in backoff:\n");
        backing_off++;
        if (list) {
            json_array_append_new(list, json_pack("{s:s, s:i, s:I, s:s?}", "name", s->name,
                                                  "consecutive_failures", s->consecutive_errors,
                                                  "next_fetch_at", (json_int_t)s->next_fetch_at,
                                                  "last_error", s->last_error));
        } else {
            fmt(zone, s->next_fetch_at, a, sizeof a);
            printf("  %-16s %d failures, next fetch %s: %s\n", s->name, s->consecutive_errors, a,
                   s->last_error ? s->last_error : "-");
        }
    }
    if (doc) {
        json_object_set_new(doc, "sources_in_backoff", list);
        json_object_set_new(doc, "healthy", json_boolean(healthy));
        char *text = json_dumps(doc, JSON_INDENT(2));
        puts(text ? text : "{}");
        free(text);
        json_decref(doc);
    } else {
        printf("\nhealth: %s\n", healthy      ? "ok"
                                 : !daemon_ok ? "the daemon is not running"
                                              : "a channel is failing");
    }
out:
    free(channels);
    for (size_t i = 0; i < source_count; i++)
        nb_source_state_clear(&sources[i]);
    free(sources);
    nb_outbox_rows_free(rows, row_count);
    nb_schedule_states_free(states, state_count);
    nb_store_close(store);
    nb_zone_free(zone);
    nb_config_free(config);
    return rc;
}

const nb_command nb_cmd_status = {
    .name = "status",
    .summary = "the daemon's health, schedules, outbox and sources in backoff",
    .usage = "Prints what the daemon recorded in the database: its pid and heartbeat, each\n"
             "schedule's last fire, result and next fire, the messages waiting in the outbox\n"
             "per channel, and the sources backing off after failures.\n\n"
             "options:\n"
             "  -c, --config FILE  configuration file\n"
             "      --json         as JSON (times as UTC seconds)\n"
             "      --now TIME     pin the current time (ISO 8601); also NEWSBRIEF_NOW\n"
             "  -h, --help         this help\n\n"
             "exit status: 0 healthy; 1 schedules are configured and the daemon's heartbeat\n"
             "is older than two of its wake-ups (or it is stopped), or a channel is failing;\n"
             "2 usage or configuration error\n",
    .main = status_main,
    .options = NB_OPT_JSON,
};
