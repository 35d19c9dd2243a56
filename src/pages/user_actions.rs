//! The actions menu of each row of the users table, and the dialogs it opens.

use crate::{
    api::users::{ChangeUserRole, DeactivateUser, DeleteUser, ReactivateUser, SetUserTeams},
    components::{field::FormAlert, menu::RowMenu, modal::Modal},
    model::{FilterChoices, RoleId, TeamId, UserRow, UserStatus},
};
use leptos::prelude::*;

/// What a row's menu can ask for (Edit is a link to the user's page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowAction {
    ChangeRole,
    ChangeTeam,
    Deactivate,
    Reactivate,
    Delete,
}

/// The row's "Actions for <name>" menu button.
#[component]
pub fn RowActions(
    /// The row's user.
    user: UserRow,
    /// Called with the chosen action.
    act: Callback<(RowAction, UserRow)>,
) -> impl IntoView {
    let status_change = if user.status == UserStatus::Deactivated {
        (RowAction::Reactivate, "Reactivate")
    } else {
        (RowAction::Deactivate, "Deactivate")
    };
    let items = vec![
        (RowAction::ChangeRole, "Change role"),
        (RowAction::ChangeTeam, "Change team"),
        status_change,
        (RowAction::Delete, "Delete"),
    ];
    let edit = format!("/users/{}", user.id);
    view! {
        <RowMenu
            id=format!("row-{}", user.id)
            label=format!("Actions for {}", user.name)
            row=user
            items
            act
            leading=ViewFn::from(move || view! { <a href=edit.clone() role="menuitem" tabindex="-1">"Edit"</a> })
        />
    }
}

/// A dialog's footer: Cancel, and the button that carries out the action.
#[component]
pub(super) fn DialogActions(
    /// The confirming button's text.
    label: &'static str,
    /// Its style: "primary", or "danger" for what cannot be taken back lightly.
    class: &'static str,
    /// Whether confirming is not possible now (while sending, or until the input is right).
    disabled: Signal<bool>,
    /// Closes the dialog without doing anything.
    on_cancel: Callback<()>,
    /// Carries out the action.
    on_confirm: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="modal-actions">
            <button type="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            <button type="button" class=class disabled=move || disabled.get() on:click=move |_| on_confirm.run(())>
                {label}
            </button>
        </div>
    }
}

/// Runs `done` whenever `succeeded` (an action's latest result) turns true.
fn on_success(succeeded: impl Fn() -> bool + 'static, done: impl Fn() + 'static) {
    Effect::new(move |_| {
        if succeeded() {
            done();
        }
    });
}

/// The dialogs of the row actions, one at a time, for the user in `pending`.
#[component]
pub fn RowDialogs(
    /// The action asked for and its user; `None` when no dialog is open.
    pending: RwSignal<Option<(RowAction, UserRow)>>,
    /// The company's roles and teams.
    choices: FilterChoices,
    /// Where to say what happened.
    notice: RwSignal<Option<String>>,
    /// Called after a change, so the table reloads.
    on_done: Callback<()>,
) -> impl IntoView {
    let change_role = ServerAction::<ChangeUserRole>::new();
    let set_teams = ServerAction::<SetUserTeams>::new();
    let deactivate = ServerAction::<DeactivateUser>::new();
    let reactivate = ServerAction::<ReactivateUser>::new();
    let delete = ServerAction::<DeleteUser>::new();
    // A fresh dialog shows no error from an earlier one.
    Effect::new(move |_| {
        if pending.get().is_some() {
            change_role.value().set(None);
            set_teams.value().set(None);
            deactivate.value().set(None);
            reactivate.value().set(None);
            delete.value().set(None);
        }
    });
    let target = move || pending.get_untracked().map(|(_, u)| u);
    let name = move || target().map(|u| u.name).unwrap_or_default();
    let finish = move |message: String| {
        pending.set(None);
        notice.set(Some(message));
        on_done.run(());
    };
    on_success(
        move || matches!(change_role.value().get(), Some(Ok(_))),
        move || finish("Role changed.".into()),
    );
    on_success(
        move || matches!(set_teams.value().get(), Some(Ok(_))),
        move || finish("Teams changed.".into()),
    );
    on_success(
        move || matches!(deactivate.value().get(), Some(Ok(_))),
        move || finish("User deactivated and signed out everywhere.".into()),
    );
    on_success(
        move || matches!(reactivate.value().get(), Some(Ok(_))),
        move || finish("User reactivated. We emailed them a link to finish.".into()),
    );
    on_success(
        move || matches!(delete.value().get(), Some(Ok(_))),
        move || finish("User deleted.".into()),
    );

    let is =
        move |kind: RowAction| Signal::derive(move || matches!(pending.get(), Some((k, _)) if k == kind));
    let close = Callback::new(move |()| pending.set(None));
    let choices = StoredValue::new(choices);

    view! {
        <Modal open=is(RowAction::ChangeRole) title="Change role" on_close=close>
            {move || {
                let user = target()?;
                let roles: Vec<_> = choices.get_value().roles.into_iter().filter(|r| r.name != "Owner").collect();
                let initial = roles.iter().find(|r| r.name == user.role).or(roles.first()).map(|r| r.id);
                let chosen = RwSignal::new(initial);
                let role_name = {
                    let roles = roles.clone();
                    move || chosen.get().and_then(|id| roles.iter().find(|r| r.id == id)).map(|r| r.name.clone()).unwrap_or_default()
                };
                let error = Signal::derive(move || change_role.value().get().and_then(Result::err));
                Some(view! {
                    <div class="dialog-body">
                        <FormAlert error />
                        <div class="field">
                            <label for="change-role">"Role"</label>
                            <select id="change-role" on:change=move |e| chosen.set(event_target_value(&e).parse().ok())>
                                {roles.into_iter().map(|r| {
                                    let selected = Some(r.id) == initial;
                                    view! { <option value=r.id.to_string() selected=selected>{r.name}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <p class="summary">{move || format!("Change the role of {} to {}.", name(), role_name())}</p>
                        <DialogActions label="Confirm" class="primary" on_cancel=close
                            disabled=Signal::derive(move || change_role.pending().get())
                            on_confirm=Callback::new(move |()| { if let Some(role) = chosen.get_untracked() {
                                    change_role.dispatch(ChangeUserRole { id: user.id, role: RoleId(role) });
                                } }) />
                    </div>
                })
            }}
        </Modal>
        <Modal open=is(RowAction::ChangeTeam) title="Change team" on_close=close>
            {move || {
                let user = target()?;
                let teams = choices.get_value().teams;
                let checked = RwSignal::new(
                    teams.iter().filter(|t| user.teams.contains(&t.name)).map(|t| t.id).collect::<Vec<i64>>(),
                );
                let error = Signal::derive(move || set_teams.value().get().and_then(Result::err));
                Some(view! {
                    <div class="dialog-body">
                        <FormAlert error />
                        <fieldset class="field">
                            <legend>{format!("Teams of {}", user.name)}</legend>
                            {teams.into_iter().map(|t| {
                                let id = t.id;
                                view! {
                                    <label class="choice">
                                        <input type="checkbox" prop:checked=move || checked.get().contains(&id)
                                            on:change=move |e| {
                                                let on = event_target_checked(&e);
                                                checked.update(|c| { c.retain(|x| *x != id); if on { c.push(id); } });
                                            } />
                                        {t.name}
                                    </label>
                                }
                            }).collect_view()}
                        </fieldset>
                        <DialogActions label="Confirm" class="primary" on_cancel=close
                            disabled=Signal::derive(move || set_teams.pending().get())
                            on_confirm=Callback::new(move |()| { let teams = checked.get_untracked().into_iter().map(TeamId).collect();
                                    set_teams.dispatch(SetUserTeams { id: user.id, teams }); }) />
                    </div>
                })
            }}
        </Modal>
        <Modal open=is(RowAction::Deactivate) title="Deactivate user" on_close=close>
            {move || {
                let user = target()?;
                let error = Signal::derive(move || deactivate.value().get().and_then(Result::err));
                Some(view! {
                    <div class="dialog-body">
                        <FormAlert error />
                        <p>{format!("{} will be signed out everywhere at once and can't sign in until reactivated. Their data stays.", user.name)}</p>
                        <DialogActions label="Deactivate" class="danger" on_cancel=close
                            disabled=Signal::derive(move || deactivate.pending().get())
                            on_confirm=Callback::new(move |()| { deactivate.dispatch(DeactivateUser { id: user.id }); }) />
                    </div>
                })
            }}
        </Modal>
        <Modal open=is(RowAction::Reactivate) title="Reactivate user" on_close=close>
            {move || {
                let user = target()?;
                let error = Signal::derive(move || reactivate.value().get().and_then(Result::err));
                Some(view! {
                    <div class="dialog-body">
                        <FormAlert error />
                        <p>{format!("{} will be active again. We'll email {} a link to finish reactivating their account.", user.name, user.email)}</p>
                        <DialogActions label="Reactivate" class="primary" on_cancel=close
                            disabled=Signal::derive(move || reactivate.pending().get())
                            on_confirm=Callback::new(move |()| { reactivate.dispatch(ReactivateUser { id: user.id }); }) />
                    </div>
                })
            }}
        </Modal>
        <Modal open=is(RowAction::Delete) title="Delete user" on_close=close>
            {move || {
                let user = target()?;
                let typed = RwSignal::new(String::new());
                let email = user.email.clone();
                let matches = move || typed.get().trim().eq_ignore_ascii_case(&email);
                let error = Signal::derive(move || delete.value().get().and_then(Result::err));
                Some(view! {
                    <div class="dialog-body">
                        <FormAlert error />
                        <p>{format!("{} will be deleted permanently. What they did stays in the audit log under their name.", user.name)}</p>
                        <div class="field">
                            <label for="confirm-delete">{format!("Type {} to confirm", user.email)}</label>
                            <input id="confirm-delete" type="text" autocomplete="off" on:input=move |e| typed.set(event_target_value(&e)) />
                        </div>
                        <DialogActions label="Delete user" class="danger" on_cancel=close
                            disabled=Signal::derive(move || !matches() || delete.pending().get())
                            on_confirm=Callback::new(move |()| { delete.dispatch(DeleteUser { id: user.id, confirm_email: typed.get_untracked() }); }) />
                    </div>
                })
            }}
        </Modal>
    }
}
