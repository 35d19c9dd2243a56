use serde::{Deserialize, Serialize};

/// What a role may do. Stored in the database by [`Permission::key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    ViewUsers,
    ManageUsers,
    ManageInvitations,
    ManageRoles,
    ManageTeams,
    ManageAccounts,
    ViewAuditLog,
    ManageSettings,
}

impl Permission {
    pub const ALL: [Permission; 8] = [
        Permission::ViewUsers,
        Permission::ManageUsers,
        Permission::ManageInvitations,
        Permission::ManageRoles,
        Permission::ManageTeams,
        Permission::ManageAccounts,
        Permission::ViewAuditLog,
        Permission::ManageSettings,
    ];

    /// The stable name stored in `roles.permissions`.
    pub fn key(self) -> &'static str {
        match self {
            Permission::ViewUsers => "users.view",
            Permission::ManageUsers => "users.manage",
            Permission::ManageInvitations => "invitations.manage",
            Permission::ManageRoles => "roles.manage",
            Permission::ManageTeams => "teams.manage",
            Permission::ManageAccounts => "accounts.manage",
            Permission::ViewAuditLog => "audit.view",
            Permission::ManageSettings => "settings.manage",
        }
    }

    pub fn from_key(key: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.key() == key)
    }

    /// Parses the space-separated list kept in `roles.permissions`, ignoring unknown keys so
    /// that a newer database still works with an older binary.
    pub fn parse_list(list: &str) -> Vec<Permission> {
        list.split_whitespace().filter_map(Permission::from_key).collect()
    }

    pub fn join(list: &[Permission]) -> String {
        list.iter().map(|p| p.key()).collect::<Vec<_>>().join(" ")
    }
}

/// The roles every company has. They cannot be deleted or edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BuiltinRole {
    /// Everything; exactly one per company.
    Owner,
    /// Everything but ownership.
    Admin,
    /// No management permission.
    Member,
}

impl BuiltinRole {
    pub const ALL: [BuiltinRole; 3] = [BuiltinRole::Owner, BuiltinRole::Admin, BuiltinRole::Member];

    pub fn key(self) -> &'static str {
        match self {
            BuiltinRole::Owner => "owner",
            BuiltinRole::Admin => "admin",
            BuiltinRole::Member => "member",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            BuiltinRole::Owner => "Owner",
            BuiltinRole::Admin => "Admin",
            BuiltinRole::Member => "Member",
        }
    }

    pub fn permissions(self) -> &'static [Permission] {
        match self {
            BuiltinRole::Owner | BuiltinRole::Admin => &Permission::ALL,
            BuiltinRole::Member => &[],
        }
    }
}
