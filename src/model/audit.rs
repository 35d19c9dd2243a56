//! What an audit event records was done, and the audit log's view of events.

use crate::model::{AccountId, UserId};
use serde::{Deserialize, Serialize};

/// Every kind of change the audit log records. Stored by [`AuditAction::key`] (the keys are
/// part of the stored data: never rename one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    CompanyCreated,
    CompanyOwnershipTransferred,
    CompanyEmailConfirmed,
    SettingsUpdated,
    UserCreated,
    UserUpdated,
    UserRoleChanged,
    UserTeamsChanged,
    UserAccessGranted,
    UserAccessRemoved,
    UserDeactivated,
    UserReactivated,
    UserSetupLinkResent,
    UserDeleted,
    UserPasswordReset,
    UserEmailChangeRequested,
    UserEmailChanged,
    UserEmailConfirmed,
    UserJoinRequested,
    UserJoinApproved,
    UserJoinRejected,
    JoinRequestsWithdrawn,
    ProfileUpdated,
    ProfilePasswordChanged,
    ProfileNotificationsUpdated,
    ProfileEmailChangeRequested,
    SessionsEnded,
    InvitationCreated,
    InvitationResent,
    InvitationReinvited,
    InvitationWithdrawn,
    InvitationDeleted,
    InvitationAccepted,
    TeamCreated,
    TeamRenamed,
    TeamDeleted,
    TeamMemberAdded,
    TeamMemberRemoved,
    RoleCreated,
    RoleUpdated,
    RoleDeleted,
    AccountCreated,
    AccountRenamed,
    AccountMoved,
    AccountDeleted,
    AuditLogExported,
    AuditLogPurged,
    UsersExported,
}

impl AuditAction {
    pub const ALL: [AuditAction; 48] = [
        AuditAction::CompanyCreated,
        AuditAction::CompanyOwnershipTransferred,
        AuditAction::CompanyEmailConfirmed,
        AuditAction::SettingsUpdated,
        AuditAction::UserCreated,
        AuditAction::UserUpdated,
        AuditAction::UserRoleChanged,
        AuditAction::UserTeamsChanged,
        AuditAction::UserAccessGranted,
        AuditAction::UserAccessRemoved,
        AuditAction::UserDeactivated,
        AuditAction::UserReactivated,
        AuditAction::UserSetupLinkResent,
        AuditAction::UserDeleted,
        AuditAction::UserPasswordReset,
        AuditAction::UserEmailChangeRequested,
        AuditAction::UserEmailChanged,
        AuditAction::UserEmailConfirmed,
        AuditAction::UserJoinRequested,
        AuditAction::UserJoinApproved,
        AuditAction::UserJoinRejected,
        AuditAction::JoinRequestsWithdrawn,
        AuditAction::ProfileUpdated,
        AuditAction::ProfilePasswordChanged,
        AuditAction::ProfileNotificationsUpdated,
        AuditAction::ProfileEmailChangeRequested,
        AuditAction::SessionsEnded,
        AuditAction::InvitationCreated,
        AuditAction::InvitationResent,
        AuditAction::InvitationReinvited,
        AuditAction::InvitationWithdrawn,
        AuditAction::InvitationDeleted,
        AuditAction::InvitationAccepted,
        AuditAction::TeamCreated,
        AuditAction::TeamRenamed,
        AuditAction::TeamDeleted,
        AuditAction::TeamMemberAdded,
        AuditAction::TeamMemberRemoved,
        AuditAction::RoleCreated,
        AuditAction::RoleUpdated,
        AuditAction::RoleDeleted,
        AuditAction::AccountCreated,
        AuditAction::AccountRenamed,
        AuditAction::AccountMoved,
        AuditAction::AccountDeleted,
        AuditAction::AuditLogExported,
        AuditAction::AuditLogPurged,
        AuditAction::UsersExported,
    ];

    /// The stored form, `<object>.<what happened>`.
    pub const fn key(self) -> &'static str {
        match self {
            AuditAction::CompanyCreated => "company.created",
            AuditAction::CompanyOwnershipTransferred => "company.ownership_transferred",
            AuditAction::CompanyEmailConfirmed => "company.email_confirmed",
            AuditAction::SettingsUpdated => "settings.updated",
            AuditAction::UserCreated => "user.created",
            AuditAction::UserUpdated => "user.updated",
            AuditAction::UserRoleChanged => "user.role_changed",
            AuditAction::UserTeamsChanged => "user.teams_changed",
            AuditAction::UserAccessGranted => "user.access_granted",
            AuditAction::UserAccessRemoved => "user.access_removed",
            AuditAction::UserDeactivated => "user.deactivated",
            AuditAction::UserReactivated => "user.reactivated",
            AuditAction::UserSetupLinkResent => "user.setup_link_resent",
            AuditAction::UserDeleted => "user.deleted",
            AuditAction::UserPasswordReset => "user.password_reset",
            AuditAction::UserEmailChangeRequested => "user.email_change_requested",
            AuditAction::UserEmailChanged => "user.email_changed",
            AuditAction::UserEmailConfirmed => "user.email_confirmed",
            AuditAction::UserJoinRequested => "user.join_requested",
            AuditAction::UserJoinApproved => "user.join_approved",
            AuditAction::UserJoinRejected => "user.join_rejected",
            AuditAction::JoinRequestsWithdrawn => "join_requests.withdrawn",
            AuditAction::ProfileUpdated => "profile.updated",
            AuditAction::ProfilePasswordChanged => "profile.password_changed",
            AuditAction::ProfileNotificationsUpdated => "profile.notifications_updated",
            AuditAction::ProfileEmailChangeRequested => "profile.email_change_requested",
            AuditAction::SessionsEnded => "sessions.ended",
            AuditAction::InvitationCreated => "invitation.created",
            AuditAction::InvitationResent => "invitation.resent",
            AuditAction::InvitationReinvited => "invitation.reinvited",
            AuditAction::InvitationWithdrawn => "invitation.withdrawn",
            AuditAction::InvitationDeleted => "invitation.deleted",
            AuditAction::InvitationAccepted => "invitation.accepted",
            AuditAction::TeamCreated => "team.created",
            AuditAction::TeamRenamed => "team.renamed",
            AuditAction::TeamDeleted => "team.deleted",
            AuditAction::TeamMemberAdded => "team.member_added",
            AuditAction::TeamMemberRemoved => "team.member_removed",
            AuditAction::RoleCreated => "role.created",
            AuditAction::RoleUpdated => "role.updated",
            AuditAction::RoleDeleted => "role.deleted",
            AuditAction::AccountCreated => "account.created",
            AuditAction::AccountRenamed => "account.renamed",
            AuditAction::AccountMoved => "account.moved",
            AuditAction::AccountDeleted => "account.deleted",
            AuditAction::AuditLogExported => "audit_log.exported",
            AuditAction::AuditLogPurged => "audit_log.purged",
            AuditAction::UsersExported => "users.exported",
        }
    }

    /// The action in words, between the actor and the target: "Ada *changed the role of*
    /// bob@example.com".
    pub const fn words(self) -> &'static str {
        match self {
            AuditAction::CompanyCreated => "created the company",
            AuditAction::CompanyOwnershipTransferred => "transferred ownership to",
            AuditAction::CompanyEmailConfirmed => "confirmed the company's email",
            AuditAction::SettingsUpdated => "changed the settings",
            AuditAction::UserCreated => "added",
            AuditAction::UserUpdated => "edited the details of",
            AuditAction::UserRoleChanged => "changed the role of",
            AuditAction::UserTeamsChanged => "changed the teams of",
            AuditAction::UserAccessGranted => "gave account access to",
            AuditAction::UserAccessRemoved => "removed account access of",
            AuditAction::UserDeactivated => "deactivated",
            AuditAction::UserReactivated => "reactivated",
            AuditAction::UserSetupLinkResent => "resent the set-up link to",
            AuditAction::UserDeleted => "deleted",
            AuditAction::UserPasswordReset => "reset the password of",
            AuditAction::UserEmailChangeRequested => "asked to change the email of",
            AuditAction::UserEmailChanged => "changed the email of",
            AuditAction::UserEmailConfirmed => "confirmed the email of",
            AuditAction::UserJoinRequested => "asked to join as",
            AuditAction::UserJoinApproved => "approved the join request of",
            AuditAction::UserJoinRejected => "rejected the join request of",
            AuditAction::JoinRequestsWithdrawn => "withdrew the join requests of",
            AuditAction::ProfileUpdated => "updated the profile of",
            AuditAction::ProfilePasswordChanged => "changed the password of",
            AuditAction::ProfileNotificationsUpdated => "changed the notifications of",
            AuditAction::ProfileEmailChangeRequested => "asked to change the email of",
            AuditAction::SessionsEnded => "ended sessions of",
            AuditAction::InvitationCreated => "invited",
            AuditAction::InvitationResent => "resent the invitation to",
            AuditAction::InvitationReinvited => "invited again",
            AuditAction::InvitationWithdrawn => "withdrew the invitation of",
            AuditAction::InvitationDeleted => "deleted the invitation of",
            AuditAction::InvitationAccepted => "accepted the invitation as",
            AuditAction::TeamCreated => "created the team",
            AuditAction::TeamRenamed => "renamed the team",
            AuditAction::TeamDeleted => "deleted the team",
            AuditAction::TeamMemberAdded => "added a team member:",
            AuditAction::TeamMemberRemoved => "removed a team member:",
            AuditAction::RoleCreated => "created the role",
            AuditAction::RoleUpdated => "changed the role",
            AuditAction::RoleDeleted => "deleted the role",
            AuditAction::AccountCreated => "created the account",
            AuditAction::AccountRenamed => "renamed the account",
            AuditAction::AccountMoved => "moved the account",
            AuditAction::AccountDeleted => "deleted the account",
            AuditAction::AuditLogExported => "exported the audit log",
            AuditAction::AuditLogPurged => "removed old events from the audit log",
            AuditAction::UsersExported => "exported from the users table:",
        }
    }

    /// The action stored as `key`, if this version knows it.
    pub fn from_key(key: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.key() == key)
    }
}

/// Actions cross the wire and stand in URLs by their stored key.
impl Serialize for AuditAction {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for AuditAction {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let key = String::deserialize(deserializer)?;
        AuditAction::from_key(&key).ok_or_else(|| serde::de::Error::custom("an unknown audit action"))
    }
}

/// Who made a change: a person today; the system (jobs), API tokens and SCIM later. Stored
/// by [`ActorKind::key`] in `audit_events.actor_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum ActorKind {
    #[default]
    Person,
    System,
}

impl ActorKind {
    pub const fn key(self) -> &'static str {
        match self {
            ActorKind::Person => "person",
            ActorKind::System => "system",
        }
    }

    /// An unknown kind (from a newer version) reads as a person, who has a name.
    pub fn from_key(key: &str) -> ActorKind {
        match key {
            "system" => ActorKind::System,
            _ => ActorKind::Person,
        }
    }
}

/// Events per page of the audit log.
pub const AUDIT_PAGE_SIZE: u32 = 50;

/// One view of the audit log: its filters and where the page starts. Every field is in the
/// page's URL ([`AuditQuery::from_params`], [`AuditQuery::to_query_string`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct AuditQuery {
    /// Events by this person.
    pub actor: Option<UserId>,
    /// Events of these actions (all when empty) ...
    #[serde(default)]
    pub actions: Vec<AuditAction>,
    /// ... or, when set, of every action but these.
    #[serde(default)]
    pub not: bool,
    /// Events about this person.
    pub target: Option<UserId>,
    /// Events about people with access in this account or one below it.
    pub account: Option<AccountId>,
    /// From this time (Unix ms, inclusive) ...
    pub from: Option<i64>,
    /// ... until this one (exclusive).
    pub until: Option<i64>,
    /// Part of the actor's or target's name or email, or of the action in words.
    #[serde(default)]
    pub search: String,
    /// Older than this cursor (the "Next" page) ...
    pub after: Option<String>,
    /// ... or newer (the "Previous" page).
    pub before: Option<String>,
    /// Rows per page; at most [`AUDIT_PAGE_SIZE`] (0: that many).
    #[serde(default)]
    pub limit: u32,
}

impl AuditQuery {
    /// Reads the view from URL query parameters; malformed values are left out, so an edited
    /// link still shows something sensible.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> AuditQuery {
        let int = |name: &str| get(name).and_then(|v| v.parse::<i64>().ok());
        let actions: Vec<AuditAction> = get("action")
            .unwrap_or_default()
            .split(',')
            .filter_map(AuditAction::from_key)
            .collect();
        AuditQuery {
            actor: int("actor").map(UserId),
            // "Every action but none" is every action: the link leaves `not` out then, and so
            // does the view read from it (tests/parsers.rs).
            not: !actions.is_empty() && get("not").as_deref() == Some("1"),
            actions,
            target: int("target").map(UserId),
            account: int("account").map(AccountId),
            from: int("from"),
            until: int("until"),
            search: get("q").unwrap_or_default(),
            after: get("after").filter(|c| !c.is_empty()),
            before: get("before").filter(|c| !c.is_empty()),
            limit: 0,
        }
    }

    /// The query string of this view (without `?`), leaving out what is not set.
    pub fn to_query_string(&self) -> String {
        let mut parts: Vec<(&str, String)> = Vec::new();
        if let Some(actor) = self.actor {
            parts.push(("actor", actor.0.to_string()));
        }
        if !self.actions.is_empty() {
            let keys: Vec<&str> = self.actions.iter().map(|a| a.key()).collect();
            parts.push(("action", keys.join(",")));
            if self.not {
                parts.push(("not", "1".into()));
            }
        }
        if let Some(target) = self.target {
            parts.push(("target", target.0.to_string()));
        }
        if let Some(account) = self.account {
            parts.push(("account", account.0.to_string()));
        }
        if let Some(from) = self.from {
            parts.push(("from", from.to_string()));
        }
        if let Some(until) = self.until {
            parts.push(("until", until.to_string()));
        }
        if !self.search.is_empty() {
            parts.push(("q", self.search.clone()));
        }
        if let Some(after) = &self.after {
            parts.push(("after", after.clone()));
        }
        if let Some(before) = &self.before {
            parts.push(("before", before.clone()));
        }
        crate::model::format::query_string(&parts)
    }

    /// The same view from its first page.
    pub fn first_page(&self) -> AuditQuery {
        AuditQuery {
            after: None,
            before: None,
            ..self.clone()
        }
    }
}

/// One event as the audit log shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: i64,
    /// Unix ms.
    pub created_at: i64,
    pub actor_kind: ActorKind,
    /// The actor while they exist.
    pub actor_id: Option<UserId>,
    /// The actor's name when they acted (kept after they are deleted).
    pub actor_name: String,
    /// `None` for an action this version does not know (`action_key` says it).
    pub action: Option<AuditAction>,
    pub action_key: String,
    /// The target person while they exist.
    pub target_id: Option<UserId>,
    /// Their name now, while they exist.
    pub target_name: Option<String>,
    /// The target as the event remembers it: an email, a team's or role's name, or "name
    /// (email)" of a deleted person.
    pub target_label: String,
    pub ip: String,
    /// JSON text.
    pub before: Option<String>,
    pub after: Option<String>,
    /// The account the change applied to while it exists (for a link).
    pub account_id: Option<AccountId>,
    /// That account's name now, or as recorded once it is gone; `None` for a change that
    /// applied to no one account.
    pub account_name: Option<String>,
}

impl AuditEvent {
    /// The event's place in the log, written as the pages' cursors are.
    pub fn cursor(&self) -> String {
        audit_cursor(self.created_at, self.id)
    }
}

/// Where a page starts or ends: the (created_at, id) of its boundary event, as
/// `<created_at>.<id>`.
pub fn audit_cursor(created_at: i64, id: i64) -> String {
    format!("{created_at}.{id}")
}

/// New events the audit log counts for its "N new events" banner; past this it says "More
/// than N new events" (the count stays cheap however busy the company is).
pub const AUDIT_NEW_MAX: u32 = 100;

/// A page of the audit log, newest first, with the cursors of its neighbours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    /// Cursor of the newer page, if any.
    pub prev: Option<String>,
    /// Cursor of the older page, if any.
    pub next: Option<String>,
    /// The server's "now", Unix ms, for relative times.
    pub now: i64,
}

/// The first millisecond (UTC) of a day written `YYYY-MM-DD`, as a date input gives it.
pub fn day_start_ms(day: &str) -> Option<i64> {
    let mut parts = day.splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    // Years as far as a date input goes: a larger one, typed into the URL, overflowed the
    // arithmetic below (found by tests/parsers.rs).
    if !(1..=275_760).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400_000)
}

/// The UTC day (`YYYY-MM-DD`) of a Unix ms, for a date input.
pub fn day_of_ms(ms: i64) -> String {
    let z = ms.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_and_its_first_millisecond_convert_both_ways() {
        assert_eq!(day_start_ms("1970-01-01"), Some(0));
        assert_eq!(day_start_ms("2024-02-29"), Some(1_709_164_800_000));
        assert_eq!(day_of_ms(1_709_164_800_000 + 3_600_000), "2024-02-29");
        assert_eq!(day_start_ms("2024-13-01"), None);
        assert_eq!(day_start_ms("soon"), None);
        assert_eq!(day_start_ms("9223372036854775807-01-01"), None);
    }

    #[test]
    fn a_view_survives_its_own_url() {
        let view = AuditQuery {
            actor: Some(UserId(3)),
            actions: vec![AuditAction::UserRoleChanged, AuditAction::UserDeactivated],
            not: true,
            target: Some(UserId(4)),
            account: Some(AccountId(5)),
            from: Some(10),
            until: Some(20),
            search: "50% & more".into(),
            after: Some("1.2".into()),
            ..Default::default()
        };
        let qs = view.to_query_string();
        let params: std::collections::HashMap<String, String> = qs
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k.to_string(), percent_decode(v))
            })
            .collect();
        assert_eq!(AuditQuery::from_params(|k| params.get(k).cloned()), view);
    }

    fn percent_decode(v: &str) -> String {
        let bytes = v.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_action_has_its_own_key_in_the_object_dot_event_form() {
        let keys: std::collections::HashSet<_> = AuditAction::ALL.iter().map(|a| a.key()).collect();
        assert_eq!(keys.len(), AuditAction::ALL.len());
        assert!(keys.iter().all(|k| k.split('.').count() == 2));
    }
}
