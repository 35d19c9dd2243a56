//! Audit events: who did what to whom, with before and after, written in the same transaction
//! as the change so a change that fails leaves no event and an event never lacks its change.

use super::sql::Sql;
use crate::model::{AuditAction, CompanyId, UserId};
use sqlx::{Any, Transaction};

/// Who is making a change, and from where.
#[derive(Debug, Clone)]
pub struct By {
    pub company: CompanyId,
    pub user: UserId,
    pub name: String,
    pub ip: String,
}

/// What a change is about, as the event remembers it (the label outlives the user): a user,
/// or (with no id) an invitation by its email.
pub struct Target<'a> {
    pub id: Option<UserId>,
    pub label: &'a str,
}

impl<'a> Target<'a> {
    /// A user, remembered by `label` (their email) once they are gone.
    pub fn user(id: UserId, label: &'a str) -> Target<'a> {
        Target { id: Some(id), label }
    }

    /// Something that is not a user (a team, a role, an account, an invitation's address).
    pub fn named(label: &'a str) -> Target<'a> {
        Target { id: None, label }
    }
}

pub async fn record(
    tx: &mut Transaction<'_, Any>,
    by: &By,
    action: AuditAction,
    target: Target<'_>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_events
           (company_id, actor_id, actor_name, action, target_user_id, target_label, before_json, after_json, created_at, ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(by.company)
    .bind(by.user)
    .bind(&by.name)
    .bind(action.key())
    .bind(target.id)
    .bind(target.label)
    .bind(before.map(|v| v.to_string()))
    .bind(after.map(|v| v.to_string()))
    .bind(now)
    .bind(&by.ip)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Before `users` (a list or subquery of ids) are deleted: their events keep naming them as
/// "name (email)", so what they did and what was done to them stays readable.
pub async fn keep_labels(tx: &mut Transaction<'_, Any>, users: &Sql) -> Result<(), sqlx::Error> {
    Sql::new(
        "UPDATE audit_events SET target_label = (SELECT u.name || ' (' || u.email || ')' FROM users u WHERE u.id = audit_events.target_user_id)
         WHERE target_user_id IN (",
    )
    .append(users)
    .push(")")
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The events of a set-based change: one per row of `rows`, written in one statement.
pub struct Each<'a> {
    pub action: AuditAction,
    /// SQL over the rows: each event's label.
    pub label: &'a str,
    /// SQL over the rows: each event's before (JSON text, or NULL).
    pub before: Sql,
    /// A JSON value shared by all.
    pub after: Option<String>,
    /// `FROM …` with the user as `u`, and the condition choosing the rows.
    pub rows: Sql,
}

pub async fn record_each(
    tx: &mut Transaction<'_, Any>,
    by: &By,
    events: Each<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut sql = Sql::new(
        "INSERT INTO audit_events
           (company_id, actor_id, actor_name, action, target_user_id, target_label, before_json, after_json, created_at, ip)
         SELECT ",
    );
    sql.bind(by.company)
        .push(", ")
        .bind(by.user)
        .push(", ")
        .bind(by.name.as_str())
        .push(", ")
        .bind(events.action.key())
        .push(&format!(", u.id, {}, ", events.label))
        .append(&events.before)
        .push(", ")
        .bind(events.after)
        .push(", ")
        .bind(now)
        .push(", ")
        .bind(by.ip.as_str())
        .push(" ")
        .append(&events.rows);
    sql.execute(&mut **tx).await?;
    Ok(())
}
