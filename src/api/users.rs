use crate::{error::AppError, model::UserPage};
use leptos::prelude::*;

/// Rows per page of the users table.
pub const PAGE_SIZE: i64 = 50;

/// A page of the caller's company's users, ordered by name, starting after `after` (a cursor
/// from the previous page).
#[server(endpoint = "users/list")]
pub async fn list_users(after: Option<String>) -> Result<UserPage, AppError> {
    use crate::server::{
        auth::{self, perm},
        db::{self, users::Cursor},
    };
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let can = user.require::<perm::ViewUsers>()?;
            let state = auth::state()?;
            let after = match after.as_deref().filter(|s| !s.is_empty()) {
                None => None,
                Some(text) => Some(
                    Cursor::decode(text)
                        .ok_or_else(|| AppError::BadRequest("the page cursor is not valid".into()))?,
                ),
            };
            let (users, next) = db::users::page(&state.db, &can, after.as_ref(), PAGE_SIZE).await?;
            Ok(UserPage {
                users,
                next: next.map(|c| c.encode()),
                now: db::now_ms(),
            })
        }
        .await,
    )
}
