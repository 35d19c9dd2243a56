//! Self-service entry points that must not tell who has an account: asking for a password
//! reset link and asking to join a company. Each answers the same, after the same work and no
//! sooner than a fixed floor, whether or not the email has an account; what differs happens
//! only in the email sent to the address itself.

use super::{
    db::{self, joins},
    password,
    signin::Client,
    state::AppState,
    token,
};
use crate::{
    error::AppError,
    model::{CompanyId, Email, LiveEvent, LiveKind, NewPassword, PersonName, UserId},
};
use std::time::Duration;
use tokio::time::{sleep_until, Instant};

/// No answer comes sooner than this, so the database work on either path (a few writes, well
/// under this on both databases) can't be told apart by timing.
const ANSWER_FLOOR: Duration = Duration::from_millis(300);

/// Requests per address and per client before links stop being sent (silently: the answer
/// stays the same). Counted in `login_throttle` under their own keys, so the schedule of
/// waits (1 s, 3 s, 10 s, then 15 minutes) is the sign-in one.
const FREE_PER_EMAIL: i64 = 3;
const FREE_PER_IP: i64 = 20;

/// Whether `keys` (with their free allowances) may send another email now; counts this try.
async fn allowed(state: &AppState, keys: &[(String, i64)], now: i64) -> Result<bool, AppError> {
    if !state.config.login_throttle {
        return Ok(true);
    }
    let names: Vec<&str> = keys.iter().map(|(key, _)| key.as_str()).collect();
    let wait = db::throttle::attempt(&state.db, &names, now, |seen| {
        let waits = seen
            .iter()
            .zip(keys)
            .filter_map(|(failures, (_, free))| failures.and_then(|f| f.wait(*free, now)));
        match waits.max() {
            // A refused try counts too: asking on and on only keeps the links from coming.
            Some(secs) => db::throttle::Verdict::Wait { secs, counted: true },
            None => db::throttle::Verdict::Go,
        }
    })
    .await?;
    Ok(wait.is_none())
}

/// "Forgot password?": emails a one-hour link to the active account with this address, if
/// there is one. Answers `Ok` for any well-formed address.
pub async fn request_reset(state: &AppState, email: &str, client: &Client<'_>) -> Result<(), AppError> {
    let started = Instant::now();
    let email = Email::parse(email)?;
    let now = db::now_ms();
    let keys = [
        (format!("reset:email:{email}"), FREE_PER_EMAIL),
        (format!("reset:ip:{}", client.ip), FREE_PER_IP),
    ];
    // Drawn on both paths, used only when there is someone to send it to.
    let secret = token::generate();
    let sent = if allowed(state, &keys, now).await? {
        db::reset::issue(&state.db, &email, &secret, &state.config.public_url, now).await?
    } else {
        tracing::info!(%email, "password reset not sent: too many requests");
        None
    };
    if sent.is_some() {
        state.mailer.wake();
    }
    sleep_until(started + ANSWER_FLOOR).await;
    Ok(())
}

/// Sets the new password from a reset link, ending every session of the user. Returns the
/// user, to sign them in afresh on this device.
pub async fn finish_reset(
    state: &AppState,
    secret: &str,
    new_password: &str,
    ip: &str,
) -> Result<UserId, AppError> {
    let now = db::now_ms();
    let link = db::reset::find(&state.db, secret, now)
        .await?
        .ok_or(AppError::LinkExpired)?;
    let new_password = NewPassword::parse(new_password)?;
    password::check_strength(&new_password, &[&link.email, &link.company_name])?;
    let hash = password::hash(&new_password).await?;
    let reset = db::reset::use_link(
        &state.db,
        &state.config.audit_key,
        secret,
        &hash,
        (ip, &state.config.public_url),
        now,
    )
    .await?;
    state.mailer.wake();
    // A locked-out owner of the address may sign in again at once, from wherever they failed.
    db::throttle::clear_account(&state.db, &reset.email).await?;
    state
        .live
        .publish(reset.company, crate::model::LiveEvent::user(reset.user));
    state
        .live
        .publish(reset.company, LiveEvent::everything(LiveKind::Audit));
    Ok(reset.user)
}

/// The company a join link names, if it takes requests. A company that doesn't is answered
/// like an unknown code, so a turned-off link names no company.
pub async fn join_company(state: &AppState, code: &str) -> Result<joins::JoinCompany, AppError> {
    joins::company_by_code(&state.db, code.trim())
        .await?
        .filter(|company| company.allow_join_requests == 1)
        .ok_or_else(|| AppError::NotFound("This join link".into()))
}

pub struct JoinForm<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub password: &'a str,
}

/// A join request. The answer is the same for a new address and one that has an account (the
/// password is hashed on both paths); only the email sent to the address differs.
pub async fn request_join(state: &AppState, form: JoinForm<'_>, client: &Client<'_>) -> Result<(), AppError> {
    let started = Instant::now();
    let company = join_company(state, form.code).await?;
    let name = PersonName::parse(form.name)?;
    let email = Email::parse(form.email)?;
    let new_password = NewPassword::parse(form.password)?;
    password::check_strength(&new_password, &[email.as_str(), name.as_str(), &company.name])?;
    let hash = password::hash(&new_password).await?;
    let secret = token::generate();
    let now = db::now_ms();
    let keys = [
        (format!("join:email:{email}"), FREE_PER_EMAIL),
        (format!("join:ip:{}", client.ip), FREE_PER_IP),
    ];
    if allowed(state, &keys, now).await? {
        let request = joins::Request {
            name: &name,
            email: &email,
            password_hash: &hash,
            secret: &secret,
            ip: client.ip,
        };
        joins::request(
            &state.db,
            &state.config.audit_key,
            &company,
            request,
            &state.config.public_url,
        )
        .await?;
        state.mailer.wake();
        state
            .live
            .publish(CompanyId(company.id), LiveEvent::everything(LiveKind::Audit));
    } else {
        tracing::info!(%email, "join request not recorded: too many requests");
    }
    sleep_until(started + ANSWER_FLOOR).await;
    Ok(())
}

/// Uses an email confirmation link: the request now waits for an admin. Returns the
/// company's name.
pub async fn verify_join(state: &AppState, secret: &str, ip: &str) -> Result<String, AppError> {
    let (company, company_name) = joins::verify(&state.db, &state.config.audit_key, secret, ip).await?;
    state.live.publish(
        company,
        crate::model::LiveEvent::everything(crate::model::LiveKind::Users),
    );
    state
        .live
        .publish(company, LiveEvent::everything(LiveKind::Audit));
    Ok(company_name)
}
