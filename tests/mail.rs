//! Delivery of the outbox by SMTP to a real SMTP server (`end2end/smtp-sink.mjs`): what is
//! sent, retries and giving up, restarts, and rival workers on one database.

mod common;

use common::{
    email,
    smtp::{closed_port, SmtpSink, MAIL_TIMEOUT},
    Company, TestApp,
};
use http::StatusCode;
use roster::server::{
    db::{outbox, write::Write, Backend},
    mailer::MAX_ATTEMPTS,
};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

/// Adds an active member, which queues an `account_setup` email to them, and wakes the mailer
/// the way the server functions do once the change is committed.
async fn add(app: &TestApp, c: &Company, name: &str, email: &str) {
    let role = app.role_id(&c.owner_email, "member").await;
    let r = app.create_user(&c.owner, name, email, role, "Active").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.state.mailer.wake();
}

/// The delivery columns of the outbox row of the email to `to`.
#[derive(Debug, sqlx::FromRow)]
struct Row {
    attempts: i64,
    next_attempt_at: i64,
    sent_at: Option<i64>,
    failed_at: Option<i64>,
    last_error: Option<String>,
}

async fn row(app: &TestApp, to: &str) -> Row {
    sqlx::query_as(
        "SELECT attempts, next_attempt_at, sent_at, failed_at, last_error FROM outbox WHERE to_email = $1",
    )
    .bind(to)
    .fetch_one(&app.state.db)
    .await
    .unwrap()
}

/// Waits until the row of the email to `to` is as `wanted` says.
async fn row_when(app: &TestApp, to: &str, what: &str, wanted: impl Fn(&Row) -> bool) -> Row {
    let start = Instant::now();
    loop {
        let row = row(app, to).await;
        if wanted(&row) {
            return row;
        }
        assert!(
            start.elapsed() < MAIL_TIMEOUT,
            "waited {MAIL_TIMEOUT:?} for the email to {to} to be {what}: {row:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn now_ms() -> i64 {
    roster::server::db::now_ms()
}

#[tokio::test]
async fn an_added_users_setup_email_is_delivered_by_smtp_and_its_link_works() {
    let sink = SmtpSink::start();
    let app = TestApp::spawn_with(&[
        ("ROSTER_SMTP_URL", &sink.url()),
        ("ROSTER_MAIL_FROM", "Initech People <people@initech.example>"),
        ("ROSTER_PUBLIC_URL", "https://roster.initech.example"),
    ])
    .await;
    let c = app.company("Initech").await;
    // The owner's confirmation of their address goes first.
    assert_eq!(sink.wait_for(1).await[0].to, [c.owner_email.as_str()]);
    let ana = email("ana");
    add(&app, &c, "Ana Ruiz", &ana).await;

    let received = sink.wait_for(2).await;
    assert_eq!(received.len(), 2);
    let m = &received[1];
    assert_eq!(m.from.as_deref(), Some("people@initech.example"));
    assert_eq!(m.to, [ana.as_str()]);
    assert!(
        m.raw
            .contains("From: \"Initech People\" <people@initech.example>\r\n"),
        "{}",
        m.raw
    );
    assert!(m.raw.contains("Message-ID: <roster.outbox."), "{}", m.raw);
    assert!(m.raw.contains(&format!("To: {ana}\r\n")), "{}", m.raw);
    assert_eq!(
        m.subject.as_deref(),
        Some("Set up your “Initech” account on Roster")
    );
    assert!(
        m.raw.contains("Content-Type: multipart/alternative;"),
        "{}",
        m.raw
    );
    assert!(
        m.raw.contains("Content-Type: text/plain; charset=utf-8"),
        "{}",
        m.raw
    );
    assert!(
        m.raw.contains("Content-Type: text/html; charset=utf-8"),
        "{}",
        m.raw
    );

    let text = m.text.as_deref().expect("a text part");
    assert!(text.contains("“Olivia Owner” added you to “Initech”"), "{text}");
    let prefix = "https://roster.initech.example/welcome/";
    let start = text.find(prefix).expect("a set-up link in the text") + prefix.len();
    let token = text[start..].split_whitespace().next().unwrap();
    let html = m.html.as_deref().expect("an HTML part");
    assert!(html.contains(&format!("href=\"{prefix}{token}\"")), "{html}");

    let info = app.call("welcome/info", &[("token", token)], None).await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.body);
    let info = info.json();
    assert_eq!(info["email"], ana.as_str());
    assert_eq!(info["name"], "Ana Ruiz");
    assert_eq!(info["company_name"], "Initech");

    let row = row_when(&app, &ana, "sent", |r| r.sent_at.is_some()).await;
    assert_eq!(row.attempts, 1);
    assert_eq!((row.failed_at, row.last_error), (None, None));
}

#[tokio::test]
async fn mail_queued_while_smtp_was_down_is_sent_once_after_a_restart() {
    // An instance without SMTP queues the emails; they stay unsent.
    let first = TestApp::spawn().await;
    let c = first.company("Initech").await;
    let mut people: Vec<String> = (0..8).map(|i| email(&format!("p{i}"))).collect();
    for (i, person) in people.iter().enumerate() {
        add(&first, &c, &format!("Person {i}"), person).await;
    }
    // With the owner's confirmation of their address, nine.
    people.push(c.owner_email.clone());
    assert_eq!(
        first
            .count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND attempts = 0")
            .await,
        9
    );

    // It stops; two instances with SMTP start on the same database at once, and both
    // workers go through the outbox as they start, without being woken.
    let sink = SmtpSink::start();
    let smtp = [("ROSTER_SMTP_URL", sink.url())];
    let smtp: Vec<(&str, &str)> = smtp.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (second, third) = tokio::join!(
        first.spawn_sharing_database(&smtp),
        first.spawn_sharing_database(&smtp)
    );
    drop(first);
    let received = sink.wait_for(9).await;
    for person in &people {
        row_when(&second, person, "sent", |r| r.sent_at.is_some()).await;
    }

    // Mail queued afterwards on one instance goes out too; by the time it has, both
    // workers are past the old mail, and still nothing was sent twice.
    let late = email("late");
    add(&third, &c, "Late Comer", &late).await;
    second.state.mailer.wake();
    row_when(&third, &late, "sent", |r| r.sent_at.is_some()).await;
    let received_after = sink.wait_for(10).await;
    assert_eq!(received.len(), 9, "{received:#?}");
    people.push(late);
    people.sort();
    let mut recipients: Vec<String> = received_after.iter().flat_map(|m| m.to.clone()).collect();
    recipients.sort();
    assert_eq!(recipients, people, "each email exactly once");
    // Every claim counts an attempt, so a message claimed twice would show 2.
    assert_eq!(
        third
            .count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL AND attempts = 1")
            .await,
        10
    );
}

#[tokio::test]
async fn a_failed_send_is_recorded_and_retried_later() {
    let port = closed_port();
    let app = TestApp::spawn_with(&[("ROSTER_SMTP_URL", &format!("smtp://127.0.0.1:{port}"))]).await;
    let c = app.company("Initech").await;
    let ana = email("ana");
    add(&app, &c, "Ana Ruiz", &ana).await;

    let failed = row_when(&app, &ana, "tried once", |r| r.last_error.is_some()).await;
    assert_eq!(failed.attempts, 1);
    assert_eq!((failed.sent_at, failed.failed_at), (None, None));
    assert!(!failed.last_error.as_deref().unwrap().is_empty());
    // The first retry waits 30 seconds.
    let wait = failed.next_attempt_at - now_ms();
    assert!((20_000..=30_000).contains(&wait), "retry in {wait} ms");

    // The server comes back; once the wait is over (here: made over), the worker retries.
    let sink = SmtpSink::start_on(port);
    app.sql(&format!("UPDATE outbox SET next_attempt_at = {}", now_ms()))
        .await;
    app.state.mailer.wake();
    // The owner's confirmation of their address failed and is retried with it.
    let received = sink.wait_for(2).await;
    let mut to: Vec<&str> = received
        .iter()
        .flat_map(|m| m.to.iter().map(String::as_str))
        .collect();
    to.sort();
    let mut expected = [ana.as_str(), c.owner_email.as_str()];
    expected.sort();
    assert_eq!(to, expected);
    let sent = row_when(&app, &ana, "sent", |r| r.sent_at.is_some()).await;
    assert_eq!(sent.attempts, 2);
    assert_eq!(sent.failed_at, None);
    assert_eq!(sink.received().len(), 2);
}

#[tokio::test]
async fn a_message_that_keeps_failing_is_given_up_after_its_last_attempt() {
    let port = closed_port();
    let app = TestApp::spawn_with(&[("ROSTER_SMTP_URL", &format!("smtp://127.0.0.1:{port}"))]).await;
    let c = app.company("Initech").await;
    let ana = email("ana");
    add(&app, &c, "Ana Ruiz", &ana).await;
    row_when(&app, &ana, "tried once", |r| r.last_error.is_some()).await;

    // As if every retry but the last had failed too, and the last were due.
    app.sql(&format!(
        "UPDATE outbox SET attempts = {}, next_attempt_at = 0",
        MAX_ATTEMPTS - 1
    ))
    .await;
    app.state.mailer.wake();
    let given_up = row_when(&app, &ana, "given up", |r| r.failed_at.is_some()).await;
    assert_eq!(given_up.attempts, MAX_ATTEMPTS);
    assert_eq!(given_up.sent_at, None);

    // When the server is back, later mail goes out, the given-up message does not (the
    // worker takes due mail oldest first, so it would have come first).
    let sink = SmtpSink::start_on(port);
    let bob = email("bob");
    add(&app, &c, "Bob Stone", &bob).await;
    row_when(&app, &bob, "sent", |r| r.sent_at.is_some()).await;
    let received = sink.wait_for(1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, [bob]);
    assert_eq!(row(&app, &ana).await.attempts, MAX_ATTEMPTS);
}

#[tokio::test]
async fn a_due_message_is_claimed_by_one_worker_only_and_hidden_while_leased() {
    use roster::server::db::outbox;
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    // The owner's confirmation of their address is out of the way.
    app.sql("UPDATE outbox SET sent_at = 1").await;
    let ana = email("ana");
    add(&app, &c, "Ana Ruiz", &ana).await;
    let now = now_ms();
    let due = outbox::due(&app.state.db, now, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    let message = &due[0];
    assert_eq!((message.to_email.as_str(), message.attempts), (ana.as_str(), 0));

    // Two workers read the same row; the first claim wins, the second finds it changed.
    let db = &app.state.db;
    let lease = now + 60_000;
    assert!(outbox::record_and_claim(db, None, Some(message), now, lease)
        .await
        .unwrap());
    assert!(!outbox::record_and_claim(db, None, Some(message), now, lease)
        .await
        .unwrap());
    assert!(outbox::due(db, now, 10).await.unwrap().is_empty());
    // When the lease ends (its worker died), the row is due again, for one new claim.
    let later = outbox::due(db, lease, 10).await.unwrap();
    assert_eq!(later[0].attempts, 1);
    assert!(
        outbox::record_and_claim(db, None, Some(&later[0]), lease, lease + 60_000)
            .await
            .unwrap()
    );
    // The first worker's late report of its attempt changes nothing.
    let sent = |attempt| outbox::Attempt {
        id: message.id,
        attempt,
        outcome: outbox::Outcome::Sent,
    };
    outbox::record_and_claim(db, Some(&sent(1)), None, now, 0)
        .await
        .unwrap();
    assert_eq!(row(&app, &ana).await.sent_at, None);
    outbox::record_and_claim(db, Some(&sent(2)), None, now, 0)
        .await
        .unwrap();
    assert!(row(&app, &ana).await.sent_at.is_some());
}

/// A worker writes once per message: the end of its last attempt with its claim on the
/// next. The record stands when the claim is lost to another worker, and a failure records
/// its error and retry.
#[tokio::test]
async fn an_attempt_is_recorded_in_the_write_that_claims_the_next_message() {
    use roster::server::db::outbox::{self, AfterFailure, Attempt, Outcome};
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    app.sql("UPDATE outbox SET sent_at = 1").await;
    let (ana, bob, cy) = (email("ana"), email("bob"), email("cy"));
    for (name, to) in [("Ana Ruiz", &ana), ("Bob Li", &bob), ("Cy Young", &cy)] {
        add(&app, &c, name, to).await;
    }
    let db = &app.state.db;
    let now = now_ms();
    let lease = now + 60_000;
    let due = outbox::due(db, now, 10).await.unwrap();
    let [a, b, c] = [0, 1, 2].map(|i| due.iter().find(|m| &m.to_email == [&ana, &bob, &cy][i]).unwrap());
    assert!(outbox::record_and_claim(db, None, Some(a), now, lease)
        .await
        .unwrap());

    let a_sent = Attempt {
        id: a.id,
        attempt: 1,
        outcome: Outcome::Sent,
    };
    assert!(outbox::record_and_claim(db, Some(&a_sent), Some(b), now, lease)
        .await
        .unwrap());
    assert_eq!(row(&app, &ana).await.sent_at, Some(now));
    assert_eq!(row(&app, &bob).await.attempts, 1);

    // Another worker has taken Cy's message: Bob's failure is recorded all the same.
    assert!(outbox::record_and_claim(db, None, Some(c), now, lease)
        .await
        .unwrap());
    let b_failed = Attempt {
        id: b.id,
        attempt: 1,
        outcome: Outcome::Failed {
            error: "421 try later".into(),
            then: AfterFailure::RetryAt(now + 30_000),
        },
    };
    assert!(
        !outbox::record_and_claim(db, Some(&b_failed), Some(c), now, lease)
            .await
            .unwrap()
    );
    let bob_row = row(&app, &bob).await;
    assert_eq!(
        (
            bob_row.next_attempt_at,
            bob_row.sent_at,
            bob_row.last_error.as_deref()
        ),
        (now + 30_000, None, Some("421 try later"))
    );
    assert_eq!(row(&app, &cy).await.attempts, 1, "claimed once");
}

/// On PostgreSQL a change waits for its company's lock holding one of the process's few write
/// turns. The outbox locks no company: its writes go on while changes queue for one.
#[tokio::test]
async fn the_outbox_writes_while_changes_queue_for_their_companys_lock() {
    let app = Arc::new(TestApp::spawn().await);
    if Backend::of_pool(&app.state.db) == Backend::Sqlite {
        return; // One write at a time there, whatever it changes.
    }
    let c = app.company("Initech").await;
    let ana = email("ana");
    add(&app, &c, "Ana Ruiz", &ana).await;
    let by = app.owner_by(&c).await;
    let long = Write::begin(app.state.store(), &by).await.unwrap();
    // More changes than the process lets wait on a company's lock at once.
    let queued: Vec<_> = (0..6)
        .map(|n| {
            let (app, owner) = (app.clone(), c.owner.clone());
            tokio::spawn(async move {
                app.call("teams/create", &[("name", &format!("Shift {n}"))], Some(&owner))
                    .await
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        queued.iter().all(|q| !q.is_finished()),
        "the changes wait for the lock"
    );

    let db = &app.state.db;
    let now = now_ms();
    app.sql(&format!(
        "UPDATE outbox SET attempts = 0, next_attempt_at = 0, sent_at = NULL WHERE to_email = '{ana}'"
    ))
    .await;
    let due = outbox::due(db, now, 100).await.unwrap();
    let message = due
        .iter()
        .find(|m| m.to_email == ana)
        .expect("Ana's email is due");
    // A hang guard, not a speed goal: held behind the changes, this waits until `long` ends.
    let claimed = tokio::time::timeout(
        Duration::from_secs(10),
        outbox::record_and_claim(db, None, Some(message), now, now + 60_000),
    )
    .await
    .expect("the outbox's write waited behind the company's changes");
    claimed.unwrap();

    drop(long);
    for q in queued {
        let r = q.await.unwrap();
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
}
