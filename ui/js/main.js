// The shell: navigation between pages, the workspace switcher, first launch.

import { api } from "./api.js";
import { h, toast } from "./dom.js";
import * as progress from "./progress.js";
import * as dashboard from "./pages/dashboard.js";
import * as connections from "./pages/connections.js";
import * as goals from "./pages/goals.js";
import * as costs from "./pages/costs.js";
import * as pnl from "./pages/pnl.js";
import * as products from "./pages/products.js";
import * as historyPage from "./pages/history.js";
import * as settings from "./pages/settings.js";
import * as welcome from "./pages/welcome.js";

const pages = { dashboard, connections, goals, pnl, products, costs, history: historyPage, settings };

export const app = {
  workspaces: [],
  get workspace() { return this.workspaces.find((w) => w.active) ?? null; },
  async reloadWorkspaces() {
    this.workspaces = await api.workspaces();
    renderSwitcher();
  },
  go(page) {
    // Setting the hash it already has fires no hashchange: show it directly.
    if (location.hash === `#${page}`) show(page);
    else location.hash = page;
  },
  /** Render the current page again (after a change it shows). */
  refresh() { return show(location.hash.slice(1)); },
};

function renderSwitcher() {
  const select = document.getElementById("workspace-select");
  select.replaceChildren(
    ...app.workspaces.map((w) => h("option", { value: w.id, selected: w.active }, w.name)),
    h("option", { value: "new" }, "New workspace…"),
  );
  select.disabled = app.workspaces.length === 0;
}

// Renders can overlap (a click, then a sync ending mid-render): only the
// newest one may put its page on screen.
let renders = 0;

async function show(page) {
  const main = document.getElementById("page");
  const mine = ++renders;
  const put = (node) => { if (mine === renders) main.replaceChildren(node); };
  if (!app.workspace) {
    put(await welcome.render(app));
    highlight(null);
    return;
  }
  const module = pages[page] ?? pages.dashboard;
  const name = pages[page] ? page : "dashboard";
  highlight(name);
  try {
    put(await module.render(app));
  } catch (e) {
    put(h("div", { class: "panel form-error", role: "alert" }, e.message));
  }
  api.setPage(name).catch(() => {});
}

function highlight(page) {
  document.querySelectorAll("#nav a").forEach((a) => {
    if (a.dataset.page === page) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
}

async function start() {
  document.getElementById("workspace-select").addEventListener("change", async (e) => {
    if (e.target.value === "new") {
      app.go("settings");
      settings.startNewWorkspace();
      await show("settings");
      renderSwitcher();
      return;
    }
    await api.setActiveWorkspace(Number(e.target.value));
    await app.reloadWorkspaces();
    toast(`Switched to ${app.workspace.name}`);
    await show(location.hash.slice(1));
  });
  window.addEventListener("hashchange", () => show(location.hash.slice(1)));
  // A finished run changes what the dashboard, Connections and Sync history show.
  await progress.start(() => {
    const page = location.hash.slice(1);
    if (["dashboard", "connections", "history", ""].includes(page) && !document.querySelector("form")) app.refresh();
  }).catch((e) => console.warn("no sync progress events", e));
  const [ui] = await Promise.all([api.uiState(), app.reloadWorkspaces()]);
  document.getElementById("sync-state").textContent = ui.sync_paused ? "Sync paused" : "";
  if (!location.hash) history.replaceState(null, "", `#${ui.page}`);
  await show(location.hash.slice(1));
}

start().catch((e) => {
  document.getElementById("page").replaceChildren(h("div", { class: "panel form-error", role: "alert" }, e.message));
});
