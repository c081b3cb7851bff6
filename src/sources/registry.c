/* SPDX-License-Identifier: MIT */
/* The registry: every source adapter newsbrief knows, by type name, and the site hook's
 * questions asked of all of them (whose URL is this, whose boilerplate is known). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"
#include "sources/source.h"

/* One line per adapter: ADAPTER(name) registers nb_<name>_adapter from sources/<name>.c. */
#define ADAPTERS                                                                                   \
    ADAPTER(feed)                                                                                  \
    ADAPTER(aibase)                                                                                \
    ADAPTER(jiqizhixin)                                                                            \
    ADAPTER(qbitai)

#define ADAPTER(name) extern const nb_source_adapter nb_##name##_adapter;
ADAPTERS
#undef ADAPTER

#define ADAPTER(name) &nb_##name##_adapter,
static const nb_source_adapter *const adapters[] = {ADAPTERS};
#undef ADAPTER

#define ADAPTER_COUNT (sizeof adapters / sizeof adapters[0])

const char *const *nb_source_types(void)
{
    static const char *names[ADAPTER_COUNT + 1];
    for (size_t i = 0; i < ADAPTER_COUNT; i++)
        names[i] = adapters[i]->type;
    return names;
}

const nb_source_adapter *nb_source_adapter_find(const char *type)
{
    for (size_t i = 0; i < ADAPTER_COUNT; i++)
        if (strcmp(adapters[i]->type, type) == 0)
            return adapters[i];
    return NULL;
}

static int listed(const char *const *keys, const char *key)
{
    for (; keys && *keys; keys++)
        if (strcmp(*keys, key) == 0)
            return 1;
    return 0;
}

int nb_source_key_applies(const char *type, const char *key)
{
    static const char *const common[] = {"type", "name", "enabled", "delay_ms", "proxy", NULL};
    const nb_source_adapter *a = nb_source_adapter_find(type);
    return listed(common, key) || (a && listed(a->keys, key));
}

char *nb_source_canonical_url(const char *url)
{
    char *canonical = nb_url_canonical(url);
    char *host = NULL, *path = NULL;
    if (!canonical || nb_url_host_path(canonical, &host, &path) != NB_OK)
        goto out;
    for (size_t i = 0; i < ADAPTER_COUNT; i++) {
        char *own = adapters[i]->canonical_url ? adapters[i]->canonical_url(host, path) : NULL;
        if (own) {
            free(canonical);
            canonical = own;
            break;
        }
    }
out:
    free(host);
    free(path);
    return canonical;
}

static const nb_body_rules *boilerplates[ADAPTER_COUNT + 1];
static pthread_once_t boilerplates_once = PTHREAD_ONCE_INIT;

static void list_boilerplates(void)
{
    size_t n = 0;
    for (size_t i = 0; i < ADAPTER_COUNT; i++)
        if (adapters[i]->boilerplate)
            boilerplates[n++] = adapters[i]->boilerplate;
    boilerplates[n] = NULL;
}

const nb_body_rules *const *nb_source_boilerplates(void)
{
    pthread_once(&boilerplates_once, list_boilerplates);
    return boilerplates;
}
