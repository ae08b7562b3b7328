// P&L: a range's profit and loss by month or week, from gross sales down to
// net profit, with each recurring expense; a totals column, the range before
// and the change. Every line's definition, and every computed cell's formula
// with its inputs, is one hover away. Exports as CSV.

import { api } from "../api.js";
import { h, emptyState, toast, LOCALE } from "../dom.js";

const PRESETS = [
  ["12m", "Last 12 months"], ["ytd", "This year"], ["lastyear", "Last year"], ["q", "Last 3 months"], ["custom", "Custom"],
];

let chosen = { preset: "12m", by: "month", from: null, to: null };

function todayIn(zone) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date());
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

function monthsBack(today, n) {
  const d = new Date(`${today.slice(0, 7)}-01T12:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - n);
  return d.toISOString().slice(0, 10);
}

function range(preset, today) {
  const year = Number(today.slice(0, 4));
  switch (preset) {
    case "ytd": return [`${year}-01-01`, today];
    case "lastyear": return [`${year - 1}-01-01`, `${year - 1}-12-31`];
    case "q": return [monthsBack(today, 2), today];
    case "custom": return [chosen.from ?? monthsBack(today, 11), chosen.to ?? today];
    default: return [monthsBack(today, 11), today];
  }
}

function money(value, currency) {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(LOCALE, { style: "currency", currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(Number(value));
}

function cell(line, value, currency) {
  if (value === null || value === undefined) return "—";
  return line.kind === "percent" ? `${(Number(value) * 100).toFixed(1)}%` : money(value, currency);
}

function heading([start, end], by) {
  const s = new Date(`${start}T12:00:00Z`);
  const e = new Date(`${end}T12:00:00Z`);
  const whole = start.endsWith("-01") && new Date(e.getTime() + 86400000).getUTCDate() === 1;
  if (by === "month" && whole) return s.toLocaleDateString(LOCALE, { month: "short", year: "numeric", timeZone: "UTC" });
  const f = (d) => d.toLocaleDateString(LOCALE, { month: "short", day: "numeric", timeZone: "UTC" });
  return `${f(s)} – ${f(e)}`;
}

function changeCell(line) {
  const c = line.change;
  if (!c) return h("td", { class: "num muted" }, "—");
  const cls = c.direction === "flat" ? "muted" : c.good ? "up" : "down";
  const arrow = { up: "▲", down: "▼", flat: "■" }[c.direction];
  return h("td", { class: `num ${cls}` }, `${arrow} ${(Math.abs(Number(c.ratio)) * 100).toFixed(1)}%`);
}

/** Leave out the periods before the first one with any figure (a shop synced
 * since September has nothing to say about January); the totals stay whole. */
function fromFirstFigures(p) {
  const periods = p.columns.length - 2;
  const empty = (i) => p.lines.every((l) => l.cells[i] === null || Number(l.cells[i]) === 0);
  let skip = 0;
  while (skip < periods - 1 && empty(skip)) skip += 1;
  if (skip === 0) return [p, 0];
  const cut = (list) => list.slice(skip);
  return [{ ...p, columns: cut(p.columns), lines: p.lines.map((l) => ({ ...l, cells: cut(l.cells), explained: cut(l.explained) })) }, skip];
}

function table(p) {
  const periods = p.columns.length - 2;
  const head = h("tr", {}, h("th", {}, `P&L (${p.currency})`),
    ...p.columns.slice(0, periods).map((c) => h("th", { class: "num" }, heading(c, p.by))),
    h("th", { class: "num" }, "Total"),
    h("th", { class: "num previous", title: `${p.columns[periods + 1][0]} to ${p.columns[periods + 1][1]}` }, "Before"),
    h("th", { class: "num" }, "Change"));
  const rows = p.lines.map((line) => {
    const cls = [line.strong ? "strong" : "", line.part ? "part" : ""].join(" ").trim();
    return h("tr", { class: cls, "data-key": line.key },
      h("td", { title: line.definition }, line.label),
      ...line.cells.map((v, i) => h("td", {
        class: i === periods + 1 ? "num previous" : "num",
        title: line.explained[i] ? `${line.definition}\n${line.explained[i]}` : line.definition,
      }, cell(line, v, p.currency))),
      changeCell(line));
  });
  return h("table", { class: "pnl", id: "pnl-table" }, h("thead", {}, head), h("tbody", {}, ...rows));
}

export async function render(app) {
  const ws = app.workspace;
  const today = todayIn(ws.timezone);
  const [from, to] = range(chosen.preset, today);
  const presets = h("div", { class: "filters", role: "group", "aria-label": "Range" },
    ...PRESETS.map(([key, label]) => h("button", {
      "data-preset": key, "aria-pressed": String(chosen.preset === key), class: chosen.preset === key ? "primary" : "",
      onclick: () => { chosen = { ...chosen, preset: key }; app.refresh(); },
    }, label)),
    h("select", { id: "pnl-by", "aria-label": "Columns", onchange: (e) => { chosen.by = e.target.value; app.refresh(); } },
      h("option", { value: "month", selected: chosen.by === "month" }, "by month"),
      h("option", { value: "week", selected: chosen.by === "week" }, "by week")));
  const custom = chosen.preset === "custom" ? h("div", { class: "filters" },
    h("label", {}, "From ", h("input", { type: "date", id: "pnl-from", value: from, onchange: (e) => { chosen.from = e.target.value; app.refresh(); } })),
    h("label", {}, "To ", h("input", { type: "date", id: "pnl-to", value: to, onchange: (e) => { chosen.to = e.target.value; app.refresh(); } }))) : null;

  let body;
  try {
    const p = await api.pnl(ws.id, from, to, chosen.by);
    const [shown, skipped] = fromFirstFigures(p);
    const hasFigures = p.lines.some((l) => l.cells.some((v) => v !== null && Number(v) !== 0));
    const exportButton = h("button", { id: "export-pnl" }, "Export CSV…");
    exportButton.addEventListener("click", async () => {
      exportButton.disabled = true;
      try {
        const done = await api.exportPnl(ws.id, from, to, chosen.by);
        if (done) toast(`Exported ${done.rows} periods to ${done.path}`);
      } catch (e) { toast(e.message); } finally { exportButton.disabled = false; }
    });
    body = hasFigures
      ? h("div", {},
        h("p", { class: "muted" }, `${from} to ${to}; “Before” is ${p.columns[p.columns.length - 1][0]} to ${p.columns[p.columns.length - 1][1]}. Hover a line for its definition, a figure for how it was reached.`),
        skipped > 0 ? h("p", { class: "muted", id: "pnl-skipped" }, `No figures before ${heading(shown.columns[0], p.by)}: the ${skipped} ${p.by === "week" ? "week" : "month"}${skipped === 1 ? "" : "s"} before it are left out (the total counts them).`) : null,
        h("div", { class: "panel table-scroll" }, table(shown)),
        h("div", { class: "filters" }, exportButton))
      : emptyState("Nothing in this range", "Sync a shop, ads or shipping, or pick another range.");
  } catch (e) {
    body = h("div", { class: "panel form-error", role: "alert" }, e.message);
  }
  return h("section", {},
    h("div", { class: "page-head" }, h("div", {}, h("h1", {}, "P&L"), h("p", { class: "lead" }, ws.name))),
    presets, custom, body);
}
