/* SPDX-License-Identifier: MIT */
/* Private to src/core's configuration files: the schema tables (config_schema.c), the notes
 * of where each key was written, which printing reads, and the loader the reading
 * (config.c: the sections; config_read.c: each value) and the checks (config_check.c) share. */
#ifndef NB_CORE_CONFIG_PRIVATE_H
#define NB_CORE_CONFIG_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "core/config.h"

typedef enum field_kind {
    FIELD_STRING,
    FIELD_PATH, /* a string with "~/" expanded */
    FIELD_INT,
    FIELD_BOOL,
    FIELD_DURATION, /* stored as seconds */
    FIELD_NUMBER,   /* double */
    FIELD_HEADERS,  /* a mapping of header names to values, stored as "Name: value" lines */
    FIELD_LIST,     /* a list of texts (or one text), stored NULL-terminated */
} field_kind;

enum { FIELD_SECRET = 1 };

typedef struct field {
    const char *key;
    field_kind kind;
    size_t offset;
    unsigned flags;
    int64_t min, max; /* FIELD_INT */
} field;

/* Each section's keys, ended by an entry whose key is NULL. */
extern const field nb_config_general_fields[];
extern const field nb_config_source_fields[];
extern const field nb_config_summarizer_fields[];
extern const field nb_config_channel_fields[];
extern const field nb_config_schedule_fields[];
extern const field nb_config_retention_fields[];
extern const field nb_config_web_fields[];
extern const field nb_config_mcp_fields[];

/* Where a key was written (its value's position) and, for durations, how. */
typedef struct note {
    const void *record;
    const char *key; /* the schema's (static) */
    int line, column;
    char *written; /* durations: the text as written (after ${ENV}), else NULL */
} note;

struct nb_config_notes {
    note *notes;
    size_t count, alloc;
    const void **failed; /* records with an error */
    size_t failed_count, failed_alloc;
};

/* The note of a record's key, or NULL when it was not written. */
const note *nb_config_find_note(const nb_config_notes *notes, const void *record, const char *key);

/* One reading of a configuration file. */
typedef struct loader {
    const char *file;
    const char *base_dir; /* relative paths start here; NULL: left as written */
    yaml_document_t doc;
    const nb_config_vocab *vocab;
    nb_config_report *report;
    nb_config_notes *notes;
    const yaml_node_t *schedules; /* the schedules: mapping, checked once all is read */
    const yaml_node_t *retention; /* the retention: mapping, likewise */
} loader;

/* ---- Reading (config_read.c) ---- */

/* Records an error at node's position; returns code. */
nb_err nb_config_at(loader *ld, const yaml_node_t *node, nb_err code, const char *fmt, ...)
    NB_PRINTF(4, 5);
/* Records an error about record's key, at its value when it was written; returns
 * NB_ERR_CONFIG. */
nb_err nb_config_at_key(loader *ld, const void *record, const char *key, const char *fmt, ...)
    NB_PRINTF(4, 5);
/* Marks record as having an error (nb_config_failed). */
void nb_config_fail(loader *ld, const void *record);
int nb_config_failed_in(const nb_config_notes *notes, const void *record);
/* rest under $HOME (else "."); caller frees. */
char *nb_config_home_path(const char *rest);
/* Frees a NULL-terminated list of texts and the list (NULL-safe). */
void nb_config_free_lines(char **lines);
/* Every key of the mapping into record; an error is recorded and the next key read. */
nb_err nb_config_load_mapping(loader *ld, const char *section, const yaml_node_t *map,
                              const field *fields, void *record);
/* The value of key name in map, or NULL (also when map is not a mapping). */
const yaml_node_t *nb_config_value_of(loader *ld, const yaml_node_t *map, const char *name);
/* Reads a whole text file of at most limit bytes into *out (caller frees); every failure is
 * a configuration error. */
nb_err nb_config_read_file(const char *path, size_t limit, char **out, nb_errbuf *err);

/* ---- Checks (config_check.c); each records its errors ---- */

/* Keys that mean nothing for the record's type are errors naming the key and the type. */
void nb_config_check_keys(loader *ld, const char *section, const char *where, const char *type,
                          const yaml_node_t *map, const void *record);
/* The record's type against words (NULL: any); node is the record's name (its type's value
 * is found under map). */
nb_err nb_config_check_type(loader *ld, const yaml_node_t *node, const yaml_node_t *map,
                            const char *section, const char *type, const char *const *words);
/* Each retention kept must outlast the window, or a briefing would lose its candidates' text
 * or ledger. */
nb_err nb_config_check_retention(loader *ld, const nb_config *c);
/* Each schedule's cron, and the channels and sources it names. */
nb_err nb_config_check_schedules(loader *ld, nb_config *c);
/* The web: section's values that need more than a type (listen, base_url, token). */
nb_err nb_config_check_web(loader *ld, const yaml_node_t *map, nb_web_config *w);
/* Checks across the summarizer's keys, each error at the key it is about; reads the prompt
 * files. */
void nb_config_check_summarizer(loader *ld, nb_summarizer_config *z);

#endif
