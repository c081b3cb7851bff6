/* SPDX-License-Identifier: MIT */
/* Fuzz target: the cron parser, and the next fire times of what it accepts, in a zone with
 * daylight saving (each strictly after the one before). An accepted expression always fires
 * in UTC; in a zone with daylight saving it may never fire (only at 02:xx on the days the
 * clock skips that hour, such as "* 2 8 3 0" in New York), which nb_cron_next reports. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/zone.h"
#include "sched/sched.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static nb_zone *zone, *utc;
    if (!zone && (nb_zone_load("America/New_York", &zone, NULL) != NB_OK ||
                  nb_zone_load("UTC", &utc, NULL) != NB_OK))
        abort();
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    nb_cron *cron = NULL;
    if (nb_cron_parse(text, &cron, NULL) == NB_OK) {
        const nb_zone *zones[] = {zone, utc};
        for (int z = 0; z < 2; z++) {
            int64_t t = 1741410000; /* 2025-03-08, the day before a forward jump */
            for (int i = 0; i < 5; i++) {
                int64_t next;
                if (!nb_cron_next(cron, zones[z], t, &next)) {
                    if (zones[z] == utc)
                        abort(); /* a parsed expression always fires on a steady clock */
                    break;
                }
                if (next <= t)
                    abort();
                t = next;
            }
        }
    }
    nb_cron_free(cron);
    free(text);
    return 0;
}
