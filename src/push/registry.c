/* SPDX-License-Identifier: MIT */
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

/* The keys of each type beyond every channel's (selection and pages), and of every chat
 * platform's (delivery pacing). */
static const struct {
    const char *type;
    const char *const keys[10];
} type_keys[] = {
    {"file", {"path"}},
    {"wecom", {"url", "images", "mode", "proxy"}},
    {"feishu", {"url", "secret", "format", "proxy"}},
    {"dingtalk", {"url", "secret", "proxy"}},
    {"telegram", {"token", "chat_id", "api_base", "photos", "proxy"}},
    {"slack", {"url", "proxy"}},
    {"discord", {"url", "proxy"}},
    {"email", {"smtp_url", "username", "password", "from", "to", "ca_file", "subject", "starttls"}},
    {"ntfy", {"url", "token", "proxy"}},
    {"webhook", {"url", "secret", "template", "proxy"}},
};

static int listed(const char *const *keys, size_t n, const char *key)
{
    for (size_t i = 0; i < n && keys[i]; i++)
        if (strcmp(keys[i], key) == 0)
            return 1;
    return 0;
}

int nb_channel_key_applies(const char *type, const char *key)
{
    static const char *const common[] = {
        "type",           "items_per_page", "only_new",         "keywords",
        "per_source_max", "max_items",      "min_summary_chars"};
    static const char *const chat[] = {"keyword",    "page_marker", "retry_floor", "max_attempts",
                                       "per_minute", "per_second",  "timeout"};
    if (listed(common, sizeof common / sizeof common[0], key))
        return 1;
    if (nb_channel_kind_find(type) && listed(chat, sizeof chat / sizeof chat[0], key))
        return 1;
    for (size_t i = 0; i < sizeof type_keys / sizeof type_keys[0]; i++)
        if (strcmp(type_keys[i].type, type) == 0)
            return listed(type_keys[i].keys, 10, key);
    return 0;
}

const char *const *nb_channel_types(void)
{
    static const char *names[KIND_COUNT + 3] = {"stdout", "file"};
    for (size_t i = 0; i < KIND_COUNT; i++)
        names[2 + i] = kinds[i]->type;
    return names;
}
