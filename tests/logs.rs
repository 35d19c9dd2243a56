//! `ROSTER_LOG_FORMAT=json`: every line of the log is one JSON object, requests included
//! (logged by their route, never their path), and the probes are not logged.

mod common;

use common::{email, TestApp};
use roster::server::{config::LogFormat, logs};
use std::{
    io::Write,
    sync::{Arc, Mutex},
};
use tracing_subscriber::EnvFilter;

/// A log written into memory.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// One thread: the log set for it below catches every task of the app.
#[tokio::test(flavor = "current_thread")]
async fn the_json_log_is_one_object_per_line_with_requests_by_route() {
    let buffer = Buffer::default();
    let log = buffer.clone();
    let filter = EnvFilter::new("info,tower_http=debug");
    let _log = tracing::dispatcher::set_default(&logs::subscriber(
        LogFormat::Json,
        filter,
        move || log.clone(),
        false,
    ));
    let app = TestApp::spawn().await;
    app.sign_up_unconfirmed("Logs Ltd", "Lena Logs", &email("lena"))
        .await;
    app.request("GET", "/users/987654321", &[], None, None).await;
    app.request("GET", "/healthz", &[], None, None).await;

    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let queued = lines
        .iter()
        .find(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("email queued in the outbox"))
        })
        .unwrap_or_else(|| panic!("no queued email in\n{text}"));
    assert_eq!(queued["level"], "INFO");
    assert!(
        queued["message"].as_str().unwrap().contains("/verify-email/"),
        "the link, on one line"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["span"]["route"] == "/users/{id}" && l["message"] == "finished processing request"),
        "{text}"
    );
    assert!(
        !text.contains("987654321") && !text.contains("/healthz"),
        "{text}"
    );
}
