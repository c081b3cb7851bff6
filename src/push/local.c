/* SPDX-License-Identifier: MIT */
/* Local channels and checks: stdout, and a file written atomically (temporary file, then rename),
 * so a reader never sees half a briefing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brief/brief.h"
#include "core/memory.h"
#include "push/channel.h"
#include "push/push.h"

nb_err nb_push_check(const nb_channel_config *channel, nb_errbuf *err)
{
    if (strcmp(channel->type, "file") == 0 && (!channel->path || !*channel->path))
        return nb_errf(err, NB_ERR_CONFIG, "\"path\" is required for type file");
    const nb_channel_kind *kind = nb_channel_kind_find(channel->type);
    return kind && kind->check ? kind->check(channel, err) : NB_OK;
}

int nb_push_is_local(const nb_channel_config *channel)
{
    return !strcmp(channel->type, "stdout") || !strcmp(channel->type, "file");
}

nb_err nb_push_write_file(const char *path, const char *text, nb_errbuf *err)
{
    char *tmp = nb_xasprintf("%s.tmp.%ld", path, (long)getpid());
    nb_err rc = NB_OK;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        rc = nb_errf(err, NB_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    size_t len = strlen(text);
    int failed = fwrite(text, 1, len, f) != len;
    failed |= fclose(f) != 0;
    if (failed) {
        rc = nb_errf(err, NB_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, path) != 0) {
        rc = nb_errf(err, NB_ERR_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
    }
out:
    free(tmp);
    return rc;
}

nb_err nb_push_local(const nb_channel_config *channel, char *const *pages, size_t page_count,
                     FILE *stdout_stream, nb_errbuf *err)
{
    char *text = nb_brief_join(pages, page_count);
    nb_err rc = NB_OK;
    if (strcmp(channel->type, "file") == 0) {
        rc = nb_push_write_file(channel->path, text, err);
    } else if (strcmp(channel->type, "stdout") == 0) {
        if (fputs(text, stdout_stream) == EOF || fflush(stdout_stream) != 0)
            rc = nb_errf(err, NB_ERR_IO, "cannot write to standard output");
    } else {
        rc = nb_errf(err, NB_ERR_CONFIG, "unknown channel type %s", channel->type);
    }
    free(text);
    return rc;
}
