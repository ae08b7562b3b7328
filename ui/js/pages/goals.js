// Goals: not built yet; says so.

import { h, emptyState } from "../dom.js";

export async function render() {
  return h("section", {},
    h("h1", {}, "Goals"),
    emptyState("No goals yet", "Goals for revenue, profit and sales activity, with pace and streaks, are not part of this version yet."),
  );
}
