/* SPDX-License-Identifier: MIT */
/* Fuzz target: the feed reader on arbitrary bytes, with the HTTP Content-Type the first
 * byte picks (so the encoding rules are fuzzed too); the result is serialized as the
 * parse-feed command would print it, and read through the pipeline's view. */
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
    free(text);
    json_decref(result);
    json_decref(headers);
    nb_feed *feed = NULL;
    if (nb_feed_parse((const char *)data, size, "https://fuzz.example/feed", type, &feed, NULL) ==
        NB_OK)
        nb_feed_free(feed);
    return 0;
}
