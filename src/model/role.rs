//! Roles: the built-in Owner, Admin and Member, and a company's custom roles, each a set of
//! Roster permissions and product modules (the permission matrix).

use super::{BuiltinRole, Grants, Module, Permission, RoleId};
use serde::{Deserialize, Serialize};

/// One role of the company, as the roles page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRow {
    pub id: RoleId,
    pub name: String,
    /// Which built-in role this is; `None` for a custom role.
    pub builtin: Option<BuiltinRole>,
    pub grants: Grants,
    /// How many users hold the role (on any account).
    pub holders: i64,
    /// How many invitations would give the role on acceptance.
    pub invitations: i64,
}

impl RoleRow {
    /// Whether the role can be edited and deleted: custom roles only.
    pub fn is_custom(&self) -> bool {
        self.builtin.is_none()
    }
}

/// One group of the permission matrix ("People", "Structure", "Company").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionArea {
    pub name: String,
    /// The area's permissions with their labels, in catalogue order.
    pub permissions: Vec<(Permission, String)>,
}

impl PermissionArea {
    /// Every permission grouped by area, in the order of [`Permission::ALL`].
    pub fn catalogue() -> Vec<PermissionArea> {
        let mut areas: Vec<PermissionArea> = Vec::new();
        for p in Permission::ALL {
            let entry = (p, p.label().to_string());
            match areas.iter_mut().find(|a| a.name == p.area()) {
                Some(area) => area.permissions.push(entry),
                None => areas.push(PermissionArea {
                    name: p.area().to_string(),
                    permissions: vec![entry],
                }),
            }
        }
        areas
    }
}

/// The roles page: the company's roles and what the matrix offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolesOverview {
    /// Built-ins first (Owner, Admin, Member), then custom roles by name.
    pub roles: Vec<RoleRow>,
    /// The permissions grouped by area.
    pub areas: Vec<PermissionArea>,
    /// The configured product modules.
    pub modules: Vec<Module>,
    /// What the caller may hand out: what they hold on the root account.
    pub grantable: Grants,
}

/// A short summary of what a role grants, for the roles list.
pub fn grants_summary(grants: &Grants, modules: &[Module]) -> String {
    let mut parts: Vec<String> = grants.permissions.iter().map(|p| p.label().to_string()).collect();
    let names: Vec<&str> = modules
        .iter()
        .filter(|m| grants.modules.contains(&m.key))
        .map(|m| m.name.as_str())
        .collect();
    if !names.is_empty() {
        parts.push(format!("Modules: {}", names.join(", ")));
    }
    if parts.is_empty() {
        "No management permissions".to_string()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_groups_every_permission_by_area_once() {
        let areas = PermissionArea::catalogue();
        let names: Vec<&str> = areas.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["People", "Structure", "Company"]);
        assert_eq!(
            areas.iter().map(|a| a.permissions.len()).sum::<usize>(),
            Permission::ALL.len()
        );
    }

    #[test]
    fn a_summary_names_permissions_and_modules() {
        let modules = [Module::named("Pricing"), Module::named("Payments")];
        let grants = Grants {
            permissions: vec![Permission::ViewUsers],
            modules: vec!["module.payments".into()],
        };
        assert_eq!(grants_summary(&grants, &modules), "View users, Modules: Payments");
        assert_eq!(
            grants_summary(&Grants::default(), &modules),
            "No management permissions"
        );
    }
}
