use crate::{error::AppError, model::Me};
use leptos::prelude::*;

/// The signed-in user, or `None` when signed out.
#[server(endpoint = "auth/me")]
pub async fn get_me() -> Result<Option<Me>, AppError> {
    use crate::server::auth;
    auth::respond(auth::optional_user().await.map(|u| u.map(|u| u.me())))
}

/// Creates a company with the caller as its owner and signs them in.
#[server(endpoint = "auth/signup")]
pub async fn sign_up(
    company_name: String,
    name: String,
    email: String,
    password: String,
) -> Result<(), AppError> {
    use crate::server::{auth, signin};
    auth::respond(
        async {
            let state = auth::state()?;
            let parts = auth::request_parts()?;
            let (ip, user_agent) = auth::client_of(&parts);
            let form = signin::SignUp {
                company_name: &company_name,
                name: &name,
                email: &email,
                password: &password,
            };
            let client = signin::Client {
                ip: &ip,
                user_agent: &user_agent,
            };
            let token = signin::sign_up(&state, form, client).await?;
            auth::set_cookie(&auth::session_cookie(&state.config, &token));
            leptos_axum::redirect("/users");
            Ok(())
        }
        .await,
    )
}

/// Signs in with email and password, then goes to `next` (a path inside Roster) or home.
#[server(endpoint = "auth/signin")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::{auth, signin};
    auth::respond(
        async {
            let state = auth::state()?;
            let parts = auth::request_parts()?;
            let (ip, user_agent) = auth::client_of(&parts);
            let client = signin::Client {
                ip: &ip,
                user_agent: &user_agent,
            };
            let device = auth::device_token(&parts.headers, &state.config);
            let signed_in = signin::sign_in(&state, &email, &password, device.as_deref(), client).await?;
            // A fresh token at every sign-in; any session this browser had is ended.
            if let Some(old) = auth::session_token(&parts.headers, &state.config) {
                signin::end_session_of_token(&state, &old).await?;
            }
            auth::set_cookie(&auth::session_cookie(&state.config, &signed_in.session));
            if let Some(device) = &signed_in.new_device {
                auth::set_cookie(&auth::device_cookie(&state.config, device));
            }
            leptos_axum::redirect(&safe_next(next.as_deref()));
            Ok(())
        }
        .await,
    )
}

/// Ends the caller's session on the server and removes the cookie.
#[server(endpoint = "auth/signout")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::{auth, signin};
    auth::respond(
        async {
            let state = auth::state()?;
            if let Some(user) = auth::optional_user().await? {
                signin::sign_out(&state, &user).await?;
            }
            auth::set_cookie(&auth::cleared_session_cookie(&state.config));
            leptos_axum::redirect("/login");
            Ok(())
        }
        .await,
    )
}

/// Where to go after signing in: only a path inside Roster, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_string()
        }
        // Home sends each person to the first page their role allows.
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_only_leads_inside_roster() {
        assert_eq!(safe_next(Some("/users?tab=active")), "/users?tab=active");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
