// Costs: per-product costs are not built yet; workspace-wide cost settings live in Settings.

import { h, emptyState } from "../dom.js";

export async function render(app) {
  return h("section", {},
    h("h1", {}, "Costs"),
    emptyState("No product costs yet",
      "Per-product costs appear here once a shop has synced, which is not part of this version yet. The default COGS % and payment fees are in Settings.",
      h("button", { onclick: () => app.go("settings") }, "Open Settings")),
  );
}
