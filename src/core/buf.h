/* SPDX-License-Identifier: MIT */
/* A growable byte string with a hard cap: appending past the cap fails with NB_ERR_LIMIT
 * and leaves the buffer as it was. data is always NUL-terminated (when not NULL).
 * The buffer owns data; nb_buf_take hands it to the caller. */
#ifndef NB_CORE_BUF_H
#define NB_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/err.h"

typedef struct nb_buf {
    char *data;   /* the bytes, NUL-terminated; NULL while empty and never grown */
    size_t len;   /* bytes in use, without the NUL */
    size_t alloc; /* bytes allocated */
    size_t limit; /* most bytes len may reach; never 0 */
} nb_buf;

/* An empty buffer whose len may reach limit: a named cap from core/limits.h (or the
 * owning module's header), as curl's dynbuf takes one. A limit of 0 is a programmer's
 * error: the process stops with a message. */
void nb_buf_init(nb_buf *b, size_t limit);
void nb_buf_free(nb_buf *b);  /* releases data; the buffer can be used again */
void nb_buf_reset(nb_buf *b); /* len = 0, keeps memory */
nb_err nb_buf_append(nb_buf *b, const void *data, size_t len) NB_MUST_CHECK;
nb_err nb_buf_puts(nb_buf *b, const char *s) NB_MUST_CHECK;
nb_err nb_buf_putc(nb_buf *b, char c) NB_MUST_CHECK;
nb_err nb_buf_printf(nb_buf *b, const char *fmt, ...) NB_PRINTF(2, 3) NB_MUST_CHECK;
nb_err nb_buf_vprintf(nb_buf *b, const char *fmt, va_list ap) NB_MUST_CHECK;
/* Returns the string (never NULL: "" for an empty buffer) and resets b. Caller frees. */
char *nb_buf_take(nb_buf *b);
/* Appends the whole file at path. Errors name the path: NB_ERR_IO when it cannot be opened
 * or read, NB_ERR_LIMIT when it is larger than the buffer's cap (the buffer keeps what fit
 * in neither case: it is reset). */
nb_err nb_buf_read_file(nb_buf *b, const char *path, nb_errbuf *err) NB_MUST_CHECK;
/* The contents as a C string, borrowed until the next change ("" when empty). */
const char *nb_buf_str(const nb_buf *b);

#endif
