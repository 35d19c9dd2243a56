//! Load shedding. At most `ROSTER_MAX_CONCURRENT_REQUESTS` requests are handled at once; the
//! others wait their turn in arrival order, and one that has waited `ROSTER_MAX_QUEUE_MS`
//! is answered 503 with `Retry-After` at once. Without a bound, more requests than the
//! server can answer pile up (each holding memory and, soon, a database connection) until
//! every one of them is late: `make soak` on PostgreSQL at twice its capacity left most
//! requests unanswered within a minute and the servers near 1 GB.
//!
//! A place is held until the answer's headers are ready, so a live stream or a download
//! holds none while it streams, and is taken only once the request's body has arrived
//! (at most [`MAX_BODY`] within [`BODY_TIMEOUT`]): a client sending its body slowly, on
//! purpose or not, holds none while it sends, where a few dozen such clients would have turned
//! everyone else away. `/pkg` files are not counted: they cost no database work.

use super::metrics;
use crate::error::AppError;
use axum::{
    body::Body,
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

/// The largest request body, the most a server function reads anyway (2 MiB):
/// ten thousand ids chosen by hand, or five hundred invitations, take well under a fifth of
/// it. Each connection may hold this much while its body arrives.
pub const MAX_BODY: usize = 2 << 20;

/// How long a request's body may take to arrive.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Holds a request's place while it is handled (until its answer's headers are ready).
pub async fn admit(State(admission): State<Admission>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/pkg/") {
        return next.run(request).await;
    }
    let api = path.starts_with("/api/");
    let request = match arrived(request).await {
        Ok(request) => request,
        Err(refusal) => return refusal,
    };
    match tokio::time::timeout(admission.max_queue, admission.places.acquire()).await {
        Ok(Ok(_place)) => next.run(request).await,
        // The semaphore is never closed; a timeout is the only way here.
        _ => {
            metrics::request_shed();
            busy(api)
        }
    }
}

/// The request with its whole body read, or the answer to a body too large or too slow.
async fn arrived(request: Request) -> Result<Request, Response> {
    use axum::body::HttpBody as _;
    if request.body().size_hint().exact() == Some(0) {
        return Ok(request);
    }
    let refusal = |status: StatusCode, why: &str| {
        let mut response = Json(AppError::BadRequest(why.into())).into_response();
        *response.status_mut() = status;
        response
    };
    // Refused on its word, before a byte of it is read (nor "100 Continue" sent).
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY as u64) {
        return Err(refusal(StatusCode::PAYLOAD_TOO_LARGE, "the request is too large"));
    }
    let (parts, body) = request.into_parts();
    match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY)).await {
        Ok(Ok(bytes)) => Ok(Request::from_parts(parts, Body::from(bytes))),
        // Over the limit, or the client went away (then nobody reads the answer).
        Ok(Err(_)) => Err(refusal(StatusCode::PAYLOAD_TOO_LARGE, "the request is too large")),
        Err(_) => Err(refusal(
            StatusCode::REQUEST_TIMEOUT,
            "the request took too long to arrive",
        )),
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
