//! The statements a change sends while it holds its company's lock: each round trip is time
//! the company's other changes wait (on PostgreSQL, with several instances, the changes of a
//! busy company queue behind it). Counted from sqlx's statement log, so the figure is exact
//! and the same on every machine: a budget, like the WASM's bytes, not a timing.

mod common;

use common::TestApp;
use http::StatusCode;
use std::sync::Mutex;
use tracing_subscriber::{layer::SubscriberExt, Layer};

/// Statements sqlx has sent for requests in this test process (inside a request's span, so
/// not the background jobs' that run meanwhile).
static STATEMENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The start of a statement, as sqlx summarises it in its log.
struct Summary(String);

impl tracing::field::Visit for Summary {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "summary" {
            self.0 = value.to_string();
        }
    }

    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
}

struct CountStatements;

impl<S> Layer<S> for CountStatements
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_event(&self, event: &tracing::Event<'_>, ctx: tracing_subscriber::layer::Context<'_, S>) {
        let in_request = || {
            ctx.event_scope(event)
                .is_some_and(|mut scope| scope.any(|span| span.name() == "request"))
        };
        if event.metadata().target() == "sqlx::query" && in_request() {
            let mut summary = Summary(String::new());
            event.record(&mut summary);
            STATEMENTS.lock().unwrap().push(summary.0);
        }
    }
}

/// The statements `call` sends, the session's lookup among them.
async fn statements_of<F: std::future::Future>(call: F) -> (Vec<String>, F::Output) {
    let before = STATEMENTS.lock().unwrap().len();
    let out = call.await;
    (STATEMENTS.lock().unwrap()[before..].to_vec(), out)
}

#[tokio::test]
async fn the_owners_role_change_sends_at_most_fifteen_statements_the_session_lookup_included() {
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(CountStatements))
        .expect("the only subscriber of this test process");
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ana = app
        .add_user(&c.owner_email, "Ana", &common::email("ana"), "member")
        .await;
    // Every connection the pool may hold, open: the change opens none. A connection opened
    // for it would set itself up (SQLite: a dozen statements) as part of its count.
    let pool = &app.state.db;
    let all = (0..pool.options().get_max_connections()).map(|_| pool.acquire());
    drop(futures_util::future::try_join_all(all).await.unwrap());
    let (statements, r) = statements_of(app.call(
        "users/change_role",
        &[("id", &ana.to_string()), ("role", &c.admin_role.to_string())],
        Some(&c.owner),
    ))
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The session's lookup, then SQLite's write lock (PostgreSQL logs its COMMIT instead),
    // and under the company's lock: the lock with its owner and root account, the person, the
    // role given, the roles they hold, the undo record (change, item), the assignment, pending
    // email changes, the person's version, the audit chain's head, the event, the head again,
    // the undo record's last event.
    assert!(
        statements.len() <= 15,
        "{} statements:\n{}",
        statements.len(),
        statements.join("\n")
    );
}
