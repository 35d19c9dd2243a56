//! The hierarchy of power: nobody acts on someone who holds as much as they do or more, and
//! nobody but the owner acts on the owner. The rule compares what each role grants on the
//! accounts involved (see the README's access section).

use super::{scope::InScope, sql::Sql};
use crate::{
    error::AppError,
    model::{CompanyId, Grants, UserId},
    server::access::{Can, Scope},
};
use sqlx::{Any, Transaction};

/// How far above someone the caller must be to act on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rank {
    /// Holding strictly more on every account their access reaches: for a person's details,
    /// email, roles, access, status, deletion, devices and sessions.
    Above,
    /// Holding at least as much: for team membership, which grants no power, so peers may
    /// organise each other into teams.
    AtLeast,
}

/// Who the caller may act on in their company, worked out once per change.
pub struct Hierarchy {
    company: CompanyId,
    actor: UserId,
    owner: UserId,
    /// For each role of the company, the accounts where its holders are below the caller.
    roles: Vec<(i64, Scope)>,
}

/// What a refusal says; the same for the owner and for anyone else above the caller.
pub const OUTRANKED: &str = "holds as much access as you or more: ask the owner or someone above them";

impl Hierarchy {
    /// Reads the company's roles. `owner` comes from `lock_company`, so the owner cannot
    /// change under the caller's feet.
    pub async fn load<P>(
        tx: &mut Transaction<'_, Any>,
        can: &Can<P>,
        owner: UserId,
        rank: Rank,
    ) -> Result<Hierarchy, sqlx::Error> {
        // The owner is above everyone: nothing to read (a change holds its company's lock, and
        // each round trip is time the company's other changes wait).
        let rows: Vec<(i64, Option<String>, String)> = if can.actor() == owner {
            Vec::new()
        } else {
            sqlx::query_as("SELECT id, builtin, permissions FROM roles WHERE company_id = $1")
                .bind(can.company())
                .fetch_all(&mut **tx)
                .await?
        };
        let roles = rows
            .into_iter()
            .map(|(id, builtin, stored)| {
                let grants = Grants::of_role(builtin.as_deref(), &stored, can.modules());
                (id, can.above(&grants, rank == Rank::Above))
            })
            .collect();
        Ok(Hierarchy {
            company: can.company(),
            actor: can.actor(),
            owner,
            roles,
        })
    }

    /// An SQL condition on the user id column `user`: the users the caller may not act on
    /// (never the caller themselves; other rules decide what one may do to oneself).
    pub fn outranked(&self, user: &str) -> Sql {
        if self.actor == self.owner {
            return Sql::new("1 = 0");
        }
        let mut allowed = Sql::default();
        for (role, scope) in &self.roles {
            if matches!(scope, Scope::Only(accounts) if accounts.is_empty()) {
                continue;
            }
            if !allowed.is_empty() {
                allowed.push(" OR ");
            }
            allowed
                .push("(hr.role_id = ")
                .bind(*role)
                .append(&scope.accounts_inside("hr.account_id"))
                .push(")");
        }
        if allowed.is_empty() {
            allowed.push("1 = 0");
        }
        let mut sql = Sql::new(&format!("({user} <> "));
        sql.bind(self.actor)
            .push(&format!(" AND ({user} = "))
            .bind(self.owner)
            .push(&format!(
                " OR EXISTS (SELECT 1 FROM role_assignments hr WHERE hr.user_id = {user} AND NOT ("
            ))
            .append(&allowed)
            .push("))))");
        sql
    }

    /// Refuses, naming them, when any of the company's users `u` matching `among` is someone
    /// the caller may not act on; `why` ends the sentence.
    pub async fn refuse(
        &self,
        tx: &mut Transaction<'_, Any>,
        among: &Sql,
        why: &str,
    ) -> Result<(), AppError> {
        if self.actor == self.owner {
            return Ok(());
        }
        let mut sql = Sql::new("SELECT u.name FROM users u WHERE u.company_id = ");
        sql.bind(self.company)
            .push(" AND ")
            .append(among)
            .push(" AND ")
            .append(&self.outranked("u.id"))
            .push(" ORDER BY u.name");
        let above: Vec<String> = sql.scalars(&mut **tx).await?;
        if above.is_empty() {
            Ok(())
        } else {
            Err(AppError::Outranked(format!(
                "{} {OUTRANKED}{why}.",
                above.join(", ")
            )))
        }
    }
}

/// Refuses, naming them, unless the caller may act on `user` under the hierarchy rule.
/// `owner` comes from `lock_company` (or `owner_of` for a read).
pub(super) async fn below<P>(
    tx: &mut Transaction<'_, Any>,
    can: &Can<P>,
    owner: UserId,
    user: UserId,
    rank: Rank,
) -> Result<(), AppError> {
    Hierarchy::load(tx, can, owner, rank)
        .await?
        .refuse(tx, Sql::new("u.id = ").bind(user), "")
        .await
}
