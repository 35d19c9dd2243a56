//! Password hashing with argon2id (the `argon2` crate's defaults: m=19456 KiB, t=2, p=1), on a
//! blocking thread so a burst of sign-ins never stalls the async runtime.

use crate::{error::AppError, model::NewPassword};
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use std::sync::LazyLock;

/// Refuses passwords found in zxcvbn's lists of common passwords, names and words, or
/// guessable in under a million tries. `about_user` (email, name, company) counts as known to
/// an attacker, whole and in its parts.
pub fn check_strength(password: &NewPassword, about_user: &[&str]) -> Result<(), AppError> {
    let mut known: Vec<&str> = Vec::new();
    for text in about_user {
        known.push(text);
        if let Some((local, _)) = text.split_once('@') {
            known.push(local);
        }
        known.extend(text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 2));
    }
    let estimate = zxcvbn::zxcvbn(password.as_str(), &known);
    if estimate.score() < zxcvbn::Score::Two {
        return Err(AppError::field(
            "password",
            "This password is too common or easy to guess. Try a longer phrase of unrelated words.",
        ));
    }
    Ok(())
}

pub async fn hash(password: &NewPassword) -> Result<String, AppError> {
    let password = password.as_str().to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|error| {
                tracing::error!(%error, "password hashing failed");
                AppError::Internal
            })
    })
    .await
    .map_err(|_| AppError::Internal)?
}

/// Checks `password` against a stored hash. With no hash (unknown email, or a user who never
/// set a password) it verifies against a dummy hash, so the answer takes as long either way
/// and timing does not reveal which emails have accounts.
pub async fn verify(password: &str, stored: Option<String>) -> bool {
    static DUMMY: LazyLock<String> = LazyLock::new(|| {
        Argon2::default()
            .hash_password(b"roster-dummy-password", &SaltString::generate(&mut OsRng))
            .expect("hashing a constant works")
            .to_string()
    });
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let hash_text = stored.unwrap_or_else(|| DUMMY.clone());
        let Ok(parsed) = PasswordHash::new(&hash_text) else {
            return false;
        };
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        real && ok
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_default_cost_and_verify() {
        let p = NewPassword::parse("correct horse battery staple").unwrap();
        let h = hash(&p).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery staple", Some(h.clone())).await);
        assert!(!verify("wrong horse battery staple", Some(h)).await);
    }

    #[tokio::test]
    async fn a_missing_hash_never_verifies() {
        assert!(!verify("roster-dummy-password", None).await);
    }

    #[test]
    fn common_passwords_are_refused() {
        for common in ["password", "password123", "qwertyuiop", "iloveyou1"] {
            let p = NewPassword::parse(common).unwrap();
            assert!(check_strength(&p, &[]).is_err(), "{common} should be refused");
        }
        let good = NewPassword::parse("Tangerine-Glacier-42-Otter").unwrap();
        assert!(check_strength(&good, &[]).is_ok());
    }

    #[test]
    fn a_password_made_of_the_users_own_email_is_refused() {
        let p = NewPassword::parse("ada.lovelace").unwrap();
        assert!(check_strength(&p, &["ada.lovelace@example.com", "ada", "lovelace"]).is_err());
    }
}
