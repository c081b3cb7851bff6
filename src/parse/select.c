/* SPDX-License-Identifier: MIT */
/* A small CSS selector subset for per-site rules: type, .class, #id, [attr], [attr=v],
 * the descendant and child combinators and comma lists. Selectors compile to arrays of
 * compounds matched right to left; backtracking is bounded by a budget of ancestor steps
 * for the selector's life (MATCH_BUDGET), so no page makes matching explode. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/memory.h"
#include "parse/parse.h"

#define MAX_PARTS 16          /* compounds in one complex selector */
#define MAX_FILTERS 8         /* classes, ids and attributes in one compound */
#define MAX_ALTS 16           /* comma-separated alternatives */
#define MAX_TOKEN 256         /* one name or value */
#define MATCH_BUDGET 20000000 /* ancestor steps for all matches of one selector */

typedef enum { F_CLASS, F_ID, F_HAS, F_EQ } filter_kind;

typedef struct filter {
    filter_kind kind;
    char name[MAX_TOKEN];  /* class, id or attribute name */
    char value[MAX_TOKEN]; /* F_EQ's value */
} filter;

typedef struct compound {
    char type[MAX_TOKEN]; /* "" matches any element */
    filter filters[MAX_FILTERS];
    int filter_count;
    int child; /* 1: '>' joins it to the compound on its left; 0: descendant */
} compound;

typedef struct complex {
    compound parts[MAX_PARTS];
    int count;
} complex;

struct nb_selector {
    complex alts[MAX_ALTS];
    int count;
    long budget; /* ancestor steps left for every match of this selector */
};

static int name_char(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c >= 0x80;
}

/* Reads a name into out (lowercased when fold); returns the characters consumed. */
static size_t read_name(const char *p, char *out, int fold)
{
    size_t n = 0;
    while (name_char((unsigned char)p[n]) && n + 1 < MAX_TOKEN) {
        out[n] = fold ? (char)tolower((unsigned char)p[n]) : p[n];
        n++;
    }
    out[n] = '\0';
    return n;
}

nb_err nb_selector_compile(const char *text, nb_selector **out, nb_errbuf *err)
{
    nb_err rc = NB_OK;
    nb_selector *sel = nb_xcalloc(1, sizeof *sel);
    sel->budget = MATCH_BUDGET;
    const char *p = text;
    complex *cx = &sel->alts[sel->count++];
    int child = 0, need = 1; /* need: a compound must come next */
    *out = NULL;
    while (*p) {
        if (isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        if (*p == ',') {
            if (need || sel->count == MAX_ALTS)
                goto bad;
            cx = &sel->alts[sel->count++];
            need = 1;
            child = 0;
            p++;
            continue;
        }
        if (*p == '>') {
            if (need)
                goto bad;
            child = 1;
            need = 1;
            p++;
            continue;
        }
        if (cx->count == MAX_PARTS)
            goto bad;
        compound *c = &cx->parts[cx->count++];
        c->child = cx->count > 1 && child;
        child = 0;
        need = 0;
        int star = *p == '*';
        if (star)
            p++;
        else
            p += read_name(p, c->type, 1);
        while (*p == '.' || *p == '#' || *p == '[') {
            if (c->filter_count == MAX_FILTERS)
                goto bad;
            filter *f = &c->filters[c->filter_count++];
            char k = *p++;
            size_t n = read_name(p, f->name, k == '[');
            if (!n)
                goto bad;
            p += n;
            f->kind = k == '.' ? F_CLASS : k == '#' ? F_ID : F_HAS;
            if (k != '[')
                continue;
            if (*p == '=') {
                p++;
                f->kind = F_EQ;
                char quote = (*p == '"' || *p == '\'') ? *p++ : 0;
                size_t m = 0;
                while (*p && (quote ? *p != quote : (*p != ']' && !isspace((unsigned char)*p))) &&
                       m + 1 < MAX_TOKEN)
                    f->value[m++] = *p++;
                f->value[m] = '\0';
                if (quote) {
                    if (*p != quote)
                        goto bad;
                    p++;
                }
            }
            if (*p != ']')
                goto bad;
            p++;
        }
        if (!c->type[0] && !c->filter_count && !star)
            goto bad;
        if (*p && !isspace((unsigned char)*p) && *p != ',' && *p != '>')
            goto bad;
    }
    if (need)
        goto bad;
    *out = sel;
    sel = NULL;
    goto out;
bad:
    rc = nb_errf(err, NB_ERR_CONFIG,
                 "selector \"%s\": not in the supported subset (type, .class, #id, [attr], "
                 "[attr=v], descendant, '>', ',') near \"%.20s\"",
                 text, p);
out:
    free(sel);
    return rc;
}

void nb_selector_free(nb_selector *sel)
{
    free(sel);
}

/* 1 when the white-space separated list has word. */
static int has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; *p;) {
        while (*p && isspace((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        if ((size_t)(p - start) == n && n && memcmp(start, word, n) == 0)
            return 1;
    }
    return 0;
}

static int compound_matches(const compound *c, const nb_hnode *n)
{
    if (!n || !n->name)
        return 0;
    if (c->type[0] && strcmp(c->type, n->name) != 0)
        return 0;
    for (int i = 0; i < c->filter_count; i++) {
        const filter *f = &c->filters[i];
        const char *v;
        switch (f->kind) {
        case F_CLASS:
            v = nb_hnode_attr(n, "class");
            if (!v || !has_word(v, f->name))
                return 0;
            break;
        case F_ID:
            v = nb_hnode_attr(n, "id");
            if (!v || strcmp(v, f->name) != 0)
                return 0;
            break;
        case F_HAS:
            if (!nb_hnode_attr(n, f->name))
                return 0;
            break;
        case F_EQ:
            v = nb_hnode_attr(n, f->name);
            if (!v || strcmp(v, f->value) != 0)
                return 0;
            break;
        }
    }
    return 1;
}

/* Does node n (already matched by part i) have ancestors matching parts 0..i-1? Every
 * ancestor looked at costs one from *budget; an exhausted budget is "no match", so a deep
 * page cannot make backtracking explode. */
static int left_matches(const complex *cx, int i, const nb_hnode *n, long *budget)
{
    if (i == 0)
        return 1;
    const compound *c = &cx->parts[i];
    if (c->child)
        return --*budget > 0 && compound_matches(&cx->parts[i - 1], n->parent) &&
               left_matches(cx, i - 1, n->parent, budget);
    for (const nb_hnode *a = n->parent; a && --*budget > 0; a = a->parent)
        if (compound_matches(&cx->parts[i - 1], a) && left_matches(cx, i - 1, a, budget))
            return 1;
    return 0;
}

int nb_selector_matches(nb_selector *sel, const nb_hnode *n)
{
    for (int k = 0; k < sel->count && sel->budget > 0; k++) {
        const complex *cx = &sel->alts[k];
        if (compound_matches(&cx->parts[cx->count - 1], n) &&
            left_matches(cx, cx->count - 1, n, &sel->budget))
            return 1;
    }
    return 0;
}

int nb_selector_exhausted(const nb_selector *sel)
{
    return sel->budget <= 0;
}

nb_hnode *nb_selector_first(nb_selector *sel, nb_hnode *top)
{
    for (nb_hnode *n = top; n; n = nb_hnode_next(n, top, 0))
        if (n->name && nb_selector_matches(sel, n))
            return n;
    return NULL;
}
