//! Which `X-API-Key`s the wallet platform may present: `WEBHOOK_SECRET`,
//! and the keys `tidings platform rotate-secret` added, a rotated-out one
//! until its grace period ends. The stored keys are read again every
//! [`REFRESH`], so every node knows a new key before the platform uses it
//! (the command waits that long before telling the platform).

use crate::store::{PlatformKey, Store};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use subtle::ConstantTimeEq;

/// How often each node reads the stored keys.
pub const REFRESH: Duration = Duration::from_secs(2);

type Hash = [u8; 32];

/// A key's stored form: SHA-256, hex.
pub fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

pub struct PlatformKeys {
    configured: Hash,
    /// Stored keys by hash, with when each stops working (`None`: never).
    stored: RwLock<HashMap<Hash, Option<DateTime<Utc>>>>,
}

impl PlatformKeys {
    pub fn new(configured: &SecretString) -> Self {
        Self { configured: Sha256::digest(configured.expose_secret().as_bytes()).into(), stored: RwLock::default() }
    }

    /// Whether `presented` is a key that works at `now`. Hashed first, so
    /// the comparison with the configured key reveals not even its length.
    pub fn accepts(&self, presented: Option<&str>, now: DateTime<Utc>) -> bool {
        let Some(presented) = presented else { return false };
        let hash: Hash = Sha256::digest(presented.as_bytes()).into();
        let stored = self.stored.read().expect("key table");
        let works = stored.get(&hash).map(|retire_at| retire_at.is_none_or(|t| t > now));
        if bool::from(hash.ct_eq(&self.configured)) {
            // The configured key works unless a rotation retired it.
            return works.unwrap_or(true);
        }
        works.unwrap_or(false)
    }

    pub fn replace(&self, keys: Vec<PlatformKey>) {
        let keys = keys
            .into_iter()
            .filter_map(|k| {
                let mut hash = [0u8; 32];
                hex::decode_to_slice(&k.key_hash, &mut hash).ok()?;
                Some((hash, k.retire_at))
            })
            .collect();
        *self.stored.write().expect("key table") = keys;
    }
}

/// Keeps `keys` current until the server stops.
pub async fn run_refresh(keys: Arc<PlatformKeys>, store: Arc<dyn Store>) {
    let mut tick = tokio::time::interval(REFRESH);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match store.platform_keys().await {
            Ok(stored) => keys.replace(stored),
            Err(err) => tracing::warn!(error = %err, "could not read the platform's webhook keys"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_key_works_until_a_rotation_retires_it() {
        let keys = PlatformKeys::new(&SecretString::from("old"));
        let now = Utc::now();
        assert!(keys.accepts(Some("old"), now));
        assert!(!keys.accepts(Some("new"), now));
        assert!(!keys.accepts(None, now));
        let grace_end = now + chrono::Duration::seconds(60);
        keys.replace(vec![
            PlatformKey { key_hash: key_hash("old"), retire_at: Some(grace_end) },
            PlatformKey { key_hash: key_hash("new"), retire_at: None },
        ]);
        assert!(keys.accepts(Some("old"), now), "within the grace period");
        assert!(keys.accepts(Some("new"), now));
        let later = grace_end + chrono::Duration::seconds(1);
        assert!(!keys.accepts(Some("old"), later), "after it");
        assert!(keys.accepts(Some("new"), later));
    }
}
