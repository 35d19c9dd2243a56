//! The demo company "Acme" that `make run` puts into an empty database, so there is something
//! to look at: 40 people by default (`ROSTER_DEMO_USERS`) over several roles, teams, accounts
//! and statuses.

use super::{
    companies::{self, NewOwner},
    now_ms, Db,
};
use crate::{
    error::AppError,
    model::{CompanyName, Email, NewPassword, Permission, PersonName, UserStatus},
    server::{password, token},
};

const FIRST: [&str; 20] = [
    "Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luca", "Maya",
    "Nikolai", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tara",
];
const LAST: [&str; 13] = [
    "Ruiz",
    "Okafor",
    "Lindqvist",
    "Patel",
    "Moreau",
    "Haddad",
    "Kim",
    "Tanaka",
    "Silva",
    "Becker",
    "Nowak",
    "Adeyemi",
    "Rossi",
];
const TEAMS: [&str; 5] = ["Engineering", "Sales", "Support", "Marketing", "Finance"];
/// Job titles, also used by `make bench`'s seed.
pub const TITLES: [&str; 6] = [
    "Engineer",
    "Account executive",
    "Support agent",
    "Designer",
    "Analyst",
    "Manager",
];

/// Credentials of the demo owner, printed once at start-up.
pub struct DemoOwner {
    pub email: String,
    pub password: String,
}

/// Seeds Acme when the database has no company yet; returns the owner's credentials then.
pub async fn seed_if_empty(
    db: &Db,
    key: &super::chain::AuditKey,
    people: usize,
) -> Result<Option<DemoOwner>, AppError> {
    let companies: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM companies")
        .fetch_one(db)
        .await?;
    if companies > 0 {
        return Ok(None);
    }
    // A fresh random password each time: there is no default password anywhere.
    let secret = format!("acme-{}", &token::generate()[..16]);
    let new_password = NewPassword::parse(&secret)?;
    let owner_email = Email::parse("olivia.owner@acme.example")?;
    let created = companies::create_with_owner(
        db,
        key,
        &CompanyName::parse("Acme")?,
        NewOwner {
            name: &PersonName::parse("Olivia Owner")?,
            email: &owner_email,
            password_hash: Some(password::hash(&new_password).await?),
            confirm_at: None,
        },
    )
    .await?;
    let company = created.company_id.0;
    let now = now_ms();
    let mut tx = db.begin().await?;

    let lead_role: i64 = sqlx::query_scalar(
        "INSERT INTO roles (company_id, name, builtin, permissions, created_at, name_key) VALUES ($1, 'Team lead', NULL, $2, $3, 'team lead') RETURNING id",
    )
    .bind(company)
    .bind(Permission::join(&[Permission::ViewUsers, Permission::ManageTeams]))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let mut sub_accounts = Vec::new();
    for name in ["Acme Europe", "Acme Americas"] {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO accounts (company_id, parent_id, name, created_at, name_key) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(company)
        .bind(created.root_account)
        .bind(name)
        .bind(now)
        .bind(super::search::fold(name))
        .fetch_one(&mut *tx)
        .await?;
        sub_accounts.push(id);
    }
    let mut teams = Vec::new();
    for name in TEAMS {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO teams (company_id, name, created_at, name_key) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(company)
        .bind(name)
        .bind(now)
        .bind(super::search::fold(name))
        .fetch_one(&mut *tx)
        .await?;
        teams.push(id);
    }

    for i in 0..people {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i * 7 + i / FIRST.len()) % LAST.len()];
        let name = PersonName::parse(&format!("{first} {last}"))?;
        let email = Email::parse(&format!("{}.{}{}@acme.example", first, last, i / FIRST.len()))?;
        // The same mix in every forty people: mostly active, some deactivated or pending.
        let status = match i % 40 {
            38.. => UserStatus::PendingEmail,
            35.. => UserStatus::PendingApproval,
            k if k % 10 == 7 => UserStatus::Deactivated,
            _ => UserStatus::Active,
        };
        let user = companies::insert_user(
            &mut tx,
            created.company_id,
            &name,
            &email,
            None,
            status.key(),
            now,
        )
        .await?;
        // Spread "last seen" over the past weeks; people who never signed in have none.
        let last_seen = (status == UserStatus::Active || status == UserStatus::Deactivated)
            .then(|| now - ((i as i64 * 7919) % (21 * 24 * 60)) * 60_000);
        // Unconfirmed join requests are recent: older ones are purged after a week.
        let created_at = match status {
            UserStatus::PendingEmail => now - (i as i64 % 6 + 1) * 3_600_000,
            _ => now - (i as i64 + 1) * 86_400_000,
        };
        sqlx::query("UPDATE users SET job_title = $1, last_seen_at = $2, created_at = $3 WHERE id = $4")
            .bind(TITLES[i % TITLES.len()])
            .bind(last_seen)
            .bind(created_at)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        let (account, role) = match i {
            0..=2 => (created.root_account.0, created.admin_role.0),
            3..=6 => (created.root_account.0, lead_role),
            // A few people work only in one region: their access is a sub-account.
            7..=12 => (sub_accounts[i % 2], created.member_role.0),
            13 | 14 => (sub_accounts[i % 2], created.admin_role.0),
            _ => (created.root_account.0, created.member_role.0),
        };
        sqlx::query("INSERT INTO role_assignments (user_id, account_id, role_id) VALUES ($1, $2, $3)")
            .bind(user)
            .bind(account)
            .bind(role)
            .execute(&mut *tx)
            .await?;
        let mut memberships = vec![teams[i % teams.len()]];
        if i % 6 == 0 {
            memberships.push(teams[(i + 2) % teams.len()]);
        }
        for team in memberships {
            sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)")
                .bind(team)
                .bind(user)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(Some(DemoOwner {
        email: owner_email.to_string(),
        password: secret,
    }))
}
