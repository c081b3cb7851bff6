/* SPDX-License-Identifier: MIT */
/* core/log: line format, levels, redaction of secrets. */
#include "testing.h"

#include "core/log.h"
#include "core/time.h"

static char *capture(void (*emit)(void))
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    nb_log_set_output(f);
    emit();
    fclose(f);
    nb_log_set_output(NULL);
    return text;
}

static void emit_levels(void)
{
    nb_log(NB_LOG_ERROR, "feed", "name=%s cause=\"%s\"", "a", "boom");
    nb_log(NB_LOG_INFO, "feed", "hidden=1");
    nb_log(NB_LOG_DEBUG, "http", "traced=1");
}

static void test_format_and_levels(void **state)
{
    (void)state;
    nb_errbuf err;
    assert_int_equal(nb_clock_pin("2025-04-07T02:45:00Z", &err), NB_OK);
    nb_log_set_level(NB_LOG_WARN);
    setenv("NB_TRACE", "http", 1);
    nb_log_trace_from_env();
    char *out = capture(emit_levels);
    assert_string_equal(out, "2025-04-07T02:45:00Z error feed name=a cause=\"boom\"\n"
                             "2025-04-07T02:45:00Z debug http traced=1\n");
    free(out);
    unsetenv("NB_TRACE");
    nb_log_reset();
    nb_clock_unpin();
}

static void emit_secrets(void)
{
    nb_log(NB_LOG_ERROR, "push", "url=%s token=%s",
           "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123&x=1", "sk-SECRET1234");
    nb_log(NB_LOG_ERROR, "push", "multi\nline");
}

static void test_redaction(void **state)
{
    (void)state;
    nb_log_add_secret("sk-SECRET1234");
    nb_log_add_secret("ab"); /* too short to redact safely: ignored */
    char *out = capture(emit_secrets);
    assert_null(strstr(out, "abc-123"));
    assert_null(strstr(out, "SECRET"));
    assert_non_null(strstr(out, "send?key=***&x=1"));
    assert_non_null(strstr(out, "token=***"));
    assert_non_null(strstr(out, "multi line\n")); /* one event, one line */
    free(out);
    nb_log_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_and_levels),
        cmocka_unit_test(test_redaction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
