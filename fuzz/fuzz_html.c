/* SPDX-License-Identifier: MIT */
/* Fuzz target: HTML to text (both the gumbo and the deep-document libxml2 paths). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"
#include "text/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *clean = nb_utf8_sanitize((const char *)data, size);
    char *text = nb_html_to_text(clean, strlen(clean));
    char *summary = nb_text_excerpt_summary(text, 200);
    free(summary);
    free(text);
    free(clean);
    return 0;
}
