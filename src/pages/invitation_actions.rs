//! The actions menu of each row of the Invited tab, and the dialogs it opens. The server
//! functions take many ids, so the bulk bar can use the same ones.

use super::user_actions::DialogActions;
use crate::{
    api::invitations::{DeleteInvitations, ResendInvitations, WithdrawInvitations},
    components::{field::FormAlert, menu::RowMenu, modal::Modal},
    error::AppError,
    model::{InvitationRow, InvitationStatus, InvitationsChanged},
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
) -> impl IntoView {
    let mut items = match invitation.status {
        InvitationStatus::Pending => vec![
            (InvitationAction::Resend, "Resend"),
            (InvitationAction::Withdraw, "Withdraw"),
        ],
        InvitationStatus::Expired | InvitationStatus::Withdrawn => {
            vec![(InvitationAction::Resend, "Re-invite")]
        }
        InvitationStatus::Accepted => Vec::new(),
    };
    items.push((InvitationAction::Delete, "Delete"));
    view! {
        <RowMenu
            id=format!("invitation-{}", invitation.id)
            label=format!("Actions for {}", invitation.email)
            row=invitation
            items
            act
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

/// The dialogs of the invitation row actions, for the invitation in `pending`.
#[component]
pub fn InvitationDialogs(
    /// The action asked for and its invitation; `None` when no dialog is open.
    pending: RwSignal<Option<(InvitationAction, InvitationRow)>>,
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
    let target = move || pending.get_untracked().map(|(_, i)| i);
    view! {
        <Modal open=is(InvitationAction::Resend) title="Send the invitation again" on_close=close>
            {move || {
                let invitation = target()?;
                let error = Signal::derive(move || resend.value().get().and_then(Result::err));
                Some(view! {
                    <div class="dialog-body">
                        <FormAlert error />
                        <p>{format!("We'll email {} a new link. The link sent before stops working.", invitation.email)}</p>
                        <DialogActions label="Send" class="primary" on_cancel=close
                            disabled=Signal::derive(move || resend.pending().get())
                            on_confirm=Callback::new(move |()| { resend.dispatch(ResendInvitations { ids: vec![invitation.id] }); }) />
                    </div>
                })
            }}
        </Modal>
        <Modal open=is(InvitationAction::Withdraw) title="Withdraw invitation" on_close=close>
            {move || {
                let invitation = target()?;
                let error = Signal::derive(move || withdraw.value().get().and_then(Result::err));
                Some(view! {
                    <div class="dialog-body">
                        <FormAlert error />
                        <p>{format!("The link sent to {} will stop working. The invitation stays in the list as withdrawn.", invitation.email)}</p>
                        <DialogActions label="Withdraw" class="danger" on_cancel=close
                            disabled=Signal::derive(move || withdraw.pending().get())
                            on_confirm=Callback::new(move |()| { withdraw.dispatch(WithdrawInvitations { ids: vec![invitation.id] }); }) />
                    </div>
                })
            }}
        </Modal>
        <Modal open=is(InvitationAction::Delete) title="Delete invitation" on_close=close>
            {move || {
                let invitation = target()?;
                let error = Signal::derive(move || delete.value().get().and_then(Result::err));
                Some(view! {
                    <div class="dialog-body">
                        <FormAlert error />
                        <p>{format!("The invitation of {} will be removed from the list, and its link will stop working.", invitation.email)}</p>
                        <DialogActions label="Delete" class="danger" on_cancel=close
                            disabled=Signal::derive(move || delete.pending().get())
                            on_confirm=Callback::new(move |()| { delete.dispatch(DeleteInvitations { ids: vec![invitation.id] }); }) />
                    </div>
                })
            }}
        </Modal>
    }
}
