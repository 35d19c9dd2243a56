//! `/audit`: the company's audit log, newest first, with filters and keyset pages. The whole
//! view lives in the URL (`model::AuditQuery`), like the users table's.

use super::users::FilterSelect;
use crate::{
    api::{
        audit::{count_new_audit_events, list_audit_events},
        retry::unless_busy,
        users::user_filter_choices,
    },
    components::{
        live::{use_live_updates, LiveIndicator, LiveUpdates},
        me::use_permission,
        notice::{refused_without, ErrorNotice},
        pager::PageLinks,
        person_picker::PersonPicker,
        search::use_url_search,
        time::RelativeTime,
    },
    model::{
        day_of_ms, day_start_ms, ActorKind, AuditAction, AuditEvent, AuditPage, AuditQuery, LiveKind,
        Permission, UserId, AUDIT_NEW_MAX,
    },
};
use leptos::{ev, prelude::*};
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};

/// The address of a view of the audit log.
pub fn audit_href(view: &AuditQuery) -> String {
    match view.to_query_string() {
        qs if qs.is_empty() => "/audit".into(),
        qs => format!("/audit?{qs}"),
    }
}

/// The download of a view's events (every page of it) as `format` (csv or jsonl).
fn export_href(view: &AuditQuery, format: &str) -> String {
    match view.first_page().to_query_string() {
        qs if qs.is_empty() => format!("/api/audit/export?format={format}"),
        qs => format!("/api/audit/export?format={format}&{qs}"),
    }
}

type PageResource = Resource<(AuditQuery, Result<AuditPage, crate::error::AppError>)>;

#[component]
pub fn AuditLogPage() -> impl IntoView {
    if let Some(refusal) = refused_without(Permission::ViewAuditLog) {
        return refusal;
    }
    let params = use_query_map();
    let view = Memo::new(move |_| {
        let params = params.read();
        AuditQuery::from_params(|name| params.get(name))
    });
    let page: PageResource = Resource::new(
        move || view.get(),
        |asked| async move {
            let answer = unless_busy(|| list_audit_events(asked.clone())).await;
            (asked, answer)
        },
    );
    // The account filter offers the accounts of the users table, for those who see it.
    let choices = use_permission(Permission::ViewUsers)
        .then(|| Resource::new(|| (), |_| async { user_filter_choices().await.ok() }));
    let navigate = use_navigate();
    // Filters add history entries (Back undoes them); typing a search replaces.
    let go = Callback::new(move |(next, replace): (AuditQuery, bool)| {
        navigate(
            &audit_href(&next),
            NavigateOptions {
                replace,
                scroll: false,
                ..Default::default()
            },
        );
    });
    let typing = RwSignal::new(false);
    let (fresh, live) = use_new_events(view, page);
    let show_new = move |_| {
        fresh.set(0);
        page.refetch();
        // The button goes with the banner: focus moves to the table it refreshed.
        if let Some(table) = document().get_element_by_id("audit-events") {
            use wasm_bindgen::JsCast;
            if let Ok(table) = table.dyn_into::<web_sys::HtmlElement>() {
                let _ = table.focus();
            }
        }
    };
    // Over the table's head rather than above it, so that it appearing moves no row.
    let banner = move || {
        view! {
            <div class="new-events" role="status" aria-live="polite">
                {move || (fresh.get() > 0).then(|| {
                    let n = fresh.get();
                    let text = if n > AUDIT_NEW_MAX {
                        format!("More than {AUDIT_NEW_MAX} new events")
                    } else if n == 1 {
                        "1 new event".to_string()
                    } else {
                        format!("{n} new events")
                    };
                    view! {
                        <p class="new-events-banner">
                            <span>{text}" — "</span>
                            <button type="button" on:click=show_new>"Show"</button>
                        </p>
                    }
                })}
            </div>
        }
    };
    view! {
        <Title text="Audit log" />
        <div class="page-head audit-head">
            <h1>"Audit log"</h1>
            <LiveIndicator live />
            <div class="page-actions">
                <a class="button secondary" rel="external" download
                    href=move || export_href(&view.get(), "csv")>"Export CSV"</a>
                <a class="button secondary" rel="external" download
                    href=move || export_href(&view.get(), "jsonl")>"Export JSON Lines"</a>
            </div>
        </div>
        <Toolbar view go typing choices />
        <Transition fallback=|| view! { <p class="loading">"Loading events…"</p> }>
            {move || Suspend::new(async move {
                let (answered, result) = page.await;
                match result {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(shown) => {
                        let chips = person_filters(&answered, &shown);
                        let busy = Signal::derive(move || typing.get() || view.get() != answered);
                        view! { {chips} {banner()} <Results view shown busy /> }.into_any()
                    }
                }
            })}
        </Transition>
    }
    .into_any()
}

/// How many events of the view arrived since its first page was fetched: counted again
/// (through `audit/new`, the list's own authorised query) whenever the live stream says the
/// log changed, while the first page of the view is on screen. The rows themselves stay
/// until the reader asks for them; on later pages nothing is counted. Zero again when the view
/// changes.
fn use_new_events(view: Memo<AuditQuery>, page: PageResource) -> (RwSignal<u32>, LiveUpdates) {
    let fresh = RwSignal::new(0_u32);
    let live = use_live_updates(&[LiveKind::Audit]);
    Effect::watch(move || view.get(), move |_, _, _| fresh.set(0), false);
    // New rows shown (Show, or any refetch): what was counted is on screen now.
    Effect::watch(
        move || {
            page.with(|p| {
                p.as_ref().map(|(_, r)| {
                    r.as_ref()
                        .ok()
                        .map(|pg| pg.events.first().map(AuditEvent::cursor))
                })
            })
        },
        move |_, _, _| fresh.set(0),
        false,
    );
    // The newest event the answered first page shows (None: it shows none), if that answer
    // is the view's.
    let shown_top = move || -> Option<(AuditQuery, Option<String>)> {
        // Also called once a count comes back, when the page may be gone.
        let (asked, result) = page.try_get_untracked().flatten()?;
        let shown = result.ok()?;
        let first = asked.after.is_none() && asked.before.is_none();
        (first && view.try_with_untracked(|v| *v == asked) == Some(true))
            .then(|| (asked, shown.events.first().map(AuditEvent::cursor)))
    };
    Effect::watch(
        move || live.changes.get(),
        move |_, _, _| {
            let Some((asked, since)) = shown_top() else {
                return;
            };
            leptos::task::spawn_local(async move {
                let counted = count_new_audit_events(asked.clone(), since.clone()).await;
                // Only while the same rows are on screen: a count for older ones is wrong.
                if let (Ok(n), Some(still)) = (counted, shown_top()) {
                    if still == (asked, since) {
                        fresh.set(n);
                    }
                }
            });
        },
        false,
    );
    (fresh, live)
}

/// Search, the person pickers, actions, dates and account.
#[component]
fn Toolbar(
    view: Memo<AuditQuery>,
    go: Callback<(AuditQuery, bool)>,
    /// True from a keystroke until its search is in the URL.
    typing: RwSignal<bool>,
    /// The company's accounts, when the viewer may see them.
    choices: Option<Resource<Option<crate::model::FilterChoices>>>,
) -> impl IntoView {
    let on_search = use_url_search(
        typing,
        move || view.get_untracked().search,
        move |search| {
            go.run((
                AuditQuery {
                    search,
                    ..view.get_untracked().first_page()
                },
                true,
            ))
        },
    );
    let set_day = move |until: bool| {
        move |e: ev::Event| {
            let day = day_start_ms(&event_target_value(&e));
            let current = view.get_untracked().first_page();
            go.run((
                if until {
                    // Until the end of the chosen day.
                    AuditQuery {
                        until: day.map(|d| d + 86_400_000),
                        ..current
                    }
                } else {
                    AuditQuery { from: day, ..current }
                },
                false,
            ));
        }
    };
    let filters_open = RwSignal::new(false);
    // The pickers search the users table, so they need its permission; without it the person
    // filters are still set from the rows' links.
    let may_pick = use_permission(Permission::ViewUsers);
    view! {
        <div class="toolbar audit-toolbar">
            <input
                type="search"
                class="search"
                aria-label="Search events"
                placeholder="Search by person or action"
                value=view.get_untracked().search
                prop:value=move || view.get().search
                on:input=on_search
            />
            <button type="button" class="secondary filters-toggle" aria-controls="audit-filters"
                aria-expanded=move || filters_open.get().to_string()
                on:click=move |_| filters_open.update(|o| *o = !*o)>
                "Filters"
            </button>
            <div id="audit-filters" class="filters" class:open=move || filters_open.get()>
                {may_pick.then(|| view! {
                    <PersonPicker id="audit-actor" label="By" placeholder="Anyone"
                        selected=Signal::derive(move || view.get().actor)
                        on_pick=Callback::new(move |(id, _): (UserId, String)| go.run((AuditQuery { actor: Some(id), ..view.get_untracked().first_page() }, false))) />
                    <PersonPicker id="audit-target" label="About" placeholder="Anyone"
                        selected=Signal::derive(move || view.get().target)
                        on_pick=Callback::new(move |(id, _): (UserId, String)| go.run((AuditQuery { target: Some(id), ..view.get_untracked().first_page() }, false))) />
                })}
                <ActionFilter view go />
                <label class="date-filter">
                    "From"
                    <input type="date"
                        prop:value=move || view.get().from.map(day_of_ms).unwrap_or_default()
                        on:change=set_day(false) />
                </label>
                <label class="date-filter">
                    "Until"
                    <input type="date"
                        prop:value=move || view.get().until.map(|u| day_of_ms(u.saturating_sub(1))).unwrap_or_default()
                        on:change=set_day(true) />
                </label>
                {choices.map(|choices| view! {
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            choices.await.map(|c| view! {
                                <FilterSelect label="Account" all="All accounts" choices=c.accounts
                                    selected=Signal::derive(move || view.get().account.map(|a| a.0))
                                    on_pick=move |id| go.run((AuditQuery { account: id.map(crate::model::AccountId), ..view.get_untracked().first_page() }, false))
                                />
                            })
                        })}
                    </Suspense>
                })}
            </div>
        </div>
    }
}

/// The actions to show (several), or with "Exclude them" every action but those.
#[component]
fn ActionFilter(view: Memo<AuditQuery>, go: Callback<(AuditQuery, bool)>) -> impl IntoView {
    let summary = move || {
        let v = view.get();
        match (v.actions.len(), v.not) {
            (0, _) => "All actions".to_string(),
            (n, false) => format!("Actions ({n})"),
            (n, true) => format!("All but {n} actions"),
        }
    };
    let toggle = move |action: AuditAction| {
        let mut next = view.get_untracked().first_page();
        if let Some(i) = next.actions.iter().position(|a| *a == action) {
            next.actions.remove(i);
        } else {
            next.actions.push(action);
        }
        go.run((next, false));
    };
    view! {
        // Stays open while several actions are ticked; closes when focus leaves it (a click
        // anywhere else) or on Escape, so it never sits over the table.
        <details class="action-filter" on:focusout=close_when_left on:keydown=close_on_escape>
            <summary>{summary}</summary>
            <div class="action-choices">
                <label class="check">
                    <input type="checkbox"
                        prop:checked=move || view.get().not
                        on:change=move |e| go.run((AuditQuery { not: event_target_checked(&e), ..view.get_untracked().first_page() }, false)) />
                    "Exclude the chosen actions"
                </label>
                <fieldset>
                    <legend class="visually-hidden">"Actions"</legend>
                    {AuditAction::ALL
                        .into_iter()
                        .map(|action| view! {
                            <label class="check">
                                <input type="checkbox"
                                    prop:checked=move || view.get().actions.contains(&action)
                                    on:change=move |_| toggle(action) />
                                {capitalised(action.words())}
                            </label>
                        })
                        .collect_view()}
                </fieldset>
            </div>
        </details>
    }
}

/// The answered view's actor and target filters, each with a way to remove it. A person is
/// named as the events shown name them (nothing beyond what the page shows), or "one person"
/// when none does.
fn person_filters(answered: &AuditQuery, shown: &AuditPage) -> impl IntoView {
    // "By …" or "About …" the person `id`, with their name from the first event `name` finds.
    let label = |prefix: &str, id: Option<UserId>, name: fn(&AuditEvent, UserId) -> Option<&str>| {
        id.map(|id| {
            let named = shown.events.iter().find_map(|e| name(e, id));
            format!("{prefix} {}", named.unwrap_or("one person"))
        })
    };
    let actor = label("By", answered.actor, |e, id| {
        (e.actor_id == Some(id)).then_some(e.actor_name.as_str())
    });
    let target = label("About", answered.target, |e, id| {
        e.target_name.as_deref().filter(|_| e.target_id == Some(id))
    });
    let chip = |label: Option<String>, clear: fn(&mut AuditQuery)| {
        label.map(|label| {
            let mut without = answered.first_page();
            clear(&mut without);
            view! {
                <span class="filter-chip">
                    {label.clone()}
                    <A href=audit_href(&without) attr:aria-label=format!("Remove filter: {label}")>"×"</A>
                </span>
            }
        })
    };
    view! {
        <div class="filter-chips">
            {chip(actor, |q| q.actor = None)}
            {chip(target, |q| q.target = None)}
        </div>
    }
}

fn capitalised(words: &str) -> String {
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[component]
fn Results(view: Memo<AuditQuery>, shown: AuditPage, busy: Signal<bool>) -> impl IntoView {
    let page_link = move |cursor: Option<String>, before: bool| {
        Signal::derive(move || {
            cursor.clone().filter(|_| !busy.get()).map(|c| {
                let v = view.get().first_page();
                audit_href(&if before {
                    AuditQuery { before: Some(c), ..v }
                } else {
                    AuditQuery { after: Some(c), ..v }
                })
            })
        })
    };
    let prev = page_link(shown.prev.clone(), true);
    let next = page_link(shown.next.clone(), false);
    let now = shown.now;
    let empty = shown.events.is_empty();
    view! {
        <div class="table-wrap" class:busy=move || busy.get()>
            <div class="busy-bar" aria-hidden="true"></div>
            <table id="audit-events" tabindex="-1" class="data-table audit-table" aria-busy=move || busy.get().to_string()>
                <caption class="visually-hidden">"Audit events, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col" class="col-when">"When"</th>
                        <th scope="col" class="col-actor">"Who"</th>
                        <th scope="col" class="col-action">"Did"</th>
                        <th scope="col" class="col-target">"To"</th>
                        <th scope="col" class="col-account">"Account"</th>
                        <th scope="col" class="col-ip">"IP address"</th>
                        <th scope="col" class="col-details">"Details"</th>
                    </tr>
                </thead>
                <tbody>
                    {shown.events.into_iter().map(|event| view! { <EventRow event now /> }).collect_view()}
                </tbody>
            </table>
            {empty.then(|| view! {
                <p class="empty">
                    "No events match. "
                    <A href="/audit">"Show every event"</A>
                </p>
            })}
        </div>
        <div class="pager">
            <PageLinks prev next />
        </div>
    }
}

/// Who acted, as the log shows them: a person by the name they had, or "System".
pub fn actor_label(event: &AuditEvent) -> String {
    match event.actor_kind {
        ActorKind::System => "System".into(),
        ActorKind::Person => event.actor_name.clone(),
    }
}

/// The action in words; an action this version does not know by its stored key.
pub fn action_words(event: &AuditEvent) -> String {
    event
        .action
        .map(|a| a.words().to_string())
        .unwrap_or_else(|| event.action_key.clone())
}

#[component]
fn EventRow(event: AuditEvent, now: i64) -> impl IntoView {
    let actor = actor_label(&event);
    let words = action_words(&event);
    let by_them = event.actor_id.map(|id| {
        audit_href(&AuditQuery {
            actor: Some(id),
            ..Default::default()
        })
    });
    let actor_cell = match by_them {
        Some(href) => {
            let title = format!("Events by {actor}");
            view! { <A href=href attr:title=title>{actor}</A> }.into_any()
        }
        None => view! { <span>{actor}</span> }.into_any(),
    };
    let target = match (event.target_id, event.target_name.clone()) {
        (Some(id), Some(name)) => {
            let about = audit_href(&AuditQuery {
                target: Some(id),
                ..Default::default()
            });
            let label = event.target_label.clone();
            let also = (label != name && !label.is_empty())
                .then(|| view! { <span class="muted target-label">{label}</span> });
            let about_name = format!("Events about {name}");
            // One element: on a phone the cell is a two-column grid (its label, then this).
            view! {
                <span>
                    <A href=format!("/users/{id}")>{name}</A>
                    {also}
                    " "
                    <A href=about attr:class="muted small" attr:aria-label=about_name>"History"</A>
                </span>
            }
            .into_any()
        }
        _ => view! { <span>{event.target_label.clone()}</span> }.into_any(),
    };
    // An account still there links to its events; one deleted since shows its name then.
    let account = match (event.account_id, event.account_name.clone()) {
        (Some(id), Some(name)) => {
            let on = audit_href(&AuditQuery {
                account: Some(id),
                ..Default::default()
            });
            let title = format!("Events on {name}");
            view! { <A href=on attr:title=title>{name}</A> }.into_any()
        }
        (None, Some(name)) => view! { <span>{name}</span> }.into_any(),
        _ => ().into_any(),
    };
    let changes = (event.before.is_some() || event.after.is_some()).then(|| {
        let before = event.before.clone().unwrap_or_else(|| "—".into());
        let after = event.after.clone().unwrap_or_else(|| "—".into());
        view! {
            <details class="event-details">
                <summary>"Details"</summary>
                <dl>
                    <dt>"Before"</dt><dd><code>{before}</code></dd>
                    <dt>"After"</dt><dd><code>{after}</code></dd>
                </dl>
            </details>
        }
    });
    view! {
        <tr>
            <td class="col-when" data-label="When"><RelativeTime now at=Some(event.created_at) /></td>
            <th scope="row" class="col-actor" data-label="Who">{actor_cell}</th>
            <td class="col-action" data-label="Did">{words}</td>
            <td class="col-target" data-label="To">{target}</td>
            <td class="col-account" data-label="Account">{account}</td>
            <td class="col-ip" data-label="IP address">{event.ip.clone()}</td>
            <td class="col-details" data-label="Details">{changes}</td>
        </tr>
    }
    .into_any()
}

/// Closes a `<details>` dropdown once focus moves outside it.
fn close_when_left(event: ev::FocusEvent) {
    use wasm_bindgen::JsCast;
    let Some(details) = event
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let inside = event
        .related_target()
        .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
        .is_some_and(|node| details.contains(Some(&node)));
    if !inside {
        let _ = details.remove_attribute("open");
    }
}

/// Closes a `<details>` dropdown on Escape and gives focus back to its summary.
fn close_on_escape(event: ev::KeyboardEvent) {
    use wasm_bindgen::JsCast;
    if event.key() != "Escape" {
        return;
    }
    let Some(details) = event
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    if details.has_attribute("open") {
        event.prevent_default();
        let _ = details.remove_attribute("open");
        if let Some(summary) = details
            .query_selector("summary")
            .ok()
            .flatten()
            .and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = summary.focus();
        }
    }
}
