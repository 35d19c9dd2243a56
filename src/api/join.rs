//! Join requests through a company's join link `/join/<code>`, and the confirmation of the
//! address. Anyone may call these; the code (or the emailed token) says which company.

use crate::{error::AppError, model::JoinInfo};
use leptos::prelude::*;

/// The company the join link names, or why it can't be used.
#[server(endpoint = "join/info")]
pub async fn join_link_info(code: String) -> Result<JoinInfo, AppError> {
    use crate::server::{auth, onboarding};
    auth::respond(
        async {
            let state = auth::state()?;
            let company = onboarding::join_company(&state, &code).await?;
            Ok(JoinInfo {
                company_name: company.name,
            })
        }
        .await,
    )
}

/// Asks to join. The answer is the same sentence whether or not the email already has an
/// account (`model::JOIN_REQUESTED`).
#[server(endpoint = "join/request")]
pub async fn request_join(
    code: String,
    name: String,
    email: String,
    password: String,
) -> Result<String, AppError> {
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
            let form = onboarding::JoinForm {
                code: &code,
                name: &name,
                email: &email,
                password: &password,
            };
            onboarding::request_join(&state, form, &client).await?;
            Ok(crate::model::JOIN_REQUESTED.to_string())
        }
        .await,
    )
}

/// Confirms the address with the emailed token; the request then waits for an admin.
/// Answers the company's name.
#[server(endpoint = "join/verify")]
pub async fn verify_join(token: String) -> Result<String, AppError> {
    use crate::server::{auth, onboarding};
    auth::respond(
        async {
            let state = auth::state()?;
            let parts = auth::request_parts()?;
            onboarding::verify_join(&state, &token, &auth::client_ip(&parts)).await
        }
        .await,
    )
}
