//! Sync progress in the shell. Every run's progress goes to the UI as the
//! `sync-progress` event (page updates at most every 150 ms per connection;
//! start, stream ends and finish always), is kept so a page opened mid-run can
//! draw its bars, wakes the tray, and a connection that newly fails or needs
//! attention gets one desktop notification — not one per run or retry.

use super::AppState;
use crate::domain::run::Progress;
use crate::domain::{ConnectionId, ConnectionStatus};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

/// The event the UI listens to.
pub const EVENT: &str = "sync-progress";
/// Page updates closer together than this are not sent (the next one is).
const PAGE_EVERY: Duration = Duration::from_millis(150);

/// Title and body of the notification for a connection that newly ended up
/// in `after`.
pub fn notification_text(
    name: &str,
    after: ConnectionStatus,
    error: Option<&str>,
) -> (String, String) {
    match after {
        ConnectionStatus::NeedsAttention => (
            format!("{name} needs attention"),
            "Its credentials were refused, so it is not syncing. Open Pulseboard → Connections to update them.".to_string(),
        ),
        _ => (
            format!("{name} failed to sync"),
            match error {
                Some(e) => format!("{e}. Pulseboard retries on its schedule."),
                None => "Pulseboard retries on its schedule; Sync history has the details.".to_string(),
            },
        ),
    }
}

/// The observer the scheduler and Sync now report to.
pub(crate) fn observer<R: Runtime>(app: AppHandle<R>) -> Arc<dyn Fn(&Progress) + Send + Sync> {
    let last_sent: Mutex<HashMap<i64, Instant>> = Mutex::default();
    Arc::new(move |p: &Progress| {
        let state = app.state::<AppState>();
        state.record_progress(p);
        let send = match p {
            Progress::Stream {
                connection_id,
                done: false,
                ..
            } => {
                let mut last = last_sent.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                let due = last
                    .get(connection_id)
                    .is_none_or(|t| now.duration_since(*t) >= PAGE_EVERY);
                if due {
                    last.insert(*connection_id, now);
                }
                due
            }
            _ => true,
        };
        if send {
            if let Err(e) = app.emit(EVENT, p) {
                tracing::warn!(error = %e, "cannot send sync progress to the window");
            }
        }
        match p {
            Progress::Finished {
                connection_id,
                run,
                before,
                after,
            } => {
                if ConnectionStatus::newly_failing(*before, *after) {
                    notify(&app, *connection_id, *after, run.error.as_deref());
                }
                // The run's figures are stored: tell what it changed for the goals.
                tell_goal_news(&app, *connection_id);
                state.changed();
            }
            Progress::NotRun { .. } => state.changed(),
            _ => {}
        }
    })
}

fn notify<R: Runtime>(
    app: &AppHandle<R>,
    connection: i64,
    after: ConnectionStatus,
    error: Option<&str>,
) {
    let name = app
        .state::<AppState>()
        .core()
        .connection(ConnectionId(connection))
        .map(|c| c.display_name)
        .unwrap_or_else(|_| format!("Connection {connection}"));
    let (title, body) = notification_text(&name, after, error);
    tracing::info!(
        connection,
        status = after.as_str(),
        "desktop notification: {title}"
    );
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        tracing::warn!(error = %e, "cannot show a desktop notification");
    }
}

/// Title and body of a goal's notification.
pub fn goal_text(goal: &str, news: crate::service::goals::News) -> (String, String) {
    use crate::service::goals::News;
    match news {
        News::FellBehind => (
            format!("{goal} is behind"),
            "It was on track earlier in this period. Open Pulseboard → Goals to see the pace."
                .into(),
        ),
        News::Met => (
            format!("{goal}: goal met"),
            "The target for this period is reached.".into(),
        ),
    }
}

fn tell_goal_news<R: Runtime>(app: &AppHandle<R>, connection: i64) {
    let news = {
        let state = app.state::<AppState>();
        let mut core = state.core();
        let workspace = match core.connection(ConnectionId(connection)) {
            Ok(c) => c.workspace_id,
            Err(_) => return,
        };
        match core.goal_news(workspace) {
            Ok(n) => n,
            Err(e) => return tracing::warn!(error = %e, "cannot check the goals after a sync"),
        }
    };
    for (goal, n) in news {
        let (title, body) = goal_text(&crate::service::goals::describe(&goal), n);
        tracing::info!(goal = goal.id, "desktop notification: {title}");
        if let Err(e) = app.notification().builder().title(title).body(body).show() {
            tracing::warn!(error = %e, "cannot show a desktop notification");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_say_what_happened_and_what_to_do() {
        let (t, b) = notification_text("Acme shop", ConnectionStatus::NeedsAttention, None);
        assert_eq!(t, "Acme shop needs attention");
        assert!(b.contains("Connections"), "{b}");
        let (t, b) = notification_text(
            "Meta Ads",
            ConnectionStatus::Error,
            Some("insights: the server answered 500"),
        );
        assert_eq!(t, "Meta Ads failed to sync");
        assert!(b.starts_with("insights: the server answered 500."), "{b}");
        let (t, _) = goal_text("Calls (this week)", crate::service::goals::News::FellBehind);
        assert_eq!(t, "Calls (this week) is behind");
    }
}
