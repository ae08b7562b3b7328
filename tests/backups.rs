//! Backups and restore through the real binary on a real data dir: what a
//! backup holds, a restore and its undo, files a restore must refuse, a
//! damaged database, the lock that keeps a restore from swapping a file in
//! use, the backup before a migration, and the daily/weekly rotation.

mod common;

use common::{cli, moved_aside, spoil_first_tables};
use predicates::str::contains;
use pulseboard::secrets::{Keychain, MemorySecrets, SecretKey, SecretStore};
use pulseboard::service::backups::{self, BackupKind};
use pulseboard::service::Core;
use pulseboard::settings::Paths;
use pulseboard::store::{self, Store, SCHEMA_VERSION};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn db(dir: &Path) -> PathBuf {
    dir.join("pulseboard.sqlite3")
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stdout.clone()).unwrap()
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let a = cli(dir).args(args).assert().success();
    serde_json::from_str(&stdout(&a)).unwrap()
}

fn demo_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    cli(dir.path()).arg("demo").assert().success();
    dir
}

/// The demo's daily figures for its last 60 days.
fn figures(dir: &Path) -> serde_json::Value {
    let today = chrono::Utc::now().date_naive();
    let from = (today - chrono::Days::new(60)).to_string();
    json(
        dir,
        &[
            "metrics",
            "--workspace",
            "Demo",
            "--from",
            &from,
            "--to",
            &today.to_string(),
            "--format",
            "json",
        ],
    )
}

fn workspaces(dir: &Path) -> Vec<String> {
    json(dir, &["workspace", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap().to_string())
        .collect()
}

fn backups_of(dir: &Path) -> Vec<(String, PathBuf)> {
    json(dir, &["backups", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            assert!(b["size"].as_u64().unwrap() > 0, "{b}");
            assert!(b["time"].as_str().unwrap().ends_with('Z'), "{b}");
            (
                b["kind"].as_str().unwrap().to_string(),
                PathBuf::from(b["path"].as_str().unwrap()),
            )
        })
        .collect()
}

#[test]
fn a_backup_restores_the_same_figures_and_a_restore_can_itself_be_undone() {
    let dir = demo_dir();
    let before = figures(dir.path());
    assert!(before.as_array().unwrap().len() > 50, "{before}");

    let taken = cli(dir.path()).arg("backup").assert().success();
    assert!(
        stdout(&taken).starts_with("Backed up to "),
        "{}",
        stdout(&taken)
    );
    let listed = backups_of(dir.path());
    assert_eq!(listed.len(), 1, "{listed:?}");
    let (kind, manual) = &listed[0];
    assert_eq!(kind, "manual");
    assert!(manual.starts_with(dir.path().join("backups")));
    assert_eq!(
        store::inspect(manual).unwrap().schema_version,
        SCHEMA_VERSION
    );

    // Something changes after the backup...
    cli(dir.path())
        .args([
            "workspace",
            "add",
            "Later",
            "--timezone",
            "UTC",
            "--currency",
            "USD",
        ])
        .assert()
        .success();
    assert!(workspaces(dir.path()).contains(&"Later".to_string()));

    // ...and the restore takes the file back to the backup's moment.
    let restored = cli(dir.path())
        .args(["restore", manual.to_str().unwrap()])
        .assert()
        .success();
    let out = stdout(&restored);
    assert!(out.contains("kept as a backup"), "{out}");
    assert!(!out.contains("need their credentials"), "{out}");
    assert_eq!(workspaces(dir.path()), vec!["Demo".to_string()]);
    assert_eq!(figures(dir.path()), before);
    assert!(manual.exists(), "the backup restored is copied, not moved");

    // The file the restore replaced is a backup of its own: restoring it
    // undoes the restore.
    let replaced: Vec<PathBuf> = backups_of(dir.path())
        .into_iter()
        .filter(|(k, _)| k == "before-restore")
        .map(|(_, p)| p)
        .collect();
    assert_eq!(replaced.len(), 1);
    assert!(out.contains(replaced[0].to_str().unwrap()), "{out}");
    cli(dir.path())
        .args(["restore", replaced[0].to_str().unwrap()])
        .assert()
        .success();
    assert!(workspaces(dir.path()).contains(&"Later".to_string()));
    assert_eq!(figures(dir.path()), before);
}

#[test]
fn a_backup_to_a_named_file_never_overwrites_one() {
    let dir = demo_dir();
    let out = dir.path().join("copy.sqlite3");
    cli(dir.path())
        .args(["backup", "--out", out.to_str().unwrap()])
        .assert()
        .success();
    assert!(store::inspect(&out).is_ok());
    let bytes = std::fs::read(&out).unwrap();
    cli(dir.path())
        .args(["backup", "--out", out.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(contains("already exists"));
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
    assert!(
        backups_of(dir.path()).is_empty(),
        "--out is not in the folder"
    );
}

#[test]
fn restore_refuses_a_file_that_is_not_a_whole_pulseboard_database_and_changes_nothing() {
    let dir = demo_dir();
    let files = tempfile::tempdir().unwrap();
    let text = files.path().join("notes.txt");
    std::fs::write(&text, "date,amount\n".repeat(1000)).unwrap();
    let foreign = files.path().join("other.sqlite");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    let newer = files.path().join("newer.sqlite3");
    cli(dir.path())
        .args(["backup", "--out", newer.to_str().unwrap()])
        .assert()
        .success();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let damaged = files.path().join("damaged.sqlite3");
    cli(dir.path())
        .args(["backup", "--out", damaged.to_str().unwrap()])
        .assert()
        .success();
    spoil_first_tables(&damaged);

    let before = std::fs::read(db(dir.path())).unwrap();
    for (file, says) in [
        (&text, "is not an SQLite database"),
        (&foreign, "not a Pulseboard one"),
        (&newer, "newer Pulseboard"),
        (&damaged, "is damaged"),
        (&files.path().join("missing"), "cannot be read"),
    ] {
        cli(dir.path())
            .args(["restore", file.to_str().unwrap()])
            .assert()
            .code(1)
            .stderr(contains(says));
    }
    assert_eq!(std::fs::read(db(dir.path())).unwrap(), before);
    assert!(backups_of(dir.path()).is_empty());
    assert!(!dir.path().join("pulseboard.sqlite3.restoring").exists());
}

/// Overwrite the root page of `table` with noise.
fn spoil_table(file: &Path, table: &str) {
    use std::io::{Seek, SeekFrom, Write};
    let root: u64 = rusqlite::Connection::open(file)
        .unwrap()
        .query_row(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
        .unwrap();
    let page: u64 = 4096;
    let mut f = std::fs::OpenOptions::new().write(true).open(file).unwrap();
    f.seek(SeekFrom::Start((root - 1) * page)).unwrap();
    f.write_all(&vec![0x5a; page as usize]).unwrap();
    f.sync_all().unwrap();
}

#[test]
fn a_damaged_database_is_named_left_as_it_is_and_restored_from_its_newest_backup() {
    let dir = demo_dir();
    cli(dir.path()).arg("backup").assert().success();
    let (_, good) = backups_of(dir.path()).remove(0);
    spoil_table(&db(dir.path()), "daily_rollups");
    let spoiled = std::fs::read(db(dir.path())).unwrap();

    // Within a day of the last clean check, a command that meets a damaged
    // page says so and what to do, and exits non-zero; one that does not
    // meet it works.
    cli(dir.path())
        .args(["workspace", "list"])
        .assert()
        .success();
    let today = chrono::Utc::now().date_naive().to_string();
    cli(dir.path())
        .args([
            "metrics",
            "--workspace",
            "Demo",
            "--from",
            &today,
            "--to",
            &today,
        ])
        .assert()
        .code(1)
        .stderr(contains("the database is damaged"))
        .stderr(contains("pulseboard restore FILE"));
    // A day later every command's open checks it whole first: it names the
    // file and the newest good backup. The file is not touched.
    let stamp = dir.path().join("locks").join("quick-check.ok");
    let day_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(25 * 3600);
    std::fs::File::options()
        .write(true)
        .open(&stamp)
        .unwrap()
        .set_modified(day_ago)
        .unwrap();
    cli(dir.path())
        .args(["runs"])
        .assert()
        .code(1)
        .stderr(contains("is damaged"))
        .stderr(contains(db(dir.path()).to_str().unwrap()))
        .stderr(contains(format!("pulseboard restore '{}'", good.display())));
    assert!(!stamp.exists(), "no clean check is remembered");
    assert_eq!(std::fs::read(db(dir.path())).unwrap(), spoiled);
    // Listing backups works without opening it.
    assert_eq!(backups_of(dir.path()).len(), 1);

    let restored = cli(dir.path())
        .args(["restore", good.to_str().unwrap()])
        .assert()
        .success();
    let out = stdout(&restored);
    assert!(out.contains("was damaged; it was moved aside to"), "{out}");
    let aside = moved_aside(dir.path());
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(
        std::fs::read(&aside[0]).unwrap(),
        spoiled,
        "kept byte for byte"
    );
    assert_eq!(workspaces(dir.path()), vec!["Demo".to_string()]);
    // A damaged file is not a backup: the folder holds only the good one.
    assert_eq!(backups_of(dir.path()).len(), 1);
}

#[test]
fn a_restore_is_refused_while_another_process_has_the_data_dir_open() {
    let dir = demo_dir();
    cli(dir.path()).arg("backup").assert().success();
    let (_, backup) = backups_of(dir.path()).remove(0);
    let core = Core::open(
        Paths::under(dir.path().to_path_buf()),
        Arc::new(MemorySecrets::default()),
    )
    .unwrap();
    let before = std::fs::read(db(dir.path())).unwrap();
    cli(dir.path())
        .args(["restore", backup.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(contains("Pulseboard is using"));
    assert_eq!(std::fs::read(db(dir.path())).unwrap(), before);
    drop(core);
    cli(dir.path())
        .args(["restore", backup.to_str().unwrap()])
        .assert()
        .success();
}

#[test]
fn an_older_file_is_backed_up_before_a_migration_changes_it() {
    let dir = tempfile::tempdir().unwrap();
    let old = 10;
    Store::open_at(&db(dir.path()), old).unwrap();
    cli(dir.path())
        .args(["workspace", "list"])
        .assert()
        .success();
    let listed = backups_of(dir.path());
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].0, "before-migration");
    assert_eq!(store::inspect(&listed[0].1).unwrap().schema_version, old);
    assert_eq!(
        store::file_version(&db(dir.path())).unwrap(),
        Some(SCHEMA_VERSION)
    );
    // Opened again: nothing to migrate, no new backup.
    cli(dir.path())
        .args(["workspace", "list"])
        .assert()
        .success();
    assert_eq!(backups_of(dir.path()).len(), 1);
}

#[test]
fn daily_and_weekly_backups_are_taken_when_due_and_rotate() {
    let dir = demo_dir();
    let paths = Paths::under(dir.path().to_path_buf());
    let start: chrono::DateTime<chrono::Utc> = "2026-11-02T08:00:00Z".parse().unwrap();
    let kinds = |taken: Vec<backups::Backup>| taken.iter().map(|b| b.kind).collect::<Vec<_>>();

    let first = backups::take_if_due(&paths, start).unwrap();
    assert_eq!(kinds(first), vec![BackupKind::Daily, BackupKind::Weekly]);
    // The same day, an hour later: nothing is due.
    let later = start + chrono::Duration::hours(1);
    assert!(backups::take_if_due(&paths, later).unwrap().is_empty());
    for day in 1..=12 {
        let now = start + chrono::Duration::days(day);
        let taken = kinds(backups::take_if_due(&paths, now).unwrap());
        let expect = if day % 7 == 0 {
            vec![BackupKind::Daily, BackupKind::Weekly]
        } else {
            vec![BackupKind::Daily]
        };
        assert_eq!(taken, expect, "day {day}");
    }
    let list = backups::list(&paths).unwrap();
    let of = |kind| list.iter().filter(|b| b.kind == kind).count();
    assert_eq!(of(BackupKind::Daily), backups::KEEP_DAILY);
    assert_eq!(of(BackupKind::Weekly), 2);
    let newest_daily = list.iter().find(|b| b.kind == BackupKind::Daily).unwrap();
    assert_eq!(newest_daily.time, start + chrono::Duration::days(12));
    for b in &list {
        assert!(store::inspect(&b.path).is_ok(), "{b:?}");
    }
    // Nothing half-written is left behind.
    let stray: Vec<_> = std::fs::read_dir(backups::backups_dir(&paths))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| !n.to_str().unwrap().ends_with(".sqlite3"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn a_restored_file_whose_credentials_are_not_in_the_keychain_names_its_connections() {
    let dir = tempfile::tempdir().unwrap();
    cli(dir.path())
        .args([
            "workspace",
            "add",
            "Acme",
            "--timezone",
            "UTC",
            "--currency",
            "USD",
        ])
        .assert()
        .success();
    cli(dir.path())
        .args([
            "connect",
            "shopify",
            "--workspace",
            "Acme",
            "--shop",
            "acme.myshopify.com",
        ])
        .write_stdin(format!(
            r#"{{"access_token":"{}"}}"#,
            common::unique_secret("shpat_")
        ))
        .assert()
        .success();
    let copy = dir.path().join("copy.sqlite3");
    cli(dir.path())
        .args(["backup", "--out", copy.to_str().unwrap()])
        .assert()
        .success();

    // Restored here, where its keychain entry is: nothing to say.
    let same = cli(dir.path())
        .args(["restore", copy.to_str().unwrap()])
        .assert()
        .success();
    assert!(
        !stdout(&same).contains("need their credentials"),
        "{}",
        stdout(&same)
    );

    // As on a computer whose keychain never had it.
    let install_id = store::inspect(&copy).unwrap().install_id;
    let key = SecretKey::connection(&install_id, pulseboard::domain::ConnectionId(1));
    Keychain::default().delete(&key).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let moved = cli(elsewhere.path())
        .args(["restore", copy.to_str().unwrap()])
        .assert()
        .success();
    let out = stdout(&moved);
    assert!(out.contains("need their credentials again"), "{out}");
    assert!(out.contains("  1  "), "{out}");
}
