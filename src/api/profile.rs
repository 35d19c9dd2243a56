//! The signed-in user's own profile (any signed-in user, only themselves): details, email
//! change, password, notification preferences, devices. None of these takes a user id: each
//! acts on `auth::current_user()`. The two admin functions at the end show and end another
//! user's sessions (manage-users, within the admin's company). `verify_email` is authorised
//! by the token of the emailed link.

use crate::{
    error::AppError,
    model::{
        Devices, EmailVerified, HomeFacts, NotificationPrefs, Profile, ProfileDetails, SessionId, Theme,
        UserId,
    },
};
use leptos::prelude::*;

/// The caller as the author of a change to their own profile, and the app state.
#[cfg(feature = "ssr")]
async fn me() -> Result<
    (
        crate::server::auth::CurrentUser,
        crate::server::db::audit::By,
        crate::server::state::AppState,
    ),
    AppError,
> {
    use crate::server::{auth, db::audit::By};
    let user = auth::current_user().await?;
    let state = auth::state()?;
    let by = By {
        company: user.company_id,
        user: user.id,
        name: user.name.clone(),
        ip: auth::client_ip(&auth::request_parts()?),
        key: state.config.audit_key.clone(),
    };
    Ok((user, by, state))
}

/// Refuses `password` unless it is the caller's current one.
#[cfg(feature = "ssr")]
async fn check_current_password(
    state: &crate::server::state::AppState,
    user: UserId,
    password: &str,
) -> Result<(), AppError> {
    use crate::server::{db, password as pw};
    let stored = db::profile::password_hash(&state.db, user).await?;
    if pw::verify(password, stored).await {
        Ok(())
    } else {
        Err(AppError::field(
            "current_password",
            "That is not your current password.",
        ))
    }
}

#[server(endpoint = "profile/get")]
pub async fn get_profile() -> Result<Profile, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let user = auth::current_user().await?;
            db::profile::get(&auth::state()?.db, user.id).await
        }
        .await,
    )
}

/// What Home shows the caller: their own name, roles per account, teams, and what their roles
/// let them do where. Any signed-in person; nothing about anyone else.
#[server(endpoint = "profile/home")]
pub async fn get_home() -> Result<HomeFacts, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let user = auth::current_user().await?;
            db::profile::home(&auth::state()?.db, user.company_id, user.id, &user.access).await
        }
        .await,
    )
}

/// Saves name, phone, country, language and time zone; answers the profile as stored.
#[server(endpoint = "profile/save_details")]
pub async fn save_profile_details(details: ProfileDetails) -> Result<Profile, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let valid = db::profile::ValidDetails::parse(&details)?;
            let (_, by, state) = me().await?;
            db::profile::save_details(state.store(), &by, &valid).await
        }
        .await,
    )
}

/// Saves the caller's colour theme ("system", "light" or "dark"); answers it as stored.
#[server(endpoint = "profile/save_theme")]
pub async fn save_theme(theme: String) -> Result<Theme, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (_, by, state) = me().await?;
            db::profile::save_theme(state.store(), &by, &theme).await
        }
        .await,
    )
}

/// Asks to sign in with `new_email` from now on: emails a link to it (which makes the change)
/// and a notice to the current address. Answers the new address as it will be stored.
#[server(endpoint = "profile/change_email")]
pub async fn change_email(new_email: String, current_password: String) -> Result<String, AppError> {
    use crate::{
        model::Email,
        server::{auth, db},
    };
    auth::respond(
        async {
            let email = Email::parse(&new_email).map_err(|e| AppError::field("new_email", e.to_string()))?;
            let (user, by, state) = me().await?;
            check_current_password(&state, user.id, &current_password).await?;
            db::profile::request_email_change(state.store(), &by, &email, state.config.mailing()).await?;
            Ok(email.as_str().to_string())
        }
        .await,
    )
}

/// Uses an emailed confirmation link: an email change's new address becomes the login, or a
/// new company's owner confirms theirs. Answers what was confirmed.
#[server(endpoint = "profile/verify_email")]
pub async fn verify_email(token: String) -> Result<EmailVerified, AppError> {
    use crate::{
        model::LiveEvent,
        server::{auth, db},
    };
    auth::respond(
        async {
            let state = auth::state()?;
            let ip = auth::client_ip(&auth::request_parts()?);
            let (company, user, verified) = db::profile::verify_email(
                &state.db,
                &state.config.audit_key,
                &token,
                &ip,
                &state.config.public_url,
            )
            .await?;
            state.mailer.wake();
            state.live.publish(company, LiveEvent::user(user));
            state
                .live
                .publish(company, LiveEvent::everything(crate::model::LiveKind::Audit));
            Ok(verified)
        }
        .await,
    )
}

/// Sets a new password after checking the current one; with `sign_out_others` every other
/// session of the caller ends (this one stays). Answers how many sessions ended.
#[server(endpoint = "profile/change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    #[server(default)] sign_out_others: bool,
) -> Result<u64, AppError> {
    use crate::{
        model::NewPassword,
        server::{auth, db, password as pw, token},
    };
    auth::respond(
        async {
            let (user, by, state) = me().await?;
            check_current_password(&state, user.id, &current_password).await?;
            let new_password = NewPassword::parse(&new_password)?;
            pw::check_strength(&new_password, &[&user.email, &user.name, &user.company_name])?;
            let hash = pw::hash(&new_password).await?;
            let keep = sign_out_others.then_some(user.session_id);
            // A new password comes with a new session token for this device.
            let session = token::generate();
            let rotate = (user.session_id, token::hash(&session));
            let ended = db::profile::change_password(
                state.store(),
                &by,
                &hash,
                keep,
                (rotate.0, &rotate.1),
                &state.config.public_url,
            )
            .await?;
            auth::set_cookie(&auth::session_cookie(&state.config, &session));
            Ok(ended)
        }
        .await,
    )
}

#[server(endpoint = "profile/save_notifications")]
pub async fn save_notifications(prefs: NotificationPrefs) -> Result<Profile, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (_, by, state) = me().await?;
            db::profile::save_notifications(state.store(), &by, &prefs).await
        }
        .await,
    )
}

/// The caller's signed-in devices, this one marked `current`.
#[server(endpoint = "profile/devices")]
pub async fn my_devices() -> Result<Devices, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let state = auth::state()?;
            let idle = state.config.session_idle.as_millis() as i64;
            db::profile::devices(&state.db, user.id, user.session_id, idle).await
        }
        .await,
    )
}

/// Signs the caller out on one of their devices.
#[server(endpoint = "profile/sign_out_device")]
pub async fn sign_out_device(session: SessionId) -> Result<(), AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (user, by, state) = me().await?;
            db::profile::end_my_session(state.store(), &by, &user.email, session).await?;
            Ok(())
        }
        .await,
    )
}

/// Signs the caller out on every device but this one; answers how many.
#[server(endpoint = "profile/sign_out_other_devices")]
pub async fn sign_out_other_devices() -> Result<u64, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (user, by, state) = me().await?;
            db::profile::end_my_other_sessions(state.store(), &by, &user.email, user.session_id).await
        }
        .await,
    )
}

/// An admin's view of a user's devices (manage-users, own company).
#[server(endpoint = "profile/user_devices")]
pub async fn user_devices(user: UserId) -> Result<Devices, AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let (can, _, state) = super::author::<perm::ManageUsers>().await?;
            let current = auth::current_user().await?.session_id;
            let idle = state.config.session_idle.as_millis() as i64;
            db::profile::user_devices(&state.db, &can, user, current, idle).await
        }
        .await,
    )
}

/// An admin ends one session of a user of their company, or (with no `session`) all of them.
/// Answers how many ended.
#[server(endpoint = "profile/end_user_sessions")]
pub async fn end_user_sessions(
    user: UserId,
    #[server(default)] session: Option<SessionId>,
) -> Result<u64, AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author::<perm::ManageUsers>().await?;
            db::profile::end_user_sessions(state.store(), &can, &by, user, session).await
        }
        .await,
    )
}
