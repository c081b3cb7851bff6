/* SPDX-License-Identifier: MIT */
/* Capped growable string. Invariant: len <= limit and data[len] == 0. */
#include "core/buf.h"

#include <stdlib.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/memory.h"

void nb_buf_init(nb_buf *b, size_t limit)
{
    if (limit == 0) { /* a programmer's error: every buffer names its cap */
        fputs("newsbrief: internal error: nb_buf_init without a cap\n", stderr);
        abort();
    }
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->limit = limit;
}

void nb_buf_free(nb_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
}

void nb_buf_reset(nb_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static nb_err reserve(nb_buf *b, size_t extra)
{
    if (extra > ((size_t)-1) / 2 - b->len)
        return NB_ERR_LIMIT;
    size_t need = b->len + extra;
    if (need > b->limit)
        return NB_ERR_LIMIT;
    if (need + 1 <= b->alloc)
        return NB_OK;
    size_t n = b->alloc ? b->alloc : 64;
    while (n < need + 1)
        n *= 2;
    b->data = nb_xrealloc(b->data, n);
    b->alloc = n;
    return NB_OK;
}

nb_err nb_buf_append(nb_buf *b, const void *data, size_t len)
{
    nb_err rc = reserve(b, len);
    if (rc)
        return rc;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return NB_OK;
}

nb_err nb_buf_puts(nb_buf *b, const char *s)
{
    return nb_buf_append(b, s, strlen(s));
}

nb_err nb_buf_putc(nb_buf *b, char c)
{
    return nb_buf_append(b, &c, 1);
}

nb_err nb_buf_vprintf(nb_buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return NB_ERR_INTERNAL;
    nb_err rc = reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return NB_OK;
}

nb_err nb_buf_printf(nb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    nb_err rc = nb_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *nb_buf_take(nb_buf *b)
{
    char *s = b->data ? b->data : nb_xstrdup("");
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    return s;
}

const char *nb_buf_str(const nb_buf *b)
{
    return b->data ? b->data : "";
}

nb_err nb_buf_read_file(nb_buf *b, const char *path, nb_errbuf *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return nb_errf(err, NB_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char chunk[8192];
    size_t n;
    nb_err rc = NB_OK;
    while (rc == NB_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = nb_buf_append(b, chunk, n);
    int failed = ferror(f);
    fclose(f);
    if (rc == NB_ERR_LIMIT)
        rc = nb_errf(err, NB_ERR_LIMIT, "%s: larger than the %zu byte cap", path, b->limit);
    else if (failed)
        rc = nb_errf(err, NB_ERR_IO, "%s: read error", path);
    if (rc)
        nb_buf_reset(b);
    return rc;
}
