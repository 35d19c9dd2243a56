use crate::{
    api::settings::{get_mail_allowance, get_settings, ResendConfirmation, SaveSettings},
    components::{
        field::{Field, FormAlert},
        layout::CompanyTitle,
        live::{use_live_updates, LiveIndicator, LiveUpdates, StaleNotice},
        notice::{refused_without, ErrorNotice},
        toast::Toast,
    },
    model::{CompanySettings, LiveKind, MailAllowance, Permission, AUDIT_RETENTION_DAYS, INVITATION_DAYS},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/settings`: the company's name and how long emailed links stay valid (manage-settings).
/// Live: when another admin saves them, the open form says so and offers Reload.
#[component]
pub fn SettingsPage() -> impl IntoView {
    if let Some(refusal) = refused_without(Permission::ManageSettings) {
        return refusal;
    }
    let reloads = RwSignal::new(0_u64);
    let settings = Resource::new(move || reloads.get(), |_| get_settings());
    let live = use_live_updates(&[LiveKind::Settings]);
    let save = ServerAction::<SaveSettings>::new();
    let notice = RwSignal::new(None::<String>);
    let title = use_context::<CompanyTitle>();
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            notice.set(Some("Settings saved.".into()));
            if let Some(CompanyTitle(title)) = title {
                title.set(saved.company_name);
            }
        }
    });
    view! {
        <Title text="Settings" />
        <Toast notice />
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(current) => {
                        let on_reload = Callback::new(move |()| reloads.update(|n| *n += 1));
                        view! { <SettingsForm current save live on_reload /> }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
        <MailSection notice />
    }
    .into_any()
}

#[component]
fn SettingsForm(
    current: CompanySettings,
    save: ServerAction<SaveSettings>,
    live: LiveUpdates,
    on_reload: Callback<()>,
) -> impl IntoView {
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    // What the form holds as saved: as opened, then as we last saved it.
    let ours = RwSignal::new(current.clone());
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            ours.set(saved);
        }
    });
    // The settings as stored after another admin's save, and who saved them.
    let theirs = RwSignal::new(None::<(CompanySettings, Option<String>)>);
    Effect::watch(
        move || live.changes.get(),
        move |_, _, _| {
            let by = live
                .events
                .with_untracked(|events| events.iter().rev().find_map(|e| e.by.clone()));
            leptos::task::spawn_local(async move {
                if let Ok(stored) = get_settings().await {
                    theirs.set(Some((stored, by)));
                }
            });
        },
        false,
    );
    // Our own save is news only until its answer lands.
    let stale = Memo::new(move |_| {
        !save.pending().get() && theirs.with(|t| t.as_ref().is_some_and(|(s, _)| ours.with(|o| s != o)))
    });
    let by = Signal::derive(move || theirs.with(|t| t.as_ref().and_then(|(_, by)| by.clone())));
    let days_error = Memo::new(move |_| {
        error
            .get()
            .filter(|e| e.field_name() == Some("invitation_validity_days"))
            .map(|e| e.to_string())
    });
    let retention_error = Memo::new(move |_| {
        error
            .get()
            .filter(|e| e.field_name() == Some("audit_retention_days"))
            .map(|e| e.to_string())
    });
    view! {
        <div class="page-head">
            <h1>"Settings"</h1>
            <LiveIndicator live />
        </div>
        <section class="panel" aria-labelledby="company-title">
            <h2 id="company-title">"Company"</h2>
            <Show when=move || stale.get()>
                <StaleNotice by on_reload
                    consequence="Saving this form would overwrite their change; reload it to see it." />
            </Show>
            <ActionForm action=save>
                <FormAlert error />
                <Field label="Company name" name="settings[company_name]" error_key="company_name"
                    value=current.company_name maxlength=100 error />
                <div class="field">
                    <label for="invitation-days">"Invitation links are valid for (days)"</label>
                    <input
                        id="invitation-days"
                        name="settings[invitation_validity_days]"
                        type="number"
                        inputmode="numeric"
                        required=true
                        min=INVITATION_DAYS.start().to_string()
                        max=INVITATION_DAYS.end().to_string()
                        value=current.invitation_validity_days.to_string()
                        aria-describedby="invitation-days-hint invitation-days-error"
                        aria-invalid=move || days_error.get().map(|_| "true")
                    />
                    <p class="hint" id="invitation-days-hint">
                        {format!(
                            "From {} to {} days. Applies to invitations and set-up links sent from now on.",
                            INVITATION_DAYS.start(),
                            INVITATION_DAYS.end()
                        )}
                    </p>
                    <p class="field-error" id="invitation-days-error">{move || days_error.get()}</p>
                </div>
                <div class="field">
                    <label for="audit-retention-days">"Keep audit log events for (days)"</label>
                    <input
                        id="audit-retention-days"
                        name="settings[audit_retention_days]"
                        type="number"
                        inputmode="numeric"
                        required=true
                        min=AUDIT_RETENTION_DAYS.start().to_string()
                        max=AUDIT_RETENTION_DAYS.end().to_string()
                        value=current.audit_retention_days.to_string()
                        aria-describedby="audit-retention-days-hint audit-retention-days-error"
                        aria-invalid=move || retention_error.get().map(|_| "true")
                    />
                    <p class="hint" id="audit-retention-days-hint">
                        {format!(
                            "From {} to {} days. Older events are removed once a day; the log records how many.",
                            AUDIT_RETENTION_DAYS.start(),
                            AUDIT_RETENTION_DAYS.end()
                        )}
                    </p>
                    <p class="field-error" id="audit-retention-days-error">{move || retention_error.get()}</p>
                </div>
                <JoinRequestsField allowed=current.allow_join_requests link=current.join_link />
                <button type="submit" class="primary" disabled=move || save.pending().get()>"Save"</button>
            </ActionForm>
        </section>
    }
}

/// What the company may still send today, and, until the owner confirms their address, that
/// it sends nothing, with a way to get the link again.
#[component]
fn MailSection(notice: RwSignal<Option<String>>) -> impl IntoView {
    let allowance = Resource::new(|| (), |_| get_mail_allowance());
    let resend = ServerAction::<ResendConfirmation>::new();
    let error = Signal::derive(move || resend.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if let Some(Ok(())) = resend.value().get() {
            notice.set(Some("We sent you a new link.".into()));
        }
    });
    view! {
        <section class="panel" aria-labelledby="email-title">
            <h2 id="email-title">"Email"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match allowance.await {
                        Ok(mail) => view! { <MailFacts mail resend error /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn MailFacts(
    mail: MailAllowance,
    /// Sends the owner a new confirmation link; offered until they have confirmed.
    resend: ServerAction<ResendConfirmation>,
    error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let limits = mail.limits;
    view! {
        {(!mail.confirmed).then(|| view! {
            <p class="alert" role="status">
                "Roster sends no invitations or set-up emails for your company until its owner confirms their email address with the link we sent when the company was created."
            </p>
            <ActionForm action=resend>
                <FormAlert error />
                <div class="form-actions">
                    <button type="submit" class="secondary" disabled=move || resend.pending().get()>"Send the link again"</button>
                </div>
            </ActionForm>
        })}
        <p>
            {format!(
                "{} invitations and set-up emails left today (UTC), of {} a day, plus one for each person fewer than {} in the company.",
                mail.left_today, limits.invitations_per_day, limits.free_users
            )}
        </p>
        <p class="hint">
            {match limits.resend_minutes {
                0 => "An invitation can be sent again at any time.".to_string(),
                minutes => format!("An invitation can be sent again once every {minutes} minutes."),
            }}
            {format!(
                " A login email can be changed {} times a day. Set by whoever runs this Roster.",
                limits.email_changes_per_day
            )}
        </p>
    }
}

/// "Allow people to ask to join" and the join link to share, part of the settings form.
#[component]
fn JoinRequestsField(
    /// Whether requests are allowed now.
    allowed: bool,
    /// The company's join link.
    link: String,
) -> impl IntoView {
    let on = RwSignal::new(allowed);
    view! {
        <div class="field">
            <label class="choice">
                <input
                    type="checkbox"
                    name="settings[allow_join_requests]"
                    value="true"
                    checked=allowed
                    on:change=move |e| on.set(event_target_checked(&e))
                    aria-describedby="join-link-hint"
                />
                "Allow people to ask to join"
            </label>
            <p class="hint" id="join-link-hint">
                "Anyone with the join link can ask; they confirm their email, then an admin approves them in Users, Awaiting approval."
            </p>
            <label for="join-link">"Join link"</label>
            <input id="join-link" class="join-link" type="text" readonly=true value=link />
            <Show when=move || !on.get()>
                <p class="hint">"The link works once requests are allowed and saved."</p>
            </Show>
        </div>
    }
}
