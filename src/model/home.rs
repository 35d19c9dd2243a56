//! The Home page: who the signed-in person is in their company and what their roles let them
//! do, in plain words. Only ever about the caller.

use serde::{Deserialize, Serialize};

/// One of the caller's roles and the account it is held on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldRole {
    pub role: String,
    /// The account's path from the top ("Acme › Europe").
    pub account: String,
}

/// One thing the caller may do, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ability {
    /// The permission's or module's name ("Manage users", "Orders").
    pub label: String,
    /// What it allows, as the role editor says it ("Use the Orders module").
    pub what: String,
    /// Where: "Company-wide", "On every account", "On Acme › Europe and its sub-accounts".
    pub place: String,
}

/// Everything the Home page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeFacts {
    pub name: String,
    pub email: String,
    /// Empty when none was given.
    pub job_title: String,
    pub company_name: String,
    /// The company's owner holds everything.
    pub is_owner: bool,
    /// Root account first, then in tree order.
    pub roles: Vec<HeldRole>,
    /// Team names, by name.
    pub teams: Vec<String>,
    /// Roster's permissions, then the product modules, each where it is held; empty when
    /// the roles grant nothing beyond one's own profile.
    pub abilities: Vec<Ability>,
}

/// "Member · Acme › Europe", as Home lists a role.
pub fn role_on_account(role: &HeldRole) -> String {
    format!("{} · {}", role.role, role.account)
}

/// Where something held on these top accounts applies: each with its sub-accounts, but not
/// on `except` (accounts below them where another role decides).
pub fn place_phrase(tops: &[String], except: &[String]) -> String {
    let mut text = match tops {
        [] => return String::new(),
        [one] => format!("On {one} and its sub-accounts"),
        [rest @ .., last] => format!("On {} and {last}, and their sub-accounts", rest.join(", ")),
    };
    if !except.is_empty() {
        text += &format!(", except {}", except.join(", "));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_names_its_top_accounts_and_the_exceptions_below_them() {
        assert_eq!(
            place_phrase(&["Acme".into()], &[]),
            "On Acme and its sub-accounts"
        );
        assert_eq!(
            place_phrase(
                &["Acme › Europe".into(), "Acme › Asia".into()],
                &["Acme › Europe › Berlin".into()]
            ),
            "On Acme › Europe and Acme › Asia, and their sub-accounts, except Acme › Europe › Berlin"
        );
        let role = HeldRole {
            role: "Member".into(),
            account: "Acme Europe".into(),
        };
        assert_eq!(role_on_account(&role), "Member · Acme Europe");
    }
}
