/* SPDX-License-Identifier: MIT */
/* The MCP tools: a table of read-only archive queries (and two actions, listed only when
 * the configuration allows them), each with its parameters declared once. The input schema
 * shown to clients and the check of every call's arguments are both made from that
 * declaration, so they cannot disagree. Results go out as structuredContent and as the same
 * JSON in a text block. */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/memory.h"
#include "core/time.h"
#include "mcp/mcp_internal.h"

#define LIMIT_DEFAULT 10

static json_t *param_schema(const mcp_param *p)
{
    json_t *schema = json_pack("{s:s, s:s}", "type", p->type == MCP_INTEGER ? "integer" : "string",
                               "description", p->description);
    if (p->type == MCP_INTEGER) {
        json_object_set_new(schema, "minimum", json_integer(p->min));
        json_object_set_new(schema, "maximum", json_integer(p->max));
    } else if (p->max > 0) {
        json_object_set_new(schema, "maxLength", json_integer(p->max));
    }
    return schema;
}

static json_t *input_schema(const mcp_tool *tool)
{
    json_t *properties = json_object();
    json_t *required = json_array();
    for (size_t i = 0; i < tool->param_count; i++) {
        json_object_set_new(properties, tool->params[i].name, param_schema(&tool->params[i]));
        if (tool->params[i].required)
            json_array_append_new(required, json_string(tool->params[i].name));
    }
    json_t *schema = json_pack("{s:s, s:o, s:b}", "type", "object", "properties", properties,
                               "additionalProperties", 0);
    if (json_array_size(required))
        json_object_set_new(schema, "required", required);
    else
        json_decref(required);
    return schema;
}

static int tool_listed(const mcp_call *mcp, const mcp_tool *tool)
{
    return !tool->action || (mcp->server->action && mcp->server->allow_actions);
}

json_t *nb_mcp_tools_list(mcp_call *mcp)
{
    json_t *tools = json_array();
    for (size_t i = 0; i < nb_mcp_tool_count; i++) {
        const mcp_tool *tool = &nb_mcp_tool_table[i];
        if (!tool_listed(mcp, tool))
            continue;
        json_error_t jerr;
        json_t *output = json_loads(tool->output_schema, 0, &jerr);
        if (!output)
            abort(); /* the table's own text: a programming error */
        json_t *entry = json_pack("{s:s, s:s, s:s, s:o, s:o}", "name", tool->name, "title",
                                  tool->title, "description", tool->description, "inputSchema",
                                  input_schema(tool), "outputSchema", output);
        json_object_set_new(entry, "annotations",
                            json_pack("{s:s, s:b, s:b, s:b}", "title", tool->title, "readOnlyHint",
                                      !tool->action, "destructiveHint", 0, "openWorldHint",
                                      tool->action));
        json_array_append_new(tools, entry);
    }
    return json_pack("{s:o}", "tools", tools);
}

/* Checks args against the tool's parameters: no unknown names, required ones present,
 * types and ranges right. */
static nb_err check_arguments(const mcp_tool *tool, json_t *args, nb_errbuf *err)
{
    const char *key;
    json_t *value;
    json_object_foreach(args, key, value)
    {
        const mcp_param *p = NULL;
        for (size_t i = 0; i < tool->param_count && !p; i++)
            if (!strcmp(tool->params[i].name, key))
                p = &tool->params[i];
        if (!p)
            return nb_errf(err, NB_ERR_USAGE, "%s: unknown argument \"%s\"", tool->name, key);
        if (json_is_null(value) && !p->required)
            continue;
        if (p->type == MCP_INTEGER) {
            if (!json_is_integer(value))
                return nb_errf(err, NB_ERR_USAGE, "%s: argument \"%s\" must be an integer, not %s",
                               tool->name, key, nb_json_type_name(value));
            json_int_t n = json_integer_value(value);
            if (n < p->min || n > p->max)
                return nb_errf(err, NB_ERR_USAGE, "%s: argument \"%s\" must be %lld to %lld",
                               tool->name, key, (long long)p->min, (long long)p->max);
        } else {
            if (!json_is_string(value))
                return nb_errf(err, NB_ERR_USAGE, "%s: argument \"%s\" must be a string, not %s",
                               tool->name, key, nb_json_type_name(value));
            if (p->max > 0 && json_string_length(value) > (size_t)p->max)
                return nb_errf(err, NB_ERR_USAGE, "%s: argument \"%s\" is longer than %lld bytes",
                               tool->name, key, (long long)p->max);
        }
    }
    for (size_t i = 0; i < tool->param_count; i++) {
        json_t *v = json_object_get(args, tool->params[i].name);
        if (tool->params[i].required && (!v || json_is_null(v)))
            return nb_errf(err, NB_ERR_USAGE, "%s: argument \"%s\" is required", tool->name,
                           tool->params[i].name);
    }
    return NB_OK;
}

static json_t *text_result(const char *text, int is_error)
{
    return json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", text, "isError",
                     is_error);
}

json_t *nb_mcp_tools_call(mcp_call *mcp, json_t *params, nb_errbuf *err)
{
    const char *name = json_string_value(json_object_get(params, "name"));
    if (!name) {
        nb_errf(err, NB_ERR_USAGE, "tools/call needs \"name\", the tool to call");
        return NULL;
    }
    const mcp_tool *tool = NULL;
    for (size_t i = 0; i < nb_mcp_tool_count && !tool; i++)
        if (!strcmp(nb_mcp_tool_table[i].name, name) && tool_listed(mcp, &nb_mcp_tool_table[i]))
            tool = &nb_mcp_tool_table[i];
    if (!tool) {
        nb_errf(err, NB_ERR_USAGE, "unknown tool \"%s\" (see tools/list)", name);
        return NULL;
    }
    json_t *args = json_object_get(params, "arguments");
    json_t *empty = NULL;
    if (!args)
        args = empty = json_object();
    if (!json_is_object(args)) {
        nb_errf(err, NB_ERR_USAGE, "%s: \"arguments\" must be an object", name);
        return NULL;
    }
    json_t *result = NULL;
    if (check_arguments(tool, args, err) != NB_OK)
        goto out;
    nb_errbuf failure = {{0}};
    json_t *structured = NULL;
    nb_err rc = tool->call(mcp, args, &structured, &failure);
    if (rc == NB_ERR_USAGE) { /* the arguments fit the schema but not each other */
        snprintf(err->msg, sizeof err->msg, "%s", failure.msg);
    } else if (rc != NB_OK) {
        result = text_result(failure.msg, 1);
    } else {
        char *text = nb_json_dump(structured);
        result = text_result(text, 0);
        free(text);
        json_object_set_new(result, "structuredContent", structured);
    }
out:
    json_decref(empty);
    return result;
}

/* Argument access for the tools, after check_arguments. */
const char *nb_mcp_arg_string(json_t *args, const char *name)
{
    return json_string_value(json_object_get(args, name));
}

int64_t nb_mcp_arg_int(json_t *args, const char *name, int64_t fallback)
{
    json_t *v = json_object_get(args, name);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : fallback;
}

int64_t nb_mcp_arg_limit(json_t *args)
{
    return nb_mcp_arg_int(args, "limit", LIMIT_DEFAULT);
}
