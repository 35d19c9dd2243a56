//! The actions menu of each row of the users table, and the dialogs it opens.

use crate::{
    api::{
        bulk::preview_bulk,
        users::{DeactivateUser, DeleteUser, ReactivateUser},
    },
    components::{
        action::on_success,
        field::FormAlert,
        me::use_me,
        menu::{MenuItem, RowMenu},
        modal::{DialogActions, Modal},
    },
    model::{BulkAction, BulkKind, Selection, UserId, UserRow, UserStatus},
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
    /// The owner's own: hand the company to someone else.
    TransferOwnership,
}

/// The row menu's items for `user`, as `viewer` sees them: the owner's role, status and
/// existence wait for a transfer, which is said on the items themselves, and the owner's own
/// row offers the transfer.
pub fn row_items(user: &UserRow, viewer: UserId) -> Vec<MenuItem<RowAction>> {
    let status_change = if user.status == UserStatus::Deactivated {
        MenuItem::new(RowAction::Reactivate, "Reactivate")
    } else {
        MenuItem::new(RowAction::Deactivate, "Deactivate")
    };
    let owner_rule = || user.is_owner.then(|| owner_rule(&user.name, user.id == viewer));
    let mut items = vec![
        MenuItem::new(RowAction::ChangeRole, "Change role").unless(owner_rule()),
        MenuItem::new(RowAction::ChangeTeam, "Change team"),
        status_change.unless(owner_rule()),
        MenuItem::new(RowAction::Delete, "Delete").unless(owner_rule()),
    ];
    if user.is_owner && user.id == viewer {
        items.push(MenuItem::new(RowAction::TransferOwnership, "Transfer ownership…"));
    }
    items
}

/// Why the owner's role, status and account can't change: said before anyone tries.
pub fn owner_rule(name: &str, is_viewer: bool) -> String {
    if is_viewer {
        "You are the owner — transfer ownership first".into()
    } else {
        format!("{name} is the owner — transfer ownership first")
    }
}

/// The row's "Actions for <name>" menu button.
#[component]
pub fn RowActions(
    /// The row's user.
    user: UserRow,
    /// Called with the chosen action.
    act: Callback<(RowAction, UserRow)>,
    /// While true the menu can't be opened (the row belongs to a view being replaced).
    busy: Signal<bool>,
) -> impl IntoView {
    let items = row_items(&user, use_me().id);
    let edit = format!("/users/{}", user.id);
    view! {
        <RowMenu
            id=format!("row-{}", user.id)
            label=format!("Actions for {}", user.name)
            row=user
            items
            act
            leading=ViewFn::from(move || view! { <a href=edit.clone() role="menuitem" tabindex="-1">"Edit"</a> })
            disabled=busy
        />
    }
}

/// The dialogs of the row actions, one at a time, for the user in `pending`.
#[component]
pub fn RowDialogs(
    /// The action asked for and its user; `None` when no dialog is open.
    pending: RwSignal<Option<(RowAction, UserRow)>>,
    /// Where to say what happened.
    notice: RwSignal<Option<String>>,
    /// Called with the action after it is done, so the page reloads (or leaves a deleted
    /// person's page).
    on_done: Callback<RowAction>,
) -> impl IntoView {
    let deactivate = ServerAction::<DeactivateUser>::new();
    let reactivate = ServerAction::<ReactivateUser>::new();
    let delete = ServerAction::<DeleteUser>::new();
    // A fresh dialog shows no error from an earlier one.
    Effect::new(move |_| {
        if pending.get().is_some() {
            deactivate.value().set(None);
            reactivate.value().set(None);
            delete.value().set(None);
        }
    });
    let target = move || pending.get_untracked().map(|(_, u)| u);
    // Deactivating or deleting someone withdraws the invitations they sent: the dialog says
    // how many, from the server's preview of the same change. (A signal filled by a task, not
    // a resource: a resource read here would suspend the page's dialogs while it loads.)
    let withdrawn = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        withdrawn.set(None);
        let asked = pending.get().and_then(|(action, user)| {
            let kind = match action {
                RowAction::Deactivate => BulkKind::Deactivate,
                RowAction::Delete => BulkKind::Delete,
                _ => return None,
            };
            Some((kind, user.id))
        });
        let Some((kind, id)) = asked else { return };
        leptos::task::spawn_local(async move {
            let action = BulkAction::of(kind);
            let Ok(preview) = preview_bulk(Selection::of(vec![id]), action).await else {
                return;
            };
            let n = preview.invitations_withdrawn;
            // The dialog may be gone by now, with the page that opened it.
            let still =
                pending.try_with_untracked(|p| p.as_ref().is_some_and(|(_, u)| u.id == id)) == Some(true);
            if n > 0 && still {
                let noun = if n == 1 { "invitation" } else { "invitations" };
                withdrawn.set(Some(format!("Their {n} pending {noun} will be withdrawn.")));
            }
        });
    });
    let withdrawn = move || withdrawn.get().map(|text| view! { <p>{text}</p> });
    let finish = move |action: RowAction, message: &str| {
        pending.set(None);
        notice.set(Some(message.into()));
        on_done.run(action);
    };
    on_success(
        move || matches!(deactivate.value().get(), Some(Ok(_))),
        move || {
            finish(
                RowAction::Deactivate,
                "User deactivated and signed out everywhere.",
            )
        },
    );
    on_success(
        move || matches!(reactivate.value().get(), Some(Ok(_))),
        move || {
            finish(
                RowAction::Reactivate,
                "User reactivated. We emailed them a link to finish.",
            )
        },
    );
    on_success(
        move || matches!(delete.value().get(), Some(Ok(_))),
        move || finish(RowAction::Delete, "User deleted."),
    );

    let is =
        move |kind: RowAction| Signal::derive(move || matches!(pending.get(), Some((k, _)) if k == kind));
    let close = Callback::new(move |()| pending.set(None));

    view! {
        <super::transfer::TransferDialog open=is(RowAction::TransferOwnership) to=None on_close=close />
        <Modal open=is(RowAction::Deactivate) title="Deactivate user" on_close=close>
            {move || {
                let user = target()?;
                let error = Signal::derive(move || deactivate.value().get().and_then(Result::err));
                Some(view! {
                    <div class="dialog-body">
                        <FormAlert error />
                        <p>{format!("{} will be signed out everywhere at once and can't sign in until reactivated. Their data stays.", user.name)}</p>
                        {withdrawn}
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
                        {withdrawn}
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
