//! Only the public host is served: a request naming another host (DNS rebinding, a stray
//! name) is answered 421 on every route, and an `Origin` counts as Roster's own only when it
//! is the public URL, whatever `Host` the request names.

mod common;

use axum::{body::Body, extract::connect_info::MockConnectInfo};
use common::{TestApp, PASSWORD};
use http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use tower::ServiceExt;

/// Sends a request naming `host` (none when `None`) straight through the app's router, which
/// the harness's helpers cannot do: they always name the public host.
async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    host: Option<&str>,
    origin: Option<&str>,
) -> (StatusCode, String) {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(host) = host {
        builder = builder.header(header::HOST, host);
    }
    if let Some(origin) = origin {
        builder = builder.header(header::ORIGIN, origin);
    }
    let body = if method == "POST" {
        builder = builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        let form = [
            ("company_name", "Evil"),
            ("name", "Eve"),
            ("email", "eve@example.com"),
            ("password", PASSWORD),
        ];
        serde_urlencoded::to_string(form).unwrap()
    } else {
        String::new()
    };
    let router = roster::server::router::build(app.state.clone())
        .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    let response = router
        .oneshot(builder.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// A page, a server function (signing up, which would write), a `/pkg` file and the live stream.
const ROUTES: [(&str, &str); 4] = [
    ("GET", "/login"),
    ("POST", "/api/auth/signup"),
    ("GET", "/pkg/roster.js"),
    ("GET", "/api/live"),
];

#[tokio::test]
async fn a_request_for_another_host_is_misdirected_on_every_route() {
    let app = TestApp::spawn().await;
    for host in [
        Some("evil.example"),
        Some("127.0.0.1:4000"),
        Some("localhost:3000"),
        None,
    ] {
        for (method, path) in ROUTES {
            let (status, body) = send(&app, method, path, host, None).await;
            assert_eq!(
                status,
                StatusCode::MISDIRECTED_REQUEST,
                "{host:?} {method} {path}: {body}"
            );
            assert_eq!(
                body, "This Roster is served at http://127.0.0.1:3000",
                "{host:?} {path}"
            );
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM companies").await, 0);
}

#[tokio::test]
async fn the_public_host_is_served_in_any_case_and_with_or_without_its_default_port() {
    let app = TestApp::spawn().await;
    let (status, body) = send(&app, "GET", "/login", Some("127.0.0.1:3000"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = send(&app, "GET", "/pkg/roster.js", Some("127.0.0.1:3000"), None).await;
    assert_ne!(status, StatusCode::MISDIRECTED_REQUEST);

    let app = TestApp::spawn_with(&[("ROSTER_PUBLIC_URL", "https://Roster.example")]).await;
    for host in ["roster.example", "ROSTER.EXAMPLE:443"] {
        let (status, body) = send(&app, "GET", "/login", Some(host), None).await;
        assert_eq!(status, StatusCode::OK, "{host}: {body}");
    }
    for host in [
        "roster.example:80",
        "roster.example:8443",
        "roster.example.evil.example",
    ] {
        let (status, body) = send(&app, "GET", "/login", Some(host), None).await;
        assert_eq!(status, StatusCode::MISDIRECTED_REQUEST, "{host}");
        assert_eq!(body, "This Roster is served at https://Roster.example");
    }
}

#[tokio::test]
async fn a_post_whose_origin_only_matches_a_forged_host_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    // A rebound name: the page at evil.example posts to it, and Origin equals Host.
    let (status, body) = send(
        &app,
        "POST",
        "/api/auth/signup",
        Some("evil.example"),
        Some("http://evil.example"),
    )
    .await;
    assert_eq!(status, StatusCode::MISDIRECTED_REQUEST, "{body}");

    // The public host, from a plain-http page of that host: the origin is not the public URL.
    let app = TestApp::spawn_with(&[("ROSTER_PUBLIC_URL", "https://roster.example")]).await;
    let (status, body) = send(
        &app,
        "POST",
        "/api/auth/signup",
        Some("roster.example"),
        Some("http://roster.example"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM companies").await, 0);

    // The public URL itself goes through.
    let (status, body) = send(
        &app,
        "POST",
        "/api/auth/signup",
        Some("roster.example"),
        Some("https://roster.example"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
