//! The Debian package, as `./dev.sh package` builds it (here `--debug`, the
//! quick build of the same binaries): its control file, its file list and
//! desktop entry read with dpkg-deb, and the installed binary run from a
//! throwaway root (`dpkg-deb -x`): `--version`, then `demo` and `workspace
//! list` against a temp data dir. Needs npm (dev.sh installs it when missing)
//! for the Tauri CLI.

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn build_package() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = run(Command::new(root.join("dev.sh"))
        .args(["package", "--debug"])
        .current_dir(root));
    let deb = PathBuf::from(
        out.lines()
            .last()
            .expect("dev.sh package prints the path")
            .trim(),
    );
    let deb = if deb.is_absolute() {
        deb
    } else {
        root.join(deb)
    };
    assert!(deb.exists(), "{}", deb.display());
    // The bundler built target/debug's binaries with the `custom-protocol`
    // feature (and marked them as packaged): put the suite's own back for the
    // tests that run them after this one.
    run(Command::new(env!("CARGO"))
        .args(["build", "--locked", "--bins"])
        .current_dir(root));
    deb
}

#[test]
fn the_debian_package_installs_a_working_pulseboard_with_its_desktop_entry() {
    let deb = build_package();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        deb.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .ends_with(&format!("_{version}_amd64.deb")),
        "{}",
        deb.display()
    );

    // The control file: name, version, and what it needs at run time.
    let info = run(Command::new("dpkg-deb").arg("-I").arg(&deb));
    let field = |name: &str| -> String {
        info.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} in\n{info}"))
            .to_string()
    };
    assert_eq!(field("Package"), "pulseboard");
    assert_eq!(field("Version"), version);
    let depends = field("Depends");
    for needed in ["libwebkit2gtk-4.1-0", "gnome-keyring"] {
        assert!(depends.contains(needed), "{depends}");
    }
    // The tray is served over D-Bus by `pulseboard` itself (no GTK tray library).
    assert!(!depends.contains("appindicator"), "{depends}");

    // The files: both binaries, the desktop entry, the icon in every size.
    let list = run(Command::new("dpkg-deb").arg("-c").arg(&deb));
    let has = |path: &str| list.lines().any(|l| l.ends_with(path));
    for path in [
        "./usr/bin/pulseboard",
        "./usr/bin/pulseboard-desktop",
        "./usr/share/applications/Pulseboard.desktop",
    ] {
        assert!(
            has(path) || has(path.trim_start_matches("./")),
            "{path} in\n{list}"
        );
    }
    for size in [16, 24, 32, 48, 64, 128, 256, 512] {
        let icon = format!("usr/share/icons/hicolor/{size}x{size}/apps/pulseboard.png");
        assert!(has(&icon), "{icon} in\n{list}");
    }

    // Installed into a throwaway root.
    let root = tempfile::tempdir().unwrap();
    run(Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(root.path()));
    let entry = std::fs::read_to_string(
        root.path()
            .join("usr/share/applications/Pulseboard.desktop"),
    )
    .unwrap();
    for line in [
        "Type=Application",
        "Name=Pulseboard",
        "Exec=pulseboard",
        "Icon=pulseboard",
        "Terminal=false",
    ] {
        assert!(entry.lines().any(|l| l == line), "{line} in\n{entry}");
    }
    let bin = root.path().join("usr/bin/pulseboard");
    let data = tempfile::tempdir().unwrap();
    let shown = run(Command::new(&bin)
        .arg("--version")
        .env("PULSEBOARD_DATA_DIR", data.path()));
    assert!(
        shown.starts_with(&format!(
            "pulseboard {version} (schema {})\n",
            pulseboard::store::SCHEMA_VERSION
        )),
        "{shown}"
    );
    assert!(shown.contains(data.path().to_str().unwrap()), "{shown}");
    run(Command::new(&bin)
        .arg("demo")
        .env("PULSEBOARD_DATA_DIR", data.path()));
    let listed = run(Command::new(&bin)
        .args(["workspace", "list", "--json"])
        .env("PULSEBOARD_DATA_DIR", data.path()));
    assert!(listed.contains("\"Demo\""), "{listed}");
}
