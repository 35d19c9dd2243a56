//! Single-use account tokens: the secrets in emailed links (set-up, reactivation, password
//! reset, email change and confirmation, join confirmation). Only a hash is stored, a token
//! expires, and it is spent by the one statement that claims it, so two uses racing cannot
//! both succeed. Every token is good only under the security stamp it was issued with: a new
//! password, login email or status ends every link sent before it, whoever still holds the
//! old email. The writes that move the stamp also spend the links ([`spend_all_unused`]):
//! on PostgreSQL a claim racing the change then waits for its row lock and finds the link
//! used, where the stamp alone is read from the claim's snapshot.

use super::{
    bulk::insert_rows,
    sql::{Sql, Value},
    Db,
};
use crate::{model::UserId, server::token};
use sqlx::{Any, Transaction};

/// What a token lets its holder do; stored as text in `account_tokens.purpose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Set a first password and sign in (`/welcome/<token>`).
    Setup,
    /// Sign in again after reactivation (`/welcome/<token>`).
    Reactivate,
    /// Choose a new password (`/reset/<token>`).
    Reset,
    /// Make a new address the login (`/verify-email/<token>`).
    EmailChange,
    /// Prove a new owner's address, which lets the company send email (`/verify-email/<token>`).
    EmailConfirm,
    /// Confirm the address of a request to join (`/join/verify/<token>`).
    JoinVerify,
}

impl TokenPurpose {
    const ALL: [TokenPurpose; 6] = [
        TokenPurpose::Setup,
        TokenPurpose::Reactivate,
        TokenPurpose::Reset,
        TokenPurpose::EmailChange,
        TokenPurpose::EmailConfirm,
        TokenPurpose::JoinVerify,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Setup => "setup",
            TokenPurpose::Reactivate => "reactivate",
            TokenPurpose::Reset => "reset",
            TokenPurpose::EmailChange => "email_change",
            TokenPurpose::EmailConfirm => "email_confirm",
            TokenPurpose::JoinVerify => "join_verify",
        }
    }

    fn parse(text: &str) -> Option<TokenPurpose> {
        TokenPurpose::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// The status the person must still have for the token to work, besides the stamp.
    const fn status(self) -> Option<&'static str> {
        match self {
            TokenPurpose::Setup | TokenPurpose::Reactivate | TokenPurpose::Reset => Some("active"),
            TokenPurpose::JoinVerify => Some("pending_email"),
            TokenPurpose::EmailChange | TokenPurpose::EmailConfirm => None,
        }
    }
}

/// A token to store.
pub struct NewToken<'a> {
    pub user: UserId,
    pub purpose: TokenPurpose,
    /// The secret that goes into the link; only its hash is stored.
    pub secret: &'a str,
    pub valid_ms: i64,
    /// The address an email change or confirmation is for.
    pub new_email: Option<&'a str>,
}

/// Stores `token` under the user's current security stamp.
pub async fn issue(tx: &mut Transaction<'_, Any>, token: &NewToken<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO account_tokens (user_id, purpose, token_hash, created_at, expires_at, new_email, stamp)
         SELECT id, $2, $3, $4, $5, $6, security_stamp FROM users WHERE id = $1",
    )
    .bind(token.user)
    .bind(token.purpose.as_str())
    .bind(token::hash(token.secret))
    .bind(now)
    .bind(now + token.valid_ms)
    .bind(token.new_email)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One link of a batch: its person, their current security stamp, and its secret.
pub struct BatchLink {
    pub user: UserId,
    pub stamp: i64,
    pub secret: String,
}

/// Stores a token of `purpose` for each link, in as few statements as the databases' limits
/// allow (a bulk reactivation sends one link per person).
pub async fn issue_each(
    tx: &mut Transaction<'_, Any>,
    purpose: TokenPurpose,
    valid_ms: i64,
    links: &[BatchLink],
    now: i64,
) -> Result<(), sqlx::Error> {
    let rows = links
        .iter()
        .map(|link| {
            vec![
                Value::Int(link.user.0),
                Value::Text(purpose.as_str().into()),
                Value::Text(token::hash(&link.secret)),
                Value::Int(now),
                Value::Int(now + valid_ms),
                Value::Int(link.stamp),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "account_tokens (user_id, purpose, token_hash, created_at, expires_at, stamp)",
        rows,
    )
    .await
}

/// Forgets the user's unused tokens of `purpose` (before issuing the one that replaces them).
pub async fn discard_unused(
    tx: &mut Transaction<'_, Any>,
    user: UserId,
    purpose: TokenPurpose,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM account_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL")
        .bind(user)
        .bind(purpose.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// When the user's latest token of `purposes` was issued (Unix ms), used or not.
pub async fn last_issued(
    tx: &mut Transaction<'_, Any>,
    user: UserId,
    purposes: &[TokenPurpose],
) -> Result<Option<i64>, sqlx::Error> {
    let mut sql = Sql::new("SELECT MAX(created_at) FROM account_tokens WHERE user_id = ");
    sql.bind(user)
        .push(" AND purpose IN (")
        .list(purposes.iter().map(|p| p.as_str()))
        .push(")");
    sql.scalar(&mut **tx).await
}

/// A token spent by [`claim`].
#[derive(Debug)]
pub struct Claimed {
    pub user: UserId,
    pub purpose: TokenPurpose,
    pub new_email: Option<String>,
}

/// The conditions under which the token `secret` is still good at time `now`, for one of
/// `purposes` (which share a status rule).
fn good(purposes: &[TokenPurpose], secret: &str, now: i64) -> Sql {
    let status = purposes[0].status();
    debug_assert!(purposes.iter().all(|p| p.status() == status));
    let mut sql = Sql::new("token_hash = ");
    sql.bind(token::hash(secret))
        .push(" AND used_at IS NULL AND expires_at > ")
        .bind(now)
        .push(" AND purpose IN (")
        .list(purposes.iter().map(|p| p.as_str()))
        .push(
            ") AND EXISTS (SELECT 1 FROM users WHERE users.id = account_tokens.user_id
                           AND users.security_stamp = account_tokens.stamp",
        );
    if let Some(status) = status {
        sql.push(" AND users.status = ").bind(status);
    }
    sql.push(")");
    sql
}

/// Spends the token `secret` if it is one of `purposes` and still good; `None` for a used,
/// expired or unknown token alike.
pub async fn claim(
    tx: &mut Transaction<'_, Any>,
    purposes: &[TokenPurpose],
    secret: &str,
    now: i64,
) -> Result<Option<Claimed>, sqlx::Error> {
    let mut sql = Sql::new("UPDATE account_tokens SET used_at = ");
    sql.bind(now)
        .push(" WHERE ")
        .append(&good(purposes, secret, now))
        .push(" RETURNING user_id, new_email, purpose");
    let row: Option<(i64, Option<String>, String)> = sql.fetch_optional(&mut **tx).await?;
    Ok(row.and_then(|(user, new_email, purpose)| {
        Some(Claimed {
            user: UserId(user),
            purpose: TokenPurpose::parse(&purpose)?,
            new_email,
        })
    }))
}

/// Whom the token `secret` is for, if it is one of `purposes` and still good, without
/// spending it (a link's page shows who it is for before it is used), and its purpose.
pub async fn holder(
    db: &Db,
    purposes: &[TokenPurpose],
    secret: &str,
    now: i64,
) -> Result<Option<(UserId, TokenPurpose)>, sqlx::Error> {
    let mut sql = Sql::new("SELECT user_id, purpose FROM account_tokens WHERE ");
    sql.append(&good(purposes, secret, now));
    let row: Option<(i64, String)> = sql.fetch_optional(db).await?;
    Ok(row.and_then(|(user, purpose)| Some((UserId(user), TokenPurpose::parse(&purpose)?))))
}

/// Spends the unused tokens of `purposes` held by `users`: a list ([`Sql::values`]) or
/// subquery of user ids.
pub async fn spend_unused(
    tx: &mut Transaction<'_, Any>,
    users: &Sql,
    purposes: &[TokenPurpose],
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut sql = Sql::new("UPDATE account_tokens SET used_at = ");
    sql.bind(now)
        .push(" WHERE used_at IS NULL AND purpose IN (")
        .list(purposes.iter().map(|p| p.as_str()))
        .push(") AND user_id IN (")
        .append(users)
        .push(")");
    sql.execute(&mut **tx).await?;
    Ok(())
}

/// Spends every unused token of `users` (as for [`spend_unused`]): with a new password or
/// status, no link sent before it may work.
pub async fn spend_all_unused(
    tx: &mut Transaction<'_, Any>,
    users: &Sql,
    now: i64,
) -> Result<(), sqlx::Error> {
    spend_unused(tx, users, &TokenPurpose::ALL, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_purpose_reads_back_from_its_stored_text() {
        for purpose in TokenPurpose::ALL {
            assert_eq!(TokenPurpose::parse(purpose.as_str()), Some(purpose));
        }
        assert_eq!(TokenPurpose::parse("invitation"), None);
    }

    #[test]
    fn a_claim_binds_every_value_and_writes_only_placeholders() {
        let sql = good(&[TokenPurpose::Setup, TokenPurpose::Reactivate], "secret", 9).text();
        assert!(sql.contains("purpose IN ($3, $4)"), "{sql}");
        assert!(sql.contains("users.status = $5"), "{sql}");
        assert!(!sql.contains("active") && !sql.contains("secret"), "{sql}");
        let sql = good(
            &[TokenPurpose::EmailChange, TokenPurpose::EmailConfirm],
            "secret",
            9,
        )
        .text();
        assert!(
            sql.contains("users.security_stamp = account_tokens.stamp"),
            "{sql}"
        );
        assert!(!sql.contains("status"), "{sql}");
    }
}
