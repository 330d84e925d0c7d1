// The release archive (build/dist, made by the build): unpacked in a temporary folder and started
// with no JAVA_HOME and no java on the PATH, as on a machine without Java, then driven by the
// official TypeScript client through its background daemon.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { ok, freshHome, runtimeDir, stopDaemon, eventually } from "./harness.mjs";

const dist = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist");

/** The newest archive the build made for this machine. */
function archive() {
  const found = existsSync(dist)
    ? readdirSync(dist)
        .filter((name) => name.startsWith("schedulerd-") && name.endsWith(".tar.gz"))
        .map((name) => join(dist, name))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    : [];
  assert.ok(found.length > 0, `no release archive in ${dist}: the build makes it (build/dist)`);
  return found[0];
}

// build/dist leaves dist/NOT-BUILT, saying why, where the JDK cannot link a runtime (before 24,
// without its jmods): there is no archive to test then.
const notBuilt = join(dist, "NOT-BUILT");

test("the release archive runs with no Java installed, through its background daemon", {
  skip: existsSync(notBuilt) ? readFileSync(notBuilt, "utf8").trim() : false,
}, async () => {
  const home = freshHome();
  const unpacked = join(home, "unpacked");
  mkdirSync(unpacked);
  const untar = spawnSync("tar", ["-xzf", archive(), "-C", unpacked], { encoding: "utf8" });
  assert.equal(untar.status, 0, untar.stderr);
  const [name] = readdirSync(unpacked);
  const launcher = join(unpacked, name, "bin", "schedulerd");

  // A PATH with bash alone (the launcher's interpreter): no java, no JDK tools, no Maven.
  const bin = join(home, "path");
  mkdirSync(bin);
  symlinkSync(spawnSync("bash", ["-c", "command -v bash"], { encoding: "utf8" }).stdout.trim(), join(bin, "bash"));
  const env = { HOME: home, PATH: bin, XDG_RUNTIME_DIR: runtimeDir(home) };
  const which = spawnSync("bash", ["-c", "command -v java || echo none"], { env, encoding: "utf8" });
  assert.equal(which.stdout.trim(), "none");

  const stderr = [];
  const transport = new StdioClientTransport({ command: launcher, args: [], env, stderr: "pipe" });
  transport.stderr?.on("data", (chunk) => stderr.push(chunk.toString()));
  const client = new Client({ name: "schedulerd-release-e2e", version: "1.0.0" }, { capabilities: {} });
  try {
    await client.connect(transport);
    assert.match(client.getServerVersion()?.name ?? "", /schedulerd/);
    await ok(client, "scheduler_add_task", {
      task_id: "from-the-release",
      task_type: "log",
      config: { message: "ran on the bundled runtime" },
    });
    const run = await eventually(async () => {
      const page = await ok(client, "scheduler_list_runs", { task_id: "from-the-release" });
      return page.runs.find((r) => r.outcome === "success");
    }, 20000, "the task's run");
    assert.equal(run.outcome, "success");

    // The daemon runs on the release's own runtime, not on some java found elsewhere.
    const status = await ok(client, "scheduler_daemon_status");
    const exe = readlinkSync(`/proc/${status.daemon.pid}/exe`);
    assert.ok(exe.startsWith(join(unpacked, name, "runtime")), `daemon runs ${exe}`);
    // Owned by root whoever packed it, and writable by the owner only.
    const listing = spawnSync("tar", ["--numeric-owner", "-tvzf", archive()], { encoding: "utf8" }).stdout.split("\n");
    // (a symbolic link's own mode means nothing: only files and folders are checked)
    assert.ok(listing.filter(Boolean).every((line) => /\s0\/0\s/.test(line) && (line.startsWith("l") || !/^.{5}w|^.{8}w/.test(line))),
      listing.slice(0, 5).join("\n"));
    // Caches and native library came in the archive: nothing was prepared at this first start.
    assert.doesNotMatch(stderr.join(""), /preparing/, stderr.join(""));
  } finally {
    await client.close();
    await stopDaemon(home);
  }
});
