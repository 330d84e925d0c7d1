// The dashboard page: reads the daemon's JSON API (the same tools MCP clients call), renders it,
// and refreshes on the daemon's Server-Sent Events. No framework, no CDN: uPlot comes from the jar.
"use strict";

const STATUSES = ["scheduled", "running", "paused", "waiting", "completed", "failed", "cancelled"];
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
    $("#message").textContent = answer.summary || "";
    await refresh();
  } catch (error) {
    $("#message").textContent = `${action} '${taskId}': ${error.message}`;
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
  const [{ executors }, { daemon }] = await Promise.all([api("executors"), api("overview")]);
  const disabled = new Map((daemon.executors_disabled ?? []).map((d) => [d.kind, d.enabled_by]));
  $("#executors tbody").replaceChildren(...executors.map((executor) => {
    const row = el("tr");
    row.append(el("td", executor.kind), el("td", executor.enabled ? "yes" : "no"),
      el("td", executor.enabled ? (executor.source ?? "built in") : (disabled.get(executor.kind) ?? "")));
    return row;
  }));
}

async function loadOverview() {
  const { daemon } = await api("overview");
  $("#nodes tbody").replaceChildren(...(daemon.nodes ?? []).map((node) => {
    const row = el("tr");
    row.append(el("td", node.node_id), el("td", local(node.last_heartbeat)), el("td", node.runs_in_flight));
    return row;
  }));
  const figures = [
    ["state", daemon.state],
    ["queued", daemon.queued],
    ["running", daemon.runs_in_flight],
    ["succeeded", daemon.runs_finished?.success ?? 0],
    ["failed", (daemon.runs_finished?.failed ?? 0) + (daemon.runs_finished?.timed_out ?? 0)],
    ["lateness p50 / p99 ms", `${round(daemon.start_lateness?.p50_ms)} / ${round(daemon.start_lateness?.p99_ms)}`],
    ["nodes", (daemon.nodes ?? []).length || 1],
  ];
  const box = $("#overview");
  box.replaceChildren(...figures.map(([name, value]) => {
    const figure = el("div", name, "figure");
    figure.prepend(el("b", value));
    return figure;
  }));
}

async function loadTasks() {
  const search = $("#search").value.trim();
  const body = $("#tasks tbody");
  let rows;
  let footer;
  if (search) {
    try {
      const { task } = await api("tasks/" + encodeURIComponent(search));
      rows = [{ task_id: task.task_id, status: task.status, next: task.next_run_at, last: task.last_run?.outcome }];
    } catch (error) {
      rows = [];
    }
    footer = rows.length ? "1 task" : `no task '${search}'`;
  } else {
    const params = new URLSearchParams();
    if ($("#status").value) params.set("status", $("#status").value);
    if ($("#label").value.trim()) params.set("label", $("#label").value.trim());
    params.set("limit", "100");
    const page = await api("tasks?" + params);
    rows = page.tasks;
    footer = `${page.count} task(s)` + (page.next_cursor ? " (first 100 shown)" : "");
  }
  body.replaceChildren(...rows.map((task) => {
    const row = el("tr");
    row.dataset.taskId = task.task_id;
    row.append(el("td", task.task_id), el("td", task.status, "status-" + task.status),
      el("td", local(task.next)), el("td", task.last ?? "", "outcome-" + (task.last ?? "")));
    const actions = el("td", null, "actions");
    const choices = task.status === "paused"
      ? ["resume", "run-now", "remove"]
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
  }));
  $("#tasks-footer").textContent = footer;
}

async function showTask(taskId) {
  shownTask = taskId;
  const [detail, runs] = await Promise.all([
    api("tasks/" + encodeURIComponent(taskId)),
    api("runs?task_id=" + encodeURIComponent(taskId)),
  ]);
  $("#task").hidden = false;
  $("#task-title").textContent = taskId;
  $("#task-summary").textContent = detail.summary ?? "";
  const schedule = detail.task?.schedule ?? {};
  const fires = $("#task-fires");
  fires.replaceChildren();
  if (schedule.kind === "cron") {
    const params = new URLSearchParams({ cron_expression: schedule.cron_expression });
    if (schedule.time_zone) params.set("time_zone", schedule.time_zone);
    if (schedule.cron_dialect) params.set("cron_dialect", schedule.cron_dialect);
    const preview = await api("preview?" + params).catch(() => null);
    for (const fire of preview?.fire_times ?? []) {
      fires.append(el("li", fire.local + (fire.note ? " — " + fire.note : "")));
    }
  }
  $("#task-runs tbody").replaceChildren(...runs.runs.map((run) => {
    const row = el("tr");
    const took = run.finished_at ? Date.parse(run.finished_at) - Date.parse(run.started_at) : "";
    const late = run.started_at ? Date.parse(run.started_at) - Date.parse(run.scheduled_for) : "";
    row.append(el("td", local(run.started_at)), el("td", run.outcome, "outcome-" + run.outcome),
      el("td", took === "" ? "" : took + " ms"), el("td", late === "" ? "" : late + " ms"),
      el("td", run.error ?? run.result ?? ""));
    return row;
  }));
}

let plot = null;
const HOUR = 3600;
/** Runs of the last 24 hours by outcome, an hour per point, from the latest page of runs. */
async function loadRunsPlot() {
  if (!window.uPlot) return;
  const { runs } = await api("runs?limit=500");
  const now = Math.floor(Date.now() / 1000);
  const first = Math.floor((now - 23 * HOUR) / HOUR) * HOUR;
  const xs = Array.from({ length: 24 }, (_, i) => first + i * HOUR);
  const success = xs.map(() => 0);
  const failed = xs.map(() => 0);
  for (const run of runs) {
    const at = Date.parse(run.finished_at ?? run.started_at) / 1000;
    const bucket = Math.floor((at - first) / HOUR);
    if (bucket < 0 || bucket >= xs.length) continue;
    (run.outcome === "success" ? success : failed)[bucket] += 1;
  }
  const data = [xs, success, failed];
  const options = {
    width: Math.min(900, document.body.clientWidth - 40), height: 180,
    scales: { x: { time: true, range: [first, first + 24 * HOUR] } },
    series: [{}, { label: "success", stroke: "#2a9d4b", points: { show: true } },
      { label: "failed and timed out", stroke: "#c0392b", points: { show: true } }],
  };
  if (plot) plot.setData(data); else plot = new uPlot(options, data, $("#runs-plot"));
}

async function refresh() {
  try {
    await Promise.all([loadOverview(), loadTasks(), loadRunsPlot(), loadProblems()]);
    if (shownTask) await showTask(shownTask);
    document.body.dataset.refreshed = String(Date.now());
  } catch (error) {
    $("#message").textContent = error.message;
  }
}

let pending = null;
function refreshSoon() {
  if (pending) return;
  pending = setTimeout(() => { pending = null; refresh(); }, 150);
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
  $("#filters").addEventListener("submit", (event) => { event.preventDefault(); refresh(); });
  listen();
  await Promise.all([refresh(), loadExecutors()]);
}

start();
