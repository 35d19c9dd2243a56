//! The accounts a capability reaches ([`Scope`]) as SQL conditions on the rows they let the
//! caller see. Each is `" AND …"`, empty for the whole company, with the account ids bound.

use super::sql::Sql;
use crate::server::access::Scope;

pub trait InScope {
    /// Keeps the users, named by the column `user`, whose access lies inside the scope: they
    /// have an assignment and none outside. A user with access outside is someone else's to
    /// manage.
    fn users_inside(&self, user: &str) -> Sql;
    /// The same for invitations, named by the column `invitation`: they grant access only
    /// inside the scope.
    fn invitations_inside(&self, invitation: &str) -> Sql;
    /// Keeps the accounts, named by the column `account`, inside the scope.
    fn accounts_inside(&self, account: &str) -> Sql;
}

impl InScope for Scope {
    fn users_inside(&self, user: &str) -> Sql {
        linked_inside(self, "role_assignments", "user_id", user)
    }

    fn invitations_inside(&self, invitation: &str) -> Sql {
        linked_inside(self, "invitation_accounts", "invitation_id", invitation)
    }

    fn accounts_inside(&self, account: &str) -> Sql {
        let mut sql = Sql::default();
        match self {
            Scope::All => {}
            Scope::Only(accounts) if accounts.is_empty() => {
                sql.push(" AND 1 = 0");
            }
            Scope::Only(accounts) => {
                sql.push(&format!(" AND {account} IN ("))
                    .list(accounts.iter().copied())
                    .push(")");
            }
        }
        sql
    }
}

/// Rows whose links in `links` (keyed by `key`, with an `account_id`) exist and all lie
/// inside the scope.
fn linked_inside(scope: &Scope, links: &str, key: &str, outer: &str) -> Sql {
    let mut sql = Sql::default();
    match scope {
        Scope::All => {}
        Scope::Only(accounts) if accounts.is_empty() => {
            sql.push(" AND 1 = 0");
        }
        Scope::Only(accounts) => {
            sql.push(&format!(
                " AND EXISTS (SELECT 1 FROM {links} sl WHERE sl.{key} = {outer})
                  AND NOT EXISTS (SELECT 1 FROM {links} sl WHERE sl.{key} = {outer} AND sl.account_id NOT IN ("
            ))
            .list(accounts.iter().copied())
            .push("))");
        }
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AccountId;

    #[test]
    fn scope_conditions_bind_the_accounts_and_an_empty_scope_keeps_nothing() {
        let scope = Scope::Only(vec![AccountId(3), AccountId(4)].into());
        assert_eq!(scope.accounts_inside("a.id").text(), " AND a.id IN ($1, $2)");
        assert!(scope.users_inside("u.id").text().ends_with("NOT IN ($1, $2))"));
        assert!(Scope::All.users_inside("u.id").text().is_empty());
        assert_eq!(
            Scope::Only(Vec::new().into()).users_inside("u.id").text(),
            " AND 1 = 0"
        );
    }
}
