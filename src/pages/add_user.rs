use crate::{
    api::users::CreateUser,
    components::{
        field::{Field, FormAlert},
        lazy::{preload, LazyDialog},
        modal::Modal,
    },
    model::{FilterChoices, UserStatus},
};
use leptos::{
    prelude::*,
    wasm_split::{wasm_split, SplitLoaderError},
};

/// The "Add user" button; its dialog is a chunk of its own, fetched on the button's hover or
/// focus or at the latest when it is pressed.
#[component]
pub fn AddUser(
    /// The company's roles and teams to choose from.
    choices: FilterChoices,
    /// Called after a user was added.
    on_added: Callback<()>,
    /// Where to say what happened.
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <button
            type="button"
            class="primary"
            on:pointerenter=move |_| preload(add_user_dialog_preload)
            on:focus=move |_| preload(add_user_dialog_preload)
            on:click=move |_| open.set(true)
        >
            "Add user"
        </button>
        <LazyDialog open load=move || add_user_dialog(choices.clone(), on_added, notice, open) />
    }
}

#[wasm_split(user_dialogs, wasm_split_path = ::leptos::wasm_split, fallible, preload(add_user_dialog_preload))]
fn add_user_dialog(
    choices: FilterChoices,
    on_added: Callback<()>,
    notice: RwSignal<Option<String>>,
    open: RwSignal<bool>,
) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <AddUserDialog choices on_added notice open /> }.into_any())
}

/// The dialog. On success it closes, reports what happened and calls `on_added` so the table
/// reloads.
#[component]
fn AddUserDialog(
    choices: FilterChoices,
    on_added: Callback<()>,
    notice: RwSignal<Option<String>>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let action = ServerAction::<CreateUser>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    // The input is gone once the answer lands: keep what was asked for the message.
    let asked_active = StoredValue::new(true);
    Effect::new(move |_| {
        if let Some(input) = action.input().get() {
            asked_active.set_value(input.user.status == UserStatus::Active);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            open.set(false);
            notice.set(Some(if asked_active.get_value() {
                "User added. We emailed them a link to set up their account.".into()
            } else {
                "User added as deactivated. They get a link to set up their account when reactivated.".into()
            }));
            on_added.run(());
        }
    });
    let choices = StoredValue::new(choices);
    // Each opening starts without the last answer.
    Effect::new(move |_| {
        if open.get() {
            action.value().set(None);
        }
    });
    view! {
        <Modal open title="Add user" on_close=Callback::new(move |()| open.set(false))>
            <ActionForm action>
                <FormAlert error />
                <Field label="Name" name="user[name]" error_key="name" autocomplete="off" maxlength=100 error />
                <Field label="Email" name="user[email]" error_key="email" kind="email" autocomplete="off" error />
                <div class="field-row">
                    <Field label="Phone" name="user[phone]" error_key="phone" kind="tel" optional=true error />
                    <Field label="Job title" name="user[job_title]" error_key="job_title" optional=true maxlength=100 error />
                </div>
                <div class="field">
                    <label for="add-user-account">"Account"</label>
                    <select id="add-user-account" name="user[account]">
                        {choices
                            .get_value()
                            .accounts
                            .into_iter()
                            .map(|a| view! { <option value=a.id.to_string()>{a.name}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="add-user-role">"Role"</label>
                        <select id="add-user-role" name="user[role]">
                            {choices
                                .get_value()
                                .roles
                                .into_iter()
                                // Ownership is transferred, never given to a new user.
                                .filter(|r| r.name != "Owner")
                                .map(|r| {
                                    let member = r.name == "Member";
                                    view! { <option value=r.id.to_string() selected=member>{r.name}</option> }
                                })
                                .collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="add-user-team">"Team"</label>
                        <select id="add-user-team" name="user[team]">
                            <option value="">"No team"</option>
                            {choices
                                .get_value()
                                .teams
                                .into_iter()
                                .map(|t| view! { <option value=t.id.to_string()>{t.name}</option> })
                                .collect_view()}
                        </select>
                    </div>
                </div>
                <fieldset class="field">
                    <legend>"Status"</legend>
                    <label class="choice">
                        <input type="radio" name="user[status]" value="Active" checked=true />
                        "Active: email them a link to set up their account"
                    </label>
                    <label class="choice">
                        <input type="radio" name="user[status]" value="Deactivated" />
                        "Deactivated: create the account without access"
                    </label>
                </fieldset>
                <div class="modal-actions">
                    <button type="button" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            </ActionForm>
        </Modal>
    }
}
