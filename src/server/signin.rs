//! Signing up, in and out. The server functions in `api::auth` are thin wrappers over these.

use super::{
    auth::{self, CurrentUser},
    db::{self, companies::NewOwner, sessions::NewSession, throttle},
    metrics, password,
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

/// Failed sign-ins allowed before slowing down: per account (from one client, and from all
/// of them together), and per client address (higher, because an office shares one address).
const FREE_FAILURES_PER_ACCOUNT: i64 = 3;
const FREE_FAILURES_PER_IP: i64 = 20;

/// The counts one sign-in attempt consults and adds to; the README's "Sign-in throttling"
/// states the policy. A lock on the account would let anyone lock the real user out, so only
/// counts fed from the trying client's own address or device can lock:
/// - per (account, client), locking. The client is the request's known device of this
///   account if it carries one, else its address.
/// - per address, locking, for requests without a known device of the account: a known
///   device's tries stay on its one account and its own count, and a busy shared address
///   (an office, an attacker next door) must not lock it out.
/// - per account, soft (waits of at most 30 s), and only for addresses already failing for
///   the account: failures elsewhere never hold back an address or device that is not.
struct Throttle {
    account: String,
    client: String,
    /// The address's key; `None` for a known device.
    address: Option<String>,
}

impl Throttle {
    fn new(email: &Email, ip: &str, known_device: Option<i64>) -> Throttle {
        let email = email.as_str();
        let address = known_device.is_none().then(|| throttle::address_key(ip));
        let client = match known_device {
            Some(id) => format!("device:{id}"),
            None => throttle::address_key(ip),
        };
        Throttle {
            account: throttle::account_key(email),
            client: throttle::account_client_key(email, &client),
            address,
        }
    }

    /// Counts this attempt unless it must wait first: answers the seconds to wait, if any.
    /// The same queries run whether or not the email has an account. Attempts sent at once
    /// are judged one after another, each seeing those before it ([`throttle::attempt`]).
    async fn attempt(&self, db: &db::Db, now: i64) -> Result<Option<u64>, sqlx::Error> {
        let mut keys = vec![self.client.as_str(), self.account.as_str()];
        keys.extend(self.address.as_deref());
        throttle::attempt(db, &keys, now, |seen| {
            // In the keys' order; the address's is there only for a try by address.
            let (client, account, address) = (seen[0], seen[1], seen.get(2));
            let free = FREE_FAILURES_PER_ACCOUNT;
            let waits = [
                client.and_then(|c| c.wait(free, now)),
                // The account's own soft wait, only for an address already failing on it.
                match (client, address, account) {
                    (Some(_), Some(_), Some(all)) => all.soft_wait(free, now),
                    _ => None,
                },
                address
                    .copied()
                    .flatten()
                    .and_then(|a| a.wait(FREE_FAILURES_PER_IP, now)),
            ];
            match waits.into_iter().flatten().max() {
                Some(secs) => throttle::Verdict::Wait { secs, counted: false },
                None => throttle::Verdict::Go,
            }
        })
        .await
    }

    /// The right password forgets the account's count and this client's on it; other
    /// clients' counts on the account stay (an attacking address stays locked), and so does
    /// the address's count across accounts, less this attempt's.
    async fn forget(&self, db: &db::Db) -> Result<(), sqlx::Error> {
        throttle::succeeded(db, &[&self.account, &self.client], self.address.as_deref()).await
    }
}

/// A sign-in that let the user in.
pub struct SignedIn {
    /// The new session's token.
    pub session: String,
    /// A known-device token to give the browser, unless it brought one of this account.
    pub new_device: Option<String>,
}

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
    db::quota::sign_up(&state.db, &state.config.mail_limits, client.ip, db::now_ms()).await?;
    let hash = password::hash(&new_password).await?;
    let created = db::companies::create_with_owner(
        &state.db,
        &state.config.audit_key,
        &company_name,
        NewOwner {
            name: &name,
            email: &email,
            password_hash: Some(hash),
            confirm_at: Some(&state.config.public_url),
        },
    )
    .await?;
    state.mailer.wake();
    start_session(state, created.owner_id, &client, None).await
}

/// Checks the credentials and starts a session. An unknown email and a wrong password give
/// the same error after the same work and the same throttling ([`Throttle`]); `device` is
/// the known-device token the browser sent, if any.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password_text: &str,
    device: Option<&str>,
    client: Client<'_>,
) -> Result<SignedIn, AppError> {
    let email = Email::parse(email)?;
    let now = db::now_ms();
    let known_device = match device {
        Some(device) => db::known_devices::find(&state.db, &token::hash(device), email.as_str(), now).await?,
        None => None,
    };
    let throttle = Throttle::new(&email, client.ip, known_device);
    // Counted as a failure before the password is checked, taken back if it is right.
    if state.config.login_throttle {
        if let Some(secs) = throttle.attempt(&state.db, now).await? {
            metrics::sign_in_throttled();
            return Err(AppError::TooManyAttempts {
                retry_after_secs: secs,
            });
        }
    }
    let login = db::users::find_login(&state.db, email.as_str()).await?;
    let stored_hash = login.as_ref().and_then(|l| l.password_hash.clone());
    if !password::verify(password_text, stored_hash).await {
        metrics::sign_in_failed();
        return Err(AppError::BadCredentials);
    }
    let login = login.ok_or(AppError::BadCredentials)?;
    if state.config.login_throttle {
        throttle.forget(&state.db).await?;
    }
    match UserStatus::from_key(&login.status) {
        Some(UserStatus::Active) => {
            let user = UserId(login.id);
            let session = start_session(state, user, &client, Some(login.security_stamp)).await?;
            let new_device = match known_device {
                Some(_) => None,
                None => {
                    let device = token::generate();
                    db::known_devices::remember(&state.db, user, &token::hash(&device), now).await?;
                    Some(device)
                }
            };
            Ok(SignedIn { session, new_device })
        }
        Some(UserStatus::Deactivated) => Err(deactivated()),
        Some(UserStatus::PendingEmail) => Err(AppError::AccountUnavailable(
            "Confirm your email address first: use the link we emailed you.".into(),
        )),
        Some(UserStatus::PendingApproval) | None => Err(AppError::AccountUnavailable(
            "Your request to join is waiting for an admin's approval.".into(),
        )),
    }
}

/// The refusal of a sign-in for someone deactivated (also when it happened while they signed in).
fn deactivated() -> AppError {
    AppError::AccountUnavailable(
        "This account is deactivated. Ask an admin of your company to reactivate it.".into(),
    )
}

/// Ends the caller's session on the server.
pub async fn sign_out(state: &AppState, user: &CurrentUser) -> Result<(), AppError> {
    db::sessions::delete(&state.db, user.session_id).await?;
    Ok(())
}

/// Gives this browser the session `token` and ends on the server the one it had, if any: a
/// browser holds one session, and switching accounts (signing in, signing up, using an
/// emailed link) must not leave the other one usable by whoever kept its cookie.
pub async fn hand_over_session(
    state: &AppState,
    headers: &http::HeaderMap,
    token: &str,
) -> Result<(), AppError> {
    if let Some(old) = auth::session_token(headers, &state.config) {
        db::sessions::delete_by_token_hash(&state.db, &token::hash(&old)).await?;
    }
    auth::set_cookie(&auth::session_cookie(&state.config, token));
    Ok(())
}

/// Starts a session bound to `stamp`, the security stamp the credentials were checked
/// against (the current one when `None`); refused when the user was deactivated meanwhile.
pub async fn start_session(
    state: &AppState,
    user_id: UserId,
    client: &Client<'_>,
    stamp: Option<i64>,
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
            stamp,
        },
    )
    .await?
    .ok_or_else(deactivated)?;
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
    let session = start_session(state, user, &client, None).await?;
    hand_over_session(state, &parts.headers, &session).await?;
    leptos_axum::redirect("/");
    Ok(())
}
