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
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, PoisonError,
    },
    time::{Duration, Instant},
};

const MAX_AGE: Duration = Duration::from_secs(5);

/// The least time between the starts of two counts of one view. Under a stream of changes
/// every page would otherwise count again (~13 ms at 100,000 users; `make soak`'s 40 changes a
/// second kept both cores counting and the server fell minutes behind). A request that finds
/// its view changed since a count begun less than this long ago waits out the rest, then
/// counts: its counts are still read after it arrived (so a person sees their own change),
/// and the requests arriving meanwhile share them.
const MIN_GAP: Duration = Duration::from_millis(200);

/// How many views' counts are kept, all companies together; beyond it the views nobody is
/// counting are forgotten (each search typed is a view of its own).
const MAX_VIEWS: usize = 512;

/// How many of those one company may hold: beyond it the company's own views nobody is
/// counting are forgotten, so one company typing searches does not push out the others'.
const MAX_VIEWS_PER_COMPANY: usize = 64;

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
pub struct TabCountsCache {
    views: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<Option<Entry>>>>>,
    /// How many counts were made (not answered from an entry).
    counted: AtomicU64,
}

struct Entry {
    version: Version,
    /// When its count began.
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
        // Before the search becomes a key: a refused one must not be kept (a megabyte each).
        db::search::check_length(&query.search)?;
        let company = can.company();
        let scope = match can.scope() {
            Scope::All => None,
            Scope::Only(accounts) => Some(accounts.clone()),
        };
        let slot = {
            let mut views = self.views.lock().unwrap_or_else(PoisonError::into_inner);
            // Keyed as counted: the search folded ("ABC " and "abc" are one view).
            let (search, role, team, account) = query.filter_key();
            let key = (
                company,
                scope,
                (db::search::fold(search.trim()), role, team, account),
            );
            if !views.contains_key(&key) {
                // A slot someone holds stays: they are counting into it or waiting for it.
                let idle = |slot: &Arc<_>| Arc::strong_count(slot) == 1;
                if views.keys().filter(|k| k.0 == company).count() >= MAX_VIEWS_PER_COMPANY {
                    views.retain(|k, slot| k.0 != company || !idle(slot));
                } else if views.len() >= MAX_VIEWS {
                    views.retain(|_, slot| !idle(slot));
                }
            }
            views.entry(key).or_default().clone()
        };
        let mut slot = slot.lock().await;
        if let Some(entry) = slot.as_ref() {
            if entry.version == live.version(company) && entry.at.elapsed() < MAX_AGE {
                return Ok(entry.counts.clone());
            }
            tokio::time::sleep_until((entry.at + MIN_GAP).into()).await;
        }
        // Read before counting: a change committing meanwhile moves the version on, so these
        // counts are never taken for newer than they are.
        let version = live.version(company);
        let at = Instant::now();
        let counts = db::users::tab_counts(db, can, query, now).await?;
        self.counted.fetch_add(1, Ordering::Relaxed);
        *slot = Some(Entry {
            version,
            at,
            counts: counts.clone(),
        });
        Ok(counts)
    }

    /// How many times views were counted since the server started (not answered from what
    /// was kept).
    pub fn counted(&self) -> u64 {
        self.counted.load(Ordering::Relaxed)
    }

    /// The search texts of the views kept now, of every company.
    pub fn searches_kept(&self) -> Vec<String> {
        let views = self.views.lock().unwrap_or_else(PoisonError::into_inner);
        views.keys().map(|(_, _, (search, ..))| search.clone()).collect()
    }
}
