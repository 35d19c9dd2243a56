use axum::serve::ListenerExt;
use roster::server::{
    backup,
    config::{Config, LogFormat},
    connections, copy, db,
    live::Live,
    logs,
    mailer::Mailer,
    memory, metrics, router,
    state::AppState,
};
use std::{net::SocketAddr, path::Path, process::ExitCode, sync::Arc, time::Duration};

fn main() -> ExitCode {
    // Before the runtime starts its threads: arenas made before it are kept.
    memory::tune();
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(start()),
        Err(error) => {
            eprintln!("Roster could not start: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn start() -> ExitCode {
    dotenvy::dotenv().ok();
    match LogFormat::from_lookup(|name| std::env::var(name).ok()) {
        Ok(format) => logs::init(format),
        Err(message) => {
            eprintln!("Roster could not start: {message}");
            return ExitCode::FAILURE;
        }
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        [] => match run().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                tracing::error!("{message}");
                eprintln!("Roster could not start: {message}");
                ExitCode::FAILURE
            }
        },
        ["backup", file] => command(backup::backup(&database_url(), Path::new(file)).await),
        ["restore", file] => command(backup::restore(&database_url(), Path::new(file)).await),
        ["audit", "verify", rest @ ..] => audit_verify(rest).await,
        ["copy", "--to", to] => command(copy::copy(&database_url(), to).await),
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

const USAGE: &str =
    "usage: roster                               serve (settings from the environment, see README)
       roster backup <file>                 snapshot the SQLite database into a new file
       roster restore <file>                replace the SQLite database (no server running)
       roster audit verify [--company ID]   check the audit log's hash chain
       roster copy --to <postgres-url>      copy the SQLite database into an empty PostgreSQL one";

/// The database the server would use (`DATABASE_URL`, as [`Config`] reads it).
fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| roster::server::config::DEFAULT_DATABASE_URL.into())
}

/// Prints a command's outcome and turns it into the exit code.
fn command(outcome: Result<String, String>) -> ExitCode {
    match outcome {
        Ok(done) => {
            println!("{done}");
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("{why}");
            ExitCode::FAILURE
        }
    }
}

/// `roster audit verify [--company ID]`: walks the audit chain; exit code 0 when every event
/// matches, 1 with the first that does not (or on a connection error), 2 on a usage error.
async fn audit_verify(args: &[&str]) -> ExitCode {
    let company = match args {
        [] => None,
        ["--company", id] => match id.parse() {
            Ok(id) => Some(roster::model::CompanyId(id)),
            Err(_) => {
                eprintln!("--company takes a company id (a number)\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let verified = async {
        let mut config = Config::from_env().map_err(|e| e.to_string())?;
        config.load_audit_key(false)?;
        let db = db::connect_and_migrate(&config.database_url)
            .await
            .map_err(|e| e.to_string())?;
        db::chain::verify(&db, &config.audit_key, company)
            .await
            .map_err(|e| e.to_string())
    };
    match verified.await {
        Ok(Ok(v)) => {
            if v.before_chain > 0 {
                println!(
                    "{} events verified ({} earlier events predate the chain and are not covered)",
                    v.events, v.before_chain
                );
            } else {
                println!("{} events verified", v.events);
            }
            ExitCode::SUCCESS
        }
        Ok(Err(mismatch)) => {
            println!("{mismatch}");
            ExitCode::FAILURE
        }
        Err(message) => {
            eprintln!("roster audit verify: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let mut config = Config::from_env().map_err(|e| e.to_string())?;
    // One server per SQLite database (its live updates are in-process); `roster restore`
    // waits for this lock to be free.
    let _lock = backup::lock_for_server(&config.database_url)?;
    config.load_audit_key(true)?;
    let site_root = std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into());
    let leptos_options = router::leptos_options(&site_root, config.addr);
    let db = db::connect_and_migrate(&config.database_url)
        .await
        .map_err(|e| e.to_string())?;
    if config.demo {
        if let Some(owner) = db::demo::seed_if_empty(&db, &config.audit_key, config.demo_users)
            .await
            .map_err(|e| e.to_string())?
        {
            println!();
            println!(
                "  Created the demo company \"Acme\". Sign in at {}/login as",
                config.public_url
            );
            println!("    email:    {}", owner.email);
            println!("    password: {}", owner.password);
            println!("  The password is shown only this once.");
            println!();
        }
    }
    spawn_session_sweeper(db.clone(), config.session_idle);
    spawn_statistics_refresh(db.clone());
    memory::spawn_trimmer();
    spawn_audit_retention(db.clone(), config.audit_key.clone());
    let (mailer, mail_worker) =
        Mailer::start(db.clone(), &config).map_err(|e| format!("ROSTER_SMTP_URL: {e}"))?;
    let live = Live::start(&config.database_url, db.clone()).await;
    let streams = live.clone();
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    tracing::info!(
        "Roster is serving {} (listening on {})",
        config.public_url,
        config.addr
    );
    let metrics_addr = config.metrics_addr;
    let max_connections = config
        .max_connections
        .unwrap_or_else(connections::default_max_open);
    let state = AppState {
        leptos_options,
        db,
        config: Arc::new(config),
        mailer,
        live,
        counts: Default::default(),
    };
    if let Some(addr) = metrics_addr {
        serve_metrics(addr, state.clone()).await?;
    }
    let app = router::build(state);
    // A listener of our own, tapped so that axum gives the client's address as for a TCP one.
    let listener = connections::Capped::new(listener, max_connections, connections::IDLE).tap_io(|_| ());
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // Open live streams would hold the shutdown open; their pages reconnect elsewhere.
            streams.close_streams();
        })
        .await
        .map_err(|e| e.to_string())?;
    if let Some(worker) = mail_worker {
        worker.stop().await;
    }
    tracing::info!("Roster stopped");
    Ok(())
}

/// Records metrics from now on and serves them on `addr` (`ROSTER_METRICS_ADDR`), apart from
/// the app; the task ends with the process.
async fn serve_metrics(addr: SocketAddr, state: AppState) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} for metrics: {e}"))?;
    let handle = metrics::recorder();
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(metrics::UPKEEP);
        loop {
            tick.tick().await;
            upkeep.run_upkeep();
        }
    });
    tracing::info!("serving metrics on http://{addr}{}", metrics::METRICS_PATH);
    let app = metrics::router(state, handle);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the metrics listener stopped");
        }
    });
    Ok(())
}

/// Deletes expired sessions now and then (expiry itself is checked on every request), join
/// requests whose address was never confirmed, old email counts and undo records past keeping.
fn spawn_session_sweeper(db: db::Db, idle: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(error) = db::sessions::delete_expired(&db, db::now_ms(), idle.as_millis() as i64).await
            {
                tracing::warn!(%error, "could not sweep expired sessions");
            }
            if let Err(error) = db::joins::purge_unconfirmed(&db, db::now_ms()).await {
                tracing::warn!(%error, "could not purge unconfirmed join requests");
            }
            if let Err(error) = db::quota::sweep(&db, db::now_ms()).await {
                tracing::warn!(%error, "could not sweep old email counts");
            }
            if let Err(error) = db::bulk::sweep(&db, db::now_ms()).await {
                tracing::warn!(%error, "could not sweep old undo records");
            }
        }
    });
}

/// SQLite's planner statistics follow the data every minute rather than when a connection
/// next opens (up to 30 minutes): a company that grew tenfold meanwhile was planned as the
/// small one it had been (see db::refresh_planner_statistics).
fn spawn_statistics_refresh(db: db::Db) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(error) = db::refresh_planner_statistics(&db).await {
                tracing::warn!(%error, "could not refresh the planner's statistics");
            }
        }
    });
}

/// The audit log's retention job (db::retention): looked at hourly, run daily by whichever
/// instance takes its lease first.
fn spawn_audit_retention(db: db::Db, key: db::chain::AuditKey) {
    let holder = roster::server::token::generate()[..16].to_string();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match db::retention::run_if_due(&db, &key, &holder, db::now_ms()).await {
                Ok(Some(purged)) => {
                    for p in purged {
                        tracing::info!(
                            company = p.company.0,
                            removed = p.removed,
                            "purged old audit events"
                        );
                    }
                }
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "could not purge old audit events"),
            }
        }
    });
}

/// Ctrl-C or SIGTERM: stop accepting, finish the requests in flight, then exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
