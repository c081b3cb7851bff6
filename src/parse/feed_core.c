/* SPDX-License-Identifier: MIT */
/* Feed reader: the handlers of the core formats (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, RDF, CDF)
 * and Dublin Core, their table, and the lookup over every table. */
#include <assert.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "parse/feed_internal.h"

static void start_link(reader *r, json_t *attrs);
static void start_content(reader *r, json_t *attrs);
static void end_content(reader *r, const char *arg);
static void end_date(reader *r, const char *key);

static void cdf_common(reader *r, json_t *attrs)
{
    const char *lastmod = nb_feed_jstr(attrs, "lastmod");
    if (lastmod) {
        nb_feed_push(r, "updated", 1);
        nb_feed_add_text(r, lastmod, strlen(lastmod));
        end_date(r, "updated");
    }
    const char *href = nb_feed_jstr(attrs, "href");
    if (href) {
        json_t *none = json_object();
        start_link(r, none);
        json_decref(none);
        if (r->stack_len) {
            nb_feed_frame_reset(&r->stack[r->stack_len - 1]);
            nb_feed_add_text(r, href, strlen(href));
        }
        nb_feed_pop_discard(r, "link");
    }
}

static void start_rss(reader *r, json_t *attrs)
{
    if (*r->version && !strncmp(r->version, "rss", 3))
        return;
    const char *v = nb_feed_jstr(attrs, "version");
    v = v ? v : "";
    const char *name = !strcmp(v, "0.91")     ? "rss091u"
                       : !strcmp(v, "0.92")   ? "rss092"
                       : !strcmp(v, "0.93")   ? "rss093"
                       : !strcmp(v, "0.94")   ? "rss094"
                       : !strncmp(v, "2.", 2) ? "rss20"
                                              : "rss";
    snprintf(r->version, sizeof r->version, "%s", name);
}

static void start_channel(reader *r, json_t *attrs)
{
    r->infeed = 1;
    cdf_common(r, attrs);
}

static void start_feed(reader *r, json_t *attrs)
{
    r->infeed = 1;
    if (*r->version)
        return;
    const char *v = nb_feed_jstr(attrs, "version");
    const char *name = nb_feed_streq(v, "0.1")   ? "atom01"
                       : nb_feed_streq(v, "0.2") ? "atom02"
                       : nb_feed_streq(v, "0.3") ? "atom03"
                                                 : "atom";
    snprintf(r->version, sizeof r->version, "%s", name);
}

static void end_channel(reader *r, const char *arg)
{
    r->infeed = 0;
}

static void start_image(reader *r, json_t *attrs)
{
    (void)attrs;
    if (!r->inentry)
        nb_feed_dict_setdefault(nb_feed_context(r), "image", json_object());
    r->inimage = 1;
    r->title_depth = -1;
    nb_feed_push(r, "image", 0);
}

static void end_image(reader *r, const char *arg)
{
    nb_feed_pop_discard(r, "image");
    r->inimage = 0;
}

static void start_textinput(reader *r, json_t *attrs)
{
    (void)attrs;
    nb_feed_dict_setdefault(nb_feed_context(r), "textinput", json_object());
    r->intextinput = 1;
    r->title_depth = -1;
    nb_feed_push(r, "textinput", 0);
}

static void end_textinput(reader *r, const char *arg)
{
    nb_feed_pop_discard(r, "textinput");
    r->intextinput = 0;
}

void nb_feed_start_author(reader *r, json_t *attrs)
{
    (void)attrs;
    r->inauthor = 1;
    nb_feed_push(r, "author", 1);
    json_t *list = nb_feed_dict_setdefault(nb_feed_context(r), "authors", json_array());
    json_array_append_new(list, json_object());
}

void nb_feed_end_author(reader *r, const char *arg)
{
    nb_feed_pop_discard(r, "author");
    r->inauthor = 0;
    nb_feed_sync_author_detail(r, "author");
}

static void start_contributor(reader *r, json_t *attrs)
{
    (void)attrs;
    r->incontributor = 1;
    json_t *list = nb_feed_dict_setdefault(nb_feed_context(r), "contributors", json_array());
    json_array_append_new(list, json_object());
    nb_feed_push(r, "contributor", 0);
}

static void end_contributor(reader *r, const char *arg)
{
    nb_feed_pop_discard(r, "contributor");
    r->incontributor = 0;
}

void nb_feed_end_name(reader *r, const char *arg)
{
    char *value = nb_feed_pop(r, "name");
    if (!value)
        return;
    if (r->inpublisher)
        nb_feed_save_author(r, "name", value, "publisher");
    else if (r->inauthor)
        nb_feed_save_author(r, "name", value, "author");
    else if (r->incontributor)
        nb_feed_save_contributor(r, "name", value);
    else if (r->intextinput)
        json_object_set_new(nb_feed_context(r), "name", json_string(value));
    free(value);
}

static void end_dimension(reader *r, const char *key)
{
    char *value = nb_feed_pop(r, key);
    if (!value)
        return;
    char *end = NULL;
    long n = strtol(value, &end, 10);
    if (!*value || (end && *end))
        n = 0;
    if (r->inimage)
        json_object_set_new(nb_feed_context(r), key, json_integer(n));
    free(value);
}

static void end_url(reader *r, const char *arg)
{
    char *value = nb_feed_pop(r, "href");
    if (!value)
        return;
    if (r->inauthor)
        nb_feed_save_author(r, "href", value, "author");
    else if (r->incontributor)
        nb_feed_save_contributor(r, "href", value);
    free(value);
}

void nb_feed_end_email(reader *r, const char *arg)
{
    char *value = nb_feed_pop(r, "email");
    if (!value)
        return;
    if (r->inpublisher)
        nb_feed_save_author(r, "email", value, "publisher");
    else if (r->inauthor)
        nb_feed_save_author(r, "email", value, "author");
    else if (r->incontributor)
        nb_feed_save_contributor(r, "email", value);
    free(value);
}

void nb_feed_start_subtitle(reader *r, json_t *attrs)
{
    nb_feed_push_content(r, "subtitle", attrs, "text/plain", 1);
}

void nb_feed_end_subtitle(reader *r, const char *arg)
{
    free(nb_feed_pop_content(r, "subtitle"));
}

static void start_rights(reader *r, json_t *attrs)
{
    nb_feed_push_content(r, "rights", attrs, "text/plain", 1);
}

static void end_rights(reader *r, const char *arg)
{
    free(nb_feed_pop_content(r, "rights"));
}

static void start_item(reader *r, json_t *attrs)
{
    json_decref(r->overflow);
    json_decref(r->overflow_depths);
    r->overflow = r->overflow_depths = NULL;
    if (json_array_size(r->entries) >= NB_LIMIT_FEED_ITEMS) {
        /* past the cap an entry is read (the document stays in step) but not kept */
        r->dropped++;
        r->overflow = json_object();
        r->overflow_depths = json_object();
    } else {
        json_array_append_new(r->entries, json_object());
        json_array_append_new(r->depths, json_object());
    }
    nb_feed_push(r, "item", 0);
    r->inentry = 1;
    r->guidislink = 0;
    r->title_depth = -1;
    const char *about = nb_feed_jstr(attrs, "rdf:about");
    if (about)
        json_object_set_new(nb_feed_context(r), "id", json_string(about));
    cdf_common(r, attrs);
}

static void end_item(reader *r, const char *arg)
{
    nb_feed_pop_discard(r, "item");
    json_decref(r->overflow);
    json_decref(r->overflow_depths);
    r->overflow = r->overflow_depths = NULL;
    r->inentry = 0;
    r->has_content = 0;
}

static void end_language(reader *r, const char *arg)
{
    char *value = nb_feed_pop(r, "language");
    free(r->lang);
    r->lang = value;
}

static void end_webmaster(reader *r, const char *arg)
{
    nb_feed_pop_discard(r, "publisher");
    nb_feed_sync_author_detail(r, "publisher");
}

static void end_date(reader *r, const char *key)
{
    char *value = nb_feed_pop(r, key);
    char parsed[64];
    snprintf(parsed, sizeof parsed, "%s_parsed", key);
    nb_feed_dict_set(nb_feed_context(r), parsed, nb_feed_date_tuple(value));
    free(value);
}

void nb_feed_start_category(reader *r, json_t *attrs)
{
    const char *scheme = nb_feed_jstr(attrs, "scheme");
    nb_feed_add_tag(r, nb_feed_jstr(attrs, "term"), scheme ? scheme : nb_feed_jstr(attrs, "domain"),
                    nb_feed_jstr(attrs, "label"));
    nb_feed_push(r, "category", 1);
}

void nb_feed_end_category(reader *r, const char *arg)
{
    char *value = nb_feed_pop(r, "category");
    if (value && *value) {
        json_t *tags = json_object_get(nb_feed_context(r), "tags");
        size_t n = json_array_size(tags);
        json_t *last = n ? json_array_get(tags, n - 1) : NULL;
        const char *term = last ? nb_feed_jstr(last, "term") : NULL;
        if (last && (!term || !*term))
            json_object_set_new(last, "term", json_string(value));
        else
            nb_feed_add_tag(r, value, NULL, NULL);
    }
    free(value);
}

static void end_tags(reader *r, const char *arg)
{
    char *value = nb_feed_pop(r, "tags");
    if (!value)
        return;
    char *save = value;
    for (char *term = value;; term = NULL) {
        char *comma = strchr(term ? term : save, ',');
        char *start = term ? term : save;
        if (comma)
            *comma = '\0';
        char *t = nb_feed_strip_dup(start);
        nb_feed_add_tag(r, t, NULL, NULL);
        free(t);
        if (!comma)
            break;
        save = comma + 1;
    }
    free(value);
}

static void start_cloud(reader *r, json_t *attrs)
{
    json_object_set_new(nb_feed_context(r), "cloud", json_copy(attrs));
}

/* url/uri/href attributes all become href. */
static void enforce_href(json_t *attrs)
{
    const char *href = nb_feed_jstr(attrs, "url");
    if (!href)
        href = nb_feed_jstr(attrs, "uri");
    if (!href)
        href = nb_feed_jstr(attrs, "href");
    if (!href || !*href)
        return;
    json_t *value = json_string(href);
    json_object_del(attrs, "url");
    json_object_del(attrs, "uri");
    json_object_set_new(attrs, "href", value);
}

static void start_link(reader *r, json_t *attrs_in)
{
    json_t *attrs = json_copy(attrs_in);
    if (!json_object_get(attrs, "rel"))
        json_object_set_new(attrs, "rel", json_string("alternate"));
    if (!json_object_get(attrs, "type"))
        json_object_set_new(attrs, "type",
                            json_string(nb_feed_streq(nb_feed_jstr(attrs, "rel"), "self")
                                            ? "application/atom+xml"
                                            : "text/html"));
    json_t *ctx = nb_feed_context(r);
    enforce_href(attrs);
    if (nb_feed_jstr(attrs, "href")) {
        char *abs = nb_feed_urljoin(r->base, nb_feed_jstr(attrs, "href"));
        json_object_set_new(attrs, "href", json_string(abs));
        free(abs);
    }
    int expecting_text = r->infeed || r->inentry || r->insource;
    json_t *links = nb_feed_dict_setdefault(ctx, "links", json_array());
    if (!(r->inentry && r->inimage))
        json_array_append(links, attrs);
    if (nb_feed_jstr(attrs, "href")) {
        char type[128];
        nb_feed_map_content_type(nb_feed_jstr(attrs, "type"), type, sizeof type);
        if (nb_feed_streq(nb_feed_jstr(attrs, "rel"), "alternate") &&
            (!strcmp(type, "text/html") || !strcmp(type, "application/xhtml+xml")))
            nb_feed_dict_set(ctx, "link", json_string(nb_feed_jstr(attrs, "href")));
    } else {
        nb_feed_push(r, "link", expecting_text);
    }
    json_decref(attrs);
}

static void start_guid(reader *r, json_t *attrs)
{
    const char *permalink = nb_feed_jstr(attrs, "ispermalink");
    r->guidislink = !permalink || !strcmp(permalink, "true");
    nb_feed_push(r, "id", 1);
}

static void end_guid(reader *r, const char *arg)
{
    char *value = nb_feed_pop(r, "id");
    json_t *ctx = nb_feed_context(r);
    if (!nb_feed_dict_get(ctx, "guidislink"))
        nb_feed_dict_set(ctx, "guidislink",
                         json_boolean(r->guidislink && !json_object_get(ctx, "link")));
    if (r->guidislink && value && !json_object_get(ctx, "link"))
        nb_feed_dict_set(ctx, "link", json_string(value));
    free(value);
}

void nb_feed_start_title(reader *r, json_t *attrs)
{
    if (r->svg_depth) {
        nb_feed_start_element(r, "title", attrs);
        return;
    }
    nb_feed_push_content(r, "title", attrs, "text/plain", r->infeed || r->inentry || r->insource);
}

void nb_feed_end_title(reader *r, const char *arg)
{
    if (r->svg_depth)
        return;
    char *value = nb_feed_pop_content(r, "title");
    if (value && *value)
        r->title_depth = r->depth;
    free(value);
}

void nb_feed_start_description(reader *r, json_t *attrs)
{
    if (json_object_get(nb_feed_context(r), "summary") && !r->has_content) {
        r->summary_key = "content";
        start_content(r, attrs);
    } else {
        nb_feed_push_content(r, "description", attrs, "text/html",
                             r->infeed || r->inentry || r->insource);
    }
}

static void start_abstract(reader *r, json_t *attrs)
{
    nb_feed_push_content(r, "description", attrs, "text/plain",
                         r->infeed || r->inentry || r->insource);
}

void nb_feed_end_description(reader *r, const char *arg)
{
    if (nb_feed_streq(r->summary_key, "content"))
        end_content(r, NULL);
    else
        free(nb_feed_pop_content(r, "description"));
    r->summary_key = NULL;
}

static void start_info(reader *r, json_t *attrs)
{
    nb_feed_push_content(r, "info", attrs, "text/plain", 1);
}

static void end_info(reader *r, const char *arg)
{
    free(nb_feed_pop_content(r, "info"));
}

static void start_generator(reader *r, json_t *attrs_in)
{
    json_t *attrs = json_copy(attrs_in);
    if (json_object_size(attrs)) {
        enforce_href(attrs);
        if (nb_feed_jstr(attrs, "href")) {
            char *abs = nb_feed_urljoin(r->base, nb_feed_jstr(attrs, "href"));
            json_object_set_new(attrs, "href", json_string(abs));
            free(abs);
        }
    }
    json_object_set_new(nb_feed_context(r), "generator_detail", attrs);
    nb_feed_push(r, "generator", 1);
}

static void end_generator(reader *r, const char *arg)
{
    char *value = nb_feed_pop(r, "generator");
    json_t *detail = json_object_get(nb_feed_context(r), "generator_detail");
    if (detail && value)
        json_object_set_new(detail, "name", json_string(value));
    free(value);
}

void nb_feed_start_summary(reader *r, json_t *attrs)
{
    if (json_object_get(nb_feed_context(r), "summary") && !r->has_content) {
        r->summary_key = "content";
        start_content(r, attrs);
    } else {
        r->summary_key = "summary";
        nb_feed_push_content(r, "summary", attrs, "text/plain", 1);
    }
}

void nb_feed_end_summary(reader *r, const char *arg)
{
    if (nb_feed_streq(r->summary_key, "content"))
        end_content(r, NULL);
    else
        free(nb_feed_pop_content(r, r->summary_key ? r->summary_key : "summary"));
    r->summary_key = NULL;
}

static void start_enclosure(reader *r, json_t *attrs_in)
{
    json_t *attrs = json_copy(attrs_in);
    enforce_href(attrs);
    json_object_set_new(attrs, "rel", json_string("enclosure"));
    json_array_append_new(nb_feed_dict_setdefault(nb_feed_context(r), "links", json_array()),
                          attrs);
}

static void start_source(reader *r, json_t *attrs)
{
    const char *url = nb_feed_jstr(attrs, "url");
    if (!r->source)
        r->source = json_object();
    if (url)
        json_object_set_new(r->source, "href", json_string(url));
    nb_feed_push(r, "source", 1);
    r->insource = 1;
    r->title_depth = -1;
}

static void end_source(reader *r, const char *arg)
{
    r->insource = 0;
    char *value = nb_feed_pop(r, "source");
    if (value && *value)
        json_object_set_new(r->source, "title", json_string(value));
    free(value);
    json_object_set_new(nb_feed_context(r), "source", json_deep_copy(r->source));
    json_object_clear(r->source);
}

static void start_content(reader *r, json_t *attrs)
{
    r->has_content = 1;
    nb_feed_push_content(r, "content", attrs, "text/plain", 1);
    const char *src = nb_feed_jstr(attrs, "src");
    if (src && *src)
        json_object_set_new(r->contentparams, "src", json_string(src));
    nb_feed_push(r, "content", 1);
}

static void start_body(reader *r, json_t *attrs)
{
    nb_feed_push_content(r, "content", attrs, "application/xhtml+xml", 1);
}

static void start_content_encoded(reader *r, json_t *attrs)
{
    r->has_content = 1;
    nb_feed_push_content(r, "content", attrs, "text/html", 1);
}

static void end_content(reader *r, const char *arg)
{
    char type[128];
    nb_feed_map_content_type(nb_feed_content_type(r), type, sizeof type);
    int copy_to_summary = !strcmp(type, "text/plain") || !strcmp(type, "text/html") ||
                          !strcmp(type, "application/xhtml+xml");
    char *value = nb_feed_pop_content(r, "content");
    if (copy_to_summary && value && !json_object_get(nb_feed_context(r), "summary"))
        json_object_set_new(nb_feed_context(r), "summary", json_string(value));
    free(value);
}

static void end_newlocation(reader *r, const char *arg)
{
    char *url = nb_feed_pop(r, "newlocation");
    if (url && nb_feed_context(r) == r->feed) {
        char *t = nb_feed_strip_dup(url);
        char *abs = nb_feed_safe_absolute_uri(r->base, t);
        json_object_set_new(r->feed, "newlocation", json_string(abs));
        free(abs);
        free(t);
    }
    free(url);
}

/* --- Dublin Core */

static void start_dc_contributor(reader *r, json_t *attrs)
{
    (void)attrs;
    r->incontributor = 1;
    json_array_append_new(nb_feed_dict_setdefault(nb_feed_context(r), "contributors", json_array()),
                          json_object());
    nb_feed_push(r, "name", 0);
}

static void end_dc_contributor(reader *r, const char *arg)
{
    nb_feed_end_name(r, NULL);
    r->incontributor = 0;
}

static void end_validity(reader *r, const char *arg)
{
    char *value = nb_feed_pop(r, "validity");
    if (!value)
        return;
    char *rest = value;
    while (rest) {
        char *semi = strchr(rest, ';');
        if (semi)
            *semi = '\0';
        char *eq = strchr(rest, '=');
        if (eq) {
            *eq = '\0';
            const char *key = !strcmp(rest, "start") ? "validity_start"
                              : !strcmp(rest, "end") ? "validity_end"
                                                     : NULL;
            if (key) {
                char parsed[64];
                snprintf(parsed, sizeof parsed, "%s_parsed", key);
                json_object_set_new(nb_feed_context(r), key, json_string(eq + 1));
                json_object_set_new(nb_feed_context(r), parsed, nb_feed_date_tuple(eq + 1));
            }
        }
        rest = semi ? semi + 1 : NULL;
    }
    free(value);
}

/* The handlers, by element name as the result's keys spell it (prefix_name). An element
 * with neither is kept under its own name. */
static const struct handler handlers[] = {
    {"rss", start_rss, NULL, NULL, 0, NULL},
    {"channel", start_channel, end_channel, NULL, 0, NULL},
    {"feed", start_feed, end_channel, NULL, 0, NULL},
    {"image", start_image, end_image, NULL, 0, NULL},
    {"textinput", start_textinput, end_textinput, NULL, 0, NULL},
    {"author", nb_feed_start_author, nb_feed_end_author, NULL, 0, NULL},
    {"managingeditor", nb_feed_start_author, nb_feed_end_author, NULL, 0, NULL},
    {"contributor", start_contributor, end_contributor, NULL, 0, NULL},
    {"name", NULL, nb_feed_end_name, "name", 0, NULL},
    {"width", NULL, end_dimension, "width", 0, "width"},
    {"height", NULL, end_dimension, "height", 0, "height"},
    {"url", NULL, end_url, "href", 1, NULL},
    {"homepage", NULL, end_url, "href", 1, NULL},
    {"uri", NULL, end_url, "href", 1, NULL},
    {"email", NULL, nb_feed_end_email, "email", 0, NULL},
    {"subtitle", nb_feed_start_subtitle, nb_feed_end_subtitle, NULL, 0, NULL},
    {"tagline", nb_feed_start_subtitle, nb_feed_end_subtitle, NULL, 0, NULL},
    {"rights", start_rights, end_rights, NULL, 0, NULL},
    {"copyright", start_rights, end_rights, NULL, 0, NULL},
    {"item", start_item, end_item, NULL, 0, NULL},
    {"entry", start_item, end_item, NULL, 0, NULL},
    {"language", NULL, end_language, "language", 1, NULL},
    {"webmaster", NULL, end_webmaster, "publisher", 1, NULL},
    {"published", NULL, end_date, "published", 1, "published"},
    {"issued", NULL, end_date, "published", 1, "published"},
    {"pubdate", NULL, end_date, "published", 1, "published"},
    {"updated", NULL, end_date, "updated", 1, "updated"},
    {"modified", NULL, end_date, "updated", 1, "updated"},
    {"lastbuilddate", NULL, end_date, "updated", 1, "updated"},
    {"created", NULL, end_date, "created", 1, "created"},
    {"expirationdate", NULL, end_date, "expired", 1, "expired"},
    {"category", nb_feed_start_category, nb_feed_end_category, NULL, 0, NULL},
    {"keywords", nb_feed_start_category, nb_feed_end_category, NULL, 0, NULL},
    {"tags", NULL, end_tags, "tags", 1, NULL},
    {"cloud", start_cloud, NULL, NULL, 0, NULL},
    {"link", start_link, nb_feed_pop_discard, NULL, 0, "link"},
    {"guid", start_guid, end_guid, NULL, 0, NULL},
    {"id", start_guid, end_guid, NULL, 0, NULL},
    {"title", nb_feed_start_title, nb_feed_end_title, NULL, 0, NULL},
    {"description", nb_feed_start_description, nb_feed_end_description, NULL, 0, NULL},
    {"abstract", start_abstract, nb_feed_end_description, NULL, 0, NULL},
    {"info", start_info, end_info, NULL, 0, NULL},
    {"feedburner_browserfriendly", start_info, end_info, NULL, 0, NULL},
    {"generator", start_generator, end_generator, NULL, 0, NULL},
    {"summary", nb_feed_start_summary, nb_feed_end_summary, NULL, 0, NULL},
    {"enclosure", start_enclosure, NULL, NULL, 0, NULL},
    {"source", start_source, end_source, NULL, 0, NULL},
    {"content", start_content, end_content, NULL, 0, NULL},
    {"body", start_body, end_content, NULL, 0, NULL},
    {"xhtml_body", start_body, end_content, NULL, 0, NULL},
    {"content_encoded", start_content_encoded, end_content, NULL, 0, NULL},
    {"fullitem", start_content_encoded, end_content, NULL, 0, NULL},
    {"newlocation", NULL, end_newlocation, "newlocation", 1, NULL},
    {"dc_author", nb_feed_start_author, nb_feed_end_author, NULL, 0, NULL},
    {"dc_creator", nb_feed_start_author, nb_feed_end_author, NULL, 0, NULL},
    {"dc_date", NULL, end_date, "updated", 1, "updated"},
    {"dc_description", nb_feed_start_description, nb_feed_end_description, NULL, 0, NULL},
    {"dc_language", NULL, end_language, "language", 1, NULL},
    {"dc_publisher", NULL, end_webmaster, "publisher", 1, NULL},
    {"dc_rights", start_rights, end_rights, NULL, 0, NULL},
    {"dc_subject", nb_feed_start_category, nb_feed_end_category, NULL, 0, NULL},
    {"dc_title", nb_feed_start_title, nb_feed_end_title, NULL, 0, NULL},
    {"dcterms_created", NULL, end_date, "created", 1, "created"},
    {"dcterms_issued", NULL, end_date, "published", 1, "published"},
    {"dcterms_modified", NULL, end_date, "updated", 1, "updated"},
    {"dcterms_valid", NULL, end_validity, "validity", 1, NULL},
    {"dc_contributor", start_dc_contributor, end_dc_contributor, NULL, 0, NULL},
};

#define HANDLER_CAP 256 /* handlers of every table together, at most */

static int by_handler_name(const void *a, const void *b)
{
    return strcmp(((const struct handler *)a)->name, ((const struct handler *)b)->name);
}

static struct handler sorted_handlers[HANDLER_CAP];
static size_t sorted_count;
static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

/* Every table, one line each: the core formats' and each namespace family's. */
static void sort_handlers(void)
{
    const struct {
        const struct handler *table;
        size_t count;
    } tables[] = {
        {handlers, sizeof handlers / sizeof handlers[0]},
        {nb_feed_media_handlers, nb_feed_media_handler_count},
        {nb_feed_geo_handlers, nb_feed_geo_handler_count},
    };
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        assert(sorted_count + tables[t].count <= HANDLER_CAP);
        memcpy(sorted_handlers + sorted_count, tables[t].table,
               tables[t].count * sizeof tables[t].table[0]);
        sorted_count += tables[t].count;
    }
    qsort(sorted_handlers, sorted_count, sizeof sorted_handlers[0], by_handler_name);
}

const struct handler *nb_feed_find_handler(const char *name)
{
    pthread_once(&sorted_once, sort_handlers);
    struct handler key = {.name = name};
    return bsearch(&key, sorted_handlers, sorted_count, sizeof key, by_handler_name);
}
