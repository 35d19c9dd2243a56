//! What the users table asks for (tab, search, filters, sort, page) and how that lives in the
//! URL's query string, so a copied link reproduces the view and Back/Forward work.

use super::{AccountId, RoleId, TeamId, UserStatus};
use serde::{Deserialize, Serialize};

/// The tabs above the users table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserTab {
    #[default]
    All,
    Active,
    Deactivated,
    Invited,
    AwaitingApproval,
    /// Join requests whose email is not confirmed yet (before they await approval).
    Unconfirmed,
}

impl UserTab {
    pub const ALL: [UserTab; 6] = [
        UserTab::All,
        UserTab::Active,
        UserTab::Deactivated,
        UserTab::Invited,
        UserTab::AwaitingApproval,
        UserTab::Unconfirmed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            UserTab::All => "all",
            UserTab::Active => "active",
            UserTab::Deactivated => "deactivated",
            UserTab::Invited => "invited",
            UserTab::AwaitingApproval => "awaiting",
            UserTab::Unconfirmed => "unconfirmed",
        }
    }

    pub fn from_key(key: &str) -> Option<UserTab> {
        UserTab::ALL.into_iter().find(|t| t.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            UserTab::All => "All",
            UserTab::Active => "Active",
            UserTab::Deactivated => "Deactivated",
            UserTab::Invited => "Invited",
            UserTab::AwaitingApproval => "Awaiting approval",
            UserTab::Unconfirmed => "Unconfirmed",
        }
    }

    /// The user status this tab shows; `None` for every status (All) or for invitations.
    pub fn status(self) -> Option<UserStatus> {
        match self {
            UserTab::Active => Some(UserStatus::Active),
            UserTab::Deactivated => Some(UserStatus::Deactivated),
            UserTab::AwaitingApproval => Some(UserStatus::PendingApproval),
            UserTab::Unconfirmed => Some(UserStatus::PendingEmail),
            UserTab::All | UserTab::Invited => None,
        }
    }
}

/// The columns the users table sorts by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserSort {
    #[default]
    Name,
    Email,
    Status,
    LastSeen,
    Created,
}

impl UserSort {
    pub const ALL: [UserSort; 5] = [
        UserSort::Name,
        UserSort::Email,
        UserSort::Status,
        UserSort::LastSeen,
        UserSort::Created,
    ];

    pub fn key(self) -> &'static str {
        match self {
            UserSort::Name => "name",
            UserSort::Email => "email",
            UserSort::Status => "status",
            UserSort::LastSeen => "last_seen",
            UserSort::Created => "created",
        }
    }

    pub fn from_key(key: &str) -> Option<UserSort> {
        UserSort::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// Where a view of the users table downloads as CSV (`server::users_export`).
pub const USERS_EXPORT_PATH: &str = "/api/users/export";

/// Rows per page the table offers; the server refuses anything else.
pub const PAGE_SIZES: [u32; 3] = [25, 50, 100];
pub const DEFAULT_PAGE_SIZE: u32 = 50;

fn default_page_size() -> u32 {
    DEFAULT_PAGE_SIZE
}

/// One view of the users table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserListQuery {
    #[serde(default)]
    pub tab: UserTab,
    /// Part of a name or email, matched case-insensitively.
    #[serde(default)]
    pub search: String,
    pub role: Option<RoleId>,
    pub team: Option<TeamId>,
    pub account: Option<AccountId>,
    #[serde(default)]
    pub sort: UserSort,
    #[serde(default)]
    pub desc: bool,
    /// Start after this cursor (the "Next" page) ...
    pub after: Option<String>,
    /// ... or end before it (the "Previous" page).
    pub before: Option<String>,
    #[serde(default = "default_page_size")]
    pub per_page: u32,
}

impl Default for UserListQuery {
    fn default() -> Self {
        UserListQuery {
            tab: UserTab::All,
            search: String::new(),
            role: None,
            team: None,
            account: None,
            sort: UserSort::Name,
            desc: false,
            after: None,
            before: None,
            per_page: DEFAULT_PAGE_SIZE,
        }
    }
}

impl UserListQuery {
    /// Reads the view from URL query parameters; unknown or malformed values fall back to the
    /// defaults, so an edited link still shows something sensible.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> UserListQuery {
        let id = |name: &str| get(name).and_then(|v| v.parse::<i64>().ok());
        UserListQuery {
            tab: get("tab").and_then(|t| UserTab::from_key(&t)).unwrap_or_default(),
            search: get("q").unwrap_or_default(),
            role: id("role").map(RoleId),
            team: id("team").map(TeamId),
            account: id("account").map(AccountId),
            sort: get("sort")
                .and_then(|s| UserSort::from_key(&s))
                .unwrap_or_default(),
            desc: get("dir").as_deref() == Some("desc"),
            after: get("after").filter(|c| !c.is_empty()),
            before: get("before").filter(|c| !c.is_empty()),
            per_page: get("per")
                .and_then(|p| p.parse().ok())
                .filter(|p| PAGE_SIZES.contains(p))
                .unwrap_or(DEFAULT_PAGE_SIZE),
        }
    }

    /// The query string for this view (without `?`), leaving out defaults.
    pub fn to_query_string(&self) -> String {
        let mut parts: Vec<(&str, String)> = Vec::new();
        if self.tab != UserTab::All {
            parts.push(("tab", self.tab.key().into()));
        }
        if !self.search.is_empty() {
            parts.push(("q", self.search.clone()));
        }
        for (name, value) in [
            ("role", self.role.map(|r| r.0)),
            ("team", self.team.map(|t| t.0)),
            ("account", self.account.map(|a| a.0)),
        ] {
            if let Some(v) = value {
                parts.push((name, v.to_string()));
            }
        }
        if self.sort != UserSort::Name {
            parts.push(("sort", self.sort.key().into()));
        }
        if self.desc {
            parts.push(("dir", "desc".into()));
        }
        if self.per_page != DEFAULT_PAGE_SIZE {
            parts.push(("per", self.per_page.to_string()));
        }
        if let Some(c) = &self.after {
            parts.push(("after", c.clone()));
        }
        if let Some(c) = &self.before {
            parts.push(("before", c.clone()));
        }
        crate::model::format::query_string(&parts)
    }

    /// `/users` with this view.
    pub fn href(&self) -> String {
        let qs = self.to_query_string();
        if qs.is_empty() {
            "/users".into()
        } else {
            format!("/users?{qs}")
        }
    }

    /// The download of every row of this view (every page) as CSV.
    pub fn export_href(&self) -> String {
        match self.first_page().to_query_string() {
            qs if qs.is_empty() => USERS_EXPORT_PATH.into(),
            qs => format!("{USERS_EXPORT_PATH}?{qs}"),
        }
    }

    /// What the view's rows are chosen by (search and filters, not the tab): the tab counts of
    /// one view hold for every view with the same.
    pub fn filter_key(&self) -> (String, Option<RoleId>, Option<TeamId>, Option<AccountId>) {
        (self.search.clone(), self.role, self.team, self.account)
    }

    /// The same view from its first page: every change of filter or sort starts over.
    pub fn first_page(&self) -> UserListQuery {
        UserListQuery {
            after: None,
            before: None,
            ..self.clone()
        }
    }
}

/// How many users each tab holds for a view's search and filters, inside the caller's scope.
/// Every user is in exactly one of the tabs but All and Invited, so those add up to `all`;
/// `invited` counts pending invitations that have not expired, and `invitations` every
/// invitation the Invited tab lists, whatever its status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TabCounts {
    pub all: i64,
    pub active: i64,
    pub deactivated: i64,
    pub invited: i64,
    pub awaiting_approval: i64,
    /// Join requests whose email is not confirmed yet.
    pub unconfirmed: i64,
    /// The invitations the Invited tab lists: pending, accepted, expired and withdrawn.
    pub invitations: i64,
}

impl TabCounts {
    pub fn of(&self, tab: UserTab) -> i64 {
        match tab {
            UserTab::All => self.all,
            UserTab::Active => self.active,
            UserTab::Deactivated => self.deactivated,
            UserTab::Invited => self.invited,
            UserTab::AwaitingApproval => self.awaiting_approval,
            UserTab::Unconfirmed => self.unconfirmed,
        }
    }

    /// How many rows `tab`'s view lists on every page ("52 match"): its count, but for the
    /// Invited tab, which lists every invitation and counts the pending ones.
    pub fn listed(&self, tab: UserTab) -> i64 {
        match tab {
            UserTab::Invited => self.invitations,
            tab => self.of(tab),
        }
    }
}

/// A choice in a filter list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: i64,
    pub name: String,
}

/// What the table's filters offer: the company's roles, teams and accounts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterChoices {
    pub roles: Vec<Choice>,
    pub teams: Vec<Choice>,
    pub accounts: Vec<Choice>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_survives_the_round_trip_through_the_url() {
        let view = UserListQuery {
            tab: UserTab::Deactivated,
            search: "Ana & co".into(),
            role: Some(RoleId(3)),
            team: Some(TeamId(4)),
            account: None,
            sort: UserSort::LastSeen,
            desc: true,
            after: Some("abc123".into()),
            before: None,
            per_page: 100,
        };
        let qs = view.to_query_string();
        let pairs: Vec<(String, String)> = qs
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_string(), percent_decode(v))
            })
            .collect();
        let back =
            UserListQuery::from_params(|name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()));
        assert_eq!(back, view);
    }

    #[test]
    fn the_default_view_is_plain_users_and_bad_values_fall_back_to_defaults() {
        assert_eq!(UserListQuery::default().href(), "/users");
        let q = UserListQuery::from_params(|name| match name {
            "tab" => Some("nonsense".into()),
            "per" => Some("7".into()),
            "role" => Some("x".into()),
            _ => None,
        });
        assert_eq!(q, UserListQuery::default());
    }

    fn percent_decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }
}
