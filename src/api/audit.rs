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
