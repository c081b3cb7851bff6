/* Fuzz target: the date parser. */
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
    free(text);
    return 0;
}
