//! The sync engine on a real SQLite file, fed by a scripted source: pages,
//! cursors, failures and bad records exactly as the test says.

use chrono::{TimeZone, Utc};
use pulseboard::connectors::{BadRecord, FetchError};
use pulseboard::connectors::{Page, Source};
use pulseboard::domain::connection_input::BTreeMapSecret;
use pulseboard::domain::records::{Batch, FinancialStatus, Order, OrderLine};
use pulseboard::domain::run::{RunStatus, Trigger};
use pulseboard::domain::{
    ConnectionId, ConnectionInput, ConnectionStatus, Provider, WorkspaceInput,
};
use pulseboard::secrets::MemorySecrets;
use pulseboard::service::Core;
use pulseboard::settings::Paths;
use pulseboard::sync::{run_connection, run_connection_observed, RunLock, SyncError};
use rust_decimal::Decimal;
use std::sync::{Arc, Mutex};

fn order(n: usize) -> Order {
    Order {
        name: None,
        legacy_id: None,
        id: format!("o{n}"),
        processed_at: Some(Utc.with_ymd_and_hms(2026, 5, 1, 10, 0, 0).unwrap()),
        created_at: Utc.with_ymd_and_hms(2026, 5, 1, 10, 0, 0).unwrap(),
        test: false,
        financial_status: FinancialStatus::Other,
        customer_id: None,
        customer_order_count: None,
        discounts: Decimal::ZERO,
        shipping: Decimal::ZERO,
        taxes: Decimal::ZERO,
        lines: vec![OrderLine {
            id: format!("l{n}"),
            variant_id: Some("v".into()),
            quantity: 1,
            unit_price: Decimal::new(1000, 2),
        }],
        refunds: vec![],
    }
}

/// What a stream answers for page `i` (cursor `None` is page 0, `"p3"` page 3).
#[derive(Clone)]
enum Step {
    Orders(Vec<usize>),
    OrdersWithBad(Vec<usize>, Vec<BadRecord>),
    Fail(fn() -> FetchError),
    /// Claims more pages but hands back the cursor it was given.
    Stuck,
}

struct Scripted {
    streams: Vec<(String, Vec<Step>)>,
    asked: Mutex<Vec<(String, Option<String>)>>,
}

impl Scripted {
    fn new(streams: &[(&str, Vec<Step>)]) -> Self {
        Self {
            streams: streams
                .iter()
                .map(|(n, s)| (n.to_string(), s.clone()))
                .collect(),
            asked: Mutex::new(Vec::new()),
        }
    }

    fn asked(&self, stream: &str) -> Vec<Option<String>> {
        self.asked
            .lock()
            .unwrap()
            .iter()
            .filter(|(s, _)| s == stream)
            .map(|(_, c)| c.clone())
            .collect()
    }
}

impl Source for Scripted {
    fn streams(&self) -> Vec<String> {
        self.streams.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Every fetch is one request here.
    fn requests(&self) -> u64 {
        self.asked.lock().unwrap().len() as u64
    }

    async fn fetch(&self, stream: &str, cursor: Option<&str>) -> Result<Page, FetchError> {
        self.asked
            .lock()
            .unwrap()
            .push((stream.to_string(), cursor.map(String::from)));
        let steps = &self.streams.iter().find(|(n, _)| n == stream).unwrap().1;
        let i: usize = cursor.map(|c| c[1..].parse().unwrap()).unwrap_or(0);
        let more = i + 1 < steps.len();
        let next = Some(format!("p{}", i + 1));
        match &steps[i] {
            Step::Orders(ns) => Ok(Page {
                batch: Batch::Orders(ns.iter().map(|n| order(*n)).collect()),
                bad: vec![],
                cursor: next,
                more,
            }),
            Step::OrdersWithBad(ns, bad) => Ok(Page {
                batch: Batch::Orders(ns.iter().map(|n| order(*n)).collect()),
                bad: bad.clone(),
                cursor: next,
                more,
            }),
            Step::Fail(make) => Err(make()),
            Step::Stuck => Ok(Page {
                batch: Batch::Orders(vec![]),
                bad: vec![],
                cursor: cursor.map(String::from),
                more: true,
            }),
        }
    }
}

fn transient() -> FetchError {
    FetchError::Transient {
        url: "http://127.0.0.1/x".into(),
        attempts: 4,
        last: "HTTP 503".into(),
    }
}

fn auth() -> FetchError {
    FetchError::Auth {
        status: 401,
        message: "token revoked".into(),
    }
}

fn fatal() -> FetchError {
    FetchError::Fatal {
        url: "http://127.0.0.1/x".into(),
        status: 400,
        message: "bad field".into(),
    }
}

fn shopify(token: &str) -> ConnectionInput {
    ConnectionInput {
        settings: [("shop".to_string(), "acme.myshopify.com".to_string())].into(),
        secrets: BTreeMapSecret([("access_token".to_string(), token.to_string())].into()),
        ..Default::default()
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    core: Core,
    id: ConnectionId,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut core = Core::open(
        Paths::under(dir.path().to_path_buf()),
        Arc::new(MemorySecrets::default()),
    )
    .unwrap();
    let ws = core
        .add_workspace(&WorkspaceInput {
            name: "Acme".into(),
            ..Default::default()
        })
        .unwrap();
    let id = core
        .connect(ws.id, Provider::Shopify, &shopify("shpat_first"))
        .unwrap()
        .id;
    Fixture { dir, core, id }
}

impl Fixture {
    async fn run(&mut self, source: &Scripted) -> Result<pulseboard::domain::run::Run, SyncError> {
        let locks = self.dir.path().join("locks");
        run_connection(self.core.store_mut(), &locks, self.id, source, Trigger::Cli).await
    }

    fn orders(&self) -> u64 {
        self.core.store().record_counts(self.id).unwrap().orders
    }
}

#[tokio::test]
async fn pages_are_stored_and_the_cursor_moves() {
    let mut f = fixture();
    let source = Scripted::new(&[(
        "orders",
        vec![
            Step::Orders(vec![1, 2]),
            Step::Orders(vec![3, 4]),
            Step::Orders(vec![5, 6]),
        ],
    )]);
    let run = f.run(&source).await.unwrap();
    assert_eq!(run.status, RunStatus::Succeeded);
    assert_eq!(
        (
            run.records_fetched,
            run.records_upserted,
            run.records_skipped
        ),
        (6, 6, 0)
    );
    assert_eq!(run.streams[0].pages, 3);
    assert_eq!(f.orders(), 6);
    assert_eq!(f.core.store().record_counts(f.id).unwrap().order_lines, 6);
    assert_eq!(
        f.core.store().cursor(f.id, "orders").unwrap().as_deref(),
        Some("p3")
    );
    let c = f.core.connection(f.id).unwrap();
    assert_eq!(c.status, ConnectionStatus::Ok);
    assert!(c.last_sync_at.is_some());
    assert_eq!(
        source.asked("orders"),
        [None, Some("p1".into()), Some("p2".into())]
    );
}

#[tokio::test]
async fn a_failed_run_resumes_from_the_last_committed_cursor_without_duplicates() {
    let mut f = fixture();
    let failing = Scripted::new(&[(
        "orders",
        vec![
            Step::Orders(vec![1, 2]),
            Step::Orders(vec![3, 4]),
            Step::Fail(transient),
        ],
    )]);
    let run = f.run(&failing).await.unwrap();
    assert_eq!(run.status, RunStatus::Failed);
    assert!(
        run.error.as_deref().unwrap().contains("orders: "),
        "{:?}",
        run.error
    );
    assert_eq!(f.orders(), 4, "the committed pages stay");
    assert_eq!(
        f.core.connection(f.id).unwrap().status,
        ConnectionStatus::Error
    );
    assert!(
        f.core.connection(f.id).unwrap().last_sync_at.is_none(),
        "a failed run does not count as synced"
    );

    // The source recovers; page 2 is also re-served with an order seen before.
    let fixed = Scripted::new(&[(
        "orders",
        vec![
            Step::Orders(vec![1, 2]),
            Step::Orders(vec![3, 4]),
            Step::Orders(vec![4, 5, 6]),
        ],
    )]);
    let run = f.run(&fixed).await.unwrap();
    assert_eq!(run.status, RunStatus::Succeeded);
    assert_eq!(
        fixed.asked("orders"),
        [Some("p2".into())],
        "resumed where it stopped"
    );
    assert_eq!(
        f.orders(),
        6,
        "re-read records are upserted, not duplicated"
    );
}

#[tokio::test]
async fn streams_are_independent() {
    let mut f = fixture();
    let source = Scripted::new(&[
        ("broken", vec![Step::Fail(fatal)]),
        ("orders", vec![Step::Orders(vec![1]), Step::Orders(vec![2])]),
    ]);
    let run = f.run(&source).await.unwrap();
    assert_eq!(run.status, RunStatus::Partial);
    assert_eq!(f.orders(), 2);
    assert!(run.streams[0]
        .error
        .as_deref()
        .unwrap()
        .contains("HTTP 400"));
    assert_eq!(run.streams[1].error, None);
    assert_eq!(
        f.core.connection(f.id).unwrap().status,
        ConnectionStatus::Error
    );
}

#[tokio::test]
async fn refused_credentials_stop_the_run_and_park_the_connection() {
    let mut f = fixture();
    let source = Scripted::new(&[
        ("orders", vec![Step::Fail(auth)]),
        ("later", vec![Step::Orders(vec![1])]),
    ]);
    let run = f.run(&source).await.unwrap();
    assert_eq!(run.status, RunStatus::Failed);
    assert!(
        source.asked("later").is_empty(),
        "no stream runs after an auth failure"
    );
    let c = f.core.connection(f.id).unwrap();
    assert_eq!(c.status, ConnectionStatus::NeedsAttention);
    assert!(c.last_error.unwrap().contains("token revoked"));

    // Skipped by later runs until its credentials change.
    let err = f.run(&source).await.unwrap_err();
    assert!(matches!(err, SyncError::NeedsAttention(_)), "{err}");
    assert_eq!(source.asked("orders").len(), 1, "no request was made");
    // An edit that leaves the credentials alone does not un-park it…
    let mut rename = shopify("");
    rename.display_name = Some("Main shop".into());
    f.core.update_connection(f.id, &rename).unwrap();
    assert_eq!(
        f.core.connection(f.id).unwrap().status,
        ConnectionStatus::NeedsAttention
    );
    // …new credentials do.
    f.core
        .update_connection(f.id, &shopify("shpat_second"))
        .unwrap();
    assert_eq!(
        f.core.connection(f.id).unwrap().status,
        ConnectionStatus::New
    );
    let fixed = Scripted::new(&[
        ("orders", vec![Step::Orders(vec![1])]),
        ("later", vec![Step::Orders(vec![2])]),
    ]);
    assert_eq!(f.run(&fixed).await.unwrap().status, RunStatus::Succeeded);
    assert_eq!(
        f.core.connection(f.id).unwrap().status,
        ConnectionStatus::Ok
    );
}

#[tokio::test]
async fn bad_records_are_skipped_counted_and_kept_as_examples() {
    let mut f = fixture();
    let bad = (0..7)
        .map(|i| BadRecord {
            id: Some(format!("bad{i}")),
            reason: "totalPriceSet is missing".into(),
        })
        .collect();
    let source = Scripted::new(&[("orders", vec![Step::OrdersWithBad(vec![1, 2, 3], bad)])]);
    let run = f.run(&source).await.unwrap();
    assert_eq!(run.status, RunStatus::Succeeded);
    assert_eq!(
        (
            run.records_fetched,
            run.records_upserted,
            run.records_skipped
        ),
        (10, 3, 7)
    );
    assert_eq!(run.streams[0].examples.len(), 5, "a few examples, not all");
    assert_eq!(run.streams[0].examples[0].id.as_deref(), Some("bad0"));
    assert_eq!(f.orders(), 3);
}

#[tokio::test]
async fn a_cursor_that_does_not_move_is_not_followed_forever() {
    let mut f = fixture();
    let source = Scripted::new(&[("orders", vec![Step::Orders(vec![1]), Step::Stuck])]);
    let run = f.run(&source).await.unwrap();
    assert_eq!(run.status, RunStatus::Failed);
    assert!(run.streams[0]
        .error
        .as_deref()
        .unwrap()
        .contains("without moving its cursor"));
    assert_eq!(source.asked("orders").len(), 2);
    assert_eq!(f.orders(), 1);
}

#[tokio::test]
async fn one_run_per_connection_at_a_time() {
    let mut f = fixture();
    let held = RunLock::try_take(&f.dir.path().join("locks"), f.id).unwrap();
    let source = Scripted::new(&[("orders", vec![Step::Orders(vec![1])])]);
    let err = f.run(&source).await.unwrap_err();
    assert!(matches!(err, SyncError::AlreadyRunning(_)), "{err}");
    assert!(source.asked("orders").is_empty());
    drop(held);
    assert_eq!(f.run(&source).await.unwrap().status, RunStatus::Succeeded);
}

#[tokio::test]
async fn a_run_cut_off_by_a_crash_is_closed_as_cancelled() {
    let mut f = fixture();
    let orphan = f
        .core
        .store_mut()
        .begin_run(f.id, Trigger::Schedule)
        .unwrap();
    let source = Scripted::new(&[("orders", vec![Step::Orders(vec![1])])]);
    f.run(&source).await.unwrap();
    let runs = f.core.store().runs(Some(f.id), 10).unwrap();
    let old = runs.iter().find(|r| r.id == orphan).unwrap();
    assert_eq!(old.status, RunStatus::Cancelled);
    assert!(old.error.as_deref().unwrap().contains("interrupted"));
    let newest = &runs[0];
    assert_eq!(
        (newest.status, newest.trigger),
        (RunStatus::Succeeded, Trigger::Cli)
    );
}

#[tokio::test]
async fn progress_is_told_as_the_run_goes_and_requests_are_counted_per_stream() {
    let mut f = fixture();
    let source = Scripted::new(&[
        (
            "orders",
            vec![
                Step::Orders(vec![1, 2]),
                Step::Orders(vec![3]),
                Step::Orders(vec![4]),
            ],
        ),
        ("refunds", vec![Step::Fail(fatal)]),
    ]);
    let heard = Mutex::new(Vec::new());
    let locks = f.dir.path().join("locks");
    let run = run_connection_observed(
        f.core.store_mut(),
        &locks,
        f.id,
        &source,
        Trigger::Manual,
        &|p| heard.lock().unwrap().push(p.clone()),
    )
    .await
    .unwrap();
    assert_eq!(run.status, RunStatus::Partial);
    assert_eq!(run.requests, 4);
    let per_stream: Vec<(&str, u64)> = run
        .streams
        .iter()
        .map(|s| (s.stream.as_str(), s.requests))
        .collect();
    assert_eq!(per_stream, [("orders", 3), ("refunds", 1)]);

    let heard = heard.into_inner().unwrap();
    use pulseboard::domain::run::Progress;
    assert!(matches!(&heard[0], Progress::Started { streams, .. } if streams.len() == 2));
    // One event per stored page, then one as each stream ends. A page is
    // stored while the next one downloads, so the requests told with it
    // count that next one too.
    let orders: Vec<(u64, u64, bool)> = heard
        .iter()
        .filter_map(|p| match p {
            Progress::Stream {
                stream,
                upserted,
                requests,
                done,
                index: 0,
                of: 2,
                ..
            } if stream == "orders" => Some((*upserted, *requests, *done)),
            _ => None,
        })
        .collect();
    assert_eq!(
        orders,
        [(2, 2, false), (3, 3, false), (4, 3, false), (4, 3, true)]
    );
    assert!(heard.iter().any(|p| matches!(p,
        Progress::Stream { stream, done: true, error: Some(e), index: 1, .. } if stream == "refunds" && e.contains("bad field"))));
    match heard.last().unwrap() {
        Progress::Finished {
            run: r,
            before,
            after,
            ..
        } => {
            assert_eq!(r.id, run.id);
            assert_eq!(*before, ConnectionStatus::New);
            assert_eq!(*after, ConnectionStatus::Error);
            assert!(ConnectionStatus::newly_failing(*before, *after));
        }
        other => panic!("the last event is the finish, not {other:?}"),
    }
}
