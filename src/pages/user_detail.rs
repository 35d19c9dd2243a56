use super::user_access::AccessPanel;
use crate::{
    api::users::{get_user, TransferOwnership, UpdateUser},
    components::{
        field::{Field, FormAlert},
        live::{use_live_updates, LiveIndicator, LiveUpdates, StaleNotice},
        me::use_me,
        notice::ErrorNotice,
        time::RelativeTime,
        toast::Toast,
    },
    model::{LiveKind, Permission, UserDetails, UserId, UserStatus},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

/// `/users/<id>`: one user's details, their edit form, and ownership transfer for the owner.
///
/// Live: when someone else changes the user, the details shown follow at once, but the edit
/// form keeps what it was opened with (and what is being typed): it says "Changed by <name>
/// just now" and offers Reload. Saving it anyway is refused as stale by the server.
#[component]
pub fn UserDetailPage() -> impl IntoView {
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
                                                let can_manage = may_manage_users && details.below_viewer;
                        let i_am_owner = i_own && my_id != details.id;
                        let is_me = my_id == details.id;
                        let access_editable = can_manage && !details.is_owner && !is_me;
                        let on_change = Callback::new(move |()| access_changed.update(|n| *n += 1));
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
                        let on_reload = Callback::new(move |()| reloads.update(|n| *n += 1));
                        view! {
                            <Details details current can_manage above_me i_am_owner update access_editable on_change
                                live stale by=fresh.by on_reload choices />
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
    }
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
                    if asked.get_value() == this && id.get_untracked() == user {
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
    /// Whether the viewer may edit.
    can_manage: bool,
    /// Whether the viewer manages users but this person holds as much as they do or more.
    above_me: bool,
    /// Whether the viewer owns the company (and this is someone else).
    i_am_owner: bool,
    update: ServerAction<UpdateUser>,
    /// Whether the viewer may change this user's access per account.
    access_editable: bool,
    /// Called after an access change, so the page reloads the user.
    on_change: Callback<()>,
    /// The page's live stream, for its indicator.
    live: LiveUpdates,
    /// Someone else changed the user since the form was opened.
    stale: Signal<bool>,
    /// Who, when the live stream said.
    by: RwSignal<Option<String>>,
    /// Opens the form again on the newest details.
    on_reload: Callback<()>,
    /// The roles and accounts the access panel offers.
    choices: Resource<Option<crate::model::FilterChoices>>,
) -> impl IntoView {
    let error = Signal::derive(move || update.value().get().and_then(Result::err));
    let transfer = ServerAction::<TransferOwnership>::new();
    let transfer_error = Signal::derive(move || transfer.value().get().and_then(Result::err));
    let can_transfer = i_am_owner && details.status == UserStatus::Active;
    let id = details.id.0.to_string();
    let (edit, owner_to_be, transfer_id) = (details.clone(), details.name.clone(), id.clone());
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let user_id = details.id;
    let shown = move |field: fn(&UserDetails) -> String| move || current.with(field);
    let status = move || current.with(|c| c.status);
    let last_seen = move || current.with(|c| (c.now, c.last_seen_at));
    view! {
        <div class="page-head">
            <h1>{shown(|c| c.name.clone())}</h1>
            <LiveIndicator live />
        </div>
        {above_me.then(|| view! {
            <p class="muted" role="note">
                {format!("{} holds as much access as you or more, so only the owner or someone above them can change them.", details.name)}
            </p>
        })}
        <dl class="details">
            <dt>"Email"</dt><dd>{shown(|c| c.email.clone())}</dd>
            <dt>"Role"</dt><dd>{shown(|c| c.role.clone())}</dd>
            <dt>"Status"</dt>
            <dd><span class=move || format!("status status-{}", status().key())>{move || status().label()}</span></dd>
            <dt>"Last seen"</dt>
            <dd>{move || { let (now, at) = last_seen(); view! { <RelativeTime now at /> } }}</dd>
        </dl>
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
        {can_transfer.then(move || view! {
            <section class="panel" aria-labelledby="transfer-title">
                <h2 id="transfer-title">"Transfer ownership"</h2>
                <p class="muted">{format!("{owner_to_be} becomes the owner of the company and you become an Admin.")}</p>
                <ActionForm action=transfer>
                    <FormAlert error=transfer_error />
                    <input type="hidden" name="to" value=transfer_id />
                    <Field label="Your password" name="password" kind="password" autocomplete="current-password" error=transfer_error />
                    <button type="submit" class="danger" disabled=move || transfer.pending().get()>"Transfer ownership"</button>
                </ActionForm>
            </section>
        })}
    }
}
