// Dashboard: KPI tiles for a range, each against the period of equal length
// before it, with a sparkline; the charts (drawn in Rust): the trend of the
// range (a clicked tile's figure, or revenue, net profit and ad spend), the
// profit waterfall, marketing and shipping; the team's leaderboard and the CRM pipeline; CSV export of the range; the connections' last syncs, live sync
// progress and Sync now.

import { api } from "../api.js";
import { h, emptyState, toast, appendAll, LOCALE } from "../dom.js";
import * as progress from "../progress.js";
import { chartPanel, replaceChart, svgNode, theme, contentWidth } from "../charts.js";

const PRESETS = [
  ["today", "Today"], ["yesterday", "Yesterday"], ["7", "Last 7 days"], ["30", "Last 30 days"],
  ["90", "Last 90 days"], ["mtd", "Month to date"], ["custom", "Custom"],
];

let chosen = { preset: "30", from: null, to: null, member: "", metric: null };
// The leaderboard's order: a column and a direction.
let board = { key: "calls", down: true };

const BOARD = [
  ["emails", "E-mails"], ["crm_calls", "CRM calls"], ["leads", "Leads"], ["calls", "Calls"],
  ["calls_answered", "Answered"], ["calls_missed", "Missed"], ["talk_time_s", "Talk time"],
];

/** The per-member table for the range, sorted by a clicked column. */
function leaderboard(rows, redraw) {
  const sorted = [...rows].sort((a, b) => (board.down ? b[board.key] - a[board.key] : a[board.key] - b[board.key]));
  const head = BOARD.map(([key, text]) => {
    const th = h("th", { class: "num", "aria-sort": board.key === key ? (board.down ? "descending" : "ascending") : "none" },
      h("button", { class: "link", "data-sort": key }, text, board.key === key ? (board.down ? " ▼" : " ▲") : ""));
    th.querySelector("button").addEventListener("click", () => {
      board = { key, down: board.key === key ? !board.down : true };
      redraw();
    });
    return th;
  });
  return h("table", { id: "leaderboard" },
    h("thead", {}, h("tr", {}, h("th", {}, "Member"), ...head)),
    h("tbody", {}, ...sorted.map((r) => h("tr", {},
      h("td", {}, r.name || r.email),
      ...BOARD.map(([key]) => h("td", { class: "num" }, key === "talk_time_s" ? format("seconds", r[key]) : format("count", r[key])))))));
}

/** Open deals per stage now, and a bar per day of the range's stage moves. */
function pipelineView(p, currency) {
  const most = Math.max(1, ...p.moves.map((d) => d.moves));
  const total = p.moves.reduce((n, d) => n + d.moves, 0);
  const bars = h("div", { class: "moves", role: "img", "aria-label": `${total} stage moves in the range` },
    ...p.moves.map((d) => {
      const bar = h("div", { class: "move-bar", title: `${d.day}: ${d.moves} stage move${d.moves === 1 ? "" : "s"}` });
      bar.style.height = `${Math.round((d.moves / most) * 100)}%`;
      return bar;
    }));
  return h("div", { class: "panel", id: "pipeline" },
    h("table", {},
      h("thead", {}, h("tr", {}, h("th", {}, "Pipeline"), h("th", {}, "Stage"), h("th", { class: "num" }, "Open deals"), h("th", { class: "num" }, "Open value"))),
      h("tbody", {}, ...p.stages.map((s) => h("tr", {},
        h("td", {}, s.pipeline), h("td", {}, s.stage),
        h("td", { class: "num" }, format("count", s.open)),
        h("td", { class: "num" }, format("money", Number(s.open_value), currency)))))),
    h("p", { class: "muted" }, `Stage moves per day: ${total} in the range.`),
    bars);
}

/** Today's date (YYYY-MM-DD) in the workspace's time zone. */
function todayIn(zone) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date());
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

function shift(day, days) {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function range(preset, today) {
  switch (preset) {
    case "today": return [today, today];
    case "yesterday": return [shift(today, -1), shift(today, -1)];
    case "mtd": return [`${today.slice(0, 8)}01`, today];
    case "custom": return [chosen.from ?? shift(today, -29), chosen.to ?? today];
    default: return [shift(today, 1 - Number(preset)), today];
  }
}

function format(kind, value, currency) {
  if (value === null || value === undefined) return "—";
  const n = Number(value);
  switch (kind) {
    case "money": return new Intl.NumberFormat(LOCALE, { style: "currency", currency, maximumFractionDigits: 0 }).format(n);
    case "ratio": return `${n.toFixed(2)}×`;
    case "percent": return `${(n * 100).toFixed(1)}%`;
    case "seconds": return `${Math.floor(n / 3600)} h ${Math.round((n % 3600) / 60)} m`;
    default: return n.toLocaleString(LOCALE);
  }
}

// The backend says which way a figure moved and whether that is good news.
const ARROWS = { up: "▲", down: "▼", flat: "■" };
function change(tile) {
  const c = tile.change;
  if (!c) return h("span", { class: "muted" }, "no comparison");
  const cls = c.direction === "flat" ? "muted" : c.good ? "up" : "down";
  return h("span", { class: cls }, `${ARROWS[c.direction]} ${(Math.abs(Number(c.ratio)) * 100).toFixed(1)}%`);
}

/** The main chart's title for the figure it shows. */
function trendTitle(tiles, metric, by) {
  const tile = tiles.find((t) => t.key === metric);
  return `${tile ? tile.label : "Revenue, net profit and ad spend"} by ${by}`;
}

/** The charts below the tiles; a click on a tile redraws the trend with its figure. */
function chartsView(d, c, tilesBox, args) {
  const trend = chartPanel("trend-chart", trendTitle(d.tiles, c.metric, c.by), c.trend, "trend",
    h("p", { class: "muted chart-note" }, "Faint: the period before. Click a tile to chart its figure; click it again for the three together."));
  const pick = async (key) => {
    chosen.metric = chosen.metric === key ? null : key;
    for (const t of tilesBox.querySelectorAll(".tile")) t.setAttribute("aria-pressed", String(t.dataset.key === chosen.metric));
    try {
      const again = await api.dashboardCharts(...args(chosen.metric));
      replaceChart(trend, again.trend, trendTitle(d.tiles, again.metric, again.by));
    } catch (e) { toast(e.message); }
  };
  for (const tile of tilesBox.querySelectorAll(".tile")) {
    tile.setAttribute("aria-pressed", String(tile.dataset.key === chosen.metric));
    tile.addEventListener("click", () => pick(tile.dataset.key));
    tile.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); pick(tile.dataset.key); } });
  }
  const sparks = new Map(c.sparklines);
  for (const tile of tilesBox.querySelectorAll(".tile")) {
    const svg = sparks.get(tile.dataset.key);
    if (svg) tile.append(h("div", { class: "spark", "aria-hidden": "true" }, svgNode(svg)));
  }
  return h("div", { id: "charts" },
    trend,
    chartPanel("waterfall-chart", "From revenue to net profit", c.waterfall, "profit-waterfall"),
    h("div", { class: "chart-row" },
      chartPanel("marketing-chart", `ROAS and POAS by ${c.by}`, c.marketing, "roas-poas",
        h("p", { class: "muted chart-note" }, "Below the break-even line, ads cost more than they bring.")),
      chartPanel("spend-chart", `Ad spend by platform, by ${c.by}`, c.spend, "ad-spend")),
    chartPanel("shipping-chart", `Shipments by status and RTO rate, by shipment ${c.by}`, c.shipping, "shipping"));
}

export async function render(app) {
  const ws = app.workspace;
  const section = h("section", {});
  const today = todayIn(ws.timezone);
  const [from, to] = range(chosen.preset, today);
  const connections = await api.connections(ws.id);

  const presets = h("div", { class: "filters", role: "group", "aria-label": "Date range" },
    ...PRESETS.map(([key, label]) => h("button", {
      "data-preset": key, "aria-pressed": String(chosen.preset === key), class: chosen.preset === key ? "primary" : "",
      onclick: () => { chosen = { ...chosen, preset: key }; app.refresh(); },
    }, label)));
  const custom = chosen.preset === "custom" ? h("div", { class: "filters" },
    h("label", {}, "From ", h("input", { type: "date", id: "range-from", value: from, onchange: (e) => { chosen.from = e.target.value; app.refresh(); } })),
    h("label", {}, "To ", h("input", { type: "date", id: "range-to", value: to, onchange: (e) => { chosen.to = e.target.value; app.refresh(); } })),
  ) : null;

  // While a sync runs (say, the demo's first), say so; the bars below follow it
  // and the page refreshes itself when it ends. A run is told finished only
  // once its day figures are stored, so that refresh shows the final numbers.
  const status = await api.syncStatus();
  const busy = status.syncing || status.running.length > 0;
  const banner = busy
    ? h("p", { class: "panel", id: "syncing-banner", role: "status" }, "Syncing… the figures update when it finishes.") : null;

  let body;
  if (connections.length === 0) {
    body = emptyState("No data yet", "Connect an account (or the demo) and sync it; the figures appear here.",
      h("button", { onclick: () => app.go("connections") }, "Go to Connections"));
  } else {
    try {
      const member = chosen.member || null;
      const [d, leaders, deals] = await Promise.all([api.dashboard(ws.id, from, to, member), api.leaderboard(ws.id, from, to), api.pipeline(ws.id, from, to, member)]);
      const picker = leaders.length > 0 ? h("label", { class: "filters" }, "Sales figures of ",
        h("select", { id: "member-pick", onchange: (e) => { chosen.member = e.target.value; app.refresh(); } },
          h("option", { value: "" }, "the whole team"),
          ...leaders.map((l) => h("option", { value: l.email, selected: l.email === chosen.member }, l.name || l.email)))) : null;
      const tilesBox = h("div", { class: "tiles", id: "tiles" }, ...d.tiles.map((t) => h("div", { class: "tile", "data-key": t.key, role: "button", tabindex: "0", title: `Chart ${t.label}` },
        h("div", { class: "tile-label" }, t.label),
        h("div", { class: "tile-value" }, format(t.kind, t.value, d.currency)),
        h("div", { class: "tile-change" }, change(t), h("span", { class: "muted" }, ` vs ${format(t.kind, t.previous, d.currency)}`)),
      )));
      const args = (metric) => [ws.id, from, to, metric, theme(), contentWidth()];
      const charts = chartsView(d, await api.dashboardCharts(...args(chosen.metric)), tilesBox, args);
      const boardBox = h("div", { class: "panel" });
      const redraw = () => boardBox.replaceChildren(leaderboard(leaders, redraw));
      redraw();
      body = h("div", {},
        picker,
        d.recomputing ? h("p", { class: "panel", id: "recomputing", role: "status" }, "Recomputing figures after a change to costs or settings… the numbers shown are already computed from your records.") : null,
        h("p", { class: "muted", id: "range-note" },
          `${d.from} to ${d.to}${d.to === today ? " (today partial)" : ""}, compared with ${d.previous_from} to ${d.previous_to}. Amounts in ${d.currency}, days in ${d.timezone}.`),
        tilesBox,
        charts,
        leaders.length > 0 ? h("h2", {}, "Team") : null,
        leaders.length > 0 ? boardBox : null,
        deals.stages.length > 0 ? h("h2", {}, "Pipeline") : null,
        deals.stages.length > 0 ? pipelineView(deals, d.currency) : null);
    } catch (e) {
      body = h("div", { class: "panel form-error", role: "alert" }, e.message);
    }
  }

  const syncButton = h("button", { id: "dashboard-sync" }, "Sync now");
  syncButton.addEventListener("click", async () => {
    try {
      const n = await api.syncNow(null);
      toast(n > 0 ? `Syncing ${n} connection${n === 1 ? "" : "s"}` : "No enabled connections to sync");
    } catch (e) { toast(e.message); }
  });
  const syncs = h("div", { class: "panel sync-strip" },
    ...connections.map((c) => h("div", { class: "sync-item" },
      h("span", { class: `badge ${c.status}` }, c.display_name), " ",
      h("span", { class: "muted" }, c.last_sync_at ? `synced ${new Date(c.last_sync_at).toLocaleString(LOCALE)}` : "never synced"),
      progress.bar(c.id))),
    syncButton);

  const by = h("select", { id: "export-by", "aria-label": "Rows per" },
    h("option", { value: "day" }, "by day"), h("option", { value: "week" }, "by week"), h("option", { value: "month" }, "by month"));
  const exportButton = h("button", { id: "export-csv" }, "Export CSV…");
  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    try {
      const done = await api.exportCsv(ws.id, from, to, by.value);
      if (done) toast(`Exported ${done.rows} rows to ${done.path}`);
    } catch (e) { toast(e.message); } finally { exportButton.disabled = false; }
  });
  const exporter = connections.length > 0
    ? h("div", { class: "filters", id: "export" }, h("span", { class: "muted" }, `Daily metrics, ${from} to ${to}, `), by, exportButton) : null;

  appendAll(section,
    h("div", { class: "page-head" }, h("div", {}, h("h1", {}, "Dashboard"), h("p", { class: "lead" }, ws.name))),
    presets, custom, banner, body, exporter, h("h2", {}, "Connections"), syncs,
  );
  return section;
}
