//! A person picker: a text box that suggests the company's people by name or email as one
//! types (the users table's search, so the caller's view-users scope applies), following the
//! WAI-ARIA combobox pattern with a list box popup: Down and Up move through the suggestions,
//! Enter picks the highlighted one, Escape closes the list (or, closed, clears the box).
//!
//! ```ignore
//! <PersonPicker id="audit-actor" label="By" placeholder="Anyone"
//!     selected=Signal::derive(move || view.get().actor)
//!     on_pick=Callback::new(move |(id, _name)| go(id)) />
//! ```

use crate::{
    api::users::list_users,
    components::search::use_search,
    model::{UserId, UserListQuery, UserRow},
};
use leptos::{ev, prelude::*};

/// Suggestions shown at most; typing more narrows them.
const SHOWN: usize = 8;

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
    let (search, on_search) = use_search();
    // Fetched in the browser only (nothing to suggest before anyone types).
    let found = LocalResource::new(move || {
        let term = search.get();
        async move {
            if term.trim().is_empty() {
                return Vec::new();
            }
            let query = UserListQuery {
                search: term,
                per_page: 25,
                ..Default::default()
            };
            match list_users(query).await {
                Ok(page) => page.users.into_iter().take(SHOWN).collect(),
                Err(_) => Vec::new(),
            }
        }
    });
    let options = Signal::derive(move || found.get().unwrap_or_default());
    let expanded = Signal::derive(move || open.get() && !options.with(Vec::is_empty));
    // A new answer: nothing highlighted until the arrows say so.
    Effect::watch(move || options.get(), move |_, _, _| active.set(None), false);
    Effect::watch(
        move || selected.get(),
        move |now, _, _| {
            if now.is_none() {
                text.set(String::new());
            }
        },
        false,
    );

    let pick = move |row: UserRow| {
        text.set(row.name.clone());
        open.set(false);
        active.set(None);
        on_pick.run((row.id, row.name));
    };
    let on_input = move |e: ev::Event| {
        text.set(event_target_value(&e));
        open.set(true);
        on_search(e);
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
    let status = move || {
        let typed = !search.get().trim().is_empty();
        let none = found.get().is_some_and(|f| f.is_empty());
        (open.get() && typed && none).then_some("No one matches")
    };

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
