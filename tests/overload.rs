//! Load shedding: past its limit of requests in progress, Roster answers 503 at once rather
//! than let requests pile up until every one of them is late.

mod common;

use axum::body::Body;
use common::{Company, TestApp};
use http::{header, StatusCode};
use roster::server::db::write::Write;
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

/// The owner's users page: how a request without a body is answered.
async fn users_page(app: &TestApp, c: &Company) -> common::Response {
    app.call("users/list", &[("query[tab]", "all")], Some(&c.owner))
        .await
}

/// One request in progress at a time, and a queue of 100 ms before a request is turned away.
const ONE_AT_A_TIME: &[(&str, &str)] = &[
    ("ROSTER_MAX_CONCURRENT_REQUESTS", "1"),
    ("ROSTER_MAX_QUEUE_MS", "100"),
    ("ROSTER_METRICS_ADDR", "127.0.0.1:9090"),
];

#[tokio::test]
async fn a_request_that_waits_past_the_queue_limit_is_answered_busy_at_once_and_the_next_is_served() {
    let app = Arc::new(TestApp::spawn_with(ONE_AT_A_TIME).await);
    let c = app.company("Initech").await;
    let by = app.owner_by(&c).await;
    // A long change holds the company's write turn, so a request that makes a change stays
    // in progress until it ends.
    let long = Write::begin(app.state.store(), &by).await.unwrap();
    let held = {
        let (app, owner) = (app.clone(), c.owner.clone());
        tokio::spawn(async move {
            app.call("teams/create", &[("name", "Night shift")], Some(&owner))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !held.is_finished(),
        "the change waits for the company's write turn"
    );

    let started = Instant::now();
    let page = users_page(&app, &c).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{}", page.body);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "turned away after its queue, not held"
    );
    assert_eq!(page.headers[header::RETRY_AFTER], "1");
    assert_eq!(
        page.json(),
        serde_json::json!("Busy"),
        "the error says why: {}",
        page.body
    );
    // A page's address gets a page that says so.
    let html = app.request("GET", "/users", &[], Some(&c.owner), None).await;
    assert_eq!(html.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(html.headers[header::RETRY_AFTER], "1");
    assert!(html.body.contains("Roster is busy"), "{}", html.body);
    // A prober still sees the process up while it sheds load.
    assert_eq!(
        app.request("GET", "/healthz", &[], None, None).await.status,
        StatusCode::OK
    );

    let (_, metrics) = app.scrape().await;
    assert!(
        metrics.contains("roster_http_requests_shed_total 2"),
        "both turned away are counted: {metrics}"
    );

    drop(long);
    let created = held.await.unwrap();
    assert_eq!(
        created.status,
        StatusCode::OK,
        "the change in progress was served: {}",
        created.body
    );
    let page = users_page(&app, &c).await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "served again once a place is free: {}",
        page.body
    );
}

/// A call to create a team whose body arrives through `body`.
fn create_team(app: &TestApp, owner: &str, body: Body) -> http::Request<Body> {
    http::Request::post("/api/teams/create")
        .header(header::HOST, app.public_host())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, owner)
        .header(header::ORIGIN, app.public_origin())
        .body(body)
        .unwrap()
}

/// A request takes its place once its body has arrived: a client sending slowly (dozens of
/// them, on purpose) would otherwise hold every place and have everyone else turned away.
#[tokio::test]
async fn a_request_whose_body_is_still_arriving_holds_no_place() {
    let app = TestApp::spawn_with(ONE_AT_A_TIME).await;
    let c = app.company("Initech").await;
    let (send, parts) = tokio::sync::mpsc::channel::<&'static str>(1);
    let body = futures_util::stream::unfold(parts, |mut parts| async move {
        let part = parts.recv().await?;
        Some((
            Ok::<_, std::io::Error>(bytes::Bytes::from_static(part.as_bytes())),
            parts,
        ))
    });
    let slow = app.spawn_request(create_team(&app, &c.owner, Body::from_stream(body)));
    send.send("name=Night").await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let page = users_page(&app, &c).await;
    assert_eq!(page.status, StatusCode::OK, "served beside it: {}", page.body);

    send.send("%20shift").await.unwrap();
    drop(send);
    let created = slow.await.unwrap();
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let names = app.call("teams/list", &[], Some(&c.owner)).await;
    assert!(
        names.body.contains("Night shift"),
        "its whole body was read: {}",
        names.body
    );
}

/// A body larger than any call needs is refused before it is handled.
#[tokio::test]
async fn a_request_body_over_the_limit_is_refused() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let name = "x".repeat(roster::server::admission::MAX_BODY);
    let body = Body::from(format!("name={name}"));
    let refused = app
        .spawn_request(create_team(&app, &c.owner, body))
        .await
        .unwrap();
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", refused.body);
}

/// A body declared larger than the limit is refused on its word, before any of it is read:
/// its sender never gets "100 Continue" and nothing waits for the rest.
#[tokio::test]
async fn a_request_declaring_a_body_over_the_limit_is_refused_before_it_is_read() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let never = futures_util::stream::pending::<Result<bytes::Bytes, std::io::Error>>();
    let mut request = create_team(&app, &c.owner, Body::from_stream(never));
    let declared = roster::server::admission::MAX_BODY + 1;
    request
        .headers_mut()
        .insert(header::CONTENT_LENGTH, declared.into());
    let refused = app.spawn_request(request).await.unwrap();
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", refused.body);
}

/// The bodies being received at once are bounded in bytes: past the bound, a large body's next
/// bytes wait for room and are answered busy after the queue's wait, while calls with small
/// bodies are served.
#[tokio::test]
async fn bodies_being_received_past_their_bound_are_answered_busy() {
    use roster::server::admission::{BODIES_RECEIVING, MAX_BODY, UNCOUNTED};
    let app = TestApp::spawn_with(&[("ROSTER_MAX_QUEUE_MS", "100")]).await;
    let c = app.company("Initech").await;
    let mut senders = Vec::new();
    let mut sending = Vec::new();
    // Each counts all but its first UNCOUNTED bytes: together they leave less room than
    // another large body needs.
    for _ in 0..BODIES_RECEIVING / (MAX_BODY - UNCOUNTED) {
        let (send, parts) = tokio::sync::mpsc::channel::<bytes::Bytes>(1);
        let body = futures_util::stream::unfold(parts, |mut parts| async move {
            let part = parts.recv().await?;
            Some((Ok::<_, std::io::Error>(part), parts))
        });
        sending.push(app.spawn_request(create_team(&app, &c.owner, Body::from_stream(body))));
        send.send(bytes::Bytes::from(vec![b'x'; MAX_BODY])).await.unwrap();
        // Room in the channel again: the server has taken the part in (and, in the same
        // turn of its task on this one-threaded runtime, counted it).
        drop(send.reserve().await.unwrap());
        senders.push(send);
    }

    let one_more = Body::from(format!("name={}", "x".repeat(MAX_BODY / 2)));
    let refused = app
        .spawn_request(create_team(&app, &c.owner, one_more))
        .await
        .unwrap();
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.body
    );
    assert_eq!(refused.json(), serde_json::json!("Busy"));
    let page = users_page(&app, &c).await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "a small body needs no room: {}",
        page.body
    );

    drop(senders);
    for request in sending {
        request.await.unwrap();
    }
    let created = app
        .call("teams/create", &[("name", "Night shift")], Some(&c.owner))
        .await;
    assert_eq!(
        created.status,
        StatusCode::OK,
        "room again once they ended: {}",
        created.body
    );
}
