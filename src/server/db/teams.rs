//! Teams and their members. Reads need view-users, changes manage-teams; every query is scoped
//! to the capability's company, so another company's team is NotFound and another company's
//! users are never added. Each change is one transaction with its audit events.

use super::{
    audit::{By, Target},
    hierarchy::{Hierarchy, Rank},
    is_unique_violation,
    keyset::settle_page,
    scope::InScope,
    search,
    sql::Sql,
    write::{Store, Write},
    Db,
};
use crate::model::{LiveEvent, LiveKind};
use crate::{
    error::AppError,
    model::{
        AuditAction, CompanyId, MembersChanged, TeamId, TeamMember, TeamName, TeamPage, TeamRow, UserId,
        UserStatus, MAX_MEMBERS_PER_CHANGE, TEAM_PAGE_SIZE,
    },
    server::access::{perm, Can},
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{Any, Transaction};

const TAKEN: &str = "A team with this name already exists.";

fn taken_name(e: sqlx::Error) -> AppError {
    if is_unique_violation(&e) {
        AppError::field("name", TAKEN)
    } else {
        e.into()
    }
}

/// The company's teams by name, each with its number of members.
#[tracing::instrument(skip(db, can), err(Debug))]
pub async fn list(db: &Db, can: &Can<perm::ViewUsers>) -> Result<Vec<TeamRow>, AppError> {
    // Every team shows, but a scoped caller counts only the members they can see.
    let mut sql = Sql::new(
        "SELECT t.id, t.name, COUNT(tm.user_id) FROM teams t LEFT JOIN team_members tm ON tm.team_id = t.id",
    );
    sql.append(&visible_members(can))
        .push(" WHERE t.company_id = ")
        .bind(can.company())
        .push(" GROUP BY t.id, t.name ORDER BY t.name, t.id");
    let rows: Vec<(i64, String, i64)> = sql.fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, members)| TeamRow {
            id: TeamId(id),
            name,
            members,
        })
        .collect())
}

/// A condition on `team_members tm` keeping the members inside the caller's scope.
fn visible_members(can: &Can<perm::ViewUsers>) -> Sql {
    let inside = can.scope().users_inside("u.id");
    let mut sql = Sql::default();
    if !inside.is_empty() {
        sql.push(" AND tm.user_id IN (SELECT u.id FROM users u WHERE 1 = 1")
            .append(&inside)
            .push(")");
    }
    sql
}

/// Where a page of members starts or ends: the (folded name, id) of its boundary member. Opaque to
/// clients (hex of JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cursor {
    /// The boundary member's folded name (their search key): members are listed in folded
    /// order, "émile" beside "Emile".
    key: String,
    id: i64,
}

impl Cursor {
    fn encode(&self) -> String {
        hex::encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(text: &str) -> Result<Cursor, AppError> {
        hex::decode(text)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| {
                AppError::BadRequest("this page link is out of date; start again from the first page".into())
            })
    }
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    id: i64,
    name: String,
    email: String,
    status: String,
    search_key: String,
}

/// The team `id` of the company with one page of its members by (folded name, id): after the cursor
/// `after`, or before `before`. Keyset pages, never OFFSET.
#[tracing::instrument(skip(db, can), err(Debug))]
pub async fn page(
    db: &Db,
    can: &Can<perm::ViewUsers>,
    id: TeamId,
    after: Option<&str>,
    before: Option<&str>,
) -> Result<TeamPage, AppError> {
    let company = can.company();
    let mut sql = Sql::new("SELECT t.name, (SELECT COUNT(*) FROM team_members tm WHERE tm.team_id = t.id");
    sql.append(&visible_members(can))
        .push(") FROM teams t WHERE t.id = ")
        .bind(id)
        .push(" AND t.company_id = ")
        .bind(company);
    let team: (String, i64) = sql
        .fetch_optional(db)
        .await?
        .ok_or_else(|| AppError::NotFound("That team".into()))?;

    let backward = before.is_some();
    let cursor = match before.or(after) {
        Some(text) => Some(Cursor::decode(text)?),
        None => None,
    };
    let (op, direction) = if backward { ("<", "DESC") } else { (">", "ASC") };
    let mut sql = Sql::new(
        "SELECT u.id, u.name, u.email, u.status, u.search_key FROM team_members tm JOIN users u ON u.id = tm.user_id
         WHERE tm.team_id = ",
    );
    sql.bind(id)
        .push(" AND u.company_id = ")
        .bind(company)
        .append(&can.scope().users_inside("u.id"));
    if let Some(c) = &cursor {
        sql.push(&format!(" AND (u.search_key, u.id) {op} ("))
            .bind(c.key.as_str())
            .push(", ")
            .bind(c.id)
            .push(")");
    }
    sql.push(&format!(
        " ORDER BY u.search_key {direction}, u.id {direction} LIMIT "
    ))
    .bind(TEAM_PAGE_SIZE as i64 + 1);
    let mut rows: Vec<MemberRow> = sql.fetch_all(db).await?;
    let (prev, next) = settle_page(
        &mut rows,
        TEAM_PAGE_SIZE as i64,
        backward,
        cursor.is_some(),
        |r| {
            Cursor {
                key: r.search_key.clone(),
                id: r.id,
            }
            .encode()
        },
    );
    let members = rows
        .into_iter()
        .map(|r| TeamMember {
            id: UserId(r.id),
            status: UserStatus::from_key(&r.status).unwrap_or(UserStatus::Deactivated),
            name: r.name,
            email: r.email,
        })
        .collect();
    Ok(TeamPage {
        team: TeamRow {
            id,
            name: team.0,
            members: team.1,
        },
        members,
        prev,
        next,
    })
}

/// Refuses a name another team of the company has, ignoring case ("Sales" and "sales" would
/// be confusing side by side). The unique index still decides under concurrency.
async fn check_free(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    name: &TeamName,
    except: Option<TeamId>,
) -> Result<(), AppError> {
    if super::name_taken(tx, "teams", company, name.as_str(), except.map(|t| t.0)).await? {
        Err(AppError::field("name", TAKEN))
    } else {
        Ok(())
    }
}

/// The name of the company's team `id`, if it is one (another company's team is not).
async fn name_of(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    id: TeamId,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM teams WHERE id = $1 AND company_id = $2")
        .bind(id)
        .bind(company)
        .fetch_optional(&mut **tx)
        .await
}

/// The name of the company's team `id`, or NotFound: for acting on the team itself.
async fn team_name(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    id: TeamId,
) -> Result<String, AppError> {
    name_of(tx, company, id)
        .await?
        .ok_or_else(|| AppError::NotFound("That team".into()))
}

/// The name of the team a form chose (adding, inviting or approving people into it), or a
/// field error when it is not one of the company's teams.
pub(super) async fn chosen(
    tx: &mut Transaction<'_, Any>,
    company: CompanyId,
    id: TeamId,
) -> Result<String, AppError> {
    name_of(tx, company, id)
        .await?
        .ok_or_else(|| AppError::field("team", "Choose one of your company's teams."))
}

/// Creates a team with no members.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn create(
    store: Store<'_>,
    can: &Can<perm::ManageTeams>,
    by: &By,
    name: &str,
) -> Result<TeamId, AppError> {
    let company = can.company();
    let name = TeamName::parse(name)?;
    let mut w = Write::begin(store, by).await?;
    let now = w.now;
    check_free(&mut w.tx, company, &name, None).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO teams (company_id, name, created_at, name_key) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(company)
    .bind(name.as_str())
    .bind(now)
    .bind(search::fold(name.as_str()))
    .fetch_one(&mut *w.tx)
    .await
    .map_err(taken_name)?;
    w.audit(
        AuditAction::TeamCreated,
        Target::named(name.as_str()),
        None,
        Some(json!({ "name": name.as_str() })),
    )
    .await?;
    w.announce(LiveEvent::teams([TeamId(id)]));
    w.commit().await?;
    Ok(TeamId(id))
}

/// Renames the company's team `id`.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn rename(
    store: Store<'_>,
    can: &Can<perm::ManageTeams>,
    by: &By,
    id: TeamId,
    name: &str,
) -> Result<(), AppError> {
    let company = can.company();
    let name = TeamName::parse(name)?;
    let mut w = Write::begin(store, by).await?;
    let before = team_name(&mut w.tx, company, id).await?;
    if before == name.as_str() {
        return Ok(());
    }
    check_free(&mut w.tx, company, &name, Some(id)).await?;
    sqlx::query("UPDATE teams SET name = $1, name_key = $4 WHERE id = $2 AND company_id = $3")
        .bind(name.as_str())
        .bind(id)
        .bind(company)
        .bind(search::fold(name.as_str()))
        .execute(&mut *w.tx)
        .await
        .map_err(taken_name)?;
    w.audit(
        AuditAction::TeamRenamed,
        Target::named(name.as_str()),
        Some(json!({ "name": before })),
        Some(json!({ "name": name.as_str() })),
    )
    .await?;
    w.announce(LiveEvent::teams([id]));
    // Every member's row in the users table names the team.
    w.announce(LiveEvent::everything(LiveKind::Users));
    w.commit().await?;
    Ok(())
}

/// Deletes the company's team `id`. Its members stay users; only their membership goes (as do
/// pending invitations' places in it).
#[tracing::instrument(skip_all, err(Debug))]
pub async fn delete(
    store: Store<'_>,
    can: &Can<perm::ManageTeams>,
    by: &By,
    id: TeamId,
) -> Result<(), AppError> {
    let company = can.company();
    let mut w = Write::begin(store, by).await?;
    let name = team_name(&mut w.tx, company, id).await?;
    // Deleting the team takes everyone out of it: not those above the caller.
    let mut among = Sql::new("u.id IN (SELECT tm.user_id FROM team_members tm WHERE tm.team_id = ");
    among.bind(id).push(")");
    refuse_outranked(&mut w, can, &among).await?;
    let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM team_members WHERE team_id = $1")
        .bind(id)
        .fetch_one(&mut *w.tx)
        .await?;
    // The foreign keys cascade to team_members and invitation_teams.
    sqlx::query("DELETE FROM teams WHERE id = $1 AND company_id = $2")
        .bind(id)
        .bind(company)
        .execute(&mut *w.tx)
        .await?;
    w.audit(
        AuditAction::TeamDeleted,
        Target::named(&name),
        Some(json!({ "name": name, "members": members })),
        None,
    )
    .await?;
    w.announce(LiveEvent::teams([id]));
    w.announce(LiveEvent::everything(LiveKind::Users));
    w.commit().await?;
    Ok(())
}

/// The distinct ids named, refusing an empty or overlong list.
fn distinct(users: &[UserId]) -> Result<Vec<i64>, AppError> {
    let mut ids: Vec<i64> = users.iter().map(|u| u.0).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(AppError::field("users", "Choose at least one person."));
    }
    if ids.len() > MAX_MEMBERS_PER_CHANGE {
        return Err(AppError::field(
            "users",
            format!("Choose at most {MAX_MEMBERS_PER_CHANGE} people at a time."),
        ));
    }
    Ok(ids)
}

/// Records one event per user whose membership of `team` changed, and announces them.
async fn record_memberships(
    w: &mut Write<'_>,
    id: TeamId,
    action: AuditAction,
    team: &str,
    changed: &[i64],
) -> Result<(), AppError> {
    if changed.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new("SELECT id, email FROM users WHERE id IN (");
    sql.list(changed.iter().copied()).push(")");
    let users: Vec<(i64, String)> = sql.fetch_all(&mut *w.tx).await?;
    for (user, email) in users {
        w.audit(
            action,
            Target::user(UserId(user), &email),
            None,
            Some(json!({ "team": team })),
        )
        .await?;
    }
    w.announce(LiveEvent::teams([id]));
    w.announce(LiveEvent::users(changed.iter().copied().map(UserId)));
    Ok(())
}

/// Refuses, naming them, when any of the company's users matching `among` (an SQL condition
/// on `u.id`) holds more than the caller: nobody moves someone above them in or out of teams
/// (the hierarchy rule; peers may).
async fn refuse_outranked(
    w: &mut Write<'_>,
    can: &Can<perm::ManageTeams>,
    among: &Sql,
) -> Result<(), AppError> {
    Hierarchy::load(&mut w.tx, can, w.locked.owner, Rank::AtLeast)
        .await?
        .refuse(&mut w.tx, among, "")
        .await
}

/// Adds the named users of the company to the team in one statement; those already in it, and
/// ids that are not the company's users, are left out.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn add_members(
    store: Store<'_>,
    can: &Can<perm::ManageTeams>,
    by: &By,
    id: TeamId,
    users: &[UserId],
) -> Result<MembersChanged, AppError> {
    let company = can.company();
    let ids = distinct(users)?;
    let mut w = Write::begin(store, by).await?;
    let team = team_name(&mut w.tx, company, id).await?;
    let mut among = Sql::new("u.id IN (");
    among.list(ids.iter().copied()).push(")");
    refuse_outranked(&mut w, can, &among).await?;
    let mut sql = Sql::new("INSERT INTO team_members (team_id, user_id) SELECT ");
    sql.bind(id)
        .push(", u.id FROM users u WHERE u.company_id = ")
        .bind(company)
        .push(" AND ")
        .append(&among)
        .push(" AND NOT EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = ")
        .bind(id)
        .push(" AND tm.user_id = u.id) ON CONFLICT DO NOTHING RETURNING user_id");
    let added: Vec<i64> = sql.scalars(&mut *w.tx).await?;
    record_memberships(&mut w, id, AuditAction::TeamMemberAdded, &team, &added).await?;
    w.commit().await?;
    Ok(MembersChanged {
        changed: added.len() as u64,
        unchanged: (ids.len() - added.len()) as u64,
    })
}

/// Takes the named users out of the team in one statement; they stay users. Ids of people not
/// in the team are ignored.
#[tracing::instrument(skip_all, err(Debug))]
pub async fn remove_members(
    store: Store<'_>,
    can: &Can<perm::ManageTeams>,
    by: &By,
    id: TeamId,
    users: &[UserId],
) -> Result<MembersChanged, AppError> {
    let company = can.company();
    let ids = distinct(users)?;
    let mut w = Write::begin(store, by).await?;
    let team = team_name(&mut w.tx, company, id).await?;
    let mut among = Sql::new("u.id IN (");
    among.list(ids.iter().copied()).push(")");
    refuse_outranked(&mut w, can, &among).await?;
    let mut sql = Sql::new("DELETE FROM team_members WHERE team_id = ");
    sql.bind(id)
        .push(" AND user_id IN (")
        .list(ids.iter().copied())
        .push(") AND user_id IN (SELECT id FROM users WHERE company_id = ")
        .bind(company)
        .push(") RETURNING user_id");
    let removed: Vec<i64> = sql.scalars(&mut *w.tx).await?;
    record_memberships(&mut w, id, AuditAction::TeamMemberRemoved, &team, &removed).await?;
    w.commit().await?;
    Ok(MembersChanged {
        changed: removed.len() as u64,
        unchanged: (ids.len() - removed.len()) as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_cursor_survives_the_round_trip_and_garbage_is_refused() {
        let cursor = Cursor {
            key: "ana ruiz".into(),
            id: 7,
        };
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        assert!(Cursor::decode("zz-not-hex").is_err());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(crate::proptest_config::config(1024))]

            #[test]
            fn any_text_as_a_member_cursor_is_refused_or_read(text in any::<String>(), hex in "[0-9a-f]{0,64}") {
                let _ = Cursor::decode(&text);
                let _ = Cursor::decode(&hex);
            }

            #[test]
            fn a_member_cursor_reads_back_the_same(key in any::<String>(), id in any::<i64>()) {
                let cursor = Cursor { key, id };
                prop_assert_eq!(Cursor::decode(&cursor.encode()).ok(), Some(cursor));
            }
        }
    }

    #[test]
    fn member_lists_are_deduplicated_and_bounded() {
        assert_eq!(distinct(&[UserId(3), UserId(1), UserId(3)]).unwrap(), vec![1, 3]);
        assert_eq!(distinct(&[]).unwrap_err().field_name(), Some("users"));
        let many: Vec<UserId> = (0..=MAX_MEMBERS_PER_CHANGE as i64).map(UserId).collect();
        assert!(distinct(&many).is_err());
    }
}
