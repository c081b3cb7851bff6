/* SPDX-License-Identifier: MIT */
/* parse/charset: legacy Chinese, Japanese and Western encodings to UTF-8; invalid bytes
 * replaced and counted; unknown charsets refused. */
#include "testing.h"

#include "parse/parse.h"

static void test_chinese(void **state)
{
    (void)state;
    size_t len, bad;
    /* "新闻" in GBK */
    char *s = nb_charset_to_utf8("\xD0\xC2\xCE\xC5", 4, "gb2312", &len, &bad);
    assert_string_equal(s, "新闻");
    assert_int_equal(len, 6);
    assert_int_equal(bad, 0);
    free(s);
    /* "中文" in Big5 */
    s = nb_charset_to_utf8("\xA4\xA4\xA4\xE5", 4, "big5", NULL, NULL);
    assert_string_equal(s, "中文");
    free(s);
    /* a GB18030 four-byte sequence: U+00A5 is 0x81 0x30 0x84 0x36 */
    s = nb_charset_to_utf8("\x81\x30\x84\x36", 4, "GB18030", NULL, NULL);
    assert_string_equal(s, "\xC2\xA5");
    free(s);
}

static void test_western_and_utf16(void **state)
{
    (void)state;
    char *s = nb_charset_to_utf8("caf\xE9 \x93q\x94", 8, "windows-1252", NULL, NULL);
    assert_string_equal(s, "café “q”");
    free(s);
    s = nb_charset_to_utf8("\xFF\xFEh\0i\0", 6, "utf-16", NULL, NULL);
    assert_string_equal(s, "hi");
    free(s);
    s = nb_charset_to_utf8("\x82\xA0", 2, "shift_jis", NULL, NULL);
    assert_string_equal(s, "あ");
    free(s);
}

static void test_invalid_bytes(void **state)
{
    (void)state;
    size_t bad;
    char *s = nb_charset_to_utf8("a\xFF"
                                 "b\xC3",
                                 4, "utf-8", NULL, &bad);
    assert_string_equal(s, "a\xEF\xBF\xBD"
                           "b\xEF\xBF\xBD");
    assert_int_equal(bad, 2);
    free(s);
    /* a GBK lead byte cut off at the end */
    s = nb_charset_to_utf8("x\xD0", 2, "gbk", NULL, &bad);
    assert_int_equal(bad, 1);
    assert_non_null(strstr(s, "\xEF\xBF\xBD"));
    free(s);
}

/* The UTF-8, ASCII and Latin-1 paths that skip iconv decide as iconv would. */
static void test_without_iconv(void **state)
{
    (void)state;
    size_t bad, len;
    char *s = nb_charset_to_utf8("\xF0\x9F\x98\x80 ok", 7, "UTF-8", &len, &bad);
    assert_string_equal(s, "\xF0\x9F\x98\x80 ok");
    assert_int_equal(bad, 0);
    assert_int_equal(len, 7);
    free(s);
    /* a surrogate, an overlong '/', a code point above U+10FFFF */
    s = nb_charset_to_utf8("\xED\xA0\x80|\xC0\xAF|\xF4\x90\x80\x80", 11, "utf8", NULL, &bad);
    assert_int_equal(bad, 9);
    assert_null(strstr(s, "\xED\xA0"));
    free(s);
    /* invalid bytes after and between runs of eight ASCII bytes (the word-wise path) */
    const char *mixed = "0123456789abcdef\xFFghijklmnopqrstu\xC3\xA9vwxyz01234567\xE2\x82";
    s = nb_charset_to_utf8(mixed, strlen(mixed), "utf-8", &len, &bad);
    assert_int_equal(bad, 3);
    assert_non_null(strstr(s, "f\xEF\xBF\xBDg"));
    assert_non_null(strstr(s, "u\xC3\xA9v"));
    free(s);
    s = nb_charset_to_utf8("caf\xE9", 4, "us-ascii", NULL, &bad);
    assert_string_equal(s, "caf\xEF\xBF\xBD");
    assert_int_equal(bad, 1);
    free(s);
    s = nb_charset_to_utf8("caf\xE9", 4, "ISO-8859-1", NULL, &bad);
    assert_string_equal(s, "café");
    assert_int_equal(bad, 0);
    free(s);
}

static void test_unknown(void **state)
{
    (void)state;
    assert_null(nb_charset_to_utf8("x", 1, "no-such-charset", NULL, NULL));
    assert_false(nb_charset_known("no-such-charset"));
    assert_false(nb_charset_known(""));
    assert_true(nb_charset_known("ISO-8859-7"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chinese),       cmocka_unit_test(test_western_and_utf16),
        cmocka_unit_test(test_invalid_bytes), cmocka_unit_test(test_without_iconv),
        cmocka_unit_test(test_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
