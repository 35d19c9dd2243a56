//! What a bulk change of 10,000 users costs, timed (ignored: run in release mode by hand,
//! `cargo test --release --test bulk_cost -- --ignored --nocapture`). It measured the audit
//! chain's cost on the bulk change (README, "Audit log"). With `RUST_LOG=sqlx::query=debug`
//! it prints each statement and its time.

mod common;

use common::TestApp;
use http::StatusCode;
use roster::server::db::{self, bulk::insert_rows, search, sql::Value};
use std::time::Instant;

const PEOPLE: usize = 10_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a timing, for release builds"]
async fn a_bulk_role_change_of_10000_users_takes() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .try_init();
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let company = app.company_of(&c.owner_email).await;
    let root = app.root_account(&c.owner_email).await;
    let (_, mut tx) = db::begin_write(&app.state.db).await.unwrap();
    let mut ids = Vec::new();
    for chunk in (0..PEOPLE).collect::<Vec<_>>().chunks(400) {
        let mut sql = db::sql::Sql::new(
            "INSERT INTO users (company_id, email, name, status, created_at, updated_at, search_key) VALUES ",
        );
        for (k, i) in chunk.iter().enumerate() {
            let (email, name) = (format!("person{i}@initech.example"), format!("Person {i}"));
            let row: [Value; 7] = [
                company.into(),
                email.as_str().into(),
                name.as_str().into(),
                "active".into(),
                0i64.into(),
                0i64.into(),
                search::person_key(&name, &email).into(),
            ];
            sql.push(if k == 0 { "(" } else { ", (" }).list(row).push(")");
        }
        sql.push(" RETURNING id");
        ids.extend(sql.scalars::<i64>(&mut *tx).await.unwrap());
    }
    let rows = ids
        .iter()
        .map(|id| vec![Value::Int(*id), Value::Int(root), Value::Int(c.member_role)])
        .collect();
    insert_rows(&mut tx, "role_assignments (user_id, account_id, role_id)", rows)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut times = Vec::new();
    let mut from_to = (c.member_role, c.admin_role);
    for _ in 0..6 {
        let form = [
            ("selection[matching][tab]", "all".to_string()),
            ("selection[matching][role]", from_to.0.to_string()),
            ("action[kind]", "change_role".to_string()),
            ("action[role]", from_to.1.to_string()),
        ];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let started = Instant::now();
        let r = app.call("users/bulk/apply", &form, Some(&c.owner)).await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["changed"], PEOPLE, "{}", r.body);
        from_to = (from_to.1, from_to.0);
    }
    times.sort_by(f64::total_cmp);
    eprintln!(
        "bulk change of the role of {PEOPLE} users: median {:.0} ms (runs: {times:.0?})",
        (times[2] + times[3]) / 2.0
    );

    // The floor of an event per person: the last change's events written again by one
    // `INSERT … SELECT` from the table itself (nothing read into Rust, no sealing, no JSON),
    // into the same indexes.
    let mut floors = Vec::new();
    for round in 1..=3i64 {
        let (_, mut tx) = db::begin_write(&app.state.db).await.unwrap();
        let started = Instant::now();
        sqlx::query(
            "INSERT INTO audit_events (id, company_id, actor_id, actor_ref, actor_name, actor_kind, action,
               target_user_id, target_ref, target_label, before_json, after_json, created_at, ip, hash,
               account_ref, account_label, search_key)
             SELECT id + $1, company_id, actor_id, actor_ref, actor_name, actor_kind, action, target_user_id,
               target_ref, target_label, before_json, after_json, created_at, ip, hash, account_ref,
               account_label, search_key
             FROM audit_events WHERE id > (SELECT MAX(id) FROM audit_events) - $2",
        )
        .bind(round * 1_000_000)
        .bind(PEOPLE as i64)
        .execute(&mut *tx)
        .await
        .unwrap();
        floors.push(started.elapsed().as_secs_f64() * 1000.0);
        tx.rollback().await.unwrap();
    }
    eprintln!("{PEOPLE} events copied by one INSERT … SELECT: {floors:.0?} ms");
}
