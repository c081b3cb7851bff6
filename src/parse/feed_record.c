/* SPDX-License-Identifier: MIT */
/* The pipeline's view of a feed: the few fields a briefing needs (title, link, id,
 * summary, content, image, author, publication time), taken from the feedparser-shaped
 * result of feed.c. Titles given as HTML are reduced to text; times become UTC seconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/time.h"
#include "core/url.h"
#include "parse/parse.h"

static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s && *s ? s : NULL;
}

static const char *keep(nb_arena *arena, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    return nb_arena_strndup(arena, s, n > NB_LIMIT_FIELD_BYTES ? NB_LIMIT_FIELD_BYTES : n);
}

/* A title as plain text: HTML and XHTML titles lose their markup. */
static const char *plain_title(nb_arena *arena, const json_t *obj)
{
    const char *title = str(obj, "title");
    const char *type = str(json_object_get(obj, "title_detail"), "type");
    if (!title || !type || (strcmp(type, "text/html") && strcmp(type, "application/xhtml+xml")))
        return keep(arena, title);
    char *text = nb_html_to_text(title, strlen(title));
    const char *out = keep(arena, text);
    free(text);
    return out;
}

static int is_image(const char *type, const char *medium, const char *url)
{
    if (medium)
        return strcmp(medium, "image") == 0;
    if (type)
        return strncmp(type, "image/", 6) == 0 || strcmp(type, "image") == 0;
    const char *dot = url ? strrchr(url, '.') : NULL;
    return dot && (!strcmp(dot, ".jpg") || !strcmp(dot, ".jpeg") || !strcmp(dot, ".png") ||
                   !strcmp(dot, ".gif") || !strcmp(dot, ".webp"));
}

/* The first picture worth showing in the entry's HTML, content before summary: most feeds
 * give their image only as an <img> there. */
static const char *html_image(nb_arena *arena, const json_t *e, const char *base)
{
    const char *html[] = {str(json_array_get(json_object_get(e, "content"), 0), "value"),
                          str(e, "summary")};
    const char *out = NULL;
    for (size_t i = 0; i < 2 && !out; i++) {
        if (!html[i] || !strstr(html[i], "<img"))
            continue;
        char *url = nb_html_first_image(html[i], strlen(html[i]), base);
        out = keep(arena, url);
        free(url);
    }
    return out;
}

/* A person's name: the *_detail's name, else the text as given ("mail@x (Name)" and bare
 * names alike). */
static const char *person(nb_arena *arena, const json_t *obj, const char *key)
{
    char detail[64];
    snprintf(detail, sizeof detail, "%s_detail", key);
    const char *name = str(json_object_get(obj, detail), "name");
    return keep(arena, name ? name : str(obj, key));
}

/* The entry's picture: a thumbnail, else image media content, an image enclosure, or the
 * podcast image; absolute. */
static const char *entry_image(nb_arena *arena, const json_t *e, const char *base)
{
    const char *url = NULL;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(e, "media_thumbnail"), i, v) if (!url) url = str(v, "url");
    json_array_foreach(json_object_get(e, "media_content"), i, v)
    {
        if (!url && is_image(str(v, "type"), str(v, "medium"), str(v, "url")))
            url = str(v, "url");
    }
    json_array_foreach(json_object_get(e, "links"), i, v)
    {
        const char *rel = str(v, "rel");
        if (!url && rel && !strcmp(rel, "enclosure") &&
            is_image(str(v, "type"), NULL, str(v, "href")))
            url = str(v, "href");
    }
    if (!url)
        url = str(json_object_get(e, "image"), "href");
    if (!url)
        return html_image(arena, e, base);
    char *abs = base ? nb_url_resolve(base, url) : NULL;
    const char *out = keep(arena, abs ? abs : url);
    free(abs);
    return out;
}

static int tuple_time(const json_t *tuple, int64_t *out)
{
    if (json_array_size(tuple) != 9)
        return 0;
    int64_t f[6];
    for (size_t i = 0; i < 6; i++)
        f[i] = json_integer_value(json_array_get(tuple, i));
    *out = nb_days_from_civil(f[0], (unsigned)f[1], (unsigned)f[2]) * 86400 + f[3] * 3600 +
           f[4] * 60 + f[5];
    return 1;
}

static void read_entry(nb_arena *arena, const json_t *e, const char *base, const char *feed_author,
                       nb_feed_entry *out)
{
    memset(out, 0, sizeof *out);
    out->author = person(arena, e, "author");
    if (!out->author)
        out->author = feed_author;
    out->title = plain_title(arena, e);
    out->link = keep(arena, str(e, "link"));
    out->id = keep(arena, str(e, "id"));
    out->summary_html = keep(arena, str(e, "summary"));
    out->content_html = keep(arena, str(json_array_get(json_object_get(e, "content"), 0), "value"));
    out->image = entry_image(arena, e, base);
    const char *date = str(e, "published");
    const json_t *parsed = json_object_get(e, "published_parsed");
    if (!date) {
        date = str(e, "updated");
        parsed = json_object_get(e, "updated_parsed");
    }
    out->date_text = keep(arena, date);
    out->has_published = tuple_time(parsed, &out->published);
    if (!out->link && out->id && nb_url_is_http(out->id))
        out->link = out->id;
}

/* What a document that is not a feed looks like, for the error message. */
static const char *describe(const char *data, size_t len)
{
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
        i++;
    if (i == len)
        return "the document is empty";
    if (data[i] == '{' || data[i] == '[')
        return "the document is JSON";
    if (data[i] != '<')
        return "the document is not XML";
    for (size_t j = i; j + 5 <= len && j < i + 2048; j++)
        if (!strncasecmp(data + j, "<html", 5))
            return "the document is HTML";
    return "no RSS, RDF or Atom element";
}

nb_err nb_feed_parse(const char *data, size_t len, const char *base_url, const char *content_type,
                     nb_feed **out, nb_errbuf *err)
{
    if (len > NB_LIMIT_BODY_BYTES)
        return nb_errf(err, NB_ERR_LIMIT, "feed of %zu bytes exceeds the %u byte cap", len,
                       NB_LIMIT_BODY_BYTES);
    json_t *headers = json_object();
    if (content_type)
        json_object_set_new(headers, "Content-Type", json_string(content_type));
    json_t *dict = nb_feed_parse_dict(data, len, base_url, headers);
    json_decref(headers);
    nb_err rc = nb_feed_from_dict(dict, data, len, base_url, out, err);
    json_decref(dict);
    return rc;
}

nb_err nb_feed_from_dict(json_t *dict, const char *data, size_t len, const char *base_url,
                         nb_feed **out, nb_errbuf *err)
{
    const char *version = str(dict, "version");
    json_t *entries = json_object_get(dict, "entries");
    json_t *channel = json_object_get(dict, "feed");
    if (!version && !json_array_size(entries) && !str(channel, "title"))
        return nb_errf(err, NB_ERR_PARSE, "not a feed: %s", describe(data, len));
    nb_feed *feed = nb_xcalloc(1, sizeof *feed);
    feed->arena = nb_arena_new();
    feed->version = keep(feed->arena, version ? version : "");
    feed->title = plain_title(feed->arena, channel);
    feed->link = keep(feed->arena, str(channel, "link"));
    size_t n = json_array_size(entries);
    feed->entries = nb_arena_alloc(feed->arena, (n ? n : 1) * sizeof(nb_feed_entry));
    /* Atom's feed author is every entry's without one (RFC 4287 4.2.1); RSS's channel
     * people are editors, not authors. */
    if (!strncmp(feed->version, "atom", 4))
        feed->author = person(feed->arena, channel, "author");
    for (size_t i = 0; i < n; i++)
        read_entry(feed->arena, json_array_get(entries, i), base_url, feed->author,
                   &feed->entries[i]);
    feed->entry_count = n;
    *out = feed;
    return NB_OK;
}

void nb_feed_free(nb_feed *feed)
{
    if (!feed)
        return;
    nb_arena_free(feed->arena);
    free(feed);
}
