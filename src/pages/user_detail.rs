use super::user_access::AccessPanel;
use crate::{
    api::users::{get_user, TransferOwnership, UpdateUser},
    app::MeResource,
    components::{
        field::{Field, FormAlert},
        notice::ErrorNotice,
        time::RelativeTime,
        toast::Toast,
    },
    model::{Permission, UserDetails, UserId, UserStatus},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

/// `/users/<id>`: one user's details, their edit form, and ownership transfer for the owner.
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
    let user = Resource::new(
        move || (id.get(), update.version().get(), access_changed.get()),
        |(id, _, _)| get_user(UserId(id)),
    );
    let me = expect_context::<MeResource>().0;
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
                let me = me.await.ok().flatten();
                match user.await {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(details) => {
                        let may_manage_users = me.as_ref().is_some_and(|m| m.can(Permission::ManageUsers));
                        let can_manage = may_manage_users && details.below_viewer;
                        let i_am_owner = me.as_ref().is_some_and(|m| m.role_name == "Owner" && m.id != details.id);
                        let is_me = me.as_ref().is_some_and(|m| m.id == details.id);
                        let access_editable = can_manage && !details.is_owner && !is_me;
                        let on_change = Callback::new(move |()| access_changed.update(|n| *n += 1));
                        let above_me = may_manage_users && !details.below_viewer;
                        view! { <Details details can_manage above_me i_am_owner update access_editable on_change /> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn Details(
    details: UserDetails,
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
) -> impl IntoView {
    let error = Signal::derive(move || update.value().get().and_then(Result::err));
    let transfer = ServerAction::<TransferOwnership>::new();
    let transfer_error = Signal::derive(move || transfer.value().get().and_then(Result::err));
    let can_transfer = i_am_owner && details.status == UserStatus::Active;
    let id = details.id.0.to_string();
    let (edit, owner_to_be, transfer_id) = (details.clone(), details.name.clone(), id.clone());
    view! {
        <div class="page-head">
            <h1>{details.name.clone()}</h1>
        </div>
        {above_me.then(|| view! {
            <p class="muted" role="note">
                {format!("{} holds as much access as you or more, so only the owner or someone above them can change them.", details.name)}
            </p>
        })}
        <dl class="details">
            <dt>"Email"</dt><dd>{details.email.clone()}</dd>
            <dt>"Role"</dt><dd>{details.role.clone()}</dd>
            <dt>"Status"</dt>
            <dd><span class=format!("status status-{}", details.status.key())>{details.status.label()}</span></dd>
            <dt>"Last seen"</dt><dd><RelativeTime now=details.now at=details.last_seen_at /></dd>
        </dl>
        <AccessPanel details=details.clone() editable=access_editable on_change />
        {can_manage.then(move || view! {
            <section class="panel" aria-labelledby="edit-title">
                <h2 id="edit-title">"Edit details"</h2>
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
        {can_manage.then(|| view! { <crate::components::devices::UserDevices user=details.id /> })}
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
