/* SPDX-License-Identifier: MIT */
/* Checks of the configuration that need more than one value's type: types against the
 * vocabulary, keys that do not apply to a type, schedules' names, retention against the
 * window, the web section's address, URL and token, the summarizer's keys together. Each error
 * is recorded where it was written, and checking goes on. */
#include "core/config.h"
#include "core/config_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/buf.h"
#include "core/limits.h"

void nb_config_check_keys(loader *ld, const char *section, const char *where, const char *type,
                          const yaml_node_t *map, const void *record)
{
    if (!ld->vocab->key_applies || map->type != YAML_MAPPING_NODE)
        return;
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *key = yaml_document_get_node(&ld->doc, pair->key);
        if (key->type != YAML_SCALAR_NODE)
            continue;
        const char *name = (const char *)key->data.scalar.value;
        if (strcmp(name, "type") != 0 && nb_config_find_note(ld->notes, record, name) &&
            !ld->vocab->key_applies(section, type, name)) {
            nb_config_at(ld, key, NB_ERR_CONFIG, "%s: \"%s\" does not apply to type %s", where,
                         name, type);
            nb_config_fail(ld, record);
        }
    }
}

static int in_vocab(const char *const *words, const char *word)
{
    if (!words)
        return 1;
    for (; *words; words++)
        if (strcmp(*words, word) == 0)
            return 1;
    return 0;
}

nb_err nb_config_check_type(loader *ld, const yaml_node_t *node, const yaml_node_t *map,
                            const char *section, const char *type, const char *const *words)
{
    if (!type)
        return nb_config_at(ld, node, NB_ERR_CONFIG, "%s: \"type\" is required", section);
    const yaml_node_t *value = nb_config_value_of(ld, map, "type");
    if (value)
        node = value;
    if (in_vocab(words, type))
        return NB_OK;
    nb_buf list;
    nb_buf_init(&list, NB_LIMIT_NAME_LIST_BYTES);
    for (const char *const *w = words; *w; w++)
        if (nb_buf_printf(&list, "%s%s", w == words ? "" : ", ", *w))
            break;
    nb_err rc = nb_config_at(ld, node, NB_ERR_CONFIG, "%s: unknown type \"%s\" (known: %s)",
                             section, type, nb_buf_str(&list));
    nb_buf_free(&list);
    return rc;
}

nb_err nb_config_check_retention(loader *ld, const nb_config *c)
{
    for (const field *f = nb_config_retention_fields; f->key && ld->retention; f++) {
        int64_t v = *(const int64_t *)((const char *)&c->retention + f->offset);
        if (v > 0 && v < c->window)
            return nb_config_at(
                ld, ld->retention, NB_ERR_CONFIG,
                "retention.%s: %llds is shorter than newsbrief.window (%llds); use 0 to "
                "keep everything",
                f->key, (long long)v, (long long)c->window);
    }
    return NB_OK;
}

/* Each name of a schedule's channels: or sources: list must be configured. */
static nb_err check_schedule_names(loader *ld, const char *where, const char *what,
                                   const yaml_node_t *list, const char *const *names,
                                   size_t name_count, size_t stride)
{
    size_t n = list->type == YAML_SEQUENCE_NODE
                   ? (size_t)(list->data.sequence.items.top - list->data.sequence.items.start)
                   : 1;
    if (n == 0)
        return nb_config_at(ld, list, NB_ERR_CONFIG,
                            "%s.%ss: an empty list (leave the key out for every %s)", where, what,
                            what);
    for (size_t i = 0; i < n; i++) {
        const yaml_node_t *item =
            list->type == YAML_SEQUENCE_NODE
                ? yaml_document_get_node(&ld->doc, list->data.sequence.items.start[i])
                : list;
        const char *name = (const char *)item->data.scalar.value;
        int known = 0;
        for (size_t k = 0; k < name_count && !known; k++)
            known = strcmp(*(const char *const *)((const char *)names + k * stride), name) == 0;
        if (known)
            continue;
        nb_buf all;
        nb_buf_init(&all, NB_LIMIT_NAME_LIST_BYTES);
        for (size_t k = 0; k < name_count; k++)
            if (nb_buf_printf(&all, "%s%s", k ? ", " : "",
                              *(const char *const *)((const char *)names + k * stride)))
                break;
        nb_err rc =
            nb_config_at(ld, item, NB_ERR_CONFIG, "%s.%ss: unknown %s \"%s\" (configured: %s)",
                         where, what, what, name, name_count ? nb_buf_str(&all) : "none");
        nb_buf_free(&all);
        return rc;
    }
    return NB_OK;
}

/* Checks the schedules load_schedules read: only those, since it stops at the first error
 * (a name defined twice), and an entry it never read has nothing to check. */
nb_err nb_config_check_schedules(loader *ld, nb_config *c)
{
    if (!ld->schedules)
        return NB_OK;
    size_t i = 0;
    for (yaml_node_pair_t *pair = ld->schedules->data.mapping.pairs.start;
         pair < ld->schedules->data.mapping.pairs.top && i < c->schedule_count; pair++, i++) {
        const yaml_node_t *key = yaml_document_get_node(&ld->doc, pair->key);
        const yaml_node_t *value = yaml_document_get_node(&ld->doc, pair->value);
        nb_schedule_config *s = &c->schedules[i];
        char where[300];
        snprintf(where, sizeof where, "schedules.%s", s->name);
        const yaml_node_t *cron = nb_config_value_of(ld, value, "cron");
        if (!cron || !s->cron)
            return nb_config_at(ld, key, NB_ERR_CONFIG, "%s: \"cron\" is required", where);
        s->cron_line = (int)cron->start_mark.line + 1;
        s->cron_column = (int)cron->start_mark.column + 1;
        nb_errbuf inner;
        if (ld->vocab->check_cron && ld->vocab->check_cron(s->cron, &inner) != NB_OK)
            return nb_config_at(ld, cron, NB_ERR_CONFIG, "%s.cron: %s", where, inner.msg);
        const yaml_node_t *list = nb_config_value_of(ld, value, "channels");
        nb_err rc = list ? check_schedule_names(ld, where, "channel", list,
                                                (const char *const *)c->channels, c->channel_count,
                                                sizeof *c->channels)
                         : NB_OK;
        list = nb_config_value_of(ld, value, "sources");
        if (!rc && list)
            rc = check_schedule_names(ld, where, "source", list, (const char *const *)c->sources,
                                      c->source_count, sizeof *c->sources);
        if (rc)
            return rc;
    }
    return NB_OK;
}

/* "ADDR:PORT" with a numeric port; IPv6 addresses in brackets. */
static int valid_listen(const char *listen)
{
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || !colon[1] || strlen(colon + 1) > 5 ||
        strspn(colon + 1, "0123456789") != strlen(colon + 1) || strtol(colon + 1, NULL, 10) > 65535)
        return 0;
    if (listen[0] == '[')
        return colon[-1] == ']' && colon - listen > 2;
    return memchr(listen, ':', (size_t)(colon - listen)) == NULL;
}

nb_err nb_config_check_web(loader *ld, const yaml_node_t *map, nb_web_config *w)
{
    if (w->listen && !valid_listen(w->listen))
        return nb_config_at(ld, map, NB_ERR_CONFIG,
                            "web.listen: expected ADDRESS:PORT such as 127.0.0.1:8080, got \"%s\"",
                            w->listen);
    if (w->base_url) {
        size_t len = strlen(w->base_url);
        if ((strncmp(w->base_url, "http://", 7) != 0 && strncmp(w->base_url, "https://", 8) != 0) ||
            strpbrk(w->base_url, " \t\r\n\"<>?#"))
            return nb_config_at(
                ld, map, NB_ERR_CONFIG,
                "web.base_url: expected an http:// or https:// URL without query, got \"%s\"",
                w->base_url);
        while (len > 0 && w->base_url[len - 1] == '/')
            w->base_url[--len] = '\0';
    }
    if (w->token && strlen(w->token) < 16)
        return nb_config_at(ld, map, NB_ERR_CONFIG, "web.token: use at least 16 characters");
    if (w->token && strpbrk(w->token, " \t\r\n&=#%+?\"'"))
        return nb_config_at(ld, map, NB_ERR_CONFIG,
                            "web.token: letters, digits and -._~ only (it travels in URLs)");
    return NB_OK;
}

/* A prompt given inline or as a file: the file's text replaces the inline slot. */
static void load_prompt(loader *ld, nb_summarizer_config *z, const char *name, char **inline_text,
                        const char *file)
{
    char key[32];
    snprintf(key, sizeof key, "%s_file", name);
    if (!file)
        return;
    if (*inline_text) {
        nb_config_at_key(ld, z, key, "summarizer: give %s or %s, not both", name, key);
        return;
    }
    nb_errbuf err;
    if (nb_config_read_file(file, NB_LIMIT_CONFIG_BYTES, inline_text, &err) != NB_OK)
        nb_config_at_key(ld, z, key, "summarizer.%s: %s", key, err.msg);
}

void nb_config_check_summarizer(loader *ld, nb_summarizer_config *z)
{
    if (z->min_chars >= z->max_chars)
        nb_config_at_key(ld, z,
                         nb_config_find_note(ld->notes, z, "min_chars") ? "min_chars" : "max_chars",
                         "summarizer: min_chars (%lld) must be below max_chars (%lld)",
                         (long long)z->min_chars, (long long)z->max_chars);
    if (strcmp(z->language, "zh") != 0 && strcmp(z->language, "en") != 0)
        nb_config_at_key(ld, z, "language", "summarizer.language: \"%s\" is not zh or en",
                         z->language);
    if (strcmp(z->type, "llm") == 0 && (!z->api_base || !z->model))
        nb_config_at_key(ld, z, "type",
                         "summarizer: type llm needs api_base and model (see docs/LLM.md)");
    load_prompt(ld, z, "system_prompt", &z->system_prompt, z->system_prompt_file);
    load_prompt(ld, z, "user_prompt", &z->user_prompt, z->user_prompt_file);
}
