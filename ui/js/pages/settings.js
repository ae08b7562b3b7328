// Settings: the workspace's zone, currency and cost settings; a new workspace;
// pausing sync; where data and logs live.

import { api } from "../api.js";
import { h, toast } from "../dom.js";
import { workspaceForm } from "../workspace-form.js";

let wantNewWorkspace = false;

/** Open Settings with the new-workspace form showing. */
export function startNewWorkspace() {
  wantNewWorkspace = true;
}

export async function render(app) {
  const [info, ui] = await Promise.all([api.appInfo(), api.uiState()]);
  const ws = app.workspace;
  const section = h("section", {}, h("h1", {}, "Settings"), h("p", { class: "lead" }, ws.name));

  if (wantNewWorkspace) {
    wantNewWorkspace = false;
    section.append(h("h2", {}, "New workspace"), h("div", { class: "panel", id: "new-workspace" }, workspaceForm({
      submitLabel: "Create workspace",
      onSubmit: async (input) => {
        const created = await api.createWorkspace(input);
        await api.setActiveWorkspace(created.id);
        await app.reloadWorkspaces();
        toast(`Created ${created.name}`);
        app.go("connections");
      },
    })));
  }

  const cogsWarning = ws.default_cogs_percent === null
    ? h("p", { class: "warning", id: "cogs-warning" }, "No default COGS % is set: products without a cost count as 0 and are listed as missing a cost.")
    : null;
  section.append(
    h("h2", {}, "Workspace"),
    h("div", { class: "panel" }, cogsWarning, workspaceForm({
      initial: ws,
      submitLabel: "Save",
      onSubmit: async (input) => {
        await api.updateWorkspace(ws.id, input);
        await app.reloadWorkspaces();
        toast("Saved");
        location.hash = "settings";
        window.dispatchEvent(new HashChangeEvent("hashchange"));
      },
    })),
  );

  const pause = h("input", { type: "checkbox", id: "sync-paused", checked: ui.sync_paused });
  pause.addEventListener("change", async () => {
    try {
      await api.setSyncPaused(pause.checked);
      document.getElementById("sync-state").textContent = pause.checked ? "Sync paused" : "";
      toast(pause.checked ? "Scheduled syncing paused" : "Scheduled syncing resumed");
    } catch (e) { pause.checked = !pause.checked; toast(e.message); }
  });
  section.append(
    h("h2", {}, "Sync"),
    h("div", { class: "panel" }, h("label", {}, pause, " Pause scheduled syncing (also in the tray menu)")),
    h("h2", {}, "About this computer"),
    h("div", { class: "panel" }, h("dl", { class: "facts", id: "paths" },
      h("dt", {}, "Data folder"), h("dd", { id: "data-dir" }, info.data_dir),
      h("dt", {}, "Database"), h("dd", {}, info.database, h("span", { class: "muted" }, ` (schema ${info.schema_version})`)),
      h("dt", {}, "Log folder"), h("dd", { id: "log-dir" }, info.log_dir),
      h("dt", {}, "Keychain"), h("dd", { id: "keychain" }, info.keychain),
      h("dt", {}, "Version"), h("dd", {}, info.version),
    )),
  );
  return section;
}
