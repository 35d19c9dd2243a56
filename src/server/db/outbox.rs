//! The durable outbox: every email is a row written in the transaction of the change that
//! causes it. Sending by SMTP arrives with the invitations work; until then (and whenever no
//! SMTP server is configured) emails stay here and are logged with their links.

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
    .bind(company.0)
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
