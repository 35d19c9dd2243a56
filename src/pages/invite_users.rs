//! The "Invite users" button and dialog: addresses typed or pasted become chips, the server
//! invites the ones it may and says why it set the others aside.

use crate::{
    api::invitations::InviteUsers,
    components::{
        lazy::{preload, LazyDialog},
        modal::Modal,
    },
    model::{
        all_recipients, split_recipients, AccountId, AccountRole, Choice, Email, FilterChoices, InviteForm,
        InviteOutcome, Recipient, RoleId, TeamId, MAX_INVITES,
    },
};
use leptos::{
    ev,
    prelude::*,
    wasm_split::{wasm_split, SplitLoaderError},
};

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The "Invite users" button; its dialog is a chunk of its own, fetched on the button's hover
/// or focus or at the latest when it is pressed.
#[component]
pub fn InviteUsers(
    /// The company's roles and teams to choose from.
    choices: FilterChoices,
    /// Called after someone was invited, so the table reloads.
    on_invited: Callback<()>,
    /// Where to say what happened.
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <button
            type="button"
            class="secondary"
            on:pointerenter=move |_| preload(invite_dialog_preload)
            on:focus=move |_| preload(invite_dialog_preload)
            on:click=move |_| open.set(true)
        >
            "Invite users"
        </button>
        <LazyDialog open load=move || invite_dialog(choices.clone(), on_invited, notice, open) />
    }
}

#[wasm_split(user_dialogs, wasm_split_path = ::leptos::wasm_split, fallible, preload(invite_dialog_preload))]
fn invite_dialog(
    choices: FilterChoices,
    on_invited: Callback<()>,
    notice: RwSignal<Option<String>>,
    open: RwSignal<bool>,
) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <InviteDialog choices on_invited notice open /> }.into_any())
}

/// The dialog: each opening starts with no addresses and no earlier answer.
#[component]
fn InviteDialog(
    choices: FilterChoices,
    on_invited: Callback<()>,
    notice: RwSignal<Option<String>>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let chips = RwSignal::new(Vec::<String>::new());
    let draft = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<InviteOutcome>);
    let roles: Vec<_> = choices.roles.into_iter().filter(|r| r.name != "Owner").collect();
    let member = roles
        .iter()
        .find(|r| r.name == "Member")
        .or(roles.first())
        .map(|r| r.id);
    let accounts = StoredValue::new(choices.accounts);
    let first_account = accounts.with_value(|a| a.first().map(|a| a.id));
    let grants = RwSignal::new(vec![GrantRow::new(0, first_account, member)]);
    let team = RwSignal::new(None::<i64>);
    let action = ServerAction::<InviteUsers>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));

    Effect::new(move |_| {
        if let Some(Ok(result)) = action.value().get() {
            if !result.invited.is_empty() {
                on_invited.run(());
            }
            if result.set_aside.is_empty() {
                open.set(false);
                notice.set(Some(format!(
                    "Invited {}. We emailed each a link to join.",
                    plural(result.invited.len(), "person", "people")
                )));
            } else {
                chips.set(Vec::new());
                outcome.set(Some(result));
            }
        }
    });

    // Typed text becomes chips at each separator; the unfinished end stays in the box.
    let take_finished = move |text: String| {
        let (entries, rest) = split_recipients(&text);
        if !entries.is_empty() {
            chips.update(|c| c.extend(entries));
        }
        draft.set(rest);
    };
    let take_all = move || {
        let entries = all_recipients(&draft.get_untracked());
        chips.update(|c| c.extend(entries));
        draft.set(String::new());
    };
    let on_key = move |e: ev::KeyboardEvent| match e.key().as_str() {
        "Enter" => {
            e.prevent_default();
            take_all();
        }
        "Backspace" if draft.get_untracked().is_empty() => {
            chips.update(|c| {
                c.pop();
            });
        }
        _ => {}
    };
    let send = move || {
        take_all();
        outcome.set(None);
        let chosen: Vec<AccountRole> = grants
            .get_untracked()
            .iter()
            .filter_map(|g| {
                Some(AccountRole {
                    account: AccountId(g.account.get_untracked()?),
                    role: RoleId(g.role.get_untracked()?),
                })
            })
            .collect();
        if let Some(first) = chosen.first() {
            action.dispatch(InviteUsers {
                invite: InviteForm {
                    addresses: chips.get_untracked(),
                    role: first.role,
                    accounts: chosen,
                    team: team.get_untracked().map(TeamId),
                },
            });
        }
    };
    let close = Callback::new(move |()| open.set(false));
    let roles = StoredValue::new(roles);
    let teams = StoredValue::new(choices.teams);

    Effect::new(move |_| {
        if open.get() {
            action.value().set(None);
            outcome.set(None);
            chips.set(Vec::new());
            draft.set(String::new());
        }
    });

    view! {
        <Modal open title="Invite users" on_close=close>
            <div class="dialog-body">
                // Any error, field or not: the form is small and the message names the field.
                <div class="form-alert" role="alert">{move || error.get().map(|e| e.to_string())}</div>
                {move || outcome.get().map(|o| view! { <Outcome outcome=o /> })}
                <div class="field">
                    <label for="invite-addresses">"Email addresses"</label>
                    <div class="chip-input" class:has-error=move || error.get().is_some_and(|e| e.field_name() == Some("addresses"))>
                        <ul class="chips" aria-label="Addresses to invite">
                            <For each=move || chips.get().into_iter().enumerate() key=|(i, c)| (*i, c.clone()) let:((index, entry))>
                                <Chip entry index chips />
                            </For>
                        </ul>
                        <textarea
                            id="invite-addresses"
                            rows="2"
                            aria-describedby="invite-addresses-hint"
                            autocomplete="off"
                            spellcheck="false"
                            prop:value=move || draft.get()
                            on:input=move |e| take_finished(event_target_value(&e))
                            on:keydown=on_key
                            on:blur=move |_| take_all()
                        ></textarea>
                    </div>
                    <p class="hint" id="invite-addresses-hint">
                        {move || {
                            let n = chips.get().len();
                            if n > MAX_INVITES {
                                format!("{n} addresses: invite at most {MAX_INVITES} at a time.")
                            } else if n == 0 {
                                "Type or paste addresses, separated by commas, spaces or new lines. \"Name <address>\" works too.".to_string()
                            } else {
                                format!("{} to invite.", plural(n, "address", "addresses"))
                            }
                        }}
                    </p>
                </div>
                <fieldset class="grants">
                    <legend>"Access"</legend>
                    <p class="hint">"A role in each account; it reaches every sub-account below."</p>
                    <For each=move || grants.get().into_iter().enumerate() key=|(i, g)| (*i, g.key) let:((index, row))>
                        <GrantRowView index row roles accounts grants />
                    </For>
                    <button
                        type="button"
                        class="link-button"
                        on:click=move |_| grants.update(|g| {
                            let key = g.iter().map(|r| r.key).max().unwrap_or(0) + 1;
                            g.push(GrantRow::new(key, None, member));
                        })
                    >
                        "Add another account"
                    </button>
                </fieldset>
                <div class="field-row">
                    <div class="field">
                        <label for="invite-team">"Team"</label>
                        <select id="invite-team" on:change=move |e| team.set(event_target_value(&e).parse().ok())>
                            <option value="">"No team"</option>
                            {teams.get_value().into_iter().map(|t| view! { <option value=t.id.to_string()>{t.name}</option> }).collect_view()}
                        </select>
                    </div>
                </div>
                <div class="modal-actions">
                    <button type="button" on:click=move |_| close.run(())>
                        {move || if outcome.get().is_some() { "Done" } else { "Cancel" }}
                    </button>
                    <button
                        type="button"
                        class="primary"
                        disabled=move || { action.pending().get() || chips.get().len() > MAX_INVITES }
                        on:click=move |_| send()
                    >
                        {move || if action.pending().get() { "Sending…" } else { "Send invitations" }}
                    </button>
                </div>
            </div>
        </Modal>
    }
}

/// One "role in account" line of the invitation.
#[derive(Clone, Copy)]
struct GrantRow {
    key: usize,
    account: RwSignal<Option<i64>>,
    role: RwSignal<Option<i64>>,
}

impl GrantRow {
    fn new(key: usize, account: Option<i64>, role: Option<i64>) -> GrantRow {
        GrantRow {
            key,
            account: RwSignal::new(account),
            role: RwSignal::new(role),
        }
    }
}

#[component]
fn GrantRowView(
    index: usize,
    row: GrantRow,
    roles: StoredValue<Vec<Choice>>,
    accounts: StoredValue<Vec<Choice>>,
    grants: RwSignal<Vec<GrantRow>>,
) -> impl IntoView {
    let n = index + 1;
    let options = |choices: Vec<Choice>, current: Option<i64>| {
        choices
            .into_iter()
            .map(
                |c| view! { <option value=c.id.to_string() selected=Some(c.id) == current>{c.name}</option> },
            )
            .collect_view()
    };
    view! {
        <div class="grant-row">
            <select class="inline-select" aria-label=format!("Account {n}") on:change=move |e| row.account.set(event_target_value(&e).parse().ok())>
                <option value="">"Choose an account"</option>
                {options(accounts.get_value(), row.account.get_untracked())}
            </select>
            <select class="inline-select" aria-label=format!("Role in account {n}") on:change=move |e| row.role.set(event_target_value(&e).parse().ok())>
                {options(roles.get_value(), row.role.get_untracked())}
            </select>
            {(index > 0).then(|| view! {
                <button
                    type="button"
                    class="icon-button"
                    aria-label=format!("Remove account {n}")
                    on:click=move |_| grants.update(|g| g.retain(|r| r.key != row.key))
                >
                    "×"
                </button>
            })}
        </div>
    }
}

/// One address waiting to be invited, with its remove button. Addresses that cannot be right
/// are marked before sending; the server checks them all again.
#[component]
fn Chip(entry: String, index: usize, chips: RwSignal<Vec<String>>) -> impl IntoView {
    let valid = Email::parse(&Recipient::parse(&entry).address).is_ok();
    let remove_label = format!("Remove {entry}");
    view! {
        <li class="chip" class:invalid=!valid>
            <span>{entry}</span>
            {(!valid).then(|| view! { <span class="visually-hidden">" (not a valid email address)"</span> })}
            <button
                type="button"
                class="chip-remove"
                aria-label=remove_label
                on:click=move |_| chips.update(|c| {
                    if index < c.len() {
                        c.remove(index);
                    }
                })
            >
                "×"
            </button>
        </li>
    }
}

/// What the last "Send invitations" did, when some addresses were set aside.
#[component]
fn Outcome(outcome: InviteOutcome) -> impl IntoView {
    let invited = outcome.invited.len();
    let aside = outcome.set_aside.len();
    view! {
        <div class="outcome" role="status">
            <p>
                {if invited == 0 { "Nobody was invited. ".to_string() } else { format!("Invited {}. ", plural(invited, "person", "people")) }}
                {format!("{} set aside:", plural(aside, "address was", "addresses were"))}
            </p>
            <ul class="set-aside" aria-label="Set aside">
                {outcome.set_aside.into_iter().map(|s| view! {
                    <li><strong>{s.address}</strong>{format!(": {}", s.reason.message())}</li>
                }).collect_view()}
            </ul>
        </div>
    }
}
