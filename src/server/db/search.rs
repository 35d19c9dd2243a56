//! Keys that make search and name uniqueness ignore case and accents, the same on SQLite and
//! PostgreSQL: neither database folds "É" to "e" under its default collation (SQLite's
//! `LOWER` is ASCII-only), so the folding is done here, once per write, and stored.
//!
//! A user's or an invitation's `search_key` holds their folded name and email; a role's,
//! team's or account's `name_key` holds its folded name under a unique index, so two admins
//! racing to create "Sales" and "sales" leave one.

use super::{is_unique_violation, sql::Sql, Backend, Db};
use crate::error::AppError;
use sqlx::{Any, Executor};

/// The longest search accepted (SQLite also refuses LIKE patterns of 50,000 bytes).
pub const MAX_SEARCH_CHARS: usize = 200;

/// Between the parts of a search key, so that no match spans a name and an email; folding
/// drops control characters, so no term contains it.
const SEPARATOR: char = '\u{1f}';

/// `text` as search and uniqueness compare it: every script transliterated to ASCII
/// ("Émile" → "emile", "Straße" → "strasse", "Ωμέγα" → "omega"), lower-cased, control
/// characters dropped.
pub fn fold(text: &str) -> String {
    deunicode::deunicode(text)
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .to_lowercase()
}

/// The search key of someone with this name and email.
pub fn person_key(name: &str, email: &str) -> String {
    format!("{}{SEPARATOR}{}", fold(name), fold(email))
}

/// What a search looks through: a table with a `search_key` (under its alias in the view's
/// query) and, on SQLite, the FTS5 trigram table that indexes it (migration 0018).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Searched {
    /// `users u`, indexed by `users_fts`.
    Users,
    /// `invitations i`, indexed by `invitations_fts`.
    Invitations,
}

impl Searched {
    fn alias(self) -> &'static str {
        match self {
            Searched::Users => "u",
            Searched::Invitations => "i",
        }
    }

    fn trigram_table(self) -> &'static str {
        match self {
            Searched::Users => "users_fts",
            Searched::Invitations => "invitations_fts",
        }
    }
}

/// A trigram index answers terms of at least this many characters; shorter ones scan.
const TRIGRAM: usize = 3;

/// Beyond this many trigram matches (in the whole database), walking the company's users in
/// the page's order and testing each key finds a page sooner than fetching and sorting every
/// match: on SQLite at 100,000 users, "smi" (5,000 matches) takes 0.3 ms by the walk and 7 ms
/// from the index, a rare name 15 ms by the walk and 0.1 ms from the index.
const DENSE: i64 = 2_000;

/// The condition that the search key of `searched` contains `term`, ignoring case and accents,
/// its wildcards and quotes literal. Every search of a view comes here, so this is where its
/// length is checked.
///
/// PostgreSQL answers `LIKE '%term%'` from its pg_trgm index (migration 0017) and its planner
/// weighs that index against a walk in the page's order. SQLite's planner cannot weigh them
/// (it knows nothing of how many rows a MATCH finds), so here it is decided: a term of three
/// or more characters with at most [`DENSE`] matches in the FTS5 trigram table (migration
/// 0018, counted no further than that) is looked up there, as one phrase, which matches
/// exactly the keys that contain it; a commoner or shorter term keeps the `LIKE` test on the
/// walk in index order, which stops at a page's worth of matches.
pub async fn condition<'c>(
    backend: Backend,
    db: impl Executor<'c, Database = Any>,
    searched: Searched,
    term: &str,
) -> Result<Sql, AppError> {
    if term.chars().count() > MAX_SEARCH_CHARS {
        return Err(AppError::field(
            "search",
            format!("Search for at most {MAX_SEARCH_CHARS} characters."),
        ));
    }
    let term = fold(term.trim());
    let alias = searched.alias();
    let table = searched.trigram_table();
    let mut sql = Sql::default();
    if backend == Backend::Sqlite && term.chars().count() >= TRIGRAM {
        let mut matches = Sql::new(&format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {table} MATCH "
        ));
        matches
            .bind(phrase(&term))
            .push(" LIMIT ")
            .bind(DENSE + 1)
            .push(")");
        if matches.scalar::<i64>(db).await? <= DENSE {
            sql.push(&format!(
                "{alias}.id IN (SELECT rowid FROM {table} WHERE {table} MATCH "
            ))
            .bind(phrase(&term))
            .push(")");
            return Ok(sql);
        }
    }
    sql.push(&format!("{alias}.search_key LIKE "))
        .bind(like(&term))
        .push(" ESCAPE '\\'");
    Ok(sql)
}

/// `%term%` for `LIKE … ESCAPE '\'`: the folded term's own wildcards made literal.
fn like(folded: &str) -> String {
    let escaped = folded
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The folded term as an FTS5 string (one phrase): in double quotes, its own double quotes
/// doubled, so nothing in it is query syntax (`AND`, `*`, `:`, `^`, parentheses).
fn phrase(folded: &str) -> String {
    format!("\"{}\"", folded.replace('"', "\"\""))
}

/// Gives the rows written before keys existed (migration 0016) their keys; run at start-up,
/// it finds nothing to do once they have them. Names that fold alike in one place (possible
/// before the unique index) keep apart by their id.
pub async fn fill_missing(db: &Db) -> Result<(), sqlx::Error> {
    for table in ["users", "invitations"] {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(&format!(
            "SELECT id, name, email FROM {table} WHERE search_key = ''"
        ))
        .fetch_all(db)
        .await?;
        if rows.is_empty() {
            continue;
        }
        let mut tx = super::begin_write(db).await?;
        let update = format!("UPDATE {table} SET search_key = $1 WHERE id = $2");
        for (id, name, email) in rows {
            sqlx::query(&update)
                .bind(person_key(&name, &email))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
    for table in ["roles", "teams", "accounts"] {
        let rows: Vec<(i64, String)> =
            sqlx::query_as(&format!("SELECT id, name FROM {table} WHERE name_key IS NULL"))
                .fetch_all(db)
                .await?;
        let update = format!("UPDATE {table} SET name_key = $1 WHERE id = $2");
        for (id, name) in rows {
            let key = fold(&name);
            let set = sqlx::query(&update).bind(&key).bind(id).execute(db).await;
            match set {
                Err(e) if is_unique_violation(&e) => {
                    sqlx::query(&update)
                        .bind(format!("{key}{SEPARATOR}{id}"))
                        .bind(id)
                        .execute(db)
                        .await?;
                }
                other => {
                    other?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_and_accents_in_every_script() {
        assert_eq!(fold("Émile ZOLA"), "emile zola");
        assert_eq!(fold("Zoë"), "zoe");
        assert_eq!(fold("MÜLLER"), "muller");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("İsmail Işık"), "ismail isik");
        assert!(fold("Σωκράτης").starts_with("sokrat"));
    }

    #[test]
    fn a_search_term_is_folded_and_its_wildcards_are_literal() {
        assert_eq!(like(&fold("  Émile ".trim())), "%emile%");
        assert_eq!(like("50%_\\"), "%50\\%\\_\\\\%");
        assert_eq!(phrase(r#"a "b" OR c*"#), r#""a ""b"" OR c*""#);
        assert!(!fold("a\u{1f}b").contains(SEPARATOR));
        assert!(person_key("Zoë", "ZOE@X.example").contains(SEPARATOR));
    }
}
