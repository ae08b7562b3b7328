// Goals: each goal's current period — progress against the target with a
// marker where pace says it should be now, the status in colour and in a
// word, pace, projection, streak and the recent periods (met or not) — a
// form to add one (with a suggested target), and the team. Every figure
// comes from the backend (service::goals); this page only draws.

import { api } from "../api.js";
import { h, emptyState, toast, showFormError, clearFormErrors, LOCALE } from "../dom.js";

const STATUS = { met: "Met", ahead: "Ahead", on_track: "On track", behind: "Behind" };
const PERIOD = { daily: "Today", weekly: "This week", monthly: "This month" };

function label(key) {
  const text = key.replaceAll("_", " ").replace(/ s$/, " (s)");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function num(v, digits = 2) {
  if (v === null || v === undefined) return "—";
  return Number(v).toLocaleString(LOCALE, { maximumFractionDigits: digits });
}

function progress(g) {
  const target = Number(g.target);
  const share = (v) => (v === null || !(target > 0) ? 0 : Math.max(0, Math.min(1, Number(v) / target)));
  // Sizes are set through the CSSOM: the CSP refuses inline style attributes.
  const fill = h("div", { class: `fill ${g.status}` });
  fill.style.width = `${(share(g.current) * 100).toFixed(1)}%`;
  let mark = null;
  if (g.expected_now !== null) {
    mark = h("div", { class: "pace-mark", title: `Where pace says it should be now: ${num(g.expected_now)}` });
    mark.style.left = `${(share(g.expected_now) * 100).toFixed(1)}%`;
  }
  return h("div", {
    class: "progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": g.target,
    "aria-valuenow": g.current ?? "0", "aria-label": `${label(g.metric)} against its target`,
  }, fill, mark);
}

function recent(g) {
  const periods = [...g.recent].reverse();
  if (periods.length === 0) return h("div", { class: "muted" }, "No finished period yet.");
  return h("div", { class: "recent", "aria-label": "Recent periods, oldest first" },
    ...periods.map((p) => h("span", {
      class: `period ${p.met ? "met" : "missed"}`,
      title: `${p.period_start}${p.period_start === p.period_end ? "" : ` – ${p.period_end}`}: ${num(p.current)} of ${num(p.target)}${p.met ? " (met)" : ""}`,
    })));
}

function card(g, refresh) {
  const edit = h("button", { "data-action": "edit" }, "Change target");
  edit.addEventListener("click", () => {
    const input = h("input", { type: "text", inputmode: "decimal", value: g.target, "aria-label": "New target", size: "8" });
    const save = h("button", { class: "primary" }, "Save");
    save.addEventListener("click", async () => {
      try { await api.editGoal(g.id, input.value); toast("Target changed from this period on"); await refresh(); }
      catch (e) { toast(e.message); }
    });
    edit.replaceWith(h("span", {}, input, " ", save));
    input.focus();
  });
  const remove = h("button", { class: "danger", "data-action": "remove" }, "Remove");
  remove.addEventListener("click", async () => {
    if (remove.dataset.confirm !== "1") { remove.dataset.confirm = "1"; remove.textContent = "Confirm remove"; return; }
    try { await api.removeGoal(g.id); toast("Goal removed"); await refresh(); } catch (e) { toast(e.message); }
  });
  return h("div", { class: "panel goal", "data-goal-id": g.id },
    h("div", { class: "goal-head" },
      h("div", {},
        h("strong", {}, label(g.metric)), " ",
        h("span", { class: "muted" }, `${g.member ?? "Whole team"} · ${PERIOD[g.period]} (${g.period_start}${g.period_start === g.period_end ? "" : ` – ${g.period_end}`})`)),
      h("span", { class: `status ${g.status}` }, STATUS[g.status] ?? g.status)),
    progress(g),
    h("div", { class: "goal-figures" },
      h("span", {}, h("span", { class: "muted" }, "Now "), num(g.current), h("span", { class: "muted" }, ` of ${num(g.target)}`)),
      h("span", {}, h("span", { class: "muted" }, "Pace "), g.pace === null ? "—" : `${num(Number(g.pace) * 100, 0)}%`),
      h("span", {}, h("span", { class: "muted" }, "Projected "), num(g.projected)),
      h("span", {}, h("span", { class: "muted" }, "Streak "), String(g.streak))),
    recent(g),
    g.shares.length > 0 ? h("details", { class: "shares" }, h("summary", {}, "Each member's part"),
      h("table", {}, h("tbody", {}, ...g.shares.map((m) => h("tr", {},
        h("td", {}, m.name || m.email), h("td", { class: "num" }, num(m.current))))))) : null,
    h("div", { class: "goal-actions" }, edit, " ", remove));
}

function form(app, options, refresh) {
  const metric = h("select", { id: "goal-metric", name: "metric" });
  const member = h("select", { id: "goal-member", name: "member" },
    h("option", { value: "" }, "Whole team"),
    ...options.members.map((m) => h("option", { value: m.email }, m.name ? `${m.name} (${m.email})` : m.email)));
  const period = h("select", { id: "goal-period", name: "period" },
    h("option", { value: "daily" }, "Daily"), h("option", { value: "weekly" }, "Weekly"), h("option", { value: "monthly", selected: true }, "Monthly"));
  const target = h("input", { id: "goal-target", name: "target", type: "text", inputmode: "decimal", required: true });
  const hint = h("div", { class: "help", id: "goal-suggestion" }, "");
  const fillMetrics = () => {
    const keys = member.value ? options.member_metrics : options.metrics;
    const was = metric.value;
    metric.replaceChildren(...keys.map((k) => h("option", { value: k, selected: k === was }, label(k))));
  };
  const suggest = async () => {
    try {
      const s = await api.suggestGoalTarget(app.workspace.id, metric.value, period.value, member.value || null);
      hint.textContent = s === null ? "No finished period to suggest a target from yet." : `Suggested: ${num(s)} (the 80th percentile of the last 12 periods)`;
      target.placeholder = s ?? "";
    } catch { hint.textContent = ""; }
  };
  member.addEventListener("change", () => { fillMetrics(); suggest(); });
  metric.addEventListener("change", suggest);
  period.addEventListener("change", suggest);
  fillMetrics();
  suggest();
  const el = h("form", { class: "grid panel", id: "goal-form" },
    h("label", { for: "goal-member" }, "For"), member,
    h("label", { for: "goal-metric" }, "Metric"), metric,
    h("label", { for: "goal-period" }, "Period"), period,
    h("label", { for: "goal-target" }, "Target"), target, hint,
    h("div", { class: "span-all" }, h("button", { class: "primary", type: "submit" }, "Add goal")));
  el.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFormErrors(el);
    try {
      await api.addGoal(app.workspace.id, metric.value, period.value, target.value, member.value || null);
      toast("Goal added");
      await refresh();
    } catch (err) { showFormError(el, err); }
  });
  return el;
}

function team(app, members, refresh) {
  if (members.length === 0) return emptyState("No team yet", "People appear here after a Copper or JustCall sync, one per e-mail.");
  const row = (m) => {
    const rename = h("button", { "data-action": "rename" }, "Rename");
    rename.addEventListener("click", () => {
      const input = h("input", { type: "text", value: m.name, "aria-label": `New name for ${m.email}` });
      const save = h("button", { class: "primary" }, "Save");
      save.addEventListener("click", async () => {
        try { await api.renameMember(app.workspace.id, m.email, input.value); await refresh(); } catch (e) { toast(e.message); }
      });
      rename.replaceWith(h("span", {}, input, " ", save));
      input.focus();
    });
    const others = members.filter((o) => o.email !== m.email);
    const merge = others.length === 0 ? null : h("select", { "aria-label": `Merge ${m.email} into another member`, "data-action": "merge" },
      h("option", { value: "" }, "Same person as…"), ...others.map((o) => h("option", { value: o.email }, o.name || o.email)));
    merge?.addEventListener("change", async () => {
      if (!merge.value) return;
      try { await api.mergeMembers(app.workspace.id, m.email, merge.value); toast(`${m.email} merged`); await refresh(); }
      catch (e) { toast(e.message); }
    });
    const hide = h("button", { "data-action": "hide" }, "Hide (left the team)");
    hide.addEventListener("click", async () => {
      try { await api.hideMember(app.workspace.id, m.email, true); toast(`${m.name || m.email} hidden; their history stays`); await refresh(); }
      catch (e) { toast(e.message); }
    });
    return h("tr", { "data-member": m.email },
      h("td", {}, m.email, ...m.aliases.map((a) => h("div", { class: "muted" }, `also ${a}`))),
      h("td", {}, m.name),
      h("td", {}, m.sources.join(", ")),
      h("td", { class: "num" }, rename, " ", merge, " ", hide));
  };
  return h("div", { class: "panel" }, h("table", { id: "team-table" },
    h("thead", {}, h("tr", {}, h("th", {}, "Member"), h("th", {}, "Name"), h("th", {}, "Sources"), h("th", {}, ""))),
    h("tbody", {}, ...members.map(row))));
}

export async function render(app) {
  const section = h("section", {});
  const body = h("div", { id: "goals-body" });
  async function refresh() {
    const [goals, options] = await Promise.all([api.goals(app.workspace.id), api.goalOptions(app.workspace.id)]);
    const list = goals.length === 0
      ? emptyState("No goals yet", "Add one below: revenue for the month, calls for the day, a member's e-mails for the week.")
      : h("div", { id: "goal-list" }, ...goals.map((g) => card(g, refresh)));
    body.replaceChildren(list, h("h2", {}, "Add a goal"), form(app, options, refresh), h("h2", {}, "Team"), team(app, options.members, refresh));
  }
  await refresh();
  section.append(
    h("div", { class: "page-head" }, h("div", {}, h("h1", {}, "Goals"), h("p", { class: "lead" }, `${app.workspace.name}: each goal's current period, and how it went before.`))),
    body);
  return section;
}
