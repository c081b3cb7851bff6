/* SPDX-License-Identifier: MIT */
/* MCP resources: each briefing and item of the archive as a Markdown document under
 * newsbrief://briefing/{id} and newsbrief://item/{id}; resources/list names the latest
 * briefings. */
#include <stdlib.h>
#include <string.h>

#include "core/memory.h"
#include "mcp/mcp_internal.h"

enum { RPC_INVALID_PARAMS = -32602 };

static json_t *templates(void)
{
    return json_pack(
        "{s:[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]}", "resourceTemplates", "uriTemplate",
        "newsbrief://briefing/{id}", "name", "briefing", "description",
        "one briefing as it was delivered (id as in list_briefings, e.g. 2025-04-07-2046)",
        "mimeType", "text/markdown", "uriTemplate", "newsbrief://item/{id}", "name", "item",
        "description", "one news item with its summary and the other reports of its story",
        "mimeType", "text/markdown");
}

json_t *nb_mcp_resources(mcp_call *mcp, const char *method, json_t *params, int *code,
                         nb_errbuf *err)
{
    if (!strcmp(method, "resources/templates/list"))
        return templates();
    if (!strcmp(method, "resources/list"))
        return nb_mcp_resource_list(mcp, err);
    const char *uri = json_string_value(json_object_get(params, "uri"));
    if (!uri) {
        *code = RPC_INVALID_PARAMS;
        nb_errf(err, NB_ERR_USAGE, "resources/read needs \"uri\"");
        return NULL;
    }
    char *text = NULL;
    nb_err rc = nb_mcp_resource_read(mcp, uri, &text, err);
    if (rc != NB_OK) {
        *code = RPC_INVALID_PARAMS;
        return NULL;
    }
    json_t *result = json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
                               "text/markdown", "text", text);
    free(text);
    return result;
}
