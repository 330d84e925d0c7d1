// The background daemon, driven by the official TypeScript client: tasks run on time while no
// client is open, since the schedulerd a client spawns is only the daemon's front-end.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, ok, freshHome, stopDaemon } from "./harness.mjs";

test("a task due 8 s after its add runs on time although its client closed at once", async () => {
  const home = freshHome();
  try {
    const first = await connect({ home, daemon: true });
    const due = new Date(Date.now() + 8000);
    await ok(first.client, "scheduler_add_task", {
      task_id: "while-away",
      task_type: "log",
      run_at: due.toISOString(),
      config: { message: "ran with no client open" },
    });
    // As the SDK closes a server: stdin ends, then SIGTERM after 2 s if it is still there.
    await first.client.close();

    // No client at all until the task is long due: only the daemon can run it.
    await new Promise((resolveWait) => setTimeout(resolveWait, due.getTime() + 3000 - Date.now()));

    const second = await connect({ home, daemon: true });
    const page = await ok(second.client, "scheduler_list_runs", { task_id: "while-away" });
    assert.equal(page.count, 1, JSON.stringify(page));
    const run = page.runs[0];
    assert.equal(run.outcome, "success");
    const lateness = Date.parse(run.started_at) - Date.parse(run.scheduled_for);
    assert.ok(lateness < 1000, `started ${lateness} ms after its due instant`);
    await second.client.close();
  } finally {
    await stopDaemon(home);
  }
});
