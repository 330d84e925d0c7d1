// Start-up of the real jar: spawn -> `initialize` answered, N times per JVM configuration.
// Run: JAVA_HOME=$(.ci/find-jdk) node benchmarks/startup.mjs [runs]   (after ./test.sh built the jar)
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const jar = join(root, "mcp-server/target/schedulerd.jar");
const aot = join(root, "mcp-server/target/schedulerd.aot");
const java = join(process.env.JAVA_HOME ?? "/usr", "bin", "java");
const runs = Number(process.argv[2] ?? 15);
const init = JSON.stringify({
  jsonrpc: "2.0", id: 1, method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
});
const home = mkdtempSync(join(tmpdir(), "schedulerd-bench-"));
const quiet = ["-Xlog:disable", "-Xlog:all=warning:stderr"];
const configs = {
  "default JVM flags": [...quiet],
  "C1 only + SerialGC": [...quiet, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"],
  "+ AOT cache (launcher)": [...quiet, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", `-XX:AOTCache=${aot}`],
};

function once(flags, store) {
  return new Promise((resolveRun, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(java, [...flags, "-jar", jar, "--store", store], {
      env: { ...process.env, HOME: home }, stdio: ["pipe", "pipe", "ignore"],
    });
    child.stdout.once("data", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      child.stdin.end();
      child.on("exit", () => resolveRun(ms));
    });
    child.on("error", reject);
    child.stdin.write(init + "\n");
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
console.log(`schedulerd start-up, spawn -> initialize answered, ${runs} runs each, ${java}`);
for (const store of ["memory", `sqlite:${join(home, "bench.db")}`]) {
  for (const [name, flags] of Object.entries(configs)) {
    if (name.includes("AOT") && !existsSync(aot)) {
      console.log(`  ${name}: skipped, ${aot} missing (./schedulerd creates it)`);
      continue;
    }
    await once(flags, store); // warm the file cache
    const times = [];
    for (let i = 0; i < runs; i++) {
      times.push(await once(flags, store));
    }
    times.sort((a, b) => a - b);
    console.log(
      `  --store ${store.split(":")[0].padEnd(6)} ${name.padEnd(24)} median ${pct(times, 50).toFixed(0)} ms, p90 ${pct(times, 90).toFixed(0)} ms, min ${times[0].toFixed(0)} ms`,
    );
  }
}
