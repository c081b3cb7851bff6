/* Zones from the TZif files of the zone database (RFC 8536). A zone is one sorted table of
 * offset changes: the file's own transitions, then those its POSIX TZ rule gives up to
 * year RULE_LAST_YEAR, with changes that keep the offset dropped. Lookups are binary
 * searches over that table, so a loaded zone is read-only and safe to share. */
#include "core/zone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/time.h"

#define RULE_LAST_YEAR 2200 /* the TZ rule is unrolled up to this year */

struct nb_zone {
    char *name;
    int initial; /* offset before the first transition */
    int64_t *at; /* transition instants, ascending */
    int *offset; /* offset in effect from at[i] */
    size_t count;
    size_t alloc;
};

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return q - ((a % b != 0) && ((a < 0) != (b < 0)));
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static int offset_at_end(const nb_zone *z)
{
    return z->count ? z->offset[z->count - 1] : z->initial;
}

/* Appends a change to offset at instant at; 0 when the table is full. Changes that keep the
 * offset are dropped; two changes at one instant become the later one. */
static int append(nb_zone *z, int64_t at, int offset)
{
    if (z->count && at == z->at[z->count - 1]) {
        z->count--;
        if (offset == offset_at_end(z))
            return 1;
    } else if (z->count && at < z->at[z->count - 1]) {
        return 1;
    }
    if (offset == offset_at_end(z))
        return 1;
    if (z->count == z->alloc) {
        if (z->alloc >= NB_LIMIT_ZONE_TRANSITIONS)
            return 0;
        z->alloc = z->alloc ? z->alloc * 2 : 64;
        z->at = nb_xrealloc(z->at, z->alloc * sizeof *z->at);
        z->offset = nb_xrealloc(z->offset, z->alloc * sizeof *z->offset);
    }
    z->at[z->count] = at;
    z->offset[z->count] = offset;
    z->count++;
    return 1;
}

/* ---- POSIX TZ strings ("EST5EDT,M3.2.0,M11.1.0", "<+08>-8") ---- */

typedef struct tz_rule {
    char kind; /* 'J' (1-365, no Feb 29), 'D' (0-365), 'M' (month.week.day) */
    int n, m, w, d;
    int32_t time; /* local seconds after midnight, may be negative or past 24h */
} tz_rule;

typedef struct posix_tz {
    int std_offset, dst_offset; /* seconds east of UTC */
    int has_dst;
    tz_rule start, end;
} posix_tz;

static int read_number(const char **p, int max, int *out)
{
    int v = 0, digits = 0;
    while (**p >= '0' && **p <= '9') {
        v = v * 10 + (**p - '0');
        if (v > max)
            return 0;
        (*p)++;
        digits++;
    }
    *out = v;
    return digits > 0;
}

/* [+-]hh[:mm[:ss]] as seconds. */
static int read_hms(const char **p, int max_hours, int32_t *out)
{
    int sign = 1, h = 0, m = 0, s = 0;
    if (**p == '+' || **p == '-')
        sign = *(*p)++ == '-' ? -1 : 1;
    if (!read_number(p, max_hours, &h))
        return 0;
    if (**p == ':') {
        (*p)++;
        if (!read_number(p, 59, &m))
            return 0;
        if (**p == ':') {
            (*p)++;
            if (!read_number(p, 59, &s))
                return 0;
        }
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return 1;
}

static int read_tz_name(const char **p)
{
    const char *start = *p;
    if (**p == '<') {
        while (**p && **p != '>')
            (*p)++;
        if (**p != '>')
            return 0;
        (*p)++;
        return *p - start > 2;
    }
    while ((**p >= 'A' && **p <= 'Z') || (**p >= 'a' && **p <= 'z'))
        (*p)++;
    return *p > start;
}

static int read_rule(const char **p, tz_rule *r)
{
    r->time = 7200;
    if (**p == 'M') {
        (*p)++;
        r->kind = 'M';
        if (!read_number(p, 12, &r->m) || r->m < 1 || *(*p)++ != '.' || !read_number(p, 5, &r->w) ||
            r->w < 1 || *(*p)++ != '.' || !read_number(p, 6, &r->d))
            return 0;
    } else if (**p == 'J') {
        (*p)++;
        r->kind = 'J';
        if (!read_number(p, 365, &r->n) || r->n < 1)
            return 0;
    } else {
        r->kind = 'D';
        if (!read_number(p, 365, &r->n))
            return 0;
    }
    if (**p == '/') {
        (*p)++;
        if (!read_hms(p, 167, &r->time))
            return 0;
    }
    return 1;
}

static int parse_posix_tz(const char *s, posix_tz *tz)
{
    memset(tz, 0, sizeof *tz);
    int32_t off;
    if (!read_tz_name(&s) || !read_hms(&s, 24, &off))
        return 0;
    tz->std_offset = -off; /* POSIX offsets count hours west */
    if (!*s)
        return 1;
    if (!read_tz_name(&s))
        return 0;
    tz->has_dst = 1;
    tz->dst_offset = tz->std_offset + 3600;
    if (*s && *s != ',') {
        if (!read_hms(&s, 24, &off))
            return 0;
        tz->dst_offset = -off;
    }
    const char *rules = *s == ',' ? s + 1 : "M3.2.0,M11.1.0"; /* the default of POSIX TZ */
    if (!read_rule(&rules, &tz->start) || *rules++ != ',' || !read_rule(&rules, &tz->end) || *rules)
        return 0;
    return 1;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int weekday_of(int64_t days)
{
    return (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
}

/* Local seconds since the epoch at which rule r fires in year. */
static int64_t rule_local(const tz_rule *r, int64_t year)
{
    int64_t days;
    if (r->kind == 'J') {
        days = nb_days_from_civil(year, 1, 1) + r->n - 1 + (is_leap(year) && r->n >= 60);
    } else if (r->kind == 'D') {
        days = nb_days_from_civil(year, 1, 1) + r->n;
    } else {
        static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int dim = month_days[r->m - 1] + (r->m == 2 && is_leap(year));
        int64_t first = nb_days_from_civil(year, (unsigned)r->m, 1);
        int day = 1 + (r->d - weekday_of(first) + 7) % 7 + (r->w - 1) * 7;
        while (day > dim)
            day -= 7;
        days = first + day - 1;
    }
    return days * 86400 + r->time;
}

/* Unrolls the TZ rule after the table's last transition. */
static int extend_with_rule(nb_zone *z, const posix_tz *tz)
{
    int64_t last = z->count ? z->at[z->count - 1] : INT64_MIN;
    if (!tz->has_dst)
        return 1; /* the table's last offset holds for ever */
    int64_t first_year = 1970;
    if (z->count) {
        int64_t y;
        int m, d;
        nb_civil_from_days(floor_div(last, 86400), &y, &m, &d);
        first_year = y;
    }
    for (int64_t year = first_year; year <= RULE_LAST_YEAR; year++) {
        int64_t start = rule_local(&tz->start, year) - tz->std_offset;
        int64_t end = rule_local(&tz->end, year) - tz->dst_offset;
        int64_t t1 = start < end ? start : end, t2 = start < end ? end : start;
        int o1 = start < end ? tz->dst_offset : tz->std_offset;
        int o2 = start < end ? tz->std_offset : tz->dst_offset;
        if (t1 > last && !append(z, t1, o1))
            return 0;
        if (t2 > last && !append(z, t2, o2))
            return 0;
    }
    return 1;
}

/* ---- TZif ---- */

typedef struct tzif_header {
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tzif_header;

static void read_header(const unsigned char *p, tzif_header *h)
{
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
}

static size_t block_size(const tzif_header *h, size_t time_size)
{
    return (size_t)h->timecnt * time_size + h->timecnt + (size_t)h->typecnt * 6 + h->charcnt +
           (size_t)h->leapcnt * (time_size + 4) + h->isstdcnt + h->isutcnt;
}

nb_err nb_zone_parse(const char *name, const unsigned char *data, size_t len, nb_zone **out,
                     nb_errbuf *err)
{
    nb_zone *z = nb_xcalloc(1, sizeof *z);
    z->name = nb_xstrdup(name);
    nb_err rc = NB_OK;
    const char *why = NULL;
    tzif_header h;
    if (len < 44 || memcmp(data, "TZif", 4) != 0) {
        why = "not a TZif file";
        goto out;
    }
    int version = data[4] ? data[4] - '0' : 1;
    read_header(data, &h);
    size_t time_size = 4;
    const unsigned char *p = data + 44, *end = data + len;
    if (h.typecnt == 0 || h.timecnt > 100000 || h.typecnt > 256 || h.charcnt > 65536 ||
        h.leapcnt > 100000 || h.isstdcnt > 256 || h.isutcnt > 256 ||
        block_size(&h, 4) > (size_t)(end - p)) {
        why = "truncated or inconsistent header";
        goto out;
    }
    if (version >= 2) {
        p += block_size(&h, 4);
        if ((size_t)(end - p) < 44 || memcmp(p, "TZif", 4) != 0) {
            why = "missing version 2 header";
            goto out;
        }
        read_header(p, &h);
        p += 44;
        time_size = 8;
        if (h.typecnt == 0 || h.timecnt > 100000 || h.typecnt > 256 || h.charcnt > 65536 ||
            h.leapcnt > 100000 || h.isstdcnt > 256 || h.isutcnt > 256 ||
            block_size(&h, 8) > (size_t)(end - p)) {
            why = "truncated or inconsistent version 2 header";
            goto out;
        }
    }
    const unsigned char *times = p, *indices = p + (size_t)h.timecnt * time_size;
    const unsigned char *types = indices + h.timecnt;
    z->initial = (int)(int32_t)be32(types);
    for (uint32_t i = 0; i < h.timecnt; i++) {
        int64_t at = time_size == 8 ? be64(times + (size_t)i * 8)
                                    : (int64_t)(int32_t)be32(times + (size_t)i * 4);
        if (indices[i] >= h.typecnt) {
            why = "transition to an undefined type";
            goto out;
        }
        if (z->count && at < z->at[z->count - 1]) {
            why = "transitions out of order";
            goto out;
        }
        if (!append(z, at, (int)(int32_t)be32(types + (size_t)indices[i] * 6))) {
            why = "too many transitions";
            goto out;
        }
    }
    p += block_size(&h, time_size);
    if (version >= 2 && p < end && *p == '\n') {
        const unsigned char *nl = memchr(p + 1, '\n', (size_t)(end - p - 1));
        if (!nl) {
            why = "unterminated TZ rule";
            goto out;
        }
        char rule[128];
        size_t n = (size_t)(nl - p - 1);
        if (n >= sizeof rule) {
            why = "TZ rule too long";
            goto out;
        }
        memcpy(rule, p + 1, n);
        rule[n] = '\0';
        posix_tz tz;
        if (n && !parse_posix_tz(rule, &tz)) {
            why = "unreadable TZ rule";
            goto out;
        }
        if (n && !extend_with_rule(z, &tz)) {
            why = "too many transitions";
            goto out;
        }
    }
out:
    if (why) {
        rc = nb_errf(err, NB_ERR_CONFIG, "time zone \"%s\": %s", name, why);
        nb_zone_free(z);
        return rc;
    }
    *out = z;
    return NB_OK;
}

nb_err nb_zone_load(const char *name, nb_zone **out, nb_errbuf *err)
{
    if (!name || !*name || strstr(name, "..") || name[0] == '/')
        return nb_errf(err, NB_ERR_CONFIG, "invalid time zone \"%s\"", name ? name : "");
    const char *dir = getenv("TZDIR");
    char *path = nb_xasprintf("%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_ZONE_BYTES);
    nb_errbuf inner;
    nb_err rc = nb_buf_read_file(&b, path, &inner);
    free(path);
    if (rc && (!strcmp(name, "UTC") || !strcmp(name, "Etc/UTC"))) {
        /* No zone database: UTC needs none. */
        nb_zone *z = nb_xcalloc(1, sizeof *z);
        z->name = nb_xstrdup(name);
        *out = z;
        rc = NB_OK;
    } else if (rc) {
        rc = nb_errf(err, NB_ERR_CONFIG,
                     "unknown time zone \"%s\" (not in the zone database; is tzdata installed?)",
                     name);
    } else {
        rc = nb_zone_parse(name, (const unsigned char *)b.data, b.len, out, err);
    }
    nb_buf_free(&b);
    return rc;
}

void nb_zone_free(nb_zone *z)
{
    if (!z)
        return;
    free(z->name);
    free(z->at);
    free(z->offset);
    free(z);
}

const char *nb_zone_name(const nb_zone *z)
{
    return z->name;
}

/* Index of the last transition at or before t, or -1. */
static ptrdiff_t find(const nb_zone *z, int64_t t)
{
    size_t lo = 0, hi = z->count; /* answer in [lo, hi) + 1 */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->at[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (ptrdiff_t)lo - 1;
}

int nb_zone_offset(const nb_zone *z, int64_t t)
{
    ptrdiff_t i = find(z, t);
    return i < 0 ? z->initial : z->offset[i];
}

static void fill(const nb_zone *z, size_t i, nb_zone_transition *out)
{
    out->at = z->at[i];
    out->offset_before = i ? z->offset[i - 1] : z->initial;
    out->offset_after = z->offset[i];
}

int nb_zone_transition_at_or_before(const nb_zone *z, int64_t t, nb_zone_transition *out)
{
    ptrdiff_t i = find(z, t);
    if (i < 0)
        return 0;
    fill(z, (size_t)i, out);
    return 1;
}

int nb_zone_transition_after(const nb_zone *z, int64_t t, nb_zone_transition *out)
{
    size_t i = (size_t)(find(z, t) + 1);
    if (i >= z->count)
        return 0;
    fill(z, i, out);
    return 1;
}

void nb_zone_civil(const nb_zone *z, int64_t t, nb_civil *out)
{
    int offset = nb_zone_offset(z, t);
    int64_t local = t + offset;
    int64_t days = floor_div(local, 86400);
    int64_t secs = local - days * 86400;
    nb_civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = (int)(secs / 3600);
    out->minute = (int)(secs / 60 % 60);
    out->second = (int)(secs % 60);
    out->wday = weekday_of(days);
    out->offset = offset;
}

void nb_zone_format(const nb_zone *z, int64_t t, char *out, size_t n)
{
    nb_civil c;
    nb_zone_civil(z, t, &c);
    snprintf(out, n, "%04lld-%02d-%02d %02d:%02d", (long long)c.year, c.month, c.day, c.hour,
             c.minute);
}

void nb_zone_format_iso(const nb_zone *z, int64_t t, char *out, size_t n)
{
    nb_civil c;
    nb_zone_civil(z, t, &c);
    int off = c.offset < 0 ? -c.offset : c.offset;
    snprintf(out, n, "%04lld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", (long long)c.year, c.month,
             c.day, c.hour, c.minute, c.second, c.offset < 0 ? '-' : '+', off / 3600,
             off / 60 % 60);
}
