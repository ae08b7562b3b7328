//! Checks on the web UI's files that the strict CSP and the no-remote-content
//! rule depend on: a violation here renders wrong (inline styles are refused)
//! or reaches outside the app, and neither shows up as a compile error.

use std::path::{Path, PathBuf};

fn ui_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("ui")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("js" | "html" | "css" | "svg")
            ) {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 10, "found the UI files: {files:?}");
    files
}

#[test]
fn no_inline_styles_scripts_or_html_injection() {
    for path in ui_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.display();
        for (i, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") || code.starts_with('*') || code.starts_with("/*") {
                continue;
            }
            let at = format!("{name}:{}", i + 1);
            assert!(
                !line.contains("style=\""),
                "{at}: inline style attribute (the CSP refuses it)"
            );
            assert!(
                !(line.contains("h(\"") && line.contains("style: \"")),
                "{at}: inline style via h() (the CSP refuses it)"
            );
            assert!(
                !line.contains("innerHTML"),
                "{at}: innerHTML; build nodes with h()"
            );
            assert!(
                !line.contains("onclick=\""),
                "{at}: inline handler (the CSP refuses it)"
            );
            if path.extension().is_some_and(|e| e == "html") {
                assert!(
                    !line.contains("<script>"),
                    "{at}: inline script (the CSP refuses it)"
                );
            }
        }
    }
}

#[test]
fn no_remote_content() {
    for path in ui_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        // An SVG namespace is an identifier, not a request.
        let text = text.replace("http://www.w3.org/2000/svg", "");
        for needle in ["http://", "https://", "//cdn", "@import url("] {
            assert!(
                !text.contains(needle),
                "{}: '{needle}': the UI loads nothing remote",
                path.display()
            );
        }
    }
}

#[test]
fn pages_never_call_tauri_directly() {
    for path in ui_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        if path.file_name().is_some_and(|n| n == "api.js") {
            continue;
        }
        assert!(
            !text.contains("__TAURI__"),
            "{}: use js/api.js",
            path.display()
        );
    }
}

/// `pulseboard metrics --help` sends people to the README's "The figures",
/// so that section names every key the CLI, the JSON and the CSV use.
#[test]
fn the_readme_names_every_figure() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("## The figures")
        .expect("a section 'The figures'");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    for key in pulseboard::metrics::keys::KEYS {
        assert!(
            section.contains(&format!("`{key}`")),
            "README's figures do not name `{key}`"
        );
    }
}

/// The README's first paragraph names every provider that syncs, and says
/// how many do (it once called two of them "next" after they were built).
#[test]
fn the_readme_lists_the_providers_that_sync() {
    use pulseboard::domain::Provider;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let intro = readme.split("\n## ").next().unwrap().replace('\n', " ");
    let syncing: Vec<Provider> = Provider::ALL
        .into_iter()
        .filter(|p| *p != Provider::Demo && pulseboard::service::capabilities(*p).syncs)
        .collect();
    for p in &syncing {
        assert!(
            intro.contains(p.spec().label),
            "the README's intro misses {}",
            p.spec().label
        );
    }
    let words = ["", "one", "two", "three", "four", "five", "six", "seven"];
    assert!(
        intro.contains(&format!("all {} sync for real", words[syncing.len()])),
        "the intro does not say all {} sync",
        syncing.len()
    );
    assert!(
        !intro.to_lowercase().contains(" next"),
        "the intro still calls something next"
    );
}
