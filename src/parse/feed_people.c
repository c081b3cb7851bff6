/* SPDX-License-Identifier: MIT */
/* Feed reader: authors, contributors and publishers (name, e-mail and href kept in step
 * with the "name (email)" string) and tags. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/memory.h"
#include "parse/feed_internal.h"

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
        nb_feed_append(&b, p, (size_t)(hit - p));
        nb_feed_append_str(&b, with);
        p = hit + wl;
    }
    nb_feed_append_str(&b, p);
    return nb_buf_take(&b);
}

/* Keeps key ("author", "publisher") and key_detail in step. */
void nb_feed_sync_author_detail(reader *r, const char *key)
{
    json_t *ctx = nb_feed_context(r);
    char list_key[64], detail_key[64];
    snprintf(list_key, sizeof list_key, "%ss", key);
    nb_feed_join_name(detail_key, sizeof detail_key, key, strlen(key), '_', "detail");
    json_t *list = json_object_get(ctx, list_key);
    json_t *detail = json_array_size(list) ? json_array_get(list, json_array_size(list) - 1) : NULL;
    if (detail && json_object_size(detail)) {
        const char *name = nb_feed_jstr(detail, "name"), *email = nb_feed_jstr(detail, "email");
        if (name && *name && email && *email) {
            char *both = nb_xasprintf("%s (%s)", name, email);
            nb_feed_dict_set(ctx, key, json_string(both));
            free(both);
        } else if (name && *name) {
            nb_feed_dict_set(ctx, key, json_string(name));
        } else if (email && *email) {
            nb_feed_dict_set(ctx, key, json_string(email));
        }
        return;
    }
    const char *author = nb_feed_jstr(ctx, key);
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
        char *t = nb_feed_strip_dup(name);
        free(name);
        name = t;
        size_t n = strlen(name);
        if (n && name[0] == '(')
            memmove(name, name + 1, n--);
        if (n && name[n - 1] == ')')
            name[--n] = '\0';
        t = nb_feed_strip_dup(name);
        free(name);
        name = t;
    }
    pcre2_match_data_free(md);
    if (*name || email) {
        if (!nb_feed_dict_get(ctx, detail_key))
            nb_feed_dict_set(ctx, detail_key, json_incref(detail));
        if (*name)
            json_object_set_new(detail, "name", json_string(name));
        if (email)
            json_object_set_new(detail, "email", json_string(email));
    }
    json_decref(detail);
    free(name);
    free(email);
}

void nb_feed_save_author(reader *r, const char *key, const char *value, const char *prefix)
{
    json_t *ctx = nb_feed_context(r);
    char detail_key[64], list_key[64];
    nb_feed_join_name(detail_key, sizeof detail_key, prefix, strlen(prefix), '_', "detail");
    snprintf(list_key, sizeof list_key, "%ss", prefix);
    json_t *detail = nb_feed_dict_setdefault(ctx, detail_key, json_object());
    json_object_set_new(detail, key, json_string(value));
    nb_feed_sync_author_detail(r, prefix);
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

void nb_feed_save_contributor(reader *r, const char *key, const char *value)
{
    json_t *ctx = nb_feed_context(r);
    json_t *list = json_object_get(ctx, "contributors");
    if (!list) {
        list = json_array();
        json_array_append_new(list, json_object());
        json_object_set_new(ctx, "contributors", list);
    }
    json_object_set_new(json_array_get(list, json_array_size(list) - 1), key, json_string(value));
}

void nb_feed_add_tag(reader *r, const char *term, const char *scheme, const char *label)
{
    json_t *ctx = nb_feed_context(r);
    json_t *tags = nb_feed_dict_setdefault(ctx, "tags", json_array());
    if ((!term || !*term) && (!scheme || !*scheme) && (!label || !*label))
        return;
    json_t *tag = json_object();
    json_object_set_new(tag, "term", nb_feed_str_or_null(term));
    json_object_set_new(tag, "scheme", nb_feed_str_or_null(scheme));
    json_object_set_new(tag, "label", nb_feed_str_or_null(label));
    size_t i;
    json_t *old;
    json_array_foreach(tags, i, old) if (json_equal(old, tag))
    {
        json_decref(tag);
        return;
    }
    json_array_append_new(tags, tag);
}
