//! Bulk changes of users and their undo, in set-based SQL: a handful of statements whatever
//! the number of users, never one round trip per user.
//!
//! A change first writes one `bulk_change_items` row per user it will change (with their
//! values before); every later statement targets "the users of this change", so they all
//! agree on the set even when it came from a filter. The change notes its last audit event;
//! an undo restores the users with no event about them since, and names the others (changed
//! again since). Changes of one company run one after another (`lock_company`).

use super::{
    audit::{By, Each},
    companies::{account_name, company_mail_facts, lock_company, Locked},
    hierarchy::{Hierarchy, Rank, OUTRANKED},
    lifecycle::{NOT_JOINED, SEVERAL_ROLES},
    profile::cancel_email_changes,
    quota::{self, Mailing},
    roles::{assignable_role, grantable_where_held, Assignable},
    scope::InScope,
    sql::{Sql, Value},
    tokens::{self, TokenPurpose},
    users::whole_view,
    write::{Store, Write},
    Db,
};
use crate::{
    error::AppError,
    model::{
        AccountId, AuditAction, BulkAction, BulkKind, BulkOutcome, BulkSkip, CompanyId, Grants, LiveEvent,
        LiveKind, PowerGain, RecentChange, Selection, TeamId, TeamMove, UndoOutcome, UserId, UserTab,
        MAX_SELECTED_IDS, NAMES_SHOWN, UNDO_WINDOW_MS,
    },
    server::{
        access::{perm, Can},
        mail, token,
    },
};
use sqlx::{Any, Transaction};
use std::{borrow::Cow, collections::HashMap};

/// Undo records are kept an hour past the undo window ([`UNDO_WINDOW_MS`], 24 hours), so
/// "Recent changes" says "Too late to undo" for a while, then swept ([`sweep`]).
const KEEP_MS: i64 = UNDO_WINDOW_MS + 3600 * 1000;
const DAY_MS: i64 = 86_400_000;

/// How many undo records [`sweep`] deletes in one statement.
const SWEPT_AT_ONCE: i64 = 1_000;

/// Deletes the undo records kept past [`KEEP_MS`] (their items and teams go with them), a
/// company and [`SWEPT_AT_ONCE`] at a time, each delete a short write of its own. A job's
/// work, not each change's: a change would spend a round trip on it under its company's lock.
/// Returns how many it deleted.
pub async fn sweep(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    let companies: Vec<i64> = sqlx::query_scalar("SELECT id FROM companies")
        .fetch_all(db)
        .await?;
    let mut deleted = 0;
    for company in companies {
        loop {
            let _turn = super::turn(db).await;
            let n = sqlx::query(
                "DELETE FROM bulk_changes WHERE id IN (SELECT id FROM bulk_changes
                 WHERE company_id = $1 AND created_at < $2 ORDER BY created_at LIMIT $3)",
            )
            .bind(company)
            .bind(now - KEEP_MS)
            .bind(SWEPT_AT_ONCE)
            .execute(db)
            .await?
            .rows_affected();
            deleted += n;
            if n < SWEPT_AT_ONCE as u64 {
                break;
            }
        }
    }
    Ok(deleted)
}

/// A SQL string literal of `expr`'s text for JSON: quoted, with `\` and `"` escaped (the
/// values come from validated names, which hold no control characters).
fn json_text(expr: &str) -> String {
    format!("'\"' || REPLACE(REPLACE({expr}, '\\', '\\\\'), '\"', '\\\"') || '\"'")
}

/// The checked teams of an action, as a list to bind (`NULL` for none).
async fn team_list(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    action: &BulkAction,
) -> Result<Sql, AppError> {
    let mut ids: Vec<i64> = action.teams.iter().map(|t: &TeamId| t.0).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() && action.kind != BulkKind::SetTeams {
        return Err(AppError::field("teams", "Choose at least one team."));
    }
    if ids.is_empty() {
        return Ok(Sql::new("NULL"));
    }
    let list = Sql::values(ids.iter().copied());
    let known: i64 = Sql::new("SELECT COUNT(*) FROM teams WHERE company_id = ")
        .bind(company)
        .push(" AND id IN (")
        .append(&list)
        .push(")")
        .scalar(&mut **tx)
        .await?;
    if known != ids.len() as i64 {
        return Err(AppError::field("teams", "Choose among your company's teams."));
    }
    Ok(list)
}

/// The two teams of a move, checked to be the company's and to differ: (id, name) each.
struct Moving {
    from: (i64, String),
    to: (i64, String),
}

impl Moving {
    /// Condition on `u`: a member of the team `team`.
    fn member_of(team: i64) -> Sql {
        Sql::new("u.id IN (SELECT tm.user_id FROM team_members tm WHERE tm.team_id = ")
            .bind(team)
            .push(")")
            .clone()
    }
}

/// The teams of a move, `action.teams` = [from, to]: both the company's (another company's
/// team is not found), and two different teams.
async fn moving(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    action: &BulkAction,
) -> Result<Moving, AppError> {
    let [from, to] = action.teams[..] else {
        return Err(AppError::field(
            "teams",
            "Choose the team to move from and the team to move to.",
        ));
    };
    if from == to {
        return Err(AppError::field(
            "teams",
            "Choose two different teams: they would leave the team they join.",
        ));
    }
    let mut named = Vec::with_capacity(2);
    for team in [from, to] {
        let name: Option<String> =
            sqlx::query_scalar("SELECT name FROM teams WHERE id = $1 AND company_id = $2")
                .bind(team.0)
                .bind(company)
                .fetch_optional(&mut **tx)
                .await?;
        named.push((
            team.0,
            name.ok_or_else(|| AppError::NotFound("That team".into()))?,
        ));
    }
    let to = named.pop().expect("two teams");
    let from = named.pop().expect("two teams");
    Ok(Moving { from, to })
}

/// What an action means in SQL for one company, with its checked arguments.
struct Plan {
    /// Condition on `users u`: the selected users.
    selected: Sql,
    /// Condition on `u`: selected users the action leaves out for a named reason, with it.
    skips: Vec<(Sql, Cow<'static, str>)>,
    /// Condition on `u`: selected users already as asked.
    unchanged: Sql,
    root: i64,
    role: Option<(i64, Assignable)>,
    /// The team ids of the team actions.
    teams: Sql,
    /// The teams of a move.
    moving: Option<Moving>,
}

/// What a change does to a selected user: leaves them out for the plan's skip of that index
/// (>= 0), leaves them as they already are, or changes them.
const UNCHANGED: i64 = -1;
const CHANGES: i64 = -2;
/// An item an undo restored: kept, so the change still says whom it changed.
const RESTORED: i64 = -3;

impl Plan {
    /// The ids of the selected users the plan changes.
    fn changing(&self) -> Sql {
        Sql::new("SELECT u.id FROM users u WHERE (")
            .append(&self.selected)
            .push(") AND ")
            .append(&self.verdict())
            .push(" = ")
            .bind(CHANGES)
            .clone()
    }

    /// SQL over `u`: the user's verdict, each condition tested at most once per user (a
    /// user left out for several reasons gets the first).
    fn verdict(&self) -> Sql {
        let mut sql = Sql::new("CASE");
        for (i, (condition, _)) in self.skips.iter().enumerate() {
            sql.push(" WHEN ").append(condition).push(" THEN ").bind(i as i64);
        }
        sql.push(" WHEN ")
            .append(&self.unchanged)
            .push(" THEN ")
            .bind(UNCHANGED)
            .push(" ELSE ")
            .bind(CHANGES)
            .push(" END");
        sql
    }
}

async fn plan(
    tx: &mut Transaction<'_, Any>,
    can: &Can<perm::ManageUsers>,
    Locked { owner, root }: Locked,
    selection: &Selection,
    action: &BulkAction,
) -> Result<Plan, AppError> {
    let company = can.company();
    let selected = match &selection.matching {
        Some(view) if view.tab == UserTab::Invited => {
            return Err(AppError::BadRequest(
                "invitations are changed with their own actions".into(),
            ))
        }
        Some(view) => whole_view(tx, company, can.scope(), view)?,
        None => {
            if selection.ids.is_empty() {
                return Err(AppError::BadRequest("choose at least one user".into()));
            }
            if selection.ids.len() > MAX_SELECTED_IDS {
                return Err(AppError::BadRequest(format!(
                    "choose at most {MAX_SELECTED_IDS} users by hand, or select all users matching the view"
                )));
            }
            let mut sql = Sql::new("u.company_id = ");
            sql.bind(company)
                .push(" AND u.id IN (")
                .list(selection.ids.iter().copied())
                .push(")")
                .append(&can.scope().users_inside("u.id"));
            sql
        }
    };
    let (role, teams) = match action.kind {
        BulkKind::ChangeRole => {
            let role = action
                .role
                .ok_or_else(|| AppError::field("role", "Choose a role."))?;
            let given = assignable_role(tx, can, role, None).await?;
            (Some((role.0, given)), Sql::default())
        }
        BulkKind::SetTeams | BulkKind::AddToTeams | BulkKind::RemoveFromTeams => {
            (None, team_list(tx, company, action).await?)
        }
        _ => (None, Sql::default()),
    };
    let moving = match action.kind {
        BulkKind::MoveTeams => Some(moving(tx, company, action).await?),
        _ => None,
    };
    let mut skips = Vec::new();
    let hierarchy = Hierarchy::load(tx, can, owner, rank_for(action.kind)).await?;
    let is = |user: UserId| {
        let mut sql = Sql::new("u.id = ");
        sql.bind(user);
        sql
    };
    if matches!(
        action.kind,
        BulkKind::ChangeRole | BulkKind::Deactivate | BulkKind::Delete
    ) {
        skips.push((
            is(owner),
            "is the owner (Transfer ownership to another active user first)".into(),
        ));
        if can.actor() != owner {
            skips.push((is(can.actor()), "is you: ask another admin".into()));
        }
        // The owner has their own reason above.
        let mut outranked = Sql::new("u.id <> ");
        outranked
            .bind(owner)
            .push(" AND ")
            .append(&hierarchy.outranked("u.id"));
        skips.push((outranked, OUTRANKED.into()));
    } else {
        skips.push((hierarchy.outranked("u.id"), OUTRANKED.into()));
    }
    if action.kind == BulkKind::Deactivate {
        skips.push((
            Sql::new("u.status IN ('pending_email', 'pending_approval')"),
            NOT_JOINED.into(),
        ));
    }
    if action.kind == BulkKind::ChangeRole {
        // Probes each selected user's few assignments by the primary key, not the whole table.
        skips.push((
            Sql::new(
                "EXISTS (SELECT 1 FROM role_assignments a JOIN role_assignments b ON b.user_id = a.user_id
                         WHERE a.user_id = u.id AND b.role_id <> a.role_id)",
            ),
            SEVERAL_ROLES.into(),
        ));
    }
    if let Some(Moving { from, to }) = &moving {
        // In neither team: nothing to move. (Already in the team moved to without being in
        // the other is as asked.)
        skips.push((
            Sql::new("NOT (")
                .append(&Moving::member_of(from.0))
                .push(" OR ")
                .append(&Moving::member_of(to.0))
                .push(")")
                .clone(),
            format!("is not in {}", from.1).into(),
        ));
    }
    let mut unchanged = Sql::default();
    match action.kind {
        // Already holding the role wherever they have access.
        BulkKind::ChangeRole => {
            let role = role.as_ref().map_or(0, |r| r.0);
            unchanged
                .push("u.id IN (SELECT ra.user_id FROM role_assignments ra WHERE ra.role_id = ")
                .bind(role)
                .push(") AND NOT EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.user_id = u.id AND ra.role_id <> ")
                .bind(role)
                .push(")");
        }
        BulkKind::AddToTeams => {
            unchanged
                .push("NOT EXISTS (SELECT 1 FROM teams t WHERE t.id IN (")
                .append(&teams)
                .push(") AND NOT EXISTS (SELECT 1 FROM team_members tm WHERE tm.user_id = u.id AND tm.team_id = t.id))");
        }
        BulkKind::RemoveFromTeams => {
            unchanged
                .push("u.id NOT IN (SELECT tm.user_id FROM team_members tm WHERE tm.team_id IN (")
                .append(&teams)
                .push("))");
        }
        BulkKind::Deactivate => {
            unchanged.push("u.status = 'deactivated'");
        }
        BulkKind::Reactivate => {
            unchanged.push("u.status <> 'deactivated'");
        }
        BulkKind::MoveTeams => {
            let from = moving.as_ref().map_or(0, |m| m.from.0);
            unchanged.push("NOT ").append(&Moving::member_of(from));
        }
        BulkKind::SetTeams | BulkKind::Delete => {
            unchanged.push("1 = 0");
        }
    };
    Ok(Plan {
        selected,
        skips,
        unchanged,
        root,
        role,
        teams,
        moving,
    })
}

/// The ids of the users change `change` changes, once its items are written.
fn changes_of(change: i64) -> Sql {
    changed_items(change, "user_id")
}

/// `columns` of the items of change `change` that it changes.
fn changed_items(change: i64, columns: &str) -> Sql {
    Sql::new(&format!(
        "SELECT {columns} FROM bulk_change_items WHERE change_id = "
    ))
    .bind(change)
    .push(" AND verdict = ")
    .bind(CHANGES)
    .clone()
}

/// How far above the people it changes a caller must be for an action: team membership
/// grants no power, so peers may change it.
fn rank_for(kind: BulkKind) -> Rank {
    if changes_teams(kind) {
        Rank::AtLeast
    } else {
        Rank::Above
    }
}

/// Whether `kind` changes team memberships (and so the teams' member counts).
fn changes_teams(kind: BulkKind) -> bool {
    matches!(
        kind,
        BulkKind::SetTeams | BulkKind::AddToTeams | BulkKind::RemoveFromTeams | BulkKind::MoveTeams
    )
}

/// How many users the plan changes, leaves as they are, and skips (named), and, when they
/// lose their authority (deactivate, delete), how many pending invitations they sent die:
/// from the items of change `applied` once written, or else from one pass over the selection.
async fn outcome(
    tx: &mut Transaction<'_, Any>,
    can: &Can<perm::ManageUsers>,
    plan: &Plan,
    kind: BulkKind,
    applied: Option<i64>,
) -> Result<BulkOutcome, AppError> {
    // Each skipped user is a row of their own (named); the others are only counted.
    let (verdicts, changing) = match applied {
        Some(change) => (
            Sql::new(
                "SELECT CAST(i.verdict AS BIGINT), MIN(u.name), COUNT(*)
                 FROM bulk_change_items i LEFT JOIN users u ON u.id = i.user_id AND i.verdict >= 0
                 WHERE i.change_id = ",
            )
            .bind(change)
            .push(" GROUP BY i.verdict, CASE WHEN i.verdict >= 0 THEN i.user_id END")
            .clone(),
            changes_of(change),
        ),
        None => (
            Sql::new("SELECT CAST(s.k AS BIGINT), MIN(s.name), COUNT(*) FROM (SELECT u.id, u.name, ")
                .append(&plan.verdict())
                .push(" AS k FROM users u WHERE ")
                .append(&plan.selected)
                .push(") s GROUP BY s.k, CASE WHEN s.k >= 0 THEN s.id END")
                .clone(),
            plan.changing(),
        ),
    };
    // A role change applies on every account where someone it changes holds a role (all the
    // same role, or they would be skipped), and on the root for anyone with none: refused
    // when that is beyond the caller's reach (on the change's items once written).
    let reach = match &plan.role {
        Some((_, role)) => grantable_where_held(tx, can, role, &changing, plan.root).await?,
        None => Vec::new(),
    };
    let rows: Vec<(i64, Option<String>, i64)> = verdicts.fetch_all(&mut **tx).await?;
    let (mut changed, mut unchanged, mut skipped) = (0, 0, Vec::new());
    for (verdict, name, count) in rows {
        match verdict {
            CHANGES => changed += count,
            UNCHANGED => unchanged += count,
            skip => skipped.push((skip, name.unwrap_or_default())),
        }
    }
    skipped.sort();
    let skipped = skipped
        .into_iter()
        .map(|(skip, name)| BulkSkip {
            name,
            reason: plan.skips[skip as usize].1.to_string(),
        })
        .collect();
    let invitations_withdrawn: i64 = if matches!(kind, BulkKind::Deactivate | BulkKind::Delete) {
        Sql::new("SELECT COUNT(*) FROM invitations WHERE status = 'pending' AND invited_by IN (")
            .append(&changing)
            .push(")")
            .scalar(&mut **tx)
            .await?
    } else {
        0
    };
    // Where a previewed role change applies.
    let (accounts, more_accounts) = if applied.is_none() && changed > 0 {
        let more = reach.len().saturating_sub(BulkOutcome::ACCOUNTS_NAMED) as i64;
        (
            reach.into_iter().take(BulkOutcome::ACCOUNTS_NAMED).collect(),
            more,
        )
    } else {
        (Vec::new(), 0)
    };
    let gains = match &plan.role {
        Some((role, _)) if changed > 0 => gains(tx, can, *role, &holders(applied, &changing)).await?,
        _ => None,
    };
    let moved = match &plan.moving {
        // Those it moves or leaves as they are, already in the team moved to.
        Some(m) => {
            let mut already = match applied {
                Some(change) => Sql::new(
                    "SELECT u.name FROM bulk_change_items i JOIN users u ON u.id = i.user_id
                     WHERE i.change_id = ",
                )
                .bind(change)
                .push(" AND i.verdict < 0")
                .clone(),
                None => Sql::new("SELECT u.name FROM users u WHERE (")
                    .append(&plan.selected)
                    .push(") AND ")
                    .append(&plan.verdict())
                    .push(" < 0")
                    .clone(),
            };
            let already_there = already
                .push(" AND ")
                .append(&Moving::member_of(m.to.0))
                .push(" ORDER BY u.name")
                .scalars(&mut **tx)
                .await?;
            Some(TeamMove {
                from: m.from.1.clone(),
                to: m.to.1.clone(),
                already_there,
            })
        }
        None => None,
    };
    Ok(BulkOutcome {
        changed,
        unchanged,
        skipped,
        undo: None,
        invitations_withdrawn,
        accounts,
        more_accounts,
        moved,
        gains,
    })
}

/// Each person a change would change, with the role they hold now (0 for none), as `id` and
/// `held`: from the change's items once written (they keep the role each held, read in this
/// transaction), else from the people `changing` (a query of their ids).
fn holders(applied: Option<i64>, changing: &Sql) -> Sql {
    match applied {
        Some(change) => changed_items(change, "user_id AS id, COALESCE(role_id, 0) AS held"),
        None => Sql::new(
            "SELECT v.id AS id, COALESCE((SELECT MIN(ra.role_id) FROM role_assignments ra WHERE ra.user_id = v.id), 0) AS held
             FROM users v WHERE v.id IN (",
        )
        .append(changing)
        .push(")")
        .clone(),
    }
}

/// Who a change to `role` gives permissions they do not hold now, among `holders` (see
/// [`holders`]), and which. Each of them holds one role, on one or more accounts (those with
/// different roles are skipped), or none.
async fn gains(
    tx: &mut Transaction<'_, Any>,
    can: &Can<perm::ManageUsers>,
    role: i64,
    holders: &Sql,
) -> Result<Option<PowerGain>, AppError> {
    let groups: Vec<(i64, i64)> = Sql::new("SELECT h.held, COUNT(*) FROM (")
        .append(holders)
        .push(") h GROUP BY h.held")
        .fetch_all(&mut **tx)
        .await?;
    let mut roles = Sql::new("SELECT id, builtin, permissions FROM roles WHERE company_id = ");
    roles
        .bind(can.company())
        .push(" AND id IN (")
        .list(groups.iter().map(|(held, _)| *held).chain([role]))
        .push(")");
    let grants: HashMap<i64, Grants> = roles
        .fetch_all::<(i64, Option<String>, String)>(&mut **tx)
        .await?
        .into_iter()
        .map(|(id, builtin, stored)| (id, Grants::of_role(builtin.as_deref(), &stored, can.modules())))
        .collect();
    let Some(new) = grants.get(&role) else {
        return Ok(None);
    };
    // No role (0) grants nothing, like Member.
    let none = Grants::default();
    let (mut people, mut gaining, mut gained) = (0, Vec::new(), Grants::default());
    for (held, count) in groups {
        let old = grants.get(&held).unwrap_or(&none);
        if old.covers(new) {
            continue;
        }
        people += count;
        gaining.push(held);
        gained.add_gain(old, new);
    }
    if people == 0 {
        return Ok(None);
    }
    let mut gainers = Sql::new("(SELECT h.id FROM (");
    gainers
        .append(holders)
        .push(") h WHERE h.held IN (")
        .list(gaining)
        .push(")) g");
    // Who gains and where they hold their roles, read at once (thousands of rows: packed): a
    // role change rewrites every assignment a person holds, so the same people gaining the
    // same permissions on more accounts is another confirmation. No role reads as no account.
    let backend = super::Backend::of_connection(tx);
    let places: Vec<(i64, Option<i64>)> = Sql::new("SELECT g.id, ra.account_id FROM ")
        .append(&gainers)
        .push(" LEFT JOIN role_assignments ra ON ra.user_id = g.id")
        .packed(backend, "p.id, p.account_id", "ORDER BY p.id, p.account_id")
        .fetch_packed(&mut **tx)
        .await?;
    let names: Vec<String> = Sql::new("SELECT u.name FROM ")
        .append(&gainers)
        .push(" JOIN users u ON u.id = g.id ORDER BY u.name, u.id LIMIT ")
        .bind(NAMES_SHOWN as i64)
        .scalars(&mut **tx)
        .await?;
    let permissions = gained.labels(can.modules());
    let key = token::hash(&serde_json::json!([places, permissions]).to_string());
    Ok(Some(PowerGain {
        people,
        names,
        permissions,
        key,
    }))
}

/// What `action` would do to `selection`, without changing anything.
pub async fn preview(
    db: &Db,
    can: &Can<perm::ManageUsers>,
    selection: &Selection,
    action: &BulkAction,
) -> Result<BulkOutcome, AppError> {
    let mut tx = db.begin().await?;
    let locked = lock_company(&mut tx, can.company()).await?;
    let plan = plan(&mut tx, can, locked, selection, action).await?;
    let outcome = outcome(&mut tx, can, &plan, action.kind, None).await?;
    tx.rollback().await?;
    Ok(outcome)
}

fn audit_action(kind: BulkKind) -> AuditAction {
    match kind {
        BulkKind::ChangeRole => AuditAction::UserRoleChanged,
        BulkKind::SetTeams | BulkKind::AddToTeams | BulkKind::RemoveFromTeams | BulkKind::MoveTeams => {
            AuditAction::UserTeamsChanged
        }
        BulkKind::Deactivate => AuditAction::UserDeactivated,
        BulkKind::Reactivate => AuditAction::UserReactivated,
        BulkKind::Delete => AuditAction::UserDeleted,
    }
}

/// The audit events of a bulk change (or, `restoring`, of its undo): one per user of the
/// change, `before` over `u` (the user), `i` (their item) and `r` (their role before).
fn events<'a>(
    action: AuditAction,
    label: &'a str,
    before: &str,
    after: Option<String>,
    change: i64,
    restoring: bool,
    account: Option<(i64, &'a str)>,
) -> Each<'a> {
    let mut rows = Sql::new(
        "FROM bulk_change_items i JOIN users u ON u.id = i.user_id LEFT JOIN roles r ON r.id = i.role_id
         WHERE i.change_id = ",
    );
    rows.bind(change);
    if restoring {
        rows.push(" AND i.restore = 1");
    }
    Each {
        action,
        label,
        before: Sql::new(before),
        after,
        rows,
        account,
    }
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
    let plan = plan(&mut w.tx, can, w.locked, selection, action).await?;
    let change: i64 = sqlx::query_scalar(
        "INSERT INTO bulk_changes (company_id, actor_id, kind, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(company)
    .bind(by.user)
    .bind(serde_json::to_value(action.kind).ok().and_then(|v| v.as_str().map(str::to_string)))
    .bind(now)
    .fetch_one(&mut *w.tx)
    .await?;
    // Every selected user's verdict, with what an undo needs, found in one pass: the outcome
    // is counted from these rows and every later statement starts from those it changes.
    Sql::new("INSERT INTO bulk_change_items (change_id, user_id, role_id, status, verdict) SELECT ")
        .bind(change)
        .push(", u.id, (SELECT MIN(ra.role_id) FROM role_assignments ra WHERE ra.user_id = u.id), u.status, ")
        .append(&plan.verdict())
        .push(" FROM users u WHERE ")
        .append(&plan.selected)
        .execute(&mut *w.tx)
        .await?;
    let mut outcome = outcome(&mut w.tx, can, &plan, action.kind, Some(change)).await?;
    if let Some(shown) = &action.gainers {
        if outcome
            .gains
            .as_ref()
            .map_or(PowerGain::NONE_SHOWN, |g| g.key.as_str())
            != shown
        {
            w.tx.rollback().await?;
            return Err(AppError::Conflict(
                "This change would now give new permissions to other people, or other permissions, than you were shown: people or roles changed meanwhile. Look at it again before confirming.".into(),
            ));
        }
    }
    let changed = outcome.changed;
    if changed == 0 {
        w.tx.rollback().await?;
        return Ok(outcome);
    }
    sqlx::query("DELETE FROM bulk_change_items WHERE change_id = $1 AND verdict <> $2")
        .bind(change)
        .bind(CHANGES)
        .execute(&mut *w.tx)
        .await?;
    if action.kind == BulkKind::Reactivate {
        // Each reactivated person gets a link by email.
        quota::company_mail(&mut w.tx, mailing.limits, company, changed, now).await?;
    }
    let root = plan.root;
    let mut targets = Sql::new("SELECT user_id FROM bulk_change_items WHERE change_id = ");
    targets.bind(change);
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
            Some(serde_json::json!({ "role": plan.role.as_ref().map(|r| r.1.name.clone()) }).to_string()),
        ),
        BulkKind::SetTeams | BulkKind::AddToTeams | BulkKind::RemoveFromTeams => (
            "NULL".to_string(),
            Some(serde_json::json!({ "teams_change": action.kind, "teams": action.teams }).to_string()),
        ),
        BulkKind::MoveTeams => {
            let m = plan.moving.as_ref().ok_or(AppError::Internal)?;
            (
                "NULL".to_string(),
                Some(
                    serde_json::json!({
                        "teams_change": action.kind,
                        "teams": action.teams,
                        "from": m.from.1,
                        "to": m.to.1,
                    })
                    .to_string(),
                ),
            )
        }
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
    // A role is given on the root account; the other kinds apply to no one account.
    let root_name = match action.kind {
        BulkKind::ChangeRole => Some(account_name(&mut w.tx, company, root).await?),
        _ => None,
    };
    let account = root_name.as_deref().map(|name| (root, name));
    // Events come first: a deleted user's events keep their label.
    w.audit_each(events(
        audit_action(action.kind),
        label,
        &before,
        after,
        change,
        false,
        account,
    ))
    .await?;
    // Invitations die with their sender's authority (before a delete nulls their sender).
    if matches!(action.kind, BulkKind::Deactivate | BulkKind::Delete) {
        super::invitations::withdraw_sent_by(&mut w.tx, &targets).await?;
    }
    match action.kind {
        BulkKind::ChangeRole => {
            let role = plan.role.as_ref().map_or(0, |r| r.0);
            Sql::new("UPDATE role_assignments SET role_id = ")
                .bind(role)
                .push(" WHERE user_id IN (")
                .append(&targets)
                .push(")")
                .execute(&mut *w.tx)
                .await?;
            Sql::new("INSERT INTO role_assignments (user_id, account_id, role_id) SELECT i.user_id, ")
                .bind(root)
                .push(", ")
                .bind(role)
                .push(" FROM bulk_change_items i WHERE i.change_id = ")
                .bind(change)
                .push(" AND i.role_id IS NULL")
                .execute(&mut *w.tx)
                .await?;
        }
        BulkKind::MoveTeams => {
            // Their teams before, for the undo; then out of one, into the other.
            let m = plan.moving.as_ref().ok_or(AppError::Internal)?;
            keep_teams(&mut w.tx, change, &targets).await?;
            Sql::new("DELETE FROM team_members WHERE team_id = ")
                .bind(m.from.0)
                .push(" AND user_id IN (")
                .append(&targets)
                .push(")")
                .execute(&mut *w.tx)
                .await?;
            Sql::new("INSERT INTO team_members (team_id, user_id) SELECT ")
                .bind(m.to.0)
                .push(", i.user_id FROM bulk_change_items i WHERE i.change_id = ")
                .bind(change)
                .push(" ON CONFLICT DO NOTHING")
                .execute(&mut *w.tx)
                .await?;
        }
        BulkKind::SetTeams | BulkKind::AddToTeams | BulkKind::RemoveFromTeams => {
            keep_teams(&mut w.tx, change, &targets).await?;
            let teams = &plan.teams;
            if action.kind == BulkKind::SetTeams {
                Sql::new("DELETE FROM team_members WHERE user_id IN (")
                    .append(&targets)
                    .push(")")
                    .execute(&mut *w.tx)
                    .await?;
            }
            if action.kind == BulkKind::RemoveFromTeams {
                Sql::new("DELETE FROM team_members WHERE user_id IN (")
                    .append(&targets)
                    .push(") AND team_id IN (")
                    .append(teams)
                    .push(")")
                    .execute(&mut *w.tx)
                    .await?;
            } else {
                Sql::new(
                    "INSERT INTO team_members (team_id, user_id)
                     SELECT t.id, i.user_id FROM bulk_change_items i CROSS JOIN teams t WHERE i.change_id = ",
                )
                .bind(change)
                .push(" AND t.id IN (")
                .append(teams)
                .push(") ON CONFLICT DO NOTHING")
                .execute(&mut *w.tx)
                .await?;
            }
        }
        BulkKind::Deactivate => {
            Sql::new(
                "UPDATE users SET status = 'deactivated', security_stamp = security_stamp + 1 WHERE id IN (",
            )
            .append(&targets)
            .push(")")
            .execute(&mut *w.tx)
            .await?;
            tokens::spend_all_unused(&mut w.tx, &targets, now).await?;
            Sql::new("DELETE FROM sessions WHERE user_id IN (")
                .append(&targets)
                .push(")")
                .execute(&mut *w.tx)
                .await?;
        }
        BulkKind::Reactivate => {
            Sql::new("UPDATE users SET status = 'active' WHERE id IN (")
                .append(&targets)
                .push(")")
                .execute(&mut *w.tx)
                .await?;
            send_reactivation_links(&mut w, change, mailing.public_url).await?;
        }
        BulkKind::Delete => {
            super::audit::keep_labels(&mut w.tx, &targets).await?;
            Sql::new("DELETE FROM users WHERE id IN (")
                .append(&targets)
                .push(")")
                .execute(&mut *w.tx)
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
        // Any event about one of them after these is a change since, which the undo leaves.
        sqlx::query(
            "UPDATE bulk_changes SET events_until = (SELECT MAX(id) FROM audit_events) WHERE id = $1",
        )
        .bind(change)
        .execute(&mut *w.tx)
        .await?;
        outcome.undo = Some(change);
    } else {
        sqlx::query("DELETE FROM bulk_changes WHERE id = $1")
            .bind(change)
            .execute(&mut *w.tx)
            .await?;
    }
    w.announce(LiveEvent::everything(LiveKind::Users));
    if changes_teams(action.kind) {
        // A team change: the teams' member counts changed.
        w.announce(LiveEvent::everything(LiveKind::Teams));
    }
    w.commit().await?;
    Ok(outcome)
}

/// Records the team memberships of the users of change `change` (`targets`) before a team
/// change, for its undo.
async fn keep_teams(tx: &mut Transaction<'_, Any>, change: i64, targets: &Sql) -> Result<(), AppError> {
    Sql::new("INSERT INTO bulk_change_teams (change_id, user_id, team_id) SELECT ")
        .bind(change)
        .push(", tm.user_id, tm.team_id FROM team_members tm WHERE tm.user_id IN (")
        .append(targets)
        .push(")")
        .execute(&mut **tx)
        .await?;
    Ok(())
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
        let mut sql = Sql::new(&format!("INSERT INTO {into} VALUES "));
        for (i, row) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .list(row.iter().cloned())
                .push(")");
        }
        sql.execute(&mut **tx).await?;
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

/// The company's roles with what each grants.
async fn company_roles(
    tx: &mut Transaction<'_, Any>,
    can: &Can<perm::ManageUsers>,
) -> Result<HashMap<i64, (bool, Grants)>, AppError> {
    let roles: Vec<(i64, Option<String>, String)> =
        sqlx::query_as("SELECT id, builtin, permissions FROM roles WHERE company_id = $1")
            .bind(can.company())
            .fetch_all(&mut **tx)
            .await?;
    Ok(roles
        .into_iter()
        .map(|(id, builtin, stored)| {
            let owner = builtin.as_deref() == Some("owner");
            (
                id,
                (owner, Grants::of_role(builtin.as_deref(), &stored, can.modules())),
            )
        })
        .collect())
}

/// Condition on user `u`: changed since the change whose last event is `events_until`. Every
/// change of a person records an event about them (a change of their role, teams, status or
/// details), and a company's changes take turns, so a later event means a later change.
fn changed_since(events_until: i64) -> Sql {
    Sql::new("EXISTS (SELECT 1 FROM audit_events e WHERE e.target_user_id = u.id AND e.id > ")
        .bind(events_until)
        .push(")")
        .clone()
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
    let owner = w.locked.owner;
    // A change the caller does not know of (Recent changes does not show it) is not found,
    // not even counted.
    let mut sql = Sql::new(
        "SELECT c.kind, c.created_at, c.undone_at, c.events_until FROM bulk_changes c WHERE c.id = ",
    );
    sql.bind(change)
        .push(" AND c.company_id = ")
        .bind(company)
        .append(&shown_to(can));
    let found: Option<(String, i64, Option<i64>, i64)> = sql.fetch_optional(&mut *w.tx).await?;
    let (kind, created_at, undone_at, events_until) =
        found.ok_or_else(|| AppError::NotFound("That change".into()))?;
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
    let mut refusals: Vec<(Sql, &str)> = vec![
        (changed_since(events_until), "was changed again since"),
        (hierarchy.outranked("u.id"), OUTRANKED),
    ];
    if matches!(kind, BulkKind::Reactivate | BulkKind::ChangeRole) {
        // Undoing a reactivation deactivates; someone may have become the owner since.
        refusals.push((Sql::new("u.id = ").bind(owner).clone(), "is the owner"));
        refusals.push((
            Sql::new("u.id = ").bind(can.actor()).clone(),
            "is you: ask another admin",
        ));
    }
    if kind == BulkKind::ChangeRole {
        refusals.push((
            Sql::new("i.role_deleted = 1"),
            "had a role that has since been deleted",
        ));
        // A role comes back only if the caller may give it on every account of their scope,
        // and on each account where the person holds a role now, and below.
        let roles = company_roles(&mut w.tx, can).await?;
        let grantable: Vec<i64> = roles
            .iter()
            .filter(|(_, (owner, grants))| !owner && can.may_grant(grants, None))
            .map(|(id, _)| *id)
            .collect();
        let mut beyond = Sql::new("(i.role_id IS NOT NULL AND i.role_id NOT IN (");
        beyond
            .append(&if grantable.is_empty() {
                Sql::new("0")
            } else {
                Sql::values(grantable)
            })
            .push("))");
        let held: Vec<(i64, i64)> = Sql::new(
            "SELECT DISTINCT i.role_id, ra.account_id FROM bulk_change_items i
             JOIN role_assignments ra ON ra.user_id = i.user_id
             WHERE i.role_id IS NOT NULL AND i.change_id = ",
        )
        .bind(change)
        .push(" AND i.verdict = ")
        .bind(CHANGES)
        .fetch_all(&mut *w.tx)
        .await?;
        for (role, account) in held {
            let reaches = roles
                .get(&role)
                .is_some_and(|(_, grants)| can.may_grant(grants, Some(AccountId(account))));
            if !reaches {
                beyond
                    .push(" OR (i.role_id = ")
                    .bind(role)
                    .push(" AND EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.user_id = u.id AND ra.account_id = ")
                    .bind(account)
                    .push("))");
            }
        }
        refusals.push((beyond, "would get back a role you can't give"));
    }
    // The people still as the change left them (not restored by an earlier undo).
    let mut in_scope = Sql::new("i.change_id = ");
    in_scope
        .bind(change)
        .push(" AND i.verdict = ")
        .bind(CHANGES)
        .append(&can.scope().users_inside("u.id"));
    let mut refused = Sql::default();
    for (i, (condition, _)) in refusals.iter().enumerate() {
        refused
            .push(if i == 0 { "(" } else { " OR (" })
            .append(condition)
            .push(")");
    }
    let restored = Sql::new("UPDATE bulk_change_items SET restore = 1 WHERE change_id = ")
        .bind(change)
        .push(" AND user_id IN (SELECT u.id FROM bulk_change_items i JOIN users u ON u.id = i.user_id WHERE ")
        .append(&in_scope)
        .push(" AND NOT (")
        .append(&refused)
        .push("))")
        .execute(&mut *w.tx)
        .await? as i64;
    let mut not_restored = Vec::new();
    let mut earlier = Sql::default();
    for (condition, reason) in &refusals {
        let names: Vec<String> =
            Sql::new("SELECT u.name FROM bulk_change_items i JOIN users u ON u.id = i.user_id WHERE ")
                .append(&in_scope)
                .push(" AND i.restore = 0 AND (")
                .append(condition)
                .push(")")
                .append(&earlier)
                .push(" ORDER BY u.name")
                .scalars(&mut *w.tx)
                .await?;
        for name in names {
            not_restored.push(BulkSkip {
                name,
                reason: (*reason).into(),
            });
        }
        earlier.push(" AND NOT (").append(condition).push(")");
    }
    let outside: i64 = Sql::new(
        "SELECT COUNT(*) FROM bulk_change_items i JOIN users u ON u.id = i.user_id WHERE i.change_id = ",
    )
    .bind(change)
    .push(" AND i.verdict = ")
    .bind(CHANGES)
    .push(" AND i.restore = 0 AND NOT (")
    .append(&in_scope)
    .push(")")
    .scalar(&mut *w.tx)
    .await?;
    if outside > 0 {
        not_restored.push(BulkSkip {
            name: plural(outside, "user"),
            reason: "are outside the accounts you manage".into(),
        });
    }
    let gone: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM bulk_change_items i WHERE i.change_id = $1 AND i.verdict = $2
           AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = i.user_id)",
    )
    .bind(change)
    .bind(CHANGES)
    .fetch_one(&mut *w.tx)
    .await?;
    // Who they were is not known: counted only for those who manage everyone.
    if gone > 0 && can.scope().is_all() {
        not_restored.push(BulkSkip {
            name: plural(gone, "user"),
            reason: "deleted since".into(),
        });
    }
    let mut targets = Sql::new("SELECT user_id FROM bulk_change_items WHERE change_id = ");
    targets.bind(change).push(" AND restore = 1");
    // What the change's item for the user in the column `user` held in `column`.
    let item = |column: &str, user: &str| {
        let mut sql = Sql::new(&format!(
            "(SELECT i.{column} FROM bulk_change_items i WHERE i.change_id = "
        ));
        sql.bind(change).push(&format!(" AND i.user_id = {user})"));
        sql
    };
    let root = w.locked.root;
    let root_name = match kind {
        BulkKind::ChangeRole => Some(account_name(&mut w.tx, company, root).await?),
        _ => None,
    };
    match kind {
        BulkKind::ChangeRole => {
            let before = item("role_id", "role_assignments.user_id");
            Sql::new("DELETE FROM role_assignments WHERE account_id = ")
                .bind(root)
                .push(" AND user_id IN (")
                .append(&targets)
                .push(") AND ")
                .append(&before)
                .push(" IS NULL")
                .execute(&mut *w.tx)
                .await?;
            Sql::new("UPDATE role_assignments SET role_id = ")
                .append(&before)
                .push(" WHERE user_id IN (")
                .append(&targets)
                .push(") AND ")
                .append(&before)
                .push(" IS NOT NULL")
                .execute(&mut *w.tx)
                .await?;
        }
        BulkKind::SetTeams | BulkKind::AddToTeams | BulkKind::RemoveFromTeams | BulkKind::MoveTeams => {
            Sql::new("DELETE FROM team_members WHERE user_id IN (")
                .append(&targets)
                .push(")")
                .execute(&mut *w.tx)
                .await?;
            Sql::new(
                "INSERT INTO team_members (team_id, user_id)
                 SELECT t.team_id, t.user_id FROM bulk_change_teams t WHERE t.change_id = ",
            )
            .bind(change)
            .push(" AND t.user_id IN (")
            .append(&targets)
            .push(")")
            .execute(&mut *w.tx)
            .await?;
        }
        BulkKind::Deactivate | BulkKind::Reactivate => {
            Sql::new("UPDATE users SET status = ")
                .append(&item("status", "users.id"))
                .push(", security_stamp = security_stamp + 1 WHERE id IN (")
                .append(&targets)
                .push(")")
                .execute(&mut *w.tx)
                .await?;
            if kind == BulkKind::Reactivate {
                // Deactivated again: their way back in and any session they started since end.
                tokens::spend_all_unused(&mut w.tx, &targets, now).await?;
                Sql::new("DELETE FROM sessions WHERE user_id IN (")
                    .append(&targets)
                    .push(")")
                    .execute(&mut *w.tx)
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
    if restored == 0 {
        // Nothing the caller could restore: the change stays undoable by someone who can.
        w.tx.rollback().await?;
        return Ok(UndoOutcome {
            restored,
            not_restored,
        });
    }
    let after = Some(serde_json::json!({ "undo_of": change }).to_string());
    let account = root_name.as_deref().map(|name| (root, name));
    w.audit_each(events(
        audit_action(kind),
        "u.email",
        "NULL",
        after,
        change,
        true,
        account,
    ))
    .await?;
    // The restored are marked so (and kept, for "Recent changes"); while someone the caller
    // could not restore remains as the change left them, it stays open for those who can.
    sqlx::query(
        "UPDATE bulk_change_items SET verdict = $1, restore = 0 WHERE change_id = $2 AND restore = 1",
    )
    .bind(RESTORED)
    .bind(change)
    .execute(&mut *w.tx)
    .await?;
    let held_back: i64 = Sql::new(
        "SELECT COUNT(*) FROM bulk_change_items i JOIN users u ON u.id = i.user_id WHERE i.change_id = ",
    )
    .bind(change)
    .push(" AND i.verdict = ")
    .bind(CHANGES)
    .push(" AND NOT ")
    .append(&changed_since(events_until))
    .scalar(&mut *w.tx)
    .await?;
    if held_back == 0 {
        sqlx::query("UPDATE bulk_changes SET undone_at = $1 WHERE id = $2")
            .bind(now)
            .bind(change)
            .execute(&mut *w.tx)
            .await?;
    }
    w.announce(LiveEvent::everything(LiveKind::Users));
    if changes_teams(kind) {
        w.announce(LiveEvent::everything(LiveKind::Teams));
    }
    w.commit().await?;
    Ok(UndoOutcome {
        restored,
        not_restored,
    })
}

/// A change of one person made on their own (a row's Deactivate, the API's change role …),
/// recorded as a change of one so that it is undone like a bulk change, by [`undo`]. Begun
/// in the change's transaction before it writes (it notes the person's role, status and
/// teams as they are), and [`OneChange::seal`]ed after its audit event.
pub(super) struct OneChange(i64);

impl OneChange {
    pub(super) async fn begin(
        w: &mut Write<'_>,
        kind: BulkKind,
        user: UserId,
    ) -> Result<OneChange, AppError> {
        let (company, now) = (w.company(), w.now);
        let tx = &mut w.tx;
        let change: i64 = sqlx::query_scalar(
            "INSERT INTO bulk_changes (company_id, actor_id, kind, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(company)
        .bind(w.by.user)
        .bind(serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_string)))
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO bulk_change_items (change_id, user_id, role_id, status, verdict)
             SELECT $1, u.id, (SELECT MIN(ra.role_id) FROM role_assignments ra WHERE ra.user_id = u.id), u.status, $2
             FROM users u WHERE u.id = $3 AND u.company_id = $4",
        )
        .bind(change)
        .bind(CHANGES)
        .bind(user)
        .bind(company)
        .execute(&mut **tx)
        .await?;
        if changes_teams(kind) {
            keep_teams(tx, change, &Sql::values([user])).await?;
        }
        Ok(OneChange(change))
    }

    /// Notes the change's last event: any later event about the person is a change since.
    pub(super) async fn seal(self, w: &mut Write<'_>) -> Result<(), AppError> {
        sqlx::query(
            "UPDATE bulk_changes SET events_until = (SELECT MAX(id) FROM audit_events) WHERE id = $1",
        )
        .bind(self.0)
        .execute(&mut *w.tx)
        .await?;
        Ok(())
    }
}

/// The most changes "Recent changes" lists, newest first.
pub const RECENT_SHOWN: i64 = 50;

/// ` AND …` over a change `c`: the changes `can` knows of. Those who manage everyone know every
/// change; a scoped admin their own and those about someone inside their accounts.
fn shown_to(can: &Can<perm::ManageUsers>) -> Sql {
    let mut sql = Sql::default();
    if !can.scope().is_all() {
        sql.push(" AND (c.actor_id = ")
            .bind(can.actor())
            .push(" OR EXISTS (SELECT 1 FROM bulk_change_items i JOIN users u ON u.id = i.user_id WHERE i.change_id = c.id")
            .append(&can.scope().users_inside("u.id"))
            .push("))");
    }
    sql
}

/// The company's changes of users of the last day, newest first, as far as the caller may
/// see them: everyone's for a company-wide manager; for one whose scope is some accounts,
/// their own and those that changed someone inside those accounts, and people are named only
/// when all of them are inside (otherwise counted). Deleting is not listed (it can't be undone).
#[tracing::instrument(skip(db, can), err(Debug))]
pub async fn recent(db: &Db, can: &Can<perm::ManageUsers>, now: i64) -> Result<Vec<RecentChange>, AppError> {
    let mut conn = db.acquire().await?;
    let mut sql = Sql::new(
        "SELECT c.id, c.kind, c.created_at, c.undone_at, c.actor_id, COALESCE(a.name, ''),
                (SELECT COUNT(*) FROM bulk_change_items i WHERE i.change_id = c.id),
                (SELECT COUNT(*) FROM bulk_change_items i WHERE i.change_id = c.id AND i.verdict = ",
    );
    sql.bind(RESTORED)
        .push(
            ")
         FROM bulk_changes c LEFT JOIN users a ON a.id = c.actor_id AND a.company_id = c.company_id
         WHERE c.company_id = ",
        )
        .bind(can.company())
        .push(" AND c.created_at >= ")
        .bind(now - KEEP_MS)
        .push(" AND c.kind <> 'delete'");
    sql.append(&shown_to(can));
    sql.push(" ORDER BY c.created_at DESC, c.id DESC LIMIT ")
        .bind(RECENT_SHOWN);
    type Row = (i64, String, i64, Option<i64>, Option<i64>, String, i64, i64);
    let rows: Vec<Row> = sql.fetch_all(&mut *conn).await?;
    let mut changes = Vec::with_capacity(rows.len());
    for (id, kind, at, undone_at, actor, by, people, restored) in rows {
        let Ok(kind) = serde_json::from_value::<BulkKind>(serde_json::Value::String(kind)) else {
            continue;
        };
        // Named only when every one of them is someone the caller may see.
        let names = if people as usize <= RecentChange::NAMED {
            let names: Vec<String> =
                Sql::new("SELECT u.name FROM bulk_change_items i JOIN users u ON u.id = i.user_id WHERE i.change_id = ")
                    .bind(id)
                    .append(&can.scope().users_inside("u.id"))
                    .push(" ORDER BY u.name")
                    .scalars(&mut *conn)
                    .await?;
            if names.len() as i64 == people {
                names
            } else {
                Vec::new()
            }
        } else {
            Vec::new()
        };
        let until = at + UNDO_WINDOW_MS;
        changes.push(RecentChange {
            id,
            kind,
            by,
            mine: actor == Some(can.actor().0),
            at,
            people,
            names,
            restored,
            undone_at,
            undoable: undone_at.is_none() && now <= until && restored < people,
            until,
        });
    }
    Ok(changes)
}
