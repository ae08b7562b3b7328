//! A process a test (or a benchmark) starts and must not outlive it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A process a test started, in a process group of its own. Dropping it
/// (the test is over, or failed midway) ends the whole group, the window
/// process and its WebKit helpers too, so no app outlives its test and holds
/// the single-instance name against the next.
/// When the test failed, the end of the app's log is printed.
pub struct Spawned {
    child: std::process::Child,
    logs: Option<PathBuf>,
}

impl Spawned {
    /// Start `cmd` in a new process group.
    pub fn start(cmd: &mut Command) -> Self {
        std::os::unix::process::CommandExt::process_group(cmd, 0);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        Self { child, logs: None }
    }

    /// Start the app on `data_dir`; a failed test shows the end of its log.
    pub fn app(cmd: &mut Command, data_dir: &Path) -> Self {
        let mut app = Self::start(cmd);
        app.logs = Some(data_dir.join("logs"));
        app
    }
}

impl std::ops::Deref for Spawned {
    type Target = std::process::Child;
    fn deref(&self) -> &Self::Target {
        &self.child
    }
}

impl std::ops::DerefMut for Spawned {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.child
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(std::process::Stdio::null())
            .status();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let newest = self
                .logs
                .as_ref()
                .and_then(|dir| std::fs::read_dir(dir).ok())
                .and_then(|files| files.flatten().map(|f| f.path()).max());
            if let Some(log) = newest {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                let lines: Vec<&str> = text.lines().collect();
                let tail = lines[lines.len().saturating_sub(30)..].join("\n");
                eprintln!("the app's log ({}) ends:\n{tail}", log.display());
            }
        }
    }
}
