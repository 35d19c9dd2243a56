//! Who is calling and what they may do.
//!
//! A session cookie resolves to a [`CurrentUser`]; `CurrentUser::require::<P>()` is how a
//! request gets a [`Can<P>`] (defined beside the access model, which the data layer depends
//! on instead of on this module), and the data functions that need permission `P` take a
//! `&Can<P>`. Forgetting the check therefore does not compile, and the capability carries the
//! company that scopes every query.

use super::access::{perm, Can};
use super::{
    access::Access,
    config::Config,
    db::{self, sessions::SessionRow},
    state::AppState,
    token,
};
use crate::{
    error::AppError,
    model::{AccountId, CompanyId, Me, Permission, SessionId, Theme, UserId},
};
use axum::extract::ConnectInfo;
use http::{header, request::Parts, HeaderMap};
use leptos::prelude::use_context;
use std::{net::SocketAddr, sync::Arc};

/// The signed-in user of this request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub session_id: SessionId,
    pub id: UserId,
    pub company_id: CompanyId,
    pub name: String,
    pub email: String,
    pub company_name: String,
    /// The stored time zone (empty: automatic) and colour theme, for pages and emails.
    pub time_zone: String,
    pub theme: Theme,
    /// The session's absolute end.
    pub expires_at: i64,
    /// Worked out afresh on each request, so a change of role applies at the next one.
    pub access: Arc<Access>,
}

impl CurrentUser {
    /// A capability for `P` over the accounts where the user holds it, or `Forbidden`.
    pub fn require<P: perm::Marker>(&self) -> Result<Can<P>, AppError> {
        Can::of(self.company_id, self.id, &self.access).ok_or(AppError::Forbidden)
    }

    /// Whether the user holds `permission` anywhere.
    pub fn can(&self, permission: Permission) -> bool {
        self.access.scope(permission).is_some()
    }

    pub fn me(&self) -> Me {
        Me {
            id: self.id,
            name: self.name.clone(),
            email: self.email.clone(),
            company_name: self.company_name.clone(),
            role_name: self.access.role_name(),
            permissions: self.access.permissions(),
            modules: self.access.module_keys(),
            time_zone: self.time_zone.clone(),
            theme: self.theme,
        }
    }

    fn from_row(row: SessionRow, access: Access) -> CurrentUser {
        let (session_id, id, company_id) = row.ids();
        CurrentUser {
            session_id,
            id,
            company_id,
            name: row.name,
            email: row.email,
            company_name: row.company_name,
            time_zone: row.time_zone,
            theme: Theme::parse(&row.theme).unwrap_or_default(),
            expires_at: row.expires_at,
            access: Arc::new(access),
        }
    }
}

/// Remembers the request's session lookup, so a page render and the server functions it calls
/// hit the database once. Made fresh for every request by [`with_session`].
#[derive(Clone, Default)]
pub struct SessionCache(Arc<tokio::sync::OnceCell<Option<CurrentUser>>>);

impl SessionCache {
    async fn load(&self, state: &AppState, headers: &HeaderMap) -> Result<Option<CurrentUser>, AppError> {
        self.0
            .get_or_try_init(|| async {
                match session_token(headers, &state.config) {
                    Some(token) => resolve(state, &token, db::now_ms()).await,
                    None => Ok(None),
                }
            })
            .await
            .cloned()
    }
}

/// Middleware: gives each request its [`SessionCache`] and, for a page, looks the session up
/// before rendering begins. A page then knows who is signed in without waiting
/// ([`signed_in_now`]), so the shell and the page are built once, from the same value the
/// browser hydrates with; waiting for it inside the render made Leptos build them again.
pub async fn with_session(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let cache = SessionCache::default();
    let path = request.uri().path();
    let page =
        request.method() == http::Method::GET && !path.starts_with("/api/") && !path.starts_with("/pkg/");
    // A failed lookup stays unresolved: the page shows the error (signed_in_now).
    if page && cache.load(&state, request.headers()).await.is_err() {
        tracing::warn!("session lookup failed before rendering a page");
    }
    request.extensions_mut().insert(cache);
    next.run(request).await
}

/// Puts the request's [`SessionCache`] (from [`with_session`]) in the Leptos context.
pub fn provide_session_cache() {
    let cache = use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<SessionCache>().cloned())
        .unwrap_or_default();
    leptos::prelude::provide_context(cache);
}

/// Who is signed in, as looked up before this page began to render.
pub fn signed_in_now() -> Result<Option<Me>, AppError> {
    use_context::<SessionCache>()
        .and_then(|cache| cache.0.get().cloned())
        .map(|user| user.map(|u| u.me()))
        .ok_or(AppError::Internal)
}

/// The application state, from the Leptos context of this request.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}

pub fn request_parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or(AppError::Internal)
}

/// The signed-in user, or `Unauthenticated`.
pub async fn current_user() -> Result<CurrentUser, AppError> {
    optional_user().await?.ok_or(AppError::Unauthenticated)
}

/// The signed-in user, if any.
pub async fn optional_user() -> Result<Option<CurrentUser>, AppError> {
    let state = state()?;
    let parts = request_parts()?;
    let cache = use_context::<SessionCache>().unwrap_or_default();
    cache.load(&state, &parts.headers).await
}

/// Looks a session token up, ending it if it has expired (idle or absolute).
pub async fn resolve(state: &AppState, token: &str, now: i64) -> Result<Option<CurrentUser>, AppError> {
    let Some((user, last_seen)) = lookup(state, &token::hash(token)).await? else {
        return Ok(None);
    };
    if expired(state, &user, last_seen, now) {
        db::sessions::delete(&state.db, user.session_id).await?;
        return Ok(None);
    }
    // Writing on every request would make reads contend for SQLite's one writer.
    if now - last_seen > 60_000 {
        db::sessions::touch(&state.db, user.session_id, user.id, now).await?;
    }
    Ok(Some(user))
}

/// The user of an unexpired session, without counting the look as activity (an open live
/// stream must not keep a session alive).
pub async fn peek(state: &AppState, token_hash: &str, now: i64) -> Result<Option<CurrentUser>, AppError> {
    Ok(lookup(state, token_hash)
        .await?
        .filter(|(user, last_seen)| !expired(state, user, *last_seen, now))
        .map(|(user, _)| user))
}

/// The session's user with their access worked out, and when the session was last used.
async fn lookup(state: &AppState, token_hash: &str) -> Result<Option<(CurrentUser, i64)>, AppError> {
    let Some((row, assignments)) = db::sessions::find(&state.db, token_hash, &state.config.modules).await?
    else {
        return Ok(None);
    };
    let root = AccountId(row.root_account);
    let tree = if Access::needs_tree(root, &assignments) {
        db::sessions::account_tree(&state.db, CompanyId(row.company_id)).await?
    } else {
        Vec::new()
    };
    let last_seen = row.session_last_seen_at;
    let access = Access::new(root, assignments, &tree, state.config.modules.clone());
    Ok(Some((CurrentUser::from_row(row, access), last_seen)))
}

fn expired(state: &AppState, user: &CurrentUser, last_seen: i64, now: i64) -> bool {
    let idle_ms = state.config.session_idle.as_millis() as i64;
    user.expires_at <= now || last_seen + idle_ms <= now
}

/// The session token from the request's cookies.
pub fn session_token(headers: &HeaderMap, config: &Config) -> Option<String> {
    cookie_value(headers, config.session_cookie_name())
}

/// The known-device token from the request's cookies (see `signin`).
pub fn device_token(headers: &HeaderMap, config: &Config) -> Option<String> {
    cookie_value(headers, device_cookie_name(config))
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// The `Set-Cookie` value carrying a new session token.
pub fn session_cookie(config: &Config, token: &str) -> String {
    let max_age = config.session_max.as_secs() as i64;
    build_cookie(config, config.session_cookie_name(), token.to_string(), max_age)
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn cleared_session_cookie(config: &Config) -> String {
    build_cookie(config, config.session_cookie_name(), String::new(), 0)
}

/// The `Set-Cookie` value that makes this browser a known device of the account that just
/// signed in: flagged like the session cookie, and kept for as long as the device is known.
pub fn device_cookie(config: &Config, token: &str) -> String {
    let max_age = db::known_devices::LIFETIME.as_secs() as i64;
    build_cookie(config, device_cookie_name(config), token.to_string(), max_age)
}

/// Host-only behind TLS, like the session cookie's name.
fn device_cookie_name(config: &Config) -> &'static str {
    if config.secure_cookies {
        "__Host-roster_device"
    } else {
        "roster_device"
    }
}

fn build_cookie(config: &Config, name: &'static str, value: String, max_age_secs: i64) -> String {
    cookie::Cookie::build((name, value))
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .path("/")
        .secure(config.secure_cookies)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
        .to_string()
}

/// The client's address as the server saw it ("" when unknown).
pub fn client_ip(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_default()
}

/// Sends a cookie (a `Set-Cookie` value) with this response.
pub fn set_cookie(value: &str) {
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(value),
    ) {
        response.append_header(header::SET_COOKIE, value);
    }
}

/// The client's address and User-Agent, as recorded on a new session.
pub fn client_of(parts: &Parts) -> (String, String) {
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    (client_ip(parts), user_agent.to_string())
}

/// Sets the HTTP status of a server function's response from its error, so programs calling
/// the API see 401, 403, 422 ... and not a blanket 500.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(error.status());
        }
    }
    result
}
