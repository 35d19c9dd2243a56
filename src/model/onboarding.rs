//! Self-service onboarding: password reset links, join requests and their approval.

use super::{RoleId, Selection, TeamId};
use serde::{Deserialize, Serialize};

/// How long a password reset link works, in minutes.
pub const RESET_VALID_MINUTES: i64 = 60;
/// How long a join request's email confirmation link works, in hours.
pub const JOIN_VERIFY_VALID_HOURS: i64 = 24;

/// The one answer to "send me a reset link", whether or not the account exists.
pub const RESET_REQUESTED: &str =
    "If an account exists for that email, we've sent a link to reset the password. It works for one hour.";
/// The one answer to a join request, whether or not the email already has an account.
pub const JOIN_REQUESTED: &str = "Check your email to confirm your address.";

/// Who a valid reset link is for, shown before the new password is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetLink {
    pub email: String,
    pub company_name: String,
}

/// The company a join link names, when it accepts requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinInfo {
    pub company_name: String,
}

/// What "Approve" sends: whom, and the role and team they get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub selection: Selection,
    pub role: RoleId,
    /// No team when absent or empty.
    #[serde(default, deserialize_with = "super::user::empty_as_none")]
    pub team: Option<TeamId>,
}
