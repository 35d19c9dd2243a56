//! Invitations: what the "Invite users" dialog sends and what the server answers, the rows of
//! the Invited tab, and reading the addresses people type or paste.

use serde::{Deserialize, Serialize};

/// The most addresses one "Invite users" request may hold.
pub const MAX_INVITES: usize = 500;

/// The most groups (addresses with their own access) one "Invite users" request may hold.
pub const MAX_GROUPS: usize = 20;

/// Where an invitation stands. Expired is not stored: it is a pending invitation whose time
/// has passed, so no job is needed for a link to stop working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InvitationStatus {
    Pending,
    Expired,
    Accepted,
    Withdrawn,
}

impl InvitationStatus {
    /// The status of a stored invitation at `now`.
    pub fn at(stored: &str, expires_at: i64, now: i64) -> InvitationStatus {
        match stored {
            "accepted" => InvitationStatus::Accepted,
            "withdrawn" => InvitationStatus::Withdrawn,
            _ if expires_at <= now => InvitationStatus::Expired,
            _ => InvitationStatus::Pending,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "Pending",
            InvitationStatus::Expired => "Expired",
            InvitationStatus::Accepted => "Accepted",
            InvitationStatus::Withdrawn => "Withdrawn",
        }
    }

    /// CSS-friendly key.
    pub fn key(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "pending",
            InvitationStatus::Expired => "expired",
            InvitationStatus::Accepted => "accepted",
            InvitationStatus::Withdrawn => "withdrawn",
        }
    }
}

/// One row of the Invited tab.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InvitationRow {
    pub id: i64,
    pub email: String,
    /// The name typed with the address (`Ana Ruiz <ana@x.com>`), or empty.
    pub name: String,
    /// Every account the invitation gives access to, with its role: the root account first.
    pub access: Vec<RoleIn>,
    pub teams: Vec<String>,
    pub invited_by: String,
    /// Unix ms.
    pub sent_at: i64,
    pub expires_at: i64,
    pub status: InvitationStatus,
    pub accepted_at: Option<i64>,
    /// Unknown for invitations withdrawn before the time was kept (migration 0027).
    pub withdrawn_at: Option<i64>,
}

impl InvitationRow {
    /// The date its status calls for, with the word that goes before it: "Expires" (in …)
    /// while pending, "Expired" (… ago), "Accepted", "Withdrawn". An accepted or withdrawn
    /// invitation no longer expires; `None` when the time is not known.
    pub fn moment(&self) -> (&'static str, Option<i64>) {
        match self.status {
            InvitationStatus::Pending => ("Expires", Some(self.expires_at)),
            InvitationStatus::Expired => ("Expired", Some(self.expires_at)),
            InvitationStatus::Accepted => ("Accepted", self.accepted_at),
            InvitationStatus::Withdrawn => ("Withdrawn", self.withdrawn_at),
        }
    }
}

/// A role in a named account, as a list shows it: "Admin · Acme Europe".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RoleIn {
    pub role: String,
    pub account: String,
}

impl std::fmt::Display for RoleIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} · {}", self.role, self.account)
    }
}

/// What "Send invitations" sends: one or more groups of addresses, each with the access and
/// team its people get. The whole batch is one transaction: a group the caller may not send
/// refuses all of it.
///
/// A batch of one group may also be given by that group's fields alone (`addresses`, `role`,
/// `accounts`, `team` at the top level), as before groups existed; [`InviteForm::groups`]
/// puts it first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    pub groups: Vec<InviteGroup>,
    #[serde(default)]
    pub addresses: Vec<String>,
    #[serde(default, deserialize_with = "super::user::empty_as_none")]
    pub role: Option<super::RoleId>,
    #[serde(default)]
    pub accounts: Vec<AccountRole>,
    #[serde(default, deserialize_with = "super::user::empty_as_none")]
    pub team: Option<super::TeamId>,
}

impl InviteForm {
    /// A batch of these groups.
    pub fn of(groups: Vec<InviteGroup>) -> InviteForm {
        InviteForm {
            groups,
            ..InviteForm::default()
        }
    }

    /// The batch's groups in order: the one given by the top-level fields (when any is), then
    /// `groups`.
    pub fn groups(&self) -> Vec<InviteGroup> {
        let top = InviteGroup {
            addresses: self.addresses.clone(),
            role: self.role,
            accounts: self.accounts.clone(),
            team: self.team,
        };
        let given = top != InviteGroup::default();
        given
            .then_some(top)
            .into_iter()
            .chain(self.groups.iter().cloned())
            .collect()
    }
}

/// Addresses invited alike.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteGroup {
    /// Entries as typed or pasted: `ana@x.com` or `Ana Ruiz <ana@x.com>`; an entry may also
    /// hold several, separated as in [`split_recipients`].
    #[serde(default)]
    pub addresses: Vec<String>,
    /// The role on the root account when no `accounts` are given.
    #[serde(default, deserialize_with = "super::user::empty_as_none")]
    pub role: Option<super::RoleId>,
    /// A role per account to give access to.
    #[serde(default)]
    pub accounts: Vec<AccountRole>,
    /// No team when absent or empty.
    #[serde(default, deserialize_with = "super::user::empty_as_none")]
    pub team: Option<super::TeamId>,
}

/// A role in an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRole {
    pub account: super::AccountId,
    pub role: super::RoleId,
}

/// Why an address was not invited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SetAsideReason {
    Malformed,
    Disposable,
    /// A user of the inviting company.
    AlreadyUser,
    AlreadyInvited,
    Repeated,
}

impl SetAsideReason {
    pub fn message(self) -> &'static str {
        match self {
            SetAsideReason::Malformed => "not a valid email address",
            SetAsideReason::Disposable => "a disposable email address; ask for a lasting one",
            SetAsideReason::AlreadyUser => "already a user of your company",
            SetAsideReason::AlreadyInvited => "already invited, and the invitation is still pending",
            SetAsideReason::Repeated => "appears more than once in this list",
        }
    }
}

/// An address that was set aside, as it was typed, and the group it was typed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAside {
    pub address: String,
    pub reason: SetAsideReason,
    /// Index of its group in [`InviteForm::groups`].
    #[serde(default)]
    pub group: usize,
}

/// What "Send invitations" did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteOutcome {
    /// The invited addresses.
    pub invited: Vec<String>,
    pub set_aside: Vec<SetAside>,
}

/// What a bulk Resend, Withdraw or Delete did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationsChanged {
    /// The emails of the invitations changed.
    pub changed: Vec<String>,
    /// The emails (or ids no longer found) left as they were, with why.
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub what: String,
    pub reason: String,
}

/// What the page of an invitation link shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationLink {
    pub company_name: String,
    pub email: String,
    /// The name the inviter typed, if any, to start the form with.
    pub name: String,
    pub invited_by: String,
}

/// One entry of the addresses list: `ana@x.com`, or `Ana Ruiz <ana@x.com>` with a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub name: String,
    pub address: String,
}

impl Recipient {
    pub fn parse(entry: &str) -> Recipient {
        let entry = entry.trim();
        if let (Some(open), true) = (entry.rfind('<'), entry.ends_with('>')) {
            return Recipient {
                name: entry[..open].trim().trim_matches('"').trim().to_string(),
                address: entry[open + 1..entry.len() - 1].trim().to_string(),
            };
        }
        Recipient {
            name: String::new(),
            address: entry.to_string(),
        }
    }
}

/// Splits typed or pasted text into entries. Commas, semicolons, tabs and new lines always
/// separate; a space ends an entry once it holds an address, so `Ana Ruiz <ana@x.com>` stays
/// one entry; nothing separates inside quotes or angle brackets. Returns the finished entries
/// and the text after the last separator, which may still be being typed.
pub fn split_recipients(text: &str) -> (Vec<String>, String) {
    let mut entries = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut angled) = (false, false);
    let mut finish = |current: &mut String| {
        let entry = current.trim();
        if !entry.is_empty() {
            entries.push(entry.to_string());
        }
        current.clear();
    };
    for c in text.chars() {
        match c {
            '"' if !angled => {
                quoted = !quoted;
                current.push(c);
            }
            '<' if !quoted => {
                angled = true;
                current.push(c);
            }
            '>' if angled => {
                angled = false;
                current.push(c);
                finish(&mut current);
            }
            ',' | ';' | '\n' | '\r' | '\t' if !quoted && !angled => finish(&mut current),
            ' ' if !quoted && !angled => {
                if current.contains('@') {
                    finish(&mut current);
                } else if !current.is_empty() {
                    current.push(c);
                }
            }
            _ => current.push(c),
        }
    }
    (entries, current.trim_start().to_string())
}

/// Every entry of `text`, including an unfinished last one.
pub fn all_recipients(text: &str) -> Vec<String> {
    let (mut entries, rest) = split_recipients(text);
    if !rest.trim().is_empty() {
        entries.push(rest.trim().to_string());
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_semicolons_spaces_and_new_lines_all_separate_addresses() {
        assert_eq!(
            all_recipients("a@x.com, b@x.com;c@x.com\nd@x.com e@x.com\r\n\tf@x.com"),
            ["a@x.com", "b@x.com", "c@x.com", "d@x.com", "e@x.com", "f@x.com"]
        );
    }

    #[test]
    fn a_name_before_an_address_in_angle_brackets_stays_with_it() {
        let entries = all_recipients("Ana Ruiz <ana@x.com>, \"Lee, Bo\" <bo@x.com> cy@x.com");
        assert_eq!(
            entries,
            ["Ana Ruiz <ana@x.com>", "\"Lee, Bo\" <bo@x.com>", "cy@x.com"]
        );
        assert_eq!(
            Recipient::parse(&entries[1]),
            Recipient {
                name: "Lee, Bo".into(),
                address: "bo@x.com".into()
            }
        );
        assert_eq!(Recipient::parse("cy@x.com").name, "");
    }

    #[test]
    fn the_unfinished_end_is_kept_for_more_typing() {
        assert_eq!(
            split_recipients("a@x.com, Ana Ru"),
            (vec!["a@x.com".to_string()], "Ana Ru".to_string())
        );
        assert_eq!(split_recipients("not-an-address,").0, ["not-an-address"]);
    }

    #[test]
    fn a_row_shows_the_date_its_status_calls_for_and_no_expiry_once_accepted_or_withdrawn() {
        let row = |status| InvitationRow {
            id: 1,
            email: "ana@x.com".into(),
            name: String::new(),
            access: Vec::new(),
            teams: Vec::new(),
            invited_by: "Bob".into(),
            sent_at: 10,
            expires_at: 100,
            status,
            accepted_at: Some(50),
            withdrawn_at: Some(60),
        };
        assert_eq!(row(InvitationStatus::Pending).moment(), ("Expires", Some(100)));
        assert_eq!(row(InvitationStatus::Expired).moment(), ("Expired", Some(100)));
        assert_eq!(row(InvitationStatus::Accepted).moment(), ("Accepted", Some(50)));
        assert_eq!(row(InvitationStatus::Withdrawn).moment(), ("Withdrawn", Some(60)));
        let older = InvitationRow {
            withdrawn_at: None,
            ..row(InvitationStatus::Withdrawn)
        };
        assert_eq!(older.moment(), ("Withdrawn", None));
        let admin = RoleIn {
            role: "Admin".into(),
            account: "Acme Europe".into(),
        };
        assert_eq!(admin.to_string(), "Admin · Acme Europe");
    }

    #[test]
    fn a_batch_is_its_groups_after_the_one_given_by_the_top_level_fields() {
        let group = |address: &str, role: i64| InviteGroup {
            addresses: vec![address.into()],
            role: Some(super::super::RoleId(role)),
            ..InviteGroup::default()
        };
        let batch = InviteForm::of(vec![group("a@x.com", 1), group("b@x.com", 2)]);
        assert_eq!(batch.groups(), [group("a@x.com", 1), group("b@x.com", 2)]);
        let alone = InviteForm {
            addresses: vec!["c@x.com".into()],
            role: Some(super::super::RoleId(3)),
            ..InviteForm::of(vec![group("a@x.com", 1)])
        };
        assert_eq!(alone.groups(), [group("c@x.com", 3), group("a@x.com", 1)]);
        assert!(InviteForm::default().groups().is_empty());
    }

    #[test]
    fn expiry_is_computed_from_the_time() {
        assert_eq!(
            InvitationStatus::at("pending", 1000, 999),
            InvitationStatus::Pending
        );
        assert_eq!(
            InvitationStatus::at("pending", 1000, 1000),
            InvitationStatus::Expired
        );
        assert_eq!(
            InvitationStatus::at("accepted", 1000, 5000),
            InvitationStatus::Accepted
        );
        assert_eq!(
            InvitationStatus::at("withdrawn", 1000, 5),
            InvitationStatus::Withdrawn
        );
    }
}
