/* SPDX-License-Identifier: MIT */
/* Arena: a chain of blocks; an allocation larger than a block gets a block of its own.
 * Invariant: every pointer handed out stays valid until nb_arena_free. */
#include "core/arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "core/memory.h"

#define BLOCK_SIZE 16384

typedef struct block {
    struct block *next;
    size_t used, size;
    alignas(max_align_t) unsigned char data[];
} block;

struct nb_arena {
    block *head;
    size_t total;
};

nb_arena *nb_arena_new(void)
{
    return nb_xcalloc(1, sizeof(nb_arena));
}

void nb_arena_free(nb_arena *a)
{
    if (!a)
        return;
    block *b = a->head;
    while (b) {
        block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

void *nb_arena_alloc(nb_arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    if (size == 0)
        size = align;
    block *b = a->head;
    if (!b || b->size - b->used < size) {
        size_t cap = size > BLOCK_SIZE ? size : BLOCK_SIZE;
        block *nb = nb_xmalloc(sizeof(block) + cap);
        nb->used = 0;
        nb->size = cap;
        if (b && size > BLOCK_SIZE) {
            /* Keep the current block as head: it still has room for small allocations. */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += size;
    a->total += size;
    memset(p, 0, size);
    return p;
}

char *nb_arena_strndup(nb_arena *a, const char *s, size_t n)
{
    char *p = nb_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *nb_arena_strdup(nb_arena *a, const char *s)
{
    return s ? nb_arena_strndup(a, s, strlen(s)) : NULL;
}

size_t nb_arena_used(const nb_arena *a)
{
    return a->total;
}
