/* SPDX-License-Identifier: MIT */
/* Feed reader: small helpers, the reader's dictionaries (feed, entry, source) and the
 * dispatch of each element's start and end events to its handler, with the xml:base and
 * xml:lang scopes they open. */
#include <assert.h>
#include <ctype.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/memory.h"
#include "parse/feed_internal.h"

static void strvec_push(strvec *s, char *owned)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->v = nb_xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = owned;
}

void nb_feed_strvec_clear(strvec *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* out = a, sep, b (or b alone when a is NULL), cut to fit cap; snprintf's formatting is
 * measurable at one call per element and attribute. */
void nb_feed_join_name(char *out, size_t cap, const char *a, size_t alen, char sep, const char *b)
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
void nb_feed_append(nb_buf *b, const void *data, size_t n)
{
    nb_err rc = nb_buf_append(b, data, n);
    assert(rc == NB_OK);
    (void)rc;
}

void nb_feed_append_str(nb_buf *b, const char *s)
{
    nb_feed_append(b, s, strlen(s));
}

int nb_feed_streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

const char *nb_feed_jstr(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

int nb_feed_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* s without leading and trailing white space, newly allocated. */
char *nb_feed_strip_dup(const char *s)
{
    while (nb_feed_is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n && nb_feed_is_space(s[n - 1]))
        n--;
    return nb_xstrndup(s, n);
}

void nb_feed_lower_in_place(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

void nb_feed_frame_reset(frame *f)
{
    nb_buf_reset(&f->text);
    f->ncuts = 0;
}

void nb_feed_frame_free(frame *f)
{
    nb_buf_free(&f->text);
    free(f->cuts);
}

void nb_feed_set_bozo(reader *r, const char *type, const char *message)
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

void nb_feed_dict_set(json_t *dict, const char *key, json_t *value)
{
    json_object_set_new(dict, modern_key(key), value);
}

json_t *nb_feed_dict_get(json_t *dict, const char *key)
{
    return json_object_get(dict, modern_key(key));
}

/* dict[key] unless present; returns dict[key]. Takes the default's reference. */
json_t *nb_feed_dict_setdefault(json_t *dict, const char *key, json_t *value)
{
    json_t *old = nb_feed_dict_get(dict, key);
    if (old) {
        json_decref(value);
        return old;
    }
    nb_feed_dict_set(dict, key, value);
    return value;
}

json_t *nb_feed_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *nb_feed_current_entry(reader *r)
{
    if (r->overflow)
        return r->overflow;
    size_t n = json_array_size(r->entries);
    return n ? json_array_get(r->entries, n - 1) : NULL;
}

/* key -> depth its value was stored at, for the current entry */
json_t *nb_feed_current_depths(reader *r)
{
    if (r->overflow)
        return r->overflow_depths;
    return json_array_get(r->depths, json_array_size(r->depths) - 1);
}

/* The dictionary values are stored into now. */
json_t *nb_feed_context(reader *r)
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
    if (r->inentry && nb_feed_current_entry(r))
        return nb_feed_current_entry(r);
    return r->feed;
}

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
    nb_feed_append_str(b, "<");
    nb_feed_append_str(b, tag);
    const char *key;
    json_t *value;
    json_object_foreach(attrs, key, value)
    {
        nb_feed_append_str(b, " ");
        nb_feed_append_str(b, key);
        nb_feed_append_str(b, "=\"");
        for (const char *p = json_string_value(value); p && *p; p++) {
            if (*p == '&')
                nb_feed_append_str(b, "&amp;");
            else if (*p == '<')
                nb_feed_append_str(b, "&lt;");
            else if (*p == '>')
                nb_feed_append_str(b, "&gt;");
            else if (*p == '"')
                nb_feed_append_str(b, "&quot;");
            else
                nb_feed_append(b, p, 1);
        }
        nb_feed_append_str(b, "\"");
    }
    nb_feed_append_str(b, ">");
}

void nb_feed_set_base(reader *r, json_t *ref)
{
    if (!ref)
        return; /* not valid UTF-8 (json_string refuses it): the base stays */
    json_decref(r->base_ref);
    r->base_ref = ref;
    r->base = json_string_value(ref);
}

static void push_scope(reader *r, json_t *attrs)
{
    const char *base = nb_feed_jstr(attrs, "xml:base");
    if (!base)
        base = nb_feed_jstr(attrs, "base");
    /* without xml:base the base stays what it is (joining a URI with itself): the same
     * string is shared */
    if (base) {
        char *next;
        if (*r->base) {
            next = nb_feed_safe_absolute_uri(r->base, base);
            if (!*next) {
                free(next);
                next = nb_xstrdup(r->base);
            }
        } else {
            next = nb_feed_urljoin(r->base, base ? base : "");
        }
        nb_feed_set_base(r, json_string(next));
        free(next);
    }
    if (r->bases_len == r->bases_cap) {
        r->bases_cap = r->bases_cap ? r->bases_cap * 2 : 16;
        r->bases = nb_xrealloc(r->bases, r->bases_cap * sizeof *r->bases);
    }
    r->bases[r->bases_len++] = json_incref(r->base_ref);

    const char *lang_attr = nb_feed_jstr(attrs, "xml:lang");
    if (!lang_attr)
        lang_attr = nb_feed_jstr(attrs, "lang");
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
    return nb_feed_find_handler(name);
}

/* Inside content whose type is not XML, markup means XHTML: the content becomes
 * application/xhtml+xml, except for the <div> wrapping it, which is dropped (1). */
static int content_wrapper(reader *r, const char *tag)
{
    const char *ctype = nb_feed_content_type(r);
    if (!r->incontent)
        return 0;
    size_t n = ctype ? strlen(ctype) : 0;
    int xmlish = !ctype || (n >= 3 && !strcmp(ctype + n - 3, "xml"));
    if (xmlish)
        return 0;
    if (!strcmp(tag, "xhtml:div") || !strcmp(tag, "div"))
        return 1;
    nb_feed_set_content_type(r, "application/xhtml+xml");
    return 0;
}

/* An element opens. tag is "prefix:name" with the canonical prefix, lower case. */
void nb_feed_start_element(reader *r, const char *tag, json_t *attrs)
{
    r->depth++;
    push_scope(r, attrs);
    set_language_if_root(r, tag);

    if (content_wrapper(r, tag))
        return;
    if (r->incontent && nb_feed_streq(nb_feed_content_type(r), "application/xhtml+xml")) {
        const char *colon = strchr(tag, ':');
        const char *local = colon ? colon + 1 : tag;
        if (!strcmp(local, "svg"))
            r->svg_depth++;
        nb_buf b;
        nb_buf_init(&b, serialized_size(local, attrs));
        serialize_tag(&b, local, attrs);
        nb_feed_handle_data(r, nb_buf_str(&b), b.len, 0);
        nb_buf_free(&b);
        return;
    }

    char name[256];
    const char *colon = strchr(tag, ':');
    nb_feed_join_name(name, sizeof name, colon ? tag : NULL, colon ? (size_t)(colon - tag) : 0, '_',
                      colon ? colon + 1 : tag);
    if (r->intextinput && !colon && strcmp(tag, "title") && strcmp(tag, "link") &&
        strcmp(tag, "description") && strcmp(tag, "name"))
        r->intextinput = 0;
    if (r->inimage && !colon && strcmp(tag, "title") && strcmp(tag, "link") &&
        strcmp(tag, "description") && strcmp(tag, "url") && strcmp(tag, "href") &&
        strcmp(tag, "width") && strcmp(tag, "height"))
        r->inimage = 0;

    const struct handler *h = nb_feed_find_handler(name);
    remember_handler(r, h);
    if (h && h->start) {
        h->start(r, attrs);
        return;
    }
    if (h && h->frame) {
        nb_feed_push(r, h->frame, h->text);
        return;
    }
    if (json_object_size(attrs) == 0)
        nb_feed_push(r, name, 1);
    else
        json_object_set(nb_feed_context(r), name, attrs);
}

void nb_feed_end_element(reader *r, const char *tag)
{
    char name[256];
    const char *colon = strchr(tag, ':');
    nb_feed_join_name(name, sizeof name, colon ? tag : NULL, colon ? (size_t)(colon - tag) : 0, '_',
                      colon ? colon + 1 : tag);
    const char *local = colon ? colon + 1 : tag;
    if (!strcmp(local, "svg") && r->svg_depth)
        r->svg_depth--;
    const struct handler *h = r->svg_depth ? NULL : recall_handler(r, name);
    if (h && h->end)
        h->end(r, h->arg);
    else
        nb_feed_pop_discard(r, name);

    if (content_wrapper(r, tag))
        return;
    if (r->incontent && nb_feed_streq(nb_feed_content_type(r), "application/xhtml+xml")) {
        char close[256];
        int n = snprintf(close, sizeof close, "</%s>", local);
        nb_feed_handle_data(r, close, (size_t)n, 0);
    }
    if (r->bases_len) {
        json_decref(r->bases[--r->bases_len]);
        json_t *parent = r->bases_len ? r->bases[r->bases_len - 1] : NULL;
        if (parent && *json_string_value(parent))
            nb_feed_set_base(r, json_incref(parent));
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
