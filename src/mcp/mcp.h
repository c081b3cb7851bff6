/* SPDX-License-Identifier: MIT */
/* The MCP server: newsbrief's archive (briefings, items, stories, sources) as Model Context
 * Protocol tools and resources for AI assistants. Transport-free: a transport hands in one
 * JSON-RPC message at a time and sends back what nb_mcp_handle returns (stdio in
 * app/cmd_mcp.c, Streamable HTTP in web/). Read-only unless the configuration allows
 * actions; every answer passes through the log's secret redaction. */
#ifndef NB_MCP_MCP_H
#define NB_MCP_MCP_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "store/store.h"

typedef struct nb_mcp nb_mcp;

/* Runs one action tool (run_now, send_briefing) for the server: kind is the tool name,
 * arg its argument (schedule name, or "<briefing id> <channel>"). Fills *summary with one
 * line for the model (caller frees). Supplied by the program, which owns the pipeline. */
typedef nb_err (*nb_mcp_action_fn)(void *ctx, const char *kind, const char *arg, char **summary,
                                   nb_errbuf *err);

/* Copies what it needs of config (which the caller may free afterwards). Never fails. */
nb_mcp *nb_mcp_new(const nb_config *config);
void nb_mcp_free(nb_mcp *mcp); /* NULL-safe */

/* Enables the action tools (when the configuration allows them) through fn. */
void nb_mcp_set_actions(nb_mcp *mcp, nb_mcp_action_fn fn, void *ctx);

/* The protocol revisions spoken, newest first, NULL-terminated. */
extern const char *const nb_mcp_protocol_versions[];
/* Whether version is one of them. */
int nb_mcp_version_supported(const char *version);

/* What became of one message. */
typedef enum nb_mcp_outcome {
    NB_MCP_ANSWER,      /* *reply holds the answer to a request */
    NB_MCP_NO_ANSWER,   /* a notification or a response: nothing to send back */
    NB_MCP_PARSE_ERROR, /* not JSON: *reply holds the -32700 error */
    NB_MCP_INVALID,     /* not a JSON-RPC message, or a batch: *reply holds the -32600 error */
} nb_mcp_outcome;

/* Handles one JSON-RPC message of len bytes, reading the archive through store (only
 * read; one connection per thread). *reply is the answer as one line of JSON without a
 * newline (caller frees), or NULL for NB_MCP_NO_ANSWER. Thread-safe: any number of calls
 * at once, each with its own store; actions run one at a time. */
nb_mcp_outcome nb_mcp_handle(const nb_mcp *mcp, nb_store *store, const char *message, size_t len,
                             char **reply);

#endif
