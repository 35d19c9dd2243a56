//! What a user may do where: their role assignments laid over the company's account tree.
//!
//! An assignment reaches its account and every account below it; for any account the
//! assignment nearest to it (itself, else its closest ancestor with one) decides the role
//! there, so access can be raised or lowered further down the tree.

use crate::{
    error::AppError,
    model::{AccountId, CompanyId, Grants, Module, Permission, UserId},
};
use std::{collections::HashMap, marker::PhantomData, sync::Arc};

/// The accounts a capability reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every account of the company.
    All,
    /// These accounts only (sorted).
    Only(Arc<[AccountId]>),
}

impl Scope {
    pub fn covers(&self, account: AccountId) -> bool {
        match self {
            Scope::All => true,
            Scope::Only(accounts) => accounts.binary_search(&account).is_ok(),
        }
    }

    pub fn is_all(&self) -> bool {
        matches!(self, Scope::All)
    }
}

/// One of the user's role assignments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub account: AccountId,
    pub role_name: String,
    pub grants: Grants,
}

/// Everything a user may do, account by account.
#[derive(Debug, Clone)]
pub struct Access {
    root: AccountId,
    assignments: Vec<Assignment>,
    /// For each account of the company, the index of the assignment deciding it; `None` when
    /// every assignment is on the root account, which then decides every account.
    nearest: Option<HashMap<AccountId, usize>>,
    /// Each account's sub-accounts, kept with `nearest` to walk a subtree.
    children: HashMap<AccountId, Vec<AccountId>>,
    /// The product modules configured, which the built-in roles grant (shared with the config,
    /// not copied per request).
    modules: Arc<[Module]>,
}

impl Access {
    /// Whether the account tree is needed to work out this user's access: only when they have
    /// an assignment below the root.
    pub fn needs_tree(root: AccountId, assignments: &[Assignment]) -> bool {
        assignments.iter().any(|a| a.account != root)
    }

    /// `tree` holds every account of the company with its parent; it may be empty when
    /// [`Access::needs_tree`] says so.
    pub fn new(
        root: AccountId,
        assignments: Vec<Assignment>,
        tree: &[(AccountId, Option<AccountId>)],
        modules: Arc<[Module]>,
    ) -> Access {
        if !Access::needs_tree(root, &assignments) {
            return Access {
                root,
                assignments,
                nearest: None,
                children: HashMap::new(),
                modules,
            };
        }
        let mut children: HashMap<AccountId, Vec<AccountId>> = HashMap::new();
        for (id, parent) in tree {
            if let Some(parent) = parent {
                children.entry(*parent).or_default().push(*id);
            }
        }
        let own: HashMap<AccountId, usize> = assignments
            .iter()
            .enumerate()
            .map(|(i, a)| (a.account, i))
            .collect();
        let mut nearest = HashMap::with_capacity(tree.len());
        let mut stack = vec![(root, None::<usize>)];
        while let Some((account, inherited)) = stack.pop() {
            let decided = own.get(&account).copied().or(inherited);
            if let Some(i) = decided {
                nearest.insert(account, i);
            }
            for child in children.get(&account).into_iter().flatten() {
                stack.push((*child, decided));
            }
        }
        Access {
            root,
            assignments,
            nearest: Some(nearest),
            children,
            modules,
        }
    }

    /// The accounts at and below which this user holds more than `grants` everywhere: a
    /// strict superset when `strict`, at least as much otherwise. Someone holding `grants`
    /// on one of these accounts holds no more than this user anywhere their access reaches,
    /// so this user may act on them (the hierarchy rule, see the README's access section).
    pub fn above(&self, grants: &Grants, strict: bool) -> Scope {
        let more = |mine: &Grants| mine.covers(grants) && (!strict || !grants.covers(mine));
        let Some(nearest) = &self.nearest else {
            let held = self.at(self.root).is_some_and(|a| more(&a.grants));
            return if held {
                Scope::All
            } else {
                Scope::Only(Arc::from([]))
            };
        };
        // Post-order over the tree: an account qualifies when it and all below it do.
        let mut good = Vec::new();
        let mut stack = vec![(self.root, false)];
        let mut ok: HashMap<AccountId, bool> = HashMap::new();
        while let Some((account, visited)) = stack.pop() {
            let children = self.children.get(&account).map(Vec::as_slice).unwrap_or_default();
            if !visited {
                stack.push((account, true));
                stack.extend(children.iter().map(|c| (*c, false)));
                continue;
            }
            let here = nearest
                .get(&account)
                .is_some_and(|&i| more(&self.assignments[i].grants))
                && children.iter().all(|c| ok.get(c).copied().unwrap_or(false));
            ok.insert(account, here);
            if here {
                good.push(account);
            }
        }
        if ok.get(&self.root).copied().unwrap_or(false) {
            return Scope::All;
        }
        good.sort();
        Scope::Only(good.into())
    }

    pub fn modules(&self) -> &[Module] {
        &self.modules
    }

    /// The assignments deciding some account of `scope`.
    pub fn deciding<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = &'a Assignment> + 'a {
        self.assignments.iter().enumerate().filter_map(move |(i, a)| {
            let decides = match (&self.nearest, scope) {
                (None, _) | (_, Scope::All) => true,
                (Some(nearest), Scope::Only(accounts)) => {
                    accounts.iter().any(|account| nearest.get(account) == Some(&i))
                }
            };
            decides.then_some(a)
        })
    }

    /// The company's root account.
    pub fn root(&self) -> AccountId {
        self.root
    }

    /// What the user holds on the root account (nothing when their access starts lower).
    pub fn on_root(&self) -> Grants {
        self.at(self.root).map(|a| a.grants.clone()).unwrap_or_default()
    }

    /// Whether a role granting `grants` on `account` gives nothing this user lacks there or on
    /// any account below it, where the role applies too (a lower role held on a sub-account
    /// does not stop it).
    pub fn may_grant(&self, grants: &Grants, account: AccountId) -> bool {
        self.above(grants, false).covers(account)
    }

    /// The assignment deciding the role on `account`, if the user has access there.
    pub fn at(&self, account: AccountId) -> Option<&Assignment> {
        match &self.nearest {
            // Every assignment is on the root (there is at most one): it decides everywhere.
            None => self.assignments.first(),
            Some(nearest) => nearest.get(&account).map(|&i| &self.assignments[i]),
        }
    }

    /// Where the user holds `permission`: `None` if nowhere. A company-wide permission is
    /// held on the root account or not at all.
    pub fn scope(&self, permission: Permission) -> Option<Scope> {
        let on_root = self.at(self.root).is_some_and(|a| a.grants.has(permission));
        if permission.company_wide() || self.nearest.is_none() {
            return on_root.then_some(Scope::All);
        }
        let nearest = self.nearest.as_ref()?;
        let mut accounts: Vec<AccountId> = nearest
            .iter()
            .filter(|(_, &i)| self.assignments[i].grants.has(permission))
            .map(|(&account, _)| account)
            .collect();
        if accounts.is_empty() {
            return None;
        }
        // Held on the root, the root is decided, so `nearest` lists every account: when all
        // of them grant it, that is the whole company, and cheaper to query.
        if on_root && accounts.len() == nearest.len() {
            return Some(Scope::All);
        }
        accounts.sort();
        Some(Scope::Only(accounts.into()))
    }

    /// Whether the user may use `module` (a key) on `account`, or anywhere when `None`.
    pub fn may_use(&self, module: &str, account: Option<AccountId>) -> bool {
        match account {
            Some(account) => self
                .at(account)
                .is_some_and(|a| a.grants.modules.iter().any(|m| m == module)),
            None => self.module_keys().iter().any(|m| m == module),
        }
    }

    /// The Roster permissions held somewhere, as navigation shows them.
    pub fn permissions(&self) -> Vec<Permission> {
        Permission::ALL
            .into_iter()
            .filter(|&p| self.scope(p).is_some())
            .collect()
    }

    /// The module keys usable on some account.
    pub fn module_keys(&self) -> Vec<String> {
        let mut modules: Vec<String> = Vec::new();
        for a in &self.assignments {
            for m in &a.grants.modules {
                if !modules.contains(m) {
                    modules.push(m.clone());
                }
            }
        }
        modules
    }

    /// The role names, the root's alone when it decides everything.
    pub fn role_name(&self) -> String {
        match self.assignments.iter().find(|a| a.account == self.root) {
            Some(root) if self.assignments.len() == 1 => root.role_name.clone(),
            _ => {
                let mut names: Vec<&str> = self.assignments.iter().map(|a| a.role_name.as_str()).collect();
                names.dedup();
                names.join(", ")
            }
        }
    }
}

/// The outline of a set of accounts in `tree` (every account with its parent): its top
/// accounts (in it, their parent not), and the accounts just below them that are not in it
/// (where another assignment decides), each in `tree`'s order. Home says where something is
/// held this way: "on these and their sub-accounts, except those".
pub fn outline(
    tree: &[(AccountId, Option<AccountId>)],
    covered: impl Fn(AccountId) -> bool,
) -> (Vec<AccountId>, Vec<AccountId>) {
    let (mut tops, mut except) = (Vec::new(), Vec::new());
    for &(account, parent) in tree {
        let parent_covered = parent.is_some_and(&covered);
        match (covered(account), parent_covered) {
            (true, false) => tops.push(account),
            (false, true) => except.push(account),
            _ => {}
        }
    }
    (tops, except)
}

/// Permission markers: one type per [`Permission`], so a capability names what it allows.
pub mod perm {
    use crate::model::Permission;

    /// Ties a marker type to its permission.
    pub trait Marker {
        const PERMISSION: Permission;
    }

    macro_rules! markers {
        ($($name:ident),*) => {$(
            #[derive(Debug)]
            pub struct $name;
            impl Marker for $name {
                const PERMISSION: Permission = Permission::$name;
            }
        )*};
    }

    markers!(
        ViewUsers,
        ManageUsers,
        ManageInvitations,
        ManageRoles,
        ManageTeams,
        ManageAccounts,
        ViewAuditLog,
        ManageSettings
    );
}

/// Proof that `actor` holds permission `P` in `company`, on the accounts of `scope`. Only
/// [`Can::of`] makes one, and only `auth::CurrentUser::require` calls it, with the access of
/// the signed-in user.
#[derive(Debug)]
pub struct Can<P> {
    company: CompanyId,
    actor: UserId,
    scope: Scope,
    access: Arc<Access>,
    _permission: PhantomData<P>,
}

impl<P: perm::Marker> Can<P> {
    /// The capability for `P` of `actor`, whose access is `access`, if they hold it anywhere.
    pub(in crate::server) fn of(company: CompanyId, actor: UserId, access: &Arc<Access>) -> Option<Can<P>> {
        let scope = access.scope(P::PERMISSION)?;
        Some(Can {
            company,
            actor,
            scope,
            access: access.clone(),
            _permission: PhantomData,
        })
    }
}

impl<P> Can<P> {
    pub fn company(&self) -> CompanyId {
        self.company
    }

    pub fn actor(&self) -> UserId {
        self.actor
    }

    /// The accounts the permission reaches; every query about users or accounts keeps to it.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Whether the actor may hand out a role granting `grants` on `account` (on every account
    /// of the scope when `None`): nobody gives more than they hold there.
    pub fn may_grant(&self, grants: &Grants, account: Option<AccountId>) -> bool {
        match account {
            Some(account) => self.access.may_grant(grants, account),
            None => self.access.deciding(&self.scope).all(|a| a.grants.covers(grants)),
        }
    }

    /// Where holders of `grants` are below the actor (see [`Access::above`]).
    pub fn above(&self, grants: &Grants, strict: bool) -> Scope {
        self.access.above(grants, strict)
    }

    /// What the actor holds on the root account.
    pub fn on_root(&self) -> Grants {
        self.access.on_root()
    }

    /// The modules configured when the actor's access was worked out.
    pub fn modules(&self) -> &[Module] {
        self.access.modules()
    }

    /// This capability if it reaches the whole company (approving join requests, say, gives
    /// access on the root account), else `Forbidden`.
    pub fn whole_company(&self) -> Result<&Can<P>, AppError> {
        if self.scope.is_all() {
            Ok(self)
        } else {
            Err(AppError::Forbidden)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(permissions: &[Permission], modules: &[&str]) -> Grants {
        Grants {
            permissions: permissions.to_vec(),
            modules: modules.iter().map(|m| m.to_string()).collect(),
        }
    }

    fn assignment(account: i64, role: &str, g: Grants) -> Assignment {
        Assignment {
            account: AccountId(account),
            role_name: role.into(),
            grants: g,
        }
    }

    /// 1 (root) > 2 > 3 > 4, and 5 beside 2.
    fn tree() -> Vec<(AccountId, Option<AccountId>)> {
        [(1, None), (2, Some(1)), (3, Some(2)), (4, Some(3)), (5, Some(1))]
            .map(|(a, p)| (AccountId(a), p.map(AccountId)))
            .to_vec()
    }

    fn admin() -> Grants {
        grants(&Permission::ALL, &["module.payments"])
    }

    #[test]
    fn a_role_on_the_root_reaches_every_account_without_the_tree() {
        let access = Access::new(
            AccountId(1),
            vec![assignment(1, "Admin", admin())],
            &[],
            Arc::from([]),
        );
        assert_eq!(access.scope(Permission::ManageUsers), Some(Scope::All));
        assert_eq!(access.scope(Permission::ManageRoles), Some(Scope::All));
        assert!(access.may_use("module.payments", Some(AccountId(4))));
        assert_eq!(access.role_name(), "Admin");
    }

    #[test]
    fn the_nearest_assignment_wins_on_a_four_level_tree() {
        // Member on the root, Admin from level 2 down, lowered to Member again on level 4.
        let access = Access::new(
            AccountId(1),
            vec![
                assignment(1, "Member", Grants::default()),
                assignment(2, "Admin", admin()),
                assignment(4, "Member", Grants::default()),
            ],
            &tree(),
            Arc::from([]),
        );
        assert_eq!(
            access.scope(Permission::ManageUsers),
            Some(Scope::Only(vec![AccountId(2), AccountId(3)].into()))
        );
        assert_eq!(access.at(AccountId(3)).unwrap().role_name, "Admin");
        assert_eq!(access.at(AccountId(4)).unwrap().role_name, "Member");
        assert_eq!(access.at(AccountId(5)).unwrap().role_name, "Member");
        // Company-wide permissions count only on the root.
        assert_eq!(access.scope(Permission::ManageRoles), None);
        assert!(access.may_use("module.payments", Some(AccountId(3))));
        assert!(!access.may_use("module.payments", Some(AccountId(4))));
        assert!(access.may_use("module.payments", None));
    }

    #[test]
    fn an_assignment_below_the_root_reaches_nothing_above_or_beside_it() {
        let access = Access::new(
            AccountId(1),
            vec![assignment(3, "Admin", admin())],
            &tree(),
            Arc::from([]),
        );
        assert!(access.at(AccountId(1)).is_none());
        assert!(access.at(AccountId(2)).is_none());
        assert!(access.at(AccountId(5)).is_none());
        let scope = access.scope(Permission::ViewUsers).unwrap();
        assert!(scope.covers(AccountId(3)) && scope.covers(AccountId(4)));
        assert!(!scope.covers(AccountId(2)));
        assert_eq!(
            access.permissions().len(),
            5,
            "only the account-scoped permissions (the audit log among them)"
        );
        assert!(access.permissions().contains(&Permission::ViewAuditLog));
    }

    #[test]
    fn an_admin_on_the_root_lowered_below_keeps_the_rest_of_the_company() {
        let access = Access::new(
            AccountId(1),
            vec![
                assignment(1, "Admin", admin()),
                assignment(2, "Member", Grants::default()),
            ],
            &tree(),
            Arc::from([]),
        );
        let scope = access.scope(Permission::ManageUsers).unwrap();
        assert_eq!(scope, Scope::Only(vec![AccountId(1), AccountId(5)].into()));
        assert_eq!(access.scope(Permission::ManageSettings), Some(Scope::All));
    }

    #[test]
    fn raising_below_a_root_admin_still_covers_the_whole_company() {
        let access = Access::new(
            AccountId(1),
            vec![assignment(1, "Admin", admin()), assignment(3, "Admin", admin())],
            &tree(),
            Arc::from([]),
        );
        assert_eq!(access.scope(Permission::ManageUsers), Some(Scope::All));
    }

    #[test]
    fn an_outline_names_the_top_accounts_and_the_holes_below_them() {
        // Admin on 2, lowered on 4: 2 and 3 are covered.
        let covered = |a: AccountId| [2, 3].contains(&a.0);
        assert_eq!(
            outline(&tree(), covered),
            (vec![AccountId(2)], vec![AccountId(4)])
        );
        assert_eq!(
            outline(&tree(), |_| true),
            (vec![AccountId(1)], vec![]),
            "everything: the root alone"
        );
    }

    #[test]
    fn an_admin_is_above_a_member_but_not_above_another_admin() {
        let access = Access::new(
            AccountId(1),
            vec![assignment(1, "Admin", admin())],
            &[],
            Arc::from([]),
        );
        assert_eq!(access.above(&Grants::default(), true), Scope::All);
        assert_eq!(access.above(&admin(), true), Scope::Only(Arc::from([])));
        assert_eq!(access.above(&admin(), false), Scope::All, "peers, for teams");
        let user_manager = grants(&[Permission::ViewUsers, Permission::ManageUsers], &[]);
        assert_eq!(access.above(&user_manager, true), Scope::All);
    }

    #[test]
    fn being_above_someone_on_an_account_needs_being_above_them_everywhere_below_it() {
        // Admin on 2 and 3, lowered to Member on 4: every account the caller manages has 4
        // below it, where a Member there would be their equal.
        let access = Access::new(
            AccountId(1),
            vec![
                assignment(2, "Admin", admin()),
                assignment(4, "Member", Grants::default()),
            ],
            &tree(),
            Arc::from([]),
        );
        let member = Grants::default();
        assert_eq!(access.above(&member, true), Scope::Only(Arc::from([])));
        let access = Access::new(
            AccountId(1),
            vec![assignment(2, "Admin", admin())],
            &tree(),
            Arc::from([]),
        );
        assert_eq!(
            access.above(&member, true),
            Scope::Only(vec![AccountId(2), AccountId(3), AccountId(4)].into())
        );
    }
}
