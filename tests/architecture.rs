//! ARCHITECTURE.md's arrows and absences, checked against the source: which
//! top-level module may name which (`crate::x`), where tauri, SQL and the
//! keychain may appear, that `sync/` names no provider and `connectors/`
//! never reaches up into `sync/`, that every source has the same files, and
//! that no file of `connectors/` or `store/` grows past 900 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri")
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out.sort();
    out
}

/// The top-level modules each module names through `crate::`.
fn arrows() -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(root()).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_dir() {
            continue;
        }
        let module = path.file_name().unwrap().to_string_lossy().to_string();
        let names = out.entry(module.clone()).or_default();
        for (_, text) in sources(&path) {
            for (i, _) in text.match_indices("crate::") {
                let rest = &text[i + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    names.insert(name);
                }
            }
        }
    }
    out
}

/// Who may name whom: the arrows of ARCHITECTURE.md, all pointing down.
const ALLOWED: &[(&str, &[&str])] = &[
    (
        "app",
        &[
            "host",
            "service",
            "sync",
            "domain",
            "export",
            "secrets",
            "settings",
            "telemetry",
        ],
    ),
    (
        "host",
        &[
            "service",
            "sync",
            "domain",
            "secrets",
            "settings",
            "telemetry",
        ],
    ),
    (
        "cli",
        &[
            "service",
            "sync",
            "domain",
            "export",
            "metrics",
            "secrets",
            "settings",
            "telemetry",
        ],
    ),
    (
        "service",
        &[
            "sync",
            "rollups",
            "connectors",
            "store",
            "domain",
            "metrics",
            "charts",
            "export",
            "secrets",
            "settings",
        ],
    ),
    (
        "sync",
        &[
            "connectors",
            "rollups",
            "store",
            "domain",
            "secrets",
            "settings",
        ],
    ),
    ("rollups", &["store", "metrics", "domain"]),
    ("connectors", &["domain", "telemetry"]),
    ("store", &["domain"]),
    ("metrics", &["domain"]),
    ("export", &["metrics", "domain"]),
    ("secrets", &["domain", "settings"]),
    ("settings", &["domain"]),
    ("telemetry", &[]),
    ("domain", &[]),
    ("charts", &[]),
];

#[test]
fn every_arrow_between_modules_is_one_the_map_draws() {
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(m, to)| (*m, to.iter().copied().collect()))
        .collect();
    for (module, names) in arrows() {
        let Some(may) = allowed.get(module.as_str()) else {
            panic!("src-tauri/{module}/ is not on the map: add it to ARCHITECTURE.md and here");
        };
        for name in &names {
            assert!(
                may.contains(name.as_str()),
                "{module} names crate::{name}, an arrow ARCHITECTURE.md does not draw"
            );
        }
    }
}

#[test]
fn the_arrows_have_no_circle() {
    let graph: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    fn visit<'a>(m: &'a str, graph: &BTreeMap<&'a str, &'a [&'a str]>, path: &mut Vec<&'a str>) {
        assert!(!path.contains(&m), "a circle: {path:?} → {m}");
        path.push(m);
        for next in graph.get(m).copied().unwrap_or_default() {
            visit(next, graph, path);
        }
        path.pop();
    }
    for m in graph.keys() {
        visit(m, &graph, &mut Vec::new());
    }
}

/// Files of the crate outside `owner/` that contain `needle` (the build
/// script, which generates the app's permissions, is not the crate).
fn outside(owner: &str, needle: &str) -> Vec<String> {
    sources(&root())
        .into_iter()
        .filter(|(p, _)| !p.starts_with(root().join(owner)) && !p.ends_with("build.rs"))
        .filter(|(_, text)| text.contains(needle))
        .map(|(p, _)| p.display().to_string())
        .collect()
}

#[test]
fn tauri_sql_and_the_keychain_each_stay_in_their_module() {
    assert_eq!(outside("app", "tauri::"), Vec::<String>::new());
    assert_eq!(outside("store", "rusqlite"), Vec::<String>::new());
    assert_eq!(outside("secrets", "keyring::"), Vec::<String>::new());
}

#[test]
fn sync_names_no_provider_and_connectors_never_reach_up_into_sync() {
    for (path, text) in sources(&root().join("sync")) {
        for needle in [
            "Provider::",
            "connectors::demo",
            "connectors::meta",
            "connectors::google",
            "connectors::shopify",
            "connectors::shiprocket",
        ] {
            assert!(!text.contains(needle), "{} names {needle}", path.display());
        }
    }
    for (path, text) in sources(&root().join("connectors")) {
        assert!(
            !text.contains("crate::sync"),
            "{} reaches up into sync/",
            path.display()
        );
    }
}

#[test]
fn only_the_registry_lists_the_providers_among_the_shared_connector_parts() {
    let connectors = root().join("connectors");
    for (path, text) in sources(&connectors) {
        let shared = path.parent() == Some(connectors.as_path());
        if shared && !path.ends_with("registry.rs") {
            assert!(
                !text.contains("Provider::"),
                "{} names a provider; only registry.rs does",
                path.display()
            );
        }
    }
}

#[test]
fn every_source_has_the_same_files() {
    let connectors = root().join("connectors");
    let mut folders = 0;
    for entry in std::fs::read_dir(&connectors).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_dir() {
            continue;
        }
        folders += 1;
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        // The demo generates its records: it has no client to talk to.
        let files: &[&str] = if name == "demo" {
            &["mod.rs", "records.rs", "cursor.rs"]
        } else {
            &["mod.rs", "client.rs", "records.rs", "cursor.rs"]
        };
        for f in files {
            assert!(path.join(f).exists(), "connectors/{name}/ has no {f}");
        }
        let source = std::fs::read_to_string(path.join("mod.rs")).unwrap();
        assert!(
            source.contains("impl Source for "),
            "connectors/{name}/mod.rs does not implement Source"
        );
    }
    assert!(folders >= 5, "the sources are folders under connectors/");
}

#[test]
fn no_file_of_connectors_or_store_grows_past_900_lines() {
    for dir in ["connectors", "store"] {
        for (path, text) in sources(&root().join(dir)) {
            let lines = text.lines().count();
            assert!(lines <= 900, "{} has {lines} lines", path.display());
        }
    }
}

/// `domain`, `metrics` and `charts` are pure: no files, sockets, processes,
/// database, keychain or window.
#[test]
fn the_pure_modules_do_no_io() {
    for module in ["domain", "metrics", "charts"] {
        for (path, text) in sources(&root().join(module)) {
            for needle in [
                "std::fs",
                "std::net",
                "std::process",
                "std::env",
                "reqwest::",
                "rusqlite::",
                "keyring::",
                "tauri::",
                "tokio::",
            ] {
                assert!(
                    !text.contains(needle),
                    "{} names {needle}: {module} is pure",
                    path.display()
                );
            }
        }
    }
}
