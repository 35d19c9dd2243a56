//! Counts failed sign-ins per key (`email:<address>`, `ip:<address>`, and the pairs
//! `email:<address> ip:<address>`, `email:<address> device:<id>`) so repeated failures slow
//! down, then lock for a while. Kept in the database so every instance sees the same counts.
//! Which keys a sign-in consults, and how, is `server::signin`'s policy.

use super::Db;
use sqlx::AnyConnection;
use std::time::Duration;

/// Failures older than this are forgotten at the next failure.
const WINDOW_MS: i64 = 60 * 60 * 1000;

/// The longest wait of the soft schedule.
const SOFT_CAP: Duration = Duration::from_secs(30);

/// How long after the last failure the next attempt must wait, given `failures` so far and
/// how many failures are `free` before slowing down (more for an IP, which many people can
/// share). The schedule: 1 s, 3 s, 10 s, then a 15-minute lock.
fn wait_after(failures: i64, free: i64) -> Duration {
    match failures - free {
        i64::MIN..=0 => Duration::ZERO,
        1 => Duration::from_secs(1),
        2 => Duration::from_secs(3),
        3 => Duration::from_secs(10),
        _ => Duration::from_secs(15 * 60),
    }
}

/// The soft schedule: as [`wait_after`], but never more than 30 s, so it cannot lock anyone out.
fn soft_wait_after(failures: i64, free: i64) -> Duration {
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
    /// Seconds to wait from `now`, if any, on the locking schedule ([`wait_after`]) with
    /// `free` failures before it starts.
    pub fn wait(&self, free: i64, now: i64) -> Option<u64> {
        self.retry_after(wait_after(self.count, free), now)
    }

    /// Seconds to wait from `now`, if any, on the soft schedule ([`soft_wait_after`]).
    pub fn soft_wait(&self, free: i64, now: i64) -> Option<u64> {
        self.retry_after(soft_wait_after(self.count, free), now)
    }

    /// Seconds to wait from `now`, if any, when each failure after the last is `wait` long.
    fn retry_after(&self, wait: Duration, now: i64) -> Option<u64> {
        let until = self.last_at + wait.as_millis() as i64;
        // No wait is no wait, even after a failure stamped a little after `now` (a try that
        // read the clock later but was counted first, or another instance's clock).
        (!wait.is_zero() && until > now).then(|| ((until - now) as u64).div_ceil(1000))
    }
}

/// The failures of `key` within the window, if any.
async fn failures(conn: &mut AnyConnection, key: &str, now: i64) -> Result<Option<Failures>, sqlx::Error> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT failures, last_failure_at FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(conn)
            .await?;
    Ok(row
        .filter(|&(_, last)| last >= now - WINDOW_MS)
        .map(|(count, last_at)| Failures { count, last_at }))
}

/// Whether a try may go on: `Go` counts it, `Wait` refuses it for so many seconds.
pub enum Verdict {
    Go,
    Wait { secs: u64, counted: bool },
}

/// A try counted before it is judged, so that tries sent at once each see those before
/// them: in one write transaction (SQLite's write turn; on PostgreSQL an advisory lock per
/// key, taken in one order, so instances take turns too) the failures of `keys` are read and
/// `judge`d (in the order given), and the try is counted as a failure on every key unless the
/// judge refuses it without counting it. A try that then succeeds takes its count back
/// ([`succeeded`]). Answers the judge's wait, if any.
pub async fn attempt(
    db: &Db,
    keys: &[&str],
    now: i64,
    judge: impl FnOnce(&[Option<Failures>]) -> Verdict,
) -> Result<Option<u64>, sqlx::Error> {
    let (_turn, mut tx) = super::begin_write(db).await?;
    if super::Backend::of_connection(&tx) == super::Backend::Postgres {
        let mut ordered = keys.to_vec();
        ordered.sort_unstable();
        ordered.dedup();
        for key in ordered {
            // pg_advisory_xact_lock returns `void`, which the Any driver cannot decode.
            sqlx::query(
                "SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtextextended($1, 7))) AS l",
            )
            .bind(key)
            .execute(&mut *tx)
            .await?;
        }
    }
    let mut seen = Vec::with_capacity(keys.len());
    for key in keys {
        seen.push(failures(&mut tx, key, now).await?);
    }
    let (wait, count) = match judge(&seen) {
        Verdict::Go => (None, true),
        Verdict::Wait { secs, counted } => (Some(secs), counted),
    };
    if count {
        for key in keys {
            count_failure(&mut tx, key, now).await?;
        }
    }
    tx.commit().await?;
    Ok(wait)
}

/// After a try that succeeded ([`attempt`] counted it as a failure): forgets the counts of
/// `forgotten`, and takes its one failure back from `taken_back`, in one write.
pub async fn succeeded(db: &Db, forgotten: &[&str], taken_back: Option<&str>) -> Result<(), sqlx::Error> {
    let (_turn, mut tx) = super::begin_write(db).await?;
    for key in forgotten {
        sqlx::query("DELETE FROM login_throttle WHERE key = $1")
            .bind(key)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(key) = taken_back {
        sqlx::query("UPDATE login_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0")
            .bind(key)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

async fn count_failure(conn: &mut AnyConnection, key: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO login_throttle (key, failures, last_failure_at) VALUES ($1, 1, $2)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN login_throttle.last_failure_at < $3 THEN 1 ELSE login_throttle.failures + 1 END,
           last_failure_at = $2",
    )
    .bind(key)
    .bind(now)
    .bind(now - WINDOW_MS)
    .execute(conn)
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
    fn no_wait_is_due_after_a_free_failure_stamped_a_little_after_now() {
        // A try that read the clock first but was counted after another one.
        let free = Failures {
            count: 2,
            last_at: 1_005,
        };
        assert_eq!(free.wait(3, 1_000), None);
        let waiting = Failures { count: 4, ..free };
        assert_eq!(waiting.wait(3, 1_000), Some(2));
    }

    #[test]
    fn the_soft_schedule_waits_the_same_but_never_locks() {
        assert_eq!(soft_wait_after(6, 3), Duration::from_secs(10));
        assert_eq!(soft_wait_after(7, 3), Duration::from_secs(30));
        assert_eq!(soft_wait_after(70, 3), Duration::from_secs(30));
    }
}
