/* SPDX-License-Identifier: MIT */
/* The outbox driver: one lane per chat channel sends its pending rows in order, one request
 * at a time, within the platform's rate limits. A row is marked "sending" before its
 * request and "sent" only after the platform accepted it, so a crash can duplicate at most
 * the row that was out. Transient failures wait (backoff, Retry-After, the platform's
 * floor) and hold the lane, so order holds; a configuration error stops the lane with one
 * error line; a refused payload is marked failed and the lane goes on. Requests follow no
 * redirect: a 3xx is a configuration error and the row stays pending. Nothing is sent that
 * could not first be marked "sending": when the store fails (disk full, read-only) every
 * lane stops, and the store's failure is reported once by the command. A file channel's
 * rows (one per briefing) are written together, and stay pending when the write fails. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "brief/brief.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/time.h"
#include "push/channel.h"
#include "push/push.h"

#define RECENT 128 /* send times remembered for the rate windows */

typedef struct lane {
    const nb_channel_config *ch;
    const nb_channel_kind *kind;
    nb_store *store;
    nb_http *http;
    nb_push_report *report;
    int64_t max_wait; /* seconds a pass may wait for one row (max_wait_in_run) */
    nb_outbox_row *rows;
    size_t count, next;
    int run_attempts;    /* attempts of the current row in this run */
    int64_t retry_at_ms; /* the current row waits until then */
    int64_t recent[RECENT];
    size_t recent_n;
    uint64_t jitter;
} lane;

static void send_next(lane *l);

static volatile sig_atomic_t stop_requested;

void nb_push_stop(void)
{
    stop_requested = 1;
}

/* Records a row's new status; the store's error when it refused (logged, unless it is the
 * storage failure the command reports once). */
static nb_err mark_row(nb_store *store, const nb_channel_config *ch, const nb_outbox_row *row,
                       const char *status, int attempts, int64_t next_attempt, const char *answer,
                       int64_t now)
{
    nb_errbuf err;
    nb_err rc =
        nb_store_outbox_mark(store, row->id, status, attempts, next_attempt, answer, now, &err);
    if (rc && !nb_store_failure(store))
        nb_log(NB_LOG_ERROR, "outbox", "channel=%s error=\"%s\"", ch->name, err.msg);
    return rc;
}

static nb_err mark(lane *l, const nb_outbox_row *row, const char *status, int64_t next_attempt,
                   const char *answer)
{
    return mark_row(l->store, l->ch, row, status, row->attempts, next_attempt, answer,
                    nb_clock_now());
}

/* The earliest start the platform's rate limits (or the channel's own) allow. */
static int64_t rate_slot(const lane *l, int64_t now)
{
    int per_second = l->ch->per_second >= 0 ? (int)l->ch->per_second : l->kind->per_second;
    int per_minute = l->ch->per_minute >= 0 ? (int)l->ch->per_minute : l->kind->per_minute;
    long min_interval = l->ch->per_second >= 0 ? 0 : l->kind->min_interval_ms;
    int64_t slot = now;
    size_t n = l->recent_n < RECENT ? l->recent_n : RECENT;
    for (size_t k = 0; k < n; k++) {
        int64_t t = l->recent[(l->recent_n - 1 - k) % RECENT]; /* newest first */
        if (k == 0 && min_interval && t + min_interval > slot)
            slot = t + min_interval;
        if (per_second && (int)k == per_second - 1 && t + 1000 > slot)
            slot = t + 1000;
        if (per_minute && (int)k == per_minute - 1 && t + 60000 > slot)
            slot = t + 60000;
    }
    return slot;
}

static void stop(lane *l, int failed)
{
    l->report->pending += l->count - l->next;
    l->report->channels_failed += failed;
    l->next = l->count;
}

/* The lane's next row may not go before until (beyond max_wait): it and those after it
 * wait in the outbox for a later pass. */
static void wait_for_later(lane *l, int64_t until)
{
    l->report->waiting += l->count - l->next;
    if (until > l->report->wait_until)
        l->report->wait_until = until;
    stop(l, 0);
}

static long backoff_ms(lane *l, int attempt)
{
    l->jitter ^= l->jitter << 13;
    l->jitter ^= l->jitter >> 7;
    l->jitter ^= l->jitter << 17;
    long base = 1000L << (attempt - 1 < 10 ? attempt - 1 : 10);
    return base / 2 + (long)(l->jitter % (uint64_t)base);
}

/* The platform's verdict on an answer. A redirect is never followed: a 302 would turn the
 * POST into a GET whose 200 looks like a delivery, a 307 or 308 would carry the message
 * and its signature to another host. The channel's configuration must name the endpoint. */
static nb_verdict classify(const nb_channel_kind *kind, const nb_http_response *r,
                           int64_t *retry_after, char *why, size_t n)
{
    if (r->error == NB_OK && r->status >= 300 && r->status <= 399) {
        *retry_after = -1;
        snprintf(why, n,
                 "HTTP %ld redirect to %s: push requests follow no redirects; configure the "
                 "address that answers",
                 r->status, r->location ? r->location : "(no Location)");
        return NB_CONFIG;
    }
    return kind->classify(r, retry_after, why, n);
}

/* A platform's answer to one request, as the outbox acts on it. */
typedef struct answer {
    nb_verdict verdict;
    int64_t retry_after; /* seconds, -1 unknown */
    int rate_limited;    /* the platform said "slow down": its floor applies */
    char why[512];
} answer;

/* The answer to an HTTP request. A 200 may carry a rate-limit code (WeCom, DingTalk). */
static void answer_http(const nb_channel_kind *kind, const nb_http_response *r, answer *a)
{
    a->retry_after = -1;
    a->verdict = classify(kind, r, &a->retry_after, a->why, sizeof a->why);
    a->rate_limited = r->error == NB_OK && (r->status == 429 || r->status == 200);
}

/* Sends payload over the kind's direct transport (SMTP), now, and takes its answer. */
static void answer_direct(const nb_channel_kind *kind, const nb_channel_config *ch,
                          const char *payload, answer *a)
{
    a->retry_after = -1;
    a->verdict = kind->send_direct(ch, payload, &a->retry_after, a->why, sizeof a->why);
    a->rate_limited = 0;
}

/* Submits the request for payload to the channel's configured endpoint (trusted, no
 * redirect followed), not before not_before_ms; done gets the answer. */
static void submit(nb_http *http, const nb_channel_config *ch, const nb_channel_kind *kind,
                   int64_t delivery_id, const char *method, const char *payload,
                   int64_t not_before_ms, nb_http_done_fn done, void *user)
{
    nb_send_request req = {.delivery_id = delivery_id};
    kind->request(ch, method, payload, nb_clock_now(), &req);
    nb_http_request hr = {
        .url = req.url,
        .method = "POST",
        .body = req.body,
        .body_len = strlen(req.body),
        .headers = req.headers,
        .caller = NB_HTTP_CHANNEL,
        .proxy = ch->proxy,
        .reach = NB_HTTP_TRUSTED,
        .timeout_ms = (long)ch->timeout * 1000,
        .not_before_ms = not_before_ms,
        .done = done,
        .user = user,
    };
    nb_http_submit(http, &hr);
    free(req.url);
    free(req.body);
}

/* What an answer means for the row and the lane. A direct transport cannot wait within
 * the run (it would hold every lane), so its retries go to the next run. */
static void handle_answer(lane *l, const answer *a)
{
    nb_outbox_row *row = &l->rows[l->next];
    int64_t now = nb_clock_now();
    const char *why = a->why;
    switch (a->verdict) {
    case NB_ACCEPTED:
        mark(l, row, "sent", 0, why);
        l->report->sent++;
        l->next++;
        l->run_attempts = 0;
        nb_log(NB_LOG_INFO, "push", "channel=%s message=%lld seq=%d sent", l->ch->name,
               (long long)row->id, row->seq);
        break;
    case NB_RETRY: {
        long delay = backoff_ms(l, l->run_attempts);
        if (a->retry_after >= 0 && a->retry_after * 1000 > delay)
            delay = (long)a->retry_after * 1000;
        int64_t floor = l->ch->retry_floor >= 0 ? l->ch->retry_floor : l->kind->retry_floor;
        if (a->rate_limited && floor * 1000 > delay)
            delay = (long)floor * 1000;
        int64_t retry_at = now + (delay + 999) / 1000;
        if (l->run_attempts >= l->ch->max_attempts || l->kind->send_direct) {
            mark(l, row, "pending", retry_at, why);
            nb_log(NB_LOG_ERROR, "push",
                   "channel=%s error=retry cause=\"%s\" attempts=%d pending=%zu (newsbrief push "
                   "sends them later)",
                   l->ch->name, why, l->run_attempts, l->count - l->next);
            stop(l, 1);
            break;
        }
        mark(l, row, "pending", retry_at, why);
        if (delay > l->max_wait * 1000) {
            nb_log(NB_LOG_INFO, "push", "channel=%s message=%lld retry_in_ms=%ld cause=\"%s\"",
                   l->ch->name, (long long)row->id, delay, why);
            wait_for_later(l, retry_at);
            break;
        }
        nb_log(NB_LOG_WARN, "push", "channel=%s message=%lld retry_in_ms=%ld cause=\"%s\"",
               l->ch->name, (long long)row->id, delay, why);
        l->retry_at_ms = nb_clock_monotonic_ms() + delay;
        break;
    }
    case NB_CONFIG:
        mark(l, row, "pending", 0, why);
        nb_log(NB_LOG_ERROR, "push", "channel=%s type=%s error=config cause=\"%s\"", l->ch->name,
               l->ch->type, why);
        stop(l, 1);
        break;
    case NB_PAYLOAD:
        mark(l, row, "failed", 0, why);
        nb_log(NB_LOG_ERROR, "push", "channel=%s message=%lld error=payload cause=\"%s\"",
               l->ch->name, (long long)row->id, why);
        l->report->failed++;
        l->next++;
        l->run_attempts = 0;
        break;
    }
}

static void on_answer(void *user, const nb_http_response *r)
{
    lane *l = user;
    answer a;
    answer_http(l->kind, r, &a);
    handle_answer(l, &a);
    send_next(l);
}

static void send_next(lane *l)
{
    if (l->next >= l->count)
        return;
    if (nb_store_failure(l->store)) {
        stop(l, 1); /* what could not be recorded is not sent */
        return;
    }
    if (stop_requested) {
        stop(l, 0); /* shutting down: the rest stays pending for the next pass */
        return;
    }
    nb_outbox_row *row = &l->rows[l->next];
    int64_t now = nb_clock_now();
    if (row->next_attempt_at > now + l->max_wait && l->run_attempts == 0) {
        wait_for_later(l, row->next_attempt_at);
        return;
    }
    int64_t now_ms = nb_clock_monotonic_ms();
    int64_t start = rate_slot(l, now_ms);
    if (l->retry_at_ms > start)
        start = l->retry_at_ms;
    if (l->run_attempts == 0 && row->next_attempt_at > now)
        start += (row->next_attempt_at - now) * 1000;
    l->recent[l->recent_n++ % RECENT] = start;
    row->attempts++;
    l->run_attempts++;
    if (mark(l, row, "sending", row->next_attempt_at, NULL) != NB_OK) {
        stop(l, 1); /* unrecorded, a send could not be told from one never made */
        return;
    }
    if (l->kind->send_direct) { /* sent now: the answer is at hand */
        answer a;
        answer_direct(l->kind, l->ch, row->payload, &a);
        handle_answer(l, &a);
        send_next(l);
        return;
    }
    submit(l->http, l->ch, l->kind, row->id, row->method, row->payload, start, on_answer, l);
}

/* A file channel: every pending briefing in one atomic write, newest first (a briefing
 * replaces the file, so one written alone would hide the ones before it). A failed write
 * leaves them pending with the error as their last answer. */
static void deliver_file(const nb_channel_config *ch, nb_store *store, nb_push_report *report)
{
    nb_errbuf err;
    nb_outbox_row *rows = NULL;
    size_t count = 0;
    if (nb_store_outbox_pending(store, ch->name, &rows, &count, &err) != NB_OK) {
        nb_log(NB_LOG_ERROR, "outbox", "channel=%s error=\"%s\"", ch->name, err.msg);
        report->channels_failed++;
        return;
    }
    if (count == 0)
        goto out;
    char **texts = nb_xcalloc(count, sizeof *texts);
    for (size_t i = 0; i < count; i++)
        texts[i] = rows[count - 1 - i].payload;
    char *text = nb_brief_join(texts, count);
    free(texts);
    int64_t now = nb_clock_now();
    if (nb_push_write_file(ch->path, text, &err) == NB_OK) {
        for (size_t i = 0; i < count; i++) {
            mark_row(store, ch, &rows[i], "sent", rows[i].attempts + 1, 0, "written", now);
            nb_log(NB_LOG_INFO, "push", "channel=%s message=%lld written path=%s", ch->name,
                   (long long)rows[i].id, ch->path);
        }
        report->sent += count;
    } else {
        for (size_t i = 0; i < count; i++)
            mark_row(store, ch, &rows[i], "pending", rows[i].attempts + 1, 0, err.msg, now);
        nb_log(NB_LOG_ERROR, "push",
               "channel=%s error=io cause=\"%s\" pending=%zu (newsbrief push writes them later)",
               ch->name, err.msg, count);
        report->pending += count;
        report->channels_failed++;
    }
    free(text);
out:
    nb_outbox_rows_free(rows, count);
}

void nb_push_outbox(const nb_config *config, nb_store *store, nb_http *http,
                    const char *only_channel, nb_push_report *report)
{
    nb_errbuf err;
    memset(report, 0, sizeof *report);
    size_t recovered = 0;
    if (nb_store_outbox_recover(store, &recovered, &err) != NB_OK) {
        if (nb_store_failure(store)) {
            report->channels_failed = config->channel_count; /* nothing can be recorded */
            return;
        }
        nb_log(NB_LOG_ERROR, "outbox", "error=\"%s\"", err.msg);
    }
    if (recovered) {
        report->duplicates = recovered;
        nb_log(NB_LOG_WARN, "outbox",
               "resending=%zu cause=\"a run stopped while they were being sent; the platform "
               "may show them twice\"",
               recovered);
    }
    lane *lanes = nb_xcalloc(config->channel_count + 1, sizeof *lanes);
    for (size_t i = 0; i < config->channel_count; i++) {
        const nb_channel_config *ch = &config->channels[i];
        const nb_channel_kind *kind = nb_channel_kind_find(ch->type);
        if (only_channel && strcmp(only_channel, ch->name) != 0)
            continue;
        if (!strcmp(ch->type, "file"))
            deliver_file(ch, store, report);
        if (!kind)
            continue;
        lane *l = &lanes[i];
        *l = (lane){.ch = ch,
                    .kind = kind,
                    .store = store,
                    .http = http,
                    .report = report,
                    .max_wait = config->max_wait_in_run,
                    .jitter = (uint64_t)nb_clock_monotonic_ms() * 2654435761u + i + 1};
        if (nb_store_outbox_pending(store, ch->name, &l->rows, &l->count, &err) != NB_OK) {
            if (!nb_store_failure(store))
                nb_log(NB_LOG_ERROR, "outbox", "channel=%s error=\"%s\"", ch->name, err.msg);
            continue;
        }
        send_next(l);
    }
    nb_http_run(http);
    if (report->waiting) {
        char until[32];
        nb_time_format_display(report->wait_until, until, sizeof until);
        nb_log(NB_LOG_WARN, "push",
               "waiting=%zu until=\"%s\" cause=\"a platform asked to wait longer than "
               "max_wait_in_run\" (the daemon, newsbrief push or the next run sends them then)",
               report->waiting, until);
    }
    for (size_t i = 0; i < config->channel_count; i++)
        nb_outbox_rows_free(lanes[i].rows, lanes[i].count);
    free(lanes);
}

/* ---- claimed rows: the workers of several daemons sharing the outbox ---- */

typedef struct claimed {
    const nb_channel_config *ch;
    const nb_channel_kind *kind;
    nb_store *store;
    const char *worker;
    nb_outbox_row row;
    nb_push_report *report;
} claimed;

static void claimed_free(claimed *c)
{
    free(c->row.channel);
    free(c->row.method);
    free(c->row.payload);
    free(c->row.status);
    free(c->row.last_answer);
    free(c);
}

/* Records the verdict on a claimed row, fenced: a worker whose lease was taken over
 * records nothing (the row went to another worker, flagged as a possible duplicate). */
static void finish_claimed(claimed *c, const answer *a)
{
    const nb_outbox_row *row = &c->row;
    nb_verdict v = a->verdict;
    const char *why = a->why;
    int64_t now = nb_clock_now();
    const char *status = "pending";
    int64_t next = 0;
    switch (v) {
    case NB_ACCEPTED:
        status = "sent";
        break;
    case NB_RETRY: {
        int shift = row->attempts - 1 < 10 ? row->attempts - 1 : 10;
        int64_t delay = (1000L << (shift > 0 ? shift : 0)) / 1000;
        if (a->retry_after > delay)
            delay = a->retry_after;
        int64_t floor = c->ch->retry_floor >= 0 ? c->ch->retry_floor : c->kind->retry_floor;
        if (a->rate_limited && floor > delay)
            delay = floor;
        next = now + (delay > 0 ? delay : 1);
        break;
    }
    case NB_CONFIG:
        next = now + 60; /* a configuration error: not again at once */
        break;
    case NB_PAYLOAD:
        status = "failed";
        break;
    }
    int held = 0;
    nb_errbuf err;
    if (nb_store_outbox_finish(c->store, row->id, c->worker, row->attempts, status, next, why, now,
                               &held, &err) != NB_OK) {
        if (!nb_store_failure(c->store))
            nb_log(NB_LOG_ERROR, "outbox", "channel=%s error=\"%s\"", c->ch->name, err.msg);
        return;
    }
    if (!held) {
        nb_log(NB_LOG_WARN, "push",
               "channel=%s message=%lld seq=%d lease lost: another worker took it over",
               c->ch->name, (long long)row->id, row->seq);
        return;
    }
    if (v == NB_ACCEPTED) {
        c->report->sent++;
        nb_log(NB_LOG_INFO, "push", "channel=%s message=%lld seq=%d sent worker=%s%s", c->ch->name,
               (long long)row->id, row->seq, c->worker,
               row->possible_duplicate ? " possible_duplicate=1" : "");
    } else if (v == NB_PAYLOAD) {
        c->report->failed++;
        nb_log(NB_LOG_ERROR, "push", "channel=%s message=%lld error=payload cause=\"%s\"",
               c->ch->name, (long long)row->id, why);
    } else {
        c->report->pending++;
        nb_log(NB_LOG_WARN, "push", "channel=%s message=%lld error=%s cause=\"%s\" retry_at=%lld",
               c->ch->name, (long long)row->id, v == NB_CONFIG ? "config" : "retry", why,
               (long long)next);
    }
}

static void on_claimed_answer(void *user, const nb_http_response *r)
{
    claimed *c = user;
    answer a;
    answer_http(c->kind, r, &a);
    finish_claimed(c, &a);
    claimed_free(c);
}

size_t nb_push_claim(const nb_config *config, nb_store *store, nb_http *http, const char *worker,
                     int64_t lease_ms, nb_push_report *report)
{
    size_t started = 0;
    for (size_t i = 0; i < config->channel_count && !stop_requested; i++) {
        const nb_channel_config *ch = &config->channels[i];
        const nb_channel_kind *kind = nb_channel_kind_find(ch->type);
        if (!kind || nb_store_failure(store))
            continue;
        claimed *c = nb_xcalloc(1, sizeof *c);
        *c = (claimed){.ch = ch, .kind = kind, .store = store, .worker = worker, .report = report};
        int found = 0;
        nb_errbuf err;
        if (nb_store_outbox_claim(store, ch->name, worker, lease_ms, nb_clock_now(), &c->row,
                                  &found, &err) != NB_OK) {
            if (!nb_store_failure(store))
                nb_log(NB_LOG_ERROR, "outbox", "channel=%s error=\"%s\"", ch->name, err.msg);
            found = 0;
        }
        if (!found) {
            claimed_free(c);
            continue;
        }
        started++;
        nb_log(NB_LOG_INFO, "push", "channel=%s message=%lld seq=%d claimed worker=%s", ch->name,
               (long long)c->row.id, c->row.seq, worker);
        if (c->row.possible_duplicate && c->row.attempts > 1) {
            report->duplicates++;
            nb_log(NB_LOG_WARN, "outbox",
                   "channel=%s message=%lld seq=%d resending possible_duplicate=1 cause=\"its "
                   "sender stopped while it was being sent; the platform may show it twice\"",
                   ch->name, (long long)c->row.id, c->row.seq);
        }
        if (kind->send_direct) {
            answer a;
            answer_direct(kind, ch, c->row.payload, &a);
            finish_claimed(c, &a);
            claimed_free(c);
            continue;
        }
        submit(http, ch, kind, c->row.id, c->row.method, c->row.payload, 0, on_claimed_answer, c);
    }
    return started;
}

typedef struct test_answer {
    const nb_channel_kind *kind;
    answer a;
} test_answer;

static void on_test(void *user, const nb_http_response *r)
{
    test_answer *t = user;
    answer_http(t->kind, r, &t->a);
}

nb_err nb_push_test(const nb_config *config, const nb_channel_config *ch, nb_http *http,
                    nb_errbuf *err)
{
    const nb_channel_kind *kind = nb_channel_kind_find(ch->type);
    if (!kind)
        return nb_errf(err, NB_ERR_USAGE, "channel %s: type %s is local; nothing to test", ch->name,
                       ch->type);
    char stamp[32];
    nb_time_format_display(nb_clock_now(), stamp, sizeof stamp);
    nb_item item = {
        .title = "newsbrief 测试消息 / test message",
        .url = "https://example.com/newsbrief-test",
        .published_at = nb_clock_now(),
        .summary = "看到这条消息，说明频道配置正确。If you can read this, the channel works.",
    };
    nb_message m = {.title = config->title,
                    .header = config->header,
                    .stamp = stamp,
                    .now = nb_clock_now(),
                    .items = &item,
                    .count = 1};
    size_t size;
    char *payload = kind->render(ch, &m, &size);
    test_answer t = {.kind = kind, .a.verdict = NB_CONFIG};
    if (kind->send_direct) {
        answer_direct(kind, ch, payload, &t.a);
    } else {
        submit(http, ch, kind, 0, kind->method, payload, 0, on_test, &t);
        nb_http_run(http);
    }
    free(payload);
    if (t.a.verdict != NB_ACCEPTED)
        return nb_errf(err, NB_ERR_HTTP, "channel %s: %s", ch->name, t.a.why);
    return NB_OK;
}
