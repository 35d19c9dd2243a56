//! `GET /metrics`: off by default, never on the app's own address, and on its own address
//! (`ROSTER_METRICS_ADDR`) what Prometheus should see. The `metrics` facade records for the
//! whole process, so the tests here look for what they caused, never for exact totals.

mod common;

use common::{
    email,
    smtp::{closed_port, SmtpSink, MAIL_TIMEOUT},
    TestApp,
};
use http::StatusCode;
use std::time::Instant;

const METRICS_ADDR: (&str, &str) = ("ROSTER_METRICS_ADDR", "127.0.0.1:9464");

/// The value of the sample `series` (its name and labels, as rendered), if it was rendered.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.parse().expect("a number"))
}

#[tokio::test]
async fn metrics_are_never_served_on_the_app_address() {
    for app in [TestApp::spawn().await, TestApp::spawn_with(&[METRICS_ADDR]).await] {
        let r = app.request("GET", "/metrics", &[], None, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(!r.body.contains("roster_http_requests_total"), "{}", r.body);
    }
}

#[tokio::test]
async fn the_metrics_address_counts_requests_by_route_and_failed_sign_ins() {
    let app = TestApp::spawn_with(&[METRICS_ADDR]).await;
    let owner = email("owner");
    let cookie = app.sign_up("Metrics Ltd", "Olga Owner", &owner).await;
    let _stream = app.open("/api/live", &[("cookie", &cookie)]).await;
    assert_eq!(
        app.request("GET", "/login", &[], None, None).await.status,
        StatusCode::OK
    );
    // A path with an id is counted under its route's template, never the id.
    app.request("GET", "/users/987654321", &[], None, None).await;
    // Probes are neither logged nor counted.
    app.request("GET", "/healthz", &[], None, None).await;
    // Wrong passwords until the throttle refuses to check one.
    let mut throttled = false;
    for _ in 0..10 {
        let r = app.sign_in(&owner, "not the password").await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            throttled = true;
            break;
        }
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    }
    assert!(throttled, "repeated failures are throttled");

    let (status, text) = app.scrape().await;
    assert_eq!(status, StatusCode::OK);
    for series in [
        r#"roster_http_requests_total{route="/login",status="200"}"#,
        r#"roster_http_requests_total{route="/api/auth/signin",status="401"}"#,
        r#"roster_http_requests_total{route="/api/auth/signin",status="429"}"#,
        r#"roster_http_request_duration_seconds_count{route="/login",status="200"}"#,
        r#"roster_server_fn_errors_total{kind="BadCredentials"}"#,
        r#"roster_server_fn_errors_total{kind="TooManyAttempts"}"#,
        "roster_sign_in_failures_total",
        "roster_sign_in_throttled_total",
    ] {
        let value = sample(&text, series).unwrap_or_else(|| panic!("no {series} in\n{text}"));
        assert!(value >= 1.0, "{series} is {value}");
    }
    assert!(
        text.contains(r#"roster_http_request_duration_seconds_bucket{route="/login",status="200",le="0.1"}"#),
        "latency is a histogram:\n{text}"
    );
    assert!(text.contains(r#"route="/users/{id}""#), "{text}");
    assert!(!text.contains("987654321"), "no raw paths: {text}");
    assert!(!text.contains("/healthz"), "{text}");

    // Read at scrape time: the owner's confirmation email stays in the outbox (no SMTP here).
    assert!(sample(&text, "roster_outbox_pending").unwrap() >= 1.0, "{text}");
    assert!(sample(&text, "roster_outbox_oldest_pending_seconds").unwrap() >= 0.0);
    assert!(
        sample(&text, r#"roster_db_connections{state="idle"}"#).is_some(),
        "{text}"
    );
    assert!(
        sample(&text, r#"roster_db_connections{state="in_use"}"#).is_some(),
        "{text}"
    );
    assert_eq!(sample(&text, "roster_live_subscribers"), Some(1.0), "{text}");
    assert!(
        sample(&text, "roster_db_acquire_seconds_count").unwrap() >= 1.0,
        "the sign-up's writes waited for a connection:\n{text}"
    );
    assert!(text.contains("# HELP roster_sign_in_failures_total "), "{text}");
}

/// Scrapes until `series` reaches `least`, or fails after the mail timeout.
async fn scrape_until(app: &TestApp, series: &str, least: f64) -> String {
    let start = Instant::now();
    loop {
        let (_, text) = app.scrape().await;
        if sample(&text, series).is_some_and(|v| v >= least) {
            return text;
        }
        assert!(
            start.elapsed() < MAIL_TIMEOUT,
            "no {series} >= {least} in\n{text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_outbox_s_failures_deliveries_and_backlog_are_reported() {
    let port = closed_port();
    let smtp = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_with(&[METRICS_ADDR, ("ROSTER_SMTP_URL", &smtp)]).await;
    app.sign_up_unconfirmed("Outbox Ltd", "Otto Outbox", &email("otto"))
        .await;
    // The SMTP server is down: the owner's confirmation waits for its retry.
    let text = scrape_until(&app, r#"roster_outbox_failures_total{outcome="retry"}"#, 1.0).await;
    assert_eq!(sample(&text, "roster_outbox_pending"), Some(1.0), "{text}");

    let sink = SmtpSink::start_on(port);
    app.sql("UPDATE outbox SET next_attempt_at = 0").await;
    app.state.mailer.wake();
    sink.wait_for(1).await;
    scrape_until(&app, "roster_outbox_sent_total", 1.0).await;
    let (_, text) = app.scrape().await;
    assert_eq!(sample(&text, "roster_outbox_pending"), Some(0.0), "{text}");
    assert_eq!(
        sample(&text, "roster_outbox_oldest_pending_seconds"),
        Some(0.0),
        "{text}"
    );
}
