//! Reading the audit log: a company's events, newest first, filtered, in keyset pages on
//! (created_at, id) so a page stays put while new events arrive at the top. Writing events
//! is `db::audit`'s.

use super::{keyset::settle_page, search, sql::Sql, Db};
use crate::{
    error::AppError,
    model::{
        audit_cursor, AccountId, ActorKind, AuditAction, AuditEvent, AuditPage, AuditQuery, CompanyId,
        UserId, AUDIT_NEW_MAX, AUDIT_PAGE_SIZE,
    },
    server::{
        access::{perm, Can, Scope},
        db::scope::InScope,
    },
};

fn decode(text: &str) -> Result<(i64, i64), AppError> {
    text.split_once('.')
        .and_then(|(t, id)| Some((t.parse().ok()?, id.parse().ok()?)))
        .ok_or_else(|| {
            AppError::BadRequest("this page link is out of date; start again from the first page".into())
        })
}

/// The conditions of `query` (after `WHERE`) on events `e`, the actor `a` and target `t`
/// (both `LEFT JOIN`ed users), kept to the caller's company and scope.
fn filter(company: CompanyId, scope: &Scope, query: &AuditQuery) -> Result<Sql, AppError> {
    let mut sql = Sql::new("e.company_id = ");
    sql.bind(company);
    if !scope.is_all() {
        // A scoped viewer sees only events about people whose access lies inside their
        // accounts: not company-wide events, nor those about people gone or outside.
        sql.push(" AND e.target_user_id IS NOT NULL")
            .append(&scope.users_inside("e.target_user_id"));
    }
    if let Some(actor) = query.actor {
        sql.push(" AND e.actor_id = ").bind(actor);
    }
    if !query.actions.is_empty() {
        let keys: Vec<&str> = query.actions.iter().map(|a| a.key()).collect();
        sql.push(if query.not {
            " AND e.action NOT IN ("
        } else {
            " AND e.action IN ("
        })
        .list(keys)
        .push(")");
    }
    if let Some(target) = query.target {
        sql.push(" AND e.target_user_id = ").bind(target);
    }
    if let Some(account) = query.account {
        // Events on the account or below it, and events about people with access there: each
        // a set computed once, not per event.
        let mut subtree = Sql::new("WITH RECURSIVE sub(id) AS (SELECT id FROM accounts WHERE id = ");
        subtree
            .bind(account)
            .push(" AND company_id = ")
            .bind(company)
            .push(" UNION ALL SELECT c.id FROM accounts c JOIN sub s ON c.parent_id = s.id) ");
        sql.push(" AND (e.account_ref IN (")
            .append(&subtree)
            .push("SELECT id FROM sub) OR e.target_user_id IN (")
            .append(&subtree)
            .push("SELECT ra.user_id FROM role_assignments ra WHERE ra.account_id IN (SELECT id FROM sub)))");
    }
    if let Some(from) = query.from {
        sql.push(" AND e.created_at >= ").bind(from);
    }
    if let Some(until) = query.until {
        sql.push(" AND e.created_at < ").bind(until);
    }
    let term = query.search.trim();
    if !term.is_empty() {
        let folded = search::like_pattern(term)?;
        // The names as recorded (the event's key) and the target's as they are now.
        sql.push(" AND (e.search_key LIKE ")
            .bind(folded.clone())
            .push(" ESCAPE '\\' OR t.search_key LIKE ")
            .bind(folded.clone())
            .push(" ESCAPE '\\'");
        // The actor's current name and email only for a company-wide viewer: a scoped one
        // may see an event by someone outside their accounts, but not test guesses at that
        // person's email one letter at a time (the row shows the name recorded, nothing more).
        if scope.is_all() {
            sql.push(" OR a.search_key LIKE ")
                .bind(folded)
                .push(" ESCAPE '\\'");
        }
        let needle = search::fold(term);
        let actions: Vec<&str> = AuditAction::ALL
            .into_iter()
            .filter(|a| a.words().contains(needle.as_str()) || a.key().contains(needle.as_str()))
            .map(|a| a.key())
            .collect();
        if !actions.is_empty() {
            sql.push(" OR e.action IN (").list(actions).push(")");
        }
        sql.push(")");
    }
    Ok(sql)
}

/// An account filter outside the caller's scope (or company) is refused, not shown empty.
async fn check_account(db: &Db, can: &Can<perm::ViewAuditLog>, query: &AuditQuery) -> Result<(), AppError> {
    if let Some(account) = query.account {
        let mut known = Sql::new("SELECT COUNT(*) FROM accounts WHERE id = ");
        known
            .bind(account)
            .push(" AND company_id = ")
            .bind(can.company())
            .append(&can.scope().accounts_inside("id"));
        if known.scalar::<i64>(db).await? == 0 {
            return Err(AppError::field("account", "There is no such account."));
        }
    }
    Ok(())
}

/// How many events of `query`'s view (its page cursors aside) are newer than the event at
/// `since` (a cursor: the newest event the caller shows), or in all when `None`; counted
/// through the same conditions as [`page`], so a scoped viewer counts only what they may
/// see. Counts at most [`AUDIT_NEW_MAX`] + 1, which the page shows as "more than".
#[tracing::instrument(skip(db, can), err)]
pub async fn count_newer(
    db: &Db,
    can: &Can<perm::ViewAuditLog>,
    query: &AuditQuery,
    since: Option<&str>,
) -> Result<u32, AppError> {
    let since = since.map(decode).transpose()?;
    check_account(db, can, query).await?;
    let mut sql = Sql::new(
        "SELECT COUNT(*) FROM (SELECT e.id FROM audit_events e
         LEFT JOIN users a ON a.id = e.actor_id
         LEFT JOIN users t ON t.id = e.target_user_id
         WHERE ",
    );
    sql.append(&filter(can.company(), can.scope(), &query.first_page())?);
    if let Some((created_at, id)) = since {
        sql.push(" AND (e.created_at, e.id) > (")
            .bind(created_at)
            .push(", ")
            .bind(id)
            .push(")");
    }
    sql.push(" LIMIT ")
        .bind(i64::from(AUDIT_NEW_MAX) + 1)
        .push(") AS newer");
    let count = sql.scalar::<i64>(db).await?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    created_at: i64,
    actor_kind: String,
    actor_id: Option<i64>,
    actor_name: String,
    action: String,
    target_user_id: Option<i64>,
    target_name: Option<String>,
    target_label: String,
    ip: String,
    before_json: Option<String>,
    after_json: Option<String>,
    account_id: Option<i64>,
    account_name: Option<String>,
}

/// One page of the company's audit events for `query`, newest first, with the cursors of
/// the newer (`prev`) and older (`next`) pages.
#[tracing::instrument(skip(db, can), err)]
pub async fn page(db: &Db, can: &Can<perm::ViewAuditLog>, query: &AuditQuery) -> Result<AuditPage, AppError> {
    let per_page = match query.limit {
        0 => AUDIT_PAGE_SIZE,
        n => n.min(AUDIT_PAGE_SIZE),
    };
    fetch(db, can, query, per_page).await
}

/// Like [`page`], `per_page` events at a time (the export reads the log in larger pages).
pub async fn fetch(
    db: &Db,
    can: &Can<perm::ViewAuditLog>,
    query: &AuditQuery,
    per_page: u32,
) -> Result<AuditPage, AppError> {
    let per_page = i64::from(per_page);
    let backward = query.before.is_some();
    let cursor = match query.before.as_deref().or(query.after.as_deref()) {
        Some(text) => Some(decode(text)?),
        None => None,
    };
    check_account(db, can, query).await?;
    let mut sql = Sql::new(
        "SELECT e.id, e.created_at, e.actor_kind, a.id AS actor_id, e.actor_name, e.action,
                t.id AS target_user_id, t.name AS target_name, e.target_label, e.ip,
                e.before_json, e.after_json, ac.id AS account_id,
                CASE WHEN e.account_ref IS NOT NULL THEN COALESCE(ac.name, e.account_label) END AS account_name
         FROM audit_events e
         LEFT JOIN users a ON a.id = e.actor_id
         LEFT JOIN users t ON t.id = e.target_user_id
         LEFT JOIN accounts ac ON ac.id = e.account_ref AND ac.company_id = e.company_id
         WHERE ",
    );
    sql.append(&filter(can.company(), can.scope(), query)?);
    // Newest first; walking back to newer events flips the comparison and the order, and
    // the rows are reversed after.
    if let Some((created_at, id)) = cursor {
        let op = if backward { ">" } else { "<" };
        sql.push(&format!(" AND (e.created_at, e.id) {op} ("))
            .bind(created_at)
            .push(", ")
            .bind(id)
            .push(")");
    }
    let direction = if backward { "ASC" } else { "DESC" };
    sql.push(&format!(
        " ORDER BY e.created_at {direction}, e.id {direction} LIMIT "
    ))
    .bind(per_page + 1);

    let mut rows: Vec<Row> = sql.fetch_all(db).await?;
    let (prev, next) = settle_page(&mut rows, per_page, backward, cursor.is_some(), |r| {
        audit_cursor(r.created_at, r.id)
    });
    let events = rows
        .into_iter()
        .map(|r| AuditEvent {
            id: r.id,
            created_at: r.created_at,
            actor_kind: ActorKind::from_key(&r.actor_kind),
            actor_id: r.actor_id.map(UserId),
            actor_name: r.actor_name,
            action: AuditAction::from_key(&r.action),
            action_key: r.action,
            target_id: r.target_user_id.map(UserId),
            target_name: r.target_name,
            target_label: r.target_label,
            ip: r.ip,
            before: r.before_json,
            after: r.after_json,
            account_id: r.account_id.map(AccountId),
            account_name: r.account_name,
        })
        .collect();
    Ok(AuditPage {
        events,
        prev,
        next,
        now: super::now_ms(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(crate::proptest_config::config(1024))]

            /// A cursor comes from the URL: any text is refused or read, never a panic.
            #[test]
            fn any_text_as_an_audit_cursor_is_refused_or_read(text in any::<String>(), digits in "-?[0-9]{0,20}\\.-?[0-9]{0,20}") {
                let _ = decode(&text);
                let _ = decode(&digits);
            }

            #[test]
            fn an_audit_cursor_reads_back_the_same(created_at in any::<i64>(), id in any::<i64>()) {
                prop_assert_eq!(decode(&audit_cursor(created_at, id)).ok(), Some((created_at, id)));
            }
        }
    }
}
