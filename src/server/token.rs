//! Secret tokens (sessions, invitations, resets): 256 random bits handed out once, stored only
//! as a SHA-256 hash so a copy of the database opens nothing.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random token, hex-encoded (64 characters).
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The hash stored in the database for `token`.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_256_bits_and_never_repeat() {
        let a = generate();
        assert_eq!(a.len(), 64);
        assert_ne!(a, generate());
    }

    #[test]
    fn the_stored_hash_differs_from_the_token_and_is_stable() {
        let t = generate();
        assert_ne!(hash(&t), t);
        assert_eq!(hash(&t), hash(&t));
    }
}
