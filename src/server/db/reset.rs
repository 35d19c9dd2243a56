//! Password reset links (`/reset/<token>`): issued to active users only, stored hashed
//! as a [`TokenPurpose::Reset`](super::tokens::TokenPurpose) token, valid one hour, used once. Using one sets the
//! password and ends every session of the user.

use super::sql::Sql;
use super::{
    audit::{self, By, Target},
    outbox,
    tokens::{self, NewToken, TokenPurpose},
    Db,
};
use crate::{
    error::AppError,
    model::{AuditAction, CompanyId, Email, ResetLink, UserId, RESET_VALID_MINUTES},
    server::mail::{self, PasswordChange},
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
    let (_turn, mut tx) = super::begin_write(db).await?;
    let user: Option<(i64, i64, String, String)> = sqlx::query_as(
        "SELECT u.id, u.company_id, c.name, u.time_zone FROM users u JOIN companies c ON c.id = u.company_id
         WHERE u.email = $1 AND u.status = 'active'",
    )
    .bind(email.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((user, company, company_name, zone)) = user else {
        tx.commit().await?;
        return Ok(None);
    };
    let reset = NewToken {
        user: UserId(user),
        purpose: TokenPurpose::Reset,
        secret,
        valid_ms: RESET_VALID_MS,
        new_email: None,
    };
    tokens::issue(&mut tx, &reset, now).await?;
    let link = format!("{}/reset/{secret}", public_url.trim_end_matches('/'));
    let until = mail::exact_for(now + RESET_VALID_MS, &zone);
    let message = mail::password_reset(&company_name, email.as_str(), &link, &until);
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
    let Some((user, _)) = tokens::holder(db, &[TokenPurpose::Reset], secret, now).await? else {
        return Ok(None);
    };
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT u.email, c.name FROM users u JOIN companies c ON c.id = u.company_id WHERE u.id = $1",
    )
    .bind(user)
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
    key: &super::chain::AuditKey,
    secret: &str,
    password_hash: &str,
    (ip, public_url): (&str, &str),
    now: i64,
) -> Result<Reset, AppError> {
    let (_turn, mut tx) = super::begin_write(db).await?;
    let user = tokens::claim(&mut tx, &[TokenPurpose::Reset], secret, now)
        .await?
        .ok_or(AppError::LinkExpired)?
        .user
        .0;
    let (company, name, email, zone): (i64, String, String, String) = sqlx::query_as(
        "UPDATE users SET password_hash = $1, security_stamp = security_stamp + 1, version = version + 1, updated_at = $2
         WHERE id = $3 RETURNING company_id, name, email, time_zone",
    )
    .bind(password_hash)
    .bind(now)
    .bind(user)
    .fetch_one(&mut *tx)
    .await?;
    tokens::spend_all_unused(&mut tx, &Sql::values([user]), now).await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user)
        .execute(&mut *tx)
        .await?;
    let by = By {
        company: CompanyId(company),
        user: UserId(user),
        name,
        ip: ip.to_string(),
        key: key.clone(),
    };
    audit::record(
        &mut tx,
        &by,
        AuditAction::UserPasswordReset,
        Target::user(UserId(user), &email),
        None,
        None,
        now,
    )
    .await?;
    let when = mail::exact_for(now, &zone);
    let notice = mail::password_changed(&by.name, &email, &when, PasswordChange::ResetLink, public_url);
    outbox::queue(&mut tx, by.company, "password_changed", &email, &notice, now).await?;
    tx.commit().await?;
    Ok(Reset {
        user: UserId(user),
        company: CompanyId(company),
        email,
    })
}
