//! Load shedding. At most `ROSTER_MAX_CONCURRENT_REQUESTS` requests are handled at once; the
//! others wait their turn in arrival order, and one that has waited `ROSTER_MAX_QUEUE_MS`
//! is answered 503 with `Retry-After` at once. Without a bound, more requests than the
//! server can answer pile up (each holding memory and, soon, a database connection) until
//! every one of them is late: `make soak` on PostgreSQL at twice its capacity left most
//! requests unanswered within a minute and the servers near 1 GB.
//!
//! A place is held until the answer's headers are ready, so a live stream or a download
//! holds none while it streams. `/pkg` files are not counted: they cost no database work.

use super::metrics;
use crate::error::AppError;
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{Html, IntoResponse, Response},
    Json,
};
use http::{header, HeaderValue, StatusCode};
use std::{sync::Arc, time::Duration};
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct Admission {
    places: Arc<Semaphore>,
    max_queue: Duration,
}

impl Admission {
    pub fn new(max_concurrent: usize, max_queue: Duration) -> Admission {
        Admission {
            places: Arc::new(Semaphore::new(max_concurrent)),
            max_queue,
        }
    }
}

/// Holds a request's place while it is handled (until its answer's headers are ready).
pub async fn admit(State(admission): State<Admission>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/pkg/") {
        return next.run(request).await;
    }
    let api = path.starts_with("/api/");
    match tokio::time::timeout(admission.max_queue, admission.places.acquire()).await {
        Ok(Ok(_place)) => next.run(request).await,
        // The semaphore is never closed; a timeout is the only way here.
        _ => {
            metrics::request_shed();
            busy(api)
        }
    }
}

/// The server function's error for a call, a short page for a browser's navigation.
fn busy(api: bool) -> Response {
    let mut response = if api {
        Json(AppError::Busy).into_response()
    } else {
        Html(BUSY_PAGE).into_response()
    };
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

const BUSY_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Roster is busy</title></head><body><main><h1>Roster is busy</h1>\
<p>Too many requests are in progress. Reload the page in a moment.</p></main></body></html>";
