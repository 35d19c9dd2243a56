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

    /// What the permission matrix calls it.
    pub fn label(self) -> &'static str {
        match self {
            Permission::ViewUsers => "View users",
            Permission::ManageUsers => "Manage users",
            Permission::ManageInvitations => "Manage invitations",
            Permission::ManageRoles => "Manage roles",
            Permission::ManageTeams => "Manage teams",
            Permission::ManageAccounts => "Manage accounts",
            Permission::ViewAuditLog => "View audit log",
            Permission::ManageSettings => "Manage settings",
        }
    }

    /// Exactly what the permission allows, in one line: what the role editor says under it and
    /// Home lists. Kept true to the server's checks (server/access.rs, the `require`s of the
    /// server functions, the hierarchy in db/hierarchy.rs).
    pub fn description(self) -> &'static str {
        match self {
            Permission::ViewUsers => {
                "See the people of your accounts (details, roles, account access, teams, status), the invitations into them, and the teams; export the users list."
            }
            Permission::ManageUsers => {
                "Add people, edit their details, change their role, account access and teams, deactivate, reactivate and delete them, and see and sign out their devices: only people with less access than yours. With it on the root account, approve or reject join requests."
            }
            Permission::ManageInvitations => {
                "Invite people into your accounts with a role no stronger than yours there, and resend, withdraw or delete pending invitations."
            }
            Permission::ManageRoles => {
                "Create, edit and delete custom roles, giving only what you hold yourself. Counts only on the root account."
            }
            Permission::ManageTeams => {
                "Create, rename and delete teams, and add people to them or take them out. Counts only on the root account."
            }
            Permission::ManageAccounts => {
                "Add sub-accounts under your accounts, and rename, move and delete the accounts below them (an account in use is never deleted)."
            }
            Permission::ViewAuditLog => {
                "Read and export the audit log. Held below the root account: only the events about people inside your accounts."
            }
            Permission::ManageSettings => {
                "Change the company's name, how long invitation links work, whether people may ask to join, and how long the audit log is kept. Counts only on the root account."
            }
        }
    }

    /// The matrix's group for this permission.
    pub fn area(self) -> &'static str {
        match self {
            Permission::ViewUsers | Permission::ManageUsers | Permission::ManageInvitations => "People",
            Permission::ManageTeams | Permission::ManageAccounts | Permission::ManageRoles => "Structure",
            Permission::ViewAuditLog | Permission::ManageSettings => "Company",
        }
    }

    /// Whether the permission is about the company as a whole (roles, teams, settings)
    /// rather than the people in some accounts. A company-wide permission counts only when
    /// held on the root account; the others reach as far as the assignment that grants them
    /// (the audit log too: a scoped holder sees the events about the people inside it).
    pub fn company_wide(self) -> bool {
        matches!(
            self,
            Permission::ManageRoles | Permission::ManageTeams | Permission::ManageSettings
        )
    }
}

/// A product module (Pricing, Payments ...) of the product Roster serves: Roster keeps who may
/// use it and the product asks. Kept in `roles.permissions` as `module.<slug>`; which modules
/// exist is configured (`ROSTER_MODULES`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Module {
    pub key: String,
    pub name: String,
}

impl Module {
    pub const PREFIX: &'static str = "module.";

    /// The module called `name`, keyed by its lower-case slug ("Sales reports" ->
    /// "module.sales-reports").
    pub fn named(name: &str) -> Module {
        let slug: String = name
            .trim()
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        Module {
            key: format!("{}{}", Module::PREFIX, slug.trim_matches('-')),
            name: name.trim().to_string(),
        }
    }

    /// What the module's box in the role editor allows: "Use the Orders module".
    pub fn description(&self) -> String {
        format!("Use the {} module", self.name)
    }

    /// The module keys in a stored permission list.
    pub fn keys_in(list: &str) -> impl Iterator<Item = &str> {
        list.split_whitespace().filter(|k| k.starts_with(Module::PREFIX))
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

    pub fn from_key(key: &str) -> Option<BuiltinRole> {
        BuiltinRole::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// What one role grants: Roster's permissions and the product modules it may use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    pub permissions: Vec<Permission>,
    /// Module keys (`module.payments`).
    pub modules: Vec<String>,
}

impl Grants {
    /// A role's grants. The built-in roles are defined here, not by their stored list, so
    /// Owner and Admin keep every module when the configured modules change.
    pub fn of_role(builtin: Option<&str>, stored: &str, modules: &[Module]) -> Grants {
        match builtin.and_then(BuiltinRole::from_key) {
            Some(BuiltinRole::Member) => Grants::default(),
            Some(role) => Grants {
                permissions: role.permissions().to_vec(),
                modules: modules.iter().map(|m| m.key.clone()).collect(),
            },
            None => Grants {
                permissions: Permission::parse_list(stored),
                modules: Module::keys_in(stored).map(str::to_string).collect(),
            },
        }
    }

    /// The list kept in `roles.permissions`.
    pub fn stored(&self) -> String {
        self.permissions
            .iter()
            .map(|p| p.key())
            .chain(self.modules.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn has(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// Whether everything `other` grants is granted here too: nobody hands out more than
    /// they hold.
    pub fn covers(&self, other: &Grants) -> bool {
        other.permissions.iter().all(|p| self.permissions.contains(p))
            && other.modules.iter().all(|m| self.modules.contains(m))
    }

    /// Adds what `new` grants beyond `old`: what someone gains going from one to the other.
    pub fn add_gain(&mut self, old: &Grants, new: &Grants) {
        for p in new.permissions.iter().filter(|p| !old.permissions.contains(p)) {
            if !self.permissions.contains(p) {
                self.permissions.push(*p);
            }
        }
        for m in new.modules.iter().filter(|m| !old.modules.contains(m)) {
            if !self.modules.contains(m) {
                self.modules.push(m.clone());
            }
        }
    }

    /// In words, in the order the roles page lists them ("Manage users", "Use Payments").
    pub fn labels(&self, modules: &[Module]) -> Vec<String> {
        let mut permissions = self.permissions.clone();
        permissions.sort_by_key(|p| Permission::ALL.iter().position(|q| q == p));
        permissions
            .into_iter()
            .map(|p| p.label().to_string())
            .chain(
                modules
                    .iter()
                    .filter(|m| self.modules.contains(&m.key))
                    .map(|m| format!("Use {}", m.name)),
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_is_keyed_by_its_slug() {
        assert_eq!(Module::named(" Sales reports ").key, "module.sales-reports");
        assert_eq!(Module::named("Payments").name, "Payments");
    }

    #[test]
    fn built_in_roles_are_defined_in_code_and_custom_ones_by_their_list() {
        let modules = [Module::named("Pricing"), Module::named("Payments")];
        let admin = Grants::of_role(Some("admin"), "", &modules);
        assert!(admin.has(Permission::ManageRoles));
        assert_eq!(admin.modules, ["module.pricing", "module.payments"]);
        assert_eq!(
            Grants::of_role(Some("member"), "users.view module.pricing", &modules),
            Grants::default()
        );
        let billing = Grants::of_role(None, "module.payments users.view nonsense", &modules);
        assert_eq!(billing.permissions, [Permission::ViewUsers]);
        assert_eq!(billing.modules, ["module.payments"]);
        assert_eq!(billing.stored(), "users.view module.payments");
        assert!(admin.covers(&billing));
        assert!(!billing.covers(&admin));
    }
}
