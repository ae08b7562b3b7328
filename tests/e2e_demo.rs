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
    // The button turns off while the demo is made, then the dashboard opens.
    s.click_until("#explore-demo", "the demo being made", || {
        let disabled = s.execute_async(
            "const b = document.getElementById('explore-demo'); done(!b || b.disabled)",
        );
        (disabled == true).then_some(())
    });
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
    // The team's leaderboard for the range, one row per rep.
    let board = s.wait(30, "the leaderboard", || s.try_text("#leaderboard"));
    assert!(
        board.contains("Asha Rao") && board.contains("Rohan Das"),
        "{board}"
    );
    // The demo's pipeline: its stages with open deals, and stage moves.
    let deals = s.wait(30, "the pipeline", || s.try_text("#pipeline"));
    assert!(
        deals.contains("Qualified")
            && deals.contains("Negotiation")
            && deals.contains("Stage moves per day"),
        "{deals}"
    );
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    s.screenshot(&shots.join("e2e-demo-dashboard.png"));
    s.execute_async("document.querySelector('#pipeline').scrollIntoView(); done(1)");
    s.screenshot(&shots.join("e2e-demo-pipeline.png"));
    s.execute_async("window.scrollTo(0, 0); done(1)");

    // The charts, drawn in Rust with the demo's figures: the trend of the
    // range, a sparkline in every tile, the waterfall, marketing, shipping.
    let trend = s.wait(30, "the trend chart", || s.try_text("#trend-chart"));
    assert!(
        trend.contains("Revenue") && trend.contains("Net profit") && trend.contains("Ad spend"),
        "{trend}"
    );
    let sparks = s.execute_async("done(document.querySelectorAll('#tiles .spark svg').length)");
    let tiles_n = s.execute_async("done(document.querySelectorAll('#tiles .tile').length)");
    assert_eq!(sparks, tiles_n, "a sparkline per tile");
    assert!(s.text("#waterfall-chart").contains("Net profit"));
    assert!(s.text("#marketing-chart").contains("Break-even"));
    assert!(s.text("#spend-chart").contains("Google"));
    assert!(s.text("#shipping-chart").contains("RTO rate"));
    // A click on a tile makes its figure the main chart's.
    let before = s.execute_async("done(document.querySelector('#trend-chart').dataset.svg)");
    s.click(r#"#tiles .tile[data-key="orders"]"#);
    s.wait(20, "the trend of orders", || {
        let title = s.try_text("#trend-chart h3")?;
        let now = s.execute_async("done(document.querySelector('#trend-chart').dataset.svg)");
        (title.starts_with("Orders by day") && now != before).then_some(())
    });
    assert!(!s.text("#trend-chart").contains("Net profit"));
    // The PNG a save writes is drawn from the same SVG by the window.
    let png = s.execute_async(
        "import('./js/charts.js')
           .then((m) => m.toPng(document.querySelector('#trend-chart').dataset.svg, '#ffffff'))
           .then((b) => done(b.slice(0, 11)), (e) => done('error: ' + e));",
    );
    assert_eq!(png, "iVBORw0KGgo", "base64 of the PNG signature");
    // Saved through the save dialog, as a user would.
    let saved_dir = tempfile::tempdir().unwrap();
    let target = saved_dir.path().join("orders-trend.png");
    s.click(r#"#trend-chart button[data-save="png"]"#);
    save_dialog_answer("Save the chart", &target);
    let bytes = s.wait(20, "the PNG file", || {
        std::fs::read(&target).ok().filter(|b| !b.is_empty())
    });
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG file");
    let target = saved_dir.path().join("waterfall.svg");
    s.click(r#"#waterfall-chart button[data-save="svg"]"#);
    save_dialog_answer("Save the chart", &target);
    let svg = s.wait(20, "the SVG file", || {
        std::fs::read_to_string(&target)
            .ok()
            .filter(|t| !t.is_empty())
    });
    s.wait_for_text("#toast", "Saved the chart to");
    assert!(
        svg.starts_with("<svg") && svg.contains("Net profit"),
        "{}",
        &svg[..80.min(svg.len())]
    );
    s.execute_async("document.querySelector('#charts').scrollIntoView(); done(1)");
    s.screenshot(&shots.join("e2e-demo-charts.png"));
    s.execute_async("window.scrollTo(0, 0); done(1)");

    // The P&L: months down to net profit, the demo's warehouse rent its own line.
    s.click("a[data-page=pnl]");
    let pnl = s.wait(30, "the P&L", || s.try_text("#pnl-table"));
    assert!(
        pnl.contains("Gross sales") && pnl.contains("Warehouse rent") && pnl.contains("Net profit"),
        "{pnl}"
    );
    s.screenshot(&shots.join("e2e-demo-pnl.png"));

    // Products: the demo's twenty, worst margin first.
    s.click("a[data-page=products]");
    let products = s.wait(30, "the products table", || s.try_text("#products-table"));
    assert!(
        products.contains("Cotton Kurta") && products.contains("Gross profit"),
        "{products}"
    );
    s.screenshot(&shots.join("e2e-demo-products.png"));

    // Costs: every variant with its SKU and where its cost comes from.
    s.click("a[data-page=costs]");
    let costs = s.wait(30, "the costs table", || s.try_text("#costs-table"));
    assert!(
        costs.contains("DS-001-R") && costs.contains("Estimate") && costs.contains("Shopify"),
        "{costs}"
    );
    s.screenshot(&shots.join("e2e-demo-costs.png"));

    // A cost imported from a CSV changes yesterday's cost of goods and net
    // profit on the dashboard: read them, import, read again.
    s.click("a[data-page=dashboard]");
    s.click(r#"button[data-preset="yesterday"]"#);
    let tile = r#"#tiles .tile[data-key="net_profit"] .tile-value"#;
    // Yesterday's page is on screen when its range is one day.
    let one_day = || {
        let note = s.try_text("#range-note")?;
        let mut days = note.split(" to ");
        let (a, b) = (days.next()?, days.next()?.get(..10)?);
        (a == b && s.try_find("#waterfall-chart").is_some()).then_some(())
    };
    s.wait(30, "yesterday's dashboard", one_day);
    let profit_before = s.text(tile);
    let waterfall_before =
        s.execute_async("done(document.querySelector('#waterfall-chart').dataset.svg)");
    let csv_dir = tempfile::tempdir().unwrap();
    let csv = csv_dir.path().join("costs.csv");
    std::fs::write(&csv, "sku;cost\nDS-001-R;₹1,00\n").unwrap();
    s.click("a[data-page=costs]");
    s.wait(30, "the costs table", || s.try_text("#costs-table"));
    s.click("#import-costs");
    open_dialog_answer("Import costs from a CSV file", &csv);
    let preview = s.wait_for_text("#import-preview", "DS-001-R");
    assert!(
        preview.contains("Every line is clean") && preview.contains("new"),
        "{preview}"
    );
    s.screenshot(&shots.join("e2e-demo-cost-import.png"));
    s.click("#apply-costs");
    s.wait_for_text("#toast", "Applied 1 costs");
    let row = s.wait(20, "the variant's cost to be yours", || {
        let t = s.try_text(r#"#costs-table tr[data-sku="DS-001-R"]"#)?;
        t.contains("Yours").then_some(t)
    });
    assert!(row.contains("₹1.00"), "{row}");
    s.click("a[data-page=dashboard]");
    s.wait(30, "yesterday's dashboard", one_day);
    let profit_after = s.wait(30, "yesterday's net profit to change", || {
        let t = s.try_text(tile)?;
        (t != profit_before).then_some(t)
    });
    let waterfall_after =
        s.execute_async("done(document.querySelector('#waterfall-chart').dataset.svg)");
    assert_ne!(
        waterfall_after, waterfall_before,
        "the waterfall's COGS bar moves"
    );
    let money = |t: &str| {
        t.chars()
            .filter(|c| c.is_ascii_digit())
            .collect::<String>()
            .parse::<i64>()
            .unwrap()
    };
    assert!(
        money(&profit_after) > money(&profit_before),
        "{profit_before} → {profit_after}: a cheaper cost, more profit"
    );
    s.click(r#"button[data-preset="30"]"#);
    s.wait(30, "the dashboard for 30 days", || s.try_text("#tiles"));

    // Goals: the demo's are there with their standing, and one more can be added.
    s.click("a[data-page=goals]");
    let goals = s.wait(30, "the demo's goals", || {
        let text = s.try_text("#goal-list")?;
        (text.contains("Orders") && text.contains("Calls") && text.contains("Emails"))
            .then_some(text)
    });
    assert!(
        ["Met", "Ahead", "On track", "Behind"]
            .iter()
            .any(|w| goals.contains(w)),
        "a status in words: {goals}"
    );
    assert!(s
        .text("#team-table")
        .contains("asha@team.demo-shop.example"));
    s.screenshot(&shots.join("e2e-demo-goals.png"));
    s.type_into("#goal-target", "4200");
    s.click("#goal-form button[type=submit]");
    s.wait_for_text("#toast", "Goal added");
    s.wait(20, "the new goal's card", || {
        let n = s.execute_async("done(document.querySelectorAll('#goal-list .goal').length)");
        (n == 4).then_some(())
    });
    // Back to the dashboard for Sync now and the export.
    s.click("a[data-page=dashboard]");
    s.wait(30, "the dashboard again", || s.try_text("#tiles"));

    // Sync now from the dashboard: the window hears the run's progress events
    // (started, each stream with its counts, finished), and each connection
    // has its progress bar, hidden again once the run is over.
    s.execute_async(
        "window.__seen = []; \
         window.__TAURI__.event.listen('sync-progress', (e) => window.__seen.push(e.payload)).then(() => done(true));",
    );
    s.click_until("#dashboard-sync", "the run starting", || {
        let v = s.execute_async("done(window.__seen.length)");
        (v.as_u64()? > 0).then_some(())
    });
    let seen = s.wait(60, "the run's finished event", || {
        let v = s.execute_async("done(window.__seen)");
        let list = v.as_array()?.clone();
        list.iter()
            .any(|p| p["phase"] == "finished")
            .then_some(list)
    });
    let phases: Vec<&str> = seen.iter().filter_map(|p| p["phase"].as_str()).collect();
    assert_eq!(phases.first(), Some(&"started"), "{phases:?}");
    assert_eq!(phases.last(), Some(&"finished"), "{phases:?}");
    let streams: Vec<&str> = seen
        .iter()
        .filter(|p| p["phase"] == "stream" && p["done"] == true)
        .filter_map(|p| p["stream"].as_str())
        .collect();
    assert_eq!(
        streams.len(),
        seen[0]["streams"].as_array().unwrap().len(),
        "{streams:?}"
    );
    let finished = seen.last().unwrap();
    assert_eq!(finished["run"]["status"], "succeeded");
    assert_eq!(finished["before"], "ok");
    assert_eq!(finished["after"], "ok");
    s.wait(10, "the progress bar to hide after the run", || {
        let hidden = s.execute_async(
            "const b = document.querySelector('.sync-progress'); done(b ? b.hidden : null)",
        );
        (hidden == serde_json::Value::Bool(true)).then_some(())
    });

    // Export CSV: the real save dialog, answered like a user would.
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("last-30-days.csv");
    s.click("#export-csv");
    save_dialog_answer("Export metrics as CSV", &target);
    let said = s.wait_for_text("#toast", "Exported 30 rows");
    assert!(
        said.ends_with(&format!("to {}", target.display())),
        "{said}"
    );
    let csv = std::fs::read_to_string(&target).unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("date,orders,gross_sales,"),
        "{csv}"
    );
    assert_eq!(lines.count(), 30);

    s.close();

    let out = cli(dir.path()).args(["runs", "--json"]).output().unwrap();
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(runs[0]["trigger"], "manual");
}

/// Type a full path into the GTK save dialog titled `title` and press Enter.
fn save_dialog_answer(title: &str, path: &std::path::Path) {
    dialog_answer(title, path, false);
}

/// Type a full path into the GTK open dialog titled `title` and press Enter.
fn open_dialog_answer(title: &str, path: &std::path::Path) {
    dialog_answer(title, path, true);
}

/// Answer a GTK file dialog with a full path. An open dialog first has its
/// location field opened (Ctrl+L: whatever the dialog remembers from the
/// last one); a save dialog's name field has the focus already.
fn dialog_answer(title: &str, path: &std::path::Path, location_first: bool) {
    let id = common::desktop::wait_for(
        std::time::Duration::from_secs(20),
        "the file dialog",
        || common::desktop::visible_window(title),
    );
    let xdotool = |args: &[&str]| {
        let ok = std::process::Command::new("xdotool")
            .args(args)
            .status()
            .unwrap()
            .success();
        assert!(ok, "xdotool {args:?}");
    };
    xdotool(&["windowactivate", "--sync", &id]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    if location_first {
        xdotool(&["key", "ctrl+l"]);
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    xdotool(&["key", "ctrl+a"]);
    xdotool(&["type", "--delay", "20", &path.display().to_string()]);
    if location_first {
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    xdotool(&["key", "Return"]);
}

/// In a dark desktop theme the window turns dark and so do the charts drawn
/// for it (the backend is asked for the dark palette); screenshots of the
/// dashboard and the P&L in it.
#[test]
fn the_charts_follow_a_dark_desktop_theme() {
    let dir = tempfile::tempdir().unwrap();
    cli(dir.path()).arg("demo").assert().success();
    let driver = Driver::start(&[
        ("PULSEBOARD_DATA_DIR", dir.path()),
        ("GTK_THEME", std::path::Path::new("Adwaita:dark")),
    ]);
    let s = Session::new(&driver, &bin());
    s.wait_for_text("#page h1", "Dashboard");
    let dark = s.execute_async("done(window.matchMedia('(prefers-color-scheme: dark)').matches)");
    assert_eq!(dark, true, "the window follows the desktop's dark theme");
    s.wait(30, "the trend chart", || s.try_text("#trend-chart"));
    let svg = s.execute_async("done(document.querySelector('#trend-chart').dataset.svg)");
    let svg = svg.as_str().unwrap();
    assert!(svg.contains("#6EA2FF"), "the dark palette's first series");
    assert!(!svg.contains("#2F6FDE"), "no light palette colour");
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    s.screenshot(&shots.join("e2e-dark-dashboard.png"));
    s.execute_async("document.querySelector('#charts').scrollIntoView(); done(1)");
    s.screenshot(&shots.join("e2e-dark-charts.png"));
    s.click("a[data-page=pnl]");
    s.wait(30, "the P&L", || s.try_text("#pnl-table"));
    s.execute_async("window.scrollTo(0, 0); done(1)");
    s.screenshot(&shots.join("e2e-dark-pnl.png"));
    s.click("a[data-page=costs]");
    s.wait(30, "the costs table", || s.try_text("#costs-table"));
    s.execute_async("window.scrollTo(0, 0); done(1)");
    s.screenshot(&shots.join("e2e-dark-costs.png"));
    s.close();
}
