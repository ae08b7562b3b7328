// Sync history: filled by the sync engine's runs, not built yet.

import { h, emptyState } from "../dom.js";

export async function render() {
  return h("section", {},
    h("h1", {}, "Sync history"),
    emptyState("No syncs yet", "Every sync run will be listed here with its records and errors. Syncing is not part of this version yet."),
  );
}
