//! `make soak`: the release server under a steady, realistic load for a long while, to show
//! what a benchmark's minute does not: latency that creeps, memory that grows, a backlog
//! that builds, a database that swells.
//!
//! SQLite first (one server), then PostgreSQL (two servers sharing the database, the requests
//! alternating between them), each holding the bench's company of 100,000 people
//! (`SOAK_USERS`). For `SOAK_MINUTES` (10) it sends `SOAK_RATE` (200) requests a second on a
//! fixed schedule, whatever the answers take (an open loop, so a slow server is not given time
//! to recover): 80 % page views (the users table with search, filters and sorting, half as
//! server-rendered pages, half as the browser's list calls), 15 % edits (a person's role), 5 %
//! bulk changes (the ~50 people of a customer account) and invitations of three addresses, with two live-update
//! subscribers open throughout and the outbox delivered to a real SMTP sink. Each minute it
//! prints the requests refused busy (load shedding's 503) and those that failed, p50 and p99
//! latency of those served, the servers' RSS, the outbox backlog and the database's
//! size, and writes them to `target/bench/soak.json`. Goals are printed, not asserted.

#[path = "../scale/http.rs"]
#[allow(dead_code)] // Shared with the scale bench, which uses all of it.
mod http;
#[path = "../scale/seed.rs"]
#[allow(dead_code)] // Shared with the scale bench, which reads every field.
mod seed;
#[path = "../../tests/common/smtp.rs"]
#[allow(dead_code)] // The mail tests' sink; only its address is used here.
mod smtp;

use crate::http::{Http, Server};
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use roster::server::db;
use serde_json::json;
use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::mpsc;

/// What one request came to: the minute it was sent in, its latency and whether it succeeded.
struct Outcome {
    minute: usize,
    ms: f64,
    answer: Answer,
}

/// How a request was answered: served, refused as busy (load shedding: 503), or otherwise
/// failed.
#[derive(Clone, Copy, PartialEq)]
enum Answer {
    Served,
    Busy,
    Failed,
}

impl Answer {
    fn of(result: Result<(::http::StatusCode, impl Sized), String>) -> Answer {
        match result {
            Ok((status, _)) if status.is_success() => Answer::Served,
            Ok((::http::StatusCode::SERVICE_UNAVAILABLE, _)) => Answer::Busy,
            _ => Answer::Failed,
        }
    }
}

#[tokio::main]
async fn main() {
    let env = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (minutes, rate, people) = (
        env("SOAK_MINUTES", 10),
        env("SOAK_RATE", 200),
        env("SOAK_USERS", 100_000),
    );
    let out = Path::new("target/bench");
    std::fs::create_dir_all(out).unwrap();
    let sink = smtp::SmtpSink::start();
    std::env::set_var("ROSTER_SMTP_URL", sink.url());
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let mut report = Vec::new();
    if only != "postgres" {
        let file = out.join("soak.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
        let url = format!("sqlite://{}", file.display());
        report.push(soak("SQLite", &url, 1, people, minutes, rate, out).await);
    }
    if only != "sqlite" {
        match std::env::var("BENCH_PG_URL") {
            Ok(base) => {
                let url = seed::fresh_postgres(&base, "roster_soak").await;
                report.push(soak("PostgreSQL", &url, 2, people, minutes, rate, out).await);
            }
            Err(_) => eprintln!("BENCH_PG_URL is not set: PostgreSQL skipped (make soak sets it)"),
        }
    }
    let path = out.join("soak.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    println!("\nGoals: 0 errors, none refused busy and none unanswered within 2 s of its minute's end; p50 and p99 flat from minute to minute; RSS flat after warm-up, ≤ 64 MB; the outbox drained.");
    println!("Wrote {}", path.display());
}

/// One database's soak; answers its minutes as JSON.
async fn soak(
    name: &str,
    url: &str,
    instances: usize,
    people: usize,
    minutes: usize,
    rate: usize,
    out: &Path,
) -> serde_json::Value {
    let db = db::connect_and_migrate(url).await.unwrap();
    eprintln!("== {name}: seeding {people} users");
    let big = Arc::new(seed::company(&db, "Globex", "globex.example", people).await);
    sqlx::query("ANALYZE").execute(&db).await.unwrap();
    let mut servers = Vec::new();
    for n in 0..instances {
        servers.push(
            Server::start(url, &out.join(format!("soak-{name}-{n}.log")))
                .await
                .0,
        );
    }
    let clients: Vec<Http> = servers.iter().map(|s| Http::new(&s.base)).collect();
    let cookie = Arc::new(clients[0].sign_in(&big.admin_email, seed::PASSWORD).await);
    // Two people watching the users table live, on the first and the last instance.
    for client in [&clients[0], &clients[instances - 1]] {
        let (ready, subscribed) = tokio::sync::oneshot::channel();
        let (arrivals, mut events) = mpsc::unbounded_channel();
        let (client, cookie) = (client.clone(), cookie.clone());
        tokio::spawn(async move { client.listen(&cookie, ready, arrivals).await });
        subscribed.await.unwrap();
        tokio::spawn(async move { while events.recv().await.is_some() {} });
    }

    eprintln!("== {name}: {rate} requests/s for {minutes} min");
    let (sent, mut outcomes) = mpsc::unbounded_channel::<Outcome>();
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut rng = StdRng::seed_from_u64(7);
    let mut rows = Vec::new();
    let mut n: u64 = 0;
    let mut minute_done = 0;
    // Per minute: requests sent; of those answered, the latencies of the served ones, and
    // how many were refused busy or failed.
    let mut sent_in = vec![0usize; minutes + 1];
    let mut answered: Vec<(Vec<f64>, usize, usize)> = vec![(Vec::new(), 0, 0); minutes + 1];
    println!("\n{name}: minute | sent | unanswered | busy | errors | p50 ms | p99 ms (served) | RSS MB | outbox backlog | database MB");
    while minute_done < minutes {
        tick.tick().await;
        let minute = (started.elapsed().as_secs() / 60) as usize;
        if minute > minute_done {
            // The minute's requests had their answers, or are late enough to count as errors.
            tokio::time::sleep(Duration::from_secs(2)).await;
            while let Ok(o) = outcomes.try_recv() {
                let (latencies, busy, errors) = &mut answered[o.minute.min(minutes)];
                match o.answer {
                    Answer::Served => latencies.push(o.ms),
                    Answer::Busy => *busy += 1,
                    Answer::Failed => *errors += 1,
                }
            }
            let (latencies, busy, errors) = &mut answered[minute_done];
            let (busy, errors) = (*busy, *errors);
            latencies.sort_by(f64::total_cmp);
            let unanswered = sent_in[minute_done] - latencies.len() - busy - errors;
            let at = |q: f64| {
                latencies
                    .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
                    .copied()
                    .unwrap_or(0.0)
            };
            let rss: u64 = servers.iter().map(Server::rss).sum();
            let backlog: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL")
                    .fetch_one(&db)
                    .await
                    .unwrap();
            let size = database_bytes(&db, url).await;
            println!(
                "{name}: {:>6} | {:>4} | {unanswered:>10} | {busy:>4} | {errors:>6} | {:>6.2} | {:>15.2} | {:>6.1} | {backlog:>14} | {:>11.1}",
                minute_done + 1,
                sent_in[minute_done],
                at(0.5),
                at(0.99),
                rss as f64 / 1e6,
                size as f64 / 1e6
            );
            rows.push(json!({
                "minute": minute_done + 1, "sent": sent_in[minute_done], "unanswered": unanswered, "busy": busy, "errors": errors,
                "p50_ms": at(0.5), "p99_ms": at(0.99), "rss_bytes": rss,
                "outbox_backlog": backlog, "database_bytes": size,
            }));
            minute_done += 1;
            continue;
        }
        n += 1;
        sent_in[minute.min(minutes)] += 1;
        let client = clients[(n as usize) % instances].clone();
        let (cookie, big, sent) = (cookie.clone(), big.clone(), sent.clone());
        let pick: u32 = rng.gen_range(0..100);
        let seed: u64 = rng.gen();
        tokio::spawn(async move {
            let began = Instant::now();
            let answer = request(&client, &cookie, &big, pick, seed).await;
            let _ = sent.send(Outcome {
                minute,
                ms: began.elapsed().as_secs_f64() * 1e3,
                answer,
            });
        });
    }
    drop(servers);
    db.close().await;
    json!({ "database": name, "instances": instances, "rate": rate, "users": people, "minutes": rows })
}

/// One request of the mix (`pick` of 100), and how it was answered.
async fn request(client: &Http, cookie: &str, big: &seed::Seeded, pick: u32, seed: u64) -> Answer {
    let mut rng = StdRng::seed_from_u64(seed);
    let views: [Vec<(&str, String)>; 7] = [
        vec![("tab", "all".into())],
        vec![("tab", "active".into())],
        vec![("search", "smi".into())],
        vec![("search", "zoe".into())],
        vec![("team", big.team.to_string())],
        vec![("role", big.support_role.to_string())],
        vec![("sort", "last_seen".into()), ("dir", "desc".into())],
    ];
    let view = views.choose(&mut rng).unwrap();
    let person = *big.some_people.choose(&mut rng).unwrap();
    let role = if rng.gen_bool(0.5) {
        big.member_role
    } else {
        big.support_role
    };
    let form = |pairs: Vec<(String, String)>| pairs;
    let (endpoint, fields) = match pick {
        0..=39 => {
            let query: Vec<String> = view.iter().map(|(k, v)| format!("{k}={v}")).collect();
            return Answer::of(
                client
                    .try_get(&format!("/users?{}", query.join("&")), Some(cookie))
                    .await,
            );
        }
        40..=79 => (
            "users/list",
            form(
                view.iter()
                    .map(|(k, v)| (format!("query[{k}]"), v.clone()))
                    .collect(),
            ),
        ),
        80..=94 => (
            "users/change_role",
            form(vec![
                ("id".into(), person.to_string()),
                ("role".into(), role.to_string()),
            ]),
        ),
        95..=97 => (
            "users/bulk/apply",
            form(vec![
                ("selection[matching][tab]".into(), "all".into()),
                (
                    "selection[matching][account]".into(),
                    big.customer_account.to_string(),
                ),
                ("action[kind]".into(), "change_role".into()),
                ("action[role]".into(), role.to_string()),
            ]),
        ),
        _ => {
            let mut fields: Vec<(String, String)> = (0..3)
                .map(|i| {
                    (
                        format!("invite[addresses][{i}]"),
                        format!("soak.{seed}.{i}@example.com"),
                    )
                })
                .collect();
            fields.push(("invite[role]".into(), big.member_role.to_string()));
            ("invitations/invite", fields)
        }
    };
    Answer::of(client.try_call(endpoint, &fields, Some(cookie)).await)
}

/// The database's size on disk: SQLite's file and its write-ahead log, PostgreSQL's database.
async fn database_bytes(db: &db::Db, url: &str) -> i64 {
    match db::sqlite_path(url) {
        Some(file) => ["", "-wal"]
            .iter()
            .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", file.display())).ok())
            .map(|m| m.len() as i64)
            .sum(),
        None => sqlx::query_scalar("SELECT pg_database_size(current_database())")
            .fetch_one(db)
            .await
            .unwrap(),
    }
}
