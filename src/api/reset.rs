//! Password reset: ask for a link (anyone, same answer for every address), then use it (the
//! token in the link is the caller's proof, so no session is needed).

use crate::{error::AppError, model::ResetLink};
use leptos::prelude::*;

/// Emails a reset link to the account with this address, if there is an active one. The
/// answer is the same sentence whether or not there is (`model::RESET_REQUESTED`).
#[server(endpoint = "reset/request")]
pub async fn request_reset(email: String) -> Result<String, AppError> {
    use crate::server::{auth, onboarding, signin::Client};
    auth::respond(
        async {
            let state = auth::state()?;
            let parts = auth::request_parts()?;
            let (ip, user_agent) = auth::client_of(&parts);
            let client = Client {
                ip: &ip,
                user_agent: &user_agent,
            };
            onboarding::request_reset(&state, &email, &client).await?;
            Ok(crate::model::RESET_REQUESTED.to_string())
        }
        .await,
    )
}

/// Who the link is for, or `LinkExpired`.
#[server(endpoint = "reset/info")]
pub async fn reset_info(token: String) -> Result<ResetLink, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let state = auth::state()?;
            db::reset::find(&state.db, &token, db::now_ms())
                .await?
                .ok_or(AppError::LinkExpired)
        }
        .await,
    )
}

/// Sets the new password, ends every session of the user, and signs them in on this device.
#[server(endpoint = "reset/finish")]
pub async fn finish_reset(token: String, password: String) -> Result<(), AppError> {
    use crate::server::{auth, onboarding, signin};
    auth::respond(
        async {
            let state = auth::state()?;
            let parts = auth::request_parts()?;
            let ip = auth::client_ip(&parts);
            let user = onboarding::finish_reset(&state, &token, &password, &ip).await?;
            signin::sign_in_by_link(&state, user).await
        }
        .await,
    )
}
