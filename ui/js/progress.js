// Live sync progress: one listener for the app's `sync-progress` events keeps
// the latest state of every running connection and redraws each progress bar
// on the page that shows it. When a run ends, the page refreshes once.

import { api } from "./api.js";
import { h, LOCALE } from "./dom.js";

const latest = new Map(); // connection id → the newest progress of its run
let onFinished = () => {};
let refreshTimer = null;

function text(p) {
  if (p.phase === "started") return `Starting (${p.streams.length} streams)…`;
  const n = (x) => Number(x).toLocaleString(LOCALE);
  return `${p.stream} (${p.index + 1} of ${p.of}): ${n(p.fetched)} fetched, ${n(p.upserted)} stored` +
    (p.skipped > 0 ? `, ${n(p.skipped)} skipped` : "");
}

function fraction(p) {
  if (p.phase === "started") return [0, Math.max(1, p.streams.length)];
  return [p.index + (p.done ? 1 : 0.5), p.of];
}

function draw(el) {
  const p = latest.get(Number(el.dataset.connection));
  el.hidden = !p;
  if (!p) return;
  const [value, max] = fraction(p);
  const bar = el.querySelector("progress");
  bar.max = max;
  bar.value = value;
  el.querySelector(".progress-text").textContent = text(p);
}

/** A progress bar for one connection, hidden while it is not syncing. */
export function bar(connectionId) {
  const el = h("div", { class: "sync-progress", "data-connection": connectionId, role: "status" },
    h("progress", { max: 1, value: 0 }), h("span", { class: "progress-text muted" }));
  draw(el);
  return el;
}

function apply(p) {
  if (p.phase === "finished" || p.phase === "not_run") latest.delete(p.connection_id);
  else latest.set(p.connection_id, p);
  document.querySelectorAll(`.sync-progress[data-connection="${p.connection_id}"]`).forEach(draw);
  if (p.phase === "finished" || p.phase === "not_run") {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => onFinished(p), 300);
  }
}

/** Start listening; `finished` is called (debounced) after any run ends. */
export async function start(finished) {
  onFinished = finished;
  await api.onSyncProgress(apply);
  const status = await api.syncStatus();
  for (const p of status.running) latest.set(p.connection_id, p);
}
