/* SPDX-License-Identifier: MIT */
/* Fuzz target: the date parser, site and feed rules, and the tuple of what it accepts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    int64_t t;
    if (nb_time_parse(text, 28800, &t, NULL) == NB_OK) {
        char iso[64];
        nb_time_format_iso(t, iso, sizeof iso);
    }
    if (nb_time_parse_feed(text, &t, NULL) == NB_OK) {
        int tuple[9];
        nb_time_to_tuple(t, tuple);
        if (tuple[0] < 1 || tuple[0] > 9999 || tuple[7] < 1 || tuple[7] > 366)
            abort(); /* the feed rules promise years 1..9999 */
    }
    free(text);
    return 0;
}
