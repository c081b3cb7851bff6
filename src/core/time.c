/* Date parsing by a small scanner that accepts the shapes feeds and sites really print;
 * conversion to UTC by calendar arithmetic, never by mktime() in the process zone. */
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

int64_t nb_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

typedef struct fields {
    int64_t year;
    int month, day, hour, minute, second;
    int has_offset;
    int offset; /* seconds east of UTC */
} fields;

typedef struct scanner {
    const char *p;
} scanner;

static void skip_space(scanner *s)
{
    while (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n')
        s->p++;
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

/* "Z", "+08:00", "+0800", "+08", "GMT", "UT", "EST", ... ; returns 1 when one was read. */
static int read_zone(scanner *s, fields *f)
{
    static const struct {
        const char *name;
        int hours;
    } named[] = {{"UTC", 0},  {"GMT", 0},  {"UT", 0},   {"Z", 0},    {"EST", -5}, {"EDT", -4},
                 {"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
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
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        size_t len = strlen(named[i].name);
        if (strncasecmp(s->p, named[i].name, len) == 0 && !isalpha((unsigned char)s->p[len])) {
            f->offset = named[i].hours * 3600;
            f->has_offset = 1;
            s->p += len;
            /* "GMT+8", "UTC+08:00" */
            if (*s->p == '+' || *s->p == '-')
                return read_zone(s, f);
            return 1;
        }
    }
    /* A single military letter or an unknown abbreviation: RFC 822 says treat as UTC. */
    if (isalpha((unsigned char)*s->p)) {
        const char *q = s->p;
        while (isalpha((unsigned char)*q))
            q++;
        if (q - s->p <= 5) {
            f->offset = 0;
            f->has_offset = 1;
            s->p = q;
            return 1;
        }
    }
    return 0;
}

/* "HH:MM[:SS[.frac]]" */
static int read_clock(scanner *s, fields *f)
{
    int64_t h, m, sec = 0;
    if (!read_int(s, 2, &h) || !accept(s, ":") || read_int(s, 2, &m) != 2)
        return 0;
    if (accept(s, ":")) {
        if (read_int(s, 2, &sec) != 2)
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

/* What may follow a date: an optional clock, an optional zone, then nothing. */
static int read_rest(scanner *s, fields *f)
{
    skip_space(s);
    if (isdigit((unsigned char)*s->p) && !read_clock(s, f))
        return 0;
    skip_space(s);
    if (*s->p && !read_zone(s, f))
        return 0;
    skip_space(s);
    return *s->p == '\0';
}

/* ISO-like: "YYYY-MM-DD[(T| )HH:MM[:SS]][zone]", "YYYY/MM/DD HH:MM", "YYYY年MM月DD日 HH:MM". */
static int parse_numeric(const char *text, fields *f)
{
    scanner s = {text};
    skip_space(&s);
    int64_t y, mo, d;
    if (read_int(&s, 4, &y) != 4)
        return 0;
    const char *sep2 = NULL;
    if (accept(&s, "-"))
        sep2 = "-";
    else if (accept(&s, "/"))
        sep2 = "/";
    else if (accept(&s, "年"))
        sep2 = "月";
    else if (accept(&s, "."))
        sep2 = ".";
    else
        return 0;
    if (!read_int(&s, 2, &mo) || !accept(&s, sep2) || !read_int(&s, 2, &d))
        return 0;
    if (strcmp(sep2, "月") == 0)
        accept(&s, "日");
    f->year = y;
    f->month = (int)mo;
    f->day = (int)d;
    if (*s.p == 'T' || *s.p == 't')
        s.p++;
    return read_rest(&s, f);
}

/* RFC 822 and deviations: "[Mon[,]] 7 Apr 2025 13:22[:05] [zone]", also "Apr 7, 2025 ...". */
static int parse_rfc822(const char *text, fields *f)
{
    scanner s = {text};
    skip_space(&s);
    /* Optional day name, with or without comma. */
    if (isalpha((unsigned char)*s.p)) {
        int consumed = 0;
        if (!month_from_name(s.p, &consumed)) {
            while (isalpha((unsigned char)*s.p))
                s.p++;
            accept(&s, ",");
            accept(&s, ".");
            skip_space(&s);
        }
    }
    int64_t d = 0, y = 0;
    int consumed = 0, month = 0;
    if (isdigit((unsigned char)*s.p)) {
        if (!read_int(&s, 2, &d))
            return 0;
        while (*s.p == ' ' || *s.p == '-')
            s.p++;
        month = month_from_name(s.p, &consumed);
        if (!month)
            return 0;
        s.p += consumed;
        while (isalpha((unsigned char)*s.p) || *s.p == '.')
            s.p++;
        while (*s.p == ' ' || *s.p == '-')
            s.p++;
    } else {
        month = month_from_name(s.p, &consumed);
        if (!month)
            return 0;
        s.p += consumed;
        while (isalpha((unsigned char)*s.p) || *s.p == '.')
            s.p++;
        skip_space(&s);
        if (!read_int(&s, 2, &d))
            return 0;
        accept(&s, ",");
        skip_space(&s);
    }
    int ny = read_int(&s, 4, &y);
    if (ny == 2)
        y += y < 50 ? 2000 : 1900;
    else if (ny != 4)
        return 0;
    accept(&s, ",");
    skip_space(&s);
    f->year = y;
    f->month = month;
    f->day = (int)d;
    return read_rest(&s, f);
}

nb_err nb_time_parse(const char *text, int default_offset, int64_t *out, nb_errbuf *err)
{
    fields f = {0};
    if (!text || !*text)
        return nb_errf(err, NB_ERR_PARSE, "empty date");
    if (!parse_numeric(text, &f)) {
        memset(&f, 0, sizeof f);
        if (!parse_rfc822(text, &f))
            return nb_errf(err, NB_ERR_PARSE, "unrecognized date \"%.60s\"", text);
    }
    if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > days_in_month(f.year, f.month) ||
        f.hour > 23 || f.minute > 59 || f.second > 60)
        return nb_errf(err, NB_ERR_PARSE, "date out of range \"%.60s\"", text);
    if (f.second == 60)
        f.second = 59; /* leap second: the instant before is close enough */
    int offset = f.has_offset ? f.offset : default_offset;
    *out = nb_days_from_civil(f.year, (unsigned)f.month, (unsigned)f.day) * 86400 + f.hour * 3600 +
           f.minute * 60 + f.second - offset;
    return NB_OK;
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

void nb_clock_unpin(void)
{
    pinned = 0;
}

int nb_clock_is_pinned(void)
{
    return pinned;
}

int64_t nb_clock_now(void)
{
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
