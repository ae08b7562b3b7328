// Dashboard: KPI tiles and charts arrive with the sync engine and metrics.

import { h, emptyState } from "../dom.js";

export async function render(app) {
  return h("section", {},
    h("h1", {}, "Dashboard"),
    h("p", { class: "lead" }, app.workspace.name),
    emptyState("No figures yet",
      "Daily revenue, profit, ad spend and the other figures appear here once your connections have synced. Syncing is not part of this version yet; you can already set up the workspace and its connections.",
      h("button", { onclick: () => app.go("connections") }, "Go to Connections")),
  );
}
