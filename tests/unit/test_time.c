/* SPDX-License-Identifier: MIT */
/* core/time: every date shape feeds and sites print, ranges, zones, durations, clock. */
#include "testing.h"

#include <jansson.h>

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

static void test_duration_format(void **state)
{
    (void)state;
    static const struct {
        int64_t seconds;
        const char *text;
    } durations[] = {{86400, "24h"},    {600, "10m"},   {5400, "1h30m"},
                     {90, "1m30s"},     {0, "0s"},      {7 * 86400, "7d"},
                     {2 * 86400, "2d"}, {93600, "26h"}, {45, "45s"}};
    for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
        char out[32];
        nb_duration_format(durations[i].seconds, out, sizeof out);
        assert_string_equal(out, durations[i].text);
        int64_t back = -1;
        nb_errbuf err;
        assert_int_equal(nb_duration_parse(out, &back, &err), NB_OK);
        assert_int_equal(back, durations[i].seconds);
    }
}

/* A pinned time without an offset is wall-clock time in the display zone. */
static void test_clock_pin_local(void **state)
{
    (void)state;
    nb_errbuf err;
    assert_int_equal(nb_time_set_zone("Asia/Shanghai", &err), NB_OK);
    assert_int_equal(nb_clock_pin_local("2025-04-07T10:45:00", &err), NB_OK);
    assert_int_equal(nb_clock_now(), 1743993900);
    assert_int_equal(nb_clock_pin_local("2025-04-07 10:45", &err), NB_OK);
    assert_int_equal(nb_clock_now(), 1743993900);
    assert_int_equal(nb_clock_pin_local("2025-04-07T02:45:00Z", &err), NB_OK); /* offset wins */
    assert_int_equal(nb_clock_now(), 1743993900);
    assert_int_equal(nb_time_set_zone("America/New_York", &err), NB_OK);
    assert_int_equal(nb_clock_pin_local("2025-07-01T12:00:00", &err), NB_OK); /* EDT */
    assert_int_equal(nb_clock_now(), 1751385600);
    assert_int_equal(nb_clock_pin_local("2025-01-15T12:00:00", &err), NB_OK); /* EST */
    assert_int_equal(nb_clock_now(), 1736960400);
    assert_int_equal(nb_clock_pin_local("", &err), NB_ERR_USAGE);
    assert_int_equal(nb_time_set_zone("UTC", &err), NB_OK);
    nb_clock_unpin();
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

/* One vector: input_json is a JSON string, expected_json feedparser's UTC tuple as a JSON
 * array or null. Returns 1 when nb_time_parse_feed agrees; why says what happened. */
static int check_vector(const char *input_json, const char *expected_json, char *why, size_t n)
{
    json_error_t jerr;
    json_t *input = json_loads(input_json, JSON_DECODE_ANY, &jerr);
    json_t *expected = json_loads(expected_json, JSON_DECODE_ANY, &jerr);
    if (!json_is_string(input) || !(json_is_null(expected) || json_is_array(expected)))
        fail_msg("malformed vector: %s\t%s", input_json, expected_json);
    int64_t t = 0;
    nb_errbuf err = {{0}};
    nb_err rc = nb_time_parse_feed(json_string_value(input), &t, &err);
    int ok;
    if (json_is_null(expected)) {
        ok = rc != NB_OK;
        if (ok)
            snprintf(why, n, "rejected (%.100s)", err.msg);
        else
            snprintf(why, n, "accepted as %lld, want null", (long long)t);
    } else if (rc != NB_OK) {
        ok = 0;
        snprintf(why, n, "rejected: %.100s", err.msg);
    } else {
        int got[9];
        nb_time_to_tuple(t, got);
        ok = json_array_size(expected) == 9;
        for (size_t i = 0; ok && i < 9; i++)
            ok = json_integer_value(json_array_get(expected, i)) == got[i];
        snprintf(why, n, "[%d, %d, %d, %d, %d, %d, %d, %d, %d]", got[0], got[1], got[2], got[3],
                 got[4], got[5], got[6], got[7], got[8]);
    }
    json_decref(input);
    json_decref(expected);
    return ok;
}

/* Runs every vector line of a TSV whose last two columns are input and expected; blank
 * lines, '#' comments and a header row are skipped. Prints one line per vector. */
static void run_vectors(const char *label, char *data, const char *const *known, size_t n_known,
                        int *passed, int *total, int *unexpected)
{
    *passed = *total = *unexpected = 0;
    for (char *line = data, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *expected = strrchr(line, '\t');
        if (line[0] == '#' || !expected)
            continue;
        *expected++ = '\0';
        char *input = strrchr(line, '\t');
        input = input ? input + 1 : line;
        if (input[0] != '"')
            continue; /* header row */
        char why[160];
        int ok = check_vector(input, expected, why, sizeof why);
        int is_known = 0;
        for (size_t i = 0; i < n_known; i++)
            is_known |= strcmp(input, known[i]) == 0;
        (*total)++;
        *passed += ok;
        *unexpected += !ok && !is_known;
        printf("%s %s: %s -> %s\n", ok ? "pass" : is_known ? "KNOWN" : "FAIL", label, input, why);
    }
}

/* tests/data/dates.tsv: our own vectors for each shape family. The truncated ISO 8601
 * forms take missing fields from today, so the clock is pinned. */
static void test_feed_dates(void **state)
{
    (void)state;
    nb_errbuf err;
    assert_int_equal(nb_clock_pin("2026-03-15T12:00:00Z", &err), NB_OK);
    char *data = read_test_data("dates.tsv", NULL);
    int passed, total, unexpected;
    run_vectors("dates.tsv", data, NULL, 0, &passed, &total, &unexpected);
    free(data);
    nb_clock_unpin();
    printf("dates.tsv: %d/%d pass\n", passed, total);
    assert_true(total >= 100);
    assert_int_equal(unexpected, 0);
}

/* The feedparser conformance suite's date vectors, when the shared folder is present next
 * to the repository. */
static void test_feedparser_date_cases(void **state)
{
    (void)state;
    const char *dir = getenv("NB_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/../../../shared/conformance/feedparser/date-cases.tsv",
             dir ? dir : "tests/data");
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("date-cases.tsv not found, skipped\n");
        skip();
    }
    char *data = calloc(1, 1 << 16);
    size_t len = fread(data, 1, (1 << 16) - 1, f);
    fclose(f);
    assert_true(len > 0 && len < (1 << 16) - 1);
    /* The vectors test feedparser's parsers one by one, and two of them contradict each
     * other for a single entry point: "22013" must be null for the W3C-DTF parser, yet
     * "03335" (the same two-digit-year-plus-day-of-year shape) must be 2003-12-01 for the
     * ISO 8601 one. feedparser's own _parse_date reads "22013" as 2022-01-13, and so do we. */
    static const char *const known[] = {"\"22013\""};
    nb_errbuf err;
    assert_int_equal(nb_clock_pin("2026-03-15T12:00:00Z", &err), NB_OK);
    int passed, total, unexpected;
    run_vectors("date-cases.tsv", data, known, 1, &passed, &total, &unexpected);
    nb_clock_unpin();
    free(data);
    printf("date-cases.tsv: %d/%d pass\n", passed, total);
    assert_int_equal(total, 72);
    assert_int_equal(unexpected, 0);
}

static void test_tuple(void **state)
{
    (void)state;
    int t[9];
    nb_time_to_tuple(0, t);
    int epoch[9] = {1970, 1, 1, 0, 0, 0, 3, 1, 0};
    assert_memory_equal(t, epoch, sizeof epoch);
    nb_time_to_tuple(-1, t);
    int before[9] = {1969, 12, 31, 23, 59, 59, 2, 365, 0};
    assert_memory_equal(t, before, sizeof before);
    nb_time_to_tuple(nb_days_from_civil(2024, 12, 31) * 86400 + 45296, t);
    int leap_end[9] = {2024, 12, 31, 12, 34, 56, 1, 366, 0};
    assert_memory_equal(t, leap_end, sizeof leap_end);
    nb_time_to_tuple(nb_days_from_civil(1, 1, 1) * 86400, t);
    int first[9] = {1, 1, 1, 0, 0, 0, 0, 1, 0};
    assert_memory_equal(t, first, sizeof first);
    nb_time_to_tuple(nb_days_from_civil(9999, 12, 31) * 86400 + 86399, t);
    int last[9] = {9999, 12, 31, 23, 59, 59, 4, 365, 0};
    assert_memory_equal(t, last, sizeof last);
    nb_time_to_tuple(nb_days_from_civil(1582, 10, 15) * 86400, t);
    int gregorian[9] = {1582, 10, 15, 0, 0, 0, 4, 288, 0};
    assert_memory_equal(t, gregorian, sizeof gregorian);
}

/* The feed rules add to the site rules without changing what the site rules read. */
static void test_site_rules_unchanged(void **state)
{
    (void)state;
    int64_t t;
    nb_errbuf err;
    /* Military letters: UTC for sites, RFC 822's signs for feeds. */
    assert_int_equal(nb_time_parse("Mon, 07 Apr 2025 01:24:00 A", 0, &t, &err), NB_OK);
    assert_int_equal(t, 1743989040);
    assert_int_equal(nb_time_parse_feed("Mon, 07 Apr 2025 01:24:00 A", &t, &err), NB_OK);
    assert_int_equal(t, 1743989040 + 3600);
    /* Two-digit years: 2049/1950 for sites, 2089/1990 for feeds. */
    assert_int_equal(nb_time_parse("Mon, 07 Apr 75 00:00:00 GMT", 0, &t, &err), NB_OK);
    assert_int_equal(t, nb_days_from_civil(1975, 4, 7) * 86400);
    assert_int_equal(nb_time_parse_feed("Sun, 07 Apr 75 00:00:00 GMT", &t, &err), NB_OK);
    assert_int_equal(t, nb_days_from_civil(2075, 4, 7) * 86400);
    /* Reduced and feed-only shapes stay unknown to the site rules. */
    assert_int_equal(nb_time_parse("2025", 0, &t, &err), NB_ERR_PARSE);
    assert_int_equal(nb_time_parse("2025-04", 0, &t, &err), NB_ERR_PARSE);
    assert_int_equal(nb_time_parse("20250407", 0, &t, &err), NB_ERR_PARSE);
    assert_int_equal(nb_time_parse("Mon Apr  7 01:24:00 2025", 0, &t, &err), NB_ERR_PARSE);
    /* A Chinese date in a feed has no implied zone: UTC, unlike a Chinese site's +08:00. */
    assert_int_equal(nb_time_parse_feed("2025年04月07日 13:22", &t, &err), NB_OK);
    assert_int_equal(t, 1744003320 + 28800);
    assert_int_equal(nb_time_parse("2025年04月07日 13:22", 28800, &t, &err), NB_OK);
    assert_int_equal(t, 1744003320);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_cases),     cmocka_unit_test(test_iso_format),
        cmocka_unit_test(test_display_zone),    cmocka_unit_test(test_durations),
        cmocka_unit_test(test_duration_format), cmocka_unit_test(test_clock_pin),
        cmocka_unit_test(test_clock_pin_local), cmocka_unit_test(test_days_from_civil),
        cmocka_unit_test(test_feed_dates),      cmocka_unit_test(test_feedparser_date_cases),
        cmocka_unit_test(test_tuple),           cmocka_unit_test(test_site_rules_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
