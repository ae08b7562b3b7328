// The one module that talks to the Rust side. Pages call these functions and
// never touch window.__TAURI__ themselves.

const tauri = window.__TAURI__;

/** An error from a command: { code, message, field? }. */
export class CommandError extends Error {
  constructor({ code = "unknown", message = "Something went wrong.", field = null } = {}) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

async function call(cmd, args = {}) {
  if (!tauri?.core) throw new CommandError({ code: "no_backend", message: "Pulseboard's window is not connected to the app." });
  try {
    return await tauri.core.invoke(cmd, args);
  } catch (e) {
    throw new CommandError(typeof e === "object" && e ? e : { message: String(e) });
  }
}

export const api = {
  appInfo: () => call("app_info"),
  workspaces: () => call("list_workspaces"),
  createWorkspace: (input) => call("create_workspace", { input }),
  updateWorkspace: (id, input) => call("update_workspace", { id, input }),
  setActiveWorkspace: (id) => call("set_active_workspace", { id }),
  expenses: (workspaceId) => call("list_expenses", { workspaceId }),
  addExpense: (workspaceId, input) => call("add_expense", { workspaceId, input }),
  removeExpense: (id) => call("remove_expense", { id }),
  providers: () => call("list_providers"),
  connections: (workspaceId) => call("list_connections", { workspaceId }),
  connection: (id) => call("get_connection", { id }),
  addConnection: (workspaceId, provider, input) => call("add_connection", { workspaceId, provider, input }),
  updateConnection: (id, input) => call("update_connection", { id, input }),
  setConnectionEnabled: (id, enabled) => call("set_connection_enabled", { id, enabled }),
  removeConnection: (id) => call("remove_connection", { id }),
  uiState: () => call("get_ui_state"),
  setPage: (page) => call("set_ui_page", { page }),
  setSyncPaused: (paused) => call("set_sync_paused", { paused }),
  syncNow: (connectionId = null) => call("sync_now", { connectionId }),
  syncStatus: () => call("get_sync_status"),
  runs: (connectionId = null, limit = 100) => call("list_runs", { connectionId, limit }),
  dashboard: (workspaceId, from, to, member = null) => call("dashboard", { workspaceId, from, to, member }),
  leaderboard: (workspaceId, from, to) => call("leaderboard", { workspaceId, from, to }),
  pipeline: (workspaceId, from, to, member = null) => call("pipeline", { workspaceId, from, to, member }),
  createDemo: () => call("create_demo"),
  testConnection: (id) => call("test_connection", { id }),
  exportCsv: (workspaceId, from, to, by) => call("export_csv", { workspaceId, from, to, by }),
  dashboardCharts: (workspaceId, from, to, metric, theme, width) => call("dashboard_charts", { workspaceId, from, to, metric, theme, width }),
  pnl: (workspaceId, from, to, by) => call("pnl", { workspaceId, from, to, by }),
  exportPnl: (workspaceId, from, to, by) => call("export_pnl", { workspaceId, from, to, by }),
  saveChart: (name, format, data) => call("save_chart", { name, format, data }),
  costs: (workspaceId, missing = false) => call("list_costs", { workspaceId, missing }),
  setCost: (workspaceId, variantId, cost, from) => call("set_cost", { workspaceId, variantId, cost, from }),
  pickCostFile: (workspaceId) => call("pick_cost_file", { workspaceId }),
  applyCostFile: (workspaceId, path) => call("apply_cost_file", { workspaceId, path }),
  products: (workspaceId, from, to) => call("products", { workspaceId, from, to }),
  goals: (workspaceId) => call("list_goals", { workspaceId }),
  goalOptions: (workspaceId) => call("goal_options", { workspaceId }),
  suggestGoalTarget: (workspaceId, metric, period, member) => call("suggest_goal_target", { workspaceId, metric, period, member }),
  addGoal: (workspaceId, metric, period, target, member) => call("add_goal", { workspaceId, metric, period, target, member }),
  editGoal: (id, target) => call("edit_goal", { id, target }),
  removeGoal: (id) => call("remove_goal", { id }),
  renameMember: (workspaceId, email, name) => call("rename_member", { workspaceId, email, name }),
  mergeMembers: (workspaceId, email, into) => call("merge_members", { workspaceId, email, into }),
  hideMember: (workspaceId, email, hidden) => call("hide_member", { workspaceId, email, hidden }),
  backups: () => call("list_backups"),
  backUpNow: () => call("back_up_now"),
  restoreBackup: (path) => call("restore_backup", { path: path ?? null }),
  openBackupsFolder: () => call("open_backups_folder"),
  autostart: () => call("get_autostart"),
  setAutostart: (enabled) => call("set_autostart", { enabled }),
  // Only the start-up error window (ui/startup-error.html) may call this one.
  restoreAtStart: () => call("restore_at_start"),
  /** Call `handler(progress)` for every sync-progress event; resolves to an unlisten function. */
  onSyncProgress: async (handler) => {
    if (!tauri?.event) return () => {};
    return tauri.event.listen("sync-progress", (e) => handler(e.payload));
  },
};
