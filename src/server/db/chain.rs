//! The audit log's tamper-evident chain: each company's events, in id order, form a hash
//! chain, so that an event altered, removed or moved in the database behind the server's back
//! shows when `roster audit verify` walks it ([`verify`]).
//!
//! **The hash.** `hash = HMAC-SHA-256(key, prev ‖ canonical(event))`, stored as 64 lowercase
//! hex digits in `audit_events.hash`, where `prev` is the 32 bytes of the previous event's
//! hash in the company's chain, and for the first event a start hash:
//! `HMAC-SHA-256(key, "roster.audit.start.v1" ‖ i64 company id ‖ i64 legacy_upto)`
//! (`legacy_upto`: the last event written before the chain existed, 0 for a company created
//! since; binding it makes moving the chain's start detectable).
//!
//! **The canonical form** of an event is the bytes `"roster.audit.v1"` followed by these
//! fields in this order, each a tag byte and its value: `'i'` and 8 bytes big-endian for a
//! number, `'s'`, a 4-byte big-endian length and the UTF-8 bytes for text, `'n'` for NULL:
//!
//! 1. `id`
//! 2. `company_id`
//! 3. `created_at` (Unix ms)
//! 4. `actor_kind`
//! 5. `actor_ref` (the actor's user id as written)
//! 6. `actor_name`
//! 7. `action` (its stored key)
//! 8. `target_ref` (the target user's id as written)
//! 9. `target_label` when there is no `target_ref`, NULL otherwise
//! 10. `before_json`
//! 11. `after_json`
//! 12. `ip`
//! 13. and 14., only when the event names an account (migration 0023): `account_ref` and
//!     `account_label`. Events without one keep the form of those sealed before.
//!
//! The id is included, so swapping two events' ids or times breaks the chain as surely as
//! editing them. A user target's label is left out because it is rewritten by design when
//! the person is deleted ("name (email)", see `audit::keep_labels`); the person stays bound by
//! `target_ref`. `actor_id` and `target_user_id` are left out for the same reason (they become
//! NULL with the person); `actor_ref` and `target_ref` keep the numbers.
//!
//! **One writer at a time.** Every writer of a company's events first updates the company's
//! row in `audit_chain` (the chain head: last id and hash), in the transaction that writes the
//! events, and moves it on before committing. The update holds the row on PostgreSQL until the
//! commit and takes SQLite's write lock, so writers of a company take turns on both databases
//! (those under `Write::begin` already do, behind the company lock; the emailed-link flows get
//! their turn here) and the chain never forks. Ids are drawn under that turn, before the
//! events are inserted, so id order is chain order.
//!
//! **Retention** deletes a prefix of a company's chain (`retention.rs`): it first writes an
//! `audit_log.purged` event whose `after` names the last event it removes (`through_id`) and
//! the hash the remaining chain continues from (`continues_from`). [`verify`] starts at the
//! newest such event's anchor; the event itself is in the chain, so its anchor cannot be
//! changed unseen either.
//!
//! **Events older than the chain** (written before migration 0021) are not chained: the
//! chain starts after them, and `verify` counts them apart. Nothing the database holds lets
//! the server re-seal events, so there is no way to have it bless an edit.
//!
//! What the chain can't show: the newest events removed together with the head row set back
//! to match (note the figure `verify` prints to compare later), or any change made by someone
//! who holds the key.

use crate::model::{AuditAction, CompanyId};
use futures_util::TryStreamExt;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::{Any, Row, Transaction};
use std::{fmt, sync::Arc};

type HmacSha256 = Hmac<Sha256>;

/// The chain's secret: 32 bytes, configured as 64 hex digits (`ROSTER_AUDIT_KEY`). Never
/// logged, never sent anywhere: its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct AuditKey(Arc<[u8; 32]>);

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

impl AuditKey {
    /// A key from its 64 hex digits.
    pub fn from_hex(text: &str) -> Option<AuditKey> {
        let bytes = hex::decode(text.trim()).ok()?;
        Some(AuditKey(Arc::new(bytes.try_into().ok()?)))
    }

    /// A new random key.
    pub fn generate() -> AuditKey {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        AuditKey(Arc::new(bytes))
    }

    /// The 64 hex digits, for the key file only.
    pub fn to_hex(&self) -> String {
        hex::encode(*self.0)
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.0[..]).expect("HMAC takes a key of any length")
    }

    /// The hash a company's chain starts from.
    pub fn start(&self, company: i64, legacy_upto: i64) -> String {
        let mut mac = self.mac();
        mac.update(b"roster.audit.start.v1");
        mac.update(&company.to_be_bytes());
        mac.update(&legacy_upto.to_be_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The hash of `event` following `prev` (hex).
    pub fn seal(&self, prev: &str, event: &Event<'_>) -> String {
        self.sealer().seal(prev, event)
    }

    /// The HMAC keyed once, for sealing many events.
    pub fn sealer(&self) -> Sealer {
        Sealer(self.mac())
    }
}

/// [`AuditKey::seal`] for many events: the key's blocks are hashed once.
pub struct Sealer(HmacSha256);

impl Sealer {
    /// The hash of `event` following `prev` (hex).
    pub fn seal(&self, prev: &str, event: &Event<'_>) -> String {
        let mut prev_bytes = [0u8; 32];
        let hash = match hex::decode_to_slice(prev, &mut prev_bytes) {
            Ok(()) => self.seal_after(&prev_bytes, event),
            // Only a stored value that is not a hash gets here; it then matches nothing.
            Err(_) => self.seal_after(prev.as_bytes(), event),
        };
        hex::encode(hash)
    }

    /// [`Sealer::seal`] on the previous hash's bytes, answering bytes: a change's events are
    /// sealed one after the other without going through hex between them.
    pub fn seal_after(&self, prev: &[u8], event: &Event<'_>) -> [u8; 32] {
        let mut mac = self.0.clone();
        mac.update(prev);
        mac.update(&event.canonical());
        mac.finalize().into_bytes().into()
    }
}

/// An event as the chain covers it (see the module doc for the canonical form).
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    pub id: i64,
    pub company: i64,
    pub created_at: i64,
    pub actor_kind: &'a str,
    pub actor_ref: Option<i64>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub target_ref: Option<i64>,
    pub target_label: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub ip: &'a str,
    /// The account the change applied to, by number and by its name then.
    pub account: Option<(i64, &'a str)>,
}

impl Event<'_> {
    pub fn canonical(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(b"roster.audit.v1");
        let int = |out: &mut Vec<u8>, n: Option<i64>| match n {
            Some(n) => {
                out.push(b'i');
                out.extend_from_slice(&n.to_be_bytes());
            }
            None => out.push(b'n'),
        };
        let text = |out: &mut Vec<u8>, s: Option<&str>| match s {
            Some(s) => {
                out.push(b's');
                out.extend_from_slice(&(s.len() as u32).to_be_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            None => out.push(b'n'),
        };
        int(&mut out, Some(self.id));
        int(&mut out, Some(self.company));
        int(&mut out, Some(self.created_at));
        text(&mut out, Some(self.actor_kind));
        int(&mut out, self.actor_ref);
        text(&mut out, Some(self.actor_name));
        text(&mut out, Some(self.action));
        int(&mut out, self.target_ref);
        text(&mut out, self.target_ref.is_none().then_some(self.target_label));
        text(&mut out, self.before);
        text(&mut out, self.after);
        text(&mut out, Some(self.ip));
        // Every field before is self-delimiting, so a trailing pair cannot be confused with one.
        if let Some((id, label)) = self.account {
            int(&mut out, Some(id));
            text(&mut out, Some(label));
        }
        out
    }
}

/// A company's chain head, held by this transaction until it commits.
pub struct Head {
    company: i64,
    /// The hash the next event follows.
    pub last_hash: String,
    pub last_id: i64,
}

/// Takes the company's turn at writing events, reads where its chain stands and draws the ids
/// of the `n` events about to follow, in one statement (a change holds its company's lock
/// across its statements: each round trip is time others wait).
pub async fn lock(
    tx: &mut Transaction<'_, Any>,
    key: &AuditKey,
    company: CompanyId,
    n: usize,
) -> Result<(Head, Vec<i64>), sqlx::Error> {
    let backend = super::Backend::of_connection(&*tx);
    // The ids as a JSON array on PostgreSQL (a sequence's values, maybe not consecutive); on
    // SQLite the last id given, since the head's update took the write lock: no other
    // connection inserts until the commit, and explicit ids above AUTOINCREMENT's counter move
    // the counter on.
    let ids = match backend {
        super::Backend::Postgres => {
            "(SELECT COALESCE(json_agg(s.id ORDER BY s.id), '[]')::text
              FROM (SELECT nextval(pg_get_serial_sequence('audit_events', 'id')) AS id FROM generate_series(1, $2)) s)"
        }
        super::Backend::Sqlite => {
            "CAST(MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'), 0),
                      COALESCE((SELECT MAX(id) FROM audit_events), 0)) AS TEXT)"
        }
    };
    let update = format!(
        "UPDATE audit_chain SET last_id = last_id WHERE company_id = $1
         RETURNING last_id, last_hash, legacy_upto, {ids}"
    );
    let update = || {
        let mut query = sqlx::query_as::<_, (i64, String, i64, String)>(&update).bind(company);
        if backend == super::Backend::Postgres {
            query = query.bind(n as i64);
        }
        query
    };
    let mut row = update().fetch_optional(&mut **tx).await?;
    if row.is_none() {
        // A company created since migration 0021: its chain starts with its first event.
        sqlx::query("INSERT INTO audit_chain (company_id) VALUES ($1) ON CONFLICT (company_id) DO NOTHING")
            .bind(company)
            .execute(&mut **tx)
            .await?;
        row = Some(update().fetch_one(&mut **tx).await?);
    }
    let (last_id, last_hash, legacy_upto, drawn) = row.unwrap_or_default();
    let ids = match backend {
        super::Backend::Postgres => {
            serde_json::from_str(&drawn).map_err(|e| sqlx::Error::Decode(Box::new(e)))?
        }
        super::Backend::Sqlite => {
            let last: i64 = drawn.parse().map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            (1..=n as i64).map(|i| last + i).collect()
        }
    };
    let last_hash = if last_hash.is_empty() {
        key.start(company.0, legacy_upto)
    } else {
        last_hash
    };
    let head = Head {
        company: company.0,
        last_hash,
        last_id,
    };
    Ok((head, ids))
}

impl Head {
    /// Moves the head past the events this transaction chained.
    pub async fn save(&self, tx: &mut Transaction<'_, Any>) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE audit_chain SET last_id = $1, last_hash = $2 WHERE company_id = $3")
            .bind(self.last_id)
            .bind(&self.last_hash)
            .bind(self.company)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

/// Where verification found the chain broken: the first event that does not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub company: i64,
    /// The event, or for a missing newest event the last one found (0 when none is left).
    pub id: i64,
    pub created_at: i64,
    pub reason: &'static str,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let time = jiff::Timestamp::from_millisecond(self.created_at)
            .map(|t| t.to_string())
            .unwrap_or_else(|_| self.created_at.to_string());
        write!(
            f,
            "company {}: event {} at {time} does not match: {}",
            self.company, self.id, self.reason
        )
    }
}

/// What verification found intact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Verified {
    /// Events whose hash matched.
    pub events: u64,
    /// Events written before the chain existed (migration 0021), not covered.
    pub before_chain: u64,
}

/// Walks the chain of `company`, or of every company, and returns what matched or the first
/// event that does not.
pub async fn verify(
    db: &super::Db,
    key: &AuditKey,
    company: Option<CompanyId>,
) -> Result<Result<Verified, Mismatch>, sqlx::Error> {
    let companies: Vec<i64> = match company {
        Some(c) => vec![c.0],
        None => {
            sqlx::query_scalar("SELECT id FROM companies ORDER BY id")
                .fetch_all(db)
                .await?
        }
    };
    let mut total = Verified::default();
    for company in companies {
        match verify_company(db, key, company).await? {
            Ok(v) => {
                total.events += v.events;
                total.before_chain += v.before_chain;
            }
            Err(m) => return Ok(Err(m)),
        }
    }
    Ok(Ok(total))
}

async fn verify_company(
    db: &super::Db,
    key: &AuditKey,
    company: i64,
) -> Result<Result<Verified, Mismatch>, sqlx::Error> {
    let head: Option<(i64, String, i64)> =
        sqlx::query_as("SELECT last_id, last_hash, legacy_upto FROM audit_chain WHERE company_id = $1")
            .bind(company)
            .fetch_optional(db)
            .await?;
    let (head_id, head_hash, legacy_upto) = head.unwrap_or((0, String::new(), 0));
    // Where the chain starts: after the newest purge's last removed event, or at its start.
    let purge: Option<Option<String>> = sqlx::query_scalar(
        "SELECT after_json FROM audit_events WHERE company_id = $1 AND action = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(company)
    .bind(AuditAction::AuditLogPurged.key())
    .fetch_optional(db)
    .await?;
    let anchor = purge.flatten().and_then(|after| {
        let v: serde_json::Value = serde_json::from_str(&after).ok()?;
        Some((
            v["through_id"].as_i64()?,
            v["continues_from"].as_str()?.to_string(),
        ))
    });
    let through = anchor.as_ref().map_or(0, |(through, _)| *through);
    let (skip_to, mut prev) = match anchor {
        Some((through, hash)) => (through.max(legacy_upto), hash),
        None => (legacy_upto, key.start(company, legacy_upto)),
    };
    // Events before the chain never had a hash: a sealed one there means its start was moved.
    let moved: Option<(i64, i64)> = sqlx::query_as(
        "SELECT id, created_at FROM audit_events
         WHERE company_id = $1 AND id > $2 AND id <= $3 AND hash IS NOT NULL ORDER BY id LIMIT 1",
    )
    .bind(company)
    .bind(through)
    .bind(legacy_upto)
    .fetch_optional(db)
    .await?;
    if let Some((id, created_at)) = moved {
        return Ok(Err(Mismatch {
            company,
            id,
            created_at,
            reason: "it is sealed but lies before the chain's recorded start (the start was moved)",
        }));
    }
    let before_chain: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE company_id = $1 AND id <= $2 AND hash IS NULL",
    )
    .bind(company)
    .bind(legacy_upto)
    .fetch_one(db)
    .await?;
    let mut verified = Verified {
        events: 0,
        before_chain: before_chain as u64,
    };
    let (mut last_id, mut last_at) = (0, 0);
    let mut rows = sqlx::query(
        "SELECT id, created_at, actor_kind, actor_ref, actor_name, action, target_ref, target_label,
                before_json, after_json, ip, hash, account_ref, account_label
         FROM audit_events WHERE company_id = $1 AND id > $2 ORDER BY id",
    )
    .bind(company)
    .bind(skip_to)
    .fetch(db);
    while let Some(row) = rows.try_next().await? {
        let (actor_kind, actor_name, action, label, ip): (String, String, String, String, String) = (
            row.try_get("actor_kind")?,
            row.try_get("actor_name")?,
            row.try_get("action")?,
            row.try_get("target_label")?,
            row.try_get("ip")?,
        );
        let (before, after): (Option<String>, Option<String>) =
            (row.try_get("before_json")?, row.try_get("after_json")?);
        let stored: Option<String> = row.try_get("hash")?;
        let (account_ref, account_label): (Option<i64>, Option<String>) =
            (row.try_get("account_ref")?, row.try_get("account_label")?);
        let event = Event {
            id: row.try_get("id")?,
            company,
            created_at: row.try_get("created_at")?,
            actor_kind: &actor_kind,
            actor_ref: row.try_get("actor_ref")?,
            actor_name: &actor_name,
            action: &action,
            target_ref: row.try_get("target_ref")?,
            target_label: &label,
            before: before.as_deref(),
            after: after.as_deref(),
            ip: &ip,
            // A label without its number (or the reverse) is no form the server writes.
            account: account_ref.map(|id| (id, account_label.as_deref().unwrap_or("\u{0}"))),
        };
        let hash = key.seal(&prev, &event);
        if stored.as_deref() != Some(hash.as_str()) {
            return Ok(Err(Mismatch {
                company,
                id: event.id,
                created_at: event.created_at,
                reason: "its hash is not that of this event after the one before it \
                         (it was changed, moved, or an event before it was removed)",
            }));
        }
        prev = hash;
        (last_id, last_at) = (event.id, event.created_at);
        verified.events += 1;
    }
    // The newest events removed: the head still names the last one written.
    if head_id > skip_to && (head_id != last_id || head_hash != prev) {
        return Ok(Err(Mismatch {
            company,
            id: last_id,
            created_at: last_at,
            reason: "the chain's head names a later event: the events after this one were removed",
        }));
    }
    Ok(Ok(verified))
}
