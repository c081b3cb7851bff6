/* SPDX-License-Identifier: MIT */
/* A bump allocator for per-document results: many small allocations, one free.
 * Everything allocated from an arena lives until nb_arena_free. */
#ifndef NB_CORE_ARENA_H
#define NB_CORE_ARENA_H

#include <stddef.h>

typedef struct nb_arena nb_arena;

nb_arena *nb_arena_new(void);
void nb_arena_free(nb_arena *a);                   /* NULL-safe; frees every allocation */
void *nb_arena_alloc(nb_arena *a, size_t size);    /* zeroed, aligned for any type */
char *nb_arena_strdup(nb_arena *a, const char *s); /* NULL in, NULL out */
char *nb_arena_strndup(nb_arena *a, const char *s, size_t n);
size_t nb_arena_used(const nb_arena *a); /* bytes handed out, for tests and limits */

#endif
