//! Search boxes that run their search once typing pauses (leptos-use's debounce, from its
//! micro crate).

use leptos::{ev, prelude::*};
use leptos_use_fn_debounce_throttle::use_debounce_fn_with_arg;

/// How long typing must pause, in ms, before a search runs.
pub const TYPING_PAUSE_MS: f64 = 250.0;

/// A search box's text as it is searched for: the signal follows the box once typing pauses;
/// give the handler to the box's `on:input`.
pub fn use_search() -> (ReadSignal<String>, impl Fn(ev::Event) + Clone + 'static) {
    let (search, set_search) = signal(String::new());
    let apply = use_debounce_fn_with_arg(move |text: String| set_search.set(text), TYPING_PAUSE_MS);
    (search, move |e: ev::Event| {
        apply(event_target_value(&e));
    })
}

/// The input handler of a search box whose text lives in the URL: `typing` is true from a
/// keystroke until the search is applied, and `apply` runs with the text once typing pauses,
/// unless it is what `current` (the URL's search) already says.
pub fn use_url_search<C, A>(
    typing: RwSignal<bool>,
    current: C,
    apply: A,
) -> impl Fn(ev::Event) + Clone + 'static
where
    C: Fn() -> String + Clone + 'static,
    A: Fn(String) + Clone + 'static,
{
    let searched = current.clone();
    let run = use_debounce_fn_with_arg(
        move |text: String| {
            typing.set(false);
            if searched() != text {
                apply(text);
            }
        },
        TYPING_PAUSE_MS,
    );
    move |e: ev::Event| {
        let text = event_target_value(&e);
        typing.set(current() != text);
        run(text);
    }
}
