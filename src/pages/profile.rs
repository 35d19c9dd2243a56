use crate::{
    api::profile::{
        get_profile, my_devices, save_notifications, sign_out_device, sign_out_other_devices, ChangeEmail,
        ChangePassword, SaveProfileDetails,
    },
    components::{
        devices::DeviceList,
        field::{Field, FormAlert},
        notice::ErrorNotice,
        toast::Toast,
    },
    error::AppError,
    model::{NotificationPrefs, Profile, COUNTRIES, LANGUAGES, TIME_ZONES},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/profile`: the signed-in user's own details, login email, password, notification
/// preferences and signed-in devices. The server only ever changes the caller.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let profile = Resource::new(|| (), |_| get_profile());
    let notice = RwSignal::new(None::<String>);
    view! {
        <Title text="Profile" />
        <h1>"Profile"</h1>
        <Toast notice />
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(profile) => view! {
                        <DetailsSection profile=profile.clone() notice />
                        <EmailSection email=profile.email.clone() notice />
                        <PasswordSection notice />
                        <NotificationsSection prefs=profile.notifications notice />
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
        <DevicesSection notice />
    }
}

/// A labelled select of `options` (value, label), the current value selected.
#[component]
fn SelectField(
    /// The visible label.
    label: &'static str,
    /// The form field name.
    name: &'static str,
    /// The field name in the server's errors.
    error_key: &'static str,
    /// (value, label) pairs.
    options: Vec<(String, String)>,
    /// The value selected at first.
    value: String,
    /// The server's last error for the form.
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("field-{error_key}");
    let error_id = format!("{id}-error");
    let message = Memo::new(move |_| {
        error
            .get()
            .filter(|e| e.field_name() == Some(error_key))
            .map(|e| e.to_string())
    });
    let described = error_id.clone();
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=name class="full"
                aria-invalid=move || message.get().map(|_| "true")
                aria-describedby=move || message.get().map(|_| described.clone())>
                {options
                    .into_iter()
                    .map(|(v, l)| {
                        let selected = v == value;
                        view! { <option value=v selected=selected>{l}</option> }
                    })
                    .collect_view()}
            </select>
            <p class="field-error" id=error_id>{move || message.get()}</p>
        </div>
    }
}

#[component]
fn DetailsSection(profile: Profile, notice: RwSignal<Option<String>>) -> impl IntoView {
    let save = ServerAction::<SaveProfileDetails>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            notice.set(Some("Details saved.".into()));
        }
    });
    let countries = std::iter::once((String::new(), "Not set".to_string()))
        .chain(COUNTRIES.iter().map(|c| (c.to_string(), c.to_string())))
        .collect();
    let languages = LANGUAGES
        .iter()
        .map(|(code, name)| (code.to_string(), name.to_string()))
        .collect();
    let zones = TIME_ZONES
        .iter()
        .map(|z| (z.to_string(), z.replace('_', " ")))
        .collect();
    view! {
        <section class="panel" aria-labelledby="details-title">
            <h2 id="details-title">"Details"</h2>
            <ActionForm action=save>
                <FormAlert error />
                <Field label="Name" name="details[name]" error_key="name" autocomplete="name"
                    value=profile.name maxlength=100 error />
                <Field label="Phone" name="details[phone]" error_key="phone" kind="tel" autocomplete="tel"
                    value=profile.phone optional=true error />
                <div class="field-row">
                    <SelectField label="Country" name="details[country]" error_key="country"
                        options=countries value=profile.country error />
                    <SelectField label="Language" name="details[locale]" error_key="locale"
                        options=languages value=profile.locale error />
                </div>
                <SelectField label="Time zone" name="details[time_zone]" error_key="time_zone"
                    options=zones value=profile.time_zone error />
                <button type="submit" class="primary" disabled=move || save.pending().get()>"Save"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn EmailSection(email: String, notice: RwSignal<Option<String>>) -> impl IntoView {
    let change = ServerAction::<ChangeEmail>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let open = RwSignal::new(false);
    let sent_to = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(to)) = change.value().get() {
            notice.set(Some(format!("We sent a link to {to}.")));
            sent_to.set(Some(to));
            open.set(false);
        }
    });
    view! {
        <section class="panel" aria-labelledby="email-title">
            <h2 id="email-title">"Email"</h2>
            <p>"You sign in with " <strong>{email}</strong> "."</p>
            {move || sent_to.get().map(|to| view! {
                <p class="hint" role="status">
                    {format!("Open the link we sent to {to} within 24 hours to make it your login. Until then, keep signing in with your current email.")}
                </p>
            })}
            <Show when=move || open.get()
                fallback=move || view! {
                    <button type="button" class="secondary" on:click=move |_| open.set(true)>"Change email"</button>
                }>
                <ActionForm action=change>
                    <FormAlert error />
                    <Field label="New email" name="new_email" kind="email" autocomplete="email" error />
                    <Field label="Current password" name="current_password" kind="password"
                        autocomplete="current-password" error />
                    <div class="form-actions">
                        <button type="submit" class="primary" disabled=move || change.pending().get()>"Send verification link"</button>
                        <button type="button" class="secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    </div>
                </ActionForm>
            </Show>
        </section>
    }
}

#[component]
fn PasswordSection(notice: RwSignal<Option<String>>) -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let form_ref = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(Ok(ended)) = change.value().get() {
            notice.set(Some(match ended {
                0 => "Password changed.".to_string(),
                1 => "Password changed. Signed out of 1 other device.".to_string(),
                n => format!("Password changed. Signed out of {n} other devices."),
            }));
            if let Some(form) = form_ref.get_untracked() {
                form.reset();
            }
            if let Some(DevicesChanged(version)) = use_context::<DevicesChanged>() {
                version.update(|v| *v += 1);
            }
        }
    });
    view! {
        <section class="panel" aria-labelledby="password-title">
            <h2 id="password-title">"Password"</h2>
            <ActionForm action=change node_ref=form_ref>
                <FormAlert error />
                <Field label="Current password" name="current_password" kind="password"
                    autocomplete="current-password" error />
                <Field label="New password" name="new_password" error_key="password" kind="password"
                    autocomplete="new-password"
                    hint="8 to 128 characters. A few unrelated words make a strong password."
                    minlength=crate::model::NewPassword::MIN_LEN as u32
                    maxlength=crate::model::NewPassword::MAX_LEN as u32 error />
                <div class="check-field">
                    <input type="checkbox" id="sign-out-others" name="sign_out_others" value="true" checked=true />
                    <label for="sign-out-others">"Sign out other devices"</label>
                </div>
                <button type="submit" class="primary" disabled=move || change.pending().get()>"Change password"</button>
            </ActionForm>
        </section>
    }
}

/// Asks the browser's permission to show desktop notifications; answers whether it is given.
#[cfg(feature = "hydrate")]
async fn ask_notification_permission() -> bool {
    use web_sys::{Notification, NotificationPermission};
    if Notification::permission() == NotificationPermission::Granted {
        return true;
    }
    let Ok(promise) = Notification::request_permission() else {
        return false;
    };
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    Notification::permission() == NotificationPermission::Granted
}

#[component]
fn NotificationsSection(prefs: NotificationPrefs, notice: RwSignal<Option<String>>) -> impl IntoView {
    let prefs = RwSignal::new(prefs);
    let blocked = RwSignal::new(false);
    let save = Action::new(move |p: &NotificationPrefs| save_notifications(*p));
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            prefs.set(saved.notifications);
            notice.set(Some("Notification settings saved.".into()));
        }
    });
    let toggle = move |change: fn(&mut NotificationPrefs, bool), on: bool| {
        let mut next = prefs.get_untracked();
        change(&mut next, on);
        prefs.set(next);
        save.dispatch(next);
    };
    let on_desktop = move |on: bool| {
        blocked.set(false);
        toggle(|p, on| p.desktop = on, on);
        #[cfg(feature = "hydrate")]
        if on {
            leptos::task::spawn_local(async move {
                if !ask_notification_permission().await {
                    blocked.set(true);
                }
            });
        }
    };
    let row = move |id: &'static str,
                    label: &'static str,
                    hint: &'static str,
                    get: fn(&NotificationPrefs) -> bool,
                    set: Callback<bool>| {
        let hint_id = format!("{id}-hint");
        view! {
            <div class="check-field">
                <input type="checkbox" id=id aria-describedby=hint_id.clone()
                    prop:checked=move || get(&prefs.get())
                    on:change=move |e| set.run(event_target_checked(&e)) />
                <div>
                    <label for=id>{label}</label>
                    <p class="hint" id=hint_id>{hint}</p>
                </div>
            </div>
        }
    };
    view! {
        <section class="panel" aria-labelledby="notifications-title">
            <h2 id="notifications-title">"Notifications"</h2>
            <FormAlert error />
            <fieldset class="plain">
                <legend>"While Roster is open"</legend>
                {row("notify-desktop", "Desktop notifications",
                    "Your browser asks whether Roster may show them.",
                    |p| p.desktop, Callback::new(on_desktop))}
                {move || blocked.get().then(|| view! {
                    <p class="form-alert" role="alert">
                        "Your browser blocks notifications from Roster. Allow them in the site settings of your browser."
                    </p>
                })}
                {row("notify-badge", "Browser badge", "A count on Roster's tab when something waits for you.",
                    |p| p.badge, Callback::new(move |on| toggle(|p, on| p.badge = on, on)))}
                {row("notify-sounds", "Sounds", "A short sound with each notification.",
                    |p| p.sounds, Callback::new(move |on| toggle(|p, on| p.sounds = on, on)))}
            </fieldset>
            <fieldset class="plain">
                <legend>"Email"</legend>
                {row("notify-invitee-joined", "Email me when someone I invited joins", "Sent to your login email.",
                    |p| p.invitee_joined_email, Callback::new(move |on| toggle(|p, on| p.invitee_joined_email = on, on)))}
            </fieldset>
        </section>
    }
}

/// Bumped when something elsewhere on the page may have ended sessions.
#[derive(Clone, Copy)]
struct DevicesChanged(RwSignal<u32>);

#[component]
fn DevicesSection(notice: RwSignal<Option<String>>) -> impl IntoView {
    let changed = RwSignal::new(0u32);
    provide_context(DevicesChanged(changed));
    let sign_out = Action::new(move |id: &crate::model::SessionId| sign_out_device(*id));
    let sign_out_others = Action::new(move |_: &()| sign_out_other_devices());
    let devices = Resource::new(
        move || {
            (
                changed.get(),
                sign_out.version().get(),
                sign_out_others.version().get(),
            )
        },
        |_| my_devices(),
    );
    let error = Signal::derive(move || {
        sign_out
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| sign_out_others.value().get().and_then(Result::err))
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            notice.set(Some("Signed out of that device.".into()));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(n)) = sign_out_others.value().get() {
            notice.set(Some(match n {
                1 => "Signed out of 1 other device.".to_string(),
                n => format!("Signed out of {n} other devices."),
            }));
        }
    });
    let pending = Signal::derive(move || sign_out.pending().get() || sign_out_others.pending().get());
    view! {
        <section class="panel" aria-labelledby="devices-title">
            <h2 id="devices-title">"Connected devices"</h2>
            <FormAlert error />
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match devices.await {
                        Ok(devices) => {
                            let others = devices.devices.iter().any(|d| !d.current);
                            view! {
                                <DeviceList devices on_sign_out=Callback::new(move |id| { sign_out.dispatch(id); }) pending />
                                {others.then(|| view! {
                                    <button type="button" class="secondary danger-text" disabled=move || pending.get()
                                        on:click=move |_| { sign_out_others.dispatch(()); }>
                                        "Sign out of all other devices"
                                    </button>
                                })}
                            }
                            .into_any()
                        }
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
