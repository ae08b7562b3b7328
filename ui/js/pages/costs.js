// Costs: every variant with the unit cost in use and where it comes from
// (yours / Shopify / estimate / missing); your own cost entered inline, from a
// day on or always; a CSV of costs previewed line by line and applied whole
// or not at all; and the recurring expenses.

import { api } from "../api.js";
import { h, emptyState, toast, LOCALE } from "../dom.js";
import { expensesPanel } from "../expenses.js";

let onlyMissing = false;

const SOURCES = { yours: "Yours", shopify: "Shopify", estimate: "Estimate", missing: "Missing" };

function money(value, currency) {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(LOCALE, { style: "currency", currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(Number(value));
}

/** One variant's row, with your cost editable in place. */
function costRow(ws, r, refresh) {
  const input = h("input", { class: "cost-input", name: "cost", inputmode: "decimal", value: r.your_cost ?? "", placeholder: "—", "aria-label": `Your cost of ${r.sku ?? r.variant_id}` });
  const from = h("input", { type: "date", name: "from", value: r.effective_from ?? "", "aria-label": "From day (empty: always)" });
  const error = h("div", { class: "field-error", role: "alert", hidden: true });
  const save = h("button", { class: "save-cost" }, "Save");
  save.addEventListener("click", async () => {
    error.hidden = true;
    save.disabled = true;
    try {
      const cost = input.value.trim();
      await api.setCost(ws.id, r.variant_id, cost === "" ? null : cost, from.value || null);
      toast(cost === "" ? "Your cost removed; figures are being recomputed" : "Cost saved; figures are being recomputed");
      await refresh();
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
    } finally { save.disabled = false; }
  });
  const title = r.history.length > 1
    ? `Your costs: ${r.history.map(([d, c]) => `${d ?? "always"}: ${c}`).join("; ")}`
    : undefined;
  return h("tr", { "data-variant": r.variant_id, "data-sku": r.sku ?? "", "data-source": r.cost_source },
    h("td", {}, r.product, r.variant ? h("span", { class: "muted" }, ` — ${r.variant}`) : null),
    h("td", {}, r.sku ?? h("span", { class: "muted" }, "no SKU")),
    h("td", { class: "num" }, money(r.price, ws.currency)),
    h("td", { class: "num" }, money(r.shopify_cost, ws.currency)),
    h("td", { class: "edit", title }, input, from, save, error),
    h("td", { class: "num in-use" }, money(r.cost_in_use, ws.currency)),
    h("td", {}, h("span", { class: `badge source-${r.cost_source}` }, SOURCES[r.cost_source])),
    h("td", { class: "num" }, r.units.toLocaleString(LOCALE)));
}

/** What a picked cost file would do, and Apply (only when every line is clean). */
function previewPanel(ws, picked, done) {
  const p = picked.preview;
  const apply = h("button", { class: "primary", id: "apply-costs", disabled: p.refused > 0 }, `Apply ${p.writes} cost${p.writes === 1 ? "" : "s"}`);
  apply.addEventListener("click", async () => {
    apply.disabled = true;
    try {
      const result = await api.applyCostFile(ws.id, picked.path);
      if (result.applied) {
        toast(`Applied ${result.writes} costs; figures are being recomputed`);
        done();
      } else {
        toast("The file changed and now has lines that cannot be applied: nothing was written");
        apply.disabled = false;
      }
    } catch (e) { toast(e.message); apply.disabled = false; }
  });
  const summary = p.refused > 0
    ? h("p", { class: "form-error", role: "alert" }, `${p.refused} line${p.refused === 1 ? "" : "s"} cannot be applied, so nothing will be written. Fix the file and import it again.`)
    : h("p", { class: "muted" }, `Every line is clean: ${p.writes} cost${p.writes === 1 ? "" : "s"} will be written in one step. Nothing is written until you apply.`);
  return h("div", { class: "panel", id: "import-preview" },
    h("h3", {}, `Preview of ${picked.path}`),
    summary,
    h("div", { class: "table-scroll" }, h("table", {},
      h("thead", {}, h("tr", {}, h("th", { class: "num" }, "Line"), h("th", {}, "SKU"), h("th", {}, "Variant"), h("th", {}, "From"),
        h("th", { class: "num" }, "Now"), h("th", { class: "num" }, "New"), h("th", {}, ""))),
      h("tbody", {}, ...p.lines.map((l) => h("tr", { class: l.problem ? "refused" : "", "data-action": l.action },
        h("td", { class: "num" }, l.line), h("td", {}, l.sku), h("td", {}, l.matches.join(", ") || "—"),
        h("td", {}, l.effective_from ?? "always"),
        h("td", { class: "num" }, money(l.current, ws.currency)), h("td", { class: "num" }, money(l.cost, ws.currency)),
        h("td", { class: l.problem ? "down" : "muted" }, l.problem ?? { new: "new", change: "change", same: "unchanged" }[l.action])))))),
    h("div", { class: "filters" }, apply, h("button", { onclick: done }, "Cancel")));
}

export async function render(app) {
  const ws = app.workspace;
  const section = h("section", {},
    h("div", { class: "page-head" }, h("div", {}, h("h1", {}, "Costs"), h("p", { class: "lead" }, ws.name))));
  const previewBox = h("div");
  const tableBox = h("div");

  async function refresh() {
    const rows = await api.costs(ws.id, onlyMissing);
    if (rows.length === 0) {
      tableBox.replaceChildren(onlyMissing
        ? emptyState("Every variant has a cost", "None is estimated or missing.")
        : emptyState("No variants yet", "Connect a shop and sync it: its variants and their costs appear here."));
      return;
    }
    tableBox.replaceChildren(h("div", { class: "panel table-scroll" }, h("table", { id: "costs-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "Product"), h("th", {}, "SKU"), h("th", { class: "num" }, "Price"),
        h("th", { class: "num" }, "Shopify cost"), h("th", {}, "Your cost · from (empty: always)"), h("th", { class: "num" }, "In use"),
        h("th", {}, "Source"), h("th", { class: "num" }, "Units, 30 d"))),
      h("tbody", {}, ...rows.map((r) => costRow(ws, r, refresh))))));
  }

  const missing = h("input", { type: "checkbox", id: "costs-missing", checked: onlyMissing });
  missing.addEventListener("change", async () => { onlyMissing = missing.checked; await refresh(); });
  const importButton = h("button", { id: "import-costs" }, "Import CSV…");
  importButton.addEventListener("click", async () => {
    importButton.disabled = true;
    try {
      const picked = await api.pickCostFile(ws.id);
      if (picked) previewBox.replaceChildren(previewPanel(ws, picked, async () => { previewBox.replaceChildren(); await refresh(); }));
    } catch (e) {
      previewBox.replaceChildren(h("div", { class: "panel form-error", role: "alert", id: "import-error" }, e.message));
    } finally { importButton.disabled = false; }
  });

  await refresh();
  section.append(
    h("p", { class: "muted" }, "The cost in use is yours where you entered one (from its day on), else Shopify's, else the default COGS % of the price (Settings). Orders keep the cost in force on their day."),
    h("div", { class: "filters" }, h("label", {}, missing, " Only missing or estimated"), importButton,
      h("span", { class: "muted" }, "CSV columns: sku,cost[,effective_from]")),
    previewBox, tableBox,
    h("h2", {}, "Recurring expenses"), await expensesPanel(ws));
  return section;
}
