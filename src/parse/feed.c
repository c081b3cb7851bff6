/* SPDX-License-Identifier: MIT */
/* Feed reader: RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and CDF read from libxml2's SAX2 events
 * into a dictionary shaped like feedparser's result, so the two can be compared key by
 * key. Elements are matched by namespace (mapped to canonical prefixes), text collects on
 * a stack of open elements and is stored when the element closes. The parser never
 * expands an entity it did not define itself: HTML entity names and plain internal
 * entities become text, nothing is fetched, DTD entities cannot nest, and what references
 * expand to is capped per document. */
#include <assert.h>
#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/time.h"
#include "core/url.h"
#include "parse/parse.h"

/* ---------------------------------------------------------------- small helpers */

typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

static void strvec_push(strvec *s, char *owned)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->v = nb_xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = owned;
}

static void strvec_clear(strvec *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* out = a, sep, b (or b alone when a is NULL), cut to fit cap; snprintf's formatting is
 * measurable at one call per element and attribute. */
static void join_name(char *out, size_t cap, const char *a, size_t alen, char sep, const char *b)
{
    size_t n = 0;
    if (a) {
        n = alen < cap - 2 ? alen : cap - 2;
        memcpy(out, a, n);
        out[n++] = sep;
    }
    size_t blen = strlen(b);
    if (blen > cap - 1 - n)
        blen = cap - 1 - n;
    memcpy(out + n, b, blen);
    out[n + blen] = '\0';
}

/* Appends to a buffer without a cap, which cannot fail. */
static void append(nb_buf *b, const void *data, size_t n)
{
    nb_err rc = nb_buf_append(b, data, n);
    assert(rc == NB_OK);
    (void)rc;
}

static void append_str(nb_buf *b, const char *s)
{
    append(b, s, strlen(s));
}

static int streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static const char *jstr(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* s without leading and trailing white space, newly allocated. */
static char *strip_dup(const char *s)
{
    while (is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n && is_space(s[n - 1]))
        n--;
    return nb_xstrndup(s, n);
}

static void lower_in_place(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

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

/* ---------------------------------------------------------------- reader state */

typedef struct frame {
    char name[64];      /* the key the text will be stored under (longer names are cut) */
    int expecting_text; /* 0: a container; its text is returned but not stored */
    nb_buf text;        /* text and re-serialized markup, in document order */
    size_t *cuts;       /* where each piece of text starts (for the XHTML div rule) */
    size_t ncuts, cuts_cap;
} frame;

/* Empties a frame; its buffers stay for the next element opened at this height. */
static void frame_reset(frame *f)
{
    nb_buf_reset(&f->text);
    f->ncuts = 0;
}

static void frame_free(frame *f)
{
    nb_buf_free(&f->text);
    free(f->cuts);
}

typedef struct reader {
    json_t *feed;    /* feed-level dictionary */
    json_t *entries; /* list of entry dictionaries */
    json_t *source;  /* atom:source being read */
    json_t *depths;  /* per entry: key -> depth its value was stored at */
    json_t *namespaces_in_use;
    json_t *contentparams; /* type, language, base (and src) of the text being read... */
    int cp_active;         /* ... when 1; when 0 the dictionary counts as empty */
    json_t *types;         /* content type strings already made, to share */
    int content_base64;
    char version[16];
    int infeed, inentry, incontent, intextinput, inimage, inauthor, incontributor, inpublisher,
        insource, svg_depth, has_content, guidislink;
    int title_depth, depth;
    const char *summary_key; /* "summary", "content" or NULL */
    const char *geometry;    /* GML geometry being read: "point", "linestring", "polygon" */
    int in_chapters;         /* inside the first psc:chapters */
    frame *stack;
    size_t stack_len, stack_cap;
    json_t **bases; /* base URI of each open element (shared strings) */
    size_t bases_len, bases_cap;
    strvec langs;     /* language of each open element; entries may be NULL */
    json_t *base_ref; /* current base URI ("" when none), holding ... */
    const char *base; /* ... this string */
    char *lang;       /* current language, NULL when none */
    json_t *decls;    /* xlink declarations waiting for the next element, or NULL */
    json_t *no_attrs; /* the attributes of every element that has none (read only) */
    /* errors */
    int bozo;
    char bozo_type[48];
    char bozo_message[256];
    /* entities defined by the document (safe ones only) and HTML entity names in use */
    xmlEntityPtr *entities;
    size_t entity_count, entity_alloc;
    xmlHashTablePtr entity_names; /* name -> one of the entities above */
    size_t entity_bytes;          /* text the references expanded to so far ... */
    size_t entity_cap;            /* ... and the most they may: past it, they expand to */
    xmlEntity nothing;            /* this empty text */
    const xmlChar *declared;      /* the entity whose declaration was just read */
    size_t dropped;               /* entries past NB_LIMIT_FEED_ITEMS, read but not kept */
    json_t *overflow;             /* the entry being read past the cap, or NULL */
    json_t *overflow_depths;
    struct {
        const char *uri;    /* a namespace URI pointer as libxml2 passed it */
        const char *prefix; /* its canonical prefix, NULL when unknown */
    } prefix_cache[32];
    size_t prefix_cache_len;
    pcre2_code *email_re; /* compiled on first use */
    const void **opened;  /* by depth: the handler found when the element opened */
    size_t opened_cap;
} reader;

static void set_bozo(reader *r, const char *type, const char *message)
{
    if (r->bozo)
        return;
    r->bozo = 1;
    snprintf(r->bozo_type, sizeof r->bozo_type, "%s", type);
    snprintf(r->bozo_message, sizeof r->bozo_message, "%s", message);
    size_t n = strlen(r->bozo_message);
    while (n && r->bozo_message[n - 1] == '\n')
        r->bozo_message[--n] = '\0';
}

/* feedparser's dictionaries store some keys under their modern names. Called for every
 * value stored, so the first letter decides which names to compare. */
static const char *modern_key(const char *key)
{
#define MAP(old, modern)                                                                           \
    if (!strcmp(key, old))                                                                         \
        return modern;
    switch (key[0]) {
    case 'c':
        MAP("channel", "feed");
        MAP("copyright", "rights");
        MAP("copyright_detail", "rights_detail");
        break;
    case 'd':
        MAP("date", "updated");
        MAP("date_parsed", "updated_parsed");
        MAP("description", "summary");
        MAP("description_detail", "summary_detail");
        break;
    case 'g':
        MAP("guid", "id");
        break;
    case 'i':
        MAP("items", "entries");
        MAP("issued", "published");
        MAP("issued_parsed", "published_parsed");
        break;
    case 'm':
        MAP("modified", "updated");
        MAP("modified_parsed", "updated_parsed");
        break;
    case 't':
        MAP("tagline", "subtitle");
        MAP("tagline_detail", "subtitle_detail");
        break;
    case 'u':
        MAP("url", "href");
        break;
    default:
        break;
    }
#undef MAP
    return key;
}

static void dict_set(json_t *dict, const char *key, json_t *value)
{
    json_object_set_new(dict, modern_key(key), value);
}

static json_t *dict_get(json_t *dict, const char *key)
{
    return json_object_get(dict, modern_key(key));
}

/* dict[key] unless present; returns dict[key]. Takes the default's reference. */
static json_t *dict_setdefault(json_t *dict, const char *key, json_t *value)
{
    json_t *old = dict_get(dict, key);
    if (old) {
        json_decref(value);
        return old;
    }
    dict_set(dict, key, value);
    return value;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *current_entry(reader *r)
{
    if (r->overflow)
        return r->overflow;
    size_t n = json_array_size(r->entries);
    return n ? json_array_get(r->entries, n - 1) : NULL;
}

/* key -> depth its value was stored at, for the current entry */
static json_t *current_depths(reader *r)
{
    if (r->overflow)
        return r->overflow_depths;
    return json_array_get(r->depths, json_array_size(r->depths) - 1);
}

/* The dictionary values are stored into now. */
static json_t *context(reader *r)
{
    if (r->insource)
        return r->source;
    if (r->inimage && json_object_get(r->feed, "image"))
        return json_object_get(r->feed, "image");
    if (r->intextinput) {
        json_t *t = json_object_get(r->feed, "textinput");
        if (t)
            return t;
    }
    if (r->inentry && current_entry(r))
        return current_entry(r);
    return r->feed;
}

/* ---------------------------------------------------------------- URIs */

/* ref against base, RFC 3986; "scheme:///x" is read as "scheme://x" first. Never NULL. */
static char *urljoin(const char *base, const char *ref)
{
    char *fixed = NULL;
    const char *sep = strstr(ref, "://");
    if (sep && sep[3] == '/' && sep > ref && isalpha((unsigned char)ref[0])) {
        const char *rest = sep + 3;
        while (*rest == '/')
            rest++;
        size_t head = (size_t)(sep + 3 - ref);
        fixed = nb_xmalloc(head + strlen(rest) + 1);
        memcpy(fixed, ref, head);
        memcpy(fixed + head, rest, strlen(rest) + 1);
        ref = fixed;
    }
    char *out = NULL;
    if (!base || !*base)
        out = nb_xstrdup(ref);
    else {
        out = nb_url_resolve(base, ref);
        if (!out)
            out = nb_xstrdup(ref);
    }
    free(fixed);
    return out;
}

/* The join, or "" when its scheme is not one a reader may follow. */
static char *safe_absolute_uri(const char *base, const char *ref)
{
    if (!base || !*base)
        return nb_xstrdup(ref ? ref : "");
    if (!ref || !*ref) {
        const char *colon = strchr(base, ':');
        if (!colon || nb_html_uri_scheme_allowed(base))
            return nb_xstrdup(base);
        return nb_xstrdup("");
    }
    char *uri = urljoin(base, ref);
    if (!nb_html_uri_scheme_allowed(uri)) {
        free(uri);
        return nb_xstrdup("");
    }
    return uri;
}

/* ---------------------------------------------------------------- dates */

static json_t *date_tuple(const char *text)
{
    int64_t t;
    if (!text || nb_time_parse_feed(text, &t, NULL) != NB_OK)
        return json_null();
    int tuple[9];
    nb_time_to_tuple(t, tuple);
    json_t *a = json_array();
    for (int i = 0; i < 9; i++)
        json_array_append_new(a, json_integer(tuple[i]));
    return a;
}

/* ---------------------------------------------------------------- element stack */

static void push(reader *r, const char *name, int expecting_text)
{
    if (r->stack_len == r->stack_cap) {
        size_t cap = r->stack_cap ? r->stack_cap * 2 : 16;
        r->stack = nb_xrealloc(r->stack, cap * sizeof *r->stack);
        memset(r->stack + r->stack_cap, 0, (cap - r->stack_cap) * sizeof *r->stack);
        for (size_t i = r->stack_cap; i < cap; i++)
            nb_buf_init(&r->stack[i].text, NB_LIMIT_FEED_TEXT_BYTES);
        r->stack_cap = cap;
    }
    frame *f = &r->stack[r->stack_len++];
    frame_reset(f);
    join_name(f->name, sizeof f->name, NULL, 0, 0, name);
    f->expecting_text = expecting_text;
}

static void add_text(reader *r, const char *text, size_t n)
{
    if (!r->stack_len)
        return;
    frame *f = &r->stack[r->stack_len - 1];
    if (f->ncuts > 200000)
        return; /* a cap on pieces per element */
    if (f->text.len + n > NB_LIMIT_FEED_TEXT_BYTES) {
        char msg[160];
        snprintf(msg, sizeof msg, "the text of <%s> passes the cap of %u MB; the rest is left out",
                 f->name, NB_LIMIT_FEED_TEXT_BYTES >> 20);
        set_bozo(r, "TextLimit", msg);
        return;
    }
    if (f->ncuts == f->cuts_cap) {
        f->cuts_cap = f->cuts_cap ? f->cuts_cap * 2 : 4;
        f->cuts = nb_xrealloc(f->cuts, f->cuts_cap * sizeof *f->cuts);
    }
    f->cuts[f->ncuts++] = f->text.len;
    append(&f->text, text, n);
}

static const char *content_type(reader *r);

/* Text data; in XHTML content it is escaped back into markup. */
static void handle_data(reader *r, const char *text, size_t n, int escape)
{
    if (!r->stack_len)
        return;
    if (!(escape && streq(content_type(r), "application/xhtml+xml"))) {
        add_text(r, text, n);
        return;
    }
    nb_buf b;
    nb_buf_init(&b, 5 * n + 1); /* "&amp;" is the longest a byte becomes */
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '&')
            append_str(&b, "&amp;");
        else if (text[i] == '<')
            append_str(&b, "&lt;");
        else if (text[i] == '>')
            append_str(&b, "&gt;");
        else
            append(&b, text + i, 1);
    }
    add_text(r, nb_buf_str(&b), b.len);
    nb_buf_free(&b);
}

static const char *content_type(reader *r)
{
    return r->cp_active ? jstr(r->contentparams, "type") : NULL;
}

/* contentparams["type"] = type, on an emptied dictionary when none was being read */
static void set_content_type(reader *r, const char *type)
{
    if (!r->cp_active)
        json_object_clear(r->contentparams);
    r->cp_active = 1;
    json_object_set_new(r->contentparams, "type", json_string(type));
}

static const char *map_content_type(const char *type, char *out, size_t n)
{
    size_t len = type ? strlen(type) : 0;
    if (len > n - 1)
        len = n - 1;
    for (size_t i = 0; i < len; i++)
        out[i] = (char)tolower((unsigned char)type[i]);
    out[len] = '\0';
    const char *full = !strcmp(out, "text") || !strcmp(out, "plain") ? "text/plain"
                       : !strcmp(out, "html")                        ? "text/html"
                       : !strcmp(out, "xhtml")                       ? "application/xhtml+xml"
                                                                     : NULL;
    if (full)
        join_name(out, n, NULL, 0, 0, full);
    return out;
}

static int in_set(const char *name, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(name, *set) == 0)
            return 1;
    return 0;
}

static const char *const can_be_relative_uri[] = {
    "comments", "docs", "href",        "icon",           "id", "link",
    "logo",     "url",  "wfw_comment", "wfw_commentrss", NULL,
};
static const char *const can_contain_markup[] = {
    "content",  "copyright", "description", "info",  "rights",
    "subtitle", "summary",   "tagline",     "title", NULL,
};

/* Heuristic for RSS, which does not say whether a text is HTML: closing tags or entity
 * references, all of them HTML's. */
/* The end of the word (letters, digits, '_') starting at p; copied, cut to fit, into
 * name when name is not NULL. */
static const char *word(const char *p, char *name, size_t size)
{
    const char *q = p;
    while (isalnum((unsigned char)*q) || *q == '_')
        q++;
    if (name) {
        size_t n = (size_t)(q - p) < size - 1 ? (size_t)(q - p) : size - 1;
        memcpy(name, p, n);
        name[n] = '\0';
    }
    return q;
}

static int looks_like_html(const char *s)
{
    int has_markup = 0;
    for (const char *p = s; *p && !has_markup; p++) {
        if (p[0] == '<' && p[1] == '/') {
            const char *q = word(p + 2, NULL, 0);
            has_markup = q > p + 2 && *q == '>';
        } else if (*p == '&') {
            const char *start = p + 1 + (p[1] == '#');
            const char *q = word(start, NULL, 0);
            has_markup = q > start && *q == ';';
        }
    }
    if (!has_markup)
        return 0;
    char name[64];
    for (const char *p = s; *p; p++) {
        if (*p == '<') {
            const char *start = p + 1 + (p[1] == '/');
            if (word(start, name, sizeof name) > start) {
                lower_in_place(name);
                if (!nb_html_element_allowed(name))
                    return 0;
            }
        } else if (*p == '&' && p[1] != '#') {
            const char *q = word(p + 1, name, sizeof name);
            if (q > p + 1 && *q == ';' && !htmlEntityLookup((const xmlChar *)name))
                return 0;
        }
    }
    return 1;
}

static int blank_range(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_space(s[i]))
            return 0;
    return 1;
}

/* The XHTML div wrapper of Atom content is not part of the content: the frame's text is
 * narrowed to [*from, *to) without it (and without blank pieces at either end). */
static void unwrap_xhtml_div(const frame *f, size_t *from, size_t *to)
{
    const char *t = nb_buf_str(&f->text);
    size_t first = 0, last = f->ncuts; /* pieces [first, last) */
#define PIECE_END(i) ((i) + 1 < f->ncuts ? f->cuts[(i) + 1] : f->text.len)
    while (last - first > 1 &&
           blank_range(t + f->cuts[last - 1], PIECE_END(last - 1) - f->cuts[last - 1]))
        last--;
    while (last - first > 1 && blank_range(t + f->cuts[first], PIECE_END(first) - f->cuts[first]))
        first++;
    *from = first < last ? f->cuts[first] : 0;
    *to = first < last ? PIECE_END(last - 1) : f->text.len;
    if (first >= last)
        return;
    size_t n0 = PIECE_END(first) - f->cuts[first], nl = PIECE_END(last - 1) - f->cuts[last - 1];
    const char *p0 = t + f->cuts[first], *pl = t + f->cuts[last - 1];
    if (!((n0 == 5 && !memcmp(p0, "<div>", 5)) || (n0 > 5 && !memcmp(p0, "<div ", 5))) ||
        !(nl == 6 && !memcmp(pl, "</div>", 6)) || last - first < 2)
        return;
    int depth = 0;
    for (size_t i = first; i + 1 < last; i++) {
        const char *piece = t + f->cuts[i];
        size_t len = PIECE_END(i) - f->cuts[i];
        if (len >= 2 && !memcmp(piece, "</", 2)) {
            if (--depth == 0)
                return; /* the div closes before the end: siblings follow */
        } else if (len && piece[0] == '<' && !(len >= 2 && !memcmp(piece + len - 2, "/>", 2))) {
            depth++;
        }
    }
    *from = PIECE_END(first);
    *to = f->cuts[last - 1];
#undef PIECE_END
}

/* Base64 (Atom 0.3 mode="base64") through OpenSSL, white space allowed between
 * lines; NULL when it is not base64 or does not decode to UTF-8. */
static char *decode_base64(const char *text)
{
    size_t len = strlen(text);
    if (len > INT32_MAX / 2)
        return NULL;
    unsigned char *bytes = nb_xmalloc(len + 4);
    int n = 0, tail = 0;
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    int ok = ctx != NULL;
    if (ok) {
        EVP_DecodeInit(ctx);
        ok = EVP_DecodeUpdate(ctx, bytes, &n, (const unsigned char *)text, (int)len) >= 0 &&
             EVP_DecodeFinal(ctx, bytes + n, &tail) == 1;
        EVP_ENCODE_CTX_free(ctx);
    }
    char *valid = NULL;
    size_t invalid = 0;
    if (ok)
        valid =
            nb_charset_to_utf8((const char *)bytes, (size_t)(n + tail), "utf-8", NULL, &invalid);
    free(bytes);
    if (invalid) {
        free(valid);
        return NULL;
    }
    return valid;
}

/* UTF-8 that was read as Latin-1 and encoded again ("Ã©") is decoded once more when the
 * result is valid UTF-8; C1 control characters become the windows-1252 characters their
 * bytes were meant to be. Takes ownership of text. */
static char *repair_text(char *text)
{
    int wide = 0, high = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p >= 0xC4)
            wide = 1; /* the lead byte of a code point above U+00FF */
        if (*p >= 0x80)
            high = 1;
    }
    if (high && !wide) {
        /* every code point is <= U+00FF: their Latin-1 bytes may be UTF-8 */
        size_t n = 0;
        char *bytes = nb_xmalloc(strlen(text) + 1);
        for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
            if (*p < 0x80)
                bytes[n++] = (char)*p;
            else if (p[1]) {
                bytes[n++] = (char)(((p[0] & 0x03) << 6) | (p[1] & 0x3F));
                p++;
            }
        }
        bytes[n] = '\0';
        size_t invalid = 0;
        char *decoded = nb_charset_to_utf8(bytes, n, "utf-8", NULL, &invalid);
        free(bytes);
        if (decoded && !invalid) {
            free(text);
            text = decoded;
        } else {
            free(decoded);
        }
    }
    /* U+0080..U+009F are C2 80..C2 9F */
    if (!strstr(text, "\xC2"))
        return text;
    nb_buf b;
    nb_buf_init(&b, 2 * strlen(text) + 1); /* two bytes become at most three */
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
            char byte = (char)p[1];
            char *mapped = nb_charset_to_utf8(&byte, 1, "windows-1252", NULL, NULL);
            if (mapped && strcmp(mapped, "\xEF\xBF\xBD") != 0)
                append(&b, mapped, strlen(mapped));
            else
                append(&b, p, 2);
            free(mapped);
            p++;
        } else {
            append(&b, p, 1);
        }
    }
    free(text);
    return nb_buf_take(&b);
}

/* The text's *_detail: its content parameters (type, language, base) and value. The
 * parameters' strings are shared, never changed in place. */
static json_t *detail_of(reader *r, const char *value)
{
    json_t *detail = r->cp_active ? json_copy(r->contentparams) : json_object();
    json_object_set_new(detail, "value", json_string(value));
    return detail;
}

/* Closes the element on top of the stack if it is `name`; returns its text (caller
 * frees) or NULL when the top is another element. */
static char *pop_full(reader *r, const char *name, int strip)
{
    if (!r->stack_len ||
        strncmp(r->stack[r->stack_len - 1].name, name, sizeof r->stack[0].name - 1) != 0)
        return NULL;
    frame *f = &r->stack[--r->stack_len];
    char ctype[64];
    size_t from = 0, to = f->text.len;
    if (!strcmp(r->version, "atom10") && streq(content_type(r), "application/xhtml+xml"))
        unwrap_xhtml_div(f, &from, &to);
    const char *joined = nb_buf_str(&f->text);
    if (strip) {
        while (from < to && is_space(joined[from]))
            from++;
        while (to > from && is_space(joined[to - 1]))
            to--;
    }
    char *output = nb_xstrndup(joined + from, to - from);
    char element[64];
    memcpy(element, f->name, sizeof element);
    int expecting = f->expecting_text;
    frame_reset(f);
    if (!expecting)
        return output;

    if (r->content_base64 && r->contentparams) {
        char *decoded = decode_base64(output);
        if (decoded) {
            free(output);
            output = decoded;
        }
    }
    if (in_set(element, can_be_relative_uri) && *output &&
        (strcmp(element, "id") != 0 || r->guidislink)) {
        char *abs = urljoin(r->base, output);
        free(output);
        output = abs;
    }
    if (strncmp(r->version, "atom", 4) != 0 && streq(content_type(r), "text/plain") &&
        looks_like_html(output))
        set_content_type(r, "text/html");
    if (r->contentparams)
        r->content_base64 = 0;

    const char *type = content_type(r);
    map_content_type(type ? type : "text/html", ctype, sizeof ctype);
    int htmlish = !strcmp(ctype, "application/xhtml+xml") || !strcmp(ctype, "text/html");
    if (htmlish && in_set(element, can_contain_markup) && strpbrk(output, "<>&")) {
        /* relative links resolved, then the allow-lists (text without markup is left as
         * it is); a fragment whose output passes the sanitizer's cap is dropped rather than
         * passed on */
        char *clean = nb_html_sanitize(output, strlen(output), r->base);
        free(output);
        output = clean ? clean : nb_xstrdup("");
    }

    output = repair_text(output);

    if (!strcmp(element, "category") || !strcmp(element, "tags") ||
        !strcmp(element, "itunes_keywords"))
        return output;
    if (!strcmp(element, "title") && -1 < r->title_depth && r->title_depth <= r->depth)
        return output;

    json_t *entry = current_entry(r);
    if (r->inentry && !r->insource && entry) {
        if (!strcmp(element, "content")) {
            json_t *list = dict_setdefault(entry, "content", json_array());
            json_array_append_new(list, detail_of(r, output));
        } else if (!strcmp(element, "link")) {
            if (!r->inimage) {
                dict_set(entry, "link", json_string(output));
                json_t *links = json_object_get(entry, "links");
                size_t n = json_array_size(links);
                if (*output && n)
                    json_object_set_new(json_array_get(links, n - 1), "href", json_string(output));
            }
        } else {
            const char *key = !strcmp(element, "description") ? "summary" : element;
            json_t *depths = current_depths(r);
            json_t *old = json_object_get(depths, key);
            if (!old || r->depth <= json_integer_value(old)) {
                json_object_set_new(depths, key, json_integer(r->depth));
                dict_set(entry, key, json_string(output));
            }
            if (r->incontent) {
                json_t *detail = detail_of(r, output);
                char detail_key[128];
                join_name(detail_key, sizeof detail_key, key, strlen(key), '_', "detail");
                dict_set(entry, detail_key, detail);
            }
        }
    } else if (r->infeed || r->insource) {
        json_t *ctx = context(r);
        const char *key = !strcmp(element, "description") ? "subtitle" : element;
        dict_set(ctx, key, json_string(output));
        if (!strcmp(key, "link")) {
            json_t *links = json_object_get(ctx, "links");
            size_t n = json_array_size(links);
            if (n)
                json_object_set_new(json_array_get(links, n - 1), "href", json_string(output));
        } else if (r->incontent) {
            json_t *detail = detail_of(r, output);
            char detail_key[128];
            join_name(detail_key, sizeof detail_key, key, strlen(key), '_', "detail");
            dict_set(ctx, detail_key, detail);
        }
    }
    return output;
}

static char *pop(reader *r, const char *name)
{
    return pop_full(r, name, 1);
}

static void pop_discard(reader *r, const char *name)
{
    free(pop(r, name));
}

static int attr_is_base64(json_t *attrs, const char *type)
{
    if (streq(jstr(attrs, "mode"), "base64"))
        return 1;
    size_t n = strlen(type);
    if (!strncmp(type, "text/", 5))
        return 0;
    if (n >= 4 && (!strcmp(type + n - 4, "+xml") || !strcmp(type + n - 4, "/xml")))
        return 0;
    return 1;
}

static void push_content(reader *r, const char *tag, json_t *attrs, const char *default_type,
                         int expecting_text)
{
    r->incontent++;
    if (r->lang)
        for (char *p = r->lang; *p; p++)
            if (*p == '_')
                *p = '-';
    char type[128];
    const char *given = jstr(attrs, "type");
    map_content_type(given ? given : default_type, type, sizeof type);
    /* one dictionary, refilled in place (no new keys to allocate); the type and base
     * strings are shared */
    json_object_del(r->contentparams, "src");
    r->cp_active = 1;
    json_t *type_string = json_object_get(r->types, type);
    if (!type_string) {
        type_string = json_string(type);
        json_object_set_new(r->types, type, type_string);
    }
    json_object_set(r->contentparams, "type", type_string);
    json_object_set_new(r->contentparams, "language", str_or_null(r->lang));
    json_object_set(r->contentparams, "base", r->base_ref);
    r->content_base64 = attr_is_base64(attrs, type);
    push(r, tag, expecting_text);
}

static char *pop_content(reader *r, const char *tag)
{
    char *value = pop(r, tag);
    r->incontent--;
    r->cp_active = 0; /* emptied, as far as readers can tell */
    r->content_base64 = 0;
    return value;
}

/* ---------------------------------------------------------------- authors and tags */

static pcre2_code *email_pattern(void)
{
    static const char pattern[] =
        "(([a-zA-Z0-9\\_\\-\\.\\+]+)@((\\[[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.)|(([a-zA-Z0-"
        "9\\-]+\\.)+))([a-zA-Z]{2,4}|[0-9]{1,3})(\\]?))(\\?subject=\\S+)?";
    int code;
    PCRE2_SIZE offset;
    return pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &code, &offset, NULL);
}

static char *replace_all(const char *s, const char *what, const char *with)
{
    nb_buf b;
    size_t wl = strlen(what), sl = strlen(s);
    nb_buf_init(&b, sl + (wl ? sl / wl : 0) * strlen(with) + 1); /* every match replaced */
    const char *p = s, *hit;
    while (wl && (hit = strstr(p, what)) != NULL) {
        append(&b, p, (size_t)(hit - p));
        append_str(&b, with);
        p = hit + wl;
    }
    append_str(&b, p);
    return nb_buf_take(&b);
}

/* Keeps key ("author", "publisher") and key_detail in step. */
static void sync_author_detail(reader *r, const char *key)
{
    json_t *ctx = context(r);
    char list_key[64], detail_key[64];
    snprintf(list_key, sizeof list_key, "%ss", key);
    join_name(detail_key, sizeof detail_key, key, strlen(key), '_', "detail");
    json_t *list = json_object_get(ctx, list_key);
    json_t *detail = json_array_size(list) ? json_array_get(list, json_array_size(list) - 1) : NULL;
    if (detail && json_object_size(detail)) {
        const char *name = jstr(detail, "name"), *email = jstr(detail, "email");
        if (name && *name && email && *email) {
            char *both = nb_xasprintf("%s (%s)", name, email);
            dict_set(ctx, key, json_string(both));
            free(both);
        } else if (name && *name) {
            dict_set(ctx, key, json_string(name));
        } else if (email && *email) {
            dict_set(ctx, key, json_string(email));
        }
        return;
    }
    const char *author = jstr(ctx, key);
    if (!author || !*author)
        return;
    /* the detail is the last of the list itself when there is one (shared, as in
     * feedparser), else a new dictionary */
    detail = detail ? json_incref(detail) : json_object();
    char *name = nb_xstrdup(author), *email = NULL;
    if (!r->email_re)
        r->email_re = email_pattern();
    pcre2_code *re = r->email_re;
    pcre2_match_data *md = re ? pcre2_match_data_create_from_pattern(re, NULL) : NULL;
    if (md && pcre2_match(re, (PCRE2_SPTR)author, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL) > 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        email = nb_xstrndup(author + ov[0], ov[1] - ov[0]);
        const char *junk[][2] = {{email, ""}, {"()", ""}, {"<>", ""}, {"&lt;&gt;", ""}};
        for (size_t i = 0; i < 4; i++) {
            char *next = replace_all(name, junk[i][0], junk[i][1]);
            free(name);
            name = next;
        }
        char *t = strip_dup(name);
        free(name);
        name = t;
        size_t n = strlen(name);
        if (n && name[0] == '(')
            memmove(name, name + 1, n--);
        if (n && name[n - 1] == ')')
            name[--n] = '\0';
        t = strip_dup(name);
        free(name);
        name = t;
    }
    pcre2_match_data_free(md);
    if (*name || email) {
        if (!dict_get(ctx, detail_key))
            dict_set(ctx, detail_key, json_incref(detail));
        if (*name)
            json_object_set_new(detail, "name", json_string(name));
        if (email)
            json_object_set_new(detail, "email", json_string(email));
    }
    json_decref(detail);
    free(name);
    free(email);
}

static void save_author(reader *r, const char *key, const char *value, const char *prefix)
{
    json_t *ctx = context(r);
    char detail_key[64], list_key[64];
    join_name(detail_key, sizeof detail_key, prefix, strlen(prefix), '_', "detail");
    snprintf(list_key, sizeof list_key, "%ss", prefix);
    json_t *detail = dict_setdefault(ctx, detail_key, json_object());
    json_object_set_new(detail, key, json_string(value));
    sync_author_detail(r, prefix);
    json_t *list = json_object_get(ctx, "authors");
    if (!list) {
        list = json_array();
        json_array_append_new(list, json_object());
        json_object_set_new(ctx, "authors", list);
    }
    json_t *last = json_array_get(list, json_array_size(list) - 1);
    if (last)
        json_object_set_new(last, key, json_string(value));
}

static void save_contributor(reader *r, const char *key, const char *value)
{
    json_t *ctx = context(r);
    json_t *list = json_object_get(ctx, "contributors");
    if (!list) {
        list = json_array();
        json_array_append_new(list, json_object());
        json_object_set_new(ctx, "contributors", list);
    }
    json_object_set_new(json_array_get(list, json_array_size(list) - 1), key, json_string(value));
}

static void add_tag(reader *r, const char *term, const char *scheme, const char *label)
{
    json_t *ctx = context(r);
    json_t *tags = dict_setdefault(ctx, "tags", json_array());
    if ((!term || !*term) && (!scheme || !*scheme) && (!label || !*label))
        return;
    json_t *tag = json_object();
    json_object_set_new(tag, "term", str_or_null(term));
    json_object_set_new(tag, "scheme", str_or_null(scheme));
    json_object_set_new(tag, "label", str_or_null(label));
    size_t i;
    json_t *old;
    json_array_foreach(tags, i, old) if (json_equal(old, tag))
    {
        json_decref(tag);
        return;
    }
    json_array_append_new(tags, tag);
}

/* ---------------------------------------------------------------- element handlers */

typedef void (*start_fn)(reader *r, json_t *attrs);
typedef void (*end_fn)(reader *r, const char *arg);

static void start_link(reader *r, json_t *attrs);
static void start_content(reader *r, json_t *attrs);
static void end_content(reader *r, const char *arg);
static void end_date(reader *r, const char *key);

static void cdf_common(reader *r, json_t *attrs)
{
    const char *lastmod = jstr(attrs, "lastmod");
    if (lastmod) {
        push(r, "updated", 1);
        add_text(r, lastmod, strlen(lastmod));
        end_date(r, "updated");
    }
    const char *href = jstr(attrs, "href");
    if (href) {
        json_t *none = json_object();
        start_link(r, none);
        json_decref(none);
        if (r->stack_len) {
            frame_reset(&r->stack[r->stack_len - 1]);
            add_text(r, href, strlen(href));
        }
        pop_discard(r, "link");
    }
}

static void start_rss(reader *r, json_t *attrs)
{
    if (*r->version && !strncmp(r->version, "rss", 3))
        return;
    const char *v = jstr(attrs, "version");
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
    const char *v = jstr(attrs, "version");
    const char *name = streq(v, "0.1")   ? "atom01"
                       : streq(v, "0.2") ? "atom02"
                       : streq(v, "0.3") ? "atom03"
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
        dict_setdefault(context(r), "image", json_object());
    r->inimage = 1;
    r->title_depth = -1;
    push(r, "image", 0);
}

static void end_image(reader *r, const char *arg)
{
    pop_discard(r, "image");
    r->inimage = 0;
}

static void start_textinput(reader *r, json_t *attrs)
{
    (void)attrs;
    dict_setdefault(context(r), "textinput", json_object());
    r->intextinput = 1;
    r->title_depth = -1;
    push(r, "textinput", 0);
}

static void end_textinput(reader *r, const char *arg)
{
    pop_discard(r, "textinput");
    r->intextinput = 0;
}

static void start_author(reader *r, json_t *attrs)
{
    (void)attrs;
    r->inauthor = 1;
    push(r, "author", 1);
    json_t *list = dict_setdefault(context(r), "authors", json_array());
    json_array_append_new(list, json_object());
}

static void end_author(reader *r, const char *arg)
{
    pop_discard(r, "author");
    r->inauthor = 0;
    sync_author_detail(r, "author");
}

static void start_contributor(reader *r, json_t *attrs)
{
    (void)attrs;
    r->incontributor = 1;
    json_t *list = dict_setdefault(context(r), "contributors", json_array());
    json_array_append_new(list, json_object());
    push(r, "contributor", 0);
}

static void end_contributor(reader *r, const char *arg)
{
    pop_discard(r, "contributor");
    r->incontributor = 0;
}

static void end_name(reader *r, const char *arg)
{
    char *value = pop(r, "name");
    if (!value)
        return;
    if (r->inpublisher)
        save_author(r, "name", value, "publisher");
    else if (r->inauthor)
        save_author(r, "name", value, "author");
    else if (r->incontributor)
        save_contributor(r, "name", value);
    else if (r->intextinput)
        json_object_set_new(context(r), "name", json_string(value));
    free(value);
}

static void end_dimension(reader *r, const char *key)
{
    char *value = pop(r, key);
    if (!value)
        return;
    char *end = NULL;
    long n = strtol(value, &end, 10);
    if (!*value || (end && *end))
        n = 0;
    if (r->inimage)
        json_object_set_new(context(r), key, json_integer(n));
    free(value);
}

static void end_url(reader *r, const char *arg)
{
    char *value = pop(r, "href");
    if (!value)
        return;
    if (r->inauthor)
        save_author(r, "href", value, "author");
    else if (r->incontributor)
        save_contributor(r, "href", value);
    free(value);
}

static void end_email(reader *r, const char *arg)
{
    char *value = pop(r, "email");
    if (!value)
        return;
    if (r->inpublisher)
        save_author(r, "email", value, "publisher");
    else if (r->inauthor)
        save_author(r, "email", value, "author");
    else if (r->incontributor)
        save_contributor(r, "email", value);
    free(value);
}

static void start_subtitle(reader *r, json_t *attrs)
{
    push_content(r, "subtitle", attrs, "text/plain", 1);
}

static void end_subtitle(reader *r, const char *arg)
{
    free(pop_content(r, "subtitle"));
}

static void start_rights(reader *r, json_t *attrs)
{
    push_content(r, "rights", attrs, "text/plain", 1);
}

static void end_rights(reader *r, const char *arg)
{
    free(pop_content(r, "rights"));
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
    push(r, "item", 0);
    r->inentry = 1;
    r->guidislink = 0;
    r->title_depth = -1;
    const char *about = jstr(attrs, "rdf:about");
    if (about)
        json_object_set_new(context(r), "id", json_string(about));
    cdf_common(r, attrs);
}

static void end_item(reader *r, const char *arg)
{
    pop_discard(r, "item");
    json_decref(r->overflow);
    json_decref(r->overflow_depths);
    r->overflow = r->overflow_depths = NULL;
    r->inentry = 0;
    r->has_content = 0;
}

static void end_language(reader *r, const char *arg)
{
    char *value = pop(r, "language");
    free(r->lang);
    r->lang = value;
}

static void end_webmaster(reader *r, const char *arg)
{
    pop_discard(r, "publisher");
    sync_author_detail(r, "publisher");
}

static void end_date(reader *r, const char *key)
{
    char *value = pop(r, key);
    char parsed[64];
    snprintf(parsed, sizeof parsed, "%s_parsed", key);
    dict_set(context(r), parsed, date_tuple(value));
    free(value);
}

static void start_category(reader *r, json_t *attrs)
{
    const char *scheme = jstr(attrs, "scheme");
    add_tag(r, jstr(attrs, "term"), scheme ? scheme : jstr(attrs, "domain"), jstr(attrs, "label"));
    push(r, "category", 1);
}

static void end_category(reader *r, const char *arg)
{
    char *value = pop(r, "category");
    if (value && *value) {
        json_t *tags = json_object_get(context(r), "tags");
        size_t n = json_array_size(tags);
        json_t *last = n ? json_array_get(tags, n - 1) : NULL;
        const char *term = last ? jstr(last, "term") : NULL;
        if (last && (!term || !*term))
            json_object_set_new(last, "term", json_string(value));
        else
            add_tag(r, value, NULL, NULL);
    }
    free(value);
}

static void end_tags(reader *r, const char *arg)
{
    char *value = pop(r, "tags");
    if (!value)
        return;
    char *save = value;
    for (char *term = value;; term = NULL) {
        char *comma = strchr(term ? term : save, ',');
        char *start = term ? term : save;
        if (comma)
            *comma = '\0';
        char *t = strip_dup(start);
        add_tag(r, t, NULL, NULL);
        free(t);
        if (!comma)
            break;
        save = comma + 1;
    }
    free(value);
}

static void start_cloud(reader *r, json_t *attrs)
{
    json_object_set_new(context(r), "cloud", json_copy(attrs));
}

/* url/uri/href attributes all become href. */
static void enforce_href(json_t *attrs)
{
    const char *href = jstr(attrs, "url");
    if (!href)
        href = jstr(attrs, "uri");
    if (!href)
        href = jstr(attrs, "href");
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
        json_object_set_new(
            attrs, "type",
            json_string(streq(jstr(attrs, "rel"), "self") ? "application/atom+xml" : "text/html"));
    json_t *ctx = context(r);
    enforce_href(attrs);
    if (jstr(attrs, "href")) {
        char *abs = urljoin(r->base, jstr(attrs, "href"));
        json_object_set_new(attrs, "href", json_string(abs));
        free(abs);
    }
    int expecting_text = r->infeed || r->inentry || r->insource;
    json_t *links = dict_setdefault(ctx, "links", json_array());
    if (!(r->inentry && r->inimage))
        json_array_append(links, attrs);
    if (jstr(attrs, "href")) {
        char type[128];
        map_content_type(jstr(attrs, "type"), type, sizeof type);
        if (streq(jstr(attrs, "rel"), "alternate") &&
            (!strcmp(type, "text/html") || !strcmp(type, "application/xhtml+xml")))
            dict_set(ctx, "link", json_string(jstr(attrs, "href")));
    } else {
        push(r, "link", expecting_text);
    }
    json_decref(attrs);
}

static void start_guid(reader *r, json_t *attrs)
{
    const char *permalink = jstr(attrs, "ispermalink");
    r->guidislink = !permalink || !strcmp(permalink, "true");
    push(r, "id", 1);
}

static void end_guid(reader *r, const char *arg)
{
    char *value = pop(r, "id");
    json_t *ctx = context(r);
    if (!dict_get(ctx, "guidislink"))
        dict_set(ctx, "guidislink", json_boolean(r->guidislink && !json_object_get(ctx, "link")));
    if (r->guidislink && value && !json_object_get(ctx, "link"))
        dict_set(ctx, "link", json_string(value));
    free(value);
}

static void start_title(reader *r, json_t *attrs);
static void start_element(reader *r, const char *tag, json_t *attrs);

static void start_title(reader *r, json_t *attrs)
{
    if (r->svg_depth) {
        start_element(r, "title", attrs);
        return;
    }
    push_content(r, "title", attrs, "text/plain", r->infeed || r->inentry || r->insource);
}

static void end_title(reader *r, const char *arg)
{
    if (r->svg_depth)
        return;
    char *value = pop_content(r, "title");
    if (value && *value)
        r->title_depth = r->depth;
    free(value);
}

static void start_description(reader *r, json_t *attrs)
{
    if (json_object_get(context(r), "summary") && !r->has_content) {
        r->summary_key = "content";
        start_content(r, attrs);
    } else {
        push_content(r, "description", attrs, "text/html", r->infeed || r->inentry || r->insource);
    }
}

static void start_abstract(reader *r, json_t *attrs)
{
    push_content(r, "description", attrs, "text/plain", r->infeed || r->inentry || r->insource);
}

static void end_description(reader *r, const char *arg)
{
    if (streq(r->summary_key, "content"))
        end_content(r, NULL);
    else
        free(pop_content(r, "description"));
    r->summary_key = NULL;
}

static void start_info(reader *r, json_t *attrs)
{
    push_content(r, "info", attrs, "text/plain", 1);
}

static void end_info(reader *r, const char *arg)
{
    free(pop_content(r, "info"));
}

static void start_generator(reader *r, json_t *attrs_in)
{
    json_t *attrs = json_copy(attrs_in);
    if (json_object_size(attrs)) {
        enforce_href(attrs);
        if (jstr(attrs, "href")) {
            char *abs = urljoin(r->base, jstr(attrs, "href"));
            json_object_set_new(attrs, "href", json_string(abs));
            free(abs);
        }
    }
    json_object_set_new(context(r), "generator_detail", attrs);
    push(r, "generator", 1);
}

static void end_generator(reader *r, const char *arg)
{
    char *value = pop(r, "generator");
    json_t *detail = json_object_get(context(r), "generator_detail");
    if (detail && value)
        json_object_set_new(detail, "name", json_string(value));
    free(value);
}

static void start_summary(reader *r, json_t *attrs)
{
    if (json_object_get(context(r), "summary") && !r->has_content) {
        r->summary_key = "content";
        start_content(r, attrs);
    } else {
        r->summary_key = "summary";
        push_content(r, "summary", attrs, "text/plain", 1);
    }
}

static void end_summary(reader *r, const char *arg)
{
    if (streq(r->summary_key, "content"))
        end_content(r, NULL);
    else
        free(pop_content(r, r->summary_key ? r->summary_key : "summary"));
    r->summary_key = NULL;
}

static void start_enclosure(reader *r, json_t *attrs_in)
{
    json_t *attrs = json_copy(attrs_in);
    enforce_href(attrs);
    json_object_set_new(attrs, "rel", json_string("enclosure"));
    json_array_append_new(dict_setdefault(context(r), "links", json_array()), attrs);
}

static void start_source(reader *r, json_t *attrs)
{
    const char *url = jstr(attrs, "url");
    if (!r->source)
        r->source = json_object();
    if (url)
        json_object_set_new(r->source, "href", json_string(url));
    push(r, "source", 1);
    r->insource = 1;
    r->title_depth = -1;
}

static void end_source(reader *r, const char *arg)
{
    r->insource = 0;
    char *value = pop(r, "source");
    if (value && *value)
        json_object_set_new(r->source, "title", json_string(value));
    free(value);
    json_object_set_new(context(r), "source", json_deep_copy(r->source));
    json_object_clear(r->source);
}

static void start_content(reader *r, json_t *attrs)
{
    r->has_content = 1;
    push_content(r, "content", attrs, "text/plain", 1);
    const char *src = jstr(attrs, "src");
    if (src && *src)
        json_object_set_new(r->contentparams, "src", json_string(src));
    push(r, "content", 1);
}

static void start_body(reader *r, json_t *attrs)
{
    push_content(r, "content", attrs, "application/xhtml+xml", 1);
}

static void start_content_encoded(reader *r, json_t *attrs)
{
    r->has_content = 1;
    push_content(r, "content", attrs, "text/html", 1);
}

static void end_content(reader *r, const char *arg)
{
    char type[128];
    map_content_type(content_type(r), type, sizeof type);
    int copy_to_summary = !strcmp(type, "text/plain") || !strcmp(type, "text/html") ||
                          !strcmp(type, "application/xhtml+xml");
    char *value = pop_content(r, "content");
    if (copy_to_summary && value && !json_object_get(context(r), "summary"))
        json_object_set_new(context(r), "summary", json_string(value));
    free(value);
}

static void end_newlocation(reader *r, const char *arg)
{
    char *url = pop(r, "newlocation");
    if (url && context(r) == r->feed) {
        char *t = strip_dup(url);
        char *abs = safe_absolute_uri(r->base, t);
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
    json_array_append_new(dict_setdefault(context(r), "contributors", json_array()), json_object());
    push(r, "name", 0);
}

static void end_dc_contributor(reader *r, const char *arg)
{
    end_name(r, NULL);
    r->incontributor = 0;
}

static void end_validity(reader *r, const char *arg)
{
    char *value = pop(r, "validity");
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
                json_object_set_new(context(r), key, json_string(eq + 1));
                json_object_set_new(context(r), parsed, date_tuple(eq + 1));
            }
        }
        rest = semi ? semi + 1 : NULL;
    }
    free(value);
}

/* --- iTunes */

static void start_itunes_category(reader *r, json_t *attrs)
{
    add_tag(r, jstr(attrs, "text"), "http://www.itunes.com/", NULL);
    push(r, "category", 1);
}

static void start_itunes_owner(reader *r, json_t *attrs)
{
    (void)attrs;
    r->inpublisher = 1;
    push(r, "publisher", 0);
}

static void end_itunes_owner(reader *r, const char *arg)
{
    pop_discard(r, "publisher");
    r->inpublisher = 0;
    sync_author_detail(r, "publisher");
}

static void end_keywords_list(reader *r, const char *key, const char *scheme)
{
    char *value = pop(r, key);
    if (!value)
        return;
    char *rest = value;
    while (rest) {
        char *comma = strchr(rest, ',');
        if (comma)
            *comma = '\0';
        char *t = strip_dup(rest);
        if (*t)
            add_tag(r, t, scheme, NULL);
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
    push(r, "itunes_image", 0);
    const char *href = jstr(attrs, "href");
    if (!href || !*href)
        href = jstr(attrs, "url");
    if (href && *href)
        json_object_set_new(context(r), "image", json_pack("{s:s}", "href", href));
}

static void end_itunes_block(reader *r, const char *arg)
{
    char *value = pop_full(r, "itunes_block", 0);
    json_object_set_new(context(r), "itunes_block",
                        json_integer(streq(value, "yes") || streq(value, "Yes")));
    free(value);
}

static void end_itunes_explicit(reader *r, const char *arg)
{
    char *value = pop_full(r, "itunes_explicit", 0);
    json_t *v = streq(value, "yes")     ? json_true()
                : streq(value, "clean") ? json_false()
                                        : json_null();
    json_object_set_new(context(r), "itunes_explicit", v);
    free(value);
}

/* --- Media RSS */

static void start_media_category(reader *r, json_t *attrs_in)
{
    json_t *attrs = json_copy(attrs_in);
    if (!json_object_get(attrs, "scheme"))
        json_object_set_new(attrs, "scheme",
                            json_string("http://search.yahoo.com/mrss/category_schema"));
    start_category(r, attrs);
    json_decref(attrs);
}

static void end_media_keywords(reader *r, const char *arg)
{
    end_keywords_list(r, "media_keywords", NULL);
}

static void end_media_title(reader *r, const char *arg)
{
    int saved = r->title_depth;
    end_title(r, NULL);
    r->title_depth = saved;
}

static void start_ignore(reader *r, json_t *attrs)
{
    (void)r, (void)attrs;
}

/* media:rating, media:restriction, media:license: the attributes, then the text. */
static void start_media_attrs(reader *r, json_t *attrs, const char *key, const char *frame_name)
{
    dict_setdefault(context(r), key, json_copy(attrs));
    push(r, frame_name, 1);
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
    char *value = pop(r, frame_name);
    if (value && *value) {
        json_t *target = json_object_get(context(r), key);
        if (!strcmp(frame_name, "restriction")) {
            json_t *list = json_array();
            char *rest = value;
            while (rest) {
                char *sp = strchr(rest, ' ');
                if (sp)
                    *sp = '\0';
                char *t = strip_dup(rest);
                lower_in_place(t);
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
    json_array_append_new(dict_setdefault(context(r), "media_credit", json_array()),
                          json_copy(attrs));
    push(r, "credit", 1);
}

static void end_media_credit(reader *r, const char *arg)
{
    char *value = pop(r, "credit");
    json_t *list = json_object_get(context(r), "media_credit");
    if (value && *value && json_array_size(list))
        json_object_set_new(json_array_get(list, json_array_size(list) - 1), "content",
                            json_string(value));
    free(value);
}

static void start_media_content(reader *r, json_t *attrs)
{
    json_array_append_new(dict_setdefault(context(r), "media_content", json_array()),
                          json_copy(attrs));
}

static void start_media_thumbnail(reader *r, json_t *attrs)
{
    json_t *list = dict_setdefault(context(r), "media_thumbnail", json_array());
    push(r, "url", 1);
    json_array_append_new(list, json_copy(attrs));
}

static void end_media_thumbnail(reader *r, const char *arg)
{
    char *url = pop(r, "url");
    json_t *list = json_object_get(context(r), "media_thumbnail");
    if (url && *url && json_array_size(list)) {
        json_t *last = json_array_get(list, json_array_size(list) - 1);
        if (!json_object_get(last, "url"))
            json_object_set_new(last, "url", json_string(url));
    }
    free(url);
}

static void start_media_player(reader *r, json_t *attrs)
{
    push(r, "media_player", 0);
    json_object_set_new(context(r), "media_player", json_copy(attrs));
}

static void end_media_player(reader *r, const char *arg)
{
    char *value = pop(r, "media_player");
    json_t *player = json_object_get(context(r), "media_player");
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
    json_array_append_new(dict_setdefault(context(r), "links", json_array()), link);
}

static void start_cc_license(reader *r, json_t *attrs)
{
    add_license_link(r, jstr(attrs, "rdf:resource"));
}

static void end_creativecommons_license(reader *r, const char *arg)
{
    char *value = pop(r, "license");
    add_license_link(r, value);
    json_object_del(context(r), "license");
    free(value);
}

static void start_admin_generatoragent(reader *r, json_t *attrs)
{
    const char *value = jstr(attrs, "rdf:resource");
    push(r, "generator", 1);
    if (value)
        add_text(r, value, strlen(value));
    pop_discard(r, "generator");
    json_object_set_new(context(r), "generator_detail",
                        json_pack("{s:o}", "href", str_or_null(value)));
}

static void start_admin_errorreportsto(reader *r, json_t *attrs)
{
    const char *value = jstr(attrs, "rdf:resource");
    push(r, "errorreportsto", 1);
    if (value)
        add_text(r, value, strlen(value));
    pop_discard(r, "errorreportsto");
}

/* --- GeoRSS and GML: where = {type, coordinates} */

static void start_where(reader *r, json_t *attrs)
{
    (void)attrs;
    push(r, "where", 0);
    json_object_set_new(context(r), "where", json_object());
}

static void start_georss_geometry(reader *r, json_t *attrs)
{
    (void)attrs;
    push(r, "geometry", 0);
    json_object_set_new(context(r), "where", json_object());
}

/* Numbers of a coordinate list ("45.256 -71.92" or "45.256,-71.92"), grouped in points
 * of dims numbers, the first two of each swapped when swap. NULL when it does not parse
 * or is empty. */
static json_t *coordinates(const char *text, int swap, int dims)
{
    json_t *points = json_array();
    double v[3];
    int have = 0;
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == ',' || *p == '\n' || *p == '\t' || *p == '\r')
            p++;
        if (!*p)
            break;
        char *end = NULL;
        double d = strtod(p, &end);
        if (end == p) {
            json_decref(points);
            return NULL;
        }
        p = end;
        v[have++] = d;
        if (have == (dims == 3 ? 3 : 2)) {
            json_t *pt = json_array();
            json_array_append_new(pt, json_real(swap ? v[1] : v[0]));
            json_array_append_new(pt, json_real(swap ? v[0] : v[1]));
            if (dims == 3)
                json_array_append_new(pt, json_real(v[2]));
            json_array_append_new(points, pt);
            have = 0;
        }
    }
    if (!json_array_size(points)) {
        json_decref(points);
        return NULL;
    }
    return points;
}

static void save_where(reader *r, const char *type, json_t *coords)
{
    json_t *where = json_object_get(context(r), "where");
    if (!where) {
        where = json_object();
        json_object_set_new(context(r), "where", where);
    }
    json_object_set_new(where, "type", json_string(type));
    json_object_set_new(where, "coordinates", coords);
}

static void end_georss(reader *r, const char *type)
{
    char *text = pop(r, "geometry");
    json_t *points = text ? coordinates(text, 1, 2) : NULL;
    free(text);
    if (!points)
        return;
    if (!strcmp(type, "Point")) {
        save_where(r, type, json_incref(json_array_get(points, 0)));
    } else if (!strcmp(type, "Polygon")) {
        if (json_array_size(points) >= 4)
            save_where(r, type, json_pack("[O]", points));
    } else {
        save_where(r, type, json_incref(points));
    }
    json_decref(points);
}

/* GML geometry: srsName and srsDimension decide the axis order and point size. */
static void gml_srs(reader *r, json_t *attrs)
{
    json_t *where = json_object_get(context(r), "where");
    if (!where) {
        where = json_object();
        json_object_set_new(context(r), "where", where);
    }
    const char *dim = jstr(attrs, "srsdimension");
    char *end = NULL;
    long dims = dim ? strtol(dim, &end, 10) : 2;
    if (dim && (!*dim || *end))
        dims = 2;
    json_object_set_new(where, "srsName", str_or_null(jstr(attrs, "srsname")));
    json_object_set_new(where, "srsDimension", json_integer(dims));
}

static void start_gml_point(reader *r, json_t *attrs)
{
    gml_srs(r, attrs);
    r->geometry = "point";
    push(r, "geometry", 0);
}

static void start_gml_linestring(reader *r, json_t *attrs)
{
    gml_srs(r, attrs);
    r->geometry = "linestring";
    push(r, "geometry", 0);
}

static void start_gml_polygon(reader *r, json_t *attrs)
{
    gml_srs(r, attrs);
    push(r, "geometry", 0);
}

static void start_gml_linearring(reader *r, json_t *attrs)
{
    (void)attrs;
    r->geometry = "polygon";
    push(r, "geometry", 0);
}

static void end_gml_geometry(reader *r, const char *arg)
{
    r->geometry = NULL;
    pop_discard(r, "geometry");
}

/* Coordinates are swapped unless the srsName is an EPSG system that is not a geographic
 * one (geographic ones are EPSG 4001-4999 and a few others): projected systems such as
 * UTM keep their order. */
static int gml_swap(const char *srs)
{
    if (!srs || !strstr(srs, "EPSG"))
        return 1;
    const char *colon = strrchr(srs, ':');
    long code = colon ? strtol(colon + 1, NULL, 10) : 0;
    return (code >= 4001 && code <= 4999) || code == 3819 || code == 3821 || code == 3824 ||
           code == 3889 || code == 3906;
}

static void end_gml_pos(reader *r, int list)
{
    char *text = pop(r, "pos");
    json_t *where = json_object_get(context(r), "where");
    int swap = gml_swap(jstr(where, "srsName"));
    json_t *dim = json_object_get(where, "srsDimension");
    int dims = dim ? (int)json_integer_value(dim) : 2;
    json_t *points = text ? coordinates(text, swap, dims) : NULL;
    free(text);
    if (!points)
        return;
    if (!list)
        save_where(r, "Point", json_incref(json_array_get(points, 0)));
    else if (streq(r->geometry, "linestring"))
        save_where(r, "LineString", json_incref(points));
    else if (streq(r->geometry, "polygon"))
        save_where(r, "Polygon", json_pack("[O]", points));
    json_decref(points);
}

static void end_gml_point_pos(reader *r, const char *arg)
{
    end_gml_pos(r, 0);
}

static void end_gml_poslist(reader *r, const char *arg)
{
    end_gml_pos(r, 1);
}

/* --- Podlove simple chapters */

static void start_psc_chapters(reader *r, json_t *attrs)
{
    json_t *ctx = context(r);
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
    const char *start = jstr(attrs, "start");
    double secs = start ? chapter_start(start) : -1;
    json_object_set_new(chapter, "start_parsed", secs >= 0 ? json_real(secs) : json_null());
    json_array_append_new(json_object_get(json_object_get(context(r), "psc_chapters"), "chapters"),
                          chapter);
}

/* The handlers, by element name as the result's keys spell it (prefix_name). An element
 * with neither is kept under its own name. */
static const struct handler {
    const char *name;
    start_fn start;    /* NULL: push `frame` (when set) */
    end_fn end;        /* NULL: close the element's own frame, if any */
    const char *frame; /* the key the element's text is collected for */
    int text;          /* 1: the text is stored; 0: returned to the end handler only */
    const char *arg;   /* what end is told: the key of a date, the type of a geometry */
} handlers[] = {
    {"rss", start_rss, NULL, NULL, 0, NULL},
    {"channel", start_channel, end_channel, NULL, 0, NULL},
    {"feed", start_feed, end_channel, NULL, 0, NULL},
    {"image", start_image, end_image, NULL, 0, NULL},
    {"textinput", start_textinput, end_textinput, NULL, 0, NULL},
    {"author", start_author, end_author, NULL, 0, NULL},
    {"managingeditor", start_author, end_author, NULL, 0, NULL},
    {"contributor", start_contributor, end_contributor, NULL, 0, NULL},
    {"name", NULL, end_name, "name", 0, NULL},
    {"width", NULL, end_dimension, "width", 0, "width"},
    {"height", NULL, end_dimension, "height", 0, "height"},
    {"url", NULL, end_url, "href", 1, NULL},
    {"homepage", NULL, end_url, "href", 1, NULL},
    {"uri", NULL, end_url, "href", 1, NULL},
    {"email", NULL, end_email, "email", 0, NULL},
    {"subtitle", start_subtitle, end_subtitle, NULL, 0, NULL},
    {"tagline", start_subtitle, end_subtitle, NULL, 0, NULL},
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
    {"category", start_category, end_category, NULL, 0, NULL},
    {"keywords", start_category, end_category, NULL, 0, NULL},
    {"tags", NULL, end_tags, "tags", 1, NULL},
    {"cloud", start_cloud, NULL, NULL, 0, NULL},
    {"link", start_link, pop_discard, NULL, 0, "link"},
    {"guid", start_guid, end_guid, NULL, 0, NULL},
    {"id", start_guid, end_guid, NULL, 0, NULL},
    {"title", start_title, end_title, NULL, 0, NULL},
    {"description", start_description, end_description, NULL, 0, NULL},
    {"abstract", start_abstract, end_description, NULL, 0, NULL},
    {"info", start_info, end_info, NULL, 0, NULL},
    {"feedburner_browserfriendly", start_info, end_info, NULL, 0, NULL},
    {"generator", start_generator, end_generator, NULL, 0, NULL},
    {"summary", start_summary, end_summary, NULL, 0, NULL},
    {"enclosure", start_enclosure, NULL, NULL, 0, NULL},
    {"source", start_source, end_source, NULL, 0, NULL},
    {"content", start_content, end_content, NULL, 0, NULL},
    {"body", start_body, end_content, NULL, 0, NULL},
    {"xhtml_body", start_body, end_content, NULL, 0, NULL},
    {"content_encoded", start_content_encoded, end_content, NULL, 0, NULL},
    {"fullitem", start_content_encoded, end_content, NULL, 0, NULL},
    {"newlocation", NULL, end_newlocation, "newlocation", 1, NULL},
    {"dc_author", start_author, end_author, NULL, 0, NULL},
    {"dc_creator", start_author, end_author, NULL, 0, NULL},
    {"dc_date", NULL, end_date, "updated", 1, "updated"},
    {"dc_description", start_description, end_description, NULL, 0, NULL},
    {"dc_language", NULL, end_language, "language", 1, NULL},
    {"dc_publisher", NULL, end_webmaster, "publisher", 1, NULL},
    {"dc_rights", start_rights, end_rights, NULL, 0, NULL},
    {"dc_subject", start_category, end_category, NULL, 0, NULL},
    {"dc_title", start_title, end_title, NULL, 0, NULL},
    {"dcterms_created", NULL, end_date, "created", 1, "created"},
    {"dcterms_issued", NULL, end_date, "published", 1, "published"},
    {"dcterms_modified", NULL, end_date, "updated", 1, "updated"},
    {"dcterms_valid", NULL, end_validity, "validity", 1, NULL},
    {"dc_contributor", start_dc_contributor, end_dc_contributor, NULL, 0, NULL},
    {"itunes_author", start_author, end_author, NULL, 0, NULL},
    {"itunes_category", start_itunes_category, end_category, NULL, 0, NULL},
    {"itunes_name", NULL, end_name, "name", 0, NULL},
    {"itunes_email", NULL, end_email, "email", 0, NULL},
    {"itunes_subtitle", start_subtitle, end_subtitle, NULL, 0, NULL},
    {"itunes_summary", start_summary, end_summary, NULL, 0, NULL},
    {"itunes_owner", start_itunes_owner, end_itunes_owner, NULL, 0, NULL},
    {"itunes_keywords", NULL, end_itunes_keywords, NULL, 0, NULL},
    {"itunes_image", start_itunes_image, NULL, NULL, 0, NULL},
    {"itunes_link", start_itunes_image, NULL, NULL, 0, NULL},
    {"itunes_block", NULL, end_itunes_block, NULL, 0, NULL},
    {"itunes_explicit", NULL, end_itunes_explicit, NULL, 0, NULL},
    {"media_category", start_media_category, end_category, NULL, 0, NULL},
    {"media_keywords", NULL, end_media_keywords, NULL, 0, NULL},
    {"media_title", start_title, end_media_title, NULL, 0, NULL},
    {"media_group", start_ignore, NULL, NULL, 0, NULL},
    {"media_rating", start_media_rating, end_media_rating, NULL, 0, NULL},
    {"media_credit", start_media_credit, end_media_credit, NULL, 0, NULL},
    {"media_description", start_description, end_description, NULL, 0, NULL},
    {"media_restriction", start_media_restriction, end_media_restriction, NULL, 0, NULL},
    {"media_license", start_media_license, end_media_license, NULL, 0, NULL},
    {"media_content", start_media_content, NULL, NULL, 0, NULL},
    {"media_thumbnail", start_media_thumbnail, end_media_thumbnail, NULL, 0, NULL},
    {"media_player", start_media_player, end_media_player, NULL, 0, NULL},
    {"cc_license", start_cc_license, NULL, NULL, 0, NULL},
    {"creativecommons_license", NULL, end_creativecommons_license, "license", 1, NULL},
    {"admin_generatoragent", start_admin_generatoragent, NULL, NULL, 0, NULL},
    {"admin_errorreportsto", start_admin_errorreportsto, NULL, NULL, 0, NULL},
    {"where", start_where, pop_discard, NULL, 0, "where"},
    {"georss_where", start_where, pop_discard, NULL, 0, "where"},
    {"georss_point", start_georss_geometry, end_georss, NULL, 0, "Point"},
    {"georss_line", start_georss_geometry, end_georss, NULL, 0, "LineString"},
    {"georss_polygon", start_georss_geometry, end_georss, NULL, 0, "Polygon"},
    {"georss_box", start_georss_geometry, end_georss, NULL, 0, "Box"},
    {"gml_point", start_gml_point, end_gml_geometry, NULL, 0, NULL},
    {"gml_linestring", start_gml_linestring, end_gml_geometry, NULL, 0, NULL},
    {"gml_polygon", start_gml_polygon, end_gml_geometry, NULL, 0, NULL},
    {"gml_exterior", NULL, end_gml_geometry, "geometry", 0, NULL},
    {"gml_linearring", start_gml_linearring, end_gml_geometry, NULL, 0, NULL},
    {"gml_pos", NULL, end_gml_point_pos, "pos", 0, NULL},
    {"gml_poslist", NULL, end_gml_poslist, "pos", 0, NULL},
    {"psc_chapters", start_psc_chapters, end_psc_chapters, NULL, 0, NULL},
    {"psc_chapter", start_psc_chapter, NULL, NULL, 0, NULL},
};

#define HANDLER_COUNT (sizeof handlers / sizeof handlers[0])

static int by_handler_name(const void *a, const void *b)
{
    return strcmp(((const struct handler *)a)->name, ((const struct handler *)b)->name);
}

static struct handler sorted_handlers[HANDLER_COUNT];
static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static void sort_handlers(void)
{
    memcpy(sorted_handlers, handlers, sizeof handlers);
    qsort(sorted_handlers, HANDLER_COUNT, sizeof sorted_handlers[0], by_handler_name);
}

static const struct handler *find_handler(const char *name)
{
    pthread_once(&sorted_once, sort_handlers);
    struct handler key = {.name = name};
    return bsearch(&key, sorted_handlers, HANDLER_COUNT, sizeof key, by_handler_name);
}

/* ---------------------------------------------------------------- events */

/* The most bytes serialize_tag writes for this tag: "&quot;" is the longest a byte of a
 * value becomes. */
static size_t serialized_size(const char *tag, json_t *attrs)
{
    size_t n = strlen(tag) + 3;
    const char *key;
    json_t *value;
    json_object_foreach(attrs, key, value)
    {
        const char *v = json_string_value(value);
        n += strlen(key) + 4 + 6 * (v ? strlen(v) : 0);
    }
    return n;
}

/* Attributes as name="value" pairs for re-serialized XHTML. */
static void serialize_tag(nb_buf *b, const char *tag, json_t *attrs)
{
    append_str(b, "<");
    append_str(b, tag);
    const char *key;
    json_t *value;
    json_object_foreach(attrs, key, value)
    {
        append_str(b, " ");
        append_str(b, key);
        append_str(b, "=\"");
        for (const char *p = json_string_value(value); p && *p; p++) {
            if (*p == '&')
                append_str(b, "&amp;");
            else if (*p == '<')
                append_str(b, "&lt;");
            else if (*p == '>')
                append_str(b, "&gt;");
            else if (*p == '"')
                append_str(b, "&quot;");
            else
                append(b, p, 1);
        }
        append_str(b, "\"");
    }
    append_str(b, ">");
}

static void set_base(reader *r, json_t *ref)
{
    if (!ref)
        return; /* not valid UTF-8 (json_string refuses it): the base stays */
    json_decref(r->base_ref);
    r->base_ref = ref;
    r->base = json_string_value(ref);
}

static void push_scope(reader *r, json_t *attrs)
{
    const char *base = jstr(attrs, "xml:base");
    if (!base)
        base = jstr(attrs, "base");
    /* without xml:base the base stays what it is (joining a URI with itself): the same
     * string is shared */
    if (base) {
        char *next;
        if (*r->base) {
            next = safe_absolute_uri(r->base, base);
            if (!*next) {
                free(next);
                next = nb_xstrdup(r->base);
            }
        } else {
            next = urljoin(r->base, base ? base : "");
        }
        set_base(r, json_string(next));
        free(next);
    }
    if (r->bases_len == r->bases_cap) {
        r->bases_cap = r->bases_cap ? r->bases_cap * 2 : 16;
        r->bases = nb_xrealloc(r->bases, r->bases_cap * sizeof *r->bases);
    }
    r->bases[r->bases_len++] = json_incref(r->base_ref);

    const char *lang_attr = jstr(attrs, "xml:lang");
    if (!lang_attr)
        lang_attr = jstr(attrs, "lang");
    char *lang;
    if (lang_attr && !*lang_attr)
        lang = NULL;
    else if (!lang_attr)
        lang = nb_xstrdup(r->lang);
    else
        lang = nb_xstrdup(lang_attr);
    free(r->lang);
    r->lang = lang;
    strvec_push(&r->langs, nb_xstrdup(lang));
}

static void set_language_if_root(reader *r, const char *tag)
{
    if (r->lang && (!strcmp(tag, "feed") || !strcmp(tag, "rss"))) {
        char *l = nb_xstrdup(r->lang);
        for (char *p = l; *p; p++)
            if (*p == '_')
                *p = '-';
        json_object_set_new(r->feed, "language", json_string(l));
        free(l);
    }
}

/* The handler of an element is looked up when it opens and kept by depth for its end
 * tag; the name is checked, as depth can drift in ill-formed content. */
static void remember_handler(reader *r, const struct handler *h)
{
    size_t d = r->depth > 0 ? (size_t)r->depth : 0;
    if (d >= r->opened_cap) {
        size_t cap = r->opened_cap ? r->opened_cap : 32;
        while (cap <= d)
            cap *= 2;
        r->opened = nb_xrealloc(r->opened, cap * sizeof *r->opened);
        memset(r->opened + r->opened_cap, 0, (cap - r->opened_cap) * sizeof *r->opened);
        r->opened_cap = cap;
    }
    r->opened[d] = h;
}

static const struct handler *recall_handler(reader *r, const char *name)
{
    size_t d = r->depth > 0 ? (size_t)r->depth : 0;
    const struct handler *h = d < r->opened_cap ? r->opened[d] : NULL;
    if (h && !strcmp(h->name, name))
        return h;
    return find_handler(name);
}

/* An element opens. tag is "prefix:name" with the canonical prefix, lower case. */
static void start_element(reader *r, const char *tag, json_t *attrs)
{
    r->depth++;
    push_scope(r, attrs);
    set_language_if_root(r, tag);

    const char *ctype = content_type(r);
    if (r->incontent) {
        size_t n = ctype ? strlen(ctype) : 0;
        int xmlish = !ctype || (n >= 3 && !strcmp(ctype + n - 3, "xml"));
        if (!xmlish) {
            if (!strcmp(tag, "xhtml:div") || !strcmp(tag, "div"))
                return;
            set_content_type(r, "application/xhtml+xml");
        }
    }
    if (r->incontent && streq(content_type(r), "application/xhtml+xml")) {
        const char *colon = strchr(tag, ':');
        const char *local = colon ? colon + 1 : tag;
        if (!strcmp(local, "svg"))
            r->svg_depth++;
        nb_buf b;
        nb_buf_init(&b, serialized_size(local, attrs));
        serialize_tag(&b, local, attrs);
        handle_data(r, nb_buf_str(&b), b.len, 0);
        nb_buf_free(&b);
        return;
    }

    char name[256];
    const char *colon = strchr(tag, ':');
    join_name(name, sizeof name, colon ? tag : NULL, colon ? (size_t)(colon - tag) : 0, '_',
              colon ? colon + 1 : tag);
    if (r->intextinput && !colon && strcmp(tag, "title") && strcmp(tag, "link") &&
        strcmp(tag, "description") && strcmp(tag, "name"))
        r->intextinput = 0;
    if (r->inimage && !colon && strcmp(tag, "title") && strcmp(tag, "link") &&
        strcmp(tag, "description") && strcmp(tag, "url") && strcmp(tag, "href") &&
        strcmp(tag, "width") && strcmp(tag, "height"))
        r->inimage = 0;

    const struct handler *h = find_handler(name);
    remember_handler(r, h);
    if (h && h->start) {
        h->start(r, attrs);
        return;
    }
    if (h && h->frame) {
        push(r, h->frame, h->text);
        return;
    }
    if (json_object_size(attrs) == 0)
        push(r, name, 1);
    else
        json_object_set(context(r), name, attrs);
}

static void end_element(reader *r, const char *tag)
{
    char name[256];
    const char *colon = strchr(tag, ':');
    join_name(name, sizeof name, colon ? tag : NULL, colon ? (size_t)(colon - tag) : 0, '_',
              colon ? colon + 1 : tag);
    const char *local = colon ? colon + 1 : tag;
    if (!strcmp(local, "svg") && r->svg_depth)
        r->svg_depth--;
    const struct handler *h = r->svg_depth ? NULL : recall_handler(r, name);
    if (h && h->end)
        h->end(r, h->arg);
    else
        pop_discard(r, name);

    const char *ctype = content_type(r);
    if (r->incontent) {
        size_t n = ctype ? strlen(ctype) : 0;
        int xmlish = !ctype || (n >= 3 && !strcmp(ctype + n - 3, "xml"));
        if (!xmlish) {
            if (!strcmp(tag, "xhtml:div") || !strcmp(tag, "div"))
                return;
            set_content_type(r, "application/xhtml+xml");
        }
    }
    if (r->incontent && streq(content_type(r), "application/xhtml+xml")) {
        char close[256];
        int n = snprintf(close, sizeof close, "</%s>", local);
        handle_data(r, close, (size_t)n, 0);
    }
    if (r->bases_len) {
        json_decref(r->bases[--r->bases_len]);
        json_t *parent = r->bases_len ? r->bases[r->bases_len - 1] : NULL;
        if (parent && *json_string_value(parent))
            set_base(r, json_incref(parent));
    }
    if (r->langs.n) {
        free(r->langs.v[--r->langs.n]);
        if (r->langs.n) {
            free(r->lang);
            r->lang = nb_xstrdup(r->langs.v[r->langs.n - 1]);
        }
    }
    r->depth--;
}

/* ---------------------------------------------------------------- libxml2 SAX glue */

static void track_namespace(reader *r, const char *prefix, const char *uri)
{
    char lower[512];
    snprintf(lower, sizeof lower, "%s", uri);
    lower_in_place(lower);
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
    lower_in_place(lower);
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
        set_bozo(r, "UndeclaredNamespace", msg);
    }
    char local[128];
    join_name(local, sizeof local, NULL, 0, 0, (const char *)localname);
    lower_in_place(local);

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
        join_name(lp, sizeof lp, NULL, 0, 0, kp);
        lower_in_place(lp);
        join_name(tag, sizeof tag, lp, strlen(lp), ':', local);
    } else {
        join_name(tag, sizeof tag, NULL, 0, 0, local);
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
        join_name(key, sizeof key, ap && *ap ? ap : NULL, ap ? strlen(ap) : 0, ':', aname);
        lower_in_place(key);
        char qkey[200];
        join_name(qkey, sizeof qkey, aprefix, aprefix ? strlen(aprefix) : 0, ':', aname);
        lower_in_place(qkey);
        /* rel and type compare case-insensitively: their values are kept in lower case */
        json_t *raw = json_stringn_nocheck(vbeg, vlen); /* valid UTF-8 by now */
        json_t *lowered = NULL;
        int qkey_differs = strcmp(qkey, key) != 0;
        for (int k = 0; k < 1 + qkey_differs; k++) {
            const char *name = k ? qkey : key;
            int lower = !strcmp(name, "rel") || !strcmp(name, "type");
            if (lower && !lowered) {
                char *copy = nb_xstrndup(vbeg, vlen);
                lower_in_place(copy);
                lowered = json_stringn_nocheck(copy, vlen);
                free(copy);
            }
            json_object_set(attrs, name, lower ? lowered : raw);
        }
        json_decref(raw);
        json_decref(lowered);
        free(repaired);
    }
    start_element(r, tag, attrs);
    json_decref(attrs);
}

static void sax_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    reader *r = ctx;
    const char *kp = key_prefix(r, (const char *)uri, (const char *)prefix);
    char tag[200];
    join_name(tag, sizeof tag, kp && *kp ? kp : NULL, kp ? strlen(kp) : 0, ':',
              (const char *)localname);
    lower_in_place(tag);
    end_element(r, tag);
}

static void sax_characters(void *ctx, const xmlChar *text, int len)
{
    handle_data(ctx, (const char *)text, (size_t)len, 1);
}

/* Entities: the five of XML come from libxml2; HTML's names (&hellip;) and the document's
 * own plain internal entities are handed over as predefined text, which libxml2 inserts
 * without parsing it as markup. */
static xmlEntityPtr make_entity(reader *r, const char *name, const char *text)
{
    xmlEntityPtr e = nb_xcalloc(1, sizeof *e);
    e->type = XML_ENTITY_DECL;
    e->etype = XML_INTERNAL_PREDEFINED_ENTITY;
    e->name = (const xmlChar *)nb_xstrdup(name);
    e->content = (xmlChar *)nb_xstrdup(text);
    e->orig = (xmlChar *)nb_xstrdup(text);
    e->length = (int)strlen(text);
    r->entities = nb_xgrow(r->entities, &r->entity_alloc, r->entity_count + 1, sizeof *r->entities);
    r->entities[r->entity_count++] = e;
    if (!r->entity_names)
        r->entity_names = xmlHashCreate(64);
    xmlHashAddEntry(r->entity_names, e->name, e);
    return e;
}

static xmlEntityPtr find_entity(reader *r, const char *name)
{
    return r->entity_names ? xmlHashLookup(r->entity_names, (const xmlChar *)name) : NULL;
}

/* Every reference expanded counts toward the document's cap (one entity of a megabyte
 * referenced a thousand times would make a gigabyte of text): past it, the document is
 * bozo and the references that follow expand to nothing. */
static xmlEntityPtr expand(reader *r, xmlEntityPtr e)
{
    if (r->entity_bytes + (size_t)e->length <= r->entity_cap) {
        r->entity_bytes += (size_t)e->length;
        return e;
    }
    if (r->entity_bytes <= r->entity_cap) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "entities expand to more than %zu bytes, the cap for this document (%u MB or %u "
                 "times its size, whichever is smaller); the references past it are left out",
                 r->entity_cap, NB_LIMIT_FEED_ENTITY_BYTES >> 20, NB_LIMIT_FEED_ENTITY_FACTOR);
        r->bozo = 0; /* this message wins over an earlier one: it says text is missing */
        set_bozo(r, "EntityExpansionLimit", msg);
        r->entity_bytes = r->entity_cap + 1;
    }
    return &r->nothing;
}

static xmlEntityPtr sax_get_entity(void *ctx, const xmlChar *name)
{
    reader *r = ctx;
    xmlEntityPtr e = xmlGetPredefinedEntity(name);
    if (e)
        return e;
    if (r->declared && xmlStrEqual(r->declared, name)) {
        /* libxml2 looks a declaration's entity up once read (to keep its raw text): not a
         * reference, so nothing is expanded or reported */
        r->declared = NULL;
        return find_entity(r, (const char *)name);
    }
    e = find_entity(r, (const char *)name);
    if (e)
        return expand(r, e);
    if (r->entity_count >= NB_LIMIT_FEED_ENTITIES)
        return expand(r, &r->nothing);
    char msg[160];
    snprintf(msg, sizeof msg, "undefined entity &%s;", (const char *)name);
    set_bozo(r, "SAXParseException", msg);
    const htmlEntityDesc *html = htmlEntityLookup(name);
    if (!html) /* unknown everywhere: kept as written */
        return expand(r, make_entity(r, (const char *)name, msg + strlen("undefined entity ")));
    char utf8[8];
    int n = xmlCopyCharMultiByte((xmlChar *)utf8, (int)html->value);
    utf8[n > 0 ? n : 0] = '\0';
    return expand(r, make_entity(r, (const char *)name, utf8));
}

/* <!ENTITY name "value"> with no markup in the value: kept (character references
 * decoded). Anything else, external or nesting, is ignored. */
static void sax_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                            const xmlChar *system_id, xmlChar *content)
{
    reader *r = ctx;
    (void)public_id, (void)system_id;
    if (type != XML_INTERNAL_GENERAL_ENTITY || !content)
        return;
    r->declared = name; /* libxml2 asks for it next */
    if (find_entity(r, (const char *)name))
        return;
    if (r->entity_count >= NB_LIMIT_FEED_ENTITIES) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "more than %d entities declared or used, the cap; the others are left out",
                 NB_LIMIT_FEED_ENTITIES);
        set_bozo(r, "EntityExpansionLimit", msg);
        return;
    }
    const char *c = (const char *)content;
    if (strchr(c, '<') || strchr(c, '"'))
        return;
    if (c[0] == '&') {
        /* a single character reference */
        unsigned long cp = 0;
        char *end = NULL;
        if (c[1] == '#' && (c[2] == 'x' || c[2] == 'X'))
            cp = strtoul(c + 3, &end, 16);
        else if (c[1] == '#')
            cp = strtoul(c + 2, &end, 10);
        if (!end || *end != ';' || end[1] || cp == 0 || cp > 0x10FFFF)
            return;
        char utf8[8];
        int n = xmlCopyCharMultiByte((xmlChar *)utf8, (int)cp);
        utf8[n > 0 ? n : 0] = '\0';
        make_entity(r, (const char *)name, utf8);
        return;
    }
    if (strchr(c, '&'))
        return;
    make_entity(r, (const char *)name, c);
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
    set_bozo(r, "SAXParseException", msg);
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
    set_base(r, json_string(base ? base : ""));
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
        frame_free(&r->stack[i]);
    free(r->stack);
    for (size_t i = 0; i < r->bases_len; i++)
        json_decref(r->bases[i]);
    free(r->bases);
    strvec_clear(&r->langs);
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
        append(&b, text + copied, i + 1 - copied);
        append_str(&b, "amp;");
        copied = i + 1;
        fixed++;
    }
    if (!fixed) {
        nb_buf_free(&b);
        return 0;
    }
    append(&b, text + copied, len - copied);
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
        lower_in_place(key);
        json_object_set(lower_headers, key, hv);
    }
    if (nb_feed_is_json(data, len)) {
        json_decref(result);
        result = nb_feed_parse_json(data, len, url);
        json_object_set_new(result, "headers", lower_headers);
        return result;
    }
    const char *ctype_header = jstr(lower_headers, "content-type");
    nb_feed_encoding enc;
    size_t text_len = 0;
    char *text = nb_feed_to_utf8(data, len, ctype_header, &enc, &text_len);

    const char *contentloc = jstr(lower_headers, "content-location");
    const char *href = url ? url : "";
    char *base = NULL;
    if (contentloc && *contentloc) {
        base = safe_absolute_uri(href, contentloc);
        if (!*base) {
            free(base);
            base = safe_absolute_uri(contentloc, NULL);
        }
    }
    if (!base || !*base) {
        free(base);
        base = nb_xstrdup(href);
    }
    reader r;
    reader_init(&r, base, jstr(lower_headers, "content-language"));
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
    sax.getEntity = sax_get_entity;
    sax.entityDecl = sax_entity_decl;
    sax.serror = sax_structured_error;
    char *repaired = NULL;
    size_t repaired_len = 0;
    if (escape_bare_ampersands(text, text_len, &repaired, &repaired_len)) {
        set_bozo(&r, "SAXParseException", "not well-formed (invalid token): a bare '&'");
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
    if (jstr(lower_headers, "etag"))
        json_object_set(result, "etag", json_object_get(lower_headers, "etag"));
    if (jstr(lower_headers, "last-modified"))
        json_object_set(result, "modified", json_object_get(lower_headers, "last-modified"));
    json_object_set(result, "feed", r.feed);
    json_object_set(result, "entries", r.entries);
    if (r.dropped) /* not feedparser's: entries past the cap, read but not kept */
        json_object_set_new(result, "entries_dropped", json_integer((json_int_t)r.dropped));
    free(text);
    reader_clear(&r);
    return result;
}
