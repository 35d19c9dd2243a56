//! Counts failed sign-ins per key (`email:<address>`, `ip:<address>`) so repeated failures
//! slow down, then lock for a while. Kept in the database so every instance sees the same
//! counts.

use super::Db;
use std::time::Duration;

/// Failures older than this are forgotten at the next failure.
const WINDOW_MS: i64 = 60 * 60 * 1000;

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

/// Seconds to wait before `key` may try again, if any.
pub async fn retry_after(db: &Db, key: &str, free: i64, now: i64) -> Result<Option<u64>, sqlx::Error> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT failures, last_failure_at FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(db)
            .await?;
    Ok(row.and_then(|(failures, last)| {
        let until = last + wait_after(failures, free).as_millis() as i64;
        (until > now).then(|| ((until - now) as u64).div_ceil(1000))
    }))
}

pub async fn record_failure(db: &Db, key: &str, now: i64) -> Result<(), sqlx::Error> {
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
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
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
}
