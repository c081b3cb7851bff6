/* SPDX-License-Identifier: MIT */
/* Shared by the files of date parsing (time.c, time_scan.c, time_parse.c) only: the rules a
 * parse follows, the fields it fills, the scanner over the text with its small readers, and
 * the pieces time_scan.c offers the shapes (nb_ts_*: month and weekday names, zones, clocks,
 * what may follow a date). A reader moves the scanner only past what it read. */
#ifndef NB_CORE_TIME_INTERNAL_H
#define NB_CORE_TIME_INTERNAL_H

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

static inline void skip_space(scanner *s)
{
    while (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n')
        s->p++;
}

/* Spaces the feed rules allow where the site rules never did. */
static inline void skip_space_feed(scanner *s, const rules *r)
{
    if (r->feed)
        skip_space(s);
}

/* Reads 1..max digits; returns the count read (0 when none). */
static inline int read_int(scanner *s, int max, int64_t *out)
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

static inline int accept(scanner *s, const char *lit)
{
    size_t len = strlen(lit);
    if (strncmp(s->p, lit, len) == 0) {
        s->p += len;
        return 1;
    }
    return 0;
}

/* Length of the word at p: ASCII letters and any UTF-8 bytes (Greek, Hungarian names). */
static inline size_t word_length(const char *p)
{
    size_t n = 0;
    while (isalpha((unsigned char)p[n]) || (unsigned char)p[n] >= 0x80)
        n++;
    return n;
}

/* The value of the entry spelled exactly like the len bytes at p; 0 when none matches. */
static inline int lookup(const named_number *table, size_t count, const char *p, size_t len)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(table[i].name) == len && memcmp(table[i].name, p, len) == 0)
            return table[i].value;
    return 0;
}

static inline size_t alpha_length(const char *p)
{
    size_t n = 0;
    while (isalpha((unsigned char)p[n]))
        n++;
    return n;
}

/* A month name: English (any case, prefix rule: "Jan", "January", "Sept"), and with the feed
 * rules Greek; returns 0 when none. */
int nb_ts_read_month_name(scanner *s, const rules *r);
/* An optional leading weekday ("Mon", "Monday", "Mon.", "Κυρ") with its comma. */
void nb_ts_skip_weekday(scanner *s, const rules *r);
/* A zone ("Z", "+08:00", "GMT", "EST", "GMT+8", ...) into f; 1 when one was read. */
int nb_ts_read_zone(scanner *s, const rules *r, fields *f);
/* "HH:MM[:SS[.frac]]" into f; 1 when one was read. */
int nb_ts_read_clock(scanner *s, const rules *r, fields *f);
/* What may follow a date: an optional clock, an optional zone, then nothing; 1 when the
 * rest of the text is that. */
int nb_ts_read_rest(scanner *s, const rules *r, fields *f);
/* After a reduced date only a time may follow, never a bare zone. */
int nb_ts_read_time_after_reduced(scanner *s, const rules *r, fields *f);

#endif
