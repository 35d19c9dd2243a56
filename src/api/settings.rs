//! Company settings (manage-settings).

use crate::{
    error::AppError,
    model::{CompanySettings, MailAllowance},
};
use leptos::prelude::*;

#[server(endpoint = "settings/get")]
pub async fn get_settings() -> Result<CompanySettings, AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let user = auth::current_user().await?;
            let can = user.require::<perm::ManageSettings>()?;
            let state = auth::state()?;
            let settings = db::companies::settings(&state.db, &can).await?;
            Ok(with_join_link(settings, &state.config.public_url))
        }
        .await,
    )
}

#[server(endpoint = "settings/save")]
/// Saves the settings and answers them as stored (the name tidied).
pub async fn save_settings(settings: CompanySettings) -> Result<CompanySettings, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            let saved = db::companies::save_settings(state.store(), &can, &by, &settings).await?;
            Ok(with_join_link(saved, &state.config.public_url))
        }
        .await,
    )
}

/// How much email the company may still send today, and whether its owner has confirmed
/// their address (until then it sends none).
#[server(endpoint = "settings/mail")]
pub async fn get_mail_allowance() -> Result<MailAllowance, AppError> {
    use crate::server::{access::perm, auth, db};
    auth::respond(
        async {
            let (can, _, state) = super::author::<perm::ManageSettings>().await?;
            let limits = &state.config.mail_limits;
            Ok(db::quota::allowance(&state.db, limits, can.company(), db::now_ms()).await?)
        }
        .await,
    )
}

/// Emails the company's owner a new link confirming their address (the owner only, and only
/// while the company waits for it).
#[server(endpoint = "settings/resend_confirmation")]
pub async fn resend_confirmation() -> Result<(), AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (_, by, state) = super::author::<crate::server::access::perm::ManageSettings>().await?;
            db::companies::resend_confirmation(state.store(), &by, &state.config.public_url).await
        }
        .await,
    )
}

/// The database answers the company code; the page shows the whole join link.
#[cfg(feature = "ssr")]
fn with_join_link(mut settings: CompanySettings, public_url: &str) -> CompanySettings {
    settings.join_link = format!("{}/join/{}", public_url.trim_end_matches('/'), settings.join_link);
    settings
}
