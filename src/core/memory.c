/* SPDX-License-Identifier: MIT */
/* x-alloc: every allocation either succeeds or the process stops with a message. */
#include "core/memory.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t size)
{
    fprintf(stderr, "newsbrief: out of memory (%zu bytes)\n", size);
    abort();
}

void *nb_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *nb_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *nb_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *nb_xgrow(void *ptr, size_t *count, size_t need, size_t size)
{
    if (need <= *count)
        return ptr;
    size_t n = *count ? *count : 8;
    while (n < need)
        n *= 2;
    if (n > ((size_t)-1) / size)
        out_of_memory((size_t)-1);
    ptr = nb_xrealloc(ptr, n * size);
    *count = n;
    return ptr;
}

char *nb_xstrdup(const char *s)
{
    return s ? nb_xstrndup(s, strlen(s)) : NULL;
}

char *nb_xstrndup(const char *s, size_t n)
{
    char *p = nb_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *nb_xasprintf(const char *fmt, ...)
{
    va_list ap, copy;
    va_start(ap, fmt);
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        n = 0;
    char *p = nb_xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
