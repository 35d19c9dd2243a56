//! Keys that make search and name uniqueness ignore case and accents, the same on SQLite and
//! PostgreSQL: neither database folds "É" to "e" under its default collation (SQLite's
//! `LOWER` is ASCII-only), so the folding is done here, once per write, and stored.
//!
//! A user's or an invitation's `search_key` holds their folded name and email; a role's,
//! team's or account's `name_key` holds its folded name under a unique index, so two admins
//! racing to create "Sales" and "sales" leave one.

use super::{
    is_unique_violation,
    plan::{Part, Search},
    sql::Sql,
    Backend, Db,
};
use crate::{error::AppError, model::CompanyId};

/// The longest search accepted (SQLite also refuses LIKE patterns of 50,000 bytes).
pub const MAX_SEARCH_CHARS: usize = 200;

/// Between the parts of a search key, so that no match spans a name and an email; folding
/// drops control characters, so no term contains it. Two more end every key: then each of a
/// key's characters begins one of its trigrams, so the trigrams that start with a term of one
/// or two characters find every key that holds it (see [`condition`]).
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

/// The search key of someone with this name and email (migration 0022 gave the keys before it
/// their two closing separators).
pub fn person_key(name: &str, email: &str) -> String {
    format!("{}{SEPARATOR}{}{SEPARATOR}{SEPARATOR}", fold(name), fold(email))
}

/// The search key of an audit event: its actor's and target's names and its account's, as
/// recorded.
pub fn event_key(actor_name: &str, target_label: &str, account: &str) -> String {
    EventKeys::new(actor_name, account).of(target_label)
}

/// The search keys of the events of one change, which share their actor and account: those
/// are folded once, not once per event.
pub struct EventKeys {
    actor: String,
    account: String,
}

impl EventKeys {
    pub fn new(actor_name: &str, account: &str) -> EventKeys {
        EventKeys {
            actor: fold(actor_name),
            account: fold(account),
        }
    }

    /// The key of the event about `target_label`.
    pub fn of(&self, target_label: &str) -> String {
        format!(
            "{}{SEPARATOR}{}{SEPARATOR}{}{SEPARATOR}{SEPARATOR}",
            self.actor,
            fold(target_label),
            self.account
        )
    }
}

/// Gives the audit events that `condition` (after `WHERE`, on `audit_events`) selects their
/// search keys, from their names as recorded now, in one statement; returns how many.
pub async fn fold_events(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    condition: &Sql,
) -> Result<usize, sqlx::Error> {
    let rows: Vec<(i64, String, String, Option<String>)> =
        Sql::new("SELECT id, actor_name, target_label, account_label FROM audit_events WHERE ")
            .append(condition)
            .fetch_all(&mut **tx)
            .await?;
    let keys: Vec<(i64, String)> = rows
        .iter()
        .map(|(id, actor, label, account)| (*id, event_key(actor, label, account.as_deref().unwrap_or(""))))
        .collect();
    if keys.is_empty() {
        return Ok(0);
    }
    let keys_json = serde_json::to_string(&keys).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let update = match Backend::of_connection(tx) {
        Backend::Sqlite => {
            "UPDATE audit_events SET search_key = j.value ->> 1 FROM json_each($1) AS j
             WHERE audit_events.id = j.value ->> 0"
        }
        Backend::Postgres => {
            "UPDATE audit_events SET search_key = j.v ->> 1 FROM jsonb_array_elements($1::jsonb) AS j(v)
             WHERE audit_events.id = (j.v ->> 0)::bigint"
        }
    };
    sqlx::query(update).bind(keys_json).execute(&mut **tx).await?;
    Ok(keys.len())
}

/// What a search looks through: a table with a `search_key` (under its alias in the view's
/// query) and, on SQLite, the FTS5 trigram table that indexes it (migration 0018).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Searched {
    /// The `users u` of a company, indexed by `users_fts`.
    Users(CompanyId),
    /// `invitations i`, indexed by `invitations_fts`.
    Invitations,
}

impl Searched {
    fn alias(self) -> &'static str {
        match self {
            Searched::Users(_) => "u",
            Searched::Invitations => "i",
        }
    }
}

/// A trigram index answers terms of at least this many characters as one phrase; a shorter
/// term is asked as the trigrams that start with it.
const TRIGRAM: usize = 3;

/// The condition that the search key of `searched` contains `term`, ignoring case and accents,
/// its wildcards and quotes literal. Every search of a view comes here, so this is where its
/// length is checked.
///
/// PostgreSQL answers `LIKE '%term%'` from its pg_trgm index (migration 0017), its planner
/// weighing that index against the walk in the page's order. On SQLite a term of three or more
/// characters is a phrase of the FTS5 trigram table (migration 0018), which matches exactly the
/// keys that contain it. A shorter one is the trigrams that start with it, read from the
/// table's vocabulary (migration 0022): every character of a key begins a trigram (see
/// [`SEPARATOR`]), so they too match exactly the keys that contain it, but they can be many,
/// so a page tries the walk first. How a page reads the search is [`plan`](super::plan)'s
/// choice; for users in name order it reads the keys that start with the term (or its first
/// trigram) as a range of that order and fetches only the others.
pub fn condition(backend: Backend, searched: Searched, term: &str) -> Result<Part, AppError> {
    let term = checked(term)?;
    let mut walk = Sql::new(&format!("{}.search_key LIKE ", searched.alias()));
    walk.bind(like(&term)).push(" ESCAPE '\\'");
    let short = term.chars().count() < TRIGRAM;
    if backend == Backend::Postgres {
        return Ok(Part::Fixed(walk));
    }
    let company = match searched {
        Searched::Users(company) => company,
        Searched::Invitations if short => return Ok(Part::Fixed(walk)),
        Searched::Invitations => {
            let mut set = Sql::new("SELECT rowid FROM invitations_fts WHERE invitations_fts MATCH ");
            set.bind(phrase(&term));
            return Ok(Part::Either {
                id: "i.id",
                set,
                many: walk,
            });
        }
    };
    // The range of the name order a page reads in order: the keys that start with the term,
    // or for a longer one with its first trigram (those holding the whole term tested there).
    let head: String = term.chars().take(TRIGRAM).collect();
    let past = format!("{head}{PAST}");
    let mut start = Sql::new("u.search_key >= ");
    start
        .bind(head.as_str())
        .push(" AND u.search_key < ")
        .bind(past.as_str());
    if head != term {
        start.push(" AND ").append(&walk);
    }
    let from = "SELECT rowid AS id FROM users_fts WHERE users_fts MATCH ";
    if short {
        // The trigrams that start the term, less the range's ids before any row is read:
        // among many trigrams that costs less than holding each away from the start (`^`).
        let mut rest = Sql::new(from);
        rest.push(
            "(SELECT COALESCE(group_concat('\"' || replace(v.term, '\"', '\"\"') || '\"', ' OR '), '\"\"')
              FROM users_fts_terms v WHERE v.term >= ",
        )
        .bind(term.as_str())
        .push(" AND v.term < ")
        .bind(past.as_str())
        .push(") AND rowid NOT IN (SELECT p.id FROM users p WHERE p.company_id = ")
        .bind(company)
        .push(" AND p.search_key >= ")
        .bind(term.as_str())
        .push(" AND p.search_key < ")
        .bind(past.as_str())
        .push(")");
        return Ok(Part::Search(Search {
            set: None,
            rest,
            start,
            many: walk,
        }));
    }
    let mut set = Sql::new(from);
    set.bind(phrase(&term));
    // `^` holds the first trigram to the start of the key: one list, cheap to test.
    let mut rest = Sql::new(from);
    rest.bind(format!("{} NOT ^{}", phrase(&term), phrase(&head)));
    Ok(Part::Search(Search {
        set: Some(set),
        rest,
        start,
        many: walk,
    }))
}

/// Sorts after every character a key holds: the keys that start with a term lie between the
/// term and the term followed by this.
const PAST: char = '\u{10ffff}';

/// `%term%` for `LIKE … ESCAPE '\'` over folded keys, for a search that no index answers (the
/// audit log's): the term folded, its length checked, its wildcards literal.
pub fn like_pattern(term: &str) -> Result<String, AppError> {
    Ok(like(&checked(term)?))
}

/// The term folded like the keys, once its length is checked: every search comes here.
fn checked(term: &str) -> Result<String, AppError> {
    check_length(term)?;
    Ok(fold(term.trim()))
}

/// Refuses a search term longer than [`MAX_SEARCH_CHARS`].
pub fn check_length(term: &str) -> Result<(), AppError> {
    if term.chars().count() > MAX_SEARCH_CHARS {
        return Err(AppError::field(
            "search",
            format!("Search for at most {MAX_SEARCH_CHARS} characters."),
        ));
    }
    Ok(())
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

/// Gives the rows written before keys existed (migration 0016, and 0023 for audit events)
/// their keys; run at start-up,
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
        let (_turn, mut tx) = super::begin_write(db).await?;
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
    // Audit events, in batches: a log can hold millions.
    loop {
        let (_turn, mut tx) = super::begin_write(db).await?;
        let folded = fold_events(&mut tx, &Sql::new("search_key = '' LIMIT 5000")).await?;
        tx.commit().await?;
        if folded == 0 {
            break;
        }
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
    fn every_character_of_a_key_begins_a_trigram() {
        // Two characters follow the last one of the address.
        assert!(person_key("Bo", "B@X.ZO").ends_with("zo\u{1f}\u{1f}"));
    }

    #[test]
    fn sqlite_asks_its_trigram_table_for_a_phrase_or_for_the_trigrams_that_start_a_short_term() {
        let company = CompanyId(7);
        let users = |term: &str| match condition(Backend::Sqlite, Searched::Users(company), term).unwrap() {
            Part::Search(search) => search,
            other => panic!("a users search on SQLite: {other:?}"),
        };
        let from = "SELECT rowid AS id FROM users_fts WHERE users_fts MATCH $1";
        let smi = users(" Smi ");
        assert_eq!(smi.set.expect("a phrase").text(), from);
        assert_eq!(smi.rest.text(), from);
        assert_eq!(smi.start.text(), "u.search_key >= $1 AND u.search_key < $2");
        assert_eq!(smi.many.text(), "u.search_key LIKE $1 ESCAPE '\\'");
        // A longer term: the range of its first trigram, tested there for the whole term.
        assert_eq!(
            users("Smith").start.text(),
            "u.search_key >= $1 AND u.search_key < $2 AND u.search_key LIKE $3 ESCAPE '\\'"
        );
        let short = users("Zö");
        assert!(short.set.is_none(), "tested on the walk when read whole");
        let rest = short.rest.text();
        assert!(rest.contains("FROM users_fts_terms v WHERE v.term >= $1 AND v.term < $2"));
        assert!(rest.contains("rowid NOT IN (SELECT p.id FROM users p WHERE p.company_id = $3"));
        let Part::Either { id, set, .. } = condition(Backend::Sqlite, Searched::Invitations, "zeta").unwrap()
        else {
            panic!("three characters have trigrams");
        };
        assert_eq!(id, "i.id");
        assert_eq!(
            set.text(),
            "SELECT rowid FROM invitations_fts WHERE invitations_fts MATCH $1"
        );
        let Part::Fixed(short) = condition(Backend::Sqlite, Searched::Invitations, "Zö").unwrap() else {
            panic!("an invitation's short term is tested on the walk");
        };
        assert_eq!(short.text(), "i.search_key LIKE $1 ESCAPE '\\'");
        assert!(matches!(
            condition(Backend::Postgres, Searched::Users(company), "smi").unwrap(),
            Part::Fixed(_)
        ));
        assert!(condition(
            Backend::Sqlite,
            Searched::Users(company),
            &"a".repeat(MAX_SEARCH_CHARS + 1)
        )
        .is_err());
    }
}
