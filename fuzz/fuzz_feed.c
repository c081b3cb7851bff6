/* Fuzz target: the feed parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nb_feed *feed = NULL;
    if (nb_feed_parse((const char *)data, size, "https://fuzz.example/feed", NULL, &feed, NULL) ==
        NB_OK)
        nb_feed_free(feed);
    return 0;
}
