/* The registry: every source adapter newsbrief knows, by type name. */
#include <string.h>

#include "sources/source.h"

extern const nb_source_adapter nb_feed_adapter;

static const nb_source_adapter *const adapters[] = {
    &nb_feed_adapter,
};

const char *const nb_source_types[] = {
    "feed",
    NULL,
};

const nb_source_adapter *nb_source_adapter_find(const char *type)
{
    for (size_t i = 0; i < sizeof adapters / sizeof adapters[0]; i++)
        if (strcmp(adapters[i]->type, type) == 0)
            return adapters[i];
    return NULL;
}
