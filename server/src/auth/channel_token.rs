//! Short-lived signed channel tokens: `base64url(claims).base64url(HMAC)`.
//! A signed-in page or a trusted back end gets one for a channel
//! (`college:7`), and a socket presents it to subscribe without a cookie.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// Who asked: `user:3` or `api-key:tenant:2`.
    pub sub: String,
    pub channel: String,
    /// Unix seconds.
    pub exp: i64,
}

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token")]
    Malformed,
    #[error("bad token signature")]
    Signature,
    #[error("token expired")]
    Expired,
}

fn mac(key: &SecretString) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(key.expose_secret().as_bytes()).expect("any key length")
}

pub fn sign(claims: &Claims, key: &SecretString) -> String {
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialise"));
    let mut mac = mac(key);
    mac.update(body.as_bytes());
    format!("{body}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

pub fn verify(token: &str, key: &SecretString, now: DateTime<Utc>) -> Result<Claims, TokenError> {
    let (body, signature) = token.split_once('.').ok_or(TokenError::Malformed)?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Malformed)?;
    let mut mac = mac(key);
    mac.update(body.as_bytes());
    mac.verify_slice(&signature).map_err(|_| TokenError::Signature)?;
    let claims: Claims =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).map_err(|_| TokenError::Malformed)?).map_err(|_| TokenError::Malformed)?;
    if claims.exp <= now.timestamp() {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims { sub: "user:1".into(), channel: "college:7".into(), exp }
    }

    #[test]
    fn round_trips_and_refuses_tampering_expiry_and_other_keys() {
        let key = SecretString::from("k1");
        let now = DateTime::from_timestamp(1_000, 0).unwrap();
        let token = sign(&claims(2_000), &key);
        assert_eq!(verify(&token, &key, now).unwrap().channel, "college:7");
        assert_eq!(verify(&token, &SecretString::from("k2"), now), Err(TokenError::Signature));
        let forged = sign(&Claims { channel: "college:8".into(), ..claims(2_000) }, &SecretString::from("k2"));
        let (body, _) = forged.split_once('.').unwrap();
        let (_, sig) = token.split_once('.').unwrap();
        assert_eq!(verify(&format!("{body}.{sig}"), &key, now), Err(TokenError::Signature));
        assert_eq!(verify(&sign(&claims(999), &key), &key, now), Err(TokenError::Expired));
        assert_eq!(verify("nonsense", &key, now), Err(TokenError::Malformed));
    }
}
