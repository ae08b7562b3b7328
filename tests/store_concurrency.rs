//! Two handles on one database file writing at the same time, as the app's
//! command thread and its background rollups thread (or two syncs) do. A
//! write that first reads must not fail with "database is locked" because
//! the other handle committed between its read and its write.

use pulseboard::domain::{Provider, WorkspaceId};
use pulseboard::store::{NewConnection, NewWorkspace, Store, StoreError};
use rust_decimal::Decimal;
use std::path::Path;

fn workspace(name: &str) -> NewWorkspace<'_> {
    NewWorkspace {
        name,
        timezone: "Asia/Kolkata",
        currency: "INR",
        default_cogs_percent: None,
        payment_fee_percent: Decimal::ZERO,
        payment_fee_fixed: Decimal::ZERO,
        timezone_chosen: true,
        currency_chosen: true,
    }
}

/// Add a demo connection (its insert first checks that the workspace exists)
/// and delete it again, `rounds` times, on a handle of its own.
fn add_and_remove_connections(path: &Path, workspace: WorkspaceId, rounds: usize) -> Vec<String> {
    let mut store = Store::open(path).unwrap();
    let mut errors = Vec::new();
    for round in 0..rounds {
        let new = NewConnection {
            workspace_id: workspace,
            provider: Provider::Demo,
            display_name: format!("Demo {round}"),
            settings: serde_json::Map::new(),
            base_url: None,
            schedule: "0 * * * *".into(),
        };
        match store.insert_connection::<StoreError>(&new, |_| Ok(())) {
            Ok(id) => {
                if let Err(e) = store.delete_connection::<StoreError>(id, || Ok(())) {
                    errors.push(format!("delete: {e}"));
                }
            }
            Err(e) => errors.push(format!("insert: {e}")),
        }
    }
    errors
}

#[test]
fn writes_that_read_first_wait_for_each_other_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pulseboard.sqlite3");
    let (a, b) = {
        let mut store = Store::open(&path).unwrap();
        let a = store.create_workspace(&workspace("A")).unwrap().id;
        let b = store.create_workspace(&workspace("B")).unwrap().id;
        (a, b)
    };
    const ROUNDS: usize = 400;
    let threads = [a, b].map(|ws| {
        let path = path.clone();
        std::thread::spawn(move || add_and_remove_connections(&path, ws, ROUNDS))
    });
    let errors: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert!(
        errors.is_empty(),
        "{} of {} writes failed, first: {:?}",
        errors.len(),
        4 * ROUNDS,
        errors.first()
    );
    let store = Store::open(&path).unwrap();
    assert!(store.connections(None).unwrap().is_empty());
}
