//! The actions menu of each row of the Invited tab, and the dialogs it opens. The server
//! functions take many ids, so the bulk bar can use the same ones.

use super::selection::{ExportSelected, Pick, Picker};
use crate::{
    api::invitations::{DeleteInvitations, ResendInvitations, WithdrawInvitations},
    components::{
        field::FormAlert,
        menu::{MenuItem, RowMenu},
        modal::{DialogActions, Modal},
    },
    error::AppError,
    model::{InvitationRow, InvitationStatus, InvitationsChanged, UserListQuery},
};
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationAction {
    Resend,
    Withdraw,
    Delete,
}

/// The row's "Actions for <email>" menu button. Pending invitations can be resent and
/// withdrawn; expired and withdrawn ones re-invited; any can be deleted.
#[component]
pub fn InvitationActions(
    invitation: InvitationRow,
    act: Callback<(InvitationAction, InvitationRow)>,
    /// While true the menu can't be opened (the row belongs to a view being replaced).
    busy: Signal<bool>,
) -> impl IntoView {
    let mut items = match invitation.status {
        InvitationStatus::Pending => vec![
            MenuItem::new(InvitationAction::Resend, "Resend"),
            MenuItem::new(InvitationAction::Withdraw, "Withdraw"),
        ],
        InvitationStatus::Expired | InvitationStatus::Withdrawn => {
            vec![MenuItem::new(InvitationAction::Resend, "Re-invite")]
        }
        InvitationStatus::Accepted => Vec::new(),
    };
    items.push(MenuItem::new(InvitationAction::Delete, "Delete"));
    view! {
        <RowMenu
            id=format!("invitation-{}", invitation.id)
            label=format!("Actions for {}", invitation.email)
            row=invitation
            items
            act
            disabled=busy
        />
    }
}

/// What a toast says after a change: what was done, and what was skipped with why.
fn summary(done: &str, result: &InvitationsChanged) -> String {
    let mut text = match result.changed.as_slice() {
        [] => String::new(),
        [one] => format!("{done}: {one}."),
        many => format!("{done}: {} invitations.", many.len()),
    };
    for s in &result.skipped {
        text += &format!(" Skipped {}: {}.", s.what, s.reason);
    }
    text.trim().to_string()
}

/// "ana@x.com" for one, "the 5 people invited" for many.
fn who(picks: &[Pick]) -> String {
    match picks {
        [(_, email)] => email.clone(),
        many => format!("the {} people invited", many.len()),
    }
}

/// What Withdraw does: the link dies, the row stays as Withdrawn and can be sent again.
fn withdraw_text(picks: &[Pick]) -> String {
    match picks {
        [_] => format!(
            "The link sent to {} stops working. The invitation stays in the list with the status Withdrawn, and you can send it again later (Re-invite).",
            who(picks)
        ),
        _ => format!(
            "The links sent to {} stop working. The invitations stay in the list with the status Withdrawn, and you can send them again later (Re-invite).",
            who(picks)
        ),
    }
}

/// What Delete does: the row leaves the list and the link dies; nothing is kept to resend.
fn delete_text(picks: &[Pick]) -> String {
    match picks {
        [_] => format!(
            "The invitation of {} is removed from the list, and its link stops working. If they already accepted, they stay a user.",
            who(picks)
        ),
        _ => format!(
            "The invitations of {} are removed from the list, and their links stop working. Anyone who already accepted stays a user.",
            who(picks)
        ),
    }
}

/// The dialogs of the invitation actions, for the invitations in `pending` (one from a row's
/// menu, or many from the selection).
#[component]
pub fn InvitationDialogs(
    /// The action asked for and its invitations (id, email); `None` when no dialog is open.
    pending: RwSignal<Option<(InvitationAction, Vec<Pick>)>>,
    /// Where to say what happened.
    notice: RwSignal<Option<String>>,
    /// Called after a change, so the table reloads.
    on_done: Callback<()>,
) -> impl IntoView {
    let resend = ServerAction::<ResendInvitations>::new();
    let withdraw = ServerAction::<WithdrawInvitations>::new();
    let delete = ServerAction::<DeleteInvitations>::new();
    Effect::new(move |_| {
        if pending.get().is_some() {
            resend.value().set(None);
            withdraw.value().set(None);
            delete.value().set(None);
        }
    });
    let finish = move |done: &'static str, value: Option<Result<InvitationsChanged, AppError>>| {
        if let Some(Ok(result)) = value {
            pending.set(None);
            notice.set(Some(summary(done, &result)));
            on_done.run(());
        }
    };
    Effect::new(move |_| finish("Sent again", resend.value().get()));
    Effect::new(move |_| finish("Withdrawn", withdraw.value().get()));
    Effect::new(move |_| finish("Deleted", delete.value().get()));

    let is = move |kind: InvitationAction| {
        Signal::derive(move || matches!(pending.get(), Some((k, _)) if k == kind))
    };
    let close = Callback::new(move |()| pending.set(None));
    let target = move || pending.get_untracked().map(|(_, picks)| picks);
    let ids = |picks: &[Pick]| picks.iter().map(|(id, _)| *id).collect::<Vec<i64>>();
    view! {
        <Modal open=is(InvitationAction::Resend) title="Send the invitation again" on_close=close>
            {move || {
                let picks = target()?;
                let error = Signal::derive(move || resend.value().get().and_then(Result::err));
                let ids = ids(&picks);
                Some(view! {
                    <div class="dialog-body">
                        <FormAlert error />
                        <p>{format!("We'll email {} a new link. Links sent before stop working.", who(&picks))}</p>
                        <DialogActions label="Send" class="primary" on_cancel=close
                            disabled=Signal::derive(move || resend.pending().get())
                            on_confirm=Callback::new(move |()| { resend.dispatch(ResendInvitations { ids: ids.clone() }); }) />
                    </div>
                })
            }}
        </Modal>
        <Modal open=is(InvitationAction::Withdraw) title="Withdraw invitation" on_close=close>
            {move || {
                let picks = target()?;
                let error = Signal::derive(move || withdraw.value().get().and_then(Result::err));
                let ids = ids(&picks);
                Some(view! {
                    <div class="dialog-body">
                        <FormAlert error />
                        <p>{withdraw_text(&picks)}</p>
                        <p class="hint">"To take it off the list instead, use Delete."</p>
                        <DialogActions label="Withdraw" class="danger" on_cancel=close
                            disabled=Signal::derive(move || withdraw.pending().get())
                            on_confirm=Callback::new(move |()| { withdraw.dispatch(WithdrawInvitations { ids: ids.clone() }); }) />
                    </div>
                })
            }}
        </Modal>
        <Modal open=is(InvitationAction::Delete) title="Delete invitation" on_close=close>
            {move || {
                let picks = target()?;
                let error = Signal::derive(move || delete.value().get().and_then(Result::err));
                let ids = ids(&picks);
                Some(view! {
                    <div class="dialog-body">
                        <FormAlert error />
                        <p>{delete_text(&picks)}</p>
                        <p class="hint">"To keep a record in the list instead, use Withdraw."</p>
                        <DialogActions label="Delete" class="danger" on_cancel=close
                            disabled=Signal::derive(move || delete.pending().get())
                            on_confirm=Callback::new(move |()| { delete.dispatch(DeleteInvitations { ids: ids.clone() }); }) />
                    </div>
                })
            }}
        </Modal>
    }
}

/// The bar over selected invitations.
#[component]
pub fn InvitationBar(
    open: Callback<InvitationAction>,
    clear: Callback<()>,
    /// While true the table shows rows of a view being replaced: nothing can be done to them.
    busy: Signal<bool>,
    /// The selection and the view it was made in, for "Export selected".
    picker: Picker,
    view: Memo<UserListQuery>,
    /// What the selection covers ([`super::selection::SelectionSummary`]).
    children: Children,
) -> impl IntoView {
    let button = move |action: InvitationAction, text: &'static str, class: &'static str| {
        view! { <button type="button" class=class disabled=move || busy.get() on:click=move |_| open.run(action)>{text}</button> }
    };
    view! {
        <div class="action-bar" role="region" aria-label="Selected invitations">
            {children()}
            <div class="action-buttons">
                {button(InvitationAction::Resend, "Resend", "secondary")}
                {button(InvitationAction::Withdraw, "Withdraw", "secondary")}
                {button(InvitationAction::Delete, "Delete", "secondary danger-text")}
                <ExportSelected picker view busy />
                <button type="button" class="link-button" on:click=move |_| clear.run(())>"Clear selection"</button>
            </div>
        </div>
    }
}
