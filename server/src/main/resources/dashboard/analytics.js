// FineHero's analytics page: GetFineAnalytics (GET /v1/fines:analytics) with the signed-in user's token,
// drawn as SVG by this file (nothing is fetched from anywhere but this server). The range comes from the
// page's query string (jurisdiction, from, to as YYYY-MM-DD with `to` included, bucket) or the form;
// by default the last twelve months by month. Everything from the server is inserted as text.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const ISSUED = "#3366cc", PAID = "#109618";
const OUTCOME_COLORS = {awaiting: "#ff9900", dismissed: "#109618", upheld: "#dc3912"};

function isoDay(date) {
  return date.toISOString().substring(0, 10);
}

/** The range asked for: the query string's, else the last twelve months up to today. */
function requested() {
  const params = new URLSearchParams(location.search);
  const today = new Date();
  const yearAgo = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 11, 1));
  return {
    jurisdiction: params.get("jurisdiction") || "",
    from: params.get("from") || isoDay(yearAgo),
    to: params.get("to") || isoDay(today),
    bucket: params.get("bucket") || "ANALYTICS_BUCKET_MONTH",
  };
}

function analytics(range, groupBy) {
  const end = new Date(range.to + "T00:00:00Z");
  end.setUTCDate(end.getUTCDate() + 1);   // `to` is included: the range ends at the next midnight
  const query = new URLSearchParams({start_time: range.from + "T00:00:00Z", end_time: end.toISOString(),
    bucket: range.bucket, group_by: groupBy});
  if (range.jurisdiction) query.set("jurisdiction", range.jurisdiction);
  return getJson("/v1/fines:analytics?" + query);
}

const count = measure => Number((measure || {}).count || 0);
const minor = measure => Number(((measure || {}).amount || {}).amountMinor || 0);
const money = (amountMinor, currency) => (amountMinor / 100).toFixed(2) + " " + currency;

function element(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function cell(row, text, field, numeric) {
  const td = document.createElement("td");
  td.textContent = text;
  if (field) td.dataset.field = field;
  if (numeric) td.className = "num";
  row.appendChild(td);
}

/** Grouped bars per period: issued and paid fines (all currencies counted together). */
function drawIssuedPaid(rows) {
  const svg = document.getElementById("issued-paid-chart");
  svg.replaceChildren();
  const periods = new Map();
  for (const row of rows) {
    const key = row.bucketStart.substring(0, 10);
    const sums = periods.get(key) || {issued: 0, paid: 0};
    sums.issued += count(row.issued);
    sums.paid += count(row.paid);
    periods.set(key, sums);
  }
  const keys = Array.from(periods.keys()).sort();
  const max = Math.max(1, ...keys.map(k => periods.get(k).issued));
  const left = 30, bottom = 200, height = 170, slot = (600 - left) / Math.max(1, keys.length);
  const bar = Math.max(2, Math.min(24, slot * 0.35));
  svg.appendChild(element("line", {x1: left, y1: bottom, x2: 600, y2: bottom, stroke: "#8a92a3"}));
  svg.appendChild(element("text", {x: 2, y: bottom - height + 4}, String(max)));
  keys.forEach((key, i) => {
    const x = left + i * slot + slot / 2;
    [["issued", ISSUED, -bar], ["paid", PAID, 0]].forEach(([series, color, shift]) => {
      const value = periods.get(key)[series];
      const h = value / max * height;
      const rect = element("rect", {x: (x + shift).toFixed(1), y: (bottom - h).toFixed(1), width: bar.toFixed(1),
        height: h.toFixed(1), fill: color, "data-series": series, "data-period": key, "data-value": value});
      rect.appendChild(element("title", {}, series + " " + key + ": " + value));
      svg.appendChild(rect);
      if (keys.length <= 16) {
        svg.appendChild(element("text", {x: (x + shift + bar / 2).toFixed(1), y: (bottom - h - 3).toFixed(1),
          "text-anchor": "middle"}, String(value)));
      }
    });
    if (keys.length <= 16 || i % Math.ceil(keys.length / 12) === 0) {
      svg.appendChild(element("text", {x: x.toFixed(1), y: bottom + 14, "text-anchor": "middle"},
        key.substring(0, keys.length > 16 ? 10 : 7)));
    }
  });
}

/** Horizontal bars with a label and the value at their end; `key` names the data attribute. */
function drawBars(svgId, items, key, colorOf) {
  const svg = document.getElementById(svgId);
  svg.replaceChildren();
  const box = svg.viewBox.baseVal;
  const max = Math.max(1, ...items.map(item => item.value));
  const left = 110, row = Math.min(28, (box.height - 10) / Math.max(1, items.length));
  items.forEach((item, i) => {
    const y = 5 + i * row;
    const w = item.value / max * (box.width - left - 50);
    svg.appendChild(element("text", {x: left - 6, y: (y + row * 0.65).toFixed(1), "text-anchor": "end"}, item.label));
    svg.appendChild(element("rect", {x: left, y: y.toFixed(1), width: w.toFixed(1), height: (row * 0.75).toFixed(1),
      fill: colorOf(item), ["data-" + key]: item.label, "data-value": item.value}));
    svg.appendChild(element("text", {x: (left + w + 4).toFixed(1), y: (y + row * 0.65).toFixed(1)}, String(item.value)));
  });
}

function showPeriods(rows) {
  const body = document.querySelector("#periods tbody");
  body.replaceChildren();
  for (const r of rows) {
    const tr = document.createElement("tr");
    tr.dataset.period = r.bucketStart.substring(0, 10);
    tr.dataset.currency = r.currencyCode;
    cell(tr, r.bucketStart.substring(0, 10), "period");
    cell(tr, r.currencyCode, "currency");
    cell(tr, String(count(r.issued)), "issued", true);
    cell(tr, String(count(r.paid)), "paid", true);
    cell(tr, String(count(r.outstanding)), "outstanding", true);
    cell(tr, money(minor(r.issued), r.currencyCode), "issuedAmount", true);
    cell(tr, money(minor(r.paid), r.currencyCode), "paidAmount", true);
    cell(tr, r.collectionRate === undefined ? "–" : (r.collectionRate * 100).toFixed(1) + "%", "collectionRate", true);
    cell(tr, r.medianDaysToPayment === undefined ? "–" : r.medianDaysToPayment.toFixed(1), "medianDays", true);
    body.appendChild(tr);
  }
}

async function show(range) {
  const form = document.getElementById("range");
  form.jurisdiction.value = range.jurisdiction;
  form.from.value = range.from;
  form.to.value = range.to;
  form.bucket.value = range.bucket;
  document.getElementById("period").textContent = "(" + range.from + " to " + range.to
    + (range.jurisdiction ? ", " + range.jurisdiction : "") + ")";
  try {
    const [overall, byCode] = await Promise.all([analytics(range, "ANALYTICS_GROUP_BY_UNSPECIFIED"),
      analytics(range, "ANALYTICS_GROUP_BY_VIOLATION_CODE")]);
    const rows = overall.rows || [];
    drawIssuedPaid(rows);
    showPeriods(rows);

    const codes = new Map();
    for (const r of byCode.rows || []) codes.set(r.group || "(none)", (codes.get(r.group || "(none)") || 0) + count(r.issued));
    const top = Array.from(codes.entries()).map(([label, value]) => ({label, value}))
      .sort((a, b) => b.value - a.value || (a.label < b.label ? -1 : 1)).slice(0, 10);
    drawBars("codes-chart", top, "code", () => ISSUED);

    const contested = rows.reduce((n, r) => n + count(r.contested), 0);
    const dismissed = rows.reduce((n, r) => n + count(r.dismissed), 0);
    const upheld = rows.reduce((n, r) => n + count(r.upheld), 0);
    drawBars("contests-chart", [{label: "awaiting", value: contested - dismissed - upheld},
      {label: "dismissed", value: dismissed}, {label: "upheld", value: upheld}], "outcome", item => OUTCOME_COLORS[item.label]);
    document.getElementById("success-rate").textContent = dismissed + upheld > 0
      ? "Contests succeeded in " + (dismissed / (dismissed + upheld) * 100).toFixed(1) + "% of " + (dismissed + upheld) + " rulings."
      : "No contest was ruled on in this range.";
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
    document.getElementById("login").hidden = true;
    document.body.dataset.loaded = "true";
  } catch (error) {
    document.getElementById("updated").textContent = "not available: " + error.message;
  }
}

document.getElementById("range").addEventListener("submit", event => {
  event.preventDefault();
  const form = event.target;
  const range = {jurisdiction: form.jurisdiction.value.trim(), from: form.from.value, to: form.to.value, bucket: form.bucket.value};
  window.history.replaceState(null, "", location.pathname + "?" + new URLSearchParams(range));
  show(range);
});

onLogin(() => show(requested()));

show(requested());
