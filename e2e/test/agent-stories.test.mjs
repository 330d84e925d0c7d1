// What an agent does for its user, through the official TypeScript client on the real jar: the
// requests of issue 16, each checked where the agent reads it (summary, structuredContent, text).
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { connect, ok, refused, freshHome } from "./harness.mjs";

describe("agent stories", () => {
  let session;
  before(async () => {
    const home = freshHome();
    const config = join(home, "schedulerd.properties");
    // /bin/false stands for a step that fails, as a real build or fetch does now and then.
    writeFileSync(config, "executors.shell.enabled=true\nexecutors.shell.allow=/bin/false,/bin/echo\n");
    session = await connect({ home, extraArgs: ["--config", config] });
  });
  after(async () => {
    await session?.client.close();
  });

  test("'remind me at 8 on weekdays, Berlin time': the answer says 08:00 Berlin first", async () => {
    const { client } = session;
    const added = await ok(client, "scheduler_add_task", {
      task_id: "standup-reminder",
      task_type: "log",
      cron_expression: "0 8 * * 1-5",
      time_zone: "Europe/Berlin",
      config: { message: "stand-up in 5 minutes" },
    });
    assert.match(added.summary, /next run at \d{4}-\d\d-\d\dT08:00\+0[12]:00 Europe\/Berlin \(/);
    assert.match(added.task.next_run_at_local, /T08:00\+0[12]:00\[Europe\/Berlin\]$/);
    const day = new Date(added.task.next_run_at).getUTCDay();
    assert.ok(day >= 1 && day <= 5, `a weekday, got day ${day}`);
    const { tasks } = await ok(client, "scheduler_list_tasks");
    const row = tasks.find((t) => t.task_id === "standup-reminder");
    assert.match(row.next, /T08:00\+0[12]:00$/);
    assert.ok(JSON.stringify(row).length < 100, JSON.stringify(row));
  });

  test("'at 2:30 pm New York time on Dec 5': a local time with time_zone", async () => {
    const { client } = session;
    const refusal = await refused(client, "scheduler_add_task", {
      task_id: "ny-call",
      task_type: "log",
      run_at: "2099-12-05T14:30",
      config: { message: "call the New York office" },
    });
    assert.match(refusal, /run_at.*add an offset or Z.*or give time_zone/s);
    const added = await ok(client, "scheduler_add_task", {
      task_id: "ny-call",
      task_type: "log",
      run_at: "2099-12-05T14:30",
      time_zone: "America/New_York",
      config: { message: "call the New York office" },
    });
    assert.equal(added.task.schedule.run_at, "2099-12-05T19:30:00Z");
    assert.equal(added.task.schedule.run_at_local, "2099-12-05T14:30-05:00[America/New_York]");
    assert.match(added.summary, /next run at 2099-12-05T14:30-05:00 America\/New_York/);
  });

  test("'why didn't the build run?': a failing workflow explained in one line", async () => {
    const { client } = session;
    await ok(client, "scheduler_add_workflow", {
      tasks: [
        { task_id: "fetch", task_type: "shell", max_retries: 1, config: { command: ["/bin/false"] } },
        { task_id: "build", task_type: "log", depends_on: ["fetch"], config: { message: "build" } },
      ],
    });
    const fetched = await ok(client, "scheduler_wait_for_run", { task_id: "fetch", timeout_seconds: 30 });
    assert.equal(fetched.finished, true);
    assert.equal(fetched.run.outcome, "failed");
    // The dependent is judged on the daemon's sync round right after: wait for that too.
    const skipped = await ok(client, "scheduler_wait_for_run", { task_id: "build", timeout_seconds: 30 });
    assert.equal(skipped.status, "cancelled");
    const { task } = await ok(client, "scheduler_get_task", { task_id: "build" });
    assert.equal(task.status, "cancelled");
    assert.match(task.explanation, /^skipped at .*: dependency 'fetch' failed \(.*exit code 1.*\) \(on_failure=skip/);
    assert.ok(!task.explanation.includes("\n"), task.explanation);
  });

  test("'hold everything for now': a paused daemon sleeps", async () => {
    const { client } = session;
    await ok(client, "scheduler_add_task", {
      task_id: "every-second",
      task_type: "log",
      interval: "1s",
      config: { message: "tick" },
    });
    const paused = await ok(client, "scheduler_pause_daemon");
    assert.equal(paused.daemon.dispatch_paused, true);
    const before = (await ok(client, "scheduler_daemon_status")).daemon.ticker_wake_ups;
    await new Promise((r) => setTimeout(r, 2000));
    const after = (await ok(client, "scheduler_daemon_status")).daemon.ticker_wake_ups;
    assert.ok(after - before < 50, `the ticker woke ${after - before} times in 2 s while paused`);
    const resumed = await ok(client, "scheduler_resume_daemon");
    assert.equal(resumed.daemon.dispatch_paused, false);
    await ok(client, "scheduler_remove_task", { task_id: "every-second" });
  });

  test("'make the backup 4 am instead': a partial update keeps everything else", async () => {
    const { client } = session;
    await ok(client, "scheduler_add_task", {
      task_id: "backup",
      task_type: "log",
      cron_expression: "0 3 * * *",
      time_zone: "Europe/Berlin",
      priority: "high",
      labels: { team: "ops" },
      config: { message: "nightly backup" },
    });
    const updated = await ok(client, "scheduler_update_task", { task_id: "backup", cron_expression: "0 4 * * *" });
    assert.equal(updated.task.schedule.cron_expression, "0 4 * * *");
    assert.equal(updated.task.schedule.time_zone, "Europe/Berlin");
    assert.equal(updated.task.priority, "high");
    assert.deepEqual(updated.task.labels, { team: "ops" });
    assert.equal(updated.task.config.message, "nightly backup");
    assert.match(updated.task.next_run_at_local, /T04:00\+0[12]:00\[Europe\/Berlin\]$/);
    const cleared = await ok(client, "scheduler_update_task", { task_id: "backup", labels: null });
    assert.deepEqual(cleared.task.labels, {});
  });

  test("'tell me when it's done': wait for a run instead of polling", async () => {
    const { client } = session;
    await ok(client, "scheduler_add_task", {
      task_id: "soon",
      task_type: "shell",
      run_at: new Date(Date.now() + 2000).toISOString(),
      config: { command: ["/bin/echo", "report ready"] },
    });
    const started = Date.now();
    const waited = await ok(client, "scheduler_wait_for_run", { task_id: "soon" });
    assert.ok(Date.now() - started < 30000);
    assert.equal(waited.finished, true);
    assert.equal(waited.status, "completed");
    assert.equal(waited.run.outcome, "success");
    assert.match(waited.summary, /^A run of 'soon' ended \(attempt 1\): success after \d+ ms: .*report ready/);
  });
});
