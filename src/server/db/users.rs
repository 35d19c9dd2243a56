//! Reading users. Pages are keyset-paginated on (name, id), served by the
//! `users_company_search` index (names in folded order: "émile" beside "Emile"); never
//! OFFSET.

use super::{
    hierarchy::Rank,
    keyset::settle_page,
    now_ms,
    plan::{self, Part},
    scope::InScope,
    search::{self, Searched},
    sql::{Sql, Value},
    Backend, Db,
};
use crate::{
    error::AppError,
    model::{
        AccountId, Choice, CompanyId, FilterChoices, InvitationRow, InvitationStatus, RoleIn, TabCounts,
        UserDetails, UserId, UserListQuery, UserRow, UserSort, UserStatus, UserTab,
    },
    server::{
        access::Scope,
        access::{perm, Can},
    },
};
use serde::{Deserialize, Serialize};
use sqlx::{Any, Transaction};
use std::collections::HashMap;

/// One page of rows with the cursors of the pages before and after it.
pub struct Paged<T> {
    pub rows: Vec<T>,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// Where a page starts or ends: the sort it belongs to and the sort key of the boundary row.
/// Opaque to clients (hex of JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cursor {
    sort: String,
    desc: bool,
    key: Vec<Value>,
}

impl Cursor {
    fn encode(&self) -> String {
        hex::encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(text: &str, query: &UserListQuery) -> Result<Cursor, AppError> {
        let stale =
            || AppError::BadRequest("this page link is out of date; start again from the first page".into());
        let cursor: Cursor = hex::decode(text)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(stale)?;
        let columns = if query.tab == UserTab::Invited {
            1
        } else {
            sort_columns(query.sort).len() + 1
        };
        if cursor.sort != query.sort.key() || cursor.desc != query.desc || cursor.key.len() != columns {
            return Err(stale());
        }
        Ok(cursor)
    }
}

/// The sort key of each order, before the `id` that breaks ties; each has its index.
fn sort_columns(sort: UserSort) -> &'static [&'static str] {
    match sort {
        // The folded name (then email): "émile" sorts beside "Emile" on both databases.
        UserSort::Name => &["u.search_key"],
        UserSort::Email => &["u.email"],
        UserSort::Status => &["u.status", "u.search_key"],
        UserSort::LastSeen => &["COALESCE(u.last_seen_at, 0)"],
        UserSort::Created => &["u.created_at"],
    }
}

/// A page's row ([`Sql::fetch_packed`]: the fields in the statement's order).
#[derive(Deserialize)]
struct Row {
    id: i64,
    name: String,
    email: String,
    phone: String,
    job_title: String,
    status: String,
    last_seen_at: Option<i64>,
    created_at: i64,
    is_owner: i64,
    search_key: String,
    /// `[on the root account, account, role]`, root account first.
    roles: Vec<(serde_json::Value, String, String)>,
    /// In name order.
    teams: Vec<String>,
}

impl Row {
    /// The row's roles in a few words and in full ([`super::assignments::brief`],
    /// [`super::assignments::summary`]); accounts are named without their path to keep the
    /// column short.
    fn roles(&self) -> (String, String) {
        // SQLite writes the flag as 1 or 0, PostgreSQL as true or false.
        let held = || {
            self.roles.iter().map(|(root, a, r)| {
                (
                    root.as_bool().unwrap_or(root.as_i64() == Some(1)),
                    a.as_str(),
                    r.as_str(),
                )
            })
        };
        (
            super::assignments::brief(held()),
            super::assignments::summary(held()),
        )
    }

    fn key(&self, sort: UserSort) -> Vec<Value> {
        let mut key = match sort {
            UserSort::Name => vec![Value::Text(self.search_key.clone())],
            UserSort::Email => vec![Value::Text(self.email.clone())],
            UserSort::Status => vec![
                Value::Text(self.status.clone()),
                Value::Text(self.search_key.clone()),
            ],
            UserSort::LastSeen => vec![Value::Int(self.last_seen_at.unwrap_or(0))],
            UserSort::Created => vec![Value::Int(self.created_at)],
        };
        key.push(Value::Int(self.id));
        key
    }
}

/// What sign-in needs to know about the user with an email.
#[derive(Debug, sqlx::FromRow)]
pub struct Login {
    pub id: i64,
    pub status: String,
    pub password_hash: Option<String>,
    /// The security stamp the password was checked against; the session gets it.
    pub security_stamp: i64,
}

pub async fn find_login(db: &Db, email: &str) -> Result<Option<Login>, sqlx::Error> {
    sqlx::query_as("SELECT id, status, password_hash, security_stamp FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(db)
        .await
}

/// The condition on `users u` that selects the users of `company` in the view `query` (tab,
/// search, filters), to be read whole: pages and bulk selections share its parts. Only users
/// inside the caller's `scope` are ever matched.
fn whole(
    backend: Backend,
    company: CompanyId,
    scope: &Scope,
    query: &UserListQuery,
    only: Only<'_>,
) -> Result<Sql, AppError> {
    let mut sql = view_rows(company, scope, query);
    let parts = plan::whole(view_parts(backend, company, query, only)?);
    if !parts.is_empty() {
        sql.push(" AND ").append(&parts);
    }
    Ok(sql)
}

/// The users of `company` a view may show before its search and filters: those inside
/// `scope`, of the tab's status.
fn view_rows(company: CompanyId, scope: &Scope, query: &UserListQuery) -> Sql {
    let mut sql = Sql::new("u.company_id = ");
    sql.bind(company).append(&scope.users_inside("u.id"));
    if let Some(status) = query.tab.status() {
        sql.push(" AND u.status = ").bind(status.key());
    }
    sql
}

/// Some rows of a view chosen by id (an export of a selection); `None`: every row.
pub type Only<'a> = Option<&'a [i64]>;

/// `{id} IN (ids)` for the rows chosen by id (none matches an empty choice).
fn chosen(id: &str, ids: &[i64]) -> Sql {
    if ids.is_empty() {
        return Sql::new("1 = 0");
    }
    let mut sql = Sql::new(&format!("{id} IN ("));
    sql.list(ids.iter().copied()).push(")");
    sql
}

/// The view's search and role, team and account filters, and the rows chosen by id (`only`).
/// On PostgreSQL the filters are `u.id IN (subquery)`, which its planner reads whichever way
/// suits; on SQLite, each takes the form its size calls for (see [`plan`](super::plan)).
fn view_parts(
    backend: Backend,
    company: CompanyId,
    query: &UserListQuery,
    only: Only<'_>,
) -> Result<Vec<Part>, AppError> {
    let mut parts = Vec::new();
    if let Some(ids) = only {
        parts.push(Part::Fixed(chosen("u.id", ids)));
    }
    if !query.search.trim().is_empty() {
        parts.push(search::condition(
            backend,
            Searched::Users(company),
            &query.search,
        )?);
    }
    let filters = [
        ("role_assignments", "user_id", "role_id", query.role.map(|r| r.0)),
        ("team_members", "user_id", "team_id", query.team.map(|t| t.0)),
        (
            "role_assignments",
            "user_id",
            "account_id",
            query.account.map(|a| a.0),
        ),
    ];
    for (table, user, column, value) in filters {
        let Some(value) = value else { continue };
        let mut set = Sql::new(&format!("SELECT f.{user} FROM {table} f WHERE f.{column} = "));
        set.bind(value);
        parts.push(match backend {
            Backend::Postgres => {
                let mut among = Sql::new("u.id IN (");
                among.append(&set).push(")");
                Part::Fixed(among)
            }
            Backend::Sqlite => {
                let mut exists = Sql::new(&format!(
                    "EXISTS (SELECT 1 FROM {table} f WHERE f.{user} = u.id AND f.{column} = "
                ));
                exists.bind(value).push(")");
                Part::Either {
                    id: "u.id",
                    set,
                    many: exists,
                }
            }
        });
    }
    Ok(parts)
}

/// The view's condition for a write that takes every user it matches (a bulk change, the
/// approvals of a view).
pub(super) fn whole_view(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    scope: &Scope,
    query: &UserListQuery,
) -> Result<Sql, AppError> {
    whole(Backend::of_connection(tx), company, scope, query, None)
}

/// One page of the caller's company's users for `query`, with the cursors around it.
/// Keyset pagination: each page seeks in the sort's index from the boundary row, never OFFSET.
#[tracing::instrument(skip(db, can), err(Debug))]
pub async fn page(
    db: &Db,
    can: &Can<perm::ViewUsers>,
    query: &UserListQuery,
) -> Result<Paged<UserRow>, AppError> {
    let Paged { rows, prev, next } = rows(db, can, query, None).await?;
    let users = rows
        .into_iter()
        .map(|r| {
            let (role, role_detail) = r.roles();
            UserRow {
                id: UserId(r.id),
                role,
                role_detail,
                is_owner: r.is_owner == 1,
                teams: r.teams,
                status: UserStatus::from_key(&r.status).unwrap_or(UserStatus::Deactivated),
                name: r.name,
                email: r.email,
                last_seen_at: r.last_seen_at,
                created_at: r.created_at,
            }
        })
        .collect();
    Ok(Paged {
        rows: users,
        prev,
        next,
    })
}

/// A user as the users table's export writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedUser {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub job_title: String,
    pub status: UserStatus,
    /// Every role with its account ([`super::assignments::summary`]).
    pub roles: String,
    pub teams: Vec<String>,
    /// Unix ms.
    pub created_at: i64,
    pub last_seen_at: Option<i64>,
}

/// A page of `query` for the export: the table's page (the same statement, `per_page` rows
/// from its cursor), of the users chosen by id when `only` is given.
pub async fn export_page(
    db: &Db,
    can: &Can<perm::ViewUsers>,
    query: &UserListQuery,
    only: Only<'_>,
) -> Result<Paged<ExportedUser>, AppError> {
    let Paged { rows, prev, next } = rows(db, can, query, only).await?;
    let rows = rows
        .into_iter()
        .map(|r| ExportedUser {
            roles: r.roles().1,
            teams: r.teams,
            status: UserStatus::from_key(&r.status).unwrap_or(UserStatus::Deactivated),
            name: r.name,
            email: r.email,
            phone: r.phone,
            job_title: r.job_title,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
        })
        .collect();
    Ok(Paged { rows, prev, next })
}

/// How many users an export of `query` (of those chosen by id, with `only`) writes.
pub async fn count_export(
    db: &Db,
    can: &Can<perm::ViewUsers>,
    query: &UserListQuery,
    only: Only<'_>,
) -> Result<i64, AppError> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM users u WHERE ");
    sql.append(&whole(
        Backend::of_pool(db),
        can.company(),
        can.scope(),
        query,
        only,
    )?);
    Ok(sql.scalar(db).await?)
}

/// A page's rows, put in order, with the cursors around it: what [`page`] and
/// [`export_page`] both read.
async fn rows(
    db: &Db,
    can: &Can<perm::ViewUsers>,
    query: &UserListQuery,
    only: Only<'_>,
) -> Result<Paged<Row>, AppError> {
    let per_page = i64::from(query.per_page);
    let backward = query.before.is_some();
    let (sql, cursor) = page_rows(db, can, query, only).await?;
    let mut rows: Vec<Row> = sql.fetch_packed(db).await?;
    let (prev, next) = settle_page(&mut rows, per_page, backward, cursor.is_some(), |r| {
        Cursor {
            sort: query.sort.key().into(),
            desc: query.desc,
            key: r.key(query.sort),
        }
        .encode()
    });
    Ok(Paged { rows, prev, next })
}

/// The statement [`page`] runs to read a page's rows: the bench prints its query plan.
pub async fn page_statement(
    db: &Db,
    can: &Can<perm::ViewUsers>,
    query: &UserListQuery,
) -> Result<Sql, AppError> {
    Ok(page_rows(db, can, query, None).await?.0)
}

/// The statement that reads a page's rows (`per_page + 1` of them, in walking order), and the
/// cursor it starts from.
async fn page_rows(
    db: &Db,
    can: &Can<perm::ViewUsers>,
    query: &UserListQuery,
    only: Only<'_>,
) -> Result<(Sql, Option<Cursor>), AppError> {
    let per_page = i64::from(query.per_page);
    let backward = query.before.is_some();
    let cursor = match query.before.as_deref().or(query.after.as_deref()) {
        Some(text) => Some(Cursor::decode(text, query)?),
        None => None,
    };

    let mut rows = view_rows(can.company(), can.scope(), query);
    let mut columns: Vec<&str> = sort_columns(query.sort).to_vec();
    columns.push("u.id");
    // Walking backwards flips the comparison and the order; the rows are reversed after.
    let descending = query.desc != backward;
    if let Some(cursor) = &cursor {
        let op = if descending { "<" } else { ">" };
        rows.push(&format!(" AND ({}) {op} (", columns.join(", ")))
            .list(cursor.key.iter().cloned())
            .push(")");
    }
    let direction = if descending { "DESC" } else { "ASC" };
    let order: Vec<String> = columns.iter().map(|c| format!("{c} {direction}")).collect();
    let walk = plan::Walk {
        rows,
        order: format!("ORDER BY {}", order.join(", ")),
        limit: per_page + 1,
    };
    let backend = Backend::of_pool(db);
    let parts = view_parts(backend, can.company(), query, only)?;
    let by_name = backend == Backend::Sqlite && query.sort == UserSort::Name;
    let branches = plan::page(db, by_name.then_some(&walk), parts).await?;

    let mut sql = Sql::new(
        "SELECT u.id, u.name, u.email, u.phone, u.job_title, u.status, u.last_seen_at, u.created_at, u.search_key,
                CASE WHEN u.id = (SELECT c.owner_id FROM companies c WHERE c.id = u.company_id) THEN 1 ELSE 0 END
                  AS is_owner
         FROM users u WHERE ",
    );
    match branches.as_slice() {
        [plan::Branch {
            from: None,
            condition,
        }] => {
            sql.append(&walk.rows);
            if !condition.is_empty() {
                sql.push(" AND ").append(condition);
            }
        }
        // Each branch read in the page's order, up to a page, then the first of them all.
        several => {
            sql.push("u.id IN (");
            for (n, branch) in several.iter().enumerate() {
                if n > 0 {
                    sql.push(" UNION ALL ");
                }
                sql.push("SELECT id FROM (SELECT u.id FROM ");
                match &branch.from {
                    Some(from) => sql
                        .push("(")
                        .append(from)
                        .push(") j CROSS JOIN users u ON u.id = j.id"),
                    None => sql.push("users u"),
                };
                sql.push(" WHERE ").append(&walk.rows);
                if !branch.condition.is_empty() {
                    sql.push(" AND ").append(&branch.condition);
                }
                sql.push(&format!(" {} LIMIT ", walk.order))
                    .bind(walk.limit)
                    .push(")");
            }
            sql.push(")");
        }
    }
    sql.push(&format!(" {} LIMIT ", walk.order)).bind(walk.limit);

    // The rows' roles and teams come with them, aggregated for the page's rows alone: one
    // statement a page instead of three, answered as one row ([`Sql::packed`]).
    let columns = format!(
        "p.id, p.name, p.email, p.phone, p.job_title, p.status, p.last_seen_at, p.created_at, p.is_owner, \
         p.search_key, {}, {}",
        held_json(backend),
        teams_json(backend)
    );
    Ok((
        sql.packed(backend, &columns, &walk.order.replace("u.", "p.")),
        cursor,
    ))
}

/// The roles of user `p.id` as a JSON array of `[on the root account, account, role]`, root
/// account first, then by account name. (SQLite's `json()` keeps it JSON inside the page's
/// array, not a string.)
fn held_json(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "json((SELECT json_group_array(json_array(a.parent_id IS NULL, a.name, r.name)
                ORDER BY a.parent_id IS NOT NULL, a.name)
              FROM role_assignments ra
              JOIN roles r ON r.id = ra.role_id
              JOIN accounts a ON a.id = ra.account_id
              WHERE ra.user_id = p.id))"
        }
        Backend::Postgres => {
            "(SELECT COALESCE(json_agg(json_build_array(a.parent_id IS NULL, a.name, r.name)
                ORDER BY a.parent_id IS NOT NULL, a.name), '[]')
              FROM role_assignments ra
              JOIN roles r ON r.id = ra.role_id
              JOIN accounts a ON a.id = ra.account_id
              WHERE ra.user_id = p.id)"
        }
    }
}

/// The teams of user `p.id` as a JSON array of names, in name order.
fn teams_json(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "json((SELECT json_group_array(t.name ORDER BY t.name)
              FROM team_members tm JOIN teams t ON t.id = tm.team_id
              WHERE tm.user_id = p.id))"
        }
        Backend::Postgres => {
            "(SELECT COALESCE(json_agg(t.name ORDER BY t.name), '[]')
              FROM team_members tm JOIN teams t ON t.id = tm.team_id
              WHERE tm.user_id = p.id)"
        }
    }
}

#[derive(sqlx::FromRow)]
struct InvitationDbRow {
    id: i64,
    email: String,
    name: String,
    invited_by_name: String,
    status: String,
    sent_at: i64,
    expires_at: i64,
    accepted_at: Option<i64>,
    withdrawn_at: Option<i64>,
}

/// A page of the company's invitations, whatever their status, newest first.
pub async fn invitations(
    db: &Db,
    can: &Can<perm::ViewUsers>,
    query: &UserListQuery,
    now: i64,
) -> Result<Paged<InvitationRow>, AppError> {
    let Paged { rows, prev, next } = invitation_rows(db, can, query, None).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut access = invitation_access(db, &ids).await?;
    let mut teams = invitation_teams(db, &ids).await?;
    let rows = rows
        .into_iter()
        .map(|r| InvitationRow {
            id: r.id,
            access: access.remove(&r.id).unwrap_or_default(),
            teams: teams.remove(&r.id).unwrap_or_default(),
            status: InvitationStatus::at(&r.status, r.expires_at, now),
            email: r.email,
            name: r.name,
            invited_by: r.invited_by_name,
            sent_at: r.sent_at,
            expires_at: r.expires_at,
            accepted_at: r.accepted_at,
            withdrawn_at: r.withdrawn_at,
        })
        .collect();
    Ok(Paged { rows, prev, next })
}

/// Every account each invitation of `ids` gives access to, with its role: the root account
/// first, then by name.
async fn invitation_access(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Vec<RoleIn>>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new(
        "SELECT ia.invitation_id, r.name, a.name FROM invitation_accounts ia
         JOIN roles r ON r.id = ia.role_id JOIN accounts a ON a.id = ia.account_id
         WHERE ia.invitation_id IN (",
    );
    sql.list(ids.iter().copied())
        .push(") ORDER BY a.parent_id IS NOT NULL, a.name, a.id");
    let mut access: HashMap<i64, Vec<RoleIn>> = HashMap::new();
    for (invitation, role, account) in sql.fetch_all::<(i64, String, String)>(db).await? {
        access
            .entry(invitation)
            .or_default()
            .push(RoleIn { role, account });
    }
    Ok(access)
}

/// An invitation as the Invited tab's export writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedInvitation {
    pub email: String,
    pub name: String,
    /// Every role with its account ([`super::assignments::summary`]).
    pub roles: String,
    pub teams: Vec<String>,
    pub invited_by: String,
    pub status: InvitationStatus,
    /// Unix ms.
    pub sent_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
}

/// A page of the Invited tab for the export: the tab's page (the same statement, `per_page`
/// rows from its cursor), of the invitations chosen by id when `only` is given.
pub async fn export_invitations(
    db: &Db,
    can: &Can<perm::ViewUsers>,
    query: &UserListQuery,
    only: Only<'_>,
    now: i64,
) -> Result<Paged<ExportedInvitation>, AppError> {
    let Paged { rows, prev, next } = invitation_rows(db, can, query, only).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut roles = held_roles(db, "invitation_accounts", "invitation_id", &ids).await?;
    let mut teams = invitation_teams(db, &ids).await?;
    let rows = rows
        .into_iter()
        .map(|r| ExportedInvitation {
            roles: roles.remove(&r.id).map(|(_, full)| full).unwrap_or_default(),
            teams: teams.remove(&r.id).unwrap_or_default(),
            status: InvitationStatus::at(&r.status, r.expires_at, now),
            email: r.email,
            name: r.name,
            invited_by: r.invited_by_name,
            sent_at: r.sent_at,
            expires_at: r.expires_at,
            accepted_at: r.accepted_at,
        })
        .collect();
    Ok(Paged { rows, prev, next })
}

/// How many invitations an export of the Invited tab's `query` (of those chosen by id, with
/// `only`) writes.
pub async fn count_invitations(
    db: &Db,
    can: &Can<perm::ViewUsers>,
    query: &UserListQuery,
    only: Only<'_>,
) -> Result<i64, AppError> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM invitations i WHERE ");
    sql.append(&invitations_of_view(db, can, query, only).await?);
    Ok(sql.scalar(db).await?)
}

/// The condition on `invitations i` of the Invited tab's view (search, filters) inside the
/// caller's company and scope, and of the invitations chosen by id (`only`).
async fn invitations_of_view(
    db: &Db,
    can: &Can<perm::ViewUsers>,
    query: &UserListQuery,
    only: Only<'_>,
) -> Result<Sql, AppError> {
    let mut sql = Sql::new("i.company_id = ");
    sql.bind(can.company())
        .append(&can.scope().invitations_inside("i.id"));
    if let Some(ids) = only {
        sql.push(" AND ").append(&chosen("i.id", ids));
    }
    if !query.search.trim().is_empty() {
        let part = search::condition(Backend::of_pool(db), Searched::Invitations, &query.search)?;
        // Not in name order: one branch, no ids to start from.
        for branch in plan::page(db, None, vec![part]).await? {
            sql.push(" AND ").append(&branch.condition);
        }
    }
    if let Some(role) = query.role {
        sql.push(" AND EXISTS (SELECT 1 FROM invitation_accounts ia WHERE ia.invitation_id = i.id AND ia.role_id = ")
            .bind(role)
            .push(")");
    }
    if let Some(team) = query.team {
        sql.push(
            " AND EXISTS (SELECT 1 FROM invitation_teams it WHERE it.invitation_id = i.id AND it.team_id = ",
        )
        .bind(team)
        .push(")");
    }
    if let Some(account) = query.account {
        sql.push(" AND EXISTS (SELECT 1 FROM invitation_accounts ia WHERE ia.invitation_id = i.id AND ia.account_id = ")
            .bind(account)
            .push(")");
    }
    Ok(sql)
}

/// A page of the Invited tab's rows, newest first, with the cursors around it: what
/// [`invitations`] and [`export_invitations`] both read.
async fn invitation_rows(
    db: &Db,
    can: &Can<perm::ViewUsers>,
    query: &UserListQuery,
    only: Only<'_>,
) -> Result<Paged<InvitationDbRow>, AppError> {
    let per_page = i64::from(query.per_page);
    let backward = query.before.is_some();
    let boundary = match query.before.as_deref().or(query.after.as_deref()) {
        None => None,
        Some(text) => match Cursor::decode(text, query)?.key.first() {
            Some(Value::Int(id)) => Some(*id),
            _ => return Err(AppError::BadRequest("this page link is out of date".into())),
        },
    };
    let mut sql = Sql::new(
        "SELECT i.id, i.email, i.name, i.invited_by_name, i.status, i.sent_at, i.expires_at, i.accepted_at,
                i.withdrawn_at
         FROM invitations i WHERE ",
    );
    sql.append(&invitations_of_view(db, can, query, only).await?);
    // Newest first is id descending; walking backwards flips it.
    let (op, direction) = if backward { (">", "ASC") } else { ("<", "DESC") };
    if let Some(id) = boundary {
        sql.push(&format!(" AND i.id {op} ")).bind(id);
    }
    sql.push(&format!(" ORDER BY i.id {direction} LIMIT "))
        .bind(per_page + 1);
    let mut rows: Vec<InvitationDbRow> = sql.fetch_all(db).await?;
    let (prev, next) = settle_page(&mut rows, per_page, backward, boundary.is_some(), |r| {
        Cursor {
            sort: query.sort.key().into(),
            desc: query.desc,
            key: vec![Value::Int(r.id)],
        }
        .encode()
    });
    Ok(Paged { rows, prev, next })
}

async fn invitation_teams(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Vec<String>>, sqlx::Error> {
    names_of(
        db,
        "SELECT it.invitation_id, t.name FROM invitation_teams it JOIN teams t ON t.id = it.team_id
         WHERE it.invitation_id",
        ids,
        "t.name",
    )
    .await
}

/// How many users the view matches on every page, for "Select all N users matching this view".
pub async fn count_matching(
    db: &Db,
    can: &Can<perm::ViewUsers>,
    query: &UserListQuery,
) -> Result<i64, AppError> {
    count_export(db, can, query, None).await
}

/// How many users each tab of `query`'s search and filters holds inside the caller's scope,
/// and how many pending invitations that have not expired it matches: the conditions of the
/// table's own views, read whole.
pub async fn tab_counts(
    db: &Db,
    can: &Can<perm::ViewUsers>,
    query: &UserListQuery,
    now: i64,
) -> Result<TabCounts, AppError> {
    let every = UserListQuery {
        tab: UserTab::All,
        ..query.first_page()
    };
    let mut sql = Sql::new("SELECT u.status, COUNT(*) FROM users u WHERE ");
    sql.append(&whole(
        Backend::of_pool(db),
        can.company(),
        can.scope(),
        &every,
        None,
    )?)
    .push(" GROUP BY u.status");
    let rows: Vec<(String, i64)> = sql.fetch_all(db).await?;
    let of = |status: UserStatus| {
        rows.iter()
            .find(|(s, _)| s == status.key())
            .map_or(0, |(_, n)| *n)
    };
    // Every invitation the Invited tab lists, and the pending ones among them, in one read.
    let mut sql =
        Sql::new("SELECT COUNT(*), COALESCE(SUM(CASE WHEN i.status = 'pending' AND i.expires_at > ");
    sql.bind(now)
        .push(" THEN 1 ELSE 0 END), 0) FROM invitations i WHERE ")
        .append(&invitations_of_view(db, can, &every, None).await?);
    let (invitations, invited): (i64, i64) = sql.fetch_one(db).await?;
    Ok(TabCounts {
        all: rows.iter().map(|(_, n)| n).sum(),
        active: of(UserStatus::Active),
        deactivated: of(UserStatus::Deactivated),
        invited,
        awaiting_approval: of(UserStatus::PendingApproval),
        unconfirmed: of(UserStatus::PendingEmail),
        invitations,
    })
}

/// The company's roles, teams and accounts, for the table's filters.
pub async fn filter_choices(db: &Db, can: &Can<perm::ViewUsers>) -> Result<FilterChoices, sqlx::Error> {
    let company = can.company().0;
    let list = |sql: &'static str| async move {
        sqlx::query_as::<_, (i64, String)>(sql)
            .bind(company)
            .fetch_all(db)
            .await
            .map(|rows| {
                rows.into_iter()
                    .map(|(id, name)| Choice { id, name })
                    .collect::<Vec<_>>()
            })
    };
    Ok(FilterChoices {
        roles: list("SELECT id, name FROM roles WHERE company_id = $1 ORDER BY id").await?,
        teams: list("SELECT id, name FROM teams WHERE company_id = $1 ORDER BY name").await?,
        accounts: account_choices(db, can.company(), can.scope()).await?,
    })
}

/// The accounts inside `scope`, each named by its path from the top ("Acme › Sales › EMEA"),
/// in tree order: for filters and for choosing where to give access.
pub async fn account_choices(db: &Db, company: CompanyId, scope: &Scope) -> Result<Vec<Choice>, sqlx::Error> {
    let rows: Vec<(i64, Option<i64>, String)> =
        sqlx::query_as("SELECT id, parent_id, name FROM accounts WHERE company_id = $1")
            .bind(company)
            .fetch_all(db)
            .await?;
    let by_id: HashMap<i64, (Option<i64>, &str)> =
        rows.iter().map(|(id, p, n)| (*id, (*p, n.as_str()))).collect();
    let path = |mut id: i64| {
        let mut names = Vec::new();
        // Bounded by the number of accounts, so a damaged tree cannot loop forever.
        while let Some((parent, name)) = by_id.get(&id).filter(|_| names.len() <= rows.len()) {
            names.push(*name);
            match parent {
                Some(p) => id = *p,
                None => break,
            }
        }
        names.reverse();
        names
    };
    let mut choices: Vec<(Vec<&str>, i64)> = rows
        .iter()
        .filter(|(id, _, _)| scope.covers(AccountId(*id)))
        .map(|(id, _, _)| (path(*id), *id))
        .collect();
    choices.sort();
    Ok(choices
        .into_iter()
        .map(|(names, id)| Choice {
            id,
            name: names.join(" › "),
        })
        .collect())
}

/// The roles per account that the rows of `links` (`role_assignments` by `user_id`,
/// `invitation_accounts` by `invitation_id`) give each of `ids`, in a few words and in full.
async fn held_roles(
    db: &Db,
    links: &str,
    key: &str,
    ids: &[i64],
) -> Result<HashMap<i64, (String, String)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new(&format!(
        "SELECT ra.{key}, r.name, a.name, CASE WHEN a.parent_id IS NULL THEN 1 ELSE 0 END
         FROM {links} ra
         JOIN roles r ON r.id = ra.role_id
         JOIN accounts a ON a.id = ra.account_id
         WHERE ra.{key} IN ("
    ));
    sql.list(ids.iter().copied())
        .push(") ORDER BY a.parent_id IS NOT NULL, a.name");
    let mut held: HashMap<i64, Vec<(bool, String, String)>> = HashMap::new();
    for (user, role, account, is_root) in sql.fetch_all::<(i64, String, String, i64)>(db).await? {
        held.entry(user).or_default().push((is_root == 1, account, role));
    }
    Ok(held
        .into_iter()
        .map(|(user, rows)| {
            let held = || rows.iter().map(|(root, a, r)| (*root, a.as_str(), r.as_str()));
            (
                user,
                (
                    super::assignments::brief(held()),
                    super::assignments::summary(held()),
                ),
            )
        })
        .collect())
}

/// Runs `select` (whose WHERE ends with an id column) `IN (ids)` ordered by `order`, and
/// groups the (id, name) rows it returns by id.
async fn names_of(
    db: &Db,
    select: &str,
    ids: &[i64],
    order: &str,
) -> Result<HashMap<i64, Vec<String>>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new(select);
    sql.push(" IN (")
        .list(ids.iter().copied())
        .push(&format!(") ORDER BY {order}"));
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, name) in sql.fetch_all::<(i64, String)>(db).await? {
        out.entry(id).or_default().push(name);
    }
    Ok(out)
}

/// One user of the caller's company, for their page.
pub async fn details(db: &Db, can: &Can<perm::ViewUsers>, user: UserId) -> Result<UserDetails, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        name: String,
        email: String,
        phone: String,
        job_title: String,
        status: String,
        version: i64,
        last_seen_at: Option<i64>,
        created_at: i64,
        is_owner: i64,
        never_signed_in: i64,
    }
    let mut sql = Sql::new(&format!(
        "SELECT u.name, u.email, u.phone, u.job_title, u.status, u.version, u.last_seen_at, u.created_at,
                CASE WHEN c.owner_id = u.id THEN 1 ELSE 0 END AS is_owner,
                {NEVER_SIGNED_IN} AS never_signed_in
         FROM users u JOIN companies c ON c.id = u.company_id
         WHERE u.id = "
    ));
    sql.bind(user)
        .push(" AND u.company_id = ")
        .bind(can.company())
        .append(&can.scope().users_inside("u.id"));
    let row: Row = sql
        .fetch_optional(db)
        .await?
        .ok_or_else(|| AppError::NotFound("That user".into()))?;
    let (access, role) = super::assignments::of_user(db, can.company(), user).await?;
    let teams = sqlx::query_as::<_, (i64, String)>(
        "SELECT t.id, t.name FROM team_members tm JOIN teams t ON t.id = tm.team_id
         WHERE tm.user_id = $1 ORDER BY t.name",
    )
    .bind(user)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|(id, name)| Choice { id, name })
    .collect();
    let below_viewer = {
        let mut tx = db.begin().await?;
        let owner = super::companies::owner_of(&mut tx, can.company()).await?;
        match super::hierarchy::below(&mut tx, can, owner, user, Rank::Above).await {
            Ok(()) => true,
            Err(AppError::Outranked(_)) => false,
            Err(other) => return Err(other),
        }
    };
    Ok(UserDetails {
        id: user,
        status: UserStatus::from_key(&row.status).unwrap_or(UserStatus::Deactivated),
        is_owner: row.is_owner == 1,
        never_signed_in: row.never_signed_in == 1,
        teams,
        name: row.name,
        email: row.email,
        phone: row.phone,
        job_title: row.job_title,
        role,
        access,
        version: row.version,
        last_seen_at: row.last_seen_at,
        created_at: row.created_at,
        now: now_ms(),
        below_viewer,
    })
}

#[derive(sqlx::FromRow)]
pub(super) struct Current {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub job_title: String,
    pub status: String,
    /// 1 when they never set a password nor signed in ([`NEVER_SIGNED_IN`]).
    pub never_signed_in: i64,
}

/// 1 for a user (`u`) who never set a password nor signed in: their set-up email may be sent
/// again.
const NEVER_SIGNED_IN: &str =
    "CASE WHEN u.password_hash IS NULL AND u.last_seen_at IS NULL THEN 1 ELSE 0 END";

/// The user `id` of the caller's company inside their `scope`, or NotFound (also for other
/// companies' users and users outside the scope, so ids reveal nothing).
pub(super) async fn current(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    scope: &Scope,
    id: UserId,
) -> Result<Current, AppError> {
    let mut sql = Sql::new(&format!(
        "SELECT u.name, u.email, u.phone, u.job_title, u.status, {NEVER_SIGNED_IN} AS never_signed_in
         FROM users u WHERE u.id = "
    ));
    sql.bind(id)
        .push(" AND u.company_id = ")
        .bind(company)
        .append(&scope.users_inside("u.id"));
    sql.fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| AppError::NotFound("That user".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_from_another_sort_is_refused() {
        let by_name = UserListQuery::default();
        let cursor = Cursor {
            sort: "name".into(),
            desc: false,
            key: vec![Value::Text("Ana".into()), Value::Int(7)],
        };
        assert_eq!(Cursor::decode(&cursor.encode(), &by_name).unwrap(), cursor);
        let by_email_desc = UserListQuery {
            sort: UserSort::Email,
            desc: true,
            ..UserListQuery::default()
        };
        assert!(Cursor::decode(&cursor.encode(), &by_email_desc).is_err());
        assert!(Cursor::decode("zz-not-hex", &by_name).is_err());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn view() -> impl Strategy<Value = UserListQuery> {
            (
                prop::sample::select(UserSort::ALL.to_vec()),
                any::<bool>(),
                any::<bool>(),
            )
                .prop_map(|(sort, desc, invited)| UserListQuery {
                    tab: if invited { UserTab::Invited } else { UserTab::All },
                    sort,
                    desc,
                    ..UserListQuery::default()
                })
        }

        fn value() -> impl Strategy<Value = Value> {
            prop_oneof![
                any::<i64>().prop_map(Value::Int),
                any::<String>().prop_map(Value::Text)
            ]
        }

        proptest! {
            #![proptest_config(crate::proptest_config::config(1024))]

            /// A cursor comes from the URL: any text is refused or read, never a panic.
            #[test]
            fn any_text_as_a_cursor_is_refused_or_read(text in any::<String>(), hex in "[0-9a-f]{0,64}", query in view()) {
                let _ = Cursor::decode(&text, &query);
                let _ = Cursor::decode(&hex, &query);
            }

            #[test]
            fn a_cursor_of_the_view_reads_back_the_same(query in view(), key in prop::collection::vec(value(), 1..4)) {
                let columns = if query.tab == UserTab::Invited { 1 } else { sort_columns(query.sort).len() + 1 };
                let mut key = key;
                key.resize(columns, Value::Int(0));
                let cursor = Cursor { sort: query.sort.key().into(), desc: query.desc, key };
                prop_assert_eq!(Cursor::decode(&cursor.encode(), &query).ok(), Some(cursor));
            }
        }
    }
}
