//! The SQLite and PostgreSQL migrations must describe the same schema.

mod common;

use std::collections::BTreeSet;

fn migration_names(dialect: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(format!("migrations/{dialect}"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn both_dialects_have_the_same_migration_steps() {
    assert_eq!(migration_names("sqlite"), migration_names("postgres"));
}

async fn sqlite_columns() -> BTreeSet<(String, String)> {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let db = roster::server::db::connect_and_migrate(&format!("sqlite://{}/s.db", dir.path().display()))
        .await
        .unwrap();
    sqlx::query_as::<_, (String, String)>(
        "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT IN ('sqlite_sequence', '_sqlx_migrations')",
    )
    .fetch_all(&db)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

#[tokio::test]
async fn both_dialects_create_the_same_tables_and_columns() {
    let sqlite = sqlite_columns().await;
    assert!(sqlite.contains(&("users".into(), "email".into())));
    // Only the PostgreSQL run of the suite has a server to compare with.
    let Ok(base) = std::env::var("ROSTER_TEST_DATABASE_URL") else {
        return;
    };
    let app = common::TestApp::spawn().await;
    assert!(base.starts_with("postgres"));
    let postgres: BTreeSet<(String, String)> = sqlx::query_as::<_, (String, String)>(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap()
    .into_iter()
    .collect();
    assert_eq!(sqlite, postgres);
}
