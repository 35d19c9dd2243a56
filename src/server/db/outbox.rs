//! The durable outbox: every email is a row written in the transaction of the change that
//! causes it, and logged with its links. The mailer (`server::mailer`) delivers the rows by
//! SMTP when `ROSTER_SMTP_URL` is set; without it they stay here, unsent.
//!
//! A row is pending while `sent_at` and `failed_at` are NULL, and due once `next_attempt_at`
//! has passed. A worker claims a due row before sending it by bumping `attempts` from the
//! value it read and moving `next_attempt_at` past a lease, so however many workers share
//! the database, each attempt belongs to one of them; a worker that dies mid-send leaves the
//! row to be retried when the lease ends. `attempts` counts every attempt, the successful
//! one included.

use super::Db;
use crate::{model::CompanyId, server::mail::Message};
use sqlx::{Any, Transaction};

pub async fn queue(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    kind: &str,
    to: &str,
    message: &Message,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO outbox (company_id, kind, to_email, subject, text_body, html_body, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(company)
    .bind(kind)
    .bind(to)
    .bind(&message.subject)
    .bind(&message.text)
    .bind(&message.html)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    tracing::info!(kind, to, subject = %message.subject, "email queued in the outbox:\n{}", message.text);
    Ok(())
}

/// A pending message, as a worker reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pending {
    pub id: i64,
    pub kind: String,
    pub to_email: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub created_at: i64,
    /// Attempts so far: the version a claim must match.
    pub attempts: i64,
}

/// Up to `limit` pending messages due at `now`, longest waiting first.
#[tracing::instrument(skip(db), err(Debug))]
pub async fn due(db: &Db, now: i64, limit: i64) -> Result<Vec<Pending>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, kind, to_email, subject, text_body, html_body, created_at, attempts FROM outbox
         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
         ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The pending messages (neither sent nor given up), as `/metrics` reports them.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Backlog {
    pub pending: i64,
    /// When the longest waiting of them was queued (Unix ms).
    pub oldest_at: Option<i64>,
}

/// How many messages are pending and since when: read through the pending rows' index.
pub async fn backlog(db: &Db) -> Result<Backlog, sqlx::Error> {
    sqlx::query_as(
        "SELECT COUNT(*) AS pending, MIN(created_at) AS oldest_at FROM outbox
         WHERE sent_at IS NULL AND failed_at IS NULL",
    )
    .fetch_one(db)
    .await
}

/// How one attempt at a message ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub id: i64,
    /// The value of `attempts` after this attempt's claim.
    pub attempt: i64,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Why it failed, and what happens next.
    Failed {
        error: String,
        then: AfterFailure,
    },
}

/// What happens after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again at this time (Unix ms).
    RetryAt(i64),
    /// Give up: no more attempts.
    GiveUp,
}

/// A worker's one write per message: records how its last attempt ended (`ended`), then
/// takes `next` for one attempt if it is still pending, due and unchanged since it was read
/// (counts the attempt and keeps other workers off it until `lease_until`). Answers whether
/// `next` was taken (false when another worker got there first, or without `next`).
///
/// Both in one transaction, so a worker takes the write turn once per message, not twice
/// (behind a stream of changes each turn is a wait: `make soak`'s outbox fell behind), and
/// still holds one claim at a time: a worker that dies leaves at most one message sent and
/// not recorded.
#[tracing::instrument(skip_all, fields(ended = ended.map(|a| a.id), next = next.map(|m| m.id)), err(Debug))]
pub async fn record_and_claim(
    db: &Db,
    ended: Option<&Attempt>,
    next: Option<&Pending>,
    now: i64,
    lease_until: i64,
) -> Result<bool, sqlx::Error> {
    let (_turn, mut tx) = super::begin_write_outside_companies(db).await?;
    if let Some(attempt) = ended {
        record(&mut tx, attempt, now).await?;
    }
    let claimed = match next {
        Some(message) => claim(&mut tx, message, now, lease_until).await?,
        None => false,
    };
    tx.commit().await?;
    Ok(claimed)
}

async fn claim(
    tx: &mut Transaction<'_, Any>,
    message: &Pending,
    now: i64,
    lease_until: i64,
) -> Result<bool, sqlx::Error> {
    let claimed = sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1
         WHERE id = $2 AND attempts = $3 AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $4",
    )
    .bind(lease_until)
    .bind(message.id)
    .bind(message.attempts)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(claimed == 1)
}

/// Records `attempt`'s end; does nothing when the row has moved on (another worker's attempt
/// after a lost lease).
async fn record(tx: &mut Transaction<'_, Any>, attempt: &Attempt, now: i64) -> Result<(), sqlx::Error> {
    let query = match &attempt.outcome {
        Outcome::Sent => {
            sqlx::query("UPDATE outbox SET sent_at = $1 WHERE id = $2 AND attempts = $3 AND sent_at IS NULL")
                .bind(now)
        }
        Outcome::Failed { error, then } => {
            let (next_attempt_at, failed_at) = match *then {
                AfterFailure::RetryAt(at) => (at, None),
                AfterFailure::GiveUp => (now, Some(now)),
            };
            sqlx::query(
                "UPDATE outbox SET last_error = $1, next_attempt_at = $2, failed_at = $3
                 WHERE id = $4 AND attempts = $5 AND sent_at IS NULL",
            )
            .bind(error.as_str())
            .bind(next_attempt_at)
            .bind(failed_at)
        }
    };
    query
        .bind(attempt.id)
        .bind(attempt.attempt)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
