//! The "Invite users" button and dialog. Addresses typed or pasted become chips; people who
//! need different access go in groups of their own ("Add another group"), each with its
//! addresses, a role per account, and a team, all sent in one request. The server invites the
//! ones it may; the addresses it set aside stay in their box, each marked with why, to be
//! corrected and sent again.

use crate::{
    api::invitations::InviteUsers,
    components::{
        lazy::{preload, LazyDialog},
        modal::Modal,
    },
    model::{
        all_recipients, split_recipients, AccountId, AccountRole, Choice, Email, FilterChoices, InviteForm,
        InviteGroup, InviteOutcome, Recipient, RoleId, SetAsideReason, TeamId, MAX_GROUPS, MAX_INVITES,
    },
};
use leptos::{
    ev, html,
    prelude::*,
    wasm_split::{wasm_split, SplitLoaderError},
};
use wasm_bindgen::JsCast;

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

/// An address in a box: as typed, and why the server set it aside, once it has.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Entry {
    text: String,
    reason: Option<SetAsideReason>,
}

impl Entry {
    fn typed(text: String) -> Entry {
        Entry { text, reason: None }
    }
}

/// One group of the batch: its box (the chips and the text still being typed), a role per
/// account, and a team.
#[derive(Clone, Copy)]
struct Group {
    key: usize,
    chips: RwSignal<Vec<Entry>>,
    draft: RwSignal<String>,
    grants: RwSignal<Vec<GrantRow>>,
    team: RwSignal<Option<i64>>,
}

impl Group {
    fn new(key: usize, account: Option<i64>, role: Option<i64>) -> Group {
        Group {
            key,
            chips: RwSignal::new(Vec::new()),
            draft: RwSignal::new(String::new()),
            grants: RwSignal::new(vec![GrantRow::new(0, account, role)]),
            team: RwSignal::new(None),
        }
    }

    /// Everything typed becomes chips, the unfinished end too.
    fn take_all(self) {
        let entries = all_recipients(&self.draft.get_untracked());
        self.chips
            .update(|c| c.extend(entries.into_iter().map(Entry::typed)));
        self.draft.set(String::new());
    }

    /// What the server is sent for this group.
    fn request(self) -> InviteGroup {
        InviteGroup {
            addresses: self.chips.get_untracked().into_iter().map(|e| e.text).collect(),
            role: None,
            accounts: self
                .grants
                .get_untracked()
                .iter()
                .filter_map(|g| {
                    Some(AccountRole {
                        account: AccountId(g.account.get_untracked()?),
                        role: RoleId(g.role.get_untracked()?),
                    })
                })
                .collect(),
            team: self.team.get_untracked().map(TeamId),
        }
    }
}

/// The dialog. Its form is built anew at each opening (the modal draws its body only while
/// open), so each starts with one empty group and no earlier answer.
#[component]
fn InviteDialog(
    choices: FilterChoices,
    on_invited: Callback<()>,
    notice: RwSignal<Option<String>>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let roles: Vec<_> = choices.roles.into_iter().filter(|r| r.name != "Owner").collect();
    let member = roles
        .iter()
        .find(|r| r.name == "Member")
        .or(roles.first())
        .map(|r| r.id);
    let accounts = StoredValue::new(choices.accounts);
    let first_account = accounts.with_value(|a| a.first().map(|a| a.id));
    let roles = StoredValue::new(roles);
    let teams = StoredValue::new(choices.teams);
    let close = Callback::new(move |()| open.set(false));
    view! {
        <Modal open title="Invite users" on_close=close>
            <InviteBody roles accounts teams first_account member on_invited notice open close />
        </Modal>
    }
}

/// The dialog's form: the groups, the last answer, Cancel (Done) and Send.
#[component]
fn InviteBody(
    roles: StoredValue<Vec<Choice>>,
    accounts: StoredValue<Vec<Choice>>,
    teams: StoredValue<Vec<Choice>>,
    /// What a new group starts with: the first account, as Member.
    first_account: Option<i64>,
    member: Option<i64>,
    on_invited: Callback<()>,
    notice: RwSignal<Option<String>>,
    open: RwSignal<bool>,
    close: Callback<()>,
) -> impl IntoView {
    let outcome = RwSignal::new(None::<InviteOutcome>);
    let next_key = StoredValue::new(1usize);
    let fresh_group = move || {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        Group::new(key, first_account, member)
    };
    let groups = RwSignal::new(vec![Group::new(0, first_account, member)]);
    // The keys of the groups the last request sent, in its order: the answer names groups by
    // their place in it.
    let sent = StoredValue::new(Vec::<usize>::new());
    let action = ServerAction::<InviteUsers>::new();
    let pending: Signal<bool> = action.pending().into();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));

    Effect::new(move |_| {
        let Some(Ok(result)) = action.value().get() else {
            return;
        };
        if !result.invited.is_empty() {
            on_invited.run(());
        }
        if result.set_aside.is_empty() {
            open.set(false);
            notice.set(Some(format!(
                "Invited {}. We emailed each a link to join.",
                plural(result.invited.len(), "person", "people")
            )));
            return;
        }
        // The invited leave their boxes; the set-aside stay, marked with why. A group left
        // empty goes.
        let sent = sent.get_value();
        groups.update(|all| {
            for group in all.iter() {
                let place = sent.iter().position(|k| *k == group.key);
                group.chips.set(
                    result
                        .set_aside
                        .iter()
                        .filter(|s| Some(s.group) == place)
                        .map(|s| Entry {
                            text: s.address.clone(),
                            reason: Some(s.reason),
                        })
                        .collect(),
                );
            }
            all.retain(|g| g.chips.with_untracked(|c| !c.is_empty()) || !g.draft.get_untracked().is_empty());
        });
        outcome.set(Some(result));
    });

    let send = move || {
        let all = groups.get_untracked();
        for group in &all {
            group.take_all();
        }
        outcome.set(None);
        // Groups with no addresses go, so the groups the server numbers are those shown;
        // unless all are empty (then the server says what's missing).
        let chosen: Vec<Group> = all
            .iter()
            .copied()
            .filter(|g| g.chips.with_untracked(|c| !c.is_empty()))
            .collect();
        let chosen = if chosen.is_empty() { all } else { chosen };
        groups.set(chosen.clone());
        sent.set_value(chosen.iter().map(|g| g.key).collect());
        action.dispatch(InviteUsers {
            invite: InviteForm::of(chosen.into_iter().map(Group::request).collect()),
        });
    };
    let total = move || groups.with(|all| all.iter().map(|g| g.chips.with(Vec::len)).sum::<usize>());
    let add_group = move |_| groups.update(|all| all.push(fresh_group()));

    view! {
            <div class="dialog-body">
                // Any error, field or not: the form is small and the message names the field
                // (and the group, when there are several).
                <div class="form-alert" role="alert">{move || error.get().map(|e| e.to_string())}</div>
                {move || outcome.get().map(|o| view! { <Outcome outcome=o /> })}
                <For each=move || groups.get() key=|g| g.key let:group>
                    <GroupView group groups roles accounts teams error pending />
                </For>
                <div class="add-group">
                    <button
                        type="button"
                        class="secondary"
                        disabled=move || pending.get() || groups.with(|g| g.len() >= MAX_GROUPS)
                        on:click=add_group
                    >
                        "Add another group"
                    </button>
                    <p class="hint">"For people who need other access: a group has its own addresses, roles and team."</p>
                </div>
                <div class="modal-actions">
                    <button type="button" on:click=move |_| close.run(())>
                        {move || if outcome.get().is_some() { "Done" } else { "Cancel" }}
                    </button>
                    <button
                        type="button"
                        class="primary"
                        disabled=move || { pending.get() || total() > MAX_INVITES }
                        on:click=move |_| send()
                    >
                        {move || if pending.get() { "Sending…" } else { "Send invitations" }}
                    </button>
                </div>
            </div>
    }
}

/// One group: its addresses box, its access and its team. With several groups each is headed
/// "Group N" and its controls' names say which group they belong to.
#[component]
fn GroupView(
    group: Group,
    /// Every group of the dialog, to number this one and to remove it.
    groups: RwSignal<Vec<Group>>,
    roles: StoredValue<Vec<Choice>>,
    accounts: StoredValue<Vec<Choice>>,
    teams: StoredValue<Vec<Choice>>,
    /// The last request's error, to mark the box when it is about the addresses.
    error: Signal<Option<crate::error::AppError>>,
    /// While the batch is being sent: nothing can change.
    pending: Signal<bool>,
) -> impl IntoView {
    let Group {
        key,
        chips,
        draft,
        grants,
        team,
    } = group;
    let number =
        Memo::new(move |_| groups.with(|all| all.iter().position(|g| g.key == key).unwrap_or(0) + 1));
    let several = Memo::new(move |_| groups.with(|all| all.len() > 1));
    // ", group 2" after each control's name when there are several groups.
    let suffix = Signal::derive(move || {
        if several.get() {
            format!(", group {}", number.get())
        } else {
            String::new()
        }
    });
    let textarea = NodeRef::<html::Textarea>::new();
    let id = format!("invite-addresses-{key}");
    let hint_id = format!("invite-addresses-hint-{key}");
    let team_id = format!("invite-team-{key}");

    // Typed text becomes chips at each separator; the unfinished end stays in the box.
    let take_finished = move |text: String| {
        let (entries, rest) = split_recipients(&text);
        if !entries.is_empty() {
            chips.update(|c| c.extend(entries.into_iter().map(Entry::typed)));
        }
        draft.set(rest);
    };
    let on_key = move |e: ev::KeyboardEvent| match e.key().as_str() {
        "Enter" => {
            e.prevent_default();
            group.take_all();
        }
        "Backspace" if draft.get_untracked().is_empty() => {
            chips.update(|c| {
                c.pop();
            });
        }
        _ => {}
    };
    // A chip taken back into the box to be corrected.
    let edit = Callback::new(move |index: usize| {
        if pending.get_untracked() {
            return;
        }
        group.take_all();
        let Some(entry) = chips
            .try_update(|c| (index < c.len()).then(|| c.remove(index)))
            .flatten()
        else {
            return;
        };
        draft.set(entry.text);
        if let Some(t) = textarea.get_untracked() {
            let _ = t.focus();
        }
    });
    let hint = move || {
        let entries = chips.get();
        let n = entries.len();
        let aside = entries.iter().filter(|e| e.reason.is_some()).count();
        if n > MAX_INVITES {
            format!("{n} addresses: invite at most {MAX_INVITES} at a time.")
        } else if n == 0 {
            "Type or paste addresses, separated by commas, spaces or new lines. \"Name <address>\" works too."
                .to_string()
        } else if aside > 0 {
            format!(
                "{} set aside: select one to correct it, or remove it.",
                plural(aside, "address", "addresses")
            )
        } else {
            format!("{} to invite.", plural(n, "address", "addresses"))
        }
    };
    let box_error = move || error.get().is_some_and(|e| e.field_name() == Some("addresses"));

    view! {
        <section class="invite-group" class:boxed=move || several.get() aria-labelledby=move || several.get().then(|| format!("invite-group-{key}"))>
            {move || several.get().then(|| view! {
                <div class="invite-group-head">
                    <h3 id=format!("invite-group-{key}")>{format!("Group {}", number.get())}</h3>
                    <button
                        type="button"
                        class="link-button"
                        disabled=move || pending.get()
                        on:click=move |_| groups.update(|all| all.retain(|g| g.key != key))
                    >
                        {format!("Remove group {}", number.get())}
                    </button>
                </div>
            })}
            <div class="field">
                <label for=id.clone()>"Email addresses"<span class="visually-hidden">{suffix}</span></label>
                <div class="chip-input" class:has-error=box_error>
                    <ul class="chips" aria-label=move || format!("Addresses to invite{}", suffix.get())>
                        <For each=move || chips.get().into_iter().enumerate() key=|(i, c)| (*i, c.clone()) let:((index, entry))>
                            <Chip entry index chips edit pending />
                        </For>
                    </ul>
                    <textarea
                        id=id
                        node_ref=textarea
                        rows="2"
                        aria-describedby=hint_id.clone()
                        autocomplete="off"
                        spellcheck="false"
                        readonly=move || pending.get()
                        prop:value=move || draft.get()
                        on:input=move |e| take_finished(event_target_value(&e))
                        on:keydown=on_key
                        on:blur=move |e: ev::FocusEvent| {
                            // Focus moving to a button of the dialog (Send, Add another group):
                            // the text stays until that button has done its work, so the box
                            // does not change size, and move the button, under the pointer.
                            let to_button = e
                                .related_target()
                                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                                .is_some_and(|t| t.tag_name() == "BUTTON");
                            if !to_button {
                                group.take_all();
                            }
                        }
                    ></textarea>
                </div>
                <p class="hint" id=hint_id>{hint}</p>
            </div>
            <fieldset class="grants">
                <legend>"Access"</legend>
                <p class="hint">"A role in each account; it reaches every sub-account below."</p>
                <For each=move || grants.get().into_iter().enumerate() key=|(i, g)| (*i, g.key) let:((index, row))>
                    <GrantRowView index row roles accounts grants suffix />
                </For>
                <button
                    type="button"
                    class="link-button"
                    on:click=move |_| grants.update(|g| {
                        let key = g.iter().map(|r| r.key).max().unwrap_or(0) + 1;
                        let role = g.first().and_then(|r| r.role.get_untracked());
                        g.push(GrantRow::new(key, None, role));
                    })
                >
                    "Add another account"
                    <span class="visually-hidden">{suffix}</span>
                </button>
            </fieldset>
            <div class="field-row">
                <div class="field">
                    <label for=team_id.clone()>"Team"<span class="visually-hidden">{suffix}</span></label>
                    <select id=team_id on:change=move |e| team.set(event_target_value(&e).parse().ok())>
                        <option value="">"No team"</option>
                        {teams.get_value().into_iter().map(|t| view! { <option value=t.id.to_string()>{t.name}</option> }).collect_view()}
                    </select>
                </div>
            </div>
        </section>
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
    /// Which group, when there are several (", group 2").
    suffix: Signal<String>,
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
            <select class="inline-select" aria-label=move || format!("Account {n}{}", suffix.get()) on:change=move |e| row.account.set(event_target_value(&e).parse().ok())>
                <option value="">"Choose an account"</option>
                {options(accounts.get_value(), row.account.get_untracked())}
            </select>
            <select class="inline-select" aria-label=move || format!("Role in account {n}{}", suffix.get()) on:change=move |e| row.role.set(event_target_value(&e).parse().ok())>
                {options(roles.get_value(), row.role.get_untracked())}
            </select>
            {(index > 0).then(|| view! {
                <button
                    type="button"
                    class="icon-button"
                    aria-label=move || format!("Remove account {n}{}", suffix.get())
                    on:click=move |_| grants.update(|g| g.retain(|r| r.key != row.key))
                >
                    "×"
                </button>
            })}
        </div>
    }
}

/// One address in a box, with its remove button; selecting it takes it back into the box to
/// be corrected. An address the server set aside says why; one that cannot be right is marked
/// before sending (the server checks them all again).
#[component]
fn Chip(
    entry: Entry,
    index: usize,
    chips: RwSignal<Vec<Entry>>,
    /// Takes the chip at this index back into the box.
    edit: Callback<usize>,
    pending: Signal<bool>,
) -> impl IntoView {
    let Entry { text, reason } = entry;
    let malformed = Email::parse(&Recipient::parse(&text).address).is_err();
    let remove_label = format!("Remove {text}");
    let edit_label = format!("Edit {text}");
    let why = reason
        .map(|r| r.message())
        .or(malformed.then_some("not a valid email address"));
    view! {
        <li class="chip" class:invalid=why.is_some() class:set-aside=reason.is_some()>
            <button type="button" class="chip-edit" aria-label=edit_label title="Select to correct" disabled=move || pending.get() on:click=move |_| edit.run(index)>
                {text}
            </button>
            {match (reason, why) {
                (Some(_), Some(why)) => view! { <span class="chip-reason">{why}</span> }.into_any(),
                (None, Some(why)) => view! { <span class="visually-hidden">{format!(" ({why})")}</span> }.into_any(),
                _ => ().into_any(),
            }}
            <button
                type="button"
                class="chip-remove"
                aria-label=remove_label
                disabled=move || pending.get()
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
                {format!(
                    "{} set aside: {} in the box below, marked with the reason. Correct and send again, or remove.",
                    plural(aside, "address was", "addresses were"),
                    if aside == 1 { "it stays" } else { "they stay" },
                )}
            </p>
        </div>
    }
}
