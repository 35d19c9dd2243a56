//! Bulk changes of users and their undo, in set-based SQL: a handful of statements whatever
//! the number of users, never one round trip per user.
//!
//! A change first writes one `bulk_change_items` row per user it will change (with their
//! values before and their version after); every later statement targets "the users of this
//! change", so they all agree on the set even when it came from a filter. An undo restores
//! the users whose version is still the one the change left; anyone changed since is left as
//! they are and named. Changes of one company run one after another (`lock_company`).

use super::write::{Store, Write};
use super::{
    audit::By,
    companies::{company_mail_facts, lock_company, root_account},
    hierarchy::{Hierarchy, Rank, OUTRANKED},
    lifecycle::{NOT_JOINED, SEVERAL_ROLES},
    placeholders,
    profile::cancel_email_changes,
    quota::{self, Mailing},
    roles::assignable_role,
    tokens::{self, TokenPurpose},
    users::{bind, view_filter, Value},
    Db,
};
use crate::model::{LiveEvent, LiveKind};
use crate::{
    error::AppError,
    model::{
        AuditAction, BulkAction, BulkKind, BulkOutcome, BulkSkip, CompanyId, Grants, Selection, TeamId,
        UndoOutcome, UserId, UserTab, MAX_SELECTED_IDS,
    },
    server::{
        access::{perm, Can},
        mail, token,
    },
};
use sqlx::{Any, Transaction};

/// How long a bulk change can be undone.
pub const UNDO_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Undo records are kept this long, then swept.
const KEEP_MS: i64 = 24 * 3600 * 1000;
const DAY_MS: i64 = 86_400_000;

/// A SQL string literal of `expr`'s text for JSON: quoted, with `\` and `"` escaped (the
/// values come from validated names, which hold no control characters).
fn json_text(expr: &str) -> String {
    format!("'\"' || REPLACE(REPLACE({expr}, '\\', '\\\\'), '\"', '\\\"') || '\"'")
}

/// Runs `sql` with `args`, returning nothing.
async fn exec(tx: &mut Transaction<'_, Any>, sql: &str, args: Vec<Value>) -> Result<u64, sqlx::Error> {
    let query = bind_values!(sqlx::query(sql), args);
    Ok(query.execute(&mut **tx).await?.rows_affected())
}

async fn scalar(tx: &mut Transaction<'_, Any>, sql: &str, args: Vec<Value>) -> Result<i64, sqlx::Error> {
    let query = bind_values!(sqlx::query_scalar(sql), args);
    query.fetch_one(&mut **tx).await
}

async fn names(
    tx: &mut Transaction<'_, Any>,
    sql: &str,
    args: Vec<Value>,
) -> Result<Vec<String>, sqlx::Error> {
    let query = bind_values!(sqlx::query_scalar(sql), args);
    query.fetch_all(&mut **tx).await
}

/// The checked teams of an action, as a SQL list of literal ids (they are numbers).
async fn team_list(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    action: &BulkAction,
) -> Result<String, AppError> {
    let mut ids: Vec<i64> = action.teams.iter().map(|t: &TeamId| t.0).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() && action.kind != BulkKind::SetTeams {
        return Err(AppError::field("teams", "Choose at least one team."));
    }
    if ids.is_empty() {
        return Ok("NULL".into());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let known = scalar(
        tx,
        &format!("SELECT COUNT(*) FROM teams WHERE company_id = $1 AND id IN ({list})"),
        vec![Value::Int(company.0)],
    )
    .await?;
    if known != ids.len() as i64 {
        return Err(AppError::field("teams", "Choose among your company's teams."));
    }
    Ok(list)
}

/// What an action means in SQL for one company, with its checked arguments.
struct Plan {
    /// Condition on `users u`: the selected users.
    selected: String,
    args: Vec<Value>,
    /// Condition on `u`: selected users the action leaves out for a named reason, with it.
    skips: Vec<(String, &'static str)>,
    /// Condition on `u`: selected users already as asked.
    unchanged: String,
    root: i64,
    role: Option<(i64, String)>,
    /// Literal team ids for the team actions.
    teams: String,
}

impl Plan {
    /// The users the action changes.
    fn changing(&self) -> String {
        let mut sql = format!("({}) AND NOT ({})", self.selected, self.unchanged);
        for (skip, _) in &self.skips {
            sql += &format!(" AND NOT ({skip})");
        }
        sql
    }
}

async fn plan(
    tx: &mut Transaction<'_, Any>,
    can: &Can<perm::ManageUsers>,
    selection: &Selection,
    action: &BulkAction,
) -> Result<Plan, AppError> {
    let company = can.company();
    let mut args = Vec::new();
    let selected = match &selection.matching {
        Some(view) if view.tab == UserTab::Invited => {
            return Err(AppError::BadRequest(
                "invitations are changed with their own actions".into(),
            ))
        }
        Some(view) => view_filter(company, can.scope(), view, &mut args),
        None => {
            if selection.ids.is_empty() {
                return Err(AppError::BadRequest("choose at least one user".into()));
            }
            if selection.ids.len() > MAX_SELECTED_IDS {
                return Err(AppError::BadRequest(format!(
                    "choose at most {MAX_SELECTED_IDS} users by hand, or select all users matching the view"
                )));
            }
            let company = bind(&mut args, Value::Int(company.0));
            let first = args.len() + 1;
            args.extend(selection.ids.iter().map(|id| Value::Int(id.0)));
            format!(
                "u.company_id = {company} AND u.id IN ({}){}",
                placeholders(first, selection.ids.len()),
                can.scope().users_inside("u.id")
            )
        }
    };
    let owner = lock_company(tx, company).await?.0;
    let root = root_account(tx, company).await?;
    let (role, teams) = match action.kind {
        BulkKind::ChangeRole => {
            let role = action
                .role
                .ok_or_else(|| AppError::field("role", "Choose a role."))?;
            let name = assignable_role(tx, can, role, None).await?;
            (Some((role.0, name)), String::new())
        }
        BulkKind::SetTeams | BulkKind::AddToTeams | BulkKind::RemoveFromTeams => {
            (None, team_list(tx, company, action).await?)
        }
        _ => (None, String::new()),
    };
    let mut skips = Vec::new();
    let hierarchy = Hierarchy::load(tx, can, UserId(owner), rank_for(action.kind)).await?;
    if matches!(
        action.kind,
        BulkKind::ChangeRole | BulkKind::Deactivate | BulkKind::Delete
    ) {
        skips.push((
            format!("u.id = {owner}"),
            "is the owner (Transfer ownership to another active user first)",
        ));
        if can.actor().0 != owner {
            skips.push((format!("u.id = {}", can.actor().0), "is you: ask another admin"));
        }
        // The owner has their own reason above.
        skips.push((
            format!("u.id <> {owner} AND {}", hierarchy.outranked("u.id")),
            OUTRANKED,
        ));
    } else {
        skips.push((hierarchy.outranked("u.id"), OUTRANKED));
    }
    if action.kind == BulkKind::Deactivate {
        skips.push((
            "u.status IN ('pending_email', 'pending_approval')".into(),
            NOT_JOINED,
        ));
    }
    if action.kind == BulkKind::ChangeRole {
        // Probes each selected user's few assignments by the primary key, not the whole table.
        skips.push((
            "EXISTS (SELECT 1 FROM role_assignments a JOIN role_assignments b ON b.user_id = a.user_id
                     WHERE a.user_id = u.id AND b.role_id <> a.role_id)"
                .into(),
            SEVERAL_ROLES,
        ));
    }
    let unchanged = match action.kind {
        // Already holding the role wherever they have access.
        BulkKind::ChangeRole => {
            let role = role.as_ref().map_or(0, |r| r.0);
            format!(
                "u.id IN (SELECT ra.user_id FROM role_assignments ra WHERE ra.role_id = {role})
                 AND NOT EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.user_id = u.id AND ra.role_id <> {role})"
            )
        }
        BulkKind::AddToTeams => format!(
            "NOT EXISTS (SELECT 1 FROM teams t WHERE t.id IN ({teams})
               AND NOT EXISTS (SELECT 1 FROM team_members tm WHERE tm.user_id = u.id AND tm.team_id = t.id))"
        ),
        BulkKind::RemoveFromTeams => {
            format!("u.id NOT IN (SELECT tm.user_id FROM team_members tm WHERE tm.team_id IN ({teams}))")
        }
        BulkKind::Deactivate => "u.status = 'deactivated'".into(),
        BulkKind::Reactivate => "u.status <> 'deactivated'".into(),
        BulkKind::SetTeams | BulkKind::Delete => "1 = 0".into(),
    };
    Ok(Plan {
        selected,
        args,
        skips,
        unchanged,
        root,
        role,
        teams,
    })
}

/// How far above the people it changes a caller must be for an action: team membership
/// grants no power, so peers may change it.
fn rank_for(kind: BulkKind) -> Rank {
    match kind {
        BulkKind::SetTeams | BulkKind::AddToTeams | BulkKind::RemoveFromTeams => Rank::AtLeast,
        _ => Rank::Above,
    }
}

/// How many users the plan changes, leaves as they are, and skips (named), and, when they
/// lose their authority (deactivate, delete), how many pending invitations they sent die.
async fn outcome(
    tx: &mut Transaction<'_, Any>,
    plan: &Plan,
    kind: BulkKind,
) -> Result<BulkOutcome, AppError> {
    let count = |condition: String| format!("SELECT COUNT(*) FROM users u WHERE {condition}");
    let changed = scalar(tx, &count(plan.changing()), plan.args.clone()).await?;
    let invitations_withdrawn = if matches!(kind, BulkKind::Deactivate | BulkKind::Delete) {
        let sql = format!(
            "SELECT COUNT(*) FROM invitations WHERE status = 'pending' AND invited_by IN (SELECT u.id FROM users u WHERE {})",
            plan.changing()
        );
        scalar(tx, &sql, plan.args.clone()).await?
    } else {
        0
    };
    let unchanged = scalar(
        tx,
        &count(format!("({}) AND ({})", plan.selected, plan.unchanged)),
        plan.args.clone(),
    )
    .await?;
    let mut skipped = Vec::new();
    for (condition, reason) in &plan.skips {
        let sql = format!(
            "SELECT u.name FROM users u WHERE ({}) AND ({condition}) ORDER BY u.name",
            plan.selected
        );
        for name in names(tx, &sql, plan.args.clone()).await? {
            skipped.push(BulkSkip {
                name,
                reason: (*reason).into(),
            });
        }
    }
    Ok(BulkOutcome {
        changed,
        unchanged,
        skipped,
        undo: None,
        invitations_withdrawn,
    })
}

/// What `action` would do to `selection`, without changing anything.
pub async fn preview(
    db: &Db,
    can: &Can<perm::ManageUsers>,
    selection: &Selection,
    action: &BulkAction,
) -> Result<BulkOutcome, AppError> {
    let mut tx = db.begin().await?;
    let plan = plan(&mut tx, can, selection, action).await?;
    let outcome = outcome(&mut tx, &plan, action.kind).await?;
    tx.rollback().await?;
    Ok(outcome)
}

fn audit_action(kind: BulkKind) -> AuditAction {
    match kind {
        BulkKind::ChangeRole => AuditAction::UserRoleChanged,
        BulkKind::SetTeams | BulkKind::AddToTeams | BulkKind::RemoveFromTeams => {
            AuditAction::UserTeamsChanged
        }
        BulkKind::Deactivate => AuditAction::UserDeactivated,
        BulkKind::Reactivate => AuditAction::UserReactivated,
        BulkKind::Delete => AuditAction::UserDeleted,
    }
}

/// The audit events of a bulk change or its undo: one per user, written in one statement.
struct Events<'a> {
    action: AuditAction,
    /// SQL over `u` (the user), `i` (their item) and `r` (their role before).
    before: &'a str,
    /// A JSON value shared by all.
    after: Option<String>,
    /// SQL for the event's label.
    label: &'a str,
    /// Only the users being restored by an undo.
    restoring: bool,
}

async fn audit_all(
    tx: &mut Transaction<'_, Any>,
    by: &By,
    change: i64,
    events: Events<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO audit_events
           (company_id, actor_id, actor_name, action, target_user_id, target_label, before_json, after_json, created_at, ip)
         SELECT $1, $2, $3, $4, u.id, {}, {}, $5, $6, $7
         FROM bulk_change_items i JOIN users u ON u.id = i.user_id LEFT JOIN roles r ON r.id = i.role_id
         WHERE i.change_id = $8{}",
        events.label,
        events.before,
        if events.restoring { " AND i.restore = 1" } else { "" }
    );
    sqlx::query(&sql)
        .bind(by.company)
        .bind(by.user)
        .bind(&by.name)
        .bind(events.action.key())
        .bind(events.after)
        .bind(now)
        .bind(&by.ip)
        .bind(change)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Carries out `action` on `selection` in one transaction and returns what changed, what was
/// skipped and why, and the handle to undo it.
#[tracing::instrument(skip_all, fields(kind = ?action.kind), err(Debug))]
pub async fn apply(
    store: Store<'_>,
    can: &Can<perm::ManageUsers>,
    by: &By,
    selection: &Selection,
    action: &BulkAction,
    mailing: Mailing<'_>,
) -> Result<BulkOutcome, AppError> {
    let company = can.company();
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let plan = plan(&mut w.tx, can, selection, action).await?;
    let mut outcome = outcome(&mut w.tx, &plan, action.kind).await?;
    if outcome.changed == 0 {
        return Ok(outcome);
    }
    if action.kind == BulkKind::Reactivate {
        // Each reactivated person gets a link by email.
        quota::company_mail(&mut w.tx, mailing.limits, company, outcome.changed, now).await?;
    }
    sqlx::query("DELETE FROM bulk_changes WHERE company_id = $1 AND created_at < $2")
        .bind(company)
        .bind(now - KEEP_MS)
        .execute(&mut *w.tx)
        .await?;
    let change: i64 = sqlx::query_scalar(
        "INSERT INTO bulk_changes (company_id, actor_id, kind, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(company)
    .bind(by.user)
    .bind(serde_json::to_value(action.kind).ok().and_then(|v| v.as_str().map(str::to_string)))
    .bind(now)
    .fetch_one(&mut *w.tx)
    .await?;
    let root = plan.root;
    let items_sql = format!(
        "INSERT INTO bulk_change_items (change_id, user_id, version_after, role_id, status)
         SELECT {change}, u.id, u.version + 1,
                (SELECT MIN(ra.role_id) FROM role_assignments ra WHERE ra.user_id = u.id), u.status
         FROM users u WHERE {}",
        plan.changing()
    );
    exec(&mut w.tx, &items_sql, plan.args.clone()).await?;
    let targets = format!("SELECT user_id FROM bulk_change_items WHERE change_id = {change}");
    let label = if action.kind == BulkKind::Delete {
        "u.name || ' (' || u.email || ')'"
    } else {
        "u.email"
    };
    let (before, after) = match action.kind {
        BulkKind::ChangeRole => (
            format!(
                "'{{\"role\":' || COALESCE({}, 'null') || '}}'",
                json_text("r.name")
            ),
            Some(serde_json::json!({ "role": plan.role.as_ref().map(|r| r.1.clone()) }).to_string()),
        ),
        BulkKind::SetTeams | BulkKind::AddToTeams | BulkKind::RemoveFromTeams => (
            "NULL".to_string(),
            Some(serde_json::json!({ "teams_change": action.kind, "teams": action.teams }).to_string()),
        ),
        BulkKind::Deactivate => (
            "'{\"status\":\"' || i.status || '\"}'".into(),
            Some(r#"{"status":"deactivated"}"#.into()),
        ),
        BulkKind::Reactivate => (
            "'{\"status\":\"' || i.status || '\"}'".into(),
            Some(r#"{"status":"active"}"#.into()),
        ),
        BulkKind::Delete => (
            format!(
                "'{{\"name\":' || {} || ',\"email\":' || {} || ',\"status\":\"' || u.status || '\"}}'",
                json_text("u.name"),
                json_text("u.email")
            ),
            None,
        ),
    };
    // Events come first: a deleted user's events keep their label.
    let events = Events {
        action: audit_action(action.kind),
        before: &before,
        after,
        label,
        restoring: false,
    };
    audit_all(&mut w.tx, by, change, events, now).await?;
    // Invitations die with their sender's authority (before a delete nulls their sender).
    if matches!(action.kind, BulkKind::Deactivate | BulkKind::Delete) {
        super::invitations::withdraw_sent_by(&mut w.tx, &targets).await?;
    }
    match action.kind {
        BulkKind::ChangeRole => {
            let role = plan.role.as_ref().map_or(0, |r| r.0);
            exec(
                &mut w.tx,
                &format!("UPDATE role_assignments SET role_id = {role} WHERE user_id IN ({targets})"),
                vec![],
            )
            .await?;
            exec(
                &mut w.tx,
                &format!(
                    "INSERT INTO role_assignments (user_id, account_id, role_id)
                     SELECT i.user_id, {root}, {role} FROM bulk_change_items i
                     WHERE i.change_id = {change} AND i.role_id IS NULL"
                ),
                vec![],
            )
            .await?;
        }
        BulkKind::SetTeams | BulkKind::AddToTeams | BulkKind::RemoveFromTeams => {
            exec(
                &mut w.tx,
                &format!(
                    "INSERT INTO bulk_change_teams (change_id, user_id, team_id)
                     SELECT {change}, tm.user_id, tm.team_id FROM team_members tm WHERE tm.user_id IN ({targets})"
                ),
                vec![],
            )
            .await?;
            let teams = &plan.teams;
            if action.kind == BulkKind::SetTeams {
                exec(
                    &mut w.tx,
                    &format!("DELETE FROM team_members WHERE user_id IN ({targets})"),
                    vec![],
                )
                .await?;
            }
            if action.kind == BulkKind::RemoveFromTeams {
                exec(
                    &mut w.tx,
                    &format!(
                        "DELETE FROM team_members WHERE user_id IN ({targets}) AND team_id IN ({teams})"
                    ),
                    vec![],
                )
                .await?;
            } else {
                exec(
                    &mut w.tx,
                    &format!(
                        "INSERT INTO team_members (team_id, user_id)
                         SELECT t.id, i.user_id FROM bulk_change_items i CROSS JOIN teams t
                         WHERE i.change_id = {change} AND t.id IN ({teams})
                         ON CONFLICT DO NOTHING"
                    ),
                    vec![],
                )
                .await?;
            }
        }
        BulkKind::Deactivate => {
            exec(
                &mut w.tx,
                &format!(
                    "UPDATE users SET status = 'deactivated', security_stamp = security_stamp + 1 WHERE id IN ({targets})"
                ),
                vec![],
            )
            .await?;
            tokens::spend_all_unused(&mut w.tx, &targets, now).await?;
            exec(
                &mut w.tx,
                &format!("DELETE FROM sessions WHERE user_id IN ({targets})"),
                vec![],
            )
            .await?;
        }
        BulkKind::Reactivate => {
            exec(
                &mut w.tx,
                &format!("UPDATE users SET status = 'active' WHERE id IN ({targets})"),
                vec![],
            )
            .await?;
            send_reactivation_links(&mut w, change, mailing.public_url).await?;
        }
        BulkKind::Delete => {
            exec(
                &mut w.tx,
                &format!(
                    "UPDATE audit_events SET target_label = (SELECT u.name || ' (' || u.email || ')' FROM users u WHERE u.id = audit_events.target_user_id)
                     WHERE target_user_id IN ({targets})"
                ),
                vec![],
            )
            .await?;
            exec(
                &mut w.tx,
                &format!("DELETE FROM users WHERE id IN ({targets})"),
                vec![],
            )
            .await?;
        }
    }
    if matches!(
        action.kind,
        BulkKind::ChangeRole | BulkKind::Deactivate | BulkKind::Reactivate
    ) {
        cancel_email_changes(&mut w.tx, &targets, now).await?;
    }
    if action.kind.undoable() {
        exec(
            &mut w.tx,
            &format!("UPDATE users SET version = version + 1, updated_at = {now} WHERE id IN ({targets})"),
            vec![],
        )
        .await?;
        outcome.undo = Some(change);
    } else {
        sqlx::query("DELETE FROM bulk_changes WHERE id = $1")
            .bind(change)
            .execute(&mut *w.tx)
            .await?;
    }
    w.announce(LiveEvent::everything(LiveKind::Users));
    w.commit().await?;
    Ok(outcome)
}

/// Rows for a multi-row `INSERT ... VALUES`, sent in chunks that stay under both databases'
/// limits on bound values. Also `make bench`'s seed.
pub async fn insert_rows(
    tx: &mut Transaction<'_, Any>,
    into: &str,
    rows: Vec<Vec<Value>>,
) -> Result<(), sqlx::Error> {
    let Some(width) = rows.first().map(Vec::len) else {
        return Ok(());
    };
    for chunk in rows.chunks(4000 / width) {
        let groups: Vec<String> = (0..chunk.len())
            .map(|r| format!("({})", placeholders(r * width + 1, width)))
            .collect();
        let sql = format!("INSERT INTO {into} VALUES {}", groups.join(", "));
        exec(tx, &sql, chunk.concat()).await?;
    }
    Ok(())
}

/// A "finish reactivating" link and email for each user of change `change`.
async fn send_reactivation_links(w: &mut Write<'_>, change: i64, public_url: &str) -> Result<(), AppError> {
    let (by, now, tx) = (w.by, w.now, &mut w.tx);
    let (company_name, days) = company_mail_facts(tx, by.company).await?;
    let people: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT u.id, u.email, u.security_stamp FROM bulk_change_items i JOIN users u ON u.id = i.user_id
         WHERE i.change_id = $1",
    )
    .bind(change)
    .fetch_all(&mut **tx)
    .await?;
    let (mut links, mut emails) = (Vec::new(), Vec::new());
    for (id, email, stamp) in people {
        let secret = token::generate();
        let link = format!("{public_url}/welcome/{secret}");
        let message = mail::reactivation(&company_name, &by.name, &email, &link, days);
        tracing::info!(kind = "reactivation", to = %email, "email queued in the outbox:\n{}", message.text);
        links.push(tokens::BatchLink {
            user: UserId(id),
            stamp,
            secret,
        });
        emails.push(vec![
            Value::Int(by.company.0),
            Value::Text("reactivation".into()),
            Value::Text(email),
            Value::Text(message.subject),
            Value::Text(message.text),
            Value::Text(message.html),
            Value::Int(now),
            Value::Int(now),
        ]);
    }
    tokens::issue_each(tx, TokenPurpose::Reactivate, days * DAY_MS, &links, now).await?;
    insert_rows(
        tx,
        "outbox (company_id, kind, to_email, subject, text_body, html_body, created_at, next_attempt_at)",
        emails,
    )
    .await?;
    w.mail_queued();
    Ok(())
}

fn plural(n: i64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// The company's roles the caller may give on every account of their scope, as a SQL list
/// of ids ("0", which no role has, when none).
async fn grantable_roles(
    tx: &mut Transaction<'_, Any>,
    can: &Can<perm::ManageUsers>,
) -> Result<String, AppError> {
    let roles: Vec<(i64, Option<String>, String)> =
        sqlx::query_as("SELECT id, builtin, permissions FROM roles WHERE company_id = $1")
            .bind(can.company())
            .fetch_all(&mut **tx)
            .await?;
    let ids: Vec<String> = roles
        .into_iter()
        .filter(|(_, builtin, stored)| {
            builtin.as_deref() != Some("owner")
                && can.may_grant(&Grants::of_role(builtin.as_deref(), stored, can.modules()), None)
        })
        .map(|(id, _, _)| id.to_string())
        .collect();
    Ok(if ids.is_empty() {
        "0".into()
    } else {
        ids.join(", ")
    })
}

/// Undoes bulk change `change`: restores the users not changed since, and names the others.
#[tracing::instrument(skip(store, can, by), err(Debug))]
pub async fn undo(
    store: Store<'_>,
    can: &Can<perm::ManageUsers>,
    by: &By,
    change: i64,
) -> Result<UndoOutcome, AppError> {
    let company = can.company();
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let owner = w.owner;
    let found: Option<(String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT kind, created_at, undone_at FROM bulk_changes WHERE id = $1 AND company_id = $2",
    )
    .bind(change)
    .bind(company)
    .fetch_optional(&mut *w.tx)
    .await?;
    let (kind, created_at, undone_at) = found.ok_or_else(|| AppError::NotFound("That change".into()))?;
    let kind: BulkKind =
        serde_json::from_value(serde_json::Value::String(kind)).map_err(|_| AppError::Internal)?;
    if undone_at.is_some() {
        return Err(AppError::Conflict("This change was already undone.".into()));
    }
    if now - created_at > UNDO_WINDOW_MS {
        return Err(AppError::Conflict(
            "It's too late to undo this change; change the users again instead.".into(),
        ));
    }
    // Undo is a new change by the caller: each user is restored only if the caller could make
    // that change now. Anyone else is named with the reason, except people outside the
    // caller's accounts, who are only counted.
    let hierarchy = Hierarchy::load(&mut w.tx, can, owner, rank_for(kind)).await?;
    let mut refusals: Vec<(String, &str)> = vec![
        ("u.version <> i.version_after".into(), "was changed again since"),
        (hierarchy.outranked("u.id"), OUTRANKED),
    ];
    if matches!(kind, BulkKind::Reactivate | BulkKind::ChangeRole) {
        // Undoing a reactivation deactivates; someone may have become the owner since.
        refusals.push((format!("u.id = {}", owner.0), "is the owner"));
        refusals.push((format!("u.id = {}", can.actor().0), "is you: ask another admin"));
    }
    if kind == BulkKind::ChangeRole {
        refusals.push((
            format!(
                "i.role_id IS NOT NULL AND i.role_id NOT IN ({})",
                grantable_roles(&mut w.tx, can).await?
            ),
            "would get back a role you can't give",
        ));
    }
    let in_scope = format!("i.change_id = {change}{}", can.scope().users_inside("u.id"));
    let refused = refusals
        .iter()
        .map(|(condition, _)| format!("({condition})"))
        .collect::<Vec<_>>()
        .join(" OR ");
    exec(
        &mut w.tx,
        &format!(
            "UPDATE bulk_change_items SET restore = 1 WHERE change_id = {change} AND user_id IN
               (SELECT u.id FROM bulk_change_items i JOIN users u ON u.id = i.user_id
                WHERE {in_scope} AND NOT ({refused}))"
        ),
        vec![],
    )
    .await?;
    let mut not_restored = Vec::new();
    let mut earlier: Vec<String> = Vec::new();
    for (condition, reason) in &refusals {
        let sql = format!(
            "SELECT u.name FROM bulk_change_items i JOIN users u ON u.id = i.user_id
             WHERE {in_scope} AND i.restore = 0 AND ({condition}){} ORDER BY u.name",
            earlier
                .iter()
                .map(|c| format!(" AND NOT ({c})"))
                .collect::<String>()
        );
        for name in names(&mut w.tx, &sql, vec![]).await? {
            not_restored.push(BulkSkip {
                name,
                reason: (*reason).into(),
            });
        }
        earlier.push(condition.clone());
    }
    let outside: i64 = scalar(
        &mut w.tx,
        &format!(
            "SELECT COUNT(*) FROM bulk_change_items i JOIN users u ON u.id = i.user_id
             WHERE i.change_id = {change} AND i.restore = 0 AND NOT ({in_scope})"
        ),
        vec![],
    )
    .await?;
    if outside > 0 {
        not_restored.push(BulkSkip {
            name: plural(outside, "user"),
            reason: "are outside the accounts you manage".into(),
        });
    }
    let gone: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM bulk_change_items i WHERE i.change_id = $1
           AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = i.user_id)",
    )
    .bind(change)
    .fetch_one(&mut *w.tx)
    .await?;
    if gone > 0 {
        not_restored.push(BulkSkip {
            name: plural(gone, "user"),
            reason: "deleted since".into(),
        });
    }
    let targets = format!("SELECT user_id FROM bulk_change_items WHERE change_id = {change} AND restore = 1");
    let item = |column: &str| {
        format!(
            "(SELECT i.{column} FROM bulk_change_items i WHERE i.change_id = {change} AND i.user_id = {{}})"
        )
    };
    match kind {
        BulkKind::ChangeRole => {
            let root = root_account(&mut w.tx, company).await?;
            let before = item("role_id").replace("{}", "role_assignments.user_id");
            exec(
                &mut w.tx,
                &format!(
                    "DELETE FROM role_assignments WHERE account_id = {root} AND user_id IN ({targets})
                       AND {before} IS NULL"
                ),
                vec![],
            )
            .await?;
            exec(
                &mut w.tx,
                &format!("UPDATE role_assignments SET role_id = {before} WHERE user_id IN ({targets}) AND {before} IS NOT NULL"),
                vec![],
            )
            .await?;
        }
        BulkKind::SetTeams | BulkKind::AddToTeams | BulkKind::RemoveFromTeams => {
            exec(
                &mut w.tx,
                &format!("DELETE FROM team_members WHERE user_id IN ({targets})"),
                vec![],
            )
            .await?;
            exec(
                &mut w.tx,
                &format!(
                    "INSERT INTO team_members (team_id, user_id)
                     SELECT t.team_id, t.user_id FROM bulk_change_teams t
                     WHERE t.change_id = {change} AND t.user_id IN ({targets})"
                ),
                vec![],
            )
            .await?;
        }
        BulkKind::Deactivate | BulkKind::Reactivate => {
            let before = item("status").replace("{}", "users.id");
            exec(
                &mut w.tx,
                &format!(
                    "UPDATE users SET status = {before}, security_stamp = security_stamp + 1 WHERE id IN ({targets})"
                ),
                vec![],
            )
            .await?;
            if kind == BulkKind::Reactivate {
                // Deactivated again: their way back in and any session they started since end.
                tokens::spend_all_unused(&mut w.tx, &targets, now).await?;
                exec(
                    &mut w.tx,
                    &format!("DELETE FROM sessions WHERE user_id IN ({targets})"),
                    vec![],
                )
                .await?;
            }
        }
        BulkKind::Delete => return Err(AppError::Conflict("Deleted users can't be restored.".into())),
    }
    if matches!(
        kind,
        BulkKind::ChangeRole | BulkKind::Deactivate | BulkKind::Reactivate
    ) {
        cancel_email_changes(&mut w.tx, &targets, now).await?;
    }
    let restored = exec(
        &mut w.tx,
        &format!("UPDATE users SET version = version + 1, updated_at = {now} WHERE id IN ({targets})"),
        vec![],
    )
    .await? as i64;
    if restored == 0 {
        // Nothing the caller could restore: the change stays undoable by someone who can.
        w.tx.rollback().await?;
        return Ok(UndoOutcome {
            restored,
            not_restored,
        });
    }
    let events = Events {
        action: audit_action(kind),
        before: "NULL",
        after: Some(serde_json::json!({ "undo_of": change }).to_string()),
        label: "u.email",
        restoring: true,
    };
    audit_all(&mut w.tx, by, change, events, now).await?;
    // The restored leave the change; while someone the caller could not restore remains as
    // the change left them, it stays open for those who can.
    exec(
        &mut w.tx,
        &format!("DELETE FROM bulk_change_items WHERE change_id = {change} AND restore = 1"),
        vec![],
    )
    .await?;
    let held_back = scalar(
        &mut w.tx,
        &format!(
            "SELECT COUNT(*) FROM bulk_change_items i JOIN users u ON u.id = i.user_id
             WHERE i.change_id = {change} AND u.version = i.version_after"
        ),
        vec![],
    )
    .await?;
    if held_back == 0 {
        sqlx::query("UPDATE bulk_changes SET undone_at = $1 WHERE id = $2")
            .bind(now)
            .bind(change)
            .execute(&mut *w.tx)
            .await?;
    }
    w.announce(LiveEvent::everything(LiveKind::Users));
    w.commit().await?;
    Ok(UndoOutcome {
        restored,
        not_restored,
    })
}
