/* SPDX-License-Identifier: MIT */
/* core/buf and core/arena: growth, caps, ownership. */
#include "testing.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/memory.h"

static void test_append_and_take(void **state)
{
    (void)state;
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    assert_string_equal(nb_buf_str(&b), "");
    for (int i = 0; i < 1000; i++)
        assert_int_equal(nb_buf_printf(&b, "%d,", i % 10), NB_OK);
    assert_int_equal(b.len, 2000);
    assert_memory_equal(b.data, "0,1,2,", 6);
    char *s = nb_buf_take(&b);
    assert_int_equal(strlen(s), 2000);
    assert_null(b.data);
    free(s);
    s = nb_buf_take(&b);
    assert_string_equal(s, ""); /* an empty buffer still hands out a string */
    free(s);
}

static void test_cap_refuses_and_keeps_contents(void **state)
{
    (void)state;
    nb_buf b;
    nb_buf_init(&b, 10);
    assert_int_equal(nb_buf_puts(&b, "0123456789"), NB_OK);
    assert_int_equal(nb_buf_putc(&b, 'x'), NB_ERR_LIMIT);
    assert_int_equal(nb_buf_printf(&b, "%s", "y"), NB_ERR_LIMIT);
    assert_string_equal(nb_buf_str(&b), "0123456789");
    nb_buf_reset(&b);
    assert_int_equal(nb_buf_puts(&b, "abc"), NB_OK);
    assert_string_equal(nb_buf_str(&b), "abc");
    nb_buf_free(&b);
    nb_buf_init(&b, 4);
    assert_int_equal(nb_buf_append(&b, "12345", 5), NB_ERR_LIMIT);
    assert_int_equal(b.len, 0);
    nb_buf_free(&b);
}

static void test_arena(void **state)
{
    (void)state;
    nb_arena *a = nb_arena_new();
    char *first = nb_arena_strdup(a, "hello");
    void *big = nb_arena_alloc(a, 100000); /* larger than a block */
    char *after = nb_arena_strndup(a, "world!!", 5);
    assert_string_equal(first, "hello");
    assert_string_equal(after, "world");
    assert_non_null(big);
    assert_int_equal(((unsigned char *)big)[99999], 0); /* zeroed */
    assert_true(((uintptr_t)nb_arena_alloc(a, 3) % _Alignof(max_align_t)) == 0);
    assert_true(nb_arena_used(a) >= 100000 + 16);
    assert_null(nb_arena_strdup(a, NULL));
    for (int i = 0; i < 10000; i++)
        assert_non_null(nb_arena_alloc(a, 64));
    assert_string_equal(first, "hello"); /* earlier allocations survive growth */
    nb_arena_free(a);
    nb_arena_free(NULL);
}

static void test_errors(void **state)
{
    (void)state;
    nb_errbuf err;
    assert_int_equal(nb_errf(&err, NB_ERR_PARSE, "bad %s", "thing"), NB_ERR_PARSE);
    assert_string_equal(err.msg, "bad thing");
    nb_err_prefix(&err, "source %s", "a");
    assert_string_equal(err.msg, "source a: bad thing");
    assert_string_equal(nb_err_name(NB_ERR_NETWORK), "network");
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    nb_errf(&err, NB_ERR_IO, "%s", big);
    assert_int_equal(strlen(err.msg), NB_ERRBUF_SIZE - 1);
    char *s = nb_xasprintf("%d-%s", 42, "x");
    assert_string_equal(s, "42-x");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_take),
        cmocka_unit_test(test_cap_refuses_and_keeps_contents),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
