// The operator's CLI (schedulerd tasks|task|runs|status|pause|resume|run-now|skip-next|retry|remove|preview)
// against a real background daemon that the official client started, then against the store alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { JAR, connect, ok, freshHome, runtimeDir, stopDaemon, eventually } from "./harness.mjs";

function cli(home, ...args) {
  const run = spawnSync(join(process.env.JAVA_HOME, "bin", "java"), ["-XX:TieredStopAtLevel=1", "-jar", JAR, ...args], {
    env: { ...process.env, HOME: home, XDG_RUNTIME_DIR: runtimeDir(home), TZ: "Europe/Berlin" },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

test("the operator's CLI reads and steers what an agent scheduled, through the daemon", async () => {
  const home = freshHome();
  const agent = await connect({ home, daemon: true });
  try {
    await ok(agent.client, "scheduler_add_task", {
      task_id: "nightly", task_type: "log", cron_expression: "30 2 * * *", labels: { team: "ops" },
      config: { message: "backup" },
    });
    await ok(agent.client, "scheduler_add_task", { task_id: "once", task_type: "log", config: { message: "hello" } });
    await ok(agent.client, "scheduler_wait_for_run", { task_id: "once", timeout_seconds: 20 });

    const tasks = cli(home, "tasks");
    assert.equal(tasks.code, 0, tasks.err);
    assert.match(tasks.out, /^ID\s+STATUS\s+PRIORITY\s+NEXT RUN\s+LAST$/m);
    assert.match(tasks.out, /^nightly\s+scheduled\s+medium\s+\d{4}-\d\d-\d\d 03:30:00 CET\s*$/m, "02:30 UTC in local time (TZ=Europe/Berlin)");
    assert.match(tasks.out, /^once\s+completed\s+medium\s+success$/m);
    assert.match(tasks.out, /^2 task\(s\)$/m);

    const labelled = cli(home, "tasks", "--label", "team=ops", "--json");
    assert.equal(labelled.code, 0, labelled.err);
    assert.deepEqual(JSON.parse(labelled.out).tasks.map((t) => t.task_id), ["nightly"]);

    const runs = cli(home, "runs", "once");
    assert.equal(runs.code, 0, runs.err);
    assert.match(runs.out, /^STARTED\s+TASK\s+OUTCOME\s+TOOK\s+LATE\s+NODE\s+RESULT$/m);
    assert.match(runs.out, /once\s+success\s+\d+ ms/);

    const status = cli(home, "status");
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /answered by the daemon \(pid \d+\)/);

    assert.equal(cli(home, "pause", "nightly").code, 0);
    const paused = await ok(agent.client, "scheduler_get_task", { task_id: "nightly" });
    assert.equal(paused.task.status, "paused", "the daemon applied the CLI's pause");
    assert.equal(cli(home, "resume", "nightly").code, 0);
    const skip = cli(home, "skip-next", "nightly");
    assert.equal(skip.code, 0, skip.err);
    const skipped = await ok(agent.client, "scheduler_list_runs", { task_id: "nightly" });
    assert.equal(skipped.runs[0].outcome, "skipped");
    assert.match(skipped.runs[0].error, /^skipped by schedulerd-cli/, "who skipped it");
    const now = cli(home, "run-now", "nightly");
    assert.equal(now.code, 0, now.err);
    await eventually(async () => {
      const page = await ok(agent.client, "scheduler_list_runs", { task_id: "nightly" });
      return page.runs.some((r) => r.outcome === "success");
    }, 20000, "the run the CLI asked for");

    const task = cli(home, "task", "nightly");
    assert.equal(task.code, 0, task.err);
    assert.match(task.out, /nightly/);

    const retry = cli(home, "retry", "once");
    assert.equal(retry.code, 1, "a task that succeeded is not retried");
    assert.match(retry.err, /is completed: only a failed task can be retried/);

    const missing = cli(home, "task", "no-such-task");
    assert.equal(missing.code, 4, "4: no such task");
    assert.match(missing.err, /no task 'no-such-task'/);
    const usage = cli(home, "tasks", "--bogus");
    assert.equal(usage.code, 2);
    assert.match(usage.err, /unknown option '--bogus'/);

    const preview = cli(home, "preview", "30 2 * * *", "--zone", "Europe/Berlin", "--count", "3");
    assert.equal(preview.code, 0, preview.err);
    assert.equal(preview.out.trim().split("\n").length, 5, preview.out); // schedule, header, 3 rows

    assert.equal(cli(home, "remove", "nightly").code, 0);
    const left = await ok(agent.client, "scheduler_list_tasks", {});
    assert.deepEqual(left.tasks.map((t) => t.task_id), ["once"]);
  } finally {
    await agent.client.close();
    await stopDaemon(home);
  }

  // No daemon now: the CLI reads the store itself, and starts none.
  const offline = cli(home, "tasks");
  assert.equal(offline.code, 0, offline.err);
  assert.match(offline.out, /^once\s+completed\s+medium\s+success$/m);
  const status = cli(home, "status");
  assert.match(status.out, /answered by the store \(no daemon runs\)/);
});
