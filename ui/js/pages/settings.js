// Settings: the workspace's zone, currency and cost settings; a new workspace;
// pausing sync; backups and restore; where data and logs live.

import { api } from "../api.js";
import { h, toast, showFormError, clearFormErrors, LOCALE } from "../dom.js";
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

  section.append(h("h2", {}, "Recurring expenses"), h("div", { class: "panel" },
    h("p", { class: "muted" }, "Rent, software, salaries: monthly costs now live on the Costs page, beside product costs."),
    h("button", { onclick: () => app.go("costs") }, "Open Costs")));

  const pause = h("input", { type: "checkbox", id: "sync-paused", checked: ui.sync_paused });
  pause.addEventListener("change", async () => {
    try {
      await api.setSyncPaused(pause.checked);
      document.getElementById("sync-state").textContent = pause.checked ? "Sync paused" : "";
      toast(pause.checked ? "Scheduled syncing paused" : "Scheduled syncing resumed");
    } catch (e) { pause.checked = !pause.checked; toast(e.message); }
  });
  const login = h("input", { type: "checkbox", id: "autostart" });
  let loginNote = null;
  try { login.checked = await api.autostart(); } catch (e) { login.disabled = true; loginNote = h("span", { class: "muted" }, ` (${e.message})`); }
  login.addEventListener("change", async () => {
    try {
      login.checked = await api.setAutostart(login.checked);
      toast(login.checked ? "Pulseboard will start in the tray when you log in" : "Pulseboard will not start at login");
    } catch (e) { login.checked = !login.checked; toast(e.message); }
  });
  section.append(
    h("h2", {}, "Sync"),
    h("div", { class: "panel" },
      h("label", {}, pause, " Pause scheduled syncing (also in the tray menu)"),
      h("br"),
      h("label", {}, login, " Start Pulseboard when I log in (in the tray, without the window, so it syncs on schedule)", loginNote)),
    h("h2", {}, "Backups"),
    await backupsPanel(app),
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

const KIND_LABEL = {
  "daily": "Daily", "weekly": "Weekly", "manual": "Manual",
  "before-migration": "Before an update", "before-restore": "Before a restore",
};

function sizeText(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

function ageText(time) {
  const minutes = Math.max(0, Math.round((Date.now() - Date.parse(time)) / 60000));
  if (minutes < 60) return minutes <= 1 ? "just now" : `${minutes} minutes ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? "" : "s"} ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** The backups (newest first), Back up now, Restore… and the folder. A restore
 *  asks for a second click, then reloads the app on the restored file. */
async function backupsPanel(app) {
  const panel = h("div", { class: "panel", id: "backups" });
  const body = h("div");

  async function restore(path, button) {
    if (button && button.dataset.confirm !== "1") {
      button.dataset.confirm = "1";
      button.textContent = "Confirm restore";
      return;
    }
    try {
      const done = await api.restoreBackup(path);
      if (!done) return;
      const notes = [done.replaced_damaged
        ? `The damaged file was moved aside to ${done.replaced}.`
        : `The file it replaced is kept as a backup (restore it to undo).`];
      if (done.need_credentials.length) notes.push(`Enter the credentials again for: ${done.need_credentials.join(", ")}.`);
      toast(`Restored. ${notes.join(" ")}`);
      await app.reloadWorkspaces();
      app.go("settings");
    } catch (e) { toast(e.message); }
  }

  async function refresh() {
    const list = await api.backups();
    if (list.length === 0) {
      body.replaceChildren(h("p", { class: "muted" }, "No backups yet. The app takes one a day while it runs."));
      return;
    }
    body.replaceChildren(h("table", { id: "backup-list" },
      h("thead", {}, h("tr", {}, h("th", {}, "Taken"), h("th", {}, "Kind"), h("th", { class: "num" }, "Size"), h("th", {}, ""))),
      h("tbody", {}, ...list.map((b) => {
        const button = h("button", {}, "Restore");
        button.addEventListener("click", () => restore(b.path, button));
        return h("tr", { "data-kind": b.kind },
          h("td", { title: b.path }, new Date(b.time).toLocaleString(LOCALE), h("span", { class: "muted" }, ` (${ageText(b.time)})`)),
          h("td", {}, KIND_LABEL[b.kind] ?? b.kind),
          h("td", { class: "num" }, sizeText(b.size)),
          h("td", { class: "num" }, button));
      }))));
  }

  const now = h("button", { id: "back-up-now" }, "Back up now");
  now.addEventListener("click", async () => {
    now.disabled = true;
    try { const b = await api.backUpNow(); toast(`Backed up (${sizeText(b.size)})`); await refresh(); }
    catch (e) { toast(e.message); }
    finally { now.disabled = false; }
  });
  const pick = h("button", { id: "restore-file" }, "Restore…");
  pick.addEventListener("click", () => restore(null, null));
  const folder = h("button", { id: "open-backups" }, "Open folder");
  folder.addEventListener("click", async () => {
    try { await api.openBackupsFolder(); } catch (e) { toast(e.message); }
  });
  panel.append(
    h("p", { class: "muted" }, "A backup holds your data, not your credentials: those stay in the keychain. The newest 7 daily and 4 weekly backups are kept; yours and those taken before an update or a restore stay until you delete them."),
    h("div", { class: "actions" }, now, pick, folder),
    body,
  );
  await refresh();
  return panel;
}

