// First launch: no workspace yet.

import { api } from "../api.js";
import { h, toast } from "../dom.js";
import { workspaceForm } from "../workspace-form.js";

export async function render(app) {
  return h("section", {},
    h("h1", {}, "Welcome to Pulseboard"),
    h("p", { class: "lead" }, "Pulseboard keeps a private copy of your shop, ad, shipping and sales-team data on this computer and turns it into daily profit numbers. Start with a workspace: one business, with its own time zone and currency."),
    h("div", { class: "panel" },
      h("h2", { class: "first" }, "Just looking?"),
      h("p", {}, "Explore a full dashboard of a made-up shop: orders, ads, shipments and a sales team, generated on this computer and synced through the same engine as real accounts."),
      h("button", { class: "primary", id: "explore-demo", onclick: async (e) => {
        e.target.disabled = true;
        try {
          await api.createDemo();
          await app.reloadWorkspaces();
          app.go("dashboard");
        } catch (err) { e.target.disabled = false; toast(err.message); }
      } }, "Explore with demo data")),
    h("h2", {}, "Or set up your own business"),
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
