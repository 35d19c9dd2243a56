//! `/healthz` and `/readyz`, as a load balancer or an orchestrator probes them: by address,
//! without a session.

mod common;

use axum::body::Body;
use common::{smtp::SmtpSink, TestApp};
use http::{header, Request, StatusCode};
use tower::ServiceExt;

/// GETs `path` the way a prober does: its own Host (an address), no cookie.
async fn probe(app: &TestApp, path: &str) -> (StatusCode, String) {
    let request = Request::builder()
        .uri(path)
        .header(header::HOST, "10.0.0.7:3000")
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn health_answers_a_prober_by_address_without_a_session() {
    let app = TestApp::spawn().await;
    assert_eq!(probe(&app, "/healthz").await, (StatusCode::OK, "ok\n".into()));
    assert_eq!(probe(&app, "/readyz").await, (StatusCode::OK, "ready\n".into()));
    // Any other path by address is still refused as misdirected.
    assert_eq!(
        probe_status(&app, "/login").await,
        StatusCode::MISDIRECTED_REQUEST
    );
}

async fn probe_status(app: &TestApp, path: &str) -> StatusCode {
    let request = Request::builder()
        .uri(path)
        .header(header::HOST, "10.0.0.7:3000")
        .body(Body::empty())
        .unwrap();
    app.router.clone().oneshot(request).await.unwrap().status()
}

#[tokio::test]
async fn readiness_fails_while_the_database_lacks_this_versions_migrations() {
    let app = TestApp::spawn().await;
    app.sql("DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)")
        .await;
    let (status, body) = probe(&app, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body, "database: migrations of this version not applied\n");
    assert_eq!(
        probe(&app, "/healthz").await.0,
        StatusCode::OK,
        "the process is up"
    );
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_unreachable() {
    let app = TestApp::spawn().await;
    app.state.db.close().await;
    let (status, body) = probe(&app, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body, "database: unreachable\n");
    assert_eq!(probe(&app, "/healthz").await.0, StatusCode::OK);
}

#[tokio::test]
async fn readiness_fails_when_the_outbox_worker_has_stopped() {
    let sink = SmtpSink::start();
    let mut app = TestApp::spawn_with(&[("ROSTER_SMTP_URL", &sink.url())]).await;
    assert_eq!(probe(&app, "/readyz").await.0, StatusCode::OK);
    app.stop_mail_worker().await;
    let (status, body) = probe(&app, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body, "outbox worker: stopped\n");
}
