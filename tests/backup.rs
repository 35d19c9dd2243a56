//! `roster backup` and `roster restore` on the embedded SQLite database: a consistent snapshot
//! while the server serves, put back only while no server runs and only when sound.

mod common;

use common::{email, TestApp};
use roster::server::backup;
use std::path::PathBuf;

/// A SQLite app (these commands are SQLite's; on a PostgreSQL run the test has nothing to do).
async fn sqlite_app() -> Option<(TestApp, String, PathBuf)> {
    let app = TestApp::spawn().await;
    let url = app.state.config.database_url.clone();
    let dir = roster::server::db::sqlite_path(&url)?.parent()?.to_path_buf();
    Some((app, url, dir))
}

async fn users_in(url: &str) -> i64 {
    let db = roster::server::db::connect_and_migrate(url).await.unwrap();
    let n = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&db)
        .await
        .unwrap();
    db.close().await;
    n
}

#[tokio::test]
async fn a_backup_taken_while_changes_are_written_restores_that_moment() {
    let Some((app, url, dir)) = sqlite_app().await else {
        return;
    };
    let c = app.company("Initech").await;
    let before = app.count("SELECT COUNT(*) FROM users").await;
    // People are added while the backup runs.
    let writer = {
        let (router_app, owner) = (&app, c.owner_email.clone());
        async move {
            for n in 0..20 {
                router_app
                    .add_user(&owner, &format!("Ada {n}"), &email(&format!("ada{n}")), "member")
                    .await;
            }
        }
    };
    let file = dir.join("snapshot.db");
    let (done, ()) = tokio::join!(backup::backup(&url, &file), writer);
    let done = done.unwrap();
    assert!(done.starts_with("Backed up "), "{done}");
    let in_backup = users_in(&format!("sqlite://{}", file.display())).await;
    assert!((before..=before + 20).contains(&in_backup), "{in_backup} users");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, before + 20);

    // The server stops; the snapshot comes back, and the database it replaced is kept.
    app.state.db.close().await;
    let restored = backup::restore(&url, &file).await.unwrap();
    assert!(restored.contains("The database it replaced is at"), "{restored}");
    assert_eq!(users_in(&url).await, in_backup);
    let kept = format!("sqlite://{}/roster.db.before-restore", dir.display());
    assert_eq!(users_in(&kept).await, before + 20);
}

#[tokio::test]
async fn restore_is_refused_while_a_server_uses_the_database() {
    let Some((app, url, dir)) = sqlite_app().await else {
        return;
    };
    app.company("Initech").await;
    let file = dir.join("snapshot.db");
    backup::backup(&url, &file).await.unwrap();
    let server = backup::lock_for_server(&url).unwrap();
    let refused = backup::restore(&url, &file).await.unwrap_err();
    assert!(refused.contains("a Roster server is using"), "{refused}");
    assert!(
        !dir.join("roster.db.before-restore").exists(),
        "nothing was moved"
    );
    // A second server is refused too.
    assert!(backup::lock_for_server(&url).is_err());
    drop(server);
    assert!(backup::lock_for_server(&url).is_ok());
}

#[tokio::test]
async fn a_damaged_foreign_or_newer_file_is_not_restored() {
    let Some((app, url, dir)) = sqlite_app().await else {
        return;
    };
    app.company("Initech").await;
    let users = app.count("SELECT COUNT(*) FROM users").await;
    app.state.db.close().await;
    let restore = |file: PathBuf| {
        let url = url.clone();
        async move { backup::restore(&url, &file).await.unwrap_err() }
    };

    let text = dir.join("notes.txt");
    std::fs::write(&text, "not a database at all, but long enough to be read as one").unwrap();
    assert!(restore(text).await.contains("not a SQLite database"));

    let other = dir.join("other.db");
    sqlx::any::install_default_drivers();
    let conn = sqlx::AnyPool::connect(&format!("sqlite://{}?mode=rwc", other.display()))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE notes (body TEXT)")
        .execute(&conn)
        .await
        .unwrap();
    conn.close().await;
    assert!(restore(other).await.contains("not a Roster database"));

    let newer = dir.join("newer.db");
    backup::backup(&url, &newer).await.unwrap();
    let conn = sqlx::AnyPool::connect(&format!("sqlite://{}", newer.display()))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99990101, 'from the future', TRUE, X'00', 0)",
    )
    .execute(&conn)
    .await
    .unwrap();
    conn.close().await;
    assert!(restore(newer)
        .await
        .contains("which this version of Roster does not know"));

    let altered = dir.join("altered.db");
    backup::backup(&url, &altered).await.unwrap();
    let conn = sqlx::AnyPool::connect(&format!("sqlite://{}", altered.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE _sqlx_migrations SET checksum = X'00' WHERE version = 1")
        .execute(&conn)
        .await
        .unwrap();
    conn.close().await;
    assert!(restore(altered).await.contains("differs from this version's"));

    assert_eq!(users_in(&url).await, users, "the database is untouched");
}

#[tokio::test]
async fn a_backup_never_overwrites_a_file_and_postgresql_is_pointed_to_its_own_tools() {
    let Some((app, url, dir)) = sqlite_app().await else {
        return;
    };
    app.company("Initech").await;
    let file = dir.join("snapshot.db");
    std::fs::write(&file, "keep me").unwrap();
    let refused = backup::backup(&url, &file).await.unwrap_err();
    assert!(refused.contains("already exists"), "{refused}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
    let postgres = "postgres://roster@db.internal/roster";
    assert!(backup::backup(postgres, &file)
        .await
        .unwrap_err()
        .contains("pg_dump"));
    assert!(backup::restore(postgres, &file)
        .await
        .unwrap_err()
        .contains("pg_restore"));
}

#[tokio::test]
async fn the_server_binary_backs_up_into_a_new_file_only() {
    let Some((app, url, dir)) = sqlite_app().await else {
        return;
    };
    app.company("Initech").await;
    let file = dir.join("cli.db");
    let run = || common::roster_command(&["backup", file.to_str().unwrap()], &url);
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("1 company, 1 user"));
    // Every company's people and password hashes: readable by the one who took it only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the backup's mode is {:o}", mode & 0o777);
    }
    let second = run();
    assert_eq!(second.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&second.stderr).contains("already exists"));
}
