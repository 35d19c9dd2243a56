//! The audit log: who did what to whom, for those who may view it.

use crate::{
    error::AppError,
    model::{AuditPage, AuditQuery},
};
use leptos::prelude::*;

/// One page of the company's audit events for a view (filters and a cursor from the previous
/// answer), newest first. A holder of view-audit-log on some accounts only sees the events
/// about the people inside them.
#[server(endpoint = "audit/list")]
pub async fn list_audit_events(query: AuditQuery) -> Result<AuditPage, AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let can = user.require::<perm::ViewAuditLog>()?;
            db::audit_log::page(&auth::state()?.db, &can, &query).await
        }
        .await,
    )
}

/// How many events of a view (its page cursors aside) are newer than `since`, the cursor of
/// the newest event the page shows (all of them when `None`): the "N new events" banner,
/// after the live stream said only that the log changed. Counted through the same authorised
/// query as the list, so a scoped viewer counts only events they may see; at most
/// [`AUDIT_NEW_MAX`](crate::model::AUDIT_NEW_MAX) + 1.
#[server(endpoint = "audit/new")]
pub async fn count_new_audit_events(query: AuditQuery, since: Option<String>) -> Result<u32, AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let can = user.require::<perm::ViewAuditLog>()?;
            db::audit_log::count_newer(&auth::state()?.db, &can, &query, since.as_deref()).await
        }
        .await,
    )
}
