//! The bench's data: one company of 100,000 people over 50 teams, 200 accounts in a tree and
//! 6 roles, and a second company of 1,000, written with multi-row INSERTs (the demo seed's
//! row-at-a-time inserts would take minutes at this size).

use roster::{
    model::{CompanyName, Email, NewPassword, Permission, PersonName},
    server::{
        db::{
            self,
            bulk::insert_rows,
            companies,
            demo::TITLES,
            search,
            sql::{Sql, Value},
            Db,
        },
        password,
    },
};

/// The password of every person the bench signs in as.
pub const PASSWORD: &str = "Bench-Tangerine-Glacier-42";

const FIRST: [&str; 40] = [
    "Ada", "Amara", "Ana", "Ben", "Bruno", "Carmen", "Chloe", "Dev", "Diego", "Elena", "Émile", "Farid",
    "Fatima", "Grace", "Hana", "Hiro", "Ines", "Ivan", "Jonas", "Julia", "Kemi", "Kofi", "Lars", "Luca",
    "Maya", "Mei", "Nikolai", "Nora", "Olga", "Omar", "Pablo", "Priya", "Quinn", "Rosa", "Sami", "Sofia",
    "Tara", "Tomás", "Yusuf", "Zoë",
];
const LAST: [&str; 40] = [
    "Adeyemi",
    "Andersen",
    "Becker",
    "Bianchi",
    "Castro",
    "Chen",
    "Dubois",
    "Eriksson",
    "Fischer",
    "García",
    "Haddad",
    "Hughes",
    "Ivanova",
    "Jensen",
    "Kim",
    "Kowalski",
    "Lindqvist",
    "López",
    "Moreau",
    "Müller",
    "Nakamura",
    "Novak",
    "Nowak",
    "Okafor",
    "O'Brien",
    "Patel",
    "Petrov",
    "Rossi",
    "Ruiz",
    "Schmidt",
    "Silva",
    "Smith",
    "Smithson",
    "Sørensen",
    "Tanaka",
    "Van Dijk",
    "Wang",
    "Williams",
    "Yilmaz",
    "Zhang",
];

/// What the bench needs to know about a seeded company.
pub struct Seeded {
    pub admin_email: String,
    pub team: i64,
    /// 10,000 people hold it on the root account: the bulk change's selection.
    pub support_role: i64,
    /// Held by nobody at first: the bulk change moves people there and back.
    pub auditor_role: i64,
    pub member_role: i64,
    /// The root account, where 90 % of the people hold their role.
    pub root_account: i64,
    /// A customer account where about 50 people hold their role.
    pub customer_account: i64,
    /// A few ordinary people, for the live-update changes.
    pub some_people: Vec<i64>,
}

/// Seeds a company named `name` with `people` people besides its owner and one admin.
pub async fn company(db: &Db, name: &str, domain: &str, people: usize) -> Seeded {
    let hash = password::hash(&NewPassword::parse(PASSWORD).unwrap())
        .await
        .unwrap();
    let created = companies::create_with_owner(
        db,
        // The bench verifies no chain: any key will do.
        &roster::server::db::chain::AuditKey::generate(),
        &CompanyName::parse(name).unwrap(),
        companies::NewOwner {
            name: &PersonName::parse("Olivia Owner").unwrap(),
            email: &Email::parse(&format!("owner@{domain}")).unwrap(),
            password_hash: Some(hash.clone()),
            confirm_at: None,
        },
    )
    .await
    .unwrap();
    let company = created.company_id.0;
    let root = created.root_account.0;
    let now = db::now_ms();
    let mut tx = db.begin().await.unwrap();

    let mut custom = Vec::new();
    for (role, permissions) in [
        ("Support", vec![Permission::ViewUsers]),
        ("Team lead", vec![Permission::ViewUsers, Permission::ManageTeams]),
        ("Auditor", vec![Permission::ViewUsers, Permission::ViewAuditLog]),
    ] {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO roles (company_id, name, builtin, permissions, created_at, name_key) VALUES ($1, $2, NULL, $3, $4, $5) RETURNING id",
        )
        .bind(company)
        .bind(role)
        .bind(Permission::join(&permissions))
        .bind(now)
        .bind(search::fold(role))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        custom.push(id);
    }
    let (support, lead, auditor) = (custom[0], custom[1], custom[2]);

    // 200 accounts: the root, 9 regions, and 190 customers spread over the regions.
    let mut regions = Vec::new();
    let mut accounts = vec![root];
    for n in 0..199 {
        let parent = if n < 9 { root } else { regions[n % 9] };
        let name = if n < 9 {
            format!("Region {n}")
        } else {
            format!("Customer {n}")
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO accounts (company_id, parent_id, name, created_at, name_key) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(company)
        .bind(parent)
        .bind(&name)
        .bind(now)
        .bind(search::fold(&name))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        if n < 9 {
            regions.push(id);
        }
        accounts.push(id);
    }
    let mut teams = Vec::new();
    for n in 0..50 {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO teams (company_id, name, created_at, name_key) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(company)
        .bind(format!("Team {n:02}"))
        .bind(now)
        .bind(format!("team {n:02}"))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        teams.push(id);
    }
    let admin_email = format!("admin@{domain}");
    let admin: i64 = sqlx::query_scalar(
        "INSERT INTO users (company_id, email, name, status, password_hash, created_at, updated_at, search_key)
         VALUES ($1, $2, 'Adam Admin', 'active', $3, $4, $4, $5) RETURNING id",
    )
    .bind(company)
    .bind(&admin_email)
    .bind(&hash)
    .bind(now)
    .bind(search::person_key("Adam Admin", &admin_email))
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query("INSERT INTO role_assignments (user_id, account_id, role_id) VALUES ($1, $2, $3)")
        .bind(admin)
        .bind(root)
        .bind(created.admin_role.0)
        .execute(&mut *tx)
        .await
        .unwrap();

    const BATCH: usize = 500;
    let mut first_ids = Vec::new();
    for start in (0..people).step_by(BATCH) {
        let end = (start + BATCH).min(people);
        let mut sql = Sql::new(
            "INSERT INTO users (company_id, email, name, job_title, status, last_seen_at, created_at, updated_at, search_key) VALUES ",
        );
        for i in start..end {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i / FIRST.len() + i * 7) % LAST.len()];
            let status = match i % 20 {
                0 => "deactivated",
                1 => "pending_approval",
                2 => "pending_email",
                _ => "active",
            };
            let last_seen = (status == "active" || status == "deactivated")
                .then(|| now - ((i as i64 * 7919) % (90 * 24 * 60)) * 60_000);
            let local: String = format!("{first}.{last}.{i}")
                .to_lowercase()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            let (email, name) = (format!("{local}@{domain}"), format!("{first} {last}"));
            let row: [Value; 9] = [
                company.into(),
                email.as_str().into(),
                name.as_str().into(),
                TITLES[i % TITLES.len()].into(),
                status.into(),
                last_seen.into(),
                (now - (i as i64 % 1000) * 86_400_000).into(),
                now.into(),
                search::person_key(&name, &email).into(),
            ];
            sql.push(if i == start { "(" } else { ", (" }).list(row).push(")");
        }
        sql.push(" RETURNING id");
        let ids: Vec<i64> = sql.scalars(&mut *tx).await.unwrap();
        if first_ids.is_empty() {
            first_ids = ids.clone();
        }
        // Roles: every tenth person is in Support (10,000 of 100,000); most people are
        // Members of the root account, some Team leads, some scoped to a customer account.
        let mut assignments = Vec::new();
        let mut memberships = Vec::new();
        for (k, id) in ids.iter().enumerate() {
            let i = start + k;
            let (account, role) = match i % 10 {
                0 => (root, support),
                1 if i % 30 == 1 => (root, lead),
                3 => (accounts[1 + i % 199], created.member_role.0),
                _ => (root, created.member_role.0),
            };
            assignments.push(vec![Value::Int(*id), Value::Int(account), Value::Int(role)]);
            memberships.push((teams[i % teams.len()], *id));
            if i % 5 == 0 {
                memberships.push((teams[(i / 5 + 17) % teams.len()], *id));
            }
        }
        memberships.sort_unstable();
        memberships.dedup();
        let memberships = memberships
            .into_iter()
            .map(|(team, user)| vec![Value::Int(team), Value::Int(user)])
            .collect();
        insert_rows(
            &mut tx,
            "role_assignments (user_id, account_id, role_id)",
            assignments,
        )
        .await
        .unwrap();
        insert_rows(&mut tx, "team_members (team_id, user_id)", memberships)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    // Active Members of the root account (i % 20 >= 3 and i % 10 not in {0, 1, 3}).
    let some_people = [4, 5, 6, 7, 8].into_iter().map(|i| first_ids[i]).collect();
    Seeded {
        admin_email,
        team: teams[7],
        support_role: support,
        auditor_role: auditor,
        member_role: created.member_role.0,
        root_account: root,
        customer_account: accounts[50],
        some_people,
    }
}

/// A new, empty PostgreSQL database `name` on the server of `base` (dropped first if there).
pub async fn fresh_postgres(base: &str, name: &str) -> String {
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(base).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let (prefix, _) = base.rsplit_once('/').expect("a URL ending in /database");
    format!("{prefix}/{name}")
}
