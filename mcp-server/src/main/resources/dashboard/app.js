// The dashboard page: reads the daemon's JSON API (the same tools MCP clients call), renders it,
// and refreshes on the daemon's Server-Sent Events. No framework, no CDN: uPlot comes from the jar.
"use strict";

const STATUSES = ["scheduled", "running", "retry_wait", "paused", "waiting", "completed", "failed", "cancelled"];
const PRIORITIES = ["critical", "high", "medium", "low"];
let session = { read_only: true, csrf: "" };
let shownTask = null;

const $ = (selector) => document.querySelector(selector);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

/** An instant in the browser's zone, as people read it. */
function local(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return isNaN(date) ? iso : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/** A line under the page: what an action did, or why it or a refresh failed. */
function say(text, failed = false) {
  $("#message").textContent = text;
  $("#message").classList.toggle("failed", failed);
}

async function api(path, options = {}) {
  const response = await fetch("/api/" + path, { credentials: "same-origin", ...options });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

async function act(taskId, action) {
  if (action === "remove" && !confirm(`Remove task '${taskId}' and its history?`)) return;
  try {
    const answer = await api(`tasks/${encodeURIComponent(taskId)}/${action}`, {
      method: "POST",
      headers: { "X-CSRF-Token": session.csrf },
    });
    say(answer.summary || "");
    await refresh();
  } catch (error) {
    say(`${action} '${taskId}': ${error.message}`, true);
  }
}

const round = (ms) => (ms ?? 0) < 10 ? Number(ms ?? 0).toFixed(1) : Math.round(ms);

const PROBLEMS = new Set(["failed", "timed_out", "interrupted", "abandoned", "missed", "skipped", "cancelled"]);

/** Runs that did not succeed, newest first, with the reason each gives; and the daemon's nodes. */
async function loadProblems() {
  const { runs } = await api("runs?limit=500");
  const problems = runs.filter((run) => PROBLEMS.has(run.outcome));
  $("#problems tbody").replaceChildren(...problems.slice(0, 50).map((run) => {
    const row = el("tr");
    row.dataset.taskId = run.task_id;
    row.append(el("td", local(run.finished_at ?? run.scheduled_for)), el("td", run.task_id),
      el("td", run.outcome, "outcome-" + run.outcome), el("td", run.error ?? ""));
    row.addEventListener("click", () => showTask(run.task_id));
    return row;
  }));
  $("#problems-footer").textContent = problems.length
    ? `${problems.length} of the last ${runs.length} runs` : `none in the last ${runs.length} runs`;
}

async function loadExecutors() {
  const [{ executors }, { status }] = await Promise.all([api("executors"), api("overview")]);
  const disabled = new Map((status.daemon.executors_disabled ?? []).map((d) => [d.kind, d.enabled_by]));
  const type = $("#type");
  if (type.options.length === 1) {
    type.append(...executors.map((e) => { const o = el("option", e.kind); o.value = e.kind; return o; }));
  }
  $("#executors tbody").replaceChildren(...executors.map((executor) => {
    const row = el("tr");
    row.append(el("td", executor.kind), el("td", executor.enabled ? "yes" : "no"),
      el("td", executor.enabled ? (executor.source ?? "built in") : (disabled.get(executor.kind) ?? "")));
    return row;
  }));
}

/** Figures as boxes: a value over its name; a map of counts as one box with a line each. */
function figure(name, value, id) {
  const box = el("div", null, "figure");
  if (id) box.id = id;
  if (value && typeof value === "object") {
    box.append(el("span", name, "name"));
    const entries = Object.entries(value);
    if (!entries.length) box.append(el("div", "none"));
    for (const [key, count] of entries) {
      const line = el("div", null, "count " + key);
      line.append(el("b", count), document.createTextNode(" " + key));
      box.append(line);
    }
  } else {
    box.append(el("b", value), document.createTextNode(name));
  }
  return box;
}

async function loadOverview() {
  const [{ status }, activity] = await Promise.all([api("overview"), api("activity")]);
  const daemon = status.daemon;
  $("#store-problem").hidden = !daemon.store_problem;
  $("#store-problem").textContent = daemon.store_problem ?? "";
  $("#nodes tbody").replaceChildren(...(daemon.nodes ?? []).map((node) => {
    const row = el("tr");
    row.append(el("td", node.node_id), el("td", local(node.last_heartbeat)), el("td", node.runs_in_flight));
    return row;
  }));
  const finished = daemon.runs_finished ?? {};
  $("#overview").replaceChildren(
    figure("state", daemon.dispatch_paused ? "paused" : daemon.state),
    figure("tasks", status.total_tasks),
    figure("by status", status.by_status, "by-status"),
    figure("by priority", status.by_priority, "by-priority"),
    figure("runs / min (last 10 min)", round(activity.runs_per_minute_last_10), "runs-per-minute"),
    figure("running", daemon.runs_in_flight),
    figure("queued", daemon.queued),
    figure("succeeded", finished.success ?? 0),
    figure("failed", (finished.failed ?? 0) + (finished.timed_out ?? 0)),
    figure("lateness p50 / p99 ms", `${round(daemon.start_lateness?.p50_ms)} / ${round(daemon.start_lateness?.p99_ms)}`),
    figure("nodes", (daemon.nodes ?? []).length || 1));
  drawActivity(activity);
}

const plots = {};
const HOUR = 3600;
/** A uPlot chart in `#id` as wide as its box (at most 900 px), made once, its data replaced later. */
function chart(id, options, data) {
  if (!window.uPlot) return;
  const box = $("#" + id);
  if (plots[id]) plots[id].setData(data);
  else plots[id] = new uPlot({ width: Math.min(900, box.parentElement.clientWidth - 10), height: 180, ...options }, data, box);
}

/** Bars over categories: x is the category's index, its axis shows the labels. */
function barOptions(labels, series) {
  return {
    scales: { x: { time: false, range: [-0.5, labels.length - 0.5] } },
    axes: [{ splits: () => labels.map((_, i) => i), values: (u, splits) => splits.map((i) => labels[i] ?? "") }, {}],
    // Several series side by side in each category: each its share of the slot, aligned in turn.
    series: [{}, ...series.map((s, i) => ({
      ...s,
      paths: uPlot.paths.bars({ size: [0.7 / series.length, 60], align: series.length === 1 ? 0 : i === 0 ? -1 : 1 }),
      points: { show: false },
    }))],
  };
}

/** The daemon's activity from the store's newest runs: per hour by outcome, lateness, durations. */
function drawActivity(activity) {
  const first = Date.parse(activity.hourly.first_hour) / 1000;
  const xs = activity.hourly.success.map((_, i) => first + i * HOUR);
  chart("runs-plot", {
    scales: { x: { time: true, range: [first, first + 24 * HOUR] } },
    series: [{}, { label: "success", stroke: "#2a9d4b", points: { show: true } },
      { label: "failed, timed out, abandoned", stroke: "#c0392b", points: { show: true } },
      { label: "missed or skipped", stroke: "#8a5a00", points: { show: true } }],
  }, [xs, activity.hourly.success, activity.hourly.failed, activity.hourly.not_run]);
  const bounds = activity.lateness.bounds_ms;
  const labels = bounds.map((b) => "<" + (b >= 1000 ? b / 1000 + "s" : b + "ms"))
    .concat("≥" + bounds[bounds.length - 1] / 1000 + "s");
  if (window.uPlot) {
    chart("lateness-plot", barOptions(labels, [{ label: "runs", fill: "#5b8def", stroke: "#3a6fd8" }]),
      [labels.map((_, i) => i), activity.lateness.counts]);
    const tasks = activity.durations.map((d) => d.task_id);
    chart("durations-plot", barOptions(tasks, [
      { label: "median ms", fill: "#5b8def", stroke: "#3a6fd8" },
      { label: "p95 ms", fill: "#f0a35e", stroke: "#d9822b" },
    ]), [tasks.map((_, i) => i), activity.durations.map((d) => d.p50_ms), activity.durations.map((d) => d.p95_ms)]);
  }
  $("#durations tbody").replaceChildren(...activity.durations.map((d) => {
    const row = el("tr");
    row.dataset.taskId = d.task_id;
    row.append(el("td", d.task_id), el("td", d.runs), el("td", d.p50_ms), el("td", d.p95_ms), el("td", d.max_ms));
    row.addEventListener("click", () => showTask(d.task_id));
    return row;
  }));
  $("#activity-footer").textContent = `from the newest ${activity.runs_read} runs`
    + (activity.whole_day ? " of the last 24 hours" : " (the last 24 hours held more)");
}

/** The tasks page: the cursors of the pages before this one, and of the next. */
let pages = [];
let nextCursor = null;

async function loadTasks() {
  const search = $("#search").value.trim();
  const body = $("#tasks tbody");
  let rows;
  let footer;
  if (search) {
    try {
      const { task } = await api("tasks/" + encodeURIComponent(search));
      rows = [{ task_id: task.task_id, status: task.status, priority: task.priority, next: task.next_run_at, last: task.last_run?.outcome }];
    } catch (error) {
      rows = [];
    }
    footer = rows.length ? "1 task" : `no task '${search}'`;
    nextCursor = null;
  } else {
    const params = new URLSearchParams();
    if ($("#status").value) params.set("status", $("#status").value);
    if ($("#priority").value) params.set("priority", $("#priority").value);
    if ($("#type").value) params.set("task_type", $("#type").value);
    if ($("#label").value.trim()) params.set("label", $("#label").value.trim());
    params.set("limit", String(PAGE_SIZE));
    if (pages.length) params.set("cursor", pages[pages.length - 1]);
    const page = await api("tasks?" + params);
    rows = page.tasks;
    nextCursor = page.next_cursor ?? null;
    const first = pages.length * PAGE_SIZE + 1;
    footer = rows.length ? `tasks ${first}–${first + rows.length - 1}` + (nextCursor ? ", more follow" : "") : "no tasks";
  }
  body.replaceChildren(...rows.map(taskRow));
  $("#tasks-footer").textContent = footer;
  $("#previous-page").disabled = !pages.length;
  $("#next-page").disabled = !nextCursor;
}

const PAGE_SIZE = 100;

function taskRow(task) {
  const row = el("tr");
  row.dataset.taskId = task.task_id;
  row.append(el("td", task.task_id), el("td", task.status, "status-" + task.status),
    el("td", task.priority ?? "medium", "priority-" + (task.priority ?? "medium")),
    el("td", local(task.next)), el("td", task.last ?? "", "outcome-" + (task.last ?? "")));
  const actions = el("td", null, "actions");
  const choices = task.status === "paused" ? ["resume", "run-now", "remove"]
    : task.status === "failed" ? ["retry", "remove"]
    : ["completed", "cancelled"].includes(task.status) ? ["remove"]
    : ["pause", "run-now", ...(task.next ? ["skip-next"] : []), "remove"];
  for (const action of choices) {
    const button = el("button", action);
    button.type = "button";
    button.dataset.action = action;
    button.addEventListener("click", (event) => { event.stopPropagation(); act(task.task_id, action); });
    actions.append(button);
  }
  row.append(actions);
  row.addEventListener("click", () => showTask(task.task_id));
  return row;
}

/** What the task is, as it was added: the fields people check first, then the rest. */
const DEFINITION = ["task_type", "priority", "schedule", "description", "config", "labels", "max_retries",
  "timeout_seconds", "depends_on", "on_failure", "resources", "fire_policy", "created_by", "created_at"];

function showDefinition(task) {
  const list = $("#task-definition");
  list.replaceChildren();
  for (const key of DEFINITION) {
    const value = task[key];
    if (value === undefined || value === null || value === "") continue;
    if (typeof value === "object" && Object.keys(value).length === 0) continue;
    const shown = el("dd", typeof value === "object" ? JSON.stringify(value) : value);
    shown.dataset.field = key;
    list.append(el("dt", key), shown);
  }
}

async function showTask(taskId) {
  shownTask = taskId;
  const [detail, runs] = await Promise.all([
    api("tasks/" + encodeURIComponent(taskId)),
    api("runs?limit=200&task_id=" + encodeURIComponent(taskId)),
  ]);
  $("#task").hidden = false;
  $("#task-title").textContent = taskId;
  $("#task-summary").textContent = detail.task?.explanation ?? detail.summary ?? "";
  showDefinition(detail.task ?? {});
  const schedule = detail.task?.schedule ?? {};
  const fires = $("#task-fires");
  fires.replaceChildren();
  const recurring = schedule.kind === "cron" || schedule.kind === "interval";
  $("#task-fires-title").hidden = !recurring;
  if (recurring) {
    // In the task's zone and by its own policies, as scheduler_preview_schedule has them.
    const preview = await api("preview?" + new URLSearchParams({ task_id: taskId })).catch(() => null);
    for (const fire of preview?.fire_times ?? []) {
      fires.append(el("li", fire.local + (fire.note ? " — " + fire.note : "")));
    }
  }
  const ran = runs.runs.filter((run) => run.attempt > 0);
  $("#task-runs tbody").replaceChildren(...runs.runs.slice(0, 50).map((run) => {
    const row = el("tr");
    const took = run.attempt > 0 ? Date.parse(run.finished_at) - Date.parse(run.started_at) : "";
    const late = run.attempt > 0 ? Date.parse(run.started_at) - Date.parse(run.scheduled_for) : "";
    row.append(el("td", local(run.started_at)), el("td", run.outcome, "outcome-" + run.outcome),
      el("td", took === "" ? "" : took + " ms"), el("td", late === "" ? "" : late + " ms"),
      el("td", run.error ?? run.result ?? ""));
    return row;
  }));
  // Its runs' durations and lateness over time, oldest first as uPlot wants.
  const points = ran.slice().reverse();
  const xs = points.map((run) => Date.parse(run.started_at) / 1000);
  const took = points.map((run) => Date.parse(run.finished_at) - Date.parse(run.started_at));
  const late = points.map((run) => Date.parse(run.started_at) - Date.parse(run.scheduled_for));
  $("#task-plot").hidden = points.length === 0;
  if (plots["task-plot"] && plots.taskPlotFor !== taskId) {
    plots["task-plot"].destroy();
    delete plots["task-plot"];
  }
  plots.taskPlotFor = taskId;
  if (points.length) {
    chart("task-plot", {
      // One run alone would stretch the axis over years: an hour either side of it.
      scales: { x: { time: true, range: (u, min, max) => (min === max ? [min - HOUR, max + HOUR] : [min, max]) } },
      series: [{}, { label: "took ms", stroke: "#3a6fd8", points: { show: true } },
        { label: "late ms", stroke: "#d9822b", points: { show: true } }],
    }, [xs, took, late]);
  }
}

async function refresh() {
  try {
    await Promise.all([loadOverview(), loadTasks(), loadProblems()]);
    if (shownTask) await showTask(shownTask);
    document.body.dataset.refreshed = String(Date.now());
  } catch (error) {
    say(error.message, true);
  }
}

/**
 * One refresh at a time, at most one more queued behind it, and none within 250 ms of an event:
 * a busy daemon sends many events, and each refresh reads several answers.
 */
let pending = null;
let running = null;
let again = false;
function refreshSoon() {
  if (pending) return;
  if (running) { again = true; return; }
  pending = setTimeout(() => {
    pending = null;
    running = refresh().finally(() => {
      running = null;
      if (again) { again = false; refreshSoon(); }
    });
  }, 250);
}

/** Live updates; a stream the daemon refused or closed is opened again a little later. */
function listen() {
  const events = new EventSource("/api/events");
  events.onopen = () => { $("#live").classList.add("on"); refreshSoon(); };
  events.onerror = () => {
    $("#live").classList.remove("on");
    if (events.readyState === EventSource.CLOSED) setTimeout(listen, 5000);
  };
  events.addEventListener("task", refreshSoon);
  events.addEventListener("run", refreshSoon);
}

async function start() {
  session = await api("session");
  if (session.read_only) {
    document.body.classList.add("read-only");
    $("#mode").textContent = "read-only";
  }
  $("#status").append(...STATUSES.map((s) => { const o = el("option", s); o.value = s; return o; }));
  $("#priority").append(...PRIORITIES.map((p) => { const o = el("option", p); o.value = p; return o; }));
  $("#filters").addEventListener("submit", (event) => { event.preventDefault(); pages = []; refresh(); });
  $("#next-page").addEventListener("click", () => { if (nextCursor) { pages.push(nextCursor); loadTasks(); } });
  $("#previous-page").addEventListener("click", () => { pages.pop(); loadTasks(); });
  listen();
  await Promise.all([refresh(), loadExecutors()]);
}

start();
