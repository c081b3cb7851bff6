/* SPDX-License-Identifier: MIT */
/* Shared by the files of article extraction (extract*.c) only: the pass's state, the
 * per-node numbers, and the functions one file offers the others (nb_ex_*). Every string
 * they return lives in the article's arena. */
#ifndef NB_PARSE_EXTRACT_INTERNAL_H
#define NB_PARSE_EXTRACT_INTERNAL_H

#include <stddef.h>
#include <string.h>

#include "core/buf.h"
#include "core/memory.h"
#include "parse/parse.h"
#include "text/text.h"

enum {
    STRIP_UNLIKELY = 1, /* drop blocks whose class/id say they are not the article */
    WEIGHT_CLASSES = 2, /* class/id hints change scores */
    CLEAN_COND = 4,     /* drop link lists, forms and image galleries from the result */
    ALL_FLAGS = 7,
};

#define MIN_PARAGRAPH 25  /* characters for a block to be scored */
#define RETRY_BELOW 500   /* a shorter result is tried again with fewer removals */
#define RETRY_GAIN 1.3    /* ... and replaced only by one this much longer */
#define ANCESTOR_LEVELS 5 /* levels a paragraph's score reaches up */
#define STATS_UPDATE 64   /* levels a removal's numbers are subtracted from */

/* The characters that count as CJK in length figures (twice, as a short word would):
 * Chinese and Japanese writing and its punctuation (、。); not hangul, nor the
 * full-width forms (，！？), which the length thresholds were set without. */
#define CJK_TEXT (NB_CJK_HAN | NB_CJK_KANA | NB_CJK_PUNCT | NB_CJK_OTHER)

/* Numbers about a node's subtree. */
typedef struct stats {
    double score;    /* content score once a candidate */
    unsigned tlen;   /* characters of text (white space runs count once) */
    double llen;     /* characters inside links (in-page links count 0.3) */
    unsigned commas; /* commas and Chinese clause punctuation */
    unsigned p, img, li, input, embed, tr, th, blocks, heading_len;
    unsigned form;   /* <form> elements */
    unsigned li_len; /* characters inside <li> elements (nested ones count again) */
    unsigned cjk;    /* CJK characters in tlen */
    unsigned char scored, as_p, in_figure, in_table;
} stats;

typedef struct meta_kv {
    char *key;
    const char *value;
} meta_kv;

typedef struct ctx {
    nb_hdoc *doc;
    nb_article *art;
    const char *url;
    const char *base; /* <base href> resolved, else url */
    stats *st;
    size_t st_count;
    unsigned *sizes; /* nodes in each node's subtree in the page as parsed, by id */
    size_t size_count;
    meta_kv *metas;
    size_t meta_count, meta_alloc;
    const char *doc_title; /* <title> text */
    const char *byline;    /* found in the content */
    const char *cn_byline; /* the name on a Chinese byline line taken out of the text */
    const char *dateline;  /* a paragraph that was only a date, taken out of the text */
    nb_hnode **cands;
    size_t cand_count, cand_alloc;
    int effects;          /* the flags that changed something in this pass (a pass without the
                             others gives the same article, so it is not run) */
    nb_hnode *top;        /* the chosen block */
    nb_hnode *top_area;   /* its parent before the article was gathered (headline, dates) */
    const char *dir;      /* the dir attribute nearest the chosen block */
    const char *og_image; /* og:image / twitter:image, copied before the tree goes */
    struct {
        const char *title, *byline, *excerpt, *site, *published;
    } ld;
} ctx;

/* Makes room for every node of the document, so that stats pointers stay valid until
 * the next node is created. */
static inline void st_reserve(ctx *c)
{
    size_t need = c->doc->node_count + 1;
    if (need > c->st_count) {
        size_t old = c->st_count;
        c->st = nb_xgrow(c->st, &c->st_count, need + need / 4, sizeof *c->st);
        memset(c->st + old, 0, (c->st_count - old) * sizeof *c->st);
    }
}

static inline stats *st(ctx *c, const nb_hnode *n)
{
    if (n->id >= c->st_count) {
        size_t old = c->st_count;
        c->st = nb_xgrow(c->st, &c->st_count, (size_t)n->id + 1 + c->st_count / 4, sizeof *c->st);
        memset(c->st + old, 0, (c->st_count - old) * sizeof *c->st);
    }
    return &c->st[n->id];
}

static inline int is_ws(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* Length of the UTF-8 sequence at p that is white space (ASCII, U+00A0, U+3000), or 0. */
static inline int ws_len(const unsigned char *p)
{
    if (is_ws(*p))
        return 1;
    if (p[0] == 0xC2 && p[1] == 0xA0)
        return 2;
    if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
        return 3;
    return 0;
}

/* 1 when any of the words (a NULL-ended list) stands in s. */
static inline int has_any(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strstr(s, *words))
            return 1;
    return 0;
}

/* Share of n's text inside links. */
static inline double link_density(ctx *c, const nb_hnode *n)
{
    stats *s = st(c, n);
    return s->tlen ? s->llen / s->tlen : 0.0;
}

/* ---------- extract_text.c: the text of nodes ---------- */

/* Characters in text with white-space runs counted once; commas and clause punctuation
 * counted into *commas, CJK characters into *cjk. */
unsigned nb_ex_text_measure(const char *text, unsigned *commas, unsigned *cjk);
/* Appends the text of the subtree at top to b with white space collapsed; blocks and
 * <br> become breaks when breaks is set. */
void nb_ex_append_text(nb_buf *b, const nb_hnode *top, int breaks);
/* The text of n's subtree, white space collapsed (nb_ex_append_text without breaks). */
char *nb_ex_node_text(ctx *c, const nb_hnode *n);
/* The text under n as written, or NULL past max_nodes nodes or max_bytes of text. */
const char *nb_ex_small_text(ctx *c, const nb_hnode *n, size_t max_bytes, size_t max_nodes,
                             int as_parsed);
/* s with white space collapsed and trimmed; NULL for NULL or blank. */
const char *nb_ex_clean_str(ctx *c, const char *s);
/* Decodes the entities metadata strings carry, in place. */
void nb_ex_unescape(char *s);
/* A metadata value: entities decoded, trimmed; NULL for NULL or blank. */
const char *nb_ex_meta_str(ctx *c, const char *s);
/* The text of every text node under n, as written, trimmed. */
const char *nb_ex_raw_text(ctx *c, const nb_hnode *n);
/* Elements whose content is never text: script, style, head, meta ... */
int nb_ex_is_skipped_tag(unsigned tag);

/* ---------- extract_meta.c: metadata ---------- */

/* One pass over the untouched page: <meta>, <title>, JSON-LD, lang and <base>. */
void nb_ex_read_metadata(ctx *c);
/* Title, byline, excerpt, site, time and image from what nb_ex_read_metadata found. */
void nb_ex_finish_metadata(ctx *c);
/* Word-set similarity of b to a: the share of b's text made of words that a also has. */
double nb_ex_similarity(const char *a, const char *b);

/* ---------- extract_score.c: scoring and cleaning ---------- */

/* Finds the article in the page; returns a new element holding it. */
nb_hnode *nb_ex_grab(ctx *c, int flags);
/* Removes n and subtracts its numbers from the nearest ancestors. */
void nb_ex_remove_counted(ctx *c, nb_hnode *n);
/* The writing direction nearest the block, else the root's; NULL when none is given. */
const char *nb_ex_dir_of(const nb_hnode *n, const nb_hnode *root);
/* 1 when the page reads as an article (Readability's isProbablyReaderable). */
int nb_ex_probably_readerable(ctx *c);

/* ---------- extract_furniture.c: page furniture inside the article ---------- */

void nb_ex_drop_furniture(ctx *c, nb_hnode *article);

/* ---------- extract_info.c: bylines, dates and pictures found in the page ---------- */

/* The author named on a Chinese byline or info line, or NULL. */
const char *nb_ex_cn_byline(ctx *c, const char *text);
/* A byline with its label ("作者：", "文/", "记者") taken off. */
const char *nb_ex_strip_byline_label(ctx *c, const char *by);
/* The first "2025年4月7日 13:22" or "2025-04-07 13:22" in text, as ISO 8601 (+08:00 when
 * chinese and a time is given). */
const char *nb_ex_date_in_text(ctx *c, const char *text, int chinese);
/* The date a label on the page gives ("发布时间：", "来源：… 2025-04-07"). */
const char *nb_ex_labelled_date(ctx *c, nb_hnode *root, int chinese);
/* The date (want_date) or byline on the info line beside the page's <h1>. */
const char *nb_ex_headline_info(ctx *c, nb_hnode *root, int chinese, int want_date);
/* The first <time datetime> or itemprop=datePublished under top. */
const char *nb_ex_time_element(ctx *c, nb_hnode *top);
/* ref resolved against the page's base; NULL for data: URIs and what does not resolve. */
const char *nb_ex_abs_url(ctx *c, const char *ref);
/* An <img>'s source, its lazy-loading attribute when src is missing or data:. */
const char *nb_ex_img_src(const nb_hnode *n);
/* og:image, else the largest picture of the article, absolute. */
const char *nb_ex_lead_image(ctx *c, nb_hnode *article);

#endif
