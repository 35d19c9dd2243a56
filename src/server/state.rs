use super::{
    config::Config,
    counts::TabCountsCache,
    db::{
        write::{Outlet, Store},
        Db,
    },
    live::Live,
    mailer::Mailer,
};
use crate::model::{CompanyId, LiveEvent};
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// What every request can reach: passed to axum as state and to server functions as Leptos
/// context. No globals, so each test builds its own.
#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<Config>,
    /// Woken by a committed change that queued mail (see [`Outlet`]).
    pub mailer: Mailer,
    /// Live updates, published by a committed change (see [`Outlet`]).
    pub live: Live,
    /// The users table's tab counts between changes.
    pub counts: Arc<TabCountsCache>,
}

impl AppState {
    /// The database, with this app as the place its committed changes are announced.
    pub fn store(&self) -> Store<'_> {
        Store {
            db: &self.db,
            out: self,
        }
    }
}

impl Outlet for AppState {
    fn changed(&self, company: CompanyId, events: Vec<LiveEvent>) {
        for event in events {
            self.live.publish(company, event);
        }
    }

    fn mail_queued(&self) {
        self.mailer.wake();
    }
}
