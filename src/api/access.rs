//! "Account and sub-account access": a user's role per account, and the question the host
//! product asks about its modules.

use crate::{
    error::AppError,
    model::{AccessGain, AccountId, RoleId, UserId},
};
use leptos::prelude::*;

/// What giving a user `role` on `accounts` would add to what they may do (`None`: nothing),
/// for them to confirm first.
#[server(endpoint = "users/access/preview")]
pub async fn preview_access(
    id: UserId,
    role: RoleId,
    #[server(default)] accounts: Vec<AccountId>,
) -> Result<Option<AccessGain>, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, _, state) = super::author().await?;
            db::assignments::preview(&state.db, &can, id, role, &accounts).await
        }
        .await,
    )
}

/// Gives a user `role` on each of `accounts` (replacing the role they had on any of them).
/// With `gains`, the key of the preview that was confirmed (`PowerGain::NONE_SHOWN` for
/// nothing): refused when the change would now add something else.
#[server(endpoint = "users/access/grant")]
pub async fn grant_access(
    id: UserId,
    role: RoleId,
    #[server(default)] accounts: Vec<AccountId>,
    #[server(default)] gains: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::assignments::grant(state.store(), &can, &by, id, role, &accounts, gains.as_deref()).await
        }
        .await,
    )
}

/// Removes a user's access to one account; they keep at least one.
#[server(endpoint = "users/access/remove")]
pub async fn remove_access(id: UserId, account: AccountId) -> Result<(), AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::assignments::remove(state.store(), &can, &by, id, account).await
        }
        .await,
    )
}

/// Whether the signed-in user may use the product module `module` (its key, such as
/// `module.payments`) on `account`, or on some account when none is given. The host product
/// asks this before showing a module; the answer follows role changes at once.
#[server(endpoint = "access/check")]
pub async fn may_use_module(
    module: String,
    #[server(default)] account: Option<AccountId>,
) -> Result<bool, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let user = auth::current_user().await?;
            if let Some(account) = account {
                // Another company's account is simply unknown.
                if !db::assignments::in_company(&auth::state()?.db, user.company_id, account).await? {
                    return Err(AppError::NotFound("That account".into()));
                }
            }
            Ok(user.access.may_use(&module, account))
        }
        .await,
    )
}
