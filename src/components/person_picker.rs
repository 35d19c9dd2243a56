//! A person picker: a text box that suggests the company's people by name or email as one
//! types (`users/suggest`: the users table's search, so the caller's view-users scope
//! applies), following the
//! WAI-ARIA combobox pattern with a list box popup: Down and Up move through the suggestions,
//! Enter picks the highlighted one, Escape closes the list (or, closed, clears the box).
//!
//! ```ignore
//! <PersonPicker id="audit-actor" label="By" placeholder="Anyone"
//!     selected=Signal::derive(move || view.get().actor)
//!     on_pick=Callback::new(move |(id, _name)| go(id)) />
//! ```

use crate::{
    api::users::suggest_people,
    components::search::TYPING_PAUSE_MS,
    model::{PersonChoice, UserId},
};
use leptos::{ev, prelude::*};
use leptos_use_fn_debounce_throttle::use_debounce_fn_with_arg;

/// A labelled combobox that picks one person.
#[component]
pub fn PersonPicker(
    /// A stem for the ids of the box and its list, unique on the page.
    id: &'static str,
    /// The visible label ("By", "About").
    label: &'static str,
    /// What the empty box says.
    placeholder: &'static str,
    /// The person the view is filtered to now: when it becomes `None` (the filter was
    /// removed elsewhere), the box empties.
    #[prop(into)]
    selected: Signal<Option<UserId>>,
    /// Called with the person picked and their name.
    on_pick: Callback<(UserId, String)>,
) -> impl IntoView {
    let input_id = format!("{id}-input");
    let list_id = format!("{id}-list");
    let option_id = move |i: usize| format!("{id}-option-{i}");
    let text = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    // The suggestions for the text searched last, and whether they have come (kept by hand
    // rather than in a resource: the pages using a picker carry less code into their WASM).
    let options = RwSignal::new(Vec::<PersonChoice>::new());
    let answered = RwSignal::new(false);
    let asked = StoredValue::new(0_u64);
    let search = use_debounce_fn_with_arg(
        move |term: String| {
            asked.update_value(|n| *n += 1);
            let this = asked.get_value();
            if term.trim().is_empty() {
                options.set(Vec::new());
                answered.set(false);
                return;
            }
            leptos::task::spawn_local(async move {
                let found = suggest_people(term).await.unwrap_or_default();
                // Only the answer to the latest search counts.
                if asked.try_get_value() == Some(this) {
                    active.set(None);
                    options.set(found);
                    answered.set(true);
                }
            });
        },
        TYPING_PAUSE_MS,
    );
    let expanded = Signal::derive(move || open.get() && !options.with(Vec::is_empty));
    Effect::new(move |_| {
        if selected.get().is_none() {
            text.set(String::new());
        }
    });

    let pick = move |row: PersonChoice| {
        text.set(row.name.clone());
        open.set(false);
        active.set(None);
        on_pick.run((row.id, row.name));
    };
    let on_input = move |e: ev::Event| {
        let typed = event_target_value(&e);
        text.set(typed.clone());
        open.set(true);
        search(typed);
    };
    let on_keydown = move |e: ev::KeyboardEvent| {
        let count = options.with(Vec::len);
        match e.key().as_str() {
            "ArrowDown" | "ArrowUp" => {
                e.prevent_default();
                if !open.get_untracked() {
                    open.set(true);
                }
                if count == 0 {
                    return;
                }
                let down = e.key() == "ArrowDown";
                active.update(|a| {
                    *a = Some(match (*a, down) {
                        (None, true) => 0,
                        (None, false) => count - 1,
                        (Some(i), true) => (i + 1) % count,
                        (Some(i), false) => (i + count - 1) % count,
                    })
                });
            }
            "Enter" => {
                if let (true, Some(i)) = (expanded.get_untracked(), active.get_untracked()) {
                    e.prevent_default();
                    if let Some(row) = options.with_untracked(|o| o.get(i).cloned()) {
                        pick(row);
                    }
                }
            }
            "Escape" => {
                if expanded.get_untracked() {
                    e.prevent_default();
                    open.set(false);
                    active.set(None);
                } else if !text.get_untracked().is_empty() {
                    e.prevent_default();
                    text.set(String::new());
                }
            }
            _ => {}
        }
    };
    let status =
        move || (open.get() && answered.get() && options.with(Vec::is_empty)).then_some("No one matches");

    view! {
        <div class="person-picker">
            <label for=input_id.clone()>{label}</label>
            <div class="combo">
                <input
                    id=input_id
                    type="text"
                    role="combobox"
                    autocomplete="off"
                    spellcheck="false"
                    aria-autocomplete="list"
                    aria-controls=list_id.clone()
                    aria-expanded=move || expanded.get().to_string()
                    aria-activedescendant=move || active.get().filter(|_| expanded.get()).map(option_id)
                    placeholder=placeholder
                    prop:value=move || text.get()
                    on:input=on_input
                    on:keydown=on_keydown
                    on:focus=move |_| open.set(true)
                    on:blur=move |_| {
                        open.set(false);
                        active.set(None);
                    }
                />
                <ul id=list_id role="listbox" aria-label=format!("{label}: people") hidden=move || !expanded.get()>
                    {move || {
                        options
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(i, row)| {
                                let chosen = row.clone();
                                view! {
                                    <li
                                        id=option_id(i)
                                        role="option"
                                        aria-selected=move || (active.get() == Some(i)).to_string()
                                        // Keeps focus in the box, so the list stays open until the click.
                                        on:mousedown=|e| e.prevent_default()
                                        on:click=move |_| pick(chosen.clone())
                                    >
                                        <span class="person-name">{row.name}</span>
                                        " "
                                        <span class="person-email">{row.email}</span>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
                <span class="combo-status" role="status">{status}</span>
            </div>
        </div>
    }
}
