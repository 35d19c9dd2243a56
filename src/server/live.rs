//! Live updates: a hub that tells every open page of a company that something changed, and
//! the server-sent events stream (`GET /api/live`) the browser listens to.
//!
//! Server functions call [`Live::publish`] after their transaction commits. Subscribers of a
//! company get its events through an in-process `tokio::sync::broadcast` channel. On
//! PostgreSQL every event also goes out as `NOTIFY roster_live`, and each instance listens on
//! that channel and feeds the other instances' events into its own subscribers, so admins
//! served by different instances see each other's changes. Events carry a kind and ids only
//! (see [`LiveEvent`]): the page refetches through the permission-checked server functions.
//! Each stream carries only the kinds its viewer may see (an [`Audience`]): roles to those
//! who manage roles, accounts to those who manage accounts, settings to those who manage
//! settings, users, invitations and teams to those who view users, and "the audit log
//! changed" (no ids, no names) to those who view the audit log.

use super::{
    auth::{self, CurrentUser},
    db::{self, Backend, Db},
    state::AppState,
    token,
};
use crate::{
    error::AppError,
    model::{CompanyId, LiveEvent, LiveKind, LIVE_CHANGE, LIVE_READY, LIVE_RECONNECT},
};
use axum::{
    extract::State,
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use http::{header, HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};
use std::{
    collections::{HashMap, VecDeque},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, PoisonError,
    },
    time::Duration,
};
use tokio::sync::{broadcast, oneshot, watch};

/// The PostgreSQL channel instances announce their events on.
pub const CHANNEL: &str = "roster_live";
/// PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; stay well below.
const MAX_PAYLOAD: usize = 7900;
/// Events a slow subscriber may fall behind by before it is told to reload everything.
const CAPACITY: usize = 256;
/// How often an open stream checks that its session is still valid and what it may still see
/// (it also checks before every event).
const SESSION_CHECK: Duration = Duration::from_secs(30);
/// Comments that keep proxies from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Streams one session may hold open on an instance; its next one closes its oldest. A page
/// holds one, so this is four tabs, and a script can't pile up streams (and connections).
pub const STREAMS_PER_SESSION: usize = 4;

/// The live-update hub of one instance. Cheap to clone; lives in [`AppState`].
#[derive(Clone)]
pub struct Live {
    inner: Arc<Inner>,
}

struct Inner {
    /// Tells this instance's NOTIFYs from the others'.
    instance: String,
    local: Arc<Fanout>,
    streams: Arc<Streams>,
    /// The database that NOTIFYs go through, on PostgreSQL.
    notify: Option<Db>,
    /// Dropping it stops the listener task.
    _stop: Option<oneshot::Sender<()>>,
    /// Set when the server stops: every stream says "reconnect" and ends.
    closing: watch::Sender<bool>,
}

impl Live {
    /// A hub for this instance alone (SQLite, or tests that need no database).
    pub fn in_process() -> Live {
        Live {
            inner: Arc::new(Inner {
                instance: token::generate()[..16].to_string(),
                local: Arc::default(),
                streams: Arc::default(),
                notify: None,
                _stop: None,
                closing: watch::Sender::new(false),
            }),
        }
    }

    /// The hub for `database_url`: on PostgreSQL it listens for the other instances' events
    /// (connected before this returns, when the database answers; retried with backoff
    /// otherwise) and announces its own through `db`. Must run inside a tokio runtime.
    pub async fn start(database_url: &str, db: Db) -> Live {
        if Backend::of(database_url) != Some(Backend::Postgres) {
            return Live::in_process();
        }
        let instance = token::generate()[..16].to_string();
        let local: Arc<Fanout> = Arc::default();
        let (stop, stopped) = oneshot::channel();
        let first = match connect(database_url).await {
            Ok(listener) => Some(listener),
            Err(error) => {
                tracing::warn!(%error, "live updates: cannot listen on PostgreSQL yet; retrying");
                None
            }
        };
        let listening = listen(database_url.to_string(), instance.clone(), local.clone(), first);
        tokio::spawn(async move {
            tokio::select! {
                _ = stopped => {}
                () = listening => {}
            }
        });
        Live {
            inner: Arc::new(Inner {
                instance,
                local,
                streams: Arc::default(),
                notify: Some(db),
                _stop: Some(stop),
                closing: watch::Sender::new(false),
            }),
        }
    }

    /// Tells every open page of `company`, on every instance, that `event` happened. Call it
    /// after the change's transaction has committed. Never fails: a lost event only delays a
    /// page until its next reload (errors are logged).
    pub fn publish(&self, company: CompanyId, event: LiveEvent) {
        tracing::debug!(company = company.0, ?event, "live update");
        if let Some(db) = &self.inner.notify {
            let payload = Notice::payload(&self.inner.instance, company, &event);
            let db = db.clone();
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn(async move {
                        // pg_notify returns `void`, which the Any driver cannot decode.
                        let sent = sqlx::query("SELECT 1 AS sent FROM (SELECT pg_notify($1, $2)) AS n")
                            .bind(CHANNEL)
                            .bind(payload)
                            .execute(&db)
                            .await;
                        if let Err(error) = sent {
                            tracing::warn!(%error, "live updates: NOTIFY failed");
                        }
                    });
                }
                Err(_) => tracing::warn!("live updates: publish outside a runtime, other instances not told"),
            }
        }
        self.inner.local.send(company, event);
    }

    /// Events of the audience's company, as they happen on any instance; the stream passes
    /// on only those the audience is [shown](Audience::shown), as it may see them.
    pub fn subscribe(&self, audience: &Audience) -> broadcast::Receiver<LiveEvent> {
        self.inner.local.subscribe(audience.company)
    }

    /// Where `company` stands in the changes this instance has heard of: it moves on with
    /// every event of the company about its users, invitations, teams, roles or accounts,
    /// from any instance, and whenever events may have been missed. What was read of those
    /// from the database under one version is current while it stands.
    pub fn version(&self, company: CompanyId) -> Version {
        self.inner.local.version(company)
    }

    /// For a change made behind the server's back (a script, a test's SQL): every page of
    /// this instance reloads, and nothing read before counts as current.
    pub fn catch_up(&self) {
        self.inner.local.catch_up_everyone();
    }

    /// The server is stopping: every open stream (and any opened from now on) tells its page
    /// to reconnect and ends, so that a graceful shutdown is not held open by them.
    pub fn close_streams(&self) {
        self.inner.closing.send_replace(true);
    }

    /// How many streams of `company` are open on this instance.
    pub fn subscribers(&self, company: CompanyId) -> usize {
        self.inner.local.subscribers(company)
    }

    /// How many streams are open on this instance, of every company (`/metrics`).
    pub fn subscribers_total(&self) -> usize {
        self.inner.local.subscribers_total()
    }

    /// A place for a new stream of the session whose token hashes to `session`, closing the
    /// session's oldest stream on this instance when it already holds
    /// [`STREAMS_PER_SESSION`].
    fn hold_stream(&self, session: &str) -> StreamSlot {
        self.inner.streams.hold(session)
    }
}

/// Who a stream is for: a company, and the kinds of events its viewer may see (for each
/// kind, [`LiveKind::permission`] held anywhere). Worked out again before every event, so a
/// change of role applies to an open stream at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    company: CompanyId,
    kinds: Vec<LiveKind>,
    /// The viewer sees only some accounts' people.
    scoped: bool,
}

impl Audience {
    /// What `user` may be told, or `None` when it is nothing at all (a Member).
    pub fn of(user: &CurrentUser) -> Option<Audience> {
        let kinds: Vec<LiveKind> = LiveKind::ALL
            .into_iter()
            .filter(|kind| user.can(kind.permission()))
            .collect();
        let scoped = user
            .require::<crate::server::access::perm::ViewUsers>()
            .map_or(true, |can| !can.scope().is_all());
        (!kinds.is_empty()).then_some(Audience {
            company: user.company_id,
            kinds,
            scoped,
        })
    }

    /// `event` (of the viewer's company) as the viewer may be told it, if at all. A viewer
    /// limited to some accounts never hears who made a change (they may not see that person),
    /// nor the ids of people, invitations or accounts (they may lie outside those accounts):
    /// "reload" shows what they may see.
    pub fn shown(&self, event: &LiveEvent) -> Option<LiveEvent> {
        if !self.kinds.contains(&event.kind) {
            return None;
        }
        if event.kind == LiveKind::Audit {
            // Only ever "the log changed", whoever watches: which events and how many are
            // counted by the page through its scoped query.
            return Some(LiveEvent::everything(LiveKind::Audit));
        }
        if !self.scoped {
            return Some(event.clone());
        }
        Some(match event.kind {
            LiveKind::Users | LiveKind::Invitations | LiveKind::Accounts | LiveKind::Audit => {
                LiveEvent::everything(event.kind)
            }
            LiveKind::Teams | LiveKind::Roles | LiveKind::Settings => LiveEvent {
                by: None,
                ..event.clone()
            },
        })
    }
}

/// The open streams of each session on this instance, oldest first, each with the sender
/// whose drop closes it. A session's entry goes when its last stream does.
#[derive(Default)]
struct Streams {
    open: Mutex<HashMap<String, VecDeque<Held>>>,
    next_id: AtomicU64,
}

/// An open stream: its slot's id and the sender whose drop closes it.
type Held = (u64, oneshot::Sender<()>);

impl Streams {
    fn open(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Held>>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn hold(self: &Arc<Self>, session: &str) -> StreamSlot {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (close, closed) = oneshot::channel();
        let mut open = self.open();
        let held = open.entry(session.to_string()).or_default();
        held.push_back((id, close));
        while held.len() > STREAMS_PER_SESSION {
            // Dropping its sender ends that stream.
            held.pop_front();
        }
        StreamSlot {
            streams: self.clone(),
            session: session.to_string(),
            id,
            closed,
        }
    }
}

/// One stream's place among its session's: `closed` resolves when a newer stream of the
/// session took it; dropping the slot (the stream ended) gives the place up.
struct StreamSlot {
    streams: Arc<Streams>,
    session: String,
    id: u64,
    closed: oneshot::Receiver<()>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.streams.open();
        if let Some(held) = open.get_mut(&self.session) {
            held.retain(|(id, _)| *id != self.id);
            if held.is_empty() {
                open.remove(&self.session);
            }
        }
    }
}

/// Whether an event of `kind` may change what was read under the company's version: the
/// audit log's events and the settings' change no user, invitation, team, role or account
/// (a change that does announces that too). A member changing their own theme twenty times
/// a second would otherwise have every users page of their company counted again.
fn moves_version(kind: LiveKind) -> bool {
    !matches!(kind, LiveKind::Audit | LiveKind::Settings)
}

/// See [`Live::version`]: (catch-ups of this instance, events of the company).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version(u64, u64);

/// In-process fan-out: one broadcast channel per company that has an open stream, and each
/// company's count of events.
#[derive(Default)]
struct Fanout {
    channels: Mutex<HashMap<CompanyId, broadcast::Sender<LiveEvent>>>,
    events: Mutex<HashMap<CompanyId, u64>>,
    catch_ups: AtomicU64,
}

impl Fanout {
    fn channels(&self) -> std::sync::MutexGuard<'_, HashMap<CompanyId, broadcast::Sender<LiveEvent>>> {
        self.channels.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn events(&self) -> std::sync::MutexGuard<'_, HashMap<CompanyId, u64>> {
        self.events.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn version(&self, company: CompanyId) -> Version {
        let events = self.events().get(&company).copied().unwrap_or(0);
        Version(self.catch_ups.load(Ordering::Acquire), events)
    }

    fn send(&self, company: CompanyId, event: LiveEvent) {
        if moves_version(event.kind) {
            *self.events().entry(company).or_default() += 1;
        }
        if let Some(sender) = self.channels().get(&company) {
            // No receiver left is not an error: nobody is watching.
            let _ = sender.send(event);
        }
    }

    fn subscribe(&self, company: CompanyId) -> broadcast::Receiver<LiveEvent> {
        let mut channels = self.channels();
        channels.retain(|_, sender| sender.receiver_count() > 0);
        channels
            .entry(company)
            .or_insert_with(|| broadcast::channel(CAPACITY).0)
            .subscribe()
    }

    fn subscribers(&self, company: CompanyId) -> usize {
        self.channels()
            .get(&company)
            .map_or(0, broadcast::Sender::receiver_count)
    }

    fn subscribers_total(&self) -> usize {
        self.channels()
            .values()
            .map(broadcast::Sender::receiver_count)
            .sum()
    }

    /// Every subscriber reloads everything: events may have been missed.
    fn catch_up_everyone(&self) {
        self.catch_ups.fetch_add(1, Ordering::AcqRel);
        for sender in self.channels().values() {
            for kind in LiveKind::ALL {
                let _ = sender.send(LiveEvent::everything(kind));
            }
        }
    }
}

// --- Across instances: PostgreSQL LISTEN/NOTIFY ---

/// The NOTIFY payload: who sent it, for which company, and the event.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Notice {
    from: String,
    company: i64,
    event: LiveEvent,
}

impl Notice {
    /// The JSON payload, under PostgreSQL's limit: too many ids become "reload everything".
    fn payload(instance: &str, company: CompanyId, event: &LiveEvent) -> String {
        let mut notice = Notice {
            from: instance.to_string(),
            company: company.0,
            event: event.clone(),
        };
        let json = serde_json::to_string(&notice).unwrap_or_default();
        if json.len() <= MAX_PAYLOAD {
            return json;
        }
        notice.event.ids.clear();
        serde_json::to_string(&notice).unwrap_or_default()
    }

    /// Another instance's event, or `None` for this instance's own (already delivered) and
    /// anything unreadable.
    fn from_other(payload: &str, instance: &str) -> Option<(CompanyId, LiveEvent)> {
        match serde_json::from_str::<Notice>(payload) {
            Ok(notice) if notice.from != instance => Some((CompanyId(notice.company), notice.event)),
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(%error, "live updates: unreadable NOTIFY payload");
                None
            }
        }
    }
}

async fn connect(url: &str) -> Result<sqlx::postgres::PgListener, sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Feeds the other instances' events into `local`, forever: reconnects with backoff (0.5 s
/// doubling to 30 s) and makes every subscriber catch up after a gap, since NOTIFYs sent
/// while disconnected are lost.
async fn listen(
    url: String,
    instance: String,
    local: Arc<Fanout>,
    mut listener: Option<sqlx::postgres::PgListener>,
) {
    let mut backoff = Duration::from_millis(500);
    loop {
        let mut current = match listener.take() {
            Some(current) => current,
            None => match connect(&url).await {
                Ok(current) => {
                    tracing::info!("live updates: listening on PostgreSQL again");
                    backoff = Duration::from_millis(500);
                    local.catch_up_everyone();
                    current
                }
                Err(error) => {
                    tracing::warn!(%error, retry_in = ?backoff, "live updates: cannot listen on PostgreSQL");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    continue;
                }
            },
        };
        loop {
            match current.try_recv().await {
                Ok(Some(notification)) => {
                    if let Some((company, event)) = Notice::from_other(notification.payload(), &instance) {
                        local.send(company, event);
                    }
                }
                // The connection dropped and was re-established: events may have been missed.
                Ok(None) => {
                    tracing::warn!("live updates: PostgreSQL connection lost and re-established");
                    local.catch_up_everyone();
                }
                Err(error) => {
                    tracing::warn!(%error, "live updates: lost the PostgreSQL listener");
                    break;
                }
            }
        }
    }
}

// --- The browser's stream ---

/// `GET /api/live`: server-sent events for the caller's company. The session cookie
/// authenticates it as it does server functions: signed out 401, allowed to see no kind of
/// event (a Member) 403.
/// The stream opens with a `ready` event, then sends a `change` event (JSON [`LiveEvent`])
/// for every change, and a keep-alive comment every 15 s. It ends when the session does
/// (checked before each event and every 30 s); the browser then reconnects and gets 401. It
/// also ends when the session opens its fifth stream here (see [`STREAMS_PER_SESSION`]).
pub async fn stream(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = auth::session_token(&headers, &state.config) else {
        return refuse(AppError::Unauthenticated);
    };
    let user = match auth::resolve(&state, &token, db::now_ms()).await {
        Ok(Some(user)) => user,
        Ok(None) => return refuse(AppError::Unauthenticated),
        Err(error) => return refuse(error),
    };
    let Some(audience) = Audience::of(&user) else {
        return refuse(AppError::Forbidden);
    };
    let token_hash = token::hash(&token);
    let feed = Feed {
        events: state.live.subscribe(&audience),
        pending: VecDeque::from([Event::default().event(LIVE_READY).data("{}")]),
        check: tokio::time::interval_at(tokio::time::Instant::now() + SESSION_CHECK, SESSION_CHECK),
        slot: state.live.hold_stream(&token_hash),
        closing: state.live.inner.closing.subscribe(),
        ending: false,
        token_hash,
        audience,
        state,
    };
    let events = futures_util::stream::unfold(feed, |mut feed| async move {
        let event = feed.next().await?;
        Some((Ok::<_, std::convert::Infallible>(event), feed))
    });
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // nginx would otherwise buffer the stream.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

fn refuse(error: AppError) -> Response {
    (error.status(), axum::Json(error)).into_response()
}

/// Until the server stops.
async fn stopping(closing: &mut watch::Receiver<bool>) {
    let _ = closing.wait_for(|closing| *closing).await;
}

/// One open stream: its company's events and the session that may see (some of) them.
struct Feed {
    events: broadcast::Receiver<LiveEvent>,
    pending: VecDeque<Event>,
    check: tokio::time::Interval,
    /// Ends the stream when a newer one of the session takes its place.
    slot: StreamSlot,
    /// The server is stopping.
    closing: watch::Receiver<bool>,
    /// The last event is queued: end after it.
    ending: bool,
    token_hash: String,
    /// As of the last check.
    audience: Audience,
    state: AppState,
}

impl Feed {
    /// The next event to send, or `None` to end the stream.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            if self.ending {
                return None;
            }
            tokio::select! {
                () = stopping(&mut self.closing) => {
                    self.ending = true;
                    self.pending.push_back(Event::default().event(LIVE_RECONNECT).data("{}"));
                }
                received = self.events.recv() => {
                    let events = match received {
                        Ok(event) => vec![event],
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            LiveKind::ALL.map(LiveEvent::everything).to_vec()
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    };
                    if !self.still_allowed().await {
                        return None;
                    }
                    let audience = &self.audience;
                    self.pending.extend(events.iter().filter_map(|event| audience.shown(event)).map(|event| {
                        Event::default()
                            .event(LIVE_CHANGE)
                            .data(serde_json::to_string(&event).unwrap_or_default())
                    }));
                }
                _ = self.check.tick() => {
                    if !self.still_allowed().await {
                        return None;
                    }
                }
                _ = &mut self.slot.closed => {
                    tracing::debug!("live updates: a newer stream of the session closed this one");
                    return None;
                }
            }
        }
    }

    /// The session is unexpired, its user active, of this company and still allowed to see
    /// some kind of event; the audience is brought up to date. Does not count as activity (an
    /// open tab must not keep a session alive). A database error keeps the stream open and
    /// its audience as it was: the next check decides.
    async fn still_allowed(&mut self) -> bool {
        match auth::peek(&self.state, &self.token_hash, db::now_ms()).await {
            Ok(user) => match user.as_ref().and_then(Audience::of) {
                Some(audience) if audience.company == self.audience.company => {
                    self.audience = audience;
                    true
                }
                _ => false,
            },
            Err(_) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UserId;

    #[test]
    fn a_notice_from_this_instance_is_skipped_and_one_from_another_delivered() {
        let event = LiveEvent::users([UserId(4), UserId(2)]);
        let payload = Notice::payload("aaaa", CompanyId(9), &event);
        assert_eq!(Notice::from_other(&payload, "aaaa"), None);
        assert_eq!(Notice::from_other(&payload, "bbbb"), Some((CompanyId(9), event)));
        assert_eq!(Notice::from_other("not json", "bbbb"), None);
    }

    #[test]
    fn a_notice_with_too_many_ids_asks_to_reload_everything() {
        let many = LiveEvent::users((1..5_000).map(|i| UserId(i64::MAX - i)));
        let payload = Notice::payload("aaaa", CompanyId(9), &many);
        assert!(payload.len() < 8000, "{} bytes", payload.len());
        let (company, event) = Notice::from_other(&payload, "bbbb").unwrap();
        assert_eq!(company, CompanyId(9));
        assert_eq!(event, LiveEvent::everything(LiveKind::Users));
    }

    #[tokio::test]
    async fn a_sessions_newest_stream_closes_its_oldest_and_ended_streams_leave_nothing() {
        use oneshot::error::TryRecvError;
        let live = Live::in_process();
        let mut slots: Vec<_> = (0..=STREAMS_PER_SESSION).map(|_| live.hold_stream("a")).collect();
        let mut other = live.hold_stream("b");
        let mut oldest = slots.remove(0);
        assert!((&mut oldest.closed).await.is_err());
        for slot in &mut slots {
            assert_eq!(slot.closed.try_recv(), Err(TryRecvError::Empty));
        }
        assert_eq!(other.closed.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(live.inner.streams.open()["a"].len(), STREAMS_PER_SESSION);
        drop((oldest, slots, other));
        assert!(live.inner.streams.open().is_empty());
    }

    #[tokio::test]
    async fn subscribers_receive_only_their_own_companys_events() {
        let live = Live::in_process();
        let mut a = live.inner.local.subscribe(CompanyId(1));
        let mut b = live.inner.local.subscribe(CompanyId(2));
        live.publish(CompanyId(1), LiveEvent::user(UserId(10)));
        live.publish(CompanyId(3), LiveEvent::user(UserId(30)));
        live.publish(CompanyId(2), LiveEvent::user(UserId(20)));
        assert_eq!(a.recv().await.unwrap(), LiveEvent::user(UserId(10)));
        assert_eq!(b.recv().await.unwrap(), LiveEvent::user(UserId(20)));
        assert!(a.try_recv().is_err() && b.try_recv().is_err());
        assert_eq!(live.subscribers(CompanyId(1)), 1);
        drop(a);
        assert_eq!(live.subscribers(CompanyId(1)), 0);
    }
}
