/* SPDX-License-Identifier: MIT */
/* Feed reader: entities. The five of XML come from libxml2; HTML's names (&hellip;, flagged
 * as ill-formed) and the document's own internal entities whose value holds no markup or
 * reference are handed over as predefined text, so nothing nests, expands recursively or
 * loads; what references expand to is capped per document. */
#include <libxml/HTMLparser.h>
#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/memory.h"
#include "parse/feed_internal.h"

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
xmlEntityPtr nb_feed_expand(reader *r, xmlEntityPtr e)
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
        nb_feed_set_bozo(r, "EntityExpansionLimit", msg);
        r->entity_bytes = r->entity_cap + 1;
    }
    return &r->nothing;
}

xmlEntityPtr nb_feed_sax_get_entity(void *ctx, const xmlChar *name)
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
        return nb_feed_expand(r, e);
    if (r->entity_count >= NB_LIMIT_FEED_ENTITIES)
        return nb_feed_expand(r, &r->nothing);
    char msg[160];
    snprintf(msg, sizeof msg, "undefined entity &%s;", (const char *)name);
    nb_feed_set_bozo(r, "SAXParseException", msg);
    const htmlEntityDesc *html = htmlEntityLookup(name);
    if (!html) /* unknown everywhere: kept as written */
        return nb_feed_expand(
            r, make_entity(r, (const char *)name, msg + strlen("undefined entity ")));
    char utf8[8];
    int n = xmlCopyCharMultiByte((xmlChar *)utf8, (int)html->value);
    utf8[n > 0 ? n : 0] = '\0';
    return nb_feed_expand(r, make_entity(r, (const char *)name, utf8));
}

/* <!ENTITY name "value"> with no markup in the value: kept (character references
 * decoded). Anything else, external or nesting, is ignored. */
void nb_feed_sax_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
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
        nb_feed_set_bozo(r, "EntityExpansionLimit", msg);
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
