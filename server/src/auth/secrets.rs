//! Passwords, session tokens and API keys: how each is made and how only a
//! hash of it is stored.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};

/// Prefix of Tidings API keys, so a leaked key is recognisable in a scan.
pub const API_KEY_PREFIX: &str = "tdk_";

/// An argon2id hash (OWASP's parameters: the crate's defaults). Slow on
/// purpose, so it runs on the blocking pool.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| anyhow::anyhow!("{e}"))
    })
    .await?
}

/// Whether `password` matches `hash`; a malformed hash matches nothing.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// SHA-256 hex of a high-entropy token (session cookies, API keys): enough,
/// since such tokens cannot be guessed the way passwords can.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new API key and the prefix shown in listings.
pub fn new_api_key() -> (String, String) {
    let key = format!("{API_KEY_PREFIX}{}", crate::random_token(24));
    let prefix = key[..API_KEY_PREFIX.len() + 6].to_owned();
    (key, prefix)
}

/// A Standard Webhooks signing secret: `whsec_` and 32 random bytes in
/// base64.
pub fn new_signing_secret() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// A readable first password for a new staff account (shown once).
pub fn new_password() -> String {
    crate::random_token(9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), hash.clone()).await);
        assert!(!verify_password("wrong horse".into(), hash).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
    }

    #[test]
    fn api_keys_are_prefixed_and_hashed() {
        let (key, prefix) = new_api_key();
        assert!(key.starts_with(API_KEY_PREFIX) && key.starts_with(&prefix));
        assert_eq!(token_hash(&key).len(), 64);
        assert_ne!(token_hash(&key), token_hash(&new_api_key().0));
    }
}
