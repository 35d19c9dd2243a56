//! Audit events: who did what to whom, with before and after, written in the same transaction
//! as the change so a change that fails leaves no event and an event never lacks its change.
//! Every event is sealed into its company's hash chain as it is written (see `chain`).

use super::{
    chain::{self, AuditKey},
    sql::{Sql, Value},
};
use crate::model::{ActorKind, AuditAction, CompanyId, UserId};
use sqlx::{Any, Transaction};

/// Who is making a change, and from where.
#[derive(Debug, Clone)]
pub struct By {
    pub company: CompanyId,
    pub user: UserId,
    pub name: String,
    pub ip: String,
    /// The audit chain's key, which seals the events written (see `chain`).
    pub key: AuditKey,
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
    let before = before.map(|v| v.to_string());
    let after = after.map(|v| v.to_string());
    let event = New {
        actor_kind: ActorKind::Person,
        actor: Some(by.user.0),
        actor_name: &by.name,
        action,
        target: target.id.map(|id| id.0),
        label: target.label,
        before: before.as_deref(),
        after: after.as_deref(),
        ip: &by.ip,
    };
    insert(tx, &by.key, by.company, now, &[event]).await
}

/// One event to write, as [`insert`] takes it.
pub struct New<'a> {
    pub actor_kind: ActorKind,
    pub actor: Option<i64>,
    pub actor_name: &'a str,
    pub action: AuditAction,
    pub target: Option<i64>,
    pub label: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub ip: &'a str,
}

/// Writes `events` of `company` at the end of its chain (see `chain`): takes the company's
/// turn, draws their ids, seals each after the one before and inserts them in chunks.
pub async fn insert(
    tx: &mut Transaction<'_, Any>,
    key: &AuditKey,
    company: CompanyId,
    now: i64,
    events: &[New<'_>],
) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let mut head = chain::lock(tx, key, company).await?;
    let ids = chain::next_ids(tx, events.len()).await?;
    let mut rows = Vec::with_capacity(events.len());
    for (e, id) in events.iter().zip(ids) {
        let hash = key.seal(
            &head.last_hash,
            &chain::Event {
                id,
                company: company.0,
                created_at: now,
                actor_kind: e.actor_kind.key(),
                actor_ref: e.actor,
                actor_name: e.actor_name,
                action: e.action.key(),
                target_ref: e.target,
                target_label: e.label,
                before: e.before,
                after: e.after,
                ip: e.ip,
            },
        );
        rows.push(vec![
            Value::Int(id),
            Value::Int(company.0),
            Value::IntOrNull(e.actor),
            Value::IntOrNull(e.actor),
            Value::Text(e.actor_name.to_string()),
            Value::Text(e.actor_kind.key().to_string()),
            Value::Text(e.action.key().to_string()),
            Value::IntOrNull(e.target),
            Value::IntOrNull(e.target),
            Value::Text(e.label.to_string()),
            Value::TextOrNull(e.before.map(str::to_string)),
            Value::TextOrNull(e.after.map(str::to_string)),
            Value::Int(now),
            Value::Text(e.ip.to_string()),
            Value::Text(hash.clone()),
        ]);
        head.last_hash = hash;
        head.last_id = id;
    }
    super::bulk::insert_rows(
        tx,
        "audit_events (id, company_id, actor_id, actor_ref, actor_name, actor_kind, action, target_user_id, target_ref,
                       target_label, before_json, after_json, created_at, ip, hash)",
        rows,
    )
    .await?;
    head.save(tx).await
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

/// Writes the events of a set-based change: reads each row's target, label and before, then
/// chains and inserts them (the hash is computed here, so a single `INSERT … SELECT` can't).
pub async fn record_each(
    tx: &mut Transaction<'_, Any>,
    by: &By,
    events: Each<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut sql = Sql::new(&format!("SELECT u.id, {}, ", events.label));
    sql.append(&events.before).push(" ").append(&events.rows).push(" ORDER BY u.id");
    let rows: Vec<(i64, String, Option<String>)> = sql.fetch_all(&mut **tx).await?;
    let new: Vec<New<'_>> = rows
        .iter()
        .map(|(id, label, before)| New {
            actor_kind: ActorKind::Person,
            actor: Some(by.user.0),
            actor_name: &by.name,
            action: events.action,
            target: Some(*id),
            label,
            before: before.as_deref(),
            after: events.after.as_deref(),
            ip: &by.ip,
        })
        .collect();
    insert(tx, &by.key, by.company, now, &new).await
}
