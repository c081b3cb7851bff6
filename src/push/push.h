/* Delivery: handing a rendered briefing to a channel. This module holds the channel
 * registry and the local channels (stdout, file); chat platforms join it one file each. */
#ifndef NB_PUSH_PUSH_H
#define NB_PUSH_PUSH_H

#include <stddef.h>
#include <stdio.h>

#include "core/config.h"
#include "core/err.h"

/* Every channel type, NULL-terminated (for the configuration vocabulary). */
extern const char *const nb_channel_types[];

/* Checks the settings a channel's type needs. */
nb_err nb_push_check(const nb_channel_config *channel, nb_errbuf *err) NB_MUST_CHECK;

/* Delivers the pages of one briefing. stdout_stream receives type stdout. */
nb_err nb_push_deliver(const nb_channel_config *channel, char *const *pages, size_t page_count,
                       FILE *stdout_stream, nb_errbuf *err) NB_MUST_CHECK;

#endif
