//! Previous and Next of a keyset-paged list.

use leptos::prelude::*;
use leptos_router::components::A;

/// The links to the previous and next pages; a direction without a page is shown, disabled,
/// so the links do not jump about.
#[component]
pub fn PageLinks(
    /// The previous page's address, when there is one.
    #[prop(into)]
    prev: Signal<Option<String>>,
    /// The next page's address, when there is one.
    #[prop(into)]
    next: Signal<Option<String>>,
) -> impl IntoView {
    let link = move |href: Signal<Option<String>>, text: &'static str, rel: &'static str| {
        move || match href.get() {
            Some(href) => view! { <A href=href attr:rel=rel>{text}</A> }.into_any(),
            None => view! { <span class="disabled" aria-disabled="true">{text}</span> }.into_any(),
        }
    };
    view! {
        <nav class="pages" aria-label="Pages">
            {link(prev, "Previous", "prev")}
            {link(next, "Next", "next")}
        </nav>
    }
}
