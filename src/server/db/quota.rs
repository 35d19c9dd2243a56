//! Limits on the email people can make Roster send, so that no company, person or client
//! can turn it into a mail relay. Each limit is a count per key and window (a UTC day or an
//! hour) in `send_counts`; one upsert both checks and counts, so the limit holds across
//! instances and under concurrent requests, and it is undone with the transaction that
//! spends it. Emails that strangers cause (reset, join) are throttled per address instead
//! (`server::onboarding`), never charged to a company, so no one can use up its allowance.

use super::Db;
use crate::{
    error::AppError,
    model::{CompanyId, MailAllowance, MailLimits, UserId},
};
use sqlx::{Any, Transaction};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// A counted thing, its window and its limit.
struct Counter {
    key: String,
    window_ms: i64,
    limit: i64,
}

impl Counter {
    fn window_start(&self, now: i64) -> i64 {
        now - now.rem_euclid(self.window_ms)
    }

    /// How many were counted in the window holding `now`.
    async fn used<'e>(
        &self,
        db: impl sqlx::Executor<'e, Database = Any>,
        now: i64,
    ) -> Result<i64, sqlx::Error> {
        let used: Option<i64> =
            sqlx::query_scalar("SELECT sent FROM send_counts WHERE key = $1 AND window_start = $2")
                .bind(&self.key)
                .bind(self.window_start(now))
                .fetch_optional(db)
                .await?;
        Ok(used.unwrap_or(0))
    }

    /// Counts `n` more if that stays within the limit; otherwise counts nothing and answers
    /// how many were left.
    async fn spend(
        &self,
        tx: &mut Transaction<'_, Any>,
        n: i64,
        now: i64,
    ) -> Result<Result<(), i64>, sqlx::Error> {
        if n <= 0 {
            return Ok(Ok(()));
        }
        if n > self.limit {
            return Ok(Err(self.left(tx, now).await?));
        }
        // The conflict branch updates only while the sum stays within the limit, and a
        // concurrent spender waits for this row's lock and then sees the new sum.
        let counted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO send_counts (key, window_start, sent) VALUES ($1, $2, $3)
             ON CONFLICT (key, window_start) DO UPDATE SET sent = send_counts.sent + excluded.sent
             WHERE send_counts.sent + excluded.sent <= $4
             RETURNING sent",
        )
        .bind(&self.key)
        .bind(self.window_start(now))
        .bind(n)
        .bind(self.limit)
        .fetch_optional(&mut **tx)
        .await?;
        match counted {
            Some(_) => Ok(Ok(())),
            None => Ok(Err(self.left(tx, now).await?)),
        }
    }

    async fn left(&self, tx: &mut Transaction<'_, Any>, now: i64) -> Result<i64, sqlx::Error> {
        Ok((self.limit - self.used(&mut **tx, now).await?).max(0))
    }
}

/// The company's invitations, resends and set-up emails today: the daily limit, plus what a
/// company smaller than `free_users` needs to reach it (its first people arrive at once).
async fn company_counter<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    limits: &MailLimits,
    company: CompanyId,
) -> Result<Counter, sqlx::Error> {
    // People the company has: a stranger's join request must not move its allowance (nor show
    // through it whether the address was new).
    let users: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE company_id = $1 AND status IN ('active', 'deactivated')",
    )
    .bind(company)
    .fetch_one(db)
    .await?;
    Ok(Counter {
        key: format!("company:{}:mail", company.0),
        window_ms: DAY_MS,
        limit: limits.invitations_per_day + (limits.free_users - users).max(0),
    })
}

/// Whether the company's owner has confirmed their address.
async fn confirmed<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    company: CompanyId,
) -> Result<bool, sqlx::Error> {
    let at: Option<i64> = sqlx::query_scalar("SELECT mail_confirmed_at FROM companies WHERE id = $1")
        .bind(company)
        .fetch_one(db)
        .await?;
    Ok(at.is_some())
}

/// The company sends `n` more invitations or set-up emails now, all or none: refused until
/// its owner has confirmed their address, and beyond what is left today.
pub async fn company_mail(
    tx: &mut Transaction<'_, Any>,
    limits: &MailLimits,
    company: CompanyId,
    n: i64,
    now: i64,
) -> Result<(), AppError> {
    if n <= 0 {
        return Ok(());
    }
    if !confirmed(&mut **tx, company).await? {
        return Err(AppError::Conflict(
            "Roster sends no email for your company until its owner confirms their email address with the link we sent when the company was created.".into(),
        ));
    }
    let counter = company_counter(&mut **tx, limits, company).await?;
    counter.spend(tx, n, now).await?.map_err(|left| {
        let asked = if n == 1 { "one more email".to_string() } else { format!("{n} emails") };
        AppError::LimitReached(match left {
            0 => format!(
                "Your company has sent all {} invitations and set-up emails it may send today. You can send more after midnight UTC.",
                counter.limit
            ),
            left => format!(
                "You can send {left} more invitations or set-up emails today, not {asked}. Choose fewer people, or send the rest after midnight UTC."
            ),
        })
    })
}

/// Counts one change of `user`'s login email: at most `email_changes_per_day`, since each
/// sends a link to the new address and a notice to the old one.
pub async fn email_change(
    tx: &mut Transaction<'_, Any>,
    limits: &MailLimits,
    user: UserId,
    now: i64,
) -> Result<(), AppError> {
    let counter = Counter {
        key: format!("user:{}:email_change", user.0),
        window_ms: DAY_MS,
        limit: limits.email_changes_per_day,
    };
    counter.spend(tx, 1, now).await?.map_err(|_| {
        AppError::LimitReached(format!(
            "This login email was changed {} times today, the most Roster allows. Try again after midnight UTC.",
            counter.limit
        ))
    })
}

/// Counts one more confirmation link for a new company's owner, at most three a day.
pub async fn confirmation(tx: &mut Transaction<'_, Any>, user: UserId, now: i64) -> Result<(), AppError> {
    let counter = Counter {
        key: format!("user:{}:confirmation", user.0),
        window_ms: DAY_MS,
        limit: 3,
    };
    counter.spend(tx, 1, now).await?.map_err(|_| {
        AppError::LimitReached(
            "We sent you three links today, the most Roster sends. Look for them in your spam folder, or try again tomorrow.".into(),
        )
    })
}

/// Counts one new company from the client `ip`, at most `signups_per_hour`.
pub async fn sign_up(db: &Db, limits: &MailLimits, ip: &str, now: i64) -> Result<(), AppError> {
    let counter = Counter {
        key: format!("ip:{ip}:signup"),
        window_ms: HOUR_MS,
        limit: limits.signups_per_hour,
    };
    let (_turn, mut tx) = super::begin_write(db).await?;
    let spent = counter.spend(&mut tx, 1, now).await?;
    tx.commit().await?;
    spent.map_err(|_| {
        AppError::LimitReached(format!(
            "{} companies were created from your network in the last hour, the most Roster allows. Try again in an hour.",
            counter.limit
        ))
    })
}

/// The company's limits and what is left of them today, for the Settings page.
pub async fn allowance(
    db: &Db,
    limits: &MailLimits,
    company: CompanyId,
    now: i64,
) -> Result<MailAllowance, sqlx::Error> {
    let counter = company_counter(db, limits, company).await?;
    let used = counter.used(db, now).await?;
    Ok(MailAllowance {
        limits: *limits,
        left_today: (counter.limit - used).max(0),
        confirmed: confirmed(db, company).await?,
    })
}

/// Forgets counts whose window ended more than a day ago.
pub async fn sweep(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    let _turn = super::turn(db).await;
    sqlx::query("DELETE FROM send_counts WHERE window_start < $1")
        .bind(now - 2 * DAY_MS)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// What a write that sends email needs: where its links point, and the limits it spends.
#[derive(Debug, Clone, Copy)]
pub struct Mailing<'a> {
    pub public_url: &'a str,
    pub limits: &'a MailLimits,
}
