use super::{
    add_user::AddUser,
    bulk::{ActionBar, BulkDialog, BulkDialogs, BulkRequest, UndoToast},
    invitation_actions::{InvitationAction, InvitationActions, InvitationBar, InvitationDialogs},
    invite_users::InviteUsers,
    recent_changes::RecentChanges,
    selection::{PageCheckbox, Pick, Picker, RowCheckbox, SelectionSummary},
    user_actions::{RowAction, RowActions, RowDialogs},
};
use crate::{
    api::{
        retry::unless_busy,
        users::{list_users, user_filter_choices},
    },
    components::{
        me::use_permission,
        notice::{refused_without, ErrorNotice},
        pager::PageLinks,
        search::use_url_search,
        time::RelativeTime,
        toast::Toast,
    },
    model::{
        BulkOutcome, Choice, InvitationRow, Permission, Selection, UserListQuery, UserPage, UserRow,
        UserSort, UserStatus, UserTab, PAGE_SIZES,
    },
};
use leptos::{prelude::*, reactive::computed::ScopedFuture};
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};

/// `/users`: the company's users with tabs, search, filters, sorting and keyset pages. The
/// whole view lives in the URL.
#[component]
pub fn UsersPage() -> impl IntoView {
    if let Some(refusal) = refused_without(Permission::ViewUsers) {
        return refusal;
    }
    let params = use_query_map();
    let view = Memo::new(move |_| {
        let params = params.read();
        UserListQuery::from_params(|name| params.get(name))
    });
    // Each answer carries the view it answers, so the page can tell when what it shows is
    // not (yet) the view in the URL.
    let page = Resource::new(
        move || view.get(),
        |asked| async move {
            let answer = unless_busy(|| list_users(asked.clone())).await;
            (asked, answer)
        },
    );
    // Everything that reads the answers lives inside this Transition: a read while a new view
    // loads then waits here, with the table on screen, instead of in the app's Suspense.
    //
    // The view is built once the first answer is in, awaited on the resource itself. Its memos
    // over `page` could otherwise miss that answer on the server: when it lands on another
    // thread while a memo is being computed, reactive_graph marks the memo clean afterwards,
    // and Suspense renders the stale, empty table the browser cannot hydrate. Untracked, so
    // later answers update the view in place instead of building it again.
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading users…"</p> }>
            {move || Suspend::new(async move {
                let _ = ScopedFuture::new_untracked(page.by_ref()).await;
                view! { <UsersView view page /> }
            })}
        </Transition>
    }
    .into_any()
}

/// The page's answers: each with the view it answers.
type PageResource = Resource<(UserListQuery, Result<UserPage, crate::error::AppError>)>;

#[component]
fn UsersView(view: Memo<UserListQuery>, page: PageResource) -> impl IntoView {
    // Newer rows for the view on screen, fetched in the background after a change (live or
    // one's own), so the table updates row by row: what is not changed keeps its checkbox,
    // open menu and focus.
    let fresh = RwSignal::new(None::<Shown>);
    let asked = StoredValue::new(0_u64);
    let refresh = Callback::new(move |()| {
        let Some((on_screen, _)) = page.get_untracked() else {
            return;
        };
        let n = asked.get_value() + 1;
        asked.set_value(n);
        leptos::task::spawn_local(async move {
            if let Ok(rows) = list_users(on_screen.clone()).await {
                // Only the latest answer counts, and only while its view is still on screen.
                if asked.try_get_value() == Some(n)
                    && page
                        .try_get_untracked()
                        .flatten()
                        .is_some_and(|(v, _)| v == on_screen)
                {
                    fresh.set(Some((on_screen, rows)));
                }
            }
        });
    });
    // What the table shows: the answer for some view (the URL's, or the one before while the
    // URL's loads), as freshly as known.
    let shown = Memo::new(move |_| {
        let (answered, result) = page.get()?;
        match fresh.get() {
            Some((v, rows)) if v == answered => Some((v, rows)),
            _ => result.ok().map(|rows| (answered, rows)),
        }
    });
    // The latest answer's error, if it is one.
    let error = Memo::new(move |_| page.get().and_then(|(_, result)| result.err()));
    // A search typed but not yet applied (its 250 ms wait).
    let typing = RwSignal::new(false);
    // The rows on screen are not the view asked for: they can't be chosen or acted on.
    let busy = Signal::derive(move || {
        typing.get() || shown.with(|s| s.as_ref().map(|(v, _)| v) != Some(&view.get()))
    });
    // --- Live updates (components::live): another admin's change refreshes rows and tab counts.
    use crate::components::live::{use_live_updates, LiveIndicator};
    // Every kind but the audit log's: a change worth a refetch announces its own kind too.
    let live = {
        use crate::model::LiveKind::*;
        use_live_updates(&[Users, Invitations, Teams, Roles, Accounts, Settings])
    };
    Effect::watch(move || live.changes.get(), move |_, _, _| refresh.run(()), false);
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
    let notice = RwSignal::new(None::<String>);
    let on_added = refresh;
    let pending = RwSignal::new(None::<(RowAction, UserRow)>);
    let picker = Picker::default();
    let invite_picker = Picker::default();
    let bulk = RwSignal::new(None::<BulkRequest>);
    let last_change = RwSignal::new(None::<BulkOutcome>);
    // A new filter starts a new selection, and says so; paging, sorting and live updates keep it.
    let filter = Memo::new(move |_| {
        let v = view.get();
        (v.tab, v.search, v.role, v.team, v.account)
    });
    Effect::watch(
        move || filter.get(),
        move |_, _, _| {
            if picker.count() + invite_picker.count() > 0 {
                notice.set(Some("Selection cleared: the filter changed.".into()));
            }
            picker.clear();
            invite_picker.clear();
        },
        false,
    );
    // The rows on screen as the selections see them, and how many rows the view holds.
    let users = rows_of(shown, |p| &p.users);
    let invitations = rows_of(shown, |p| &p.invitations);
    let user_picks = Signal::derive(move || {
        users.with(|rows| rows.iter().map(|u| (u.id.0, u.name.clone())).collect::<Vec<_>>())
    });
    let invitation_picks = Signal::derive(move || {
        invitations.with(|rows| rows.iter().map(|i| (i.id, i.email.clone())).collect::<Vec<_>>())
    });
    let matching = Signal::derive(move || shown.with(|s| s.as_ref().map_or(0, |(_, p)| p.matching)));
    // "All N matching" follows the view's count as users come and go (live updates).
    Effect::watch(
        move || matching.get(),
        move |n, _, _| {
            if picker.all_matching.get_untracked().is_some() {
                picker.all_matching.set(Some(*n));
            }
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
        refresh.run(());
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
        refresh.run(());
    });
    let (can_manage, can_invite) = (
        use_permission(Permission::ManageUsers),
        use_permission(Permission::ManageInvitations),
    );
    view! {
        <Title text="Users" />
        <div class="page-head">
            <h1>"Users"</h1>
            <LiveIndicator live />
            <div class="page-actions">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let choices = choices.await.ok()?;
                    Some(view! {
                        {can_invite.then(|| view! {
                            <InviteUsers choices=choices.clone() on_invited=on_added notice />
                            <InvitationDialogs pending=pending_invitation notice on_done=on_invitations_done />
                        })}
                        {can_manage.then(|| view! {
                            <AddUser choices=choices.clone() on_added notice />
                            <RowDialogs pending notice on_done=Callback::new(move |_| on_added.run(())) />
                            <BulkDialogs request=bulk choices on_done=on_bulk_done />
                            <UndoToast last=last_change notice on_undone=on_added />
                            <RecentChanges on_undone=on_added />
                        })}
                    })
                })}
            </Suspense>
            </div>
        </div>
        <Toast notice />
        <Tabs view shown />
        <Toolbar view go choices typing />
        <Show when=move || { can_manage && !matches!(view.get().tab, UserTab::Invited | UserTab::AwaitingApproval) && picker.count() > 0 }>
            <ActionBar open=open_bulk clear=Callback::new(move |()| picker.clear()) busy picker view>
                <SelectionSummary picker rows=user_picks matching by_view=true busy />
            </ActionBar>
        </Show>
        // The Awaiting approval tab's own bar (pages::approvals).
        <Show when=move || { can_manage && view.get().tab == UserTab::AwaitingApproval && picker.count() > 0 }>
            <super::approvals::ApprovalBar
                count=Signal::derive(move || picker.count())
                selection=Callback::new(move |()| picker.selection(&view.get_untracked()))
                choices
                notice
                on_done=Callback::new(move |()| { picker.clear(); refresh.run(()); })
                clear=Callback::new(move |()| picker.clear())
                picker
                view
                busy
            >
                <SelectionSummary picker rows=user_picks matching by_view=true busy />
            </super::approvals::ApprovalBar>
        </Show>
        <Show when=move || { can_invite && view.get().tab == UserTab::Invited && invite_picker.count() > 0 }>
            <InvitationBar
                busy
                open=Callback::new(move |action| pending_invitation.set(Some((action, invite_picker.picks()))))
                clear=Callback::new(move |()| invite_picker.clear())
                picker=invite_picker
                view
            >
                <SelectionSummary picker=invite_picker rows=invitation_picks matching by_view=false busy />
            </InvitationBar>
        </Show>
        {move || error.get().map(|error| view! { <ErrorNotice error /> })}
        // Made once: the rows follow `shown`, so nothing here is re-created by a new answer.
        <Results view shown busy go users invitations user_picks invitation_picks matching
            picker=can_manage.then_some(picker) act
            invite_picker=can_invite.then_some(invite_picker) act_invitation />
    }
}

/// An answer of the users table and the view it answers.
type Shown = (UserListQuery, UserPage);

/// The rows on screen, from `shown`.
fn rows_of<T: Clone + Send + Sync + 'static>(
    shown: Memo<Option<Shown>>,
    pick: fn(&UserPage) -> &Vec<T>,
) -> Signal<Vec<T>> {
    Signal::derive(move || shown.with(|s| s.as_ref().map(|(_, p)| pick(p).clone()).unwrap_or_default()))
}

/// The tabs: each link is built from the view in the URL when it is used, so a click while a
/// page loads keeps every other choice; the counts are the latest known.
#[component]
fn Tabs(view: Memo<UserListQuery>, shown: Memo<Option<Shown>>) -> impl IntoView {
    view! {
        <div class="tabs" role="tablist" aria-label="Users by status">
            {UserTab::ALL
                .into_iter()
                .map(|tab| {
                    let href = move || UserListQuery { tab, ..view.get().first_page() }.href();
                    let selected = move || (tab == view.get().tab).to_string();
                    // Text, so the server renders it: the view is built once the first answer
                    // is in (UsersPage), so server and browser start from the same counts.
                    let count = move || {
                        shown.with(|s| s.as_ref().map(|(_, p)| p.counts.of(tab).to_string()).unwrap_or_default())
                    };
                    view! {
                        <A href=href attr:role="tab" attr:aria-selected=selected attr:class="tab">
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
    /// True from a keystroke until its search is in the URL.
    typing: RwSignal<bool>,
) -> impl IntoView {
    // The search goes into the URL once typing pauses.
    let on_search = use_url_search(
        typing,
        move || view.get_untracked().search,
        move |search| {
            go.run((
                UserListQuery {
                    search,
                    ..view.get_untracked().first_page()
                },
                true,
            ))
        },
    );
    // On a phone, sorting and filters fold under "Filters" so the rows start higher.
    let filters_open = RwSignal::new(false);
    let active = move || {
        let v = view.get();
        [v.role.is_some(), v.team.is_some(), v.account.is_some()]
            .into_iter()
            .filter(|on| *on)
            .count()
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
            // Every row of the view (every page), as CSV; a download, not a page of the app.
            <a class="secondary export-link" rel="external" download
                title="Download every row of this view as CSV"
                href=move || view.get().export_href()>"Export"</a>
            <button type="button" class="secondary filters-toggle" aria-controls="user-filters"
                aria-expanded=move || filters_open.get().to_string()
                on:click=move |_| filters_open.update(|o| *o = !*o)>
                "Filters"
                {move || match active() { 0 => String::new(), n => format!(" ({n})") }}
            </button>
            <div id="user-filters" class="filters" class:open=move || filters_open.get()>
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
pub(crate) fn FilterSelect(
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
    /// The view in the URL: every control builds its next view from it when used.
    view: Memo<UserListQuery>,
    /// The rows on screen and the view they answer.
    shown: Memo<Option<Shown>>,
    /// The rows on screen are not the URL's view (yet).
    busy: Signal<bool>,
    go: Callback<(UserListQuery, bool)>,
    /// The rows on screen, and as the selections see them.
    users: Signal<Vec<UserRow>>,
    invitations: Signal<Vec<InvitationRow>>,
    user_picks: Signal<Vec<Pick>>,
    invitation_picks: Signal<Vec<Pick>>,
    /// How many rows the view on screen holds on every page.
    matching: Signal<i64>,
    /// The selection, when the viewer may change users (rows get checkboxes and a menu).
    picker: Option<Picker>,
    act: Callback<(RowAction, UserRow)>,
    /// The selection of invitations, when the viewer may manage them.
    invite_picker: Option<Picker>,
    act_invitation: Callback<(InvitationAction, InvitationRow)>,
) -> impl IntoView {
    let now = Signal::derive(move || shown.with(|s| s.as_ref().map_or(0, |(_, p)| p.now)));
    let cursors = move || {
        shown.with(|s| {
            s.as_ref()
                .map(|(_, p)| (p.prev.clone(), p.next.clone()))
                .unwrap_or_default()
        })
    };
    let filtered = move || {
        let v = view.get();
        !v.search.is_empty() || v.role.is_some() || v.team.is_some() || v.account.is_some()
    };
    let empty = move || !busy.get() && users.with(Vec::is_empty) && invitations.with(Vec::is_empty);
    let clear_href = move || {
        let v = view.get();
        UserListQuery {
            tab: v.tab,
            sort: v.sort,
            desc: v.desc,
            per_page: v.per_page,
            ..Default::default()
        }
        .href()
    };
    // The table follows the tab on screen, which is the URL's once its rows arrive.
    let invited =
        Memo::new(move |_| shown.with(|s| s.as_ref().is_some_and(|(v, _)| v.tab == UserTab::Invited)));
    let table = move || {
        if invited.get() {
            let picks = invitation_picks;
            view! { <InvitationsTable rows=invitations picks now busy picker=invite_picker act=act_invitation /> }.into_any()
        } else {
            let picks = user_picks;
            view! { <UsersTable view rows=users picks now busy picker act /> }.into_any()
        }
    };
    // Another page of the rows on screen; not while they are being replaced.
    let page_link = move |before: bool| {
        let (prev, next) = cursors();
        let cursor = if before { prev } else { next };
        cursor.filter(|_| !busy.get()).map(|c| {
            let v = view.get();
            if before {
                UserListQuery {
                    after: None,
                    before: Some(c),
                    ..v
                }
            } else {
                UserListQuery {
                    after: Some(c),
                    before: None,
                    ..v
                }
            }
            .href()
        })
    };
    // How many rows the view on screen holds, counted by the server for its tab, search and
    // filters in the caller's scope.
    let match_line = move || {
        let n = matching.get();
        match (n, invited.get()) {
            (0, true) => "No invitations match".to_string(),
            (0, false) => "No users match".to_string(),
            (1, _) => "1 matches".to_string(),
            (n, _) => format!("{n} match"),
        }
    };
    // On a phone the cards have no header row: the page's checkbox sits on the match line.
    let page_check = move || {
        let (picker, rows) = if invited.get() {
            (invite_picker, invitation_picks)
        } else {
            (picker, user_picks)
        };
        let picker = picker.filter(|_| rows.with(|rows| !rows.is_empty()))?;
        Some(view! {
            <label class="page-pick narrow-only"><PageCheckbox picker rows busy />"All on this page"</label>
        })
    };
    view! {
        <div class="match-line" class:busy=move || busy.get()>
            {page_check}
            <span aria-live="polite">{match_line}</span>
        </div>
        <div class="table-wrap" class:busy=move || busy.get()>
            <div class="busy-bar" aria-hidden="true"></div>
            {table}
            <Show when=empty>
                <p class="empty">
                    {move || if filtered() { "No users match this search and these filters. " } else { "No one here yet. " }}
                    <Show when=filtered>
                        <A href=clear_href>"Clear search and filters"</A>
                    </Show>
                </p>
            </Show>
        </div>
        <div class="pager">
            <label class="per-page">
                "Rows per page"
                <select
                    prop:value=move || view.get().per_page.to_string()
                    on:change=move |e| {
                        if let Ok(per_page) = event_target_value(&e).parse() {
                            go.run((UserListQuery { per_page, ..view.get_untracked().first_page() }, false));
                        }
                    }
                >
                    {PAGE_SIZES
                        .into_iter()
                        .map(|n| view! { <option value=n.to_string() selected=move || n == view.get().per_page>{n}</option> })
                        .collect_view()}
                </select>
            </label>
            <PageLinks prev=Signal::derive(move || page_link(true)) next=Signal::derive(move || page_link(false)) />
        </div>
    }
}

/// A column header that sorts by its column; a second click reverses the order. Its link is
/// the URL's view with this sort, whatever the rows on screen answer.
#[component]
fn SortHeader(
    view: Memo<UserListQuery>,
    sort: UserSort,
    label: &'static str,
    /// The column's classes (its width, when it folds away).
    class: &'static str,
) -> impl IntoView {
    // Times read best newest first; text A to Z.
    let first_desc = matches!(sort, UserSort::LastSeen | UserSort::Created);
    let state = move || {
        let v = view.get();
        (v.sort == sort, v.desc)
    };
    let href = move || {
        let v = view.get();
        let desc = if v.sort == sort { !v.desc } else { first_desc };
        UserListQuery {
            sort,
            desc,
            ..v.first_page()
        }
        .href()
    };
    let aria_sort = move || match state() {
        (false, _) => "none",
        (true, false) => "ascending",
        (true, true) => "descending",
    };
    let arrow = move || match state() {
        (false, _) => "",
        (true, false) => " ↑",
        (true, true) => " ↓",
    };
    view! {
        <th scope="col" role="columnheader" class=class aria-sort=aria_sort>
            <A href=href attr:class="sort">
                {label}
                <span aria-hidden="true">{arrow}</span>
            </A>
        </th>
    }
}

#[component]
fn UsersTable(
    view: Memo<UserListQuery>,
    rows: Signal<Vec<UserRow>>,
    /// The rows as the selection sees them.
    picks: Signal<Vec<Pick>>,
    now: Signal<i64>,
    busy: Signal<bool>,
    /// The selection, when the viewer may change users.
    picker: Option<Picker>,
    act: Callback<(RowAction, UserRow)>,
) -> impl IntoView {
    view! {
        <table class="data-table fitted cards" role="table" aria-busy=move || busy.get().to_string()>
            <caption class="visually-hidden">"Users"</caption>
            <thead role="rowgroup">
                <tr role="row">
                    {picker.map(|picker| view! {
                        <th scope="col" role="columnheader" class="check-cell"><PageCheckbox picker rows=picks busy /></th>
                    })}
                    <SortHeader view sort=UserSort::Name label="Name" class="col-name" />
                    <SortHeader view sort=UserSort::Email label="Email" class="col-email" />
                    <th scope="col" role="columnheader" class="col-role">"Role"</th>
                    <th scope="col" role="columnheader" class="col-team">"Team"</th>
                    <SortHeader view sort=UserSort::Status label="Status" class="col-status" />
                    <SortHeader view sort=UserSort::LastSeen label="Last seen" class="col-time fold-2" />
                    <SortHeader view sort=UserSort::Created label="Created" class="col-time fold-1" />
                    {picker.map(|_| view! {
                        <th scope="col" role="columnheader" class="col-actions"><span class="visually-hidden">"Actions"</span></th>
                    })}
                </tr>
            </thead>
            <tbody role="rowgroup">
                // Keyed by the whole row: an unchanged row keeps its elements (an open menu,
                // focus) when new rows arrive; a changed one is drawn anew.
                <For each=move || rows.get() key=|user| user.clone() let:user>
                    <UserTableRow user picks now busy picker act />
                </For>
            </tbody>
        </table>
    }
}

#[component]
fn UserTableRow(
    user: UserRow,
    picks: Signal<Vec<Pick>>,
    now: Signal<i64>,
    busy: Signal<bool>,
    picker: Option<Picker>,
    act: Callback<(RowAction, UserRow)>,
) -> impl IntoView {
    let check = picker.map(|picker| {
        let pick = (user.id.0, user.name.clone());
        view! { <td role="cell" class="check-cell"><RowCheckbox picker rows=picks pick busy /></td> }
    });
    let actions = picker.map(|_| {
        let user = user.clone();
        view! { <td role="cell" class="col-actions"><RowActions user act busy /></td> }
    });
    let (last_seen, created) = (user.last_seen_at, user.created_at);
    let name_title = user.name.clone();
    view! {
        <tr role="row">
            {check}
            <th scope="row" role="rowheader" class="col-name">
                // A plain link (the router still navigates in place): `A`'s active-link
                // tracking costs every row and means nothing here.
                <a href=format!("/users/{}", user.id) class="row-link clip" title=name_title>{user.name}</a>
            </th>
            <td role="cell" class="col-email">{clip(user.email)}</td>
            <td role="cell" class="col-role col-meta">{brief(user.role, user.role_detail)}</td>
            {teams_cell(user.teams)}
            <td role="cell" class="col-status col-meta">{status_badge(user.status)}</td>
            <td role="cell" class="col-time fold-2"><RelativeTime now at=last_seen /></td>
            <td role="cell" class="col-time fold-1"><RelativeTime now at=Some(created) /></td>
            {actions}
        </tr>
    }
    // Erased: the row's full type nests too deep for the release build.
    .into_any()
}

#[component]
fn InvitationsTable(
    rows: Signal<Vec<InvitationRow>>,
    /// The rows as the selection sees them (id, email).
    picks: Signal<Vec<Pick>>,
    now: Signal<i64>,
    busy: Signal<bool>,
    /// The selection, when the viewer may manage invitations (rows get checkboxes and a menu).
    picker: Option<Picker>,
    act: Callback<(InvitationAction, InvitationRow)>,
) -> impl IntoView {
    view! {
        <table class="data-table fitted cards invitations" role="table" aria-busy=move || busy.get().to_string()>
            <caption class="visually-hidden">"Invitations"</caption>
            <thead role="rowgroup">
                <tr role="row">
                    {picker.map(|picker| view! {
                        <th scope="col" role="columnheader" class="check-cell"><PageCheckbox picker rows=picks busy /></th>
                    })}
                    <th scope="col" role="columnheader" class="col-invitee">"Person"</th>
                    <th scope="col" role="columnheader" class="col-access">"Access"</th>
                    <th scope="col" role="columnheader" class="col-team">"Team"</th>
                    <th scope="col" role="columnheader" class="col-by fold-2">"Invited by"</th>
                    <th scope="col" role="columnheader" class="col-time fold-1">"Sent"</th>
                    <th scope="col" role="columnheader" class="col-when">"Status"</th>
                    {picker.map(|_| view! {
                        <th scope="col" role="columnheader" class="col-actions"><span class="visually-hidden">"Actions"</span></th>
                    })}
                </tr>
            </thead>
            <tbody role="rowgroup">
                <For each=move || rows.get() key=|i| i.clone() let:invitation>
                    <InvitationTableRow invitation picks now busy picker act />
                </For>
            </tbody>
        </table>
    }
}

#[component]
fn InvitationTableRow(
    invitation: InvitationRow,
    picks: Signal<Vec<Pick>>,
    now: Signal<i64>,
    busy: Signal<bool>,
    picker: Option<Picker>,
    act: Callback<(InvitationAction, InvitationRow)>,
) -> impl IntoView {
    let i = invitation;
    let check = picker.map(|picker| {
        let pick = (i.id, i.email.clone());
        view! { <td role="cell" class="check-cell"><RowCheckbox picker rows=picks pick busy /></td> }
    });
    let actions = picker.map(|_| {
        let invitation = i.clone();
        view! { <td role="cell" class="col-actions"><InvitationActions invitation act busy /></td> }
    });
    let sent = i.sent_at;
    // The date its status calls for: "Expires in 6 days", "Expired yesterday", "Accepted …",
    // "Withdrawn …".
    let (word, moment) = i.moment();
    let when = moment
        .map(|at| view! { <span class="when">{format!("{word} ")}<RelativeTime now at=Some(at) /></span> });
    // The name typed with the address, over the address.
    let name = (!i.name.is_empty()).then(|| clip(i.name.clone()));
    let named = name.is_some();
    let access: Vec<String> = i.access.iter().map(ToString::to_string).collect();
    // Erased: the row's full type nests too deep for the release build.
    view! {
        <tr role="row">
            {check}
            <th scope="row" role="rowheader" class="col-name col-invitee">
                {name}
                <span class:invitee-email=named>{clip(i.email)}</span>
            </th>
            <td role="cell" class="col-access">
                {access.into_iter().map(clip).collect_view()}
            </td>
            {teams_cell(i.teams)}
            <td role="cell" class="col-by fold-2"><span class="narrow-only">"Invited by "</span>{clip(i.invited_by)}</td>
            <td role="cell" class="col-time fold-1"><RelativeTime now at=Some(sent) /></td>
            <td role="cell" class="col-when col-meta">
                <span class=format!("status status-{}", i.status.key())>{i.status.label()}</span>
                {when}
            </td>
            {actions}
        </tr>
    }
    .into_any()
}

// The cells below are functions, not components: a table draws them on every row, and a
// component is a type-erased view of its own (an allocation and an indirection each), which
// made up much of the server's time rendering the users page.

/// A cell's text in a few words (cut to the column), with the full text on hover and for
/// screen readers when the few words leave something out.
fn brief(brief: String, full: String) -> impl IntoView {
    let more = (full != brief).then(|| view! { <span class="visually-hidden">{format!(": {full}")}</span> });
    view! {
        <span class="clip" title=full>{brief}{more}</span>
    }
}

/// Text cut to its column, whole on hover.
fn clip(text: String) -> impl IntoView {
    let title = text.clone();
    view! { <span class="clip" title=title>{text}</span> }
}

/// The Team column: the teams' names, or a dash (left out of a phone's card).
fn teams_cell(teams: Vec<String>) -> impl IntoView {
    let none = teams.is_empty();
    let text = if none { "—".to_string() } else { teams.join(", ") };
    view! {
        <td role="cell" class="col-team col-meta" class:no-team=none>
            {clip(text)}
        </td>
    }
}

/// A user's status as a dot and a word, the full wording on hover.
fn status_badge(status: UserStatus) -> impl IntoView {
    view! {
        <span class=format!("status status-{}", status.key()) title=status.label()>{status.short_label()}</span>
    }
}
