//! Times shown to people: relative ("3 hours ago") with the exact UTC time alongside (the
//! text comes from [`crate::model::format`]).

use crate::model::format::{exact_utc, relative, rfc3339};
use leptos::prelude::*;

/// A relative time whose exact value shows on hover and on keyboard focus.
#[component]
pub fn RelativeTime(
    /// The server's "now", Unix ms.
    now: i64,
    /// The moment to show, Unix ms; `None` shows "Never".
    at: Option<i64>,
) -> impl IntoView {
    match at {
        Some(at) => view! {
            <time datetime=rfc3339(at) title=exact_utc(at) tabindex="0">
                {relative(now, at)}
                <span class="visually-hidden">{format!(" ({})", exact_utc(at))}</span>
            </time>
        }
        .into_any(),
        None => view! { <span class="muted">"Never"</span> }.into_any(),
    }
}
