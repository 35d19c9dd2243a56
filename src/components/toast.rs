//! A short message about what just happened, announced politely and gone after a while.

use leptos::prelude::*;
use std::time::Duration;

#[component]
pub fn Toast(
    /// The message; cleared again after ten seconds.
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    Effect::new(move |_| {
        if notice.get().is_some() {
            set_timeout(move || notice.set(None), Duration::from_secs(10));
        }
    });
    view! {
        <div class="toast-region" role="status" aria-live="polite">
            {move || notice.get().map(|text| view! { <div class="toast">{text}</div> })}
        </div>
    }
}
