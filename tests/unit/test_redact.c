/* SPDX-License-Identifier: MIT */
/* core/redact: any number of registered secrets, the secret patterns, JSON documents. */
#include "testing.h"

#include "core/log.h"
#include "core/redact.h"

static void test_three_hundred_secrets(void **state)
{
    (void)state;
    enum { N = 300 };
    char secrets[N][48];
    for (int i = 0; i < N; i++) {
        /* shared prefixes and first bytes, so the index and longest-first order matter */
        snprintf(secrets[i], sizeof secrets[i], "%csecret-%03d-%x", "abc"[i % 3], i, i * 7919);
        nb_redact_add(secrets[i]);
    }
    nb_redact_add("asecret-000-0"); /* again: kept once */
    assert_int_equal(nb_redact_count(), N);
    char text[N * 64] = "";
    size_t at = 0;
    for (int i = 0; i < N; i++)
        at += (size_t)snprintf(text + at, sizeof text - at, "[%s]", secrets[i]);
    char *clean = nb_redact(text);
    for (int i = 0; i < N; i++)
        if (strstr(clean, secrets[i]))
            fail_msg("secret %d left in the text", i);
    /* every one masked, nothing else lost */
    size_t masks = 0;
    for (const char *p = clean; (p = strstr(p, "[***]")); p++)
        masks++;
    assert_int_equal(masks, N);
    free(clean);
    nb_redact_clear();
    assert_int_equal(nb_redact_count(), 0);
}

static void test_longest_secret_wins(void **state)
{
    (void)state;
    nb_redact_add("token");
    nb_redact_add("token-and-more");
    char *clean = nb_redact("a token-and-more b token c");
    assert_string_equal(clean, "a *** b *** c");
    free(clean);
    nb_redact_clear();
}

static void test_patterns(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123&x=1: Failed",
         "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***&x=1: Failed"},
        {"https://oapi.dingtalk.com/robot/send?access_token=T0k&timestamp=1&sign=a%2Bb",
         "https://oapi.dingtalk.com/robot/send?access_token=***&timestamp=1&sign=***"},
        {"http://127.0.0.1:9/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage: Failed "
         "to connect",
         "http://127.0.0.1:9/bot***/sendMessage: Failed to connect"},
        {"https://hooks.slack.com/services/T000/B000/XXXX timed out",
         "https://hooks.slack.com/services/*** timed out"},
        {"https://discord.com/api/webhooks/123/tok-en?wait=true",
         "https://discord.com/api/webhooks/***?wait=true"},
        {"\"https://open.feishu.cn/open-apis/bot/v2/hook/abc-def\"",
         "\"https://open.feishu.cn/open-apis/bot/v2/hook/***\""},
        {"proxy socks5://user:pa55@127.0.0.1:1080 refused",
         "proxy socks5://***@127.0.0.1:1080 refused"},
        {"mail bot@example.com and https://example.com/a?page=2&q=x stay",
         "mail bot@example.com and https://example.com/a?page=2&q=x stay"},
        {"/robot and /bot/help and /botany stay", "/robot and /bot/help and /botany stay"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *clean = nb_redact(cases[i][0]);
        assert_string_equal(clean, cases[i][1]);
        free(clean);
    }
}

static void test_fixed_buffer_and_json(void **state)
{
    (void)state;
    nb_redact_add("sk-SECRET1234");
    char out[12];
    nb_redact_copy("测试 sk-SECRET1234", out, sizeof out);
    assert_string_equal(out, "测试 ***"); /* 10 bytes: fits */
    nb_redact_copy("测试测试测试", out, sizeof out);
    assert_string_equal(out, "测试测"); /* 11 bytes allowed: cut between characters */
    json_t *doc =
        json_pack("{s:s, s:[s, {s:s}], s:i}", "last_answer", "http://x/sk-SECRET1234: refused",
                  "list", "ok?token=abc", "sk-SECRET1234", "sk-SECRET1234", "n", 3);
    nb_redact_json(doc);
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, "{\"last_answer\":\"http://x/***: refused\",\"list\":"
                              "[\"ok?token=***\",{\"***\":\"***\"}],\"n\":3}");
    free(text);
    json_decref(doc);
    nb_redact_json(NULL);
    assert_null(nb_redact(NULL));
    nb_redact_clear();
}

static void test_log_lines_use_it(void **state)
{
    (void)state;
    for (int i = 0; i < 300; i++) {
        char s[32];
        snprintf(s, sizeof s, "log-secret-%03d", i);
        nb_log_add_secret(s);
    }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    nb_log_set_output(f);
    nb_log(NB_LOG_ERROR, "push", "a=log-secret-000 b=log-secret-150 c=log-secret-299");
    fclose(f);
    nb_log_set_output(NULL);
    assert_non_null(strstr(text, "a=*** b=*** c=***\n"));
    free(text);
    nb_log_reset();
    assert_int_equal(nb_redact_count(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_hundred_secrets),
        cmocka_unit_test(test_longest_secret_wins),
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_fixed_buffer_and_json),
        cmocka_unit_test(test_log_lines_use_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
