//! Types shared by the browser and the server: ids, validated values, permissions and the
//! shapes server functions return.

mod ids;
mod invitation;
mod permission;
mod settings;
mod user;
mod user_query;
mod values;

pub use ids::*;
pub use invitation::*;
pub use permission::*;
pub use settings::*;
pub use user::*;
pub use user_query::*;
pub use values::*;
