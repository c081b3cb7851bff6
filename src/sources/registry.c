/* SPDX-License-Identifier: MIT */
/* The registry: every source adapter newsbrief knows, by type name. */
#include <string.h>

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
