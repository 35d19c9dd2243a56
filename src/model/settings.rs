//! Company settings, as the Settings page shows and saves them.

use serde::{Deserialize, Serialize};

/// How long invitation and set-up links may be valid, in days.
pub const INVITATION_DAYS: std::ops::RangeInclusive<i64> = 1..=90;

/// How long the audit log keeps events, in days; older ones are removed daily.
pub const AUDIT_RETENTION_DAYS: std::ops::RangeInclusive<i64> = 30..=3650;

fn default_retention_days() -> i64 {
    365
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanySettings {
    pub company_name: String,
    /// How many days an invitation (or set-up) link works.
    pub invitation_validity_days: i64,
    /// Whether people may ask to join through the company's join link.
    #[serde(default)]
    pub allow_join_requests: bool,
    /// How many days the audit log keeps events ([`AUDIT_RETENTION_DAYS`]; 365 unless set).
    #[serde(default = "default_retention_days")]
    pub audit_retention_days: i64,
    /// The join link, `<public url>/join/<company code>` (shown; saving ignores it).
    #[serde(default)]
    pub join_link: String,
}

/// How much email a company and its people may cause, from the server's configuration. The
/// Settings page shows them with what is left today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailLimits {
    /// Invitations, resends and set-up emails per company per day (UTC)...
    pub invitations_per_day: i64,
    /// ...beyond this many users: a company smaller than this may also send the difference.
    pub free_users: i64,
    /// An invitation or a set-up link is sent again at most once in this many minutes.
    pub resend_minutes: i64,
    /// Login email changes per person per day.
    pub email_changes_per_day: i64,
    /// New companies per client address per hour.
    pub signups_per_hour: i64,
}

impl Default for MailLimits {
    fn default() -> MailLimits {
        MailLimits {
            invitations_per_day: 500,
            free_users: 100,
            resend_minutes: 60,
            email_changes_per_day: 3,
            signups_per_hour: 5,
        }
    }
}

impl MailLimits {
    /// The minutes (rounded up) until what was sent at `sent_at` (Unix ms) may be sent
    /// again, or `None` when it may be now.
    pub fn resend_wait(&self, sent_at: i64, now: i64) -> Option<i64> {
        let pause_ms = self.resend_minutes * 60_000;
        (sent_at > now - pause_ms).then(|| (sent_at + pause_ms - now + 59_999) / 60_000)
    }
}

/// The company's email allowance today, for the Settings page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailAllowance {
    pub limits: MailLimits,
    /// Invitations, resends and set-up emails the company may still send today.
    pub left_today: i64,
    /// Whether the owner has confirmed their address; until then the company sends nothing.
    pub confirmed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resend_waits_out_the_pause_rounded_up_to_whole_minutes() {
        let limits = MailLimits::default();
        let sent = 1_000_000_000;
        assert_eq!(limits.resend_wait(sent, sent), Some(60));
        assert_eq!(limits.resend_wait(sent, sent + 59 * 60_000 + 1), Some(1));
        assert_eq!(limits.resend_wait(sent, sent + 60 * 60_000), None);
        let none = MailLimits {
            resend_minutes: 0,
            ..limits
        };
        assert_eq!(none.resend_wait(sent, sent), None);
    }
}
