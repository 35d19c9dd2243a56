//! Roles (manage-roles): the list with the permission matrix's catalogue; creating, editing
//! and deleting custom roles.

use crate::{
    error::AppError,
    model::{Permission, RoleId, RolesOverview},
};
#[cfg(feature = "ssr")]
use crate::{model::Grants, server::access::perm};
use leptos::prelude::*;

/// The company's roles (built-ins first) with their holders, the permissions grouped by area,
/// the configured product modules, and what the caller may grant.
#[server(endpoint = "roles/list")]
pub async fn list_roles() -> Result<RolesOverview, AppError> {
    use crate::server::db;
    use crate::{model::PermissionArea, server::auth};
    auth::respond(
        async {
            let (can, _, state) = super::author::<perm::ManageRoles>().await?;
            let roles = db::roles::list(&state.db, &can).await?;
            Ok(RolesOverview {
                roles,
                areas: PermissionArea::catalogue(),
                modules: can.modules().to_vec(),
                grantable: can.on_root(),
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
            let (can, by, state) = super::author::<perm::ManageRoles>().await?;
            let grants = Grants { permissions, modules };
            db::roles::create(state.store(), &can, &by, &name, &grants).await
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
            let (can, by, state) = super::author::<perm::ManageRoles>().await?;
            let grants = Grants { permissions, modules };
            db::roles::update(state.store(), &can, &by, id, &name, &grants).await
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
            let (can, by, state) = super::author::<perm::ManageRoles>().await?;
            db::roles::delete(state.store(), &can, &by, id, move_to).await
        }
        .await,
    )
}
