//! A user's role assignments: which role they hold in which account ("Account and sub-account
//! access"). Each change is one transaction with its audit event; the caller may only touch
//! users and accounts inside their scope and hand out roles no stronger than their own there.

use super::sql::Sql;
use super::write::{Store, Write};
use super::{
    audit::{By, Target},
    companies::{lock_company, owner_of},
    hierarchy::below,
    hierarchy::Rank,
    roles::{assignable_role, grants_of},
    users::account_choices,
    users::current,
    Db,
};
use crate::model::LiveEvent;
use crate::{
    error::AppError,
    model::{
        AccessGain, AccessRow, AccountId, AuditAction, CompanyId, Grants, Module, PowerGain, RoleId, UserId,
    },
    server::{
        access::{perm, Can},
        access::{Access, Assignment, Scope},
        token,
    },
};
use serde_json::json;
use sqlx::{Any, Transaction};
use std::collections::HashMap;
use std::sync::Arc;

/// At most this many accounts in one "assign to more accounts".
pub const MAX_ACCOUNTS: usize = 100;

/// The user's assignments in tree order, each account named by its path, and their
/// [`summary`].
pub async fn of_user(
    db: &Db,
    company: CompanyId,
    user: UserId,
) -> Result<(Vec<AccessRow>, String), sqlx::Error> {
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT ra.account_id, ra.role_id, r.name FROM role_assignments ra JOIN roles r ON r.id = ra.role_id
         WHERE ra.user_id = $1",
    )
    .bind(user)
    .fetch_all(db)
    .await?;
    let paths = account_choices(db, company, &Scope::All).await?;
    let order: HashMap<i64, usize> = paths.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let mut access: Vec<AccessRow> = rows
        .into_iter()
        .map(|(account, role, role_name)| AccessRow {
            account: AccountId(account),
            account_name: order
                .get(&account)
                .map(|&i| paths[i].name.clone())
                .unwrap_or_default(),
            role: RoleId(role),
            role_name,
        })
        .collect();
    access.sort_by_key(|row| order.get(&row.account.0).copied());
    // Every path starts with the root's name, so the root sorts first.
    let root = paths.first().map(|c| AccountId(c.id));
    let line = summary(access.iter().map(|row| {
        (
            Some(row.account) == root,
            row.account_name.as_str(),
            row.role_name.as_str(),
        )
    }));
    Ok((access, line))
}

/// What `user` of `company` may do, worked out as for their session (see `server::access`),
/// for checks made on their behalf when they are not the caller.
pub(super) async fn access_of(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    user: UserId,
    modules: &Arc<[Module]>,
) -> Result<Access, sqlx::Error> {
    let rows: Vec<(i64, String, Option<String>, String)> = sqlx::query_as(
        "SELECT ra.account_id, r.name, r.builtin, r.permissions
         FROM role_assignments ra JOIN roles r ON r.id = ra.role_id WHERE ra.user_id = $1",
    )
    .bind(user)
    .fetch_all(&mut **tx)
    .await?;
    let tree: Vec<(i64, Option<i64>)> =
        sqlx::query_as("SELECT id, parent_id FROM accounts WHERE company_id = $1")
            .bind(company)
            .fetch_all(&mut **tx)
            .await?;
    let root = tree
        .iter()
        .find(|(_, parent)| parent.is_none())
        .map_or(0, |(id, _)| *id);
    let assignments = rows
        .into_iter()
        .map(|(account, role_name, builtin, stored)| Assignment {
            account: AccountId(account),
            role_name,
            grants: Grants::of_role(builtin.as_deref(), &stored, modules),
        })
        .collect();
    let tree: Vec<(AccountId, Option<AccountId>)> = tree
        .into_iter()
        .map(|(id, parent)| (AccountId(id), parent.map(AccountId)))
        .collect();
    Ok(Access::new(AccountId(root), assignments, &tree, modules.clone()))
}

/// Whether `account` is one of the caller's company's and inside the capability's scope:
/// where they may give access.
pub(super) async fn reachable<P>(
    tx: &mut Transaction<'_, Any>,
    can: &Can<P>,
    account: AccountId,
) -> Result<bool, sqlx::Error> {
    Ok(can.scope().covers(account) && in_company(&mut **tx, can.company(), account).await?)
}

/// Whether `account` is one of `company`'s.
pub async fn in_company<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    company: CompanyId,
    account: AccountId,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE id = $1 AND company_id = $2")
        .bind(account)
        .bind(company)
        .fetch_optional(db)
        .await?;
    Ok(found.is_some())
}

/// A user's roles in one line, as the users table and a user's page show them: the role
/// alone when their one assignment is on the root account, else "Role (Account)" for each.
/// Takes (on the root?, account label, role name) in display order.
pub fn summary<'a>(assignments: impl IntoIterator<Item = (bool, &'a str, &'a str)>) -> String {
    let assignments: Vec<_> = assignments.into_iter().collect();
    match assignments.as_slice() {
        [(true, _, role)] => role.to_string(),
        _ => assignments
            .iter()
            .map(|(_, account, role)| format!("{role} ({account})"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A user's roles in a few words, for a table cell: the role alone on the root account,
/// "Role · Account" for one sub-account, else the first role and how many accounts ("Admin
/// · 3 accounts"). Takes what [`summary`] takes.
pub fn brief<'a>(assignments: impl IntoIterator<Item = (bool, &'a str, &'a str)>) -> String {
    let assignments: Vec<_> = assignments.into_iter().collect();
    match assignments.as_slice() {
        [] => String::new(),
        [(true, _, role)] => role.to_string(),
        [(false, account, role)] => format!("{role} · {account}"),
        [(_, _, role), ..] => format!("{role} · {} accounts", assignments.len()),
    }
}

/// Gives `user` the role `role` on each of `accounts` (replacing the role they had there).
#[tracing::instrument(skip(store, can, by), err(Debug))]
pub async fn grant(
    store: Store<'_>,
    can: &Can<perm::ManageUsers>,
    by: &By,
    user: UserId,
    role: RoleId,
    accounts: &[AccountId],
    shown: Option<&str>,
) -> Result<(), AppError> {
    check_accounts(accounts)?;
    let mut w = Write::begin(store, by).await?;
    let email = changeable(&mut w.tx, can, user).await?;
    let role_name = grantable(&mut w.tx, can, role, accounts).await?;
    if let Some(shown) = shown {
        let now = gain(&mut w.tx, can, user, role, accounts).await?;
        if now
            .as_ref()
            .map_or(PowerGain::NONE_SHOWN, |(_, _, key)| key.as_str())
            != shown
        {
            return Err(AppError::Conflict(
                "Giving this role would now add other permissions, or on other accounts, than you were shown: their access changed meanwhile. Look at it again before confirming.".into(),
            ));
        }
    }
    for &account in accounts {
        sqlx::query(
            "INSERT INTO role_assignments (user_id, account_id, role_id) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, account_id) DO UPDATE SET role_id = excluded.role_id",
        )
        .bind(user)
        .bind(account)
        .bind(role)
        .execute(&mut *w.tx)
        .await?;
    }
    let ids: Vec<i64> = accounts.iter().map(|a| a.0).collect();
    finish(
        &mut w,
        (user, &email),
        AuditAction::UserAccessGranted,
        json!({ "role": role_name, "accounts": ids }),
        // Given on several accounts at once, the event names them in its details.
        match accounts {
            [one] => Some(*one),
            _ => None,
        },
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// One to [`MAX_ACCOUNTS`] accounts.
fn check_accounts(accounts: &[AccountId]) -> Result<(), AppError> {
    if accounts.is_empty() {
        return Err(AppError::field("accounts", "Choose at least one account."));
    }
    if accounts.len() > MAX_ACCOUNTS {
        return Err(AppError::field(
            "accounts",
            format!("Choose at most {MAX_ACCOUNTS} accounts at once."),
        ));
    }
    Ok(())
}

/// The name of `role` when the caller may give it on every one of `accounts`, each inside
/// their scope.
async fn grantable(
    tx: &mut Transaction<'_, Any>,
    can: &Can<perm::ManageUsers>,
    role: RoleId,
    accounts: &[AccountId],
) -> Result<String, AppError> {
    let mut name = String::new();
    for &account in accounts {
        in_scope(tx, can, account).await?;
        name = assignable_role(tx, can, role, Some(account)).await?.name;
    }
    Ok(name)
}

/// What giving `role` to `user` on `accounts` adds to what they may do: the accounts where it
/// adds anything (each with the sub-accounts it decides, which hold what it holds), what it
/// adds in all, in words, and a digest of both. `None` when it adds nothing anywhere. The role
/// is one the caller may give there ([`grantable`]).
async fn gain(
    tx: &mut Transaction<'_, Any>,
    can: &Can<perm::ManageUsers>,
    user: UserId,
    role: RoleId,
    accounts: &[AccountId],
) -> Result<Option<(Vec<AccountId>, Vec<String>, String)>, AppError> {
    let modules: Arc<[Module]> = can.modules().into();
    let held = access_of(tx, can.company(), user, &modules).await?;
    let new = grants_of(tx, role, &modules).await?;
    let none = Grants::default();
    let (mut gaining, mut gained) = (Vec::new(), Grants::default());
    for &account in accounts {
        let old = held.at(account).map_or(&none, |a| &a.grants);
        if !old.covers(&new) {
            gaining.push(account);
            gained.add_gain(old, &new);
        }
    }
    if gaining.is_empty() {
        return Ok(None);
    }
    gaining.sort_unstable_by_key(|a| a.0);
    let words = gained.labels(&modules);
    let ids: Vec<i64> = gaining.iter().map(|a| a.0).collect();
    let key = token::hash(&json!([user, role, ids, words]).to_string());
    Ok(Some((gaining, words, key)))
}

/// What [`grant`] would add to what `user` may do, checked as it checks (the user, the role,
/// every account), without giving anything.
pub async fn preview(
    db: &Db,
    can: &Can<perm::ManageUsers>,
    user: UserId,
    role: RoleId,
    accounts: &[AccountId],
) -> Result<Option<AccessGain>, AppError> {
    check_accounts(accounts)?;
    // Only reads: the owner without the company's lock, which is a write.
    let mut tx = db.begin().await?;
    let owner = owner_of(&mut tx, can.company()).await?;
    may_change(&mut tx, can, owner, user).await?;
    grantable(&mut tx, can, role, accounts).await?;
    let found = gain(&mut tx, can, user, role, accounts).await?;
    tx.rollback().await?;
    let Some((gaining, permissions, key)) = found else {
        return Ok(None);
    };
    let paths = account_choices(db, can.company(), &Scope::All).await?;
    Ok(Some(AccessGain {
        accounts: paths
            .into_iter()
            .filter(|c| gaining.contains(&AccountId(c.id)))
            .map(|c| c.name)
            .collect(),
        permissions,
        key,
    }))
}

/// Takes away `user`'s assignment on `account`. Everyone keeps at least one.
#[tracing::instrument(skip(store, can, by), err(Debug))]
pub async fn remove(
    store: Store<'_>,
    can: &Can<perm::ManageUsers>,
    by: &By,
    user: UserId,
    account: AccountId,
) -> Result<(), AppError> {
    let mut w = Write::begin(store, by).await?;
    let email = changeable(&mut w.tx, can, user).await?;
    in_scope(&mut w.tx, can, account).await?;
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM role_assignments WHERE user_id = $1")
        .bind(user)
        .fetch_one(&mut *w.tx)
        .await?;
    let removed = sqlx::query("DELETE FROM role_assignments WHERE user_id = $1 AND account_id = $2")
        .bind(user)
        .bind(account)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
    if removed == 0 {
        return Err(AppError::NotFound("That access".into()));
    }
    if held <= 1 {
        return Err(AppError::Conflict(
            "Everyone keeps access to at least one account: give them access elsewhere first.".into(),
        ));
    }
    finish(
        &mut w,
        (user, &email),
        AuditAction::UserAccessRemoved,
        json!({ "account": account.0 }),
        Some(account),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// The email of `user` if the caller may change their access: inside the caller's scope, not
/// the owner (who holds everything everywhere) and not the caller (who could lock themselves
/// out), and below the caller (the hierarchy rule). Serialised with other owner-sensitive
/// changes.
async fn changeable(
    tx: &mut Transaction<'_, Any>,
    can: &Can<perm::ManageUsers>,
    user: UserId,
) -> Result<String, AppError> {
    let owner = lock_company(tx, can.company()).await?.owner;
    may_change(tx, can, owner, user).await
}

/// [`changeable`]'s checks, given the company's owner.
async fn may_change(
    tx: &mut Transaction<'_, Any>,
    can: &Can<perm::ManageUsers>,
    owner: UserId,
    user: UserId,
) -> Result<String, AppError> {
    let target = current(tx, can.company(), can.scope(), user).await?;
    if user == owner {
        return Err(AppError::Conflict(
            "The owner has every permission in every account; their access can't be changed.".into(),
        ));
    }
    if user == can.actor() {
        return Err(AppError::Conflict(
            "You can't change your own access: ask another admin.".into(),
        ));
    }
    below(tx, can, owner, user, Rank::Above).await?;
    Ok(target.email)
}

/// NotFound unless `account` is the company's and inside the caller's scope.
async fn in_scope(
    tx: &mut Transaction<'_, Any>,
    can: &Can<perm::ManageUsers>,
    account: AccountId,
) -> Result<(), AppError> {
    if reachable(tx, can, account).await? {
        Ok(())
    } else {
        Err(AppError::NotFound("That account".into()))
    }
}

/// Bumps the user's version (an open edit form or a bulk undo sees the change), records the
/// change and announces it.
async fn finish(
    w: &mut Write<'_>,
    (user, email): (UserId, &str),
    action: AuditAction,
    after: serde_json::Value,
    account: Option<AccountId>,
) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET version = version + 1, updated_at = $1 WHERE id = $2")
        .bind(w.now)
        .bind(user)
        .execute(&mut *w.tx)
        .await?;
    super::profile::cancel_email_changes(&mut w.tx, &Sql::values([user]), w.now).await?;
    let name = match account {
        Some(id) => Some(super::companies::account_name(&mut w.tx, w.by.company, id.0).await?),
        None => None,
    };
    let target = match (account, &name) {
        (Some(id), Some(name)) => Target::user(user, email).on(id, name),
        _ => Target::user(user, email),
    };
    w.audit(action, target, None, Some(after)).await?;
    w.announce(LiveEvent::user(user));
    Ok(())
}

/// Gives `user` the role `role` on the root account `root` (replacing the one they had there).
pub(super) async fn set_root_role(
    tx: &mut Transaction<'_, Any>,
    root: i64,
    user: UserId,
    role: i64,
) -> Result<(), AppError> {
    let updated =
        sqlx::query("UPDATE role_assignments SET role_id = $1 WHERE user_id = $2 AND account_id = $3")
            .bind(role)
            .bind(user)
            .bind(root)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    if updated == 0 {
        sqlx::query("INSERT INTO role_assignments (user_id, account_id, role_id) VALUES ($1, $2, $3)")
            .bind(user)
            .bind(root)
            .bind(role)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_accounts_only_below_the_root() {
        assert_eq!(summary([(true, "Acme", "Admin")]), "Admin");
        assert_eq!(summary([(false, "Sales", "Admin")]), "Admin (Sales)");
        assert_eq!(
            summary([(true, "Acme", "Member"), (false, "Acme › Sales", "Admin")]),
            "Member (Acme), Admin (Acme › Sales)"
        );
        assert_eq!(summary([]), "");
    }

    #[test]
    fn the_brief_fits_a_table_cell_and_counts_accounts_beyond_one() {
        assert_eq!(brief([(true, "Acme", "Admin")]), "Admin");
        assert_eq!(brief([(false, "Acme Europe", "Member")]), "Member · Acme Europe");
        assert_eq!(
            brief([
                (true, "Acme", "Member"),
                (false, "Sales", "Admin"),
                (false, "Ops", "Admin")
            ]),
            "Member · 3 accounts"
        );
        assert_eq!(brief([]), "");
    }
}
