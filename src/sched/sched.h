/* SPDX-License-Identifier: MIT */
/* Schedules: cron expressions read as Vixie/Debian cron reads them, and their fire times
 * in an IANA zone. Pure: no I/O and no clock; callers pass the instants and the zone. */
#ifndef NB_SCHED_SCHED_H
#define NB_SCHED_SCHED_H

#include <stdint.h>

#include "core/err.h"
#include "core/zone.h"

typedef struct nb_cron nb_cron;

/* Parses five fields (minute hour day-of-month month day-of-week) or a macro (@hourly
 * @daily @midnight @weekly @monthly @yearly @annually). Each field: "*", numbers, ranges
 * "a-b", lists "a,b", and steps: "/n" after "*" or after a range; month and weekday names
 * (jan..dec, sun..sat, any case, three letters) wherever a number goes; 0 and 7 are
 * Sunday. When both day fields are restricted a day matching either fires; as in Vixie
 * cron, a day field that starts with "*" (a step after "*" too) counts as unrestricted
 * for that rule. "@every 30s" (s, m or h; 1s to 24h) fires at every multiple of the interval
 * since the epoch, whatever the zone: several daemons agree on its fire times.
 * An expression that can never fire ("0 0 30 2 *") is an error. Errors
 * read "cron: minute field: 60 is out of range 0-59". Caller frees with nb_cron_free. */
nb_err nb_cron_parse(const char *expr, nb_cron **out, nb_errbuf *err) NB_MUST_CHECK;

void nb_cron_free(nb_cron *cron); /* NULL-safe */

/* nb_cron_parse without keeping the result (the configuration's check). */
nb_err nb_cron_check(const char *expr, nb_errbuf *err) NB_MUST_CHECK;

/* The expression as given, trimmed; valid while cron lives. */
const char *nb_cron_text(const nb_cron *cron);

/* The first fire time strictly after `after`, in zone's wall clock, with Vixie cron's
 * daylight-saving rules for jumps under three hours: a job at a fixed time (minute and
 * hour fields not starting with "*") whose time a forward jump skips fires at the jump;
 * one whose time a backward jump repeats fires once, the first time. Jobs with "*" in
 * the minute or hour field follow the clock: skipped times do not fire, repeated ones
 * fire again. Returns 1 and sets *next, or 0 when nothing fires within 100 years. */
int nb_cron_next(const nb_cron *cron, const nb_zone *zone, int64_t after, int64_t *next);

#endif
