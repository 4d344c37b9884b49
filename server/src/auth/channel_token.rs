//! Short-lived signed channel tokens: `base64url(claims).base64url(HMAC)`.
//! A signed-in page or a trusted back end gets one for a channel
//! (`college:7`), and a socket presents it to subscribe without a cookie.
//! The subject says who minted it, so that removing the member or revoking
//! the API key closes the sockets it opened.

use crate::hub::Grant;
use app::protocol::TenantId;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Subject,
    pub channel: TokenChannel,
    /// Unix seconds.
    pub exp: i64,
}

/// Who minted a token: a staff member (`user:3`) or an API key (`api-key:7`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Subject {
    User(i64),
    ApiKey(i64),
}

/// What a token lets a socket watch: a college's WhatsApp messages
/// (`college:7`) or a tenant's notifications (`tenant:7`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum TokenChannel {
    College(TenantId),
    Tenant(TenantId),
}

fn split_id(text: &str) -> Option<(&str, i64)> {
    let (kind, id) = text.rsplit_once(':')?;
    Some((kind, id.parse().ok()?))
}

impl TryFrom<String> for Subject {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        match split_id(&text) {
            Some(("user", id)) => Ok(Self::User(id)),
            Some(("api-key", id)) => Ok(Self::ApiKey(id)),
            _ => Err(format!("unknown subject `{text}`")),
        }
    }
}

impl From<Subject> for String {
    fn from(subject: Subject) -> String {
        match subject {
            Subject::User(id) => format!("user:{id}"),
            Subject::ApiKey(id) => format!("api-key:{id}"),
        }
    }
}

impl std::str::FromStr for TokenChannel {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match split_id(text) {
            Some(("college", id)) => Ok(Self::College(TenantId(id))),
            Some(("tenant", id)) => Ok(Self::Tenant(TenantId(id))),
            _ => Err("channel must be `college:<id>` or `tenant:<id>`".into()),
        }
    }
}

impl TryFrom<String> for TokenChannel {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<TokenChannel> for String {
    fn from(channel: TokenChannel) -> String {
        match channel {
            TokenChannel::College(t) => format!("college:{t}"),
            TokenChannel::Tenant(t) => format!("tenant:{t}"),
        }
    }
}

impl TokenChannel {
    pub fn tenant(self) -> TenantId {
        match self {
            Self::College(t) | Self::Tenant(t) => t,
        }
    }
}

impl Claims {
    /// The credentials a socket holds a channel by with this token.
    pub fn grants(&self) -> [Grant; 2] {
        let by = match self.sub {
            Subject::User(user) => Grant::Member(self.channel.tenant(), user),
            Subject::ApiKey(key) => Grant::ApiKey(key),
        };
        [by, Grant::Until(self.exp)]
    }
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

/// Whether a bearer value has a token's shape (API keys have no dot).
pub fn looks_like(bearer: &str) -> bool {
    bearer.contains('.')
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
        Claims { sub: Subject::User(1), channel: TokenChannel::College(TenantId(7)), exp }
    }

    #[test]
    fn round_trips_and_refuses_tampering_expiry_and_other_keys() {
        let key = SecretString::from("k1");
        let now = DateTime::from_timestamp(1_000, 0).unwrap();
        let token = sign(&claims(2_000), &key);
        assert_eq!(verify(&token, &key, now).unwrap().channel, TokenChannel::College(TenantId(7)));
        assert_eq!(verify(&token, &SecretString::from("k2"), now), Err(TokenError::Signature));
        let forged = sign(&Claims { channel: TokenChannel::College(TenantId(8)), ..claims(2_000) }, &SecretString::from("k2"));
        let (body, _) = forged.split_once('.').unwrap();
        let (_, sig) = token.split_once('.').unwrap();
        assert_eq!(verify(&format!("{body}.{sig}"), &key, now), Err(TokenError::Signature));
        assert_eq!(verify(&sign(&claims(999), &key), &key, now), Err(TokenError::Expired));
        assert_eq!(verify("nonsense", &key, now), Err(TokenError::Malformed));
    }

    #[test]
    fn subjects_and_channels_read_as_they_are_written() {
        for text in ["user:3", "api-key:7"] {
            assert_eq!(String::from(Subject::try_from(text.to_owned()).unwrap()), text);
        }
        assert_eq!("tenant:2".parse::<TokenChannel>(), Ok(TokenChannel::Tenant(TenantId(2))));
        assert!("tenant:x".parse::<TokenChannel>().is_err());
        assert!("room:2".parse::<TokenChannel>().is_err());
        assert!(Subject::try_from("api-key:tenant:2".to_owned()).is_err(), "an old token's subject names no key");
    }
}
