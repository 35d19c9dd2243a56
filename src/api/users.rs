use crate::{
    error::AppError,
    model::{FilterChoices, UserListQuery, UserPage},
};
use leptos::prelude::*;

/// One page of the users table (or of pending invitations, on the Invited tab) for a view:
/// tab, search, filters, sort and a cursor from the previous answer.
#[server(endpoint = "users/list")]
pub async fn list_users(query: UserListQuery) -> Result<UserPage, AppError> {
    use crate::{
        model::{UserTab, PAGE_SIZES},
        server::{
            auth::{self, perm},
            db,
        },
    };
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let can = user.require::<perm::ViewUsers>()?;
            let state = auth::state()?;
            if !PAGE_SIZES.contains(&query.per_page) {
                return Err(AppError::field("per_page", "Show 25, 50 or 100 rows per page."));
            }
            if query.search.chars().count() > 200 {
                return Err(AppError::field("search", "Search for at most 200 characters."));
            }
            let now = db::now_ms();
            let counts = db::users::tab_counts(&state.db, &can, now).await?;
            let (users, invitations, prev, next) = if query.tab == UserTab::Invited {
                let page = db::users::pending_invitations(&state.db, &can, &query, now).await?;
                (Vec::new(), page.rows, page.prev, page.next)
            } else {
                let page = db::users::page(&state.db, &can, &query).await?;
                (page.rows, Vec::new(), page.prev, page.next)
            };
            Ok(UserPage {
                users,
                invitations,
                next,
                prev,
                counts,
                now,
            })
        }
        .await,
    )
}

/// The company's roles, teams and accounts, for the users table's filters.
#[server(endpoint = "users/filters")]
pub async fn user_filter_choices() -> Result<FilterChoices, AppError> {
    use crate::server::{
        auth::{self, perm},
        db,
    };
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let can = user.require::<perm::ViewUsers>()?;
            Ok(db::users::filter_choices(&auth::state()?.db, &can).await?)
        }
        .await,
    )
}
