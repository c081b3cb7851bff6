/* SPDX-License-Identifier: MIT */
/* Times: the proleptic Gregorian calendar as day counts (valid for any year), instants as
 * feedparser's tuples, ISO and display formatting, durations, and the clock that --now pins.
 * Nothing else in the program reads the wall clock. The date parsers are time_parse.c
 * (the shapes) over time_scan.c (names, zones, clocks), sharing time_internal.h. */
#include "core/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/time_internal.h"

static int64_t pinned_now;
static int pinned;
static int64_t pinned_since_ms =
    -1; /* monotonic ms from which the pinned clock runs; -1: it stands */

int64_t nb_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Inverse of nb_days_from_civil: the proleptic Gregorian date of a day count. */
static void civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365], from Mar 1 */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11], Mar = 0 */
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (*month <= 2);
}

void nb_civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
    civil_from_days(days, year, month, day);
}

void nb_time_to_tuple(int64_t t, int tuple[9])
{
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    int64_t year;
    int month, day;
    civil_from_days(days, &year, &month, &day);
    tuple[0] = (int)year;
    tuple[1] = month;
    tuple[2] = day;
    tuple[3] = (int)(secs / 3600);
    tuple[4] = (int)(secs / 60 % 60);
    tuple[5] = (int)(secs % 60);
    tuple[6] = (int)((days % 7 + 7 + 3) % 7); /* 1970-01-01 was a Thursday; Monday is 0 */
    tuple[7] = (int)(days - nb_days_from_civil(year, 1, 1) + 1);
    tuple[8] = 0;
}

void nb_time_format_iso(int64_t t, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(out, n, "?");
        return;
    }
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

nb_err nb_time_set_zone(const char *zone, nb_errbuf *err)
{
    if (!zone || !*zone || strstr(zone, "..") || zone[0] == '/')
        return nb_errf(err, NB_ERR_CONFIG, "invalid time zone \"%s\"", zone ? zone : "");
    if (strcmp(zone, "UTC") != 0) {
        const char *dir = getenv("TZDIR");
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            return nb_errf(err, NB_ERR_CONFIG,
                           "unknown time zone \"%s\" (not in the zone database; is tzdata "
                           "installed?)",
                           zone);
    }
    if (setenv("TZ", zone, 1) != 0)
        return nb_errf(err, NB_ERR_INTERNAL, "cannot set TZ");
    tzset();
    return NB_OK;
}

void nb_time_format_display(int64_t t, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm) || strftime(out, n, "%Y-%m-%d %H:%M", &tm) == 0)
        snprintf(out, n, "?");
}

int64_t nb_time_display_offset(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        return 0;
    int64_t wall =
        nb_days_from_civil(tm.tm_year + 1900LL, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday) *
            86400 +
        tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return wall - t;
}

nb_err nb_duration_parse(const char *text, int64_t *seconds, nb_errbuf *err)
{
    scanner s = {text};
    int64_t total = 0;
    int parts = 0;
    skip_space(&s);
    while (*s.p) {
        int64_t v;
        if (!read_int(&s, 9, &v))
            goto bad;
        int64_t unit = 1;
        switch (*s.p) {
        case 's':
            unit = 1;
            s.p++;
            break;
        case 'm':
            unit = 60;
            s.p++;
            break;
        case 'h':
            unit = 3600;
            s.p++;
            break;
        case 'd':
            unit = 86400;
            s.p++;
            break;
        case 'w':
            unit = 7 * 86400;
            s.p++;
            break;
        case '\0':
            if (parts)
                goto bad;
            break;
        default:
            goto bad;
        }
        total += v * unit;
        parts++;
        skip_space(&s);
    }
    if (!parts)
        goto bad;
    *seconds = total;
    return NB_OK;
bad:
    return nb_errf(err, NB_ERR_CONFIG, "invalid duration \"%s\" (expected e.g. 90s, 15m, 24h, 7d)",
                   text);
}

void nb_duration_format(int64_t seconds, char *out, size_t n)
{
    static const struct {
        char unit;
        int64_t size;
    } units[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
    size_t at = 0;
    int64_t left = seconds < 0 ? 0 : seconds;
    if (n)
        out[0] = '\0';
    if (!left && n) {
        snprintf(out, n, "0s");
        return;
    }
    for (size_t i = 0; i < 4 && n; i++) {
        /* "24h" reads better than "1d"; "2d" better than "48h" */
        if (units[i].unit == 'd' && (left < 2 * 86400 || left % 86400))
            continue;
        int64_t v = left / units[i].size;
        if (!v)
            continue;
        int w = snprintf(out + at, n - at, "%lld%c", (long long)v, units[i].unit);
        if (w < 0 || (size_t)w >= n - at)
            break;
        at += (size_t)w;
        left -= v * units[i].size;
        if (!left)
            break;
    }
}

nb_err nb_clock_pin(const char *iso, nb_errbuf *err)
{
    int64_t t;
    nb_errbuf inner;
    if (nb_time_parse(iso, 0, &t, &inner) != NB_OK)
        return nb_errf(err, NB_ERR_USAGE, "invalid time for --now / NEWSBRIEF_NOW: %s", inner.msg);
    pinned_now = t;
    pinned = 1;
    return NB_OK;
}

nb_err nb_clock_pin_local(const char *iso, nb_errbuf *err)
{
    int64_t as_utc, shifted;
    nb_errbuf inner;
    if (nb_time_parse(iso, 0, &as_utc, &inner) != NB_OK)
        return nb_errf(err, NB_ERR_USAGE, "invalid time for --now / NEWSBRIEF_NOW: %s", inner.msg);
    /* The default offset changes the result only when the text gives none. */
    if (nb_time_parse(iso, 3600, &shifted, &inner) == NB_OK && shifted != as_utc) {
        int64_t offset = nb_time_display_offset(as_utc);
        int64_t t = as_utc - offset;
        int64_t again = nb_time_display_offset(t); /* a daylight-saving change between the two */
        as_utc = again == offset ? t : as_utc - again;
    }
    pinned_now = as_utc;
    pinned = 1;
    return NB_OK;
}

void nb_clock_unpin(void)
{
    pinned = 0;
    pinned_since_ms = -1;
}

void nb_clock_run_from_pin(void)
{
    if (pinned)
        pinned_since_ms = nb_clock_monotonic_ms();
}

int64_t nb_clock_now_ms(void)
{
    if (pinned && pinned_since_ms >= 0)
        return pinned_now * 1000 + (nb_clock_monotonic_ms() - pinned_since_ms);
    if (pinned)
        return pinned_now * 1000;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int nb_clock_is_pinned(void)
{
    return pinned;
}

int64_t nb_clock_now(void)
{
    if (pinned && pinned_since_ms >= 0)
        return pinned_now + (nb_clock_monotonic_ms() - pinned_since_ms) / 1000;
    if (pinned)
        return pinned_now;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

int64_t nb_clock_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
