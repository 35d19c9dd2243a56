use super::{
    bulk::{BulkDialog, BulkDialogs, BulkRequest},
    transfer::TransferDialog,
    user_access::AccessPanel,
    user_actions::{owner_rule, RowAction, RowDialogs},
};
use crate::{
    api::{
        bulk::ApplyBulk,
        users::{get_user, ResendSetupEmail, UpdateUser},
    },
    components::{
        field::{Field, FormAlert},
        live::{use_live_updates, LiveIndicator, LiveUpdates, StaleNotice},
        me::use_me,
        notice::{refused_without, ErrorNotice},
        time::RelativeTime,
        toast::Toast,
    },
    model::{
        BulkAction, BulkKind, LiveKind, Permission, Selection, TeamId, UserDetails, UserId, UserRow,
        UserStatus,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map},
};

/// `/users/<id>`: where an admin manages one person: their status and actions (those of their
/// row's menu, and ownership transfer for the owner), teams, access, details and devices.
///
/// Live: when someone else changes the user, the details shown follow at once, but the edit
/// form keeps what it was opened with (and what is being typed): it says "Changed by <name>
/// just now" and offers Reload. Saving it anyway is refused as stale by the server.
#[component]
pub fn UserDetailPage() -> impl IntoView {
    if let Some(refusal) = refused_without(Permission::ViewUsers) {
        return refusal;
    }
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let update = ServerAction::<UpdateUser>::new();
    let access_changed = RwSignal::new(0u32);
    // "Reload" after someone else's change: the form opens again on the newest details.
    let reloads = RwSignal::new(0u32);
    // From a change made on this page until the page shows the user again: the page is
    // rebuilt then, which would drop an action started in between (a Delete whose success
    // no longer leads anywhere), so the actions wait.
    let reloading = RwSignal::new(false);
    let user = Resource::new(
        move || {
            (
                id.get(),
                update.version().get(),
                access_changed.get(),
                reloads.get(),
            )
        },
        |(id, ..)| get_user(UserId(id)),
    );
    // What the access panel offers. Made here, outside the Transition: a resource created
    // inside the Transition's content broke the hydration of a directly loaded page (the
    // WASM panicked on a mismatch and never took over).
    let choices = Resource::new(
        || (),
        |_| async { crate::api::users::user_filter_choices().await.ok() },
    );
    let live = use_live_updates(&[LiveKind::Users]);
    let fresh = fresh_details(id, live);
    // The version our own last successful save started from: its change is no news to us.
    let saving_from = StoredValue::new(None::<i64>);
    let saved_from = RwSignal::new(None::<i64>);
    Effect::new(move |_| {
        if let Some(input) = update.input().get() {
            saving_from.set_value(Some(input.edit.version));
        }
    });
    Effect::new(move |_| {
        if matches!(update.value().get(), Some(Ok(_))) {
            saved_from.set(saving_from.get_value());
        }
    });
    let me = use_me();
    let (my_id, may_manage_users, i_own) = (me.id, me.can(Permission::ManageUsers), me.role_name == "Owner");
    let notice = RwSignal::new(None::<String>);
    Effect::new(move |_| match update.value().get() {
        Some(Ok(None)) => notice.set(Some("Saved.".into())),
        Some(Ok(Some(email))) => notice.set(Some(format!(
            "Saved. We sent a link to {email}: the login email changes when it is used."
        ))),
        _ => {}
    });
    view! {
        <Title text="User" />
        <p class="back"><A href="/users">"← Users"</A></p>
        <Toast notice />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(details) => {
                        reloading.set(false);
                        let can_manage = may_manage_users && details.below_viewer;
                        let is_me = my_id == details.id;
                        let access_editable = can_manage && !details.is_owner && !is_me;
                        let on_change = Callback::new(move |()| {
                            reloading.set(true);
                            access_changed.update(|n| *n += 1);
                        });
                        let above_me = may_manage_users && !details.below_viewer;
                        let opened = details.clone();
                        let current = Signal::derive(move || {
                            fresh.latest.get()
                                .filter(|l| l.id == opened.id && l.version >= opened.version)
                                .unwrap_or_else(|| opened.clone())
                        });
                        let stale = Signal::derive({
                            let opened = details.version;
                            move || {
                                let now = current.with(|c| c.version);
                                let ours = saved_from.get() == Some(opened) && now == opened + 1;
                                now > opened && !ours
                            }
                        });
                        let on_reload = Callback::new(move |()| {
                            reloading.set(true);
                            reloads.update(|n| *n += 1);
                        });
                        view! {
                            <Details details current can_manage above_me i_own update access_editable on_change
                                live stale by=fresh.by on_reload choices notice reloading />
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
    }
    .into_any()
}

/// The newest details the live stream led to, and who made the change (when it said).
#[derive(Clone, Copy)]
struct Fresh {
    latest: RwSignal<Option<UserDetails>>,
    by: RwSignal<Option<String>>,
}

/// Fetches the user again whenever the live stream says they (or maybe they) changed.
fn fresh_details(id: Memo<i64>, live: LiveUpdates) -> Fresh {
    let fresh = Fresh {
        latest: RwSignal::new(None),
        by: RwSignal::new(None),
    };
    let asked = StoredValue::new(0u64);
    Effect::watch(
        move || live.changes.get(),
        move |_, _, _| {
            let user = id.get_untracked();
            let events = live.events.get_untracked();
            // No events: some may have been missed, so maybe.
            let ours: Vec<_> = events.iter().filter(|e| e.concerns(user)).collect();
            if !events.is_empty() && ours.is_empty() {
                return;
            }
            let by = ours.iter().rev().find_map(|e| e.by.clone());
            asked.update_value(|n| *n += 1);
            let this = asked.get_value();
            leptos::task::spawn_local(async move {
                if let Ok(details) = get_user(UserId(user)).await {
                    if asked.try_get_value() == Some(this) && id.try_get_untracked() == Some(user) {
                        fresh.by.set(by);
                        fresh.latest.set(Some(details));
                    }
                }
            });
        },
        false,
    );
    fresh
}

#[component]
fn Details(
    /// The details as the page (and its edit form) opened them.
    details: UserDetails,
    /// The newest details: what the page shows outside the form.
    current: Signal<UserDetails>,
    /// Whether the viewer may manage this person.
    can_manage: bool,
    /// Whether the viewer manages users but this person holds as much as they do or more.
    above_me: bool,
    /// Whether the viewer owns the company.
    i_own: bool,
    update: ServerAction<UpdateUser>,
    /// Whether the viewer may change this user's access per account.
    access_editable: bool,
    /// Called after a change made from this page, so it reloads the user.
    on_change: Callback<()>,
    /// The page's live stream, for its indicator.
    live: LiveUpdates,
    /// Someone else changed the user since the form was opened.
    stale: Signal<bool>,
    /// Who, when the live stream said.
    by: RwSignal<Option<String>>,
    /// Opens the form again on the newest details.
    on_reload: Callback<()>,
    /// The roles, teams and accounts the page's dialogs offer.
    choices: Resource<Option<crate::model::FilterChoices>>,
    /// Where the page says what happened.
    notice: RwSignal<Option<String>>,
    /// The page is about to be rebuilt on the user's newest details.
    reloading: RwSignal<bool>,
) -> impl IntoView {
    let error = Signal::derive(move || update.value().get().and_then(Result::err));
    let id = details.id.0.to_string();
    let edit = details.clone();
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let user_id = details.id;
    let may_audit = use_me().can(Permission::ViewAuditLog);
    let shown = move |field: fn(&UserDetails) -> String| move || current.with(field);
    let last_seen = move || current.with(|c| (c.now, c.last_seen_at));
    let created = move || current.with(|c| (c.now, c.created_at));
    view! {
        <div class="page-head person-head">
            <div class="person-title">
                <h1>{shown(|c| c.name.clone())}</h1>
                <p class="person-sub">
                    {move || { let status = current.with(|c| c.status); view! { <span class=format!("status status-{}", status.key())>{status.label()}</span> } }}
                    <span class="muted">{shown(|c| c.email.clone())}</span>
                </p>
            </div>
            <LiveIndicator live />
            <PersonActions current can_manage i_own on_change choices notice reloading />
        </div>
        {above_me.then(|| view! {
            <p class="muted" role="note">
                {format!("{} holds as much access as you or more, so only the owner or someone above them can change them.", details.name)}
            </p>
        })}
        <dl class="details">
            <dt>"Role"</dt><dd>{shown(|c| c.role.clone())}</dd>
            <dt>"Last seen"</dt>
            <dd>{move || { let (now, at) = last_seen(); view! { <RelativeTime now at /> } }}</dd>
            <dt>"Created"</dt>
            <dd>{move || { let (now, at) = created(); view! { <RelativeTime now at=Some(at) /> } }}</dd>
        </dl>
        <TeamsPanel current editable=can_manage on_change choices notice />
        <AccessPanel details=details.clone() rows=Signal::derive(move || current.with(|c| c.access.clone()))
            editable=access_editable on_change choices />
        {can_manage.then(move || view! {
            <section class="panel" aria-labelledby="edit-title">
                <h2 id="edit-title">"Edit details"</h2>
                <Show when=move || stale.get()>
                    <StaleNotice by on_reload
                        consequence="Saving this form would be refused; reload it to see the changes." />
                </Show>
                <ActionForm action=update>
                    <FormAlert error />
                    <input type="hidden" name="edit[id]" value=id />
                    <input type="hidden" name="edit[version]" value=edit.version.to_string() />
                    <Field label="Name" name="edit[name]" error_key="name" value=edit.name maxlength=100 error />
                    <Field label="Email" name="edit[email]" error_key="email" kind="email" value=edit.email error />
                    <div class="field-row">
                        <Field label="Phone" name="edit[phone]" error_key="phone" kind="tel" value=edit.phone optional=true error />
                        <Field label="Job title" name="edit[job_title]" error_key="job_title" value=edit.job_title optional=true maxlength=100 error />
                    </div>
                    <button type="submit" class="primary" disabled=move || update.pending().get()>"Save"</button>
                </ActionForm>
            </section>
        })}
        // Rendered in the browser only, once the page has hydrated: the devices' own resource,
        // created inside this page's Transition, broke the hydration of a directly loaded
        // page (clicks did nothing), and components::devices is shared with /profile.
        {move || (can_manage && hydrated.get()).then(|| view! { <crate::components::devices::UserDevices user=user_id /> })}
        // Browser only, after hydration, for the same reason as the devices.
        {move || (may_audit && hydrated.get()).then(|| {
            let version = Signal::derive(move || current.with(|c| c.version));
            view! { <History user=user_id version /> }
        })}
    }
}

/// The latest audit events about the person, with the way to all of them in the audit log.
#[component]
fn History(
    /// The person.
    user: UserId,
    /// Their version: a change to them (here or live) fetches the history again.
    version: Signal<i64>,
) -> impl IntoView {
    use super::audit::{action_words, actor_label, audit_href};
    use crate::{api::audit::list_audit_events, model::AuditQuery};
    let events = Resource::new(
        move || version.get(),
        move |_| {
            list_audit_events(AuditQuery {
                target: Some(user),
                limit: 5,
                ..Default::default()
            })
        },
    );
    let all = audit_href(&AuditQuery {
        target: Some(user),
        ..Default::default()
    });
    view! {
        <section class="panel" aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Err(error) => view! { <p class="muted">{error.to_string()}</p> }.into_any(),
                        Ok(page) if page.events.is_empty() => {
                            view! { <p class="muted">"Nothing recorded yet."</p> }.into_any()
                        }
                        Ok(page) => {
                            let now = page.now;
                            view! {
                                <ul class="history">
                                    {page.events.into_iter().map(|e| {
                                        let target = e.target_name.clone().unwrap_or_else(|| e.target_label.clone());
                                        let line = format!("{} {} {target}", actor_label(&e), action_words(&e));
                                        view! {
                                            <li>
                                                <RelativeTime now at=Some(e.created_at) />
                                                " "
                                                <span>{line}</span>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
            <p><A href=all>"All events about this person in the audit log"</A></p>
        </section>
    }
}

/// The person's actions, as their row's menu offers them: change role or team, deactivate or
/// reactivate, resend the set-up email while they never signed in, delete; and for the owner,
/// transfer ownership. What the owner rules forbid stays in view, disabled, with the reason.
#[component]
fn PersonActions(
    current: Signal<UserDetails>,
    /// Whether the viewer may manage this person.
    can_manage: bool,
    /// Whether the viewer owns the company.
    i_own: bool,
    on_change: Callback<()>,
    choices: Resource<Option<crate::model::FilterChoices>>,
    notice: RwSignal<Option<String>>,
    /// While true every action waits (see `reloading` on the page).
    reloading: RwSignal<bool>,
) -> impl IntoView {
    let me = use_me().id;
    let navigate = use_navigate();
    let pending = RwSignal::new(None::<(RowAction, UserRow)>);
    let bulk = RwSignal::new(None::<BulkRequest>);
    let transfer = RwSignal::new(false);
    let resend = ServerAction::<ResendSetupEmail>::new();
    Effect::new(move |_| match resend.value().get() {
        Some(Ok(())) => notice.set(Some(format!(
            "We emailed {} a new set-up link.",
            current.with_untracked(|c| c.email.clone())
        ))),
        Some(Err(error)) => notice.set(Some(error.to_string())),
        None => {}
    });
    let is_me = move || current.with(|c| c.id == me);
    let owner_rule = move || current.with(|c| c.is_owner.then(|| owner_rule(&c.name, c.id == me)));
    let open = move |action: RowAction| {
        let row = current.with_untracked(|c| UserRow::from(c));
        match action {
            RowAction::ChangeRole | RowAction::ChangeTeam => bulk.set(Some(BulkRequest {
                dialog: if action == RowAction::ChangeRole {
                    BulkDialog::Role
                } else {
                    BulkDialog::Team
                },
                selection: Selection::of(vec![row.id]),
                one: Some(row.name),
                teams: row.teams,
            })),
            RowAction::TransferOwnership => transfer.set(true),
            _ => pending.set(Some((action, row))),
        }
    };
    // A button the owner rules may hold back: focusable, disabled, described by the rule.
    let guarded = move |action: RowAction, text: &'static str, class: &'static str| {
        view! {
            <button type="button" class=class
                aria-disabled=move || owner_rule().map(|_| "true")
                aria-describedby=move || owner_rule().map(|_| "owner-rule")
                on:click=move |_| if owner_rule().is_none() { open(action) }>
                {text}
            </button>
        }
    };
    let on_row_done = Callback::new(move |action: RowAction| {
        if action == RowAction::Delete {
            navigate("/users", Default::default());
        } else {
            on_change.run(());
        }
    });
    // The owner hands over from someone else's page (to them) or from their own (choosing).
    let transfer_to = move || current.with(|c| (c.id != me).then(|| (c.id, c.name.clone())));
    let may_transfer = move || i_own && current.with(|c| c.id == me || c.status == UserStatus::Active);
    view! {
        <fieldset class="page-actions person-actions" aria-label="Actions" disabled=reloading aria-busy=move || reloading.get().then_some("true")>
            {move || (can_manage && !is_me()).then(|| view! {
                {guarded(RowAction::ChangeRole, "Change role", "secondary")}
                <button type="button" class="secondary" on:click=move |_| open(RowAction::ChangeTeam)>"Change team"</button>
                {move || if current.with(|c| c.status == UserStatus::Deactivated) {
                    view! { <button type="button" class="secondary" on:click=move |_| open(RowAction::Reactivate)>"Reactivate"</button> }.into_any()
                } else {
                    guarded(RowAction::Deactivate, "Deactivate", "secondary").into_any()
                }}
                {move || current.with(|c| c.never_signed_in && c.status == UserStatus::Active).then(|| view! {
                    <button type="button" class="secondary" disabled=move || resend.pending().get()
                        on:click=move |_| { resend.dispatch(ResendSetupEmail { id: current.with_untracked(|c| c.id) }); }>
                        "Resend set-up email"
                    </button>
                })}
                {guarded(RowAction::Delete, "Delete", "secondary danger-text")}
            })}
            {move || may_transfer().then(|| view! {
                <button type="button" class="secondary" on:click=move |_| open(RowAction::TransferOwnership)>
                    {move || if is_me() { "Transfer ownership…" } else { "Transfer ownership" }}
                </button>
            })}
        </fieldset>
        {move || owner_rule().map(|rule| view! { <p class="owner-rule" id="owner-rule" role="note">{rule}"."</p> })}
        {move || transfer.get().then(|| view! {
            <TransferDialog open=transfer to=transfer_to() on_close=Callback::new(move |()| transfer.set(false)) />
        })}
        <RowDialogs pending notice on_done=on_row_done />
        // Read inside a Suspense, as AccessPanel does: a bare read of the resource renders
        // differently on the server and in the browser, and the page would not hydrate.
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                choices.await.map(|choices| view! {
                    <BulkDialogs request=bulk choices on_done=Callback::new(move |_| on_change.run(())) />
                })
            })}
        </Suspense>
    }
}

/// The person's teams, each with Remove, and Add to team.
#[component]
fn TeamsPanel(
    current: Signal<UserDetails>,
    /// Whether the viewer may change them.
    editable: bool,
    on_change: Callback<()>,
    choices: Resource<Option<crate::model::FilterChoices>>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let change = ServerAction::<ApplyBulk>::new();
    Effect::new(move |_| match change.value().get() {
        Some(Ok(outcome)) => {
            if let Some(skip) = outcome.skipped.first() {
                notice.set(Some(format!("Not changed: {}", skip.reason)));
            }
            on_change.run(());
        }
        Some(Err(error)) => notice.set(Some(error.to_string())),
        None => {}
    });
    let run = move |kind: BulkKind, team: i64| {
        change.dispatch(ApplyBulk {
            selection: Selection::of(vec![current.with_untracked(|c| c.id)]),
            action: BulkAction {
                teams: vec![TeamId(team)],
                ..BulkAction::of(kind)
            },
        });
    };
    let adding = RwSignal::new(String::new());
    let teams = move || current.with(|c| c.teams.clone());
    view! {
        <section class="panel" aria-labelledby="teams-title">
            <h2 id="teams-title">"Teams"</h2>
            {move || {
                let teams = teams();
                if teams.is_empty() {
                    return view! { <p class="muted">"Not in any team."</p> }.into_any();
                }
                view! {
                    <ul class="team-list">
                        {teams.into_iter().map(|t| {
                            let label = format!("Remove from {}", t.name);
                            view! {
                                <li>
                                    <span>{t.name}</span>
                                    {editable.then(|| view! {
                                        <button type="button" class="link-button" aria-label=label
                                            disabled=move || change.pending().get()
                                            on:click=move |_| run(BulkKind::RemoveFromTeams, t.id)>"Remove"</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            {editable.then(|| view! {
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let all = StoredValue::new(choices.await.map(|c| c.teams).unwrap_or_default());
                        // The company's teams this person is not in.
                        let addable = move || {
                            let held = teams();
                            all.get_value().into_iter().filter(|t| !held.iter().any(|h| h.id == t.id)).collect::<Vec<_>>()
                        };
                        view! {
                            <div class="inline-add">
                                <label for="add-team" class="visually-hidden">"Team to add"</label>
                                <select id="add-team" class="inline-select" prop:value=move || adding.get()
                                    on:change=move |e| adding.set(event_target_value(&e))>
                                    <option value="">"Choose a team…"</option>
                                    {move || addable().into_iter().map(|t| view! { <option value=t.id.to_string()>{t.name}</option> }).collect_view()}
                                </select>
                                <button type="button" class="secondary small"
                                    disabled=move || adding.get().is_empty() || change.pending().get()
                                    on:click=move |_| {
                                        if let Ok(team) = adding.get_untracked().parse() {
                                            adding.set(String::new());
                                            run(BulkKind::AddToTeams, team);
                                        }
                                    }>"Add to team"</button>
                            </div>
                        }
                    })}
                </Suspense>
            })}
        </section>
    }
}
