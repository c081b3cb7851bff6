/* SPDX-License-Identifier: MIT */
/* Feed reader: the stack of open elements. Text collects on the element's frame and is
 * stored when it closes: content types, XHTML re-serialized, base64 decoded, relative URIs
 * resolved and HTML sanitized as feedparser does; also URI joining and date tuples. */
#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/time.h"
#include "core/url.h"
#include "parse/feed_internal.h"

/* ---------------------------------------------------------------- URIs */

/* ref against base, RFC 3986; "scheme:///x" is read as "scheme://x" first. Never NULL. */
char *nb_feed_urljoin(const char *base, const char *ref)
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
char *nb_feed_safe_absolute_uri(const char *base, const char *ref)
{
    if (!base || !*base)
        return nb_xstrdup(ref ? ref : "");
    if (!ref || !*ref) {
        const char *colon = strchr(base, ':');
        if (!colon || nb_html_uri_scheme_allowed(base))
            return nb_xstrdup(base);
        return nb_xstrdup("");
    }
    char *uri = nb_feed_urljoin(base, ref);
    if (!nb_html_uri_scheme_allowed(uri)) {
        free(uri);
        return nb_xstrdup("");
    }
    return uri;
}

/* ---------------------------------------------------------------- dates */

json_t *nb_feed_date_tuple(const char *text)
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

void nb_feed_push(reader *r, const char *name, int expecting_text)
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
    nb_feed_frame_reset(f);
    nb_feed_join_name(f->name, sizeof f->name, NULL, 0, 0, name);
    f->expecting_text = expecting_text;
}

void nb_feed_add_text(reader *r, const char *text, size_t n)
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
        nb_feed_set_bozo(r, "TextLimit", msg);
        return;
    }
    if (f->ncuts == f->cuts_cap) {
        f->cuts_cap = f->cuts_cap ? f->cuts_cap * 2 : 4;
        f->cuts = nb_xrealloc(f->cuts, f->cuts_cap * sizeof *f->cuts);
    }
    f->cuts[f->ncuts++] = f->text.len;
    nb_feed_append(&f->text, text, n);
}

/* Text data; in XHTML content it is escaped back into markup. */
void nb_feed_handle_data(reader *r, const char *text, size_t n, int escape)
{
    if (!r->stack_len)
        return;
    if (!(escape && nb_feed_streq(nb_feed_content_type(r), "application/xhtml+xml"))) {
        nb_feed_add_text(r, text, n);
        return;
    }
    nb_buf b;
    nb_buf_init(&b, 5 * n + 1); /* "&amp;" is the longest a byte becomes */
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '&')
            nb_feed_append_str(&b, "&amp;");
        else if (text[i] == '<')
            nb_feed_append_str(&b, "&lt;");
        else if (text[i] == '>')
            nb_feed_append_str(&b, "&gt;");
        else
            nb_feed_append(&b, text + i, 1);
    }
    nb_feed_add_text(r, nb_buf_str(&b), b.len);
    nb_buf_free(&b);
}

const char *nb_feed_content_type(reader *r)
{
    return r->cp_active ? nb_feed_jstr(r->contentparams, "type") : NULL;
}

/* contentparams["type"] = type, on an emptied dictionary when none was being read */
void nb_feed_set_content_type(reader *r, const char *type)
{
    if (!r->cp_active)
        json_object_clear(r->contentparams);
    r->cp_active = 1;
    json_object_set_new(r->contentparams, "type", json_string(type));
}

const char *nb_feed_map_content_type(const char *type, char *out, size_t n)
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
        nb_feed_join_name(out, n, NULL, 0, 0, full);
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
                nb_feed_lower_in_place(name);
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
        if (!nb_feed_is_space(s[i]))
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
                nb_feed_append(&b, mapped, strlen(mapped));
            else
                nb_feed_append(&b, p, 2);
            free(mapped);
            p++;
        } else {
            nb_feed_append(&b, p, 1);
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
char *nb_feed_pop_full(reader *r, const char *name, int strip)
{
    if (!r->stack_len ||
        strncmp(r->stack[r->stack_len - 1].name, name, sizeof r->stack[0].name - 1) != 0)
        return NULL;
    frame *f = &r->stack[--r->stack_len];
    char ctype[64];
    size_t from = 0, to = f->text.len;
    if (!strcmp(r->version, "atom10") &&
        nb_feed_streq(nb_feed_content_type(r), "application/xhtml+xml"))
        unwrap_xhtml_div(f, &from, &to);
    const char *joined = nb_buf_str(&f->text);
    if (strip) {
        while (from < to && nb_feed_is_space(joined[from]))
            from++;
        while (to > from && nb_feed_is_space(joined[to - 1]))
            to--;
    }
    char *output = nb_xstrndup(joined + from, to - from);
    char element[64];
    memcpy(element, f->name, sizeof element);
    int expecting = f->expecting_text;
    nb_feed_frame_reset(f);
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
        char *abs = nb_feed_urljoin(r->base, output);
        free(output);
        output = abs;
    }
    if (strncmp(r->version, "atom", 4) != 0 &&
        nb_feed_streq(nb_feed_content_type(r), "text/plain") && looks_like_html(output))
        nb_feed_set_content_type(r, "text/html");
    if (r->contentparams)
        r->content_base64 = 0;

    const char *type = nb_feed_content_type(r);
    nb_feed_map_content_type(type ? type : "text/html", ctype, sizeof ctype);
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

    json_t *entry = nb_feed_current_entry(r);
    if (r->inentry && !r->insource && entry) {
        if (!strcmp(element, "content")) {
            json_t *list = nb_feed_dict_setdefault(entry, "content", json_array());
            json_array_append_new(list, detail_of(r, output));
        } else if (!strcmp(element, "link")) {
            if (!r->inimage) {
                nb_feed_dict_set(entry, "link", json_string(output));
                json_t *links = json_object_get(entry, "links");
                size_t n = json_array_size(links);
                if (*output && n)
                    json_object_set_new(json_array_get(links, n - 1), "href", json_string(output));
            }
        } else {
            const char *key = !strcmp(element, "description") ? "summary" : element;
            json_t *depths = nb_feed_current_depths(r);
            json_t *old = json_object_get(depths, key);
            if (!old || r->depth <= json_integer_value(old)) {
                json_object_set_new(depths, key, json_integer(r->depth));
                nb_feed_dict_set(entry, key, json_string(output));
            }
            if (r->incontent) {
                json_t *detail = detail_of(r, output);
                char detail_key[128];
                nb_feed_join_name(detail_key, sizeof detail_key, key, strlen(key), '_', "detail");
                nb_feed_dict_set(entry, detail_key, detail);
            }
        }
    } else if (r->infeed || r->insource) {
        json_t *ctx = nb_feed_context(r);
        const char *key = !strcmp(element, "description") ? "subtitle" : element;
        nb_feed_dict_set(ctx, key, json_string(output));
        if (!strcmp(key, "link")) {
            json_t *links = json_object_get(ctx, "links");
            size_t n = json_array_size(links);
            if (n)
                json_object_set_new(json_array_get(links, n - 1), "href", json_string(output));
        } else if (r->incontent) {
            json_t *detail = detail_of(r, output);
            char detail_key[128];
            nb_feed_join_name(detail_key, sizeof detail_key, key, strlen(key), '_', "detail");
            nb_feed_dict_set(ctx, detail_key, detail);
        }
    }
    return output;
}

char *nb_feed_pop(reader *r, const char *name)
{
    return nb_feed_pop_full(r, name, 1);
}

void nb_feed_pop_discard(reader *r, const char *name)
{
    free(nb_feed_pop(r, name));
}

static int attr_is_base64(json_t *attrs, const char *type)
{
    if (nb_feed_streq(nb_feed_jstr(attrs, "mode"), "base64"))
        return 1;
    size_t n = strlen(type);
    if (!strncmp(type, "text/", 5))
        return 0;
    if (n >= 4 && (!strcmp(type + n - 4, "+xml") || !strcmp(type + n - 4, "/xml")))
        return 0;
    return 1;
}

void nb_feed_push_content(reader *r, const char *tag, json_t *attrs, const char *default_type,
                          int expecting_text)
{
    r->incontent++;
    if (r->lang)
        for (char *p = r->lang; *p; p++)
            if (*p == '_')
                *p = '-';
    char type[128];
    const char *given = nb_feed_jstr(attrs, "type");
    nb_feed_map_content_type(given ? given : default_type, type, sizeof type);
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
    json_object_set_new(r->contentparams, "language", nb_feed_str_or_null(r->lang));
    json_object_set(r->contentparams, "base", r->base_ref);
    r->content_base64 = attr_is_base64(attrs, type);
    nb_feed_push(r, tag, expecting_text);
}

char *nb_feed_pop_content(reader *r, const char *tag)
{
    char *value = nb_feed_pop(r, tag);
    r->incontent--;
    r->cp_active = 0; /* emptied, as far as readers can tell */
    r->content_base64 = 0;
    return value;
}
