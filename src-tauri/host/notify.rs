//! Desktop notifications (org.freedesktop.Notifications, through the
//! notify-rust crate): a connection that newly fails or needs attention gets
//! one — not one per run or retry — and a goal that fell behind or was met
//! gets one per period.

use crate::domain::run::Progress;
use crate::domain::{ConnectionId, ConnectionStatus};
use crate::service::Core;
use std::sync::Mutex;

/// After a run finished: tell what newly went wrong, and the goals' news.
pub(super) fn after_run(core: &Mutex<Core>, p: &Progress) {
    let Progress::Finished {
        connection_id,
        run,
        before,
        after,
    } = p
    else {
        return;
    };
    let lock = || core.lock().unwrap_or_else(|e| e.into_inner());
    if ConnectionStatus::newly_failing(*before, *after) {
        let name = lock()
            .connection(ConnectionId(*connection_id))
            .map(|c| c.display_name)
            .unwrap_or_else(|_| format!("Connection {connection_id}"));
        let (title, body) = notification_text(&name, *after, run.error.as_deref());
        tracing::info!(
            connection = connection_id,
            status = after.as_str(),
            "desktop notification: {title}"
        );
        show(&title, &body);
    }
    // The run's figures are stored: tell what it changed for the goals.
    let news = {
        let mut core = lock();
        let workspace = match core.connection(ConnectionId(*connection_id)) {
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
        show(&title, &body);
    }
}

fn show(title: &str, body: &str) {
    let shown = notify_rust::Notification::new()
        .appname("Pulseboard")
        .summary(title)
        .body(body)
        .show();
    if let Err(e) = shown {
        tracing::warn!(error = %e, "cannot show a desktop notification");
    }
}

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
