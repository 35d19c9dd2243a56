//! The list of a user's signed-in devices, shown on the profile (one's own) and on a user's
//! page (for an admin).

use crate::{
    components::time::RelativeTime,
    model::{Devices, SessionId},
};
use leptos::prelude::*;

/// Each device with browser, system, address, sign-in and last activity, "This device" on
/// the current one and a "Sign out" button on every other.
#[component]
pub fn DeviceList(
    /// The devices and the server's "now".
    devices: Devices,
    /// Ends one session.
    on_sign_out: Callback<SessionId>,
    /// True while a sign-out is under way.
    pending: Signal<bool>,
) -> impl IntoView {
    let now = devices.now;
    if devices.devices.is_empty() {
        return view! { <p class="muted">"No signed-in devices."</p> }.into_any();
    }
    view! {
        <ul class="devices" aria-label="Signed-in devices">
            {devices
                .devices
                .into_iter()
                .map(|d| {
                    let what = format!("{} on {}", d.browser, d.os);
                    let label = format!("Sign out {what}");
                    let id = d.id;
                    view! {
                        <li class="device">
                            <div class="device-main">
                                <p class="device-name">
                                    <strong>{what}</strong>
                                    {d.current.then(|| view! { <span class="badge">"This device"</span> })}
                                </p>
                                <p class="device-facts">
                                    <span>{if d.ip.is_empty() { "Address unknown".to_string() } else { format!("IP {}", d.ip) }}</span>
                                    <span>"Signed in " <RelativeTime now at=Some(d.signed_in_at) /></span>
                                    <span>"Last active " <RelativeTime now at=Some(d.last_active_at) /></span>
                                </p>
                            </div>
                            {(!d.current).then(|| view! {
                                <button type="button" class="secondary" aria-label=label
                                    disabled=move || pending.get()
                                    on:click=move |_| on_sign_out.run(id)>
                                    "Sign out"
                                </button>
                            })}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// A user's devices as an admin with manage-users sees them on the user's page, with "Sign
/// out" per device and "Sign out everywhere".
#[component]
pub fn UserDevices(
    /// Whose devices.
    user: crate::model::UserId,
) -> impl IntoView {
    use crate::{
        api::profile::{end_user_sessions, user_devices},
        components::{field::FormAlert, notice::ErrorNotice},
    };
    let end = Action::new(move |session: &Option<SessionId>| end_user_sessions(user, *session));
    let devices = Resource::new(move || end.version().get(), move |_| user_devices(user));
    let error = Signal::derive(move || end.value().get().and_then(Result::err));
    let pending = end.pending();
    view! {
        <section class="panel" aria-labelledby="devices-title">
            <h2 id="devices-title">"Connected devices"</h2>
            <FormAlert error />
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match devices.await {
                        Ok(devices) => {
                            let any = devices.devices.iter().any(|d| !d.current);
                            view! {
                                <DeviceList devices on_sign_out=Callback::new(move |id| { end.dispatch(Some(id)); })
                                    pending=pending.into() />
                                {any.then(|| view! {
                                    <button type="button" class="secondary danger-text" disabled=move || pending.get()
                                        on:click=move |_| { end.dispatch(None); }>
                                        "Sign out everywhere"
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
