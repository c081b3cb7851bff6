/* SPDX-License-Identifier: MIT */
/* Date parsing by a small scanner that accepts the shapes feeds and sites really print;
 * conversion to UTC by calendar arithmetic, never by mktime() in the process zone.
 * Two rule sets share the scanner: the site rules (nb_time_parse) are the contract the site
 * adapters rely on, and the feed rules (nb_time_parse_feed) only add feedparser's shapes,
 * zone names and conventions, so no text the site rules read changes meaning. */
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "core/time.h"
#include "core/time_internal.h"

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && is_leap(y))
        return 29;
    return days[m - 1];
}

/* Hungarian month names, with the two misspellings feedparser's Hungarian form expects. */
static const named_number hungarian_months[] = {
    {"január", 1},     {"február", 2},  {"februári", 2},  {"március", 3},   {"április", 4},
    {"május", 5},      {"máujus", 5},   {"június", 6},    {"július", 7},    {"augusztus", 8},
    {"szeptember", 9}, {"október", 10}, {"november", 11}, {"december", 12},
};

/* Year, month and day markers of East Asian dates; Korean ones name Korea time (+09:00). */
static const struct cjk_marks {
    const char *year, *month, *day;
    int feed_only;
    int implied_hours; /* -1: none */
} cjk_forms[] = {
    {"年", "月", "日", 0, -1},
    {"년", "월", "일", 1, 9},
};

/* Numeric dates, year first: "YYYY-MM-DD[(T| )HH:MM[:SS]][zone]", "YYYY/MM/DD HH:MM",
 * "YYYY.MM.DD", "2025年4月7日 13:22". The feed rules add W3C-DTF's "YYYY" and "YYYY-MM",
 * Hungarian month names ("2004-július-13T9:15-05:00"), and the Korean "2004년 05월 28일
 * 01:31:15" and "2004-05-25 오후 11:23:17" (오전/오후: a.m./p.m.). */
static int parse_numeric(const char *text, const rules *r, fields *f)
{
    scanner s = {text};
    skip_space(&s);
    int64_t y, mo = 0, d = 0;
    if (read_int(&s, 4, &y) != 4)
        return 0;
    f->year = y;
    f->month = 1;
    f->day = 1;
    const struct cjk_marks *cjk = NULL;
    char sep = 0;
    if (*s.p == '-' || *s.p == '/' || *s.p == '.') {
        sep = *s.p++;
    } else {
        scanner t = s;
        skip_space_feed(&t, r); /* Korean feeds space the markers: "2004년 05월 28일" */
        for (size_t i = 0; i < COUNT(cjk_forms) && !cjk; i++)
            if ((!cjk_forms[i].feed_only || r->feed) && accept(&t, cjk_forms[i].year))
                cjk = &cjk_forms[i];
        if (!cjk) /* W3C-DTF's year alone */
            return r->feed && nb_ts_read_time_after_reduced(&s, r, f);
        s = t;
    }
    if (cjk) {
        skip_space_feed(&s, r);
        if (!read_int(&s, 2, &mo))
            return 0;
        skip_space_feed(&s, r);
        if (!accept(&s, cjk->month))
            return 0;
        skip_space_feed(&s, r);
        if (!read_int(&s, 2, &d))
            return 0;
        skip_space_feed(&s, r);
        accept(&s, cjk->day);
        if (cjk->implied_hours >= 0) {
            f->has_implied = 1;
            f->implied = cjk->implied_hours * 3600;
        }
    } else {
        size_t len = r->feed && sep == '-' ? word_length(s.p) : 0;
        if (len) {
            mo = lookup(hungarian_months, COUNT(hungarian_months), s.p, len);
            if (!mo)
                return 0;
            s.p += len;
        } else if (!read_int(&s, 2, &mo)) {
            return 0;
        }
        if (*s.p != sep) { /* W3C-DTF's year and month */
            f->month = (int)mo;
            return r->feed && sep == '-' && nb_ts_read_time_after_reduced(&s, r, f);
        }
        s.p++;
        if (!read_int(&s, 2, &d))
            return 0;
    }
    f->month = (int)mo;
    f->day = (int)d;
    if (*s.p == 'T' || *s.p == 't') {
        s.p++;
        return nb_ts_read_rest(&s, r, f);
    }
    int meridiem = 0; /* 1: a.m., 2: p.m. */
    if (r->feed) {
        scanner t = s;
        skip_space(&t);
        meridiem = accept(&t, "오전") ? 1 : accept(&t, "오후") ? 2 : 0;
        if (meridiem) {
            skip_space(&t);
            if (!isdigit((unsigned char)*t.p))
                return 0;
            s = t;
        }
    }
    if (!nb_ts_read_rest(&s, r, f))
        return 0;
    if (meridiem) {
        if (f->hour > 12)
            return 0;
        if (meridiem == 2 && f->hour < 12)
            f->hour += 12;
        else if (meridiem == 1 && f->hour == 12)
            f->hour = 0;
        f->has_implied = 1;
        f->implied = 9 * 3600;
    }
    return 1;
}

/* The year of an RFC 822 or asctime date. Two digits: the site rules pivot at 50, the feed
 * rules at 90 as feedparser does ("89" is 2089). The feed rules also take one and three
 * digits, and refuse a longer run rather than cut it. */
static int read_year(scanner *s, const rules *r, int64_t *year)
{
    int n = read_int(s, 4, year);
    if (!r->feed) {
        if (n == 2)
            *year += *year < 50 ? 2000 : 1900;
        return n == 2 || n == 4;
    }
    if (n == 0 || isdigit((unsigned char)*s->p))
        return 0;
    if (n <= 2)
        *year += *year < 90 ? 2000 : 1900;
    return 1;
}

/* RFC 822 and deviations: "[Mon[,]] 7 Apr 2025 13:22[:05] [zone]", also "Apr 7, 2025 ...";
 * the feed rules add a comma after the month ("13 Feb, 2012") and Greek names. */
static int parse_rfc822(const char *text, const rules *r, fields *f)
{
    scanner s = {text};
    skip_space(&s);
    nb_ts_skip_weekday(&s, r);
    int64_t d = 0, y = 0;
    int month = 0;
    if (isdigit((unsigned char)*s.p)) {
        if (!read_int(&s, 2, &d))
            return 0;
        while (*s.p == ' ' || *s.p == '-')
            s.p++;
        month = nb_ts_read_month_name(&s, r);
        if (!month)
            return 0;
        while (*s.p == ' ' || *s.p == '-' || (r->feed && *s.p == ','))
            s.p++;
    } else {
        month = nb_ts_read_month_name(&s, r);
        if (!month)
            return 0;
        skip_space(&s);
        if (!read_int(&s, 2, &d))
            return 0;
        accept(&s, ",");
        skip_space(&s);
    }
    if (!read_year(&s, r, &y))
        return 0;
    accept(&s, ",");
    skip_space(&s);
    f->year = y;
    f->month = month;
    f->day = (int)d;
    return nb_ts_read_rest(&s, r, f);
}

/* asctime and its Twitter variant: "Sun Jan  4 16:29:06 2004",
 * "Sun Jul 15 01:16:00 +0000 2012" (the year last, a zone may precede it). */
static int parse_asctime(const char *text, const rules *r, fields *f)
{
    scanner s = {text};
    skip_space(&s);
    nb_ts_skip_weekday(&s, r);
    int month = nb_ts_read_month_name(&s, r);
    if (!month || (*s.p != ' ' && *s.p != '\t'))
        return 0;
    skip_space(&s);
    int64_t d = 0, y = 0;
    if (!read_int(&s, 2, &d))
        return 0;
    skip_space(&s);
    if (!nb_ts_read_clock(&s, r, f))
        return 0;
    scanner t = s;
    skip_space(&t);
    if (!isdigit((unsigned char)*t.p) && !nb_ts_read_zone(&s, r, f))
        return 0;
    skip_space(&s);
    if (!read_year(&s, r, &y))
        return 0;
    skip_space(&s);
    f->year = y;
    f->month = month;
    f->day = (int)d;
    return *s.p == '\0';
}

/* Perforce: a weekday and comma before a numeric date, "Fri, 2006/09/15 08:19:53 EDT". */
static int parse_perforce(const char *text, const rules *r, fields *f)
{
    scanner s = {text};
    skip_space(&s);
    size_t len = alpha_length(s.p);
    if (len == 0 || s.p[len] != ',')
        return 0;
    return parse_numeric(s.p + len + 1, r, f);
}

/* The ISO 8601 date shapes feedparser accepts, tried in this order (the first full match
 * wins), each followed by an optional "[T]HH:MM[:SS][.frac][zone]". A letter stands for a
 * digit of a field: Y year (two Ys: a year of the current century), M month, D day,
 * O day of the year, C century; '-' is a hyphen, '~' an optional hyphen, '0' a zero.
 * Fields left out come from today, as in ISO 8601's truncated forms ("--12-25"). */
static const char *const iso_shapes[] = {
    "YYYY~MM~DD", "YYYY-0MM~DD", "YYYY-MM", "YYYY~OOO", "YY~MM~DD", "YY~OOO", "YYYY",
    "-YY~MM",     "-OOO",        "-YY",     "--MM~DD",  "--MM",     "---DD",  "CC",
};

typedef struct iso_date {
    int64_t year;
    int year_digits;                  /* 0: no year, 2 or 4 */
    int month, day, ordinal, century; /* -1: absent */
} iso_date;

static int match_iso_shape(const char *shape, scanner *s, iso_date *d)
{
    const char *p = s->p;
    *d = (iso_date){0, 0, -1, -1, -1, -1};
    const char *c = shape;
    while (*c) {
        if (*c == '~') {
            if (*p == '-')
                p++;
            c++;
            continue;
        }
        if (*c == '-' || *c == '0') {
            if (*p != *c)
                return 0;
            p++;
            c++;
            continue;
        }
        char field = *c;
        char first = *p;
        int n = 0, v = 0;
        while (*c == field) {
            if (!isdigit((unsigned char)*p))
                return 0;
            v = v * 10 + (*p - '0');
            p++;
            c++;
            n++;
        }
        /* The leading-digit limits decide between shapes: "031231" is not month 31 of 0312. */
        if ((field == 'M' && first > '1') || ((field == 'D' || field == 'O') && first > '3'))
            return 0;
        switch (field) {
        case 'Y':
            d->year = v;
            d->year_digits = n;
            break;
        case 'M':
            d->month = v;
            break;
        case 'D':
            d->day = v;
            break;
        case 'O':
            d->ordinal = v;
            break;
        default:
            d->century = v;
            break;
        }
    }
    s->p = p;
    return 1;
}

static int parse_iso_shapes(const char *text, const rules *r, fields *f)
{
    for (size_t i = 0; i < COUNT(iso_shapes); i++) {
        scanner s = {text};
        skip_space(&s);
        iso_date d;
        memset(f, 0, sizeof *f);
        if (!match_iso_shape(iso_shapes[i], &s, &d))
            continue;
        if (d.century >= 0) {
            skip_space(&s);
            if (*s.p) /* a century takes no time */
                continue;
        } else if (!nb_ts_read_time_after_reduced(&s, r, f)) {
            continue;
        }
        int64_t today_year;
        int today_month, today_day;
        int64_t now = nb_clock_now();
        nb_civil_from_days(now / 86400 - (now % 86400 < 0), &today_year, &today_month, &today_day);
        if (d.century >= 0)
            f->year = (int64_t)(d.century - 1) * 100 + 1;
        else if (d.year_digits == 4)
            f->year = d.year;
        else if (d.year_digits == 2)
            f->year = today_year / 100 * 100 + d.year;
        else
            f->year = today_year;
        if (d.ordinal >= 0) {
            f->month = 1;
            f->day = 0; /* out of range: finish() rejects it */
            if (d.ordinal < 1 || d.ordinal > 365 + is_leap(f->year))
                return 1;
            int month = 1, day = d.ordinal;
            while (day > days_in_month(f->year, month))
                day -= days_in_month(f->year, month++);
            f->month = month;
            f->day = day;
            return 1;
        }
        f->month = d.month >= 0 ? d.month : today_month;
        if (d.day >= 0)
            f->day = d.day;
        else if (d.century >= 0 || d.year_digits || d.month >= 0)
            f->day = 1;
        else
            f->day = today_day;
        return 1;
    }
    return 0;
}

typedef int (*shape_parser)(const char *text, const rules *r, fields *f);

/* Range checks and the arithmetic to UTC. The feed rules also keep the result within
 * years 1..9999, the span feedparser's tuples can hold. */
static nb_err finish(const char *text, fields *f, const rules *r, int64_t *out, nb_errbuf *err)
{
    if (f->month < 1 || f->month > 12 || f->day < 1 || f->day > days_in_month(f->year, f->month) ||
        f->hour > 23 || f->minute > 59 || f->second > 60)
        return nb_errf(err, NB_ERR_PARSE, "date out of range \"%.60s\"", text);
    if (f->second == 60)
        f->second = 59; /* leap second: the instant before is close enough */
    int offset = f->has_offset ? f->offset : f->has_implied ? f->implied : r->default_offset;
    int64_t t = nb_days_from_civil(f->year, (unsigned)f->month, (unsigned)f->day) * 86400 +
                f->hour * 3600 + f->minute * 60 + f->second - offset;
    if (r->feed && (f->year < 1 || t < nb_days_from_civil(1, 1, 1) * 86400 ||
                    t >= nb_days_from_civil(10000, 1, 1) * 86400))
        return nb_errf(err, NB_ERR_PARSE, "date outside years 1 to 9999 \"%.60s\"", text);
    *out = t;
    return NB_OK;
}

/* Tries each shape in order; the first that reads the whole text and passes the range
 * checks wins. */
static nb_err parse_with(const char *text, const rules *r, const shape_parser *parsers,
                         size_t count, int64_t *out, nb_errbuf *err)
{
    if (!text || !*text)
        return nb_errf(err, NB_ERR_PARSE, "empty date");
    nb_err rc = NB_ERR_PARSE;
    int seen = 0;
    for (size_t i = 0; i < count; i++) {
        fields f;
        memset(&f, 0, sizeof f);
        if (!parsers[i](text, r, &f))
            continue;
        seen = 1;
        rc = finish(text, &f, r, out, err);
        if (rc == NB_OK)
            return NB_OK;
    }
    if (!seen)
        rc = nb_errf(err, NB_ERR_PARSE, "unrecognized date \"%.60s\"", text);
    return rc;
}

nb_err nb_time_parse(const char *text, int default_offset, int64_t *out, nb_errbuf *err)
{
    static const shape_parser parsers[] = {parse_numeric, parse_rfc822};
    const rules site = {0, default_offset};
    return parse_with(text, &site, parsers, COUNT(parsers), out, err);
}

nb_err nb_time_parse_feed(const char *text, int64_t *out, nb_errbuf *err)
{
    /* feedparser's order, so that a text two shapes both read ("2003") means what it does
     * there: W3C-DTF, RFC 822, ISO 8601, then the rarer shapes. */
    static const shape_parser parsers[] = {parse_numeric, parse_rfc822, parse_iso_shapes,
                                           parse_asctime, parse_perforce};
    const rules feed = {1, 0};
    return parse_with(text, &feed, parsers, COUNT(parsers), out, err);
}
