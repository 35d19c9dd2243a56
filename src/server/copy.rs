//! `roster copy --to postgres://…`: moves a whole SQLite database into an empty PostgreSQL one,
//! for a company that outgrows the embedded default (several instances need PostgreSQL).
//!
//! It copies a snapshot (`VACUUM INTO`, so a running server may keep writing), every table
//! PostgreSQL's migrations define, with its ids, and refuses when the snapshot holds a table
//! PostgreSQL has none for (the search indexes aside, which PostgreSQL builds itself): the audit chain seals each event's id and the
//! previous event's hash, so the chain verifies on PostgreSQL as it did on SQLite. The target is
//! migrated first and must hold no company; what its migrations wrote (the job leases) is
//! replaced by the source's rows. Tables are filled parents first (their foreign keys, read
//! from PostgreSQL's catalogue), streamed a few hundred rows at a time, a table that refers to
//! itself (accounts) a level at a time. Everything is one transaction: a failure leaves the
//! target as it was. Afterwards every identity column continues after the largest id either
//! database ever gave out, and each table is counted in both databases before the commit.

use super::{backup, db};
use sqlx::{any::AnyRow, Any, AnyPool, Row, Transaction};
use std::collections::{BTreeMap, BTreeSet};

/// Rows per INSERT: PostgreSQL takes up to 65,535 bound values; tables here have at most 16
/// columns.
const ROWS_PER_INSERT: usize = 500;

/// A column of the target, and how its values travel.
struct Column {
    name: String,
    text: bool,
}

struct Table {
    name: String,
    columns: Vec<Column>,
    /// The column that refers to this table's own `id`, if any (`accounts.parent_id`).
    self_reference: Option<String>,
    /// Whether `id` is an identity column, whose sequence must continue after the copied ids.
    identity: bool,
}

/// Copies the SQLite database of `from` into the PostgreSQL database `to`; answers what it
/// copied.
pub async fn copy(from: &str, to: &str) -> Result<String, String> {
    if db::sqlite_path(from).is_none() {
        return Err("`roster copy` copies a SQLite database (DATABASE_URL) into PostgreSQL".into());
    }
    if db::Backend::of(to) != Some(db::Backend::Postgres) {
        return Err("--to takes a PostgreSQL URL (postgres://user:password@host/database)".into());
    }
    // In a folder only this user may enter: the snapshot is the whole database.
    let folder = std::env::temp_dir().join(format!("roster-copy-{}", &super::token::generate()[..16]));
    let mut private = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut private, 0o700);
    private
        .create(&folder)
        .map_err(|e| format!("{}: {e}", folder.display()))?;
    let snapshot = folder.join("snapshot.db");
    if let Err(why) = backup::backup(from, &snapshot).await {
        let _ = std::fs::remove_dir_all(&folder);
        return Err(why);
    }
    let outcome = async {
        let source = db::connect_and_migrate(&format!("sqlite://{}", snapshot.display()))
            .await
            .map_err(|e| format!("the snapshot: {e}"))?;
        let target = db::connect_and_migrate(to)
            .await
            .map_err(|e| format!("{}: {e}", redacted(to)))?;
        let outcome = copy_between(&source, &target).await;
        source.close().await;
        target.close().await;
        outcome
    }
    .await;
    let _ = std::fs::remove_dir_all(&folder);
    outcome
}

async fn copy_between(source: &AnyPool, target: &AnyPool) -> Result<String, String> {
    let companies: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM companies")
        .fetch_one(target)
        .await
        .map_err(|e| e.to_string())?;
    if companies > 0 {
        return Err("the target database already holds companies: copy into an empty database".into());
    }
    let tables = tables_in_order(target).await.map_err(|e| e.to_string())?;
    let left_behind = left_behind(source, &tables).await.map_err(|e| e.to_string())?;
    if !left_behind.is_empty() {
        return Err(format!(
            "PostgreSQL's migrations have no table for {}: is this the same version of Roster?",
            left_behind.join(", ")
        ));
    }
    let mut tx = target.begin().await.map_err(|e| e.to_string())?;
    for table in tables.iter().rev() {
        sqlx::query(&format!("DELETE FROM {}", table.name))
            .execute(&mut *tx)
            .await
            .map_err(|e| format!("{}: {e}", table.name))?;
    }
    let mut copied = Vec::new();
    for table in &tables {
        let rows = copy_table(source, &mut tx, table)
            .await
            .map_err(|e| format!("{}: {e}", table.name))?;
        copied.push((table.name.as_str(), rows));
    }
    continue_identities(source, &mut tx, &tables)
        .await
        .map_err(|e| e.to_string())?;
    // The target holds what the snapshot holds, table by table, counted on both sides.
    for (name, _) in &copied {
        let count = format!("SELECT COUNT(*) FROM {name}");
        let here: i64 = sqlx::query_scalar(&count)
            .fetch_one(source)
            .await
            .map_err(|e| e.to_string())?;
        let there: i64 = sqlx::query_scalar(&count)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
        if there != here {
            return Err(format!(
                "{name}: {here} rows in SQLite, {there} in PostgreSQL; nothing was copied"
            ));
        }
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    let total: i64 = copied.iter().map(|(_, n)| n).sum();
    let each: Vec<String> = copied.iter().map(|(name, n)| format!("{name} {n}")).collect();
    Ok(format!(
        "Copied {total} rows in {} tables ({}).",
        copied.len(),
        each.join(", ")
    ))
}

/// The snapshot's tables that hold data and have no table in the target: the FTS5 search
/// indexes and their shadow tables are derived (PostgreSQL indexes the keys itself), every
/// other table must be copied.
async fn left_behind(source: &AnyPool, tables: &[Table]) -> Result<Vec<String>, sqlx::Error> {
    let names: Vec<String> = sqlx::query_scalar(
        r"SELECT name FROM sqlite_master t WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
           AND name <> '_sqlx_migrations' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'
           AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type = 'table'
             AND v.sql LIKE 'CREATE VIRTUAL TABLE%' AND t.name LIKE v.name || '\_%' ESCAPE '\')",
    )
    .fetch_all(source)
    .await?;
    Ok(names
        .into_iter()
        .filter(|name| !tables.iter().any(|t| t.name == *name))
        .collect())
}

/// The target's tables, each after the tables it refers to.
async fn tables_in_order(target: &AnyPool) -> Result<Vec<Table>, sqlx::Error> {
    let columns: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_identity::text
         FROM information_schema.columns c JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
           AND c.table_name <> '_sqlx_migrations'
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(target)
    .await?;
    let references: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT child.relname::text, parent.relname::text, a.attname::text
         FROM pg_constraint k
         JOIN pg_class child ON child.oid = k.conrelid
         JOIN pg_class parent ON parent.oid = k.confrelid
         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
         WHERE k.contype = 'f' AND child.relnamespace = current_schema()::regnamespace",
    )
    .fetch_all(target)
    .await?;
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for (table, column, kind, identity) in columns {
        let entry = tables.entry(table.clone()).or_insert_with(|| Table {
            name: table,
            columns: Vec::new(),
            self_reference: None,
            identity: false,
        });
        entry.identity |= column == "id" && identity == "YES";
        entry.columns.push(Column {
            name: column,
            text: !matches!(kind.as_str(), "bigint" | "integer" | "smallint"),
        });
    }
    let mut parents: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (child, parent, column) in &references {
        if child == parent {
            if let Some(table) = tables.get_mut(child) {
                table.self_reference = Some(column.clone());
            }
        } else {
            parents.entry(child).or_default().insert(parent);
        }
    }
    // Kahn's order: a table once every table it refers to is placed.
    let mut placed: Vec<String> = Vec::new();
    while placed.len() < tables.len() {
        let next = tables
            .keys()
            .find(|name| {
                !placed.contains(name)
                    && parents
                        .get(name.as_str())
                        .is_none_or(|ps| ps.iter().all(|p| placed.iter().any(|q| q == p)))
            })
            .cloned()
            .expect("the foreign keys between tables form no cycle");
        placed.push(next);
    }
    Ok(placed
        .into_iter()
        .map(|name| tables.remove(&name).unwrap())
        .collect())
}

/// Copies one table's rows, `ROWS_PER_INSERT` at a time as they are read (a table that
/// refers to itself is read whole, to put parents first); answers how many.
async fn copy_table(
    source: &AnyPool,
    tx: &mut Transaction<'_, Any>,
    table: &Table,
) -> Result<i64, sqlx::Error> {
    use futures_util::TryStreamExt;
    let list = table
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let select = format!("SELECT {list} FROM {}", table.name);
    let mut copied = 0;
    if let Some(column) = &table.self_reference {
        let rows: Vec<AnyRow> = sqlx::query(&select).fetch_all(source).await?;
        for chunk in parents_first(&rows, column)?.chunks(ROWS_PER_INSERT) {
            insert(tx, table, &list, chunk).await?;
            copied += chunk.len();
        }
        return Ok(copied as i64);
    }
    let mut rows = sqlx::query(&select).fetch(source);
    let mut chunk = Vec::with_capacity(ROWS_PER_INSERT);
    while let Some(row) = rows.try_next().await? {
        chunk.push(row);
        if chunk.len() == ROWS_PER_INSERT {
            insert(tx, table, &list, &chunk.iter().collect::<Vec<_>>()).await?;
            copied += chunk.len();
            chunk.clear();
        }
    }
    if !chunk.is_empty() {
        insert(tx, table, &list, &chunk.iter().collect::<Vec<_>>()).await?;
        copied += chunk.len();
    }
    Ok(copied as i64)
}

/// Inserts `rows` (of the columns `list`) into `table` in one statement.
async fn insert(
    tx: &mut Transaction<'_, Any>,
    table: &Table,
    list: &str,
    rows: &[&AnyRow],
) -> Result<(), sqlx::Error> {
    let width = table.columns.len();
    let values: Vec<String> = (0..rows.len())
        .map(|r| {
            let marks: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    let sql = format!("INSERT INTO {} ({list}) VALUES {}", table.name, values.join(", "));
    let mut query = sqlx::query(&sql);
    for row in rows {
        for (i, column) in table.columns.iter().enumerate() {
            query = if column.text {
                query.bind(row.try_get::<Option<String>, _>(i)?)
            } else {
                query.bind(row.try_get::<Option<i64>, _>(i)?)
            };
        }
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// The rows of a table that refers to itself, each after the row it refers to.
fn parents_first<'r>(rows: &'r [AnyRow], column: &str) -> Result<Vec<&'r AnyRow>, sqlx::Error> {
    let mut placed: BTreeSet<i64> = BTreeSet::new();
    let mut ordered = Vec::with_capacity(rows.len());
    let mut left: Vec<&AnyRow> = rows.iter().collect();
    while !left.is_empty() {
        let mut later = Vec::new();
        for row in left.iter().copied() {
            let parent: Option<i64> = row.try_get(column)?;
            if parent.is_none_or(|p| placed.contains(&p)) {
                placed.insert(row.try_get("id")?);
                ordered.push(row);
            } else {
                later.push(row);
            }
        }
        if later.len() == left.len() {
            return Err(sqlx::Error::Protocol(format!(
                "{column}: rows refer to missing rows or to each other"
            )));
        }
        left = later;
    }
    Ok(ordered)
}

/// Every identity column continues after the largest id either database gave out (SQLite's
/// AUTOINCREMENT counter can be past the largest id left, when the last rows were deleted).
async fn continue_identities(
    source: &AnyPool,
    tx: &mut Transaction<'_, Any>,
    tables: &[Table],
) -> Result<(), sqlx::Error> {
    let counters: Vec<(String, i64)> = sqlx::query_as("SELECT name, seq FROM sqlite_sequence")
        .fetch_all(source)
        .await?;
    for table in tables.iter().filter(|t| t.identity) {
        let given = counters
            .iter()
            .find(|(name, _)| *name == table.name)
            .map_or(0, |(_, n)| *n);
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence($1, 'id'), GREATEST($2, (SELECT COALESCE(MAX(id), 0) FROM {})) + 1, false)",
            table.name
        ))
        .bind(&table.name)
        .bind(given)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The URL without its password (in either place a URL may carry it), for messages.
fn redacted(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "the PostgreSQL URL".into();
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    let query: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "password" {
                "***".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    if !query.is_empty() {
        parsed.query_pairs_mut().clear().extend_pairs(query);
    }
    parsed.to_string()
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn a_password_in_the_url_is_never_shown() {
        assert_eq!(
            redacted("postgres://u:secret@db/roster"),
            "postgres://u:***@db/roster"
        );
        let shown = redacted("postgres://db/roster?user=u&password=secret&sslmode=require");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("sslmode=require"), "{shown}");
        assert!(!redacted("postgres://u:secret@db:x/roster").contains("secret"));
    }
}
