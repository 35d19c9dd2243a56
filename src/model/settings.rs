//! Company settings, as the Settings page shows and saves them.

use serde::{Deserialize, Serialize};

/// How long invitation and set-up links may be valid, in days.
pub const INVITATION_DAYS: std::ops::RangeInclusive<i64> = 1..=90;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanySettings {
    pub company_name: String,
    /// How many days an invitation (or set-up) link works.
    pub invitation_validity_days: i64,
}
