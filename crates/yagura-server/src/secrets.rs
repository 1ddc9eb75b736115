//! Passwords and API tokens: argon2id PHC strings for passwords, random
//! 256-bit tokens kept only as their SHA-256.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// A secret that could not be made.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SecretError(String);

/// The argon2id PHC string of a password (random salt).
pub fn hash_password(password: &str) -> Result<String, SecretError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| SecretError(format!("hashing the password: {e}")))
}

/// Whether `password` matches a stored PHC string (false for a malformed one).
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// The prefix of Yagura API tokens (so secret scanners can find leaked ones).
pub const TOKEN_PREFIX: &str = "ygr_";

/// A new API token: its public id, the secret to hand out once, and the
/// hash to keep.
#[derive(Debug)]
pub struct NewToken {
    /// The id used to list and revoke it.
    pub id: String,
    /// The token itself: shown once, never stored.
    pub secret: String,
    /// What the store keeps.
    pub hash: String,
}

/// Makes a token from 256 random bits.
pub fn new_token() -> Result<NewToken, SecretError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| SecretError(format!("random bytes: {e}")))?;
    let mut id = [0u8; 6];
    getrandom::fill(&mut id).map_err(|e| SecretError(format!("random bytes: {e}")))?;
    let secret = format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    Ok(NewToken {
        id: hex::encode(id),
        hash: token_hash(&secret),
        secret,
    })
}

/// The SHA-256 (hex) a token is stored and looked up by.
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let phc = hash_password("correct horse").expect("hashes");
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("correct horsf", &phc));
        assert!(!verify_password("correct horse", "not a phc string"));
        assert_ne!(phc, hash_password("correct horse").expect("hashes"));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token().expect("token");
        let b = new_token().expect("token");
        assert_ne!(a.secret, b.secret);
        assert!(a.secret.starts_with(TOKEN_PREFIX));
        assert_eq!(a.secret.len(), TOKEN_PREFIX.len() + 43);
        assert_eq!(a.hash, token_hash(&a.secret));
        assert!(!a.hash.contains(&a.secret[TOKEN_PREFIX.len()..]));
    }
}
