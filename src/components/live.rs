//! Live updates in the browser: [`use_live_updates`] listens to the server-sent events of
//! `/api/live` and counts the changes a page should refetch for; [`LiveIndicator`] says
//! whether the page is live.
//!
//! ```ignore
//! let live = use_live_updates(&[LiveKind::Users, LiveKind::Invitations]);
//! Effect::watch(move || live.changes.get(), move |_, _, _| page.refetch(), false);
//! view! { <h1>"Users"</h1> <LiveIndicator live /> }
//! ```
//!
//! The stream only ever says *that* something changed (a kind and ids), so the page refetches
//! through its normal server functions. It runs in the browser only: on the server, and until
//! the stream is open, the state is [`LiveStatus::Connecting`].
//!
//! A hand-written `EventSource` binding rather than leptos-use's `use_event_source`, for its
//! behaviour: that hook hands over events as one `message` signal, so events arriving in the
//! same tick collapse into the last and a page misses the ids of the others; it reconnects at
//! a fixed interval up to a limit, where this backs off (0.5 s doubling to 15 s) without
//! giving up and pauses while the tab is hidden, so a restarted server is not stampeded and a
//! tab left open for days comes back.
//!
//! A tab holds one stream (the server allows a session only a few): the first component that
//! asks opens it and provides it to everything below it (the frame's awaiting-approval badge,
//! for those who manage users, so pages share it across navigations); later ones listen to
//! that stream for their own kinds.

use crate::model::{LiveEvent, LiveKind};
use leptos::prelude::*;

/// Where the stream stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    /// Not open yet (also the server-rendered state), or paused while the tab is hidden.
    Connecting,
    /// Open: changes arrive within a second.
    Live,
    /// Dropped; retrying with backoff (0.5 s doubling to 15 s).
    Reconnecting,
}

/// What [`use_live_updates`] returns (and provides as context to the page's children).
#[derive(Debug, Clone, Copy)]
pub struct LiveUpdates {
    /// True while the stream is open.
    pub connected: Signal<bool>,
    /// Goes up by one for each burst of relevant changes (bursts within 100 ms count once),
    /// and when the stream opens again after a gap, since changes may have been missed then.
    /// Refetch when it moves; never when it starts (0).
    pub changes: Signal<u64>,
    /// The relevant events of the latest burst; empty when changes may have been missed
    /// (anything of the kinds may have changed).
    pub events: Signal<Vec<LiveEvent>>,
    /// The state, for [`LiveIndicator`].
    pub status: Signal<LiveStatus>,
}

/// Listens to the live stream of the signed-in user's company for as long as the calling
/// component lives, counting the changes of `kinds`, and provides the result to the
/// component's children. Reconnects by itself, and pauses while the tab is hidden (browsers
/// allow few open connections per site).
pub fn use_live_updates(kinds: &[LiveKind]) -> LiveUpdates {
    let live = watch_live(kinds);
    provide_context(live);
    live
}

/// [`use_live_updates`] without providing it to the children: for a part of the frame, such
/// as a badge, that must not stand in for the page's own.
pub fn watch_live(kinds: &[LiveKind]) -> LiveUpdates {
    let changes = RwSignal::new(0_u64);
    let events = RwSignal::new(Vec::new());
    #[cfg(feature = "hydrate")]
    let status = browser::listen(kinds.to_vec(), changes, events);
    #[cfg(not(feature = "hydrate"))]
    let status = {
        let _ = kinds;
        RwSignal::new(LiveStatus::Connecting)
    };
    LiveUpdates {
        connected: Signal::derive(move || status.get() == LiveStatus::Live),
        changes: changes.read_only().into(),
        events: events.read_only().into(),
        status: status.read_only().into(),
    }
}

/// "Live" while changes arrive by themselves, "Reconnecting…" while they do not.
#[component]
pub fn LiveIndicator(
    /// The stream to show, from [`use_live_updates`].
    live: LiveUpdates,
) -> impl IntoView {
    let status = live.status;
    let text = move || match status.get() {
        LiveStatus::Connecting => "Connecting…",
        LiveStatus::Live => "Live",
        LiveStatus::Reconnecting => "Reconnecting…",
    };
    let state = move || match status.get() {
        LiveStatus::Connecting => "connecting",
        LiveStatus::Live => "live",
        LiveStatus::Reconnecting => "reconnecting",
    };
    view! {
        <span class="live-indicator" data-state=state role="status" aria-label=move || format!("Live updates: {}", text())>
            <span class="live-dot" aria-hidden="true"></span>
            {text}
        </span>
    }
}

/// An open form's warning that someone else saved what it edits: "Changed by <name> just
/// now", what saving it anyway would do, and Reload.
#[component]
pub fn StaleNotice(
    /// Who made the change, when the live event said.
    #[prop(into)]
    by: Signal<Option<String>>,
    /// What saving the open form now would do.
    consequence: &'static str,
    on_reload: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="stale-notice" role="alert">
            <p>
                {move || match by.get() {
                    Some(name) => format!("Changed by {name} just now."),
                    None => "Changed by someone else just now.".to_string(),
                }}
                " "
                {consequence}
            </p>
            <button type="button" class="secondary small" on:click=move |_| on_reload.run(())>"Reload"</button>
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::LiveStatus;
    use crate::model::{LiveEvent, LiveKind, LIVE_CHANGE, LIVE_PATH, LIVE_READY, LIVE_RECONNECT};
    use leptos::prelude::*;
    use std::{cell::RefCell, rc::Rc, time::Duration};
    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::{js_sys, Event, EventSource, MessageEvent};

    const FIRST_RETRY: Duration = Duration::from_millis(500);
    const LAST_RETRY: Duration = Duration::from_secs(15);
    /// Changes closer together than this make one refetch.
    const COALESCE: Duration = Duration::from_millis(100);

    /// One `EventSource` and the handlers it calls; closed when dropped.
    struct Connection {
        source: EventSource,
        _ready: Closure<dyn FnMut(MessageEvent)>,
        _change: Closure<dyn FnMut(MessageEvent)>,
        _reconnect: Closure<dyn FnMut(MessageEvent)>,
        _error: Closure<dyn FnMut(Event)>,
    }

    impl Drop for Connection {
        fn drop(&mut self) {
            self.source.close();
        }
    }

    /// A component counting the changes of some kinds.
    struct Listener {
        id: u64,
        kinds: Vec<LiveKind>,
        changes: RwSignal<u64>,
        events: RwSignal<Vec<LiveEvent>>,
        /// The burst being gathered, told when `bump` fires.
        burst: Vec<LiveEvent>,
        /// Events may have been missed in this burst.
        missed: bool,
        bump: Option<TimeoutHandle>,
    }

    /// The tab's stream, shared by its listeners.
    struct Client {
        status: RwSignal<LiveStatus>,
        listeners: Vec<Listener>,
        next_listener: u64,
        connection: Option<Connection>,
        /// Handlers of closed connections, dropped only outside their own calls.
        closed: Vec<Connection>,
        retry: Option<TimeoutHandle>,
        delay: Duration,
        /// The stream was open before: the next `ready` is a catch-up.
        was_live: bool,
        stopped: bool,
        _visibility: Option<Closure<dyn FnMut(Event)>>,
    }

    type Shared = Rc<RefCell<Client>>;

    /// The stream provided by an ancestor (or this component, which then owns it).
    #[derive(Clone, Copy)]
    struct Hub(StoredValue<Shared, LocalStorage>);

    /// Adds a listener for `kinds` to the stream (opening it first if no ancestor did) until
    /// the calling component goes; answers the stream's status.
    pub fn listen(
        kinds: Vec<LiveKind>,
        changes: RwSignal<u64>,
        events: RwSignal<Vec<LiveEvent>>,
    ) -> RwSignal<LiveStatus> {
        let hub = use_context::<Hub>()
            .filter(|hub| hub.0.try_with_value(|_| ()).is_some())
            .unwrap_or_else(start);
        let Some(client) = hub.0.try_get_value() else {
            return RwSignal::new(LiveStatus::Connecting);
        };
        let id = {
            let mut c = client.borrow_mut();
            let id = c.next_listener;
            c.next_listener += 1;
            c.listeners.push(Listener {
                id,
                kinds,
                changes,
                events,
                burst: Vec::new(),
                missed: false,
                bump: None,
            });
            id
        };
        let status = client.borrow().status;
        on_cleanup(move || {
            if let Some(client) = hub.0.try_get_value() {
                let mut c = client.borrow_mut();
                if let Some(at) = c.listeners.iter().position(|l| l.id == id) {
                    if let Some(bump) = c.listeners.remove(at).bump {
                        bump.clear();
                    }
                }
            }
        });
        status
    }

    /// Opens the stream for the calling component and everything below it.
    fn start() -> Hub {
        let client = Rc::new(RefCell::new(Client {
            status: RwSignal::new(LiveStatus::Connecting),
            listeners: Vec::new(),
            next_listener: 0,
            connection: None,
            closed: Vec::new(),
            retry: None,
            delay: FIRST_RETRY,
            was_live: false,
            stopped: false,
            _visibility: None,
        }));
        watch_visibility(&client);
        if !document().hidden() {
            open(&client);
        }
        let hub = Hub(StoredValue::new_local(client));
        provide_context(hub);
        on_cleanup(move || {
            if let Some(client) = hub.0.try_get_value() {
                stop(&client);
            }
        });
        hub
    }

    fn open(client: &Shared) {
        // Not called from a connection's own handlers, so their closures may go now.
        client.borrow_mut().closed.clear();
        let Ok(source) = EventSource::new(LIVE_PATH) else {
            return retry_later(client);
        };
        let weak = Rc::downgrade(client);
        let ready = Closure::<dyn FnMut(MessageEvent)>::new({
            let weak = weak.clone();
            move |_: MessageEvent| {
                let Some(client) = weak.upgrade() else { return };
                let (status, catch_up) = {
                    let mut c = client.borrow_mut();
                    c.delay = FIRST_RETRY;
                    (c.status, std::mem::replace(&mut c.was_live, true))
                };
                status.set(LiveStatus::Live);
                if catch_up {
                    changed(&client, None);
                }
            }
        });
        let change = Closure::<dyn FnMut(MessageEvent)>::new({
            let weak = weak.clone();
            move |message: MessageEvent| {
                let Some(client) = weak.upgrade() else { return };
                let event = message
                    .data()
                    .as_string()
                    .and_then(|text| serde_json::from_str::<LiveEvent>(&text).ok());
                if let Some(event) = event {
                    changed(&client, Some(event));
                }
            }
        });
        // The server is stopping: come back soon (to another instance), not after a backoff.
        let reconnect = Closure::<dyn FnMut(MessageEvent)>::new({
            let weak = weak.clone();
            move |_: MessageEvent| {
                let Some(client) = weak.upgrade() else { return };
                drop_connection(&client);
                let status = {
                    let mut c = client.borrow_mut();
                    c.delay = FIRST_RETRY;
                    c.status
                };
                status.set(LiveStatus::Reconnecting);
                retry_later(&client);
            }
        });
        let error = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            let Some(client) = weak.upgrade() else { return };
            drop_connection(&client);
            let status = client.borrow().status;
            status.set(LiveStatus::Reconnecting);
            retry_later(&client);
        });
        let listen = |name: &str, handler: &js_sys::Function| {
            let _ = source.add_event_listener_with_callback(name, handler);
        };
        listen(LIVE_READY, ready.as_ref().unchecked_ref());
        listen(LIVE_CHANGE, change.as_ref().unchecked_ref());
        listen(LIVE_RECONNECT, reconnect.as_ref().unchecked_ref());
        listen("error", error.as_ref().unchecked_ref());
        client.borrow_mut().connection = Some(Connection {
            source,
            _ready: ready,
            _change: change,
            _reconnect: reconnect,
            _error: error,
        });
    }

    /// Closes the current connection, keeping its handlers until it is safe to drop them.
    fn drop_connection(client: &Shared) {
        let mut c = client.borrow_mut();
        if let Some(connection) = c.connection.take() {
            connection.source.close();
            c.closed.push(connection);
        }
    }

    fn retry_later(client: &Shared) {
        let delay = {
            let c = client.borrow();
            if c.stopped || c.retry.is_some() {
                return;
            }
            c.delay
        };
        // Up to a fifth shorter, so that pages do not all come back at the same instant.
        let jittered = delay.mul_f64(1.0 - js_sys::Math::random() * 0.2);
        let weak = Rc::downgrade(client);
        let handle = set_timeout_with_handle(
            move || {
                let Some(client) = weak.upgrade() else { return };
                {
                    let mut c = client.borrow_mut();
                    c.retry = None;
                    c.closed.clear();
                    if c.stopped || c.connection.is_some() {
                        return;
                    }
                }
                if !document().hidden() {
                    open(&client);
                }
            },
            jittered,
        )
        .ok();
        let mut c = client.borrow_mut();
        c.retry = handle;
        c.delay = (delay * 2).min(LAST_RETRY);
    }

    /// Tells every listener of `event`'s kind (every listener, for `None`: events may have
    /// been missed) of a change, once per burst.
    fn changed(client: &Shared, event: Option<LiveEvent>) {
        let mut to_time = Vec::new();
        {
            let mut c = client.borrow_mut();
            for listener in &mut c.listeners {
                match &event {
                    Some(e) if !listener.kinds.contains(&e.kind) => continue,
                    Some(e) => listener.burst.push(e.clone()),
                    None => listener.missed = true,
                }
                if listener.bump.is_none() {
                    to_time.push(listener.id);
                }
            }
        }
        for id in to_time {
            let weak = Rc::downgrade(client);
            let handle = set_timeout_with_handle(
                move || {
                    if let Some(client) = weak.upgrade() {
                        tell(&client, id);
                    }
                },
                COALESCE,
            );
            match handle {
                Ok(handle) => {
                    let mut c = client.borrow_mut();
                    if let Some(listener) = c.listeners.iter_mut().find(|l| l.id == id) {
                        listener.bump = Some(handle);
                    }
                }
                Err(_) => tell(client, id),
            }
        }
    }

    /// Hands a listener its gathered burst.
    fn tell(client: &Shared, id: u64) {
        let told = {
            let mut c = client.borrow_mut();
            c.listeners.iter_mut().find(|l| l.id == id).map(|listener| {
                listener.bump = None;
                let burst = std::mem::take(&mut listener.burst);
                let missed = std::mem::replace(&mut listener.missed, false);
                (
                    listener.changes,
                    listener.events,
                    if missed { Vec::new() } else { burst },
                )
            })
        };
        if let Some((changes, events, burst)) = told {
            events.set(burst);
            changes.update(|n| *n += 1);
        }
    }

    /// Closes the stream while the tab is hidden and opens it again (catching up) when shown.
    fn watch_visibility(client: &Shared) {
        let weak = Rc::downgrade(client);
        let handler = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            let Some(client) = weak.upgrade() else { return };
            if client.borrow().stopped {
                return;
            }
            if document().hidden() {
                drop_connection(&client);
                let status = client.borrow().status;
                status.set(LiveStatus::Connecting);
            } else if client.borrow().connection.is_none() {
                if let Some(retry) = client.borrow_mut().retry.take() {
                    retry.clear();
                }
                client.borrow_mut().delay = FIRST_RETRY;
                open(&client);
            }
        });
        let _ =
            document().add_event_listener_with_callback("visibilitychange", handler.as_ref().unchecked_ref());
        client.borrow_mut()._visibility = Some(handler);
    }

    fn stop(client: &Shared) {
        let visibility = {
            let mut c = client.borrow_mut();
            c.stopped = true;
            if let Some(retry) = c.retry.take() {
                retry.clear();
            }
            for listener in c.listeners.drain(..) {
                if let Some(bump) = listener.bump {
                    bump.clear();
                }
            }
            c.connection = None;
            c.closed.clear();
            c._visibility.take()
        };
        if let Some(handler) = visibility {
            let _ = document()
                .remove_event_listener_with_callback("visibilitychange", handler.as_ref().unchecked_ref());
        }
    }
}
