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
    /// Bytes of bodies being received, at most [`BODIES_RECEIVING`] at once.
    receiving: Arc<Semaphore>,
}

impl Admission {
    pub fn new(max_concurrent: usize, max_queue: Duration) -> Admission {
        Admission {
            places: Arc::new(Semaphore::new(max_concurrent)),
            max_queue,
            receiving: Arc::new(Semaphore::new(BODIES_RECEIVING)),
        }
    }
}

/// The largest request body, the most a server function reads anyway (2 MiB):
/// ten thousand ids chosen by hand, or five hundred invitations, take well under a fifth of
/// it. Each connection may hold this much while its body arrives.
pub const MAX_BODY: usize = 2 << 20;

/// How long a request's body may take to arrive.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Bytes of request bodies the process receives at once, counted as they arrive. Without a
/// bound, 250 connections each sending most of a 4 MiB body took the server past 1 GB. A body
/// whose next bytes find no room within `ROSTER_MAX_QUEUE_MS` is answered busy, like a request
/// that found no place.
pub const BODIES_RECEIVING: usize = 64 << 20;

/// The first bytes of each body are not counted: a call's body is a few hundred bytes, and so
/// small a body costs what a request's head does, bounded by the connections (see
/// `server::connections`). Bodies past a full count then still come in.
pub const UNCOUNTED: usize = 64 << 10;

/// Holds a request's place while it is handled (until its answer's headers are ready).
pub async fn admit(State(admission): State<Admission>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/pkg/") {
        return next.run(request).await;
    }
    let api = path.starts_with("/api/");
    let request = match arrived(request, &admission).await {
        Ok(request) => request,
        Err(Refusal::Busy) => {
            metrics::request_shed();
            return busy(api);
        }
        Err(Refusal::TooLarge) => return refused(StatusCode::PAYLOAD_TOO_LARGE, "the request is too large"),
        Err(Refusal::TooSlow) => {
            return refused(StatusCode::REQUEST_TIMEOUT, "the request took too long to arrive")
        }
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

/// Why a request's body was not taken.
enum Refusal {
    /// No room among the bodies being received.
    Busy,
    /// Over the limit, or the client went away (then nobody reads the answer).
    TooLarge,
    TooSlow,
}

/// A request refused before it was handled, with why.
fn refused(status: StatusCode, why: &str) -> Response {
    let mut response = Json(AppError::BadRequest(why.into())).into_response();
    *response.status_mut() = status;
    response
}

/// The request with its whole body read, or why not.
async fn arrived(request: Request, admission: &Admission) -> Result<Request, Refusal> {
    use axum::body::HttpBody as _;
    if request.body().size_hint().exact() == Some(0) {
        return Ok(request);
    }
    // Refused on its word, before a byte of it is read (nor "100 Continue" sent).
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY as u64) {
        return Err(Refusal::TooLarge);
    }
    let (parts, body) = request.into_parts();
    let bytes = tokio::time::timeout(BODY_TIMEOUT, receive(body, admission))
        .await
        .map_err(|_| Refusal::TooSlow)??;
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The body's bytes, each part counted among the bodies being received until all have come.
async fn receive(body: Body, admission: &Admission) -> Result<axum::body::Bytes, Refusal> {
    use futures_util::StreamExt as _;
    let mut parts = body.into_data_stream();
    let mut received = Vec::new();
    let mut room: Option<tokio::sync::SemaphorePermit<'_>> = None;
    while let Some(part) = parts.next().await {
        let part = part.map_err(|_| Refusal::TooLarge)?;
        let total = received.len() + part.len();
        if total > MAX_BODY {
            return Err(Refusal::TooLarge);
        }
        // The part's bytes past the body's first UNCOUNTED.
        let counted = total.saturating_sub(received.len().max(UNCOUNTED));
        if counted > 0 {
            // At most MAX_BODY, so it always fits once the others are gone.
            let wanted = admission.receiving.acquire_many(counted as u32);
            let more = match tokio::time::timeout(admission.max_queue, wanted).await {
                Ok(Ok(more)) => more,
                _ => return Err(Refusal::Busy),
            };
            match room.as_mut() {
                Some(room) => room.merge(more),
                None => room = Some(more),
            }
        }
        received.extend_from_slice(&part);
    }
    Ok(received.into())
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
