/* SPDX-License-Identifier: MIT */
/* JSON Feed 1.0 and 1.1 (jsonfeed.org) read into the same result dictionary as the XML
 * formats, so callers never care which one a site serves: items become entries, HTML
 * content is sanitized like a feed's, dates get their parsed tuples. */
#include <stdlib.h>
#include <string.h>

#include "core/memory.h"
#include "core/time.h"
#include "parse/parse.h"

static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s && *s ? s : NULL;
}

static void set_str(json_t *dict, const char *key, const char *value)
{
    if (value)
        json_object_set_new(dict, key, json_string(value));
}

/* A text's detail {type, language, base, value}; HTML is sanitized first. NULL when there
 * is no text. */
static json_t *text_detail(const char *value, const char *type, const char *base, const char *lang)
{
    if (!value)
        return NULL;
    char *clean = NULL;
    if (!strcmp(type, "text/html")) {
        clean = nb_html_sanitize(value, strlen(value), base);
        value = clean ? clean : "";
    }
    json_t *detail =
        json_pack("{s:s, s:o, s:s, s:s}", "type", type, "language",
                  lang ? json_string(lang) : json_null(), "base", base ? base : "", "value", value);
    free(clean);
    return detail;
}

/* A text construct and its _detail, as the XML formats store titles. */
static void set_text(json_t *dict, const char *key, const char *value, const char *type,
                     const char *base, const char *lang)
{
    json_t *detail = text_detail(value, type, base, lang);
    if (!detail)
        return;
    json_object_set(dict, key, json_object_get(detail, "value"));
    char detail_key[64];
    snprintf(detail_key, sizeof detail_key, "%s_detail", key);
    json_object_set_new(dict, detail_key, detail);
}

static void set_date(json_t *dict, const char *key, const char *value)
{
    if (!value)
        return;
    json_object_set_new(dict, key, json_string(value));
    char parsed_key[64];
    snprintf(parsed_key, sizeof parsed_key, "%s_parsed", key);
    int64_t t;
    int tuple[9];
    if (nb_time_parse_feed(value, &t, NULL) != NB_OK) {
        json_object_set_new(dict, parsed_key, json_null());
        return;
    }
    nb_time_to_tuple(t, tuple);
    json_t *a = json_array();
    for (int i = 0; i < 9; i++)
        json_array_append_new(a, json_integer(tuple[i]));
    json_object_set_new(dict, parsed_key, a);
}

/* author (1.0) or authors (1.1) as author, author_detail and authors. */
static void set_authors(json_t *dict, const json_t *src)
{
    json_t *list = json_array();
    json_t *authors = json_object_get(src, "authors");
    const json_t *one = json_object_get(src, "author");
    size_t i;
    json_t *a;
    if (json_is_array(authors)) {
        json_array_foreach(authors, i, a)
        {
            if (json_is_object(a))
                json_array_append_new(
                    list, json_pack("{s:s*, s:s*}", "name", str(a, "name"), "href", str(a, "url")));
        }
    } else if (json_is_object(one)) {
        json_array_append_new(
            list, json_pack("{s:s*, s:s*}", "name", str(one, "name"), "href", str(one, "url")));
    }
    if (!json_array_size(list)) {
        json_decref(list);
        return;
    }
    json_t *first = json_array_get(list, 0);
    set_str(dict, "author", str(first, "name"));
    json_object_set_new(dict, "author_detail", json_deep_copy(first));
    json_object_set_new(dict, "authors", list);
}

static json_t *read_item(const json_t *item, const char *feed_base, const char *lang)
{
    json_t *e = json_object();
    const char *url = str(item, "url");
    const char *base = url ? url : feed_base;
    const json_t *id = json_object_get(item, "id");
    if (json_is_string(id))
        set_str(e, "id", json_string_value(id));
    else if (json_is_integer(id)) {
        char n[32];
        snprintf(n, sizeof n, "%lld", (long long)json_integer_value(id));
        set_str(e, "id", n);
    }
    json_t *links = json_array();
    if (url) {
        set_str(e, "link", url);
        json_array_append_new(links, json_pack("{s:s, s:s, s:s}", "rel", "alternate", "type",
                                               "text/html", "href", url));
    }
    if (str(item, "external_url"))
        json_array_append_new(
            links, json_pack("{s:s, s:s}", "rel", "related", "href", str(item, "external_url")));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(item, "attachments"), i, v)
    {
        if (!str(v, "url"))
            continue;
        json_t *enc = json_pack("{s:s, s:s}", "rel", "enclosure", "href", str(v, "url"));
        set_str(enc, "type", str(v, "mime_type"));
        json_t *size = json_object_get(v, "size_in_bytes");
        if (json_is_integer(size)) {
            char n[32];
            snprintf(n, sizeof n, "%lld", (long long)json_integer_value(size));
            set_str(enc, "length", n);
        }
        json_array_append_new(links, enc);
    }
    json_object_set_new(e, "links", links);
    set_text(e, "title", str(item, "title"), "text/plain", base, lang);
    const char *html = str(item, "content_html");
    json_t *content = html ? text_detail(html, "text/html", base, lang)
                           : text_detail(str(item, "content_text"), "text/plain", base, lang);
    if (content)
        json_object_set_new(e, "content", json_pack("[o]", content));
    if (str(item, "summary"))
        set_text(e, "summary", str(item, "summary"), "text/plain", base, lang);
    else if (json_object_get(e, "content")) {
        json_t *first = json_array_get(json_object_get(e, "content"), 0);
        json_object_set_new(e, "summary",
                            json_string(str(first, "value") ? str(first, "value") : ""));
    }
    const char *image = str(item, "image") ? str(item, "image") : str(item, "banner_image");
    if (image)
        json_object_set_new(e, "image", json_pack("{s:s}", "href", image));
    set_date(e, "published", str(item, "date_published"));
    set_date(e, "updated", str(item, "date_modified"));
    set_authors(e, item);
    json_t *tags = json_array();
    json_array_foreach(json_object_get(item, "tags"), i, v)
    {
        if (json_string_value(v))
            json_array_append_new(tags, json_pack("{s:s, s:n, s:n}", "term", json_string_value(v),
                                                  "scheme", "label"));
    }
    if (json_array_size(tags))
        json_object_set_new(e, "tags", tags);
    else
        json_decref(tags);
    return e;
}

int nb_feed_is_json(const char *data, size_t len)
{
    size_t i = 0;
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
        i++;
    return i < len && data[i] == '{';
}

json_t *nb_feed_parse_json(const char *data, size_t len, const char *url)
{
    json_t *result = json_pack("{s:b, s:s, s:s, s:{}, s:s, s:i}", "bozo", 0, "encoding", "utf-8",
                               "version", "", "namespaces", "href", url ? url : "", "status", 200);
    json_t *feed = json_object(), *entries = json_array();
    json_object_set_new(result, "feed", feed);
    json_object_set_new(result, "entries", entries);
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) {
        data += 3;
        len -= 3;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    const char *version = str(doc, "version");
    if (!json_is_object(doc) || !version || !strstr(version, "jsonfeed.org/version/")) {
        char msg[256];
        if (!doc)
            snprintf(msg, sizeof msg, "not JSON: line %d: %s", jerr.line, jerr.text);
        else
            snprintf(msg, sizeof msg, "JSON without a jsonfeed.org version: not a JSON Feed");
        json_object_set_new(result, "bozo", json_true());
        json_object_set_new(result, "bozo_exception",
                            json_pack("{s:s, s:s}", "type", "JSONFeedError", "message", msg));
        json_decref(doc);
        return result;
    }
    json_object_set_new(result, "version",
                        json_string(strstr(version, "/version/1.1") ? "json11" : "json1"));
    const char *home = str(doc, "home_page_url");
    const char *lang = str(doc, "language");
    set_text(feed, "title", str(doc, "title"), "text/plain", home, lang);
    set_text(feed, "subtitle", str(doc, "description"), "text/plain", home, lang);
    json_t *links = json_array();
    if (home) {
        set_str(feed, "link", home);
        json_array_append_new(links, json_pack("{s:s, s:s, s:s}", "rel", "alternate", "type",
                                               "text/html", "href", home));
    }
    if (str(doc, "feed_url"))
        json_array_append_new(links,
                              json_pack("{s:s, s:s, s:s}", "rel", "self", "type",
                                        "application/feed+json", "href", str(doc, "feed_url")));
    json_object_set_new(feed, "links", links);
    set_str(feed, "language", lang);
    if (str(doc, "icon"))
        json_object_set_new(feed, "image", json_pack("{s:s}", "href", str(doc, "icon")));
    set_str(feed, "icon", str(doc, "favicon"));
    set_authors(feed, doc);
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(doc, "items"), i, item)
    {
        if (json_array_size(entries) >= 2000)
            break;
        if (json_is_object(item))
            json_array_append_new(entries, read_item(item, home, lang));
    }
    json_decref(doc);
    return result;
}
