//! The company's account tree: listing, creating, renaming, moving and deleting accounts
//! (manage-accounts). Every query keeps to the capability's company and to its scope: an
//! account outside them is NotFound, so nothing about it is revealed. An account whose parent
//! lies outside the scope (a scoped admin's own top account) is visible but its name and place
//! are decided above: changing it is Forbidden. Each change is one transaction holding the
//! company's lock (the cycle and sibling-name checks hold under concurrency) with its audit
//! event.

use super::{
    audit::{By, Target},
    is_unique_violation,
    scope::InScope,
    search,
    sql::Sql,
    write::{Store, Write},
    Db,
};
use crate::{
    error::AppError,
    model::{AccountId, AccountName, AccountNode, AuditAction, CompanyId, LiveEvent, LiveKind},
    server::{
        access::Scope,
        access::{perm, Can},
    },
};
use serde_json::json;
use sqlx::{Any, Transaction};
use std::collections::{HashMap, HashSet};

/// How many people a refusal names before "and N more".
const NAMED: usize = 5;

#[derive(sqlx::FromRow)]
struct TreeRow {
    id: i64,
    parent_id: Option<i64>,
    name: String,
    users: i64,
    users_within: i64,
}

/// The company's accounts inside the caller's scope as a depth-first tree, siblings by name,
/// each with its number of users (assigned on it) and of users within (on it or below). With
/// a scope below the root, the scope's top accounts are the roots of what is shown.
#[tracing::instrument(skip(db, can), err(Debug))]
pub async fn tree(db: &Db, can: &Can<perm::ManageAccounts>) -> Result<Vec<AccountNode>, AppError> {
    let company = can.company();
    let mut sql = Sql::new(
        "WITH RECURSIVE closure(ancestor, account) AS (
             SELECT id, id FROM accounts WHERE company_id = ",
    );
    sql.bind(company)
        .push(
            "
             UNION ALL
             SELECT c.ancestor, a.id FROM closure c JOIN accounts a ON a.parent_id = c.account
         ),
         within AS (
             SELECT c.ancestor AS account, COUNT(DISTINCT ra.user_id) AS n
             FROM closure c JOIN role_assignments ra ON ra.account_id = c.account
             GROUP BY c.ancestor
         ),
         direct AS (
             SELECT ra.account_id AS account, COUNT(*) AS n
             FROM role_assignments ra JOIN accounts a ON a.id = ra.account_id
             WHERE a.company_id = ",
        )
        .bind(company)
        .push(
            "
             GROUP BY ra.account_id
         )
         SELECT a.id, a.parent_id, a.name,
                COALESCE(d.n, 0) AS users, COALESCE(w.n, 0) AS users_within
         FROM accounts a
         LEFT JOIN direct d ON d.account = a.id
         LEFT JOIN within w ON w.account = a.id
         WHERE a.company_id = ",
        )
        .bind(company)
        .append(&can.scope().accounts_inside("a.id"));
    let rows: Vec<TreeRow> = sql.fetch_all(db).await?;
    Ok(depth_first(rows))
}

/// Orders the visible accounts depth-first, siblings by name. An account whose parent is not
/// visible is a top (depth 0) and does not name its parent.
fn depth_first(rows: Vec<TreeRow>) -> Vec<AccountNode> {
    let visible: HashSet<i64> = rows.iter().map(|r| r.id).collect();
    let mut children: HashMap<Option<i64>, Vec<TreeRow>> = HashMap::new();
    let mut roots = Vec::new();
    for row in rows {
        match row.parent_id.filter(|p| visible.contains(p)) {
            Some(parent) => children.entry(Some(parent)).or_default().push(row),
            None => roots.push(row),
        }
    }
    let by_name =
        |a: &TreeRow, b: &TreeRow| (a.name.to_lowercase(), a.id).cmp(&(b.name.to_lowercase(), b.id));
    roots.sort_by(by_name);
    for siblings in children.values_mut() {
        siblings.sort_by(by_name);
    }
    let mut out = Vec::with_capacity(visible.len());
    // Reversed, so the stack pops them in name order.
    let mut stack: Vec<(TreeRow, u32)> = roots.into_iter().rev().map(|r| (r, 0)).collect();
    while let Some((row, depth)) = stack.pop() {
        if let Some(kids) = children.remove(&Some(row.id)) {
            stack.extend(kids.into_iter().rev().map(|k| (k, depth + 1)));
        }
        let parent_visible = row.parent_id.is_some_and(|p| visible.contains(&p));
        out.push(AccountNode {
            id: AccountId(row.id),
            parent: row.parent_id.filter(|_| parent_visible).map(AccountId),
            name: row.name,
            depth,
            users: row.users,
            users_within: row.users_within,
            company_root: row.parent_id.is_none(),
            changeable: row.parent_id.is_none() || parent_visible,
        });
    }
    out
}

/// An account as a change finds it.
struct Account {
    id: AccountId,
    parent: Option<AccountId>,
    name: String,
}

/// The company's account `id` inside the scope, or NotFound (also for another company's).
async fn find(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    scope: &Scope,
    id: AccountId,
) -> Result<Account, AppError> {
    let row: Option<(Option<i64>, String)> =
        sqlx::query_as("SELECT parent_id, name FROM accounts WHERE id = $1 AND company_id = $2")
            .bind(id)
            .bind(company)
            .fetch_optional(&mut **tx)
            .await?;
    match row {
        Some((parent, name)) if scope.covers(id) => Ok(Account {
            id,
            parent: parent.map(AccountId),
            name,
        }),
        _ => Err(AppError::NotFound("That account".into())),
    }
}

/// Refuses changing an account whose parent lies outside the scope: a scoped admin's own top
/// account is placed and named by whoever manages the account above it.
fn placed_inside(scope: &Scope, account: &Account) -> Result<(), AppError> {
    match account.parent {
        Some(parent) if !scope.covers(parent) => Err(AppError::Forbidden),
        _ => Ok(()),
    }
}

/// Refuses `name` when another child of `parent` has it, ignoring case and accents.
async fn check_free(
    tx: &mut Transaction<'_, Any>,
    parent: &Account,
    name: &str,
    except: Option<AccountId>,
    field: &str,
) -> Result<(), AppError> {
    let clash: Option<String> =
        sqlx::query_scalar("SELECT name FROM accounts WHERE parent_id = $1 AND name_key = $2 AND id <> $3")
            .bind(parent.id)
            .bind(search::fold(name))
            .bind(except.map_or(0, |a| a.0))
            .fetch_optional(&mut **tx)
            .await?;
    match clash {
        Some(other) => Err(AppError::field(
            field,
            format!("{} already has a sub-account named {other}.", parent.name),
        )),
        None => Ok(()),
    }
}

/// A unique-index violation is a sibling of the same name saved concurrently (`check_free`
/// says it with the names otherwise).
fn sibling_taken(e: sqlx::Error, field: &str) -> AppError {
    if is_unique_violation(&e) {
        AppError::field(field, "Another account beside it has this name now.")
    } else {
        e.into()
    }
}

/// The ids of `id` and every account below it.
async fn subtree(tx: &mut Transaction<'_, Any>, id: AccountId) -> Result<Vec<i64>, AppError> {
    Ok(sqlx::query_scalar(
        "WITH RECURSIVE sub(id) AS (
             SELECT id FROM accounts WHERE id = $1
             UNION ALL
             SELECT a.id FROM accounts a JOIN sub s ON a.parent_id = s.id
         )
         SELECT id FROM sub",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?)
}

/// "A", "A and B", "A, B and C", "A, B, C, D, E and 3 more".
fn names(mut all: Vec<String>) -> String {
    let more = all.len().saturating_sub(NAMED);
    all.truncate(NAMED);
    if more > 0 {
        return format!("{} and {more} more", all.join(", "));
    }
    match all.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => all.join(""),
    }
}

/// Creates a sub-account of `parent` and answers its id.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn create(
    store: Store<'_>,
    can: &Can<perm::ManageAccounts>,
    by: &By,
    parent: AccountId,
    name: &str,
) -> Result<AccountId, AppError> {
    let company = can.company();
    let name = AccountName::parse(name)?;
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let parent = find(&mut w.tx, company, can.scope(), parent).await?;
    check_free(&mut w.tx, &parent, name.as_str(), None, "name").await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (company_id, parent_id, name, created_at, name_key) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(company)
    .bind(parent.id)
    .bind(name.as_str())
    .bind(now)
    .bind(search::fold(name.as_str()))
    .fetch_one(&mut *w.tx)
    .await
    .map_err(|e| sibling_taken(e, "name"))?;
    w.audit(
        AuditAction::AccountCreated,
        Target::named(name.as_str()).on(AccountId(id), name.as_str()),
        None,
        Some(json!({ "name": name.as_str(), "parent": parent.name })),
    )
    .await?;
    w.announce(LiveEvent::accounts([AccountId(id)]));
    w.announce(LiveEvent::everything(LiveKind::Users));
    w.commit().await?;
    Ok(AccountId(id))
}

/// Renames the account `id`.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn rename(
    store: Store<'_>,
    can: &Can<perm::ManageAccounts>,
    by: &By,
    id: AccountId,
    name: &str,
) -> Result<(), AppError> {
    let company = can.company();
    let name = AccountName::parse(name)?;
    let mut w = Write::begin(store, by).await?;
    let account = find(&mut w.tx, company, can.scope(), id).await?;
    placed_inside(can.scope(), &account)?;
    if account.name == name.as_str() {
        return Ok(());
    }
    if let Some(parent) = account.parent {
        let parent = find(&mut w.tx, company, can.scope(), parent).await?;
        check_free(&mut w.tx, &parent, name.as_str(), Some(id), "name").await?;
    }
    sqlx::query("UPDATE accounts SET name = $1, name_key = $4 WHERE id = $2 AND company_id = $3")
        .bind(name.as_str())
        .bind(id)
        .bind(company)
        .bind(search::fold(name.as_str()))
        .execute(&mut *w.tx)
        .await
        .map_err(|e| sibling_taken(e, "name"))?;
    w.audit(
        AuditAction::AccountRenamed,
        Target::named(name.as_str()).on(id, name.as_str()),
        Some(json!({ "name": account.name })),
        Some(json!({ "name": name.as_str() })),
    )
    .await?;
    w.announce(LiveEvent::accounts([id]));
    w.announce(LiveEvent::everything(LiveKind::Users));
    w.commit().await?;
    Ok(())
}

/// Moves the account `id` (with everything below it) under `new_parent`. The root can't move;
/// the account's current parent and its new one must both be inside the scope, and the new
/// parent may not be the account itself or one of its sub-accounts.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn move_to(
    store: Store<'_>,
    can: &Can<perm::ManageAccounts>,
    by: &By,
    id: AccountId,
    new_parent: AccountId,
) -> Result<(), AppError> {
    let company = can.company();
    let mut w = Write::begin(store, by).await?;
    let account = find(&mut w.tx, company, can.scope(), id).await?;
    let Some(old_parent) = account.parent else {
        return Err(AppError::Conflict(
            "The company account is the top of the tree; it can't move.".into(),
        ));
    };
    placed_inside(can.scope(), &account)?;
    let old_parent = find(&mut w.tx, company, can.scope(), old_parent).await?;
    let target = find(&mut w.tx, company, can.scope(), new_parent).await?;
    if target.id == old_parent.id {
        return Ok(());
    }
    if subtree(&mut w.tx, id).await?.contains(&target.id.0) {
        return Err(AppError::field(
            "parent",
            format!(
                "{} can't move under itself or one of its sub-accounts.",
                account.name
            ),
        ));
    }
    check_free(&mut w.tx, &target, &account.name, Some(id), "parent").await?;
    sqlx::query("UPDATE accounts SET parent_id = $1 WHERE id = $2 AND company_id = $3")
        .bind(target.id)
        .bind(id)
        .bind(company)
        .execute(&mut *w.tx)
        .await
        .map_err(|e| sibling_taken(e, "parent"))?;
    w.audit(
        AuditAction::AccountMoved,
        Target::named(&account.name).on(id, &account.name),
        Some(json!({ "parent": old_parent.name })),
        Some(json!({ "parent": target.name })),
    )
    .await?;
    w.announce(LiveEvent::accounts([id]));
    w.announce(LiveEvent::everything(LiveKind::Users));
    w.commit().await?;
    Ok(())
}

/// Deletes the account `id`. Refused for the root, while it has sub-accounts, while some users
/// have access only through it, and while pending invitations are only for it. Other users'
/// roles on it go with it.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn delete(
    store: Store<'_>,
    can: &Can<perm::ManageAccounts>,
    by: &By,
    id: AccountId,
) -> Result<(), AppError> {
    let company = can.company();
    let mut w = Write::begin(store, by).await?;
    let account = find(&mut w.tx, company, can.scope(), id).await?;
    if account.parent.is_none() {
        return Err(AppError::Conflict("The company account can't be deleted.".into()));
    }
    placed_inside(can.scope(), &account)?;
    let children: Vec<String> =
        sqlx::query_scalar("SELECT name FROM accounts WHERE parent_id = $1 ORDER BY LOWER(name), id")
            .bind(id)
            .fetch_all(&mut *w.tx)
            .await?;
    if !children.is_empty() {
        return Err(AppError::Conflict(format!(
            "Delete or move its sub-accounts first: {}.",
            children.join(", ")
        )));
    }
    let stranded: Vec<String> = sqlx::query_scalar(
        "SELECT u.name FROM role_assignments ra JOIN users u ON u.id = ra.user_id
         WHERE ra.account_id = $1
           AND NOT EXISTS (SELECT 1 FROM role_assignments o WHERE o.user_id = ra.user_id AND o.account_id <> $1)
         ORDER BY LOWER(u.name), u.id",
    )
    .bind(id)
    .fetch_all(&mut *w.tx)
    .await?;
    if !stranded.is_empty() {
        let verb = if stranded.len() == 1 { "has" } else { "have" };
        return Err(AppError::Conflict(format!(
            "{} only {verb} access through {}; give them access elsewhere first.",
            names(stranded),
            account.name
        )));
    }
    let invited: Vec<String> = sqlx::query_scalar(
        "SELECT i.email FROM invitation_accounts ia JOIN invitations i ON i.id = ia.invitation_id
         WHERE ia.account_id = $1 AND i.status = 'pending'
           AND NOT EXISTS (SELECT 1 FROM invitation_accounts o
                           WHERE o.invitation_id = ia.invitation_id AND o.account_id <> $1)
         ORDER BY i.email",
    )
    .bind(id)
    .fetch_all(&mut *w.tx)
    .await?;
    if !invited.is_empty() {
        let (them, are) = if invited.len() == 1 {
            ("it", "is")
        } else {
            ("them", "are")
        };
        return Err(AppError::Conflict(format!(
            "Pending invitations for {} {are} only to {}; withdraw or delete {them} first.",
            names(invited),
            account.name
        )));
    }
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM role_assignments WHERE account_id = $1")
        .bind(id)
        .fetch_one(&mut *w.tx)
        .await?;
    // The foreign keys cascade to role_assignments and invitation_accounts.
    sqlx::query("DELETE FROM accounts WHERE id = $1 AND company_id = $2")
        .bind(id)
        .bind(company)
        .execute(&mut *w.tx)
        .await?;
    w.audit(
        AuditAction::AccountDeleted,
        Target::named(&account.name).on(id, &account.name),
        Some(json!({ "name": account.name, "users": users })),
        None,
    )
    .await?;
    w.announce(LiveEvent::accounts([id]));
    w.announce(LiveEvent::everything(LiveKind::Users));
    w.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, parent: Option<i64>, name: &str) -> TreeRow {
        TreeRow {
            id,
            parent_id: parent,
            name: name.into(),
            users: 0,
            users_within: 0,
        }
    }

    #[test]
    fn refusals_name_five_people_and_count_the_rest() {
        let people = |n: usize| (1..=n).map(|i| format!("P{i}")).collect::<Vec<_>>();
        assert_eq!(names(people(1)), "P1");
        assert_eq!(names(people(2)), "P1 and P2");
        assert_eq!(names(people(3)), "P1, P2 and P3");
        assert_eq!(names(people(8)), "P1, P2, P3, P4, P5 and 3 more");
    }

    #[test]
    fn the_tree_is_depth_first_with_siblings_by_name_and_hidden_parents_unnamed() {
        let nodes = depth_first(vec![
            row(1, None, "Acme"),
            row(2, Some(1), "West"),
            row(3, Some(1), "east"),
            row(4, Some(3), "Shop"),
        ]);
        let order: Vec<(&str, u32)> = nodes.iter().map(|n| (n.name.as_str(), n.depth)).collect();
        assert_eq!(order, [("Acme", 0), ("east", 1), ("Shop", 2), ("West", 1)]);
        assert!(nodes[0].company_root && nodes[0].changeable);

        // A scope of 3 and 4 only: 3 is a top, without its parent, and stays where it is.
        let scoped = depth_first(vec![row(4, Some(3), "Shop"), row(3, Some(1), "east")]);
        assert_eq!(scoped[0].id, AccountId(3));
        assert_eq!((scoped[0].parent, scoped[0].depth), (None, 0));
        assert!(!scoped[0].company_root && !scoped[0].changeable);
        assert!(scoped[1].changeable);
    }
}
