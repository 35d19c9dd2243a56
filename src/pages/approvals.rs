//! The approval queue's action bar, shown on the users table's "Awaiting approval" tab over a
//! selection: "Approve" (choose a role and a team) and "Reject", for one person or many, and
//! "Export selected".

use super::selection::{ExportSelected, Picker};
use crate::{
    api::approvals::{Approve, Reject},
    components::{layout::ApprovalsChanged, modal::Modal},
    error::AppError,
    model::{Approval, FilterChoices, RoleId, Selection, TeamId, UserListQuery},
};
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Approve,
    Reject,
}

/// "N selected · Approve · Reject · Clear selection", and the two dialogs.
#[component]
pub fn ApprovalBar(
    /// How many people are selected.
    count: Signal<i64>,
    /// The selection, as the server resolves it when the change runs.
    selection: Callback<(), Selection>,
    /// The company's roles and teams, for the Approve dialog.
    choices: Resource<Result<FilterChoices, AppError>>,
    /// Where the outcome is announced.
    notice: RwSignal<Option<String>>,
    /// Called after approving or rejecting (clears the selection, refetches the table).
    on_done: Callback<()>,
    clear: Callback<()>,
    /// The selection and the view it was made in, for "Export selected".
    picker: Picker,
    view: Memo<UserListQuery>,
    /// While true the table shows rows of a view being replaced.
    busy: Signal<bool>,
    /// What the selection covers ([`super::selection::SelectionSummary`]).
    children: Children,
) -> impl IntoView {
    let open = RwSignal::new(None::<Open>);
    let approve = ServerAction::<Approve>::new();
    let reject = ServerAction::<Reject>::new();
    let changed = use_context::<ApprovalsChanged>();
    let finish = move |done: usize, verb: &str| {
        open.set(None);
        notice.set(Some(format!(
            "{verb} {done} {}.",
            if done == 1 { "person" } else { "people" }
        )));
        if let Some(ApprovalsChanged(c)) = changed {
            c.update(|n| *n += 1);
        }
        on_done.run(());
    };
    Effect::new(move |_| {
        if let Some(Ok(done)) = approve.value().get() {
            approve.value().set(None);
            finish(done, "Approved");
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(done)) = reject.value().get() {
            reject.value().set(None);
            finish(done, "Rejected");
        }
    });
    let close = Callback::new(move |()| open.set(None));
    let who = move || {
        let n = count.get();
        if n == 1 {
            "1 person".to_string()
        } else {
            format!("{n} people")
        }
    };
    view! {
        <div class="action-bar" role="region" aria-label="Selected join requests">
            {children()}
            <div class="action-buttons">
                <button type="button" class="primary" on:click=move |_| { approve.value().set(None); open.set(Some(Open::Approve)) }>
                    "Approve"
                </button>
                <button type="button" class="secondary danger-text" on:click=move |_| { reject.value().set(None); open.set(Some(Open::Reject)) }>
                    "Reject"
                </button>
                <ExportSelected picker view busy />
                <button type="button" class="link-button" on:click=move |_| clear.run(())>"Clear selection"</button>
            </div>
        </div>
        <Modal open=Signal::derive(move || open.get() == Some(Open::Approve)) title="Approve requests" on_close=close>
            {move || {
                let error = Signal::derive(move || approve.value().get().and_then(Result::err));
                let role = RwSignal::new(None::<i64>);
                let team = RwSignal::new(None::<i64>);
                view! {
                    <div class="dialog-body">
                        <p>{move || format!("Approve {}: they become active, get an email and can sign in.", who())}</p>
                        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                            {move || Suspend::new(async move {
                                let choices = choices.await.unwrap_or_default();
                                let roles: Vec<_> = choices.roles.into_iter().filter(|r| r.name != "Owner").collect();
                                if role.get_untracked().is_none() {
                                    role.set(roles.iter().find(|r| r.name == "Member").or(roles.first()).map(|r| r.id));
                                }
                                let chosen = role.get_untracked();
                                view! {
                                    <div class="field">
                                        <label for="approve-role">"Role"</label>
                                        <select id="approve-role" on:change=move |e| role.set(event_target_value(&e).parse().ok())>
                                            {roles.into_iter().map(|r| view! {
                                                <option value=r.id.to_string() selected=Some(r.id) == chosen>{r.name}</option>
                                            }).collect_view()}
                                        </select>
                                    </div>
                                    <div class="field">
                                        <label for="approve-team">"Team"</label>
                                        <select id="approve-team" on:change=move |e| team.set(event_target_value(&e).parse().ok())>
                                            <option value="" selected=true>"No team"</option>
                                            {choices.teams.into_iter().map(|t| view! {
                                                <option value=t.id.to_string()>{t.name}</option>
                                            }).collect_view()}
                                        </select>
                                    </div>
                                }
                            })}
                        </Suspense>
                        <p class="form-alert" role="alert">{move || error.get().map(|e| e.to_string())}</p>
                        <div class="modal-actions">
                            <button type="button" class="secondary" on:click=move |_| close.run(())>"Cancel"</button>
                            <button
                                type="button"
                                class="primary"
                                disabled=move || approve.pending().get() || role.get().is_none()
                                on:click=move |_| {
                                    if let Some(r) = role.get_untracked() {
                                        approve.dispatch(Approve {
                                            approval: Approval {
                                                selection: selection.run(()),
                                                role: RoleId(r),
                                                team: team.get_untracked().map(TeamId),
                                            },
                                        });
                                    }
                                }
                            >
                                {move || if approve.pending().get() { "Approving…".to_string() } else { format!("Approve {}", who()) }}
                            </button>
                        </div>
                    </div>
                }
            }}
        </Modal>
        <Modal open=Signal::derive(move || open.get() == Some(Open::Reject)) title="Reject requests" on_close=close>
            {move || {
                let error = Signal::derive(move || reject.value().get().and_then(Result::err));
                view! {
                    <div class="dialog-body">
                        <p>{move || format!("Reject {}? Each gets an email saying so, and their request is removed.", who())}</p>
                        <p class="form-alert" role="alert">{move || error.get().map(|e| e.to_string())}</p>
                        <div class="modal-actions">
                            <button type="button" class="secondary" on:click=move |_| close.run(())>"Cancel"</button>
                            <button
                                type="button"
                                class="danger"
                                disabled=move || reject.pending().get()
                                on:click=move |_| { reject.dispatch(Reject { selection: selection.run(()) }); }
                            >
                                {move || if reject.pending().get() { "Rejecting…".to_string() } else { format!("Reject {}", who()) }}
                            </button>
                        </div>
                    </div>
                }
            }}
        </Modal>
    }
}
