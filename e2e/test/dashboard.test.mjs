// The web dashboard in a real browser (Debian's chromium, headless, driven by playwright-core; no
// browser download): sign-in by token, tasks listed, a run ending shown live, an action, and what
// is refused (a wrong or missing token, a foreign Host, a cross-origin or token-less action, any
// action in read-only mode). Screenshots go to e2e/artifacts/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { JAR, connect, ok, freshHome, runtimeDir, stopDaemon } from "./harness.mjs";

const CHROMIUM = process.env.SCHEDULERD_CHROMIUM ?? "/usr/bin/chromium";
const artifacts = resolve(dirname(fileURLToPath(import.meta.url)), "../artifacts");

function dashboardUrl(home) {
  const run = spawnSync(join(process.env.JAVA_HOME, "bin", "java"), ["-jar", JAR, "dashboard"], {
    env: { ...process.env, HOME: home, XDG_RUNTIME_DIR: runtimeDir(home), DISPLAY: "" },
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim();
}

let browser;
before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
  mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});
after(async () => {
  await browser?.close();
});

/** A HOME whose config file sets the dashboard up (any free port: tests never fight over one). */
function homeWith(settings) {
  const home = freshHome();
  mkdirSync(join(home, ".config", "schedulerd"), { recursive: true });
  writeFileSync(join(home, ".config", "schedulerd", "schedulerd.properties"), `dashboard.port=0\n${settings}`);
  return home;
}

test("a person signs in with the token, sees the tasks, watches a run end live and pauses a task", async () => {
  const home = homeWith("");
  const agent = await connect({ home, daemon: true });
  try {
    await ok(agent.client, "scheduler_add_task", {
      task_id: "nightly", task_type: "log", cron_expression: "30 2 * * *", config: { message: "backup" },
    });
    const login = dashboardUrl(home);
    assert.match(login, /^http:\/\/127\.0\.0\.1:\d+\/login\?token=[\w-]{40,}$/);
    const origin = new URL(login).origin;
    const context = await browser.newContext();
    const page = await context.newPage();
    // As `schedulerd dashboard` opens it: a local page that refreshes to the sign-in URL, a
    // navigation from another site; the sign-in page then moves on to the overview, signed in.
    await page.setContent(`<meta http-equiv="refresh" content="0;url=${login}">`);
    await page.waitForURL(`${origin}/`);
    const token = new URL(login).searchParams.get("token");
    const [session] = await context.cookies();
    assert.ok(session.httpOnly && session.sameSite === "Strict", JSON.stringify(session));
    assert.notEqual(session.value, token, "the cookie holds a session id, never the token");
    await page.locator("#tasks tbody tr[data-task-id='nightly']").waitFor();
    assert.match(await page.locator("#tasks tbody tr[data-task-id='nightly']").innerText(), /scheduled/);
    await page.screenshot({ path: join(artifacts, "dashboard-overview.png"), fullPage: true });

    // A run ends: the page shows it without a reload (the marker survives), fed by the events.
    await page.evaluate(() => { window.notReloaded = true; });
    await ok(agent.client, "scheduler_run_task_now", { task_id: "nightly" });
    await page.locator("#tasks tbody tr[data-task-id='nightly'] td.outcome-success").waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => window.notReloaded), true);

    // The task's detail and history.
    await page.locator("#tasks tbody tr[data-task-id='nightly']").click();
    await page.locator("#task-runs tbody tr").first().waitFor();
    assert.match(await page.locator("#task-runs").innerText(), /success/);
    await page.locator("#task-fires li").nth(9).waitFor();
    assert.match(await page.locator("#task-fires li").first().innerText(), /02:30/, "fire times in the task's zone");
    await page.screenshot({ path: join(artifacts, "dashboard-task.png"), fullPage: true });

    // Skipping the next run: recorded with who did it, and listed among the problems.
    await page.locator("#tasks tbody tr[data-task-id='nightly'] button[data-action='skip-next']").click();
    await page.locator("#problems tbody tr[data-task-id='nightly']").waitFor();
    assert.match(await page.locator("#problems").innerText(), /skipped\s+skipped by dashboard/);
    // Nodes and the executors with the operator's policy, read-only.
    assert.equal(await page.locator("#nodes tbody tr").count(), 1);
    assert.match(await page.locator("#executors").innerText(), /shell\s+no\s+executors\.shell\.enabled=true/);

    // An action, as the same runtime operation the tools use.
    await page.locator("#tasks tbody tr[data-task-id='nightly'] button[data-action='pause']").click();
    await page.locator("#tasks tbody tr[data-task-id='nightly'] td.status-paused").waitFor();
    const paused = await ok(agent.client, "scheduler_get_task", { task_id: "nightly" });
    assert.equal(paused.task.status, "paused");
    assert.match(readFileSync(join(home, ".memory", "schedulerd.log"), "utf8"), /Task nightly: paused by dashboard/,
      "the daemon's log records who paused it");

    // Refused: a wrong token, no session, a foreign Host (DNS rebinding), actions without the
    // CSRF token or from another origin.
    const stranger = await browser.newPage();
    const wrong = await stranger.goto(`${origin}/login?token=wrong`);
    assert.equal(wrong.status(), 401);
    const none = await stranger.goto(`${origin}/`);
    assert.equal(none.status(), 401);
    assert.match(await stranger.content(), /schedulerd dashboard/);
    await stranger.close();
    const bearer = { Authorization: `Bearer ${token}` };
    const malformed = await fetch(`${origin}/api/tasks/%zz`, { headers: bearer });
    assert.equal(malformed.status, 400, "a malformed path is answered, not dropped");
    const rebound = spawnSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: attacker.example",
      "-H", `Authorization: Bearer ${token}`, `${origin}/api/tasks`], { encoding: "utf8" });
    assert.equal(rebound.stdout, "403");
    const { csrf } = await (await fetch(`${origin}/api/session`, { headers: bearer })).json();
    const noCsrf = await fetch(`${origin}/api/tasks/nightly/resume`, { method: "POST", headers: bearer });
    assert.equal(noCsrf.status, 403);
    const crossOrigin = await fetch(`${origin}/api/tasks/nightly/resume`, {
      method: "POST", headers: { ...bearer, "X-CSRF-Token": csrf, Origin: "http://attacker.example" },
    });
    assert.equal(crossOrigin.status, 403);
    // In the browser: a page of another origin posting to the dashboard gets nothing done.
    const other = await browser.newPage();
    await other.goto("about:blank");
    await other.evaluate(async (target) => {
      try { await fetch(target, { method: "POST", credentials: "include", mode: "no-cors" }); } catch { /* refused */ }
    }, `${origin}/api/tasks/nightly/resume`);
    await other.close();
    const still = await ok(agent.client, "scheduler_get_task", { task_id: "nightly" });
    assert.equal(still.task.status, "paused", "no refused action took effect");
    await context.close();
  } finally {
    await agent.client.close();
    await stopDaemon(home);
  }
  assert.equal(existsSync(join(home, ".memory", "dashboard.url")), false, "the URL file goes with the daemon");
});

test("in read-only mode the actions are hidden and refused", async () => {
  const home = homeWith("dashboard.read-only=true\n");
  const agent = await connect({ home, daemon: true });
  try {
    await ok(agent.client, "scheduler_add_task", {
      task_id: "watched", task_type: "log", cron_expression: "0 3 * * *", config: { message: "m" },
    });
    const login = dashboardUrl(home);
    const page = await browser.newPage();
    await page.goto(login);
    await page.locator("#tasks tbody tr[data-task-id='watched']").waitFor();
    assert.equal(await page.locator("#mode").innerText(), "read-only");
    assert.equal(await page.locator("#tasks tbody tr[data-task-id='watched'] button[data-action='pause']").isVisible(), false);
    const token = new URL(login).searchParams.get("token");
    const origin = new URL(login).origin;
    const { csrf } = await (await fetch(`${origin}/api/session`, { headers: { Authorization: `Bearer ${token}` } })).json();
    const refused = await fetch(`${origin}/api/tasks/watched/pause`, {
      method: "POST", headers: { Authorization: `Bearer ${token}`, "X-CSRF-Token": csrf },
    });
    assert.equal(refused.status, 403);
    assert.match((await refused.json()).error, /read-only/);
    const task = await ok(agent.client, "scheduler_get_task", { task_id: "watched" });
    assert.equal(task.task.status, "scheduled");
    await page.close();
  } finally {
    await agent.client.close();
    await stopDaemon(home);
  }
});

test("the overview counts by priority and plots the day; a failed task is retried from its row", async () => {
  const home = homeWith("executors.shell.enabled=true\nexecutors.shell.allow=/bin/false\n");
  const agent = await connect({ home, daemon: true });
  try {
    await ok(agent.client, "scheduler_add_task", {
      task_id: "flaky", task_type: "shell", priority: "critical", max_retries: 1, config: { command: ["/bin/false"] },
    });
    await ok(agent.client, "scheduler_add_task", {
      task_id: "chatty", task_type: "log", priority: "low", interval: "1s", config: { message: "tick" },
    });
    const first = await ok(agent.client, "scheduler_wait_for_run", { task_id: "flaky", timeout_seconds: 30 });
    assert.equal(first.status, "failed");
    const page = await browser.newPage();
    await page.goto(dashboardUrl(home));

    // Counts by priority and the runs per minute, from the daemon's store.
    await page.locator("#by-priority .count.critical").waitFor();
    assert.match(await page.locator("#by-priority").innerText(), /1 critical[\s\S]*1 low/);
    assert.match(await page.locator("#runs-per-minute b").innerText(), /^\d+(\.\d+)?$/);
    // The plots are drawn (uPlot canvases), and the durations table lists the tasks that ran.
    for (const plot of ["#runs-plot", "#lateness-plot", "#durations-plot"]) {
      await page.locator(`${plot} canvas`).waitFor();
    }
    await page.locator("#durations tbody tr[data-task-id='chatty']").waitFor();

    // A failed one-shot task offers a retry (and no pause); it runs again, recorded by who.
    const row = page.locator("#tasks tbody tr[data-task-id='flaky']");
    await row.locator("td.status-failed").waitFor();
    assert.equal(await row.locator("button[data-action='pause']").count(), 0);
    await row.locator("button[data-action='retry']").click();
    await page.waitForFunction(async () => {
      const runs = await (await fetch("/api/runs?task_id=flaky")).json();
      return runs.runs.length === 2;
    }, null, { timeout: 30_000 });
    assert.match(readFileSync(join(home, ".memory", "schedulerd.log"), "utf8"), /Task flaky: retried by dashboard/);

    // The task's own plot: how long its runs took and how late they started; and its definition.
    await row.click();
    await page.locator("#task-plot canvas").waitFor();
    assert.equal(await page.locator("#task-definition dd[data-field='task_type']").innerText(), "shell");
    assert.match(await page.locator("#task-definition dd[data-field='config']").innerText(), /\/bin\/false/);
    assert.equal(await page.locator("#task-definition dd[data-field='priority']").innerText(), "critical");

    // An interval task's next ten fire times; the tasks filtered by executor.
    await page.locator("#tasks tbody tr[data-task-id='chatty']").click();
    await page.locator("#task-fires li").nth(9).waitFor();
    await page.selectOption("#type", "shell");
    await page.locator("#filters button[type='submit']").click();
    await page.waitForFunction(() => document.querySelectorAll("#tasks tbody tr").length === 1);
    assert.equal(await page.locator("#tasks tbody tr").getAttribute("data-task-id"), "flaky");
    await page.selectOption("#type", "");
    await page.screenshot({ path: join(artifacts, "dashboard-plots.png"), fullPage: true });

    // Past the first hundred: the tasks table pages on.
    for (let i = 0; i < 120; i++) {
      await ok(agent.client, "scheduler_add_task", {
        task_id: `bulk-${String(i).padStart(3, "0")}`, task_type: "log", run_at: "2099-01-01T00:00:00Z", config: { message: "m" },
      });
    }
    await page.locator("#filters button[type='submit']").click();
    await page.locator("#next-page:not([disabled])").waitFor();
    assert.match(await page.locator("#tasks-footer").innerText(), /^tasks 1–100, more follow$/);
    await page.locator("#next-page").click();
    await page.locator("#tasks tbody tr[data-task-id='flaky']").waitFor();
    assert.match(await page.locator("#tasks-footer").innerText(), /^tasks 101–122$/);
    assert.equal(await page.locator("#next-page").isDisabled(), true);
    await page.locator("#previous-page").click();
    await page.locator("#tasks tbody tr[data-task-id='bulk-000']").waitFor();
    await page.close();
  } finally {
    await agent.client.close();
    await stopDaemon(home);
  }
});
