// The README's client snippets (Claude Desktop and Cursor, VS Code, Claude Code), taken from the
// README itself: each has the shape its client reads, and the server it names is started by the
// official TypeScript client, all three on the one background daemon.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { readFileSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { ok, freshHome, runtimeDir, stopDaemon } from "./harness.mjs";

const checkout = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const PLACEHOLDER = "/home/me/schedulerd/schedulerd";

/** The code blocks of the README's "Connect a client" section, with their languages. */
function snippets() {
  const readme = readFileSync(join(checkout, "README.md"), "utf8");
  const start = readme.indexOf("### Connect a client");
  assert.ok(start >= 0, "README has a 'Connect a client' section");
  const end = readme.indexOf("\n### ", start + 1);
  const section = readme.slice(start, end);
  return [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, language, body]) => ({ language, body }));
}

/** The server a snippet configures, as { command, args }. */
function serverOf(snippet) {
  if (snippet.language === "json") {
    const config = JSON.parse(snippet.body);
    if (config.servers) { // VS Code
      const server = config.servers.schedulerd;
      assert.equal(server.type, "stdio", "VS Code needs the transport type");
      return { client: "vscode", command: server.command, args: server.args ?? [] };
    }
    const server = config.mcpServers.schedulerd; // Claude Desktop, Cursor
    assert.equal(server.type, undefined);
    return { client: "claude-desktop", command: server.command, args: server.args ?? [] };
  }
  const words = snippet.body.trim().split(/\s+/); // claude mcp add [options] NAME -- COMMAND ARGS...
  assert.deepEqual(words.slice(0, 3), ["claude", "mcp", "add"]);
  const separator = words.indexOf("--");
  assert.equal(words[separator - 1], "schedulerd");
  return { client: "claude-code", command: words[separator + 1], args: words.slice(separator + 2) };
}

test("each client snippet of the README starts a server that works, all on one daemon", async () => {
  const servers = snippets().map(serverOf);
  assert.deepEqual(servers.map((s) => s.client).sort(), ["claude-code", "claude-desktop", "vscode"]);
  const home = freshHome();
  const env = { ...process.env, HOME: home, XDG_RUNTIME_DIR: runtimeDir(home) };
  const clients = [];
  try {
    for (const server of servers) {
      assert.equal(server.command, PLACEHOLDER, "the snippets show the placeholder path");
      const transport = new StdioClientTransport({
        command: join(checkout, "schedulerd"),
        args: server.args,
        env,
        stderr: "pipe",
      });
      const client = new Client({ name: server.client, version: "1.0.0" }, { capabilities: {} });
      await client.connect(transport);
      await client.listTools();
      clients.push(client);
    }
    const [first, second, third] = clients;
    await ok(first, "scheduler_add_task", {
      task_id: "from-the-readme",
      task_type: "log",
      cron_expression: "30 9 * * 1-5",
      config: { message: "weekday mornings" },
    });
    const page = await ok(second, "scheduler_list_tasks", {});
    assert.ok(page.tasks.some((t) => t.task_id === "from-the-readme"), JSON.stringify(page));
    // The snippets' --zone Europe/Berlin reached the daemon: the cron fires at 09:30 Berlin time.
    const task = await ok(third, "scheduler_get_task", { task_id: "from-the-readme" });
    assert.match(JSON.stringify(task), /Europe\/Berlin/);
    const status = await ok(third, "scheduler_daemon_status");
    assert.equal(status.daemon.clients_connected, 3);
  } finally {
    for (const client of clients) {
      await client.close();
    }
    await stopDaemon(home);
  }
});
