//! The IPC tests' harness: the app's real context (so the capability file's
//! grants are what allows or refuses each call) on Tauri's mock runtime, a
//! real data dir, and secrets in memory.
#![allow(dead_code)]

use pulseboard::app::{self, AppState};
use pulseboard::secrets::MemorySecrets;
use pulseboard::service::Core;
use pulseboard::settings::Paths;
use serde_json::{json, Value};
use std::sync::Arc;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub _app: App<MockRuntime>,
    pub window: WebviewWindow<MockRuntime>,
    pub secrets: Arc<MemorySecrets>,
}

pub fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let core = Core::open(Paths::under(dir.path().join("data")), secrets.clone()).unwrap();
    let app = app::register(mock_builder(), AppState::new(core))
        .build(app::context())
        .unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    Harness {
        dir,
        _app: app,
        window,
        secrets,
    }
}

impl Harness {
    /// Invoke `cmd` as the window's JavaScript would; Ok is the reply, Err the error value.
    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        // The app's own origin on Linux and macOS, which the capability calls "local".
        self.invoke_from("tauri://localhost", cmd, args)
    }

    pub fn invoke_from(&self, origin: &str, cmd: &str, args: Value) -> Result<Value, Value> {
        tauri::test::get_ipc_response(
            &self.window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: origin.parse().unwrap(),
                body: InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|body| body.deserialize::<Value>().unwrap())
    }

    pub fn ok(&self, cmd: &str, args: Value) -> Value {
        self.invoke(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    pub fn workspace(&self) -> i64 {
        let ws = self.ok(
            "create_workspace",
            json!({"input": {"name": "Acme", "timezone": "Asia/Kolkata", "currency": "INR"}}),
        );
        ws["id"].as_i64().unwrap()
    }
}
