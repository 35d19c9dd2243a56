//! The users table's tab counts, kept per company between changes.
//!
//! Counting a company's users by status reads every one of its index entries: at 100,000
//! users that is most of a page request's time, and every page shows the counts. They change
//! only when the company's users or invitations do, and every such change publishes a live
//! event (on PostgreSQL, from any instance), so counts stay valid while the company's live
//! version stands. Invitations also expire with time, without an event: an entry is used for
//! at most [`MAX_AGE`].

use super::{
    access::{perm, Can},
    db::{self, Db},
    live::{Live, Version},
};
use crate::model::{CompanyId, TabCounts};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

const MAX_AGE: Duration = Duration::from_secs(5);

/// Each company's last counts behind its own lock, held while counting: requests that arrive
/// meanwhile wait for that count instead of all counting at once.
#[derive(Default)]
pub struct TabCountsCache(Mutex<HashMap<CompanyId, Arc<tokio::sync::Mutex<Option<Entry>>>>>);

struct Entry {
    version: Version,
    at: Instant,
    counts: TabCounts,
}

impl TabCountsCache {
    /// The tab counts of the company of `can`, counted again only after a change.
    pub async fn get(
        &self,
        db: &Db,
        live: &Live,
        can: &Can<perm::ViewUsers>,
        now: i64,
    ) -> Result<TabCounts, sqlx::Error> {
        // Kept counts are the whole company's; a scoped caller counts their part afresh.
        if !can.scope().is_all() {
            return db::users::tab_counts(db, can, now).await;
        }
        let company = can.company();
        let slot = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(company)
            .or_default()
            .clone();
        let mut slot = slot.lock().await;
        // Read before counting: a change committing meanwhile moves the version on, so these
        // counts are never taken for newer than they are.
        let version = live.version(company);
        if let Some(entry) = slot.as_ref() {
            if entry.version == version && entry.at.elapsed() < MAX_AGE {
                return Ok(entry.counts.clone());
            }
        }
        let counts = db::users::tab_counts(db, can, now).await?;
        *slot = Some(Entry {
            version,
            at: Instant::now(),
            counts: counts.clone(),
        });
        Ok(counts)
    }
}
