/* SPDX-License-Identifier: MIT */
/* /mcp: the MCP server over Streamable HTTP. Each JSON-RPC message comes as one POST; a
 * request is answered with application/json, a notification or a response with 202 and no
 * body; GET (the server-push stream) is 405. A browser page of another origin is refused
 * (403), and so is a protocol revision we do not speak (400). */
#include <string.h>
#include <strings.h>

#include "mcp/mcp.h"
#include "web/web_private.h"

/* The authority ("host:port") of an http(s) URL, into out; 0 when it has none. */
static int authority_of(const char *url, char *out, size_t n)
{
    const char *p = strstr(url, "://");
    if (!p)
        return 0;
    p += 3;
    size_t len = strcspn(p, "/?#");
    if (len == 0 || len >= n)
        return 0;
    memcpy(out, p, len);
    out[len] = '\0';
    return 1;
}

/* An Origin is ours when it names the host the request was sent to, or the configured
 * public address. A request without Origin (not from a browser) passes. */
static int origin_allowed(const char *origin, const char *host, const char *base_url)
{
    if (!origin)
        return 1;
    char authority[300];
    if (!authority_of(origin, authority, sizeof authority))
        return 0;
    if (host && !strcasecmp(authority, host))
        return 1;
    char own[300];
    return base_url && authority_of(base_url, own, sizeof own) && !strcasecmp(authority, own);
}

void nb_web_mcp(const nb_mcp *mcp, nb_store *store, const nb_web_mcp_request *q,
                nb_web_mcp_answer *a)
{
    memset(a, 0, sizeof *a);
    a->type = "application/json";
    if (!origin_allowed(q->origin, q->host, q->base_url)) {
        a->status = 403;
        a->text = "{\"error\":\"Origin not allowed: /mcp answers its own origin only\"}";
        return;
    }
    if (strcmp(q->method, "POST") != 0) {
        a->status = 405;
        a->allow = "POST";
        a->text = "{\"error\":\"/mcp takes one JSON-RPC message per POST; there is no "
                  "server-sent stream\"}";
        return;
    }
    if (q->protocol_version && !nb_mcp_version_supported(q->protocol_version)) {
        a->status = 400;
        a->text = "{\"error\":\"unsupported MCP-Protocol-Version (supported: 2025-11-25, "
                  "2025-06-18)\"}";
        return;
    }
    if (q->too_large) {
        a->status = 413;
        a->text = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":"
                  "\"message too large\"}}";
        return;
    }
    char *reply = NULL;
    switch (nb_mcp_handle(mcp, store, q->body ? q->body : "", q->body_len, &reply)) {
    case NB_MCP_ANSWER:
        a->status = 200;
        break;
    case NB_MCP_NO_ANSWER:
        a->status = 202;
        a->type = NULL;
        break;
    case NB_MCP_PARSE_ERROR:
    case NB_MCP_INVALID:
        a->status = 400;
        break;
    }
    a->owned = reply;
    a->text = reply ? reply : "";
}
