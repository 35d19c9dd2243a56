//! Types shared by the browser and the server: ids, validated values, permissions and the
//! shapes server functions return.

mod account;
mod audit;
mod bulk;
pub mod format;
mod home;
mod ids;
mod invitation;
mod live;
mod onboarding;
mod permission;
mod profile;
mod role;
mod settings;
mod team;
mod user;
mod user_query;
mod values;

pub use account::*;
pub use audit::*;
pub use bulk::*;
pub use home::*;
pub use ids::*;
pub use invitation::*;
pub use live::*;
pub use onboarding::*;
pub use permission::*;
pub use profile::*;
pub use role::*;
pub use settings::*;
pub use team::*;
pub use user::*;
pub use user_query::*;
pub use values::*;
