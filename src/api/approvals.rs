//! The approval queue of join requests (manage-users): how many wait, approve, reject.

use crate::{
    error::AppError,
    model::{Approval, Selection},
};
use leptos::prelude::*;

/// How many people wait for approval: the navigation's badge.
#[server(endpoint = "approvals/count")]
pub async fn awaiting_approval_count() -> Result<i64, AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let can = user.require::<perm::ManageUsers>()?;
            Ok(db::joins::awaiting_count(&auth::state()?.db, &can).await?)
        }
        .await,
    )
}

/// Approves the selected people: active with the chosen role (and team), each emailed.
/// Answers how many were approved.
#[server(endpoint = "approvals/approve")]
pub async fn approve(approval: Approval) -> Result<usize, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author::<crate::server::access::perm::ManageUsers>().await?;
            let done =
                db::joins::approve(state.store(), &can, &by, &approval, &state.config.public_url).await?;
            Ok(done.len())
        }
        .await,
    )
}

/// Rejects the selected people: each is emailed and their request removed. Answers how many.
#[server(endpoint = "approvals/reject")]
pub async fn reject(selection: Selection) -> Result<usize, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author::<crate::server::access::perm::ManageUsers>().await?;
            let done = db::joins::reject(state.store(), &can, &by, &selection).await?;
            Ok(done.len())
        }
        .await,
    )
}
