use crate::{
    api::profile::{
        get_profile, my_devices, save_notifications, save_theme, sign_out_device, sign_out_other_devices,
        ChangeEmail, ChangePassword, SaveProfileDetails,
    },
    components::{
        devices::DeviceList,
        field::{Field, FormAlert},
        notice::ErrorNotice,
        time::ShownTimeZone,
        toast::Toast,
    },
    error::AppError,
    model::{
        format::zone_name, language_label, language_offered, NotificationPrefs, Profile, Theme, COUNTRIES,
        LANGUAGES, TIME_ZONES, TIME_ZONE_AUTOMATIC,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

/// The profile's sections: (URL fragment and element id, name).
const SECTIONS: [(&str, &str); 5] = [
    ("details", "Details"),
    ("email", "Email"),
    ("password", "Password"),
    ("notifications", "Notifications"),
    ("devices", "Connected devices"),
];

/// `/profile`: the signed-in user's own details, login email, password, notification
/// preferences and signed-in devices, one section at a time. The server only ever changes
/// the caller.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let profile = Resource::new(|| (), |_| get_profile());
    let notice = RwSignal::new(None::<String>);
    view! {
        <Title text="Profile" />
        <h1>"Profile"</h1>
        <Toast notice />
        <SectionNav />
        <div class="profile-sections">
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match profile.await {
                        Ok(profile) => view! {
                            <div id="details" class="profile-section">
                                <DetailsSection profile=profile.clone() notice />
                                <AppearanceSection theme=profile.theme notice />
                            </div>
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
        </div>
    }
}

/// The fragment of the page's URL, without '#': after mount and after every change of it.
/// On the server (which never sees it) and while hydrating: empty.
fn use_fragment() -> ReadSignal<String> {
    let fragment = RwSignal::new(String::new());
    #[cfg(feature = "hydrate")]
    {
        let read = move || {
            let hash = window().location().hash().unwrap_or_default();
            fragment.set(hash.trim_start_matches('#').to_string());
        };
        Effect::new(move |_| read());
        let listener = window_event_listener(leptos::ev::hashchange, move |_| read());
        on_cleanup(move || listener.remove());
    }
    fragment.read_only()
}

/// The profile's sections one tap apart: tabs on a wide screen, a sticky select on a phone.
/// Each section is a URL fragment (/profile#devices), and the stylesheet shows the one the
/// fragment names (`:target`; Details without one), so a link from an email shows its
/// section from the first paint, before the page hydrates. The tabs are plain fragment links
/// the browser follows itself (`target="_self"` keeps the router out), which is what moves
/// `:target`; the select sets the fragment the same way.
#[component]
fn SectionNav() -> impl IntoView {
    let fragment = use_fragment();
    let current = Memo::new(move |_| {
        fragment.with(|f| {
            SECTIONS
                .iter()
                .find(|(id, _)| id == f)
                .map_or(SECTIONS[0].0, |(id, _)| id)
        })
    });
    let go = move |ev: leptos::ev::Event| {
        let _section = event_target_value(&ev);
        #[cfg(feature = "hydrate")]
        let _ = window().location().set_hash(&_section);
    };
    view! {
        <nav class="section-tabs" aria-label="Profile sections">
            <ul>
                {SECTIONS
                    .iter()
                    .map(|&(id, name)| {
                        view! {
                            <li>
                                <a href=format!("#{id}") target="_self"
                                    aria-current=move || (current.get() == id).then_some("true")>
                                    {name}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
        <div class="section-select">
            <label for="profile-section">"Section"</label>
            <select id="profile-section" prop:value=move || current.get() on:change=go>
                {SECTIONS
                    .iter()
                    .map(|&(id, name)| view! { <option value=id selected=move || current.get() == id>{name}</option> })
                    .collect_view()}
            </select>
        </div>
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
    let shown_zone = use_context::<ShownTimeZone>();
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            // Times elsewhere on the page follow the new zone at once.
            if let Some(zone) = shown_zone {
                zone.stored.set(saved.time_zone);
            }
            notice.set(Some("Details saved.".into()));
        }
    });
    let countries = std::iter::once((String::new(), "Not set".to_string()))
        .chain(
            COUNTRIES
                .iter()
                .map(|(code, name)| (code.to_string(), name.to_string())),
        )
        .collect();
    // The languages the interface speaks, and the person's own if it was offered earlier: it
    // stays a valid choice for them, so the form saves their other fields unchanged.
    let kept = (!language_offered(&profile.locale)).then(|| profile.locale.clone());
    let languages = LANGUAGES
        .iter()
        .map(|(code, _)| code.to_string())
        .chain(kept)
        .map(|code| {
            let label = language_label(&code);
            (code, label)
        })
        .collect();
    let zones = std::iter::once((
        TIME_ZONE_AUTOMATIC.to_string(),
        "Automatic (this browser's zone)".to_string(),
    ))
    .chain(TIME_ZONES.iter().map(|z| (z.to_string(), zone_name(z))))
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

/// Sets `<html data-theme>`, which the stylesheet reads, so a new choice shows at once (the
/// server writes it into every later page).
fn apply_theme(_theme: Theme) {
    #[cfg(feature = "hydrate")]
    if let Some(html) = document().document_element() {
        let _ = match _theme.data_theme() {
            Some(value) => html.set_attribute("data-theme", value),
            None => html.remove_attribute("data-theme"),
        };
    }
}

/// System, Light or Dark: saved as soon as it is chosen, and applied at once.
#[component]
fn AppearanceSection(theme: Theme, notice: RwSignal<Option<String>>) -> impl IntoView {
    let theme = RwSignal::new(theme);
    let save = Action::new(move |t: &Theme| save_theme(t.key().to_string()));
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            theme.set(saved);
            apply_theme(saved);
            notice.set(Some(format!("Appearance saved: {}.", saved.label())));
        }
    });
    let hint = |t: Theme| match t {
        Theme::System => "Light or dark, as this device is set.",
        Theme::Light => "Dark text on a light background.",
        Theme::Dark => "Light text on a dark background.",
    };
    view! {
        <section class="panel" aria-labelledby="appearance-title">
            <h2 id="appearance-title">"Appearance"</h2>
            <FormAlert error />
            <fieldset class="plain">
                <legend>"Colours"</legend>
                {Theme::ALL
                    .into_iter()
                    .map(|t| {
                        let id = format!("theme-{}", t.key());
                        let hint_id = format!("{id}-hint");
                        view! {
                            <div class="check-field">
                                <input type="radio" name="theme" id=id.clone() value=t.key()
                                    aria-describedby=hint_id.clone()
                                    prop:checked=move || theme.get() == t
                                    checked=theme.get_untracked() == t
                                    on:change=move |_| { save.dispatch(t); } />
                                <div>
                                    <label for=id>{t.label()}</label>
                                    <p class="hint" id=hint_id>{hint(t)}</p>
                                </div>
                            </div>
                        }
                    })
                    .collect_view()}
            </fieldset>
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
        <section id="email" class="panel profile-section" aria-labelledby="email-title">
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
        <section id="password" class="panel profile-section" aria-labelledby="password-title">
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
        <section id="notifications" class="panel profile-section" aria-labelledby="notifications-title">
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
        <section id="devices" class="panel profile-section" aria-labelledby="devices-title">
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
