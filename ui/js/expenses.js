// Recurring expenses (rent, software, salaries): a monthly amount spread
// evenly over each month's days, in other_expenses. Shown on the Costs page.

import { api } from "./api.js";
import { h, toast, LOCALE, showFormError, clearFormErrors } from "./dom.js";

/** Monthly costs (rent, software, salaries) spread evenly over each month's days. */
export async function expensesPanel(ws) {
  const money = new Intl.NumberFormat(LOCALE, { style: "currency", currency: ws.currency });
  const panel = h("div", { class: "panel", id: "expenses" });
  const body = h("div");

  async function refresh() {
    const list = await api.expenses(ws.id);
    if (list.length === 0) {
      body.replaceChildren(h("p", { class: "muted" }, "None yet. Each monthly amount counts in other_expenses, spread evenly over the days of its month."));
      return;
    }
    body.replaceChildren(h("table", {},
      h("thead", {}, h("tr", {}, h("th", {}, "Expense"), h("th", { class: "num" }, "Per month"), h("th", {}, "From"), h("th", {}, "Until"), h("th", {}, ""))),
      h("tbody", {}, ...list.map((e) => h("tr", {},
        h("td", {}, e.name),
        h("td", { class: "num" }, money.format(Number(e.monthly_amount))),
        h("td", {}, e.start_month),
        h("td", {}, e.end_month ?? h("span", { class: "muted" }, "ongoing")),
        h("td", { class: "num" }, h("button", { class: "danger", onclick: async () => {
          try { await api.removeExpense(e.id); await refresh(); } catch (err) { toast(err.message); }
        } }, "Remove")),
      )))));
  }

  const thisMonth = new Date().toISOString().slice(0, 7);
  const form = h("form", { class: "grid", id: "expense-form", novalidate: true },
    h("label", { for: "exp-name" }, "Name"), h("input", { id: "exp-name", name: "name", placeholder: "Rent" }),
    h("label", { for: "exp-amount" }, `Per month (${ws.currency})`), h("input", { id: "exp-amount", name: "monthly_amount", inputmode: "decimal", placeholder: "0.00" }),
    h("label", { for: "exp-start" }, "From month"), h("input", { id: "exp-start", name: "start_month", type: "month", value: thisMonth }),
    h("label", { for: "exp-end" }, "Until month"), h("input", { id: "exp-end", name: "end_month", type: "month" }),
    h("div", { class: "help" }, "Leave empty while it goes on."),
    h("span"), h("div", { class: "actions" }, h("button", { type: "submit" }, "Add expense")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    try {
      await api.addExpense(ws.id, Object.fromEntries(new FormData(form)));
      form.reset();
      form.querySelector("#exp-start").value = thisMonth;
      await refresh();
    } catch (err) {
      showFormError(form, err);
    }
  });
  await refresh();
  panel.append(body, h("h2", {}, "Add an expense"), form);
  return panel;
}
