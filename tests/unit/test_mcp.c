/* SPDX-License-Identifier: MIT */
/* mcp: date ranges in a zone (weeks, months, DST days, errors) and the JSON-RPC envelope
 * (codes for malformed, invalid and unknown messages; notifications get no answer). */
#include "testing.h"

#include <jansson.h>
#include <string.h>

#include "core/config.h"
#include "core/zone.h"
#include "mcp/mcp_internal.h"

/* 2025-04-09 (a Wednesday) 10:00 in Shanghai. */
#define WEDNESDAY 1744164000

static nb_mcp_range range_in(const char *zone_name, const char *text, int64_t now)
{
    nb_zone *zone = NULL;
    nb_errbuf err;
    if (nb_zone_load(zone_name, &zone, &err) != NB_OK)
        fail_msg("%s", err.msg);
    nb_mcp_range r;
    memset(&r, 0, sizeof r);
    if (nb_mcp_date_range(text, zone, now, &r, &err) != NB_OK)
        fail_msg("%s: %s", text, err.msg);
    nb_zone_free(zone);
    return r;
}

static void expect_days(const char *text, const char *from, const char *to, int days)
{
    nb_mcp_range r = range_in("Asia/Shanghai", text, WEDNESDAY);
    if (strcmp(r.from, from) || strcmp(r.to, to) || r.days != days)
        fail_msg("%s: %s..%s (%d days), want %s..%s (%d)", text, r.from, r.to, r.days, from, to,
                 days);
}

static void test_words_and_dates(void **state)
{
    (void)state;
    expect_days("今天", "2025-04-09", "2025-04-09", 1);
    expect_days("today", "2025-04-09", "2025-04-09", 1);
    expect_days("昨天", "2025-04-08", "2025-04-08", 1);
    expect_days("前天", "2025-04-07", "2025-04-07", 1);
    expect_days("本周", "2025-04-07", "2025-04-09", 3); /* weeks start on Monday */
    expect_days("上周", "2025-03-31", "2025-04-06", 7);
    expect_days("本月", "2025-04-01", "2025-04-09", 9);
    expect_days("last month", "2025-03-01", "2025-03-31", 31);
    expect_days("最近7天", "2025-04-03", "2025-04-09", 7);
    expect_days("近 3 天", "2025-04-07", "2025-04-09", 3);
    expect_days("Last 2 Days", "2025-04-08", "2025-04-09", 2);
    expect_days(" 2025-04-01..2025-04-07 ", "2025-04-01", "2025-04-07", 7);
    expect_days("2024-02-29", "2024-02-29", "2024-02-29", 1);
    nb_mcp_range r = range_in("Asia/Shanghai", "今天", WEDNESDAY);
    assert_int_equal(r.start, 1744128000); /* 2025-04-09 00:00 +08:00 */
    assert_int_equal(r.end - r.start, 86400);
}

static void test_daylight_saving_days(void **state)
{
    (void)state;
    /* 2025-03-09 in New York has 23 hours, 2025-11-02 has 25 */
    nb_mcp_range spring = range_in("America/New_York", "2025-03-09", 1741600000);
    assert_int_equal(spring.start, 1741496400); /* 00:00 -05:00 */
    assert_int_equal(spring.end - spring.start, 23 * 3600);
    nb_mcp_range fall = range_in("America/New_York", "2025-11-02", 1762100000);
    assert_int_equal(fall.end - fall.start, 25 * 3600);
}

static void test_bad_expressions(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",        "next blue moon", "2025-02-30", "2025-04-07..", "2025-04-07..2025-04-01",
        "最近0天", "2025-04-07x"};
    nb_zone *zone = NULL;
    nb_errbuf err;
    assert_int_equal(nb_zone_load("UTC", &zone, &err), NB_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nb_mcp_range r;
        if (nb_mcp_date_range(bad[i], zone, WEDNESDAY, &r, &err) != NB_ERR_USAGE)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_true(err.msg[0] != '\0');
    }
    nb_zone_free(zone);
}

/* One message through a server without a store: only envelope checks and ping. */
static json_t *answer(nb_mcp *mcp, const char *text, nb_mcp_outcome *outcome)
{
    char *reply = NULL;
    *outcome = nb_mcp_handle(mcp, NULL, text, strlen(text), &reply);
    if (!reply)
        return NULL;
    json_error_t jerr;
    json_t *value = json_loads(reply, 0, &jerr);
    free(reply);
    assert_non_null(value);
    return value;
}

static int error_code(json_t *value)
{
    return (int)json_integer_value(json_object_get(json_object_get(value, "error"), "code"));
}

static void test_envelope(void **state)
{
    (void)state;
    nb_config config;
    memset(&config, 0, sizeof config);
    config.timezone = "Asia/Shanghai";
    nb_mcp *mcp = nb_mcp_new(&config);
    nb_mcp_outcome outcome;
    json_t *v = answer(mcp, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}", &outcome);
    assert_int_equal(outcome, NB_MCP_ANSWER);
    assert_int_equal(json_integer_value(json_object_get(v, "id")), 7);
    assert_true(json_is_object(json_object_get(v, "result")));
    json_decref(v);
    static const struct {
        const char *text;
        nb_mcp_outcome outcome;
        int code;
    } cases[] = {
        {"{oops", NB_MCP_PARSE_ERROR, -32700},
        {"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", NB_MCP_INVALID, -32600},
        {"{\"id\":1,\"method\":\"ping\"}", NB_MCP_INVALID, -32600},
        {"{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", NB_MCP_INVALID, -32600},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}", NB_MCP_ANSWER, -32601},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}",
         NB_MCP_ANSWER, -32602},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":[1]}", NB_MCP_ANSWER,
         -32602},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        v = answer(mcp, cases[i].text, &outcome);
        if (outcome != cases[i].outcome || error_code(v) != cases[i].code)
            fail_msg("%s: outcome %d code %d", cases[i].text, (int)outcome, error_code(v));
        json_decref(v);
    }
    /* notifications and responses: nothing to send back */
    assert_null(
        answer(mcp, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &outcome));
    assert_int_equal(outcome, NB_MCP_NO_ANSWER);
    assert_null(answer(mcp, "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}", &outcome));
    assert_int_equal(outcome, NB_MCP_NO_ANSWER);
    /* the client's revision when spoken, else the newest */
    v = answer(mcp,
               "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
               "{\"protocolVersion\":\"2025-06-18\"}}",
               &outcome);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v, "result"), "protocolVersion")),
        "2025-06-18");
    json_decref(v);
    assert_true(nb_mcp_version_supported("2025-11-25"));
    assert_false(nb_mcp_version_supported("2024-11-05"));
    nb_mcp_free(mcp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words_and_dates),
        cmocka_unit_test(test_daylight_saving_days),
        cmocka_unit_test(test_bad_expressions),
        cmocka_unit_test(test_envelope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
