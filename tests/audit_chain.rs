//! The audit log's tamper-evident chain (`roster audit verify`) and its retention job: the
//! chain passes untouched, names the exact event after an edit, a deletion or a reorder made
//! in SQL behind the server's back, survives concurrent writers and a purge; the purge removes
//! only old events, in batches, records itself, and a second instance removes nothing twice.

mod common;

use common::{email, Company, TestApp};
use http::StatusCode;
use roster::{
    model::{ActorKind, AuditAction, CompanyId},
    server::db::{
        self,
        audit::{self, New},
        chain::{self, Mismatch, Verified},
        retention::{self, DAY_MS},
    },
};

async fn company_id(app: &TestApp, c: &Company) -> CompanyId {
    CompanyId(app.company_of(&c.owner_email).await)
}

async fn verify(app: &TestApp, company: CompanyId) -> Result<Verified, Mismatch> {
    chain::verify(&app.state.db, &app.state.config.audit_key, Some(company))
        .await
        .unwrap()
}

/// The company's event ids, oldest first.
async fn event_ids(app: &TestApp, company: CompanyId) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM audit_events WHERE company_id = $1 ORDER BY id")
        .bind(company)
        .fetch_all(&app.state.db)
        .await
        .unwrap()
}

/// A company whose log holds a sign-up, three people added, a bulk role change of the three
/// and a deactivation: single events and a set-based change's.
async fn busy_company(app: &TestApp) -> (Company, CompanyId) {
    let c = app.company("Initech").await;
    let mut ids = Vec::new();
    for who in ["Ann", "Ben", "Cat"] {
        let address = email(&who.to_lowercase());
        let r = app
            .create_user(&c.owner, who, &address, c.member_role, "Active")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        ids.push(app.user_id(&address).await);
    }
    let mut form: Vec<(String, String)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (format!("selection[ids][{i}]"), id.to_string()))
        .collect();
    form.push(("action[kind]".into(), "change_role".into()));
    form.push(("action[role]".into(), c.admin_role.to_string()));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = app.call("users/bulk/apply", &form, Some(&c.owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .call("users/deactivate", &[("id", &ids[0].to_string())], Some(&c.owner))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let company = company_id(app, &c).await;
    (c, company)
}

#[tokio::test]
async fn verify_passes_on_an_untouched_log_and_counts_every_event() {
    let app = TestApp::spawn().await;
    let (_, company) = busy_company(&app).await;
    let events = event_ids(&app, company).await;
    assert!(
        events.len() >= 8,
        "sign-up, 3 added, 3 role changes, 1 deactivation: {events:?}"
    );
    let hashed = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE company_id = {} AND hash IS NOT NULL",
            company.0
        ))
        .await;
    assert_eq!(
        hashed as usize,
        events.len(),
        "every event is sealed as it is written"
    );
    assert_eq!(
        verify(&app, company).await,
        Ok(Verified {
            events: events.len() as u64,
            before_chain: 0
        })
    );
}

#[tokio::test]
async fn a_bulk_change_of_more_people_than_one_insert_holds_is_chained_in_order() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let company = company_id(&app, &c).await;
    for n in 0..95 {
        app.add_user(
            &c.owner_email,
            &format!("Person {n}"),
            &email(&format!("p{n}")),
            "member",
        )
        .await;
    }
    let form = [
        ("selection[matching][tab]", "all".to_string()),
        ("selection[matching][role]", c.member_role.to_string()),
        ("action[kind]", "change_role".to_string()),
        ("action[role]", c.admin_role.to_string()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let before = event_ids(&app, company).await.len();
    let r = app.call("users/bulk/apply", &form, Some(&c.owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["changed"], 95, "{}", r.body);
    let events = event_ids(&app, company).await;
    assert_eq!(events.len(), before + 95);
    assert_eq!(
        verify(&app, company).await.map(|v| v.events as usize),
        Ok(events.len())
    );
    // An edit in the last of the change's inserts is found there.
    let victim = events[90];
    app.sql(&format!(
        "UPDATE audit_events SET before_json = NULL WHERE id = {victim}"
    ))
    .await;
    assert_eq!(verify(&app, company).await.unwrap_err().id, victim);
}

#[tokio::test]
async fn verify_still_passes_after_a_person_is_deleted_and_their_events_keep_their_name() {
    let app = TestApp::spawn().await;
    let (c, company) = busy_company(&app).await;
    // Ben was added and had his role changed; deleting him relabels those events and sets
    // their target_user_id to NULL, by design.
    let ben: (i64, String) = sqlx::query_as("SELECT id, email FROM users WHERE name = 'Ben'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let r = app
        .call(
            "users/delete",
            &[("id", &ben.0.to_string()), ("confirm_email", &ben.1)],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let relabelled = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE target_label LIKE 'Ben (%' AND target_user_id IS NULL AND target_ref = {}",
            ben.0
        ))
        .await;
    assert!(relabelled >= 2, "{relabelled}");
    let events = event_ids(&app, company).await.len() as u64;
    assert_eq!(verify(&app, company).await.map(|v| v.events), Ok(events));
}

#[tokio::test]
async fn verify_names_the_event_whose_after_value_was_altered_in_sql() {
    let app = TestApp::spawn().await;
    let (_, company) = busy_company(&app).await;
    let events = event_ids(&app, company).await;
    let victim = events[events.len() / 2];
    app.sql(&format!(
        "UPDATE audit_events SET after_json = '{{\"role\":\"Owner\"}}' WHERE id = {victim}"
    ))
    .await;
    let mismatch = verify(&app, company).await.unwrap_err();
    assert_eq!(mismatch.id, victim);
    let at = app
        .count(&format!(
            "SELECT created_at FROM audit_events WHERE id = {victim}"
        ))
        .await;
    assert_eq!(mismatch.created_at, at, "the report names the event's time too");
}

#[tokio::test]
async fn verify_names_the_event_whose_account_was_altered_or_added_in_sql() {
    let app = TestApp::spawn().await;
    let (c, company) = busy_company(&app).await;
    let root = app.root_account(&c.owner_email).await;
    let someone = app
        .add_user(&c.owner_email, "Sam Someone", &email("sam"), "member")
        .await;
    let r = app
        .call(
            "users/change_role",
            &[("id", &someone.to_string()), ("role", &c.admin_role.to_string())],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let on_account = app
        .count(&format!(
            "SELECT MAX(id) FROM audit_events WHERE account_ref = {root}"
        ))
        .await;
    assert!(verify(&app, company).await.is_ok());
    app.sql(&format!(
        "UPDATE audit_events SET account_label = 'Elsewhere' WHERE id = {on_account}"
    ))
    .await;
    assert_eq!(verify(&app, company).await.unwrap_err().id, on_account);
    app.sql(&format!("UPDATE audit_events SET account_label = (SELECT name FROM accounts WHERE id = {root}) WHERE id = {on_account}"))
        .await;
    assert!(verify(&app, company).await.is_ok(), "set back, it verifies again");
    // An account given to an event that had none.
    let plain = app
        .count(&format!(
            "SELECT MIN(id) FROM audit_events WHERE company_id = {} AND account_ref IS NULL AND hash IS NOT NULL",
            company.0
        ))
        .await;
    app.sql(&format!(
        "UPDATE audit_events SET account_ref = {root}, account_label = 'Root' WHERE id = {plain}"
    ))
    .await;
    assert_eq!(verify(&app, company).await.unwrap_err().id, plain);
}

#[tokio::test]
async fn verify_names_the_event_after_one_deleted_in_sql() {
    let app = TestApp::spawn().await;
    let (_, company) = busy_company(&app).await;
    let events = event_ids(&app, company).await;
    let (gone, next) = (events[3], events[4]);
    app.sql(&format!("DELETE FROM audit_events WHERE id = {gone}"))
        .await;
    assert_eq!(verify(&app, company).await.unwrap_err().id, next);
}

#[tokio::test]
async fn verify_names_the_newest_remaining_event_when_the_newest_was_deleted_in_sql() {
    let app = TestApp::spawn().await;
    let (_, company) = busy_company(&app).await;
    let events = event_ids(&app, company).await;
    let newest = events[events.len() - 1];
    app.sql(&format!("DELETE FROM audit_events WHERE id = {newest}"))
        .await;
    let mismatch = verify(&app, company).await.unwrap_err();
    assert_eq!(mismatch.id, events[events.len() - 2]);
    assert!(mismatch.reason.contains("removed"), "{mismatch}");
}

#[tokio::test]
async fn verify_names_the_first_of_two_events_whose_times_were_swapped_in_sql() {
    let app = TestApp::spawn().await;
    let (_, company) = busy_company(&app).await;
    let events = event_ids(&app, company).await;
    let (a, b) = (events[1], events[events.len() - 1]);
    app.sql(&format!(
        "UPDATE audit_events SET created_at = CASE WHEN id = {a} THEN {late} ELSE {early} END WHERE id IN ({a}, {b})",
        late = app.count(&format!("SELECT created_at FROM audit_events WHERE id = {b}")).await,
        early = app.count(&format!("SELECT created_at FROM audit_events WHERE id = {a}")).await - 1,
    ))
    .await;
    assert_eq!(verify(&app, company).await.unwrap_err().id, a);
}

#[tokio::test]
async fn verify_names_the_first_of_two_events_whose_ids_were_swapped_in_sql() {
    let app = TestApp::spawn().await;
    let (_, company) = busy_company(&app).await;
    let events = event_ids(&app, company).await;
    let (a, b) = (events[2], events[5]);
    app.sql(&format!("UPDATE audit_events SET id = -1 WHERE id = {a}"))
        .await;
    app.sql(&format!("UPDATE audit_events SET id = {a} WHERE id = {b}"))
        .await;
    app.sql(&format!("UPDATE audit_events SET id = {b} WHERE id = -1"))
        .await;
    assert_eq!(verify(&app, company).await.unwrap_err().id, a);
}

#[tokio::test]
async fn verify_fails_with_another_key() {
    let app = TestApp::spawn().await;
    let (_, company) = busy_company(&app).await;
    let other = chain::AuditKey::generate();
    let found = chain::verify(&app.state.db, &other, Some(company)).await.unwrap();
    assert_eq!(found.unwrap_err().id, event_ids(&app, company).await[0]);
}

#[tokio::test]
async fn concurrent_writers_of_one_company_do_not_fork_the_chain() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let company = company_id(&app, &c).await;
    let key = app.state.config.audit_key.clone();
    // Changes through the write skeleton (behind the company lock) beside writers that take
    // only the chain head, as the emailed-link flows do.
    let mut changes = Vec::new();
    for n in 0..6 {
        let (app, c) = (&app, &c);
        changes.push(async move {
            let who = format!("Person {n}");
            let r = app
                .create_user(&c.owner, &who, &email(&format!("p{n}")), c.member_role, "Active")
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        });
    }
    let mut direct = Vec::new();
    for n in 0..6 {
        let (db, key) = (app.state.db.clone(), key.clone());
        direct.push(tokio::spawn(async move {
            let (_, mut tx) = db::begin_write(&db).await.unwrap();
            let label = format!("link {n}");
            let event = New {
                actor_kind: ActorKind::Person,
                actor: None,
                actor_name: "Someone",
                action: AuditAction::UserPasswordReset,
                target: None,
                label: &label,
                before: None,
                after: None,
                ip: "192.0.2.1",
                account: None,
            };
            audit::insert(&mut tx, &key, company, db::now_ms(), &[event])
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }));
    }
    let (_, joined) = tokio::join!(
        futures_util::future::join_all(changes),
        futures_util::future::join_all(direct)
    );
    assert!(joined.iter().all(Result::is_ok));
    let events = event_ids(&app, company).await.len() as u64;
    assert!(
        events > 1 + 6 + 6,
        "sign-up, 6 people added, 6 links used: {events}"
    );
    assert_eq!(verify(&app, company).await.map(|v| v.events), Ok(events));
}

/// Clears a company's log and chain so that a test can write a history in time order: old
/// events (at `old`) first, then recent ones.
async fn history(app: &TestApp, company: CompanyId, old: &[i64], recent: usize) {
    app.sql(&format!(
        "DELETE FROM audit_events WHERE company_id = {}",
        company.0
    ))
    .await;
    app.sql(&format!(
        "DELETE FROM audit_chain WHERE company_id = {}",
        company.0
    ))
    .await;
    let key = &app.state.config.audit_key;
    let now = db::now_ms();
    let times = old.iter().copied().chain(std::iter::repeat_n(now, recent));
    for (n, at) in times.enumerate() {
        let (_, mut tx) = db::begin_write(&app.state.db).await.unwrap();
        let label = format!("team {n}");
        let event = New {
            actor_kind: ActorKind::Person,
            actor: None,
            actor_name: "Olivia Owner",
            action: AuditAction::TeamCreated,
            target: None,
            label: &label,
            before: None,
            after: Some("{\"name\":\"x\"}"),
            ip: "192.0.2.1",
            account: None,
        };
        audit::insert(&mut tx, key, company, at, &[event]).await.unwrap();
        tx.commit().await.unwrap();
    }
}

async fn purge_events(app: &TestApp, company: CompanyId) -> Vec<serde_json::Value> {
    let rows: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT after_json FROM audit_events WHERE company_id = $1 AND action = 'audit_log.purged' ORDER BY id",
    )
    .bind(company)
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    rows.into_iter()
        .map(|a| serde_json::from_str(&a.unwrap()).unwrap())
        .collect()
}

#[tokio::test]
async fn retention_purges_only_old_events_in_batches_and_records_its_own_event() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let company = company_id(&app, &c).await;
    let now = db::now_ms();
    let old: Vec<i64> = (0..7).map(|n| now - 400 * DAY_MS + n).collect();
    // One event a day younger than the setting stays.
    let mut times = old.clone();
    times.push(now - 364 * DAY_MS);
    history(&app, company, &times, 3).await;
    let key = &app.state.config.audit_key;
    let cutoff = now - 365 * DAY_MS;

    let purged = retention::purge_company(&app.state.db, key, company, cutoff, now, 3)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((purged.removed, purged.batches), (7, 3), "7 events, 3 at a time");
    let left = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE company_id = {} AND created_at < {cutoff}",
            company.0
        ))
        .await;
    assert_eq!(left, 0);
    let kept = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE company_id = {}",
            company.0
        ))
        .await;
    assert_eq!(
        kept,
        1 + 3 + 1,
        "the younger event, the recent ones and the purge's own"
    );
    let records = purge_events(&app, company).await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["removed"], 7);
    assert_eq!(records[0]["before"], cutoff);
    assert_eq!(
        verify(&app, company).await,
        Ok(Verified {
            events: 5,
            before_chain: 0
        }),
        "the chain continues from the hash the purge recorded"
    );

    // Nothing old left: a second purge writes nothing.
    let again = retention::purge_company(&app.state.db, key, company, cutoff, now, 3)
        .await
        .unwrap();
    assert_eq!(again, None);
    assert_eq!(purge_events(&app, company).await.len(), 1);
}

#[tokio::test]
async fn retention_follows_the_company_setting_and_a_later_purge_still_verifies() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let company = company_id(&app, &c).await;
    let now = db::now_ms();
    history(
        &app,
        company,
        &[now - 100 * DAY_MS, now - 40 * DAY_MS, now - 20 * DAY_MS],
        1,
    )
    .await;
    app.sql(&format!(
        "UPDATE companies SET audit_retention_days = 30 WHERE id = {}",
        company.0
    ))
    .await;
    let key = &app.state.config.audit_key;
    let purged = retention::purge_all(&app.state.db, key, now, 5000).await.unwrap();
    assert_eq!(purged.iter().map(|p| p.removed).sum::<i64>(), 2);
    assert_eq!(verify(&app, company).await.map(|v| v.events), Ok(3));
    // 50 days on: the 20-day-old event and the first purge's record are old too.
    let later = now + 50 * DAY_MS;
    let purged = retention::purge_all(&app.state.db, key, later, 5000)
        .await
        .unwrap();
    assert_eq!(purged.iter().map(|p| p.removed).sum::<i64>(), 3);
    assert_eq!(
        verify(&app, company).await.map(|v| v.events),
        Ok(1),
        "only the second purge's record is left"
    );
    // And an edit after a purge is still found.
    app.sql(&format!(
        "UPDATE audit_events SET after_json = '{{}}' WHERE company_id = {}",
        company.0
    ))
    .await;
    assert!(verify(&app, company).await.is_err());
}

#[tokio::test]
async fn a_second_instance_running_the_retention_job_at_the_same_moment_deletes_nothing_twice() {
    let app = TestApp::spawn().await;
    let other = app.spawn_sharing_database(&[]).await;
    let c = app.company("Initech").await;
    let company = company_id(&app, &c).await;
    let now = db::now_ms();
    let old: Vec<i64> = (0..9).map(|n| now - 500 * DAY_MS + n).collect();
    history(&app, company, &old, 2).await;

    let (a, b) = tokio::join!(
        retention::run_if_due(&app.state.db, &app.state.config.audit_key, "instance-a", now),
        retention::run_if_due(&other.state.db, &other.state.config.audit_key, "instance-b", now),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(
        a.is_some() != b.is_some(),
        "one instance runs the job: {a:?} {b:?}"
    );
    let purged = a.or(b).unwrap();
    assert_eq!(purged.iter().map(|p| p.removed).sum::<i64>(), 9);
    // The same day, nobody runs it again.
    let again = retention::run_if_due(
        &other.state.db,
        &other.state.config.audit_key,
        "instance-b",
        now + 1000,
    )
    .await
    .unwrap();
    assert_eq!(again, None);

    // Even two purges of one company at once (without the lease) count and remove once.
    history(&app, company, &old, 2).await;
    let key = app.state.config.audit_key.clone();
    let cutoff = now - 365 * DAY_MS;
    let (x, y) = tokio::join!(
        retention::purge_company(&app.state.db, &key, company, cutoff, now, 4),
        retention::purge_company(&other.state.db, &key, company, cutoff, now, 4),
    );
    let removed: i64 = [x.unwrap(), y.unwrap()].iter().flatten().map(|p| p.removed).sum();
    assert_eq!(removed, 9);
    assert_eq!(purge_events(&app, company).await.len(), 1);
    assert_eq!(verify(&app, company).await.map(|v| v.events), Ok(3));
}

#[tokio::test]
async fn events_from_before_the_chain_are_counted_apart_and_a_purge_over_them_verifies() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let company = company_id(&app, &c).await;
    // As an upgraded database has them: events without a hash, and the chain starting after.
    app.sql(&format!(
        "DELETE FROM audit_events WHERE company_id = {}",
        company.0
    ))
    .await;
    app.sql(&format!(
        "DELETE FROM audit_chain WHERE company_id = {}",
        company.0
    ))
    .await;
    let old = db::now_ms() - 400 * DAY_MS;
    for n in 0..2 {
        app.sql(&format!(
            "INSERT INTO audit_events (company_id, actor_name, action, target_label, created_at) \
             VALUES ({}, 'Olivia Owner', 'team.created', 'old {n}', {old})",
            company.0
        ))
        .await;
    }
    app.sql(&format!(
        "INSERT INTO audit_chain (company_id, legacy_upto) SELECT company_id, MAX(id) FROM audit_events WHERE company_id = {} GROUP BY company_id",
        company.0
    ))
    .await;
    let r = app
        .create_user(&c.owner, "Ann", &email("ann"), c.member_role, "Active")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let chained = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE company_id = {} AND hash IS NOT NULL",
            company.0
        ))
        .await as u64;
    assert_eq!(
        verify(&app, company).await,
        Ok(Verified {
            events: chained,
            before_chain: 2
        })
    );
    // Moving the chain's start (to skip an event) is seen.
    app.sql(&format!(
        "UPDATE audit_chain SET legacy_upto = legacy_upto + 1 WHERE company_id = {}",
        company.0
    ))
    .await;
    assert!(verify(&app, company).await.is_err());
    app.sql(&format!(
        "UPDATE audit_chain SET legacy_upto = legacy_upto - 1 WHERE company_id = {}",
        company.0
    ))
    .await;
    let key = &app.state.config.audit_key;
    let now = db::now_ms();
    let purged = retention::purge_company(&app.state.db, key, company, now - 365 * DAY_MS, now, 5000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(purged.removed, 2);
    assert_eq!(
        verify(&app, company).await,
        Ok(Verified {
            events: chained + 1,
            before_chain: 0
        })
    );
}

#[tokio::test]
async fn the_retention_setting_is_saved_between_30_and_3650_days_and_refused_outside() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let save = |days: &'static str| {
        let (app, cookie) = (&app, c.owner.clone());
        async move {
            app.call(
                "settings/save",
                &[
                    ("settings[company_name]", "Initech"),
                    ("settings[invitation_validity_days]", "7"),
                    ("settings[audit_retention_days]", days),
                ],
                Some(&cookie),
            )
            .await
        }
    };
    for days in ["29", "3651", "-1"] {
        let r = save(days).await;
        assert_eq!(
            r.json()["Invalid"]["field"],
            "audit_retention_days",
            "{days}: {}",
            r.body
        );
    }
    let r = save("30").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["audit_retention_days"], 30);
    let r = app.call("settings/get", &[], Some(&c.owner)).await;
    assert_eq!(r.json()["audit_retention_days"], 30);
    let r = save("3650").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn the_verify_command_prints_the_count_or_the_event_and_exits_non_zero_on_a_mismatch() {
    let app = TestApp::spawn().await;
    let (_, company) = busy_company(&app).await;
    let run = || {
        common::roster_command(
            &["audit", "verify", "--company", &company.0.to_string()],
            &app.state.config.database_url,
        )
    };
    let ok = run();
    let n = event_ids(&app, company).await.len();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout).trim(),
        format!("{n} events verified")
    );

    let victim = event_ids(&app, company).await[2];
    app.sql(&format!(
        "UPDATE audit_events SET after_json = NULL WHERE id = {victim}"
    ))
    .await;
    let bad = run();
    assert!(!bad.status.success());
    let out = String::from_utf8_lossy(&bad.stdout);
    assert!(out.contains(&format!("event {victim} at ")), "{out}");
}
