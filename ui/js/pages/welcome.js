// First launch: no workspace yet.

import { api } from "../api.js";
import { h } from "../dom.js";
import { workspaceForm } from "../workspace-form.js";

export async function render(app) {
  return h("section", {},
    h("h1", {}, "Welcome to Pulseboard"),
    h("p", { class: "lead" }, "Pulseboard keeps a private copy of your shop, ad, shipping and sales-team data on this computer and turns it into daily profit numbers. Start with a workspace: one business, with its own time zone and currency."),
    h("div", { class: "panel" }, workspaceForm({
      submitLabel: "Create workspace",
      full: false,
      onSubmit: async (input) => {
        await api.createWorkspace(input);
        await app.reloadWorkspaces();
        app.go("connections");
      },
    })),
  );
}
