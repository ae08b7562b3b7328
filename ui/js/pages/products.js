// Products: each product's units, revenue, refunds, cost and gross profit
// over a range, worst margin first so the ones losing money are on top; any
// column sorts. The rows add up to the workspace's figures (metrics.md).

import { api } from "../api.js";
import { h, emptyState, LOCALE } from "../dom.js";

const PRESETS = [["30", "Last 30 days"], ["90", "Last 90 days"], ["365", "Last 12 months"]];
const COLUMNS = [
  ["product", "Product", "text"], ["units", "Units", "count"], ["revenue", "Revenue", "money"],
  ["refunds", "Refunds", "money"], ["cogs", "Cost of goods", "money"], ["gross_profit", "Gross profit", "money"],
  ["margin", "Margin", "percent"], ["refund_rate", "Refund rate", "percent"],
];

let chosen = { preset: "30", key: "margin", down: false };

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

function cell(kind, value, currency) {
  if (value === null || value === undefined) return "—";
  switch (kind) {
    case "money": return new Intl.NumberFormat(LOCALE, { style: "currency", currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(Number(value));
    case "percent": return `${(Number(value) * 100).toFixed(1)}%`;
    case "count": return Number(value).toLocaleString(LOCALE);
    default: return value;
  }
}

/** Sort by a column; an empty ratio goes last either way. */
function sorted(rows) {
  const { key, down } = chosen;
  return [...rows].sort((a, b) => {
    const [x, y] = [a[key], b[key]];
    if (x === null || y === null) return (x === null) - (y === null);
    const c = key === "product" ? String(x).localeCompare(String(y)) : Number(x) - Number(y);
    return down ? -c : c;
  });
}

export async function render(app) {
  const ws = app.workspace;
  const today = todayIn(ws.timezone);
  const from = shift(today, 1 - Number(chosen.preset));
  const presets = h("div", { class: "filters", role: "group", "aria-label": "Range" },
    ...PRESETS.map(([key, label]) => h("button", {
      "data-preset": key, "aria-pressed": String(chosen.preset === key), class: chosen.preset === key ? "primary" : "",
      onclick: () => { chosen = { ...chosen, preset: key }; app.refresh(); },
    }, label)));
  let body;
  try {
    const rows = await api.products(ws.id, from, today);
    const box = h("div", { class: "panel table-scroll" });
    const draw = () => {
      const head = COLUMNS.map(([key, text, kind]) => h("th", { class: kind === "text" ? "" : "num", "aria-sort": chosen.key === key ? (chosen.down ? "descending" : "ascending") : "none" },
        h("button", { class: "link", "data-sort": key, onclick: () => { chosen = { ...chosen, key, down: chosen.key === key ? !chosen.down : kind !== "percent" }; draw(); } },
          text, chosen.key === key ? (chosen.down ? " ▼" : " ▲") : "")));
      box.replaceChildren(h("table", { id: "products-table" },
        h("thead", {}, h("tr", {}, ...head)),
        h("tbody", {}, ...sorted(rows).map((r) => h("tr", { class: Number(r.gross_profit) < 0 ? "loss" : "" },
          ...COLUMNS.map(([key, , kind]) => h("td", { class: kind === "text" ? "" : "num" }, cell(kind, r[key], ws.currency))))))));
    };
    draw();
    const losing = rows.filter((r) => Number(r.gross_profit) < 0).length;
    body = rows.length === 0
      ? emptyState("No products sold in this range", "Sync a shop, or pick a longer range.")
      : h("div", {},
        h("p", { class: "muted", id: "products-note" },
          `${from} to ${today}. ${losing > 0 ? `${losing} product${losing === 1 ? "" : "s"} lost money (in red). ` : ""}Worst margin first; click a column to sort. Discounts and shipping are shared by line value, so the rows add up to the dashboard's figures.`),
        box);
  } catch (e) {
    body = h("div", { class: "panel form-error", role: "alert" }, e.message);
  }
  return h("section", {},
    h("div", { class: "page-head" }, h("div", {}, h("h1", {}, "Products"), h("p", { class: "lead" }, ws.name))),
    presets, body);
}
