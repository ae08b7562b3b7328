// Dashboard: KPI tiles and charts arrive with the sync engine and metrics.

import { h, emptyState } from "../dom.js";

export async function render(app) {
  return h("section", {},
    h("h1", {}, "Dashboard"),
    h("p", { class: "lead" }, app.workspace.name),
    emptyState("The dashboard is not built yet",
      "KPI tiles and charts for revenue, profit, ad spend and the rest come in a later version. The figures already exist: sync a connection (Sync history → Sync now) and read them with `pulseboard metrics` or `pulseboard export`.",
      h("button", { onclick: () => app.go("history") }, "Go to Sync history")),
  );
}
