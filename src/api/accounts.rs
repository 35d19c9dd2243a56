//! Accounts: the company's tree of accounts (as far as the caller's scope reaches), and
//! creating, renaming, moving and deleting them (manage-accounts).

use crate::{
    error::AppError,
    model::{AccountId, AccountNode},
};
use leptos::prelude::*;

/// The accounts the caller manages, depth-first with siblings by name, with user counts.
#[server(endpoint = "accounts/tree")]
pub async fn account_tree() -> Result<Vec<AccountNode>, AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let can = user.require::<perm::ManageAccounts>()?;
            db::accounts::tree(&auth::state()?.db, &can).await
        }
        .await,
    )
}

/// Creates a sub-account of `parent` and answers its id.
#[server(endpoint = "accounts/create")]
pub async fn create_account(parent: AccountId, name: String) -> Result<AccountId, AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author::<perm::ManageAccounts>().await?;
            db::accounts::create(state.store(), &can, &by, parent, &name).await
        }
        .await,
    )
}

/// Renames an account.
#[server(endpoint = "accounts/rename")]
pub async fn rename_account(id: AccountId, name: String) -> Result<(), AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author::<perm::ManageAccounts>().await?;
            db::accounts::rename(state.store(), &can, &by, id, &name).await
        }
        .await,
    )
}

/// Moves an account, with its sub-accounts, under another account.
#[server(endpoint = "accounts/move")]
pub async fn move_account(id: AccountId, parent: AccountId) -> Result<(), AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author::<perm::ManageAccounts>().await?;
            db::accounts::move_to(state.store(), &can, &by, id, parent).await
        }
        .await,
    )
}

/// Deletes an account that has no sub-accounts and strands nobody.
#[server(endpoint = "accounts/delete")]
pub async fn delete_account(id: AccountId) -> Result<(), AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author::<perm::ManageAccounts>().await?;
            db::accounts::delete(state.store(), &can, &by, id).await
        }
        .await,
    )
}
