/* SPDX-License-Identifier: MIT */
/* web: the escaper (HTML and XML), marks, URLs, times and days, the web: configuration, and
 * the start/heartbeat/stop interface the daemon uses (a real server on a free port). */
#include "testing.h"

#include <curl/curl.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/time.h"
#include "web/web.h"
#include "web/web_private.h"

static char *escaped(const char *s, int marks)
{
    nb_web_reply o = {0};
    nb_buf_init(&o.body, NB_WEB_BODY_MAX);
    if (marks)
        nb_web_marked(&o, s);
    else
        nb_web_text(&o, s);
    return nb_buf_take(&o.body);
}

static void test_escaping(void **state)
{
    (void)state;
    char *s = escaped("<script>\"a\" & 'b'</script>", 0);
    assert_string_equal(s, "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;");
    free(s);
    /* characters XML forbids are dropped; tab and line ends stay; UTF-8 passes */
    s = escaped("a\x01"
                "b\x08"
                "c\x1f"
                "d\x7f"
                "e\tf\ng\r大\xEF\xBF\xBEz\xEF\xBF\xBF!",
                0);
    assert_string_equal(s, "abcde\tf\ng\r大z!");
    free(s);
    /* marks become <mark>, always balanced; stray ones vanish */
    s = escaped("x\x01<b>\x02y\x02z\x01w", 1);
    assert_string_equal(s, "x<mark>&lt;b&gt;</mark>yz<mark>w</mark>");
    free(s);
    s = escaped("\x01\x01"
                "a\x02\x02",
                1);
    assert_string_equal(s, "<mark>a</mark>");
    free(s);
    s = escaped("x\x01y", 0); /* without marks they are control characters */
    assert_string_equal(s, "xy");
    free(s);
    s = nb_web_url_encode("大模型 a&b=c/");
    assert_string_equal(s, "%E5%A4%A7%E6%A8%A1%E5%9E%8B%20a%26b%3Dc%2F");
    free(s);
}

static void test_urls(void **state)
{
    (void)state;
    assert_true(nb_web_safe_url("https://a.example/x?y=1"));
    assert_true(nb_web_safe_url("http://a.example"));
    assert_false(nb_web_safe_url("javascript:alert(1)"));
    assert_false(nb_web_safe_url("JAVASCRIPT:alert(1)"));
    assert_false(nb_web_safe_url("data:image/png;base64,AAAA"));
    assert_false(nb_web_safe_url("//evil.example/x"));
    assert_false(nb_web_safe_url("https:///x"));
    assert_false(nb_web_safe_url("https://a.example/ x"));
    assert_false(nb_web_safe_url("https://a.example/\nx"));
    assert_false(nb_web_safe_url(NULL));
}

static void test_times_and_days(void **state)
{
    (void)state;
    char out[64];
    nb_web_time_rfc822(1744008000, out, sizeof out); /* 2025-04-07T06:40:00Z, a Monday */
    assert_string_equal(out, "Mon, 07 Apr 2025 06:40:00 +0000");
    nb_web_time_rfc822(0, out, sizeof out);
    assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 +0000");
    nb_web_time_iso(1744008000, out, sizeof out);
    assert_string_equal(out, "2025-04-07T06:40:00Z");
    int64_t from, to;
    assert_true(nb_web_day_bounds("2025-04-07", &from, &to)); /* Shanghai: UTC+8 */
    assert_int_equal(from, 1743955200);
    assert_int_equal(to, 1743955200 + 86400);
    nb_web_day_of(from, out, sizeof out);
    assert_string_equal(out, "2025-04-07");
    nb_web_day_of(to - 1, out, sizeof out);
    assert_string_equal(out, "2025-04-07");
    assert_true(nb_web_day_bounds("2024-02-29", &from, &to));
    assert_false(nb_web_day_bounds("2025-02-29", &from, &to));
    assert_false(nb_web_day_bounds("2025-13-01", &from, &to));
    assert_false(nb_web_day_bounds("2025-4-7", &from, &to));
    assert_false(nb_web_day_bounds("../../etc", &from, &to));
    assert_false(nb_web_day_bounds(NULL, &from, &to));
}

static nb_err parse(const char *text, nb_config **out, nb_errbuf *err)
{
    return nb_config_parse("t.yaml", text, strlen(text), NULL, out, err);
}

static void test_config(void **state)
{
    (void)state;
    nb_config *c = NULL;
    nb_errbuf err;
    assert_int_equal(parse("newsbrief:\n  title: x\n", &c, &err), NB_OK);
    assert_null(c->web.listen);
    assert_int_equal(c->web.threads, 4);
    assert_int_equal(c->web.cache_mb, 64);
    nb_config_free(c);
    assert_int_equal(parse("web:\n  listen: \"[::1]:8080\"\n  base_url: https://a.example/x/\n"
                           "  token: abcdefghijklmnop\n  idle_timeout: 1m\n",
                           &c, &err),
                     NB_OK);
    assert_string_equal(c->web.listen, "[::1]:8080");
    assert_string_equal(c->web.base_url, "https://a.example/x"); /* final slash dropped */
    assert_int_equal(c->web.idle_timeout, 60);
    nb_config_free(c);
    static const char *const bad[] = {
        "web:\n  listen: localhost\n",
        "web:\n  listen: 1.2.3.4:99999\n",
        "web:\n  listen: \"::1:80\"\n",
        "web:\n  base_url: ftp://a.example\n",
        "web:\n  base_url: https://a/?x=1\n",
        "web:\n  token: short\n",
        "web:\n  token: \"has space 0123456789\"\n",
        "web:\n  threads: 0\n",
        "web:\n  colour: blue\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c = NULL;
        assert_int_equal(parse(bad[i], &c, &err), NB_ERR_CONFIG);
        assert_non_null(strstr(err.msg, "t.yaml:"));
        assert_null(c);
    }
}

static size_t collect(char *data, size_t size, size_t n, void *user)
{
    nb_buf *b = user;
    return nb_buf_append(b, data, size * n) ? 0 : size * n;
}

/* GET url: the status and the body (caller frees). */
static long get(const char *url, char **body)
{
    CURL *curl = curl_easy_init();
    nb_buf b;
    nb_buf_init(&b, NB_WEB_BODY_MAX);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    long status = 0;
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    *body = nb_buf_take(&b);
    return status;
}

static void test_daemon_interface(void **state)
{
    (void)state;
    char dir[] = "/tmp/nb-test-web-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *text = nb_xasprintf("newsbrief:\n  database: %s/nb.db\nweb:\n  heartbeat_max_age: 1s\n"
                              "  threads: 2\n",
                              dir);
    nb_config *c = NULL;
    nb_errbuf err;
    assert_int_equal(parse(text, &c, &err), NB_OK);
    nb_web *web = NULL;
    nb_web_options options = {.listen = "127.0.0.1:0", .heartbeat = 1};
    assert_int_equal(nb_web_start(c, &options, &web, &err), NB_OK);
    nb_config_free(c); /* the server keeps its own copy */
    assert_true(nb_web_port(web) > 0);
    char *url = nb_xasprintf("%s/healthz", nb_web_url(web));
    char *body = NULL;
    assert_int_equal(get(url, &body), 200);
    assert_non_null(strstr(body, "\"daemon\":true"));
    free(body);
    /* no heartbeat for longer than heartbeat_max_age: 503 */
    struct timespec pause = {2, 200 * 1000000L};
    nanosleep(&pause, NULL);
    assert_int_equal(get(url, &body), 503);
    assert_non_null(strstr(body, "\"status\":\"stale\""));
    free(body);
    nb_web_heartbeat(web);
    assert_int_equal(get(url, &body), 200);
    free(body);
    char *home = nb_xasprintf("%s/", nb_web_url(web));
    assert_int_equal(get(home, &body), 200);
    assert_non_null(strstr(body, "还没有简报"));
    free(body);
    nb_web_stop(web);
    assert_int_equal(get(home, &body), 0); /* nothing listens any more */
    free(body);
    nb_web_stop(NULL);
    /* the address is taken: a clear error naming it */
    c = NULL;
    assert_int_equal(parse(text, &c, &err), NB_OK);
    nb_web *first = NULL, *second = NULL;
    assert_int_equal(nb_web_start(c, &options, &first, &err), NB_OK);
    char *taken = nb_xasprintf("127.0.0.1:%d", nb_web_port(first));
    nb_web_options again = {.listen = taken};
    assert_int_equal(nb_web_start(c, &again, &second, &err), NB_ERR_USAGE);
    assert_non_null(strstr(err.msg, taken));
    nb_web_stop(first);
    nb_config_free(c);
    free(taken);
    free(home);
    free(url);
    free(text);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    nb_errbuf err;
    if (nb_time_set_zone("Asia/Shanghai", &err) != NB_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaping),         cmocka_unit_test(test_urls),
        cmocka_unit_test(test_times_and_days),   cmocka_unit_test(test_config),
        cmocka_unit_test(test_daemon_interface),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
