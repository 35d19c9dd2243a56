//! `roster backup <file>` and `roster restore <file>` for the embedded SQLite database.
//!
//! A backup is `VACUUM INTO`: one consistent snapshot, taken while the server goes on serving
//! (WAL lets it read beside the writer), then opened and checked like a restore would. A
//! restore puts a snapshot in place only when no server uses the database — a running server
//! holds an exclusive lock on `<database>.lock` ([`lock_for_server`]), which the system
//! releases however the process ends — and only a snapshot that passes `PRAGMA
//! integrity_check` and whose migrations are all this build's, unaltered. The database it
//! replaces is kept beside it as `<database>.before-restore`. PostgreSQL has `pg_dump` and
//! `pg_restore` (see the README's Backups).

use super::db;
use sqlx::{AnyConnection, Connection};
use std::{
    fs::{File, TryLockError},
    path::{Path, PathBuf},
};

/// The running server's hold on its SQLite database, released when dropped.
#[derive(Debug)]
pub struct ServerLock {
    _file: File,
}

fn beside(database: &Path, suffix: &str) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Takes the lock a running server holds on its SQLite database (`None` on PostgreSQL, where
/// any number of servers share one database). Fails while another server holds it.
pub fn lock_for_server(url: &str) -> Result<Option<ServerLock>, String> {
    let Some(database) = db::sqlite_path(url) else {
        return Ok(None);
    };
    if let Some(parent) = database.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let path = beside(&database, ".lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(ServerLock { _file: file })),
        Err(TryLockError::WouldBlock) => Err(format!(
            "a Roster server is using {}: stop it first",
            database.display()
        )),
        Err(TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

async fn open(path: &Path) -> Result<AnyConnection, String> {
    sqlx::any::install_default_drivers();
    AnyConnection::connect(&format!("sqlite://{}?mode=rw", path.display()))
        .await
        .map_err(|e| format!("cannot open it: {e}"))
}

/// Whether the SQLite file at `path` is a sound Roster database this build can run: what it
/// holds, or why not.
pub async fn check(path: &Path) -> Result<String, String> {
    let mut conn = open(path).await?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| format!("it is not a SQLite database ({e})"))?;
    if integrity != "ok" {
        return Err(format!("its integrity check failed: {integrity}"));
    }
    let version = db::migrations_known(&mut conn)
        .await
        .map_err(|_| "it is not a Roster database (no migrations table)".to_string())??;
    let (companies, users): (i64, i64) =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM companies), (SELECT COUNT(*) FROM users)")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| format!("cannot read it: {e}"))?;
    conn.close().await.map_err(|e| e.to_string())?;
    let count = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    Ok(format!(
        "{}, {}, migrations up to {version}",
        count(companies, "company", "companies"),
        count(users, "user", "users")
    ))
}

/// Writes a consistent snapshot of the SQLite database of `url` to the new file `to`.
pub async fn backup(url: &str, to: &Path) -> Result<String, String> {
    let Some(database) = db::sqlite_path(url) else {
        return Err("`roster backup` copies the SQLite database; for PostgreSQL use pg_dump (see Backups in the README)".into());
    };
    // Created empty first, readable by its owner only: VACUUM INTO would make it 0644, and
    // it holds every company's people and password hashes. (It takes an empty file.)
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(to).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => format!("{} already exists: name a new file", to.display()),
        _ => format!("{}: {e}", to.display()),
    })?;
    let written = async {
        let mut conn = open(&database)
            .await
            .map_err(|e| format!("{}: {e}", database.display()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(to.to_string_lossy().into_owned())
            .execute(&mut conn)
            .await
            .map_err(|e| format!("the backup failed: {e}"))?;
        conn.close().await.map_err(|e| e.to_string())
    };
    if let Err(why) = written.await {
        let _ = std::fs::remove_file(to);
        return Err(why);
    }
    let holds = check(to)
        .await
        .map_err(|why| format!("the backup at {} is unusable: {why}", to.display()))?;
    Ok(format!(
        "Backed up {} to {} ({holds}).",
        database.display(),
        to.display()
    ))
}

/// Replaces the SQLite database of `url` with the snapshot `from`, while no server runs.
pub async fn restore(url: &str, from: &Path) -> Result<String, String> {
    let Some(database) = db::sqlite_path(url) else {
        return Err("`roster restore` replaces the SQLite database; for PostgreSQL use pg_restore (see Backups in the README)".into());
    };
    if !from.is_file() {
        return Err(format!("{} is not a file", from.display()));
    }
    let holds = check(from)
        .await
        .map_err(|why| format!("{} cannot be restored: {why}", from.display()))?;
    let _lock = lock_for_server(url)?;
    let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
    // Copied beside the database first, so that putting it in place is a rename.
    let incoming = beside(&database, ".restoring");
    std::fs::copy(from, &incoming).map_err(|e| io("cannot copy the backup", e))?;
    File::open(&incoming)
        .and_then(|f| f.sync_all())
        .map_err(|e| io("cannot write the copy", e))?;
    let before = beside(&database, ".before-restore");
    if database.exists() {
        for suffix in ["", "-wal", "-shm"] {
            let old = beside(&before, suffix);
            if old.exists() {
                std::fs::remove_file(&old).map_err(|e| io("cannot remove the older copy", e))?;
            }
        }
        // The write-ahead log holds committed changes: it moves with its database.
        std::fs::rename(&database, &before).map_err(|e| io("cannot set the database aside", e))?;
        let wal = beside(&database, "-wal");
        if wal.exists() {
            std::fs::rename(&wal, beside(&before, "-wal")).map_err(|e| io("cannot set its log aside", e))?;
        }
        let shm = beside(&database, "-shm");
        if shm.exists() {
            std::fs::remove_file(&shm).map_err(|e| io("cannot remove its shared memory file", e))?;
        }
    }
    std::fs::rename(&incoming, &database).map_err(|e| io("cannot put the backup in place", e))?;
    Ok(format!(
        "Restored {} from {} ({holds}). The database it replaced is at {}.",
        database.display(),
        from.display(),
        before.display()
    ))
}
