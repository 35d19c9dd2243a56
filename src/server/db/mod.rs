//! All SQL lives here, one file per aggregate. One code path serves SQLite and PostgreSQL
//! through sqlx's Any driver: times are BIGINT Unix milliseconds, flags 0/1 integers, and
//! placeholders `$1, $2` (see the README's architecture section for why).

pub mod accounts;
pub mod assignments;
pub mod audit;
pub mod audit_log;
pub mod bulk;
pub mod chain;
pub mod companies;
pub mod demo;
pub mod hierarchy;
pub mod invitations;
pub mod joins;
pub mod keyset;
pub mod known_devices;
pub mod lifecycle;
pub mod outbox;
pub mod plan;
pub mod profile;
pub mod quota;
pub mod reset;
pub mod retention;
pub mod roles;
pub mod scope;
pub mod search;
pub mod sessions;
pub mod sql;
pub mod teams;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod write;

use sqlx::{any::AnyPoolOptions, Executor};
use std::time::{SystemTime, UNIX_EPOCH};

pub type Db = sqlx::AnyPool;

/// Which database a URL names; the two migration folders hold the same steps in each dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    /// The database behind a pool (`connect_and_migrate` connects to no other).
    pub fn of_pool(db: &Db) -> Backend {
        match db.connect_options().database_url.scheme() {
            "sqlite" => Backend::Sqlite,
            _ => Backend::Postgres,
        }
    }

    /// The database a connection (or a transaction) talks to.
    pub fn of_connection(conn: &sqlx::AnyConnection) -> Backend {
        match conn.backend_name() {
            "SQLite" => Backend::Sqlite,
            _ => Backend::Postgres,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("DATABASE_URL must start with sqlite:// or postgres://, not '{0}'")]
    UnknownScheme(String),
    #[error("could not create the folder for the SQLite file: {0}")]
    Folder(#[from] std::io::Error),
    #[error("could not connect to the database: {0}")]
    Connect(#[from] sqlx::Error),
    #[error("could not apply the migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// What each pooled SQLite connection may hold in memory: a page cache of at most 1 MiB and
/// no memory-mapped reads (a mapping of the database would count in the server's RSS). A
/// connection's page cache, schema and prepared statements are most of the server's memory
/// after a load: measured on 100,000 users (the debug server, 1,800 mixed page requests from
/// 16 clients), RSS grew 56 MB with 8 connections of 2 MiB, 31 MB with 4, 20 MB with 4 of
/// 1 MiB. A process-wide soft heap limit (32 MiB) and mimalloc instead of glibc's malloc were
/// tried and left out: neither lowered it.
const SQLITE_MEMORY: &str = "PRAGMA cache_size = -1000; PRAGMA mmap_size = 0;";
/// Pooled SQLite connections: readers run beside the one writer in WAL mode; four hold half
/// the memory of eight (see above).
const SQLITE_CONNECTIONS: u32 = 4;

/// Connects to `url` and applies the migrations of its dialect.
pub async fn connect_and_migrate(url: &str) -> Result<Db, DbSetupError> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of(url).ok_or_else(|| DbSetupError::UnknownScheme(url.to_string()))?;
    let url = match backend {
        Backend::Sqlite => sqlite_url(url)?,
        Backend::Postgres => url.to_string(),
    };
    let db = AnyPoolOptions::new()
        .max_connections(if backend == Backend::Sqlite {
            SQLITE_CONNECTIONS
        } else {
            16
        })
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // WAL lets readers run beside the one writer; NORMAL sync is safe with WAL.
                    conn.execute(
                        "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                    )
                    .await?;
                    conn.execute(SQLITE_MEMORY).await?;
                    // Nothing else gives SQLite's planner statistics: without them it read a
                    // filter's 10,000 users by walking the company's 100,000. A connection
                    // opened for a page while a change holds the write lock must not wait for
                    // it (the page waited with it): this tries once.
                    refresh_statistics_on(conn).await?;
                }
                Ok(())
            })
        })
        .connect(&url)
        .await?;
    migrator(backend).run(&db).await?;
    search::fill_missing(&db).await?;
    Ok(db)
}

/// SQLite's planner statistics of a table under this many rows are dropped: they describe a
/// table that has barely begun (a fresh company's), and a plan made for a row or two scans
/// where an index serves once it has grown. Without them SQLite assumes a large table.
const SMALL_TABLE: i64 = 1_000;

/// The statistics as stored, to tell whether a refresh changed them ("" before there are any).
async fn stored_statistics(conn: &mut sqlx::AnyConnection) -> String {
    sqlx::query_scalar(
        "SELECT COALESCE(group_concat(s, ';'), '')
         FROM (SELECT tbl || ':' || COALESCE(idx, '') || ':' || stat AS s FROM sqlite_stat1 ORDER BY s)",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap_or_default()
}

/// Brings SQLite's planner statistics up to date for every connection of the pool, on `conn`
/// (when it opens, and every minute: [`refresh_planner_statistics`]). SQLite's advice for
/// long-lived connections, bounded in cost (`analysis_limit`). A connection reads the
/// statistics only when it loads the schema, so another's analysis does not reach it: when they
/// changed, the schema changes too (a table made and dropped), which makes every connection
/// read them again before its next statement. Analysing takes the write lock; with a change
/// holding it, this tries once and leaves it to the next refresh.
async fn refresh_statistics_on(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    conn.execute("PRAGMA busy_timeout = 0").await?;
    if let Err(error) = analyse(conn).await {
        tracing::debug!(%error, "planner statistics left to the next refresh");
    }
    conn.execute("PRAGMA busy_timeout = 5000").await?;
    Ok(())
}

async fn analyse(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    let mut tx = conn.begin().await?;
    let before = stored_statistics(&mut tx).await;
    (&mut *tx)
        .execute("PRAGMA analysis_limit = 400; PRAGMA optimize = 0x10002;")
        .await?;
    if stored_statistics(&mut tx).await == before {
        return Ok(()); // nothing analysed
    }
    // By table: a partial index's count is its own entries (a few, by design), and an index
    // without statistics makes `optimize` analyse its whole table again.
    (&mut *tx)
        .execute(
            format!(
                "DELETE FROM sqlite_stat1 WHERE tbl IN (SELECT tbl FROM sqlite_stat1 GROUP BY tbl
                   HAVING MAX(CAST(stat AS INTEGER)) < {SMALL_TABLE})"
            )
            .as_str(),
        )
        .await?;
    if stored_statistics(&mut tx).await != before {
        (&mut *tx)
            .execute(
                "CREATE TABLE planner_statistics_changed (x INTEGER); DROP TABLE planner_statistics_changed;",
            )
            .await?;
    }
    // This connection's own statistics, without the small tables'.
    (&mut *tx).execute("ANALYZE sqlite_schema").await?;
    tx.commit().await
}

/// [`refresh_statistics_on`] a connection of the pool (a no-op on PostgreSQL, whose
/// autovacuum keeps statistics every session shares). The server runs it every minute.
pub async fn refresh_planner_statistics(db: &Db) -> Result<(), sqlx::Error> {
    if Backend::of_pool(db) != Backend::Sqlite {
        return Ok(());
    }
    refresh_statistics_on(&mut *db.acquire().await?).await
}

/// The migrations of a dialect, as built into the server.
fn migrator(backend: Backend) -> sqlx::migrate::Migrator {
    match backend {
        Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("migrations/postgres"),
    }
}

/// Whether the database answers with every migration this build knows applied (`/readyz`).
pub async fn schema_is_current(db: &Db) -> Result<bool, sqlx::Error> {
    let latest = migrator(Backend::of_pool(db)).iter().map(|m| m.version).max();
    let applied: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(db)
            .await?;
    Ok(applied >= latest)
}

/// The file of a SQLite URL (`None` for another database, or one in memory).
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    if Backend::of(url) != Some(Backend::Sqlite) {
        return None;
    }
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// Whether every migration a database `db` has applied is one of this build's, unaltered,
/// and which of them is the latest: a check of a snapshot before it is restored.
pub async fn migrations_known(db: &mut sqlx::AnyConnection) -> Result<Result<i64, String>, sqlx::Error> {
    let applied: Vec<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT version, checksum FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
    )
    .fetch_all(&mut *db)
    .await?;
    let known = migrator(Backend::of_connection(db));
    for (version, checksum) in &applied {
        match known.iter().find(|m| m.version == *version) {
            None => {
                return Ok(Err(format!(
                    "it has migration {version}, which this version of Roster does not know"
                )))
            }
            Some(m) if m.checksum.as_ref() != checksum.as_slice() => {
                return Ok(Err(format!(
                    "its migration {version} differs from this version's"
                )))
            }
            Some(_) => {}
        }
    }
    Ok(applied
        .last()
        .map(|(v, _)| *v)
        .ok_or_else(|| "it holds no Roster migrations".to_string()))
}

/// Makes sure the SQLite file can be created: its folder exists and the mode allows creation.
fn sqlite_url(url: &str) -> Result<String, std::io::Error> {
    if let Some(path) = sqlite_path(url) {
        if let Some(parent) = path.parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)?;
            }
        }
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// SQLite lets one transaction write at a time, and a write waiting for that lock holds one of
/// the pool's four connections meanwhile: a few changes queued behind a slow one took every
/// connection and pages waited seconds for one (`make soak`). The process's writes take turns
/// here first, holding no connection while they wait. One database per process (the
/// server's); in a test process the turns are shared by its databases, which costs only
/// waiting.
static SQLITE_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// On PostgreSQL a change waits for its company's lock inside the database, holding one of the
/// pool's connections meanwhile: `make soak` (two instances, 40 changes a second to one
/// company) had every connection of both instances waiting so, and pages, which need one
/// each, waited behind them for seconds, then minutes, while both servers' memory grew past a
/// gigabyte. A process lets this many of its writes hold a connection at once (a quarter of
/// its pool, so changes of different companies still run side by side); the others wait
/// here, holding none.
const POSTGRES_WRITERS: usize = 4;
static POSTGRES_TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(POSTGRES_WRITERS);

/// This process's turn at writing, until dropped: SQLite's one, or one of PostgreSQL's few.
pub struct Turn {
    _sqlite: Option<tokio::sync::MutexGuard<'static, ()>>,
    _postgres: Option<tokio::sync::SemaphorePermit<'static>>,
}

/// Waits for this process's turn at writing to `db`: taken before a connection by every write,
/// a transaction ([`begin_write`]) or a statement of its own (a session's end), but for those
/// outside companies on PostgreSQL ([`begin_write_outside_companies`]).
pub async fn turn(db: &Db) -> Turn {
    match Backend::of_pool(db) {
        Backend::Sqlite => Turn {
            _sqlite: Some(SQLITE_TURN.lock().await),
            _postgres: None,
        },
        // The semaphore is never closed, so a permit always comes.
        Backend::Postgres => Turn {
            _sqlite: None,
            _postgres: POSTGRES_TURNS.acquire().await.ok(),
        },
    }
}

/// The turn of a write that locks no company and touches none of a company's rows (the
/// outbox's): SQLite's one like every write, but on PostgreSQL none, since such a write never
/// waits behind a company's changes, and taking one of their few turns put it in their queue
/// (`make soak` on PostgreSQL: the outbox fell further behind each minute while changes queued).
async fn turn_outside_companies(db: &Db) -> Turn {
    match Backend::of_pool(db) {
        Backend::Sqlite => turn(db).await,
        Backend::Postgres => Turn {
            _sqlite: None,
            _postgres: None,
        },
    }
}

/// A transaction that changes data, in its [`turn`] and holding the write lock from its start.
/// On SQLite (WAL), a transaction that reads first and writes later fails with "database is
/// locked" when another writer committed in between, whatever the busy timeout; taking the
/// lock first makes it wait its turn instead. PostgreSQL has no such lock, so it is not sent
/// there (a round trip of every write, for nothing). Keep
/// the turn until the transaction ends: `let (_turn, mut tx) = begin_write(db).await?;`.
pub async fn begin_write(db: &Db) -> Result<(Turn, sqlx::Transaction<'static, sqlx::Any>), sqlx::Error> {
    let asked = std::time::Instant::now();
    begin_in_turn(db, asked, turn(db).await).await
}

/// [`begin_write`] for a write that locks no company (see [`turn_outside_companies`]).
pub async fn begin_write_outside_companies(
    db: &Db,
) -> Result<(Turn, sqlx::Transaction<'static, sqlx::Any>), sqlx::Error> {
    let asked = std::time::Instant::now();
    begin_in_turn(db, asked, turn_outside_companies(db).await).await
}

/// Begins the transaction of a write asked for at `asked` that has its `turn`.
async fn begin_in_turn(
    db: &Db,
    asked: std::time::Instant,
    turn: Turn,
) -> Result<(Turn, sqlx::Transaction<'static, sqlx::Any>), sqlx::Error> {
    let mut tx = db.begin().await?;
    crate::server::metrics::write_began(asked.elapsed());
    if matches!(Backend::of_pool(db), Backend::Sqlite) {
        sqlx::query("UPDATE companies SET id = id WHERE id = -1")
            .execute(&mut *tx)
            .await?;
    }
    Ok((turn, tx))
}

/// Now, in Unix milliseconds: the one time format of the schema.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// True when `error` is a unique-constraint violation (on either database).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|e| e.is_unique_violation())
}

/// Whether another row of `table` (`teams`, `roles`) in `company` is called `name`, ignoring
/// case and accents ("Sales" and "sales" side by side would confuse). Each table's unique
/// index on the folded name still decides under concurrency.
pub(crate) async fn name_taken(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    table: &'static str,
    company: crate::model::CompanyId,
    name: &str,
    except: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let clash: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM {table} WHERE company_id = $1 AND name_key = $2 AND id <> $3"
    ))
    .bind(company)
    .bind(search::fold(name))
    .bind(except.unwrap_or(0))
    .fetch_optional(&mut **tx)
    .await?;
    Ok(clash.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode() {
        let dir = std::env::temp_dir().join(format!("roster-url-{}", std::process::id()));
        let url = format!("sqlite://{}/x.db", dir.display());
        assert_eq!(sqlite_url(&url).unwrap(), format!("{url}?mode=rwc"));
        assert!(dir.exists());
        assert_eq!(
            sqlite_url("sqlite::memory:?mode=memory").unwrap(),
            "sqlite::memory:?mode=memory"
        );
    }
}
