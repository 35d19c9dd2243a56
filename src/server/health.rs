//! Probes for a load balancer or an orchestrator. `/healthz`: the process answers (no
//! database, no session). `/readyz`: it can serve — the database answers with every migration
//! this build knows applied, and the outbox worker runs when SMTP is configured; otherwise 503
//! with one reason per line. Both answer whatever the `Host` (a prober calls by address), hold
//! nothing private, and are never cached.

use super::{db, state::AppState};
use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use std::time::Duration;

pub const HEALTH_PATH: &str = "/healthz";
pub const READY_PATH: &str = "/readyz";

/// How long readiness waits for the database before calling it unreachable.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

fn answer(status: StatusCode, text: String) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        ],
        text,
    )
        .into_response()
}

pub async fn healthz() -> Response {
    answer(StatusCode::OK, "ok\n".into())
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    let mut problems = Vec::new();
    match tokio::time::timeout(DATABASE_TIMEOUT, db::schema_is_current(&state.db)).await {
        Ok(Ok(true)) => {}
        Ok(Ok(false)) => problems.push("database: migrations of this version not applied"),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: the database did not answer");
            problems.push("database: unreachable");
        }
        Err(_) => problems.push("database: no answer within 2 s"),
    }
    if state.config.smtp_url.is_some() && !state.mailer.is_running() {
        problems.push("outbox worker: stopped");
    }
    if problems.is_empty() {
        answer(StatusCode::OK, "ready\n".into())
    } else {
        answer(StatusCode::SERVICE_UNAVAILABLE, problems.join("\n") + "\n")
    }
}
