//! Password reset links (`/reset/<token>`): issued to active users only, stored hashed in
//! `account_tokens` with purpose 'reset', valid one hour, used once. Using one sets the
//! password and ends every session of the user.

use super::{
    audit::{self, By, Target},
    outbox, Db,
};
use crate::{
    error::AppError,
    model::{CompanyId, Email, ResetLink, UserId, RESET_VALID_MINUTES},
    server::{mail, token},
};

const RESET_VALID_MS: i64 = RESET_VALID_MINUTES * 60_000;

/// Emails a reset link with `secret` to the active user with `email`, if there is one, and
/// returns their company (to wake the mailer). Anyone else (no account, deactivated,
/// pending) gets nothing; the caller answers the same either way. Both paths take the write
/// lock and run the lookup, so they cost about the same.
#[tracing::instrument(skip(db, secret, public_url), err(Debug))]
pub async fn issue(
    db: &Db,
    email: &Email,
    secret: &str,
    public_url: &str,
    now: i64,
) -> Result<Option<CompanyId>, AppError> {
    let mut tx = super::begin_write(db).await?;
    let user: Option<(i64, i64, String)> = sqlx::query_as(
        "SELECT u.id, u.company_id, c.name FROM users u JOIN companies c ON c.id = u.company_id
         WHERE u.email = $1 AND u.status = 'active'",
    )
    .bind(email.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((user, company, company_name)) = user else {
        tx.commit().await?;
        return Ok(None);
    };
    sqlx::query(
        "INSERT INTO account_tokens (user_id, purpose, token_hash, created_at, expires_at) VALUES ($1, 'reset', $2, $3, $4)",
    )
    .bind(user)
    .bind(token::hash(secret))
    .bind(now)
    .bind(now + RESET_VALID_MS)
    .execute(&mut *tx)
    .await?;
    let link = format!("{}/reset/{secret}", public_url.trim_end_matches('/'));
    let message = mail::password_reset(&company_name, email.as_str(), &link);
    outbox::queue(
        &mut tx,
        CompanyId(company),
        "password_reset",
        email.as_str(),
        &message,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(CompanyId(company)))
}

/// Who the unused, unexpired reset link `secret` is for, while they are active.
pub async fn find(db: &Db, secret: &str, now: i64) -> Result<Option<ResetLink>, sqlx::Error> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT u.email, c.name FROM account_tokens t JOIN users u ON u.id = t.user_id
         JOIN companies c ON c.id = u.company_id
         WHERE t.token_hash = $1 AND t.purpose = 'reset' AND t.used_at IS NULL AND t.expires_at > $2
           AND u.status = 'active'",
    )
    .bind(token::hash(secret))
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(email, company_name)| ResetLink { email, company_name }))
}

/// What a used reset link did.
pub struct Reset {
    pub user: UserId,
    pub company: CompanyId,
    pub email: String,
}

/// Uses the link once: sets the password, ends every session of the user and spends their
/// other reset links. A second use, an expired link or a user no longer active: `LinkExpired`.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn use_link(
    db: &Db,
    secret: &str,
    password_hash: &str,
    ip: &str,
    now: i64,
) -> Result<Reset, AppError> {
    let mut tx = super::begin_write(db).await?;
    let user: Option<i64> = sqlx::query_scalar(
        "UPDATE account_tokens SET used_at = $1
         WHERE token_hash = $2 AND purpose = 'reset' AND used_at IS NULL AND expires_at > $1
           AND user_id IN (SELECT id FROM users WHERE status = 'active')
         RETURNING user_id",
    )
    .bind(now)
    .bind(token::hash(secret))
    .fetch_optional(&mut *tx)
    .await?;
    let user = user.ok_or(AppError::LinkExpired)?;
    let (company, name, email): (i64, String, String) = sqlx::query_as(
        "UPDATE users SET password_hash = $1, security_stamp = security_stamp + 1, version = version + 1, updated_at = $2
         WHERE id = $3 RETURNING company_id, name, email",
    )
    .bind(password_hash)
    .bind(now)
    .bind(user)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE account_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = 'reset' AND used_at IS NULL",
    )
    .bind(now)
    .bind(user)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user)
        .execute(&mut *tx)
        .await?;
    super::profile::cancel_email_changes(&mut tx, &user.to_string(), now).await?;
    let by = By {
        company: CompanyId(company),
        user: UserId(user),
        name,
        ip: ip.to_string(),
    };
    audit::record(
        &mut tx,
        &by,
        "user.password_reset",
        Target {
            id: Some(UserId(user)),
            label: &email,
        },
        None,
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Reset {
        user: UserId(user),
        company: CompanyId(company),
        email,
    })
}
