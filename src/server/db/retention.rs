//! Audit log retention: a daily job deletes each company's events older than its setting
//! (`companies.audit_retention_days`, 30 to 3,650 days) in batches, after writing one
//! `audit_log.purged` event that says how many go, up to when, and the hash the remaining
//! chain continues from (see `chain`).
//!
//! Any instance may run the job; a lease row (`job_leases`) lets one at a time do so, and a
//! company's purge takes its chain head, so even two purges at once would not remove or
//! count anything twice. What a purge removes is a prefix of the chain: every event before
//! the first one that is not old (an id order and a clock order that disagree by a few
//! milliseconds keep an old event a day longer rather than remove a recent one).

use super::{
    audit::{self, New},
    chain::{self, AuditKey},
    Db,
};
use crate::model::{ActorKind, AuditAction, CompanyId};

/// The job's name in `job_leases`.
pub const JOB: &str = "audit_retention";
/// Events deleted per statement (and transaction).
pub const BATCH: i64 = 5_000;
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// How long a run may hold the lease before another instance may take the job over.
const LEASE_MS: i64 = 6 * 60 * 60 * 1000;

/// What one company's purge removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purged {
    pub company: CompanyId,
    /// Events removed (the figure the purge's event records).
    pub removed: i64,
    /// DELETE statements it took.
    pub batches: u32,
}

/// Runs the job if it is due (not run in the last day) and no other instance holds it, as
/// `holder`; `None` when it was not this instance's turn.
pub async fn run_if_due(
    db: &Db,
    key: &AuditKey,
    holder: &str,
    now: i64,
) -> Result<Option<Vec<Purged>>, sqlx::Error> {
    let taken = sqlx::query(
        "UPDATE job_leases SET holder = $1, until = $2 WHERE name = $3 AND until < $4 AND last_run <= $5",
    )
    .bind(holder)
    .bind(now + LEASE_MS)
    .bind(JOB)
    .bind(now)
    .bind(now - DAY_MS)
    .execute(db)
    .await?
    .rows_affected();
    if taken == 0 {
        return Ok(None);
    }
    let purged = purge_all(db, key, now, BATCH).await;
    sqlx::query("UPDATE job_leases SET until = 0, last_run = $1 WHERE name = $2 AND holder = $3")
        .bind(if purged.is_ok() { now } else { 0 })
        .bind(JOB)
        .bind(holder)
        .execute(db)
        .await?;
    purged.map(Some)
}

/// Purges every company's old events, `batch` at a time.
pub async fn purge_all(db: &Db, key: &AuditKey, now: i64, batch: i64) -> Result<Vec<Purged>, sqlx::Error> {
    let companies: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, audit_retention_days FROM companies ORDER BY id")
            .fetch_all(db)
            .await?;
    let mut purged = Vec::new();
    for (company, days) in companies {
        let cutoff = now - days * DAY_MS;
        if let Some(p) = purge_company(db, key, CompanyId(company), cutoff, now, batch).await? {
            purged.push(p);
        }
    }
    Ok(purged)
}

/// Removes `company`'s events written before `cutoff`: first records the purge (in the chain,
/// under the chain head), then deletes in batches of `batch`, each its own transaction.
pub async fn purge_company(
    db: &Db,
    key: &AuditKey,
    company: CompanyId,
    cutoff: i64,
    now: i64,
    batch: i64,
) -> Result<Option<Purged>, sqlx::Error> {
    let (turn, mut tx) = super::begin_write(db).await?;
    // The company's turn at its chain: a writer or another purge waits until this one commits.
    chain::lock(&mut tx, key, company, 0).await?;
    let first_recent: Option<i64> =
        sqlx::query_scalar("SELECT MIN(id) FROM audit_events WHERE company_id = $1 AND created_at >= $2")
            .bind(company)
            .bind(cutoff)
            .fetch_one(&mut *tx)
            .await?;
    let through: Option<i64> =
        sqlx::query_scalar("SELECT MAX(id) FROM audit_events WHERE company_id = $1 AND id < $2")
            .bind(company)
            .bind(first_recent.unwrap_or(i64::MAX))
            .fetch_one(&mut *tx)
            .await?;
    let Some(through) = through else {
        return Ok(None);
    };
    // Events up to an earlier purge's `through_id` were counted by it (a run stopped between
    // its event and its last batch leaves some): they are deleted, not counted again.
    let earlier: Option<Option<String>> = sqlx::query_scalar(
        "SELECT after_json FROM audit_events WHERE company_id = $1 AND action = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(company)
    .bind(AuditAction::AuditLogPurged.key())
    .fetch_optional(&mut *tx)
    .await?;
    let counted_upto = earlier
        .flatten()
        .and_then(|a| serde_json::from_str::<serde_json::Value>(&a).ok())
        .and_then(|v| v["through_id"].as_i64())
        .unwrap_or(0);
    let removed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE company_id = $1 AND id <= $2 AND id > $3",
    )
    .bind(company)
    .bind(through)
    .bind(counted_upto)
    .fetch_one(&mut *tx)
    .await?;
    if removed > 0 {
        let legacy_upto: i64 =
            sqlx::query_scalar("SELECT legacy_upto FROM audit_chain WHERE company_id = $1")
                .bind(company)
                .fetch_one(&mut *tx)
                .await?;
        // The hash the first remaining event was chained from.
        let continues_from = if through <= legacy_upto {
            key.start(company.0, legacy_upto)
        } else {
            sqlx::query_scalar::<_, Option<String>>("SELECT hash FROM audit_events WHERE id = $1")
                .bind(through)
                .fetch_one(&mut *tx)
                .await?
                .unwrap_or_default()
        };
        let after = serde_json::json!({
            "removed": removed,
            "before": cutoff,
            "through_id": through,
            "continues_from": continues_from,
        })
        .to_string();
        let event = New {
            actor_kind: ActorKind::System,
            actor: None,
            actor_name: "System",
            action: AuditAction::AuditLogPurged,
            target: None,
            label: "",
            before: None,
            after: Some(&after),
            ip: "",
            account: None,
        };
        audit::insert(&mut tx, key, company, now, &[event]).await?;
    }
    tx.commit().await?;
    drop(turn);
    let mut batches = 0;
    loop {
        let (_turn, mut tx) = super::begin_write(db).await?;
        let deleted = sqlx::query(
            "DELETE FROM audit_events WHERE id IN
               (SELECT id FROM audit_events WHERE company_id = $1 AND id <= $2 ORDER BY id LIMIT $3)",
        )
        .bind(company)
        .bind(through)
        .bind(batch)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        if deleted == 0 {
            break;
        }
        batches += 1;
        if (deleted as i64) < batch {
            break;
        }
    }
    if removed == 0 && batches == 0 {
        return Ok(None);
    }
    Ok(Some(Purged {
        company,
        removed,
        batches,
    }))
}
