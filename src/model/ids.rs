use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        // Binds and decodes as its number, so SQL takes the id itself, never `.0`.
        #[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(pub i64);

        impl From<i64> for $name {
            fn from(id: i64) -> $name {
                $name(id)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A company: the tenant everything else belongs to.
    CompanyId,
    /// A user of one company.
    UserId,
    /// A role of one company.
    RoleId,
    /// An account (the root or a sub-account) of one company.
    AccountId,
    /// A team of one company.
    TeamId,
    /// One signed-in device.
    SessionId,
);
