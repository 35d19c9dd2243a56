//! Crash consistency: the server killed (SIGKILL) at a random moment of a bulk change of 5,000
//! people, of an invitation batch of 500 or of an invitation's acceptance leaves each all or
//! nothing once it runs again: every person changed with their audit event and the change's
//! undo record, or nobody; every invitation with its queued email, or none; an accepted
//! invitation with its person and their role, or a pending one and no person; an audit chain
//! that verifies; on SQLite a file that passes `integrity_check`. Killed while it delivers the
//! outbox to a real SMTP server (`SmtpSink`), it loses no email once another server has taken
//! over the dead worker's claims: each arrives once, but for the one the dead worker had sent
//! and not recorded, which arrives twice with the same Message-ID (delivery is at least once);
//! every other kill forces that case by having the SMTP server withhold its answer. Ten kills
//! of each on SQLite, one on PostgreSQL. The moments are drawn from a seed printed first
//! (`CRASH_SEED` repeats a run).

mod common;
#[allow(dead_code)] // The bench's server process and HTTP client; the bench uses the rest.
#[path = "../benches/scale/http.rs"]
mod http;

use crate::http::{Http, Server};
use common::smtp::{Received, SmtpSink};
use rand::{rngs::StdRng, Rng, SeedableRng};
use roster::server::{
    db::{self, chain::AuditKey, now_ms, Db},
    mailer::LEASE,
};
use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

const PEOPLE: usize = 5_000;
const INVITED: usize = 500;
/// Emails delivered: lettre stalls 40 ms on each (Nagle's algorithm, without TCP_NODELAY), so
/// a few dozen keep each delivery to seconds.
const DELIVERED: usize = 50;

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
    /// The outbox's delivery; `mid_send`: while the SMTP server withholds its answer to a
    /// message it has (every other kill).
    Delivery {
        mid_send: bool,
    },
    BulkChange,
    Invitations,
    Acceptance,
}

impl Scenario {
    /// Delivery first, while the outbox holds nothing else.
    const ALL: [Scenario; 4] = [
        Scenario::Delivery { mid_send: false },
        Scenario::BulkChange,
        Scenario::Invitations,
        Scenario::Acceptance,
    ];

    /// Runs it on `seeded`, the server killed `after` (None: never), and checks what is left;
    /// answers how long it ran.
    async fn run(self, seeded: &Seeded, after: Option<Duration>) -> Duration {
        match self {
            Scenario::Delivery { mid_send } => {
                delivery_loses_nothing_and_repeats_only_the_message_in_flight(seeded, after, mid_send).await
            }
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

/// The invitation of `count` addresses `hire.<round>.<i>@example.com` as members, at once.
async fn invitation_batch(url: &str, round: u32, count: usize) -> Vec<(String, String)> {
    let member = role_id(url, "Member").await;
    let mut act: Vec<(String, String)> = (0..count)
        .map(|i| {
            (
                format!("invite[addresses][{i}]"),
                format!("hire.{round}.{i}@example.com"),
            )
        })
        .collect();
    act.push(("invite[role]".into(), member.to_string()));
    act
}

/// `INVITED` addresses invited at once.
async fn invitations_are_all_or_nothing(seeded: &Seeded, after: Option<Duration>) -> Duration {
    let round = rand::random::<u32>();
    let act = invitation_batch(&seeded.url, round, INVITED).await;
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

/// The longest a server may take to empty the outbox of `DELIVERED` emails.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(60);

const PENDING: &str = "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL";

/// Waits until `server` has delivered the whole outbox; fails after `DELIVERY_TIMEOUT`.
async fn delivered(db: &Db, server: &str) {
    let start = Instant::now();
    loop {
        let pending = scalar(db, PENDING).await;
        if pending == 0 {
            return;
        }
        assert!(
            start.elapsed() < DELIVERY_TIMEOUT,
            "{server} left {pending} emails pending in the outbox for {DELIVERY_TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// An outbox row's delivery.
#[derive(Debug, sqlx::FromRow)]
struct Outbox {
    id: i64,
    to_email: String,
    created_at: i64,
    attempts: i64,
    next_attempt_at: i64,
    sent_at: Option<i64>,
    failed_at: Option<i64>,
    last_error: Option<String>,
}

/// The outbox's rows after `after`.
async fn outbox(db: &Db, after: i64) -> Vec<Outbox> {
    sqlx::query_as(
        "SELECT id, to_email, created_at, attempts, next_attempt_at, sent_at, failed_at, last_error
         FROM outbox WHERE id > $1 ORDER BY id",
    )
    .bind(after)
    .fetch_all(db)
    .await
    .unwrap()
}

/// The Message-ID of a received email, `<roster.outbox.<row id>.…>`, with the row's id.
fn message_id(email: &Received) -> (&str, i64) {
    let id = email
        .raw
        .lines()
        .find_map(|line| line.strip_prefix("Message-ID: "))
        .unwrap_or_else(|| panic!("an email without a Message-ID: {}", email.raw));
    let row = id
        .strip_prefix("<roster.outbox.")
        .and_then(|rest| rest.split('.').next())
        .and_then(|row| row.parse().ok())
        .unwrap_or_else(|| panic!("a Message-ID not of an outbox row: {id}"));
    (id, row)
}

/// `DELIVERED` invitations are queued by a server with SMTP, which is killed `after` it began to
/// deliver them (with `mid_send`, at the first message from then on that the SMTP server has
/// and does not acknowledge); the leases of the dead worker's claims are ended and another
/// server delivers the rest. Every email arrives; only one the dead worker had claimed and not
/// recorded may arrive twice, with the same Message-ID.
async fn delivery_loses_nothing_and_repeats_only_the_message_in_flight(
    seeded: &Seeded,
    after: Option<Duration>,
    mid_send: bool,
) -> Duration {
    let (url, logs) = (seeded.url.as_str(), &seeded.logs);
    let db = db::connect_and_migrate(url).await.unwrap();
    assert_eq!(
        scalar(&db, PENDING).await,
        0,
        "runs on an outbox with nothing pending"
    );
    let earlier = scalar(&db, "SELECT COALESCE(MAX(id), 0) FROM outbox").await;
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let smtp = [("ROSTER_SMTP_URL", smtp.as_str())];
    let server = Server::start_with(url, &logs.join("server.log"), &smtp).await.0;
    let client = Http::new(&server.base);
    let cookie = client
        .sign_in("olivia.owner@acme.example", &seeded.password)
        .await;
    let act = invitation_batch(url, rand::random(), DELIVERED).await;
    let (status, body) = client.call("invitations/invite", &act, Some(&cookie)).await;
    assert!(status.is_success(), "{}", String::from_utf8_lossy(&body));
    sink.wait_for(1).await;
    let started = Instant::now();
    let took = match after {
        None => {
            delivered(&db, "the server").await;
            started.elapsed()
        }
        Some(after) => {
            tokio::time::sleep(after).await;
            if mid_send {
                sink.hold_next();
                // The held message comes, or none is left to hold.
                while !sink.received().iter().any(|m| m.held) && scalar(&db, PENDING).await > 0 {
                    assert!(
                        started.elapsed() < after + DELIVERY_TIMEOUT,
                        "the SMTP server was sent no message to hold"
                    );
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
            after
        }
    };
    drop(server); // SIGKILL

    // The dead worker's claims: each attempt is claimed, sent, then recorded, one at a time.
    let now = now_ms();
    let in_flight: Vec<i64> = outbox(&db, earlier)
        .await
        .into_iter()
        .filter(|row| row.sent_at.is_none() && row.attempts > 0)
        .inspect(|row| {
            assert!(
                row.attempts == 1
                    && row.next_attempt_at > now
                    && row.next_attempt_at <= now + LEASE.as_millis() as i64,
                "not a claim leased by the killed worker: {row:?}"
            )
        })
        .map(|row| row.id)
        .collect();
    let sent = sink.received().len();
    println!("  at the kill: {sent} of {DELIVERED} emails received, {in_flight:?} in flight");
    assert!(
        in_flight.len() <= 1,
        "the killed worker held {in_flight:?} at once"
    );
    // As the leases' ending (mailer::LEASE, five minutes after the kill) would.
    sqlx::query("UPDATE outbox SET next_attempt_at = $1 WHERE sent_at IS NULL AND attempts > 0")
        .bind(now)
        .execute(&db)
        .await
        .unwrap();
    let restarted = Server::start_with(url, &logs.join("restart.log"), &smtp).await.0;
    delivered(&db, "the restarted server").await;
    drop(restarted);
    let received = sink.stop();
    check_sound(url).await;

    let mut copies: HashMap<i64, Vec<&Received>> = HashMap::new();
    for email in &received {
        copies.entry(message_id(email).1).or_default().push(email);
    }
    let rows = outbox(&db, earlier).await;
    db.close().await;
    assert_eq!(rows.len(), DELIVERED);
    for row in &rows {
        let copies = copies.remove(&row.id).unwrap_or_default();
        let was_in_flight = in_flight.contains(&row.id);
        assert!(
            !copies.is_empty(),
            "the email to {} was lost: {row:?}",
            row.to_email
        );
        assert!(
            copies.len() == 1 || (was_in_flight && copies.len() == 2),
            "the email to {} arrived {} times (in flight at the kill: {was_in_flight}): {row:?}",
            row.to_email,
            copies.len()
        );
        for copy in &copies {
            assert_eq!(copy.to, [row.to_email.as_str()]);
            let (id, _) = message_id(copy);
            let expected = format!("<roster.outbox.{}.{}@", row.id, row.created_at);
            assert!(id.starts_with(&expected), "{id}, not {expected}…");
            assert_eq!(id, message_id(copies[0]).0, "copies with different Message-IDs");
        }
        assert!(
            row.sent_at.is_some() && row.failed_at.is_none() && row.last_error.is_none(),
            "{row:?}"
        );
        // One attempt each, and one more for a message the killed worker had in flight.
        assert_eq!(row.attempts, 1 + i64::from(was_in_flight), "{row:?}");
    }
    assert!(
        copies.is_empty(),
        "emails sent that were not queued: {:?}",
        copies.keys()
    );
    if let Some(held) = received.iter().find(|m| m.held) {
        let id = message_id(held).1;
        assert_eq!(in_flight, [id], "the message held at the kill was not in flight");
        let times = received.iter().filter(|m| message_id(m).1 == id).count();
        assert_eq!(times, 2, "the message held at the kill arrived {times} times");
        println!("  the message held at the kill, {id}, arrived twice");
    }
    took
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
async fn a_server_killed_mid_change_leaves_it_all_or_nothing_and_killed_mid_delivery_loses_no_email_and_repeats_only_the_one_in_flight(
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
            let scenario = match scenario {
                Scenario::Delivery { .. } => Scenario::Delivery {
                    mid_send: kill % 2 == 0,
                },
                other => other,
            };
            println!("kill {kill}: {scenario:?} at {at:?}");
            scenario.run(&fresh, Some(at)).await;
        }
    }
}
