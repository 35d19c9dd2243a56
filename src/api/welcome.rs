//! The single-use links emailed to users added by an admin or reactivated: the token in the
//! link is the caller's proof, so these functions need no session.

use crate::{error::AppError, model::WelcomeLink};
use leptos::prelude::*;

/// Who the link is for, or `LinkExpired`.
#[server(endpoint = "welcome/info")]
pub async fn welcome_info(token: String) -> Result<WelcomeLink, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let state = auth::state()?;
            let link = db::lifecycle::find_link(&state.db, &token, db::now_ms())
                .await?
                .ok_or(AppError::LinkExpired)?;
            Ok(WelcomeLink {
                name: link.name,
                email: link.email,
                company_name: link.company_name,
                has_password: link.has_password,
                reactivation: link.reactivation,
            })
        }
        .await,
    )
}

/// Uses the link: sets the password (required when the user has none) and signs them in.
#[server(endpoint = "welcome/finish")]
pub async fn finish_welcome(token: String, password: String) -> Result<(), AppError> {
    use crate::{
        model::NewPassword,
        server::{auth, db, password as pw, signin},
    };
    auth::respond(
        async {
            let state = auth::state()?;
            let hash = if password.is_empty() {
                None
            } else {
                let link = db::lifecycle::find_link(&state.db, &token, db::now_ms())
                    .await?
                    .ok_or(AppError::LinkExpired)?;
                let new_password = NewPassword::parse(&password)?;
                pw::check_strength(&new_password, &[&link.email, &link.name, &link.company_name])?;
                Some(pw::hash(&new_password).await?)
            };
            let user = db::lifecycle::use_link(&state.db, &token, hash, &state.config.public_url).await?;
            state.mailer.wake();
            signin::sign_in_by_link(&state, user).await
        }
        .await,
    )
}
