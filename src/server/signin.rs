//! Signing up, in and out. The server functions in `api::auth` are thin wrappers over these.

use super::{
    auth::{self, CurrentUser},
    db::{self, companies::NewOwner, sessions::NewSession},
    password,
    state::AppState,
    token,
};
use crate::{
    error::AppError,
    model::{CompanyName, Email, NewPassword, PersonName, UserId, UserStatus},
};

/// Where the request came from, recorded on the session ("connected devices").
pub struct Client<'a> {
    pub ip: &'a str,
    pub user_agent: &'a str,
}

/// Failed sign-ins allowed before slowing down: per account, and per client address (higher,
/// because an office shares one address).
const FREE_FAILURES_PER_ACCOUNT: i64 = 3;
const FREE_FAILURES_PER_IP: i64 = 20;

pub struct SignUp<'a> {
    pub company_name: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub password: &'a str,
}

/// Creates a company whose owner is the person signing up, and signs them in. Returns the new
/// session token.
pub async fn sign_up(state: &AppState, form: SignUp<'_>, client: Client<'_>) -> Result<String, AppError> {
    let company_name = CompanyName::parse(form.company_name)?;
    let name = PersonName::parse(form.name)?;
    let email = Email::parse(form.email)?;
    let new_password = NewPassword::parse(form.password)?;
    password::check_strength(
        &new_password,
        &[email.as_str(), name.as_str(), company_name.as_str()],
    )?;
    let hash = password::hash(&new_password).await?;
    let created = db::companies::create_with_owner(
        &state.db,
        &company_name,
        NewOwner {
            name: &name,
            email: &email,
            password_hash: Some(hash),
        },
    )
    .await?;
    start_session(state, created.owner_id, &client).await
}

/// Checks the credentials and starts a session, returning its token. An unknown email and a
/// wrong password give the same error after the same work; repeated failures are throttled per
/// account and per client address.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password_text: &str,
    client: Client<'_>,
) -> Result<String, AppError> {
    let email = Email::parse(email)?;
    let now = db::now_ms();
    let account_key = format!("email:{email}");
    let ip_key = format!("ip:{}", client.ip);
    if state.config.login_throttle {
        for (key, free) in [
            (&account_key, FREE_FAILURES_PER_ACCOUNT),
            (&ip_key, FREE_FAILURES_PER_IP),
        ] {
            if let Some(secs) = db::throttle::retry_after(&state.db, key, free, now).await? {
                return Err(AppError::TooManyAttempts {
                    retry_after_secs: secs,
                });
            }
        }
    }
    let login = db::users::find_login(&state.db, email.as_str()).await?;
    let stored_hash = login.as_ref().and_then(|l| l.password_hash.clone());
    if !password::verify(password_text, stored_hash).await {
        if state.config.login_throttle {
            db::throttle::record_failure(&state.db, &account_key, now).await?;
            db::throttle::record_failure(&state.db, &ip_key, now).await?;
        }
        return Err(AppError::BadCredentials);
    }
    let login = login.ok_or(AppError::BadCredentials)?;
    db::throttle::clear(&state.db, &account_key).await?;
    match UserStatus::from_key(&login.status) {
        Some(UserStatus::Active) => start_session(state, UserId(login.id), &client).await,
        Some(UserStatus::Deactivated) => Err(AppError::AccountUnavailable(
            "This account is deactivated. Ask an admin of your company to reactivate it.".into(),
        )),
        Some(UserStatus::PendingEmail) => Err(AppError::AccountUnavailable(
            "Confirm your email address first: use the link we emailed you.".into(),
        )),
        Some(UserStatus::PendingApproval) | None => Err(AppError::AccountUnavailable(
            "Your request to join is waiting for an admin's approval.".into(),
        )),
    }
}

/// Ends the caller's session on the server.
pub async fn sign_out(state: &AppState, user: &CurrentUser) -> Result<(), AppError> {
    db::sessions::delete(&state.db, user.session_id).await?;
    Ok(())
}

/// Ends the session a token names, if any (signing in over an old session replaces it).
pub async fn end_session_of_token(state: &AppState, old_token: &str) -> Result<(), AppError> {
    db::sessions::delete_by_token_hash(&state.db, &token::hash(old_token)).await?;
    Ok(())
}

pub async fn start_session(
    state: &AppState,
    user_id: UserId,
    client: &Client<'_>,
) -> Result<String, AppError> {
    let token = token::generate();
    let now = db::now_ms();
    db::sessions::create(
        &state.db,
        NewSession {
            user_id,
            token_hash: &token::hash(&token),
            now,
            expires_at: now + state.config.session_max.as_millis() as i64,
            ip: client.ip,
            user_agent: client.user_agent,
        },
    )
    .await?;
    Ok(token)
}

/// Signs `user` in on the device making this request, after it used an emailed link: a new
/// session, its cookie, and on to the home page.
pub async fn sign_in_by_link(state: &AppState, user: UserId) -> Result<(), AppError> {
    let parts = auth::request_parts()?;
    let (ip, user_agent) = auth::client_of(&parts);
    let client = Client {
        ip: &ip,
        user_agent: &user_agent,
    };
    let session = start_session(state, user, &client).await?;
    auth::set_cookie(&auth::session_cookie(&state.config, &session));
    leptos_axum::redirect("/");
    Ok(())
}
