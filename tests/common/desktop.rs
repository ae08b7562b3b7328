//! Driving the desktop app from outside, as a person and their desktop would:
//! X windows (xdotool, wmctrl under a window manager), the process tree (/proc),
//! and the tray menu over D-Bus (`com.canonical.dbusmenu`, with gdbus).
//! Shared by tests/app_lifecycle.rs and benches/footprint.rs.
#![allow(dead_code)]

use std::process::{Child, Command};
use std::time::{Duration, Instant};

fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The bus name the running app's host holds (`pulseboard::host::bus::NAME`).
const SINGLE_INSTANCE_NAME: &str = "dev.pulseboard.app.SingleInstance";

/// Wait until no instance of the app holds its single-instance name on the
/// session bus. An app that has just been killed keeps the name until the bus
/// daemon notices, which under load takes a while; an app launched in that
/// moment hands over to the dying one and exits. False if one is still
/// there after 20 s.
pub fn wait_until_no_instance() -> bool {
    let held = || {
        output(Command::new("gdbus").args(DBUS).args([
            "--method",
            "org.freedesktop.DBus.NameHasOwner",
            SINGLE_INSTANCE_NAME,
        ]))
        .is_some_and(|reply| reply.contains("true"))
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while held() {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

/// Poll `f` every 50 ms until it returns Some, for at most `timeout`.
pub fn wait_for<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Fail early, with the fix, when there is no display or window manager.
pub fn require_desktop() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "these tests need an X display and a window manager; run them with ./dev.sh test"
    );
    assert!(
        output(Command::new("wmctrl").arg("-m")).is_some(),
        "no window manager answers on {:?}; run these tests with ./dev.sh test",
        std::env::var("DISPLAY")
    );
}

/// The X id of the visible window titled exactly `title`, if any.
pub fn visible_window(title: &str) -> Option<String> {
    output(Command::new("xdotool").args([
        "search",
        "--onlyvisible",
        "--name",
        &format!("^{title}$"),
    ]))
    .and_then(|s| s.lines().next().map(str::to_string))
}

/// Ask the window manager to close the window, as its close button does.
pub fn close_window(title: &str) {
    let ok = Command::new("wmctrl")
        .args(["-c", title])
        .status()
        .unwrap()
        .success();
    assert!(ok, "wmctrl could not close {title}");
}

/// Width and height of an X window's client area.
pub fn window_size(id: &str) -> (u32, u32) {
    let text = output(Command::new("xdotool").args(["getwindowgeometry", id])).unwrap();
    let geom = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Geometry: "))
        .unwrap();
    let (w, h) = geom.split_once('x').unwrap();
    (w.parse().unwrap(), h.parse().unwrap())
}

pub fn resize_window(id: &str, width: u32, height: u32) {
    let ok = Command::new("xdotool")
        .args(["windowsize", id, &width.to_string(), &height.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

/// One process of a tree.
#[derive(Debug, Clone)]
pub struct Proc {
    pub pid: u32,
    pub name: String,
    pub rss_kib: u64,
}

/// `root` and all its descendants, with their resident memory.
pub fn process_tree(root: u32) -> Vec<Proc> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        let field = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .map(|v| v.trim().to_string())
        };
        let ppid: u32 = field("PPid:").and_then(|v| v.parse().ok()).unwrap_or(0);
        let rss = field("VmRSS:")
            .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
            .unwrap_or(0);
        all.push((pid, ppid, field("Name:").unwrap_or_default(), rss));
    }
    let mut tree: Vec<Proc> = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for (pid, ppid, name, rss) in &all {
            if *pid == p {
                tree.push(Proc {
                    pid: *pid,
                    name: name.clone(),
                    rss_kib: *rss,
                });
            }
            if *ppid == p {
                frontier.push(*pid);
            }
        }
    }
    tree
}

pub fn tree_rss_kib(root: u32) -> u64 {
    process_tree(root).iter().map(|p| p.rss_kib).sum()
}

pub fn has_web_process(root: u32) -> bool {
    process_tree(root)
        .iter()
        .any(|p| p.name.starts_with("WebKitWebProces"))
}

/// The tray icon's menu as exported on the session bus by the app `pid`
/// (the host, `pulseboard`; the window is a process of its own).
pub struct TrayMenu {
    bus_name: String,
    path: String,
}

const DBUS: [&str; 8] = [
    "call",
    "--timeout",
    "3",
    "--session",
    "--dest",
    "org.freedesktop.DBus",
    "--object-path",
    "/org/freedesktop/DBus",
];

impl TrayMenu {
    /// Find the menu the process `pid` exports (waits for it to appear).
    pub fn find(pid: u32) -> Self {
        wait_for(Duration::from_secs(15), "the tray menu on D-Bus", || {
            Self::try_find(pid)
        })
    }

    fn try_find(pid: u32) -> Option<Self> {
        let names = output(
            Command::new("gdbus")
                .args(DBUS)
                .args(["--method", "org.freedesktop.DBus.ListNames"]),
        )?;
        for name in names.split('\'').filter(|n| n.starts_with(':')) {
            let owner = output(Command::new("gdbus").args(DBUS).args([
                "--method",
                "org.freedesktop.DBus.GetConnectionUnixProcessID",
                name,
            ]));
            let owner_pid = owner
                .as_deref()
                .and_then(|o| o.split("uint32 ").nth(1))
                .and_then(|o| {
                    o.trim_end_matches([')', ',', '\n'])
                        .trim()
                        .parse::<u32>()
                        .ok()
                });
            if owner_pid != Some(pid) {
                continue;
            }
            // The StatusNotifierItem's menu (ksni serves it at /MenuBar).
            let xml = output(Command::new("gdbus").args([
                "call",
                "--timeout",
                "3",
                "--session",
                "--dest",
                name,
                "--object-path",
                "/",
                "--method",
                "org.freedesktop.DBus.Introspectable.Introspect",
            ]));
            if xml.is_some_and(|x| x.contains("<node name=\"MenuBar\"")) {
                return Some(Self {
                    bus_name: name.to_string(),
                    path: "/MenuBar".into(),
                });
            }
        }
        None
    }

    fn call(&self, method: &str, args: &[&str]) -> String {
        output(
            Command::new("gdbus")
                .args([
                    "call",
                    "--timeout",
                    "5",
                    "--session",
                    "--dest",
                    &self.bus_name,
                ])
                .args(["--object-path", &self.path, "--method"])
                .arg(format!("com.canonical.dbusmenu.{method}"))
                // `--` so that arguments such as -1 are not read as options.
                .arg("--")
                .args(args),
        )
        .unwrap_or_else(|| panic!("dbusmenu {method} failed"))
    }

    /// (item id, label) of every item in the menu.
    pub fn items(&self) -> Vec<(i32, String)> {
        let layout = self.call("GetLayout", &["0", "-1", "[]"]);
        let mut items = Vec::new();
        for (at, _) in layout.match_indices("'label': <'") {
            let label_start = at + "'label': <'".len();
            let label_end = label_start + layout[label_start..].find("'>").unwrap();
            let open = layout[..at].rfind("<(").unwrap() + 2;
            let id: i32 = layout[open..]
                .split(',')
                .next()
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            items.push((id, layout[label_start..label_end].to_string()));
        }
        items
    }

    pub fn labels(&self) -> Vec<String> {
        self.items().into_iter().map(|(_, l)| l).collect()
    }

    /// Click the item labelled `label`, as a tray host does.
    pub fn click(&self, label: &str) {
        let id = self
            .items()
            .into_iter()
            .find(|(_, l)| l == label)
            .unwrap_or_else(|| panic!("no tray item '{label}' in {:?}", self.labels()))
            .0;
        self.call("Event", &[&id.to_string(), "clicked", "<0>", "0"]);
    }

    /// Wait until some item is labelled `label`.
    pub fn wait_for_label(&self, label: &str) {
        wait_for(
            Duration::from_secs(10),
            &format!("tray item '{label}'"),
            || self.labels().iter().any(|l| l == label).then_some(()),
        )
    }
}

/// Wait for `child` to exit, for at most `timeout`.
pub fn wait_exit(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    wait_for(timeout, "the process to exit", || child.try_wait().unwrap())
}
