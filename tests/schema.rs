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

/// The foreign keys of the live schema that cascade or set null on delete and have no
/// index (neither partial nor on an expression) whose first column is the referencing column:
/// deleting a parent row then scans the whole child table, once per deleted row.
async fn unindexed_foreign_keys(app: &common::TestApp) -> Vec<(String, String)> {
    let sql = if app.state.config.database_url.starts_with("postgres") {
        "SELECT CAST(t.relname AS TEXT), CAST(a.attname AS TEXT)
         FROM pg_constraint c
         JOIN pg_class t ON t.oid = c.conrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         WHERE c.contype = 'f' AND c.confdeltype IN ('c', 'n') AND n.nspname = 'public'
           AND NOT EXISTS (
               SELECT 1 FROM pg_index i
               WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1] AND i.indpred IS NULL
           )
         ORDER BY 1, 2"
    } else {
        "SELECT CAST(m.name AS TEXT), CAST(f.\"from\" AS TEXT)
         FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
         WHERE m.type = 'table' AND f.seq = 0 AND f.on_delete IN ('CASCADE', 'SET NULL')
           AND NOT EXISTS (
               SELECT 1 FROM pragma_index_list(m.name) l JOIN pragma_index_info(l.name) i
               WHERE l.partial = 0 AND i.seqno = 0 AND i.name = f.\"from\"
           )
         ORDER BY 1, 2"
    };
    sqlx::query_as::<_, (String, String)>(sql)
        .fetch_all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_foreign_key_that_cascades_or_sets_null_has_an_index() {
    let app = common::TestApp::spawn().await;
    let unindexed = unindexed_foreign_keys(&app).await;
    assert!(
        unindexed.is_empty(),
        "foreign keys that cascade or set null with no index led by their column: {}",
        unindexed
            .iter()
            .map(|(table, column)| format!("{table}.{column}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}
