/* SPDX-License-Identifier: MIT */
/* push/: signatures against the published test vectors, measuring units, and composition
 * at the limits: an item of exactly the budget, one byte over, many items. */
#include "testing.h"

#include <jansson.h>

#include "core/memory.h"
#include "core/time.h"
#include "push/channel.h"
#include "push/push.h"

static int setup(void **state)
{
    (void)state;
    nb_errbuf err;
    return nb_time_set_zone("Asia/Shanghai", &err) == NB_OK ? 0 : -1;
}

static void test_signature_vectors(void **state)
{
    (void)state;
    char out[128];
    /* DingTalk: key = secret, message = timestamp + "\n" + secret */
    const char *secret = "SEC0123456789abcdef";
    const char *to_sign = "1700000000000\nSEC0123456789abcdef";
    nb_hmac_sha256_base64(secret, strlen(secret), to_sign, strlen(to_sign), out);
    assert_string_equal(out, "TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk=");
    /* Feishu: key = timestamp + "\n" + secret, message empty */
    const char *key = "1700000000\nfeishu-test-secret";
    nb_hmac_sha256_base64(key, strlen(key), "", 0, out);
    assert_string_equal(out, "e3MJ8Q5llVxGJ8pVkGPBhexDAgjvYqpjPP1GkY9XceI=");
    /* the same signed the DingTalk way is wrong */
    const char *fs = "feishu-test-secret";
    nb_hmac_sha256_base64(fs, strlen(fs), key, strlen(key), out);
    assert_string_equal(out, "h/YXgyoiyw0K/L0ImDtWRHoDgH10ksHhmznCTaRFMR4=");
    /* webhook: hex HMAC of the body */
    nb_hmac_sha256_hex("whsec-test", "{\"type\":\"test\"}", 15, out);
    assert_string_equal(out, "4978dbb468c404fcb56dfc2a6ee176693dbbc452da150d1dcec1bef8c70bae3a");
}

static void test_dingtalk_request_is_signed(void **state)
{
    (void)state;
    nb_channel_config ch = {.name = "d",
                            .type = "dingtalk",
                            .url = "https://oapi.dingtalk.com/robot/send?access_token=T",
                            .secret = "SEC0123456789abcdef"};
    nb_send_request req = {0};
    nb_channel_kind_find("dingtalk")->request(&ch, NULL, "{}", 1700000000, &req);
    assert_string_equal(req.url, "https://oapi.dingtalk.com/robot/send?access_token=T"
                                 "&timestamp=1700000000000"
                                 "&sign=TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D");
    free(req.url);
    free(req.body);
    ch.type = "feishu";
    ch.secret = "feishu-test-secret";
    nb_channel_kind_find("feishu")->request(&ch, NULL, "{\"msg_type\":\"post\"}", 1700000000, &req);
    json_t *body = json_loads(req.body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(body, "timestamp")), "1700000000");
    assert_string_equal(json_string_value(json_object_get(body, "sign")),
                        "e3MJ8Q5llVxGJ8pVkGPBhexDAgjvYqpjPP1GkY9XceI=");
    json_decref(body);
    free(req.url);
    free(req.body);
}

static void test_units(void **state)
{
    (void)state;
    assert_int_equal(nb_measure("新闻", NB_UNIT_BYTES), 6);
    assert_int_equal(nb_measure("新闻", NB_UNIT_CODEPOINTS), 2);
    assert_int_equal(nb_measure("新闻😀", NB_UNIT_UTF16), 4);
    assert_int_equal(nb_measure("新闻😀", NB_UNIT_CODEPOINTS), 3);
}

/* The WeCom markdown content of a composed message. */
static char *content_of(const char *body)
{
    json_t *j = json_loads(body, 0, NULL);
    char *c =
        nb_xstrdup(json_string_value(json_object_get(json_object_get(j, "markdown"), "content")));
    json_decref(j);
    return c;
}

static nb_config config_for_tests(void)
{
    nb_config c = {.title = "新闻简报", .items_per_page = 10};
    return c;
}

static nb_channel_config wecom(void)
{
    nb_channel_config ch = {.name = "w",
                            .type = "wecom",
                            .url = "https://q/x?key=k",
                            .page_marker = 1,
                            .items_per_page = -1};
    return ch;
}

static nb_item item_with_summary(const char *summary)
{
    nb_item it = {.id = 1,
                  .title = "标题",
                  .url = "https://a.example/1",
                  .published_at = 1743989040,
                  .summary = (char *)summary};
    return it;
}

/* Size of the message for one item whose summary is n bytes of "a" ending in ". ". */
static size_t single_size(size_t n, char **summary_out)
{
    char *summary = nb_xmalloc(n + 1);
    memset(summary, 'a', n);
    summary[n] = '\0';
    nb_config c = config_for_tests();
    nb_channel_config ch = wecom();
    nb_item it = item_with_summary(summary);
    nb_push_message *m = NULL;
    size_t count = 0;
    nb_errbuf err;
    assert_int_equal(nb_push_compose(&c, &ch, 1743993900, &it, 1, &m, &count, &err), NB_OK);
    assert_int_equal(count, 1);
    char *content = content_of(m[0].body);
    size_t size = strlen(content);
    free(content);
    nb_push_messages_free(m, count);
    *summary_out = summary;
    return size;
}

static void test_item_at_the_limit(void **state)
{
    (void)state;
    char *summary;
    size_t base = single_size(10, &summary);
    free(summary);
    /* While splitting, room for " (99/99)" (8 bytes) is kept; alone, no marker is shown. */
    size_t exact = 10 + (4000 - 8 - base);
    size_t size = single_size(exact, &summary);
    assert_int_equal(size, 4000 - 8); /* fits as is: the summary is whole */
    free(summary);
    /* One byte over: the summary is shortened, the title and link stay. */
    nb_config c = config_for_tests();
    nb_channel_config ch = wecom();
    char *longer = nb_xmalloc(exact + 2);
    memset(longer, 'a', exact + 1);
    longer[exact + 1] = '\0';
    nb_item it = item_with_summary(longer);
    nb_push_message *m = NULL;
    size_t count = 0;
    nb_errbuf err;
    assert_int_equal(nb_push_compose(&c, &ch, 1743993900, &it, 1, &m, &count, &err), NB_OK);
    assert_int_equal(count, 1);
    char *content = content_of(m[0].body);
    assert_true(strlen(content) <= 4000);
    assert_non_null(strstr(content, "[标题](https://a.example/1)"));
    assert_true(strlen(content) < exact); /* shortened */
    free(content);
    nb_push_messages_free(m, count);
    free(longer);
}

static void test_many_items_split_at_boundaries(void **state)
{
    (void)state;
    nb_config c = config_for_tests();
    nb_channel_config ch = wecom();
    char summary[700];
    memset(summary, 0, sizeof summary);
    for (int i = 0; i < 40; i++)
        strcat(summary, "这是摘要。"); /* 15 bytes each: 600 bytes an item */
    nb_item items[35];
    for (int i = 0; i < 35; i++)
        items[i] = item_with_summary(summary);
    nb_push_message *m = NULL;
    size_t count = 0;
    nb_errbuf err;
    assert_int_equal(nb_push_compose(&c, &ch, 1743993900, items, 35, &m, &count, &err), NB_OK);
    size_t total_items = 0;
    for (size_t i = 0; i < count; i++) {
        char *content = content_of(m[i].body);
        assert_true(strlen(content) <= 4000);
        char marker[32];
        snprintf(marker, sizeof marker, "(%zu/%zu)\n", i + 1, count);
        assert_non_null(strstr(content, marker));
        for (const char *p = content; (p = strstr(p, "\n\n## ")); p += 5)
            total_items++;
        /* every item whole: its link and its full summary */
        assert_int_equal(strstr(content, summary) != NULL, 1);
        free(content);
    }
    assert_int_equal(total_items, 35);
    assert_true(count >= 4); /* four pages at least */
    nb_push_messages_free(m, count);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_vectors),
        cmocka_unit_test(test_dingtalk_request_is_signed),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_item_at_the_limit),
        cmocka_unit_test(test_many_items_split_at_boundaries),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
