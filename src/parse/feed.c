/* Feed reader on libxml2's tree API. Parsing is RECOVER|NONET (never NOENT or DTDLOAD),
 * so a feed can neither reach the network nor expand entities. Unknown elements are
 * ignored; the first occurrence of a known element wins. */
#include <stdlib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/time.h"
#include "core/url.h"
#include "parse/parse.h"

#define NS_ATOM "http://www.w3.org/2005/Atom"
#define NS_CONTENT "http://purl.org/rss/1.0/modules/content/"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_MEDIA "http://search.yahoo.com/mrss/"

typedef struct reader {
    nb_feed *feed;
    const char *base;
    const char *updated; /* atom:updated of the entry being read: a fallback date */
} reader;

static int is(const xmlNode *n, const char *name, const char *ns)
{
    if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, name) != 0)
        return 0;
    if (!ns)
        return n->ns == NULL || n->ns->href == NULL ||
               /* RSS 1.0 and some RSS 2.0 feeds put items in a default namespace */
               strstr((const char *)n->ns->href, "purl.org/rss/1.0/") != NULL ||
               strstr((const char *)n->ns->href, "backend.userland.com") != NULL;
    return n->ns && n->ns->href && strcmp((const char *)n->ns->href, ns) == 0;
}

static const char *text_of(reader *r, const xmlNode *n)
{
    xmlChar *s = xmlNodeGetContent(n);
    if (!s)
        return NULL;
    size_t len = strlen((const char *)s);
    if (len > NB_LIMIT_FIELD_BYTES)
        len = NB_LIMIT_FIELD_BYTES;
    /* trim */
    const char *p = (const char *)s;
    while (len && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) {
        p++;
        len--;
    }
    while (len &&
           (p[len - 1] == ' ' || p[len - 1] == '\n' || p[len - 1] == '\r' || p[len - 1] == '\t'))
        len--;
    const char *out = len ? nb_arena_strndup(r->feed->arena, p, len) : NULL;
    xmlFree(s);
    return out;
}

static const char *attr(reader *r, const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    const char *out = nb_arena_strdup(r->feed->arena, (const char *)v);
    xmlFree(v);
    return out;
}

static const char *resolve(reader *r, const xmlNode *n, const char *ref)
{
    if (!ref)
        return NULL;
    xmlChar *base = xmlNodeGetBase(n->doc, n);
    const char *b = base ? (const char *)base : r->base;
    char *abs = nb_url_resolve(b, ref);
    xmlFree(base);
    const char *out = nb_arena_strdup(r->feed->arena, abs ? abs : ref);
    free(abs);
    return out;
}

/* Atom content type="xhtml" holds markup, not text: serialize the children. */
static const char *markup_of(reader *r, const xmlNode *n)
{
    xmlBufferPtr buf = xmlBufferCreate();
    for (xmlNode *c = n->children; c; c = c->next)
        xmlNodeDump(buf, n->doc, c, 0, 0);
    const char *out = nb_arena_strdup(r->feed->arena, (const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    return out;
}

static const char *atom_text(reader *r, const xmlNode *n)
{
    const char *type = attr(r, n, "type");
    if (type && strcmp(type, "xhtml") == 0)
        return markup_of(r, n);
    return text_of(r, n);
}

/* An Atom text construct as plain text (titles): markup of type html or xhtml is reduced. */
static const char *atom_plain(reader *r, const xmlNode *n)
{
    const char *type = attr(r, n, "type");
    const char *raw = atom_text(r, n);
    if (!raw || !type || (strcmp(type, "html") != 0 && strcmp(type, "xhtml") != 0))
        return raw;
    char *text = nb_html_to_text(raw, strlen(raw));
    const char *out = nb_arena_strdup(r->feed->arena, text);
    free(text);
    return out;
}

static int is_image(const char *type, const char *url)
{
    if (type)
        return strncmp(type, "image/", 6) == 0 || strcmp(type, "image") == 0;
    if (!url)
        return 0;
    const char *dot = strrchr(url, '.');
    return dot && (!strcmp(dot, ".jpg") || !strcmp(dot, ".jpeg") || !strcmp(dot, ".png") ||
                   !strcmp(dot, ".gif") || !strcmp(dot, ".webp"));
}

static void set_once(const char **slot, const char *value)
{
    if (!*slot && value)
        *slot = value;
}

static void read_entry_child(reader *r, nb_feed_entry *e, const xmlNode *c)
{
    if (is(c, "title", NULL) || is(c, "title", NS_ATOM)) {
        set_once(&e->title, is(c, "title", NS_ATOM) ? atom_plain(r, c) : text_of(r, c));
    } else if (is(c, "link", NULL)) {
        set_once(&e->link, resolve(r, c, text_of(r, c)));
    } else if (is(c, "link", NS_ATOM)) {
        const char *rel = attr(r, c, "rel");
        const char *href = attr(r, c, "href");
        const char *type = attr(r, c, "type");
        if (!rel || !strcmp(rel, "alternate"))
            set_once(&e->link, resolve(r, c, href));
        else if (!strcmp(rel, "enclosure") && is_image(type, href))
            set_once(&e->image, resolve(r, c, href));
    } else if (is(c, "guid", NULL) || is(c, "id", NS_ATOM)) {
        set_once(&e->id, text_of(r, c));
    } else if (is(c, "description", NULL) || is(c, "summary", NS_ATOM)) {
        set_once(&e->summary_html, is(c, "summary", NS_ATOM) ? atom_text(r, c) : text_of(r, c));
    } else if (is(c, "encoded", NS_CONTENT) || is(c, "content", NS_ATOM)) {
        set_once(&e->content_html, is(c, "content", NS_ATOM) ? atom_text(r, c) : text_of(r, c));
    } else if (is(c, "pubDate", NULL) || is(c, "published", NS_ATOM) || is(c, "date", NS_DC)) {
        set_once(&e->date_text, text_of(r, c));
    } else if (is(c, "updated", NS_ATOM)) {
        set_once(&r->updated, text_of(r, c));
    } else if (is(c, "enclosure", NULL)) {
        const char *url = attr(r, c, "url");
        if (is_image(attr(r, c, "type"), url))
            set_once(&e->image, resolve(r, c, url));
    } else if (is(c, "content", NS_MEDIA) || is(c, "thumbnail", NS_MEDIA)) {
        const char *url = attr(r, c, "url");
        const char *medium = attr(r, c, "medium");
        if (is(c, "thumbnail", NS_MEDIA) || (medium && !strcmp(medium, "image")) ||
            is_image(attr(r, c, "type"), url))
            set_once(&e->image, resolve(r, c, url));
    } else if (is(c, "group", NS_MEDIA)) {
        for (const xmlNode *g = c->children; g; g = g->next)
            read_entry_child(r, e, g);
    }
}

static void read_entry(reader *r, const xmlNode *n)
{
    if (r->feed->entry_count >= NB_LIMIT_FEED_ITEMS)
        return;
    nb_feed_entry *e = &r->feed->entries[r->feed->entry_count];
    memset(e, 0, sizeof *e);
    r->updated = NULL;
    for (const xmlNode *c = n->children; c; c = c->next)
        read_entry_child(r, e, c);
    set_once(&e->date_text, r->updated);
    if (e->date_text && nb_time_parse_feed(e->date_text, &e->published, NULL) == NB_OK)
        e->has_published = 1;
    if (!e->link && e->id && nb_url_is_http(e->id))
        e->link = e->id; /* RSS guid isPermaLink */
    r->feed->entry_count++;
}

static size_t count_entries(const xmlNode *parent)
{
    size_t n = 0;
    for (const xmlNode *c = parent->children; c; c = c->next)
        if (is(c, "item", NULL) || is(c, "entry", NS_ATOM))
            n++;
    return n;
}

static void read_channel(reader *r, const xmlNode *channel)
{
    for (const xmlNode *c = channel->children; c; c = c->next) {
        if (is(c, "title", NULL) || is(c, "title", NS_ATOM))
            set_once(&r->feed->title, text_of(r, c));
        else if (is(c, "link", NULL))
            set_once(&r->feed->link, text_of(r, c));
        else if (is(c, "link", NS_ATOM)) {
            const char *rel = attr(r, c, "rel");
            if (!rel || !strcmp(rel, "alternate"))
                set_once(&r->feed->link, resolve(r, c, attr(r, c, "href")));
        }
    }
}

static void read_items(reader *r, const xmlNode *parent)
{
    for (const xmlNode *c = parent->children; c; c = c->next)
        if (is(c, "item", NULL) || is(c, "entry", NS_ATOM))
            read_entry(r, c);
}

/* libxml2 reports recoverable problems (and serialization trouble in xmlNodeDump) on
 * stderr through its generic handler; a parser must not write to the terminal. */
static void ignore_libxml_message(void *ctx, const char *msg, ...)
{
    (void)ctx, (void)msg;
}

nb_err nb_feed_parse(const char *data, size_t len, const char *base_url, nb_feed **out,
                     nb_errbuf *err)
{
    xmlSetGenericErrorFunc(NULL, ignore_libxml_message);
    if (len > NB_LIMIT_BODY_BYTES)
        return nb_errf(err, NB_ERR_LIMIT, "feed of %zu bytes exceeds the %u byte cap", len,
                       NB_LIMIT_BODY_BYTES);
    if (len > (size_t)INT32_MAX)
        return nb_errf(err, NB_ERR_LIMIT, "feed too large");
    xmlDocPtr doc = xmlReadMemory(data, (int)len, base_url, NULL,
                                  XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR |
                                      XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        xmlFreeDoc(doc);
        return nb_errf(err, NB_ERR_PARSE, "not XML: no root element");
    }
    const xmlNode *channel = NULL, *items_parent = NULL;
    if (is(root, "rss", NULL)) {
        for (const xmlNode *c = root->children; c; c = c->next)
            if (is(c, "channel", NULL))
                channel = items_parent = c;
    } else if (is(root, "feed", NS_ATOM)) {
        channel = items_parent = root;
    } else if (strcmp((const char *)root->name, "RDF") == 0) {
        for (const xmlNode *c = root->children; c; c = c->next)
            if (is(c, "channel", NULL))
                channel = c;
        items_parent = root;
    }
    if (!items_parent) {
        nb_err rc = nb_errf(err, NB_ERR_PARSE, "not a feed: the document is <%s>", root->name);
        xmlFreeDoc(doc);
        return rc;
    }
    nb_feed *feed = nb_xcalloc(1, sizeof *feed);
    feed->arena = nb_arena_new();
    if (is(root, "feed", NS_ATOM)) {
        feed->version = "atom10";
    } else if (is(root, "rss", NULL)) {
        xmlChar *v = xmlGetProp(root, (const xmlChar *)"version");
        feed->version = v && !xmlStrcmp(v, (const xmlChar *)"2.0")    ? "rss20"
                        : v && !xmlStrcmp(v, (const xmlChar *)"0.92") ? "rss092"
                        : v && !xmlStrcmp(v, (const xmlChar *)"0.93") ? "rss093"
                        : v && !xmlStrcmp(v, (const xmlChar *)"0.94") ? "rss094"
                        : v && !xmlStrcmp(v, (const xmlChar *)"0.91") ? "rss091u"
                                                                      : "rss";
        xmlFree(v);
    } else {
        feed->version = "rss10";
    }
    reader r = {.feed = feed, .base = base_url};
    size_t n = count_entries(items_parent);
    if (n > NB_LIMIT_FEED_ITEMS)
        n = NB_LIMIT_FEED_ITEMS;
    feed->entries = nb_arena_alloc(feed->arena, (n ? n : 1) * sizeof(nb_feed_entry));
    if (channel)
        read_channel(&r, channel);
    read_items(&r, items_parent);
    xmlFreeDoc(doc);
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
