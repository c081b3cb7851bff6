/* SPDX-License-Identifier: MIT */
/* Allocation that cannot fail: out of memory aborts with a message.
 * Input from outside never sizes an allocation unchecked: see core/limits.h. */
#ifndef NB_CORE_MEMORY_H
#define NB_CORE_MEMORY_H

#include <stddef.h>

#include "core/err.h"

void *nb_xmalloc(size_t size);
void *nb_xcalloc(size_t count, size_t size);
void *nb_xrealloc(void *ptr, size_t size);
/* Grows an array of count elements of size to at least need elements; updates *count. */
void *nb_xgrow(void *ptr, size_t *count, size_t need, size_t size);
char *nb_xstrdup(const char *s); /* NULL in, NULL out */
char *nb_xstrndup(const char *s, size_t n);
char *nb_xasprintf(const char *fmt, ...) NB_PRINTF(1, 2); /* caller frees */

#endif
