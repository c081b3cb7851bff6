/* SPDX-License-Identifier: MIT */
/* Cron expressions: parsed into one bit set per field, as Vixie cron's entry.c does, with
 * its "starts with *" flags (they decide the day-of-month/day-of-week rule and which jobs
 * are fixed-time for daylight saving). Fire times are found by walking the zone's
 * instants forward a matching unit at a time, never crossing an offset change in one
 * step, so every stretch walked has a constant offset and wall-clock arithmetic holds. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/memory.h"
#include "core/time.h"
#include "sched/sched.h"

enum {
    MIN_STAR = 1, /* the field starts with "*" */
    HR_STAR = 2,
    DOM_STAR = 4,
    DOW_STAR = 8,
};

#define MAX_JUMP 10800                       /* DST rules apply to jumps under 3 h */
#define HORIZON ((int64_t)100 * 366 * 86400) /* the furthest next fire looked for */
#define EXPR_MAX 256                         /* longest expression read */

struct nb_cron {
    uint64_t minute; /* bit m: minute m (0-59) */
    uint32_t hour;   /* bit h: hour h (0-23) */
    uint32_t dom;    /* bit d: day d of the month (1-31) */
    uint32_t month;  /* bit m: month m (1-12) */
    uint32_t dow;    /* bit d: weekday d (0 Sunday - 6 Saturday; 7 folded into 0) */
    unsigned flags;  /* MIN_STAR ... */
    int64_t every;   /* @every: seconds between fires (multiples of it since the epoch); 0 */
    char *text;
};

typedef struct field_spec {
    const char *name;
    int low, high;
    const char *const *names; /* names[i] is low + i, or NULL */
} field_spec;

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
                                          "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const field_spec fields[5] = {
    {"minute", 0, 59, NULL},          {"hour", 0, 23, NULL},
    {"day-of-month", 1, 31, NULL},    {"month", 1, 12, month_names},
    {"day-of-week", 0, 7, day_names},
};

static const struct {
    const char *name, *expansion;
} macros[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

/* One number or name of a field; advances *p. */
static nb_err read_value(const field_spec *f, const char **p, int *out, nb_errbuf *err)
{
    const char *start = *p;
    while (isalnum((unsigned char)**p))
        (*p)++;
    size_t len = (size_t)(*p - start);
    if (len == 0)
        return nb_errf(err, NB_ERR_CONFIG, "cron: %s field: expected a number at \"%s\"", f->name,
                       *start ? start : "(end)");
    if (isdigit((unsigned char)*start)) {
        long v = 0;
        for (size_t i = 0; i < len; i++) {
            if (!isdigit((unsigned char)start[i]))
                return nb_errf(err, NB_ERR_CONFIG, "cron: %s field: \"%.*s\" is not a number",
                               f->name, (int)len, start);
            if (v < 100000)
                v = v * 10 + (start[i] - '0');
        }
        if (v < f->low || v > f->high)
            return nb_errf(err, NB_ERR_CONFIG, "cron: %s field: %ld is out of range %d-%d", f->name,
                           v, f->low, f->high);
        *out = (int)v;
        return NB_OK;
    }
    for (int i = 0; f->names && f->names[i]; i++) {
        if (len == 3 && strncasecmp(f->names[i], start, 3) == 0) {
            *out = f->low == 0 ? i : f->low + i;
            return NB_OK;
        }
    }
    if (f->names)
        return nb_errf(err, NB_ERR_CONFIG,
                       "cron: %s field: \"%.*s\" is not a number or a %s name (%s-%s)", f->name,
                       (int)len, start, f->names == month_names ? "month" : "weekday", f->names[0],
                       f->names == month_names ? "dec" : "sat");
    return nb_errf(err, NB_ERR_CONFIG, "cron: %s field: \"%.*s\" is not a number", f->name,
                   (int)len, start);
}

/* One field: a comma-separated list of "*", values, ranges, each with an optional step. */
static nb_err parse_field(const field_spec *f, const char *text, uint64_t *bits, int *star,
                          nb_errbuf *err)
{
    const char *p = text;
    nb_err rc = NB_OK;
    *bits = 0;
    *star = *p == '*';
    for (;;) {
        int from, to, step = 1, ranged = 0;
        if (*p == '*') {
            p++;
            from = f->low;
            to = f->high;
            ranged = 1;
        } else {
            rc = read_value(f, &p, &from, err);
            if (rc)
                return rc;
            to = from;
            if (*p == '-') {
                p++;
                rc = read_value(f, &p, &to, err);
                if (rc)
                    return rc;
                if (to < from)
                    return nb_errf(err, NB_ERR_CONFIG, "cron: %s field: range %d-%d is backwards",
                                   f->name, from, to);
                ranged = 1;
            }
        }
        if (*p == '/') {
            if (!ranged)
                return nb_errf(err, NB_ERR_CONFIG,
                               "cron: %s field: a step needs a range or * before it (\"%d/...\")",
                               f->name, from);
            p++;
            const char *at = p;
            long v = 0;
            while (isdigit((unsigned char)*p)) {
                if (v < 100000)
                    v = v * 10 + (*p - '0');
                p++;
            }
            if (p == at)
                return nb_errf(err, NB_ERR_CONFIG, "cron: %s field: expected a step after \"/\"",
                               f->name);
            if (v < 1 || v > f->high - f->low + 1)
                return nb_errf(err, NB_ERR_CONFIG, "cron: %s field: step %ld is out of range 1-%d",
                               f->name, v, f->high - f->low + 1);
            step = (int)v;
        }
        for (int v = from; v <= to; v += step)
            *bits |= (uint64_t)1 << v;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p)
            return nb_errf(err, NB_ERR_CONFIG, "cron: %s field: unexpected \"%c\" in \"%s\"",
                           f->name, *p, text);
        return NB_OK;
    }
}

static int bit(uint64_t set, int i)
{
    return (int)((set >> i) & 1);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* An expression whose day-of-month must hold in the months given, and never can. */
static nb_err check_possible(const nb_cron *c, nb_errbuf *err)
{
    if (!(c->flags & (DOM_STAR | DOW_STAR)))
        return NB_OK; /* either day field fires: every week has a matching day */
    static const int longest[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int first_day = 0;
    for (int m = 1; m <= 12; m++) {
        for (int d = 1; d <= 31; d++) {
            if (!bit(c->dom, d) || !bit(c->month, m))
                continue;
            if (d <= longest[m - 1])
                return NB_OK;
            if (!first_day)
                first_day = d;
        }
    }
    char months[64] = "";
    size_t used = 0;
    for (int m = 1; m <= 12 && used < sizeof months - 4; m++)
        if (bit(c->month, m))
            used += (size_t)snprintf(months + used, sizeof months - used, "%s%s", used ? "," : "",
                                     month_names[m - 1]);
    return nb_errf(err, NB_ERR_CONFIG,
                   "cron: day-of-month field: day %d never comes in month %s: the expression "
                   "never fires",
                   first_day, months);
}

nb_err nb_cron_parse(const char *expr, nb_cron **out, nb_errbuf *err)
{
    while (isspace((unsigned char)*expr))
        expr++;
    size_t len = strlen(expr);
    while (len && isspace((unsigned char)expr[len - 1]))
        len--;
    if (len == 0)
        return nb_errf(err, NB_ERR_CONFIG, "cron: empty expression");
    if (len >= EXPR_MAX)
        return nb_errf(err, NB_ERR_CONFIG, "cron: expression longer than %d bytes", EXPR_MAX);
    char text[EXPR_MAX];
    memcpy(text, expr, len);
    text[len] = '\0';
    const char *body = text;
    if (strncasecmp(text, "@every", 6) == 0 && (text[6] == ' ' || text[6] == '\t')) {
        /* "@every 20s": a fixed interval, aligned on the epoch so that every daemon on a
         * database agrees on the fire times */
        char *end = NULL;
        const char *num = text + 7;
        while (*num == ' ' || *num == '\t')
            num++;
        long long n = isdigit((unsigned char)*num) ? strtoll(num, &end, 10) : 0;
        int64_t unit = 0;
        if (end && (!strcmp(end, "s") || !*end))
            unit = 1;
        else if (end && !strcmp(end, "m"))
            unit = 60;
        else if (end && !strcmp(end, "h"))
            unit = 3600;
        if (!unit || n < 1 || n > 86400 || n * unit > 86400)
            return nb_errf(err, NB_ERR_CONFIG,
                           "cron: @every takes an interval from 1s to 24h (\"@every 30s\", "
                           "\"@every 5m\"), got \"%s\"",
                           num);
        nb_cron *c = nb_xcalloc(1, sizeof *c);
        c->every = n * unit;
        c->text = nb_xstrdup(text);
        *out = c;
        return NB_OK;
    }
    if (text[0] == '@') {
        body = NULL;
        for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
            if (strcasecmp(text, macros[i].name) == 0)
                body = macros[i].expansion;
        if (!body)
            return nb_errf(err, NB_ERR_CONFIG,
                           "cron: %s is not a schedule (known: @hourly @daily @midnight @weekly "
                           "@monthly @yearly @annually @every)",
                           text);
    }
    char copy[EXPR_MAX];
    snprintf(copy, sizeof copy, "%s", body);
    char *words[16];
    int n = 0;
    for (char *p = copy; *p && n < 16;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        words[n++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (*p)
            *p++ = '\0';
    }
    if (n != 5)
        return nb_errf(err, NB_ERR_CONFIG,
                       "cron: expected 5 fields (minute hour day-of-month month day-of-week), got "
                       "%s%d",
                       n == 16 ? "at least " : "", n);
    nb_cron c = {0};
    uint64_t bits[5];
    for (int i = 0; i < 5; i++) {
        int star = 0;
        nb_err rc = parse_field(&fields[i], words[i], &bits[i], &star, err);
        if (rc)
            return rc;
        if (star)
            c.flags |= (unsigned[]){MIN_STAR, HR_STAR, DOM_STAR, 0, DOW_STAR}[i];
    }
    c.minute = bits[0];
    c.hour = (uint32_t)bits[1];
    c.dom = (uint32_t)bits[2];
    c.month = (uint32_t)bits[3];
    c.dow = (uint32_t)(bits[4] & 0x7f);
    if (bits[4] & ((uint64_t)1 << 7))
        c.dow |= 1; /* 7 is Sunday too */
    nb_err rc = check_possible(&c, err);
    if (rc)
        return rc;
    nb_cron *result = nb_xmalloc(sizeof *result);
    *result = c;
    result->text = nb_xstrdup(text);
    *out = result;
    return NB_OK;
}

void nb_cron_free(nb_cron *cron)
{
    if (!cron)
        return;
    free(cron->text);
    free(cron);
}

nb_err nb_cron_check(const char *expr, nb_errbuf *err)
{
    nb_cron *cron = NULL;
    nb_err rc = nb_cron_parse(expr, &cron, err);
    nb_cron_free(cron);
    return rc;
}

const char *nb_cron_text(const nb_cron *cron)
{
    return cron->text;
}

/* Wall-clock fields of local seconds (an instant plus its offset). */
static void fields_of_local(int64_t local, nb_civil *c)
{
    int64_t days = local / 86400 - (local % 86400 < 0);
    int64_t secs = local - days * 86400;
    nb_civil_from_days(days, &c->year, &c->month, &c->day);
    c->hour = (int)(secs / 3600);
    c->minute = (int)(secs / 60 % 60);
    c->second = (int)(secs % 60);
    c->wday = (int)(((days % 7) + 11) % 7);
}

static int day_matches(const nb_cron *c, const nb_civil *t)
{
    if (!bit(c->month, t->month))
        return 0;
    int dom = bit(c->dom, t->day), dow = bit(c->dow, t->wday);
    return c->flags & (DOM_STAR | DOW_STAR) ? dom && dow : dom || dow;
}

static int matches(const nb_cron *c, const nb_civil *t)
{
    return day_matches(c, t) && bit(c->hour, t->hour) && bit(c->minute, t->minute);
}

/* The next set bit above i, or -1. */
static int next_bit(uint64_t set, int i, int high)
{
    for (int k = i + 1; k <= high; k++)
        if (bit(set, k))
            return k;
    return -1;
}

/* Seconds from t (wall-clock fields, on a minute) to the next wall-clock minute worth
 * checking, assuming no offset change in between. */
static int64_t step_after(const nb_cron *c, const nb_civil *t)
{
    int64_t into_day = (int64_t)t->hour * 3600 + t->minute * 60 + t->second;
    if (!bit(c->month, t->month))
        return (int64_t)(days_in_month(t->year, t->month) - t->day + 1) * 86400 - into_day;
    if (!day_matches(c, t))
        return 86400 - into_day;
    if (!bit(c->hour, t->hour)) {
        int h = next_bit(c->hour, t->hour, 23);
        return h < 0 ? 86400 - into_day
                     : (int64_t)(h - t->hour) * 3600 - t->minute * 60 - t->second;
    }
    int m = next_bit(c->minute, t->minute, 59);
    if (m >= 0)
        return (int64_t)(m - t->minute) * 60 - t->second;
    int h = next_bit(c->hour, t->hour, 23);
    return h < 0 ? 86400 - into_day : (int64_t)(h - t->hour) * 3600 - t->minute * 60 - t->second;
}

/* Whether a wall-clock minute that the forward jump tr skipped would have fired. */
static int skipped_time_matches(const nb_cron *c, const nb_zone_transition *tr)
{
    int64_t from = tr->at + tr->offset_before, to = tr->at + tr->offset_after;
    for (int64_t local = (from + 59) / 60 * 60; local < to; local += 60) {
        nb_civil t;
        fields_of_local(local, &t);
        if (matches(c, &t))
            return 1;
    }
    return 0;
}

int nb_cron_next(const nb_cron *c, const nb_zone *zone, int64_t after, int64_t *next)
{
    if (c->every) {
        *next = (after >= 0 ? after / c->every + 1 : 0) * c->every;
        return 1;
    }
    int fixed = !(c->flags & (MIN_STAR | HR_STAR));
    int64_t limit = after + HORIZON;
    int64_t u = after + 1;
    while (u <= limit) {
        nb_zone_transition tr;
        int have_tr = nb_zone_transition_at_or_before(zone, u, &tr);
        int jump = have_tr ? tr.offset_after - tr.offset_before : 0;
        if (fixed && have_tr && tr.at == u && jump > 0 && jump < MAX_JUMP &&
            skipped_time_matches(c, &tr)) {
            *next = u; /* a time the jump skipped runs right after it */
            return 1;
        }
        nb_civil t;
        nb_zone_civil(zone, u, &t);
        int64_t step;
        if (t.second) {
            step = 60 - t.second;
        } else {
            int repeated = fixed && have_tr && jump < 0 && -jump < MAX_JUMP && u < tr.at - jump;
            if (matches(c, &t) && !repeated) {
                *next = u;
                return 1;
            }
            step = step_after(c, &t);
            if (step <= 0)
                step = 60;
        }
        nb_zone_transition ahead;
        if (nb_zone_transition_after(zone, u, &ahead) && ahead.at < u + step)
            step = ahead.at - u;
        u += step;
    }
    return 0;
}
