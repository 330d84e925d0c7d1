// Starts the real schedulerd jar and connects the official TypeScript MCP client to it.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { spawn } from "node:child_process";
import { mkdtempSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const JAR = resolve(here, "../../mcp-server/target/schedulerd.jar");

function javaBinary() {
  const home = process.env.JAVA_HOME;
  if (!home) {
    throw new Error("JAVA_HOME must name a JDK >= 21 (./test.sh sets it from .ci/find-jdk)");
  }
  return join(home, "bin", "java");
}

/**
 * The jar as a client starts it. Served in the client's process (--no-daemon) unless daemon is
 * true: then it is the thin front-end of the store's background daemon.
 */
export function serverCommand(storeArgs, { daemon = false } = {}) {
  if (!existsSync(JAR)) {
    throw new Error(`${JAR} is missing: build it first (./test.sh does)`);
  }
  return {
    command: javaBinary(),
    args: ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", JAR, ...storeArgs, ...(daemon ? [] : ["--no-daemon"])],
  };
}

/** Where the daemon of a test's HOME keeps its socket: a runtime folder of the test's own. */
export function runtimeDir(home) {
  const dir = join(home, "xdg");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Stops the background daemon a daemon-mode test started (its pid is in its lock file). */
export async function stopDaemon(home) {
  const pidFile = join(home, "xdg", "schedulerd", "default.daemon");
  if (!existsSync(pidFile)) {
    return;
  }
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  if (!pid) {
    return;
  }
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return; // gone already
  }
  await eventually(() => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }, 30000, `daemon ${pid} to stop`);
}

/** A fresh HOME, so that nothing touches the user's ~/.memory. */
export function freshHome() {
  return mkdtempSync(join(tmpdir(), "schedulerd-e2e-"));
}

/** An MCP client connected to a new schedulerd process. */
export async function connect({ home = freshHome(), store, extraArgs = [], daemon = false } = {}) {
  const storeArgs = daemon ? [] : ["--store", store ?? `sqlite:${join(home, "tasks.db")}`];
  const { command, args } = serverCommand([...storeArgs, ...extraArgs], { daemon });
  const stderr = [];
  const env = { ...process.env, HOME: home };
  if (daemon) {
    env.XDG_RUNTIME_DIR = runtimeDir(home); // the default store, its daemon this test's own
  }
  const transport = new StdioClientTransport({
    command,
    args,
    env,
    stderr: "pipe",
  });
  transport.stderr?.on("data", (chunk) => stderr.push(chunk.toString()));
  const client = new Client({ name: "schedulerd-e2e", version: "1.0.0" }, { capabilities: {} });
  await client.connect(transport);
  await client.listTools(); // lets the client validate structuredContent against outputSchema
  return { client, home, transport, stderr: () => stderr.join("") };
}

/** Calls a tool and returns its structuredContent; fails on isError. */
export async function ok(client, name, args = {}) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) {
    throw new Error(`${name} failed: ${result.content?.[0]?.text}`);
  }
  return result.structuredContent;
}

/** Calls a tool that must fail and returns its message. */
export async function refused(client, name, args = {}) {
  const result = await client.callTool({ name, arguments: args });
  if (!result.isError) {
    throw new Error(`${name} should have failed but returned ${JSON.stringify(result.structuredContent)}`);
  }
  return result.content[0].text;
}

/** Polls until check() returns a truthy value, at most timeoutMs. */
export async function eventually(check, timeoutMs = 15000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The jar as a raw child process, for what a well-behaved client never does. */
export function spawnRaw({ home = freshHome(), storeArgs } = {}) {
  const { command, args } = serverCommand(storeArgs ?? ["--store", `sqlite:${join(home, "tasks.db")}`]);
  const child = spawn(command, args, { env: { ...process.env, HOME: home }, stdio: ["pipe", "pipe", "pipe"] });
  const lines = [];
  let buffer = "";
  const waiters = [];
  child.stdout.on("data", (chunk) => {
    buffer += chunk.toString();
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(JSON.parse(line));
      waiters.splice(0).forEach((w) => w());
    }
  });
  const exited = new Promise((resolveExit) => child.on("exit", (code, signal) => resolveExit({ code, signal })));
  return {
    child,
    exited,
    send: (text) => child.stdin.write(text + "\n"),
    /** The next message matching predicate. */
    async message(predicate, timeoutMs = 15000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find(predicate);
        if (found) {
          return found;
        }
        if (Date.now() > deadline) {
          throw new Error(`no matching message; got ${JSON.stringify(lines)}`);
        }
        await new Promise((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
  };
}

export const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});
