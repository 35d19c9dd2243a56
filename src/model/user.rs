use super::{Email, InvitationRow, JobTitle, Permission, PersonName, Phone, UserId};
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// A user's details as the add and edit forms send them, each checked on the server.
pub struct UserFields {
    pub name: PersonName,
    pub email: Email,
    pub phone: Phone,
    pub job_title: JobTitle,
}

impl UserFields {
    pub fn parse(name: &str, email: &str, phone: &str, job_title: &str) -> Result<UserFields, AppError> {
        let job_title = JobTitle::parse(job_title)?;
        Ok(UserFields {
            name: PersonName::parse(name)?,
            email: Email::parse(email)?,
            phone: Phone::parse(phone)?,
            job_title,
        })
    }
}

/// Where a user stands. Stored by [`UserStatus::key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserStatus {
    PendingEmail,
    PendingApproval,
    Active,
    Deactivated,
}

impl UserStatus {
    pub const ALL: [UserStatus; 4] = [
        UserStatus::PendingEmail,
        UserStatus::PendingApproval,
        UserStatus::Active,
        UserStatus::Deactivated,
    ];

    pub fn key(self) -> &'static str {
        match self {
            UserStatus::PendingEmail => "pending_email",
            UserStatus::PendingApproval => "pending_approval",
            UserStatus::Active => "active",
            UserStatus::Deactivated => "deactivated",
        }
    }

    pub fn from_key(key: &str) -> Option<UserStatus> {
        UserStatus::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Shown in tables, always as text so status never depends on colour alone.
    pub fn label(self) -> &'static str {
        match self {
            UserStatus::PendingEmail => "Pending email validation",
            UserStatus::PendingApproval => "Pending approval",
            UserStatus::Active => "Active",
            UserStatus::Deactivated => "Deactivated",
        }
    }

    /// The label in a table cell's room.
    pub fn short_label(self) -> &'static str {
        match self {
            UserStatus::PendingEmail => "Unconfirmed",
            other => other.label(),
        }
    }
}

/// The signed-in person, as the browser needs to know them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub company_name: String,
    pub role_name: String,
    /// The permissions held on some account.
    pub permissions: Vec<Permission>,
    /// The product modules usable on some account (keys).
    pub modules: Vec<String>,
    /// The stored time zone exact times are shown in; empty: automatic (the browser's).
    pub time_zone: String,
    /// How the pages are coloured: the server writes it on `<html>` before the first byte.
    pub theme: super::Theme,
}

impl Me {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// The first page this person may use, where signing in and the logo lead: the users
    /// table for those who may see it, Home for everyone else.
    pub fn landing(&self) -> &'static str {
        if self.can(Permission::ViewUsers) {
            "/users"
        } else {
            "/home"
        }
    }
}

/// One row of the users table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserRow {
    pub id: UserId,
    pub name: String,
    pub email: String,
    /// The role in a few words: "Member", "Member · Acme Europe", "Admin · 3 accounts".
    pub role: String,
    /// Every role with its account, when `role` leaves some out ("Admin (Acme), Member
    /// (Acme Europe)"); the same as `role` otherwise.
    pub role_detail: String,
    pub teams: Vec<String>,
    pub status: UserStatus,
    /// The company's owner: their role, status and existence change only after a transfer.
    pub is_owner: bool,
    /// Unix milliseconds.
    pub last_seen_at: Option<i64>,
    pub created_at: i64,
}

/// A person a picker suggests: who they are and what tells them apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonChoice {
    pub id: UserId,
    pub name: String,
    pub email: String,
}

/// How many people a picker suggests at most; typing more narrows them.
pub const PERSON_CHOICES: usize = 8;

/// A page of the users table (or of invitations, on the Invited tab). `now` (Unix ms, server
/// clock) makes relative times render the same on the server and in the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub users: Vec<UserRow>,
    pub invitations: Vec<InvitationRow>,
    /// Cursor of the next page, when there is one.
    pub next: Option<String>,
    /// Cursor of the previous page, when there is one.
    pub prev: Option<String>,
    /// The tabs' counts for the view's search and filters.
    pub counts: super::TabCounts,
    /// How many rows the view (tab, search, filters) holds on every page.
    pub matching: i64,
    pub now: i64,
}

/// What "Add user" sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub job_title: String,
    pub role: super::RoleId,
    /// Where the role applies; the root account when absent.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub account: Option<super::AccountId>,
    /// No team when absent or empty (a form's "No team" choice sends "").
    #[serde(default, deserialize_with = "empty_as_none")]
    pub team: Option<super::TeamId>,
    /// Active (gets a set-up email) or Deactivated.
    pub status: UserStatus,
}

/// What "Edit" sends: the details, and the version the form was opened at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserEdit {
    pub id: UserId,
    pub version: i64,
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub job_title: String,
}

/// One user, as their page and the edit form show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetails {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub job_title: String,
    pub status: UserStatus,
    pub role: String,
    pub is_owner: bool,
    /// Their teams, by name.
    pub teams: Vec<super::Choice>,
    /// They have never set a password nor signed in: their set-up email can be sent again.
    pub never_signed_in: bool,
    pub version: i64,
    pub last_seen_at: Option<i64>,
    pub created_at: i64,
    /// The server's clock, for relative times.
    pub now: i64,
    /// "Account and sub-account access": the role held in each account, in tree order.
    pub access: Vec<AccessRow>,
    /// Whether the viewer is above this person (or is them), so that managing them is theirs
    /// to do; someone holding as much as the viewer or more is changed by those above them.
    pub below_viewer: bool,
}

impl From<&UserDetails> for UserRow {
    /// The person as a row of the users table, for the actions the table and their page share.
    fn from(d: &UserDetails) -> UserRow {
        UserRow {
            id: d.id,
            name: d.name.clone(),
            email: d.email.clone(),
            role: d.role.clone(),
            role_detail: d.role.clone(),
            teams: d.teams.iter().map(|t| t.name.clone()).collect(),
            status: d.status,
            is_owner: d.is_owner,
            last_seen_at: d.last_seen_at,
            created_at: d.created_at,
        }
    }
}

/// One role assignment: `role` in `account` and every sub-account below it, unless a nearer
/// assignment says otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRow {
    pub account: super::AccountId,
    /// The account's path from the top ("Acme › Sales").
    pub account_name: String,
    pub role: super::RoleId,
    pub role_name: String,
}

/// What giving a person a role on some accounts adds to what they may do, shown for them to
/// confirm before it is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessGain {
    /// The accounts (their paths) where they gain it, each with the sub-accounts it decides.
    pub accounts: Vec<String>,
    /// What they gain, as the roles page words it.
    pub permissions: Vec<String>,
    /// A digest of exactly what is gained where, which confirming sends back.
    pub key: String,
}

/// What a set-up or reactivation link page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WelcomeLink {
    pub name: String,
    pub email: String,
    pub company_name: String,
    /// Reactivated users who kept their password may continue without choosing a new one.
    pub has_password: bool,
    pub reactivation: bool,
}

/// Reads an optional id that a form may send as "" (none), "12", or a program as 12.
pub(super) fn empty_as_none<'de, D: serde::Deserializer<'de>, T: From<i64>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(i64),
        Text(String),
    }
    match Option::<Raw>::deserialize(d)? {
        None => Ok(None),
        Some(Raw::Number(n)) => Ok(Some(T::from(n))),
        Some(Raw::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(Raw::Text(t)) => t
            .trim()
            .parse()
            .map(|n| Some(T::from(n)))
            .map_err(serde::de::Error::custom),
    }
}
