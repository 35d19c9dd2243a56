//! `GET /api/users/export?<the users table's view>`: every row of a view of the users table
//! (tab, search, filters, sort; every page) as a CSV download, or on the Invited tab its
//! invitations. `POST` to the same address with the view in the query string and `ids=1,2,3`
//! in a form body exports the rows chosen by id instead (the selection's "Export selected";
//! ten thousand ids do not fit a link), in the view's order; without `ids`, the view.
//!
//! The caller is authorised exactly as `users/list` authorises them (session cookie,
//! view-users and its scope): the rows are read page by page through the table's own keyset
//! query ([`db::users::export_page`], [`db::users::export_invitations`]), so memory stays
//! bounded however many match, and nothing outside the caller's company and scope is ever
//! read. Ids of other companies' rows, or outside the scope, are ignored. The export is itself
//! an audit event, recorded before anything is sent. Cells a spreadsheet would run are made
//! inert ([`csv_rows`]).

use super::{
    access::{perm, Can},
    auth, csrf, csv_rows,
    db::{
        self,
        audit::{By, Target},
        users::{ExportedInvitation, ExportedUser, Paged},
        write::Write,
    },
    state::AppState,
};
use crate::{
    error::AppError,
    model::{format::rfc3339, AuditAction, InvitationStatus, UserListQuery, UserTab, MAX_SELECTED_IDS},
};
use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderValue, Method},
    response::{IntoResponse, Response},
};
use serde_json::json;
use std::collections::HashMap;

/// The export's address.
pub const EXPORT_PATH: &str = crate::model::USERS_EXPORT_PATH;

/// Rows read per page while streaming. A page of users takes about 1 KB each while it is read
/// (its rows, roles and teams, its CSV): 500 held twice what 250 do (tests/users_export_memory.rs).
const CHUNK: u32 = 250;

/// The largest form body a `POST` may send: ten thousand ids and their commas, with room.
const MAX_FORM: usize = 256 * 1024;

const USER_HEADER: [&str; 9] = [
    "Name",
    "Email",
    "Phone",
    "Job title",
    "Status",
    "Roles",
    "Teams",
    "Created",
    "Last seen",
];

const INVITATION_HEADER: [&str; 9] = [
    "Email",
    "Name",
    "Roles",
    "Teams",
    "Invited by",
    "Status",
    "Sent",
    "Expires",
    "Accepted",
];

pub async fn export(State(state): State<AppState>, request: Request) -> Response {
    match start(state, request).await {
        Ok(response) => response,
        Err(error) => (error.status(), axum::Json(error)).into_response(),
    }
}

async fn start(state: AppState, request: Request) -> Result<Response, AppError> {
    let (parts, body) = request.into_parts();
    // A GET that records an event: a link on another site must not make a signed-in admin's
    // browser export (the session cookie is SameSite=Lax, sent on top-level navigations).
    if !csrf::is_same_origin(&parts.headers, &state.config.public_url) {
        return Err(AppError::Forbidden);
    }
    let token = auth::session_token(&parts.headers, &state.config).ok_or(AppError::Unauthenticated)?;
    let user = auth::resolve(&state, &token, db::now_ms())
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let can = user.require::<perm::ViewUsers>()?;

    let params: HashMap<String, String> =
        url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    // A form without `ids` posts the whole view (every row matching it is selected).
    let only = if parts.method == Method::POST {
        let bytes = axum::body::to_bytes(body, MAX_FORM)
            .await
            .map_err(|_| AppError::BadRequest("too many ids: select all users matching the view".into()))?;
        let form: HashMap<String, String> = url::form_urlencoded::parse(&bytes).into_owned().collect();
        form.get("ids").map(|ids| chosen_ids(ids)).transpose()?
    } else {
        None
    };
    let view = UserListQuery::from_params(|name| params.get(name).cloned()).first_page();
    let query = match &only {
        // Those chosen, in the view's order: the view's search and filters chose them already,
        // and a row changed since stays chosen (as for a bulk change).
        Some(_) => UserListQuery {
            tab: if view.tab == UserTab::Invited {
                UserTab::Invited
            } else {
                UserTab::All
            },
            search: String::new(),
            role: None,
            team: None,
            account: None,
            per_page: CHUNK,
            ..view.clone()
        },
        None => UserListQuery {
            per_page: CHUNK,
            ..view.clone()
        },
    };
    let now = db::now_ms();
    let feed = Feed {
        db: state.db.clone(),
        can,
        query,
        only,
        now,
        first: None,
        done: false,
    };
    // The first page is read before anything is recorded or sent, so a refused view (a search
    // too long) is refused whole; the file starts with it.
    let (first, rows) = {
        let first = feed.chunk(None, true).await?;
        let rows = feed.count().await?;
        (first, rows)
    };
    let invitations = feed.query.tab == UserTab::Invited;
    let noun = match (invitations, rows) {
        (true, 1) => "invitation",
        (true, _) => "invitations",
        (false, 1) => "user",
        (false, _) => "users",
    };
    let label = format!("{rows} {noun}");
    let by = By {
        company: user.company_id,
        user: user.id,
        name: user.name.clone(),
        ip: auth::client_ip(&parts),
        key: state.config.audit_key.clone(),
    };
    let mut w = Write::begin(state.store(), &by).await?;
    let mut after = json!({ "view": view.to_query_string(), "rows": rows });
    if let Some(ids) = &feed.only {
        after["selected"] = json!(ids.len());
    }
    w.audit(
        AuditAction::UsersExported,
        Target::named(&label),
        None,
        Some(after),
    )
    .await?;
    w.commit().await?;

    let file = format!(
        "{}-{}.csv",
        if invitations { "invitations" } else { "users" },
        &rfc3339(now)[..10]
    );
    let feed = Feed {
        first: Some(first),
        ..feed
    };
    let body = futures_util::stream::unfold(feed, |mut feed| async move {
        let chunk = feed.next().await?;
        Some((chunk, feed))
    });
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    // Sent as it is read: the compression layer cuts a stream short, so it is left alone.
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("identity"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

/// The ids of a selection, `1,2,3`: each of the caller's rows at most once.
fn chosen_ids(text: &str) -> Result<Vec<i64>, AppError> {
    let mut ids = text
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| id.parse::<i64>())
        .collect::<Result<Vec<i64>, _>>()
        .map_err(|_| AppError::field("ids", "Ids are numbers separated by commas."))?;
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(AppError::field("ids", "Choose at least one row to export."));
    }
    if ids.len() > MAX_SELECTED_IDS {
        return Err(AppError::field(
            "ids",
            format!("Choose at most {MAX_SELECTED_IDS} rows by hand, or select all users matching the view."),
        ));
    }
    Ok(ids)
}

/// The export in progress: the view, and where the next page starts.
struct Feed {
    db: db::Db,
    can: Can<perm::ViewUsers>,
    /// The view, read [`CHUNK`] rows at a time; `after` is the next page's cursor.
    query: UserListQuery,
    only: Option<Vec<i64>>,
    /// When the export began: an invitation's status is the one it had then.
    now: i64,
    /// The first piece, read before the response began, with the next page's cursor.
    first: Option<(Vec<u8>, Option<String>)>,
    done: bool,
}

impl Feed {
    /// The next piece of the file, or `None` at its end.
    async fn next(&mut self) -> Option<Result<Vec<u8>, std::io::Error>> {
        if self.done {
            return None;
        }
        let piece = match self.first.take() {
            Some(first) => Ok(first),
            None => self.chunk(self.query.after.clone(), false).await,
        };
        match piece {
            Ok((bytes, next)) => {
                self.done = next.is_none();
                self.query.after = next;
                Some(Ok(bytes))
            }
            Err(error) => {
                tracing::error!(%error, "the users export stopped");
                self.done = true;
                Some(Err(std::io::Error::other("the export stopped")))
            }
        }
    }

    /// The page after the cursor `after` as CSV lines (after the header when `header`), and
    /// the cursor of the page after it.
    async fn chunk(
        &self,
        after: Option<String>,
        header: bool,
    ) -> Result<(Vec<u8>, Option<String>), AppError> {
        let query = UserListQuery {
            after,
            ..self.query.clone()
        };
        let only = self.only.as_deref();
        let mut out = Vec::new();
        if query.tab == UserTab::Invited {
            if header {
                out.extend(csv_rows::line(&INVITATION_HEADER));
            }
            let Paged { rows, next, .. } =
                db::users::export_invitations(&self.db, &self.can, &query, only, self.now).await?;
            for row in &rows {
                out.extend(csv_rows::line(&invitation_cells(row)));
            }
            Ok((out, next))
        } else {
            if header {
                out.extend(csv_rows::line(&USER_HEADER));
            }
            let Paged { rows, next, .. } = db::users::export_page(&self.db, &self.can, &query, only).await?;
            for row in &rows {
                out.extend(csv_rows::line(&user_cells(row)));
            }
            Ok((out, next))
        }
    }

    /// How many rows the export writes (as the view stands when it begins).
    async fn count(&self) -> Result<i64, AppError> {
        let only = self.only.as_deref();
        if self.query.tab == UserTab::Invited {
            db::users::count_invitations(&self.db, &self.can, &self.query, only).await
        } else {
            db::users::count_export(&self.db, &self.can, &self.query, only).await
        }
    }
}

fn user_cells(u: &ExportedUser) -> [String; 9] {
    [
        u.name.clone(),
        u.email.clone(),
        u.phone.clone(),
        u.job_title.clone(),
        u.status.label().to_string(),
        u.roles.clone(),
        u.teams.join(", "),
        rfc3339(u.created_at),
        u.last_seen_at.map(rfc3339).unwrap_or_default(),
    ]
}

/// An invitation's dates as fit its status: it expires (or expired) unless accepted or
/// withdrawn; an accepted one says when.
fn invitation_cells(i: &ExportedInvitation) -> [String; 9] {
    let expires = match i.status {
        InvitationStatus::Pending | InvitationStatus::Expired => rfc3339(i.expires_at),
        InvitationStatus::Accepted | InvitationStatus::Withdrawn => String::new(),
    };
    let accepted = match i.status {
        InvitationStatus::Accepted => i.accepted_at.map(rfc3339).unwrap_or_default(),
        _ => String::new(),
    };
    [
        i.email.clone(),
        i.name.clone(),
        i.roles.clone(),
        i.teams.join(", "),
        i.invited_by.clone(),
        i.status.label().to_string(),
        rfc3339(i.sent_at),
        expires,
        accepted,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chosen_ids_are_numbers_once_each_and_never_none_or_too_many() {
        assert_eq!(chosen_ids("3, 1,3,,2").unwrap(), vec![1, 2, 3]);
        assert!(chosen_ids("").is_err());
        assert!(chosen_ids("1,x").is_err());
        let many = (0..=MAX_SELECTED_IDS as i64)
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(",");
        assert!(chosen_ids(&many).is_err());
    }
}
