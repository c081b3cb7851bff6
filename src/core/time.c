/* Date parsing by a small scanner that accepts the shapes feeds and sites really print;
 * conversion to UTC by calendar arithmetic, never by mktime() in the process zone.
 * Two rule sets share the scanner: the site rules (nb_time_parse) are the contract the site
 * adapters rely on, and the feed rules (nb_time_parse_feed) only add feedparser's shapes,
 * zone names and conventions, so no text the site rules read changes meaning. */
#include "core/time.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

/* Which conventions a parse follows. The site rules are nb_time_parse's contract; the feed
 * rules only add shapes and names on top of them, so both entry points share one scanner. */
typedef struct rules {
    int feed;           /* feedparser's shapes, zone names and two-digit-year pivot */
    int default_offset; /* seconds east of UTC for a time written without a zone */
} rules;

typedef struct fields {
    int64_t year;
    int month, day, hour, minute, second;
    int has_offset;
    int offset;      /* seconds east of UTC */
    int has_implied; /* the shape itself names a zone when none is written (Korean dates) */
    int implied;     /* seconds east of UTC */
} fields;

typedef struct scanner {
    const char *p;
} scanner;

typedef struct named_number {
    const char *name;
    int value;
} named_number;

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void skip_space(scanner *s)
{
    while (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n')
        s->p++;
}

/* Spaces the feed rules allow where the site rules never did. */
static void skip_space_feed(scanner *s, const rules *r)
{
    if (r->feed)
        skip_space(s);
}

/* Reads 1..max digits; returns the count read (0 when none). */
static int read_int(scanner *s, int max, int64_t *out)
{
    int n = 0;
    int64_t v = 0;
    while (n < max && isdigit((unsigned char)s->p[n])) {
        v = v * 10 + (s->p[n] - '0');
        n++;
    }
    if (n)
        *out = v;
    s->p += n;
    return n;
}

static int accept(scanner *s, const char *lit)
{
    size_t len = strlen(lit);
    if (strncmp(s->p, lit, len) == 0) {
        s->p += len;
        return 1;
    }
    return 0;
}

/* Length of the word at p: ASCII letters and any UTF-8 bytes (Greek, Hungarian names). */
static size_t word_length(const char *p)
{
    size_t n = 0;
    while (isalpha((unsigned char)p[n]) || (unsigned char)p[n] >= 0x80)
        n++;
    return n;
}

/* The value of the entry spelled exactly like the len bytes at p; 0 when none matches. */
static int lookup(const named_number *table, size_t count, const char *p, size_t len)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(table[i].name) == len && memcmp(table[i].name, p, len) == 0)
            return table[i].value;
    return 0;
}

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

/* Hungarian month names, with the two misspellings feedparser's Hungarian form expects. */
static const named_number hungarian_months[] = {
    {"január", 1},     {"február", 2},  {"februári", 2},  {"március", 3},   {"április", 4},
    {"május", 5},      {"máujus", 5},   {"június", 6},    {"július", 7},    {"augusztus", 8},
    {"szeptember", 9}, {"október", 10}, {"november", 11}, {"december", 12},
};

/* A month name: English (any case, prefix rule: "Jan", "January", "Sept"), and with the feed
 * rules Greek. Moves past the whole word and a trailing '.'; returns 0 when none. */
static int read_month_name(scanner *s, const rules *r)
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
static void skip_weekday(scanner *s, const rules *r)
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

static size_t alpha_length(const char *p)
{
    size_t n = 0;
    while (isalpha((unsigned char)p[n]))
        n++;
    return n;
}

/* "Z", "+08:00", "+0800", "+08", "GMT", "UT", "EST", "GMT+8", "GMT-01:01", and with the
 * feed rules "Etc/GMT"; returns 1 when one was read. */
static int read_zone(scanner *s, const rules *r, fields *f)
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
            return read_zone(s, r, f);
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
static int read_clock(scanner *s, const rules *r, fields *f)
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
static int read_rest(scanner *s, const rules *r, fields *f)
{
    skip_space(s);
    int clock = isdigit((unsigned char)*s->p);
    if (clock && !read_clock(s, r, f))
        return 0;
    scanner t = *s;
    skip_space(&t);
    if (*t.p && *t.p != '(' && ((r->feed && !clock) || !read_zone(s, r, f)))
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
static int read_time_after_reduced(scanner *s, const rules *r, fields *f)
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
    return read_rest(s, r, f);
}

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
            return r->feed && read_time_after_reduced(&s, r, f);
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
            return r->feed && sep == '-' && read_time_after_reduced(&s, r, f);
        }
        s.p++;
        if (!read_int(&s, 2, &d))
            return 0;
    }
    f->month = (int)mo;
    f->day = (int)d;
    if (*s.p == 'T' || *s.p == 't') {
        s.p++;
        return read_rest(&s, r, f);
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
    if (!read_rest(&s, r, f))
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
    skip_weekday(&s, r);
    int64_t d = 0, y = 0;
    int month = 0;
    if (isdigit((unsigned char)*s.p)) {
        if (!read_int(&s, 2, &d))
            return 0;
        while (*s.p == ' ' || *s.p == '-')
            s.p++;
        month = read_month_name(&s, r);
        if (!month)
            return 0;
        while (*s.p == ' ' || *s.p == '-' || (r->feed && *s.p == ','))
            s.p++;
    } else {
        month = read_month_name(&s, r);
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
    return read_rest(&s, r, f);
}

/* asctime and its Twitter variant: "Sun Jan  4 16:29:06 2004",
 * "Sun Jul 15 01:16:00 +0000 2012" (the year last, a zone may precede it). */
static int parse_asctime(const char *text, const rules *r, fields *f)
{
    scanner s = {text};
    skip_space(&s);
    skip_weekday(&s, r);
    int month = read_month_name(&s, r);
    if (!month || (*s.p != ' ' && *s.p != '\t'))
        return 0;
    skip_space(&s);
    int64_t d = 0, y = 0;
    if (!read_int(&s, 2, &d))
        return 0;
    skip_space(&s);
    if (!read_clock(&s, r, f))
        return 0;
    scanner t = s;
    skip_space(&t);
    if (!isdigit((unsigned char)*t.p) && !read_zone(&s, r, f))
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
        } else if (!read_time_after_reduced(&s, r, f)) {
            continue;
        }
        int64_t today_year;
        int today_month, today_day;
        int64_t now = nb_clock_now();
        civil_from_days(now / 86400 - (now % 86400 < 0), &today_year, &today_month, &today_day);
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

/* Seconds east of UTC of the display zone at instant t. */
static int64_t zone_offset(int64_t t)
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
        int64_t offset = zone_offset(as_utc);
        int64_t t = as_utc - offset;
        int64_t again = zone_offset(t); /* a daylight-saving change between the two */
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
