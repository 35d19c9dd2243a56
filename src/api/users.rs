use crate::{
    error::AppError,
    model::{
        FilterChoices, NewUser, PersonChoice, RoleId, TeamId, UserDetails, UserEdit, UserId, UserListQuery,
        UserPage,
    },
};
use leptos::prelude::*;

/// One page of the users table (or of invitations, on the Invited tab) for a view:
/// tab, search, filters, sort and a cursor from the previous answer.
#[server(endpoint = "users/list")]
pub async fn list_users(query: UserListQuery) -> Result<UserPage, AppError> {
    use crate::{
        model::{UserTab, PAGE_SIZES},
        server::{access::perm, auth, db},
    };
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let can = user.require::<perm::ViewUsers>()?;
            let state = auth::state()?;
            if !PAGE_SIZES.contains(&query.per_page) {
                return Err(AppError::field("per_page", "Show 25, 50 or 100 rows per page."));
            }
            let now = db::now_ms();
            let counts = state
                .counts
                .get(&state.db, &state.live, &can, &query, now)
                .await?;
            let (users, invitations, prev, next) = if query.tab == UserTab::Invited {
                let page = db::users::invitations(&state.db, &can, &query, now).await?;
                (Vec::new(), page.rows, page.prev, page.next)
            } else {
                let page = db::users::page(&state.db, &can, &query).await?;
                (page.rows, Vec::new(), page.prev, page.next)
            };
            // Kept with the counts: no count of its own on every page.
            let matching = counts.listed(query.tab);
            Ok(UserPage {
                users,
                invitations,
                next,
                prev,
                counts,
                matching,
                now,
            })
        }
        .await,
    )
}

/// The first few people (by name) whose name or email contains `search`, as far as the
/// caller's view-users scope reaches: a person picker's suggestions. The users table's own
/// search and order, answered in a shape small enough that the pages using a picker don't
/// carry the users table's types into their WASM.
#[server(endpoint = "users/suggest")]
pub async fn suggest_people(search: String) -> Result<Vec<PersonChoice>, AppError> {
    use crate::{
        model::{PAGE_SIZES, PERSON_CHOICES},
        server::{access::perm, auth, db},
    };
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let can = user.require::<perm::ViewUsers>()?;
            if search.trim().is_empty() {
                return Ok(Vec::new());
            }
            let query = UserListQuery {
                search,
                per_page: PAGE_SIZES[0],
                ..Default::default()
            };
            let page = db::users::page(&auth::state()?.db, &can, &query).await?;
            Ok(page
                .rows
                .into_iter()
                .take(PERSON_CHOICES)
                .map(|row| PersonChoice {
                    id: row.id,
                    name: row.name,
                    email: row.email,
                })
                .collect())
        }
        .await,
    )
}

/// The company's roles, teams and accounts, for the users table's filters.
#[server(endpoint = "users/filters")]
pub async fn user_filter_choices() -> Result<FilterChoices, AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let can = user.require::<perm::ViewUsers>()?;
            Ok(db::users::filter_choices(&auth::state()?.db, &can).await?)
        }
        .await,
    )
}

/// One user of the caller's company.
#[server(endpoint = "users/get")]
pub async fn get_user(id: UserId) -> Result<UserDetails, AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let can = user.require::<perm::ViewUsers>()?;
            db::users::details(&auth::state()?.db, &can, id).await
        }
        .await,
    )
}

/// Adds a user; an active one is emailed a link to set a password. The answer is the same
/// whether or not the address has an account with another company (see `lifecycle::create`),
/// so it carries no id: find the new user by their email.
#[server(endpoint = "users/create")]
pub async fn create_user(user: NewUser) -> Result<(), AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::lifecycle::create(state.store(), &can, &by, &user, state.config.mailing()).await
        }
        .await,
    )
}

/// Saves a user's details, refusing if someone saved them since the form was opened. A new
/// email waits for confirmation from the new address, which this answers.
#[server(endpoint = "users/update")]
pub async fn update_user(edit: UserEdit) -> Result<Option<String>, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::lifecycle::update(state.store(), &can, &by, &edit, state.config.mailing()).await
        }
        .await,
    )
}

/// Gives a user another role (never Owner: ownership is transferred).
#[server(endpoint = "users/change_role")]
pub async fn change_user_role(id: UserId, role: RoleId) -> Result<(), AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::lifecycle::change_role(state.store(), &can, &by, id, role).await
        }
        .await,
    )
}

/// Puts a user in exactly the given teams (none to take them out of every team).
#[server(endpoint = "users/set_teams")]
pub async fn set_user_teams(id: UserId, #[server(default)] teams: Vec<TeamId>) -> Result<(), AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::lifecycle::set_teams(state.store(), &can, &by, id, &teams).await
        }
        .await,
    )
}

/// Deactivates a user: sign-in refused, every session ended at once.
#[server(endpoint = "users/deactivate")]
pub async fn deactivate_user(id: UserId) -> Result<(), AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::lifecycle::deactivate(state.store(), &can, &by, id).await
        }
        .await,
    )
}

/// Reactivates a user and emails them a link to finish.
#[server(endpoint = "users/reactivate")]
pub async fn reactivate_user(id: UserId) -> Result<(), AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::lifecycle::reactivate(state.store(), &can, &by, id, state.config.mailing()).await
        }
        .await,
    )
}

/// Emails a set-up link again to someone who never finished setting up their account.
#[server(endpoint = "users/resend_setup")]
pub async fn resend_setup_email(id: UserId) -> Result<(), AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::lifecycle::resend_setup(state.store(), &can, &by, id, state.config.mailing()).await
        }
        .await,
    )
}

/// Deletes a user for good; `confirm_email` must be their email.
#[server(endpoint = "users/delete")]
pub async fn delete_user(id: UserId, confirm_email: String) -> Result<(), AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::lifecycle::delete(state.store(), &can, &by, id, &confirm_email).await
        }
        .await,
    )
}

/// Makes another active user the owner; the caller, who must be the owner and re-enter their
/// password, becomes an Admin.
#[server(endpoint = "users/transfer_ownership")]
pub async fn transfer_ownership(to: UserId, password: String) -> Result<(), AppError> {
    use crate::server::{auth, db, password as pw};
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let state = auth::state()?;
            let stored = db::users::find_login(&state.db, &user.email)
                .await?
                .and_then(|l| l.password_hash);
            if !pw::verify(&password, stored).await {
                return Err(AppError::field("password", "That is not your current password."));
            }
            let parts = auth::request_parts()?;
            let by = db::audit::By {
                company: user.company_id,
                user: user.id,
                name: user.name.clone(),
                ip: auth::client_ip(&parts),
                key: state.config.audit_key.clone(),
            };
            db::lifecycle::transfer_ownership(state.store(), &by, to).await?;
            // The caller's own role changed: reload so every part of the page sees it.
            leptos_axum::redirect(&format!("/users/{to}"));
            Ok(())
        }
        .await,
    )
}
