//! `roster copy --to postgres://…`: the demo company's SQLite database, copied into an empty
//! PostgreSQL database, holds the same rows, verifies its audit chain, gives out ids after the
//! copied ones and serves its owner; a second copy into it is refused. Runs its PostgreSQL part
//! when `ROSTER_TEST_DATABASE_URL` names a PostgreSQL server (`make test-postgres`).

mod common;
#[allow(dead_code)] // The bench's server process and HTTP client; the bench uses the rest.
#[path = "../benches/scale/http.rs"]
mod http;

use crate::http::{Http, Server};
use roster::server::db::{self, chain::AuditKey, Db};

const TABLES: [&str; 10] = [
    "companies",
    "accounts",
    "roles",
    "users",
    "role_assignments",
    "teams",
    "team_members",
    "audit_events",
    "bulk_changes",
    "bulk_change_items",
];

async fn counts(db: &Db) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in TABLES {
        counts.push(
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(db)
                .await
                .unwrap(),
        );
    }
    counts
}

#[tokio::test]
async fn copy_refuses_a_target_that_is_not_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    let source = format!("sqlite://{}/roster.db", dir.path().display());
    let out = common::roster_command(&["copy", "--to", "sqlite://elsewhere.db"], &source);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("PostgreSQL URL"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_company_copied_into_postgresql_keeps_its_rows_ids_and_audit_chain_and_serves() {
    let Ok(target) = std::env::var("ROSTER_TEST_DATABASE_URL") else {
        return;
    };
    if !target.starts_with("postgres") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let source = format!("sqlite://{}/roster.db", dir.path().display());
    let sqlite = db::connect_and_migrate(&source).await.unwrap();
    let key = AuditKey::from_hex(common::TEST_AUDIT_KEY).unwrap();
    let owner = db::demo::seed_if_empty(&sqlite, &key, 300)
        .await
        .unwrap()
        .unwrap();
    sqlite.close().await;
    // Work on SQLite first: a bulk change (its audit events, its undo record).
    std::env::set_var("ROSTER_BIN", env!("CARGO_BIN_EXE_roster"));
    std::env::set_var("ROSTER_AUDIT_KEY", common::TEST_AUDIT_KEY);
    let (server, _) = Server::start(&source, &dir.path().join("sqlite.log")).await;
    let client = Http::new(&server.base);
    let cookie = client.sign_in(&owner.email, &owner.password).await;
    let bulk = [
        ("selection[matching][tab]", "active"),
        ("action[kind]", "deactivate"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    let changed = client.json("users/bulk/apply", &bulk, &cookie).await;
    assert!(changed["changed"].as_i64().unwrap() > 100, "{changed}");
    drop(server);
    let sqlite = db::connect_and_migrate(&source).await.unwrap();
    // The last person deleted: SQLite's counter is past the largest id left.
    sqlx::query("DELETE FROM users WHERE id = (SELECT MAX(id) FROM users)")
        .execute(&sqlite)
        .await
        .unwrap();
    let given: i64 = sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = 'users'")
        .fetch_one(&sqlite)
        .await
        .unwrap();
    let before = counts(&sqlite).await;
    sqlite.close().await;

    let (target, _) = common::fresh_database().await;
    let out = common::roster_command(&["copy", "--to", &target], &source);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Copied "));

    let postgres = db::connect_and_migrate(&target).await.unwrap();
    assert_eq!(counts(&postgres).await, before, "rows per table: {TABLES:?}");
    let verify = common::roster_command(&["audit", "verify"], &target);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let next: i64 = sqlx::query_scalar(
        "INSERT INTO users (company_id, email, name, status, created_at, updated_at, search_key)
         SELECT id, 'new.person@acme.example', 'New Person', 'active', 0, 0, '' FROM companies RETURNING id",
    )
    .fetch_one(&postgres)
    .await
    .unwrap();
    assert!(
        next > given,
        "a new id ({next}) repeats one SQLite gave out ({given})"
    );
    postgres.close().await;

    // The owner signs in on PostgreSQL with the password set on SQLite, and sees the users.
    let (server, _) = Server::start(&target, &dir.path().join("server.log")).await;
    let client = Http::new(&server.base);
    let cookie = client.sign_in(&owner.email, &owner.password).await;
    let page = client
        .json("users/list", &[("query[tab]".into(), "all".into())], &cookie)
        .await;
    assert_eq!(page["counts"]["all"].as_i64(), Some(before[3] + 1));
    drop(server);

    let again = common::roster_command(&["copy", "--to", &target], &source);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds companies"));
}
