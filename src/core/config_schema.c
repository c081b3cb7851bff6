/* SPDX-License-Identifier: MIT */
/* The configuration's schema: each section's keys with their kinds, bounds and secrecy (the
 * loader in config_read.c reads and checks values through it), and nb_config_print, which writes
 * the effective configuration back as YAML from it, secrets masked. */
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/config_private.h"
#include "core/time.h"

#define STR(type, member, flags)                                                                   \
    {                                                                                              \
#member, FIELD_STRING, offsetof(type, member), flags, 0, 0                                 \
    }
#define PATH(type, member)                                                                         \
    {                                                                                              \
#member, FIELD_PATH, offsetof(type, member), 0, 0, 0                                       \
    }
#define INT(type, member, lo, hi)                                                                  \
    {                                                                                              \
#member, FIELD_INT, offsetof(type, member), 0, lo, hi                                      \
    }
#define BOOL(type, member)                                                                         \
    {                                                                                              \
#member, FIELD_BOOL, offsetof(type, member), 0, 0, 0                                       \
    }
#define DURATION(type, member)                                                                     \
    {                                                                                              \
#member, FIELD_DURATION, offsetof(type, member), 0, 0, 0                                   \
    }

#define NUMBER(type, member, lo, hi)                                                               \
    {                                                                                              \
#member, FIELD_NUMBER, offsetof(type, member), 0, lo, hi                                   \
    }
#define HEADERS(type, member)                                                                      \
    {                                                                                              \
#member, FIELD_HEADERS, offsetof(type, member), FIELD_SECRET, 0, 0                         \
    }

const field nb_config_general_fields[] = {
    PATH(nb_config, database),
    STR(nb_config, timezone, 0),
    STR(nb_config, title, 0),
    STR(nb_config, language, 0),
    STR(nb_config, header, 0),
    STR(nb_config, related_prefix, 0),
    INT(nb_config, items_per_page, 1, 100),
    DURATION(nb_config, window),
    INT(nb_config, max_items, 1, 1000),
    DURATION(nb_config, lock_timeout),
    INT(nb_config, failures_before_backoff, 1, 1000),
    INT(nb_config, max_connections, 1, 1024),
    INT(nb_config, max_connections_per_host, 0, 64),
    BOOL(nb_config, allow_private_networks),
    DURATION(nb_config, max_wait_in_run),
    DURATION(nb_config, shutdown_timeout),
    BOOL(nb_config, workers),
    DURATION(nb_config, job_lease),
    INT(nb_config, job_max_attempts, 1, 100),
    {0},
};

const field nb_config_source_fields[] = {
    STR(nb_source_config, type, 0),
    {"name", FIELD_STRING, offsetof(nb_source_config, display_name), 0, 0, 0},
    STR(nb_source_config, url, 0),
    BOOL(nb_source_config, enabled),
    INT(nb_source_config, delay_ms, 0, 600000),
    STR(nb_source_config, proxy, FIELD_SECRET),
    STR(nb_source_config, base_url, 0),
    STR(nb_source_config, fetch_full_text, 0),
    STR(nb_source_config, content_selector, 0),
    STR(nb_source_config, title_selector, 0),
    STR(nb_source_config, time_selector, 0),
    STR(nb_source_config, image_selector, 0),
    {0},
};

const field nb_config_summarizer_fields[] = {
    STR(nb_summarizer_config, type, 0),
    STR(nb_summarizer_config, api_base, 0),
    STR(nb_summarizer_config, api_key, FIELD_SECRET),
    STR(nb_summarizer_config, model, 0),
    NUMBER(nb_summarizer_config, temperature, 0, 2),
    INT(nb_summarizer_config, max_tokens, 16, 32768),
    HEADERS(nb_summarizer_config, headers),
    STR(nb_summarizer_config, proxy, FIELD_SECRET),
    INT(nb_summarizer_config, concurrency, 1, 64),
    INT(nb_summarizer_config, rpm, 0, 100000),
    DURATION(nb_summarizer_config, timeout),
    INT(nb_summarizer_config, max_retries, 0, 10),
    STR(nb_summarizer_config, system_prompt, 0),
    STR(nb_summarizer_config, user_prompt, 0),
    PATH(nb_summarizer_config, system_prompt_file),
    PATH(nb_summarizer_config, user_prompt_file),
    INT(nb_summarizer_config, min_chars, 10, 2000),
    INT(nb_summarizer_config, max_chars, 20, 4000),
    STR(nb_summarizer_config, language, 0),
    INT(nb_summarizer_config, max_input_tokens, 200, 200000),
    NUMBER(nb_summarizer_config, price_input, 0, 10000),
    NUMBER(nb_summarizer_config, price_output, 0, 10000),
    BOOL(nb_summarizer_config, confirm_stories),
    {0},
};

const field nb_config_channel_fields[] = {
    STR(nb_channel_config, type, 0),
    PATH(nb_channel_config, path),
    INT(nb_channel_config, items_per_page, 1, 100),
    STR(nb_channel_config, url, FIELD_SECRET),
    STR(nb_channel_config, secret, FIELD_SECRET),
    STR(nb_channel_config, token, FIELD_SECRET),
    STR(nb_channel_config, chat_id, 0),
    STR(nb_channel_config, api_base, 0),
    STR(nb_channel_config, proxy, FIELD_SECRET),
    STR(nb_channel_config, images, 0),
    STR(nb_channel_config, mode, 0),
    STR(nb_channel_config, format, 0),
    STR(nb_channel_config, keyword, 0),
    BOOL(nb_channel_config, photos),
    BOOL(nb_channel_config, page_marker),
    DURATION(nb_channel_config, retry_floor),
    INT(nb_channel_config, max_attempts, 1, 100),
    INT(nb_channel_config, per_minute, 0, 100000),
    INT(nb_channel_config, per_second, 0, 1000),
    DURATION(nb_channel_config, timeout),
    STR(nb_channel_config, smtp_url, 0),
    STR(nb_channel_config, username, 0),
    STR(nb_channel_config, password, FIELD_SECRET),
    STR(nb_channel_config, from, 0),
    {"to", FIELD_LIST, offsetof(nb_channel_config, to), 0, 0, 0},
    PATH(nb_channel_config, ca_file),
    STR(nb_channel_config, subject, 0),
    BOOL(nb_channel_config, starttls),
    {"template", FIELD_STRING, offsetof(nb_channel_config, template_json), 0, 0, 0},
    BOOL(nb_channel_config, only_new),
    {"keywords", FIELD_LIST, offsetof(nb_channel_config, keywords), 0, 0, 0},
    INT(nb_channel_config, per_source_max, 0, 1000),
    INT(nb_channel_config, max_items, 1, 1000),
    INT(nb_channel_config, min_summary_chars, 0, 4000),
    {0},
};

const field nb_config_schedule_fields[] = {
    STR(nb_schedule_config, cron, 0),
    {"channels", FIELD_LIST, offsetof(nb_schedule_config, channels), 0, 0, 0},
    {"sources", FIELD_LIST, offsetof(nb_schedule_config, sources), 0, 0, 0},
    BOOL(nb_schedule_config, deliver),
    DURATION(nb_schedule_config, catch_up),
    {0},
};

const field nb_config_retention_fields[] = {
    DURATION(nb_retention_config, article_text),
    DURATION(nb_retention_config, items),
    DURATION(nb_retention_config, briefings),
    {0},
};

const field nb_config_web_fields[] = {
    STR(nb_web_config, listen, 0),
    STR(nb_web_config, base_url, 0),
    STR(nb_web_config, token, FIELD_SECRET),
    STR(nb_web_config, title, 0),
    INT(nb_web_config, threads, 1, 64),
    INT(nb_web_config, max_connections, 1, 100000),
    INT(nb_web_config, max_connections_per_ip, 1, 100000),
    DURATION(nb_web_config, idle_timeout),
    INT(nb_web_config, cache_mb, 0, 4096),
    DURATION(nb_web_config, heartbeat_max_age),
    {0},
};

const field nb_config_mcp_fields[] = {
    BOOL(nb_mcp_config, allow_actions),
    {0},
};

/* YAML double-quoted scalars accept JSON string syntax, so jansson does the quoting. */
static void print_string(FILE *out, const char *s)
{
    json_t *j = json_string(s);
    char *quoted = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    fputs(quoted ? quoted : "\"\"", out);
    free(quoted);
    json_decref(j);
}

/* Whether a key means something for the record it would be printed for: a source's or
 * channel's type decides (through the vocabulary), and the offline summarizer uses none of
 * the LLM's keys. */
static int applies(const nb_config *c, const char *section, const char *type, const char *key)
{
    if (!strcmp(section, "summarizer") && type && !strcmp(type, "extractive"))
        return !strcmp(key, "type") || !strcmp(key, "min_chars") || !strcmp(key, "max_chars") ||
               !strcmp(key, "language");
    if (strcmp(section, "sources") && strcmp(section, "channels"))
        return 1;
    return !c->vocab.key_applies || !type || c->vocab.key_applies(section, type, key);
}

static void print_fields(FILE *out, const nb_config *c, const char *section, const char *type,
                         const field *fields, const void *record, int indent)
{
    for (const field *f = fields; f->key; f++) {
        const char *slot = (const char *)record + f->offset;
        if (!applies(c, section, type, f->key))
            continue;
        if ((f->kind == FIELD_STRING || f->kind == FIELD_PATH) && !*(char *const *)slot)
            continue;
        if ((f->kind == FIELD_INT || f->kind == FIELD_DURATION) && *(const int64_t *)slot < 0)
            continue; /* unset optional integer: the default applies */
        if (f->kind == FIELD_LIST) {
            char *const *list = *(char **const *)slot;
            if (!list || !*list)
                continue;
            fprintf(out, "%*s%s:\n", indent, "", f->key);
            for (; *list; list++) {
                fprintf(out, "%*s- ", indent + 2, "");
                print_string(out, *list);
                fputc('\n', out);
            }
            continue;
        }
        if (f->kind == FIELD_HEADERS) {
            char *const *lines = *(char **const *)slot;
            if (!lines || !*lines)
                continue;
            fprintf(out, "%*s%s:\n", indent, "", f->key);
            for (; *lines; lines++)
                fprintf(out, "%*s%.*s: \"***\"\n", indent + 2, "", (int)strcspn(*lines, ":"),
                        *lines);
            continue;
        }
        fprintf(out, "%*s%s: ", indent, "", f->key);
        switch (f->kind) {
        case FIELD_STRING:
        case FIELD_PATH:
            if (f->flags & FIELD_SECRET)
                fputs("\"***\"", out);
            else
                print_string(out, *(char *const *)slot);
            break;
        case FIELD_INT:
            fprintf(out, "%lld", (long long)*(const int64_t *)slot);
            break;
        case FIELD_BOOL:
            fputs(*(const int *)slot ? "true" : "false", out);
            break;
        case FIELD_DURATION: {
            /* as written ("24h"), else in the same form */
            const note *n = nb_config_find_note(c->notes, record, f->key);
            char text[32];
            nb_duration_format(*(const int64_t *)slot, text, sizeof text);
            fputs(n && n->written ? n->written : text, out);
            break;
        }
        case FIELD_NUMBER: {
            double real;
            memcpy(&real, slot, sizeof real);
            fprintf(out, "%g", real);
            break;
        }
        case FIELD_HEADERS:
        case FIELD_LIST:
            break;
        }
        fputc('\n', out);
    }
}

static void print_schedules(const nb_config *c, FILE *out)
{
    if (!c->schedule_count)
        return;
    fputs("schedules:\n", out);
    for (size_t i = 0; i < c->schedule_count; i++) {
        fprintf(out, "  ");
        print_string(out, c->schedules[i].name);
        fputs(":\n", out);
        print_fields(out, c, "schedules", NULL, nb_config_schedule_fields, &c->schedules[i], 4);
    }
}

void nb_config_print(const nb_config *c, FILE *out)
{
    fprintf(out, "# effective configuration from %s (secrets masked)\nnewsbrief:\n", c->path);
    print_fields(out, c, "newsbrief", NULL, nb_config_general_fields, c, 2);
    fputs(c->source_count ? "sources:\n" : "sources: {}\n", out);
    for (size_t i = 0; i < c->source_count; i++) {
        fprintf(out, "  ");
        print_string(out, c->sources[i].name);
        fputs(":\n", out);
        print_fields(out, c, "sources", c->sources[i].type, nb_config_source_fields, &c->sources[i],
                     4);
    }
    fputs("summarizer:\n", out);
    print_fields(out, c, "summarizer", c->summarizer.type, nb_config_summarizer_fields,
                 &c->summarizer, 2);
    fputs(c->channel_count ? "channels:\n" : "channels: {}\n", out);
    for (size_t i = 0; i < c->channel_count; i++) {
        fprintf(out, "  ");
        print_string(out, c->channels[i].name);
        fputs(":\n", out);
        print_fields(out, c, "channels", c->channels[i].type, nb_config_channel_fields,
                     &c->channels[i], 4);
    }
    print_schedules(c, out);
    fputs("retention:\n", out);
    print_fields(out, c, "retention", NULL, nb_config_retention_fields, &c->retention, 2);
    fputs("web:\n", out);
    print_fields(out, c, "web", NULL, nb_config_web_fields, &c->web, 2);
    fputs("mcp:\n", out);
    print_fields(out, c, "mcp", NULL, nb_config_mcp_fields, &c->mcp, 2);
}
