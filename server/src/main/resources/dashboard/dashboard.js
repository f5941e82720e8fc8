// FineHero's dashboard. Tasks and alerts come from the event feed (a WebSocket on /v1/events): a task
// that changes state or an alert that fires shows at once, and the queue and alert panels are read again
// when one does. Health, calls and latency are time series, sampled every `interval` ms (default 5 s).
// Everything from the server is inserted as text (textContent), never as HTML.
"use strict";

const params = new URLSearchParams(location.search);
const intervalMs = Math.max(1000, Number(params.get("interval") || 5000));
const colors = ["#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6"];
const history = [];            // {t, rpcs: {method: {calls, p95, p99}}}
const keep = 60;

function statusName(value) {
  return String(value || "HEALTH_STATUS_UNKNOWN").replace("HEALTH_STATUS_", "");
}

function severityName(value) {
  return String(value || "ALERT_SEVERITY_UNSPECIFIED").replace("ALERT_SEVERITY_", "");
}

function cell(row, text, numeric) {
  const td = document.createElement("td");
  td.textContent = text;
  if (numeric) td.className = "num";
  row.appendChild(td);
  return td;
}

function fill(tableId, rows, toCells) {
  const body = document.querySelector("#" + tableId + " tbody");
  body.replaceChildren();
  for (const item of rows) {
    const row = document.createElement("tr");
    toCells(row, item);
    body.appendChild(row);
  }
}

function ms(value) {
  return (Number(value) || 0).toFixed(2);
}

function drawChart(svgId, legendId, series) {
  const svg = document.getElementById(svgId);
  const legend = document.getElementById(legendId);
  svg.replaceChildren();
  legend.replaceChildren();
  const max = Math.max(1e-9, ...series.flatMap(s => s.points));
  series.forEach((s, i) => {
    if (s.points.length < 1) return;
    const step = 600 / Math.max(1, keep - 1);
    const offset = 600 - step * (s.points.length - 1);
    const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", colors[i % colors.length]);
    line.setAttribute("stroke-width", "2");
    line.setAttribute("points", s.points.map((v, k) => (offset + k * step).toFixed(1) + "," + (155 - v / max * 145).toFixed(1)).join(" "));
    svg.appendChild(line);
    const label = document.createElement("span");
    label.style.setProperty("--c", colors[i % colors.length]);
    label.textContent = s.name + " (" + s.points[s.points.length - 1].toFixed(2) + ")";
    legend.appendChild(label);
  });
}

onLogin(() => refresh().then(watchFeed));

async function refresh() {
  try {
    const [health, metrics, alerts, queue] = await Promise.all([
      getJson("/v1/monitoring/health"), getJson("/v1/monitoring/metrics"),
      getJson("/v1/monitoring/alerts?state=ALERT_STATE_FIRING&page_size=100"), getJson("/v1/tasks:stats")]);
    document.getElementById("task-rate").textContent = (queue.succeededPerSecond || 0).toFixed(2);
    document.getElementById("task-failed").textContent = (queue.failedPerSecond || 0).toFixed(2);
    document.getElementById("task-oldest").textContent = parseFloat(queue.oldestPendingAge || "0s").toFixed(0);
    document.getElementById("task-dead").textContent = String(queue.deadCount || 0);
    fill("tasks", (queue.depths || []).filter(d => Number(d.count) > 0), (row, d) => {
      row.dataset.priority = d.priority;
      row.dataset.state = d.state;
      cell(row, String(d.priority).replace("TASK_PRIORITY_", ""));
      cell(row, String(d.state).replace("TASK_STATE_", ""));
      cell(row, String(d.count), true).dataset.field = "count";
    });
    const overall = document.getElementById("overall");
    overall.textContent = statusName(health.status);
    overall.dataset.status = statusName(health.status);
    fill("components", health.components || [], (row, c) => {
      cell(row, c.name);
      const status = cell(row, statusName(c.status));
      status.dataset.status = statusName(c.status);
      cell(row, c.reason || "");
    });

    const rpcs = (metrics.rpcs || []).filter(r => !r.method.startsWith("finehero.monitoring."));
    document.getElementById("window").textContent = "(percentiles over the last " + (metrics.windowSeconds || 0) + " s)";
    fill("rpcs", rpcs, (row, r) => {
      row.dataset.method = r.method;
      cell(row, r.method.replace(/^finehero\./, ""));
      cell(row, String(Number(r.calls || 0)), true).dataset.field = "calls";
      cell(row, String(Number(r.errors || 0)), true).dataset.field = "errors";
      cell(row, ms(r.p50Ms), true);
      cell(row, ms(r.p95Ms), true).dataset.field = "p95";
      cell(row, ms(r.p99Ms), true).dataset.field = "p99";
      cell(row, ms(r.maxMs), true);
    });
    fill("caches", metrics.caches || [], (row, c) => {
      row.dataset.cache = c.name;
      cell(row, c.name);
      cell(row, ((c.hitRate || 0) * 100).toFixed(1) + "%", true).dataset.field = "hitRate";
      cell(row, String(Number(c.hits || 0)), true);
      cell(row, String(Number(c.misses || 0)), true);
      cell(row, String(Number(c.loads || 0)), true);
      cell(row, String(Number(c.errors || 0)), true);
    });

    const firing = alerts.alerts || [];
    document.getElementById("alert-count").textContent = "(" + firing.length + (alerts.nextPageToken ? "+" : "") + ")";
    document.getElementById("no-alerts").hidden = firing.length > 0;
    fill("alerts", firing, (row, a) => {
      row.dataset.alertId = a.id;
      const severity = cell(row, severityName(a.severity));
      severity.dataset.field = "severity";
      severity.dataset.severity = severityName(a.severity);
      cell(row, a.rule || "").dataset.field = "rule";
      cell(row, a.subject || "").dataset.field = "subject";
      cell(row, a.summary || "").dataset.field = "summary";
      cell(row, a.fireTime ? new Date(a.fireTime).toLocaleString() : "").dataset.field = "since";
    });

    const now = Date.now();
    const sample = {t: now, rpcs: {}};
    for (const r of rpcs) sample.rpcs[r.method] = {calls: Number(r.calls || 0), p95: r.p95Ms || 0, p99: r.p99Ms || 0};
    history.push(sample);
    while (history.length > keep) history.shift();
    const busiest = rpcs.slice().sort((a, b) => Number(b.calls) - Number(a.calls)).slice(0, 5).map(r => r.method);
    const rates = busiest.map(m => ({name: m.split("/").pop(), points: history.slice(1).map((h, k) => {
      const before = history[k].rpcs[m], after = h.rpcs[m];
      return before && after ? Math.max(0, (after.calls - before.calls) / ((h.t - history[k].t) / 1000)) : 0;
    })}));
    drawChart("rate-chart", "rate-legend", rates);
    const latency = busiest.slice(0, 3).flatMap(m => [
      {name: m.split("/").pop() + " p95", points: history.map(h => (h.rpcs[m] || {}).p95 || 0)},
      {name: m.split("/").pop() + " p99", points: history.map(h => (h.rpcs[m] || {}).p99 || 0)}]);
    drawChart("latency-chart", "latency-legend", latency);
    document.getElementById("updated").textContent = "updated " + new Date(now).toLocaleTimeString();
    document.body.dataset.loaded = "true";
    document.getElementById("login").hidden = true;
  } catch (error) {
    document.getElementById("updated").textContent = "not reachable: " + error.message;
  }
}

// Task changes as they happen: the newest first, one row per task.
const recentTasks = new Map();  // id -> {type, state, time}
const keepTasks = 20;
let lastEventId = 0;
let feed = null;
let panelsDue = null;

function showTask(task, time) {
  recentTasks.delete(task.id);
  recentTasks.set(task.id, {type: task.type || "", state: String(task.state || "").replace("TASK_STATE_", ""), time});
  while (recentTasks.size > keepTasks) recentTasks.delete(recentTasks.keys().next().value);
  fill("recent-tasks", Array.from(recentTasks.entries()).reverse(), (row, [id, t]) => {
    row.dataset.taskId = id;
    cell(row, id.substring(0, 8)).dataset.field = "id";
    cell(row, t.type).dataset.field = "type";
    cell(row, t.state).dataset.field = "state";
    cell(row, t.time ? new Date(t.time).toLocaleTimeString() : "").dataset.field = "time";
  });
}

/** Reads the queue and alert panels again soon after events, once for a burst of them. */
function panelsChanged() {
  if (panelsDue) return;
  panelsDue = setTimeout(() => { panelsDue = null; refresh(); }, 300);
}

function watchFeed() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token || feed) return;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  feed = new WebSocket(scheme + "//" + location.host + "/v1/events?access_token=" + encodeURIComponent(token));
  feed.onopen = () => {
    document.body.dataset.feed = "subscribing";
    feed.send(JSON.stringify({subscribe: {topics: ["EVENT_TOPIC_TASKS", "EVENT_TOPIC_ALERTS"], afterEventId: String(lastEventId)}}));
  };
  feed.onmessage = message => {
    const event = JSON.parse(message.data);
    if (event.error) return;
    if (event.kind === "EVENT_KIND_OPENED") {
      // the watch is in place: read the panels once more, so what changed between the first read and
      // now is shown too; from here on every change arrives as an event
      document.body.dataset.feed = "open";
      if (lastEventId === 0) panelsChanged();
      lastEventId = Math.max(lastEventId, Number(event.id));
      return;
    }
    if (event.id) lastEventId = Math.max(lastEventId, Number(event.id));
    if (event.task) showTask(event.task, event.time);
    panelsChanged();
  };
  feed.onclose = () => {
    document.body.dataset.feed = "closed";
    feed = null;
    setTimeout(watchFeed, 2000); // resumes after the last event it got
  };
}

refresh().then(watchFeed);
setInterval(refresh, intervalMs);
