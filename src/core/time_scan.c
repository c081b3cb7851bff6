/* SPDX-License-Identifier: MIT */
/* The date scanner's readers of names and times: English, Greek month and weekday names,
 * zone names and offsets (feedparser's, with the military letters, under the feed rules),
 * clocks, and what may follow a date. Each reader either reads its piece and moves past it
 * or reports that the text does not hold one there. */
#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "core/time_internal.h"

static int month_from_name(const char *p, int *consumed)
{
    static const char *const names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"};
    static const char *const full[] = {"january",   "february", "march",    "april",
                                       "may",       "june",     "july",     "august",
                                       "september", "october",  "november", "december"};
    for (int i = 0; i < 12; i++) {
        size_t fl = strlen(full[i]);
        if (strncasecmp(p, full[i], fl) == 0) {
            *consumed = (int)fl;
            return i + 1;
        }
    }
    for (int i = 0; i < 12; i++) {
        if (strncasecmp(p, names[i], 3) == 0) {
            *consumed = 3;
            if (i == 8 && (p[3] == 't' || p[3] == 'T')) /* "Sept" */
                *consumed = 4;
            return i + 1;
        }
    }
    return 0;
}

/* Greek feeds print Greek abbreviations; the list includes the variant spellings older
 * Greek feeds used, which feedparser also takes. Matched byte for byte (UTF-8). */
static const named_number greek_months[] = {
    {"Ιαν", 1}, {"Φεβ", 2},  {"Μάρ", 3},  {"Μαρ", 3},  {"Μάώ", 3},  {"Μαώ", 3},
    {"Απρ", 4}, {"Μάι", 5},  {"Μαϊ", 5},  {"Μαι", 5},  {"Ιούν", 6}, {"Ιουν", 6},
    {"Ιον", 6}, {"Ιούλ", 7}, {"Ιουλ", 7}, {"Ιολ", 7},  {"Αύγ", 8},  {"Αυγ", 8},
    {"Σεπ", 9}, {"Οκτ", 10}, {"Νοέ", 11}, {"Νοε", 11}, {"Δεκ", 12},
};

/* The weekday carries no information; these are only recognised so they can be skipped. */
static const named_number greek_weekdays[] = {
    {"Κυρ", 7}, {"Δευ", 1}, {"Τρι", 2}, {"Τρί", 2}, {"Τετ", 3},
    {"Πεμ", 4}, {"Πέμ", 4}, {"Παρ", 5}, {"Σαβ", 6}, {"Σάβ", 6},
};

/* A month name: English (any case, prefix rule: "Jan", "January", "Sept"), and with the feed
 * rules Greek. Moves past the whole word and a trailing '.'; returns 0 when none. */
int nb_ts_read_month_name(scanner *s, const rules *r)
{
    int consumed = 0;
    int month = month_from_name(s->p, &consumed);
    if (month) {
        s->p += consumed;
        while (isalpha((unsigned char)*s->p) || *s->p == '.')
            s->p++;
        return month;
    }
    if (!r->feed)
        return 0;
    size_t len = word_length(s->p);
    month = lookup(greek_months, COUNT(greek_months), s->p, len);
    if (month)
        s->p += len;
    return month;
}

/* An optional leading weekday ("Mon", "Monday", "Mon.", "Κυρ") with its comma. Any English
 * word that is not a month counts, as the site rules always allowed. */
void nb_ts_skip_weekday(scanner *s, const rules *r)
{
    int consumed = 0;
    if (isalpha((unsigned char)*s->p) && !month_from_name(s->p, &consumed)) {
        while (isalpha((unsigned char)*s->p))
            s->p++;
    } else if (r->feed && lookup(greek_weekdays, COUNT(greek_weekdays), s->p, word_length(s->p))) {
        s->p += word_length(s->p);
    } else {
        return;
    }
    accept(s, ",");
    accept(s, ".");
    skip_space(s);
}

/* Zone abbreviations. The site rules know the US ones; anything else of up to five letters
 * is read as UTC (RFC 1123's advice for unknown zones). The feed rules add the names
 * feedparser knows, including the RFC 822 military letters with RFC 822's signs, which
 * feeds in the wild were written against. */
static const struct zone_name {
    const char *name;
    int hours;
    int feed_only;
} zone_names[] = {
    {"UTC", 0, 0},  {"GMT", 0, 0},  {"UT", 0, 0},   {"Z", 0, 0},    {"EST", -5, 0},
    {"EDT", -4, 0}, {"CST", -6, 0}, {"CDT", -5, 0}, {"MST", -7, 0}, {"MDT", -6, 0},
    {"PST", -8, 0}, {"PDT", -7, 0}, {"AST", -4, 1}, {"ADT", -3, 1}, {"AT", -4, 1},
    {"ET", -5, 1},  {"CT", -6, 1},  {"MT", -7, 1},  {"PT", -8, 1},  {"MET", 1, 1},
    {"MEST", 2, 1}, {"A", -1, 1},   {"N", 1, 1},    {"M", -12, 1},  {"Y", 12, 1},
};

/* "Z", "+08:00", "+0800", "+08", "GMT", "UT", "EST", "GMT+8", "GMT-01:01", and with the
 * feed rules "Etc/GMT"; returns 1 when one was read. */
int nb_ts_read_zone(scanner *s, const rules *r, fields *f)
{
    const char *start = s->p;
    skip_space(s);
    if (*s->p == '+' || *s->p == '-') {
        int sign = *s->p == '-' ? -1 : 1;
        scanner t = {s->p + 1};
        int64_t hh = 0, mm = 0;
        int n = read_int(&t, 4, &hh);
        if (n == 4) {
            mm = hh % 100;
            hh /= 100;
        } else if (n == 1 || n == 2) {
            if (accept(&t, ":") && read_int(&t, 2, &mm) != 2)
                return 0;
        } else {
            return 0;
        }
        if (hh > 23 || mm > 59)
            return 0;
        f->offset = sign * (int)(hh * 3600 + mm * 60);
        f->has_offset = 1;
        s->p = t.p;
        return 1;
    }
    const char *p = s->p;
    int etc = 0;
    if (r->feed && strncasecmp(p, "Etc/", 4) == 0) {
        etc = 1;
        p += 4;
    }
    size_t len = alpha_length(p);
    if (len == 0)
        return 0;
    for (size_t i = 0; i < COUNT(zone_names); i++) {
        if ((zone_names[i].feed_only && !r->feed) || strlen(zone_names[i].name) != len ||
            strncasecmp(p, zone_names[i].name, len) != 0)
            continue;
        f->offset = zone_names[i].hours * 3600;
        f->has_offset = 1;
        s->p = p + len;
        /* "GMT+8", "UTC+08:00". Not after "Etc/": IANA's Etc/GMT+5 is five hours *west*,
         * so a signed Etc name is left unread and the date rejected rather than guessed. */
        if (!etc && (*s->p == '+' || *s->p == '-'))
            return nb_ts_read_zone(s, r, f);
        return 1;
    }
    /* With the feed rules an unknown name must stand apart: "07:05:09Zjunk" is no zone. */
    if (len <= 5 && (!r->feed || s->p != start)) {
        f->offset = 0;
        f->has_offset = 1;
        s->p = p + len;
        return 1;
    }
    return 0;
}

/* "HH:MM[:SS[.frac]]"; the feed rules also take one-digit minutes and seconds ("1:2:3"). */
int nb_ts_read_clock(scanner *s, const rules *r, fields *f)
{
    int64_t h, m, sec = 0;
    int min_digits = r->feed ? 1 : 2;
    if (!read_int(s, 2, &h) || !accept(s, ":") || read_int(s, 2, &m) < min_digits)
        return 0;
    if (accept(s, ":")) {
        if (read_int(s, 2, &sec) < min_digits)
            return 0;
        if (*s->p == '.' || *s->p == ',') {
            s->p++;
            while (isdigit((unsigned char)*s->p))
                s->p++;
        }
    }
    f->hour = (int)h;
    f->minute = (int)m;
    f->second = (int)sec;
    return 1;
}

/* What may follow a date: an optional clock, an optional zone, then nothing. The feed rules
 * take a zone only after a clock ("2013-01-27-01" is not a date at -01:00) and allow an
 * RFC 822 comment such as "(UTC)" at the end. */
int nb_ts_read_rest(scanner *s, const rules *r, fields *f)
{
    skip_space(s);
    int clock = isdigit((unsigned char)*s->p);
    if (clock && !nb_ts_read_clock(s, r, f))
        return 0;
    scanner t = *s;
    skip_space(&t);
    if (*t.p && *t.p != '(' && ((r->feed && !clock) || !nb_ts_read_zone(s, r, f)))
        return 0;
    skip_space(s);
    if (r->feed && *s->p == '(') {
        const char *close = strchr(s->p, ')');
        if (!close)
            return 0;
        s->p = close + 1;
        skip_space(s);
    }
    return *s->p == '\0';
}

/* After a reduced date (a year, a year and month, an ISO 8601 ordinal) only a time may
 * follow, never a bare zone: "2003 EST" is not a date. */
int nb_ts_read_time_after_reduced(scanner *s, const rules *r, fields *f)
{
    if (*s->p == 'T' || *s->p == 't') {
        s->p++;
        if (!isdigit((unsigned char)*s->p))
            return 0;
    } else {
        const char *before = s->p;
        skip_space(s);
        if (*s->p && (s->p == before || !isdigit((unsigned char)*s->p)))
            return 0;
    }
    return nb_ts_read_rest(s, r, f);
}
