//! Crash consistency: the server killed (SIGKILL) at a random moment of a bulk change of 5,000
//! people, of an invitation batch of 500 or of an invitation's acceptance leaves each all or
//! nothing once it runs again: every person changed with their audit event and the change's
//! undo record, or nobody; every invitation with its queued email, or none; an accepted
//! invitation with its person and their role, or a pending one and no person; an audit chain
//! that verifies; on SQLite a file that passes `integrity_check`. Ten kills of each on SQLite,
//! one on PostgreSQL. The moments are drawn from a seed printed first (`CRASH_SEED` repeats a
//! run).

mod common;
#[allow(dead_code)] // The bench's server process and HTTP client; the bench uses the rest.
#[path = "../benches/scale/http.rs"]
mod http;

use crate::http::{Http, Server};
use rand::{rngs::StdRng, Rng, SeedableRng};
use roster::server::db::{self, chain::AuditKey, Db};
use std::time::{Duration, Instant};

const PEOPLE: usize = 5_000;
const INVITED: usize = 500;

/// A database holding the demo company of `PEOPLE` people, its owner's password, and where
/// the servers started on it write their logs.
struct Seeded {
    url: String,
    password: String,
    logs: std::path::PathBuf,
    /// The SQLite file's folder, removed when dropped.
    _dir: Option<tempfile::TempDir>,
}

async fn seeded(logs: &std::path::Path) -> Seeded {
    let (url, dir) = common::fresh_database().await;
    let db = db::connect_and_migrate(&url).await.unwrap();
    let key = AuditKey::from_hex(common::TEST_AUDIT_KEY).unwrap();
    let owner = db::demo::seed_if_empty(&db, &key, PEOPLE).await.unwrap().unwrap();
    db.close().await;
    Seeded {
        url,
        password: owner.password,
        logs: logs.to_path_buf(),
        _dir: dir,
    }
}

/// Starts the debug server (the test's own build) on `url`, as the bench starts the release one.
async fn start(url: &str, log: &std::path::Path) -> Server {
    Server::start(url, log).await.0
}

fn form(pairs: &[(&str, String)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.unwrap()
}

/// What must hold of any database the server left, crashed or not.
async fn check_sound(url: &str) {
    let db = db::connect_and_migrate(url).await.unwrap();
    if url.starts_with("sqlite") {
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(integrity, "ok");
    }
    db.close().await;
    let verify = common::roster_command(&["audit", "verify"], url);
    assert!(
        verify.status.success(),
        "the audit chain does not verify after the crash: {}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// One crash: `act` is sent to a fresh server and the server is killed `after` (None: never,
/// the call completes); then it is started again, stopped, and `check` reads the database.
async fn crash_during<F, Fut>(
    seeded: &Seeded,
    endpoint: &'static str,
    act: Vec<(String, String)>,
    after: Option<Duration>,
    check: F,
) -> Duration
where
    F: FnOnce(Db) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (url, logs) = (seeded.url.as_str(), &seeded.logs);
    let server = start(url, &logs.join("server.log")).await;
    let client = Http::new(&server.base);
    let cookie = client
        .sign_in("olivia.owner@acme.example", &seeded.password)
        .await;
    let started = Instant::now();
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.try_call(endpoint, &act, Some(&cookie)).await }
    });
    let took = match after {
        Some(after) => {
            tokio::time::sleep(after).await;
            drop(server); // SIGKILL
            let _ = call.await; // the connection was cut, or the answer came first
            after
        }
        None => {
            let (status, body) = call.await.unwrap().expect("an answer");
            assert!(
                status.is_success(),
                "{endpoint}: {}",
                String::from_utf8_lossy(&body)
            );
            drop(server);
            started.elapsed()
        }
    };
    // Started again on what the killed process left, then stopped while idle.
    drop(start(url, &logs.join("restart.log")).await);
    check_sound(url).await;
    let db = db::connect_and_migrate(url).await.unwrap();
    check(db.clone()).await;
    db.close().await;
    took
}

/// The id of the role `name` (the database holds one company).
async fn role_id(url: &str, name: &str) -> i64 {
    let db = db::connect_and_migrate(url).await.unwrap();
    let id = sqlx::query_scalar("SELECT id FROM roles WHERE name = $1")
        .bind(name)
        .fetch_one(&db)
        .await
        .unwrap();
    db.close().await;
    id
}

/// What the server is killed in the middle of.
#[derive(Debug, Clone, Copy)]
enum Scenario {
    BulkChange,
    Invitations,
    Acceptance,
}

impl Scenario {
    const ALL: [Scenario; 3] = [Scenario::BulkChange, Scenario::Invitations, Scenario::Acceptance];

    /// Runs it on `seeded`, the server killed `after` (None: never), and checks what is left;
    /// answers how long it ran.
    async fn run(self, seeded: &Seeded, after: Option<Duration>) -> Duration {
        match self {
            Scenario::BulkChange => bulk_change_is_all_or_nothing(seeded, after).await,
            Scenario::Invitations => invitations_are_all_or_nothing(seeded, after).await,
            Scenario::Acceptance => acceptance_is_all_or_nothing(seeded, after).await,
        }
    }
}

/// Everyone holding `from` is moved to `to` (the owner, who holds neither, is not selected).
async fn bulk_change_is_all_or_nothing(seeded: &Seeded, after: Option<Duration>) -> Duration {
    let (member, admin) = (
        role_id(&seeded.url, "Member").await,
        role_id(&seeded.url, "Admin").await,
    );
    let db = db::connect_and_migrate(&seeded.url).await.unwrap();
    let members = scalar(
        &db,
        &format!("SELECT COUNT(*) FROM role_assignments WHERE role_id = {member}"),
    )
    .await;
    let events = scalar(&db, "SELECT COUNT(*) FROM audit_events").await;
    db.close().await;
    assert!(members > 1_000, "the demo company has {members} members");
    let act = form(&[
        ("selection[matching][tab]", "all".into()),
        ("selection[matching][role]", member.to_string()),
        ("action[kind]", "change_role".into()),
        ("action[role]", admin.to_string()),
    ]);
    crash_during(seeded, "users/bulk/apply", act, after, |db| async move {
        let left = scalar(
            &db,
            &format!("SELECT COUNT(*) FROM role_assignments WHERE role_id = {member}"),
        )
        .await;
        let changes = scalar(&db, "SELECT COUNT(*) FROM bulk_changes").await;
        let items = scalar(&db, "SELECT COUNT(*) FROM bulk_change_items").await;
        let new_events = scalar(&db, "SELECT COUNT(*) FROM audit_events").await - events;
        println!("  after the crash: {} of {members} changed", members - left);
        if left == members {
            assert_eq!(
                (changes, items, new_events),
                (0, 0, 0),
                "nothing changed, yet the change left traces"
            );
        } else {
            assert_eq!(
                left, 0,
                "a bulk change was half applied: {left} of {members} still members"
            );
            assert_eq!(changes, 1, "the change has no undo record");
            assert_eq!(items, members, "the undo record misses people");
            assert!(
                new_events >= members,
                "{new_events} audit events for {members} people changed"
            );
        }
    })
    .await
}

/// `INVITED` addresses invited at once.
async fn invitations_are_all_or_nothing(seeded: &Seeded, after: Option<Duration>) -> Duration {
    let member = role_id(&seeded.url, "Member").await;
    let round = rand::random::<u32>();
    let mut act: Vec<(String, String)> = (0..INVITED)
        .map(|i| {
            (
                format!("invite[addresses][{i}]"),
                format!("hire.{round}.{i}@example.com"),
            )
        })
        .collect();
    act.push(("invite[role]".into(), member.to_string()));
    crash_during(seeded, "invitations/invite", act, after, |db| async move {
        let invited = scalar(
            &db,
            &format!("SELECT COUNT(*) FROM invitations WHERE email LIKE 'hire.{round}.%'"),
        )
        .await;
        let emails = scalar(
            &db,
            &format!("SELECT COUNT(*) FROM outbox WHERE to_email LIKE 'hire.{round}.%'"),
        )
        .await;
        println!("  after the crash: {invited} of {INVITED} invited");
        assert!(
            (invited, emails) == (0, 0) || (invited as usize == INVITED && emails as usize == INVITED),
            "an invitation batch was half written: {invited} invitations, {emails} emails queued"
        );
    })
    .await
}

/// One invited person accepts: afterwards either the invitation is accepted and they are a
/// user holding a role, or it is still pending and no such user exists.
async fn acceptance_is_all_or_nothing(seeded: &Seeded, after: Option<Duration>) -> Duration {
    let member = role_id(&seeded.url, "Member").await;
    let invitee = format!("joiner.{}@example.com", rand::random::<u32>());
    let invite = form(&[
        ("invite[addresses][0]", invitee.clone()),
        ("invite[role]", member.to_string()),
    ]);
    crash_during(seeded, "invitations/invite", invite, None, |_| async {}).await;
    // The link is in the queued email's text.
    let db = db::connect_and_migrate(&seeded.url).await.unwrap();
    let email: String = sqlx::query_scalar("SELECT text_body FROM outbox WHERE to_email = $1")
        .bind(&invitee)
        .fetch_one(&db)
        .await
        .unwrap();
    db.close().await;
    let token = email
        .split("/invite/")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("an invitation link in the email")
        .to_string();
    let accept = form(&[
        ("token", token),
        ("name", "Joan Joiner".into()),
        ("password", common::PASSWORD.into()),
    ]);
    crash_during(seeded, "invitations/accept", accept, after, |db| async move {
        let status: String = sqlx::query_scalar("SELECT status FROM invitations WHERE email = $1")
            .bind(&invitee)
            .fetch_one(&db)
            .await
            .unwrap();
        let users = scalar(&db, &format!("SELECT COUNT(*) FROM users WHERE email = '{invitee}'")).await;
        let roles = scalar(
            &db,
            &format!(
                "SELECT COUNT(*) FROM role_assignments ra JOIN users u ON u.id = ra.user_id WHERE u.email = '{invitee}'"
            ),
        )
        .await;
        println!("  after the crash: invitation {status}, {users} user");
        match status.as_str() {
            "accepted" => assert!(users == 1 && roles >= 1, "accepted, yet {users} users with {roles} roles"),
            "pending" => assert_eq!(users, 0, "the invitation is pending, yet its person exists"),
            other => panic!("the invitation is {other}"),
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_in_the_middle_of_a_bulk_change_an_invitation_batch_or_an_acceptance_leaves_each_all_or_nothing(
) {
    // Server::start runs ROSTER_BIN; the chain key is the one the harness seeds with.
    std::env::set_var("ROSTER_BIN", env!("CARGO_BIN_EXE_roster"));
    std::env::set_var("ROSTER_AUDIT_KEY", common::TEST_AUDIT_KEY);
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    println!("CRASH_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let postgres = std::env::var("ROSTER_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"));
    let kills = if postgres { 1 } else { 10 };
    let logs = tempfile::tempdir().unwrap();

    // How long each takes uninterrupted bounds the moments drawn.
    let first = seeded(logs.path()).await;
    let mut took = Vec::new();
    for scenario in Scenario::ALL {
        took.push(scenario.run(&first, None).await);
    }
    println!(
        "uninterrupted: {:?}",
        Scenario::ALL.iter().zip(&took).collect::<Vec<_>>()
    );

    for kill in 0..kills {
        let fresh = seeded(logs.path()).await;
        for (scenario, took) in Scenario::ALL.into_iter().zip(&took) {
            let at = took.mul_f64(rng.gen_range(0.0..1.2));
            println!("kill {kill}: {scenario:?} at {at:?}");
            scenario.run(&fresh, Some(at)).await;
        }
    }
}
