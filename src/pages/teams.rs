//! `/teams`: the company's teams with their member counts; `/teams/<id>`: one team's members.
//! Everyone with view-users sees them; manage-teams adds the buttons, menus and dialogs.

use crate::{
    api::{
        retry::unless_busy,
        teams::{
            get_team, list_teams, AddTeamMembers, CreateTeam, DeleteTeam, RemoveTeamMembers, RenameTeam,
        },
        users::list_users,
    },
    components::{
        action::on_success,
        field::{Field, FormAlert, RenameFields},
        live::{use_live_updates, LiveIndicator},
        me::use_permission,
        menu::{MenuItem, RowMenu},
        modal::DialogActions,
        modal::Modal,
        notice::{refused_without, ErrorNotice},
        pager::PageLinks,
        search::use_search,
        toast::Toast,
    },
    model::{
        format::urlencode, LiveKind, MembersChanged, Permission, TeamId, TeamMember, TeamName, TeamPage,
        TeamRow, UserId, UserListQuery,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

/// Whether the signed-in person may change teams.
fn may_manage() -> bool {
    use_permission(Permission::ManageTeams)
}

/// What a team row's menu can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TeamAction {
    Rename,
    Delete,
}

/// `/teams`: the list, "New team", and each row's Rename and Delete.
#[component]
pub fn TeamsPage() -> impl IntoView {
    if let Some(refusal) = refused_without(Permission::ViewUsers) {
        return refusal;
    }
    let manage = may_manage();
    let create = ServerAction::<CreateTeam>::new();
    let rename = ServerAction::<RenameTeam>::new();
    let delete = ServerAction::<DeleteTeam>::new();
    // The first list is rendered on the server; later ones (after a change here, or another
    // admin's, told by the live stream) replace the rows in place, so an open row menu, a
    // dialog and the focus stay where they are.
    let teams = Resource::new(|| (), |_| unless_busy(list_teams));
    let latest = RwSignal::new(None::<Vec<TeamRow>>);
    let asked = StoredValue::new(0u64);
    let reload = move || {
        asked.update_value(|n| *n += 1);
        let this = asked.get_value();
        leptos::task::spawn_local(async move {
            // A failed refetch keeps the rows shown; the next change tries again.
            if let Ok(rows) = list_teams().await {
                if asked.try_get_value() == Some(this) {
                    latest.set(Some(rows));
                }
            }
        });
    };
    let live = use_live_updates(&[LiveKind::Teams, LiveKind::Users]);
    Effect::watch(move || live.changes.get(), move |_, _, _| reload(), false);
    let notice = RwSignal::new(None::<String>);
    let creating = RwSignal::new(false);
    let pending = RwSignal::new(None::<(TeamAction, TeamRow)>);
    let act = Callback::new(move |choice: (TeamAction, TeamRow)| {
        rename.value().set(None);
        delete.value().set(None);
        pending.set(Some(choice));
    });
    let new_team = Callback::new(move |()| {
        create.value().set(None);
        creating.set(true);
    });
    on_success(
        move || matches!(create.value().get(), Some(Ok(_))),
        move || {
            creating.set(false);
            notice.set(Some("Team created.".into()));
            reload();
        },
    );
    on_success(
        move || matches!(rename.value().get(), Some(Ok(_))),
        move || {
            pending.set(None);
            notice.set(Some("Team renamed.".into()));
            reload();
        },
    );
    on_success(
        move || matches!(delete.value().get(), Some(Ok(_))),
        move || {
            pending.set(None);
            notice.set(Some("Team deleted. Its members are still users.".into()));
            reload();
        },
    );
    view! {
        <Title text="Teams" />
        <Toast notice />
        <Transition fallback=|| view! { <p class="loading">"Loading teams…"</p> }>
            {move || Suspend::new(async move {
                match teams.await {
                    Ok(first) => view! {
                        <div class="page-head">
                            <h1>"Teams"</h1>
                            <LiveIndicator live />
                            {manage.then(|| view! {
                                <div class="page-actions">
                                    <button type="button" class="primary" on:click=move |_| new_team.run(())>
                                        "New team"
                                    </button>
                                </div>
                            })}
                        </div>
                        <TeamsTable
                            rows=Signal::derive(move || latest.get().unwrap_or_else(|| first.clone()))
                            manage
                            act
                        />
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
        <NewTeamDialog open=creating create />
        <TeamDialogs pending rename delete />
    }
    .into_any()
}

#[component]
fn TeamsTable(
    /// The teams, newest answer; a row stays mounted while its team keeps its name.
    rows: Signal<Vec<TeamRow>>,
    /// Whether rows get an actions menu.
    manage: bool,
    act: Callback<(TeamAction, TeamRow)>,
) -> impl IntoView {
    let empty = move || rows.with(Vec::is_empty);
    view! {
        <div class="table-wrap">
            <table class="data-table">
                <caption class="visually-hidden">"Teams"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Members"</th>
                        {manage.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                    </tr>
                </thead>
                <tbody>
                    <For each=move || rows.get() key=|team| (team.id, team.name.clone()) let:team>
                        {
                            let id = team.id;
                            let members = move || {
                                rows.with(|r| r.iter().find(|t| t.id == id).map_or(0, |t| t.members))
                            };
                            let actions = manage.then(|| {
                                let team = team.clone();
                                view! {
                                    <td class="row-actions">
                                        <RowMenu
                                            id=format!("team-{}", team.id)
                                            label=format!("Actions for {}", team.name)
                                            row=team
                                            items=vec![MenuItem::new(TeamAction::Rename, "Rename"), MenuItem::new(TeamAction::Delete, "Delete")]
                                            act
                                        />
                                    </td>
                                }
                            });
                            view! {
                                <tr>
                                    <th scope="row" data-label="Name">
                                        <A href=format!("/teams/{}", team.id) attr:class="row-link">{team.name}</A>
                                    </th>
                                    <td data-label="Members">{members}</td>
                                    {actions}
                                </tr>
                            }
                        }
                    </For>
                </tbody>
            </table>
            {move || empty().then(|| view! {
                <p class="empty">
                    {if manage { "No teams yet. Create the first with New team." } else { "No teams yet." }}
                </p>
            })}
        </div>
    }
}

/// The "New team" dialog.
#[component]
fn NewTeamDialog(
    /// Whether it is shown.
    open: RwSignal<bool>,
    create: ServerAction<CreateTeam>,
) -> impl IntoView {
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    view! {
        <Modal open title="New team" on_close=Callback::new(move |()| open.set(false))>
            <ActionForm action=create>
                <FormAlert error />
                <Field label="Name" name="name" autocomplete="off" maxlength=TeamName::MAX_LEN as u32 error />
                <div class="modal-actions">
                    <button type="button" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || create.pending().get()>"Create team"</button>
                </div>
            </ActionForm>
        </Modal>
    }
}

/// The Rename and Delete dialogs of the team in `pending`.
#[component]
fn TeamDialogs(
    /// The action asked for and its team; `None` when no dialog is open.
    pending: RwSignal<Option<(TeamAction, TeamRow)>>,
    rename: ServerAction<RenameTeam>,
    delete: ServerAction<DeleteTeam>,
) -> impl IntoView {
    let is =
        move |kind: TeamAction| Signal::derive(move || matches!(pending.get(), Some((k, _)) if k == kind));
    let close = Callback::new(move |()| pending.set(None));
    let target = move || pending.get_untracked().map(|(_, t)| t);
    view! {
        <Modal open=is(TeamAction::Rename) title="Rename team" on_close=close>
            {move || {
                let team = target()?;
                let error = Signal::derive(move || rename.value().get().and_then(Result::err));
                Some(view! {
                    <ActionForm action=rename>
                        <RenameFields id=team.id.0 name=team.name max_len=TeamName::MAX_LEN error
                            pending=rename.pending().into() on_cancel=close />
                    </ActionForm>
                })
            }}
        </Modal>
        <Modal open=is(TeamAction::Delete) title="Delete team" on_close=close>
            {move || {
                let team = target()?;
                let error = Signal::derive(move || delete.value().get().and_then(Result::err));
                let members = match team.members {
                    0 => "It has no members.".to_string(),
                    1 => "Its 1 member stays a user of the company; only the membership goes.".to_string(),
                    n => format!("Its {n} members stay users of the company; only their membership goes."),
                };
                Some(view! {
                    <div class="dialog-body">
                        <FormAlert error />
                        <p>{format!("Delete the team {}? {members}", team.name)}</p>
                        <DialogActions label="Delete team" class="danger" on_cancel=close
                            disabled=Signal::derive(move || delete.pending().get())
                            on_confirm=Callback::new(move |()| { delete.dispatch(DeleteTeam { id: team.id }); }) />
                    </div>
                })
            }}
        </Modal>
    }
}

/// `/teams/<id>`: the team's members by name, 50 a page, with Add members and Remove.
#[component]
pub fn TeamDetailPage() -> impl IntoView {
    if let Some(refusal) = refused_without(Permission::ViewUsers) {
        return refusal;
    }
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let cursor = Memo::new(move |_| {
        let q = query.read();
        (q.get("after"), q.get("before"))
    });
    let add = ServerAction::<AddTeamMembers>::new();
    let remove = ServerAction::<RemoveTeamMembers>::new();
    let page = Resource::new(
        move || {
            (
                id.get(),
                cursor.get(),
                add.version().get(),
                remove.version().get(),
            )
        },
        |(id, (after, before), _, _)| get_team(TeamId(id), after, before),
    );
    // Another admin's change to teams or people refetches the members in place (the Add
    // members dialog keeps its search and ticks).
    let live = use_live_updates(&[LiveKind::Teams, LiveKind::Users]);
    Effect::watch(move || live.changes.get(), move |_, _, _| page.refetch(), false);
    let manage = may_manage();
    let notice = RwSignal::new(None::<String>);
    let adding = RwSignal::new(false);
    let removing = RwSignal::new(String::new());
    let remove_error = Signal::derive(move || remove.value().get().and_then(Result::err));
    on_success(
        move || matches!(add.value().get(), Some(Ok(_))),
        move || {
            adding.set(false);
            if let Some(Ok(changed)) = add.value().get_untracked() {
                notice.set(Some(added_message(changed)));
            }
        },
    );
    on_success(
        move || matches!(remove.value().get(), Some(Ok(_))),
        move || {
            notice.set(Some(format!(
                "Removed {} from the team.",
                removing.get_untracked()
            )))
        },
    );
    let on_add = Callback::new(move |()| {
        add.value().set(None);
        adding.set(true);
    });
    let on_remove = Callback::new(move |member: TeamMember| {
        removing.set(member.name);
        remove.dispatch(RemoveTeamMembers {
            id: TeamId(id.get_untracked()),
            users: vec![member.id],
        });
    });
    view! {
        <Title text="Team" />
        <p class="back"><A href="/teams">"← Teams"</A></p>
        <Toast notice />
        <FormAlert error=remove_error />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => view! { <Team page=p manage on_add on_remove live /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
        <Modal open=adding title="Add members" on_close=Callback::new(move |()| adding.set(false))>
            {move || {
                let team = page.get_untracked().and_then(Result::ok)?.team;
                Some(view! { <AddMembers team add on_cancel=Callback::new(move |()| adding.set(false)) /> })
            }}
        </Modal>
    }
    .into_any()
}

fn added_message(changed: MembersChanged) -> String {
    let added = match changed.changed {
        1 => "Added 1 person to the team.".to_string(),
        n => format!("Added {n} people to the team."),
    };
    match changed.unchanged {
        0 => added,
        1 => format!("{added} 1 was already in it."),
        n => format!("{added} {n} were already in it."),
    }
}

#[component]
fn Team(
    page: TeamPage,
    /// Whether the viewer may add and remove members.
    manage: bool,
    on_add: Callback<()>,
    on_remove: Callback<TeamMember>,
    /// The page's live stream, for its indicator.
    live: crate::components::live::LiveUpdates,
) -> impl IntoView {
    let TeamPage {
        team,
        members,
        prev,
        next,
    } = page;
    let users_href = UserListQuery {
        team: Some(team.id),
        ..Default::default()
    }
    .href();
    let count = match team.members {
        1 => "1 member".to_string(),
        n => format!("{n} members"),
    };
    let empty = members.is_empty();
    let page_href = |key: &str, cursor: String| format!("/teams/{}?{key}={}", team.id, urlencode(&cursor));
    let prev = prev.map(|c| page_href("before", c));
    let next = next.map(|c| page_href("after", c));
    let paged = prev.is_some() || next.is_some();
    view! {
        <Title text=team.name.clone() />
        <div class="page-head">
            <h1>{team.name.clone()}</h1>
            <LiveIndicator live />
            {manage.then(|| view! {
                <div class="page-actions">
                    <button type="button" class="primary" on:click=move |_| on_add.run(())>"Add members"</button>
                </div>
            })}
        </div>
        <p class="team-facts">
            <span>{count}</span>
            <A href=users_href>"See in the users table"</A>
        </p>
        <div class="table-wrap">
            <table class="data-table">
                <caption class="visually-hidden">{format!("Members of {}", team.name)}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Status"</th>
                        {manage.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                    </tr>
                </thead>
                <tbody>
                    {members
                        .into_iter()
                        .map(|m| {
                            let remove = manage.then(|| {
                                let member = m.clone();
                                view! {
                                    <td class="row-actions">
                                        <button type="button" class="secondary small" aria-label=format!("Remove {}", m.name)
                                            on:click=move |_| on_remove.run(member.clone())>
                                            "Remove"
                                        </button>
                                    </td>
                                }
                            });
                            view! {
                                <tr>
                                    <th scope="row" data-label="Name">
                                        <A href=format!("/users/{}", m.id) attr:class="row-link">{m.name.clone()}</A>
                                    </th>
                                    <td data-label="Email">{m.email}</td>
                                    <td data-label="Status">
                                        <span class=format!("status status-{}", m.status.key())>{m.status.label()}</span>
                                    </td>
                                    {remove}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            {empty.then(|| view! {
                <p class="empty">
                    {if manage { "No members yet. Add people with Add members." } else { "No members yet." }}
                </p>
            })}
        </div>
        {paged.then(|| view! {
            <div class="pager">
                <PageLinks prev next />
            </div>
        })}
    }
}

/// How many people the "Add members" search shows at once.
const SEARCH_ROWS: u32 = 25;

/// The body of "Add members": search the company's users by name or email, tick people (the
/// ticks survive new searches), add them all at once.
#[component]
fn AddMembers(
    /// The team people are added to.
    team: TeamRow,
    add: ServerAction<AddTeamMembers>,
    /// Closes the dialog.
    on_cancel: Callback<()>,
) -> impl IntoView {
    let (search, on_input) = use_search();
    let results = Resource::new(
        move || search.get(),
        |search| {
            list_users(UserListQuery {
                search,
                per_page: SEARCH_ROWS,
                ..Default::default()
            })
        },
    );
    let picked = RwSignal::new(Vec::<(UserId, String)>::new());
    let error = Signal::derive(move || add.value().get().and_then(Result::err));
    let team_id = team.id;
    let team_name = StoredValue::new(team.name);
    let summary = move || {
        let names: Vec<String> = picked.get().into_iter().map(|(_, n)| n).collect();
        match names.len() {
            0 => "No one chosen yet.".to_string(),
            1 => format!("1 person chosen: {}.", names[0]),
            n => format!("{n} people chosen: {}.", names.join(", ")),
        }
    };
    view! {
        <div class="dialog-body">
            <FormAlert error />
            <div class="field">
                <label for="member-search">"Search users"</label>
                <input id="member-search" type="search" autocomplete="off" placeholder="Name or email"
                    on:input=on_input />
            </div>
            <Transition fallback=|| view! { <p class="loading">"Searching…"</p> }>
                {move || Suspend::new(async move {
                    match results.await {
                        Ok(found) => {
                            let more = found.next.is_some();
                            let empty = found.users.is_empty();
                            let team = team_name.get_value();
                            view! {
                                {(!empty).then(move || view! {
                                    <div class="pick-list" role="group" aria-label="People">
                                        {found.users.into_iter().map(|u| {
                                            let already = u.teams.contains(&team);
                                            let (id, name) = (u.id, u.name.clone());
                                            view! {
                                                <label class="choice pick">
                                                    <input type="checkbox" disabled=already
                                                        prop:checked=move || already || picked.get().iter().any(|(p, _)| *p == id)
                                                        on:change=move |e| {
                                                            let on = event_target_checked(&e);
                                                            let name = name.clone();
                                                            picked.update(|p| {
                                                                p.retain(|(x, _)| *x != id);
                                                                if on { p.push((id, name)); }
                                                            });
                                                        } />
                                                    <span class="pick-text">
                                                        <span class="pick-name">{u.name}</span>
                                                        <span class="pick-email">{u.email}</span>
                                                        {already.then(|| view! { <span class="pick-note">"Already a member"</span> })}
                                                    </span>
                                                </label>
                                            }
                                        }).collect_view()}
                                    </div>
                                })}
                                {empty.then(|| view! { <p class="muted">"No users match this search."</p> })}
                                {more.then(|| view! {
                                    <p class="hint">{format!("Showing the first {SEARCH_ROWS} matches. Type more of a name or email to narrow them down.")}</p>
                                })}
                            }
                            .into_any()
                        }
                        Err(error) => view! { <p class="field-error">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <p class="summary" aria-live="polite">{summary}</p>
            <DialogActions label="Add to team" class="primary" on_cancel
                disabled=Signal::derive(move || picked.get().is_empty() || add.pending().get())
                on_confirm=Callback::new(move |()| {
                    let users = picked.get_untracked().into_iter().map(|(id, _)| id).collect();
                    add.dispatch(AddTeamMembers { id: team_id, users });
                }) />
        </div>
    }
}
