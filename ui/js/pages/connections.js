// Connections: list, add, edit, enable/disable and remove the workspace's accounts.

import * as progress from "../progress.js";
import { api } from "../api.js";
import { h, emptyState, showFormError, clearFormErrors, toast, LOCALE } from "../dom.js";

const STATUS_TEXT = { new: "Not synced yet", ok: "OK", error: "Last sync failed", needs_attention: "Needs attention" };

let providersCache = null;
async function providers() {
  providersCache ??= await api.providers();
  return providersCache;
}

export async function render(app) {
  const section = h("section", {});
  const body = h("div", { id: "connections-body" });
  const addButton = h("button", { class: "primary", id: "add-connection", onclick: () => openForm(null) }, "Add connection");
  section.append(
    h("div", { class: "page-head" },
      h("div", {}, h("h1", {}, "Connections"), h("p", { class: "lead" }, `Accounts that feed ${app.workspace.name}. Credentials are kept in your system keychain, never in Pulseboard's files.`)),
      addButton),
    body,
  );

  // Which providers' accounts "Test" can ask about: the backend says.
  let testable = new Set();

  async function refresh() {
    const [list, specs] = await Promise.all([api.connections(app.workspace.id), providers()]);
    testable = new Set(specs.filter((p) => p.testable).map((p) => p.provider));
    if (list.length === 0) {
      body.replaceChildren(emptyState("No connections yet", "Connect Shopify, Meta Ads, Google Ads, Shiprocket, Copper or JustCall.",
        h("button", { class: "primary", onclick: () => openForm(null) }, "Add your first connection")));
      return;
    }
    body.replaceChildren(h("div", { class: "panel" }, h("table", { id: "connections-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "Connection"), h("th", {}, "Status"), h("th", {}, "Schedule"), h("th", {}, "Last sync"), h("th", {}, "Enabled"), h("th", {}, ""))),
      h("tbody", {}, ...list.map(rowFor)),
    )));
  }

  function rowFor(c) {
    const toggle = h("input", { type: "checkbox", checked: c.enabled, "aria-label": `Enable ${c.display_name}` });
    toggle.addEventListener("change", async () => {
      try { await api.setConnectionEnabled(c.id, toggle.checked); toast(`${c.display_name} ${toggle.checked ? "enabled" : "disabled"}`); }
      catch (e) { toggle.checked = !toggle.checked; toast(e.message); }
    });
    const remove = h("button", { class: "danger", "data-action": "remove" }, "Remove");
    remove.addEventListener("click", async () => {
      if (remove.dataset.confirm !== "1") {
        remove.dataset.confirm = "1";
        remove.textContent = "Confirm remove";
        return;
      }
      try { await api.removeConnection(c.id); toast(`Removed ${c.display_name}`); await refresh(); }
      catch (e) { toast(e.message); }
    });
    return h("tr", { "data-connection-id": c.id },
      h("td", {}, h("div", { class: "conn-name" }, c.display_name), h("div", { class: "muted" }, c.provider_label),
        c.account ? h("div", { class: "muted account" }, `${c.account.name ?? "account"} · ${c.account.currency ?? "?"} · ${c.account.timezone ?? "?"}`) : null,
        ...c.warnings.map((w) => h("div", { class: "warning account-warning" }, w)),
        c.last_error ? h("div", { class: "warning" }, c.last_error) : null),
      h("td", {}, h("span", { class: `badge ${c.status}` }, STATUS_TEXT[c.status] ?? c.status), progress.bar(c.id)),
      h("td", {}, h("code", {}, c.schedule)),
      h("td", {}, c.last_sync_at ? new Date(c.last_sync_at).toLocaleString(LOCALE) : h("span", { class: "muted" }, "never")),
      h("td", {}, toggle),
      h("td", { class: "num" },
        h("button", { "data-action": "sync", onclick: async () => {
          try { await api.syncNow(c.id); toast(`Syncing ${c.display_name}`); } catch (e) { toast(e.message); }
        } }, "Sync now"), " ",
        testable.has(c.provider) ? h("button", { "data-action": "test", onclick: async (e) => {
          e.target.disabled = true;
          try {
            const t = await api.testConnection(c.id);
            toast(`Connected to ${t.account?.name ?? c.display_name}${t.warnings.length ? ` — ${t.warnings.length} warning(s)` : ""}`);
            await refresh();
          } catch (err) { toast(err.message); e.target.disabled = false; }
        } }, "Test") : null, " ",
        h("button", { "data-action": "edit", onclick: () => openForm(c.id) }, "Edit"), " ", remove),
    );
  }

  async function openForm(id) {
    const specs = await providers();
    const detail = id ? await api.connection(id) : null;
    body.replaceChildren(await connectionForm({ app, specs, detail, done: async (msg) => { if (msg) toast(msg); addButton.hidden = false; await refresh(); } }));
    addButton.hidden = true;
  }

  await refresh();
  return section;
}

async function connectionForm({ app, specs, detail, done }) {
  const editing = Boolean(detail);
  const panel = h("div", { class: "panel" });
  const form = h("form", { class: "grid", id: "connection-form", novalidate: true });
  const providerSelect = h("select", { id: "provider", name: "provider", disabled: editing },
    ...specs.map((s) => h("option", { value: s.provider, selected: detail?.provider === s.provider }, s.label)));
  const fieldsBox = h("div", { class: "contents" });

  function renderFields() {
    const spec = specs.find((s) => s.provider === providerSelect.value);
    const rows = [h("div", { class: "help span-all" }, spec.instructions)];
    for (const f of spec.fields) {
      const secret = f.kind === "secret";
      const id = `field-${f.key}`;
      const value = secret ? "" : (detail?.settings?.[f.key] ?? "");
      const placeholder = secret && editing
        ? (detail.secret_hint ? `Stored (${detail.secret_hint}) — leave empty to keep` : "Not stored — enter it again")
        : f.placeholder;
      rows.push(
        h("label", { for: id }, f.label, f.required ? "" : h("span", { class: "muted" }, " (optional)")),
        h("input", { id, name: f.key, "data-kind": f.kind, type: secret ? "password" : (f.kind === "email" ? "email" : "text"),
          value, placeholder, autocomplete: secret ? "new-password" : "off", spellcheck: "false" }),
      );
      if (f.help) rows.push(h("div", { class: "help" }, f.help));
    }
    rows.push(h("details", { class: "span-all" },
      h("summary", {}, "Name, schedule and address"),
      h("div", { class: "grid" },
        h("label", { for: "field-display_name" }, "Display name"),
        h("input", { id: "field-display_name", name: "display_name", value: detail?.display_name ?? "", placeholder: `${spec.label} · …` }),
        h("label", { for: "field-schedule" }, "Sync schedule (cron)"),
        h("input", { id: "field-schedule", name: "schedule", value: detail?.schedule ?? "", placeholder: spec.default_schedule }),
        h("div", { class: "help" }, `Five fields: minute hour day month weekday. Default ${spec.default_schedule}.`),
        h("label", { for: "field-base_url" }, "Base URL"),
        h("input", { id: "field-base_url", name: "base_url", value: detail?.base_url ?? "", placeholder: "Vendor's own" }),
        h("div", { class: "help" }, "Only to reach the vendor through a proxy: replaces the scheme and host, keeps the paths."),
      )));
    fieldsBox.replaceChildren(...rows);
  }
  providerSelect.addEventListener("change", () => { clearFormErrors(form); renderFields(); });
  renderFields();

  const save = h("button", { class: "primary", type: "submit", id: "connection-save" }, editing ? "Save changes" : "Connect");
  const cancel = h("button", { type: "button", onclick: () => done(null) }, "Cancel");
  form.append(h("label", { for: "provider" }, "Provider"), providerSelect, fieldsBox, h("span"), h("div", { class: "actions" }, save, cancel));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    const input = { settings: {}, secrets: {} };
    for (const el of form.querySelectorAll("input[name]")) {
      if (["display_name", "schedule", "base_url"].includes(el.name)) input[el.name] = el.value;
      else if (el.dataset.kind === "secret") input.secrets[el.name] = el.value;
      else input.settings[el.name] = el.value;
    }
    save.disabled = true;
    try {
      const saved = editing
        ? await api.updateConnection(detail.id, input)
        : await api.addConnection(app.workspace.id, providerSelect.value, input);
      await done(editing ? `Saved ${saved.display_name}` : `Connected ${saved.display_name}`);
    } catch (err) {
      showFormError(form, err);
    } finally {
      save.disabled = false;
    }
  });

  panel.append(h("h2", { class: "first" }, editing ? `Edit ${detail.display_name}` : "Add a connection"), form);
  return panel;
}
