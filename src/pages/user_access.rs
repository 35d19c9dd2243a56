//! "Account and sub-account access" on a user's page: the role they hold in each account,
//! changed per row, removed with the row's trash button, or given in more accounts at once.
//! A role that would let them do more is given only after its preview is confirmed.

use crate::{
    api::access::{GrantAccess, PreviewAccess, RemoveAccess},
    components::{
        field::FormAlert,
        modal::{DialogActions, Modal},
    },
    model::{
        AccessGain, AccessRow, AccountId, Choice, FilterChoices, PowerGain, RoleId, UserDetails, UserId,
    },
};
use leptos::prelude::*;

#[component]
pub fn AccessPanel(
    details: UserDetails,
    /// The rows to show, newest (they follow other admins' changes while the page is open).
    rows: Signal<Vec<AccessRow>>,
    /// Whether the viewer may change this user's access (not their own, not the owner's).
    editable: bool,
    /// Called after a change, so the page reloads the user.
    on_change: Callback<()>,
    /// The roles and accounts to choose from (when editable). Created by the page, outside
    /// its Transition: a resource created in here broke the hydration of a directly loaded
    /// user's page.
    choices: Resource<Option<FilterChoices>>,
) -> impl IntoView {
    let grant = ServerAction::<GrantAccess>::new();
    let remove = ServerAction::<RemoveAccess>::new();
    let ask = Asking::new(grant);
    let adding = RwSignal::new(false);
    // While the dialog is open, it shows its own error.
    let error = Signal::derive(move || {
        if adding.get() {
            return None;
        }
        grant
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| ask.error())
            .or_else(|| remove.value().get().and_then(Result::err))
    });
    Effect::new(move |_| {
        if matches!(grant.value().get(), Some(Ok(()))) || matches!(remove.value().get(), Some(Ok(()))) {
            adding.set(false);
            on_change.run(());
        }
    });
    let id = details.id;
    let name = StoredValue::new(details.name.clone());
    // Bumped when a change is called off: the rows are drawn again, their selects as stored.
    let drawn = RwSignal::new(0u32);
    view! {
        <section class="panel" aria-labelledby="access-title">
            <h2 id="access-title">"Account and sub-account access"</h2>
            <p class="muted">
                "A role reaches its account and every sub-account below it. Where two apply, the one nearest to the account decides."
            </p>
            <FormAlert error />
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || {
                    Suspend::new(async move {
                        let choices = choices.await;
                        let roles: Vec<Choice> = choices
                            .as_ref()
                            .map(|c| c.roles.iter().filter(|r| r.name != "Owner").cloned().collect())
                            .unwrap_or_default();
                        let accounts: Vec<Choice> = choices.map(|c| c.accounts).unwrap_or_default();
                        let roles = StoredValue::new(roles);
                        view! {
                            <table class="access-table">
                                <thead>
                                    <tr>
                                        <th scope="col">"Account"</th>
                                        <th scope="col">"Role"</th>
                                        {editable.then(|| view! { <th scope="col"><span class="visually-hidden">"Remove"</span></th> })}
                                    </tr>
                                </thead>
                                <tbody>
                                    {move || {
                                        drawn.track();
                                        let rows = rows.get();
                                        let single = rows.len() == 1;
                                        rows.into_iter()
                                            .map(|row| view! { <AccessRowView row editable single roles ask grant remove id /> })
                                            .collect_view()
                                    }}
                                </tbody>
                            </table>
                            {editable.then(|| view! {
                                <button type="button" class="secondary small" on:click=move |_| adding.set(true)>
                                    "Assign with another role to more accounts"
                                </button>
                                <AssignDialog open=adding roles accounts ask grant id />
                                <GainDialog ask roles name=name.get_value() on_cancel=Callback::new(move |()| drawn.update(|n| *n += 1)) />
                            })}
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

/// One assignment: the account, its role (a select when editable) and the trash button.
#[component]
fn AccessRowView(
    row: AccessRow,
    editable: bool,
    /// Whether this is the user's only assignment, which cannot be removed.
    single: bool,
    roles: StoredValue<Vec<Choice>>,
    ask: Asking,
    grant: ServerAction<GrantAccess>,
    remove: ServerAction<RemoveAccess>,
    id: UserId,
) -> impl IntoView {
    let AccessRow {
        account,
        account_name,
        role,
        role_name,
    } = row;
    let change = move |ev| {
        if let Ok(role) = event_target_value(&ev).parse::<i64>() {
            ask.ask(PreviewAccess {
                id,
                role: RoleId(role),
                accounts: vec![account],
            });
        }
    };
    let select_label = format!("Role in {account_name}");
    let remove_label = format!("Remove access to {account_name}");
    view! {
        <tr>
            <td>{account_name.clone()}</td>
            <td>
                {if editable {
                    view! {
                        <select class="inline-select" aria-label=select_label on:change=change disabled=move || grant.pending().get() || ask.busy()>
                            {roles
                                .get_value()
                                .into_iter()
                                .map(|r| view! { <option value=r.id.to_string() selected=r.id == role.0>{r.name}</option> })
                                .collect_view()}
                        </select>
                    }
                    .into_any()
                } else {
                    view! { <span>{role_name}</span> }.into_any()
                }}
            </td>
            {editable.then(|| view! {
                <td class="row-end">
                    <button
                        type="button"
                        class="icon-button danger-text"
                        aria-label=remove_label.clone()
                        title=if single { "Everyone keeps access to at least one account".to_string() } else { remove_label }
                        disabled=move || single || remove.pending().get()
                        on:click=move |_| { remove.dispatch(RemoveAccess { id, account }); }
                    >
                        <TrashIcon />
                    </button>
                </td>
            })}
        </tr>
    }
}

/// "Assign with another role to more accounts": a role, then the accounts it applies to.
#[component]
fn AssignDialog(
    open: RwSignal<bool>,
    roles: StoredValue<Vec<Choice>>,
    accounts: Vec<Choice>,
    ask: Asking,
    grant: ServerAction<GrantAccess>,
    id: UserId,
) -> impl IntoView {
    let close = Callback::new(move |()| open.set(false));
    let accounts = StoredValue::new(accounts);
    // A fresh dialog shows no error from an earlier change.
    Effect::new(move |_| {
        if open.get() {
            grant.value().set(None);
        }
    });
    view! {
        <Modal open title="Assign to more accounts" on_close=close>
            {move || {
                let role = RwSignal::new(None::<i64>);
                let chosen = RwSignal::new(Vec::<AccountId>::new());
                let error = Signal::derive(move || grant.value().get().and_then(Result::err).or_else(|| ask.error()));
                view! {
                    <div class="dialog-body">
                        <FormAlert error />
                        <div class="field">
                            <label for="assign-role">"Role"</label>
                            <select id="assign-role" on:change=move |e| role.set(event_target_value(&e).parse().ok())>
                                <option value="">"Choose a role"</option>
                                {roles
                                    .get_value()
                                    .into_iter()
                                    .map(|r| view! { <option value=r.id.to_string()>{r.name}</option> })
                                    .collect_view()}
                            </select>
                        </div>
                        <fieldset class="checklist">
                            <legend>"Accounts"</legend>
                            {accounts
                                .get_value()
                                .into_iter()
                                .map(|a| {
                                    let account = AccountId(a.id);
                                    view! {
                                        <label class="check">
                                            <input
                                                type="checkbox"
                                                on:change=move |e| {
                                                    let on = event_target_checked(&e);
                                                    chosen.update(|c| {
                                                        c.retain(|x| *x != account);
                                                        if on {
                                                            c.push(account);
                                                        }
                                                    });
                                                }
                                            />
                                            {a.name}
                                        </label>
                                    }
                                })
                                .collect_view()}
                        </fieldset>
                        <DialogActions
                            label="Assign"
                            class="primary"
                            on_cancel=close
                            disabled=Signal::derive(move || {
                                role.get().is_none() || chosen.get().is_empty() || grant.pending().get() || ask.busy()
                            })
                            on_confirm=Callback::new(move |()| {
                                if let Some(r) = role.get_untracked() {
                                    ask.ask(PreviewAccess { id, role: RoleId(r), accounts: chosen.get_untracked() });
                                }
                            })
                        />
                    </div>
                }
            }}
        </Modal>
    }
}

/// A role about to be given: its preview is asked first, then it is given at once when it adds
/// nothing, or held for [`GainDialog`] to confirm.
#[derive(Clone, Copy)]
struct Asking {
    preview: ServerAction<PreviewAccess>,
    /// What the preview was asked for.
    asked: RwSignal<Option<PreviewAccess>>,
    /// A change that adds to what the person may do, waiting for confirmation.
    held: RwSignal<Option<(PreviewAccess, AccessGain)>>,
    grant: ServerAction<GrantAccess>,
}

impl Asking {
    fn new(grant: ServerAction<GrantAccess>) -> Asking {
        let asking = Asking {
            preview: ServerAction::new(),
            asked: RwSignal::new(None),
            held: RwSignal::new(None),
            grant,
        };
        Effect::new(move |_| {
            let Some(Ok(gain)) = asking.preview.value().get() else {
                return;
            };
            let Some(asked) = asking.asked.get_untracked() else {
                return;
            };
            match gain {
                // Should it now add something, the server refuses.
                None => asking.give(asked, PowerGain::NONE_SHOWN.to_string()),
                Some(gain) => asking.held.set(Some((asked, gain))),
            }
        });
        asking
    }

    fn ask(self, change: PreviewAccess) {
        self.grant.value().set(None);
        self.asked.set(Some(change.clone()));
        self.preview.dispatch(change);
    }

    fn give(self, change: PreviewAccess, key: String) {
        self.held.set(None);
        self.preview.value().set(None);
        self.grant.dispatch(GrantAccess {
            id: change.id,
            role: change.role,
            accounts: change.accounts,
            gains: Some(key),
        });
    }

    fn busy(self) -> bool {
        self.preview.pending().get()
    }

    fn error(self) -> Option<crate::error::AppError> {
        self.preview.value().get().and_then(Result::err)
    }
}

/// "Give more access?": who gains what, on which accounts, before the role is given.
#[component]
fn GainDialog(
    ask: Asking,
    roles: StoredValue<Vec<Choice>>,
    /// The person's name.
    name: String,
    /// Called when the change is called off.
    on_cancel: Callback<()>,
) -> impl IntoView {
    let cancel = Callback::new(move |()| {
        if ask.held.get_untracked().is_some() {
            ask.held.set(None);
            on_cancel.run(());
        }
    });
    let name = StoredValue::new(name);
    view! {
        <Modal open=Signal::derive(move || ask.held.with(Option::is_some)) title="Give more access?" on_close=cancel>
            {move || {
                ask.held.get().map(|(change, gain)| {
                    let role = roles
                        .with_value(|r| r.iter().find(|c| c.id == change.role.0).map(|c| c.name.clone()))
                        .unwrap_or_default();
                    let key = gain.key.clone();
                    let confirm = format!("Give {role}");
                    view! {
                        <div class="dialog-body">
                            <div class="power-gain">
                                <p>{format!(
                                    "As {role}, {} will be able to do more on {}, and on the sub-accounts it decides:",
                                    name.get_value(),
                                    gain.accounts.join(", ")
                                )}</p>
                                <ul>
                                    {gain.permissions.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                                </ul>
                            </div>
                            <div class="modal-actions">
                                <button type="button" on:click=move |_| cancel.run(())>"Cancel"</button>
                                <button type="button" class="primary" on:click=move |_| ask.give(change.clone(), key.clone())>
                                    {confirm}
                                </button>
                            </div>
                        </div>
                    }
                })
            }}
        </Modal>
    }
}

/// A trash can, drawn so it looks the same on every system (emoji fonts vary).
#[component]
fn TrashIcon() -> impl IntoView {
    view! {
        <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor"
            stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d="M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6M10 11v6M14 11v6" />
        </svg>
    }
}
