//! Generates the Tauri context and one allow/deny permission per app command, so
//! `capabilities/` can grant exactly the commands the window uses.

/// Every `#[tauri::command]` in `app/commands.rs`, `app/upkeep.rs` and `app/insight.rs` (keep
/// in step with `app::register`), and the start-up error window's one
/// (`app/startup.rs`).
const COMMANDS: &[&str] = &[
    "app_info",
    "list_workspaces",
    "create_workspace",
    "update_workspace",
    "set_active_workspace",
    "list_expenses",
    "add_expense",
    "remove_expense",
    "list_providers",
    "list_connections",
    "get_connection",
    "add_connection",
    "update_connection",
    "set_connection_enabled",
    "remove_connection",
    "get_ui_state",
    "set_ui_page",
    "set_sync_paused",
    "sync_now",
    "get_sync_status",
    "list_runs",
    "dashboard",
    "create_demo",
    "export_csv",
    "test_connection",
    "list_goals",
    "goal_options",
    "suggest_goal_target",
    "add_goal",
    "edit_goal",
    "remove_goal",
    "leaderboard",
    "pipeline",
    "rename_member",
    "merge_members",
    "hide_member",
    "list_backups",
    "back_up_now",
    "restore_backup",
    "open_backups_folder",
    "get_autostart",
    "set_autostart",
    "dashboard_charts",
    "pnl",
    "export_pnl",
    "save_chart",
    "list_costs",
    "set_cost",
    "pick_cost_file",
    "apply_cost_file",
    "products",
    "restore_at_start",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
