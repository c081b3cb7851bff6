/* SPDX-License-Identifier: MIT */
/* Output helpers of the archive: one escaper for HTML and XML text and attributes (every
 * string from a source goes through it), links inside the archive, URL checks, times and
 * days in the display zone. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/memory.h"
#include "core/time.h"
#include "web/web_private.h"

void nb_web_puts(nb_web_reply *o, const char *s)
{
    if (!o->overflow && nb_buf_puts(&o->body, s))
        o->overflow = 1;
}

void nb_web_printf(nb_web_reply *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!o->overflow && nb_buf_vprintf(&o->body, fmt, ap))
        o->overflow = 1;
    va_end(ap);
}

static void put_bytes(nb_web_reply *o, const char *s, size_t n)
{
    if (n && !o->overflow && nb_buf_append(&o->body, s, n))
        o->overflow = 1;
}

/* Escapes s up to end (NULL: its end); marks become <mark> when marks is set. */
static void escape(nb_web_reply *o, const char *s, int marks)
{
    int open = 0;
    const char *run = s; /* bytes copied as they are since here */
    const char *p = s;
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        const char *with = NULL;
        size_t skip = 1;
        switch (c) {
        case '&':
            with = "&amp;";
            break;
        case '<':
            with = "&lt;";
            break;
        case '>':
            with = "&gt;";
            break;
        case '"':
            with = "&quot;";
            break;
        case '\'':
            with = "&#39;";
            break;
        case '\t':
        case '\n':
        case '\r':
            continue;
        case 0xEF: /* U+FFFE and U+FFFF are not XML characters */
            if ((unsigned char)p[1] == 0xBF &&
                ((unsigned char)p[2] == 0xBE || (unsigned char)p[2] == 0xBF)) {
                with = "";
                skip = 3;
                break;
            }
            continue;
        default:
            if (c >= 0x20 && c != 0x7F)
                continue;
            if (marks && c == (unsigned char)NB_SEARCH_MARK_OPEN[0])
                with = open++ ? "" : "<mark>";
            else if (marks && c == (unsigned char)NB_SEARCH_MARK_CLOSE[0] && open)
                with = --open ? "" : "</mark>";
            else
                with = ""; /* a control character: dropped */
        }
        put_bytes(o, run, (size_t)(p - run));
        nb_web_puts(o, with);
        p += skip - 1;
        run = p + 1;
    }
    put_bytes(o, run, (size_t)(p - run));
    if (open)
        nb_web_puts(o, "</mark>");
}

void nb_web_text(nb_web_reply *o, const char *s)
{
    if (s)
        escape(o, s, 0);
}

void nb_web_marked(nb_web_reply *o, const char *s)
{
    if (s)
        escape(o, s, 1);
}

char *nb_web_url_encode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = nb_xmalloc(3 * n + 1), *q = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            *q++ = (char)*p;
        } else {
            *q++ = '%';
            *q++ = hex[*p >> 4];
            *q++ = hex[*p & 15];
        }
    }
    *q = '\0';
    return out;
}

void nb_web_href(nb_web_reply *o, const nb_web_request *r, const char *fmt, ...)
{
    char path[NB_WEB_URI_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    nb_web_text(o, path);
    if (r->query_token && r->token) {
        nb_web_puts(o, strchr(path, '?') ? "&amp;token=" : "?token=");
        nb_web_text(o, r->token);
    }
}

int nb_web_safe_url(const char *url)
{
    if (!url)
        return 0;
    size_t scheme = strncmp(url, "https://", 8) == 0 ? 8 : strncmp(url, "http://", 7) == 0 ? 7 : 0;
    if (!scheme || !url[scheme] || url[scheme] == '/')
        return 0;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7F)
            return 0;
    return 1;
}

void nb_web_time_iso(int64_t t, char *out, size_t n)
{
    nb_time_format_iso(t, out, n);
}

void nb_web_time_display(int64_t t, char *out, size_t n)
{
    nb_time_format_display(t, out, n);
}

void nb_web_time_rfc822(int64_t t, char *out, size_t n)
{
    static const char days[] = "ThuFriSatSunMonTueWed"; /* 1970-01-01 was a Thursday */
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int tuple[9];
    nb_time_to_tuple(t, tuple);
    int64_t day = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int weekday = (int)(((day % 7) + 7) % 7);
    snprintf(out, n, "%.3s, %02d %.3s %04d %02d:%02d:%02d +0000", days + 3 * weekday, tuple[2],
             months + 3 * (tuple[1] - 1), tuple[0], tuple[3], tuple[4], tuple[5]);
}

void nb_web_day_of(int64_t t, char *out, size_t n)
{
    char stamp[32];
    nb_time_format_display(t, stamp, sizeof stamp);
    snprintf(out, n, "%.10s", stamp);
}

int nb_web_day_bounds(const char *day, int64_t *from, int64_t *to)
{
    if (!day || strlen(day) != 10 || day[4] != '-' || day[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (day[i] < '0' || day[i] > '9'))
            return 0;
    long year = strtol(day, NULL, 10), month = strtol(day + 5, NULL, 10),
         mday = strtol(day + 8, NULL, 10);
    static const int lengths[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1970 || year > 9999 || month < 1 || month > 12 || mday < 1 ||
        mday > lengths[month - 1])
        return 0;
    int64_t midnight_utc = nb_days_from_civil(year, (unsigned)month, (unsigned)mday) * 86400;
    /* midnight in the zone: the offset there, checked once more across a change */
    int64_t start = midnight_utc - nb_time_display_offset(midnight_utc);
    start = midnight_utc - nb_time_display_offset(start);
    int64_t end = midnight_utc + 86400;
    end = end - nb_time_display_offset(end - nb_time_display_offset(end));
    char check[16];
    nb_web_day_of(start, check, sizeof check);
    if (strcmp(check, day) != 0) /* 29 February of a common year, and the like */
        return 0;
    *from = start;
    *to = end;
    return 1;
}
