//! Load shedding: past its limit of requests in progress, Roster answers 503 at once rather
//! than let requests pile up until every one of them is late.

mod common;

use common::TestApp;
use http::{header, StatusCode};
use roster::{
    model::{CompanyId, UserId},
    server::db::{audit::By, write::Write},
};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

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
    let by = By {
        company: CompanyId(app.company_of(&c.owner_email).await),
        user: UserId(app.user_id(&c.owner_email).await),
        name: "Olivia Owner".into(),
        ip: "127.0.0.1".into(),
        key: app.state.config.audit_key.clone(),
    };
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
    let page = app
        .call("users/list", &[("query[tab]", "all")], Some(&c.owner))
        .await;
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
    let page = app
        .call("users/list", &[("query[tab]", "all")], Some(&c.owner))
        .await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "served again once a place is free: {}",
        page.body
    );
}
