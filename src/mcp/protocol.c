/* SPDX-License-Identifier: MIT */
/* MCP's JSON-RPC 2.0 layer: one message in, at most one answer out. Checks the envelope,
 * answers initialize, ping, tools/list, tools/call, resources/list, resources/read and
 * resources/templates/list, and turns each failure into the code the specification gives
 * it. The server holds only copies of configuration; each call names the store connection
 * to read, so the HTTP transport's threads answer at once, each on its own connection. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/limits.h"
#include "core/redact.h"
#include "core/memory.h"
#include "mcp/mcp_internal.h"

const char *const nb_mcp_protocol_versions[] = {"2025-11-25", "2025-06-18", NULL};

enum {
    RPC_PARSE_ERROR = -32700,
    RPC_INVALID_REQUEST = -32600,
    RPC_METHOD_NOT_FOUND = -32601,
    RPC_INVALID_PARAMS = -32602,
    RPC_INTERNAL_ERROR = -32603,
};

int nb_mcp_version_supported(const char *version)
{
    for (size_t i = 0; version && nb_mcp_protocol_versions[i]; i++)
        if (!strcmp(version, nb_mcp_protocol_versions[i]))
            return 1;
    return 0;
}

nb_mcp *nb_mcp_new(const nb_config *config)
{
    nb_mcp *mcp = nb_xcalloc(1, sizeof *mcp);
    mcp->timezone = nb_xstrdup(config->timezone ? config->timezone : "UTC");
    nb_errbuf err;
    if (nb_zone_load(mcp->timezone, &mcp->zone, &err) != NB_OK &&
        nb_zone_load("UTC", &mcp->zone, &err) != NB_OK)
        abort(); /* the configuration's zone was checked at load; UTC is always there */
    mcp->sources = nb_xcalloc(config->source_count + 1, sizeof *mcp->sources);
    for (size_t i = 0; i < config->source_count; i++) {
        mcp->sources[i].name = nb_xstrdup(config->sources[i].name);
        mcp->sources[i].type = nb_xstrdup(config->sources[i].type);
        mcp->sources[i].enabled = config->sources[i].enabled;
    }
    mcp->source_count = config->source_count;
    mcp->allow_actions = config->mcp.allow_actions;
    pthread_mutex_init(&mcp->action_lock, NULL);
    return mcp;
}

void nb_mcp_free(nb_mcp *mcp)
{
    if (!mcp)
        return;
    for (size_t i = 0; i < mcp->source_count; i++) {
        free(mcp->sources[i].name);
        free(mcp->sources[i].type);
    }
    free(mcp->sources);
    free(mcp->timezone);
    nb_zone_free(mcp->zone);
    pthread_mutex_destroy(&mcp->action_lock);
    free(mcp);
}

void nb_mcp_set_actions(nb_mcp *mcp, nb_mcp_action_fn fn, void *ctx)
{
    mcp->action = fn;
    mcp->action_ctx = ctx;
}

/* The answer's text with every configured secret masked. */
static char *dump_redacted(json_t *answer)
{
    nb_redact_json(answer);
    return nb_json_dump(answer);
}

static char *error_answer(json_t *id, int code, const char *message, json_t *data)
{
    json_t *error = json_pack("{s:i, s:s}", "code", code, "message", message);
    if (data)
        json_object_set_new(error, "data", data);
    json_t *answer =
        json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error", error);
    char *text = dump_redacted(answer);
    json_decref(answer);
    return text;
}

static char *result_answer(json_t *id, json_t *result)
{
    json_t *answer = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result", result);
    char *text = dump_redacted(answer);
    json_decref(answer);
    return text;
}

static json_t *initialize(json_t *params)
{
    const char *asked = json_string_value(json_object_get(params, "protocolVersion"));
    const char *version = nb_mcp_version_supported(asked) ? asked : nb_mcp_protocol_versions[0];
    return json_pack("{s:s, s:{s:{s:b}, s:{s:b, s:b}}, s:{s:s, s:s, s:s}, s:s}", "protocolVersion",
                     version, "capabilities", "tools", "listChanged", 0, "resources", "subscribe",
                     0, "listChanged", 0, "serverInfo", "name", "newsbrief", "title",
                     "newsbrief news archive", "version", NB_VERSION, "instructions",
                     "An archive of AI news briefings: items with summaries, merged stories and "
                     "the briefings as delivered. Call resolve_date_range first to turn words "
                     "such as 今天 or 'last 7 days' into dates; search_items searches Chinese "
                     "and English titles and summaries.");
}

/* A method's result, or NULL with *code and message set. */
static json_t *dispatch(mcp_call *mcp, const char *method, json_t *params, int *code,
                        nb_errbuf *err)
{
    if (!strcmp(method, "initialize"))
        return initialize(params);
    if (!strcmp(method, "ping"))
        return json_object();
    if (!strcmp(method, "tools/list"))
        return nb_mcp_tools_list(mcp);
    if (!strcmp(method, "tools/call")) {
        json_t *result = nb_mcp_tools_call(mcp, params, err);
        if (!result)
            *code = RPC_INVALID_PARAMS;
        return result;
    }
    if (!strcmp(method, "resources/list") || !strcmp(method, "resources/read") ||
        !strcmp(method, "resources/templates/list")) {
        json_t *result = nb_mcp_resources(mcp, method, params, code, err);
        return result;
    }
    *code = RPC_METHOD_NOT_FOUND;
    nb_errf(err, NB_ERR_USAGE, "unknown method \"%s\"", method);
    return NULL;
}

nb_mcp_outcome nb_mcp_handle(const nb_mcp *server, nb_store *store, const char *message, size_t len,
                             char **reply)
{
    mcp_call call = {server, store};
    *reply = NULL;
    json_t *msg = NULL;
    nb_errbuf err = {{0}};
    nb_mcp_outcome outcome = NB_MCP_ANSWER;
    if (nb_json_parse(message, len, &msg, &err) != NB_OK) {
        *reply = error_answer(NULL, RPC_PARSE_ERROR, err.msg, NULL);
        return NB_MCP_PARSE_ERROR;
    }
    if (json_is_array(msg)) {
        *reply = error_answer(NULL, RPC_INVALID_REQUEST,
                              "batches are not accepted: send one message at a time", NULL);
        outcome = NB_MCP_INVALID;
        goto out;
    }
    json_t *id = json_object_get(msg, "id");
    const char *version = json_string_value(json_object_get(msg, "jsonrpc"));
    json_t *method = json_object_get(msg, "method");
    if (!json_is_object(msg) || !version || strcmp(version, "2.0") != 0) {
        *reply =
            error_answer(json_is_string(id) || json_is_integer(id) ? id : NULL, RPC_INVALID_REQUEST,
                         "not a JSON-RPC 2.0 message (\"jsonrpc\": \"2.0\")", NULL);
        outcome = NB_MCP_INVALID;
        goto out;
    }
    if (!method && (json_object_get(msg, "result") || json_object_get(msg, "error"))) {
        outcome = NB_MCP_NO_ANSWER; /* a response to a request we never make: ignored */
        goto out;
    }
    if (!json_is_string(method) || (id && !json_is_string(id) && !json_is_integer(id))) {
        *reply = error_answer(
            json_is_string(id) || json_is_integer(id) ? id : NULL, RPC_INVALID_REQUEST,
            "a request needs a string \"method\" and a string or integer \"id\"", NULL);
        outcome = NB_MCP_INVALID;
        goto out;
    }
    json_t *params = json_object_get(msg, "params");
    if (params && !json_is_object(params)) {
        if (id)
            *reply = error_answer(id, RPC_INVALID_PARAMS, "\"params\" must be an object", NULL);
        outcome = id ? NB_MCP_ANSWER : NB_MCP_NO_ANSWER;
        goto out;
    }
    if (!id) { /* a notification (notifications/initialized, cancelled ...): no answer */
        outcome = NB_MCP_NO_ANSWER;
        goto out;
    }
    int code = RPC_INTERNAL_ERROR;
    json_t *result = dispatch(&call, json_string_value(method), params, &code, &err);
    if (result)
        *reply = result_answer(id, result);
    else
        *reply = error_answer(id, code, err.msg[0] ? err.msg : "internal error", NULL);
out:
    json_decref(msg);
    return outcome;
}
