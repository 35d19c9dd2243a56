//! Roles (manage-roles): the list with the permission matrix's catalogue; creating, editing
//! and deleting custom roles.

use crate::{
    error::AppError,
    model::{Permission, RoleId, RolesOverview},
};
#[cfg(feature = "ssr")]
use crate::{
    model::{Grants, LiveEvent, LiveKind},
    server::{
        auth::{perm, Can},
        db::audit::By,
        state::AppState,
    },
};
use leptos::prelude::*;

/// The caller as the author of a change of roles, with what they hold on the root account (a
/// role may grant no more than that).
#[cfg(feature = "ssr")]
async fn author() -> Result<(Can<perm::ManageRoles>, By, AppState, Grants), AppError> {
    let (can, by, state) = super::author::<perm::ManageRoles>().await?;
    let held = crate::server::auth::current_user().await?.access.on_root();
    Ok((can, by, state, held))
}

/// The company's roles (built-ins first) with their holders, the permissions grouped by area,
/// the configured product modules, and what the caller may grant.
#[server(endpoint = "roles/list")]
pub async fn list_roles() -> Result<RolesOverview, AppError> {
    use crate::server::db;
    use crate::{model::PermissionArea, server::auth};
    auth::respond(
        async {
            let (can, _, state, held) = author().await?;
            let roles = db::roles::list(&state.db, &can, &state.config.modules).await?;
            Ok(RolesOverview {
                roles,
                areas: PermissionArea::catalogue(),
                modules: state.config.modules.to_vec(),
                grantable: held,
            })
        }
        .await,
    )
}

/// Creates a custom role and answers its id.
#[server(endpoint = "roles/create")]
pub async fn create_role(
    name: String,
    #[server(default)] permissions: Vec<Permission>,
    #[server(default)] modules: Vec<String>,
) -> Result<RoleId, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state, held) = author().await?;
            let limits = db::roles::Limits {
                held: &held,
                modules: &state.config.modules,
            };
            let grants = Grants { permissions, modules };
            let id = db::roles::create(&state.db, &can, &by, limits, &name, &grants).await?;
            state
                .live
                .publish(can.company(), LiveEvent::everything(LiveKind::Users));
            Ok(id)
        }
        .await,
    )
}

/// Renames a custom role and sets what it grants.
#[server(endpoint = "roles/update")]
pub async fn update_role(
    id: RoleId,
    name: String,
    #[server(default)] permissions: Vec<Permission>,
    #[server(default)] modules: Vec<String>,
) -> Result<(), AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state, held) = author().await?;
            let limits = db::roles::Limits {
                held: &held,
                modules: &state.config.modules,
            };
            let grants = Grants { permissions, modules };
            db::roles::update(&state.db, &can, &by, limits, id, &name, &grants).await?;
            // The users table names roles.
            state
                .live
                .publish(can.company(), LiveEvent::everything(LiveKind::Users));
            Ok(())
        }
        .await,
    )
}

/// Deletes a custom role; its holders and invitations move to `move_to` first.
#[server(endpoint = "roles/delete")]
pub async fn delete_role(id: RoleId, #[server(default)] move_to: Option<RoleId>) -> Result<(), AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state, held) = author().await?;
            let limits = db::roles::Limits {
                held: &held,
                modules: &state.config.modules,
            };
            db::roles::delete(&state.db, &can, &by, limits, id, move_to).await?;
            state
                .live
                .publish(can.company(), LiveEvent::everything(LiveKind::Users));
            state
                .live
                .publish(can.company(), LiveEvent::everything(LiveKind::Invitations));
            Ok(())
        }
        .await,
    )
}
