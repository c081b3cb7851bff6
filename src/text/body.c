/* SPDX-License-Identifier: MIT */
/* Article bodies: paragraph-level cleanup after HTML has become text. Sites wrap their
 * articles in bylines, image credits and "key points" blocks that are not running text. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "text/text.h"
#include "text/text_internal.h"

/* A key point is a short line; a longer paragraph ends the block. */
#define KEY_POINT_MAX_CODEPOINTS 80

static int is_heading(const char *p, size_t len, const char *heading)
{
    if (!heading)
        return 0;
    size_t n = strlen(heading);
    if (len < n || strncmp(p, heading, n) != 0)
        return 0;
    const char *rest = p + n;
    size_t rest_len = len - n;
    /* "划重点", "划重点：", "划重点:" */
    return rest_len == 0 || (rest_len == 1 && *rest == ':') ||
           (rest_len == 3 && strncmp(rest, "：", 3) == 0);
}

static void append(nb_buf *b, const char *sep, const char *p, size_t len)
{
    if (b->len && nb_buf_puts(b, sep))
        return;
    if (nb_buf_append(b, p, len)) {
        /* capped above what capped input makes: cannot fail */
    }
}

char *nb_text_clean_body(const char *text, const nb_body_rules *rules, char **key_points)
{
    nb_buf out, points;
    nb_buf_init(&out, NB_LIMIT_TEXT_BYTES);
    nb_buf_init(&points, NB_LIMIT_TEXT_BYTES);
    int at_start = 1, in_points = 0;
    const char *p = text;
    while (*p) {
        const char *end = strstr(p, "\n\n");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *para = p;
        p = end ? end + 2 : p + len;
        if (len == 0)
            continue;
        if (is_heading(para, len, rules->key_points_heading)) {
            in_points = 1;
            continue;
        }
        if (in_points) {
            if (codepoints(para, len) <= KEY_POINT_MAX_CODEPOINTS) {
                append(&points, "\n", para, len);
                continue;
            }
            in_points = 0;
        }
        if (starts_with_any(para, len, rules->drop_prefixes))
            continue;
        if (at_start && starts_with_any(para, len, rules->lead_prefixes))
            continue;
        if (at_start) {
            for (const char *const *l = rules->labels; l && *l; l++) {
                size_t n = strlen(*l);
                if (n <= len && strncmp(para, *l, n) == 0) {
                    para += n;
                    len -= n;
                    while (len && *para == ' ') {
                        para++;
                        len--;
                    }
                    break;
                }
            }
            if (len == 0)
                continue;
        }
        at_start = 0;
        append(&out, "\n\n", para, len);
    }
    if (key_points)
        *key_points = points.len ? nb_buf_take(&points) : NULL;
    nb_buf_free(&points);
    return nb_buf_take(&out);
}
