/* SPDX-License-Identifier: MIT */
/* Fuzz target: the safe-HTML sanitizer and the resolve-only walk. The first byte picks
 * whether a base URL is given; the rest, made valid UTF-8 first, is the fragment. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"
#include "text/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when html has a tag starting with tag outside its comments (where text is inert). */
static int has_tag(const char *html, const char *tag)
{
    size_t n = strlen(tag);
    for (const char *p = html; (p = strchr(p, '<')) != NULL;) {
        if (strncmp(p, "<!--", 4) == 0) {
            const char *end = strstr(p + 4, "-->");
            if (!end)
                return 0;
            p = end + 3;
            continue;
        }
        if (strncmp(p, tag, n) == 0)
            return 1;
        p++;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *base = (data[0] & 1) ? "http://example.com/dir/page.html" : NULL;
    char *html = nb_utf8_sanitize((const char *)data + 1, size - 1);
    char *clean = nb_html_sanitize(html, strlen(html), base);
    /* Whatever the input, no element off the list can come out: every '<' of text is
     * escaped and every tag written is on the list. */
    if (clean &&
        (has_tag(clean, "<script") || has_tag(clean, "<style") || has_tag(clean, "<iframe")))
        abort();
    /* The output read again exercises the writer's own forms (references, quoting). */
    if (clean) {
        char *again = nb_html_sanitize(clean, strlen(clean), base);
        free(again);
    }
    char *resolved = nb_html_resolve_uris(html, strlen(html), base);
    free(resolved);
    free(clean);
    free(html);
    return 0;
}
