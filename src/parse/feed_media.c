/* SPDX-License-Identifier: MIT */
/* Feed reader: the handlers of the podcast and media namespaces (iTunes, Media RSS,
 * Creative Commons, admin, Podlove simple chapters) and their table. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "parse/feed_internal.h"

/* --- iTunes */

static void start_itunes_category(reader *r, json_t *attrs)
{
    nb_feed_add_tag(r, nb_feed_jstr(attrs, "text"), "http://www.itunes.com/", NULL);
    nb_feed_push(r, "category", 1);
}

static void start_itunes_owner(reader *r, json_t *attrs)
{
    (void)attrs;
    r->inpublisher = 1;
    nb_feed_push(r, "publisher", 0);
}

static void end_itunes_owner(reader *r, const char *arg)
{
    nb_feed_pop_discard(r, "publisher");
    r->inpublisher = 0;
    nb_feed_sync_author_detail(r, "publisher");
}

static void end_keywords_list(reader *r, const char *key, const char *scheme)
{
    char *value = nb_feed_pop(r, key);
    if (!value)
        return;
    char *rest = value;
    while (rest) {
        char *comma = strchr(rest, ',');
        if (comma)
            *comma = '\0';
        char *t = nb_feed_strip_dup(rest);
        if (*t)
            nb_feed_add_tag(r, t, scheme, NULL);
        free(t);
        rest = comma ? comma + 1 : NULL;
    }
    free(value);
}

static void end_itunes_keywords(reader *r, const char *arg)
{
    end_keywords_list(r, "itunes_keywords", "http://www.itunes.com/");
}

static void start_itunes_image(reader *r, json_t *attrs)
{
    nb_feed_push(r, "itunes_image", 0);
    const char *href = nb_feed_jstr(attrs, "href");
    if (!href || !*href)
        href = nb_feed_jstr(attrs, "url");
    if (href && *href)
        json_object_set_new(nb_feed_context(r), "image", json_pack("{s:s}", "href", href));
}

static void end_itunes_block(reader *r, const char *arg)
{
    char *value = nb_feed_pop_full(r, "itunes_block", 0);
    json_object_set_new(nb_feed_context(r), "itunes_block",
                        json_integer(nb_feed_streq(value, "yes") || nb_feed_streq(value, "Yes")));
    free(value);
}

static void end_itunes_explicit(reader *r, const char *arg)
{
    char *value = nb_feed_pop_full(r, "itunes_explicit", 0);
    json_t *v = nb_feed_streq(value, "yes")     ? json_true()
                : nb_feed_streq(value, "clean") ? json_false()
                                                : json_null();
    json_object_set_new(nb_feed_context(r), "itunes_explicit", v);
    free(value);
}

/* --- Media RSS */

static void start_media_category(reader *r, json_t *attrs_in)
{
    json_t *attrs = json_copy(attrs_in);
    if (!json_object_get(attrs, "scheme"))
        json_object_set_new(attrs, "scheme",
                            json_string("http://search.yahoo.com/mrss/category_schema"));
    nb_feed_start_category(r, attrs);
    json_decref(attrs);
}

static void end_media_keywords(reader *r, const char *arg)
{
    end_keywords_list(r, "media_keywords", NULL);
}

static void end_media_title(reader *r, const char *arg)
{
    int saved = r->title_depth;
    nb_feed_end_title(r, NULL);
    r->title_depth = saved;
}

static void start_ignore(reader *r, json_t *attrs)
{
    (void)r, (void)attrs;
}

/* media:rating, media:restriction, media:license: the attributes, then the text. */
static void start_media_attrs(reader *r, json_t *attrs, const char *key, const char *frame_name)
{
    nb_feed_dict_setdefault(nb_feed_context(r), key, json_copy(attrs));
    nb_feed_push(r, frame_name, 1);
}

static void start_media_rating(reader *r, json_t *attrs)
{
    start_media_attrs(r, attrs, "media_rating", "rating");
}

static void start_media_restriction(reader *r, json_t *attrs)
{
    start_media_attrs(r, attrs, "media_restriction", "restriction");
}

static void start_media_license(reader *r, json_t *attrs)
{
    start_media_attrs(r, attrs, "media_license", "license");
}

static void end_media_attrs(reader *r, const char *key, const char *frame_name)
{
    char *value = nb_feed_pop(r, frame_name);
    if (value && *value) {
        json_t *target = json_object_get(nb_feed_context(r), key);
        if (!strcmp(frame_name, "restriction")) {
            json_t *list = json_array();
            char *rest = value;
            while (rest) {
                char *sp = strchr(rest, ' ');
                if (sp)
                    *sp = '\0';
                char *t = nb_feed_strip_dup(rest);
                nb_feed_lower_in_place(t);
                json_array_append_new(list, json_string(t));
                free(t);
                rest = sp ? sp + 1 : NULL;
            }
            json_object_set_new(target, "content", list);
        } else if (target) {
            json_object_set_new(target, "content", json_string(value));
        }
    }
    free(value);
}

static void end_media_rating(reader *r, const char *arg)
{
    end_media_attrs(r, "media_rating", "rating");
}

static void end_media_restriction(reader *r, const char *arg)
{
    end_media_attrs(r, "media_restriction", "restriction");
}

static void end_media_license(reader *r, const char *arg)
{
    end_media_attrs(r, "media_license", "license");
}

static void start_media_credit(reader *r, json_t *attrs)
{
    json_array_append_new(nb_feed_dict_setdefault(nb_feed_context(r), "media_credit", json_array()),
                          json_copy(attrs));
    nb_feed_push(r, "credit", 1);
}

static void end_media_credit(reader *r, const char *arg)
{
    char *value = nb_feed_pop(r, "credit");
    json_t *list = json_object_get(nb_feed_context(r), "media_credit");
    if (value && *value && json_array_size(list))
        json_object_set_new(json_array_get(list, json_array_size(list) - 1), "content",
                            json_string(value));
    free(value);
}

static void start_media_content(reader *r, json_t *attrs)
{
    json_array_append_new(
        nb_feed_dict_setdefault(nb_feed_context(r), "media_content", json_array()),
        json_copy(attrs));
}

static void start_media_thumbnail(reader *r, json_t *attrs)
{
    json_t *list = nb_feed_dict_setdefault(nb_feed_context(r), "media_thumbnail", json_array());
    nb_feed_push(r, "url", 1);
    json_array_append_new(list, json_copy(attrs));
}

static void end_media_thumbnail(reader *r, const char *arg)
{
    char *url = nb_feed_pop(r, "url");
    json_t *list = json_object_get(nb_feed_context(r), "media_thumbnail");
    if (url && *url && json_array_size(list)) {
        json_t *last = json_array_get(list, json_array_size(list) - 1);
        if (!json_object_get(last, "url"))
            json_object_set_new(last, "url", json_string(url));
    }
    free(url);
}

static void start_media_player(reader *r, json_t *attrs)
{
    nb_feed_push(r, "media_player", 0);
    json_object_set_new(nb_feed_context(r), "media_player", json_copy(attrs));
}

static void end_media_player(reader *r, const char *arg)
{
    char *value = nb_feed_pop(r, "media_player");
    json_t *player = json_object_get(nb_feed_context(r), "media_player");
    if (player)
        json_object_set_new(player, "content", json_string(value ? value : ""));
    free(value);
}

/* --- Creative Commons and admin */

static void add_license_link(reader *r, const char *href)
{
    json_t *link = json_object();
    json_object_set_new(link, "rel", json_string("license"));
    if (href && *href)
        json_object_set_new(link, "href", json_string(href));
    json_array_append_new(nb_feed_dict_setdefault(nb_feed_context(r), "links", json_array()), link);
}

static void start_cc_license(reader *r, json_t *attrs)
{
    add_license_link(r, nb_feed_jstr(attrs, "rdf:resource"));
}

static void end_creativecommons_license(reader *r, const char *arg)
{
    char *value = nb_feed_pop(r, "license");
    add_license_link(r, value);
    json_object_del(nb_feed_context(r), "license");
    free(value);
}

static void start_admin_generatoragent(reader *r, json_t *attrs)
{
    const char *value = nb_feed_jstr(attrs, "rdf:resource");
    nb_feed_push(r, "generator", 1);
    if (value)
        nb_feed_add_text(r, value, strlen(value));
    nb_feed_pop_discard(r, "generator");
    json_object_set_new(nb_feed_context(r), "generator_detail",
                        json_pack("{s:o}", "href", nb_feed_str_or_null(value)));
}

static void start_admin_errorreportsto(reader *r, json_t *attrs)
{
    const char *value = nb_feed_jstr(attrs, "rdf:resource");
    nb_feed_push(r, "errorreportsto", 1);
    if (value)
        nb_feed_add_text(r, value, strlen(value));
    nb_feed_pop_discard(r, "errorreportsto");
}

/* --- Podlove simple chapters */

static void start_psc_chapters(reader *r, json_t *attrs)
{
    json_t *ctx = nb_feed_context(r);
    if (json_object_get(ctx, "psc_chapters"))
        return;
    r->in_chapters = 1;
    json_t *chapters = json_copy(attrs);
    json_object_set_new(chapters, "chapters", json_array());
    json_object_set_new(ctx, "psc_chapters", chapters);
}

static void end_psc_chapters(reader *r, const char *arg)
{
    r->in_chapters = 0;
}

/* "hh:mm:ss.mmm" (hours optional, milliseconds optional) in seconds; -1 otherwise. */
static double chapter_start(const char *s)
{
    int f[3] = {0, 0, 0}, n = 0, ms = 0;
    const char *p = s;
    while (n < 3) {
        if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
            return -1;
        f[n++] = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
        if (*p != ':')
            break;
        p++;
    }
    if (n < 2)
        return -1;
    if (*p == '.') {
        if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) ||
            !isdigit((unsigned char)p[3]))
            return -1;
        ms = (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
        p += 4;
    }
    if (*p)
        return -1;
    int h = n == 3 ? f[0] : 0, m = f[n - 2], sec = f[n - 1];
    return h * 3600.0 + m * 60.0 + sec + ms / 1000.0;
}

static void start_psc_chapter(reader *r, json_t *attrs)
{
    if (!r->in_chapters)
        return;
    json_t *chapter = json_copy(attrs);
    const char *start = nb_feed_jstr(attrs, "start");
    double secs = start ? chapter_start(start) : -1;
    json_object_set_new(chapter, "start_parsed", secs >= 0 ? json_real(secs) : json_null());
    json_array_append_new(
        json_object_get(json_object_get(nb_feed_context(r), "psc_chapters"), "chapters"), chapter);
}

/* The handlers of the podcast and media namespaces, by element name as the result's keys spell it
 * (prefix_name); nb_feed_find_handler reads them with the other tables. */
const struct handler nb_feed_media_handlers[] = {
    {"itunes_author", nb_feed_start_author, nb_feed_end_author, NULL, 0, NULL},
    {"itunes_category", start_itunes_category, nb_feed_end_category, NULL, 0, NULL},
    {"itunes_name", NULL, nb_feed_end_name, "name", 0, NULL},
    {"itunes_email", NULL, nb_feed_end_email, "email", 0, NULL},
    {"itunes_subtitle", nb_feed_start_subtitle, nb_feed_end_subtitle, NULL, 0, NULL},
    {"itunes_summary", nb_feed_start_summary, nb_feed_end_summary, NULL, 0, NULL},
    {"itunes_owner", start_itunes_owner, end_itunes_owner, NULL, 0, NULL},
    {"itunes_keywords", NULL, end_itunes_keywords, NULL, 0, NULL},
    {"itunes_image", start_itunes_image, NULL, NULL, 0, NULL},
    {"itunes_link", start_itunes_image, NULL, NULL, 0, NULL},
    {"itunes_block", NULL, end_itunes_block, NULL, 0, NULL},
    {"itunes_explicit", NULL, end_itunes_explicit, NULL, 0, NULL},
    {"media_category", start_media_category, nb_feed_end_category, NULL, 0, NULL},
    {"media_keywords", NULL, end_media_keywords, NULL, 0, NULL},
    {"media_title", nb_feed_start_title, end_media_title, NULL, 0, NULL},
    {"media_group", start_ignore, NULL, NULL, 0, NULL},
    {"media_rating", start_media_rating, end_media_rating, NULL, 0, NULL},
    {"media_credit", start_media_credit, end_media_credit, NULL, 0, NULL},
    {"media_description", nb_feed_start_description, nb_feed_end_description, NULL, 0, NULL},
    {"media_restriction", start_media_restriction, end_media_restriction, NULL, 0, NULL},
    {"media_license", start_media_license, end_media_license, NULL, 0, NULL},
    {"media_content", start_media_content, NULL, NULL, 0, NULL},
    {"media_thumbnail", start_media_thumbnail, end_media_thumbnail, NULL, 0, NULL},
    {"media_player", start_media_player, end_media_player, NULL, 0, NULL},
    {"cc_license", start_cc_license, NULL, NULL, 0, NULL},
    {"creativecommons_license", NULL, end_creativecommons_license, "license", 1, NULL},
    {"admin_generatoragent", start_admin_generatoragent, NULL, NULL, 0, NULL},
    {"admin_errorreportsto", start_admin_errorreportsto, NULL, NULL, 0, NULL},
    {"psc_chapters", start_psc_chapters, end_psc_chapters, NULL, 0, NULL},
    {"psc_chapter", start_psc_chapter, NULL, NULL, 0, NULL},
};
const size_t nb_feed_media_handler_count =
    sizeof nb_feed_media_handlers / sizeof nb_feed_media_handlers[0];
