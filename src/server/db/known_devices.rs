//! Known devices: browsers that signed in to an account before, each holding a long-lived
//! cookie whose token is stored here only as a hash. Sign-in lets a known device past the
//! throttling that other clients' failures cause (`server::signin`).

use super::Db;
use crate::model::UserId;
use std::time::Duration;

/// How long a device stays known after the sign-in that made it so (the cookie's Max-Age).
pub const LIFETIME: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// The most devices remembered per user; older ones are forgotten first. Programs signing in
/// without a cookie jar would otherwise add a row at every sign-in.
const MAX_PER_USER: i64 = 20;

fn cutoff(now: i64) -> i64 {
    now - LIFETIME.as_millis() as i64
}

/// The id of the unexpired known device with this token hash, if it belongs to the user with
/// this login email. One query whether or not the email has an account, so the answer's
/// timing does not tell.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn find(db: &Db, token_hash: &str, email: &str, now: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT d.id FROM known_devices d JOIN users u ON u.id = d.user_id
         WHERE d.token_hash = $1 AND u.email = $2 AND d.created_at > $3",
    )
    .bind(token_hash)
    .bind(email)
    .bind(cutoff(now))
    .fetch_optional(db)
    .await
}

/// Remembers a device of `user` by its token's hash, forgetting the user's expired devices and
/// those beyond the newest `MAX_PER_USER`.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn remember(db: &Db, user: UserId, token_hash: &str, now: i64) -> Result<(), sqlx::Error> {
    let (_turn, mut tx) = super::begin_write(db).await?;
    sqlx::query("INSERT INTO known_devices (user_id, token_hash, created_at) VALUES ($1, $2, $3)")
        .bind(user)
        .bind(token_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM known_devices WHERE user_id = $1 AND (created_at <= $2 OR id NOT IN (
           SELECT id FROM known_devices WHERE user_id = $1 ORDER BY id DESC LIMIT $3))",
    )
    .bind(user)
    .bind(cutoff(now))
    .bind(MAX_PER_USER)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}
