//! Inviting people, and what follows: resend, withdraw, delete, accept. Each call is one
//! transaction with its audit events and emails, so a failure leaves nothing half-done.
//!
//! Invites of one company run one after another (`lock_company`), so two admins inviting the
//! same address at once create one invitation, and the second is told it is already invited.

use super::scope::InScope;
use super::sql::Sql;
use super::write::{Store, Write};
use super::{
    assignments::{reachable, MAX_ACCOUNTS},
    audit::{self, By, Target},
    companies::{company_mail_facts, root_account},
    companies::{release_squatted, Claimant, SQUAT_MS},
    lifecycle::taken_email,
    now_ms,
    quota::{self, Mailing},
    roles::assignable_role,
    Db,
};
use crate::model::{LiveEvent, LiveKind};
use crate::{
    error::AppError,
    model::{
        all_recipients, AccountId, AccountRole, AuditAction, CompanyId, Email, Grants, InvitationLink,
        InvitationsChanged, InviteForm, InviteGroup, InviteOutcome, Module, Permission, PersonName,
        Recipient, RoleId, SetAside, SetAsideReason, Skipped, TeamId, UserId, MAX_GROUPS, MAX_INVITES,
    },
    server::{
        access::Scope,
        access::{perm, Can},
        mail, token,
    },
};
use serde_json::json;
use sqlx::{Any, Transaction};
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, LazyLock},
};

const DAY_MS: i64 = 86_400_000;

/// Disposable-email domains, from the maintained list of the `mailchecker` crate, in a set
/// (its own check scans the whole list for every address).
static DISPOSABLE: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| mailchecker::blacklist().into_iter().collect());

/// True when `email`'s domain, or a domain it belongs to, hands out throwaway addresses.
fn is_disposable(email: &Email) -> bool {
    let domain = email.as_str().rsplit('@').next().unwrap_or_default();
    let mut rest = domain;
    loop {
        if DISPOSABLE.contains(rest) {
            return true;
        }
        match rest.split_once('.') {
            Some((_, parent)) if parent.contains('.') => rest = parent,
            _ => return false,
        }
    }
}

/// A checked address that may be invited, and the index of the group it was typed in.
struct Candidate {
    typed: String,
    email: Email,
    name: String,
    group: usize,
}

/// Sorts the typed entries of every group into candidates and addresses set aside for their
/// form alone. An address typed twice, in one group or two, is invited once: the first time.
fn screen(groups: &[InviteGroup]) -> Result<(Vec<Candidate>, Vec<SetAside>), AppError> {
    let entries: Vec<(usize, String)> = groups
        .iter()
        .enumerate()
        .flat_map(|(group, g)| {
            g.addresses
                .iter()
                .flat_map(|a| all_recipients(a))
                .map(move |e| (group, e))
        })
        .collect();
    if entries.is_empty() {
        return Err(AppError::field("addresses", "Enter at least one email address."));
    }
    if entries.len() > MAX_INVITES {
        return Err(AppError::field(
            "addresses",
            format!(
                "Invite at most {MAX_INVITES} addresses at a time; this list has {}. Nobody was invited.",
                entries.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    let (mut candidates, mut set_aside) = (Vec::new(), Vec::new());
    for (group, typed) in entries {
        let recipient = Recipient::parse(&typed);
        let reason = match Email::parse(&recipient.address) {
            Err(_) => SetAsideReason::Malformed,
            Ok(email) if is_disposable(&email) => SetAsideReason::Disposable,
            Ok(email) if !seen.insert(email.clone()) => SetAsideReason::Repeated,
            Ok(email) => {
                // A name that would not pass as a person's name is left for them to type.
                let name = PersonName::parse(&recipient.name)
                    .map(|n| n.as_str().to_string())
                    .unwrap_or_default();
                candidates.push(Candidate {
                    typed,
                    email,
                    name,
                    group,
                });
                continue;
            }
        };
        set_aside.push(SetAside {
            address: typed,
            reason,
            group,
        });
    }
    Ok((candidates, set_aside))
}

/// The subset of `emails` that `select`, a query ending in `email IN (`, finds.
async fn found_among(
    tx: &mut Transaction<'_, Any>,
    mut select: Sql,
    emails: &[&str],
) -> Result<HashSet<String>, sqlx::Error> {
    if emails.is_empty() {
        return Ok(HashSet::new());
    }
    select.list(emails.iter().copied()).push(")");
    Ok(select.scalars::<String>(&mut **tx).await?.into_iter().collect())
}

/// Users with these emails. The email is the login, so a user of any company cannot be
/// invited; only the inviting `company`'s are said to be users (`here:`, else
/// `elsewhere:`). Squatted addresses (see `companies::SQUAT`) are free.
fn users_among(company: CompanyId, now: i64) -> Sql {
    let mut sql = Sql::new("SELECT CASE WHEN company_id = ");
    sql.bind(company)
        .push(" THEN 'here:' ELSE 'elsewhere:' END || email FROM users WHERE NOT (company_id <> ")
        .bind(company)
        .push(" AND status = 'deactivated' AND last_seen_at IS NULL) AND NOT (status = 'pending_email' AND created_at < ")
        .bind(now - SQUAT_MS)
        .push(") AND email IN (");
    sql
}

/// Whether `email` is a user of the inviting company (`here:`) or of another (`elsewhere:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Taken {
    Here,
    Elsewhere,
}

fn taken_by(users: &HashSet<String>, email: &str) -> Option<Taken> {
    if users.contains(&format!("here:{email}")) {
        Some(Taken::Here)
    } else if users.contains(&format!("elsewhere:{email}")) {
        Some(Taken::Elsewhere)
    } else {
        None
    }
}

/// What every invitation email of a company says about where and as what.
struct Offer {
    company_name: String,
    valid_days: i64,
    role_name: String,
    accounts: Vec<String>,
}

/// The offer of an invitation granting `grants` (account, role), in the order given.
async fn offer(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    grants: &[(i64, i64)],
) -> Result<Offer, AppError> {
    let (company_name, valid_days) = company_mail_facts(tx, company).await?;
    let mut roles: Vec<String> = Vec::new();
    let mut accounts = Vec::new();
    for (account, role) in grants {
        let (account_name, role_name): (String, String) =
            sqlx::query_as("SELECT a.name, r.name FROM accounts a JOIN roles r ON r.id = $2 WHERE a.id = $1")
                .bind(account)
                .bind(role)
                .fetch_one(&mut **tx)
                .await?;
        if !roles.contains(&role_name) {
            roles.push(role_name);
        }
        accounts.push(account_name);
    }
    Ok(Offer {
        company_name,
        valid_days,
        role_name: roles.join(", "),
        accounts,
    })
}

/// The (account, role) pairs an invitation grants.
async fn grants_of(tx: &mut Transaction<'_, Any>, invitation: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT account_id, role_id FROM invitation_accounts WHERE invitation_id = $1 ORDER BY account_id",
    )
    .bind(invitation)
    .fetch_all(&mut **tx)
    .await
}

/// The (account, role) pairs a group asks for, checked: accounts of the company inside the
/// caller's scope, each once, with roles the caller may hand out there. No accounts means the
/// group's role on the root account.
async fn requested_grants(
    tx: &mut Transaction<'_, Any>,
    can: &Can<perm::ManageInvitations>,
    group: &InviteGroup,
) -> Result<Vec<(i64, i64)>, AppError> {
    let company = can.company();
    let requested = match (group.accounts.is_empty(), group.role) {
        (false, _) => group.accounts.clone(),
        (true, Some(role)) => vec![AccountRole {
            account: AccountId(root_account(tx, company).await?),
            role,
        }],
        (true, None) => return Err(AppError::field("accounts", "Choose an account and a role.")),
    };
    if requested.len() > MAX_ACCOUNTS {
        return Err(AppError::field(
            "accounts",
            format!("Choose at most {MAX_ACCOUNTS} accounts."),
        ));
    }
    let mut grants: Vec<(i64, i64)> = Vec::with_capacity(requested.len());
    for AccountRole { account, role } in requested {
        if !reachable(tx, can, account).await? {
            return Err(AppError::field("accounts", "Choose accounts you manage."));
        }
        if grants.iter().any(|(a, _)| *a == account.0) {
            return Err(AppError::field("accounts", "Choose each account once."));
        }
        assignable_role(tx, can, role, Some(account)).await?;
        grants.push((account.0, role.0));
    }
    Ok(grants)
}

/// What a group of the batch gives, checked.
struct Checked {
    grants: Vec<(i64, i64)>,
    team: Option<TeamId>,
    /// Made once the group has someone to invite.
    offer: Option<Offer>,
}

/// Why the caller may not hand out `grants` (account, role) themselves, if so: a role that
/// allows more than they may do on one of its accounts.
async fn beyond_caller(
    tx: &mut Transaction<'_, Any>,
    can: &Can<perm::ManageInvitations>,
    grants: &[(i64, i64)],
) -> Result<Option<String>, AppError> {
    for &(account, role) in grants {
        match assignable_role(tx, can, RoleId(role), Some(AccountId(account))).await {
            Ok(_) => {}
            Err(AppError::Invalid { message, .. }) => return Ok(Some(message)),
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// Checks every group of a batch (its accounts, roles and team), so that one the caller may
/// not send refuses the whole batch before anything is written. A refusal names its group
/// when there are several.
async fn checked_groups(
    tx: &mut Transaction<'_, Any>,
    can: &Can<perm::ManageInvitations>,
    groups: &[InviteGroup],
) -> Result<Vec<Checked>, AppError> {
    let name_group = |index: usize| {
        move |e: AppError| match e {
            AppError::Invalid { field, message } if groups.len() > 1 => AppError::Invalid {
                field,
                message: format!("Group {}: {message}", index + 1),
            },
            other => other,
        }
    };
    let mut checked = Vec::with_capacity(groups.len());
    for (index, group) in groups.iter().enumerate() {
        let grants = requested_grants(tx, can, group)
            .await
            .map_err(name_group(index))?;
        if let Some(team) = group.team {
            super::teams::chosen(tx, can.company(), team)
                .await
                .map_err(name_group(index))?;
        }
        checked.push(Checked {
            grants,
            team: group.team,
            offer: None,
        });
    }
    Ok(checked)
}

/// A new link: the secret that only the email carries, and when it stops working.
struct Link {
    secret: String,
    url: String,
    expires_at: i64,
}

impl Link {
    fn new(offer: &Offer, public_url: &str, now: i64) -> Link {
        let secret = token::generate();
        Link {
            url: format!("{public_url}/invite/{secret}"),
            secret,
            expires_at: now + offer.valid_days * DAY_MS,
        }
    }
}

/// Queues the invitation email carrying `link`; to an address that has an account with
/// another company (`elsewhere`), a notice without the link instead, so the inviting company
/// sees the same outcome as for anyone else and learns nothing about the address.
async fn queue_email(
    w: &mut Write<'_>,
    email: &str,
    elsewhere: bool,
    offer: &Offer,
    link: &Link,
) -> Result<(), sqlx::Error> {
    let invitation = mail::Invitation {
        company: &offer.company_name,
        invited_by: &w.by.name,
        role: &offer.role_name,
        accounts: &offer.accounts,
        email,
        link: &link.url,
        expires_at: link.expires_at,
    };
    let message = if elsewhere {
        mail::invitation_to_taken_address(&invitation)
    } else {
        mail::invitation(&invitation)
    };
    w.mail("invitation", email, &message).await
}

/// Invites every address of every group that may be invited, each with its group's access
/// and team, in one transaction, and says why the others were set aside. More than
/// [`MAX_INVITES`] addresses, more than [`MAX_GROUPS`] groups, or one group the caller may not
/// send, invite nobody.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn invite(
    store: Store<'_>,
    can: &Can<perm::ManageInvitations>,
    by: &By,
    form: &InviteForm,
    mailing: Mailing<'_>,
) -> Result<InviteOutcome, AppError> {
    let Mailing { public_url, limits } = mailing;
    let company = can.company();
    let groups = form.groups();
    if groups.len() > MAX_GROUPS {
        return Err(AppError::field(
            "groups",
            format!("Send at most {MAX_GROUPS} groups at a time. Nobody was invited."),
        ));
    }
    let (candidates, mut set_aside) = screen(&groups)?;
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let mut checked = checked_groups(&mut w.tx, can, &groups).await?;
    let emails: Vec<&str> = candidates.iter().map(|c| c.email.as_str()).collect();
    let users = found_among(&mut w.tx, users_among(company, now), &emails).await?;
    let mut pending = Sql::new("SELECT email FROM invitations WHERE company_id = ");
    pending
        .bind(company)
        .push(" AND status = 'pending' AND expires_at > ")
        .bind(now)
        .push(" AND email IN (");
    let pending = found_among(&mut w.tx, pending, &emails).await?;
    // Another company's user is invited like anyone else (they get a notice instead of the
    // link): the outcome must not tell this company that the address has an account.
    let mut invite = Vec::new();
    for c in candidates {
        let taken = taken_by(&users, c.email.as_str());
        let reason = if taken == Some(Taken::Here) {
            Some(SetAsideReason::AlreadyUser)
        } else if pending.contains(c.email.as_str()) {
            Some(SetAsideReason::AlreadyInvited)
        } else {
            None
        };
        match reason {
            Some(reason) => set_aside.push(SetAside {
                address: c.typed,
                reason,
                group: c.group,
            }),
            None => invite.push((c, taken == Some(Taken::Elsewhere))),
        }
    }
    // Group by group, as the dialog shows them.
    set_aside.sort_by_key(|s| s.group);
    if !invite.is_empty() {
        quota::company_mail(&mut w.tx, limits, company, invite.len() as i64, now).await?;
        let emails: Vec<&str> = invite.iter().map(|(c, _)| c.email.as_str()).collect();
        // Earlier expired, withdrawn or accepted-then-deleted invitations of these people are
        // superseded: the list keeps one row per person.
        Sql::new("DELETE FROM invitations WHERE company_id = ")
            .bind(company)
            .push(" AND email IN (")
            .list(emails.iter().copied())
            .push(")")
            .execute(&mut *w.tx)
            .await?;
        for (c, elsewhere) in &invite {
            if checked[c.group].offer.is_none() {
                let made = offer(&mut w.tx, company, &checked[c.group].grants).await?;
                checked[c.group].offer = Some(made);
            }
            let group = &checked[c.group];
            let offer = group.offer.as_ref().expect("made above");
            let link = Link::new(offer, public_url, now);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO invitations
                   (company_id, email, name, invited_by, invited_by_name, token_hash, status, created_at, sent_at, expires_at,
                    search_key)
                 VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7, $8, $9) RETURNING id",
            )
            .bind(company)
            .bind(c.email.as_str())
            .bind(&c.name)
            .bind(by.user)
            .bind(&by.name)
            .bind(token::hash(&link.secret))
            .bind(now)
            .bind(link.expires_at)
            .bind(super::search::person_key(&c.name, c.email.as_str()))
            .fetch_one(&mut *w.tx)
            .await?;
            for (account, role) in &group.grants {
                sqlx::query(
                    "INSERT INTO invitation_accounts (invitation_id, account_id, role_id) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(account)
                .bind(role)
                .execute(&mut *w.tx)
                .await?;
            }
            if let Some(team) = group.team {
                sqlx::query("INSERT INTO invitation_teams (invitation_id, team_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(team)
                    .execute(&mut *w.tx)
                    .await?;
            }
            queue_email(&mut w, c.email.as_str(), *elsewhere, offer, &link).await?;
            let target = match (group.grants.as_slice(), offer.accounts.as_slice()) {
                ([(account, _)], [name]) => Target::named(c.email.as_str()).on(AccountId(*account), name),
                _ => Target::named(c.email.as_str()),
            };
            w.audit(
                AuditAction::InvitationCreated,
                target,
                None,
                Some(json!({ "email": c.email.as_str(), "role": offer.role_name, "expires_at": link.expires_at })),
            )
            .await?;
        }
        w.announce(LiveEvent::everything(LiveKind::Invitations));
    }
    w.commit().await?;
    Ok(InviteOutcome {
        invited: invite
            .into_iter()
            .map(|(c, _)| c.email.as_str().to_string())
            .collect(),
        set_aside,
    })
}

/// The most invitations one bulk action may name.
const MAX_IDS: usize = 1000;

#[derive(sqlx::FromRow)]
struct Stored {
    id: i64,
    email: String,
    status: String,
    sent_at: i64,
    expires_at: i64,
}

/// The named invitations of the company, and an entry for each id it does not hold.
/// The invitations `ids` of the company that grant access only inside `scope`; the others are
/// skipped as if they did not exist.
async fn stored(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    scope: &Scope,
    ids: &[i64],
) -> Result<(Vec<Stored>, Vec<Skipped>), AppError> {
    if ids.is_empty() {
        return Err(AppError::BadRequest("choose at least one invitation".into()));
    }
    if ids.len() > MAX_IDS {
        return Err(AppError::BadRequest(format!(
            "choose at most {MAX_IDS} invitations at a time"
        )));
    }
    let mut sql =
        Sql::new("SELECT id, email, status, sent_at, expires_at FROM invitations WHERE company_id = ");
    sql.bind(company)
        .push(" AND id IN (")
        .list(ids.iter().copied())
        .push(")")
        .append(&scope.invitations_inside("invitations.id"))
        .push(" ORDER BY id");
    let rows: Vec<Stored> = sql.fetch_all(&mut **tx).await?;
    let found: HashSet<i64> = rows.iter().map(|r| r.id).collect();
    let missing = ids
        .iter()
        .collect::<HashSet<_>>()
        .into_iter()
        .filter(|id| !found.contains(id))
        .map(|id| Skipped {
            what: format!("Invitation {id}"),
            reason: "no longer exists".into(),
        })
        .collect();
    Ok((rows, missing))
}

/// Sends the invitations again with new links valid for the company's validity from now; the
/// old links stop working. Expired and withdrawn invitations are re-invited this way.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn resend(
    store: Store<'_>,
    can: &Can<perm::ManageInvitations>,
    by: &By,
    ids: &[i64],
    mailing: Mailing<'_>,
) -> Result<InvitationsChanged, AppError> {
    let Mailing { public_url, limits } = mailing;
    let company = can.company();
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let (rows, mut skipped) = stored(&mut w.tx, company, can.scope(), ids).await?;
    let emails: Vec<&str> = rows.iter().map(|r| r.email.as_str()).collect();
    let users = found_among(&mut w.tx, users_among(company, now), &emails).await?;
    let mut offers: HashMap<Vec<(i64, i64)>, Offer> = HashMap::new();
    let mut sending = Vec::new();
    for row in rows {
        let taken = taken_by(&users, &row.email);
        let reason = if row.status == "accepted" {
            Some("already accepted".to_string())
        } else if taken == Some(Taken::Here) {
            Some(SetAsideReason::AlreadyUser.message().to_string())
        } else {
            limits.resend_wait(row.sent_at, now).map(|minutes| {
                format!(
                    "sent less than {} minutes ago; it can be sent again in {minutes} minutes",
                    limits.resend_minutes
                )
            })
        };
        if let Some(reason) = reason {
            skipped.push(Skipped {
                what: row.email,
                reason,
            });
            continue;
        }
        let grants = grants_of(&mut w.tx, row.id).await?;
        if grants.is_empty() {
            skipped.push(Skipped {
                what: row.email,
                reason: "its accounts no longer exist; invite them again".into(),
            });
            continue;
        }
        // Sending it again makes the caller its sender, so they must be able to give it.
        if let Some(reason) = beyond_caller(&mut w.tx, can, &grants).await? {
            skipped.push(Skipped {
                what: row.email,
                reason,
            });
            continue;
        }
        if !offers.contains_key(&grants) {
            let made = offer(&mut w.tx, company, &grants).await?;
            offers.insert(grants.clone(), made);
        }
        sending.push((row, grants, taken == Some(Taken::Elsewhere)));
    }
    quota::company_mail(&mut w.tx, limits, company, sending.len() as i64, now).await?;
    let (mut changed, mut changed_ids) = (Vec::new(), Vec::new());
    for (row, grants, elsewhere) in sending {
        let offer = &offers[&grants];
        let link = Link::new(offer, public_url, now);
        sqlx::query(
            "UPDATE invitations SET token_hash = $1, status = 'pending', sent_at = $2, expires_at = $3,
                    invited_by = $4, invited_by_name = $5, withdrawn_at = NULL
             WHERE id = $6",
        )
        .bind(token::hash(&link.secret))
        .bind(now)
        .bind(link.expires_at)
        .bind(by.user)
        .bind(&by.name)
        .bind(row.id)
        .execute(&mut *w.tx)
        .await?;
        queue_email(&mut w, &row.email, elsewhere, offer, &link).await?;
        let action = if row.status == "pending" && row.expires_at > now {
            AuditAction::InvitationResent
        } else {
            AuditAction::InvitationReinvited
        };
        w.audit(action, Target::named(&row.email), None, None).await?;
        changed_ids.push(row.id);
        changed.push(row.email);
    }
    // The invitations that changed, not all those asked for: the others may be outside the
    // caller's scope or gone.
    if !changed_ids.is_empty() {
        w.announce(LiveEvent::invitations(changed_ids));
    }
    w.commit().await?;
    Ok(InvitationsChanged { changed, skipped })
}

/// How invitations are taken back. Either way their links stop working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// The row stays, as Withdrawn; only pending (or expired) invitations can be withdrawn.
    Withdraw,
    /// The row leaves the list.
    Delete,
}

/// Withdraws or deletes invitations, saying which were skipped and why.
#[tracing::instrument(skip(store, can, by, ids), err(Debug))]
pub async fn remove(
    store: Store<'_>,
    can: &Can<perm::ManageInvitations>,
    by: &By,
    ids: &[i64],
    how: Removal,
) -> Result<InvitationsChanged, AppError> {
    let company = can.company();
    let mut w = Write::begin(store, by).await?;
    let (rows, mut skipped) = stored(&mut w.tx, company, can.scope(), ids).await?;
    let (mut changed, mut changed_ids) = (Vec::new(), Vec::new());
    for row in rows {
        let refusal = match (how, row.status.as_str()) {
            (Removal::Withdraw, "accepted") => Some("already accepted"),
            (Removal::Withdraw, "withdrawn") => Some("already withdrawn"),
            _ => None,
        };
        if let Some(reason) = refusal {
            skipped.push(Skipped {
                what: row.email,
                reason: reason.into(),
            });
            continue;
        }
        let action = match how {
            Removal::Withdraw => {
                sqlx::query("UPDATE invitations SET status = 'withdrawn', withdrawn_at = $1 WHERE id = $2")
                    .bind(w.now)
                    .bind(row.id)
                    .execute(&mut *w.tx)
                    .await?;
                AuditAction::InvitationWithdrawn
            }
            Removal::Delete => {
                sqlx::query("DELETE FROM invitations WHERE id = $1")
                    .bind(row.id)
                    .execute(&mut *w.tx)
                    .await?;
                AuditAction::InvitationDeleted
            }
        };
        w.audit(action, Target::named(&row.email), None, None).await?;
        changed_ids.push(row.id);
        changed.push(row.email);
    }
    // The invitations that changed, not all those asked for: the others may be outside the
    // caller's scope or gone.
    if !changed_ids.is_empty() {
        w.announce(LiveEvent::invitations(changed_ids));
    }
    w.commit().await?;
    Ok(InvitationsChanged { changed, skipped })
}

/// What the page of a pending, unexpired invitation link shows; `None` for any other link.
pub async fn find(db: &Db, secret: &str, now: i64) -> Result<Option<InvitationLink>, sqlx::Error> {
    let row: Option<(String, String, String, String)> = sqlx::query_as(
        "SELECT c.name, i.email, i.name, i.invited_by_name
         FROM invitations i JOIN companies c ON c.id = i.company_id
         WHERE i.token_hash = $1 AND i.status = 'pending' AND i.expires_at > $2",
    )
    .bind(token::hash(secret))
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(company_name, email, name, invited_by)| InvitationLink {
        company_name,
        email,
        name,
        invited_by,
    }))
}

/// Whether the sender of `invitation` could still send it: an active user of its company
/// holding manage-invitations and at least the invited role's grants on each of its
/// accounts. An invitation must not outlive its sender's authority.
async fn inviter_may_still(
    tx: &mut Transaction<'_, Any>,
    invitation: i64,
    modules: &Arc<[Module]>,
) -> Result<bool, sqlx::Error> {
    let inviter: Option<(i64, i64)> = sqlx::query_as(
        "SELECT u.id, u.company_id FROM invitations i
         JOIN users u ON u.id = i.invited_by AND u.company_id = i.company_id AND u.status = 'active'
         WHERE i.id = $1",
    )
    .bind(invitation)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((user, company)) = inviter else {
        return Ok(false);
    };
    let access = super::assignments::access_of(tx, CompanyId(company), UserId(user), modules).await?;
    let offered: Vec<(i64, Option<String>, String)> = sqlx::query_as(
        "SELECT ia.account_id, r.builtin, r.permissions
         FROM invitation_accounts ia JOIN roles r ON r.id = ia.role_id WHERE ia.invitation_id = $1",
    )
    .bind(invitation)
    .fetch_all(&mut **tx)
    .await?;
    let may_invite = access.scope(Permission::ManageInvitations);
    Ok(offered.iter().all(|(account, builtin, stored)| {
        let account = AccountId(*account);
        let grants = Grants::of_role(builtin.as_deref(), stored, modules);
        may_invite.as_ref().is_some_and(|scope| scope.covers(account)) && access.may_grant(&grants, account)
    }))
}

/// Withdraws the pending invitations sent by `users` (a list or subquery of user ids): they
/// are being deactivated or deleted.
pub(super) async fn withdraw_sent_by(tx: &mut Transaction<'_, Any>, users: &Sql) -> Result<u64, sqlx::Error> {
    let mut sql = Sql::new("UPDATE invitations SET status = 'withdrawn', withdrawn_at = ");
    sql.bind(now_ms())
        .push(" WHERE status = 'pending' AND invited_by IN (")
        .append(users)
        .push(")");
    sql.execute(&mut **tx).await
}

/// Uses an invitation link once: creates the user, active, with the invitation's roles and
/// teams, and returns them (and their company) to sign in. Used, withdrawn, expired and unknown links all get
/// `LinkExpired`.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn accept(
    db: &Db,
    key: &super::chain::AuditKey,
    secret: &str,
    name: &PersonName,
    password_hash: &str,
    ip: &str,
    modules: &Arc<[Module]>,
) -> Result<(CompanyId, UserId), AppError> {
    let now = now_ms();
    let (_turn, mut tx) = super::begin_write(db).await?;
    if let Some(invitation) = sqlx::query_scalar::<_, i64>(
        "SELECT id FROM invitations WHERE token_hash = $1 AND status = 'pending' AND expires_at > $2",
    )
    .bind(token::hash(secret))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?
    {
        if !inviter_may_still(&mut tx, invitation, modules).await? {
            // It dies with its sender's authority: withdrawn for good, not just refused.
            sqlx::query("UPDATE invitations SET status = 'withdrawn', withdrawn_at = $2 WHERE id = $1")
                .bind(invitation)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(
                invitation,
                "an invitation whose sender lost the authority to send it was withdrawn"
            );
            return Err(AppError::LinkExpired);
        }
    }
    // Claiming the row first makes the link single-use even when two tabs race.
    let claimed: Option<(i64, i64, String)> = sqlx::query_as(
        "UPDATE invitations SET status = 'accepted', accepted_at = $1
         WHERE token_hash = $2 AND status = 'pending' AND expires_at > $1
         RETURNING id, company_id, email",
    )
    .bind(now)
    .bind(token::hash(secret))
    .fetch_optional(&mut *tx)
    .await?;
    let (invitation, company, email) = claimed.ok_or(AppError::LinkExpired)?;
    release_squatted(&mut tx, CompanyId(company), &email, now, Claimant::Mailbox).await?;
    let user: i64 = sqlx::query_scalar(
        "INSERT INTO users (company_id, email, name, status, password_hash, created_at, updated_at, search_key)
         VALUES ($1, $2, $3, 'active', $4, $5, $5, $6) RETURNING id",
    )
    .bind(company)
    .bind(&email)
    .bind(name.as_str())
    .bind(password_hash)
    .bind(now)
    .bind(super::search::person_key(name.as_str(), &email))
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match taken_email(e) {
        AppError::Invalid { .. } => AppError::Conflict(format!(
            "{email} already has a Roster account. Sign in with it instead."
        )),
        other => other,
    })?;
    let assigned = sqlx::query(
        "INSERT INTO role_assignments (user_id, account_id, role_id)
         SELECT $1, account_id, role_id FROM invitation_accounts WHERE invitation_id = $2",
    )
    .bind(user)
    .bind(invitation)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if assigned == 0 {
        // Every account of the invitation was deleted since: the least access there is.
        let company = CompanyId(company);
        let member: i64 =
            sqlx::query_scalar("SELECT id FROM roles WHERE company_id = $1 AND builtin = 'member'")
                .bind(company)
                .fetch_one(&mut *tx)
                .await?;
        let root = root_account(&mut tx, company).await?;
        super::assignments::set_root_role(&mut tx, root, UserId(user), member).await?;
    }
    sqlx::query(
        "INSERT INTO team_members (team_id, user_id) SELECT team_id, $1 FROM invitation_teams WHERE invitation_id = $2",
    )
    .bind(user)
    .bind(invitation)
    .execute(&mut *tx)
    .await?;
    let by = By {
        company: CompanyId(company),
        user: UserId(user),
        name: name.as_str().to_string(),
        ip: ip.to_string(),
        key: key.clone(),
    };
    audit::record(
        &mut tx,
        &by,
        AuditAction::InvitationAccepted,
        Target::user(UserId(user), &email),
        None,
        Some(json!({ "name": name.as_str(), "email": email })),
        now,
    )
    .await?;
    super::profile::queue_invitee_joined(&mut tx, invitation, name.as_str(), &email, now).await?;
    tx.commit().await?;
    Ok((CompanyId(company), UserId(user)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(addresses: &[&str]) -> Vec<(String, SetAsideReason)> {
        let group = InviteGroup {
            addresses: addresses.iter().map(|a| a.to_string()).collect(),
            ..InviteGroup::default()
        };
        screen(&[group])
            .unwrap()
            .1
            .into_iter()
            .map(|s| (s.address, s.reason))
            .collect()
    }

    #[test]
    fn malformed_disposable_and_repeated_addresses_are_set_aside_before_the_database() {
        assert_eq!(
            reasons(&[
                "ok@acme.example",
                "nope",
                "x@mailinator.com",
                "OK@acme.example",
                "y@sub.mailinator.com"
            ]),
            [
                ("nope".to_string(), SetAsideReason::Malformed),
                ("x@mailinator.com".to_string(), SetAsideReason::Disposable),
                ("OK@acme.example".to_string(), SetAsideReason::Repeated),
                ("y@sub.mailinator.com".to_string(), SetAsideReason::Disposable),
            ]
        );
    }

    #[test]
    fn more_than_the_limit_or_nothing_at_all_is_refused() {
        let group = |text: String| InviteGroup {
            addresses: vec![text],
            ..InviteGroup::default()
        };
        assert!(screen(&[group("a@acme.example ".repeat(MAX_INVITES + 1))]).is_err());
        assert!(screen(&[group(" , ".into())]).is_err());
        // The limit counts every group's addresses together.
        let half = "a@acme.example ".repeat(MAX_INVITES / 2 + 1);
        assert!(screen(&[group(half.clone()), group(half)]).is_err());
    }
}
