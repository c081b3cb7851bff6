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

xmlEntityPtr expand(reader *r, xmlEntityPtr e);
xmlEntityPtr sax_get_entity(void *ctx, const xmlChar *name);
void sax_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                     const xmlChar *system_id, xmlChar *content);
/* ---- feed_dispatch.c: helpers, the reader's dictionaries, events to handlers */

void strvec_clear(strvec *s);
void join_name(char *out, size_t cap, const char *a, size_t alen, char sep, const char *b);
void append(nb_buf *b, const void *data, size_t n);
void append_str(nb_buf *b, const char *s);
int streq(const char *a, const char *b);
const char *jstr(const json_t *obj, const char *key);
int is_space(char c);
char *strip_dup(const char *s);
void lower_in_place(char *s);
void frame_reset(frame *f);
void frame_free(frame *f);
void set_bozo(reader *r, const char *type, const char *message);
void dict_set(json_t *dict, const char *key, json_t *value);
json_t *dict_get(json_t *dict, const char *key);
json_t *dict_setdefault(json_t *dict, const char *key, json_t *value);
json_t *str_or_null(const char *s);
json_t *current_entry(reader *r);
json_t *current_depths(reader *r);
json_t *context(reader *r);
void set_base(reader *r, json_t *ref);
void start_element(reader *r, const char *tag, json_t *attrs);
void end_element(reader *r, const char *tag);
/* ---- feed_stack.c: the element stack, URIs, dates */

char *urljoin(const char *base, const char *ref);
char *safe_absolute_uri(const char *base, const char *ref);
json_t *date_tuple(const char *text);
void push(reader *r, const char *name, int expecting_text);
void add_text(reader *r, const char *text, size_t n);
void handle_data(reader *r, const char *text, size_t n, int escape);
const char *content_type(reader *r);
void set_content_type(reader *r, const char *type);
const char *map_content_type(const char *type, char *out, size_t n);
char *pop_full(reader *r, const char *name, int strip);
char *pop(reader *r, const char *name);
void pop_discard(reader *r, const char *name);
void push_content(reader *r, const char *tag, json_t *attrs, const char *default_type,
                  int expecting_text);
char *pop_content(reader *r, const char *tag);
/* ---- feed_people.c: authors, contributors and tags */

void sync_author_detail(reader *r, const char *key);
void save_author(reader *r, const char *key, const char *value, const char *prefix);
void save_contributor(reader *r, const char *key, const char *value);
void add_tag(reader *r, const char *term, const char *scheme, const char *label);
/* ---- feed_core.c: RSS, Atom, RDF, CDF and Dublin Core handlers */

/* The handler of an element (prefix_name), from every table, or NULL. */
void start_author(reader *r, json_t *attrs);
void end_author(reader *r, const char *arg);
void end_name(reader *r, const char *arg);
void end_email(reader *r, const char *arg);
void start_subtitle(reader *r, json_t *attrs);
void end_subtitle(reader *r, const char *arg);
void start_category(reader *r, json_t *attrs);
void end_category(reader *r, const char *arg);
void start_title(reader *r, json_t *attrs);
void end_title(reader *r, const char *arg);
void start_description(reader *r, json_t *attrs);
void end_description(reader *r, const char *arg);
void start_summary(reader *r, json_t *attrs);
void end_summary(reader *r, const char *arg);
const struct handler *find_handler(const char *name);

/* The extension namespaces' table, read with the core table's. */
extern const struct handler ns_handlers[];
extern const size_t ns_handler_count;

#endif
