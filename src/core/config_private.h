/* SPDX-License-Identifier: MIT */
/* Private to src/core's configuration files: the schema tables (config_schema.c) and the
 * notes of where each key was written (config.c), which printing reads. */
#ifndef NB_CORE_CONFIG_PRIVATE_H
#define NB_CORE_CONFIG_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

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

#endif
