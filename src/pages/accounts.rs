//! `/accounts`: the company's tree of accounts (as far as the viewer's manage-accounts scope
//! reaches) as nested lists, each account with its number of users and its actions: add a
//! sub-account, rename, move, delete, each in a dialog.

use crate::{
    api::accounts::{account_tree, CreateAccount, DeleteAccount, MoveAccount, RenameAccount},
    components::{
        action::on_success,
        field::{Field, FormAlert, RenameFields},
        live::{use_live_updates, LiveIndicator},
        modal::DialogActions,
        modal::Modal,
        notice::{refused_without, ErrorNotice},
        toast::Toast,
    },
    model::{subtree, AccountId, AccountName, AccountNode, LiveKind, Permission},
};
use leptos::prelude::*;
use leptos_meta::Title;
use std::collections::HashMap;

/// What an account's buttons ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AccountAction {
    Add,
    Rename,
    Move,
    Delete,
}

type Act = Callback<(AccountAction, AccountNode)>;

#[component]
pub fn AccountsPage() -> impl IntoView {
    if let Some(refusal) = refused_without(Permission::ManageAccounts) {
        return refusal;
    }
    let create = ServerAction::<CreateAccount>::new();
    let rename = ServerAction::<RenameAccount>::new();
    let mv = ServerAction::<MoveAccount>::new();
    let delete = ServerAction::<DeleteAccount>::new();
    let tree = Resource::new(
        move || {
            (
                create.version().get(),
                rename.version().get(),
                mv.version().get(),
                delete.version().get(),
            )
        },
        |_| account_tree(),
    );
    // Another admin's change to the tree (or to the users counted in it) refetches it in
    // place; an open dialog keeps the account it was opened for.
    let live = use_live_updates(&[LiveKind::Accounts, LiveKind::Users]);
    Effect::watch(move || live.changes.get(), move |_, _, _| tree.refetch(), false);
    let notice = RwSignal::new(None::<String>);
    let pending = RwSignal::new(None::<(AccountAction, AccountNode)>);
    let act = Callback::new(move |choice: (AccountAction, AccountNode)| {
        create.value().set(None);
        rename.value().set(None);
        mv.value().set(None);
        delete.value().set(None);
        pending.set(Some(choice));
    });
    let done = move |message: &'static str| {
        pending.set(None);
        notice.set(Some(message.into()));
    };
    on_success(
        move || matches!(create.value().get(), Some(Ok(_))),
        move || done("Sub-account added."),
    );
    on_success(
        move || matches!(rename.value().get(), Some(Ok(_))),
        move || done("Account renamed."),
    );
    on_success(
        move || matches!(mv.value().get(), Some(Ok(_))),
        move || done("Account moved."),
    );
    on_success(
        move || matches!(delete.value().get(), Some(Ok(_))),
        move || done("Account deleted."),
    );
    view! {
        <Title text="Accounts" />
        <Toast notice />
        <Transition fallback=|| view! { <p class="loading">"Loading accounts…"</p> }>
            {move || Suspend::new(async move {
                match tree.await {
                    Ok(nodes) => view! {
                        <div class="page-head">
                            <h1>"Accounts"</h1>
                            <LiveIndicator live />
                        </div>
                        <p class="muted">
                            "Roles are given per account; a role reaches the account and every sub-account below it."
                        </p>
                        <AccountTree nodes act />
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
        <AccountDialogs pending tree create rename mv delete />
    }
    .into_any()
}

/// The accounts as nested lists: each account's sub-accounts in a list inside its item.
#[component]
fn AccountTree(
    /// The accounts depth-first, as `accounts/tree` answers them.
    nodes: Vec<AccountNode>,
    /// Called with an account and what to do with it.
    act: Act,
) -> impl IntoView {
    let mut children: HashMap<Option<AccountId>, Vec<AccountNode>> = HashMap::new();
    for node in nodes {
        children.entry(node.parent).or_default().push(node);
    }
    let tops = children.remove(&None).unwrap_or_default();
    view! {
        <ul class="account-tree">
            {tops.into_iter().map(|n| branch(n, &children, act)).collect_view()}
        </ul>
    }
}

/// One account's item: its row, then its sub-accounts.
fn branch(node: AccountNode, children: &HashMap<Option<AccountId>, Vec<AccountNode>>, act: Act) -> AnyView {
    let kids = children.get(&Some(node.id)).cloned().unwrap_or_default();
    let sub = (!kids.is_empty()).then(|| {
        view! { <ul>{kids.into_iter().map(|k| branch(k, children, act)).collect_view()}</ul> }
    });
    let users = match node.users_within {
        within if within > node.users => format!("{} · {within} with sub-accounts", node.users_label()),
        _ => node.users_label(),
    };
    let name = node.name.clone();
    let button = |action: AccountAction, text: &'static str, label: String, class: &'static str| {
        let node = node.clone();
        view! {
            <button type="button" class=class aria-label=label on:click=move |_| act.run((action, node.clone()))>
                {text}
            </button>
        }
    };
    let may_change = node.changeable;
    let may_move = node.changeable && !node.company_root;
    view! {
        <li>
            <div class="account-row">
                <span class="account-name">
                    {name.clone()}
                    {node.company_root.then(|| view! { <span class="account-badge">"Company"</span> })}
                </span>
                <span class="account-users muted">{users}</span>
                <span class="account-actions">
                    {button(AccountAction::Add, "Add", format!("Add sub-account to {name}"), "")}
                    {may_change.then(|| button(AccountAction::Rename, "Rename", format!("Rename {name}"), ""))}
                    {may_move.then(|| button(AccountAction::Move, "Move", format!("Move {name}"), ""))}
                    {may_move.then(|| button(AccountAction::Delete, "Delete", format!("Delete {name}"), "danger-text"))}
                </span>
            </div>
            {sub}
        </li>
    }
    .into_any()
}

/// The Add, Rename, Move and Delete dialogs of the account in `pending`.
#[component]
fn AccountDialogs(
    /// The action asked for and its account; `None` when no dialog is open.
    pending: RwSignal<Option<(AccountAction, AccountNode)>>,
    /// The tree, for the accounts an account may move under.
    tree: Resource<Result<Vec<AccountNode>, crate::error::AppError>>,
    create: ServerAction<CreateAccount>,
    rename: ServerAction<RenameAccount>,
    mv: ServerAction<MoveAccount>,
    delete: ServerAction<DeleteAccount>,
) -> impl IntoView {
    let is =
        move |kind: AccountAction| Signal::derive(move || matches!(pending.get(), Some((k, _)) if k == kind));
    let close = Callback::new(move |()| pending.set(None));
    let target = move || pending.get_untracked().map(|(_, a)| a);
    view! {
        <Modal open=is(AccountAction::Add) title="Add sub-account" on_close=close>
            {move || {
                let parent = target()?;
                let error = Signal::derive(move || create.value().get().and_then(Result::err));
                Some(view! {
                    <ActionForm action=create>
                        <FormAlert error />
                        <p>{format!("A new account under {}.", parent.name)}</p>
                        <input type="hidden" name="parent" value=parent.id.to_string() />
                        <Field label="Name" name="name" autocomplete="off"
                            maxlength=AccountName::MAX_LEN as u32 error />
                        <div class="modal-actions">
                            <button type="button" on:click=move |_| close.run(())>"Cancel"</button>
                            <button type="submit" class="primary" disabled=move || create.pending().get()>
                                "Add sub-account"
                            </button>
                        </div>
                    </ActionForm>
                })
            }}
        </Modal>
        <Modal open=is(AccountAction::Rename) title="Rename account" on_close=close>
            {move || {
                let account = target()?;
                let error = Signal::derive(move || rename.value().get().and_then(Result::err));
                Some(view! {
                    <ActionForm action=rename>
                        <RenameFields id=account.id.0 name=account.name max_len=AccountName::MAX_LEN error
                            pending=rename.pending().into() on_cancel=close />
                    </ActionForm>
                })
            }}
        </Modal>
        <Modal open=is(AccountAction::Move) title="Move account" on_close=close>
            {move || {
                let account = target()?;
                let nodes = tree.get_untracked().and_then(Result::ok).unwrap_or_default();
                let below = nodes
                    .iter()
                    .position(|n| n.id == account.id)
                    .map(|i| subtree(&nodes, i))
                    .unwrap_or_else(|| vec![account.id]);
                let targets: Vec<AccountNode> = nodes
                    .into_iter()
                    .filter(|n| !below.contains(&n.id) && Some(n.id) != account.parent)
                    .collect();
                let error = Signal::derive(move || mv.value().get().and_then(Result::err));
                let parent_error = Memo::new(move |_| {
                    error.get().filter(|e| e.field_name() == Some("parent")).map(|e| e.to_string())
                });
                let choose = if targets.is_empty() {
                    view! { <p class="muted">"There is no other account it could move under."</p> }.into_any()
                } else {
                    view! {
                        <div class="field">
                            <label for="move-parent">"New parent account"</label>
                            <select id="move-parent" name="parent" required=true
                                aria-invalid=move || parent_error.get().map(|_| "true")
                                aria-describedby=move || parent_error.get().map(|_| "move-parent-error")>
                                {targets
                                    .into_iter()
                                    .map(|n| {
                                        let indent = "\u{a0}\u{a0}\u{a0}".repeat(n.depth as usize);
                                        view! { <option value=n.id.to_string()>{format!("{indent}{}", n.name)}</option> }
                                    })
                                    .collect_view()}
                            </select>
                            <p class="field-error" id="move-parent-error">{move || parent_error.get()}</p>
                        </div>
                    }
                    .into_any()
                };
                Some(view! {
                    <ActionForm action=mv>
                        <FormAlert error />
                        <p>{format!("Move {} with its sub-accounts under another account.", account.name)}</p>
                        <input type="hidden" name="id" value=account.id.to_string() />
                        {choose}
                        <div class="modal-actions">
                            <button type="button" on:click=move |_| close.run(())>"Cancel"</button>
                            <button type="submit" class="primary" disabled=move || mv.pending().get()>"Move"</button>
                        </div>
                    </ActionForm>
                })
            }}
        </Modal>
        <Modal open=is(AccountAction::Delete) title="Delete account" on_close=close>
            {move || {
                let account = target()?;
                let error = Signal::derive(move || delete.value().get().and_then(Result::err));
                let users = match account.users {
                    0 => "Nobody has a role on it.".to_string(),
                    1 => "The role 1 user has on it goes too.".to_string(),
                    n => format!("The roles {n} users have on it go too."),
                };
                let id = account.id;
                Some(view! {
                    <div class="dialog-body">
                        <FormAlert error />
                        <p>{format!("Delete the account {}? {users}", account.name)}</p>
                        <DialogActions label="Delete account" class="danger" on_cancel=close
                            disabled=Signal::derive(move || delete.pending().get())
                            on_confirm=Callback::new(move |()| { delete.dispatch(DeleteAccount { id }); }) />
                    </div>
                })
            }}
        </Modal>
    }
}
