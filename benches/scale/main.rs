//! `make bench`: Roster at 100,000 users, measured over HTTP against the release server and
//! beside the floor the database gives for the same queries in the same run.
//!
//! Seeds fresh databases (SQLite, and PostgreSQL when `BENCH_PG_URL` names a server), starts
//! `target/release/roster` on each, and prints a table of figures with their goals; the goals
//! are for reading, never asserted. Also writes `target/bench/results.json`.
//!
//! A page's floor is the same data functions the server function calls (`db::users::page`:
//! the page's query and its roles and teams), run directly on a pool like the server's: no
//! HTTP, session, tab counts or JSON. The load generator shares the machine with the server.
//! `BENCH_USERS` shrinks the big company for a quick run; `BENCH_ONLY=sqlite` or
//! `BENCH_ONLY=postgres` measures one database. Before the load it prints the query plan of
//! each filtered users page (`target/bench/plans-<database>.txt`); `BENCH_PLANS_ONLY=1` stops
//! there, without the release server.

mod http;
mod seed;

use crate::http::{Http, Server};
use roster::{
    model::{AccountId, CompanyId, Grants, RoleId, SessionId, TeamId, UserId, UserListQuery, UserSort},
    server::{
        access::{perm, Access, Assignment, Can},
        assets,
        auth::CurrentUser,
        db::{self, sql::Sql, Db},
    },
};
use serde_json::json;
use std::{
    future::Future,
    path::Path,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

/// Concurrent clients of the page figures.
const CLIENTS: usize = 16;
/// Requests measured per page figure, after a warm-up of a tenth as many.
const REQUESTS: usize = 4000;
const LIVE_CHANGES: usize = 100;

#[tokio::main]
async fn main() {
    let out = Path::new("target/bench");
    std::fs::create_dir_all(out).unwrap();
    let people: usize = std::env::var("BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut report = Report::default();

    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    if only != "postgres" {
        let file = out.join("bench.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
        let sqlite = format!("sqlite://{}", file.display());
        measure_database(&mut report, "SQLite", &sqlite, people, out).await;
    }
    match std::env::var("BENCH_PG_URL") {
        _ if only == "sqlite" => {}
        Ok(base) => {
            let url = seed::fresh_postgres(&base, "roster_bench").await;
            measure_database(&mut report, "PostgreSQL", &url, people, out).await;
        }
        Err(_) => eprintln!("BENCH_PG_URL is not set: PostgreSQL skipped (make bench sets it)"),
    }
    wasm_sizes(&mut report);

    report.print();
    let path = out.join("results.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report.json).unwrap()).unwrap();
    println!("\nWrote {}", path.display());
}

/// Every figure of one database: cold start, pages against their floor, bulk change, invite,
/// live updates, memory.
async fn measure_database(report: &mut Report, name: &'static str, url: &str, people: usize, out: &Path) {
    if std::env::var("BENCH_PLANS_ONLY").is_ok_and(|v| v == "1") {
        let db = db::connect_and_migrate(url).await.unwrap();
        eprintln!("== {name}: seeding {people} + 1,000 users");
        let big = seed::company(&db, "Globex", "globex.example", people).await;
        seed::company(&db, "Initech", "initech.example", 1_000).await;
        sqlx::query("ANALYZE").execute(&db).await.unwrap();
        let admin = caller(&db, &big.admin_email).await;
        plans(name, &db, &admin, &big, out).await;
        db.close().await;
        return;
    }
    eprintln!("== {name}: starting on an empty database");
    let (server, cold) = Server::start(url, &out.join(format!("server-{name}.log"))).await;
    report.add(
        "Cold start to first served request (migrations included)",
        name,
        format!("{:.0} ms", ms(cold)),
        "≤ 1 s",
        json!({ "ms": ms(cold) }),
    );
    let db = db::connect_and_migrate(url).await.unwrap();
    eprintln!("== {name}: seeding {people} + 1,000 users");
    let started = Instant::now();
    let big = seed::company(&db, "Globex", "globex.example", people).await;
    let small = seed::company(&db, "Initech", "initech.example", 1_000).await;
    // Fresh planner statistics after the bulk load, as a database in use would have.
    sqlx::query("ANALYZE").execute(&db).await.unwrap();
    eprintln!("   seeded in {:.1} s", started.elapsed().as_secs_f64());

    let http = Http::new(&server.base);
    let cookie = http.sign_in(&big.admin_email, seed::PASSWORD).await;
    let admin = Arc::new(caller(&db, &big.admin_email).await);

    plans(name, &db, &admin, &big, out).await;

    eprintln!("== {name}: users pages");
    let deep = deep_cursor(&http, &cookie).await;
    // Each view with its goal (issue 17's, SQLite).
    let views: Vec<(&str, UserListQuery)> = vec![
        ("no filter", UserListQuery::default()),
        (
            "search \"smi\"",
            UserListQuery {
                search: "smi".into(),
                ..UserListQuery::default()
            },
        ),
        (
            "search \"émile\" (folded: Émile)",
            UserListQuery {
                search: "émile".into(),
                ..UserListQuery::default()
            },
        ),
        (
            "search \"zoe\" (Zoë, last in name order)",
            UserListQuery {
                search: "zoe".into(),
                ..UserListQuery::default()
            },
        ),
        (
            "search \"zo\" (two letters)",
            UserListQuery {
                search: "zo".into(),
                ..UserListQuery::default()
            },
        ),
        (
            "filter by team",
            UserListQuery {
                team: Some(TeamId(big.team)),
                ..UserListQuery::default()
            },
        ),
        (
            "sort by last seen",
            UserListQuery {
                sort: UserSort::LastSeen,
                desc: true,
                ..UserListQuery::default()
            },
        ),
        (
            "1,000 pages deep",
            UserListQuery {
                after: Some(deep),
                ..UserListQuery::default()
            },
        ),
    ];
    for (label, view) in views {
        let form = Arc::new(list_form(&view));
        let server_stats = {
            let (http, cookie, form) = (http.clone(), cookie.clone(), form.clone());
            load(move || {
                let (http, cookie, form) = (http.clone(), cookie.clone(), form.clone());
                async move {
                    // The status only: parsing every answer would take the server's CPU.
                    let (status, _) = http.call("users/list", &form, Some(&cookie)).await;
                    assert!(status.is_success(), "users/list answered {status}");
                }
            })
            .await
        };
        let floor = {
            let (db, view, admin) = (db.clone(), Arc::new(view), admin.clone());
            load(move || {
                let (db, view, admin) = (db.clone(), view.clone(), admin.clone());
                async move {
                    let can: Can<perm::ViewUsers> = admin.require().unwrap();
                    db::users::page(&db, &can, &view).await.unwrap();
                }
            })
            .await
        };
        report.add(
            &format!("Users page of 50, {label}: server (floor)"),
            name,
            format!(
                "p50 {:.2} ms ({:.2}), p99 {:.2} ms ({:.2}), {:.0} req/s ({:.0}); p50 ×{:.1} floor",
                server_stats.p50,
                floor.p50,
                server_stats.p99,
                floor.p99,
                server_stats.rps,
                floor.rps,
                server_stats.p50 / floor.p50
            ),
            goal(label),
            json!({ "server": server_stats.json(), "floor": floor.json(), "p50_ratio": server_stats.p50 / floor.p50 }),
        );
    }
    // At 16 clients p50 is mostly queueing (16 ÷ throughput): one client shows a request's
    // own time.
    let single = {
        let (http, cookie, form) = (
            http.clone(),
            cookie.clone(),
            Arc::new(list_form(&UserListQuery::default())),
        );
        load_from(1, REQUESTS / 4, move || {
            let (http, cookie, form) = (http.clone(), cookie.clone(), form.clone());
            async move {
                let (status, _) = http.call("users/list", &form, Some(&cookie)).await;
                assert!(status.is_success(), "users/list answered {status}");
            }
        })
        .await
    };
    report.add(
        "Users page of 50, no filter, one client",
        name,
        format!("p50 {:.2} ms, p99 {:.2} ms", single.p50, single.p99),
        "p50 ≤ 1.5 ms",
        json!({ "server": single.json() }),
    );

    // A page load: the same first page rendered to HTML, with the filters' choices and the
    // data the browser hydrates from. The soak's page loads cost this, not the JSON above.
    let rendered = {
        let (http, cookie) = (http.clone(), cookie.clone());
        load_from(CLIENTS, REQUESTS / 4, move || {
            let (http, cookie) = (http.clone(), cookie.clone());
            async move {
                let (status, _) = http.try_get("/users", Some(&cookie)).await.unwrap();
                assert!(status.is_success(), "/users answered {status}");
            }
        })
        .await
    };
    report.add(
        "Users page of 50 server-rendered (a page load), 16 clients",
        name,
        format!(
            "p50 {:.2} ms, p99 {:.2} ms, {:.0} req/s",
            rendered.p50, rendered.p99, rendered.rps
        ),
        "(no goal)",
        json!({ "server": rendered.json() }),
    );

    eprintln!("== {name}: bulk change of 10,000 users");
    bulk_change(report, name, &http, &cookie, &db, &big).await;

    eprintln!("== {name}: invite 500");
    let mut invites = Vec::new();
    for round in 0..3 {
        let mut form: Vec<(String, String)> = (0..500)
            .map(|i| {
                (
                    format!("invite[addresses][{i}]"),
                    format!("invitee.{round}.{i}@example.com"),
                )
            })
            .collect();
        form.push(("invite[role]".into(), big.member_role.to_string()));
        let started = Instant::now();
        let answer = http.json("invitations/invite", &form, &cookie).await;
        invites.push(ms(started.elapsed()));
        assert_eq!(
            answer["invited"].as_array().map(Vec::len),
            Some(500),
            "all 500 invited: {answer}"
        );
    }
    let invite_ms = median(&mut invites);
    report.add(
        "Invite 500 addresses in one request",
        name,
        format!("{invite_ms:.0} ms"),
        "(no goal)",
        json!({ "ms": invite_ms }),
    );

    // Across two instances on PostgreSQL: the change goes through one, the listeners are on
    // the other. SQLite serves one instance.
    let second = match name {
        "PostgreSQL" => Some(Server::start(url, &out.join("server-PostgreSQL-2.log")).await.0),
        _ => None,
    };
    let listen_to = Http::new(&second.as_ref().unwrap_or(&server).base);
    eprintln!("== {name}: live updates");
    live_updates(report, name, &http, &cookie, &listen_to, &big).await;

    eprintln!("== {name}: bulk delete of 1,000 users beside another company's write");
    bulk_delete(report, name, &http, &cookie, &small, &big).await;

    if name == "SQLite" {
        let (_, html) = http.try_get("/users", Some(&cookie)).await.unwrap();
        report.add(
            "SSR HTML of /users (uncompressed)",
            name,
            format!("{:.1} KB", html.len() as f64 / 1024.0),
            "(no goal)",
            json!({ "bytes": html.len() }),
        );
    }
    let rss = server.rss();
    report.add(
        "Server memory (RSS) after the load",
        name,
        format!("{:.1} MB", rss as f64 / 1_048_576.0),
        "≤ 64 MB",
        json!({ "bytes": rss }),
    );
    db.close().await;
}

/// The query plan of the users page's rows for each filter and for searches common and rare,
/// as the database tells it (SQLite's `EXPLAIN QUERY PLAN`, PostgreSQL's `EXPLAIN ANALYZE`),
/// with the time `db::users::page` takes for it alone.
/// Printed and written to `target/bench/plans-<database>.txt`; the README reads them.
async fn plans(name: &str, db: &Db, admin: &CurrentUser, big: &seed::Seeded, out: &Path) {
    let view = |f: &dyn Fn(&mut UserListQuery)| {
        let mut view = UserListQuery::default();
        f(&mut view);
        view
    };
    let views = [
        ("no filter", view(&|_| {})),
        (
            "filter by team (2,400 people)",
            view(&|v| v.team = Some(TeamId(big.team))),
        ),
        (
            "filter by role (10,000 people)",
            view(&|v| v.role = Some(RoleId(big.support_role))),
        ),
        (
            "filter by account (the root: 90,000 people)",
            view(&|v| v.account = Some(AccountId(big.root_account))),
        ),
        (
            "filter by account (a customer: 50 people)",
            view(&|v| v.account = Some(AccountId(big.customer_account))),
        ),
        (
            "search \"smi\" (5,000 people)",
            view(&|v| v.search = "smi".into()),
        ),
        (
            "search \"zoe\" (2,500 people, last by name)",
            view(&|v| v.search = "zoe".into()),
        ),
        (
            "search \"zoe zhang\" (60 people)",
            view(&|v| v.search = "zoe zhang".into()),
        ),
        ("search \"zo\" (2 letters)", view(&|v| v.search = "zo".into())),
    ];
    let mut text = String::new();
    for (label, view) in views {
        let can: Can<perm::ViewUsers> = admin.require().unwrap();
        let page = db::users::page_statement(db, &can, &view).await.unwrap();
        let lines: Vec<String> = if name == "SQLite" {
            let mut explain = Sql::new("EXPLAIN QUERY PLAN ");
            explain.append(&page);
            let rows: Vec<(i64, i64, i64, String)> = explain.fetch_all(db).await.unwrap();
            let mut depth = std::collections::HashMap::new();
            rows.into_iter()
                .map(|(id, parent, _, detail)| {
                    let d = depth.get(&parent).map_or(0, |d| d + 1);
                    depth.insert(id, d);
                    format!("{}{detail}", "  ".repeat(d))
                })
                .collect()
        } else {
            let mut explain = Sql::new("EXPLAIN (ANALYZE, BUFFERS) ");
            explain.append(&page);
            explain.scalars(db).await.unwrap()
        };
        // The page's data functions alone, one caller: what the plan costs.
        let mut times = Vec::new();
        for _ in 0..21 {
            let started = Instant::now();
            db::users::page(db, &can, &view).await.unwrap();
            times.push(ms(started.elapsed()));
        }
        text.push_str(&format!(
            "-- {label}: page {:.2} ms (median of 21, one caller)\n{}\n\n",
            median(&mut times),
            lines.join("\n")
        ));
    }
    eprintln!("== {name}: query plans of the users page\n{text}");
    std::fs::write(out.join(format!("plans-{name}.txt")), text).unwrap();
}

/// The users-list server function's form fields for a view (`query[field]=value`).
fn list_form(view: &UserListQuery) -> Vec<(String, String)> {
    let mut form = vec![
        ("tab", view.tab.key().to_string()),
        ("sort", view.sort.key().to_string()),
        ("desc", view.desc.to_string()),
        ("per_page", view.per_page.to_string()),
    ];
    if !view.search.is_empty() {
        form.push(("search", view.search.clone()));
    }
    if let Some(team) = view.team {
        form.push(("team", team.0.to_string()));
    }
    if let Some(after) = &view.after {
        form.push(("after", after.clone()));
    }
    form.into_iter()
        .map(|(k, v)| (format!("query[{k}]"), v))
        .collect()
}

/// The cursor of page 1,001, reached by following "Next" a thousand times as a person would.
async fn deep_cursor(http: &Http, cookie: &str) -> String {
    let mut view = UserListQuery::default();
    for _ in 0..1000 {
        let page = http.json("users/list", &list_form(&view), cookie).await;
        view.after = Some(page["next"].as_str().expect("1,000 pages of users").to_string());
    }
    view.after.unwrap()
}

/// The admin as the server sees them, for calling the data functions directly (the floor).
async fn caller(db: &Db, email: &str) -> CurrentUser {
    let (id, company, root): (i64, i64, i64) = sqlx::query_as(
        "SELECT u.id, u.company_id, a.id FROM users u JOIN accounts a ON a.company_id = u.company_id AND a.parent_id IS NULL
         WHERE u.email = $1",
    )
    .bind(email)
    .fetch_one(db)
    .await
    .unwrap();
    let admin = Assignment {
        account: AccountId(root),
        role_name: "Admin".into(),
        grants: Grants::of_role(Some("admin"), "", &[]),
    };
    CurrentUser {
        session_id: SessionId(0),
        id: UserId(id),
        company_id: CompanyId(company),
        name: "Adam Admin".into(),
        email: email.into(),
        company_name: "Globex".into(),
        time_zone: String::new(),
        theme: Default::default(),
        expires_at: i64::MAX,
        access: Arc::new(Access::new(AccountId(root), vec![admin], &[], Arc::from([]))),
    }
}

/// Issue 17's goal for a users page figure.
fn goal(view: &str) -> &'static str {
    match view {
        "no filter" => "≥ 2,500 req/s (SQLite)",
        "search \"smi\"" => "≥ 1,200 req/s, p99 ≤ 30 ms (SQLite)",
        "filter by team" => "≥ 1,200 req/s (SQLite)",
        v if v.starts_with("search") => "≥ 1,000 req/s (SQLite)",
        _ => "(as the unfiltered page)",
    }
}

/// Change the role of the 10,000 Support people, selected by a filter, through the server
/// function; and the same rows by one raw UPDATE.
async fn bulk_change(
    report: &mut Report,
    name: &str,
    http: &Http,
    cookie: &str,
    db: &Db,
    big: &seed::Seeded,
) {
    let mut server = Vec::new();
    let mut raw = Vec::new();
    let mut from_to = (big.support_role, big.auditor_role);
    for _ in 0..6 {
        let form: Vec<(String, String)> = [
            ("selection[matching][tab]", "all".to_string()),
            ("selection[matching][role]", from_to.0.to_string()),
            ("action[kind]", "change_role".to_string()),
            ("action[role]", from_to.1.to_string()),
        ]
        .map(|(k, v)| (k.to_string(), v))
        .to_vec();
        let started = Instant::now();
        let outcome = http.json("users/bulk/apply", &form, cookie).await;
        server.push(ms(started.elapsed()));
        assert!(outcome["changed"].as_i64().unwrap() > 0, "{outcome}");
        from_to = (from_to.1, from_to.0);
    }
    let changed = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM role_assignments WHERE role_id = $1")
        .bind(from_to.0)
        .fetch_one(db)
        .await
        .unwrap();
    for _ in 0..6 {
        let started = Instant::now();
        let mut tx = db.begin().await.unwrap();
        sqlx::query("UPDATE role_assignments SET role_id = $1 WHERE role_id = $2")
            .bind(from_to.1)
            .bind(from_to.0)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        raw.push(ms(started.elapsed()));
        from_to = (from_to.1, from_to.0);
    }
    let (server, raw) = (median(&mut server), median(&mut raw));
    report.add(
        &format!("Bulk change role of {changed} users selected by filter: server (raw UPDATE)"),
        name,
        format!("{server:.0} ms ({raw:.1} ms)"),
        "≤ 60 ms SQLite, ≤ 300 ms PostgreSQL",
        json!({ "users": changed, "server_ms": server, "raw_update_ms": raw }),
    );
}

/// The second company's admin deletes its 1,000 people in one bulk action while the first
/// company's admin saves a small change: how long the delete takes, and how long the other
/// company's write took beside it (SQLite has one writer, so it may have to wait).
async fn bulk_delete(
    report: &mut Report,
    name: &str,
    http: &Http,
    cookie: &str,
    small: &seed::Seeded,
    big: &seed::Seeded,
) {
    let small_admin = http.sign_in(&small.admin_email, seed::PASSWORD).await;
    let delete: Vec<(String, String)> = [("selection[matching][tab]", "all"), ("action[kind]", "delete")]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .to_vec();
    let other: Vec<(String, String)> = vec![
        ("selection[ids][0]".into(), big.some_people[0].to_string()),
        ("action[kind]".into(), "add_to_teams".into()),
        ("action[teams][0]".into(), big.team.to_string()),
    ];
    let started = Instant::now();
    let (deleted, other_ms) = tokio::join!(
        async {
            let outcome = http.json("users/bulk/apply", &delete, &small_admin).await;
            (outcome, ms(started.elapsed()))
        },
        async {
            // Sent just after the delete, so that it arrives while the delete is writing.
            tokio::time::sleep(Duration::from_millis(5)).await;
            let sent = Instant::now();
            http.json("users/bulk/apply", &other, cookie).await;
            ms(sent.elapsed())
        },
    );
    let (outcome, delete_ms) = deleted;
    let count = outcome["changed"].as_i64().unwrap_or(0);
    assert!(count >= 1_000, "the 1,000 people were deleted: {outcome}");
    report.add(
        &format!("Bulk delete of {count} users: server (another company's write beside it)"),
        name,
        format!("{delete_ms:.0} ms ({other_ms:.0} ms)"),
        "≤ 300 ms SQLite, the other write ≤ 300 ms",
        json!({ "users": count, "delete_ms": delete_ms, "other_write_ms": other_ms }),
    );
}

/// Time from sending a small bulk change until both subscribed streams have its event.
async fn live_updates(
    report: &mut Report,
    name: &str,
    http: &Http,
    cookie: &str,
    listen_to: &Http,
    big: &seed::Seeded,
) {
    let mut streams = Vec::new();
    for _ in 0..2 {
        let session = listen_to.sign_in(&big.admin_email, seed::PASSWORD).await;
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let client = listen_to.clone();
        tokio::spawn(async move { client.listen(&session, ready_tx, tx).await });
        ready_rx.await.expect("the stream is ready");
        streams.push(rx);
    }
    let mut latencies = Vec::new();
    for n in 0..LIVE_CHANGES {
        for stream in &mut streams {
            while stream.try_recv().is_ok() {}
        }
        let mut form: Vec<(String, String)> = big
            .some_people
            .iter()
            .enumerate()
            .map(|(i, id)| (format!("selection[ids][{i}]"), id.to_string()))
            .collect();
        let kind = if n % 2 == 0 {
            "add_to_teams"
        } else {
            "remove_from_teams"
        };
        form.push(("action[kind]".into(), kind.into()));
        form.push(("action[teams][0]".into(), big.team.to_string()));
        let started = Instant::now();
        http.json("users/bulk/apply", &form, cookie).await;
        let mut last = started;
        for stream in &mut streams {
            let arrived = tokio::time::timeout(Duration::from_secs(5), stream.recv())
                .await
                .expect("the event arrives within 5 s")
                .unwrap();
            last = last.max(arrived);
        }
        latencies.push(ms(last - started));
    }
    latencies.sort_by(f64::total_cmp);
    let (p50, p95) = (percentile(&latencies, 50.0), percentile(&latencies, 95.0));
    let how = if name == "PostgreSQL" {
        "2 SSE clients on a second instance"
    } else {
        "2 SSE clients"
    };
    report.add(
        &format!("Live update, request sent to event at {how}"),
        name,
        format!("p50 {p50:.1} ms, p95 {p95:.1} ms over {LIVE_CHANGES} changes"),
        "p95 ≤ 300 ms",
        json!({ "p50_ms": p50, "p95_ms": p95, "changes": LIVE_CHANGES }),
    );
}

/// The browser bundle as built (`target/site/pkg`), raw and compressed at the strongest levels.
fn wasm_sizes(report: &mut Report) {
    let wasm = std::fs::read_dir("target/site/pkg")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0));
    let Some(wasm) = wasm else {
        eprintln!("no WASM in target/site/pkg: build with `cargo leptos build --release`");
        return;
    };
    let bytes = std::fs::read(&wasm).unwrap();
    let gzip = assets::gzip_best(&bytes).unwrap().len();
    let brotli = assets::brotli_best(&bytes).unwrap().len();
    let kb = |n: usize| n as f64 / 1024.0;
    report.add(
        "WASM bundle: raw / gzip / brotli",
        "-",
        format!(
            "{:.0} KB / {:.0} KB / {:.0} KB",
            kb(bytes.len()),
            kb(gzip),
            kb(brotli)
        ),
        "≤ 200 KB brotli",
        json!({ "raw": bytes.len(), "gzip": gzip, "brotli": brotli }),
    );
}

// --- Measuring ---

struct Stats {
    p50: f64,
    p99: f64,
    rps: f64,
}

impl Stats {
    fn json(&self) -> serde_json::Value {
        json!({ "p50_ms": self.p50, "p99_ms": self.p99, "rps": self.rps })
    }
}

/// Runs `request` from [`CLIENTS`] concurrent tasks: a warm-up, then [`REQUESTS`] timed ones.
async fn load<F, Fut>(request: F) -> Stats
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    load_from(CLIENTS, REQUESTS, request).await
}

/// `total` requests from `clients` concurrent clients, after a warm-up of a tenth as many.
async fn load_from<F, Fut>(clients: usize, total: usize, request: F) -> Stats
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    run(clients, request.clone(), total / 10).await;
    let started = Instant::now();
    let mut latencies = run(clients, request, total).await;
    let elapsed = started.elapsed();
    latencies.sort_by(f64::total_cmp);
    Stats {
        p50: percentile(&latencies, 50.0),
        p99: percentile(&latencies, 99.0),
        rps: latencies.len() as f64 / elapsed.as_secs_f64(),
    }
}

async fn run<F, Fut>(clients: usize, request: F, total: usize) -> Vec<f64>
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (request, next) = (request.clone(), next.clone());
            tokio::spawn(async move {
                let mut times = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < total {
                    let started = Instant::now();
                    request().await;
                    times.push(ms(started.elapsed()));
                }
                times
            })
        })
        .collect();
    let mut all = Vec::with_capacity(total);
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    percentile(values, 50.0)
}

// --- Reporting ---

/// Every figure as written to `results.json`; the printed table is read from the same rows.
#[derive(Default)]
struct Report {
    json: Vec<serde_json::Value>,
}

impl Report {
    fn add(&mut self, figure: &str, database: &str, result: String, goal: &str, values: serde_json::Value) {
        eprintln!("   {figure} [{database}]: {result}");
        self.json.push(json!({ "figure": figure, "database": database, "result": result, "goal": goal, "values": values }));
    }

    /// A Markdown table, ready for the README.
    fn print(&self) {
        println!("\n| Figure | Database | Result | Goal |\n|---|---|---|---|");
        for row in &self.json {
            let cell = |key: &str| row[key].as_str().unwrap_or_default().to_string();
            println!(
                "| {} | {} | {} | {} |",
                cell("figure"),
                cell("database"),
                cell("result"),
                cell("goal")
            );
        }
    }
}
