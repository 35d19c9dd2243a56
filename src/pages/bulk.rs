//! Bulk changes in the users table: the action bar over a selection, the dialogs that preview
//! and confirm a change (also used by a row's Change role and Change team for one user), and
//! the toast that offers Undo.

use super::selection::{ExportSelected, Picker};
use crate::{
    api::bulk::{preview_bulk, ApplyBulk, UndoBulk},
    components::{
        field::FormAlert,
        lazy::{preload, LazyDialog},
        modal::Modal,
    },
    model::{
        BulkAction, BulkKind, BulkOutcome, Choice, FilterChoices, PowerGain, RoleId, Selection, TeamId,
        UserListQuery,
    },
};
use leptos::{
    prelude::*,
    wasm_split::{wasm_split, SplitLoaderError},
};
use std::time::Duration;

/// Which dialog is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkDialog {
    Role,
    Team,
    Deactivate,
    Reactivate,
    Delete,
}

/// A dialog asked for: which, about whom, and the person's name when it is one person.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkRequest {
    pub dialog: BulkDialog,
    pub selection: Selection,
    pub one: Option<String>,
    /// The one person's teams, to start "Change team" from.
    pub teams: Vec<String>,
}

/// The sticky bar over a selection: how many are selected and what can be done to them.
#[component]
pub fn ActionBar(
    /// Opens a dialog for the selection.
    open: Callback<BulkDialog>,
    clear: Callback<()>,
    /// While true the table shows rows of a view being replaced: nothing can be done to them.
    busy: Signal<bool>,
    /// The selection and the view it was made in, for "Export selected".
    picker: Picker,
    view: Memo<UserListQuery>,
    /// What the selection covers ([`super::selection::SelectionSummary`]).
    children: Children,
) -> impl IntoView {
    let button = move |dialog: BulkDialog, text: &'static str, class: &'static str| {
        view! { <button type="button" class=class disabled=move || busy.get() on:click=move |_| open.run(dialog)>{text}</button> }
    };
    view! {
        <div class="action-bar" role="region" aria-label="Selected users">
            {children()}
            // The dialogs are a chunk of their own: fetched once a button is in reach.
            <div
                class="action-buttons"
                on:pointerenter=move |_| preload(bulk_dialogs_preload)
                on:focusin=move |_| preload(bulk_dialogs_preload)
            >
                {button(BulkDialog::Role, "Change role", "secondary")}
                {button(BulkDialog::Team, "Change team", "secondary")}
                {button(BulkDialog::Deactivate, "Deactivate", "secondary")}
                {button(BulkDialog::Reactivate, "Reactivate", "secondary")}
                {button(BulkDialog::Delete, "Delete", "secondary danger-text")}
                <ExportSelected picker view busy />
                <button type="button" class="link-button" on:click=move |_| clear.run(())>"Clear selection"</button>
            </div>
        </div>
    }
}

/// The dialogs of the bulk changes, one at a time, for the request in `request`; their code is
/// a chunk of its own, fetched the first time one is asked for (or from the action bar's hover
/// or focus).
#[component]
pub fn BulkDialogs(
    request: RwSignal<Option<BulkRequest>>,
    choices: FilterChoices,
    /// Called with what a confirmed change did.
    on_done: Callback<BulkOutcome>,
) -> impl IntoView {
    view! {
        <LazyDialog
            open=Signal::derive(move || request.with(Option::is_some))
            load=move || bulk_dialogs(request, choices.clone(), on_done)
        />
    }
}

#[wasm_split(user_dialogs, wasm_split_path = ::leptos::wasm_split, fallible, preload(bulk_dialogs_preload))]
fn bulk_dialogs(
    request: RwSignal<Option<BulkRequest>>,
    choices: FilterChoices,
    on_done: Callback<BulkOutcome>,
) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <Dialogs request choices on_done /> }.into_any())
}

#[component]
fn Dialogs(
    request: RwSignal<Option<BulkRequest>>,
    choices: FilterChoices,
    /// Called with what a confirmed change did.
    on_done: Callback<BulkOutcome>,
) -> impl IntoView {
    let apply = ServerAction::<ApplyBulk>::new();
    Effect::new(move |_| {
        if request.get().is_some() {
            apply.value().set(None);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(outcome)) = apply.value().get() {
            request.set(None);
            on_done.run(outcome);
        }
    });
    let is =
        move |dialog: BulkDialog| Signal::derive(move || request.get().is_some_and(|r| r.dialog == dialog));
    let close = Callback::new(move |()| request.set(None));
    let choices = StoredValue::new(choices);
    // The dialog body for the open request, with `action` built from the dialog's inputs.
    let body =
        move |doing: String, confirm: &'static str, danger: bool, action: Signal<Option<BulkAction>>| {
            let current = request.get_untracked()?;
            Some(view! { <Preview request=current doing confirm danger action apply close /> })
        };
    view! {
        <Modal open=is(BulkDialog::Role) title="Change role" on_close=close>
            {move || {
                let roles: Vec<_> = choices.get_value().roles.into_iter().filter(|r| r.name != "Owner").collect();
                let chosen = RwSignal::new(None::<i64>);
                let action = Signal::derive(move || chosen.get().map(|role| BulkAction {
                    role: Some(RoleId(role)),
                    ..BulkAction::of(BulkKind::ChangeRole)
                }));
                let role_name = {
                    let roles = roles.clone();
                    move || chosen.get().and_then(|id| roles.iter().find(|r| r.id == id)).map(|r| r.name.clone())
                };
                let doing = Signal::derive(move || role_name().map(|n| format!("Change the role of {{users}} to {n}")));
                view! {
                    <div class="dialog-body">
                        <div class="field">
                            <label for="bulk-role">"Role"</label>
                            <select id="bulk-role" on:change=move |e| chosen.set(event_target_value(&e).parse().ok())>
                                <option value="" selected=true disabled=true>"Choose a role"</option>
                                {roles.into_iter().map(|r| view! { <option value=r.id.to_string()>{r.name}</option> }).collect_view()}
                            </select>
                        </div>
                        <p class="hint">
                            "The new role replaces the role held on each account where they have one, and reaches every sub-account below it. Someone with different roles on several accounts is changed account by account on their page."
                        </p>
                        {move || doing.get().and_then(|d| body(d, "Confirm", false, action))}
                    </div>
                }
            }}
        </Modal>
        <Modal open=is(BulkDialog::Team) title="Change team" on_close=close>
            {move || {
                let teams = choices.get_value().teams;
                // One person: their teams, to change; many: teams to add.
                let current = request.get_untracked().filter(|r| r.one.is_some()).map(|r| r.teams);
                let how = RwSignal::new(if current.is_some() { BulkKind::SetTeams } else { BulkKind::AddToTeams });
                let checked = RwSignal::new(
                    teams.iter().filter(|t| current.as_ref().is_some_and(|c| c.contains(&t.name))).map(|t| t.id).collect::<Vec<i64>>(),
                );
                // A move: the team they leave and the team they join (one person in one team
                // starts from it).
                let from = RwSignal::new(current.as_ref().filter(|c| c.len() == 1).and_then(|c| teams.iter().find(|t| t.name == c[0])).map(|t| t.id));
                let to = RwSignal::new(None::<i64>);
                let name_of = {
                    let teams = teams.clone();
                    move |id: Option<i64>| id.and_then(|id| teams.iter().find(|t| t.id == id)).map(|t| t.name.clone()).unwrap_or_default()
                };
                let moving = move || how.get() == BulkKind::MoveTeams;
                let action = Signal::derive(move || {
                    if moving() {
                        return from.get().zip(to.get()).map(|(f, t)| BulkAction::move_teams(TeamId(f), TeamId(t)));
                    }
                    let teams: Vec<TeamId> = checked.get().into_iter().map(TeamId).collect();
                    (how.get() == BulkKind::SetTeams || !teams.is_empty()).then(|| BulkAction { teams, ..BulkAction::of(how.get()) })
                });
                let doing = Signal::derive(move || match how.get() {
                    BulkKind::MoveTeams => format!("Move {{users}} from {} to {}", name_of(from.get()), name_of(to.get())),
                    BulkKind::SetTeams => "Set the teams of {users}".to_string(),
                    BulkKind::RemoveFromTeams => "Remove {users} from the chosen teams".to_string(),
                    _ => "Add {users} to the chosen teams".to_string(),
                });
                let radio = move |kind: BulkKind, text: &'static str| view! {
                    <label class="choice">
                        <input type="radio" name="bulk-team-how" prop:checked=move || how.get() == kind on:change=move |_| how.set(kind) />
                        {text}
                    </label>
                };
                view! {
                    <div class="dialog-body">
                        <fieldset class="field">
                            <legend>"How"</legend>
                            {radio(BulkKind::AddToTeams, "Add to teams")}
                            {radio(BulkKind::RemoveFromTeams, "Remove from teams")}
                            {radio(BulkKind::MoveTeams, "Move from one team to another")}
                            {radio(BulkKind::SetTeams, "Set teams (replace their teams)")}
                        </fieldset>
                        <MoveFields teams=teams.clone() from to shown=Signal::derive(moving) />
                        <div hidden=moving>
                        <fieldset class="field">
                            <legend>"Teams"</legend>
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
                        </div>
                        {move || body(doing.get(), if moving() { "Move" } else { "Confirm" }, false, action)}
                    </div>
                }
            }}
        </Modal>
        <Modal open=is(BulkDialog::Deactivate) title="Deactivate users" on_close=close>
            {move || view! {
                <div class="dialog-body">
                    <p>"They will be signed out everywhere at once and can't sign in until reactivated. Their data stays."</p>
                    {body("Deactivate {users}".into(), "Deactivate", true, Signal::derive(|| Some(BulkAction::of(BulkKind::Deactivate))))}
                </div>
            }}
        </Modal>
        <Modal open=is(BulkDialog::Reactivate) title="Reactivate users" on_close=close>
            {move || view! {
                <div class="dialog-body">
                    <p>"They will be active again, and each gets an email with a link to finish reactivating."</p>
                    {body("Reactivate {users}".into(), "Reactivate", false, Signal::derive(|| Some(BulkAction::of(BulkKind::Reactivate))))}
                </div>
            }}
        </Modal>
        <Modal open=is(BulkDialog::Delete) title="Delete users" on_close=close>
            {move || view! {
                <div class="dialog-body">
                    <p>"Deleting is permanent and can't be undone. What they did stays in the audit log under their names."</p>
                    {body("Delete {users} permanently".into(), "Delete", true, Signal::derive(|| Some(BulkAction::of(BulkKind::Delete))))}
                </div>
            }}
        </Modal>
    }
}

/// The two team pickers of a move: "Move from" and "Move to", each offering the company's
/// teams but the one chosen in the other.
#[component]
fn MoveFields(
    /// The company's teams.
    teams: Vec<Choice>,
    /// The team they leave.
    from: RwSignal<Option<i64>>,
    /// The team they join.
    to: RwSignal<Option<i64>>,
    /// Whether the move is the change chosen.
    shown: Signal<bool>,
) -> impl IntoView {
    let picker = move |id: &'static str,
                       label: &'static str,
                       chosen: RwSignal<Option<i64>>,
                       other: RwSignal<Option<i64>>| {
        let options = teams.clone();
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <select id=id on:change=move |e| chosen.set(event_target_value(&e).parse().ok())>
                    <option value="" selected=chosen.get_untracked().is_none() disabled=true>"Choose a team"</option>
                    {options.into_iter().map(|t| {
                        let team = t.id;
                        view! {
                            <option value=team.to_string() selected=chosen.get_untracked() == Some(team)
                                disabled=move || other.get() == Some(team)>{t.name}</option>
                        }
                    }).collect_view()}
                </select>
            </div>
        }
    };
    view! {
        <div hidden=move || !shown.get()>
            <div class="field-row">
                {picker("bulk-move-from", "Move from", from, to)}
                {picker("bulk-move-to", "Move to", to, from)}
            </div>
        </div>
    }
}

/// The server's preview of the change (how many, who is skipped and why) and the confirm
/// button, which stays disabled until there is something to change.
#[component]
fn Preview(
    request: BulkRequest,
    /// The sentence, with `{users}` for the count or the name.
    doing: String,
    confirm: &'static str,
    danger: bool,
    action: Signal<Option<BulkAction>>,
    apply: ServerAction<ApplyBulk>,
    close: Callback<()>,
) -> impl IntoView {
    let selection = request.selection.clone();
    let preview = Resource::new(
        move || action.get(),
        move |action| {
            let selection = selection.clone();
            async move {
                match action {
                    Some(action) => preview_bulk(selection, action).await.map(Some),
                    None => Ok(None),
                }
            }
        },
    );
    let error = Signal::derive(move || apply.value().get().and_then(Result::err));
    let changes = RwSignal::new(0_i64);
    // Who the previewed change gives new permissions, and the number typed to confirm it.
    let gains = RwSignal::new(None::<PowerGain>);
    let typed = RwSignal::new(String::new());
    Effect::new(move |_| {
        action.track();
        typed.set(String::new());
    });
    let confirmed = move || {
        gains.with(|g| {
            g.as_ref()
                .is_none_or(|g| !g.asks_for_number() || typed.with(|t| t.trim() == g.people.to_string()))
        })
    };
    let one = request.one.clone();
    let selection = request.selection;
    view! {
        <FormAlert error />
        <Suspense fallback=|| view! { <p class="summary muted">"Counting…"</p> }>
            {move || {
                let (one, doing) = (one.clone(), doing.clone());
                Suspend::new(async move {
                    match preview.await {
                        Ok(Some(outcome)) => {
                            changes.set(outcome.changed);
                            gains.set(outcome.gains.clone());
                            view! {
                                <p class="summary" role="status">{outcome.summary(&doing, one.as_deref())}</p>
                                {outcome.gains.map(|gain| view! { <PowerGainNote gain typed /> })}
                            }.into_any()
                        }
                        Ok(None) => {
                            changes.set(0);
                            gains.set(None);
                            ().into_any()
                        }
                        Err(error) => {
                            changes.set(0);
                            gains.set(None);
                            view! { <p class="field-error" role="alert">{error.to_string()}</p> }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
        <div class="modal-actions">
            <button type="button" on:click=move |_| close.run(())>"Cancel"</button>
            <button
                type="button"
                class=if danger { "danger" } else { "primary" }
                disabled=move || changes.get() == 0 || apply.pending().get() || !confirmed()
                on:click=move |_| {
                    if let Some(mut action) = action.get_untracked() {
                        // The server refuses the change if it would grant power to other
                        // people, or other power, than this preview showed.
                        if action.kind == BulkKind::ChangeRole {
                            action.gainers = Some(gains.with_untracked(|g| g.as_ref().map_or(PowerGain::NONE_SHOWN, |g| g.key.as_str()).to_string()));
                        }
                        apply.dispatch(ApplyBulk { selection: selection.clone(), action });
                    }
                }
            >
                {move || if apply.pending().get() { "Working…" } else { confirm }}
            </button>
        </div>
    }
}

/// Who a role change gives new permissions, and what; for more than
/// [`PowerGain::TYPE_ABOVE`] people, the box to type their number in before confirming.
#[component]
fn PowerGainNote(gain: PowerGain, typed: RwSignal<String>) -> impl IntoView {
    let number = gain.people;
    view! {
        <div class="power-gain" role="group" aria-label="New permissions">
            <p><strong>{gain.headline()}</strong></p>
            {gain.who().map(|who| view! { <p>{who}</p> })}
            {gain.asks_for_number().then(|| view! {
                <div class="field">
                    <label for="bulk-gainers">{format!("To confirm, type the number of people who gain them ({number})")}</label>
                    <input id="bulk-gainers" type="text" inputmode="numeric" autocomplete="off"
                        prop:value=move || typed.get() on:input=move |e| typed.set(event_target_value(&e)) />
                </div>
            })}
        </div>
    }
}

/// "37 users changed" with Undo for 15 seconds (the quick path: "Recent changes" offers it
/// for 24 hours), then the result of the undo.
#[component]
pub fn UndoToast(
    /// The last confirmed change.
    last: RwSignal<Option<BulkOutcome>>,
    /// Where the undo's result is said.
    notice: RwSignal<Option<String>>,
    /// Called after an undo, so the table reloads.
    on_undone: Callback<()>,
) -> impl IntoView {
    let undo = ServerAction::<UndoBulk>::new();
    Effect::new(move |_| {
        if let Some(outcome) = last.get() {
            let shown = outcome.clone();
            set_timeout(
                move || {
                    if last.get_untracked().as_ref() == Some(&shown) {
                        last.set(None);
                    }
                },
                Duration::from_secs(15),
            );
        }
    });
    Effect::new(move |_| match undo.value().get() {
        Some(Ok(result)) => {
            notice.set(Some(result.said()));
            on_undone.run(());
        }
        Some(Err(error)) => notice.set(Some(error.to_string())),
        None => {}
    });
    view! {
        <div class="undo-region" role="status" aria-live="polite">
            {move || last.get().map(|outcome| {
                let text = outcome.result();
                view! {
                    <div class="toast undo-toast">
                        <span>{text}</span>
                        {outcome.undo.map(|change| view! {
                            <button type="button" class="toast-action" on:click=move |_| {
                                last.set(None);
                                undo.dispatch(UndoBulk { change });
                            }>"Undo"</button>
                        })}
                    </div>
                }
            })}
        </div>
    }
}
