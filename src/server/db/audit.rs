//! Audit events: who did what to whom, with before and after, written in the same transaction
//! as the change so a change that fails leaves no event and an event never lacks its change.
//! Every event is sealed into its company's hash chain as it is written (see `chain`).

use super::{
    chain::{self, AuditKey},
    search,
    sql::Sql,
};
use crate::model::{AccountId, ActorKind, AuditAction, CompanyId, UserId};
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
    /// The account the change applied to, by id and its name now.
    pub account: Option<(i64, &'a str)>,
}

impl<'a> Target<'a> {
    /// A user, remembered by `label` (their email) once they are gone.
    pub fn user(id: UserId, label: &'a str) -> Target<'a> {
        Target {
            id: Some(id),
            label,
            account: None,
        }
    }

    /// Something that is not a user (a team, a role, an account, an invitation's address).
    pub fn named(label: &'a str) -> Target<'a> {
        Target {
            id: None,
            label,
            account: None,
        }
    }

    /// The change applied to account `id`, called `name`.
    pub fn on(self, id: AccountId, name: &'a str) -> Target<'a> {
        Target {
            account: Some((id.0, name)),
            ..self
        }
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
        account: target.account,
    };
    insert(tx, &by.key, by.company, now, &[event]).await
}

/// One event to write, as [`insert`] takes it.
#[derive(Debug, Clone, Copy)]
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
    /// The account the change applied to: id and name.
    pub account: Option<(i64, &'a str)>,
}

impl New<'_> {
    /// Whether `other` is of the same change: all but the target, label and before agree.
    fn same_change(&self, other: &New<'_>) -> bool {
        (
            self.actor_kind,
            self.actor,
            self.actor_name,
            self.action,
            self.after,
            self.ip,
            self.account,
        ) == (
            other.actor_kind,
            other.actor,
            other.actor_name,
            other.action,
            other.after,
            other.ip,
            other.account,
        )
    }
}

/// Writes `events` of `company`, the events of one change (they share actor, action, after
/// and address), at the end of its chain (see `chain`): takes the company's turn, draws their
/// ids, seals each after the one before and inserts them in chunks.
pub async fn insert(
    tx: &mut Transaction<'_, Any>,
    key: &AuditKey,
    company: CompanyId,
    now: i64,
    events: &[New<'_>],
) -> Result<(), sqlx::Error> {
    let Some(first) = events.first() else {
        return Ok(());
    };
    let (mut head, ids) = chain::lock(tx, key, company, events.len()).await?;
    let sealer = key.sealer();
    let keys = search::EventKeys::new(first.actor_name, first.account.map_or("", |(_, name)| name));
    let mut prev = [0u8; 32];
    let mut rows = Vec::with_capacity(events.len());
    for (i, (e, id)) in events.iter().zip(ids).enumerate() {
        debug_assert!(e.same_change(first), "the events of one insert are of one change");
        let event = chain::Event {
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
            account: e.account,
        };
        // The first follows the head (hex, and possibly not a hash: see `Sealer::seal`); each
        // next one the bytes of the one before.
        let hash = if i == 0 {
            let hash = sealer.seal(&head.last_hash, &event);
            hex::decode_to_slice(&hash, &mut prev).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            hash
        } else {
            prev = sealer.seal_after(&prev, &event);
            hex::encode(prev)
        };
        rows.push((id, e, hash));
        head.last_id = id;
    }
    if let Some((_, _, hash)) = rows.last() {
        head.last_hash = hash.clone();
    }
    // What the events share is bound once ($1 to $8, $10 and $11); each event's own values
    // travel as one JSON array ($9) of [id, target, label, before, hash, search key] rows that
    // the database unpacks. Binding
    // them one by one cost the square of their number per statement on SQLite
    // (`sqlite3_bind_parameter_name` walks the statement's list), and many statements cost a
    // round trip each.
    let own: Vec<_> = rows
        .iter()
        .map(|(id, e, hash)| (id, e.target, e.label, e.before, hash, keys.of(e.label)))
        .collect();
    let own = serde_json::to_string(&own).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let unpacked = match super::Backend::of_connection(&*tx) {
        super::Backend::Sqlite => {
            "SELECT e.value ->> 0, $1, $2, $2, $3, $4, $5, e.value ->> 1, e.value ->> 1, e.value ->> 2,
                    e.value ->> 3, $6, $7, $8, e.value ->> 4, $10, $11, e.value ->> 5
             FROM json_each($9) e ORDER BY e.key"
        }
        super::Backend::Postgres => {
            "SELECT (e.v ->> 0)::bigint, $1, $2, $2, $3, $4, $5, (e.v ->> 1)::bigint, (e.v ->> 1)::bigint,
                    e.v ->> 2, e.v ->> 3, $6, $7, $8, e.v ->> 4, $10, $11, e.v ->> 5
             FROM jsonb_array_elements($9::jsonb) WITH ORDINALITY AS e(v, n) ORDER BY e.n"
        }
    };
    sqlx::query(&format!(
        "INSERT INTO audit_events (id, company_id, actor_id, actor_ref, actor_name, actor_kind, action, target_user_id,
           target_ref, target_label, before_json, after_json, created_at, ip, hash, account_ref, account_label,
           search_key) {unpacked}"
    ))
    .bind(company.0)
    .bind(first.actor)
    .bind(first.actor_name)
    .bind(first.actor_kind.key())
    .bind(first.action.key())
    .bind(first.after)
    .bind(now)
    .bind(first.ip)
    .bind(own)
    .bind(first.account.map(|(id, _)| id))
    .bind(first.account.map(|(_, name)| name))
    .execute(&mut **tx)
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
    // Their new labels are searched too.
    let mut condition = Sql::new("target_user_id IN (");
    condition.append(users).push(")");
    search::fold_events(tx, &condition).await?;
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
    /// The account the change applied to, shared by all: id and name.
    pub account: Option<(i64, &'a str)>,
}

/// Writes the events of a set-based change: reads each row's target, label and before, then
/// chains and inserts them (the hash is computed here, so a single `INSERT … SELECT` can't).
pub async fn record_each(
    tx: &mut Transaction<'_, Any>,
    by: &By,
    events: Each<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut sql = Sql::new(&format!("SELECT u.id AS id, {} AS label, ", events.label));
    sql.append(&events.before)
        .push(" AS before_json ")
        .append(&events.rows);
    let rows: Vec<(i64, String, Option<String>)> = sql
        .packed(
            super::Backend::of_connection(tx),
            "p.id, p.label, p.before_json",
            "ORDER BY p.id",
        )
        .fetch_packed(&mut **tx)
        .await?;
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
            account: events.account,
        })
        .collect();
    insert(tx, &by.key, by.company, now, &new).await
}
