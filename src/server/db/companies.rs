//! Companies and what every company starts with: a root account, the built-in roles and an
//! owner.

use super::write::{Store, Write};
use super::{
    audit::{By, Target},
    is_unique_violation, now_ms,
    tokens::TokenPurpose,
    Db,
};
use crate::model::{LiveEvent, LiveKind};
use crate::{
    error::AppError,
    model::{
        AccountId, AuditAction, BuiltinRole, CompanyId, CompanyName, CompanySettings, Email, Permission,
        PersonName, RoleId, UserId, AUDIT_RETENTION_DAYS, INVITATION_DAYS,
    },
    server::{
        access::{perm, Can},
        mail,
    },
};
use serde_json::json;
use sqlx::{Any, Transaction};

/// The first person of a new company.
pub struct NewOwner<'a> {
    pub name: &'a PersonName,
    pub email: &'a Email,
    pub password_hash: Option<String>,
    /// The public URL to email the owner a link that confirms their address; until it is
    /// used the company sends no email. `None` trusts the address (the demo company).
    pub confirm_at: Option<&'a str>,
}

/// What a new company was created with.
#[derive(Debug, Clone, Copy)]
pub struct CreatedCompany {
    pub company_id: CompanyId,
    pub owner_id: UserId,
    pub root_account: AccountId,
    pub owner_role: RoleId,
    pub admin_role: RoleId,
    pub member_role: RoleId,
}

/// Creates a company with its root account, built-in roles and active owner, in one
/// transaction. A taken email is a field error and leaves nothing behind.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn create_with_owner(
    db: &Db,
    key: &super::chain::AuditKey,
    name: &CompanyName,
    owner: NewOwner<'_>,
) -> Result<CreatedCompany, AppError> {
    let (_turn, mut tx) = super::begin_write(db).await?;
    let now = now_ms();
    let company_id = CompanyId(
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO companies (name, code, created_at, mail_confirmed_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(name.as_str())
        .bind(company_code())
        .bind(now)
        .bind(owner.confirm_at.is_none().then_some(now))
        .fetch_one(&mut *tx)
        .await?,
    );
    let root_account = AccountId(
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO accounts (company_id, parent_id, name, created_at, name_key) VALUES ($1, NULL, $2, $3, $4) RETURNING id",
        )
        .bind(company_id)
        .bind(name.as_str())
        .bind(now)
        .bind(super::search::fold(name.as_str()))
        .fetch_one(&mut *tx)
        .await?,
    );
    let mut role_ids = Vec::with_capacity(BuiltinRole::ALL.len());
    for role in BuiltinRole::ALL {
        let id = sqlx::query_scalar::<_, i64>(
            "INSERT INTO roles (company_id, name, builtin, permissions, created_at, name_key) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(company_id)
        .bind(role.name())
        .bind(role.key())
        .bind(Permission::join(role.permissions()))
        .bind(now)
        .bind(super::search::fold(role.name()))
        .fetch_one(&mut *tx)
        .await?;
        role_ids.push(RoleId(id));
    }
    let owner_id = insert_user(
        &mut tx,
        company_id,
        owner.name,
        owner.email,
        owner.password_hash.as_deref(),
        "active",
        now,
    )
    .await?;
    assign_role(&mut tx, owner_id, root_account, role_ids[0]).await?;
    sqlx::query("UPDATE companies SET owner_id = $1 WHERE id = $2")
        .bind(owner_id)
        .bind(company_id)
        .execute(&mut *tx)
        .await?;
    if let Some(public_url) = owner.confirm_at {
        let owner = Owner {
            company: company_id,
            company_name: name.as_str(),
            user: owner_id,
            name: owner.name.as_str(),
            email: owner.email.as_str(),
        };
        send_confirmation(&mut tx, &owner, public_url, now).await?;
    }
    let event = super::audit::New {
        actor_kind: crate::model::ActorKind::Person,
        actor: Some(owner_id.0),
        actor_name: owner.name.as_str(),
        action: AuditAction::CompanyCreated,
        target: Some(owner_id.0),
        label: name.as_str(),
        before: None,
        after: None,
        ip: "",
        account: None,
    };
    super::audit::insert(&mut tx, key, company_id, now, &[event]).await?;
    tx.commit().await?;
    Ok(CreatedCompany {
        company_id,
        owner_id,
        root_account,
        owner_role: role_ids[0],
        admin_role: role_ids[1],
        member_role: role_ids[2],
    })
}

/// How long the link confirming a new owner's address works.
const CONFIRM_MS: i64 = 7 * 24 * 3_600_000;

/// A company's owner, as a confirmation email names them.
struct Owner<'a> {
    pub company: CompanyId,
    pub company_name: &'a str,
    pub user: UserId,
    pub name: &'a str,
    pub email: &'a str,
}

/// Emails the owner a link confirming their address (`/verify-email/<token>`), bound to
/// their security stamp; earlier such links stop working.
async fn send_confirmation(
    tx: &mut Transaction<'_, Any>,
    owner: &Owner<'_>,
    public_url: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let address = super::profile::AddressLink {
        user: owner.user,
        purpose: TokenPurpose::EmailConfirm,
        email: owner.email,
        valid_ms: CONFIRM_MS,
    };
    let link = super::profile::issue_address_link(tx, &address, public_url, now).await?;
    let message = mail::owner_confirmation(owner.company_name, owner.name, owner.email, &link);
    super::outbox::queue(
        tx,
        owner.company,
        "owner_confirmation",
        owner.email,
        &message,
        now,
    )
    .await
}

/// Sends the company's owner (and only them: it goes to their address) a new confirmation
/// link, if the company still waits for one; at most three a day.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn resend_confirmation(store: Store<'_>, by: &By, public_url: &str) -> Result<(), AppError> {
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let (owner, confirmed, company_name, name, email): (i64, Option<i64>, String, String, String) = sqlx::query_as(
        "SELECT c.owner_id, c.mail_confirmed_at, c.name, u.name, u.email FROM companies c JOIN users u ON u.id = c.owner_id
         WHERE c.id = $1",
    )
    .bind(by.company)
    .fetch_one(&mut *w.tx)
    .await?;
    if owner != by.user.0 {
        return Err(AppError::Forbidden);
    }
    if confirmed.is_some() {
        return Err(AppError::Conflict("Your address is already confirmed.".into()));
    }
    super::quota::confirmation(&mut w.tx, by.user, now).await?;
    let owner = Owner {
        company: by.company,
        company_name: &company_name,
        user: by.user,
        name: &name,
        email: &email,
    };
    send_confirmation(&mut w.tx, &owner, public_url, now).await?;
    w.mail_queued();
    w.commit().await?;
    Ok(())
}

/// How long an unconfirmed join request holds its address.
pub const SQUAT_MS: i64 = 24 * 3_600_000;

/// Who claims an address, which decides what gives way to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claimant {
    /// An admin adding it, which proves nothing about the mailbox: only stale join requests
    /// give way. Another company's placeholder stays (deleting it would let any company
    /// destroy another's prepared user by typing their address).
    Admin,
    /// Its owner, accepting an invitation sent to it: another company's placeholder gives way
    /// too.
    Mailbox,
}

/// Frees `email` for `company` when it is only squatted: a join request whose address was not
/// confirmed within a day and, for the address's proven owner, a deactivated user of another
/// company who never signed in. Such a row would otherwise let anyone block an address
/// everywhere (the email is the login, unique across companies). Not called by sign-up, which
/// proves nothing about the address.
pub async fn release_squatted(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    email: &str,
    now: i64,
    claimant: Claimant,
) -> Result<(), sqlx::Error> {
    let stale = now - SQUAT_MS;
    let released = match claimant {
        Claimant::Admin => {
            sqlx::query("DELETE FROM users WHERE email = $1 AND status = 'pending_email' AND created_at < $2")
                .bind(email)
                .bind(stale)
        }
        Claimant::Mailbox => sqlx::query(
            "DELETE FROM users WHERE email = $1
               AND ((company_id <> $2 AND status = 'deactivated' AND last_seen_at IS NULL)
                 OR (status = 'pending_email' AND created_at < $3))",
        )
        .bind(email)
        .bind(company)
        .bind(stale),
    }
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if released > 0 {
        tracing::info!(%email, "a squatted address was released for another company");
    }
    Ok(())
}

/// Inserts a user; a taken email becomes a field error the form can show.
pub async fn insert_user(
    tx: &mut Transaction<'_, Any>,
    company_id: CompanyId,
    name: &PersonName,
    email: &Email,
    password_hash: Option<&str>,
    status: &str,
    now: i64,
) -> Result<UserId, AppError> {
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO users (company_id, email, name, status, password_hash, created_at, updated_at, search_key)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id",
    )
    .bind(company_id)
    .bind(email.as_str())
    .bind(name.as_str())
    .bind(status)
    .bind(password_hash)
    .bind(now)
    .bind(super::search::person_key(name.as_str(), email.as_str()))
    .fetch_one(&mut **tx)
    .await
    .map(UserId)
    .map_err(|e| {
        if is_unique_violation(&e) {
            AppError::field(
                "email",
                "An account with this email already exists. Sign in instead.",
            )
        } else {
            e.into()
        }
    })
}

pub async fn assign_role(
    tx: &mut Transaction<'_, Any>,
    user: UserId,
    account: AccountId,
    role: RoleId,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO role_assignments (user_id, account_id, role_id) VALUES ($1, $2, $3)")
        .bind(user)
        .bind(account)
        .bind(role)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A short random code for the company's join link.
fn company_code() -> String {
    super::super::token::generate()[..12].to_string()
}

/// The company's settings.
pub async fn settings(db: &Db, can: &Can<perm::ManageSettings>) -> Result<CompanySettings, sqlx::Error> {
    let (company_name, invitation_validity_days) = settings_in(db, can.company().0).await?;
    let (allow, code, retention): (i64, String, i64) =
        sqlx::query_as("SELECT allow_join_requests, code, audit_retention_days FROM companies WHERE id = $1")
            .bind(can.company())
            .fetch_one(db)
            .await?;
    Ok(CompanySettings {
        company_name,
        invitation_validity_days,
        allow_join_requests: allow == 1,
        audit_retention_days: retention,
        // The API layer turns the code into the full link (it knows the public URL).
        join_link: code,
    })
}

/// Saves the company's settings. Links already sent keep the validity they were sent with.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn save_settings(
    store: Store<'_>,
    can: &Can<perm::ManageSettings>,
    by: &By,
    form: &CompanySettings,
) -> Result<CompanySettings, AppError> {
    let name = CompanyName::parse(&form.company_name)?;
    if !INVITATION_DAYS.contains(&form.invitation_validity_days) {
        return Err(AppError::field(
            "invitation_validity_days",
            format!(
                "Choose between {} and {} days.",
                INVITATION_DAYS.start(),
                INVITATION_DAYS.end()
            ),
        ));
    }
    if !AUDIT_RETENTION_DAYS.contains(&form.audit_retention_days) {
        return Err(AppError::field(
            "audit_retention_days",
            format!(
                "Choose between {} and {} days.",
                AUDIT_RETENTION_DAYS.start(),
                AUDIT_RETENTION_DAYS.end()
            ),
        ));
    }
    let company = can.company().0;
    let mut w = Write::begin(store, by).await?;
    let before = settings_in(&mut *w.tx, company).await?;
    let (allowed_before, code, retention_before): (i64, String, i64) =
        sqlx::query_as("SELECT allow_join_requests, code, audit_retention_days FROM companies WHERE id = $1")
            .bind(company)
            .fetch_one(&mut *w.tx)
            .await?;
    sqlx::query(
        "UPDATE companies SET name = $1, invitation_validity_days = $2, allow_join_requests = $3, audit_retention_days = $5
         WHERE id = $4",
    )
    .bind(name.as_str())
    .bind(form.invitation_validity_days)
    .bind(i64::from(form.allow_join_requests))
    .bind(company)
    .bind(form.audit_retention_days)
        .execute(&mut *w.tx)
        .await?;
    if allowed_before == 1 && !form.allow_join_requests {
        // Turning requests off ends the ones waiting: none may be confirmed or approved later.
        let withdrawn = sqlx::query(
            "DELETE FROM users WHERE company_id = $1 AND status IN ('pending_email', 'pending_approval')",
        )
        .bind(company)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if withdrawn > 0 {
            let label = format!("{withdrawn} join requests");
            let target = Target::named(&label);
            w.audit(AuditAction::JoinRequestsWithdrawn, target, None, None)
                .await?;
        }
    }
    // The root account stands for the company; it follows a rename unless renamed itself.
    sqlx::query("UPDATE accounts SET name = $1, name_key = $4 WHERE company_id = $2 AND parent_id IS NULL AND name = $3")
        .bind(name.as_str())
        .bind(company)
        .bind(&before.0)
        .bind(super::search::fold(name.as_str()))
        .execute(&mut *w.tx)
        .await?;
    w.audit(AuditAction::SettingsUpdated, Target::named(name.as_str()), Some(json!({ "company_name": before.0, "invitation_validity_days": before.1, "allow_join_requests": allowed_before == 1, "audit_retention_days": retention_before })), Some(json!({ "company_name": name.as_str(), "invitation_validity_days": form.invitation_validity_days, "allow_join_requests": form.allow_join_requests, "audit_retention_days": form.audit_retention_days })))
    .await?;
    w.announce(LiveEvent::everything(LiveKind::Settings));
    w.commit().await?;
    Ok(CompanySettings {
        company_name: name.as_str().to_string(),
        invitation_validity_days: form.invitation_validity_days,
        allow_join_requests: form.allow_join_requests,
        audit_retention_days: form.audit_retention_days,
        join_link: code,
    })
}

/// The company's name and invitation validity, in or outside a transaction.
async fn settings_in<'e>(
    executor: impl sqlx::Executor<'e, Database = Any>,
    company: i64,
) -> Result<(String, i64), sqlx::Error> {
    sqlx::query_as("SELECT name, invitation_validity_days FROM companies WHERE id = $1")
        .bind(company)
        .fetch_one(executor)
        .await
}

/// The company's owner, read without taking the lock (for reads).
pub(super) async fn owner_of(tx: &mut Transaction<'_, Any>, company: CompanyId) -> Result<UserId, AppError> {
    let owner: Option<i64> = sqlx::query_scalar("SELECT owner_id FROM companies WHERE id = $1")
        .bind(company)
        .fetch_one(&mut **tx)
        .await?;
    owner.map(UserId).ok_or(AppError::Internal)
}

/// What a change learns as it takes its company's lock, in the lock's own statement: every
/// round trip under the lock is time the company's other changes wait.
#[derive(Clone, Copy)]
pub struct Locked {
    /// The company's owner, who can't change before the transaction ends.
    pub owner: UserId,
    /// The company's root account (the company itself). On PostgreSQL the statement may read
    /// it from before its wait for the lock, which is safe only because a root never moves,
    /// is never deleted and is never replaced.
    pub root: i64,
}

/// Serialises owner-sensitive changes of one company and returns its current owner and root
/// account.
pub(super) async fn lock_company(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
) -> Result<Locked, AppError> {
    let (owner, root): (Option<i64>, Option<i64>) = sqlx::query_as(
        "UPDATE companies SET owner_id = owner_id WHERE id = $1
         RETURNING owner_id, (SELECT id FROM accounts WHERE company_id = $1 AND parent_id IS NULL)",
    )
    .bind(company)
    .fetch_one(&mut **tx)
    .await?;
    match (owner, root) {
        (Some(owner), Some(root)) => Ok(Locked {
            owner: UserId(owner),
            root,
        }),
        _ => Err(AppError::Internal),
    }
}

/// The company's root account (the company itself).
pub(super) async fn root_account(tx: &mut Transaction<'_, Any>, company: CompanyId) -> Result<i64, AppError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM accounts WHERE company_id = $1 AND parent_id IS NULL")
            .bind(company)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// The name of account `id` of the company, as an audit event records it.
pub(super) async fn account_name(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    id: i64,
) -> Result<String, AppError> {
    sqlx::query_scalar("SELECT name FROM accounts WHERE id = $1 AND company_id = $2")
        .bind(id)
        .bind(company)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| AppError::NotFound("That account".into()))
}

/// The company's name and how many days its emailed links stay valid.
pub(super) async fn company_mail_facts(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
) -> Result<(String, i64), AppError> {
    Ok(
        sqlx::query_as("SELECT name, invitation_validity_days FROM companies WHERE id = $1")
            .bind(company)
            .fetch_one(&mut **tx)
            .await?,
    )
}
