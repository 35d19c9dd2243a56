//! Keys that make search and name uniqueness ignore case and accents, the same on SQLite and
//! PostgreSQL: neither database folds "É" to "e" under its default collation (SQLite's
//! `LOWER` is ASCII-only), so the folding is done here, once per write, and stored.
//!
//! A user's or an invitation's `search_key` holds their folded name and email; a role's,
//! team's or account's `name_key` holds its folded name under a unique index, so two admins
//! racing to create "Sales" and "sales" leave one.

use super::{is_unique_violation, plan::Part, sql::Sql, Backend, Db};
use crate::error::AppError;

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

    fn id(self) -> &'static str {
        match self {
            Searched::Users => "u.id",
            Searched::Invitations => "i.id",
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

/// The condition that the search key of `searched` contains `term`, ignoring case and accents,
/// its wildcards and quotes literal. Every search of a view comes here, so this is where its
/// length is checked.
///
/// PostgreSQL answers `LIKE '%term%'` from its pg_trgm index (migration 0017), its planner
/// weighing that index against the walk in the page's order. On SQLite a term of three or more
/// characters is either fetched from the FTS5 trigram table (migration 0018) as one phrase,
/// which matches exactly the keys that contain it, or, when it is common, tested with `LIKE`
/// on the walk (see [`plan`](super::plan)); a shorter term has no trigram and keeps the walk,
/// which stops at a page's worth of matches.
pub fn condition(backend: Backend, searched: Searched, term: &str) -> Result<Part, AppError> {
    let term = checked(term)?;
    let alias = searched.alias();
    let mut walk = Sql::new(&format!("{alias}.search_key LIKE "));
    walk.bind(like(&term)).push(" ESCAPE '\\'");
    if backend == Backend::Postgres || term.chars().count() < TRIGRAM {
        return Ok(Part::Fixed(walk));
    }
    let table = searched.trigram_table();
    let mut set = Sql::new(&format!("SELECT rowid FROM {table} WHERE {table} MATCH "));
    set.bind(phrase(&term));
    Ok(Part::Either {
        id: searched.id(),
        set,
        many: walk,
    })
}

/// `%term%` for `LIKE … ESCAPE '\'` over folded keys, for a search that no index answers (the
/// audit log's): the term folded, its length checked, its wildcards literal.
pub fn like_pattern(term: &str) -> Result<String, AppError> {
    Ok(like(&checked(term)?))
}

/// The term folded like the keys, once its length is checked: every search comes here.
fn checked(term: &str) -> Result<String, AppError> {
    if term.chars().count() > MAX_SEARCH_CHARS {
        return Err(AppError::field(
            "search",
            format!("Search for at most {MAX_SEARCH_CHARS} characters."),
        ));
    }
    Ok(fold(term.trim()))
}

/// `%text%` for `LIKE … ESCAPE '\'`: the text's own wildcards made literal.
pub fn like(folded: &str) -> String {
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

    #[test]
    fn sqlite_may_ask_its_trigram_table_for_three_characters_or_more_and_scans_for_fewer() {
        let Part::Either { id, set, many } = condition(Backend::Sqlite, Searched::Users, " Smi ").unwrap()
        else {
            panic!("three characters have trigrams");
        };
        assert_eq!(id, "u.id");
        assert_eq!(set.text(), "SELECT rowid FROM users_fts WHERE users_fts MATCH $1");
        assert_eq!(many.text(), "u.search_key LIKE $1 ESCAPE '\\'");
        let Part::Fixed(short) = condition(Backend::Sqlite, Searched::Invitations, "Zö").unwrap() else {
            panic!("two characters have no trigram");
        };
        assert_eq!(short.text(), "i.search_key LIKE $1 ESCAPE '\\'");
        assert!(matches!(
            condition(Backend::Postgres, Searched::Users, "smi").unwrap(),
            Part::Fixed(_)
        ));
        assert!(condition(
            Backend::Sqlite,
            Searched::Users,
            &"a".repeat(MAX_SEARCH_CHARS + 1)
        )
        .is_err());
    }
}
