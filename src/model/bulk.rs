//! Bulk changes of users: which users (chosen ones, or every user matching a view), what to
//! do to them, what the server will do and did, and how to undo it.

use super::{RoleId, TeamId, UserId, UserListQuery};
use serde::{Deserialize, Serialize};

/// The most users one request may name by id; beyond that, select everyone matching a view.
pub const MAX_SELECTED_IDS: usize = 10_000;

/// Which users a bulk action is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// Users chosen one by one (or a page at a time).
    #[serde(default)]
    pub ids: Vec<UserId>,
    /// Every user matching this view of the table, resolved by the server when the action
    /// runs (so it covers every page and users added since). Wins over `ids` when set.
    #[serde(default)]
    pub matching: Option<UserListQuery>,
}

impl Selection {
    pub fn of(ids: Vec<UserId>) -> Selection {
        Selection { ids, matching: None }
    }

    pub fn matching(view: UserListQuery) -> Selection {
        Selection {
            ids: Vec::new(),
            matching: Some(view.first_page()),
        }
    }
}

/// What a bulk action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkKind {
    ChangeRole,
    /// Their teams become exactly the chosen ones.
    SetTeams,
    AddToTeams,
    RemoveFromTeams,
    /// Leave one team for another, in one change: `teams` is the team they leave, then the
    /// team they join.
    MoveTeams,
    Deactivate,
    Reactivate,
    Delete,
}

impl BulkKind {
    /// Whether the change can be undone (deleting cannot).
    pub fn undoable(self) -> bool {
        self != BulkKind::Delete
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkAction {
    pub kind: BulkKind,
    /// For ChangeRole.
    #[serde(default)]
    pub role: Option<RoleId>,
    /// For the team changes (for MoveTeams: the team left, then the team joined).
    #[serde(default)]
    pub teams: Vec<TeamId>,
    /// For ChangeRole: the [`PowerGain::key`] of the preview the caller confirmed
    /// ([`PowerGain::NONE_SHOWN`] when it granted nobody anything). When given, the change is refused if it would now grant other
    /// people or other permissions, so nobody is granted power the caller was not shown.
    #[serde(default)]
    pub gainers: Option<String>,
}

impl BulkAction {
    /// `kind` with nothing more: no role, no teams.
    pub fn of(kind: BulkKind) -> BulkAction {
        BulkAction {
            kind,
            role: None,
            teams: Vec::new(),
            gainers: None,
        }
    }

    /// Move people from team `from` to team `to`.
    pub fn move_teams(from: TeamId, to: TeamId) -> BulkAction {
        BulkAction {
            teams: vec![from, to],
            ..BulkAction::of(BulkKind::MoveTeams)
        }
    }
}

/// A move between teams, as the server found it: the two teams by name, and the selected
/// people already in the team moved to (they only leave the other, if they were in it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMove {
    pub from: String,
    pub to: String,
    /// Their names, in name order.
    pub already_there: Vec<String>,
}

/// A user left out of a bulk action, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkSkip {
    pub name: String,
    pub reason: String,
}

/// What a bulk action will do, or did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    /// Users changed (or to be changed).
    pub changed: i64,
    /// Users selected that already are as asked (nothing to do).
    pub unchanged: i64,
    /// Users left out for a reason worth naming (the owner, oneself, ...).
    pub skipped: Vec<BulkSkip>,
    /// The undo handle, after an undoable change.
    pub undo: Option<i64>,
    /// Pending invitations sent by the changed users that die with their authority
    /// (deactivate, delete).
    #[serde(default)]
    pub invitations_withdrawn: i64,
    /// Where a role change applies (its preview): the accounts on which the changed users hold
    /// a role, which the new role replaces there and below, the root first; at most
    /// [`BulkOutcome::ACCOUNTS_NAMED`], with `more_accounts` beyond them.
    #[serde(default)]
    pub accounts: Vec<String>,
    #[serde(default)]
    pub more_accounts: i64,
    /// For a move between teams: the teams, and who was already in the one moved to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved: Option<TeamMove>,
    /// For a role change: who it gives permissions they did not have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gains: Option<PowerGain>,
}

/// The people a role change gives permissions they did not have, and which: a change that
/// grants power is confirmed knowing who gains what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerGain {
    /// How many people gain permissions.
    pub people: i64,
    /// The first of them by name, at most [`NAMES_SHOWN`].
    pub names: Vec<String>,
    /// What they gain, as the roles page words it ("Manage users", "Use Payments").
    pub permissions: Vec<String>,
    /// A digest of exactly who gains what, which confirming the change sends back.
    pub key: String,
}

impl PowerGain {
    /// The key confirming a preview that showed nobody gaining anything: the change is then
    /// refused should it now give anyone more. (Not empty: a form sends an empty value as
    /// none at all, which skips the check.)
    pub const NONE_SHOWN: &'static str = "none";

    /// Above this many people, confirming asks to type their number.
    pub const TYPE_ABOVE: i64 = 5;

    /// Whether confirming asks to type the number of people.
    pub fn asks_for_number(&self) -> bool {
        self.people > Self::TYPE_ABOVE
    }

    /// "6 people will gain new permissions: Manage users, Manage roles."
    pub fn headline(&self) -> String {
        let who = match self.people {
            1 => self.names.first().cloned().unwrap_or_else(|| "1 person".into()),
            n => format!("{n} people"),
        };
        format!(
            "{who} will gain new permissions: {}.",
            self.permissions.join(", ")
        )
    }

    /// "Who: Ana Ruiz, Bo Li and 4 others." (nothing for one person, already named).
    pub fn who(&self) -> Option<String> {
        (self.people > 1).then(|| format!("Who: {}.", name_list(&self.names, self.people as usize)))
    }
}

/// What an undo did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoOutcome {
    pub restored: i64,
    /// Users not restored, with why (most often: changed again since).
    pub not_restored: Vec<BulkSkip>,
}

impl UndoOutcome {
    /// What an undo did, in words: "Undone: 2 users restored. Not restored: Ula 02 was changed
    /// again since."
    pub fn said(&self) -> String {
        let mut text = if self.restored == 0 {
            "Nothing was restored.".to_string()
        } else {
            format!("Undone: {} restored.", users(self.restored))
        };
        for s in &self.not_restored {
            text += &format!(" Not restored: {} {}.", s.name, s.reason);
        }
        text
    }
}

/// How long a change of users can be undone ("Recent changes"), in milliseconds: 24 hours.
pub const UNDO_WINDOW_MS: i64 = 24 * 3600 * 1000;

/// A change of users as the "Recent changes" panel lists it: what it did to whom, who made
/// it and when, and whether it can still be undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentChange {
    /// The undo handle (`users/bulk/undo`'s `change`).
    pub id: i64,
    pub kind: BulkKind,
    /// Who made it: their name now (empty when they were deleted since).
    pub by: String,
    /// Whether the caller made it.
    pub mine: bool,
    /// When it was made (ms since the epoch).
    pub at: i64,
    /// How many people it changed.
    pub people: i64,
    /// Their names, only when there are few and the caller may see every one of them;
    /// otherwise empty and the people are counted.
    pub names: Vec<String>,
    /// How many of them an undo has restored so far.
    pub restored: i64,
    /// When it was undone for everyone it could be, if it was.
    pub undone_at: Option<i64>,
    /// Whether an Undo may still be tried (not undone, within the window).
    pub undoable: bool,
    /// Until when it can be undone.
    pub until: i64,
}

/// The answer of "Recent changes": the changes, and the server's time they were read at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentChanges {
    pub changes: Vec<RecentChange>,
    pub now: i64,
}

impl RecentChange {
    /// At most this many people are named in a row; a larger change is counted.
    pub const NAMED: usize = 3;

    /// "Deactivated Ada Lovelace", "Changed the role of 12 users".
    pub fn what(&self) -> String {
        let who = if !self.names.is_empty() && self.names.len() as i64 == self.people {
            name_list(&self.names, self.names.len())
        } else {
            users(self.people)
        };
        match self.kind {
            BulkKind::ChangeRole => format!("Changed the role of {who}"),
            BulkKind::SetTeams => format!("Set the teams of {who}"),
            BulkKind::AddToTeams => format!("Added {who} to teams"),
            BulkKind::RemoveFromTeams => format!("Removed {who} from teams"),
            BulkKind::MoveTeams => format!("Moved {who} to another team"),
            BulkKind::Deactivate => format!("Deactivated {who}"),
            BulkKind::Reactivate => format!("Reactivated {who}"),
            BulkKind::Delete => format!("Deleted {who}"),
        }
    }

    /// Where it stands: "Undone", "Partly undone: 2 of 3 restored", "Too late to undo", or
    /// nothing while it can simply be undone.
    pub fn state(&self) -> Option<String> {
        let partly = (self.restored > 0).then(|| format!("{} of {} restored", self.restored, self.people));
        match (self.undone_at, self.undoable, partly) {
            (Some(_), _, Some(p)) if self.restored < self.people => Some(format!("Undone: {p}")),
            (Some(_), _, _) => Some("Undone".into()),
            (None, true, Some(p)) => Some(format!("Partly undone: {p}")),
            (None, true, None) => None,
            (None, false, Some(p)) => Some(format!("Partly undone: {p}; too late to undo the rest")),
            (None, false, None) => Some("Too late to undo".into()),
        }
    }
}

fn users(n: i64) -> String {
    format!("{n} user{}", if n == 1 { "" } else { "s" })
}

impl BulkOutcome {
    /// How many accounts a role change's preview names.
    pub const ACCOUNTS_NAMED: usize = 3;

    /// " on Acme and all its sub-accounts": where a role change applies, or nothing. One
    /// person's accounts are listed as theirs; several people's as "the accounts each holds a
    /// role on".
    fn place(&self) -> String {
        let listed = match (self.accounts.as_slice(), self.more_accounts) {
            ([], _) => return String::new(),
            ([one], 0) => return format!(" on {one} and all its sub-accounts"),
            ([rest @ .., last], 0) => format!("{} and {last}", rest.join(", ")),
            (names, more) => format!("{} and {more} more", names.join(", ")),
        };
        if self.changed == 1 {
            format!(" on {listed}, and all their sub-accounts")
        } else {
            format!(" on the accounts each holds a role on ({listed}) and all their sub-accounts")
        }
    }

    /// The dialog's summary before confirming, e.g. "Change the role of 37 users to Admin.
    /// 1 will be skipped: Ana Ruiz is the owner." `doing` says the change with `{users}` where
    /// the count goes, or `one`'s name when the selection is that one person.
    pub fn summary(&self, doing: &str, one: Option<&str>) -> String {
        let who = match one {
            Some(name) if self.changed == 1 => name.to_string(),
            _ => users(self.changed),
        };
        let mut text = if self.changed == 0 {
            "Nobody will be changed.".to_string()
        } else {
            format!("{}{}.", doing.replace("{users}", &who), self.place())
        };
        if let Some(moved) = &self.moved {
            text += &moved.already_there_line(" are already in ", " is already in ");
        } else if self.unchanged > 0 {
            let are = if self.unchanged == 1 { "is" } else { "are" };
            text += &format!(" {} {are} already as asked.", users(self.unchanged));
        }
        if !self.skipped.is_empty() {
            let named: Vec<String> = self
                .skipped
                .iter()
                .map(|s| format!("{} {}", s.name, s.reason))
                .collect();
            text += &format!(" {} will be skipped: {}.", self.skipped.len(), named.join("; "));
        }
        if self.invitations_withdrawn > 0 && self.changed > 0 {
            let n = self.invitations_withdrawn;
            let noun = if n == 1 { "invitation" } else { "invitations" };
            text += &format!(" Their {n} pending {noun} will be withdrawn.");
        }
        text
    }
}

/// At most this many names are listed in a sentence; the rest are counted.
pub const NAMES_SHOWN: usize = 10;

/// "A, B and C", or "A, B … J and 5 others" past [`NAMES_SHOWN`], of `total` people of whom
/// `names` are the first.
fn name_list(names: &[String], total: usize) -> String {
    let shown = &names[..names.len().min(NAMES_SHOWN)];
    let others = total.saturating_sub(shown.len());
    match (shown, others) {
        ([], _) => String::new(),
        ([one], 0) => one.clone(),
        (_, 0) => format!(
            "{} and {}",
            shown[..shown.len() - 1].join(", "),
            shown[shown.len() - 1]
        ),
        _ => format!(
            "{} and {}",
            shown.join(", "),
            if others == 1 {
                "1 other".to_string()
            } else {
                format!("{others} others")
            }
        ),
    }
}

impl TeamMove {
    /// " 4 are already in Marketing: A, B, C and D." (`are` / `is` say the tense), or nothing.
    fn already_there_line(&self, are: &str, is: &str) -> String {
        match self.already_there.len() {
            0 => String::new(),
            1 => format!(" {}{is}{}.", self.already_there[0], self.to),
            n => format!(
                " {n}{are}{}: {}.",
                self.to,
                name_list(&self.already_there, self.already_there.len())
            ),
        }
    }
}

impl BulkOutcome {
    /// What a confirmed change did, for its toast: "37 users changed.", or for a move "28
    /// users moved from Sales to Marketing. 4 were already in Marketing: … Skipped: Ana Ruiz
    /// is not in Sales."
    pub fn result(&self) -> String {
        let Some(moved) = &self.moved else {
            return format!("{} changed.", users(self.changed));
        };
        let mut text = format!(
            "{} moved from {} to {}.",
            users(self.changed),
            moved.from,
            moved.to
        );
        text += &moved.already_there_line(" were already in ", " was already in ");
        if !self.skipped.is_empty() {
            let named: Vec<String> = self
                .skipped
                .iter()
                .take(NAMES_SHOWN)
                .map(|s| format!("{} {}", s.name, s.reason))
                .collect();
            text += &format!(" Skipped: {}", named.join("; "));
            let others = self.skipped.len().saturating_sub(NAMES_SHOWN);
            if others > 0 {
                text += &format!(" and {} more", users(others as i64));
            }
            text += ".";
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_how_many_change_and_who_is_skipped_and_why() {
        let outcome = BulkOutcome {
            changed: 37,
            unchanged: 2,
            skipped: vec![BulkSkip {
                name: "Ana Ruiz".into(),
                reason: "is the owner".into(),
            }],
            undo: None,
            invitations_withdrawn: 0,
            accounts: vec![],
            more_accounts: 0,
            moved: None,
            gains: None,
        };
        assert_eq!(
            outcome.summary("Change the role of {users} to Admin", None),
            "Change the role of 37 users to Admin. 2 users are already as asked. 1 will be skipped: Ana Ruiz is the owner."
        );
        let one = BulkOutcome {
            changed: 1,
            unchanged: 0,
            skipped: vec![],
            undo: None,
            invitations_withdrawn: 0,
            accounts: vec![],
            more_accounts: 0,
            moved: None,
            gains: None,
        };
        assert_eq!(
            one.summary("Deactivate {users}", Some("Ana Ruiz")),
            "Deactivate Ana Ruiz."
        );
        let placed = BulkOutcome {
            accounts: vec!["Acme".into()],
            ..one.clone()
        };
        assert_eq!(
            placed.summary("Change the role of {users} to Admin", Some("Ana Ruiz")),
            "Change the role of Ana Ruiz to Admin on Acme and all its sub-accounts."
        );
        let hers = BulkOutcome {
            accounts: vec!["Asia".into(), "Europe".into()],
            ..one.clone()
        };
        assert_eq!(
            hers.summary("Change the role of {users} to Admin", Some("Ana Ruiz")),
            "Change the role of Ana Ruiz to Admin on Asia and Europe, and all their sub-accounts."
        );
        let spread = BulkOutcome {
            changed: 5,
            accounts: vec!["Europe".into(), "Asia".into(), "Africa".into()],
            more_accounts: 2,
            ..one.clone()
        };
        assert_eq!(
            spread.summary("Change the role of {users} to Admin", None),
            "Change the role of 5 users to Admin on the accounts each holds a role on (Europe, Asia, Africa and 2 more) and all their sub-accounts."
        );
        let inviter = BulkOutcome {
            invitations_withdrawn: 3,
            ..one
        };
        assert_eq!(
            inviter.summary("Deactivate {users}", Some("Ana Ruiz")),
            "Deactivate Ana Ruiz. Their 3 pending invitations will be withdrawn."
        );
    }

    #[test]
    fn a_power_gain_says_who_gains_what_and_asks_for_the_number_above_five() {
        let six = PowerGain {
            people: 12,
            names: (1..=10).map(|n| format!("P{n}")).collect(),
            permissions: vec!["Manage users".into(), "Manage roles".into()],
            key: String::new(),
        };
        assert_eq!(
            six.headline(),
            "12 people will gain new permissions: Manage users, Manage roles."
        );
        assert_eq!(
            six.who().as_deref(),
            Some("Who: P1, P2, P3, P4, P5, P6, P7, P8, P9, P10 and 2 others.")
        );
        assert!(six.asks_for_number());
        let one = PowerGain {
            people: 1,
            names: vec!["Ana Ruiz".into()],
            permissions: vec!["View users".into()],
            key: String::new(),
        };
        assert_eq!(one.headline(), "Ana Ruiz will gain new permissions: View users.");
        assert_eq!(one.who(), None);
        assert!(!one.asks_for_number());
        let five = PowerGain { people: 5, ..six };
        assert!(!five.asks_for_number());
    }

    #[test]
    fn a_move_names_who_was_already_in_the_team_moved_to_and_who_was_skipped() {
        let moved = BulkOutcome {
            changed: 28,
            unchanged: 1,
            skipped: vec![BulkSkip {
                name: "Zoe Park".into(),
                reason: "is not in Sales".into(),
            }],
            undo: Some(7),
            invitations_withdrawn: 0,
            accounts: vec![],
            more_accounts: 0,
            moved: Some(TeamMove {
                from: "Sales".into(),
                to: "Marketing".into(),
                already_there: ["Ada", "Bo", "Cy", "Di"].map(String::from).to_vec(),
            }),
            gains: None,
        };
        assert_eq!(
            moved.summary("Move {users} from Sales to Marketing", None),
            "Move 28 users from Sales to Marketing. 4 are already in Marketing: Ada, Bo, Cy and Di. 1 will be skipped: Zoe Park is not in Sales."
        );
        assert_eq!(
            moved.result(),
            "28 users moved from Sales to Marketing. 4 were already in Marketing: Ada, Bo, Cy and Di. Skipped: Zoe Park is not in Sales."
        );
        let one = BulkOutcome {
            changed: 1,
            unchanged: 0,
            skipped: vec![],
            moved: Some(TeamMove {
                already_there: vec!["Ada".into()],
                ..moved.moved.clone().unwrap()
            }),
            ..moved.clone()
        };
        assert_eq!(
            one.result(),
            "1 user moved from Sales to Marketing. Ada was already in Marketing."
        );
        let many = TeamMove {
            already_there: (1..=12).map(|n| format!("P{n}")).collect(),
            ..moved.moved.clone().unwrap()
        };
        assert_eq!(
            many.already_there_line(" are already in ", " is already in "),
            " 12 are already in Marketing: P1, P2, P3, P4, P5, P6, P7, P8, P9, P10 and 2 others."
        );
        let plain = BulkOutcome { moved: None, ..moved };
        assert_eq!(plain.result(), "28 users changed.");
    }
}
