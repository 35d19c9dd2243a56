//! Counts failed sign-ins per key (`email:<address>`, `ip:<address>`, and the pairs
//! `email:<address> ip:<address>`, `email:<address> device:<id>`) so repeated failures slow
//! down, then lock for a while. Kept in the database so every instance sees the same counts.
//! Which keys a sign-in consults, and how, is `server::signin`'s policy.

use super::Db;
use std::time::Duration;

/// Failures older than this are forgotten at the next failure.
const WINDOW_MS: i64 = 60 * 60 * 1000;

/// The longest wait of the soft schedule.
const SOFT_CAP: Duration = Duration::from_secs(30);

/// How long after the last failure the next attempt must wait, given `failures` so far and
/// how many failures are `free` before slowing down (more for an IP, which many people can
/// share). The schedule: 1 s, 3 s, 10 s, then a 15-minute lock.
pub fn wait_after(failures: i64, free: i64) -> Duration {
    match failures - free {
        i64::MIN..=0 => Duration::ZERO,
        1 => Duration::from_secs(1),
        2 => Duration::from_secs(3),
        3 => Duration::from_secs(10),
        _ => Duration::from_secs(15 * 60),
    }
}

/// The soft schedule: as [`wait_after`], but never more than 30 s, so it cannot lock anyone out.
pub fn soft_wait_after(failures: i64, free: i64) -> Duration {
    wait_after(failures, free).min(SOFT_CAP)
}

/// The key counting an account's failures, from every client.
pub fn account_key(email: &str) -> String {
    format!("email:{email}")
}

/// The key counting a client address's failures, on every account.
pub fn address_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// The key counting one client's failures on one account; the client is an address
/// (`address_key`) or a known device (`device:<id>`).
pub fn account_client_key(email: &str, client: &str) -> String {
    format!("email:{email} {client}")
}

/// A key's failures within the window.
#[derive(Debug, Clone, Copy)]
pub struct Failures {
    pub count: i64,
    pub last_at: i64,
}

impl Failures {
    /// Seconds to wait from `now`, if any, when each failure after the last is `wait` long.
    pub fn retry_after(&self, wait: Duration, now: i64) -> Option<u64> {
        let until = self.last_at + wait.as_millis() as i64;
        (until > now).then(|| ((until - now) as u64).div_ceil(1000))
    }
}

/// The failures of `key` within the window, if any.
pub async fn failures(db: &Db, key: &str, now: i64) -> Result<Option<Failures>, sqlx::Error> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT failures, last_failure_at FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(db)
            .await?;
    Ok(row
        .filter(|&(_, last)| last >= now - WINDOW_MS)
        .map(|(count, last_at)| Failures { count, last_at }))
}

/// Seconds to wait before `key` may try again, if any, on the locking schedule.
pub async fn retry_after(db: &Db, key: &str, free: i64, now: i64) -> Result<Option<u64>, sqlx::Error> {
    Ok(failures(db, key, now)
        .await?
        .and_then(|f| f.retry_after(wait_after(f.count, free), now)))
}

pub async fn record_failure(db: &Db, key: &str, now: i64) -> Result<(), sqlx::Error> {
    let _turn = super::turn(db).await;
    sqlx::query(
        "INSERT INTO login_throttle (key, failures, last_failure_at) VALUES ($1, 1, $2)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN login_throttle.last_failure_at < $3 THEN 1 ELSE login_throttle.failures + 1 END,
           last_failure_at = $2",
    )
    .bind(key)
    .bind(now)
    .bind(now - WINDOW_MS)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn clear(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    let _turn = super::turn(db).await;
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(db)
        .await
        .map(|_| ())
}

/// Forgets every count about the account `email`: its own and each client's on it (emails
/// hold no spaces, so the prefix `email:<address> ` is this account's alone), say after its
/// owner proved they hold the mailbox.
pub async fn clear_account(db: &Db, email: &str) -> Result<(), sqlx::Error> {
    let _turn = super::turn(db).await;
    let escaped = email
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    sqlx::query("DELETE FROM login_throttle WHERE key = $1 OR key LIKE $2 ESCAPE '\\'")
        .bind(account_key(email))
        .bind(account_client_key(&escaped, "%"))
        .execute(db)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_the_free_failures_and_end_in_a_lock() {
        assert_eq!(wait_after(3, 3), Duration::ZERO);
        assert_eq!(wait_after(4, 3), Duration::from_secs(1));
        assert_eq!(wait_after(5, 3), Duration::from_secs(3));
        assert_eq!(wait_after(6, 3), Duration::from_secs(10));
        assert_eq!(wait_after(7, 3), Duration::from_secs(900));
        assert_eq!(wait_after(70, 3), Duration::from_secs(900));
    }

    #[test]
    fn the_soft_schedule_waits_the_same_but_never_locks() {
        assert_eq!(soft_wait_after(6, 3), Duration::from_secs(10));
        assert_eq!(soft_wait_after(7, 3), Duration::from_secs(30));
        assert_eq!(soft_wait_after(70, 3), Duration::from_secs(30));
    }
}
