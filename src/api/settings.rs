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
            Ok(db::companies::settings(&auth::state()?.db, &can).await?)
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
            db::companies::save_settings(&state.db, &can, &by, &settings).await
        }
        .await,
    )
}
