/* core/time: every date shape feeds and sites print, ranges, zones, durations, clock. */
#include "testing.h"

#include "core/time.h"

typedef struct date_case {
    const char *text;
    int default_offset;
    int64_t expected; /* -1: must be rejected */
} date_case;

static const date_case cases[] = {
    /* ISO 8601 / RFC 3339 */
    {"2025-04-07T01:24:00Z", 0, 1743989040},
    {"2025-04-07T09:24:00+08:00", 0, 1743989040},
    {"2025-04-07T09:24:00+0800", 0, 1743989040},
    {"2025-04-07T09:24:00.123+08:00", 0, 1743989040},
    {"2025-04-07T01:24Z", 0, 1743989040},
    {"2025-04-07", 0, 1743984000},
    /* SOURCES.md's table: Asia/Shanghai wall clock, no offset */
    {"2026-08-31 09:35:22", 28800, 1788140122},
    {"2026-08-31 07:59:59", 28800, 1788134399},
    {"2025/04/07 12:36", 28800, 1744000560},
    {"2026-08-02 04:30:00 +0800", 28800, 1785616200},
    {"2025年04月07日 13:22", 28800, 1744003320},
    {"2025年4月7日 13:22", 28800, 1744003320},
    /* RFC 822 and deviations */
    {"Mon, 07 Apr 2025 09:24:00 +0800", 0, 1743989040},
    {"Mon, 07 Apr 2025 01:24:00 GMT", 0, 1743989040},
    {"Mon, 7 Apr 2025 01:24:00 UT", 0, 1743989040},
    {"07 Apr 2025 01:24:00 Z", 0, 1743989040},
    {"Mon, 07 Apr 25 01:24:00 GMT", 0, 1743989040},
    {"Monday, 07 April 2025 01:24 GMT", 0, 1743989040},
    {"Mon 07 Apr 2025 01:24:00 +00:00", 0, 1743989040},
    {"Sun, 06 Apr 2025 21:24:00 EDT", 0, 1743989040},
    {"Mon, 07 Apr 2025 09:24:00", 28800, 1743989040},
    {"Apr 7, 2025 01:24:00 GMT", 0, 1743989040},
    {"Mon, 07 Sept 2025 00:00:00 GMT", 0, 1757203200},
    {"Mon, 07 Apr 2025 01:24:00 GMT+8", 0, 1743960240},
    /* out of range or not dates */
    {"2025-02-29 00:00:00", 0, -1},
    {"2024-02-29 00:00:00", 0, 1709164800},
    {"2025-13-01", 0, -1},
    {"2025-04-07 24:00", 0, -1},
    {"2025-04-31", 0, -1},
    {"Mon, 32 Apr 2025 01:24:00 GMT", 0, -1},
    {"yesterday", 0, -1},
    {"", 0, -1},
    {"2025-04-07 10:00 garbage", 0, -1},
    {"1788140122", 0, -1},
};

static void test_parse_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t t = 0;
        nb_errbuf err = {{0}};
        nb_err rc = nb_time_parse(cases[i].text, cases[i].default_offset, &t, &err);
        if (cases[i].expected < 0) {
            if (rc == NB_OK)
                fail_msg("accepted \"%s\" as %lld", cases[i].text, (long long)t);
            assert_true(strlen(err.msg) > 0);
        } else {
            if (rc != NB_OK)
                fail_msg("rejected \"%s\": %s", cases[i].text, err.msg);
            if (t != cases[i].expected)
                fail_msg("\"%s\": got %lld, want %lld", cases[i].text, (long long)t,
                         (long long)cases[i].expected);
        }
    }
}

static void test_iso_format(void **state)
{
    (void)state;
    char out[32];
    nb_time_format_iso(1788140122, out, sizeof out);
    assert_string_equal(out, "2026-08-31T01:35:22Z");
}

static void test_display_zone(void **state)
{
    (void)state;
    nb_errbuf err;
    char out[32];
    assert_int_equal(nb_time_set_zone("Asia/Shanghai", &err), NB_OK);
    nb_time_format_display(1743989040, out, sizeof out);
    assert_string_equal(out, "2025-04-07 09:24");
    assert_int_equal(nb_time_set_zone("America/New_York", &err), NB_OK);
    nb_time_format_display(1743989040, out, sizeof out);
    assert_string_equal(out, "2025-04-06 21:24");
    assert_int_equal(nb_time_set_zone("UTC", &err), NB_OK);
    nb_time_format_display(1743989040, out, sizeof out);
    assert_string_equal(out, "2025-04-07 01:24");
    assert_int_equal(nb_time_set_zone("Mars/Olympus", &err), NB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "Mars/Olympus"));
    assert_int_equal(nb_time_set_zone("../../etc/passwd", &err), NB_ERR_CONFIG);
}

static void test_durations(void **state)
{
    (void)state;
    int64_t s;
    nb_errbuf err;
    assert_int_equal(nb_duration_parse("24h", &s, &err), NB_OK);
    assert_int_equal(s, 86400);
    assert_int_equal(nb_duration_parse("1h30m", &s, &err), NB_OK);
    assert_int_equal(s, 5400);
    assert_int_equal(nb_duration_parse("90", &s, &err), NB_OK);
    assert_int_equal(s, 90);
    assert_int_equal(nb_duration_parse("7d", &s, &err), NB_OK);
    assert_int_equal(s, 7 * 86400);
    assert_int_equal(nb_duration_parse("10 minutes", &s, &err), NB_ERR_CONFIG);
    assert_int_equal(nb_duration_parse("", &s, &err), NB_ERR_CONFIG);
    assert_int_equal(nb_duration_parse("h", &s, &err), NB_ERR_CONFIG);
}

static void test_clock_pin(void **state)
{
    (void)state;
    nb_errbuf err;
    assert_int_equal(nb_clock_pin("2025-04-07T10:45:00+08:00", &err), NB_OK);
    assert_true(nb_clock_is_pinned());
    assert_int_equal(nb_clock_now(), 1743993900);
    assert_int_equal(nb_clock_pin("not a time", &err), NB_ERR_USAGE);
    assert_int_equal(nb_clock_now(), 1743993900); /* a bad pin keeps the old one */
    nb_clock_unpin();
    assert_false(nb_clock_is_pinned());
    assert_true(nb_clock_now() > 1743993900);
}

static void test_days_from_civil(void **state)
{
    (void)state;
    assert_int_equal(nb_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(nb_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(nb_days_from_civil(1969, 12, 31), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_cases),  cmocka_unit_test(test_iso_format),
        cmocka_unit_test(test_display_zone), cmocka_unit_test(test_durations),
        cmocka_unit_test(test_clock_pin),    cmocka_unit_test(test_days_from_civil),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
