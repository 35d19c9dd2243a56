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

/// A column: table, name, type family (see [`family`]) and whether it may be null.
type Column = (String, String, &'static str, bool);

/// The family of a declared type, which is what both dialects must agree on: SQLite's
/// `INTEGER` is PostgreSQL's `bigint`, `TEXT` its `text`.
fn family(declared: &str) -> &'static str {
    let t = declared.to_ascii_lowercase();
    if t.contains("int") {
        "integer"
    } else if t.contains("char") || t.contains("text") {
        "text"
    } else if t.contains("bool") {
        "boolean"
    } else if t.contains("real") || t.contains("double") || t.contains("float") || t.contains("numeric") {
        "real"
    } else if t.contains("blob") || t.contains("bytea") {
        "bytes"
    } else {
        panic!("a column type of unknown family: {declared}")
    }
}

/// An index created by a migration (not one a key or UNIQUE constraint made): table, name,
/// its columns in order, and whether it is unique.
type Index = (String, String, Vec<String>, bool);

async fn sqlite_schema() -> (BTreeSet<Column>, BTreeSet<Index>) {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let db = roster::server::db::connect_and_migrate(&format!("sqlite://{}/s.db", dir.path().display()))
        .await
        .unwrap();
    // Search's FTS5 trigram tables (migration 0018) and their shadow tables are SQLite's own,
    // as the pg_trgm indexes are PostgreSQL's; so are the planner's statistics (sqlite_stat1).
    let columns = sqlx::query_as::<_, (String, String, String, i64, i64)>(
        "SELECT m.name, p.name, p.type, p.\"notnull\", p.pk FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT IN ('sqlite_sequence', '_sqlx_migrations')
           AND m.name NOT LIKE 'sqlite_stat%'
           AND m.name NOT IN (SELECT t.name FROM pragma_table_list t WHERE t.type IN ('virtual', 'shadow'))",
    )
    .fetch_all(&db)
    .await
    .unwrap()
    .into_iter()
    // A primary key is never null, though SQLite's table_info does not say so.
    .map(|(table, name, declared, not_null, pk)| (table, name, family(&declared), not_null == 0 && pk == 0))
    .collect();
    let rows = sqlx::query_as::<_, (String, String, String, i64)>(
        "SELECT m.tbl_name, m.name, COALESCE(i.name, '(expression)'), l.\"unique\" FROM sqlite_master m
         JOIN pragma_index_list(m.tbl_name) l ON l.name = m.name
         JOIN pragma_index_info(m.name) i
         WHERE m.type = 'index' AND m.sql IS NOT NULL ORDER BY m.name, i.seqno",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    (columns, indexes(rows))
}

/// Folds one row per indexed column into one entry per index, keeping the columns' order.
fn indexes(rows: Vec<(String, String, String, i64)>) -> BTreeSet<Index> {
    let mut all: Vec<Index> = Vec::new();
    for (table, name, column, unique) in rows {
        match all.last_mut() {
            Some(last) if last.1 == name => last.2.push(column),
            _ => all.push((table, name, vec![column], unique != 0)),
        }
    }
    all.into_iter().collect()
}

#[tokio::test]
async fn both_dialects_create_the_same_tables_columns_types_and_indexes() {
    let (columns, indexes_sqlite) = sqlite_schema().await;
    assert!(columns.contains(&("users".into(), "email".into(), "text", false)));
    assert!(indexes_sqlite.iter().any(|(table, ..)| table == "users"));
    // Only the PostgreSQL run of the suite has a server to compare with.
    let Ok(base) = std::env::var("ROSTER_TEST_DATABASE_URL") else {
        return;
    };
    let app = common::TestApp::spawn().await;
    assert!(base.starts_with("postgres"));
    let postgres: BTreeSet<Column> = sqlx::query_as::<_, (String, String, String, String)>(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text
         FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap()
    .into_iter()
    .map(|(table, name, declared, nullable)| (table, name, family(&declared), nullable == "YES"))
    .collect();
    assert_eq!(
        columns.symmetric_difference(&postgres).collect::<Vec<_>>(),
        Vec::<&Column>::new(),
        "columns that differ"
    );
    // Indexes a migration created, not those behind a primary key or UNIQUE constraint.
    let rows = sqlx::query_as::<_, (String, String, String, i64)>(
        "SELECT t.relname::text, c.relname::text, COALESCE(a.attname::text, '(expression)'), CAST(CASE WHEN i.indisunique THEN 1 ELSE 0 END AS BIGINT)
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_class t ON t.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
         LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
         WHERE n.nspname = 'public' AND t.relname <> '_sqlx_migrations'
           AND NOT EXISTS (SELECT 1 FROM pg_constraint s WHERE s.conindid = i.indexrelid)
         ORDER BY c.relname, k.ord",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    // The trigram indexes of search are each database's own (pg_trgm here, migration 0017).
    let own = ["users_search_trgm", "invitations_search_trgm"];
    let indexes_postgres: BTreeSet<Index> = indexes(rows)
        .into_iter()
        .filter(|(_, name, ..)| !own.contains(&name.as_str()))
        .collect();
    assert_eq!(
        indexes_sqlite
            .symmetric_difference(&indexes_postgres)
            .collect::<Vec<_>>(),
        Vec::<&Index>::new(),
        "indexes that differ"
    );
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

#[tokio::test]
async fn the_country_migration_turns_stored_names_into_iso_codes_and_unknown_ones_into_not_set() {
    let app = common::TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ana = common::email("ana");
    app.add_user(&c.owner_email, "Ana", &ana, "member").await;
    // As stored before migration 0015.
    app.sql(&format!(
        "UPDATE users SET country = 'Côte d''Ivoire' WHERE email = '{ana}'"
    ))
    .await;
    app.sql(&format!(
        "UPDATE users SET country = 'Atlantis' WHERE email = '{}'",
        c.owner_email
    ))
    .await;
    let step = std::fs::read_to_string("migrations/sqlite/0015_country_codes.sql").unwrap();
    app.sql(&step).await;
    let country = |email: String| {
        let app = &app;
        async move {
            sqlx::query_scalar::<_, String>("SELECT country FROM users WHERE email = $1")
                .bind(email)
                .fetch_one(&app.state.db)
                .await
                .unwrap()
        }
    };
    assert_eq!(country(ana).await, "CI");
    assert_eq!(country(c.owner_email.clone()).await, "");
}

#[tokio::test]
async fn sqlite_gets_planner_statistics_when_the_server_connects() {
    let app = common::TestApp::spawn().await;
    if !app.state.config.database_url.starts_with("sqlite") {
        return; // PostgreSQL's autovacuum keeps its own statistics.
    }
    let c = app.company("Initech").await;
    let company = app.company_of(&c.owner_email).await;
    // Statistics of a table under 1,000 rows are dropped (db::SMALL_TABLE).
    let people: Vec<(String, String)> = (0..1_500)
        .map(|i| (format!("Stat {i}"), format!("stat{i}@example.com")))
        .collect();
    app.add_active(company, &people).await;
    // A restart (a new pool) connects to the database as it now is.
    let restarted = app.spawn_sharing_database(&[]).await;
    let analysed = restarted
        .count("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'users' AND idx = 'users_company_search'")
        .await;
    assert_eq!(analysed, 1, "the users' indexes have statistics");
}

/// Every pooled SQLite connection plans with statistics of the data as it is, not as it was
/// when the connection opened: SQLite reads them when a connection loads the schema, and
/// another connection's analysis does not reach it. Connections opened on a near-empty
/// database kept statistics saying its tables held a row or two and planned full scans where
/// an index serves: a bulk role change of 10,000 people took 6 to 16 s on such a connection
/// (150 ms on a fresh one) while holding the write lock.
#[tokio::test]
async fn every_pooled_connection_plans_with_the_statistics_of_the_data_as_it_is() {
    let app = common::TestApp::spawn().await;
    if !app.state.config.database_url.starts_with("sqlite") {
        return; // PostgreSQL's statistics are the server's, shared by every session.
    }
    let c = app.company("Initech").await;
    let company = app.company_of(&c.owner_email).await;
    let root = app.root_account(&c.owner_email).await;
    // The pool opens every connection it may hold while the company is nearly empty.
    let mut opened = Vec::new();
    for _ in 0..4 {
        opened.push(app.state.db.acquire().await.unwrap());
    }
    drop(opened);
    let people: Vec<(String, String)> = (0..3_000)
        .map(|i| (format!("Grown {i}"), format!("grown{i}@example.com")))
        .collect();
    app.add_active(company, &people).await;
    app.sql(&format!(
        "INSERT INTO role_assignments (user_id, account_id, role_id)
         SELECT id, {root}, {} FROM users WHERE email LIKE 'grown%'",
        c.member_role
    ))
    .await;
    // What the server does every minute.
    roster::server::db::refresh_planner_statistics(&app.state.db)
        .await
        .unwrap();
    // The bulk change's test for people holding several roles, on each connection.
    let plan = format!(
        "EXPLAIN QUERY PLAN SELECT u.id FROM users u WHERE u.company_id = {company} AND EXISTS (
           SELECT 1 FROM role_assignments a JOIN role_assignments b ON b.user_id = a.user_id
           WHERE a.user_id = u.id AND b.role_id <> a.role_id)"
    );
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(app.state.db.acquire().await.unwrap());
    }
    for conn in &mut held {
        let steps: Vec<(i64, i64, i64, String)> = sqlx::query_as(&plan).fetch_all(&mut **conn).await.unwrap();
        let steps: Vec<&str> = steps.iter().map(|s| s.3.as_str()).collect();
        assert!(
            !steps.iter().any(|s| s.starts_with("SCAN")),
            "a connection plans a full scan: {steps:?}"
        );
    }
}
