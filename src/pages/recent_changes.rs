//! "Recent changes" on /users: the changes of users of the last 24 hours (the caller's, and
//! everyone's as far as their accounts reach), each with Undo while it can be undone. The
//! button is on the page; the panel's code is in the /users dialogs' module, fetched when
//! first wanted.

use crate::{
    api::bulk::{list_changes, UndoBulk},
    components::{
        lazy::{preload, LazyDialog},
        live::LiveUpdates,
        modal::Modal,
        time::RelativeTime,
    },
    model::RecentChange,
};
use leptos::{
    prelude::*,
    wasm_split::{wasm_split, SplitLoaderError},
};

/// The "Recent changes" button and its panel.
#[component]
pub fn RecentChanges(
    /// Called after an undo, so the table reloads.
    on_undone: Callback<()>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        // On a phone a clock stands for the words, so the heading's line holds its buttons.
        <button
            type="button"
            class="secondary recent-changes-button"
            aria-label="Recent changes"
            title="Recent changes"
            on:pointerenter=move |_| preload(recent_changes_panel_preload)
            on:focus=move |_| preload(recent_changes_panel_preload)
            on:click=move |_| open.set(true)
        >
            <svg aria-hidden="true" viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round">
                <circle cx="12" cy="12" r="9" />
                <path d="M12 7v5l3 2" />
            </svg>
            <span class="button-text">"Recent changes"</span>
        </button>
        <LazyDialog open load=move || recent_changes_panel(open, on_undone) />
    }
}

#[wasm_split(user_dialogs, wasm_split_path = ::leptos::wasm_split, fallible, preload(recent_changes_panel_preload))]
fn recent_changes_panel(open: RwSignal<bool>, on_undone: Callback<()>) -> Result<AnyView, SplitLoaderError> {
    Ok(view! {
        <Modal open title="Recent changes" on_close=Callback::new(move |()| open.set(false))>
            <ChangeList on_undone />
        </Modal>
    }
    .into_any())
}

/// The list, read again after each undo and each live change of users, with what the last
/// undo did.
#[component]
fn ChangeList(on_undone: Callback<()>) -> impl IntoView {
    let asked = RwSignal::new(0_u64);
    let live = use_context::<LiveUpdates>().map(|live| live.changes);
    let changes = Resource::new(
        move || (asked.get(), live.map(|changes| changes.get())),
        |_| list_changes(),
    );
    let undo = ServerAction::<UndoBulk>::new();
    // The change being undone, to say which one the result is about.
    let undoing = RwSignal::new(String::new());
    let said = RwSignal::new(None::<String>);
    Effect::new(move |_| match undo.value().get() {
        Some(Ok(result)) => {
            said.set(Some(format!("{}: {}", undoing.get_untracked(), result.said())));
            asked.update(|n| *n += 1);
            on_undone.run(());
        }
        Some(Err(error)) => {
            said.set(Some(format!("{}: {error}", undoing.get_untracked())));
            asked.update(|n| *n += 1);
        }
        None => {}
    });
    let row = move |change: RecentChange, now: i64| {
        let what = change.what();
        let by = if change.mine {
            "You".to_string()
        } else if change.by.is_empty() {
            "A deleted user".to_string()
        } else {
            change.by.clone()
        };
        let state = change.state();
        let id = change.id;
        let label = format!("Undo: {what}");
        let shown = what.clone();
        let undoable = change.undoable;
        view! {
            <li class="recent-change">
                <div class="recent-change-text">
                    <p class="recent-change-what">{shown}</p>
                    <p class="muted">
                        {by} " · " <RelativeTime now at=Some(change.at) />
                        {undoable.then(|| view! { " · undo expires " <RelativeTime now at=Some(change.until) /> })}
                    </p>
                    {state.map(|state| view! { <p class="recent-change-state">{state}</p> })}
                </div>
                {undoable.then(|| view! {
                    <button type="button" class="secondary" aria-label=label
                        disabled=move || undo.pending().get()
                        on:click=move |_| {
                            undoing.set(what.clone());
                            said.set(None);
                            undo.dispatch(UndoBulk { change: id });
                        }>"Undo"</button>
                })}
            </li>
        }
    };
    view! {
        <div class="dialog-body">
            <p class="hint">
                "Changes of users made in the last 24 hours. Undo puts back only the people nobody has changed since, and says who could not be restored and why."
            </p>
            <div role="status">{move || said.get().map(|text| view! { <p class="summary">{text}</p> })}</div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match changes.await {
                        Ok(list) if list.changes.is_empty() => {
                            view! { <p class="muted">"No changes of users in the last 24 hours."</p> }.into_any()
                        }
                        Ok(list) => {
                            let now = list.now;
                            view! {
                                <ul class="recent-changes" aria-label="Changes, newest first">
                                    {list.changes.into_iter().map(|c| row(c, now)).collect_view()}
                                </ul>
                            }
                            .into_any()
                        }
                        Err(error) => view! { <p class="field-error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
