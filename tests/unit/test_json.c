/* SPDX-License-Identifier: MIT */
/* core/json: parsing with a cap, typed getters naming the field path. */
#include "testing.h"

#include "core/json.h"
#include "core/limits.h"

static void test_getters(void **state)
{
    (void)state;
    const char *doc = "{\"data\":{\"list\":[{\"oid\":16870,\"title\":\"标题\","
                      "\"createTime\":1788140122,\"thumb\":null}]}}";
    json_t *root = NULL;
    nb_errbuf err;
    assert_int_equal(nb_json_parse(doc, strlen(doc), &root, &err), NB_OK);
    json_t *data, *list;
    assert_int_equal(nb_json_get_object(root, "", "data", &data, &err), NB_OK);
    assert_int_equal(nb_json_get_array(data, "data", "list", &list, &err), NB_OK);
    json_t *first = json_array_get(list, 0);
    int64_t oid;
    const char *title, *when, *thumb = "unset";
    assert_int_equal(nb_json_get_int(first, "data.list[0]", "oid", &oid, &err), NB_OK);
    assert_int_equal(oid, 16870);
    assert_int_equal(nb_json_get_string(first, "data.list[0]", "title", &title, &err), NB_OK);
    assert_string_equal(title, "标题");
    assert_int_equal(nb_json_get_string(first, "data.list[0]", "createTime", &when, &err),
                     NB_ERR_SCHEMA);
    assert_string_equal(err.msg, "data.list[0].createTime: expected string, got integer");
    assert_int_equal(nb_json_get_string(first, "data.list[0]", "cover", &when, &err),
                     NB_ERR_SCHEMA);
    assert_string_equal(err.msg, "data.list[0].cover: missing");
    assert_int_equal(nb_json_get_string_opt(first, "data.list[0]", "thumb", &thumb, &err), NB_OK);
    assert_string_equal(thumb, "unset");
    assert_int_equal(nb_json_get_object(list, "data.list", "x", &data, &err), NB_ERR_SCHEMA);
    assert_string_equal(err.msg, "data.list: expected object, got array");
    char *dumped = nb_json_dump(first);
    assert_non_null(strstr(dumped, "\"title\":\"标题\""));
    free(dumped);
    json_decref(root);
}

static void test_bad_documents(void **state)
{
    (void)state;
    json_t *root = NULL;
    nb_errbuf err;
    const char *html = "<!DOCTYPE html><html><body>机器之心</body></html>";
    assert_int_equal(nb_json_parse(html, strlen(html), &root, &err), NB_ERR_PARSE);
    assert_non_null(strstr(err.msg, "not JSON"));
    const char *truncated = "{\"data\":{\"list\":[";
    assert_int_equal(nb_json_parse(truncated, strlen(truncated), &root, &err), NB_ERR_PARSE);
    const char *bad_utf8 = "{\"t\":\"\xff\xfe\"}";
    assert_int_equal(nb_json_parse(bad_utf8, strlen(bad_utf8), &root, &err), NB_ERR_PARSE);
    assert_int_equal(nb_json_parse("{}", NB_LIMIT_JSON_BYTES + 1, &root, &err), NB_ERR_LIMIT);
    assert_null(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_getters),
        cmocka_unit_test(test_bad_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
