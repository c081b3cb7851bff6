/* SPDX-License-Identifier: MIT */
/* Times: parsing the dates feeds and sites print, the pinned clock, and display in the
 * configured zone. All instants are int64 seconds since the Unix epoch, UTC. */
#ifndef NB_CORE_TIME_H
#define NB_CORE_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Parses RFC 822 (and its common deviations), ISO 8601 / RFC 3339, "YYYY-MM-DD HH:MM[:SS]",
 * "YYYY/MM/DD HH:MM[:SS]" and "2025年04月07日 13:22". A time without an offset is taken to be
 * at default_offset seconds east of UTC (+28800 for Chinese sites, 0 for feeds). Fields are
 * range-checked; the year is not (callers judge plausibility). */
nb_err nb_time_parse(const char *text, int default_offset, int64_t *out,
                     nb_errbuf *err) NB_MUST_CHECK;

/* Parses a feed's date as feedparser does: every shape nb_time_parse reads, plus W3C-DTF's
 * reduced "2003" and "2003-12", ISO 8601's reduced and truncated forms ("20031231",
 * "03-12-31", "2003-335", "03335", "-03-12", "--12-31"; missing fields come from today's
 * date, nb_clock_now), asctime ("Sun Jan  4 16:29:06 2004"), Perforce
 * ("Fri, 2006/09/15 08:19:53 EDT"), and the Greek, Hungarian and Korean forms. A time
 * without a zone is UTC (Korean forms: Korea time). Two-digit RFC 822 years below 90 are
 * 20xx; feedparser's zone names are known, including the military letters. The whole text
 * must be a date, fields are range-checked, and the instant must fall in years 1..9999. */
nb_err nb_time_parse_feed(const char *text, int64_t *out, nb_errbuf *err) NB_MUST_CHECK;

/* t as feedparser's *_parsed tuple in UTC: year, month (1-12), day, hour, minute, second,
 * weekday (Monday 0), day of the year (1-366), 0. Any t, including years before 1000. */
void nb_time_to_tuple(int64_t t, int tuple[9]);

/* "2025-04-07T01:24:00Z". n >= 21. */
void nb_time_format_iso(int64_t t, char *out, size_t n);

/* Selects the display zone (an IANA name such as "Asia/Shanghai") for the whole process.
 * Call once at start-up, before any thread starts. */
nb_err nb_time_set_zone(const char *zone, nb_errbuf *err) NB_MUST_CHECK;

/* "2025-04-07 10:45": t in the display zone, as briefings show it. n >= 17. */
void nb_time_format_display(int64_t t, char *out, size_t n);
/* Seconds east of UTC of the display zone at instant t (0 when the C library cannot say). */
int64_t nb_time_display_offset(int64_t t);

/* Durations: "90s", "15m", "24h", "7d", "1h30m", or bare seconds. */
nb_err nb_duration_parse(const char *text, int64_t *seconds, nb_errbuf *err) NB_MUST_CHECK;
/* A duration as people write it: "24h", "1h30m", "90m"... whole days only from 2d ("7d").
 * n >= 32. */
void nb_duration_format(int64_t seconds, char *out, size_t n);

/* The clock. nb_clock_pin fixes "now" (ISO 8601 text, e.g. from --now or NEWSBRIEF_NOW);
 * otherwise nb_clock_now reads the system clock. Nothing else reads the wall clock. */
nb_err nb_clock_pin(const char *iso, nb_errbuf *err) NB_MUST_CHECK;
/* The same, reading a time written without an offset in the display zone (after
 * nb_time_set_zone) rather than in UTC. */
nb_err nb_clock_pin_local(const char *iso, nb_errbuf *err) NB_MUST_CHECK;
void nb_clock_unpin(void);
int nb_clock_is_pinned(void);
int64_t nb_clock_now(void);
/* The pinned time then advances with the real clock (the daemon's --now: it starts at
 * that instant). No effect when the clock is not pinned. */
void nb_clock_run_from_pin(void);
/* nb_clock_now in milliseconds. */
int64_t nb_clock_now_ms(void);
/* Monotonic milliseconds, for timeouts and delays (unaffected by pinning). */
int64_t nb_clock_monotonic_ms(void);

/* Days since 1970-01-01 of a proleptic Gregorian date; valid for any year. */
int64_t nb_days_from_civil(int64_t year, unsigned month, unsigned day);
/* The inverse: the date of a day count since 1970-01-01. */
void nb_civil_from_days(int64_t days, int64_t *year, int *month, int *day);

#endif
