//! Types shared by the browser and the server: ids, validated values, permissions and the
//! shapes server functions return.

mod ids;
mod permission;
mod user;
mod values;

pub use ids::*;
pub use permission::*;
pub use user::*;
pub use values::*;
