//! Reading users. Pages are keyset-paginated on (name, id), served by the
//! `users_company_name` index; never OFFSET.

use super::{placeholders, Db};
use crate::{
    model::{UserId, UserRow, UserStatus},
    server::auth::{perm, Can},
};
use std::collections::HashMap;

/// Where a page starts: after the row with this name and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub name: String,
    pub id: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}:{}", self.id, self.name)
    }

    pub fn decode(text: &str) -> Option<Cursor> {
        let (id, name) = text.split_once(':')?;
        Some(Cursor {
            id: id.parse().ok()?,
            name: name.to_string(),
        })
    }
}

/// What sign-in needs to know about the user with an email.
#[derive(Debug, sqlx::FromRow)]
pub struct Login {
    pub id: i64,
    pub status: String,
    pub password_hash: Option<String>,
}

pub async fn find_login(db: &Db, email: &str) -> Result<Option<Login>, sqlx::Error> {
    sqlx::query_as("SELECT id, status, password_hash FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(db)
        .await
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    email: String,
    status: String,
    last_seen_at: Option<i64>,
}

/// One page of the caller's company's users, ordered by name, and the cursor of the next.
#[tracing::instrument(skip(db, can), err(Debug))]
pub async fn page(
    db: &Db,
    can: &Can<perm::ViewUsers>,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<(Vec<UserRow>, Option<Cursor>), sqlx::Error> {
    let mut rows: Vec<Row> = match after {
        None => {
            sqlx::query_as(
                "SELECT id, name, email, status, last_seen_at FROM users
             WHERE company_id = $1 ORDER BY name, id LIMIT $2",
            )
            .bind(can.company().0)
            .bind(limit + 1)
            .fetch_all(db)
            .await?
        }
        Some(c) => {
            sqlx::query_as(
                "SELECT id, name, email, status, last_seen_at FROM users
             WHERE company_id = $1 AND (name > $2 OR (name = $2 AND id > $3))
             ORDER BY name, id LIMIT $4",
            )
            .bind(can.company().0)
            .bind(&c.name)
            .bind(c.id)
            .bind(limit + 1)
            .fetch_all(db)
            .await?
        }
    };
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| Cursor {
            name: r.name.clone(),
            id: r.id,
        })
    } else {
        None
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut roles = roles_of(db, &ids).await?;
    let mut teams = teams_of(db, &ids).await?;
    let users = rows
        .into_iter()
        .map(|r| UserRow {
            id: UserId(r.id),
            role: roles.remove(&r.id).unwrap_or_default(),
            teams: teams.remove(&r.id).unwrap_or_default(),
            status: UserStatus::from_key(&r.status).unwrap_or(UserStatus::Deactivated),
            name: r.name,
            email: r.email,
            last_seen_at: r.last_seen_at,
        })
        .collect();
    Ok((users, next))
}

/// Each user's role for the table: the role on the root account, else "Role (Account)" for
/// each sub-account they can reach.
async fn roles_of(db: &Db, ids: &[i64]) -> Result<HashMap<i64, String>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT ra.user_id, r.name, a.name, CASE WHEN a.parent_id IS NULL THEN 1 ELSE 0 END
         FROM role_assignments ra
         JOIN roles r ON r.id = ra.role_id
         JOIN accounts a ON a.id = ra.account_id
         WHERE ra.user_id IN ({})
         ORDER BY a.name",
        placeholders(1, ids.len())
    );
    let mut query = sqlx::query_as::<_, (i64, String, String, i64)>(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    // A role on the root account covers every sub-account, so it alone is shown.
    let mut root: HashMap<i64, String> = HashMap::new();
    let mut sub: HashMap<i64, Vec<String>> = HashMap::new();
    for (user, role, account, is_root) in query.fetch_all(db).await? {
        if is_root == 1 {
            root.insert(user, role);
        } else {
            sub.entry(user).or_default().push(format!("{role} ({account})"));
        }
    }
    for (user, roles) in sub {
        root.entry(user).or_insert_with(|| roles.join(", "));
    }
    Ok(root)
}

async fn teams_of(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Vec<String>>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT tm.user_id, t.name FROM team_members tm JOIN teams t ON t.id = tm.team_id
         WHERE tm.user_id IN ({}) ORDER BY t.name",
        placeholders(1, ids.len())
    );
    let mut query = sqlx::query_as::<_, (i64, String)>(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for (user, team) in query.fetch_all(db).await? {
        out.entry(user).or_default().push(team);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_names_with_colons() {
        let c = Cursor {
            name: "Ada: the first".into(),
            id: 42,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("nonsense"), None);
    }
}
