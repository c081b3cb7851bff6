/* SPDX-License-Identifier: MIT */
/* Feed reader: RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and CDF read from libxml2's SAX2 events
 * into a dictionary shaped like feedparser's result, so the two can be compared key by
 * key. Elements are matched by namespace (mapped to canonical prefixes), text collects on
 * a stack of open elements and is stored when the element closes. The parser never
 * expands an entity it did not define itself: HTML entity names and plain internal
 * entities become text, nothing is fetched, DTD entities cannot nest, and what references
 * expand to is capped per document. */
#include <ctype.h>
#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "parse/feed_internal.h"

/* ---------------------------------------------------------------- namespaces */

/* Namespace URIs mapped to the prefixes the result's keys use ("" for the core formats). */
static const struct {
    const char *uri, *prefix;
} known_namespaces[] = {
    {"", ""},
    {"http://backend.userland.com/rss", ""},
    {"http://blogs.law.harvard.edu/tech/rss", ""},
    {"http://purl.org/rss/1.0/", ""},
    {"http://my.netscape.com/rdf/simple/0.9/", ""},
    {"http://example.com/newformat#", ""},
    {"http://example.com/necho", ""},
    {"http://purl.org/echo/", ""},
    {"uri/of/echo/namespace#", ""},
    {"http://purl.org/pie/", ""},
    {"http://purl.org/atom/ns#", ""},
    {"http://www.w3.org/2005/atom", ""},
    {"http://purl.org/rss/1.0/modules/rss091#", ""},
    {"http://webns.net/mvcb/", "admin"},
    {"http://purl.org/rss/1.0/modules/aggregation/", "ag"},
    {"http://purl.org/rss/1.0/modules/annotate/", "annotate"},
    {"http://media.tangent.org/rss/1.0/", "audio"},
    {"http://backend.userland.com/blogchannelmodule", "blogChannel"},
    {"http://creativecommons.org/ns#license", "cc"},
    {"http://web.resource.org/cc/", "cc"},
    {"http://cyber.law.harvard.edu/rss/creativecommonsrssmodule.html", "creativeCommons"},
    {"http://backend.userland.com/creativecommonsrssmodule", "creativeCommons"},
    {"http://purl.org/rss/1.0/modules/company", "co"},
    {"http://purl.org/rss/1.0/modules/content/", "content"},
    {"http://my.theinfo.org/changed/1.0/rss/", "cp"},
    {"http://purl.org/dc/elements/1.1/", "dc"},
    {"http://purl.org/dc/terms/", "dcterms"},
    {"http://purl.org/rss/1.0/modules/email/", "email"},
    {"http://purl.org/rss/1.0/modules/event/", "ev"},
    {"http://rssnamespace.org/feedburner/ext/1.0", "feedburner"},
    {"http://freshmeat.net/rss/fm/", "fm"},
    {"http://xmlns.com/foaf/0.1/", "foaf"},
    {"http://www.w3.org/2003/01/geo/wgs84_pos#", "geo"},
    {"http://www.georss.org/georss", "georss"},
    {"http://www.opengis.net/gml", "gml"},
    {"http://postneo.com/icbm/", "icbm"},
    {"http://purl.org/rss/1.0/modules/image/", "image"},
    {"http://www.itunes.com/dtds/podcast-1.0.dtd", "itunes"},
    {"http://example.com/dtds/podcast-1.0.dtd", "itunes"},
    {"http://purl.org/rss/1.0/modules/link/", "l"},
    {"http://search.yahoo.com/mrss", "media"},
    {"http://search.yahoo.com/mrss/", "media"},
    {"http://madskills.com/public/xml/rss/module/pingback/", "pingback"},
    {"http://prismstandard.org/namespaces/1.2/basic/", "prism"},
    {"http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf"},
    {"http://www.w3.org/2000/01/rdf-schema#", "rdfs"},
    {"http://purl.org/rss/1.0/modules/reference/", "ref"},
    {"http://purl.org/rss/1.0/modules/richequiv/", "reqv"},
    {"http://purl.org/rss/1.0/modules/search/", "search"},
    {"http://purl.org/rss/1.0/modules/slash/", "slash"},
    {"http://schemas.xmlsoap.org/soap/envelope/", "soap"},
    {"http://purl.org/rss/1.0/modules/servicestatus/", "ss"},
    {"http://hacks.benhammersley.com/rss/streaming/", "str"},
    {"http://purl.org/rss/1.0/modules/subscription/", "sub"},
    {"http://purl.org/rss/1.0/modules/syndication/", "sy"},
    {"http://schemas.pocketsoap.com/rss/mydescmodule/", "szf"},
    {"http://purl.org/rss/1.0/modules/taxonomy/", "taxo"},
    {"http://purl.org/rss/1.0/modules/threading/", "thr"},
    {"http://purl.org/rss/1.0/modules/textinput/", "ti"},
    {"http://madskills.com/public/xml/rss/module/trackback/", "trackback"},
    {"http://wellformedweb.org/commentapi/", "wfw"},
    {"http://purl.org/rss/1.0/modules/wiki/", "wiki"},
    {"http://www.w3.org/1999/xhtml", "xhtml"},
    {"http://www.w3.org/1999/xlink", "xlink"},
    {"http://www.w3.org/xml/1998/namespace", "xml"},
    {"http://podlove.org/simple-chapters", "psc"},
};

#define NAMESPACE_COUNT (sizeof known_namespaces / sizeof known_namespaces[0])

static struct known_namespace {
    const char *uri, *prefix;
} sorted_namespaces[NAMESPACE_COUNT];
static pthread_once_t namespaces_once = PTHREAD_ONCE_INIT;

static int by_uri(const void *a, const void *b)
{
    return strcmp(((const struct known_namespace *)a)->uri,
                  ((const struct known_namespace *)b)->uri);
}

static void sort_namespaces(void)
{
    for (size_t i = 0; i < NAMESPACE_COUNT; i++) {
        sorted_namespaces[i].uri = known_namespaces[i].uri;
        sorted_namespaces[i].prefix = known_namespaces[i].prefix;
    }
    qsort(sorted_namespaces, NAMESPACE_COUNT, sizeof sorted_namespaces[0], by_uri);
}

/* The canonical prefix of a lower-cased namespace URI; NULL when unknown. */
static const char *canonical_prefix(const char *lower_uri)
{
    pthread_once(&namespaces_once, sort_namespaces);
    struct known_namespace key = {.uri = lower_uri};
    const struct known_namespace *hit =
        bsearch(&key, sorted_namespaces, NAMESPACE_COUNT, sizeof key, by_uri);
    return hit ? hit->prefix : NULL;
}

/* ---------------------------------------------------------------- libxml2 SAX glue */

static void track_namespace(reader *r, const char *prefix, const char *uri)
{
    char lower[512];
    snprintf(lower, sizeof lower, "%s", uri);
    nb_feed_lower_in_place(lower);
    if (!*r->version) {
        if (!prefix && !strcmp(lower, "http://my.netscape.com/rdf/simple/0.9/"))
            snprintf(r->version, sizeof r->version, "rss090");
        else if (!strcmp(lower, "http://purl.org/rss/1.0/"))
            snprintf(r->version, sizeof r->version, "rss10");
        else if (!strcmp(lower, "http://www.w3.org/2005/atom"))
            snprintf(r->version, sizeof r->version, "atom10");
    }
    if (strstr(lower, "backend.userland.com/rss")) {
        uri = "http://backend.userland.com/rss";
        snprintf(lower, sizeof lower, "%s", uri);
    }
    const char *canonical = canonical_prefix(lower);
    if (canonical) {
        json_object_set_new(r->namespaces_in_use, canonical, json_string(uri));
    } else {
        json_object_set_new(r->namespaces_in_use, prefix ? prefix : "", json_string(uri));
    }
}

/* The key prefix of an element or attribute in namespace uri written with prefix given. */
static const char *key_prefix(reader *r, const char *uri, const char *given)
{
    if (!uri)
        return given;
    /* libxml2 hands namespace URIs out of its dictionary: the same pointer each time */
    for (size_t i = 0; i < r->prefix_cache_len; i++)
        if (r->prefix_cache[i].uri == uri)
            return r->prefix_cache[i].prefix ? r->prefix_cache[i].prefix : given;
    char lower[512];
    snprintf(lower, sizeof lower, "%s", uri);
    nb_feed_lower_in_place(lower);
    if (strstr(lower, "backend.userland.com/rss"))
        snprintf(lower, sizeof lower, "http://backend.userland.com/rss");
    const char *canonical = canonical_prefix(lower);
    if (r->prefix_cache_len < sizeof r->prefix_cache / sizeof r->prefix_cache[0]) {
        r->prefix_cache[r->prefix_cache_len].uri = uri;
        r->prefix_cache[r->prefix_cache_len].prefix = canonical;
        r->prefix_cache_len++;
    }
    return canonical ? canonical : given;
}

static void sax_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                      const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                      int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    (void)nb_defaulted;
    reader *r = ctx;
    for (int i = 0; i < nb_namespaces; i++) {
        const char *p = (const char *)namespaces[2 * i];
        const char *u = (const char *)namespaces[2 * i + 1];
        if (!u || !*u)
            continue;
        track_namespace(r, p, u);
        if (p && !strcmp(u, "http://www.w3.org/1999/xlink")) {
            char key[160];
            snprintf(key, sizeof key, "xmlns:%s", p);
            if (!r->decls)
                r->decls = json_object();
            json_object_set_new(r->decls, key, json_string(u));
        }
    }
    const char *given = (const char *)prefix;
    const char *kp = key_prefix(r, (const char *)uri, given);
    if (given && !uri) {
        char msg[200];
        snprintf(msg, sizeof msg, "'%s' is not associated with a namespace", given);
        nb_feed_set_bozo(r, "UndeclaredNamespace", msg);
    }
    char local[128];
    nb_feed_join_name(local, sizeof local, NULL, 0, 0, (const char *)localname);
    nb_feed_lower_in_place(local);

    /* most elements have no attributes: they share one empty dictionary, which handlers
     * copy before they keep or change it */
    json_t *attrs = r->decls;
    r->decls = NULL;
    if (!attrs)
        attrs = nb_attributes || (uri && (!strcmp(local, "math") || !strcmp(local, "svg")))
                    ? json_object()
                    : json_incref(r->no_attrs);
    if (uri && !strcmp(local, "math") &&
        !strcmp((const char *)uri, "http://www.w3.org/1998/Math/MathML"))
        json_object_set_new(attrs, "xmlns", json_string((const char *)uri));
    if (uri && !strcmp(local, "svg") && !strcmp((const char *)uri, "http://www.w3.org/2000/svg"))
        json_object_set_new(attrs, "xmlns", json_string((const char *)uri));

    char tag[200];
    if (kp && *kp) {
        char lp[64];
        nb_feed_join_name(lp, sizeof lp, NULL, 0, 0, kp);
        nb_feed_lower_in_place(lp);
        nb_feed_join_name(tag, sizeof tag, lp, strlen(lp), ':', local);
    } else {
        nb_feed_join_name(tag, sizeof tag, NULL, 0, 0, local);
    }

    for (int i = 0; i < nb_attributes; i++) {
        const char *aname = (const char *)attributes[5 * i];
        const char *aprefix = (const char *)attributes[5 * i + 1];
        const char *auri = (const char *)attributes[5 * i + 2];
        const char *vbeg = (const char *)attributes[5 * i + 3];
        const char *vend = (const char *)attributes[5 * i + 4];
        size_t vlen = (size_t)(vend - vbeg);
        /* libxml2's recovery can end a value inside a character (an undefined entity's
         * replacement cut after its first byte): such bytes become U+FFFD */
        char *repaired = NULL;
        if (!nb_charset_is_utf8(vbeg, vlen)) {
            repaired = nb_charset_to_utf8(vbeg, vlen, "utf-8", &vlen, NULL);
            vbeg = repaired;
        }
        char key[200];
        const char *ap = auri ? key_prefix(r, auri, NULL) : NULL;
        nb_feed_join_name(key, sizeof key, ap && *ap ? ap : NULL, ap ? strlen(ap) : 0, ':', aname);
        nb_feed_lower_in_place(key);
        char qkey[200];
        nb_feed_join_name(qkey, sizeof qkey, aprefix, aprefix ? strlen(aprefix) : 0, ':', aname);
        nb_feed_lower_in_place(qkey);
        /* rel and type compare case-insensitively: their values are kept in lower case */
        json_t *raw = json_stringn_nocheck(vbeg, vlen); /* valid UTF-8 by now */
        json_t *lowered = NULL;
        int qkey_differs = strcmp(qkey, key) != 0;
        for (int k = 0; k < 1 + qkey_differs; k++) {
            const char *name = k ? qkey : key;
            int lower = !strcmp(name, "rel") || !strcmp(name, "type");
            if (lower && !lowered) {
                char *copy = nb_xstrndup(vbeg, vlen);
                nb_feed_lower_in_place(copy);
                lowered = json_stringn_nocheck(copy, vlen);
                free(copy);
            }
            json_object_set(attrs, name, lower ? lowered : raw);
        }
        json_decref(raw);
        json_decref(lowered);
        free(repaired);
    }
    nb_feed_start_element(r, tag, attrs);
    json_decref(attrs);
}

static void sax_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    reader *r = ctx;
    const char *kp = key_prefix(r, (const char *)uri, (const char *)prefix);
    char tag[200];
    nb_feed_join_name(tag, sizeof tag, kp && *kp ? kp : NULL, kp ? strlen(kp) : 0, ':',
                      (const char *)localname);
    nb_feed_lower_in_place(tag);
    nb_feed_end_element(r, tag);
}

static void sax_characters(void *ctx, const xmlChar *text, int len)
{
    nb_feed_handle_data(ctx, (const char *)text, (size_t)len, 1);
}

static void sax_structured_error(void *ctx, xmlErrorPtr error)
{
    reader *r = ctx;
    if (!error || error->level < XML_ERR_ERROR || r->bozo)
        return; /* the first error is the one reported */
    if (error->domain == XML_FROM_NAMESPACE && error->code == XML_NS_ERR_UNDEFINED_NAMESPACE)
        return; /* reported as UndeclaredNamespace by the element handler */
    if (error->code == XML_ERR_UNDECLARED_ENTITY || error->code == XML_WAR_UNDECLARED_ENTITY)
        return; /* DTD parameter entities are never loaded; general ones are ours */
    if (error->code == XML_ERR_ENCODING_NAME || error->code == XML_ERR_UNSUPPORTED_ENCODING)
        return; /* the text was decoded before parsing; the declaration is not read */
    char msg[256];
    snprintf(msg, sizeof msg, "line %d: %s", error->line, error->message ? error->message : "");
    nb_feed_set_bozo(r, "SAXParseException", msg);
}

static void reader_init(reader *r, const char *base, const char *lang)
{
    memset(r, 0, sizeof *r);
    r->feed = json_object();
    r->entries = json_array();
    r->depths = json_array();
    r->namespaces_in_use = json_object();
    r->contentparams = json_object();
    r->types = json_object();
    r->no_attrs = json_object();
    r->title_depth = -1;
    r->nothing.type = XML_ENTITY_DECL;
    r->nothing.etype = XML_INTERNAL_PREDEFINED_ENTITY;
    r->nothing.name = (const xmlChar *)"";
    r->nothing.content = (xmlChar *)"";
    r->nothing.orig = (xmlChar *)""; /* libxml2 gives an entity without one its raw text */
    r->entity_cap = NB_LIMIT_FEED_ENTITY_BYTES;
    nb_feed_set_base(r, json_string(base ? base : ""));
    r->lang = nb_xstrdup(lang);
    if (lang) {
        char *l = nb_xstrdup(lang);
        for (char *p = l; *p; p++)
            if (*p == '_')
                *p = '-';
        json_object_set_new(r->feed, "language", json_string(l));
        free(l);
    }
}

static void reader_clear(reader *r)
{
    json_decref(r->feed);
    json_decref(r->entries);
    json_decref(r->source);
    json_decref(r->depths);
    json_decref(r->namespaces_in_use);
    json_decref(r->contentparams);
    json_decref(r->types);
    json_decref(r->decls);
    json_decref(r->no_attrs);
    for (size_t i = 0; i < r->stack_cap; i++)
        nb_feed_frame_free(&r->stack[i]);
    free(r->stack);
    for (size_t i = 0; i < r->bases_len; i++)
        json_decref(r->bases[i]);
    free(r->bases);
    nb_feed_strvec_clear(&r->langs);
    json_decref(r->base_ref);
    free(r->lang);
    for (size_t i = 0; i < r->entity_count; i++) {
        free((char *)r->entities[i]->name);
        free(r->entities[i]->content);
        free(r->entities[i]->orig);
        free(r->entities[i]);
    }
    free(r->entities);
    xmlHashFree(r->entity_names, NULL);
    pcre2_code_free(r->email_re);
    free(r->opened);
    json_decref(r->overflow);
    json_decref(r->overflow_depths);
}

/* One push parser per thread, reset for each document: making one (its dictionary, stacks
 * and buffers) costs about as much as reading a small feed. It is renewed every 256
 * documents so that the names its dictionary interns cannot pile up. */
static _Thread_local xmlParserCtxtPtr parser;
static _Thread_local unsigned parser_uses;

static xmlParserCtxtPtr thread_parser(xmlSAXHandler *sax)
{
    if (parser && ++parser_uses % 256 == 0) {
        xmlFreeParserCtxt(parser);
        parser = NULL;
    }
    if (!parser)
        parser = xmlCreatePushParserCtxt(sax, NULL, NULL, 0, NULL);
    return parser;
}

/* A '&' that starts no reference ("?a=1&b=2") makes a document ill-formed; libxml2 would
 * drop the text after it. Such ampersands are escaped before parsing (outside CDATA
 * sections, comments and processing instructions), and the feed is flagged. Returns the
 * number of ampersands escaped; *out is a new document when it is not 0. */
static size_t escape_bare_ampersands(const char *text, size_t len, char **out, size_t *out_len)
{
    nb_buf b;
    nb_buf_init(&b, 5 * len + 1); /* each '&' gains "amp;" */
    size_t fixed = 0, copied = 0;
    for (size_t i = 0; i < len; i++) {
        const char *p = text + i;
        const char *close = NULL;
        if (p[0] == '<' && !strncmp(p, "<![CDATA[", 9))
            close = "]]>";
        else if (p[0] == '<' && !strncmp(p, "<!--", 4))
            close = "-->";
        else if (p[0] == '<' && p[1] == '?')
            close = "?>";
        if (close) {
            const char *end = strstr(p, close);
            if (!end)
                break;
            i = (size_t)(end - text) + strlen(close) - 1;
            continue;
        }
        if (*p != '&')
            continue;
        const char *q = p + 1;
        int ok = 0;
        if (*q == '#') {
            q++;
            int hex = *q == 'x' || *q == 'X';
            q += hex;
            const char *digits = q;
            while (hex ? isxdigit((unsigned char)*q) : isdigit((unsigned char)*q))
                q++;
            ok = q > digits && *q == ';';
        } else if (isalpha((unsigned char)*q) || *q == '_' || *q == ':') {
            while (isalnum((unsigned char)*q) || *q == '_' || *q == ':' || *q == '.' || *q == '-')
                q++;
            ok = *q == ';';
        }
        if (ok)
            continue;
        nb_feed_append(&b, text + copied, i + 1 - copied);
        nb_feed_append_str(&b, "amp;");
        copied = i + 1;
        fixed++;
    }
    if (!fixed) {
        nb_buf_free(&b);
        return 0;
    }
    nb_feed_append(&b, text + copied, len - copied);
    *out_len = b.len;
    *out = nb_buf_take(&b);
    return fixed;
}

/* "netscape" in the DOCTYPE marks RSS 0.91 as Netscape's. */
static int netscape_doctype(const char *text, size_t len)
{
    size_t n = len < 4096 ? len : 4096;
    const char *end = text + n, *p = text;
    while ((p = memchr(p, '<', (size_t)(end - p))) != NULL && (size_t)(end - p) >= 9 &&
           memcmp(p, "<!DOCTYPE", 9) != 0)
        p++;
    if (!p || (size_t)(end - p) < 9)
        return 0;
    const char *gt = memchr(p, '>', n - (size_t)(p - text));
    for (const char *q = p; gt && q + 8 <= gt; q++)
        if (!strncasecmp(q, "netscape", 8))
            return 1;
    return 0;
}

static void ignore_libxml_message(void *ctx, const char *msg, ...)
{
    (void)ctx, (void)msg;
}

json_t *nb_feed_parse_dict(const char *data, size_t len, const char *url, json_t *headers)
{
    xmlSetGenericErrorFunc(NULL, ignore_libxml_message);
    json_t *result = json_object();
    json_t *lower_headers = json_object();
    const char *hk;
    json_t *hv;
    json_object_foreach(headers, hk, hv)
    {
        char key[128];
        snprintf(key, sizeof key, "%s", hk);
        nb_feed_lower_in_place(key);
        json_object_set(lower_headers, key, hv);
    }
    if (nb_feed_is_json(data, len)) {
        json_decref(result);
        result = nb_feed_parse_json(data, len, url);
        json_object_set_new(result, "headers", lower_headers);
        return result;
    }
    const char *ctype_header = nb_feed_jstr(lower_headers, "content-type");
    nb_feed_encoding enc;
    size_t text_len = 0;
    char *text = nb_feed_to_utf8(data, len, ctype_header, &enc, &text_len);

    const char *contentloc = nb_feed_jstr(lower_headers, "content-location");
    const char *href = url ? url : "";
    char *base = NULL;
    if (contentloc && *contentloc) {
        base = nb_feed_safe_absolute_uri(href, contentloc);
        if (!*base) {
            free(base);
            base = nb_feed_safe_absolute_uri(contentloc, NULL);
        }
    }
    if (!base || !*base) {
        free(base);
        base = nb_xstrdup(href);
    }
    reader r;
    reader_init(&r, base, nb_feed_jstr(lower_headers, "content-language"));
    free(base);
    if (text_len < NB_LIMIT_FEED_ENTITY_BYTES / NB_LIMIT_FEED_ENTITY_FACTOR)
        r.entity_cap = NB_LIMIT_FEED_ENTITY_FACTOR * text_len;

    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = sax_start;
    sax.endElementNs = sax_end;
    sax.characters = sax_characters;
    sax.cdataBlock = sax_characters;
    sax.getEntity = nb_feed_sax_get_entity;
    sax.entityDecl = nb_feed_sax_entity_decl;
    sax.serror = sax_structured_error;
    char *repaired = NULL;
    size_t repaired_len = 0;
    if (escape_bare_ampersands(text, text_len, &repaired, &repaired_len)) {
        nb_feed_set_bozo(&r, "SAXParseException", "not well-formed (invalid token): a bare '&'");
        free(text);
        text = repaired;
        text_len = repaired_len;
    }
    if (text_len < (size_t)INT32_MAX) {
        xmlParserCtxtPtr ctxt = thread_parser(&sax);
        if (ctxt && xmlCtxtResetPush(ctxt, NULL, 0, NULL, "UTF-8") == 0) {
            ctxt->userData = &r;
            xmlCtxtUseOptions(ctxt, XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOENT |
                                        XML_PARSE_HUGE | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                        XML_PARSE_IGNORE_ENC);
            ctxt->replaceEntities = 1;
            /* every well-formedness error reaches sax_structured_error */
            xmlParseChunk(ctxt, text, (int)text_len, 1);
            /* with entity substitution on, libxml2 keeps DTD entities in a document of
             * its own even under SAX; it is not ours to keep */
            if (ctxt->myDoc)
                xmlFreeDoc(ctxt->myDoc);
            ctxt->myDoc = NULL;
            ctxt->userData = NULL;
        }
    }

    int bozo = enc.bozo || r.bozo;
    json_object_set_new(result, "bozo", json_boolean(bozo));
    if (enc.bozo)
        json_object_set_new(result, "bozo_exception",
                            json_pack("{s:s, s:s}", "type", enc.exception, "message", enc.message));
    else if (r.bozo)
        json_object_set_new(
            result, "bozo_exception",
            json_pack("{s:s, s:s}", "type", r.bozo_type, "message", r.bozo_message));
    json_object_set_new(result, "encoding", json_string(enc.name));
    const char *version = netscape_doctype(text, text_len) ? "rss091n" : r.version;
    json_object_set_new(result, "version", json_string(version));
    json_object_set(result, "namespaces", r.namespaces_in_use);
    json_object_set_new(result, "headers", lower_headers);
    json_object_set_new(result, "href", json_string(href));
    json_object_set_new(result, "status", json_integer(200));
    if (nb_feed_jstr(lower_headers, "etag"))
        json_object_set(result, "etag", json_object_get(lower_headers, "etag"));
    if (nb_feed_jstr(lower_headers, "last-modified"))
        json_object_set(result, "modified", json_object_get(lower_headers, "last-modified"));
    json_object_set(result, "feed", r.feed);
    json_object_set(result, "entries", r.entries);
    if (r.dropped) /* not feedparser's: entries past the cap, read but not kept */
        json_object_set_new(result, "entries_dropped", json_integer((json_int_t)r.dropped));
    free(text);
    reader_clear(&r);
    return result;
}
