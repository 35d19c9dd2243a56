//! Teams: the list with member counts, a team's members (view-users); creating, renaming and
//! deleting teams and adding or removing members (manage-teams).

use crate::{
    error::AppError,
    model::{MembersChanged, TeamId, TeamPage, TeamRow, UserId},
};
use leptos::prelude::*;

/// The company's teams by name, with how many members each has.
#[server(endpoint = "teams/list")]
pub async fn list_teams() -> Result<Vec<TeamRow>, AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let can = user.require::<perm::ViewUsers>()?;
            db::teams::list(&auth::state()?.db, &can).await
        }
        .await,
    )
}

/// A team and one page of its members by name: the first, or the one after (before) a cursor
/// from an earlier answer.
#[server(endpoint = "teams/get")]
pub async fn get_team(
    id: TeamId,
    #[server(default)] after: Option<String>,
    #[server(default)] before: Option<String>,
) -> Result<TeamPage, AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let can = user.require::<perm::ViewUsers>()?;
            let (after, before) = (after.filter(|c| !c.is_empty()), before.filter(|c| !c.is_empty()));
            db::teams::page(&auth::state()?.db, &can, id, after.as_deref(), before.as_deref()).await
        }
        .await,
    )
}

/// Creates a team (no members yet) and answers its id.
#[server(endpoint = "teams/create")]
pub async fn create_team(name: String) -> Result<TeamId, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::teams::create(state.store(), &can, &by, &name).await
        }
        .await,
    )
}

/// Renames a team.
#[server(endpoint = "teams/rename")]
pub async fn rename_team(id: TeamId, name: String) -> Result<(), AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::teams::rename(state.store(), &can, &by, id, &name).await
        }
        .await,
    )
}

/// Deletes a team; its members stay users.
#[server(endpoint = "teams/delete")]
pub async fn delete_team(id: TeamId) -> Result<(), AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::teams::delete(state.store(), &can, &by, id).await
        }
        .await,
    )
}

/// Adds users of the company to a team; those already in it are left as they are.
#[server(endpoint = "teams/add_members")]
pub async fn add_team_members(
    id: TeamId,
    #[server(default)] users: Vec<UserId>,
) -> Result<MembersChanged, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::teams::add_members(state.store(), &can, &by, id, &users).await
        }
        .await,
    )
}

/// Takes users out of a team; they stay users.
#[server(endpoint = "teams/remove_members")]
pub async fn remove_team_members(
    id: TeamId,
    #[server(default)] users: Vec<UserId>,
) -> Result<MembersChanged, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::teams::remove_members(state.store(), &can, &by, id, &users).await
        }
        .await,
    )
}
