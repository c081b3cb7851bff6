/* SPDX-License-Identifier: MIT */
/* Article extraction: the page's metadata (JSON-LD, OpenGraph, Twitter cards, Dublin
 * Core, <meta>, itemprop) and its headline from <title>, read from the untouched tree
 * before any pass edits a copy of it. */
#include <ctype.h>
#include <gumbo.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/url.h"
#include "parse/extract_internal.h"

static size_t word_count(const char *s)
{
    size_t n = 0;
    int in = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if (is_ws(*p))
            in = 0;
        else if (!in) {
            in = 1;
            n++;
        }
    }
    return n;
}

/* A copy of s trimmed, with runs of two or more white-space characters made one space
 * (a single one is kept as it is); NULL for NULL or blank. */
static const char *trim_str(ctx *c, const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    char *out = nb_arena_alloc(c->art->arena, len + 1);
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int w = ws_len(p);
        if (!w) {
            out[o++] = (char)*p++;
            continue;
        }
        const unsigned char *start = p;
        int run = 0;
        while ((w = ws_len(p)) != 0) {
            p += w;
            run++;
        }
        if (!o || !*p)
            continue;
        if (run >= 2) {
            out[o++] = ' ';
        } else {
            memcpy(out + o, start, (size_t)(p - start));
            o += (size_t)(p - start);
        }
    }
    out[o] = '\0';
    return o ? out : NULL;
}

static void meta_put(ctx *c, const char *key, const char *value)
{
    char k[128];
    size_t o = 0;
    for (const char *s = key; *s && o + 1 < sizeof k; s++) {
        if (is_ws((unsigned char)*s))
            continue;
        k[o++] = *s == '.' ? ':' : (char)tolower((unsigned char)*s);
    }
    k[o] = '\0';
    if (!o)
        return;
    for (size_t i = 0; i < c->meta_count; i++)
        if (strcmp(c->metas[i].key, k) == 0) {
            c->metas[i].value = value; /* the last one wins */
            return;
        }
    c->metas = nb_xgrow(c->metas, &c->meta_alloc, c->meta_count + 1, sizeof *c->metas);
    c->metas[c->meta_count++] = (meta_kv){nb_arena_strdup(c->art->arena, k), value};
}

static const char *meta_get(const ctx *c, const char *key)
{
    for (size_t i = 0; i < c->meta_count; i++)
        if (strcmp(c->metas[i].key, key) == 0)
            return c->metas[i].value;
    return NULL;
}

static const char *meta_first(ctx *c, const char *const *keys)
{
    for (; *keys; keys++) {
        const char *v = nb_ex_meta_str(c, meta_get(c, *keys));
        if (v)
            return v;
    }
    return NULL;
}

static void read_meta(ctx *c, const nb_hnode *n)
{
    const char *content = nb_hnode_attr(n, "content");
    if (!content)
        return;
    const char *prop = nb_hnode_attr(n, "property");
    const char *name = nb_hnode_attr(n, "name");
    const char *itemprop = nb_hnode_attr(n, "itemprop");
    if (prop) {
        /* property may list several names */
        char buf[256];
        size_t len = strlen(prop);
        for (size_t i = 0; i < len;) {
            while (i < len && is_ws((unsigned char)prop[i]))
                i++;
            size_t j = i;
            while (j < len && !is_ws((unsigned char)prop[j]))
                j++;
            if (j > i && j - i < sizeof buf) {
                memcpy(buf, prop + i, j - i);
                buf[j - i] = '\0';
                meta_put(c, buf, content);
                /* "og:article:author" also counts as "article:author" */
                static const char *const inner[] = {"article:author", "article:published_time",
                                                    NULL};
                for (const char *const *k = inner; *k; k++) {
                    const char *hit = strstr(buf, *k);
                    if (hit && hit != buf)
                        meta_put(c, *k, content);
                }
            }
            i = j;
        }
    }
    if (name)
        meta_put(c, name, content);
    if (itemprop && !meta_get(c, "itemprop:datepublished") &&
        strcasecmp(itemprop, "datePublished") == 0)
        meta_put(c, "itemprop:datepublished", content);
    const char *equiv = nb_hnode_attr(n, "http-equiv");
    if (equiv && strcasecmp(equiv, "content-language") == 0)
        meta_put(c, "http-equiv:content-language", content);
}

static const char *title_from_doc(ctx *c);

static int article_type(const json_t *type)
{
    static const char *const types[] = {"Article",
                                        "AdvertiserContentArticle",
                                        "NewsArticle",
                                        "AnalysisNewsArticle",
                                        "AskPublicNewsArticle",
                                        "BackgroundNewsArticle",
                                        "OpinionNewsArticle",
                                        "ReportageNewsArticle",
                                        "ReviewNewsArticle",
                                        "Report",
                                        "SatiricalArticle",
                                        "ScholarlyArticle",
                                        "MedicalScholarlyArticle",
                                        "SocialMediaPosting",
                                        "BlogPosting",
                                        "LiveBlogPosting",
                                        "DiscussionForumPosting",
                                        "TechArticle",
                                        "APIReference",
                                        NULL};
    if (json_is_array(type)) {
        size_t i;
        json_t *t;
        json_array_foreach(type, i, t) if (article_type(t)) return 1;
        return 0;
    }
    const char *s = json_string_value(type);
    if (!s)
        return 0;
    for (const char *const *t = types; *t; t++)
        if (strcmp(s, *t) == 0)
            return 1;
    return 0;
}

static const char *person_names(ctx *c, json_t *a)
{
    if (json_is_string(a))
        return nb_ex_meta_str(c, json_string_value(a));
    if (json_is_object(a))
        return nb_ex_meta_str(c, json_string_value(json_object_get(a, "name")));
    if (!json_is_array(a))
        return NULL;
    nb_buf b;
    nb_buf_init(&b, 4096);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        const char *name = json_is_object(v) ? json_string_value(json_object_get(v, "name"))
                                             : json_string_value(v);
        if (!name)
            continue;
        if ((b.len && nb_buf_puts(&b, ", ")) || nb_buf_puts(&b, name))
            break;
    }
    const char *s = nb_ex_meta_str(c, b.data);
    nb_buf_free(&b);
    return s;
}

static void read_ld_object(ctx *c, json_t *o)
{
    const char *name = json_string_value(json_object_get(o, "name"));
    const char *headline = json_string_value(json_object_get(o, "headline"));
    if (name && headline && strcmp(name, headline) != 0) {
        /* name, unless only the headline resembles the page's own title */
        const char *ref = title_from_doc(c);
        double sn = ref ? nb_ex_similarity(name, ref) : 0,
               sh = ref ? nb_ex_similarity(headline, ref) : 0;
        c->ld.title = nb_ex_meta_str(c, sh > 0.75 && sn <= 0.75 ? headline : name);
    } else {
        c->ld.title = nb_ex_meta_str(c, headline ? headline : name);
    }
    c->ld.byline = person_names(c, json_object_get(o, "author"));
    c->ld.excerpt = nb_ex_meta_str(c, json_string_value(json_object_get(o, "description")));
    json_t *pub = json_object_get(o, "publisher");
    if (json_is_object(pub))
        c->ld.site = nb_ex_meta_str(c, json_string_value(json_object_get(pub, "name")));
    c->ld.published = nb_ex_meta_str(c, json_string_value(json_object_get(o, "datePublished")));
}

static int schema_context(json_t *o)
{
    json_t *cx = json_object_get(o, "@context");
    const char *s = json_string_value(cx);
    if (!s && json_is_object(cx))
        s = json_string_value(json_object_get(cx, "@vocab"));
    return s && strstr(s, "schema.org") != NULL;
}

static void read_json_ld(ctx *c, const nb_hnode *script)
{
    if (c->ld.title || c->ld.byline || c->ld.published)
        return;
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_JSON_BYTES);
    for (const nb_hnode *t = script->first; t; t = t->next)
        if (t->text && nb_buf_puts(&b, t->text))
            break;
    const char *s = nb_buf_str(&b);
    while (is_ws((unsigned char)*s))
        s++;
    if (strncmp(s, "<![CDATA[", 9) == 0)
        s += 9;
    json_error_t jerr;
    json_t *root = json_loads(s, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &jerr);
    json_t *found = NULL;
    if (json_is_array(root)) {
        size_t i;
        json_t *v;
        json_array_foreach(root, i,
                           v) if (json_is_object(v) && article_type(json_object_get(v, "@type")))
        {
            found = v;
            break;
        }
        if (found && !schema_context(found) && !schema_context(root))
            found = NULL;
    } else if (json_is_object(root) && schema_context(root)) {
        if (article_type(json_object_get(root, "@type"))) {
            found = root;
        } else {
            json_t *graph = json_object_get(root, "@graph");
            size_t i;
            json_t *v;
            json_array_foreach(graph, i, v) if (json_is_object(v) &&
                                                article_type(json_object_get(v, "@type")))
            {
                found = v;
                break;
            }
        }
    }
    if (found)
        read_ld_object(c, found);
    json_decref(root);
    nb_buf_free(&b);
}

/* Word-set similarity of b to a: the share of b's text made of words that a also has. */
double nb_ex_similarity(const char *a, const char *b)
{
    char la[1024], lb[1024];
    size_t i;
    for (i = 0; a[i] && i + 1 < sizeof la; i++)
        la[i] = (char)tolower((unsigned char)a[i]);
    la[i] = '\0';
    for (i = 0; b[i] && i + 1 < sizeof lb; i++)
        lb[i] = (char)tolower((unsigned char)b[i]);
    lb[i] = '\0';
    size_t total = 0, missing = 0;
    const char *p = lb;
    while (*p) {
        while (*p && !isalnum((unsigned char)*p) && !((unsigned char)*p & 0x80))
            p++;
        const char *start = p;
        while (*p && (isalnum((unsigned char)*p) || ((unsigned char)*p & 0x80)))
            p++;
        size_t n = (size_t)(p - start);
        if (!n)
            continue;
        total += n + 1;
        int seen = 0;
        for (const char *q = la; (q = strstr(q, "")) && *q;) {
            while (*q && !isalnum((unsigned char)*q) && !((unsigned char)*q & 0x80))
                q++;
            const char *qs = q;
            while (*q && (isalnum((unsigned char)*q) || ((unsigned char)*q & 0x80)))
                q++;
            if ((size_t)(q - qs) == n && memcmp(qs, start, n) == 0) {
                seen = 1;
                break;
            }
        }
        if (!seen)
            missing += n + 1;
    }
    return total ? 1.0 - (double)missing / (double)total : 0.0;
}

static int is_title_sep(const char *p, size_t *len)
{
    static const char *const seps[] = {
        "|", "-", "\xE2\x80\x93", "\xE2\x80\x94", "\\", "/", ">", "\xC2\xBB", NULL};
    for (const char *const *s = seps; *s; s++) {
        size_t n = strlen(*s);
        if (strncmp(p, *s, n) == 0) {
            *len = n;
            return 1;
        }
    }
    return 0;
}

static size_t codepoints(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* 1 when at least a third of the characters of s are CJK. */
static int mostly_cjk(const char *s)
{
    size_t all = 0, wide = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;
        all++;
        wide += (nb_utf8_cjk_at((const char *)p) & CJK_TEXT) != 0;
    }
    return all && wide * 3 >= all;
}

/* A Chinese or Japanese <title> has no spaces to count words by: its headline is the
 * first <h1> (else <h2>) whose text the title starts with, else the title's first part
 * before a separator ("_", "|", " - ", "－", "——"). NULL when neither is found. */
static const char *cjk_headline(ctx *c, const char *orig)
{
    for (int level = 0; level < 2; level++) {
        unsigned tag = level ? GUMBO_TAG_H2 : GUMBO_TAG_H1;
        for (nb_hnode *n = c->doc->root; n; n = nb_hnode_next(n, c->doc->root, 0)) {
            if (n->tag != tag || !n->name)
                continue;
            const char *t = nb_ex_clean_str(c, nb_ex_small_text(c, n, 2048, 256, 1));
            if (t && codepoints(t) >= 4 && strncmp(orig, t, strlen(t)) == 0)
                return t;
        }
    }
    static const char *const seps[] = {
        "_", "|", " - ", "\xEF\xBC\x8D", "\xE2\x80\x94\xE2\x80\x94", " \xE2\x80\x93 ", NULL};
    size_t cut = strlen(orig);
    for (const char *const *sep = seps; *sep; sep++) {
        const char *hit = strstr(orig, *sep);
        if (hit && (size_t)(hit - orig) < cut)
            cut = (size_t)(hit - orig);
    }
    if (cut == strlen(orig))
        return NULL;
    const char *head = nb_ex_clean_str(c, nb_arena_strndup(c->art->arena, orig, cut));
    return head && codepoints(head) >= 4 ? head : NULL;
}

/* The headline from <title>: a trailing " | Site" (or a leading "Site: ") dropped when
 * what is left still reads as a title. */
static const char *title_from_doc(ctx *c)
{
    const char *orig = c->doc_title;
    if (!orig)
        return NULL;
    if (mostly_cjk(orig)) {
        const char *head = cjk_headline(c, orig);
        if (head)
            return head;
    }
    size_t len = strlen(orig);
    const char *cur = orig;
    int hier = 0;
    size_t first_sep = 0, last_sep = 0, sep_len = 0, last_len = 0;
    int found = 0;
    for (size_t i = 1; i + 2 < len; i++) {
        size_t n;
        if (orig[i - 1] == ' ' && is_title_sep(orig + i, &n) && orig[i + n] == ' ') {
            if (!found) {
                first_sep = i;
                sep_len = n;
            }
            found = 1;
            last_sep = i;
            last_len = n;
            if (orig[i] == '\\' || orig[i] == '/' || orig[i] == '>' ||
                (n == 2 && orig[i] == '\xC2'))
                hier = 1;
        }
    }
    if (found) {
        cur = nb_ex_clean_str(c, nb_arena_strndup(c->art->arena, orig, last_sep));
        if (word_count(cur) < 3)
            cur = nb_ex_clean_str(c, orig + first_sep + sep_len);
        (void)last_len;
    } else if (strstr(orig, ": ")) {
        int h_match = 0;
        for (nb_hnode *n = c->doc->root; n && !h_match; n = nb_hnode_next(n, c->doc->root, 0))
            if (n->tag == GUMBO_TAG_H1 || n->tag == GUMBO_TAG_H2) {
                const char *t = nb_ex_clean_str(c, nb_ex_small_text(c, n, 2048, 256, 1));
                if (t && strcmp(t, orig) == 0)
                    h_match = 1;
            }
        if (!h_match) {
            const char *last = strrchr(orig, ':');
            cur = nb_ex_clean_str(c, last + 1);
            if (word_count(cur) < 3) {
                cur = nb_ex_clean_str(c, strchr(orig, ':') + 1);
            } else {
                const char *colon = strchr(orig, ':');
                const char *before = nb_arena_strndup(c->art->arena, orig, (size_t)(colon - orig));
                if (word_count(before) > 5)
                    cur = orig;
            }
        }
    } else if (len > 150 || len < 15) {
        nb_hnode *h1 = NULL;
        int count = 0;
        for (nb_hnode *n = c->doc->root; n; n = nb_hnode_next(n, c->doc->root, 0))
            if (n->tag == GUMBO_TAG_H1) {
                h1 = n;
                count++;
            }
        if (count == 1)
            cur = nb_ex_clean_str(c, nb_ex_node_text(c, h1));
    }
    if (!cur)
        cur = orig;
    size_t wc = word_count(cur);
    if (wc <= 4) {
        /* the words of the title without its separators */
        size_t orig_words = 0;
        int in = 0;
        for (size_t i = 0; i < len; i++) {
            size_t n;
            if (is_ws((unsigned char)orig[i]) || is_title_sep(orig + i, &n)) {
                in = 0;
            } else if (!in) {
                in = 1;
                orig_words++;
            }
        }
        if (!hier || wc != orig_words - 1)
            cur = orig;
    }
    return cur;
}

/* One pass over the untouched page: metadata, <title>, JSON-LD, lang and base. */
void nb_ex_read_metadata(ctx *c)
{
    nb_hnode *root = c->doc->root;
    const char *lang = nb_hnode_attr(root, "lang");
    if (!lang || !*lang)
        lang = nb_hnode_attr(root, "xml:lang");
    c->art->lang = nb_ex_meta_str(c, lang);
    for (nb_hnode *n = root; n; n = nb_hnode_next(n, root, 0)) {
        if (!n->name)
            continue;
        if (n->tag == GUMBO_TAG_META) {
            read_meta(c, n);
        } else if (n->tag == GUMBO_TAG_TITLE && !c->doc_title) {
            nb_buf raw;
            nb_buf_init(&raw, NB_LIMIT_FIELD_BYTES);
            for (const nb_hnode *t = n->first; t; t = t->next)
                if (t->text && nb_buf_puts(&raw, t->text))
                    break;
            c->doc_title = trim_str(c, nb_buf_str(&raw));
            nb_buf_free(&raw);
        } else if (n->tag == GUMBO_TAG_BASE && c->base == c->url) {
            const char *href = nb_hnode_attr(n, "href");
            char *abs = href && c->url ? nb_url_resolve(c->url, href) : NULL;
            if (abs)
                c->base = nb_arena_strdup(c->art->arena, abs);
            free(abs);
        } else if (n->tag == GUMBO_TAG_SCRIPT) {
            const char *type = nb_hnode_attr(n, "type");
            if (type && strcasecmp(type, "application/ld+json") == 0) {
                c->cands = nb_xgrow(c->cands, &c->cand_alloc, c->cand_count + 1, sizeof *c->cands);
                c->cands[c->cand_count++] = n; /* read once <title> is known */
            }
        }
    }
    if (c->doc_title)
        nb_ex_unescape((char *)c->doc_title);
    for (size_t i = 0; i < c->cand_count; i++)
        read_json_ld(c, c->cands[i]);
    c->cand_count = 0;
    if (!c->art->lang)
        c->art->lang = nb_ex_meta_str(c, meta_get(c, "http-equiv:content-language"));
}

void nb_ex_finish_metadata(ctx *c)
{
    static const char *const title_keys[] = {"dc:title",
                                             "dcterm:title",
                                             "og:title",
                                             "weibo:article:title",
                                             "weibo:webpage:title",
                                             "title",
                                             "twitter:title",
                                             "parsely-title",
                                             NULL};
    static const char *const byline_keys[] = {"dc:creator", "dcterm:creator", "author",
                                              "parsely-author", NULL};
    static const char *const excerpt_keys[] = {"dc:description",
                                               "dcterm:description",
                                               "og:description",
                                               "weibo:article:description",
                                               "weibo:webpage:description",
                                               "description",
                                               "twitter:description",
                                               NULL};
    static const char *const time_keys[] = {"article:published_time", "parsely-pub-date", NULL};
    static const char *const late_time_keys[] = {"itemprop:datepublished",
                                                 "og:published_time",
                                                 "og:release_date",
                                                 "weibo:article:create_at",
                                                 "bytedance:published_time",
                                                 "pubdate",
                                                 "publishdate",
                                                 "publish_date",
                                                 "publication_date",
                                                 "dc:date",
                                                 "dcterms:created",
                                                 "sailthru:date",
                                                 "date",
                                                 NULL};
    nb_article *a = c->art;
    a->title = c->ld.title ? c->ld.title : meta_first(c, title_keys);
    if (!a->title)
        a->title = title_from_doc(c);
    a->byline = c->ld.byline ? c->ld.byline : meta_first(c, byline_keys);
    const char *art_author = nb_ex_meta_str(c, meta_get(c, "article:author"));
    if (!a->byline && art_author && !nb_url_is_http(art_author))
        a->byline = art_author;
    if (!a->byline)
        a->byline = c->byline;
    a->excerpt = c->ld.excerpt ? c->ld.excerpt : meta_first(c, excerpt_keys);
    a->site_name = c->ld.site ? c->ld.site : nb_ex_meta_str(c, meta_get(c, "og:site_name"));
    a->published = c->ld.published ? c->ld.published : meta_first(c, time_keys);
    if (!a->published)
        a->published = meta_first(c, late_time_keys);
    static const char *const image_keys[] = {
        "og:image",      "og:image:url",      "og:image:secure_url",
        "twitter:image", "twitter:image:src", NULL};
    c->og_image = meta_first(c, image_keys);
    c->meta_count = 0; /* read: the passes do not look them up */
}
