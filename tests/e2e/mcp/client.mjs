// SPDX-License-Identifier: MIT
// The official MCP SDK's client against newsbrief's MCP server, for the end-to-end test.
// usage: node client.mjs stdio NEWSBRIEF CONFIG CALLS.json
//        node client.mjs http URL TOKEN CALLS.json
// Connects (initialize + notifications/initialized), lists tools and resource templates,
// makes each call of CALLS.json ([{"tool": name, "arguments": {...}}, ...]; the SDK checks
// every structuredContent against the tool's outputSchema), reads the resources named in
// it ({"resource": uri}), and prints one JSON document with what it saw on stdout.
import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [mode, target, extra, callsFile] = process.argv.slice(2);
const calls = JSON.parse(readFileSync(callsFile, "utf8"));
let transport;
if (mode === "stdio") {
  transport = new StdioClientTransport({ command: target, args: ["mcp", "--config", extra], env: process.env, stderr: "inherit" });
} else {
  const headers = extra ? { Authorization: `Bearer ${extra}` } : {};
  transport = new StreamableHTTPClientTransport(new URL(target), { requestInit: { headers } });
}
const client = new Client({ name: "newsbrief-e2e", version: "1.0.0" });
const out = { calls: [] };
try {
  await client.connect(transport);
  out.server = client.getServerVersion();
  out.capabilities = client.getServerCapabilities();
  out.protocolVersion = transport.protocolVersion ?? null;
  out.tools = (await client.listTools()).tools;
  out.templates = (await client.listResourceTemplates()).resourceTemplates;
  out.resources = (await client.listResources()).resources;
  for (const call of calls) {
    try {
      if (call.resource) {
        const r = await client.readResource({ uri: call.resource });
        out.calls.push({ resource: call.resource, ok: true, result: r });
      } else {
        const r = await client.callTool({ name: call.tool, arguments: call.arguments ?? {} });
        out.calls.push({ tool: call.tool, ok: true, result: r });
      }
    } catch (e) {
      out.calls.push({ tool: call.tool, resource: call.resource, ok: false, error: String(e?.message ?? e), code: e?.code ?? null });
    }
  }
  await client.close();
} catch (e) {
  out.fatal = String(e?.stack ?? e);
}
// Exit only once the whole answer is written: a pipe takes it asynchronously.
process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(out.fatal ? 1 : 0));
