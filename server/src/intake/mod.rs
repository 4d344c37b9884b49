//! Webhook intake: verify the raw bytes, parse to a typed event
//! ([`crate::events`]), store the delivery once, leased to this node, and
//! only then answer 2xx; the stored delivery is handed to the worker
//! ([`crate::events::Wake`]). Intake never applies anything itself: a
//! tenant webhook's answer waits (briefly) for the worker to report the ids
//! it produced.

pub mod confirmd;
pub mod platform_keys;
pub mod reconcile;
pub mod tenant;
pub mod tenant_events;
pub mod whatsapp;

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Compares a presented secret with the expected one in constant time.
/// Both sides are hashed first, so not even the length leaks.
pub fn secret_matches(presented: Option<&str>, expected: &SecretString) -> bool {
    let Some(presented) = presented else { return false };
    let a = Sha256::digest(presented.as_bytes());
    let b = Sha256::digest(expected.expose_secret().as_bytes());
    a.ct_eq(&b).into()
}

/// The raw body, or the reason it could not be read (413 for too large).
pub fn raw_body(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| match rejection.status() {
        axum::http::StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge { limit },
        _ => ApiError::BadRequest(rejection.body_text()),
    })
}

/// A delivery's dedupe key: the provider's own delivery id when it sends one,
/// or a hash of the exact bytes, so a retried delivery is still recognised.
pub fn delivery_key(delivery_id: Option<&str>, body: &[u8]) -> String {
    match delivery_id {
        Some(id) => format!("id:{id}"),
        None => format!("sha256:{}", hex::encode(Sha256::digest(body))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_secrets() {
        let expected = SecretString::from("right");
        assert!(secret_matches(Some("right"), &expected));
        assert!(!secret_matches(Some("wrong"), &expected));
        assert!(!secret_matches(Some(""), &expected));
        assert!(!secret_matches(None, &expected));
    }

    #[test]
    fn keys_by_id_or_by_exact_bytes() {
        assert_eq!(delivery_key(Some("wh_1"), b"a"), delivery_key(Some("wh_1"), b"b"));
        assert_ne!(delivery_key(None, b"{}"), delivery_key(None, b"{} "));
        assert_eq!(delivery_key(None, b"{}"), delivery_key(None, b"{}"));
    }
}
