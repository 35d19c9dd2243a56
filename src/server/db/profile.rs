//! The signed-in user's own profile: details, email change, password, notification
//! preferences and devices (sessions). Every function that changes something takes the
//! caller as `By` and changes only `by.user`: no argument names another user. The admin's
//! view of someone's devices takes `Can<ManageUsers>`, which scopes it to the admin's company.

use super::sql::Sql;
use super::{
    audit::{self, By, Target},
    hierarchy::Rank,
    is_unique_violation, now_ms, outbox,
    quota::{self, Mailing},
    sessions::Carry,
    tokens::{self, NewToken, TokenPurpose},
    write::{Store, Write},
    Db,
};
use crate::model::{
    language_offered, place_phrase, time_zone_offered, Ability, AccountId, HeldRole, HomeFacts, Permission,
};
use crate::{
    error::AppError,
    model::{
        AuditAction, CompanyId, Devices, Email, EmailVerified, LiveEvent, NotificationPrefs, PersonName,
        Phone, Profile, ProfileDetails, SessionId, Theme, UserId, COUNTRIES,
    },
    server::{
        access::{outline, perm, Access, Can, Scope},
        mail::{self, PasswordChange},
        token,
    },
};
use serde_json::json;
use sqlx::{Any, Transaction};
use std::collections::HashMap;

/// How long an email-change link works.
const EMAIL_CHANGE_MS: i64 = 24 * 3_600_000;

#[derive(sqlx::FromRow)]
struct ProfileRow {
    name: String,
    email: String,
    phone: String,
    country: String,
    locale: String,
    time_zone: String,
    theme: String,
    notify_desktop: i64,
    notify_badge: i64,
    notify_sounds: i64,
    email_invitee_joined: i64,
}

const PROFILE_COLUMNS: &str = "name, email, phone, country, locale, time_zone, theme, notify_desktop, notify_badge, notify_sounds, email_invitee_joined";

impl From<ProfileRow> for Profile {
    fn from(r: ProfileRow) -> Profile {
        Profile {
            name: r.name,
            email: r.email,
            phone: r.phone,
            country: r.country,
            locale: r.locale,
            time_zone: r.time_zone,
            theme: Theme::parse(&r.theme).unwrap_or_default(),
            notifications: NotificationPrefs {
                desktop: r.notify_desktop == 1,
                badge: r.notify_badge == 1,
                sounds: r.notify_sounds == 1,
                invitee_joined_email: r.email_invitee_joined == 1,
            },
        }
    }
}

async fn read(tx: &mut Transaction<'_, Any>, user: UserId) -> Result<Profile, AppError> {
    let row: ProfileRow = sqlx::query_as(&format!("SELECT {PROFILE_COLUMNS} FROM users WHERE id = $1"))
        .bind(user)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok(row.into())
}

/// The caller's profile.
#[tracing::instrument(skip(db), err(Debug))]
pub async fn get(db: &Db, user: UserId) -> Result<Profile, AppError> {
    let mut tx = db.begin().await?;
    read(&mut tx, user).await
}

/// Profile details that passed every check but one: a language the interface no longer
/// offers is valid only for the person who has it stored, which [`save_details`] checks.
pub struct ValidDetails {
    name: PersonName,
    phone: Phone,
    country: String,
    locale: String,
    time_zone: String,
}

impl ValidDetails {
    pub fn parse(d: &ProfileDetails) -> Result<ValidDetails, AppError> {
        let country = d.country.trim();
        if !country.is_empty() && !COUNTRIES.iter().any(|(code, _)| *code == country) {
            return Err(AppError::field("country", "Choose a country from the list."));
        }
        if !time_zone_offered(&d.time_zone) {
            return Err(AppError::field("time_zone", "Choose a time zone from the list."));
        }
        Ok(ValidDetails {
            name: PersonName::parse(&d.name)?,
            phone: Phone::parse(&d.phone)?,
            country: country.to_string(),
            locale: d.locale.clone(),
            time_zone: d.time_zone.clone(),
        })
    }
}

/// Saves the caller's details and answers the profile as stored.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn save_details(store: Store<'_>, by: &By, d: &ValidDetails) -> Result<Profile, AppError> {
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let before = read(&mut w.tx, by.user).await?;
    // An offered language, or the one the person has: a language offered earlier stays theirs
    // (shown in English) while they change other fields.
    if !language_offered(&d.locale) && d.locale != before.locale {
        return Err(AppError::field("locale", "Choose a language from the list."));
    }
    sqlx::query(
        "UPDATE users SET name = $1, phone = $2, country = $3, locale = $4, time_zone = $5,
                version = version + 1, updated_at = $6, search_key = $7 WHERE id = $8",
    )
    .bind(d.name.as_str())
    .bind(d.phone.as_str())
    .bind(&d.country)
    .bind(&d.locale)
    .bind(&d.time_zone)
    .bind(now)
    .bind(super::search::person_key(d.name.as_str(), &before.email))
    .bind(by.user)
    .execute(&mut *w.tx)
    .await?;
    let after = read(&mut w.tx, by.user).await?;
    let details = |p: &Profile| json!({ "name": p.name, "phone": p.phone, "country": p.country, "locale": p.locale, "time_zone": p.time_zone });
    w.audit(
        AuditAction::ProfileUpdated,
        Target::user(by.user, &after.email),
        Some(details(&before)),
        Some(details(&after)),
    )
    .await?;
    w.announce(LiveEvent::user(by.user));
    w.commit().await?;
    Ok(after)
}

/// Saves the caller's colour theme (a [`Theme`] key) and answers it as stored.
#[tracing::instrument(skip(store, by), err(Debug))]
pub async fn save_theme(store: Store<'_>, by: &By, theme: &str) -> Result<Theme, AppError> {
    let theme =
        Theme::parse(theme).ok_or_else(|| AppError::field("theme", "Choose System, Light or Dark."))?;
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let before = read(&mut w.tx, by.user).await?;
    sqlx::query("UPDATE users SET theme = $1, version = version + 1, updated_at = $2 WHERE id = $3")
        .bind(theme.key())
        .bind(now)
        .bind(by.user)
        .execute(&mut *w.tx)
        .await?;
    w.audit(
        AuditAction::ProfileUpdated,
        Target::user(by.user, &before.email),
        Some(json!({ "theme": before.theme.key() })),
        Some(json!({ "theme": theme.key() })),
    )
    .await?;
    w.commit().await?;
    Ok(theme)
}

/// The caller's stored password hash (None when they never set one).
pub async fn password_hash(db: &Db, user: UserId) -> Result<Option<String>, AppError> {
    let hash: Option<Option<String>> = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(db)
        .await?;
    hash.ok_or(AppError::Unauthenticated)
}

/// Asks to change the caller's login to `new_email` (password already checked): a link to the
/// new address, which makes the change, and a notice to the old one. An earlier pending
/// request of the caller's stops working.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn request_email_change(
    store: Store<'_>,
    by: &By,
    new_email: &Email,
    mailing: Mailing<'_>,
) -> Result<(), AppError> {
    let mut w = Write::begin(store, by).await?;
    let me = read(&mut w.tx, by.user).await?;
    if me.email == new_email.as_str() {
        return Err(AppError::field(
            "new_email",
            "This is already your email address.",
        ));
    }
    // Only a colleague's use of the address is said: whether it has an account with another
    // company is found out, by the owner of the new address alone, when the link is used.
    super::lifecycle::refuse_colleague_email(&mut w.tx, by.company, new_email)
        .await
        .map_err(|e| match e {
            AppError::Invalid { message, .. } => AppError::field("new_email", message),
            other => other,
        })?;
    let change = EmailChange {
        user: by.user,
        name: &me.name,
        old_email: &me.email,
        new_email,
        asked_by: None,
    };
    start_email_change(&mut w, &change, mailing).await?;
    w.audit(
        AuditAction::ProfileEmailChangeRequested,
        Target::user(by.user, &me.email),
        Some(json!({ "email": me.email })),
        Some(json!({ "new_email": new_email.as_str() })),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// A change of someone's login email, to be confirmed from the new address.
pub(super) struct EmailChange<'a> {
    pub user: UserId,
    pub name: &'a str,
    pub old_email: &'a str,
    pub new_email: &'a Email,
    /// The admin who asked, when it is not the user themselves.
    pub asked_by: Option<&'a str>,
}

/// Sends a link to the new address, which makes the change, and a notice to the old one. An
/// earlier pending change of the user's stops working.
pub(super) async fn start_email_change(
    w: &mut Write<'_>,
    change: &EmailChange<'_>,
    mailing: Mailing<'_>,
) -> Result<(), AppError> {
    let (now, company) = (w.now, w.company());
    let tx = &mut w.tx;
    quota::email_change(tx, mailing.limits, change.user, now).await?;
    if change.asked_by.is_some() {
        // An admin's change mails two addresses they typed: it counts as the company's email.
        quota::company_mail(tx, mailing.limits, company, 1, now).await?;
    }
    let new_email = change.new_email.as_str();
    let address = AddressLink {
        user: change.user,
        purpose: TokenPurpose::EmailChange,
        email: new_email,
        valid_ms: EMAIL_CHANGE_MS,
    };
    let link = issue_address_link(tx, &address, mailing.public_url, now).await?;
    let zone: String = sqlx::query_scalar("SELECT time_zone FROM users WHERE id = $1")
        .bind(change.user)
        .fetch_one(&mut **tx)
        .await?;
    // The notice first: the e2e helper reads the last email naming the new address.
    let notice = mail::email_change_notice(&mail::EmailChangeNotice {
        name: change.name,
        old_email: change.old_email,
        new_email,
        asked_by: change.asked_by,
        asked_at: &mail::exact_for(now, &zone),
        public_url: mailing.public_url,
    });
    w.mail("email_change_notice", change.old_email, &notice).await?;
    let until = mail::exact_for(now + EMAIL_CHANGE_MS, &zone);
    let verify = mail::email_change_verify(change.name, new_email, &link, change.asked_by, &until);
    w.mail("email_change_verify", new_email, &verify).await?;
    Ok(())
}

/// A link proving that `user` holds `email`: a new login's (`email_change`) or a new
/// company owner's (`email_confirm`).
pub(super) struct AddressLink<'a> {
    pub user: UserId,
    pub purpose: TokenPurpose,
    pub email: &'a str,
    pub valid_ms: i64,
}

/// Stores the link's token, bound to the user's current security stamp (a new password,
/// login or status ends it), ends the user's earlier unused link of the same purpose, and
/// answers the `/verify-email/<token>` link that [`verify_email`] takes.
pub(super) async fn issue_address_link(
    tx: &mut Transaction<'_, Any>,
    link: &AddressLink<'_>,
    public_url: &str,
    now: i64,
) -> Result<String, sqlx::Error> {
    tokens::discard_unused(tx, link.user, link.purpose).await?;
    let secret = token::generate();
    let token = NewToken {
        user: link.user,
        purpose: link.purpose,
        secret: &secret,
        valid_ms: link.valid_ms,
        new_email: Some(link.email),
    };
    tokens::issue(tx, &token, now).await?;
    Ok(format!("{public_url}/verify-email/{secret}"))
}

/// Ends the pending email changes of `users` (an SQL list or subquery of user ids, numbers
/// from the database only). A change asked for before a new password may come from whoever
/// held the old one; one asked for by an admin must not outlive their authority over the
/// person, so any change of the person's access or status ends it too.
pub(super) async fn cancel_email_changes(
    tx: &mut Transaction<'_, Any>,
    users: &Sql,
    now: i64,
) -> Result<(), sqlx::Error> {
    tokens::spend_unused(tx, users, &[TokenPurpose::EmailChange], now).await
}

/// Ends the user's unused set-up, reactivation and reset links: they went to an address that
/// is no longer (or soon no longer) the login.
pub(super) async fn kill_links(
    tx: &mut Transaction<'_, Any>,
    user: UserId,
    now: i64,
) -> Result<(), sqlx::Error> {
    let links = [TokenPurpose::Setup, TokenPurpose::Reactivate, TokenPurpose::Reset];
    tokens::spend_unused(tx, &Sql::values([user]), &links, now).await
}

/// Uses an emailed link confirming an address: an email change's makes the new address the
/// login; a new owner's lets their company send email. Single use, only under the security
/// stamp it was sent with (a new password, login or status ends it), only for an active
/// user; refused clearly when the address was taken in the meantime. Answers the user's
/// company and id, and what was confirmed.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn verify_email(
    db: &Db,
    key: &super::chain::AuditKey,
    secret: &str,
    ip: &str,
    public_url: &str,
) -> Result<(CompanyId, UserId, EmailVerified), AppError> {
    let now = now_ms();
    let links = [TokenPurpose::EmailChange, TokenPurpose::EmailConfirm];
    // Changes of a company take turns under its lock (see `write`). This flow learns the
    // company from the link, so it finds it first and locks it before claiming the link: an
    // admin's rename can't slip between the name read below and the search key written with it.
    let company: Option<i64> = match tokens::holder(db, &links, secret, now).await? {
        Some((user, _)) => {
            sqlx::query_scalar("SELECT company_id FROM users WHERE id = $1")
                .bind(user)
                .fetch_optional(db)
                .await?
        }
        None => None,
    };
    let company = company.ok_or(AppError::LinkExpired)?;
    let (_turn, mut tx) = super::begin_write(db).await?;
    super::companies::lock_company(&mut tx, CompanyId(company)).await?;
    let claimed = tokens::claim(&mut tx, &links, secret, now).await?;
    let Some(tokens::Claimed {
        user: UserId(user),
        purpose,
        new_email: Some(new_email),
    }) = claimed
    else {
        return Err(AppError::LinkExpired);
    };
    if purpose == TokenPurpose::EmailConfirm {
        let company = confirm_owner(&mut tx, key, UserId(user), &new_email, ip, now).await?;
        tx.commit().await?;
        let verified = EmailVerified {
            email: new_email,
            changed: false,
        };
        return Ok((company, UserId(user), verified));
    }
    let row: Option<(i64, String, String)> =
        sqlx::query_as("SELECT company_id, name, email FROM users WHERE id = $1 AND status = 'active'")
            .bind(user)
            .fetch_optional(&mut *tx)
            .await?;
    let (company, name, old_email) = row.ok_or(AppError::LinkExpired)?;
    let taken_message = || {
        AppError::Conflict(format!(
            "{new_email} is now used by another Roster account, so your login stays {old_email}. Choose another address from your profile."
        ))
    };
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&new_email)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(taken_message());
    }
    sqlx::query(
        "UPDATE users SET email = $1, security_stamp = security_stamp + 1, version = version + 1, updated_at = $2,
                search_key = $3
         WHERE id = $4",
    )
        .bind(&new_email)
        .bind(now)
        .bind(super::search::person_key(&name, &new_email))
        .bind(user)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                taken_message()
            } else {
                e.into()
            }
        })?;
    kill_links(&mut tx, UserId(user), now).await?;
    let has_password: Option<String> = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user)
        .fetch_one(&mut *tx)
        .await?;
    if has_password.is_none() {
        // They never set a password: the set-up link that just died comes again, to the new address.
        let company = CompanyId(company);
        let message =
            super::lifecycle::setup_mail(&mut tx, company, UserId(user), &new_email, &name, public_url, now)
                .await?;
        outbox::queue(&mut tx, company, "account_setup", &new_email, &message, now).await?;
    }
    let by = By {
        company: CompanyId(company),
        user: UserId(user),
        name,
        ip: ip.to_string(),
        key: key.clone(),
    };
    audit::record(
        &mut tx,
        &by,
        AuditAction::UserEmailChanged,
        Target::user(UserId(user), &new_email),
        Some(json!({ "email": old_email })),
        Some(json!({ "email": new_email })),
        now,
    )
    .await?;
    tx.commit().await?;
    let verified = EmailVerified {
        email: new_email,
        changed: true,
    };
    Ok((CompanyId(company), UserId(user), verified))
}

/// The owner proved they hold `email`, still their login: their company may send email.
async fn confirm_owner(
    tx: &mut Transaction<'_, Any>,
    key: &super::chain::AuditKey,
    user: UserId,
    email: &str,
    ip: &str,
    now: i64,
) -> Result<CompanyId, AppError> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT company_id, name FROM users WHERE id = $1 AND email = $2 AND status = 'active'
           AND id = (SELECT owner_id FROM companies WHERE companies.id = users.company_id)",
    )
    .bind(user)
    .bind(email)
    .fetch_optional(&mut **tx)
    .await?;
    let (company, name) = row.ok_or(AppError::LinkExpired)?;
    sqlx::query("UPDATE companies SET mail_confirmed_at = $1 WHERE id = $2 AND mail_confirmed_at IS NULL")
        .bind(now)
        .bind(company)
        .execute(&mut **tx)
        .await?;
    let by = By {
        company: CompanyId(company),
        user,
        name,
        ip: ip.to_string(),
        key: key.clone(),
    };
    let target = Target::user(user, email);
    audit::record(
        tx,
        &by,
        AuditAction::CompanyEmailConfirmed,
        target,
        None,
        None,
        now,
    )
    .await?;
    Ok(CompanyId(company))
}

/// Sets the caller's new password hash (current password already checked) and, when
/// `keep` is given, ends every other session of theirs. The caller's session `current` gets
/// the token hashed as `new_token_hash` (a new password, a new token). Answers how many
/// sessions ended.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn change_password(
    store: Store<'_>,
    by: &By,
    hash: &str,
    keep: Option<SessionId>,
    (current, new_token_hash): (SessionId, &str),
    public_url: &str,
) -> Result<u64, AppError> {
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let me = read(&mut w.tx, by.user).await?;
    sqlx::query("UPDATE users SET password_hash = $1, version = version + 1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(by.user)
        .execute(&mut *w.tx)
        .await?;
    let ended = match keep {
        Some(keep) => super::sessions::end_of_user(&mut w.tx, by.user, None, Some(keep)).await?,
        None => 0,
    };
    tokens::spend_all_unused(&mut w.tx, &Sql::values([by.user]), now).await?;
    // A new password moves the security stamp on; the sessions the person chose to keep are
    // carried over to it (never those an earlier move ended).
    let carry = match keep {
        Some(keep) => Carry::One(keep),
        None => Carry::AllLive,
    };
    super::sessions::bump_stamp(&mut w.tx, by.user, carry).await?;
    super::sessions::rekey(&mut w.tx, by.user, current, new_token_hash).await?;
    w.audit(
        AuditAction::ProfilePasswordChanged,
        Target::user(by.user, &me.email),
        None,
        Some(json!({ "other_sessions_ended": ended })),
    )
    .await?;
    let when = mail::exact_for(now, &me.time_zone);
    let notice = mail::password_changed(&me.name, &me.email, &when, PasswordChange::Profile, public_url);
    w.mail("password_changed", &me.email, &notice).await?;
    w.commit().await?;
    Ok(ended)
}

/// Saves the caller's notification preferences.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn save_notifications(
    store: Store<'_>,
    by: &By,
    prefs: &NotificationPrefs,
) -> Result<Profile, AppError> {
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let before = read(&mut w.tx, by.user).await?;
    sqlx::query(
        "UPDATE users SET notify_desktop = $1, notify_badge = $2, notify_sounds = $3, email_invitee_joined = $4,
                updated_at = $5 WHERE id = $6",
    )
    .bind(i64::from(prefs.desktop))
    .bind(i64::from(prefs.badge))
    .bind(i64::from(prefs.sounds))
    .bind(i64::from(prefs.invitee_joined_email))
    .bind(now)
    .bind(by.user)
    .execute(&mut *w.tx)
    .await?;
    let after = read(&mut w.tx, by.user).await?;
    w.audit(
        AuditAction::ProfileNotificationsUpdated,
        Target::user(by.user, &after.email),
        Some(json!(before.notifications)),
        Some(json!(after.notifications)),
    )
    .await?;
    w.commit().await?;
    Ok(after)
}

/// The caller's devices; `current` is the session of this request.
#[tracing::instrument(skip(db), err(Debug))]
pub async fn devices(db: &Db, user: UserId, current: SessionId, idle_ms: i64) -> Result<Devices, AppError> {
    super::sessions::live_of(db, user, current, idle_ms).await
}

/// Ends sessions of `user` (`only` one, or all but `keep`, or all) with an audit event;
/// `label` names the user in the event.
async fn end_sessions(
    store: Store<'_>,
    by: &By,
    user: UserId,
    label: &str,
    only: Option<SessionId>,
    keep: Option<SessionId>,
) -> Result<u64, AppError> {
    let mut w = Write::begin(store, by).await?;
    let ended = super::sessions::end_of_user(&mut w.tx, user, only, keep).await?;
    if only.is_some() && ended == 0 {
        return Err(AppError::NotFound("That device".into()));
    }
    w.audit(
        AuditAction::SessionsEnded,
        Target::user(user, label),
        None,
        Some(json!({ "session": only.map(|s| s.0), "ended": ended })),
    )
    .await?;
    w.commit().await?;
    Ok(ended)
}

/// Signs the caller out on one of their devices.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn end_my_session(
    store: Store<'_>,
    by: &By,
    email: &str,
    session: SessionId,
) -> Result<u64, AppError> {
    end_sessions(store, by, by.user, email, Some(session), None).await
}

/// Signs the caller out everywhere but `current`.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn end_my_other_sessions(
    store: Store<'_>,
    by: &By,
    email: &str,
    current: SessionId,
) -> Result<u64, AppError> {
    end_sessions(store, by, by.user, email, None, Some(current)).await
}

/// The email of `user`, if they are of the caller's company, inside their scope and below
/// them (the hierarchy rule: nobody reads or ends the sessions of someone above them).
async fn user_of_company(db: &Db, can: &Can<perm::ManageUsers>, user: UserId) -> Result<String, AppError> {
    let mut tx = db.begin().await?;
    let owner = super::companies::owner_of(&mut tx, can.company()).await?;
    let target = super::users::current(&mut tx, can.company(), can.scope(), user).await?;
    super::hierarchy::below(&mut tx, can, owner, user, Rank::Above).await?;
    Ok(target.email)
}

/// An admin's view of a user's devices.
#[tracing::instrument(skip(db, can), err(Debug))]
pub async fn user_devices(
    db: &Db,
    can: &Can<perm::ManageUsers>,
    user: UserId,
    current: SessionId,
    idle_ms: i64,
) -> Result<Devices, AppError> {
    user_of_company(db, can, user).await?;
    super::sessions::live_of(db, user, current, idle_ms).await
}

/// An admin ends one session of a user of their company, or all of them.
#[tracing::instrument(skip(store, can, by), err(Debug))]
pub async fn end_user_sessions(
    store: Store<'_>,
    can: &Can<perm::ManageUsers>,
    by: &By,
    user: UserId,
    session: Option<SessionId>,
) -> Result<u64, AppError> {
    let email = user_of_company(store.db, can, user).await?;
    end_sessions(store, by, user, &email, session, None).await
}

/// Inside an invitation's acceptance: tells the inviter that `name` joined, if they are still
/// an active user and want these emails.
pub(super) async fn queue_invitee_joined(
    tx: &mut Transaction<'_, Any>,
    invitation: i64,
    name: &str,
    email: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let inviter: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT i.company_id, u.email, c.name FROM invitations i
         JOIN users u ON u.id = i.invited_by AND u.status = 'active' AND u.email_invitee_joined = 1
         JOIN companies c ON c.id = i.company_id
         WHERE i.id = $1",
    )
    .bind(invitation)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some((company, to, company_name)) = inviter {
        let message = mail::invitee_joined(&company_name, name, email);
        outbox::queue(tx, CompanyId(company), "invitee_joined", &to, &message, now).await?;
    }
    Ok(())
}

/// What Home shows the caller, whose access (worked out for this request) is `access`: their
/// name, roles per account, teams, and what those roles let them do where. Only the caller's
/// own rows are read.
#[tracing::instrument(skip(db, access), err(Debug))]
pub async fn home(db: &Db, company: CompanyId, user: UserId, access: &Access) -> Result<HomeFacts, AppError> {
    let (name, email, job_title, company_name, is_owner): (String, String, String, String, i64) =
        sqlx::query_as(
            "SELECT u.name, u.email, u.job_title, c.name, CASE WHEN c.owner_id = u.id THEN 1 ELSE 0 END
         FROM users u JOIN companies c ON c.id = u.company_id WHERE u.id = $1 AND u.company_id = $2",
        )
        .bind(user)
        .bind(company)
        .fetch_optional(db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let (held, _) = super::assignments::of_user(db, company, user).await?;
    let roles = held
        .into_iter()
        .map(|row| HeldRole {
            role: row.role_name,
            account: row.account_name,
        })
        .collect();
    let teams: Vec<String> = sqlx::query_scalar(
        "SELECT t.name FROM team_members tm JOIN teams t ON t.id = tm.team_id
         WHERE tm.user_id = $1 AND t.company_id = $2 ORDER BY t.name_key, t.id",
    )
    .bind(user)
    .bind(company)
    .fetch_all(db)
    .await?;
    // The tree in path order, each account named by its path.
    let paths = super::users::account_choices(db, company, &Scope::All).await?;
    let parents: HashMap<i64, Option<i64>> =
        sqlx::query_as::<_, (i64, Option<i64>)>("SELECT id, parent_id FROM accounts WHERE company_id = $1")
            .bind(company)
            .fetch_all(db)
            .await?
            .into_iter()
            .collect();
    let tree: Vec<(AccountId, Option<AccountId>)> = paths
        .iter()
        .map(|c| {
            (
                AccountId(c.id),
                parents.get(&c.id).copied().flatten().map(AccountId),
            )
        })
        .collect();
    let name_of: HashMap<AccountId, &str> =
        paths.iter().map(|c| (AccountId(c.id), c.name.as_str())).collect();
    let place = |covered: &dyn Fn(AccountId) -> bool| {
        let (tops, except) = outline(&tree, covered);
        let names = |ids: Vec<AccountId>| -> Vec<String> {
            ids.iter()
                .filter_map(|id| name_of.get(id).map(|n| n.to_string()))
                .collect()
        };
        if except.is_empty() && tops.first() == Some(&access.root()) {
            "On every account".to_string()
        } else {
            place_phrase(&names(tops), &names(except))
        }
    };
    let mut abilities = Vec::new();
    for permission in Permission::ALL {
        let Some(scope) = access.scope(permission) else {
            continue;
        };
        let place = match scope {
            _ if permission.company_wide() => "Company-wide".to_string(),
            Scope::All => "On every account".to_string(),
            Scope::Only(_) => place(&|a| scope.covers(a)),
        };
        abilities.push(Ability {
            label: permission.label().to_string(),
            what: permission.description().to_string(),
            place,
        });
    }
    for module in access.modules() {
        if access.may_use(&module.key, None) {
            abilities.push(Ability {
                label: module.name.clone(),
                what: module.description(),
                place: place(&|a| access.may_use(&module.key, Some(a))),
            });
        }
    }
    Ok(HomeFacts {
        name,
        email,
        job_title,
        company_name,
        is_owner: is_owner == 1,
        roles,
        teams,
        abilities,
    })
}
