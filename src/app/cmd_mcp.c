/* SPDX-License-Identifier: MIT */
/* `newsbrief mcp`: the MCP server over stdio. One JSON-RPC message per line on standard
 * input, one answer per line on standard output and nothing else there (logs go to
 * stderr); ends when standard input closes. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/memory.h"
#include "mcp/mcp.h"

/* Reads one line of at most NB_LIMIT_JSON_BYTES; a longer one is read to its end and
 * reported through *too_long. Returns the length, or -1 at the end of input. */
static long read_line(FILE *in, char **line, size_t *cap, int *too_long)
{
    size_t len = 0;
    int c;
    *too_long = 0;
    while ((c = getc(in)) != EOF && c != '\n') {
        if (len >= NB_LIMIT_JSON_BYTES) {
            *too_long = 1;
            continue;
        }
        if (len + 1 >= *cap) {
            *cap = *cap ? *cap * 2 : 4096;
            *line = realloc(*line, *cap);
            if (!*line)
                abort();
        }
        (*line)[len++] = (char)c;
    }
    if (c == EOF && len == 0 && !*too_long)
        return -1;
    if (*line)
        (*line)[len] = '\0';
    return (long)len;
}

/* The action tools: a run as `newsbrief run` makes it, its stdout channels captured so
 * that nothing but MCP reaches standard output. */
/* The action tools, run as the CLI would run them; what stdout channels print is captured,
 * so that nothing but MCP reaches standard output. */
static nb_err act(void *ctx, const char *kind, const char *arg, char **summary, nb_errbuf *err)
{
    const nb_config *config = ctx;
    char *captured = NULL;
    size_t captured_len = 0;
    FILE *out = open_memstream(&captured, &captured_len);
    if (!out)
        return nb_errf(err, NB_ERR_INTERNAL, "cannot capture the run's output");
    nb_err rc = NB_OK;
    if (!strcmp(kind, "send_briefing")) {
        char slug[128] = "", channel[128] = "";
        if (sscanf(arg, "%127s %127s", slug, channel) != 2)
            rc = nb_errf(err, NB_ERR_USAGE, "send_briefing needs a briefing id and a channel");
        else
            rc = nb_pipeline_send_briefing(config, slug, channel, out, summary, err);
        if (rc == NB_ERR_USAGE)
            nb_err_prefix(err, "send_briefing");
    } else if (arg) {
        rc = nb_errf(err, NB_ERR_USAGE,
                     "run_now does not take a schedule (\"%s\"): call it without one; it runs "
                     "every source and channel",
                     arg);
    } else {
        if (nb_pipeline_run(config, 0, out) != NB_OK)
            rc = nb_errf(err, NB_ERR_NETWORK,
                         "the run failed: see `newsbrief sources` and `newsbrief outbox` on the "
                         "server for the cause");
        else
            *summary = nb_xstrdup("the run finished: new items stored and briefings delivered "
                                  "as configured (standard-output channels are not shown)");
    }
    fclose(out);
    free(captured);
    return rc;
}

static nb_err mcp_main(const nb_cli *cli, int argc, char **argv)
{
    nb_config *config = NULL;
    nb_err loaded = nb_app_config(cli, &config);
    if (loaded != NB_OK)
        return loaded;
    nb_errbuf err;
    nb_store *store = NULL;
    nb_err open_rc = nb_store_open(config->database, &store, &err);
    if (open_rc != NB_OK) {
        fprintf(stderr, "newsbrief mcp: %s\n", err.msg);
        nb_config_free(config);
        return nb_app_store_open_failed(open_rc);
    }
    signal(SIGPIPE, SIG_IGN);
    nb_mcp *mcp = nb_mcp_new(config);
    if (config->mcp.allow_actions)
        nb_mcp_set_actions(mcp, act, config);
    nb_log(NB_LOG_INFO, "mcp", "serving the archive over stdio database=%s", config->database);
    char *line = NULL;
    size_t cap = 0;
    int too_long;
    long len;
    while ((len = read_line(stdin, &line, &cap, &too_long)) >= 0) {
        if (too_long) {
            fprintf(stdout,
                    "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":"
                    "\"message longer than %u bytes\"}}\n",
                    (unsigned)NB_LIMIT_JSON_BYTES);
            fflush(stdout);
            continue;
        }
        size_t start = 0;
        while (start < (size_t)len && strchr(" \t\r", line[start]))
            start++;
        if (start == (size_t)len)
            continue; /* blank lines between messages are harmless */
        char *reply = NULL;
        nb_mcp_handle(mcp, store, line + start, (size_t)len - start, &reply);
        if (reply) {
            fputs(reply, stdout);
            fputc('\n', stdout);
            if (fflush(stdout) != 0) {
                free(reply);
                break; /* the client went away */
            }
            free(reply);
        }
    }
    free(line);
    nb_mcp_free(mcp);
    nb_store_close(store);
    nb_config_free(config);
    return NB_OK;
}

const nb_command nb_cmd_mcp = {
    .name = "mcp",
    .summary = "serve the archive to AI assistants (MCP over stdio)",
    .usage = "Speaks the Model Context Protocol on standard input and output: one JSON-RPC\n"
             "message per line in, one answer per line out, logs on stderr. Ends when\n"
             "standard input closes. Tools: search_items, latest_items, list_briefings,\n"
             "get_briefing, get_item, related_items, list_sources, resolve_date_range (and\n"
             "run_now, send_briefing with `mcp: {allow_actions: true}`). See docs/MCP.md.\n\n"
             "options:\n"
             "  -c, --config FILE  configuration file\n"
             "  -h, --help         this help\n",
    .main = mcp_main,
    .options = 0,
};
