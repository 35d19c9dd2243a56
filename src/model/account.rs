//! Accounts: the company's tree of the root account and its sub-accounts, where roles are
//! assigned.

use super::{values::parse_name, AccountId};
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// An account's name: 1 to 80 characters, unique among its siblings whatever the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountName(String);

impl AccountName {
    pub const MAX_LEN: usize = 80;

    pub fn parse(input: &str) -> Result<AccountName, AppError> {
        parse_name(input, "name", "the account name", Self::MAX_LEN).map(AccountName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One account of the tree as the caller may see it, in depth-first order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountNode {
    pub id: AccountId,
    /// `None` for the company's root account and for the top accounts of what a scoped admin
    /// sees (whose parent they may not see).
    pub parent: Option<AccountId>,
    pub name: String,
    /// 0 for the tops of the visible tree.
    pub depth: u32,
    /// Users with a role assigned on exactly this account.
    pub users: i64,
    /// Distinct users with a role on this account or on any account below it.
    pub users_within: i64,
    /// The company's root account ("Company"): it can't move or be deleted.
    pub company_root: bool,
    /// Whether the caller may rename, move and delete it: not for the top account of a scoped
    /// admin, whose place is decided above them (nor move or delete the root).
    pub changeable: bool,
}

impl AccountNode {
    /// "1 user", "3 users".
    pub fn users_label(&self) -> String {
        match self.users {
            1 => "1 user".to_string(),
            n => format!("{n} users"),
        }
    }
}

/// The ids of `nodes[index]` and of every account below it, for a depth-first list such as
/// `accounts/tree` answers.
pub fn subtree(nodes: &[AccountNode], index: usize) -> Vec<AccountId> {
    let Some(top) = nodes.get(index) else {
        return Vec::new();
    };
    std::iter::once(top.id)
        .chain(
            nodes[index + 1..]
                .iter()
                .take_while(|n| n.depth > top.depth)
                .map(|n| n.id),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: i64, depth: u32) -> AccountNode {
        AccountNode {
            id: AccountId(id),
            parent: None,
            name: id.to_string(),
            depth,
            users: 0,
            users_within: 0,
            company_root: false,
            changeable: true,
        }
    }

    #[test]
    fn account_names_have_1_to_80_characters() {
        assert_eq!(
            AccountName::parse("  North   East ").unwrap().as_str(),
            "North East"
        );
        assert_eq!(AccountName::parse(" ").unwrap_err().field_name(), Some("name"));
        assert!(AccountName::parse(&"é".repeat(80)).is_ok());
        assert!(AccountName::parse(&"x".repeat(81)).is_err());
    }

    #[test]
    fn a_subtree_is_the_run_of_deeper_accounts_after_it() {
        let nodes = [node(1, 0), node(2, 1), node(3, 2), node(4, 1), node(5, 2)];
        assert_eq!(subtree(&nodes, 1), vec![AccountId(2), AccountId(3)]);
        assert_eq!(subtree(&nodes, 0).len(), 5);
        assert_eq!(subtree(&nodes, 4), vec![AccountId(5)]);
    }
}
