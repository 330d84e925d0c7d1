// The client side of W6 and W7, driven by the Java harness (benchmarks/run W6 W7): spawns an MCP
// server over stdio and prints one JSON object of figures on stdout. Uses the official TypeScript
// SDK that the e2e suite installs (e2e/node_modules), as a real client would.
//
//   node benchmarks/mcp-client.mjs startup RUNS [cold] -- COMMAND ARGS...
//       spawn -> `initialize` answered, RUNS times after one warm-up: {"millis": [...]}; with
//       cold, the background daemons of $XDG_RUNTIME_DIR/schedulerd are stopped before each run,
//       so that each spawn starts its daemon too
//   node benchmarks/mcp-client.mjs ready EXPECTED_QUEUED -- COMMAND ARGS...
//       spawn -> initialize answered, and -> scheduler_daemon_status reports the daemon running
//       with at least EXPECTED_QUEUED queued tasks: {"initializeMillis": n, "readyMillis": n}
//   node benchmarks/mcp-client.mjs roundtrip TOOL SEQUENTIAL IN_FLIGHT SECONDS -- COMMAND ARGS...
//       After 500 warm-up calls, SEQUENTIAL calls of TOOL one after the other (latencies, "early");
//       then 10,000 more unmeasured, so that the JIT has compiled the server's whole path, and
//       SEQUENTIAL more measured ("steady"); then IN_FLIGHT calls kept in flight for SECONDS:
//       {"micros": [...], "steadyMicros": [...], "callsPerSecond": n, "failed": n}
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const sdk = createRequire(resolve(here, "../e2e/package.json"));
const { Client } = await import(sdk.resolve("@modelcontextprotocol/sdk/client/index.js"));
const { StdioClientTransport } = await import(sdk.resolve("@modelcontextprotocol/sdk/client/stdio.js"));

const argv = process.argv.slice(2);
const split = argv.indexOf("--");
if (split < 1 || split === argv.length - 1) {
  console.error("usage: mcp-client.mjs startup|ready|roundtrip ARGS... -- COMMAND ARGS...");
  process.exit(2);
}
const [mode, ...options] = argv.slice(0, split);
const [command, ...commandArgs] = argv.slice(split + 1);
const now = () => process.hrtime.bigint();
const millisSince = (start) => Number(now() - start) / 1e6;

const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0", id: 1, method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
}) + "\n";

/** Spawn -> the first line on stdout (the initialize response), raw, as startup.mjs measured. */
function startupOnce() {
  return new Promise((done, fail) => {
    const started = now();
    const child = spawn(command, commandArgs, { env: process.env, stdio: ["pipe", "pipe", "ignore"] });
    let answered = false;
    child.stdout.on("data", () => {
      if (!answered) {
        answered = true;
        const ms = millisSince(started);
        child.stdin.end();
        child.on("exit", () => done(ms));
        setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
      }
    });
    child.on("error", fail);
    child.on("exit", (code) => answered || fail(new Error(`server exited (${code}) before answering`)));
    child.stdin.write(INITIALIZE);
  });
}

async function connect() {
  const transport = new StdioClientTransport({ command, args: commandArgs, env: process.env, stderr: "ignore" });
  const client = new Client({ name: "schedulerd-bench", version: "1" });
  const started = now();
  await client.connect(transport);
  return { client, transport, initializeMillis: millisSince(started), started };
}

async function close({ client, transport }) {
  const pid = transport.pid;
  await client.close();
  if (pid) {
    try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ }
  }
}

/** Stops the background daemons whose pids are in $XDG_RUNTIME_DIR/schedulerd, and waits. */
async function stopDaemons() {
  const folder = join(process.env.XDG_RUNTIME_DIR ?? "", "schedulerd");
  if (!process.env.XDG_RUNTIME_DIR || !existsSync(folder)) {
    return;
  }
  for (const name of readdirSync(folder).filter((f) => f.endsWith(".daemon"))) {
    const pid = Number(readFileSync(join(folder, name), "utf8").trim());
    const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
    if (!pid || !alive()) {
      continue;
    }
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + 60_000;
    while (alive()) {
      if (Date.now() > deadline) {
        throw new Error(`daemon ${pid} did not stop within 60 s`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

let result;
if (mode === "startup") {
  const runs = Number(options[0] ?? 15);
  const cold = options[1] === "cold";
  if (cold) await stopDaemons();
  await startupOnce(); // warms the file cache
  const millis = [];
  for (let i = 0; i < runs; i++) {
    if (cold) await stopDaemons();
    millis.push(await startupOnce());
  }
  if (cold) await stopDaemons();
  result = { millis };
} else if (mode === "ready") {
  const expected = Number(options[0]);
  const session = await connect();
  let readyMillis;
  for (;;) {
    const status = await session.client.callTool({ name: "scheduler_daemon_status", arguments: {} });
    const daemon = status.structuredContent?.daemon;
    if (daemon?.running && daemon.queued >= expected) {
      readyMillis = millisSince(session.started);
      break;
    }
    if (millisSince(session.started) > 600_000) {
      throw new Error(`not ready after 10 minutes: ${JSON.stringify(daemon)}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  // Spawn happens inside connect(): its start is the spawn.
  result = { initializeMillis: session.initializeMillis, readyMillis };
  await close(session);
} else if (mode === "roundtrip") {
  const [tool, sequentialText, inFlightText, secondsText] = options;
  const session = await connect();
  const { client } = session;
  await client.listTools(); // lets the client validate structured results, as real clients do
  for (let i = 0; i < 500; i++) {
    await client.callTool({ name: tool, arguments: {} }); // warm-up
  }
  const sequential = async () => {
    const latencies = [];
    for (let i = 0; i < Number(sequentialText); i++) {
      const started = now();
      await client.callTool({ name: tool, arguments: {} });
      latencies.push(Number(now() - started) / 1e3);
    }
    return latencies;
  };
  const micros = await sequential();
  for (let i = 0; i < 10_000; i++) {
    await client.callTool({ name: tool, arguments: {} });
  }
  const steadyMicros = await sequential();
  const inFlight = Number(inFlightText);
  const until = Date.now() + Number(secondsText) * 1000;
  let calls = 0;
  let failed = 0;
  const started = now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (Date.now() < until) {
        try {
          await client.callTool({ name: tool, arguments: {} });
          calls++;
        } catch {
          failed++;
          if (failed > 100) {
            return;
          }
        }
      }
    }),
  );
  const seconds = Number(now() - started) / 1e9;
  result = { micros, steadyMicros, callsPerSecond: calls / seconds, failed };
  await close(session);
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
process.stdout.write(JSON.stringify(result) + "\n");
