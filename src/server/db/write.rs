//! The one shape of a change someone makes: [`Write::begin`] takes the write lock and the
//! company's row lock, the change runs in the transaction and records its audit events with
//! [`Write::audit`], and [`Write::commit`] commits, then announces it: the live events it
//! gathered go to every open page of the company, and mail it queued leaves at once.
//! Announcing only after the commit means no page refetches before the change is visible,
//! and a change that fails announces nothing.

use super::{
    audit::{self, By, Target},
    companies::Locked,
    now_ms, outbox, Db,
};
use crate::{
    error::AppError,
    model::{AuditAction, CompanyId, LiveEvent, LiveKind},
    server::mail::Message,
};
use sqlx::{Any, Transaction};

/// Where committed changes are announced: the app's live hub and mail worker (see
/// `AppState`). A trait, so that `db` does not depend on the live stream or the mailer.
pub trait Outlet: Send + Sync {
    /// `events` of `company` are committed: tell every open page of it.
    fn changed(&self, company: CompanyId, events: Vec<LiveEvent>);
    /// Mail waits in the outbox: send it now rather than at the worker's next look.
    fn mail_queued(&self);
}

/// The database, and where the changes written to it are announced: what every write takes.
#[derive(Clone, Copy)]
pub struct Store<'a> {
    pub db: &'a Db,
    pub out: &'a dyn Outlet,
}

/// A change in progress by `by`, in their company. Dropped without [`commit`](Write::commit)
/// (an early `?`), it rolls back and announces nothing.
pub struct Write<'a> {
    pub tx: Transaction<'static, Any>,
    pub by: &'a By,
    /// The time of the change, the same in every row and event it writes.
    pub now: i64,
    /// The company's owner and root account, read as it took the company's lock: the owner
    /// can't change before the commit.
    pub locked: Locked,
    out: &'a dyn Outlet,
    events: Vec<LiveEvent>,
    mail: bool,
    /// Audit events were recorded: the audit log's viewers are told once it commits.
    audited: bool,
    /// This change's turn at writing, until it commits or is dropped.
    _turn: super::Turn,
}

impl<'a> Write<'a> {
    /// Begins a change of `by`'s company. Every change locks the company first, so concurrent
    /// changes of one company take their turns in one order and never deadlock.
    pub async fn begin(store: Store<'a>, by: &'a By) -> Result<Write<'a>, AppError> {
        let (turn, mut tx) = super::begin_write(store.db).await?;
        let locked = super::companies::lock_company(&mut tx, by.company).await?;
        Ok(Write {
            tx,
            by,
            now: now_ms(),
            locked,
            out: store.out,
            events: Vec::new(),
            mail: false,
            audited: false,
            _turn: turn,
        })
    }

    /// The company the change is made in.
    pub fn company(&self) -> CompanyId {
        self.by.company
    }

    /// Records that `by` did `action` to `target`, with what it was and became.
    pub async fn audit(
        &mut self,
        action: AuditAction,
        target: Target<'_>,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<(), sqlx::Error> {
        self.audited = true;
        audit::record(&mut self.tx, self.by, action, target, before, after, self.now).await
    }

    /// Records one event per row of a set-based change.
    pub async fn audit_each(&mut self, events: audit::Each<'_>) -> Result<(), sqlx::Error> {
        self.audited = true;
        audit::record_each(&mut self.tx, self.by, events, self.now).await
    }

    /// Queues an email in the outbox; it leaves once the change commits.
    pub async fn mail(&mut self, kind: &str, to: &str, message: &Message) -> Result<(), sqlx::Error> {
        outbox::queue(&mut self.tx, self.by.company, kind, to, message, self.now).await?;
        self.mail = true;
        Ok(())
    }

    /// For mail queued by a set-based insert into the outbox: it leaves once the change commits.
    pub fn mail_queued(&mut self) {
        self.mail = true;
    }

    /// Announces `event` to the company's open pages once the change commits, as made by `by`.
    pub fn announce(&mut self, event: LiveEvent) {
        self.events.push(event.by(&self.by.name));
    }

    /// Commits the change, then announces it (and, when it recorded audit events, that the
    /// audit log changed: no ids and no names, since some viewers see only part of the log).
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        self.tx.commit().await?;
        if self.mail {
            self.out.mail_queued();
        }
        if self.audited {
            self.events.push(LiveEvent::everything(LiveKind::Audit));
        }
        if !self.events.is_empty() {
            self.out.changed(self.by.company, self.events);
        }
        Ok(())
    }
}
