//! `GET /api/audit/export?format=csv|jsonl&<the audit log's view>`: the events of a view of
//! the audit log as a download, streamed a page at a time (memory stays bounded however many
//! events match). The caller is authorised exactly as `audit/list` authorises them (session
//! cookie, view-audit-log, the same scope), and the export is itself an audit event.
//!
//! CSV cells that a spreadsheet would run as a formula are made inert ([`csv_rows`]).

use super::{
    access::{perm, Can},
    auth, csrf, csv_rows,
    db::{
        self,
        audit::{By, Target},
        audit_log,
        write::Write,
    },
    state::AppState,
};
use crate::{
    error::AppError,
    model::{AuditAction, AuditEvent, AuditPage, AuditQuery},
};
use axum::{
    body::Body,
    extract::{Query, Request, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use serde_json::json;
use std::collections::HashMap;

/// The export's address.
pub const EXPORT_PATH: &str = "/api/audit/export";

/// Events read per page while streaming.
const CHUNK: u32 = 500;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    JsonLines,
}

pub async fn export(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    match start(state, params, request).await {
        Ok(response) => response,
        Err(error) => (error.status(), axum::Json(error)).into_response(),
    }
}

async fn start(
    state: AppState,
    params: HashMap<String, String>,
    request: Request,
) -> Result<Response, AppError> {
    let (parts, _) = request.into_parts();
    // A GET that records an event: a link on another site must not make a signed-in admin's
    // browser export (the session cookie is SameSite=Lax, sent on top-level navigations).
    if !csrf::is_same_origin(&parts.headers, &state.config.public_url) {
        return Err(AppError::Forbidden);
    }
    let token = auth::session_token(&parts.headers, &state.config).ok_or(AppError::Unauthenticated)?;
    let user = auth::resolve(&state, &token, db::now_ms())
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let can = user.require::<perm::ViewAuditLog>()?;
    let format = match params.get("format").map(String::as_str) {
        None | Some("csv") => Format::Csv,
        Some("jsonl") => Format::JsonLines,
        Some(_) => return Err(AppError::field("format", "Export as csv or jsonl.")),
    };
    let query = AuditQuery {
        after: None,
        before: None,
        ..AuditQuery::from_params(|name| params.get(name).cloned())
    };
    // The first page is read before anything is recorded or sent, so a refused view (an
    // account outside the scope, a search too long) is refused whole; the file starts with it.
    let first = audit_log::fetch(&state.db, &can, &query, CHUNK).await?;
    let by = By {
        company: user.company_id,
        user: user.id,
        name: user.name.clone(),
        ip: auth::client_ip(&parts),
        key: state.config.audit_key.clone(),
    };
    let mut w = Write::begin(state.store(), &by).await?;
    w.audit(
        AuditAction::AuditLogExported,
        Target::named(if format == Format::Csv {
            "CSV"
        } else {
            "JSON Lines"
        }),
        None,
        Some(json!({ "view": query.to_query_string() })),
    )
    .await?;
    w.commit().await?;

    let (content_type, file) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "audit-log.csv"),
        Format::JsonLines => ("application/x-ndjson", "audit-log.jsonl"),
    };
    let feed = Feed {
        db: state.db.clone(),
        can,
        query,
        format,
        first: Some(first),
        done: false,
    };
    let body = futures_util::stream::unfold(feed, |mut feed| async move {
        let chunk = feed.next().await?;
        Some((chunk, feed))
    });
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Sent as it is read: the compression layer cut this stream short (a client asking for
    // gzip got a truncated body), so it is left uncompressed.
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("identity"));
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

/// The export in progress: the view, and where the next page starts.
struct Feed {
    db: db::Db,
    can: Can<perm::ViewAuditLog>,
    query: AuditQuery,
    format: Format,
    /// The page read before the response began; `None` once it is sent.
    first: Option<AuditPage>,
    done: bool,
}

impl Feed {
    /// The next piece of the file, or `None` at its end.
    async fn next(&mut self) -> Option<Result<Vec<u8>, std::io::Error>> {
        if self.done {
            return None;
        }
        let mut out = Vec::new();
        let page = match self.first.take() {
            Some(first) => {
                if self.format == Format::Csv {
                    out.extend(csv_rows::line(&HEADER));
                }
                first
            }
            None => match audit_log::fetch(&self.db, &self.can, &self.query, CHUNK).await {
                Ok(page) => page,
                Err(error) => {
                    tracing::error!(%error, "the audit log export stopped");
                    self.done = true;
                    return Some(Err(std::io::Error::other("the export stopped")));
                }
            },
        };
        for event in &page.events {
            match self.format {
                Format::Csv => out.extend(csv_rows::line(&cells(event))),
                Format::JsonLines => {
                    out.extend(serde_json::to_vec(event).unwrap_or_default());
                    out.push(b'\n');
                }
            }
        }
        match page.next {
            Some(next) => self.query.after = Some(next),
            None => self.done = true,
        }
        Some(Ok(out))
    }
}

const HEADER: [&str; 11] = [
    "id",
    "time",
    "actor_kind",
    "actor",
    "action",
    "action_words",
    "target",
    "account",
    "ip",
    "before",
    "after",
];

fn cells(e: &AuditEvent) -> [String; 11] {
    [
        e.id.to_string(),
        crate::model::format::rfc3339(e.created_at),
        format!("{:?}", e.actor_kind).to_lowercase(),
        e.actor_name.clone(),
        e.action_key.clone(),
        e.action.map(|a| a.words()).unwrap_or_default().to_string(),
        e.target_name
            .as_ref()
            .map(|name| format!("{name} ({})", e.target_label))
            .unwrap_or_else(|| e.target_label.clone()),
        e.account_name.clone().unwrap_or_default(),
        e.ip.clone(),
        e.before.clone().unwrap_or_default(),
        e.after.clone().unwrap_or_default(),
    ]
}
