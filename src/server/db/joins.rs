//! Join requests and their approval. A visitor asks to join through `/join/<company code>`
//! (when the company allows it), becomes a user with status `pending_email`, confirms the
//! address with a 24-hour single-use link (`pending_approval`), and an admin approves
//! (`active`, with a role and maybe a team) or rejects (the user row is removed).

use super::{
    audit::{self, By, Each, Target},
    bulk::insert_rows,
    now_ms, outbox,
    roles::assignable_role,
    sql::{Sql, Value},
    tokens::{self, NewToken, TokenPurpose},
    users::whole_view,
    write::{Store, Write},
    Db,
};
use crate::{
    error::AppError,
    model::{
        AccountId, Approval, AuditAction, CompanyId, Email, LiveEvent, LiveKind, PersonName, Selection,
        UserId, UserTab, JOIN_VERIFY_VALID_HOURS, MAX_SELECTED_IDS,
    },
    server::{
        access::Scope,
        access::{perm, Can},
        mail,
    },
};
use sqlx::{Any, Transaction};

const VERIFY_VALID_MS: i64 = JOIN_VERIFY_VALID_HOURS * 3_600_000;

/// The company a join code names.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JoinCompany {
    pub id: i64,
    pub name: String,
    pub allow_join_requests: i64,
}

pub async fn company_by_code(db: &Db, code: &str) -> Result<Option<JoinCompany>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, allow_join_requests FROM companies WHERE code = $1")
        .bind(code)
        .fetch_optional(db)
        .await
}

/// A join request as the form sends it, checked and with the password hashed.
pub struct Request<'a> {
    pub name: &'a PersonName,
    pub email: &'a Email,
    pub password_hash: &'a str,
    /// The secret of the confirmation link, drawn whether or not it is used.
    pub secret: &'a str,
    pub ip: &'a str,
}

/// Records a join request for `company`. A new address becomes a `pending_email` user with a
/// confirmation email; an address that already has an account gets a notice instead. When the
/// address is this company's unconfirmed request, the latest request wins: its name and
/// password replace the earlier ones, earlier confirmation links stop working and a fresh
/// one is sent. Either way the caller answers the same.
#[tracing::instrument(skip(db, company, form, public_url), fields(company = company.id), err(Debug))]
pub async fn request(
    db: &Db,
    key: &super::chain::AuditKey,
    company: &JoinCompany,
    form: Request<'_>,
    public_url: &str,
) -> Result<(), AppError> {
    let now = now_ms();
    let public_url = public_url.trim_end_matches('/');
    let company_id = CompanyId(company.id);
    let email = form.email.as_str();
    let (_turn, mut tx) = super::begin_write(db).await?;
    let existing: Option<(i64, i64, String)> =
        sqlx::query_as("SELECT id, company_id, status FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&mut *tx)
            .await?;
    let created: Option<i64> =
        match existing {
            Some(_) => None,
            // A request racing this one for the same address makes the insert do nothing.
            None => sqlx::query_scalar(
                "INSERT INTO users (company_id, email, name, status, password_hash, created_at, updated_at, search_key)
                 VALUES ($1, $2, $3, 'pending_email', $4, $5, $5, $6)
                 ON CONFLICT (email) DO NOTHING RETURNING id",
            )
            .bind(company.id)
            .bind(email)
            .bind(form.name.as_str())
            .bind(form.password_hash)
            .bind(now)
            .bind(super::search::person_key(form.name.as_str(), email))
            .fetch_optional(&mut *tx)
            .await?,
        };
    let unconfirmed_here = match existing {
        Some((id, c, status)) if c == company.id && status == "pending_email" => {
            replace_unconfirmed(&mut tx, id, &form, now).await?
        }
        _ => None,
    };
    match created.or(unconfirmed_here) {
        Some(user) => {
            let verify = NewToken {
                user: UserId(user),
                purpose: TokenPurpose::JoinVerify,
                secret: form.secret,
                valid_ms: VERIFY_VALID_MS,
                new_email: None,
            };
            tokens::issue(&mut tx, &verify, now).await?;
            let link = format!("{public_url}/join/verify/{}", form.secret);
            let message = mail::join_verify(&company.name, email, &link);
            outbox::queue(&mut tx, company_id, "join_verify", email, &message, now).await?;
            // Every recorded request, the first or one replacing it, is in the audit log.
            let by = By {
                company: company_id,
                user: UserId(user),
                name: form.name.as_str().to_string(),
                ip: form.ip.to_string(),
                key: key.clone(),
            };
            let target = Target::user(UserId(user), email);
            audit::record(
                &mut tx,
                &by,
                AuditAction::UserJoinRequested,
                target,
                None,
                None,
                now,
            )
            .await?;
        }
        None => {
            let message = mail::join_already_registered(&company.name, email, public_url);
            outbox::queue(
                &mut tx,
                company_id,
                "join_already_registered",
                email,
                &message,
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// A new request for an address that is still this company's unconfirmed request: nobody has
/// proved they own the address, so the first request must not win (else whoever asks first
/// picks the password the owner later confirms). Every earlier confirmation link stops
/// working, and the latest request's name and password replace the earlier ones. Answers the
/// user, or `None` when the request was confirmed meanwhile (then it is left alone).
///
/// The links are invalidated before the user is changed, the order in which `verify` locks
/// them, so that a confirmation racing this request either lands first (and this finds the
/// request confirmed) or finds its link used.
async fn replace_unconfirmed(
    tx: &mut Transaction<'_, Any>,
    user: i64,
    form: &Request<'_>,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    tokens::spend_unused(tx, &Sql::values([user]), &[TokenPurpose::JoinVerify], now).await?;
    sqlx::query_scalar(
        "UPDATE users SET name = $1, password_hash = $2, security_stamp = security_stamp + 1,
                version = version + 1, updated_at = $3, search_key = $4
         WHERE id = $5 AND status = 'pending_email'
         RETURNING id",
    )
    .bind(form.name.as_str())
    .bind(form.password_hash)
    .bind(now)
    .bind(super::search::person_key(form.name.as_str(), form.email.as_str()))
    .bind(user)
    .fetch_optional(&mut **tx)
    .await
}

/// Unconfirmed join requests are kept this long, then deleted.
pub const UNCONFIRMED_KEPT_MS: i64 = 7 * 24 * 3_600_000;

/// Deletes join requests whose address was not confirmed within [`UNCONFIRMED_KEPT_MS`]:
/// nobody proved they own it, so it must not hold the address. Answers how many.
pub async fn purge_unconfirmed(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    let _turn = super::turn(db).await;
    sqlx::query("DELETE FROM users WHERE status = 'pending_email' AND created_at < $1")
        .bind(now - UNCONFIRMED_KEPT_MS)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// Uses a confirmation link once: the user now waits for approval. Returns their company.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn verify(
    db: &Db,
    key: &super::chain::AuditKey,
    secret: &str,
    ip: &str,
) -> Result<(CompanyId, String), AppError> {
    let now = now_ms();
    let (_turn, mut tx) = super::begin_write(db).await?;
    let user = tokens::claim(&mut tx, &[TokenPurpose::JoinVerify], secret, now)
        .await?
        .ok_or(AppError::LinkExpired)?
        .user
        .0;
    let (company, name, email): (i64, String, String) = sqlx::query_as(
        "UPDATE users SET status = 'pending_approval', version = version + 1, updated_at = $1 WHERE id = $2
         RETURNING company_id, name, email",
    )
    .bind(now)
    .bind(user)
    .fetch_one(&mut *tx)
    .await?;
    let company_name: String = sqlx::query_scalar("SELECT name FROM companies WHERE id = $1")
        .bind(company)
        .fetch_one(&mut *tx)
        .await?;
    let by = By {
        company: CompanyId(company),
        user: UserId(user),
        name,
        ip: ip.to_string(),
        key: key.clone(),
    };
    let target = Target::user(UserId(user), &email);
    let before = serde_json::json!({ "status": "pending_email" });
    let after = serde_json::json!({ "status": "pending_approval" });
    audit::record(
        &mut tx,
        &by,
        AuditAction::UserEmailConfirmed,
        target,
        Some(before),
        Some(after),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((CompanyId(company), company_name))
}

/// How many people of the company wait for approval (the navigation's badge).
pub async fn awaiting_count(db: &Db, can: &Can<perm::ManageUsers>) -> Result<i64, sqlx::Error> {
    // Join requests are answered by those who manage the whole company.
    if !can.scope().is_all() {
        return Ok(0);
    }
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE company_id = $1 AND status = 'pending_approval'")
        .bind(can.company())
        .fetch_one(db)
        .await
}

/// The selected users of the company who wait for approval: (id, name, email).
async fn awaiting(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    selection: &Selection,
) -> Result<Vec<(i64, String, String)>, AppError> {
    let selected = match &selection.matching {
        Some(view) if view.tab == UserTab::Invited => {
            return Err(AppError::BadRequest("invitations are not join requests".into()))
        }
        Some(view) => whole_view(tx, company, &Scope::All, view)?,
        None => {
            if selection.ids.is_empty() {
                return Err(AppError::BadRequest("choose at least one person".into()));
            }
            if selection.ids.len() > MAX_SELECTED_IDS {
                return Err(AppError::BadRequest(format!(
                    "choose at most {MAX_SELECTED_IDS} people by hand, or select all matching the view"
                )));
            }
            let mut sql = Sql::new("u.company_id = ");
            sql.bind(company)
                .push(" AND u.id IN (")
                .list(selection.ids.iter().copied())
                .push(")");
            sql
        }
    };
    let mut sql = Sql::new("SELECT u.id, u.name, u.email FROM users u WHERE (");
    sql.append(&selected)
        .push(") AND u.status = 'pending_approval' ORDER BY u.id");
    let rows: Vec<(i64, String, String)> = sql.fetch_all(&mut **tx).await?;
    if rows.is_empty() {
        return Err(AppError::Conflict(
            "None of them is waiting for approval any more. Reload to see the current list.".into(),
        ));
    }
    Ok(rows)
}

/// The ids of `rows`, as a list to bind.
fn id_list(rows: &[(i64, String, String)]) -> Sql {
    Sql::values(rows.iter().map(|(id, _, _)| *id))
}

/// One audit event per user of `list`, in one statement.
async fn audit_each(
    w: &mut Write<'_>,
    action: AuditAction,
    list: &Sql,
    after: Option<serde_json::Value>,
) -> Result<(), sqlx::Error> {
    let mut before = Sql::default();
    before.bind(serde_json::json!({ "status": "pending_approval" }).to_string());
    let mut rows = Sql::new("FROM users u WHERE u.id IN (");
    rows.append(list).push(")");
    w.audit_each(Each {
        action,
        label: "u.email",
        before,
        after: after.map(|a| a.to_string()),
        rows,
        account: None,
    })
    .await
}

/// Queues one email per person, in one statement.
async fn email_each(
    w: &mut Write<'_>,
    kind: &str,
    people: &[(i64, String, String)],
    message: impl Fn(&str) -> mail::Message,
) -> Result<(), AppError> {
    let (company, now) = (w.company(), w.now);
    let rows = people
        .iter()
        .map(|(_, _, email)| {
            let m = message(email);
            tracing::info!(kind, to = %email, "email queued in the outbox:\n{}", m.text);
            vec![
                Value::Int(company.0),
                Value::Text(kind.into()),
                Value::Text(email.clone()),
                Value::Text(m.subject),
                Value::Text(m.text),
                Value::Text(m.html),
                Value::Int(now),
                Value::Int(now),
            ]
        })
        .collect();
    insert_rows(
        &mut w.tx,
        "outbox (company_id, kind, to_email, subject, text_body, html_body, created_at, next_attempt_at)",
        rows,
    )
    .await?;
    w.mail_queued();
    Ok(())
}

/// Approves the selected people waiting for approval: they become active with `role` on the
/// root account (and join `team`), and each gets an email. Set-based, one transaction.
/// Returns whom it approved.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn approve(
    store: Store<'_>,
    can: &Can<perm::ManageUsers>,
    by: &By,
    approval: &Approval,
    public_url: &str,
) -> Result<Vec<UserId>, AppError> {
    // Approval gives access on the root account: only for those who manage the whole company.
    let can = can.whole_company()?;
    let company = can.company();
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    let root = w.locked.root;
    let role_name = assignable_role(&mut w.tx, can, approval.role, Some(AccountId(root)))
        .await?
        .name;
    let team_name = match approval.team {
        None => None,
        Some(team) => Some(super::teams::chosen(&mut w.tx, company, team).await?),
    };
    let people = awaiting(&mut w.tx, company, &approval.selection).await?;
    let list = id_list(&people);
    Sql::new("UPDATE users SET status = 'active', version = version + 1, updated_at = ")
        .bind(now)
        .push(" WHERE id IN (")
        .append(&list)
        .push(")")
        .execute(&mut *w.tx)
        .await?;
    Sql::new("DELETE FROM role_assignments WHERE account_id = ")
        .bind(root)
        .push(" AND user_id IN (")
        .append(&list)
        .push(")")
        .execute(&mut *w.tx)
        .await?;
    Sql::new("INSERT INTO role_assignments (user_id, account_id, role_id) SELECT id, ")
        .bind(root)
        .push(", ")
        .bind(approval.role)
        .push(" FROM users WHERE id IN (")
        .append(&list)
        .push(")")
        .execute(&mut *w.tx)
        .await?;
    if let Some(team) = approval.team {
        Sql::new("INSERT INTO team_members (team_id, user_id) SELECT ")
            .bind(team)
            .push(", id FROM users WHERE id IN (")
            .append(&list)
            .push(") ON CONFLICT DO NOTHING")
            .execute(&mut *w.tx)
            .await?;
    }
    let after = serde_json::json!({ "status": "active", "role": role_name, "team": team_name });
    audit_each(&mut w, AuditAction::UserJoinApproved, &list, Some(after)).await?;
    let company_name: String = sqlx::query_scalar("SELECT name FROM companies WHERE id = $1")
        .bind(company)
        .fetch_one(&mut *w.tx)
        .await?;
    let public_url = public_url.trim_end_matches('/');
    email_each(&mut w, "join_approved", &people, |email| {
        mail::join_approved(&company_name, &by.name, email, public_url)
    })
    .await?;
    w.announce(LiveEvent::everything(LiveKind::Users));
    w.commit().await?;
    Ok(people.into_iter().map(|(id, _, _)| UserId(id)).collect())
}

/// Rejects the selected people waiting for approval: each gets an email and their request
/// (the user row) is removed; the audit events keep their name and email. Returns whom.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn reject(
    store: Store<'_>,
    can: &Can<perm::ManageUsers>,
    by: &By,
    selection: &Selection,
) -> Result<Vec<UserId>, AppError> {
    let company = can.whole_company()?.company();
    let mut w = Write::begin(store, by).await?;
    let people = awaiting(&mut w.tx, company, selection).await?;
    let list = id_list(&people);
    audit_each(&mut w, AuditAction::UserJoinRejected, &list, None).await?;
    audit::keep_labels(&mut w.tx, &list).await?;
    let company_name: String = sqlx::query_scalar("SELECT name FROM companies WHERE id = $1")
        .bind(company)
        .fetch_one(&mut *w.tx)
        .await?;
    email_each(&mut w, "join_rejected", &people, |email| {
        mail::join_rejected(&company_name, email)
    })
    .await?;
    Sql::new("DELETE FROM users WHERE id IN (")
        .append(&list)
        .push(")")
        .execute(&mut *w.tx)
        .await?;
    w.announce(LiveEvent::everything(LiveKind::Users));
    w.commit().await?;
    Ok(people.into_iter().map(|(id, _, _)| UserId(id)).collect())
}
