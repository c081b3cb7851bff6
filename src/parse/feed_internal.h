/* SPDX-License-Identifier: MIT */
/* Shared by the files of the feed reader (feed*.c) only: the reader's state, the stack of
 * open elements, the handler tables and the functions one file offers the others. */
#ifndef NB_PARSE_FEED_INTERNAL_H
#define NB_PARSE_FEED_INTERNAL_H

#include <jansson.h>
#include <libxml/parser.h>
#include <stddef.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/buf.h"
#include "parse/parse.h"

typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

typedef struct frame {
    char name[64];      /* the key the text will be stored under (longer names are cut) */
    int expecting_text; /* 0: a container; its text is returned but not stored */
    nb_buf text;        /* text and re-serialized markup, in document order */
    size_t *cuts;       /* where each piece of text starts (for the XHTML div rule) */
    size_t ncuts, cuts_cap;
} frame;

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

typedef void (*start_fn)(reader *r, json_t *attrs);
typedef void (*end_fn)(reader *r, const char *arg);

/* An element's handlers, by element name as the result's keys spell it (prefix_name). An
 * element with neither is kept under its own name. */
struct handler {
    const char *name;
    start_fn start;    /* NULL: push `frame` (when set) */
    end_fn end;        /* NULL: close the element's own frame, if any */
    const char *frame; /* the key the element's text is collected for */
    int text;          /* 1: the text is stored; 0: returned to the end handler only */
    const char *arg;   /* what end is told: the key of a date, the type of a geometry */
};

/* ---- feed_entities.c: entities the document may use */

xmlEntityPtr nb_feed_expand(reader *r, xmlEntityPtr e);
xmlEntityPtr nb_feed_sax_get_entity(void *ctx, const xmlChar *name);
void nb_feed_sax_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                             const xmlChar *system_id, xmlChar *content);
/* ---- feed_dispatch.c: helpers, the reader's dictionaries, events to handlers */

void nb_feed_strvec_clear(strvec *s);
void nb_feed_join_name(char *out, size_t cap, const char *a, size_t alen, char sep, const char *b);
void nb_feed_append(nb_buf *b, const void *data, size_t n);
void nb_feed_append_str(nb_buf *b, const char *s);
int nb_feed_streq(const char *a, const char *b);
const char *nb_feed_jstr(const json_t *obj, const char *key);
int nb_feed_is_space(char c);
char *nb_feed_strip_dup(const char *s);
void nb_feed_lower_in_place(char *s);
void nb_feed_frame_reset(frame *f);
void nb_feed_frame_free(frame *f);
void nb_feed_set_bozo(reader *r, const char *type, const char *message);
void nb_feed_dict_set(json_t *dict, const char *key, json_t *value);
json_t *nb_feed_dict_get(json_t *dict, const char *key);
json_t *nb_feed_dict_setdefault(json_t *dict, const char *key, json_t *value);
json_t *nb_feed_str_or_null(const char *s);
json_t *nb_feed_current_entry(reader *r);
json_t *nb_feed_current_depths(reader *r);
json_t *nb_feed_context(reader *r);
void nb_feed_set_base(reader *r, json_t *ref);
void nb_feed_start_element(reader *r, const char *tag, json_t *attrs);
void nb_feed_end_element(reader *r, const char *tag);
/* ---- feed_stack.c: the element stack, URIs, dates */

char *nb_feed_urljoin(const char *base, const char *ref);
char *nb_feed_safe_absolute_uri(const char *base, const char *ref);
json_t *nb_feed_date_tuple(const char *text);
void nb_feed_push(reader *r, const char *name, int expecting_text);
void nb_feed_add_text(reader *r, const char *text, size_t n);
void nb_feed_handle_data(reader *r, const char *text, size_t n, int escape);
const char *nb_feed_content_type(reader *r);
void nb_feed_set_content_type(reader *r, const char *type);
const char *nb_feed_map_content_type(const char *type, char *out, size_t n);
char *nb_feed_pop_full(reader *r, const char *name, int strip);
char *nb_feed_pop(reader *r, const char *name);
void nb_feed_pop_discard(reader *r, const char *name);
void nb_feed_push_content(reader *r, const char *tag, json_t *attrs, const char *default_type,
                          int expecting_text);
char *nb_feed_pop_content(reader *r, const char *tag);
/* ---- feed_people.c: authors, contributors and tags */

void nb_feed_sync_author_detail(reader *r, const char *key);
void nb_feed_save_author(reader *r, const char *key, const char *value, const char *prefix);
void nb_feed_save_contributor(reader *r, const char *key, const char *value);
void nb_feed_add_tag(reader *r, const char *term, const char *scheme, const char *label);
/* ---- feed_core.c: RSS, Atom, RDF, CDF and Dublin Core handlers */

/* The handler of an element (prefix_name), from every table, or NULL. */
void nb_feed_start_author(reader *r, json_t *attrs);
void nb_feed_end_author(reader *r, const char *arg);
void nb_feed_end_name(reader *r, const char *arg);
void nb_feed_end_email(reader *r, const char *arg);
void nb_feed_start_subtitle(reader *r, json_t *attrs);
void nb_feed_end_subtitle(reader *r, const char *arg);
void nb_feed_start_category(reader *r, json_t *attrs);
void nb_feed_end_category(reader *r, const char *arg);
void nb_feed_start_title(reader *r, json_t *attrs);
void nb_feed_end_title(reader *r, const char *arg);
void nb_feed_start_description(reader *r, json_t *attrs);
void nb_feed_end_description(reader *r, const char *arg);
void nb_feed_start_summary(reader *r, json_t *attrs);
void nb_feed_end_summary(reader *r, const char *arg);
const struct handler *nb_feed_find_handler(const char *name);

/* The namespace families' tables, read with the core table's (feed_media.c, feed_geo.c). */
extern const struct handler nb_feed_media_handlers[];
extern const size_t nb_feed_media_handler_count;
extern const struct handler nb_feed_geo_handlers[];
extern const size_t nb_feed_geo_handler_count;

#endif
