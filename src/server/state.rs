use super::{config::Config, counts::TabCountsCache, db::Db, live::Live, mailer::Mailer};
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// What every request can reach: passed to axum as state and to server functions as Leptos
/// context. No globals, so each test builds its own.
#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<Config>,
    /// Wake it after committing a transaction that queued mail in the outbox.
    pub mailer: Mailer,
    /// Live updates: `live.publish(company, LiveEvent::users(ids))` after a change commits.
    pub live: Live,
    /// The users table's tab counts between changes.
    pub counts: Arc<TabCountsCache>,
}
