//! Invitations: what the "Invite users" dialog sends and what the server answers, the rows of
//! the Invited tab, and reading the addresses people type or paste.

use serde::{Deserialize, Serialize};

/// The most addresses one "Invite users" request may hold.
pub const MAX_INVITES: usize = 500;

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
    pub role: String,
    pub teams: Vec<String>,
    pub invited_by: String,
    /// Unix ms.
    pub sent_at: i64,
    pub expires_at: i64,
    pub status: InvitationStatus,
}

/// What "Send invitations" sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteForm {
    /// Entries as typed or pasted: `ana@x.com` or `Ana Ruiz <ana@x.com>`; an entry may also
    /// hold several, separated as in [`split_recipients`].
    #[serde(default)]
    pub addresses: Vec<String>,
    /// The role on the root account when no `accounts` are given.
    pub role: super::RoleId,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// An address that was set aside, as it was typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAside {
    pub address: String,
    pub reason: SetAsideReason,
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
