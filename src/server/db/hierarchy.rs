//! The hierarchy of power: nobody acts on someone who holds as much as they do or more, and
//! nobody but the owner acts on the owner. The rule compares what each role grants on the
//! accounts involved (see the README's access section).

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
        let rows: Vec<(i64, Option<String>, String)> =
            sqlx::query_as("SELECT id, builtin, permissions FROM roles WHERE company_id = $1")
                .bind(can.company())
                .fetch_all(&mut **tx)
                .await?;
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
    /// (never the caller themselves; other rules decide what one may do to oneself). Only
    /// numbers from the database are written into it.
    pub fn outranked(&self, user: &str) -> String {
        if self.actor == self.owner {
            return "1 = 0".into();
        }
        let allowed: Vec<String> = self
            .roles
            .iter()
            .filter_map(|(role, scope)| match scope {
                Scope::All => Some(format!("hr.role_id = {role}")),
                Scope::Only(accounts) if accounts.is_empty() => None,
                Scope::Only(_) => Some(format!(
                    "(hr.role_id = {role}{})",
                    scope.accounts_inside("hr.account_id")
                )),
            })
            .collect();
        let allowed = if allowed.is_empty() {
            "1 = 0".to_string()
        } else {
            allowed.join(" OR ")
        };
        format!(
            "({user} <> {actor} AND ({user} = {owner} OR EXISTS (SELECT 1 FROM role_assignments hr
               WHERE hr.user_id = {user} AND NOT ({allowed}))))",
            actor = self.actor.0,
            owner = self.owner.0,
        )
    }

    /// Refuses, naming them, when any of the company's users `u` matching `among` (an SQL
    /// condition whose values are bound from `$1`) is someone the caller may not act on;
    /// `why` ends the sentence.
    pub async fn refuse(
        &self,
        tx: &mut Transaction<'_, Any>,
        among: &str,
        values: &[i64],
        why: &str,
    ) -> Result<(), AppError> {
        let sql = format!(
            "SELECT u.name FROM users u WHERE u.company_id = {} AND {among} AND {} ORDER BY u.name",
            self.company.0,
            self.outranked("u.id")
        );
        let above: Vec<String> = values
            .iter()
            .fold(sqlx::query_scalar(&sql), |q, v| q.bind(*v))
            .fetch_all(&mut **tx)
            .await?;
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
        .refuse(tx, "u.id = $1", &[user.0], "")
        .await
}
