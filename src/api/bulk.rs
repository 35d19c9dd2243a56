//! Bulk changes of users (manage-users): preview, apply, undo; and how many users a view
//! matches, for selecting all of them.

use crate::{
    error::AppError,
    model::{BulkAction, BulkOutcome, RecentChanges, Selection, UndoOutcome, UserListQuery},
};
use leptos::prelude::*;

/// How many users `query` matches on every page.
#[server(endpoint = "users/count")]
pub async fn count_users(query: UserListQuery) -> Result<i64, AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let can = user.require::<perm::ViewUsers>()?;
            db::users::count_matching(&auth::state()?.db, &can, &query).await
        }
        .await,
    )
}

/// What `action` would do to `selection`: how many change, and who is skipped and why.
#[server(endpoint = "users/bulk/preview")]
pub async fn preview_bulk(selection: Selection, action: BulkAction) -> Result<BulkOutcome, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, _, state) = super::author().await?;
            db::bulk::preview(&state.db, &can, &selection, &action).await
        }
        .await,
    )
}

/// Carries out `action` on `selection` in one transaction.
#[server(endpoint = "users/bulk/apply")]
pub async fn apply_bulk(selection: Selection, action: BulkAction) -> Result<BulkOutcome, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::bulk::apply(
                state.store(),
                &can,
                &by,
                &selection,
                &action,
                state.config.mailing(),
            )
            .await
        }
        .await,
    )
}

/// "Recent changes": the company's changes of users of the last day that the caller may see
/// (everyone's; a manager of some accounts sees their own and those about people inside
/// them), newest first, each with whether it can still be undone (by `users/bulk/undo`).
#[server(endpoint = "users/changes")]
pub async fn list_changes() -> Result<RecentChanges, AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let can = user.require::<perm::ManageUsers>()?;
            let now = db::now_ms();
            let changes = db::bulk::recent(&auth::state()?.db, &can, now).await?;
            Ok(RecentChanges { changes, now })
        }
        .await,
    )
}

/// Undoes a change of users (bulk, or of one person) for the users not changed since.
#[server(endpoint = "users/bulk/undo")]
pub async fn undo_bulk(change: i64) -> Result<UndoOutcome, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::bulk::undo(state.store(), &can, &by, change).await
        }
        .await,
    )
}
