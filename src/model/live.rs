//! Live updates: what the server tells open pages when a company's data changed.
//!
//! An event names only a kind and ids (and, for a change to users, who made it), never a
//! field value, so it cannot show a viewer more than their permissions allow: the page
//! refetches through the normal, permission-checked server functions. A stream carries only
//! the kinds its viewer may see ([`LiveKind::permission`]).

use super::{AccountId, Permission, RoleId, TeamId, UserId};
use serde::{Deserialize, Serialize};

/// The server-sent events stream of the caller's company (`GET`, session cookie).
pub const LIVE_PATH: &str = "/api/live";
/// Name of the first event of every stream: the subscription is in place.
pub const LIVE_READY: &str = "ready";
/// Name of the event that carries a JSON [`LiveEvent`].
pub const LIVE_CHANGE: &str = "change";
/// Name of the last event of a stream whose server is stopping: reconnect at once (to
/// another instance behind the balancer, or to this one when it is back).
pub const LIVE_RECONNECT: &str = "reconnect";

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveKind {
    Users,
    Invitations,
    Teams,
    Roles,
    /// The account tree.
    Accounts,
    /// The company's settings.
    Settings,
    /// The audit log has new events. Never with ids: a viewer limited to some accounts must
    /// not learn of events outside them; the page counts what it may see.
    Audit,
}

impl LiveKind {
    pub const ALL: [LiveKind; 7] = [
        LiveKind::Users,
        LiveKind::Invitations,
        LiveKind::Teams,
        LiveKind::Roles,
        LiveKind::Accounts,
        LiveKind::Settings,
        LiveKind::Audit,
    ];

    /// What a viewer must hold (anywhere) to be told of changes of this kind: what the pages
    /// showing them need.
    pub fn permission(self) -> Permission {
        match self {
            LiveKind::Users | LiveKind::Invitations | LiveKind::Teams => Permission::ViewUsers,
            LiveKind::Roles => Permission::ManageRoles,
            LiveKind::Accounts => Permission::ManageAccounts,
            LiveKind::Settings => Permission::ManageSettings,
            LiveKind::Audit => Permission::ViewAuditLog,
        }
    }
}

/// Something of `kind` changed in the subscriber's company. Empty `ids` means "anything of
/// this kind may have changed: reload it all" (too many ids, or events were missed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEvent {
    pub kind: LiveKind,
    #[serde(default)]
    pub ids: Vec<i64>,
    /// The name of who made the change, when a page needs to say it: a user's page open in
    /// its edit form shows "Changed by <name> just now". Carried here rather than fetched
    /// from the audit log because the editor needs no audit-log permission for it, it costs no
    /// extra request, and it is only ever the name of a colleague in the same company who
    /// may manage users, which anyone allowed this stream may see anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

impl LiveEvent {
    /// These users changed (were added, edited, deactivated, deleted ...).
    pub fn users(ids: impl IntoIterator<Item = UserId>) -> LiveEvent {
        LiveEvent::of(LiveKind::Users, ids.into_iter().map(|id| id.0))
    }

    /// One user changed.
    pub fn user(id: UserId) -> LiveEvent {
        LiveEvent::users([id])
    }

    /// These invitations (by id) changed.
    pub fn invitations(ids: impl IntoIterator<Item = i64>) -> LiveEvent {
        LiveEvent::of(LiveKind::Invitations, ids)
    }

    /// These teams changed.
    pub fn teams(ids: impl IntoIterator<Item = TeamId>) -> LiveEvent {
        LiveEvent::of(LiveKind::Teams, ids.into_iter().map(|id| id.0))
    }

    /// These roles changed.
    pub fn roles(ids: impl IntoIterator<Item = RoleId>) -> LiveEvent {
        LiveEvent::of(LiveKind::Roles, ids.into_iter().map(|id| id.0))
    }

    /// These accounts changed (with what lies below them).
    pub fn accounts(ids: impl IntoIterator<Item = AccountId>) -> LiveEvent {
        LiveEvent::of(LiveKind::Accounts, ids.into_iter().map(|id| id.0))
    }

    /// Anything of `kind` may have changed.
    pub fn everything(kind: LiveKind) -> LiveEvent {
        LiveEvent {
            kind,
            ids: Vec::new(),
            by: None,
        }
    }

    /// The same event, made by the person called `name`.
    pub fn by(self, name: &str) -> LiveEvent {
        LiveEvent {
            by: Some(name.to_string()),
            ..self
        }
    }

    /// True when the event may concern the thing of its kind with this id.
    pub fn concerns(&self, id: i64) -> bool {
        self.is_everything() || self.ids.contains(&id)
    }

    /// True when the event names no ids: reload everything of its kind.
    pub fn is_everything(&self) -> bool {
        self.ids.is_empty()
    }

    fn of(kind: LiveKind, ids: impl IntoIterator<Item = i64>) -> LiveEvent {
        let mut ids: Vec<i64> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        LiveEvent { kind, ids, by: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_travels_as_its_kind_and_ids_only() {
        let event = LiveEvent::users([UserId(7), UserId(3), UserId(7)]);
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(json, r#"{"kind":"users","ids":[3,7]}"#);
        assert_eq!(serde_json::from_str::<LiveEvent>(&json).unwrap(), event);
        let all: LiveEvent = serde_json::from_str(r#"{"kind":"teams"}"#).unwrap();
        assert!(all.is_everything());
        assert_eq!(all, LiveEvent::everything(LiveKind::Teams));
        let by = LiveEvent::user(UserId(3)).by("Ada");
        let json = serde_json::to_string(&by).unwrap();
        assert_eq!(json, r#"{"kind":"users","ids":[3],"by":"Ada"}"#);
        assert_eq!(serde_json::from_str::<LiveEvent>(&json).unwrap(), by);
    }
}
