//! First launch in the real window: with no workspace, the welcome page offers
//! the demo; one click creates it, syncs it through the engine, and the
//! dashboard's tiles fill in. Needs DISPLAY, a session bus with an unlocked
//! keyring, and tauri-driver: `./dev.sh test` sets all three up.

mod common;

use common::webdriver::{Driver, Session};
use common::{bin, cli};

#[test]
fn explore_with_demo_data_on_first_launch() {
    let dir = tempfile::tempdir().unwrap();
    let driver = Driver::start(&[("PULSEBOARD_DATA_DIR", dir.path())]);
    let s = Session::new(&driver, &bin());

    s.wait_for_text("#page h1", "Welcome to Pulseboard");
    s.click("#explore-demo");
    s.wait_for_text("#page h1", "Dashboard");
    // The first sync runs in the background; the tiles fill in when it ends.
    let tiles = s.wait(60, "the revenue tile to show a figure", || {
        // The page re-renders when the sync ends: read without panicking on a stale node.
        let text = s.try_text("#tiles")?;
        let done = text.contains("Revenue")
            && text.contains("₹")
            && s.try_find("#syncing-banner").is_none();
        done.then_some(text)
    });
    assert!(
        tiles.contains("Orders") && tiles.contains("Talk time"),
        "{tiles}"
    );
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    s.screenshot(&shots.join("e2e-demo-dashboard.png"));
    s.close();

    let out = cli(dir.path()).args(["runs", "--json"]).output().unwrap();
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(runs[0]["trigger"], "manual");
}
