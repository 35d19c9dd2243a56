//! Sessions: one row per signed-in device, found by the hash of the cookie's token.

use super::{now_ms, Db};
use crate::{
    error::AppError,
    model::{AccountId, CompanyId, Device, Devices, Grants, Module, SessionId, UserId},
    server::access::Assignment,
};
use sqlx::{Any, Transaction};

/// A session joined with its active user and company.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub session_id: i64,
    pub session_last_seen_at: i64,
    pub expires_at: i64,
    pub user_id: i64,
    pub company_id: i64,
    pub name: String,
    pub email: String,
    pub company_name: String,
    pub root_account: i64,
    pub time_zone: String,
    pub theme: String,
}

/// The session's row repeated for each of the user's role assignments.
#[derive(sqlx::FromRow)]
struct SessionAssignmentRow {
    #[sqlx(flatten)]
    session: SessionRow,
    account_id: Option<i64>,
    role_name: Option<String>,
    builtin: Option<String>,
    permissions: Option<String>,
}

impl SessionRow {
    pub fn ids(&self) -> (SessionId, UserId, CompanyId) {
        (
            SessionId(self.session_id),
            UserId(self.user_id),
            CompanyId(self.company_id),
        )
    }
}

/// What is stored about a new session.
pub struct NewSession<'a> {
    pub user_id: UserId,
    pub token_hash: &'a str,
    pub now: i64,
    pub expires_at: i64,
    pub ip: &'a str,
    pub user_agent: &'a str,
    /// The user's security stamp when their credentials were checked (their current one
    /// when `None`): a password changed in between leaves the new session dead.
    pub stamp: Option<i64>,
}

/// Stores a new session and counts the sign-in as the user being seen, if the user is still
/// active: `None` when they were deactivated since their credentials were checked. Marking them
/// seen first takes their row, so a deactivation waits for this session and then ends it, or
/// this waits for the deactivation and writes nothing.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn create(db: &Db, s: NewSession<'_>) -> Result<Option<SessionId>, sqlx::Error> {
    let (_turn, mut tx) = super::begin_write(db).await?;
    let active = sqlx::query("UPDATE users SET last_seen_at = $1 WHERE id = $2 AND status = 'active'")
        .bind(s.now)
        .bind(s.user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if active == 0 {
        return Ok(None);
    }
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent, stamp)
         VALUES ($1, $2, $3, $3, $4, $5, $6, COALESCE($7, (SELECT security_stamp FROM users WHERE id = $1)))
         RETURNING id",
    )
    .bind(s.user_id)
    .bind(s.token_hash)
    .bind(s.now)
    .bind(s.expires_at)
    .bind(s.ip)
    .bind(truncate(s.user_agent, 512))
    .bind(s.stamp)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(SessionId(id)))
}

/// The session with this token hash, if its user is active, with the user's role assignments
/// (in one query). Expiry is judged by the caller, which knows the configured timeouts.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn find(
    db: &Db,
    token_hash: &str,
    modules: &[Module],
) -> Result<Option<(SessionRow, Vec<Assignment>)>, sqlx::Error> {
    let rows = sqlx::query_as::<_, SessionAssignmentRow>(
        "SELECT s.id AS session_id, s.last_seen_at AS session_last_seen_at, s.expires_at,
                u.id AS user_id, u.company_id, u.name, u.email, c.name AS company_name,
                root.id AS root_account, u.time_zone, u.theme,
                ra.account_id, r.name AS role_name, r.builtin, r.permissions
         FROM sessions s
         JOIN users u ON u.id = s.user_id AND u.status = 'active' AND u.security_stamp = s.stamp
         JOIN companies c ON c.id = u.company_id
         JOIN accounts root ON root.company_id = u.company_id AND root.parent_id IS NULL
         LEFT JOIN role_assignments ra ON ra.user_id = u.id
         LEFT JOIN roles r ON r.id = ra.role_id
         WHERE s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_all(db)
    .await?;
    let assignments = rows
        .iter()
        .filter_map(|row| {
            Some(Assignment {
                account: AccountId(row.account_id?),
                role_name: row.role_name.clone()?,
                grants: Grants::of_role(row.builtin.as_deref(), row.permissions.as_deref()?, modules),
            })
        })
        .collect();
    Ok(rows.into_iter().next().map(|row| (row.session, assignments)))
}

/// Every account of the company with its parent, to lay a user's assignments over.
pub async fn account_tree(
    db: &Db,
    company: CompanyId,
) -> Result<Vec<(AccountId, Option<AccountId>)>, sqlx::Error> {
    let rows: Vec<(i64, Option<i64>)> =
        sqlx::query_as("SELECT id, parent_id FROM accounts WHERE company_id = $1")
            .bind(company)
            .fetch_all(db)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, parent)| (AccountId(id), parent.map(AccountId)))
        .collect())
}

/// Which live sessions a move of the security stamp carries over.
pub enum Carry {
    /// The caller's own session only.
    One(SessionId),
    /// Every session still live (made under the current stamp); those ended by an earlier
    /// move stay ended.
    AllLive,
}

/// Moves the user's security stamp on, which ends every session of theirs but those carried.
pub async fn bump_stamp(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user: UserId,
    carry: Carry,
) -> Result<(), sqlx::Error> {
    let old: i64 = sqlx::query_scalar(
        "UPDATE users SET security_stamp = security_stamp + 1 WHERE id = $1 RETURNING security_stamp - 1",
    )
    .bind(user)
    .fetch_one(&mut **tx)
    .await?;
    let only = match carry {
        Carry::One(session) => session.0,
        Carry::AllLive => 0,
    };
    sqlx::query(
        "UPDATE sessions SET stamp = $2 + 1 WHERE user_id = $1 AND stamp = $2 AND ($3 = 0 OR id = $3)",
    )
    .bind(user)
    .bind(old)
    .bind(only)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records activity on the session and the user's "last seen".
pub async fn touch(db: &Db, session: SessionId, user: UserId, now: i64) -> Result<(), sqlx::Error> {
    let (_turn, mut tx) = super::begin_write(db).await?;
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
        .bind(now)
        .bind(session)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE users SET last_seen_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

pub async fn delete(db: &Db, session: SessionId) -> Result<(), sqlx::Error> {
    let _turn = super::turn(db).await;
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(session)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn delete_by_token_hash(db: &Db, token_hash: &str) -> Result<(), sqlx::Error> {
    let _turn = super::turn(db).await;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(db)
        .await
        .map(|_| ())
}

/// Removes sessions past their absolute end or idle longer than `idle_ms`.
pub async fn delete_expired(db: &Db, now: i64, idle_ms: i64) -> Result<u64, sqlx::Error> {
    let _turn = super::turn(db).await;
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
        .bind(now)
        .bind(now - idle_ms)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[derive(sqlx::FromRow)]
struct SessionListRow {
    id: i64,
    created_at: i64,
    last_seen_at: i64,
    ip: String,
    user_agent: String,
}

/// The live sessions of `user` (not past their end, not idle longer than `idle_ms`), most
/// recently active first.
pub async fn live_of(db: &Db, user: UserId, current: SessionId, idle_ms: i64) -> Result<Devices, AppError> {
    let now = now_ms();
    let rows: Vec<SessionListRow> = sqlx::query_as(
        "SELECT id, created_at, last_seen_at, ip, user_agent FROM sessions
         WHERE user_id = $1 AND expires_at > $2 AND last_seen_at > $3
         ORDER BY last_seen_at DESC, id DESC",
    )
    .bind(user)
    .bind(now)
    .bind(now - idle_ms)
    .fetch_all(db)
    .await?;
    let mut devices = rows
        .into_iter()
        .map(|r| {
            let (browser, os) = crate::server::user_agent::describe(&r.user_agent);
            Device {
                id: SessionId(r.id),
                browser,
                os,
                ip: r.ip,
                signed_in_at: r.created_at,
                last_active_at: r.last_seen_at,
                current: r.id == current.0,
            }
        })
        .collect::<Vec<_>>();
    // This device first, then the most recently active.
    devices.sort_by_key(|d| !d.current);
    Ok(Devices { now, devices })
}

/// Deletes sessions of `user`: just `only`, or all but `keep`, or all.
pub async fn end_of_user(
    tx: &mut Transaction<'_, Any>,
    user: UserId,
    only: Option<SessionId>,
    keep: Option<SessionId>,
) -> Result<u64, sqlx::Error> {
    let result = match (only, keep) {
        (Some(only), _) => {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id = $2")
                .bind(user)
                .bind(only)
                .execute(&mut **tx)
                .await?
        }
        (None, Some(keep)) => {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
                .bind(user)
                .bind(keep)
                .execute(&mut **tx)
                .await?
        }
        (None, None) => {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user)
                .execute(&mut **tx)
                .await?
        }
    };
    Ok(result.rows_affected())
}

/// Gives the user's session `session` a new token (the caller's own, after a password change).
pub async fn rekey(
    tx: &mut Transaction<'_, Any>,
    user: UserId,
    session: SessionId,
    token_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET token_hash = $1 WHERE id = $2 AND user_id = $3")
        .bind(token_hash)
        .bind(session)
        .bind(user)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
