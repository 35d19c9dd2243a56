//! Roles and their permission matrix (manage-roles). Every query is scoped to the capability's
//! company. The built-in roles are defined in code and cannot be edited or deleted; custom
//! roles keep their grants in `roles.permissions`. Nobody hands out more than they hold on
//! the root account. Each change is one transaction with its audit event.

use super::sql::Sql;
use super::write::{Store, Write};
use super::{
    audit::{By, Each, Target},
    companies::lock_company,
    hierarchy::{Hierarchy, Rank},
    is_unique_violation,
    profile::cancel_email_changes,
    Db,
};
use crate::model::{LiveEvent, LiveKind};
use crate::{
    error::AppError,
    model::{AccountId, AuditAction, BuiltinRole, CompanyId, Grants, Module, RoleId, RoleName, RoleRow},
    server::access::{perm, Can},
};
use serde_json::json;
use sqlx::{Any, Transaction};

/// What bounds the grants of a role being written: what the caller holds on the root account
/// and the configured product modules, both known to the capability.
#[derive(Debug, Clone)]
struct Limits<'a> {
    held: Grants,
    modules: &'a [Module],
}

impl<'a> Limits<'a> {
    fn of(can: &'a Can<perm::ManageRoles>) -> Limits<'a> {
        Limits {
            held: can.on_root(),
            modules: can.modules(),
        }
    }
}

fn taken(name: &str) -> AppError {
    AppError::field("name", format!("A role called {name} already exists."))
}

/// The company's roles: built-ins first (Owner, Admin, Member), then custom roles by name,
/// each with its grants and how many users and invitations hold it.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn list(db: &Db, can: &Can<perm::ManageRoles>) -> Result<Vec<RoleRow>, AppError> {
    let modules = can.modules();
    let rows: Vec<(i64, String, Option<String>, String, i64, i64)> = sqlx::query_as(
        "SELECT r.id, r.name, r.builtin, r.permissions,
                (SELECT COUNT(DISTINCT ra.user_id) FROM role_assignments ra WHERE ra.role_id = r.id),
                (SELECT COUNT(DISTINCT ia.invitation_id) FROM invitation_accounts ia WHERE ia.role_id = r.id)
         FROM roles r
         WHERE r.company_id = $1
         ORDER BY CASE r.builtin WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'member' THEN 2 ELSE 3 END,
                  LOWER(r.name), r.id",
    )
    .bind(can.company())
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, builtin, stored, holders, invitations)| {
            let mut grants = Grants::of_role(builtin.as_deref(), &stored, modules);
            // A module no longer configured is not shown (nor offered again).
            grants.modules.retain(|k| modules.iter().any(|m| &m.key == k));
            RoleRow {
                id: RoleId(id),
                name,
                builtin: builtin.as_deref().and_then(BuiltinRole::from_key),
                grants,
                holders,
                invitations,
            }
        })
        .collect())
}

/// Refuses module keys that are not configured, and grants the caller does not hold, naming
/// what is missing. Answers the grants tidied (no repeats, catalogue order).
fn check_grants(grants: &Grants, limits: &Limits<'_>) -> Result<Grants, AppError> {
    let unknown: Vec<&str> = grants
        .modules
        .iter()
        .filter(|k| !limits.modules.iter().any(|m| &m.key == *k))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::field(
            "permissions",
            format!("There is no product module {}.", unknown.join(", ")),
        ));
    }
    let tidy = Grants {
        permissions: crate::model::Permission::ALL
            .into_iter()
            .filter(|p| grants.permissions.contains(p))
            .collect(),
        modules: limits
            .modules
            .iter()
            .filter(|m| grants.modules.contains(&m.key))
            .map(|m| m.key.clone())
            .collect(),
    };
    let missing: Vec<&str> = tidy
        .permissions
        .iter()
        .filter(|p| !limits.held.has(**p))
        .map(|p| p.label())
        .chain(
            limits
                .modules
                .iter()
                .filter(|m| tidy.modules.contains(&m.key) && !limits.held.modules.contains(&m.key))
                .map(|m| m.name.as_str()),
        )
        .collect();
    if !missing.is_empty() {
        return Err(AppError::field(
            "permissions",
            format!(
                "You can't give a permission you don't have: {}.",
                missing.join(", ")
            ),
        ));
    }
    Ok(tidy)
}

/// Refuses a name another role of the company has, ignoring case. The unique index still
/// decides under concurrency.
async fn check_free(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    name: &RoleName,
    except: Option<RoleId>,
) -> Result<(), AppError> {
    if super::name_taken(tx, "roles", company, name.as_str(), except.map(|r| r.0)).await? {
        Err(taken(name.as_str()))
    } else {
        Ok(())
    }
}

/// A unique-index violation is the name taken by a concurrent save.
fn taken_if_unique(e: sqlx::Error, name: &str) -> AppError {
    if is_unique_violation(&e) {
        taken(name)
    } else {
        e.into()
    }
}

/// A role of the company as stored: name, built-in kind and permission list.
struct Stored {
    name: String,
    builtin: Option<String>,
    permissions: String,
}

/// The company's role `id`, or NotFound (also for another company's role).
async fn stored(tx: &mut Transaction<'_, Any>, company: CompanyId, id: RoleId) -> Result<Stored, AppError> {
    let row: Option<(String, Option<String>, String)> =
        sqlx::query_as("SELECT name, builtin, permissions FROM roles WHERE id = $1 AND company_id = $2")
            .bind(id)
            .bind(company)
            .fetch_optional(&mut **tx)
            .await?;
    let (name, builtin, permissions) = row.ok_or_else(|| AppError::NotFound("That role".into()))?;
    Ok(Stored {
        name,
        builtin,
        permissions,
    })
}

/// Refuses to edit or delete a role that grants something the caller lacks: that would
/// lower people who hold more than the caller (the hierarchy rule).
fn within_reach(role: &Stored, limits: &Limits<'_>) -> Result<(), AppError> {
    let grants = Grants::of_role(role.builtin.as_deref(), &role.permissions, limits.modules);
    if limits.held.covers(&grants) {
        Ok(())
    } else {
        Err(AppError::Outranked(format!(
            "{} grants more than you have, so only someone holding all of it can change it.",
            role.name
        )))
    }
}

/// Refuses to change role `id` while someone holding it is not below the caller: changing the
/// role changes them (the hierarchy rule). Pending email changes of its holders end, as with
/// any change of their access.
async fn holders_below(
    tx: &mut Transaction<'_, Any>,
    can: &Can<perm::ManageRoles>,
    id: RoleId,
    now: i64,
) -> Result<(), AppError> {
    let owner = lock_company(tx, can.company()).await?.owner;
    let mut holders = Sql::new("SELECT ra.user_id FROM role_assignments ra WHERE ra.role_id = ");
    holders.bind(id);
    let mut among = Sql::new("u.id IN (");
    among.append(&holders).push(")");
    Hierarchy::load(tx, can, owner, Rank::Above)
        .await?
        .refuse(tx, &among, ", and changing this role would change them")
        .await?;
    cancel_email_changes(tx, &holders, now).await?;
    Ok(())
}

/// Creates a custom role granting `grants`.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn create(
    store: Store<'_>,
    can: &Can<perm::ManageRoles>,
    by: &By,
    name: &str,
    grants: &Grants,
) -> Result<RoleId, AppError> {
    let company = can.company();
    let name = RoleName::parse(name)?;
    let grants = check_grants(grants, &Limits::of(can))?;
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    check_free(&mut w.tx, company, &name, None).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO roles (company_id, name, builtin, permissions, created_at, name_key)
         VALUES ($1, $2, NULL, $3, $4, $5) RETURNING id",
    )
    .bind(company)
    .bind(name.as_str())
    .bind(grants.stored())
    .bind(now)
    .bind(super::search::fold(name.as_str()))
    .fetch_one(&mut *w.tx)
    .await
    .map_err(|e| taken_if_unique(e, name.as_str()))?;
    w.audit(
        AuditAction::RoleCreated,
        Target::named(name.as_str()),
        None,
        Some(json!({ "name": name.as_str(), "permissions": grants.stored() })),
    )
    .await?;
    // Nobody holds it yet: only the roles page changes.
    w.announce(LiveEvent::roles([RoleId(id)]));
    w.commit().await?;
    Ok(RoleId(id))
}

/// Renames the custom role `id` and sets its grants. Built-in roles cannot be edited.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn update(
    store: Store<'_>,
    can: &Can<perm::ManageRoles>,
    by: &By,
    id: RoleId,
    name: &str,
    grants: &Grants,
) -> Result<(), AppError> {
    let company = can.company();
    let name = RoleName::parse(name)?;
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let before = stored(&mut w.tx, company, id).await?;
    if before.builtin.is_some() {
        return Err(AppError::Conflict(format!(
            "{} is a built-in role: it cannot be edited.",
            before.name
        )));
    }
    within_reach(&before, &Limits::of(can))?;
    holders_below(&mut w.tx, can, id, now).await?;
    let grants = check_grants(grants, &Limits::of(can))?;
    grantable_where_used(
        &mut w.tx,
        can,
        id,
        &grants,
        "permissions",
        "You can't give this role these permissions",
    )
    .await?;
    check_free(&mut w.tx, company, &name, Some(id)).await?;
    let permissions = grants.stored();
    if before.name == name.as_str() && before.permissions == permissions {
        return Ok(());
    }
    sqlx::query(
        "UPDATE roles SET name = $1, permissions = $2, name_key = $5 WHERE id = $3 AND company_id = $4",
    )
    .bind(name.as_str())
    .bind(&permissions)
    .bind(id)
    .bind(company)
    .bind(super::search::fold(name.as_str()))
    .execute(&mut *w.tx)
    .await
    .map_err(|e| taken_if_unique(e, name.as_str()))?;
    w.audit(
        AuditAction::RoleUpdated,
        Target::named(name.as_str()),
        Some(json!({ "name": before.name, "permissions": before.permissions })),
        Some(json!({ "name": name.as_str(), "permissions": permissions })),
    )
    .await?;
    w.announce(LiveEvent::roles([id]));
    // The users table names roles.
    w.announce(LiveEvent::everything(LiveKind::Users));
    w.commit().await?;
    Ok(())
}

/// Deletes the custom role `id`. Its holders and its invitations' places move to `move_to`
/// (another role of the company, not Owner, that the caller could grant) in the same
/// transaction; a role that nobody holds needs no `move_to`.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn delete(
    store: Store<'_>,
    can: &Can<perm::ManageRoles>,
    by: &By,
    id: RoleId,
    move_to: Option<RoleId>,
) -> Result<(), AppError> {
    let company = can.company();
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let role = stored(&mut w.tx, company, id).await?;
    if role.builtin.is_some() {
        return Err(AppError::Conflict(format!(
            "{} is a built-in role: it cannot be deleted.",
            role.name
        )));
    }
    within_reach(&role, &Limits::of(can))?;
    holders_below(&mut w.tx, can, id, now).await?;
    let holders: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT user_id) FROM role_assignments WHERE role_id = $1")
            .bind(id)
            .fetch_one(&mut *w.tx)
            .await?;
    let invitations: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT invitation_id) FROM invitation_accounts WHERE role_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *w.tx)
    .await?;
    let target = match move_to {
        Some(to) if to != id => Some((to, move_target(&mut w.tx, company, to, &Limits::of(can)).await?)),
        Some(_) => {
            return Err(AppError::field(
                "move_to",
                "Choose another role for its users to move to.",
            ))
        }
        None if holders + invitations > 0 => {
            return Err(AppError::field("move_to", "Choose the role its users move to."))
        }
        None => None,
    };
    if let Some((to, to_name)) = &target {
        let to = *to;
        let grants = grants_of(&mut w.tx, to, can.modules()).await?;
        grantable_where_used(
            &mut w.tx,
            can,
            id,
            &grants,
            "move_to",
            &format!("You can't move its people to {to_name}"),
        )
        .await?;
        // Each holder's role changes: their history says so, and a pending bulk undo sees
        // that they changed since.
        let mut holders =
            Sql::new("FROM users u WHERE u.id IN (SELECT user_id FROM role_assignments WHERE role_id = ");
        holders.bind(id).push(")");
        w.audit_each(Each {
            action: AuditAction::UserRoleChanged,
            label: "u.email",
            before: Sql::values([json!({ "role": role.name }).to_string()]),
            after: Some(json!({ "role": to_name }).to_string()),
            rows: holders,
            // Their assignments lie on many accounts.
            account: None,
        })
        .await?;
        sqlx::query("UPDATE role_assignments SET role_id = $1 WHERE role_id = $2")
            .bind(to)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query("UPDATE invitation_accounts SET role_id = $1 WHERE role_id = $2")
            .bind(to)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
    }
    // A pending undo must not read "no role before" for the people who held it.
    sqlx::query("UPDATE bulk_change_items SET role_deleted = 1 WHERE role_id = $1")
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
    sqlx::query("DELETE FROM roles WHERE id = $1 AND company_id = $2")
        .bind(id)
        .bind(company)
        .execute(&mut *w.tx)
        .await?;
    w.audit(
        AuditAction::RoleDeleted,
        Target::named(&role.name),
        Some(json!({
            "name": role.name,
            "permissions": role.permissions,
            "holders": holders,
            "invitations": invitations,
        })),
        target.map(|(_, name)| json!({ "moved_to": name })),
    )
    .await?;
    w.announce(LiveEvent::roles([id]));
    w.announce(LiveEvent::everything(LiveKind::Users));
    w.announce(LiveEvent::everything(LiveKind::Invitations));
    w.commit().await?;
    Ok(())
}

/// The name of the role holders move to: the company's, not Owner, and within what the
/// caller may grant.
async fn move_target(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    to: RoleId,
    limits: &Limits<'_>,
) -> Result<String, AppError> {
    let target = stored(tx, company, to).await.map_err(|e| match e {
        AppError::NotFound(_) => AppError::field("move_to", "Choose one of your company's roles."),
        e => e,
    })?;
    if target.builtin.as_deref() == Some(BuiltinRole::Owner.key()) {
        return Err(AppError::field(
            "move_to",
            "Nobody can be moved to Owner: a company has one owner.",
        ));
    }
    let grants = Grants::of_role(target.builtin.as_deref(), &target.permissions, limits.modules);
    if !limits.held.covers(&grants) {
        return Err(AppError::field(
            "move_to",
            format!(
                "You can't move people to {}: it grants more than you have.",
                target.name
            ),
        ));
    }
    Ok(target.name)
}

/// What role `role` grants.
pub(super) async fn grants_of(
    tx: &mut Transaction<'_, Any>,
    role: RoleId,
    modules: &[Module],
) -> Result<Grants, sqlx::Error> {
    let (builtin, stored): (Option<String>, String) =
        sqlx::query_as("SELECT builtin, permissions FROM roles WHERE id = $1")
            .bind(role)
            .fetch_one(&mut **tx)
            .await?;
    Ok(Grants::of_role(builtin.as_deref(), &stored, modules))
}

/// The first of `accounts` (id, name) where the caller may not give `grants`: on it, or on an
/// account below it, they hold less. A role given on an account reaches every account below.
fn beyond_reach<'a, P>(can: &Can<P>, grants: &Grants, accounts: &'a [(i64, String)]) -> Option<&'a str> {
    accounts
        .iter()
        .find(|(id, _)| !can.may_grant(grants, Some(AccountId(*id))))
        .map(|(_, name)| name.as_str())
}

/// Refuses role `role` unless the caller may give it on every account where
/// the users `users` (a query of ids) hold a role, or on `root` for those holding none: a
/// role change applies on those accounts and below. Returns those accounts' names, the root
/// first, then by name: where the change applies.
pub(super) async fn grantable_where_held<P>(
    tx: &mut Transaction<'_, Any>,
    can: &Can<P>,
    role: &Assignable,
    users: &Sql,
    root: i64,
) -> Result<Vec<String>, AppError> {
    let accounts: Vec<(i64, String)> =
        Sql::new("SELECT a.id, a.name FROM accounts a WHERE a.id IN (SELECT COALESCE(ra.account_id, ")
            .bind(root)
            .push(") FROM users v LEFT JOIN role_assignments ra ON ra.user_id = v.id WHERE v.id IN (")
            .append(users)
            .push(")) ORDER BY CASE WHEN a.parent_id IS NULL THEN 0 ELSE 1 END, a.name_key, a.id")
            .fetch_all(&mut **tx)
            .await?;
    grantable_on(can, role, &accounts)?;
    Ok(accounts.into_iter().map(|(_, name)| name).collect())
}

/// Refuses role `role` unless the caller may give it on each of `accounts` (id, name), the
/// first refused named.
pub(super) fn grantable_on<P>(
    can: &Can<P>,
    role: &Assignable,
    accounts: &[(i64, String)],
) -> Result<(), AppError> {
    match beyond_reach(can, &role.grants, accounts) {
        Some(account) => Err(AppError::field(
            "role",
            format!(
                "You can't give the role {} on {account}: it allows more than you may do there or on an account below it.",
                role.name
            ),
        )),
        None => Ok(()),
    }
}

/// Refuses `grants` for role `id` (its new grants, or those of the role its people move to)
/// unless the caller may give them on every account where the role is held or offered by a
/// pending invitation: its holders and invitees would get them there, and below.
async fn grantable_where_used(
    tx: &mut Transaction<'_, Any>,
    can: &Can<perm::ManageRoles>,
    id: RoleId,
    grants: &Grants,
    field: &str,
    what: &str,
) -> Result<(), AppError> {
    let accounts: Vec<(i64, String)> = sqlx::query_as(
        "SELECT a.id, a.name FROM accounts a WHERE a.id IN (
             SELECT account_id FROM role_assignments WHERE role_id = $1
             UNION SELECT ia.account_id FROM invitation_accounts ia
                   JOIN invitations i ON i.id = ia.invitation_id
                   WHERE ia.role_id = $1 AND i.status = 'pending')
         ORDER BY a.id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    match beyond_reach(can, grants, &accounts) {
        Some(account) => Err(AppError::field(
            field,
            format!(
                "{what}: people hold this role or are invited with it on {account}, where that allows more than you may do there or on an account below it."
            ),
        )),
        None => Ok(()),
    }
}

/// A role the caller may give: its name, and what it grants.
pub(super) struct Assignable {
    pub name: String,
    pub grants: Grants,
}

/// A role of the company that may be given directly (not Owner, which only a transfer gives).
pub(super) async fn assignable_role<P>(
    tx: &mut Transaction<'_, Any>,
    can: &Can<P>,
    role: RoleId,
    account: Option<AccountId>,
) -> Result<Assignable, AppError> {
    let row: Option<(String, Option<String>, String)> =
        sqlx::query_as("SELECT name, builtin, permissions FROM roles WHERE id = $1 AND company_id = $2")
            .bind(role)
            .bind(can.company())
            .fetch_optional(&mut **tx)
            .await?;
    match row {
        None => Err(AppError::field("role", "Choose one of your company's roles.")),
        Some((_, Some(builtin), _)) if builtin == "owner" => Err(AppError::field(
            "role",
            "There is one owner. To make someone the owner, transfer ownership to them.",
        )),
        Some((name, builtin, stored)) => {
            let grants = Grants::of_role(builtin.as_deref(), &stored, can.modules());
            if can.may_grant(&grants, account) {
                Ok(Assignable { name, grants })
            } else {
                Err(AppError::field(
                    "role",
                    format!("You can't give the role {name}: it allows more than you may do there."),
                ))
            }
        }
    }
}

/// The id of the company's built-in role `key`.
pub(super) async fn builtin_role(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    key: &str,
) -> Result<i64, AppError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM roles WHERE company_id = $1 AND builtin = $2")
            .bind(company)
            .bind(key)
            .fetch_one(&mut **tx)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Permission;

    #[test]
    fn grants_are_tidied_and_bounded_by_what_the_caller_holds() {
        let modules = [Module::named("Pricing"), Module::named("Payments")];
        let held = Grants {
            permissions: vec![Permission::ViewUsers, Permission::ManageRoles],
            modules: vec!["module.pricing".into()],
        };
        let limits = Limits {
            held,
            modules: &modules,
        };
        let asked = Grants {
            permissions: vec![
                Permission::ManageRoles,
                Permission::ViewUsers,
                Permission::ViewUsers,
            ],
            modules: vec!["module.pricing".into()],
        };
        let tidy = check_grants(&asked, &limits).unwrap();
        assert_eq!(tidy.permissions, [Permission::ViewUsers, Permission::ManageRoles]);

        let too_much = Grants {
            permissions: vec![Permission::ManageSettings],
            modules: vec!["module.payments".into()],
        };
        assert_eq!(
            check_grants(&too_much, &limits).unwrap_err().to_string(),
            "You can't give a permission you don't have: Manage settings, Payments."
        );
        let unknown = Grants {
            permissions: vec![],
            modules: vec!["module.nope".into()],
        };
        assert_eq!(
            check_grants(&unknown, &limits).unwrap_err().field_name(),
            Some("permissions")
        );
    }
}
