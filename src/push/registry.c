/* The channel registry: the local types, and one line per chat platform. */
#include <string.h>

#include "push/channel.h"
#include "push/push.h"

/* One line per platform: CHANNEL(name) registers nb_<name>_channel from push/<name>.c. */
#define CHANNELS                                                                                   \
    CHANNEL(wecom)                                                                                 \
    CHANNEL(feishu)                                                                                \
    CHANNEL(dingtalk)                                                                              \
    CHANNEL(telegram)                                                                              \
    CHANNEL(slack)                                                                                 \
    CHANNEL(discord)                                                                               \
    CHANNEL(email)                                                                                 \
    CHANNEL(ntfy)                                                                                  \
    CHANNEL(webhook)

#define CHANNEL(name) extern const nb_channel_kind nb_##name##_channel;
CHANNELS
#undef CHANNEL

#define CHANNEL(name) &nb_##name##_channel,
static const nb_channel_kind *const kinds[] = {CHANNELS};
#undef CHANNEL

#define KIND_COUNT (sizeof kinds / sizeof kinds[0])

const nb_channel_kind *nb_channel_kind_find(const char *type)
{
    for (size_t i = 0; i < KIND_COUNT; i++)
        if (strcmp(kinds[i]->type, type) == 0)
            return kinds[i];
    return NULL;
}

const char *const *nb_channel_types(void)
{
    static const char *names[KIND_COUNT + 3] = {"stdout", "file"};
    for (size_t i = 0; i < KIND_COUNT; i++)
        names[2 + i] = kinds[i]->type;
    return names;
}
