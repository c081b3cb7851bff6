/* SPDX-License-Identifier: MIT */
/* Fuzz target: article extraction from raw page bytes (charset detection, both tree
 * builders, scoring, metadata) and the selector compiler and matcher. The first input
 * line, when it starts with "sel:", is used as a content selector. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *page = (const char *)data;
    char *selector = NULL;
    nb_extract_opts opts = {0};
    if (size > 4 && memcmp(data, "sel:", 4) == 0) {
        const char *nl = memchr(data, '\n', size);
        size_t n = nl ? (size_t)(nl - page) : size;
        selector = strndup(page + 4, n - 4);
        opts.content = selector;
        page += nl ? n + 1 : n;
        size -= nl ? n + 1 : n;
    }
    nb_article *a = NULL;
    nb_errbuf err;
    if (nb_extract(page, size, "http://fuzz.example/a/b.html", "text/html", &opts, &a, &err) ==
        NB_OK) {
        if (!a->text)
            abort(); /* text is never NULL */
    }
    nb_article_free(a);
    free(selector);
    return 0;
}
