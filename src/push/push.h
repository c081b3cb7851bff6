/* SPDX-License-Identifier: MIT */
/* Delivery: composing a briefing into a channel's messages and getting them delivered.
 * Standard output is written at once; files and chat platforms go through the outbox: one
 * stored row per platform request (one per briefing for a file), sent in order, each marked
 * "sending" before its request and "sent" only once the platform accepted it (or the file
 * was written). */
#ifndef NB_PUSH_PUSH_H
#define NB_PUSH_PUSH_H

#include <stddef.h>
#include <stdio.h>

#include "core/config.h"
#include "core/err.h"
#include "core/record.h"
#include "net/http.h"
#include "store/store.h"

/* Every channel type, NULL-terminated (for the configuration vocabulary). */
const char *const *nb_channel_types(void);

/* Whether a configuration key means something for a channel of this type. */
int nb_channel_key_applies(const char *type, const char *key);

/* Checks the settings a channel's type needs. */
nb_err nb_push_check(const nb_channel_config *channel, nb_errbuf *err) NB_MUST_CHECK;

/* 1 for stdout and file. */
int nb_push_is_local(const nb_channel_config *channel);

/* Writes pages to a local channel. stdout_stream receives type stdout. */
nb_err nb_push_local(const nb_channel_config *channel, char *const *pages, size_t page_count,
                     FILE *stdout_stream, nb_errbuf *err) NB_MUST_CHECK;

/* A platform request to queue. */
typedef struct nb_push_message {
    char *method; /* or NULL */
    char *body;
    size_t first; /* the items it carries: positions first .. first + count - 1 */
    size_t count;
} nb_push_message;

/* The messages of a briefing for a chat channel: pages of items_per_page items, each split
 * at item boundaries until it fits the platform's limit in the platform's unit; an item
 * too big alone gets its summary shortened at a sentence end (never its title or link).
 * With page_marker and more than one message, each header carries "(i/n)". */
nb_err nb_push_compose(const nb_config *config, const nb_channel_config *channel, int64_t now,
                       const nb_item *items, size_t count, nb_push_message **messages,
                       size_t *message_count, nb_errbuf *err) NB_MUST_CHECK;
void nb_push_messages_free(nb_push_message *messages, size_t count);

/* What a delivery pass did. */
typedef struct nb_push_report {
    size_t sent;         /* accepted by the platforms */
    size_t pending;      /* still to send (waiting for a retry, or the channel stopped) */
    size_t failed;       /* refused as payloads */
    size_t duplicates;   /* resent after a crash: the platform may show them twice */
    int channels_failed; /* channels stopped by a configuration error or left pending */
    size_t waiting;      /* of pending: held by a retry time beyond max_wait_in_run */
    int64_t wait_until;  /* the latest such retry time (UTC seconds), or 0 */
} nb_push_report;

/* Sends every pending outbox row of every chat channel (or only of only_channel) on http:
 * in order per channel, within the platform's rate limits, retrying transient failures
 * with backoff. A file channel's pending briefings are written in one file, newest first;
 * when the write fails they stay pending for the next pass. A wait longer than
 * config->max_wait_in_run (a rate-limit floor, a long Retry-After, a row scheduled later)
 * is not slept on: the channel's rows stay pending with the time they may go, counted in
 * report->waiting, and one warning line says until when; that is not a failure. */
void nb_push_outbox(const nb_config *config, nb_store *store, nb_http *http,
                    const char *only_channel, nb_push_report *report);

/* The workers' side of the outbox: claims the next due row of every chat channel for
 * worker (a lease of lease_ms, renewed by the daemon; rows of one channel go in order, one
 * at a time) and submits its request on http; the answer marks it (fenced: a worker whose
 * lease was taken over records nothing). Direct transports (SMTP) are sent at once. A
 * transient failure leaves the row pending until its backoff ends. Returns the rows
 * claimed; the caller runs http. Counts go to report. */
size_t nb_push_claim(const nb_config *config, nb_store *store, nb_http *http, const char *worker,
                     int64_t lease_ms, nb_push_report *report);

/* Delivery passes start no new request from now on (their rows stay pending). Only sets a
 * flag: safe in a signal handler. */
void nb_push_stop(void);

/* Sends one short test message to a channel, now, bypassing the outbox. */
nb_err nb_push_test(const nb_config *config, const nb_channel_config *channel, nb_http *http,
                    nb_errbuf *err) NB_MUST_CHECK;

#endif
