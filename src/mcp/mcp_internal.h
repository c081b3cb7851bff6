/* SPDX-License-Identifier: MIT */
/* Shared by the files of src/mcp/ only: the server's state, the tool and resource entry
 * points the protocol layer dispatches to, and the date-range resolver. */
#ifndef NB_MCP_INTERNAL_H
#define NB_MCP_INTERNAL_H

#include <jansson.h>
#include <pthread.h>

#include "core/zone.h"
#include "mcp/mcp.h"

/* A configured source, as the tools name it. */
typedef struct nb_mcp_source {
    char *name, *type;
    int enabled;
} nb_mcp_source;

/* What the server keeps of the configuration (copied), and the actions' callback. */
struct nb_mcp {
    char *timezone; /* the display zone's name */
    nb_zone *zone;  /* that zone (UTC when it cannot be read) */
    nb_mcp_source *sources;
    size_t source_count;
    int allow_actions;
    nb_mcp_action_fn action; /* run_now / send_briefing, or NULL */
    void *action_ctx;
    pthread_mutex_t action_lock; /* one action at a time */
};

/* One message being handled: the server and the store connection it reads. */
typedef struct mcp_call {
    const nb_mcp *server;
    nb_store *store;
} mcp_call;

/* A tool's parameter: the input schema and the check of each call come from it. */
typedef enum mcp_param_type { MCP_STRING, MCP_INTEGER } mcp_param_type;
typedef struct mcp_param {
    const char *name;
    mcp_param_type type;
    int required;
    const char *description;
    int64_t min, max; /* integers: the range; strings: max is the length cap (0: none) */
} mcp_param;

typedef struct mcp_tool {
    const char *name, *title, *description;
    const mcp_param *params;
    size_t param_count;
    const char *output_schema; /* JSON Schema text of structuredContent */
    int action;                /* changes something: listed only with mcp.allow_actions */
    /* Fills *result (structuredContent). NB_ERR_USAGE: arguments that fit the schema but not
     * each other (-32602); another error: a run-time failure told to the model (isError). */
    nb_err (*call)(mcp_call *mcp, json_t *args, json_t **result, nb_errbuf *err);
} mcp_tool;

extern const mcp_tool nb_mcp_tool_table[];
extern const size_t nb_mcp_tool_count;

/* Arguments, once checked: a string or NULL; an integer or the fallback; limit (default 10). */
const char *nb_mcp_arg_string(json_t *args, const char *name);
int64_t nb_mcp_arg_int(json_t *args, const char *name, int64_t fallback);
int64_t nb_mcp_arg_limit(json_t *args);

/* tools/list's result. */
json_t *nb_mcp_tools_list(mcp_call *mcp);
/* tools/call's result; NULL with err for an unknown tool or arguments that do not fit its
 * input schema (-32602). A tool failing at run time gives a result with isError: true. */
json_t *nb_mcp_tools_call(mcp_call *mcp, json_t *params, nb_errbuf *err);
/* resources/list, resources/read and resources/templates/list; NULL with *code and err set
 * on failure. */
json_t *nb_mcp_resources(mcp_call *mcp, const char *method, json_t *params, int *code,
                         nb_errbuf *err);

/* resources/list's result (the latest briefings); resources/read's text for a
 * newsbrief:// URI (caller frees), NB_ERR_USAGE when the URI names nothing stored. */
json_t *nb_mcp_resource_list(mcp_call *mcp, nb_errbuf *err);
nb_err nb_mcp_resource_read(mcp_call *mcp, const char *uri, char **text,
                            nb_errbuf *err) NB_MUST_CHECK;

/* A span of whole local days. */
typedef struct nb_mcp_range {
    char from[16], to[16]; /* "2025-04-07", both days included */
    int64_t start,
        end; /* UTC instants: the first day's local midnight, the one after the last day */
    int days;
} nb_mcp_range;

/* Reads expression (今天, 昨天, 前天, 本周, 上周, 本月, 上月, 最近N天, today, yesterday, this
 * week, last week, this month, last month, last N days, YYYY-MM-DD, YYYY-MM-DD..YYYY-MM-DD)
 * relative to now in the display zone. NB_ERR_USAGE with a message listing the forms. */
nb_err nb_mcp_date_range(const char *expression, const nb_zone *zone, int64_t now,
                         nb_mcp_range *out, nb_errbuf *err) NB_MUST_CHECK;

#endif
