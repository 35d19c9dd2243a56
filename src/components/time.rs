//! Times shown to people: relative ("3 hours ago") with the exact time alongside, in the
//! signed-in person's time zone and naming it (the text comes from [`crate::model::format`]).

use crate::model::format::{exact_in, relative, rfc3339};
use leptos::prelude::*;

/// The zone exact times are shown in, for every time of the page.
#[derive(Clone, Copy)]
pub struct ShownTimeZone {
    /// The person's stored zone (`""`: automatic); the profile sets it when they save another.
    pub stored: RwSignal<String>,
    /// The zone times are shown in now.
    pub shown: Signal<String>,
}

/// Provides [`ShownTimeZone`] from the signed-in person's stored zone (`""`: automatic). A
/// chosen zone is the same on the server and in the browser. Automatic is UTC while the server
/// renders and the page hydrates (the server does not know the browser's zone), and this
/// browser's zone once the page is mounted: a text that changes after mount, which hydration
/// allows.
pub fn provide_time_zone(stored: String) {
    let stored = RwSignal::new(stored);
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    let shown = Memo::new(move |_| {
        stored.with(|zone| match zone.as_str() {
            "" if mounted.get() => browser_time_zone(),
            "" => "UTC".to_string(),
            zone => zone.to_string(),
        })
    });
    provide_context(ShownTimeZone {
        stored,
        shown: shown.into(),
    });
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn browser_time_zone() -> String {
    crate::model::format::browser_time_zone().unwrap_or_else(|| "UTC".into())
}

#[cfg(not(all(feature = "hydrate", not(feature = "ssr"))))]
fn browser_time_zone() -> String {
    "UTC".into()
}

/// The zone to show exact times in: the page's (see [`provide_time_zone`]), else UTC.
pub fn use_time_zone() -> Signal<String> {
    use_context::<ShownTimeZone>()
        .map(|z| z.shown)
        .unwrap_or_else(|| Signal::stored("UTC".to_string()))
}

/// A relative time whose exact value, in the person's time zone, shows on hover and on
/// keyboard focus. Only its texts follow `now` and the zone: a table renders it twice a row.
#[component]
pub fn RelativeTime(
    /// The server's "now", Unix ms.
    #[prop(into)]
    now: Signal<i64>,
    /// The moment to show, Unix ms; `None` shows "Never".
    at: Option<i64>,
) -> impl IntoView {
    match at {
        Some(at) => {
            let zone = use_time_zone();
            let exact = move || zone.with(|zone| exact_in(at, zone));
            view! {
                <time datetime=rfc3339(at) title=exact tabindex="0">
                    {move || relative(now.get(), at)}
                    <span class="visually-hidden">" (" {exact} ")"</span>
                </time>
            }
            .into_any()
        }
        None => view! { <span class="muted">"Never"</span> }.into_any(),
    }
}
