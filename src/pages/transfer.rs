//! "Transfer ownership": the owner hands the company to another active person and becomes an
//! Admin, confirming with their password. Opened from a person's page (the new owner is that
//! person) or from the owner's own row (the owner searches for them).

use crate::{
    api::users::{list_users, TransferOwnership},
    components::{
        field::{Field, FormAlert},
        modal::Modal,
        search::use_search,
    },
    model::{UserId, UserListQuery, UserTab},
};
use leptos::prelude::*;

/// How many people the new-owner search shows at once.
const SEARCH_ROWS: u32 = 25;

#[component]
pub fn TransferDialog(
    /// Whether the dialog is shown.
    #[prop(into)]
    open: Signal<bool>,
    /// The new owner when already chosen (id, name); `None` lets the owner search for them.
    to: Option<(UserId, String)>,
    /// Closes the dialog.
    on_close: Callback<()>,
) -> impl IntoView {
    let transfer = ServerAction::<TransferOwnership>::new();
    // A fresh dialog shows no error from an earlier one.
    Effect::new(move |_| {
        if open.get() {
            transfer.value().set(None);
        }
    });
    let error = Signal::derive(move || transfer.value().get().and_then(Result::err));
    let to = StoredValue::new(to);
    view! {
        <Modal open title="Transfer ownership" on_close>
            <ActionForm action=transfer attr:class="dialog-body">
                <FormAlert error />
                {match to.get_value() {
                    Some((id, name)) => view! {
                        <input type="hidden" name="to" value=id.0.to_string() />
                        <p>{format!("{name} becomes the owner of the company. You become an Admin: only {name} can then change your role or hand ownership back.")}</p>
                    }
                    .into_any(),
                    None => view! {
                        <p>"The new owner can change anyone's access, including yours. You become an Admin."</p>
                        <NewOwnerPicker />
                    }
                    .into_any(),
                }}
                <Field label="Your password" name="password" kind="password" autocomplete="current-password" error />
                <div class="modal-actions">
                    <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="danger" disabled=move || transfer.pending().get()>"Transfer ownership"</button>
                </div>
            </ActionForm>
        </Modal>
    }
}

/// Search among the active people and choose one (a radio named `to` in the form).
#[component]
fn NewOwnerPicker() -> impl IntoView {
    let (search, on_input) = use_search();
    let results = Resource::new(
        move || search.get(),
        |search| {
            list_users(UserListQuery {
                tab: UserTab::Active,
                search,
                per_page: SEARCH_ROWS,
                ..Default::default()
            })
        },
    );
    view! {
        <div class="field">
            <label for="owner-search">"Search for the new owner"</label>
            <input id="owner-search" type="search" autocomplete="off" placeholder="Name or email" on:input=on_input />
        </div>
        <Transition fallback=|| view! { <p class="loading">"Searching…"</p> }>
            {move || Suspend::new(async move {
                match results.await {
                    Ok(found) => {
                        let people: Vec<_> = found.users.into_iter().filter(|u| !u.is_owner).collect();
                        if people.is_empty() {
                            return view! { <p class="muted">"No active users match this search."</p> }.into_any();
                        }
                        view! {
                            <fieldset class="pick-list">
                                <legend class="visually-hidden">"New owner"</legend>
                                {people.into_iter().map(|u| view! {
                                    <label class="choice pick">
                                        <input type="radio" name="to" value=u.id.0.to_string() required />
                                        <span class="pick-text">
                                            <span class="pick-name">{u.name}</span>
                                            <span class="pick-email">{u.email}</span>
                                        </span>
                                    </label>
                                }).collect_view()}
                            </fieldset>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <p class="field-error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
