//! The users table's tab counts, kept per company, scope and view between changes.
//!
//! Counting a company's users by status reads every one of its index entries: at 100,000
//! users that is most of a page request's time, and every page shows the counts (and the
//! view's "52 match", which is one of them). They follow the view's search and filters, so
//! they are kept per view (its search and filters; the tab, sort and page do not change
//! them), and per scope (the accounts a scoped admin reaches: what they count is their part).
//! They change only when the company's users, invitations, teams, roles or accounts do, and
//! every such change publishes a live event (on PostgreSQL, from any instance), so counts stay
//! valid while the company's live version stands. Invitations also expire with time, without
//! an event: an entry is used for at most [`MAX_AGE`].

use super::{
    access::{perm, Can, Scope},
    db::{self, Db},
    live::{Live, Version},
};
use crate::{
    error::AppError,
    model::{AccountId, CompanyId, RoleId, TabCounts, TeamId, UserListQuery},
};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

const MAX_AGE: Duration = Duration::from_secs(5);

/// How many views' counts are kept, all companies together; beyond it the views nobody is
/// counting are forgotten (each search typed is a view of its own).
const MAX_VIEWS: usize = 512;

/// A company, a scope (`None`: every account) and a view's search and filters: whose counts
/// an entry holds.
type Key = (
    CompanyId,
    Option<Arc<[AccountId]>>,
    (String, Option<RoleId>, Option<TeamId>, Option<AccountId>),
);

/// Each view's last counts behind its own lock, held while counting: requests for that view
/// that arrive meanwhile wait for that count instead of all counting at once.
#[derive(Default)]
pub struct TabCountsCache(Mutex<HashMap<Key, Arc<tokio::sync::Mutex<Option<Entry>>>>>);

struct Entry {
    version: Version,
    at: Instant,
    counts: TabCounts,
}

impl TabCountsCache {
    /// The tab counts of `query`'s search and filters in the company and scope of `can`,
    /// counted again only after a change. An entry answers only the view and scope it was
    /// counted for.
    pub async fn get(
        &self,
        db: &Db,
        live: &Live,
        can: &Can<perm::ViewUsers>,
        query: &UserListQuery,
        now: i64,
    ) -> Result<TabCounts, AppError> {
        let company = can.company();
        let scope = match can.scope() {
            Scope::All => None,
            Scope::Only(accounts) => Some(accounts.clone()),
        };
        let slot = {
            let mut views = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            let key = (company, scope, query.filter_key());
            if views.len() >= MAX_VIEWS && !views.contains_key(&key) {
                // A slot someone holds stays: they are counting into it or waiting for it.
                views.retain(|_, slot| Arc::strong_count(slot) > 1);
            }
            views.entry(key).or_default().clone()
        };
        let mut slot = slot.lock().await;
        // Read before counting: a change committing meanwhile moves the version on, so these
        // counts are never taken for newer than they are.
        let version = live.version(company);
        if let Some(entry) = slot.as_ref() {
            if entry.version == version && entry.at.elapsed() < MAX_AGE {
                return Ok(entry.counts.clone());
            }
        }
        let counts = db::users::tab_counts(db, can, query, now).await?;
        *slot = Some(Entry {
            version,
            at: Instant::now(),
            counts: counts.clone(),
        });
        Ok(counts)
    }
}
