// The real jar, driven by the official TypeScript MCP SDK client, as Claude Desktop or an IDE would.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { connect, ok, refused, eventually, spawnRaw, freshHome, INITIALIZE } from "./harness.mjs";

describe("one server", () => {
  let session;
  before(async () => {
    session = await connect();
  });
  after(async () => {
    await session?.client.close();
  });

  test("lists twenty-three tools, each with input and output schema and annotations", async () => {
    const { tools } = await session.client.listTools();
    const names = tools.map((t) => t.name);
    assert.equal(tools.length, 23, names.join(", "));
    for (const name of [
      "scheduler_add_task", "scheduler_list_tasks", "scheduler_get_status", "scheduler_get_task",
      "scheduler_remove_task", "scheduler_daemon_status", "scheduler_start_daemon",
      "scheduler_stop_daemon", "scheduler_restart_daemon", "scheduler_update_task",
      "scheduler_pause_task", "scheduler_resume_task", "scheduler_run_task_now",
      "scheduler_list_runs", "scheduler_preview_schedule", "scheduler_list_executors",
      "scheduler_wait_for_run", "scheduler_skip_next_run", "scheduler_retry_task",
      "scheduler_add_tasks",
    ]) {
      assert.ok(names.includes(name), `missing ${name}`);
    }
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, "object", tool.name);
      assert.equal(tool.outputSchema?.type, "object", tool.name);
      assert.equal(typeof tool.annotations?.readOnlyHint, "boolean", tool.name);
    }
  });

  test("the seed's example calls work verbatim", async () => {
    const { client } = session;
    const added = await ok(client, "scheduler_add_task", {
      task_id: "backup-reminder",
      task_type: "log",
      priority: "high",
      cron_expression: "0 3 * * *",
      time_zone: "Europe/Berlin",
      config: { message: "check the backup" },
      description: "Remind me to check the backup",
    });
    assert.equal(added.task.status, "scheduled");
    assert.equal(added.task.priority, "high");
    assert.match(added.task.next_run_at_local, /T03:00\+0[12]:00\[Europe\/Berlin\]$/);

    const listed = await ok(client, "scheduler_list_tasks", { status: "scheduled" });
    assert.ok(listed.tasks.some((t) => t.task_id === "backup-reminder"));
    const status = await ok(client, "scheduler_get_status");
    assert.ok(status.status.total_tasks >= 1);
    const one = await ok(client, "scheduler_get_task", { task_id: "backup-reminder" });
    assert.equal(one.next_fire_times.length, 5);
    const daemon = await ok(client, "scheduler_daemon_status");
    assert.equal(daemon.daemon.running, true);
    assert.deepEqual((await ok(client, "scheduler_stop_daemon")).daemon.running, false);
    assert.deepEqual((await ok(client, "scheduler_start_daemon")).daemon.running, true);
    assert.deepEqual((await ok(client, "scheduler_restart_daemon")).daemon.running, true);
    const removed = await ok(client, "scheduler_remove_task", { task_id: "backup-reminder" });
    assert.equal(removed.removed, true);
  });

  test("a task due in one second is seen completed", async () => {
    const { client } = session;
    const runAt = new Date(Date.now() + 1000).toISOString();
    await ok(client, "scheduler_add_task", {
      task_id: "in-one-second",
      task_type: "log",
      run_at: runAt,
      config: { message: "one second later" },
    });
    const done = await eventually(async () => {
      const { task } = await ok(client, "scheduler_get_task", { task_id: "in-one-second" });
      return task.status === "completed" ? task : null;
    }, 15000, "the task to complete");
    assert.equal(done.last_run.outcome, "success");
    assert.equal(done.last_run.result, "one second later");
  });

  test("a subscriber hears when a run ends", async () => {
    const { client } = session;
    await ok(client, "scheduler_add_task", {
      task_id: "watched",
      task_type: "log",
      interval: "1h",
      config: { message: "watched" },
    });
    const updates = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    await client.subscribeResource({ uri: "schedulerd://tasks/watched" });
    await ok(client, "scheduler_run_task_now", { task_id: "watched" });
    await eventually(() => updates.includes("schedulerd://tasks/watched"), 15000, "a resource update");
    const read = await client.readResource({ uri: "schedulerd://tasks/watched" });
    const body = JSON.parse(read.contents[0].text);
    assert.equal(body.task_id, "watched");
  });

  test("bad inputs get isError with a message naming the field", async () => {
    const { client } = session;
    const cases = [
      [{ task_id: "c1", task_type: "log", cron_expression: "61 * * * *", config: { message: "m" } }, /cron/i],
      [{ task_id: "c2", task_type: "log", priority: "urgent", config: { message: "m" } }, /priority/],
      [{ task_id: "c3", task_type: "teleport", config: {} }, /^task_type: .*teleport.*enabled on this daemon:.*log/s],
      [{ task_id: "c4", task_type: "log", run_at: "2001-01-01T00:00:00Z", config: { message: "m" } }, /in the past/],
      [{ task_id: "c5", task_type: "log", cron_expression: "0 0 30 2 *", config: { message: "m" } }, /never fires/],
      [{ task_type: "log", config: { message: "m" } }, /task_id/],
      [{ task_id: "c7", task_type: "log", config: {} }, /message/],
    ];
    for (const [args, expected] of cases) {
      const message = await refused(client, "scheduler_add_task", args);
      assert.match(message, expected, JSON.stringify(args));
    }
    const { tasks } = await ok(client, "scheduler_list_tasks");
    assert.ok(!tasks.some((t) => t.task_id.startsWith("c")), "nothing half-written");
  });

  test("32 concurrent calls are all answered", async () => {
    const { client } = session;
    const calls = [];
    for (let i = 0; i < 32; i++) {
      calls.push(
        ok(client, "scheduler_add_task", {
          task_id: `parallel-${i}`,
          task_type: "log",
          run_at: new Date(Date.now() + 3600_000).toISOString(),
          config: { message: `m${i}` },
        }),
      );
    }
    const results = await Promise.all(calls);
    assert.equal(results.filter((r) => r.created).length, 32);
    const { tasks } = await ok(client, "scheduler_list_tasks", { limit: 500 });
    assert.equal(tasks.filter((t) => t.task_id.startsWith("parallel-")).length, 32);
  });
});

test("the operator's config file enables the shell executor for allowed commands only", async () => {
  const home = freshHome();
  const config = join(home, "schedulerd.properties");
  writeFileSync(config, "executors.shell.enabled=true\nexecutors.shell.allow=/bin/echo\n");
  const session = await connect({ home, extraArgs: ["--config", config] });
  try {
    const { client } = session;
    await ok(client, "scheduler_add_task", {
      task_id: "echo",
      task_type: "shell",
      config: { command: ["/bin/echo", "hello from a shell task"] },
    });
    const done = await eventually(async () => {
      const { task } = await ok(client, "scheduler_get_task", { task_id: "echo" });
      return task.status === "completed" ? task : null;
    }, 15000, "the shell task to complete");
    assert.match(done.last_run.result, /exit code 0[\s\S]*hello from a shell task/);
    const refusedMessage = await refused(client, "scheduler_add_task", {
      task_id: "rm",
      task_type: "shell",
      config: { command: ["/bin/rm", "-rf", "/tmp/nothing"] },
    });
    assert.match(refusedMessage, /'\/bin\/rm' is not allowed.*executors\.shell\.allow/s);
    const seedCustom = await refused(client, "scheduler_add_task", {
      task_id: "seed-custom",
      task_type: "custom",
      config: { command: ["/bin/echo", "hi"] },
    });
    assert.match(seedCustom, /executors\.custom\.enabled=true/);
  } finally {
    await session.client.close();
  }
});

test("a malformed line gets a parse error and the next request is served", async () => {
  const raw = spawnRaw();
  try {
    raw.send("{this is not json");
    raw.send(INITIALIZE);
    const parseError = await raw.message((m) => m.error?.code === -32700);
    assert.equal(parseError.id, null);
    const init = await raw.message((m) => m.id === 1);
    assert.equal(init.result.serverInfo.name, "schedulerd");
  } finally {
    raw.child.stdin.end();
    await raw.exited;
  }
});

test("closing stdin makes the server exit 0 within the grace period", async () => {
  const raw = spawnRaw();
  raw.send(INITIALIZE);
  await raw.message((m) => m.id === 1);
  const closedAt = Date.now();
  raw.child.stdin.end();
  const { code } = await raw.exited;
  const tookMs = Date.now() - closedAt;
  assert.equal(code, 0);
  // The grace period is 2 s; nothing was running, so it should not even be needed.
  assert.ok(tookMs < 10000, `took ${tookMs} ms`);
});

test("two servers on one store run a task exactly once", async () => {
  const home = freshHome();
  const store = `sqlite:${join(home, "shared.db")}`;
  const a = await connect({ home, store, extraArgs: ["--node-id", "node-a"] });
  const b = await connect({ home, store, extraArgs: ["--node-id", "node-b"] });
  try {
    const runAt = new Date(Date.now() + 1500).toISOString();
    for (let i = 0; i < 10; i++) {
      await ok(a.client, "scheduler_add_task", {
        task_id: `shared-${i}`,
        task_type: "log",
        run_at: runAt,
        config: { message: `shared ${i}` },
      });
    }
    await eventually(async () => {
      const { tasks } = await ok(b.client, "scheduler_list_tasks", { status: "completed" });
      return tasks.length === 10;
    }, 20000, "ten completed tasks, seen through the other server");
    const { daemon } = await ok(b.client, "scheduler_daemon_status");
    assert.deepEqual(daemon.nodes.map((n) => n.node_id).sort(), ["node-a", "node-b"]);
    const { runs } = await ok(b.client, "scheduler_list_runs", { limit: 100 });
    assert.equal(runs.length, 10, "one run per task");
    assert.equal(new Set(runs.map((r) => r.task_id)).size, 10);
  } finally {
    await a.client.close();
    await b.client.close();
  }
});
