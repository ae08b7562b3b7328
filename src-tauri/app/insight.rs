//! The commands that show the business rather than keep it: the dashboard's
//! charts, the P&L and its CSV, saving a chart (SVG, or PNG drawn from it by
//! the window) where the user picks, product costs (entered one at a time or
//! from a CSV file, previewed first) and product profit.

use super::error::CommandError;
use super::state::AppState;
use super::view::ExportView;
use crate::domain::WorkspaceId;
use crate::service::charts::{ChartRequest, DashboardCharts, Theme};
use crate::service::costs::{CostRow, ImportPreview, ProductRow};
use crate::service::dashboard::parse_day;
use crate::service::pnl::PnlView;
use tauri::State;

type Result<T> = std::result::Result<T, CommandError>;

fn theme(raw: &str) -> Result<Theme> {
    match raw {
        "light" => Ok(Theme::Light),
        "dark" => Ok(Theme::Dark),
        other => Err(CommandError {
            code: "invalid_input",
            message: format!("'{other}' is not a theme; use light or dark"),
            field: Some("theme".into()),
        }),
    }
}

/// Every chart of the dashboard for a range; `metric` (a tile's key) is the
/// main chart's figure, or revenue, net profit and ad spend together.
#[tauri::command(async)]
pub fn dashboard_charts(
    state: State<'_, AppState>,
    workspace_id: i64,
    from: String,
    to: String,
    metric: Option<String>,
    theme: String,
    width: u32,
) -> Result<DashboardCharts> {
    let request = ChartRequest {
        from: parse_day("from", &from)?,
        to: parse_day("to", &to)?,
        metric: metric.filter(|m| !m.is_empty()),
        theme: self::theme(&theme)?,
        width,
    };
    Ok(state
        .core()
        .dashboard_charts(WorkspaceId(workspace_id), &request)?)
}

/// The P&L of a range by month or week, laid out for the page.
#[tauri::command(async)]
pub fn pnl(
    state: State<'_, AppState>,
    workspace_id: i64,
    from: String,
    to: String,
    by: String,
) -> Result<PnlView> {
    let (from, to) = (parse_day("from", &from)?, parse_day("to", &to)?);
    let pnl = state.core().pnl(
        WorkspaceId(workspace_id),
        from,
        to,
        crate::service::pnl::grouping(&by)?,
    )?;
    Ok(pnl.view())
}

/// Ask where to save with the save dialog (no file-type filter: GTK would
/// append the extension to a name that has it); `None` when cancelled.
pub(super) fn ask_where<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    title: &str,
    name: &str,
) -> Result<Option<std::path::PathBuf>> {
    use tauri_plugin_dialog::DialogExt;
    let Some(picked) = app
        .dialog()
        .file()
        .set_title(title)
        .set_file_name(name)
        .blocking_save_file()
    else {
        return Ok(None);
    };
    picked.into_path().map(Some).map_err(|e| {
        CommandError::new(
            "export",
            format!("that is not a file on this computer: {e}"),
        )
    })
}

/// The P&L's CSV, written where the user picks.
#[tauri::command(async)]
pub fn export_pnl<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    workspace_id: i64,
    from: String,
    to: String,
    by: String,
) -> Result<Option<ExportView>> {
    let (from, to) = (parse_day("from", &from)?, parse_day("to", &to)?);
    let export = state.core().export_pnl(
        WorkspaceId(workspace_id),
        from,
        to,
        crate::service::pnl::grouping(&by)?,
    )?;
    let saved = save_export(&app, "Export the P&L as CSV", &export)?;
    if saved.is_some() {
        tracing::info!(rows = export.rows, "P&L exported as CSV");
    }
    Ok(saved)
}

/// Write a CSV export where the user picks (`.csv` added to a name without
/// an extension), whole or not at all; `None` when the dialog was cancelled.
pub(super) fn save_export<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    title: &str,
    export: &crate::service::MetricsExport,
) -> Result<Option<ExportView>> {
    let Some(path) = ask_where(app, title, &export.file_name)? else {
        return Ok(None);
    };
    let path = crate::export::with_csv_extension(path);
    crate::export::write_whole(&path, &export.csv).map_err(|e| {
        CommandError::new("export", format!("cannot write {}: {e}", path.display()))
    })?;
    Ok(Some(ExportView {
        path: path.display().to_string(),
        rows: export.rows,
    }))
}

/// A chart the window shows, saved where the user picks: `svg` is the SVG
/// text the window was given, `png` a PNG the window drew from it, as base64.
/// Returns the path written, or `None` when the dialog was cancelled.
#[tauri::command(async)]
pub fn save_chart<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    name: String,
    format: String,
    data: String,
) -> Result<Option<String>> {
    use base64::Engine;
    let bytes = match format.as_str() {
        "svg" if data.trim_start().starts_with("<svg") => data.into_bytes(),
        "png" => base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .ok()
            .filter(|b| b.starts_with(b"\x89PNG\r\n\x1a\n"))
            .ok_or_else(|| CommandError::new("invalid_input", "that is not a PNG image"))?,
        "svg" => {
            return Err(CommandError::new(
                "invalid_input",
                "that is not an SVG image",
            ))
        }
        other => {
            return Err(CommandError::new(
                "invalid_input",
                format!("'{other}' is not an image format; use svg or png"),
            ))
        }
    };
    let file = crate::export::image_file_name(&name, &format);
    let Some(path) = ask_where(&app, "Save the chart", &file)? else {
        return Ok(None);
    };
    let path = crate::export::with_extension_if_none(path, &format);
    crate::export::write_whole(&path, &bytes).map_err(|e| {
        CommandError::new("export", format!("cannot write {}: {e}", path.display()))
    })?;
    Ok(Some(path.display().to_string()))
}

/// Every variant with its costs; with `missing`, those estimated or missing.
#[tauri::command(async)]
pub fn list_costs(
    state: State<'_, AppState>,
    workspace_id: i64,
    missing: bool,
) -> Result<Vec<CostRow>> {
    Ok(state.core().costs(WorkspaceId(workspace_id), missing)?)
}

/// Enter your unit cost for a variant (from a day on, or always); `cost`
/// `None` removes the one of that day.
#[tauri::command(async)]
pub fn set_cost(
    state: State<'_, AppState>,
    workspace_id: i64,
    variant_id: String,
    cost: Option<String>,
    from: Option<String>,
) -> Result<()> {
    Ok(state.core().set_cost(
        WorkspaceId(workspace_id),
        &variant_id,
        cost.as_deref(),
        from.as_deref(),
    )?)
}

/// A cost file the user picks, read into a preview (nothing written); `None`
/// when the dialog was cancelled.
#[tauri::command(async)]
pub fn pick_cost_file<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    workspace_id: i64,
) -> Result<Option<CostFileView>> {
    use tauri_plugin_dialog::DialogExt;
    let Some(picked) = app
        .dialog()
        .file()
        .set_title("Import costs from a CSV file")
        .blocking_pick_file()
    else {
        return Ok(None);
    };
    let path = picked.into_path().map_err(|e| {
        CommandError::new(
            "import",
            format!("that is not a file on this computer: {e}"),
        )
    })?;
    let preview = read_cost_file(&state, workspace_id, &path, false)?;
    Ok(Some(CostFileView {
        path: path.display().to_string(),
        preview,
    }))
}

/// Apply the cost file previewed: read again, and written whole only when
/// every line is clean.
#[tauri::command(async)]
pub fn apply_cost_file(
    state: State<'_, AppState>,
    workspace_id: i64,
    path: String,
) -> Result<ImportPreview> {
    read_cost_file(&state, workspace_id, std::path::Path::new(&path), true)
}

fn read_cost_file(
    state: &State<'_, AppState>,
    workspace_id: i64,
    path: &std::path::Path,
    apply: bool,
) -> Result<ImportPreview> {
    let bytes = std::fs::read(path)
        .map_err(|e| CommandError::new("import", format!("cannot read {}: {e}", path.display())))?;
    Ok(state
        .core()
        .import_costs(WorkspaceId(workspace_id), &bytes, apply)?)
}

/// A picked cost file and what it would do.
#[derive(Debug, serde::Serialize)]
pub struct CostFileView {
    pub path: String,
    pub preview: ImportPreview,
}

/// Each product's figures over a range.
#[tauri::command(async)]
pub fn products(
    state: State<'_, AppState>,
    workspace_id: i64,
    from: String,
    to: String,
) -> Result<Vec<ProductRow>> {
    let (from, to) = (parse_day("from", &from)?, parse_day("to", &to)?);
    Ok(state.core().products(WorkspaceId(workspace_id), from, to)?)
}
