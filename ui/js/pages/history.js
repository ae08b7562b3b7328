// Sync history: every run with its records, skips and errors; Sync now.

import { api } from "../api.js";
import { h, emptyState, toast, LOCALE } from "../dom.js";

const STATUS_TEXT = { running: "Running", succeeded: "Succeeded", partial: "Partly failed", failed: "Failed", cancelled: "Interrupted" };
const BADGE = { succeeded: "ok", partial: "error", failed: "error", cancelled: "new", running: "new" };

function duration(run) {
  if (!run.finished_at) return "…";
  const ms = new Date(run.finished_at) - new Date(run.started_at);
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export async function render(app) {
  const connections = await api.connections(app.workspace.id);
  const section = h("section", {});
  const body = h("div", { id: "runs-body" });
  const connectionFilter = h("select", { id: "runs-connection", "aria-label": "Connection" },
    h("option", { value: "" }, "All connections"),
    ...connections.map((c) => h("option", { value: c.id }, c.display_name)));
  const statusFilter = h("select", { id: "runs-status", "aria-label": "Status" },
    h("option", { value: "" }, "Any status"),
    ...Object.entries(STATUS_TEXT).map(([k, v]) => h("option", { value: k }, v)));
  const syncButton = h("button", { class: "primary", id: "sync-now" }, "Sync now");

  async function refresh() {
    const ids = new Set(connections.map((c) => c.id));
    const chosen = connectionFilter.value ? Number(connectionFilter.value) : null;
    let runs = (await api.runs(chosen)).filter((r) => ids.has(r.connection_id));
    if (statusFilter.value) runs = runs.filter((r) => r.status === statusFilter.value);
    if (runs.length === 0) {
      body.replaceChildren(emptyState("No runs yet", "Each sync is listed here with what it fetched, stored and skipped. Press Sync now to run one."));
      return;
    }
    body.replaceChildren(h("div", { class: "panel" }, h("table", { id: "runs-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "Started"), h("th", {}, "Connection"), h("th", {}, "Trigger"), h("th", {}, "Status"),
        h("th", { class: "num" }, "Fetched"), h("th", { class: "num" }, "Stored"), h("th", { class: "num" }, "Skipped"), h("th", { class: "num" }, "Took"))),
      h("tbody", {}, ...runs.flatMap((r) => [
        h("tr", { "data-run-id": r.id },
          h("td", {}, new Date(r.started_at).toLocaleString(LOCALE)),
          h("td", {}, r.connection_name),
          h("td", {}, r.trigger),
          h("td", {}, h("span", { class: `badge ${BADGE[r.status] ?? ""}` }, STATUS_TEXT[r.status] ?? r.status)),
          h("td", { class: "num" }, r.records_fetched.toLocaleString(LOCALE)),
          h("td", { class: "num" }, r.records_upserted.toLocaleString(LOCALE)),
          h("td", { class: "num" }, r.records_skipped.toLocaleString(LOCALE)),
          h("td", { class: "num" }, duration(r))),
        r.error || r.records_skipped > 0 ? h("tr", {}, h("td", { colspan: 8 }, details(r))) : null,
      ].filter(Boolean))),
    )));
  }

  function details(run) {
    const parts = [];
    if (run.error) parts.push(h("div", { class: "warning" }, run.error));
    for (const s of run.streams) {
      for (const ex of s.examples) parts.push(h("div", { class: "muted" }, `${s.stream}: skipped ${ex.id ?? "a record"}: ${ex.reason}`));
    }
    return parts;
  }

  let timer = null;
  async function follow() {
    clearTimeout(timer);
    const status = await api.syncStatus();
    syncButton.disabled = status.syncing;
    syncButton.textContent = status.syncing ? "Syncing…" : "Sync now";
    await refresh();
    if (status.syncing && document.body.contains(section)) timer = setTimeout(follow, 1000);
  }
  syncButton.addEventListener("click", async () => {
    try {
      const n = await api.syncNow(null);
      toast(n ? `Syncing ${n} connection${n === 1 ? "" : "s"}` : "No enabled connections to sync");
      await follow();
    } catch (e) { toast(e.message); }
  });
  connectionFilter.addEventListener("change", refresh);
  statusFilter.addEventListener("change", refresh);

  section.append(
    h("div", { class: "page-head" }, h("div", {}, h("h1", {}, "Sync history"), h("p", { class: "lead" }, "Every run, newest first.")), syncButton),
    h("div", { class: "filters" }, connectionFilter, statusFilter),
    body,
  );
  await follow();
  return section;
}
