/* SPDX-License-Identifier: MIT */
/* sched/cron and core/zone: the vectors of tests/data/cron/next.txt (fire times in
 * Shanghai, New York and Sydney across DST, leap days, names, macros, errors), zone
 * offsets from the zone database and its TZ rule, and hostile zone files. */
#include "testing.h"

#include "core/time.h"
#include "core/zone.h"
#include "sched/sched.h"

static char *trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static void run_vector(char *line, int number)
{
    char *parts[4] = {0};
    int n = 0;
    for (char *p = line; n < 4; n++) {
        parts[n] = p;
        char *bar = n < 3 ? strstr(p, " | ") : NULL;
        if (!bar) {
            n++;
            break;
        }
        *bar = '\0';
        p = bar + 3;
    }
    for (int i = 0; i < n; i++)
        parts[i] = trim(parts[i]);
    nb_cron *cron = NULL;
    nb_errbuf err = {{0}};
    nb_err rc = nb_cron_parse(parts[0], &cron, &err);
    if (n == 3 && strcmp(parts[1], "error") == 0) {
        if (rc == NB_OK)
            fail_msg("line %d: \"%s\" was accepted", number, parts[0]);
        if (strcmp(err.msg, parts[2]) != 0)
            fail_msg("line %d: \"%s\": error\n  got  %s\n  want %s", number, parts[0], err.msg,
                     parts[2]);
        return;
    }
    if (n != 4)
        fail_msg("line %d: malformed vector", number);
    if (rc != NB_OK)
        fail_msg("line %d: \"%s\" rejected: %s", number, parts[0], err.msg);
    nb_zone *zone = NULL;
    if (nb_zone_load(parts[1], &zone, &err) != NB_OK)
        fail_msg("line %d: %s", number, err.msg);
    int64_t t;
    if (nb_time_parse(parts[2], 0, &t, &err) != NB_OK)
        fail_msg("line %d: %s", number, err.msg);
    char *save = NULL;
    for (char *want = strtok_r(parts[3], " ", &save); want; want = strtok_r(NULL, " ", &save)) {
        int64_t next = 0;
        if (!nb_cron_next(cron, zone, t, &next))
            fail_msg("line %d: \"%s\": no fire time after %lld, want %s", number, parts[0],
                     (long long)t, want);
        char got[40];
        nb_zone_format_iso(zone, next, got, sizeof got);
        /* The vectors write UTC as +00:00 */
        if (strcmp(got, want) != 0)
            fail_msg("line %d: \"%s\" in %s: got %s, want %s", number, parts[0], parts[1], got,
                     want);
        t = next;
    }
    nb_zone_free(zone);
    nb_cron_free(cron);
}

static void test_vectors(void **state)
{
    (void)state;
    char *text = read_test_data("cron/next.txt", NULL);
    int number = 0, cases = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        number++;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        run_vector(line, number);
        cases++;
    }
    assert_true(cases >= 40);
    free(text);
}

static void test_more_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "   ", "@", "@Weekly2", "1-2-3 * * * *", "a * * * *", "* * * * sun-", "0 0 31 feb *"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nb_cron *cron = NULL;
        nb_errbuf err = {{0}};
        if (nb_cron_parse(bad[i], &cron, &err) == NB_OK)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_true(strncmp(err.msg, "cron: ", 6) == 0);
    }
}

static void test_text_and_macro_case(void **state)
{
    (void)state;
    nb_cron *cron = NULL;
    nb_errbuf err;
    assert_int_equal(nb_cron_parse("  @WEEKLY \t", &cron, &err), NB_OK);
    assert_string_equal(nb_cron_text(cron), "@WEEKLY");
    nb_cron_free(cron);
    nb_cron_free(NULL);
}

/* Expressions that match nothing for years still end; one never matching within the
 * horizon says so. */
static void test_rare_expressions(void **state)
{
    (void)state;
    nb_zone *zone = NULL;
    nb_errbuf err;
    assert_int_equal(nb_zone_load("UTC", &zone, &err), NB_OK);
    nb_cron *cron = NULL;
    /* Feb 29 that is a Sunday ("* /7" starts with "*", so both day fields must hold) */
    assert_int_equal(nb_cron_parse("0 0 29 2 */7", &cron, &err), NB_OK);
    int64_t t, next;
    assert_int_equal(nb_time_parse("2025-01-01T00:00:00Z", 0, &t, &err), NB_OK);
    assert_int_equal(nb_cron_next(cron, zone, t, &next), 1);
    char got[40];
    nb_zone_format_iso(zone, next, got, sizeof got);
    assert_string_equal(got, "2032-02-29T00:00:00+00:00");
    nb_cron_free(cron);
    nb_zone_free(zone);
}

/* An hour that exists only on the days the clock skips it never fires in that zone (a
 * job with "*" in the minute field follows the clock), and nb_cron_next says so; the same
 * expression fires in UTC. March 8 is a Sunday only when it is the second Sunday of March,
 * New York's forward jump at 02:00. */
static void test_never_on_skipped_hour(void **state)
{
    (void)state;
    nb_zone *ny = NULL, *utc = NULL;
    nb_errbuf err;
    assert_int_equal(nb_zone_load("America/New_York", &ny, &err), NB_OK);
    assert_int_equal(nb_zone_load("UTC", &utc, &err), NB_OK);
    nb_cron *cron = NULL;
    assert_int_equal(nb_cron_parse("* 2 8 3 */8", &cron, &err), NB_OK);
    int64_t t, next;
    assert_int_equal(nb_time_parse("2025-03-08T05:00:00Z", 0, &t, &err), NB_OK);
    assert_int_equal(nb_cron_next(cron, ny, t, &next), 0);
    assert_int_equal(nb_cron_next(cron, utc, t, &next), 1);
    char got[40];
    nb_zone_format_iso(utc, next, got, sizeof got);
    assert_string_equal(got, "2026-03-08T02:00:00+00:00");
    /* a fixed time the jump skips fires at the jump instead */
    nb_cron_free(cron);
    assert_int_equal(nb_cron_parse("30 2 8 3 */8", &cron, &err), NB_OK);
    assert_int_equal(nb_cron_next(cron, ny, t, &next), 1);
    nb_zone_format_iso(ny, next, got, sizeof got);
    assert_string_equal(got, "2026-03-08T03:00:00-04:00");
    nb_cron_free(cron);
    nb_zone_free(ny);
    nb_zone_free(utc);
}

typedef struct offset_case {
    const char *zone, *at;
    int offset;
} offset_case;

static void test_zone_offsets(void **state)
{
    (void)state;
    static const offset_case cases[] = {
        {"Asia/Shanghai", "2025-04-07T00:00:00Z", 28800},
        {"Asia/Shanghai", "1988-06-01T00:00:00Z", 32400}, /* China had DST in 1986-1991 */
        {"America/New_York", "2025-03-09T06:59:59Z", -18000},
        {"America/New_York", "2025-03-09T07:00:00Z", -14400},
        {"America/New_York", "2025-11-02T05:59:59Z", -14400},
        {"America/New_York", "2025-11-02T06:00:00Z", -18000},
        /* past the table of the file (2037): the TZ rule at its end */
        {"America/New_York", "2099-07-01T00:00:00Z", -14400},
        {"America/New_York", "2099-12-01T00:00:00Z", -18000},
        {"Australia/Sydney", "2060-01-01T00:00:00Z", 39600},
        {"Australia/Sydney", "2060-07-01T00:00:00Z", 36000},
        {"Europe/London", "2200-12-31T00:00:00Z", 0},
        {"UTC", "2025-04-07T00:00:00Z", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nb_zone *zone = NULL;
        nb_errbuf err;
        if (nb_zone_load(cases[i].zone, &zone, &err) != NB_OK)
            fail_msg("%s", err.msg);
        int64_t t;
        assert_int_equal(nb_time_parse(cases[i].at, 0, &t, &err), NB_OK);
        if (nb_zone_offset(zone, t) != cases[i].offset)
            fail_msg("%s at %s: offset %d, want %d", cases[i].zone, cases[i].at,
                     nb_zone_offset(zone, t), cases[i].offset);
        assert_string_equal(nb_zone_name(zone), cases[i].zone);
        nb_zone_free(zone);
    }
}

static void test_zone_transitions_and_format(void **state)
{
    (void)state;
    nb_zone *zone = NULL;
    nb_errbuf err;
    assert_int_equal(nb_zone_load("America/New_York", &zone, &err), NB_OK);
    int64_t t;
    assert_int_equal(nb_time_parse("2025-06-01T00:00:00Z", 0, &t, &err), NB_OK);
    nb_zone_transition tr;
    assert_int_equal(nb_zone_transition_at_or_before(zone, t, &tr), 1);
    char text[40];
    nb_zone_format_iso(zone, tr.at, text, sizeof text);
    assert_string_equal(text, "2025-03-09T03:00:00-04:00");
    assert_int_equal(tr.offset_before, -18000);
    assert_int_equal(tr.offset_after, -14400);
    assert_int_equal(nb_zone_transition_after(zone, t, &tr), 1);
    nb_zone_format(zone, tr.at, text, sizeof text);
    assert_string_equal(text, "2025-11-02 01:00");
    nb_civil c;
    nb_zone_civil(zone, t, &c);
    assert_int_equal(c.wday, 6); /* 2025-05-31, a Saturday */
    assert_int_equal(c.hour, 20);
    nb_zone_free(zone);
}

static void test_zone_errors(void **state)
{
    (void)state;
    static const char *const names[] = {"Nowhere/Atlantis", "../etc/passwd", "/etc/localtime", ""};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        nb_zone *zone = NULL;
        nb_errbuf err = {{0}};
        assert_int_not_equal(nb_zone_load(names[i], &zone, &err), NB_OK);
        assert_non_null(strstr(err.msg, "time zone"));
    }
}

/* Truncated and scrambled zone files are errors or zones, never crashes. */
static void test_zone_hostile_files(void **state)
{
    (void)state;
    FILE *f = fopen("/usr/share/zoneinfo/America/New_York", "rb");
    assert_non_null(f);
    unsigned char data[8192];
    size_t len = fread(data, 1, sizeof data, f);
    fclose(f);
    assert_true(len > 1000);
    nb_errbuf err;
    for (size_t cut = 0; cut < len; cut += 7) {
        nb_zone *zone = NULL;
        if (nb_zone_parse("cut", data, cut, &zone, &err) == NB_OK) {
            (void)nb_zone_offset(zone, 0);
            nb_zone_free(zone);
        }
    }
    uint32_t seed = 12345;
    for (int round = 0; round < 2000; round++) {
        unsigned char copy[8192];
        memcpy(copy, data, len);
        for (int k = 0; k < 4; k++) {
            seed = seed * 1103515245u + 12345u;
            copy[(seed >> 8) % len] = (unsigned char)(seed >> 24);
        }
        nb_zone *zone = NULL;
        if (nb_zone_parse("scrambled", copy, len, &zone, &err) == NB_OK) {
            nb_civil c;
            nb_zone_civil(zone, 1743989040, &c);
            nb_zone_free(zone);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_more_errors),
        cmocka_unit_test(test_text_and_macro_case),
        cmocka_unit_test(test_rare_expressions),
        cmocka_unit_test(test_never_on_skipped_hour),
        cmocka_unit_test(test_zone_offsets),
        cmocka_unit_test(test_zone_transitions_and_format),
        cmocka_unit_test(test_zone_errors),
        cmocka_unit_test(test_zone_hostile_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
