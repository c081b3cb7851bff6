/* SPDX-License-Identifier: MIT */
/* resolve_date_range: words people use for a span of days (今天, 上周, 最近7天, "last 7
 * days", "2025-04-01..2025-04-07") turned into whole local days of the display zone, so a
 * model never has to guess what "this week" means or which zone the archive lives in.
 * Weeks start on Monday. Pure: the zone is a value (core/zone), so any thread may ask. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/time.h"
#include "core/zone.h"
#include "mcp/mcp_internal.h"

/* A civil date; normalized through days since the epoch. */
typedef struct civil {
    int64_t year;
    unsigned month, day;
} civil;

static civil civil_from_days(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    civil c;
    c.day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    c.month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    c.year = yoe + era * 400 + (c.month <= 2);
    return c;
}

static int days_in_month(int64_t year, unsigned month)
{
    return (int)(nb_days_from_civil(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) -
                 nb_days_from_civil(year, month, 1));
}

/* Local midnight at the start of day number d, as a UTC instant (the offset is taken at
 * that instant, found in two steps as it may differ from the one a day before). */
static int64_t local_midnight(const nb_zone *zone, int64_t d)
{
    int64_t wall = d * 86400;
    int64_t guess = wall - nb_zone_offset(zone, wall);
    return wall - nb_zone_offset(zone, guess);
}

/* Reads "YYYY-MM-DD" (or YYYY/MM/DD) at *p; on success moves *p past it. */
static int read_date(const char **p, int64_t *day)
{
    int y, m, d, n = 0;
    if (sscanf(*p, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 &&
        sscanf(*p, "%4d/%2d/%2d%n", &y, &m, &d, &n) != 3)
        return 0;
    if (n != 10 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, (unsigned)m))
        return 0;
    *day = nb_days_from_civil(y, (unsigned)m, (unsigned)d);
    *p += n;
    return 1;
}

/* "最近7天", "近 7 天", "过去7天", "last 7 days", "past 7 days": the number, or 0. */
static long read_last_days(const char *text)
{
    static const char *const prefixes[] = {"最近", "近", "过去", "last ", "past ", NULL};
    static const char *const suffixes[] = {"天", "日", " days", " day", NULL};
    for (size_t i = 0; prefixes[i]; i++) {
        size_t plen = strlen(prefixes[i]);
        if (strncasecmp(text, prefixes[i], plen) != 0)
            continue;
        const char *p = text + plen;
        while (*p == ' ')
            p++;
        char *end;
        long n = strtol(p, &end, 10);
        if (end == p || n < 1 || n > 3660)
            return 0;
        while (*end == ' ')
            end++;
        for (size_t k = 0; suffixes[k]; k++)
            if (!strcasecmp(end, suffixes[k] + (*suffixes[k] == ' ')))
                return n;
        return 0;
    }
    return 0;
}

static int is_word(const char *text, const char *const *words)
{
    for (size_t i = 0; words[i]; i++)
        if (!strcasecmp(text, words[i]))
            return 1;
    return 0;
}

nb_err nb_mcp_date_range(const char *expression, const nb_zone *zone, int64_t now,
                         nb_mcp_range *out, nb_errbuf *err)
{
    static const char *const today[] = {"今天", "今日", "today", NULL};
    static const char *const yesterday[] = {"昨天", "昨日", "yesterday", NULL};
    static const char *const day_before[] = {"前天", NULL};
    static const char *const this_week[] = {"本周", "这周", "这一周", "this week", NULL};
    static const char *const last_week[] = {"上周", "上一周", "last week", NULL};
    static const char *const this_month[] = {"本月", "这个月", "this month", NULL};
    static const char *const last_month[] = {"上月", "上个月", "last month", NULL};

    char text[128];
    size_t len = strlen(expression);
    while (len && isspace((unsigned char)expression[len - 1]))
        len--;
    while (len && isspace((unsigned char)*expression)) {
        expression++;
        len--;
    }
    if (len == 0 || len >= sizeof text)
        return nb_errf(err, NB_ERR_USAGE,
                       "expression must be 1 to %zu bytes, such as 今天, 最近7天 or "
                       "2025-04-01..2025-04-07",
                       sizeof text - 1);
    memcpy(text, expression, len);
    text[len] = '\0';

    nb_civil local;
    nb_zone_civil(zone, now, &local);
    int64_t day = nb_days_from_civil(local.year, (unsigned)local.month, (unsigned)local.day);
    int weekday = (local.wday + 6) % 7; /* Monday 0 */
    int mday = local.day;
    int64_t first, last;
    long n;
    const char *p = text;

    if (is_word(text, today)) {
        first = last = day;
    } else if (is_word(text, yesterday)) {
        first = last = day - 1;
    } else if (is_word(text, day_before)) {
        first = last = day - 2;
    } else if (is_word(text, this_week)) {
        first = day - weekday;
        last = day;
    } else if (is_word(text, last_week)) {
        first = day - weekday - 7;
        last = first + 6;
    } else if (is_word(text, this_month)) {
        first = day - (mday - 1);
        last = day;
    } else if (is_word(text, last_month)) {
        last = day - mday;
        first = last - (civil_from_days(last).day - 1);
    } else if ((n = read_last_days(text)) > 0) {
        first = day - (n - 1);
        last = day;
    } else if (read_date(&p, &first)) {
        last = first;
        if (!strncmp(p, "..", 2) || !strncmp(p, "~", 1) || !strncmp(p, "至", 3) ||
            !strncmp(p, "到", 3)) {
            p += !strncmp(p, "..", 2) ? 2 : *p == '~' ? 1 : 3;
            if (!read_date(&p, &last))
                return nb_errf(err, NB_ERR_USAGE,
                               "\"%s\": the range's end is not a date (YYYY-MM-DD)", text);
        }
        if (*p)
            return nb_errf(err, NB_ERR_USAGE, "\"%s\": unexpected text after the date", text);
        if (last < first)
            return nb_errf(err, NB_ERR_USAGE, "\"%s\": the range ends before it starts", text);
    } else {
        return nb_errf(err, NB_ERR_USAGE,
                       "cannot read \"%s\" as a date range: use 今天, 昨天, 本周, 上周, 本月, "
                       "上月, 最近N天, today, yesterday, this week, last week, last N days, "
                       "YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD",
                       text);
    }
    civil a = civil_from_days(first), b = civil_from_days(last);
    snprintf(out->from, sizeof out->from, "%04lld-%02u-%02u", (long long)a.year, a.month, a.day);
    snprintf(out->to, sizeof out->to, "%04lld-%02u-%02u", (long long)b.year, b.month, b.day);
    out->start = local_midnight(zone, first);
    out->end = local_midnight(zone, last + 1);
    out->days = (int)(last - first + 1);
    return NB_OK;
}
