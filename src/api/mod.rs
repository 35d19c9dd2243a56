//! Server functions: what the browser (and programs) call. Each finds the caller, gets the
//! capability it needs, calls `server::db` or a server service, and maps errors. They are
//! mounted under `/api/<endpoint>`.

pub mod access;
pub mod accounts;
pub mod approvals;
pub mod audit;
pub mod auth;
pub mod bulk;
pub mod invitations;
pub mod join;
pub mod profile;
pub mod reset;
pub mod retry;
pub mod roles;
pub mod settings;
pub mod teams;
pub mod users;
pub mod welcome;

/// The caller, as the author of a change that needs permission `P`: the capability, who they
/// are and where they call from (for the audit log), and the app state.
#[cfg(feature = "ssr")]
async fn author<P: crate::server::access::perm::Marker>() -> Result<
    (
        crate::server::access::Can<P>,
        crate::server::db::audit::By,
        crate::server::state::AppState,
    ),
    crate::error::AppError,
> {
    use crate::server::{auth, db::audit::By};
    let user = auth::current_user().await?;
    let can = user.require::<P>()?;
    let parts = auth::request_parts()?;
    let state = auth::state()?;
    let by = By {
        company: user.company_id,
        user: user.id,
        name: user.name.clone(),
        ip: auth::client_ip(&parts),
        key: state.config.audit_key.clone(),
    };
    Ok((can, by, state))
}
