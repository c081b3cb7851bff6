/* SPDX-License-Identifier: MIT */
/* Shared includes and helpers for the cmocka unit tests. */
#ifndef NB_TESTS_TESTING_H
#define NB_TESTS_TESTING_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Reads tests/data/<name> into a NUL-terminated buffer; fails the test when missing. */
static inline char *read_test_data(const char *name, size_t *len)
{
    const char *dir = getenv("NB_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/data", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)size + 1);
    if (fread(data, 1, (size_t)size, f) != (size_t)size)
        fail_msg("cannot read %s", path);
    data[size] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)size;
    return data;
}

#endif
