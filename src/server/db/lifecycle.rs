//! Changing users: add, edit, change role, deactivate, reactivate, delete, transfer ownership.
//! Each is one transaction that also writes its audit event (and email, when there is one).
//!
//! Owner rules hold under concurrency: every change that could touch the owner first writes the
//! company row (`lock_company`), which takes PostgreSQL's row lock and SQLite's write lock, so
//! such changes run one after another and each sees the owner as it really is.

use super::sql::Sql;
use super::{
    assignments::set_root_role,
    audit::{By, Target},
    bulk::OneChange,
    companies::{account_name, company_mail_facts, release_squatted, Claimant},
    hierarchy::{below, Rank},
    is_unique_violation, now_ms, outbox,
    profile::{cancel_email_changes, kill_links, start_email_change, EmailChange},
    quota::{self, Mailing},
    roles::{assignable_role, builtin_role, grantable_on},
    tokens::{self, NewToken, TokenPurpose},
    users::{current, Current},
    write::{Store, Write},
    Db,
};
use crate::{
    error::AppError,
    model::{
        AccountId, AuditAction, BulkKind, CompanyId, Email, LiveEvent, LiveKind, NewUser, RoleId, TeamId,
        UserEdit, UserFields, UserId, UserStatus,
    },
    server::{
        access::Scope,
        access::{perm, Can},
        mail::{self, Message},
        token,
    },
};
use serde_json::json;
use sqlx::{Any, Transaction};

/// Why "change role" leaves someone out.
pub(super) const SEVERAL_ROLES: &str =
    "has different roles in several accounts: change them account by account on their page";

/// Why someone still confirming their email or awaiting approval is not deactivated.
pub(super) const NOT_JOINED: &str =
    "hasn't finished joining: only active users are deactivated (reject a join request instead)";

const OWNER_RULE: &str =
    "The owner can't be changed this way. Transfer ownership to another active user first.";

/// Stores a single-use `/welcome/` link's token for `user` and returns the link.
async fn issue_link(
    tx: &mut Transaction<'_, Any>,
    user: UserId,
    purpose: TokenPurpose,
    valid_days: i64,
    public_url: &str,
    now: i64,
) -> Result<String, AppError> {
    let secret = token::generate();
    let link = NewToken {
        user,
        purpose,
        secret: &secret,
        valid_ms: valid_days * 86_400_000,
        new_email: None,
    };
    tokens::issue(tx, &link, now).await?;
    Ok(format!("{public_url}/welcome/{secret}"))
}

/// The email that gives `user` a link to set their password and sign in for the first time
/// (the link is issued here; the caller queues the message to `email`).
pub(super) async fn setup_mail(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    user: UserId,
    email: &str,
    sent_by: &str,
    public_url: &str,
    now: i64,
) -> Result<Message, AppError> {
    let (company_name, days) = company_mail_facts(tx, company).await?;
    let link = issue_link(tx, user, TokenPurpose::Setup, days, public_url, now).await?;
    Ok(mail::account_setup(&company_name, sent_by, email, &link, days))
}

/// Refuses an address a colleague already uses, plainly: it is the company's own business.
pub(super) async fn refuse_colleague_email(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    email: &Email,
) -> Result<(), AppError> {
    held_elsewhere(tx, company, email).await.map(|_| ())
}

/// Whether `email` is the login of a user of another company, refusing a colleague's address
/// plainly (the company's own business). The login is unique across companies: one lookup.
async fn held_elsewhere(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    email: &Email,
) -> Result<bool, AppError> {
    let holder: Option<i64> = sqlx::query_scalar("SELECT company_id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    match holder {
        Some(c) if c == company.0 => Err(AppError::field(
            "email",
            "Someone in your company already uses this email address.",
        )),
        holder => Ok(holder.is_some()),
    }
}

pub(super) fn taken_email(e: sqlx::Error) -> AppError {
    if is_unique_violation(&e) {
        AppError::field("email", "Someone already uses this email address.")
    } else {
        e.into()
    }
}

/// Adds a user without a password. An active one gets an email with a set-up link. Every add
/// spends one of the company's emails for the day, sent or not, so that an address that has
/// an account with another company costs the same: it is answered as if it were added
/// (`None`, nothing written) and gets a notice instead of the link, whatever the status, so
/// its owner hears of every try and the company learns nothing from the answer or allowance.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn create(
    store: Store<'_>,
    can: &Can<perm::ManageUsers>,
    by: &By,
    form: &NewUser,
    mailing: Mailing<'_>,
) -> Result<(), AppError> {
    let public_url = mailing.public_url;
    let company = can.company();
    let UserFields {
        name,
        email,
        phone,
        job_title,
    } = UserFields::parse(&form.name, &form.email, &form.phone, &form.job_title)?;
    let job_title = job_title.as_str();
    if !matches!(form.status, UserStatus::Active | UserStatus::Deactivated) {
        return Err(AppError::field(
            "status",
            "A new user is either active or deactivated.",
        ));
    }
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let account = match form.account {
        Some(account) => account,
        None => AccountId(w.locked.root),
    };
    if !super::assignments::reachable(&mut w.tx, can, account).await? {
        return Err(AppError::field("account", "Choose an account you manage."));
    }
    let role_name = assignable_role(&mut w.tx, can, form.role, Some(account))
        .await?
        .name;
    if let Some(team) = form.team {
        super::teams::chosen(&mut w.tx, company, team).await?;
    }
    release_squatted(&mut w.tx, company, email.as_str(), now, Claimant::Admin).await?;
    let elsewhere = held_elsewhere(&mut w.tx, company, &email).await?;
    quota::company_mail(&mut w.tx, mailing.limits, company, 1, now).await?;
    if elsewhere {
        let (company_name, _) = company_mail_facts(&mut w.tx, company).await?;
        let message = mail::addition_to_taken_address(&company_name, &by.name, email.as_str());
        w.mail("addition_notice", email.as_str(), &message).await?;
        return Ok(w.commit().await?);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (company_id, email, name, phone, job_title, status, created_at, updated_at, search_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
    )
    .bind(company)
    .bind(email.as_str())
    .bind(name.as_str())
    .bind(phone.as_str())
    .bind(job_title)
    .bind(form.status.key())
    .bind(now)
    .bind(super::search::person_key(name.as_str(), email.as_str()))
    .fetch_one(&mut *w.tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            // Taken since the check above, by a concurrent add: say nothing of whom by.
            AppError::field(
                "email",
                "We couldn't add this address just now. Try again in a moment.",
            )
        } else {
            e.into()
        }
    })?;
    let user = UserId(id);
    super::companies::assign_role(&mut w.tx, user, account, form.role).await?;
    if let Some(team) = form.team {
        sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)")
            .bind(team)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
    }
    if form.status == UserStatus::Active {
        let message = setup_mail(
            &mut w.tx,
            company,
            user,
            email.as_str(),
            &by.name,
            public_url,
            now,
        )
        .await?;
        w.mail("account_setup", email.as_str(), &message).await?;
    }
    w.announce(LiveEvent::user(user));
    let after = json!({ "name": name.as_str(), "email": email.as_str(), "role": role_name, "status": form.status.key() });
    w.audit(
        AuditAction::UserCreated,
        Target::user(user, email.as_str()),
        None,
        Some(after),
    )
    .await?;
    Ok(w.commit().await?)
}

/// Saves new details, unless someone saved the user since `edit.version` was read. A new
/// email is not saved: the new address gets a link that makes the change, the old one a
/// notice, and links already sent to the old address stop working. Answers the address
/// waiting for confirmation, if any.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn update(
    store: Store<'_>,
    can: &Can<perm::ManageUsers>,
    by: &By,
    edit: &UserEdit,
    mailing: Mailing<'_>,
) -> Result<Option<String>, AppError> {
    let company = can.company();
    let UserFields {
        name,
        email,
        phone,
        job_title,
    } = UserFields::parse(&edit.name, &edit.email, &edit.phone, &edit.job_title)?;
    let job_title = job_title.as_str();
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let owner = w.locked.owner;
    let before = current(&mut w.tx, company, can.scope(), edit.id).await?;
    below(&mut w.tx, can, owner, edit.id, Rank::Above).await?;
    let updated = sqlx::query(
        "UPDATE users SET name = $1, phone = $2, job_title = $3, version = version + 1, updated_at = $4,
                search_key = $8
         WHERE id = $5 AND company_id = $6 AND version = $7",
    )
    .bind(name.as_str())
    .bind(phone.as_str())
    .bind(job_title)
    .bind(now)
    .bind(edit.id)
    .bind(company)
    .bind(edit.version)
    .bind(super::search::person_key(name.as_str(), &before.email))
    .execute(&mut *w.tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(AppError::Conflict(
            "Someone else saved this user after you opened the form. Reload to see their changes, then edit again."
                .into(),
        ));
    }
    let pending = if email.as_str() == before.email {
        None
    } else {
        request_email_change(&mut w, edit.id, &before, &email, mailing).await?;
        Some(email.as_str().to_string())
    };
    let before_json = json!({ "name": before.name, "phone": before.phone, "job_title": before.job_title });
    let after_json = json!({ "name": name.as_str(), "phone": phone.as_str(), "job_title": job_title });
    if before_json != after_json {
        w.audit(
            AuditAction::UserUpdated,
            Target::user(edit.id, &before.email),
            Some(before_json),
            Some(after_json),
        )
        .await?;
    }
    w.announce(LiveEvent::user(edit.id));
    w.commit().await?;
    Ok(pending)
}

/// An admin's change of someone's login email, waiting for the new address to confirm it.
async fn request_email_change(
    w: &mut Write<'_>,
    user: UserId,
    before: &Current,
    email: &Email,
    mailing: Mailing<'_>,
) -> Result<(), AppError> {
    // Only a colleague's use of the address is said; another company's is found out, by
    // the owner of the new address alone, when the link is used.
    let company = w.company();
    refuse_colleague_email(&mut w.tx, company, email).await?;
    kill_links(&mut w.tx, user, w.now).await?;
    let by = w.by;
    let change = EmailChange {
        user,
        name: &before.name,
        old_email: &before.email,
        new_email: email,
        asked_by: Some(&by.name),
    };
    start_email_change(w, &change, mailing).await?;
    w.audit(
        AuditAction::UserEmailChangeRequested,
        Target::user(user, &before.email),
        Some(json!({ "email": before.email })),
        Some(json!({ "new_email": email.as_str() })),
    )
    .await?;
    Ok(())
}

/// Gives the user `role` in every account they have access to (on the root account when they
/// have none). Not for the owner, nor for someone holding different roles in several accounts:
/// those are changed account by account on their page.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn change_role(
    store: Store<'_>,
    can: &Can<perm::ManageUsers>,
    by: &By,
    user: UserId,
    role: RoleId,
) -> Result<(), AppError> {
    let company = can.company();
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let owner = w.locked.owner;
    let target = current(&mut w.tx, company, can.scope(), user).await?;
    if user == owner {
        return Err(AppError::Conflict(OWNER_RULE.into()));
    }
    if user == can.actor() {
        // As with access and bulk changes: nobody lowers (or raises) their own power.
        return Err(AppError::Conflict(
            "You can't change your own role: ask another admin.".into(),
        ));
    }
    below(&mut w.tx, can, owner, user, Rank::Above).await?;
    let given = assignable_role(&mut w.tx, can, role, None).await?;
    // Every role they hold, where, in one read (the root first, then by name, as
    // grantable_where_held orders them): the change holds its company's lock, and each round
    // trip is time the company's other changes wait.
    let held: Vec<(i64, String, i64, String)> = sqlx::query_as(
        "SELECT ra.role_id, r.name, a.id, a.name FROM role_assignments ra
         JOIN roles r ON r.id = ra.role_id JOIN accounts a ON a.id = ra.account_id
         WHERE ra.user_id = $1
         ORDER BY CASE WHEN a.parent_id IS NULL THEN 0 ELSE 1 END, a.name_key, a.id",
    )
    .bind(user)
    .fetch_all(&mut *w.tx)
    .await?;
    // Where the role would apply: where they hold theirs, or the root for someone with none.
    let on: Vec<(i64, String)> = match held.as_slice() {
        [] => vec![(
            w.locked.root,
            account_name(&mut w.tx, company, w.locked.root).await?,
        )],
        _ => held.iter().map(|(.., id, name)| (*id, name.clone())).collect(),
    };
    grantable_on(can, &given, &on)?;
    if held.iter().any(|(role, ..)| *role != held[0].0) {
        return Err(AppError::Conflict(format!("{} {SEVERAL_ROLES}.", target.name)));
    }
    // The role before, for the audit log's before → after.
    let before = held.first().map(|(_, name, ..)| json!({ "role": name }));
    // Undoable for a day, like a bulk change ("Recent changes").
    let record = OneChange::begin(&mut w, BulkKind::ChangeRole, user).await?;
    // At most one role here: several were refused above, before the change was recorded.
    if held.is_empty() {
        set_root_role(&mut w.tx, w.locked.root, user, role.0).await?;
    } else {
        sqlx::query("UPDATE role_assignments SET role_id = $1 WHERE user_id = $2")
            .bind(role)
            .bind(user)
            .execute(&mut *w.tx)
            .await?;
    }
    cancel_email_changes(&mut w.tx, &Sql::values([user]), now).await?;
    sqlx::query("UPDATE users SET version = version + 1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user)
        .execute(&mut *w.tx)
        .await?;
    // The account the role applies on, when it is one (the common case: the root account,
    // where someone holding no role is given one).
    let audited = match on.as_slice() {
        [(id, name)] => Target::user(user, &target.email).on(AccountId(*id), name),
        _ => Target::user(user, &target.email),
    };
    w.audit(
        AuditAction::UserRoleChanged,
        audited,
        before,
        Some(json!({ "role": given.name })),
    )
    .await?;
    record.seal(&mut w).await?;
    w.announce(LiveEvent::user(user));
    w.commit().await?;
    Ok(())
}

/// Puts the user in exactly these teams of the company.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn set_teams(
    store: Store<'_>,
    can: &Can<perm::ManageUsers>,
    by: &By,
    user: UserId,
    teams: &[TeamId],
) -> Result<(), AppError> {
    let company = can.company();
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let owner = w.locked.owner;
    let target = current(&mut w.tx, company, can.scope(), user).await?;
    below(&mut w.tx, can, owner, user, Rank::AtLeast).await?;
    let mut names = Vec::with_capacity(teams.len());
    for team in teams {
        let name: Option<String> =
            sqlx::query_scalar("SELECT name FROM teams WHERE id = $1 AND company_id = $2")
                .bind(team)
                .bind(company)
                .fetch_optional(&mut *w.tx)
                .await?;
        names.push(name.ok_or_else(|| AppError::field("teams", "Choose among your company's teams."))?);
    }
    let record = OneChange::begin(&mut w, BulkKind::SetTeams, user).await?;
    sqlx::query("DELETE FROM team_members WHERE user_id = $1")
        .bind(user)
        .execute(&mut *w.tx)
        .await?;
    // A new version tells a pending bulk undo that this user changed since.
    sqlx::query("UPDATE users SET version = version + 1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user)
        .execute(&mut *w.tx)
        .await?;
    for team in teams {
        sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(team)
            .bind(user)
            .execute(&mut *w.tx)
            .await?;
    }
    w.audit(
        AuditAction::UserTeamsChanged,
        Target::user(user, &target.email),
        None,
        Some(json!({ "teams": names })),
    )
    .await?;
    record.seal(&mut w).await?;
    w.announce(LiveEvent::user(user));
    w.announce(LiveEvent::everything(LiveKind::Teams));
    w.commit().await?;
    Ok(())
}

/// Deactivates: sign-in refused and every session ends at once. Not the owner, not oneself.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn deactivate(
    store: Store<'_>,
    can: &Can<perm::ManageUsers>,
    by: &By,
    user: UserId,
) -> Result<(), AppError> {
    let company = can.company();
    if user == can.actor() {
        return Err(AppError::Conflict("You can't deactivate yourself.".into()));
    }
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let owner = w.locked.owner;
    let target = current(&mut w.tx, company, can.scope(), user).await?;
    if user == owner {
        return Err(AppError::Conflict(OWNER_RULE.into()));
    }
    below(&mut w.tx, can, owner, user, Rank::Above).await?;
    if target.status == UserStatus::Deactivated.key() {
        return Err(AppError::Conflict(format!(
            "{} is already deactivated.",
            target.name
        )));
    }
    if target.status != UserStatus::Active.key() {
        // Deactivate, then reactivate, must not skip email confirmation and approval.
        return Err(AppError::Conflict(format!("{} {NOT_JOINED}.", target.name)));
    }
    let record = OneChange::begin(&mut w, BulkKind::Deactivate, user).await?;
    set_status(&mut w.tx, user, UserStatus::Deactivated, now).await?;
    super::invitations::withdraw_sent_by(&mut w.tx, &Sql::values([user])).await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user)
        .execute(&mut *w.tx)
        .await?;
    w.audit(
        AuditAction::UserDeactivated,
        Target::user(user, &target.email),
        Some(json!({ "status": target.status })),
        Some(json!({ "status": "deactivated" })),
    )
    .await?;
    record.seal(&mut w).await?;
    w.announce(LiveEvent::user(user));
    w.commit().await?;
    Ok(())
}

/// Reactivates a deactivated user and emails them a link to sign in again.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn reactivate(
    store: Store<'_>,
    can: &Can<perm::ManageUsers>,
    by: &By,
    user: UserId,
    mailing: Mailing<'_>,
) -> Result<(), AppError> {
    let public_url = mailing.public_url;
    let company = can.company();
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let owner = w.locked.owner;
    let target = current(&mut w.tx, company, can.scope(), user).await?;
    below(&mut w.tx, can, owner, user, Rank::Above).await?;
    if target.status != UserStatus::Deactivated.key() {
        return Err(AppError::Conflict(format!("{} is not deactivated.", target.name)));
    }
    quota::company_mail(&mut w.tx, mailing.limits, company, 1, now).await?;
    let record = OneChange::begin(&mut w, BulkKind::Reactivate, user).await?;
    set_status(&mut w.tx, user, UserStatus::Active, now).await?;
    let (company_name, days) = company_mail_facts(&mut w.tx, company).await?;
    let link = issue_link(&mut w.tx, user, TokenPurpose::Reactivate, days, public_url, now).await?;
    let message = mail::reactivation(&company_name, &by.name, &target.email, &link, days);
    w.mail("reactivation", &target.email, &message).await?;
    w.audit(
        AuditAction::UserReactivated,
        Target::user(user, &target.email),
        Some(json!({ "status": "deactivated" })),
        Some(json!({ "status": "active" })),
    )
    .await?;
    record.seal(&mut w).await?;
    w.announce(LiveEvent::user(user));
    w.commit().await?;
    Ok(())
}

/// Emails a set-up link again to someone who never set a password nor signed in (the first
/// email was lost, or its link expired). Their earlier set-up links stop working.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn resend_setup(
    store: Store<'_>,
    can: &Can<perm::ManageUsers>,
    by: &By,
    user: UserId,
    mailing: Mailing<'_>,
) -> Result<(), AppError> {
    let company = can.company();
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let owner = w.locked.owner;
    let target = current(&mut w.tx, company, can.scope(), user).await?;
    below(&mut w.tx, can, owner, user, Rank::Above).await?;
    if target.status != UserStatus::Active.key() {
        return Err(AppError::Conflict(format!(
            "{} is not active: reactivate them, which emails them a link.",
            target.name
        )));
    }
    if target.never_signed_in == 0 {
        return Err(AppError::Conflict(format!(
            "{} has already set up their account: they can reset their password from the sign-in page.",
            target.name
        )));
    }
    // A pause between links, as for invitations, so that no one's inbox can be flooded.
    let last_sent = tokens::last_issued(&mut w.tx, user, &WELCOME).await?;
    if let Some(minutes) = last_sent.and_then(|sent| mailing.limits.resend_wait(sent, now)) {
        return Err(AppError::Conflict(format!(
            "{} was sent a link less than {} minutes ago; you can send another in {minutes} minutes.",
            target.name, mailing.limits.resend_minutes
        )));
    }
    quota::company_mail(&mut w.tx, mailing.limits, company, 1, now).await?;
    // Every earlier welcome link (set-up or reactivation) stops working.
    tokens::spend_unused(&mut w.tx, &Sql::values([user]), &WELCOME, now).await?;
    let message = setup_mail(
        &mut w.tx,
        company,
        user,
        &target.email,
        &by.name,
        mailing.public_url,
        now,
    )
    .await?;
    w.mail("account_setup", &target.email, &message).await?;
    w.audit(
        AuditAction::UserSetupLinkResent,
        Target::user(user, &target.email),
        None,
        None,
    )
    .await?;
    w.commit().await?;
    Ok(())
}

async fn set_status(
    tx: &mut Transaction<'_, Any>,
    user: UserId,
    status: UserStatus,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE users SET status = $1, security_stamp = security_stamp + 1, version = version + 1, updated_at = $2
         WHERE id = $3",
    )
        .bind(status.key())
        .bind(now)
        .bind(user)
        .execute(&mut **tx)
        .await?;
    tokens::spend_all_unused(tx, &Sql::values([user]), now).await?;
    Ok(())
}

/// Deletes permanently, after the admin typed the user's email. What the user did stays:
/// audit events and invitations keep their name and email.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn delete(
    store: Store<'_>,
    can: &Can<perm::ManageUsers>,
    by: &By,
    user: UserId,
    confirm_email: &str,
) -> Result<(), AppError> {
    let company = can.company();
    if user == can.actor() {
        return Err(AppError::Conflict("You can't delete yourself.".into()));
    }
    let mut w = Write::begin(store, by).await?;
    let owner = w.locked.owner;
    let target = current(&mut w.tx, company, can.scope(), user).await?;
    if user == owner {
        return Err(AppError::Conflict(OWNER_RULE.into()));
    }
    below(&mut w.tx, can, owner, user, Rank::Above).await?;
    if !confirm_email.trim().eq_ignore_ascii_case(&target.email) {
        return Err(AppError::field(
            "confirm_email",
            format!("Type {} to confirm.", target.email),
        ));
    }
    let label = format!("{} ({})", target.name, target.email);
    let before = json!({ "name": target.name, "email": target.email, "status": target.status });
    w.audit(
        AuditAction::UserDeleted,
        Target::user(user, &label),
        Some(before),
        None,
    )
    .await?;
    // Events about the user keep their label; their own actions keep the actor's name.
    super::audit::keep_labels(&mut w.tx, &Sql::values([user])).await?;
    super::invitations::withdraw_sent_by(&mut w.tx, &Sql::values([user])).await?;
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user)
        .execute(&mut *w.tx)
        .await?;
    w.announce(LiveEvent::user(user));
    w.commit().await?;
    Ok(())
}

/// Makes `to` the owner and the caller an Admin. Only the owner may, for an active user of the
/// company; racing transfers and demotions run one after another (see `lock_company`).
#[tracing::instrument(skip_all, err(Debug))]
pub async fn transfer_ownership(store: Store<'_>, by: &By, to: UserId) -> Result<(), AppError> {
    let company = by.company;
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let owner = w.locked.owner;
    if owner != by.user {
        return Err(AppError::Forbidden);
    }
    if to == by.user {
        return Err(AppError::field("to", "You already own the company."));
    }
    let target = current(&mut w.tx, company, &Scope::All, to).await?;
    if target.status != UserStatus::Active.key() {
        return Err(AppError::field("to", "Ownership can go only to an active user."));
    }
    sqlx::query("UPDATE companies SET owner_id = $1 WHERE id = $2 AND owner_id = $3")
        .bind(to)
        .bind(company)
        .bind(by.user)
        .execute(&mut *w.tx)
        .await?;
    let owner_role = builtin_role(&mut w.tx, company, "owner").await?;
    let admin_role = builtin_role(&mut w.tx, company, "admin").await?;
    set_root_role(&mut w.tx, w.locked.root, to, owner_role).await?;
    set_root_role(&mut w.tx, w.locked.root, by.user, admin_role).await?;
    cancel_email_changes(&mut w.tx, &Sql::values([to, by.user]), now).await?;
    w.audit(
        AuditAction::CompanyOwnershipTransferred,
        Target::user(to, &target.email),
        Some(json!({ "owner": by.name })),
        Some(json!({ "owner": target.name })),
    )
    .await?;
    w.announce(LiveEvent::users([by.user, to]));
    w.commit().await?;
    Ok(())
}

/// What a `/welcome/` link takes: a first set-up or a reactivation.
const WELCOME: [TokenPurpose; 2] = [TokenPurpose::Setup, TokenPurpose::Reactivate];

/// What a set-up or reactivation link shows before it is used.
#[derive(Debug, Clone)]
pub struct LinkInfo {
    pub name: String,
    pub email: String,
    pub company_name: String,
    pub has_password: bool,
    pub reactivation: bool,
}

/// The unused, unexpired link of an active user with this token.
pub async fn find_link(db: &Db, secret: &str, now: i64) -> Result<Option<LinkInfo>, sqlx::Error> {
    let Some((user, purpose)) = tokens::holder(db, &WELCOME, secret, now).await? else {
        return Ok(None);
    };
    let row: Option<(String, String, String, i64)> = sqlx::query_as(
        "SELECT u.name, u.email, c.name, CASE WHEN u.password_hash IS NULL THEN 0 ELSE 1 END
         FROM users u JOIN companies c ON c.id = u.company_id WHERE u.id = $1",
    )
    .bind(user)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(name, email, company_name, has_password)| LinkInfo {
        name,
        email,
        company_name,
        has_password: has_password == 1,
        reactivation: purpose == TokenPurpose::Reactivate,
    }))
}

/// Uses a link once: sets the password when one is given, and returns the user to sign in.
/// A second use, an expired link or a deactivated user all get the same answer.
pub async fn use_link(
    db: &Db,
    secret: &str,
    password_hash: Option<String>,
    public_url: &str,
) -> Result<UserId, AppError> {
    let now = now_ms();
    let (_turn, mut tx) = super::begin_write(db).await?;
    let user = tokens::claim(&mut tx, &WELCOME, secret, now)
        .await?
        .ok_or(AppError::LinkExpired)?
        .user
        .0;
    match password_hash {
        Some(hash) => {
            // Replacing a password they had (a reactivation link) is told to them, as a
            // reset is; a first password is not news.
            let had: (Option<String>, i64, String, String, String) = sqlx::query_as(
                "SELECT password_hash, company_id, name, email, time_zone FROM users WHERE id = $1",
            )
            .bind(user)
            .fetch_one(&mut *tx)
            .await?;
            if let (Some(_), company, name, email, zone) = had {
                let when = mail::exact_for(now, &zone);
                let how = mail::PasswordChange::WelcomeLink;
                let notice = mail::password_changed(&name, &email, &when, how, public_url);
                outbox::queue(
                    &mut tx,
                    CompanyId(company),
                    "password_changed",
                    &email,
                    &notice,
                    now,
                )
                .await?;
            }
            sqlx::query(
                "UPDATE users SET password_hash = $1, security_stamp = security_stamp + 1, version = version + 1, updated_at = $2
                 WHERE id = $3",
            )
            .bind(hash)
            .bind(now)
            .bind(user)
            .execute(&mut *tx)
            .await?;
            tokens::spend_all_unused(&mut tx, &Sql::values([user]), now).await?;
        }
        None => {
            let has: Option<String> = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                .bind(user)
                .fetch_one(&mut *tx)
                .await?;
            if has.is_none() {
                return Err(AppError::field(
                    "password",
                    "Choose a password to finish setting up your account.",
                ));
            }
        }
    }
    tx.commit().await?;
    Ok(UserId(user))
}
