//! Keys that make search and name uniqueness ignore case and accents, the same on SQLite and
//! PostgreSQL: neither database folds "É" to "e" under its default collation (SQLite's
//! `LOWER` is ASCII-only), so the folding is done here, once per write, and stored.
//!
//! A user's or an invitation's `search_key` holds their folded name and email; a role's,
//! team's or account's `name_key` holds its folded name under a unique index, so two admins
//! racing to create "Sales" and "sales" leave one.

use super::{is_unique_violation, Db};
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

/// `%term%` for `LIKE … ESCAPE '\'` over a search key: the term folded like the keys, its own
/// wildcards made literal. Every search of a view comes here, so this is where its length is
/// checked.
pub fn like(term: &str) -> Result<String, AppError> {
    if term.chars().count() > MAX_SEARCH_CHARS {
        return Err(AppError::field(
            "search",
            format!("Search for at most {MAX_SEARCH_CHARS} characters."),
        ));
    }
    let escaped = fold(term.trim())
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Ok(format!("%{escaped}%"))
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
        assert_eq!(like("  Émile ").unwrap(), "%emile%");
        assert_eq!(like("50%_\\").unwrap(), "%50\\%\\_\\\\%");
        assert!(!like("a\u{1f}b").unwrap().contains(SEPARATOR));
        assert!(like(&"a".repeat(MAX_SEARCH_CHARS + 1)).is_err());
        assert!(person_key("Zoë", "ZOE@X.example").contains(SEPARATOR));
    }
}
