//! A minimal W3C WebDriver client for driving the real app window through
//! `tauri-driver` (which fronts WebKitWebDriver on Linux). One keep-alive HTTP
//! connection for the whole session: `Connection: close` clients were flaky here.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// `tauri-driver` on two free loopback ports; killed when dropped. What it
/// and the app it launches print goes to a log, shown when a test fails.
pub struct Driver {
    child: Child,
    pub port: u16,
    log: tempfile::NamedTempFile,
    /// The app's own log folder, when the test gave it a data dir.
    app_logs: Option<std::path::PathBuf>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Driver {
    /// Start tauri-driver with `envs` passed down to the app it launches.
    pub fn start(envs: &[(&str, &Path)]) -> Self {
        let (port, native) = (free_port(), free_port());
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "the end-to-end tests need an X display; run them with ./dev.sh test (it starts Xvfb)"
        );
        assert!(
            super::desktop::wait_until_no_instance(),
            "an earlier instance of the app is still running"
        );
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut cmd = Command::new("tauri-driver");
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(log.reopen().unwrap())
        .stderr(log.reopen().unwrap());
        // Its own process group, so Drop can end it with its WebKitWebDriver.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap_or_else(|e| {
            panic!("cannot start tauri-driver ({e}); install it with `cargo install tauri-driver --version '^2' --locked` or run ./dev.sh test")
        });
        let app_logs = envs
            .iter()
            .find(|(k, _)| *k == "PULSEBOARD_DATA_DIR")
            .map(|(_, dir)| dir.join("logs"));
        let driver = Self {
            child,
            port,
            log,
            app_logs,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not start listening"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }
}

/// The last `lines` lines of `path` that are not blank or GTK/portal noise.
fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| {
            !l.trim().is_empty()
                && !l.contains("portal")
                && !l.contains("Gtk-WARNING")
                && !l.contains("pw.conf")
        })
        .collect();
    kept[kept.len().saturating_sub(lines)..].join("\n")
}

/// What tauri-driver, WebKit and the app printed (`log`), and the end of the
/// app's own log in `app_logs`: for the message of a failed test.
fn report(log: &Path, app_logs: Option<&Path>) -> String {
    let app_log = app_logs
        .and_then(|dir| std::fs::read_dir(dir).ok())
        .and_then(|files| files.flatten().map(|f| f.path()).max())
        .map(|newest| tail(&newest, 15))
        .unwrap_or_default();
    format!(
        "tauri-driver and the app printed:\n{}\nthe app's log ends:\n{app_log}",
        tail(log, 20)
    )
}

/// Whether `pid` still runs (a zombie has exited: it holds no bus name or lock).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/status")).is_ok_and(|s| {
        !s.lines()
            .any(|l| l.starts_with("State:") && l.contains('Z'))
    })
}

impl Drop for Driver {
    /// End tauri-driver, WebKitWebDriver and the app, and wait until they are
    /// gone: the next test's app must not find this one still holding the
    /// single-instance name on the bus.
    fn drop(&mut self) {
        let tree: Vec<u32> = super::desktop::process_tree(self.child.id())
            .iter()
            .map(|p| p.pid)
            .collect();
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        for pid in &tree {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let deadline = Instant::now() + Duration::from_secs(20);
        while tree.iter().any(|pid| running(*pid)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = super::desktop::wait_until_no_instance();
    }
}

pub struct Session {
    agent: ureq::Agent,
    base: String,
    log: std::path::PathBuf,
    app_logs: Option<std::path::PathBuf>,
}

/// End the test with `message` after printing `details`. The details come
/// last in the test's output and no backtrace follows them, so they are what
/// a truncated CI log still shows.
fn fail(message: &str, details: &str) -> ! {
    eprintln!("{details}\n{message}");
    std::panic::resume_unwind(Box::new(message.to_string()))
}

impl Session {
    /// Launch `application` in a new session.
    pub fn new(driver: &Driver, application: &Path) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(90)))
            .build()
            .into();
        let root = format!("http://127.0.0.1:{}", driver.port);
        let caps = json!({"capabilities": {"alwaysMatch": {"tauri:options": {"application": application}}}});
        // tauri-driver listens before its WebKitWebDriver does: a first
        // request can find the far side not ready yet, so retry briefly.
        let deadline = Instant::now() + Duration::from_secs(20);
        let reply: Value = loop {
            match agent.post(format!("{root}/session")).send_json(&caps) {
                Ok(mut r) => break r.body_mut().read_json().unwrap(),
                Err(e) if Instant::now() < deadline => {
                    eprintln!("new session not ready yet ({e}); retrying");
                    std::thread::sleep(Duration::from_millis(500));
                }
                Err(e) => fail(
                    &format!("cannot start a WebDriver session: {e}"),
                    &report(driver.log.path(), driver.app_logs.as_deref()),
                ),
            }
        };
        let id = reply["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {reply}"))
            .to_string();
        Self {
            agent,
            base: format!("{root}/session/{id}"),
            log: driver.log.path().to_path_buf(),
            app_logs: driver.app_logs.clone(),
        }
    }

    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, Value> {
        let url = format!("{}{}", self.base, path);
        let mut resp = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, body) => self
                .agent
                .post(&url)
                .send_json(body.unwrap_or_else(|| json!({}))),
        }
        .unwrap();
        let ok = resp.status().is_success();
        let value: Value = resp.body_mut().read_json().unwrap_or(Value::Null);
        if ok {
            Ok(value["value"].clone())
        } else {
            Err(value["value"].clone())
        }
    }

    /// Poll `f` until it returns Some, for at most `secs` seconds.
    pub fn wait<T>(&self, secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(v) = f() {
                return v;
            }
            if Instant::now() >= deadline {
                // Say what the window shows, so a failure in CI can be read.
                let screen = self.try_text("#page").unwrap_or_default();
                let screen: String = screen.chars().take(600).collect();
                fail(
                    &format!("timed out after {secs} s waiting for {what}"),
                    &format!(
                        "{}\nthe page shows:\n{screen}",
                        report(&self.log, self.app_logs.as_deref())
                    ),
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn try_find(&self, css: &str) -> Option<String> {
        self.send(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        )
        .ok()
        .and_then(|v| v[ELEMENT_KEY].as_str().map(String::from))
    }

    /// Wait for the element matching `css` and return its id.
    pub fn find(&self, css: &str) -> String {
        self.wait(20, css, || self.try_find(css))
    }

    /// Click `css`, then wait up to 10 s for `took` to say the click did
    /// something. If it did not, say so and click again, as a person would: a
    /// synthesized press and release can straddle a re-render of the page and
    /// then make no click at all. Three tries.
    pub fn click_until<T>(&self, css: &str, what: &str, mut took: impl FnMut() -> Option<T>) -> T {
        for attempt in 1..=3 {
            self.click(css);
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Some(v) = took() {
                    return v;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            eprintln!("click {attempt} on {css} showed no sign of {what} after 10 s");
        }
        self.wait(1, &format!("{what} after three clicks on {css}"), took)
    }

    /// Click the element matching `css`; if the page re-rendered between
    /// finding and clicking it (a stale element), find it again.
    pub fn click(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let id = self.find(css);
            match self.send("POST", &format!("/element/{id}/click"), Some(json!({}))) {
                Ok(_) => return,
                Err(e) if e.to_string().contains("stale element") && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("click {css}: {e}"),
            }
        }
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.send("POST", &format!("/element/{id}/clear"), Some(json!({})))
            .unwrap();
        self.send(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        )
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// The element's text now, or `None` if it is absent or was just replaced
    /// (a page that re-renders makes found elements stale): for polling.
    pub fn try_text(&self, css: &str) -> Option<String> {
        let id = self.try_find(css)?;
        self.send("GET", &format!("/element/{id}/text"), None)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
    }

    pub fn text(&self, css: &str) -> String {
        let id = self.find(css);
        self.send("GET", &format!("/element/{id}/text"), None)
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Wait until the text of `css` contains `needle`. A minute, as CI's
    /// first launch of a window (fonts, WebKit caches, the keychain) can be slow.
    pub fn wait_for_text(&self, css: &str, needle: &str) -> String {
        self.wait(60, &format!("'{needle}' in {css}"), || {
            self.try_text(css).filter(|t| t.contains(needle))
        })
    }

    /// Run `script` (an async function body that ends by calling `done(value)`).
    pub fn execute_async(&self, script: &str) -> Value {
        let body = format!("const done = arguments[arguments.length - 1]; {script}");
        self.send(
            "POST",
            "/execute/async",
            Some(json!({"script": body, "args": []})),
        )
        .unwrap_or_else(|e| panic!("script failed: {e}"))
    }

    pub fn screenshot(&self, path: &Path) {
        use base64::Engine as _;
        let data = self.send("GET", "/screenshot", None).unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap())
            .unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    pub fn close(self) {
        let _ = self.send("DELETE", "", None);
    }
}
