//! Teams: named groups of a company's users (a user can be in several).

use super::{TeamId, UserId, UserStatus};
use serde::{Deserialize, Serialize};

/// Members shown per page on a team's page.
pub const TEAM_PAGE_SIZE: usize = 50;

/// How many users one "Add members" or "Remove" call may name.
pub const MAX_MEMBERS_PER_CHANGE: usize = 500;

/// One team, with how many members it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRow {
    pub id: TeamId,
    pub name: String,
    pub members: i64,
}

/// One member of a team, as the team's page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub status: UserStatus,
}

/// A team's page: the team and one page of its members, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPage {
    pub team: TeamRow,
    pub members: Vec<TeamMember>,
    /// Cursor of the previous page of members, when there is one.
    pub prev: Option<String>,
    /// Cursor of the next page of members, when there is one.
    pub next: Option<String>,
}

/// What "Add members" or "Remove" did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersChanged {
    /// How many people were added to (or removed from) the team.
    pub changed: u64,
    /// How many of the named people were left as they were: already in the team (or not in
    /// it, for a removal), or not a user of the company.
    pub unchanged: u64,
}
