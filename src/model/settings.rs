//! Company settings, as the Settings page shows and saves them.

use serde::{Deserialize, Serialize};

/// How long invitation and set-up links may be valid, in days.
pub const INVITATION_DAYS: std::ops::RangeInclusive<i64> = 1..=90;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanySettings {
    pub company_name: String,
    /// How many days an invitation (or set-up) link works.
    pub invitation_validity_days: i64,
    /// Whether people may ask to join through the company's join link.
    #[serde(default)]
    pub allow_join_requests: bool,
    /// The join link, `<public url>/join/<company code>` (shown; saving ignores it).
    #[serde(default)]
    pub join_link: String,
}
