//! Company settings (manage-settings).

use crate::{error::AppError, model::CompanySettings};
use leptos::prelude::*;

#[server(endpoint = "settings/get")]
pub async fn get_settings() -> Result<CompanySettings, AppError> {
    use crate::server::{
        auth::{self, perm},
        db,
    };
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
            let saved = db::companies::save_settings(&state.db, &can, &by, &settings).await?;
            Ok(with_join_link(saved, &state.config.public_url))
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
