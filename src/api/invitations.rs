//! Inviting people and managing invitations (manage-invitations), and accepting one from its
//! emailed link (the link's token is the caller's proof, so that needs no session).

#[cfg(feature = "ssr")]
use crate::model::{LiveEvent, LiveKind};
use crate::{
    error::AppError,
    model::{InvitationLink, InvitationsChanged, InviteForm, InviteOutcome},
};
use leptos::prelude::*;

/// Invites every address that may be invited and says why the others were set aside.
#[server(endpoint = "invitations/invite")]
pub async fn invite_users(invite: InviteForm) -> Result<InviteOutcome, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::invitations::invite(state.store(), &can, &by, &invite, state.config.mailing()).await
        }
        .await,
    )
}

/// Sends invitations again with new links (re-invites expired and withdrawn ones).
#[server(endpoint = "invitations/resend")]
pub async fn resend_invitations(#[server(default)] ids: Vec<i64>) -> Result<InvitationsChanged, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::invitations::resend(state.store(), &can, &by, &ids, state.config.mailing()).await
        }
        .await,
    )
}

/// Withdraws pending invitations: their links stop working.
#[server(endpoint = "invitations/withdraw")]
pub async fn withdraw_invitations(#[server(default)] ids: Vec<i64>) -> Result<InvitationsChanged, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::invitations::remove(state.store(), &can, &by, &ids, db::invitations::Removal::Withdraw).await
        }
        .await,
    )
}

/// Removes invitations from the list; their links stop working.
#[server(endpoint = "invitations/delete")]
pub async fn delete_invitations(#[server(default)] ids: Vec<i64>) -> Result<InvitationsChanged, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let (can, by, state) = super::author().await?;
            db::invitations::remove(state.store(), &can, &by, &ids, db::invitations::Removal::Delete).await
        }
        .await,
    )
}

/// Which company and email an invitation link is for, or `LinkExpired` for any link that
/// cannot be used (the answer reveals nothing about why).
#[server(endpoint = "invitations/info")]
pub async fn invitation_info(token: String) -> Result<InvitationLink, AppError> {
    use crate::server::{auth, db};
    auth::respond(
        async {
            let state = auth::state()?;
            db::invitations::find(&state.db, &token, db::now_ms())
                .await?
                .ok_or(AppError::LinkExpired)
        }
        .await,
    )
}

/// Accepts an invitation: creates the user with the chosen name and password, and signs them in.
#[server(endpoint = "invitations/accept")]
pub async fn accept_invitation(token: String, name: String, password: String) -> Result<(), AppError> {
    use crate::{
        model::{NewPassword, PersonName},
        server::{auth, db, password as pw, signin},
    };
    auth::respond(
        async {
            let state = auth::state()?;
            let link = db::invitations::find(&state.db, &token, db::now_ms())
                .await?
                .ok_or(AppError::LinkExpired)?;
            let name = PersonName::parse(&name)?;
            let new_password = NewPassword::parse(&password)?;
            pw::check_strength(&new_password, &[&link.email, name.as_str(), &link.company_name])?;
            let hash = pw::hash(&new_password).await?;
            let ip = auth::client_ip(&auth::request_parts()?);
            let (company, user) = db::invitations::accept(
                &state.db,
                &state.config.audit_key,
                &token,
                &name,
                &hash,
                &ip,
                &state.config.modules,
            )
            .await?;
            state.mailer.wake();
            state.live.publish(company, LiveEvent::user(user));
            state
                .live
                .publish(company, LiveEvent::everything(LiveKind::Invitations));
            state
                .live
                .publish(company, LiveEvent::everything(LiveKind::Audit));
            signin::sign_in_by_link(&state, user).await
        }
        .await,
    )
}
