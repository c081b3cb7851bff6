/* Time zones as values: an IANA zone read once from the system's zone database (TZif,
 * RFC 8536), then asked for offsets, transitions and wall-clock fields from any thread.
 * Unlike localtime_r, which reads the one process-wide TZ, several zones can be used at
 * once and a zone can be replaced (a reloaded configuration) without setenv/tzset. */
#ifndef NB_CORE_ZONE_H
#define NB_CORE_ZONE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct nb_zone nb_zone;

/* Wall-clock fields of an instant in a zone. */
typedef struct nb_civil {
    int64_t year;
    int month;  /* 1-12 */
    int day;    /* 1-31 */
    int hour;   /* 0-23 */
    int minute; /* 0-59 */
    int second; /* 0-59 */
    int wday;   /* 0 Sunday .. 6 Saturday */
    int offset; /* seconds east of UTC in effect */
} nb_civil;

/* A change of offset: from offset_before to offset_after at instant at (UTC seconds). */
typedef struct nb_zone_transition {
    int64_t at;
    int offset_before;
    int offset_after;
} nb_zone_transition;

/* Loads name ("Asia/Shanghai", "America/New_York", "UTC") from $TZDIR or
 * /usr/share/zoneinfo. An unknown or unreadable zone is NB_ERR_CONFIG naming it.
 * Caller frees with nb_zone_free. */
nb_err nb_zone_load(const char *name, nb_zone **out, nb_errbuf *err) NB_MUST_CHECK;

/* The same from the bytes of a TZif file (version 1 to 4); the POSIX TZ rule at its end
 * extends the table past its last transition. */
nb_err nb_zone_parse(const char *name, const unsigned char *data, size_t len, nb_zone **out,
                     nb_errbuf *err) NB_MUST_CHECK;

void nb_zone_free(nb_zone *zone); /* NULL-safe */

/* The name given at load; valid while zone lives. */
const char *nb_zone_name(const nb_zone *zone);

/* Seconds east of UTC in effect at t. */
int nb_zone_offset(const nb_zone *zone, int64_t t);

/* The last transition at or before t (returns 1), or 0 when there is none. */
int nb_zone_transition_at_or_before(const nb_zone *zone, int64_t t, nb_zone_transition *out);

/* The first transition after t (returns 1), or 0 when there is none. */
int nb_zone_transition_after(const nb_zone *zone, int64_t t, nb_zone_transition *out);

/* t's wall-clock fields in zone. */
void nb_zone_civil(const nb_zone *zone, int64_t t, nb_civil *out);

/* "2025-04-07 10:45" (n >= 17) and "2025-04-07T10:45:00+08:00" (n >= 26) in zone. */
void nb_zone_format(const nb_zone *zone, int64_t t, char *out, size_t n);
void nb_zone_format_iso(const nb_zone *zone, int64_t t, char *out, size_t n);

#endif
