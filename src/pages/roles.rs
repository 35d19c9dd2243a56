//! `/roles`: the company's roles (built-ins first) with what they grant and how many people
//! hold them; "New role" and each custom role's Edit open the permission matrix, Delete moves
//! the role's holders to another role first. Needs manage-roles.

use crate::{
    api::roles::{list_roles, CreateRole, DeleteRole, UpdateRole},
    components::{
        action::on_success,
        field::FormAlert,
        live::{use_live_updates, LiveIndicator},
        modal::DialogActions,
        modal::Modal,
        notice::{refused_without, ErrorNotice},
        toast::Toast,
    },
    error::AppError,
    model::{grants_summary, BuiltinRole, LiveKind, Permission, RoleId, RoleName, RoleRow, RolesOverview},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// Which role dialog is open.
#[derive(Debug, Clone, PartialEq)]
enum Dialog {
    New,
    Edit(RoleRow),
    Delete(RoleRow),
}

/// "3 users", "1 user".
fn users(n: i64) -> String {
    match n {
        1 => "1 user".to_string(),
        n => format!("{n} users"),
    }
}

/// What a role's deletion moves: "3 users", "2 invitations", "1 user and 1 invitation".
fn holders_phrase(role: &RoleRow) -> Option<String> {
    let invitations = match role.invitations {
        1 => "1 invitation".to_string(),
        n => format!("{n} invitations"),
    };
    match (role.holders, role.invitations) {
        (0, 0) => None,
        (_, 0) => Some(users(role.holders)),
        (0, _) => Some(invitations),
        _ => Some(format!("{} and {invitations}", users(role.holders))),
    }
}

/// `/roles`.
#[component]
pub fn RolesPage() -> impl IntoView {
    if let Some(refusal) = refused_without(Permission::ManageRoles) {
        return refusal;
    }
    let create = ServerAction::<CreateRole>::new();
    let update = ServerAction::<UpdateRole>::new();
    let delete = ServerAction::<DeleteRole>::new();
    let overview = Resource::new(
        move || {
            (
                create.version().get(),
                update.version().get(),
                delete.version().get(),
            )
        },
        |_| list_roles(),
    );
    // Another admin's change to roles (or to who holds them) refetches the table in place; an
    // open dialog keeps what it was opened with.
    let live = use_live_updates(&[LiveKind::Roles, LiveKind::Users]);
    Effect::watch(
        move || live.changes.get(),
        move |_, _, _| overview.refetch(),
        false,
    );
    let notice = RwSignal::new(None::<String>);
    let dialog = RwSignal::new(None::<Dialog>);
    let open = Callback::new(move |d: Dialog| {
        create.value().set(None);
        update.value().set(None);
        delete.value().set(None);
        dialog.set(Some(d));
    });
    let close = Callback::new(move |()| dialog.set(None));
    on_success(
        move || matches!(create.value().get(), Some(Ok(_))),
        move || {
            dialog.set(None);
            notice.set(Some("Role created.".into()));
        },
    );
    on_success(
        move || matches!(update.value().get(), Some(Ok(_))),
        move || {
            dialog.set(None);
            notice.set(Some("Role saved.".into()));
        },
    );
    on_success(
        move || matches!(delete.value().get(), Some(Ok(_))),
        move || {
            dialog.set(None);
            notice.set(Some("Role deleted.".into()));
        },
    );
    let is = move |pick: fn(&Dialog) -> bool| {
        Signal::derive(move || dialog.with(|d| d.as_ref().is_some_and(pick)))
    };
    let loaded = move || overview.get_untracked().and_then(Result::ok);
    view! {
        <Title text="Roles" />
        <Toast notice />
        <Transition fallback=|| view! { <p class="loading">"Loading roles…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => view! {
                        <div class="page-head">
                            <h1>"Roles"</h1>
                            <LiveIndicator live />
                            <div class="page-actions">
                                <button type="button" class="primary" on:click=move |_| open.run(Dialog::New)>
                                    "New role"
                                </button>
                            </div>
                        </div>
                        <p class="muted">
                            "Every company has the built-in roles Owner, Admin and Member. Custom roles grant what you tick in their permission matrix."
                        </p>
                        <RolesTable overview=o open />
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
        <Modal open=is(|d| matches!(d, Dialog::New)) title="New role" on_close=close>
            {move || {
                let o = loaded()?;
                let error = Signal::derive(move || create.value().get().and_then(Result::err));
                Some(view! {
                    <RoleForm overview=o role=None error
                        pending=Signal::derive(move || create.pending().get())
                        submit_label="Create role"
                        on_cancel=close
                        on_save=Callback::new(move |(name, permissions, modules)| {
                            create.dispatch(CreateRole { name, permissions, modules });
                        }) />
                })
            }}
        </Modal>
        <Modal open=is(|d| matches!(d, Dialog::Edit(_))) title="Edit role" on_close=close>
            {move || {
                let o = loaded()?;
                let Some(Dialog::Edit(role)) = dialog.get_untracked() else { return None };
                let id = role.id;
                let error = Signal::derive(move || update.value().get().and_then(Result::err));
                Some(view! {
                    <RoleForm overview=o role=Some(role) error
                        pending=Signal::derive(move || update.pending().get())
                        submit_label="Save role"
                        on_cancel=close
                        on_save=Callback::new(move |(name, permissions, modules)| {
                            update.dispatch(UpdateRole { id, name, permissions, modules });
                        }) />
                })
            }}
        </Modal>
        <Modal open=is(|d| matches!(d, Dialog::Delete(_))) title="Delete role" on_close=close>
            {move || {
                let o = loaded()?;
                let Some(Dialog::Delete(role)) = dialog.get_untracked() else { return None };
                Some(view! { <DeleteRoleBody overview=o role delete on_cancel=close /> })
            }}
        </Modal>
    }
    .into_any()
}

#[component]
fn RolesTable(
    /// The roles and the catalogue.
    overview: RolesOverview,
    /// Opens a dialog for a role.
    open: Callback<Dialog>,
) -> impl IntoView {
    let RolesOverview { roles, modules, .. } = overview;
    view! {
        <div class="table-wrap">
            <table class="data-table roles-table">
                <caption class="visually-hidden">"Roles"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Permissions"</th>
                        <th scope="col">"Users"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {roles
                        .into_iter()
                        .map(|role| {
                            let summary = match role.builtin {
                                Some(BuiltinRole::Owner) => "Everything, and ownership of the company".to_string(),
                                Some(BuiltinRole::Admin) => "Everything but ownership".to_string(),
                                _ => grants_summary(&role.grants, &modules),
                            };
                            let actions = role.is_custom().then(|| {
                                let (edit, remove) = (role.clone(), role.clone());
                                view! {
                                    <button type="button" class="secondary small"
                                        aria-label=format!("Edit {}", role.name)
                                        on:click=move |_| open.run(Dialog::Edit(edit.clone()))>"Edit"</button>
                                    <button type="button" class="secondary small"
                                        aria-label=format!("Delete {}", role.name)
                                        on:click=move |_| open.run(Dialog::Delete(remove.clone()))>"Delete"</button>
                                }
                            });
                            view! {
                                <tr>
                                    <th scope="row" data-label="Name">
                                        <span class="role-name">
                                            {role.name.clone()}
                                            {role.builtin.is_some().then(|| view! { <span class="badge">"Built-in"</span> })}
                                        </span>
                                    </th>
                                    <td data-label="Permissions">{summary}</td>
                                    <td data-label="Users">{users(role.holders)}</td>
                                    <td class="row-actions role-actions">{actions}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The form of "New role" and "Edit role": a name and the permission matrix.
#[component]
fn RoleForm(
    /// The catalogue the matrix is drawn from.
    overview: RolesOverview,
    /// The role being edited; `None` for a new one.
    role: Option<RoleRow>,
    /// The server's last answer, when it was an error.
    error: Signal<Option<AppError>>,
    /// Whether the form is being sent.
    pending: Signal<bool>,
    /// The submit button's text.
    submit_label: &'static str,
    /// Closes the dialog.
    on_cancel: Callback<()>,
    /// Sends the name, permissions and module keys.
    on_save: Callback<(String, Vec<Permission>, Vec<String>)>,
) -> impl IntoView {
    let RolesOverview {
        areas,
        modules,
        grantable,
        ..
    } = overview;
    let grants = role.as_ref().map(|r| r.grants.clone()).unwrap_or_default();
    let name = RwSignal::new(role.map(|r| r.name).unwrap_or_default());
    let permissions = RwSignal::new(grants.permissions);
    let chosen_modules = RwSignal::new(grants.modules);
    let field_error = move |field: &'static str| {
        move || {
            error
                .get()
                .filter(|e| e.field_name() == Some(field))
                .map(|e| e.to_string())
        }
    };
    let name_error = field_error("name");
    let matrix_error = field_error("permissions");
    let limited = Permission::ALL.iter().any(|p| !grantable.has(*p))
        || modules.iter().any(|m| !grantable.modules.contains(&m.key));
    let grantable = StoredValue::new(grantable);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        on_save.run((
            name.get_untracked(),
            permissions.get_untracked(),
            chosen_modules.get_untracked(),
        ));
    };
    view! {
        <form on:submit=on_submit>
            <FormAlert error />
            <div class="field">
                <label for="role-name">"Name"</label>
                <input id="role-name" name="name" type="text" autocomplete="off" required
                    maxlength=RoleName::MAX_LEN as u32
                    prop:value=move || name.get()
                    on:input=move |e| name.set(event_target_value(&e))
                    aria-invalid=move || name_error().map(|_| "true")
                    aria-describedby=move || name_error().map(|_| "role-name-error") />
                <p class="field-error" id="role-name-error">{name_error}</p>
            </div>
            <p class="hint matrix-intro">
                "A role given on an account applies there and on every sub-account below it (unless another role is given further down): that is what “your accounts” means below."
            </p>
            {limited.then(|| view! { <p class="hint">"You can only give permissions and modules you have yourself."</p> })}
            <div class="matrix">
                {areas
                    .into_iter()
                    .map(|area| view! {
                        <fieldset class="plain matrix-group">
                            <legend>{area.name}</legend>
                            {area
                                .permissions
                                .into_iter()
                                .map(|(p, label)| {
                                    let checked = Signal::derive(move || permissions.with(|list| list.contains(&p)));
                                    let on_toggle = Callback::new(move |on: bool| {
                                        permissions.update(|list| {
                                            list.retain(|x| *x != p);
                                            if on { list.push(p); }
                                        });
                                    });
                                    view! {
                                        <MatrixItem key=p.key().to_string() label=label.to_string()
                                            description=p.description().to_string()
                                            held=grantable.with_value(|g| g.has(p)) checked on_toggle />
                                    }
                                })
                                .collect_view()}
                        </fieldset>
                    })
                    .collect_view()}
                <fieldset class="plain matrix-group">
                    <legend>"Product modules"</legend>
                    {modules
                        .into_iter()
                        .map(|m| {
                            let key = m.key.clone();
                            let held = grantable.with_value(|g| g.modules.contains(&key));
                            let checked = {
                                let key = key.clone();
                                Signal::derive(move || chosen_modules.with(|list| list.contains(&key)))
                            };
                            let on_toggle = {
                                let key = key.clone();
                                Callback::new(move |on: bool| {
                                    chosen_modules.update(|list| {
                                        list.retain(|x| *x != key);
                                        if on { list.push(key.clone()); }
                                    });
                                })
                            };
                            view! {
                                <MatrixItem key description=m.description() label=m.name held checked on_toggle />
                            }
                        })
                        .collect_view()}
                </fieldset>
            </div>
            <p class="field-error" role="alert">{matrix_error}</p>
            <div class="modal-actions">
                <button type="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                <button type="submit" class="primary" disabled=move || pending.get()>{submit_label}</button>
            </div>
        </form>
    }
}

/// The body of "Delete role": where its holders go, then Delete role.
#[component]
fn DeleteRoleBody(
    /// The roles the holders may move to come from here.
    overview: RolesOverview,
    /// The role to delete.
    role: RoleRow,
    delete: ServerAction<DeleteRole>,
    /// Closes the dialog.
    on_cancel: Callback<()>,
) -> impl IntoView {
    let error = Signal::derive(move || delete.value().get().and_then(Result::err));
    let move_error = move || {
        error
            .get()
            .filter(|e| e.field_name() == Some("move_to"))
            .map(|e| e.to_string())
    };
    let phrase = holders_phrase(&role);
    let needs_target = phrase.is_some();
    let move_to = RwSignal::new(None::<RoleId>);
    let id = role.id;
    let targets: Vec<RoleRow> = overview
        .roles
        .into_iter()
        .filter(|r| r.id != id && r.builtin != Some(BuiltinRole::Owner))
        .collect();
    let question = format!("Delete the role {}?", role.name);
    view! {
        <div class="dialog-body">
            <FormAlert error />
            <p>{question}</p>
            {match phrase {
                Some(phrase) => view! {
                    <div class="field">
                        <label for="move-to">{format!("Move its {phrase} to")}</label>
                        <select id="move-to" class="full" required
                            aria-invalid=move || move_error().map(|_| "true")
                            aria-describedby=move || move_error().map(|_| "move-to-error")
                            on:change=move |e| {
                                move_to.set(event_target_value(&e).parse::<i64>().ok().map(RoleId));
                            }>
                            <option value="" selected>"Choose a role"</option>
                            {targets
                                .into_iter()
                                .map(|r| view! { <option value=r.id.to_string()>{r.name}</option> })
                                .collect_view()}
                        </select>
                        <p class="field-error" id="move-to-error">{move_error}</p>
                    </div>
                }
                .into_any(),
                None => view! { <p class="muted">"Nobody holds it."</p> }.into_any(),
            }}
            <DialogActions label="Delete role" class="danger" on_cancel
                disabled=Signal::derive(move || delete.pending().get() || (needs_target && move_to.get().is_none()))
                on_confirm=Callback::new(move |()| {
                    delete.dispatch(DeleteRole { id, move_to: move_to.get_untracked() });
                }) />
        </div>
    }
}

/// One box of the permission matrix with the line under it that says exactly what it allows
/// (its accessible description).
#[component]
fn MatrixItem(
    /// The permission's or module's key ("users.manage", "module.orders"): names the line.
    key: String,
    /// The box's label.
    label: String,
    /// What it allows, in one line.
    description: String,
    /// Whether the editing admin holds it (only what one holds can be given).
    held: bool,
    /// Whether it is ticked.
    checked: Signal<bool>,
    /// Called with the new state when the box is ticked or cleared.
    on_toggle: Callback<bool>,
) -> impl IntoView {
    let hint = format!("perm-{}", key.replace('.', "-"));
    view! {
        <div class="matrix-item">
            <label class="choice">
                <input type="checkbox" prop:checked=checked
                    aria-describedby=hint.clone()
                    disabled=move || !held && !checked.get()
                    on:change=move |e| on_toggle.run(event_target_checked(&e)) />
                {label}
            </label>
            <p class="hint" id=hint>{description}</p>
        </div>
    }
}
