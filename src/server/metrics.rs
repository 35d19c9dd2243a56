//! `GET /metrics` in Prometheus' text format, on its own address (`ROSTER_METRICS_ADDR`), and
//! every metric Roster records: the README's "Metrics" lists the same. Code records through
//! the functions here, so each metric's name and labels are written once.
//!
//! The `metrics` facade reaches one recorder per process, through its macros: that is the
//! crate's design, and a process serves one Roster. Without `ROSTER_METRICS_ADDR` no recorder
//! is installed and recording does nothing. What can be read when asked (the database pool,
//! the outbox's backlog, live subscribers) is read at each scrape from [`AppState`], not
//! kept up to date by the code that changes it, and rendered from a recorder of the scrape's
//! own.

use super::{
    db::{self, outbox},
    state::AppState,
};
use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::{
    sync::OnceLock,
    time::{Duration, Instant},
};

pub const METRICS_PATH: &str = "/metrics";

const HTTP_REQUESTS: &str = "roster_http_requests_total";
const HTTP_SECONDS: &str = "roster_http_request_duration_seconds";
const HTTP_SHED: &str = "roster_http_requests_shed_total";
const SERVER_FN_ERRORS: &str = "roster_server_fn_errors_total";
const SIGN_IN_FAILURES: &str = "roster_sign_in_failures_total";
const SIGN_IN_THROTTLED: &str = "roster_sign_in_throttled_total";
const OUTBOX_SENT: &str = "roster_outbox_sent_total";
const OUTBOX_FAILURES: &str = "roster_outbox_failures_total";
const OUTBOX_PENDING: &str = "roster_outbox_pending";
const OUTBOX_OLDEST: &str = "roster_outbox_oldest_pending_seconds";
const DB_CONNECTIONS: &str = "roster_db_connections";
const DB_ACQUIRE_SECONDS: &str = "roster_db_acquire_seconds";
const LIVE_SUBSCRIBERS: &str = "roster_live_subscribers";

/// Upper bounds of the latency histograms' buckets, in seconds: a page or server function
/// takes milliseconds; past 10 s something is wrong.
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histograms are folded in between scrapes, so samples don't pile up unscraped.
pub const UPKEEP: Duration = Duration::from_secs(5);

/// The process's recorder, installed on first use; every later call (another app in a test
/// process) gets the same handle.
pub fn recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
                .expect("the buckets are not empty")
                .build_recorder();
            let handle = recorder.handle();
            // Fails only when another recorder is installed, and none is.
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("another metrics recorder is installed; /metrics stays empty");
            }
            describe();
            handle
        })
        .clone()
}

/// The `# HELP` line of each metric recorded as it happens.
fn describe() {
    use metrics::{describe_counter, describe_histogram, Unit};
    describe_counter!(HTTP_REQUESTS, "Requests answered, by route template and status");
    describe_histogram!(
        HTTP_SECONDS,
        Unit::Seconds,
        "Time to answer a request (its headers), by route template and status"
    );
    describe_counter!(
        HTTP_SHED,
        "Requests answered 503 unhandled because they waited too long for a place (ROSTER_MAX_QUEUE_MS)"
    );
    describe_counter!(
        SERVER_FN_ERRORS,
        "Server functions that answered an error, by AppError kind"
    );
    describe_counter!(SIGN_IN_FAILURES, "Sign-ins with a wrong email or password");
    describe_counter!(
        SIGN_IN_THROTTLED,
        "Sign-ins refused unchecked because of earlier failures (throttled or locked)"
    );
    describe_counter!(OUTBOX_SENT, "Emails this instance delivered");
    describe_counter!(
        OUTBOX_FAILURES,
        "Failed delivery attempts of this instance, by outcome (retry, given_up)"
    );
    describe_histogram!(
        DB_ACQUIRE_SECONDS,
        Unit::Seconds,
        "Time a write waited for a pooled connection and its BEGIN"
    );
}

/// The `# HELP` line of each metric read at scrape time.
fn describe_state() {
    use metrics::{describe_gauge, Unit};
    describe_gauge!(OUTBOX_PENDING, "Emails in the outbox neither sent nor given up");
    describe_gauge!(
        OUTBOX_OLDEST,
        Unit::Seconds,
        "Age of the oldest pending email (0 when none)"
    );
    describe_gauge!(
        DB_CONNECTIONS,
        "Pooled database connections, by state (idle, in_use)"
    );
    describe_gauge!(LIVE_SUBSCRIBERS, "Open live-update streams on this instance");
}

/// The router of the metrics address: `GET /metrics` and nothing else.
pub fn router(state: AppState, handle: PrometheusHandle) -> Router {
    Router::new()
        .route(METRICS_PATH, get(scrape))
        .with_state((state, handle))
}

/// Renders the process's metrics, then this app's state as read now.
async fn scrape(State((state, handle)): State<(AppState, PrometheusHandle)>) -> Response {
    let backlog = outbox::backlog(&state.db).await;
    if let Err(error) = &backlog {
        // The rest is still worth having; the outbox's gauges are left out.
        tracing::warn!(%error, "metrics: could not read the outbox");
    }
    // A recorder of this scrape's own: the process's holds what is counted as it happens,
    // and another app in the process (a test's) would overwrite this app's state there.
    let now = PrometheusBuilder::new().build_recorder();
    metrics::with_local_recorder(&now, || {
        describe_state();
        let pool = &state.db;
        let idle = pool.num_idle() as f64;
        metrics::gauge!(DB_CONNECTIONS, "state" => "idle").set(idle);
        metrics::gauge!(DB_CONNECTIONS, "state" => "in_use").set((f64::from(pool.size()) - idle).max(0.0));
        metrics::gauge!(LIVE_SUBSCRIBERS).set(state.live.subscribers_total() as f64);
        if let Ok(backlog) = backlog {
            metrics::gauge!(OUTBOX_PENDING).set(backlog.pending as f64);
            let age_ms = backlog.oldest_at.map_or(0, |at| (db::now_ms() - at).max(0));
            metrics::gauge!(OUTBOX_OLDEST).set(age_ms as f64 / 1000.0);
        }
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        handle.render() + &now.handle().render(),
    )
        .into_response()
}

/// The route a request matched, as its template (`/users/{id}`, a server function's
/// `/api/...`): never the path itself, which holds ids and tokens and whose variety would
/// have no bound. Requests no route matched (static files, unknown paths) share one label.
pub fn route_of<B>(request: &http::Request<B>) -> &str {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
}

/// Counts and times every request by route and status (middleware).
pub async fn track_requests(request: Request, next: Next) -> Response {
    let route = route_of(&request).to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = [
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
    metrics::histogram!(HTTP_SECONDS, &labels).record(started.elapsed());
    response
}

/// A request waited too long for a place and was answered 503 unhandled.
pub fn request_shed() {
    metrics::counter!(HTTP_SHED).increment(1);
}

/// A server function answered the error of this kind (an `AppError` variant's name).
pub fn server_fn_error(kind: &'static str) {
    metrics::counter!(SERVER_FN_ERRORS, "kind" => kind).increment(1);
}

/// A sign-in's email or password was wrong.
pub fn sign_in_failed() {
    metrics::counter!(SIGN_IN_FAILURES).increment(1);
}

/// A sign-in was refused before its password was checked: too many failures before it.
pub fn sign_in_throttled() {
    metrics::counter!(SIGN_IN_THROTTLED).increment(1);
}

/// The outbox worker delivered an email.
pub fn email_sent() {
    metrics::counter!(OUTBOX_SENT).increment(1);
}

/// The outbox worker failed to deliver an email, and will retry or has given up.
pub fn email_failed(given_up: bool) {
    let outcome = if given_up { "given_up" } else { "retry" };
    metrics::counter!(OUTBOX_FAILURES, "outcome" => outcome).increment(1);
}

/// A write waited this long for its turn (SQLite), its connection and its transaction.
pub fn write_began(waited: Duration) {
    metrics::histogram!(DB_ACQUIRE_SECONDS).record(waited);
}
