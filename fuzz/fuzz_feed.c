/* SPDX-License-Identifier: MIT */
/* Fuzz target: the feed reader on arbitrary bytes, with the HTTP Content-Type the first
 * byte picks (so the encoding rules are fuzzed too); the result is serialized as the
 * parse-feed command would print it, and read through the pipeline's view (once: the
 * document is parsed a single time, as nb_feed_parse does). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {
        NULL,
        "application/rss+xml",
        "text/xml",
        "text/html; charset=gb2312",
        "application/atom+xml; charset=utf-16",
        "application/xml; charset=\"big5\"",
    };
    const char *type = size ? types[data[0] % (sizeof types / sizeof types[0])] : NULL;
    json_t *headers = json_object();
    if (type)
        json_object_set_new(headers, "Content-Type", json_string(type));
    json_t *result =
        nb_feed_parse_dict((const char *)data, size, "https://fuzz.example/feed", headers);
    char *text = json_dumps(result, JSON_COMPACT);
    if (!text)
        abort(); /* a string that is not valid UTF-8: parse-feed could not print the result */
    free(text);
    /* the pipeline's view of the same result (nb_feed_parse would read the document again) */
    nb_feed *feed = NULL;
    if (nb_feed_from_dict(result, (const char *)data, size, "https://fuzz.example/feed", &feed,
                          NULL) == NB_OK)
        nb_feed_free(feed);
    json_decref(result);
    json_decref(headers);
    return 0;
}
