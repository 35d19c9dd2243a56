use super::{
    add_user::AddUser,
    bulk::{ActionBar, BulkDialog, BulkDialogs, BulkRequest, UndoToast},
    invitation_actions::{InvitationAction, InvitationActions, InvitationBar, InvitationDialogs},
    invite_users::InviteUsers,
    selection::{PageCheckbox, Pick, Picker, RowCheckbox, SelectAllBanner},
    user_actions::{RowAction, RowActions, RowDialogs},
};
use crate::{
    api::users::{list_users, user_filter_choices},
    app::MeResource,
    components::{notice::ErrorNotice, time::RelativeTime, toast::Toast},
    model::{
        BulkOutcome, Choice, InvitationRow, InvitationStatus, Permission, Selection, UserListQuery, UserPage,
        UserRow, UserSort, UserTab, PAGE_SIZES,
    },
};
use leptos::{ev, prelude::*};
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};
use std::time::Duration;

/// `/users`: the company's users with tabs, search, filters, sorting and keyset pages. The
/// whole view lives in the URL.
#[component]
pub fn UsersPage() -> impl IntoView {
    let params = use_query_map();
    let view = Memo::new(move |_| {
        let params = params.read();
        UserListQuery::from_params(|name| params.get(name))
    });
    let page = Resource::new(move || view.get(), list_users);
    // --- Live updates (components::live): another admin's change refetches rows and tab counts.
    use crate::components::live::{use_live_updates, LiveIndicator};
    let live = use_live_updates(&crate::model::LiveKind::ALL);
    Effect::watch(move || live.changes.get(), move |_, _, _| page.refetch(), false);
    // --- end of live updates
    let navigate = use_navigate();
    // Filters and sorting add history entries (Back undoes them); typing a search replaces.
    let go = Callback::new(move |(next, replace): (UserListQuery, bool)| {
        navigate(
            &next.href(),
            NavigateOptions {
                replace,
                scroll: false,
                ..Default::default()
            },
        );
    });

    let choices = Resource::new(|| (), |_| user_filter_choices());
    let me = expect_context::<MeResource>().0;
    let notice = RwSignal::new(None::<String>);
    let on_added = Callback::new(move |()| page.refetch());
    let pending = RwSignal::new(None::<(RowAction, UserRow)>);
    let picker = Picker::default();
    let invite_picker = Picker::default();
    let bulk = RwSignal::new(None::<BulkRequest>);
    let last_change = RwSignal::new(None::<BulkOutcome>);
    // A new filter starts a new selection; paging keeps it.
    let filter = Memo::new(move |_| {
        let v = view.get();
        (v.tab, v.search, v.role, v.team, v.account)
    });
    Effect::watch(
        move || filter.get(),
        move |_, _, _| {
            picker.clear();
            invite_picker.clear();
        },
        false,
    );
    let open_bulk = Callback::new(move |dialog: BulkDialog| {
        bulk.set(Some(BulkRequest {
            dialog,
            selection: picker.selection(&view.get_untracked()),
            one: picker.one(),
            teams: Vec::new(),
        }))
    });
    let on_bulk_done = Callback::new(move |outcome: BulkOutcome| {
        picker.clear();
        last_change.set(Some(outcome));
        page.refetch();
    });
    // A row's Change role and Change team open the bulk dialogs for that one person.
    let act = Callback::new(move |(action, user): (RowAction, UserRow)| {
        let dialog = match action {
            RowAction::ChangeRole => BulkDialog::Role,
            RowAction::ChangeTeam => BulkDialog::Team,
            _ => return pending.set(Some((action, user))),
        };
        bulk.set(Some(BulkRequest {
            dialog,
            selection: Selection::of(vec![user.id]),
            one: Some(user.name),
            teams: user.teams,
        }));
    });
    let pending_invitation = RwSignal::new(None::<(InvitationAction, Vec<Pick>)>);
    let act_invitation = Callback::new(move |(action, row): (InvitationAction, InvitationRow)| {
        pending_invitation.set(Some((action, vec![(row.id, row.email)])))
    });
    let on_invitations_done = Callback::new(move |()| {
        invite_picker.clear();
        page.refetch();
    });
    let may = move |permission: Permission| {
        Signal::derive(move || {
            me.get()
                .and_then(Result::ok)
                .flatten()
                .is_some_and(|m| m.can(permission))
        })
    };
    let (can_manage, can_invite) = (may(Permission::ManageUsers), may(Permission::ManageInvitations));
    view! {
        <Title text="Users" />
        <div class="page-head">
            <h1>"Users"</h1>
            <LiveIndicator live />
            <div class="page-actions">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let me = me.await.ok().flatten()?;
                    let choices = choices.await.ok()?;
                    Some(view! {
                        {me.can(Permission::ManageInvitations).then(|| view! {
                            <InviteUsers choices=choices.clone() on_invited=on_added notice />
                            <InvitationDialogs pending=pending_invitation notice on_done=on_invitations_done />
                        })}
                        {me.can(Permission::ManageUsers).then(|| view! {
                            <AddUser choices=choices.clone() on_added notice />
                            <RowDialogs pending notice on_done=on_added />
                            <BulkDialogs request=bulk choices on_done=on_bulk_done />
                            <UndoToast last=last_change notice on_undone=on_added />
                        })}
                    })
                })}
            </Suspense>
            </div>
        </div>
        <Toast notice />
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                page.await.ok().map(|p| view! { <Tabs view=view.get_untracked() page=p /> })
            })}
        </Transition>
        <Toolbar view go choices />
        <Show when=move || { can_manage.get() && !matches!(view.get().tab, UserTab::Invited | UserTab::AwaitingApproval) && picker.count() > 0 }>
            <ActionBar count=Signal::derive(move || picker.count()) open=open_bulk clear=Callback::new(move |()| picker.clear()) />
        </Show>
        // The Awaiting approval tab's own bar (pages::approvals).
        <Show when=move || { can_manage.get() && view.get().tab == UserTab::AwaitingApproval && picker.count() > 0 }>
            <super::approvals::ApprovalBar
                count=Signal::derive(move || picker.count())
                selection=Callback::new(move |()| picker.selection(&view.get_untracked()))
                choices
                notice
                on_done=Callback::new(move |()| { picker.clear(); page.refetch(); })
                clear=Callback::new(move |()| picker.clear())
            />
        </Show>
        <Show when=move || { can_invite.get() && view.get().tab == UserTab::Invited && invite_picker.count() > 0 }>
            <InvitationBar
                count=Signal::derive(move || invite_picker.count())
                open=Callback::new(move |action| pending_invitation.set(Some((action, invite_picker.picks()))))
                clear=Callback::new(move |()| invite_picker.clear())
            />
        </Show>
        <Transition fallback=|| view! { <p class="loading">"Loading users…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => {
                        let picker = can_manage.get_untracked().then_some(picker);
                        let invite_picker = can_invite.get_untracked().then_some(invite_picker);
                        view! { <Results view=view.get_untracked() page=p go picker act invite_picker act_invitation /> }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Tabs(view: UserListQuery, page: UserPage) -> impl IntoView {
    view! {
        <div class="tabs" role="tablist" aria-label="Users by status">
            {UserTab::ALL
                .into_iter()
                .map(|tab| {
                    let href = UserListQuery { tab, ..view.first_page() }.href();
                    let selected = tab == view.tab;
                    let count = page.counts.of(tab);
                    view! {
                        <A href=href attr:role="tab" attr:aria-selected=selected.to_string() attr:class="tab">
                            {tab.label()}
                            <span class="count">{count}</span>
                        </A>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// Search and filters. Outside the results' transition, so typing never loses focus.
#[component]
fn Toolbar(
    view: Memo<UserListQuery>,
    go: Callback<(UserListQuery, bool)>,
    choices: Resource<Result<crate::model::FilterChoices, crate::error::AppError>>,
) -> impl IntoView {
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let on_search = move |e: ev::Event| {
        let text = event_target_value(&e);
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                let current = view.get_untracked();
                if current.search != text {
                    go.run((
                        UserListQuery {
                            search: text.clone(),
                            ..current.first_page()
                        },
                        true,
                    ));
                }
            },
            Duration::from_millis(250),
        );
        pending.set_value(handle.ok());
    };
    view! {
        <div class="toolbar">
            <input
                type="search"
                class="search"
                aria-label="Search users"
                placeholder="Search by name or email"
                value=view.get_untracked().search
                prop:value=move || view.get().search
                on:input=on_search
            />
            // Invitations are listed newest first.
            <Show when=move || view.get().tab != UserTab::Invited>
                <SortSelect view go />
            </Show>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    choices.await.ok().map(|c| {
                        view! {
                            <FilterSelect label="Role" all="All roles" choices=c.roles
                                selected=Signal::derive(move || view.get().role.map(|r| r.0))
                                on_pick=move |id| go.run((UserListQuery { role: id.map(crate::model::RoleId), ..view.get_untracked().first_page() }, false))
                            />
                            <FilterSelect label="Team" all="All teams" choices=c.teams
                                selected=Signal::derive(move || view.get().team.map(|t| t.0))
                                on_pick=move |id| go.run((UserListQuery { team: id.map(crate::model::TeamId), ..view.get_untracked().first_page() }, false))
                            />
                            <FilterSelect label="Account" all="All accounts" choices=c.accounts
                                selected=Signal::derive(move || view.get().account.map(|a| a.0))
                                on_pick=move |id| go.run((UserListQuery { account: id.map(crate::model::AccountId), ..view.get_untracked().first_page() }, false))
                            />
                        }
                    })
                })}
            </Suspense>
        </div>
    }
}

/// Sorting for narrow screens, where the rows are cards and the column headers are hidden.
#[component]
fn SortSelect(view: Memo<UserListQuery>, go: Callback<(UserListQuery, bool)>) -> impl IntoView {
    const CHOICES: [(UserSort, bool, &str); 10] = [
        (UserSort::Name, false, "Name, A to Z"),
        (UserSort::Name, true, "Name, Z to A"),
        (UserSort::Email, false, "Email, A to Z"),
        (UserSort::Email, true, "Email, Z to A"),
        (UserSort::Status, false, "Status"),
        (UserSort::Status, true, "Status, reversed"),
        (UserSort::LastSeen, true, "Last seen, newest first"),
        (UserSort::LastSeen, false, "Last seen, oldest first"),
        (UserSort::Created, true, "Created, newest first"),
        (UserSort::Created, false, "Created, oldest first"),
    ];
    let value_of =
        |sort: UserSort, desc: bool| format!("{}:{}", sort.key(), if desc { "desc" } else { "asc" });
    view! {
        <select
            aria-label="Sort by"
            class="filter narrow-only"
            prop:value=move || { let v = view.get(); value_of(v.sort, v.desc) }
            on:change=move |e| {
                let value = event_target_value(&e);
                if let Some((sort, dir)) = value.split_once(':') {
                    if let Some(sort) = UserSort::from_key(sort) {
                        go.run((UserListQuery { sort, desc: dir == "desc", ..view.get_untracked().first_page() }, false));
                    }
                }
            }
        >
            {CHOICES
                .into_iter()
                .map(|(sort, desc, label)| {
                    let value = value_of(sort, desc);
                    view! {
                        <option value=value selected=move || { let v = view.get(); v.sort == sort && v.desc == desc }>
                            {label}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}

/// A labelled filter list with an "all" choice.
#[component]
fn FilterSelect(
    /// The accessible name, e.g. "Role".
    label: &'static str,
    /// The first choice, meaning "no filter".
    all: &'static str,
    /// The company's roles, teams or accounts.
    choices: Vec<Choice>,
    /// The chosen id.
    selected: Signal<Option<i64>>,
    /// Called with the new choice.
    on_pick: impl Fn(Option<i64>) + 'static,
) -> impl IntoView {
    view! {
        <select
            aria-label=label
            class="filter"
            on:change=move |e| on_pick(event_target_value(&e).parse().ok())
            prop:value=move || selected.get().map(|id| id.to_string()).unwrap_or_default()
        >
            <option value="" selected=move || selected.get().is_none()>{all}</option>
            {choices
                .into_iter()
                .map(|c| {
                    let id = c.id;
                    view! {
                        <option value=id.to_string() selected=move || selected.get() == Some(id)>
                            {c.name}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}

#[component]
fn Results(
    view: UserListQuery,
    page: UserPage,
    go: Callback<(UserListQuery, bool)>,
    /// The selection, when the viewer may change users (rows get checkboxes and a menu).
    picker: Option<Picker>,
    act: Callback<(RowAction, UserRow)>,
    /// The selection of invitations, when the viewer may manage them.
    invite_picker: Option<Picker>,
    act_invitation: Callback<(InvitationAction, InvitationRow)>,
) -> impl IntoView {
    let now = page.now;
    let filtered =
        !view.search.is_empty() || view.role.is_some() || view.team.is_some() || view.account.is_some();
    let empty = page.users.is_empty() && page.invitations.is_empty();
    let clear_href = UserListQuery {
        tab: view.tab,
        sort: view.sort,
        desc: view.desc,
        per_page: view.per_page,
        ..Default::default()
    }
    .href();
    let table = if view.tab == UserTab::Invited {
        let picks = StoredValue::new(
            page.invitations
                .iter()
                .map(|i| (i.id, i.email.clone()))
                .collect::<Vec<_>>(),
        );
        view! { <InvitationsTable rows=page.invitations picks now picker=invite_picker act=act_invitation /> }
            .into_any()
    } else {
        let more = page.next.is_some() || page.prev.is_some();
        let picks = StoredValue::new(
            page.users
                .iter()
                .map(|u| (u.id.0, u.name.clone()))
                .collect::<Vec<_>>(),
        );
        view! {
            {picker.map(|picker| view! { <SelectAllBanner picker rows=picks view=view.clone() more /> })}
            <UsersTable view=view.clone() rows=page.users picks now picker act />
        }
        .into_any()
    };
    let prev = page.prev.map(|c| {
        UserListQuery {
            after: None,
            before: Some(c),
            ..view.clone()
        }
        .href()
    });
    let next = page.next.map(|c| {
        UserListQuery {
            after: Some(c),
            before: None,
            ..view.clone()
        }
        .href()
    });
    let per_page_view = view.clone();
    view! {
        <div class="table-wrap">
            {table}
            {empty.then(|| view! {
                <p class="empty">
                    {if filtered { "No users match this search and these filters. " } else { "No one here yet. " }}
                    {filtered.then(|| view! { <A href=clear_href.clone()>"Clear search and filters"</A> })}
                </p>
            })}
        </div>
        <div class="pager">
            <label class="per-page">
                "Rows per page"
                <select on:change=move |e| {
                    if let Ok(per_page) = event_target_value(&e).parse() {
                        go.run((UserListQuery { per_page, ..per_page_view.first_page() }, false));
                    }
                }>
                    {PAGE_SIZES
                        .into_iter()
                        .map(|n| view! { <option value=n.to_string() selected=n == view.per_page>{n}</option> })
                        .collect_view()}
                </select>
            </label>
            <nav class="pages" aria-label="Pages">
                {match prev {
                    Some(href) => view! { <A href=href attr:rel="prev">"Previous"</A> }.into_any(),
                    None => view! { <span class="disabled" aria-disabled="true">"Previous"</span> }.into_any(),
                }}
                {match next {
                    Some(href) => view! { <A href=href attr:rel="next">"Next"</A> }.into_any(),
                    None => view! { <span class="disabled" aria-disabled="true">"Next"</span> }.into_any(),
                }}
            </nav>
        </div>
    }
}

/// A column header that sorts by its column; a second click reverses the order.
#[component]
fn SortHeader(view: UserListQuery, sort: UserSort, label: &'static str) -> impl IntoView {
    let active = view.sort == sort;
    // Times read best newest first; text A to Z.
    let first_desc = matches!(sort, UserSort::LastSeen | UserSort::Created);
    let desc = if active { !view.desc } else { first_desc };
    let href = UserListQuery {
        sort,
        desc,
        ..view.first_page()
    }
    .href();
    let aria_sort = match (active, view.desc) {
        (false, _) => "none",
        (true, false) => "ascending",
        (true, true) => "descending",
    };
    let arrow = match (active, view.desc) {
        (false, _) => "",
        (true, false) => " ↑",
        (true, true) => " ↓",
    };
    view! {
        <th scope="col" role="columnheader" aria-sort=aria_sort>
            <A href=href attr:class="sort">
                {label}
                <span aria-hidden="true">{arrow}</span>
            </A>
        </th>
    }
}

#[component]
fn UsersTable(
    view: UserListQuery,
    rows: Vec<UserRow>,
    /// The rows as the selection sees them.
    picks: StoredValue<Vec<Pick>>,
    now: i64,
    /// The selection, when the viewer may change users.
    picker: Option<Picker>,
    act: Callback<(RowAction, UserRow)>,
) -> impl IntoView {
    view! {
        <table class="data-table" role="table">
            <caption class="visually-hidden">"Users"</caption>
            <thead role="rowgroup">
                <tr role="row">
                    {picker.map(|picker| view! {
                        <th scope="col" role="columnheader" class="check-cell"><PageCheckbox picker rows=picks /></th>
                    })}
                    <SortHeader view=view.clone() sort=UserSort::Name label="Name" />
                    <SortHeader view=view.clone() sort=UserSort::Email label="Email" />
                    <th scope="col" role="columnheader">"Role"</th>
                    <th scope="col" role="columnheader">"Team"</th>
                    <SortHeader view=view.clone() sort=UserSort::Status label="Status" />
                    <SortHeader view=view.clone() sort=UserSort::LastSeen label="Last seen" />
                    <SortHeader view=view sort=UserSort::Created label="Created" />
                    {picker.map(|_| view! {
                        <th scope="col" role="columnheader"><span class="visually-hidden">"Actions"</span></th>
                    })}
                </tr>
            </thead>
            <tbody role="rowgroup">
                {rows
                    .into_iter()
                    .enumerate()
                    .map(|(index, user)| view! { <UserTableRow user index picks now picker act /> })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn UserTableRow(
    user: UserRow,
    /// The row's place on the page, for shift-click ranges.
    index: usize,
    picks: StoredValue<Vec<Pick>>,
    now: i64,
    picker: Option<Picker>,
    act: Callback<(RowAction, UserRow)>,
) -> impl IntoView {
    let check = picker.map(|picker| {
        view! { <td role="cell" class="check-cell"><RowCheckbox picker rows=picks index /></td> }
    });
    let actions = picker.map(|_| {
        let user = user.clone();
        view! { <td role="cell" class="row-actions"><RowActions user act /></td> }
    });
    let teams = if user.teams.is_empty() {
        "—".to_string()
    } else {
        user.teams.join(", ")
    };
    view! {
        <tr role="row">
            {check}
            <th scope="row" role="rowheader" data-label="Name">
                <A href=format!("/users/{}", user.id) attr:class="row-link">{user.name}</A>
            </th>
            <td role="cell" data-label="Email">{user.email}</td>
            <td role="cell" data-label="Role">{user.role}</td>
            <td role="cell" data-label="Team">{teams}</td>
            <td role="cell" data-label="Status">
                <span class=format!("status status-{}", user.status.key())>{user.status.label()}</span>
            </td>
            <td role="cell" data-label="Last seen">
                <RelativeTime now at=user.last_seen_at />
            </td>
            <td role="cell" data-label="Created">
                <RelativeTime now at=Some(user.created_at) />
            </td>
            {actions}
        </tr>
    }
}

#[component]
fn InvitationsTable(
    rows: Vec<InvitationRow>,
    /// The rows as the selection sees them (id, email).
    picks: StoredValue<Vec<Pick>>,
    now: i64,
    /// The selection, when the viewer may manage invitations (rows get checkboxes and a menu).
    picker: Option<Picker>,
    act: Callback<(InvitationAction, InvitationRow)>,
) -> impl IntoView {
    view! {
        <table class="data-table" role="table">
            <caption class="visually-hidden">"Invitations"</caption>
            <thead role="rowgroup">
                <tr role="row">
                    {picker.map(|picker| view! {
                        <th scope="col" role="columnheader" class="check-cell"><PageCheckbox picker rows=picks /></th>
                    })}
                    <th scope="col" role="columnheader">"Email"</th>
                    <th scope="col" role="columnheader">"Role"</th>
                    <th scope="col" role="columnheader">"Team"</th>
                    <th scope="col" role="columnheader">"Invited by"</th>
                    <th scope="col" role="columnheader">"Sent"</th>
                    <th scope="col" role="columnheader">"Expires"</th>
                    <th scope="col" role="columnheader">"Status"</th>
                    {picker.map(|_| view! {
                        <th scope="col" role="columnheader"><span class="visually-hidden">"Actions"</span></th>
                    })}
                </tr>
            </thead>
            <tbody role="rowgroup">
                {rows
                    .into_iter()
                    .enumerate()
                    .map(|(index, i)| {
                        let check = picker.map(|picker| view! {
                            <td role="cell" class="check-cell"><RowCheckbox picker rows=picks index /></td>
                        });
                        let actions = picker.map(|_| {
                            let invitation = i.clone();
                            view! { <td role="cell" class="row-actions"><InvitationActions invitation act /></td> }
                        });
                        let teams = if i.teams.is_empty() { "—".to_string() } else { i.teams.join(", ") };
                        // An accepted invitation no longer expires.
                        let expires = if i.status == InvitationStatus::Accepted {
                            view! { <span class="muted">"—"</span> }.into_any()
                        } else {
                            view! { <RelativeTime now at=Some(i.expires_at) /> }.into_any()
                        };
                        view! {
                            <tr role="row">
                                {check}
                                <th scope="row" role="rowheader" data-label="Email">{i.email}</th>
                                <td role="cell" data-label="Role">{i.role}</td>
                                <td role="cell" data-label="Team">{teams}</td>
                                <td role="cell" data-label="Invited by">{i.invited_by}</td>
                                <td role="cell" data-label="Sent"><RelativeTime now at=Some(i.sent_at) /></td>
                                <td role="cell" data-label="Expires">{expires}</td>
                                <td role="cell" data-label="Status">
                                    <span class=format!("status status-{}", i.status.key())>{i.status.label()}</span>
                                </td>
                                {actions}
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
