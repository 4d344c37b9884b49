//! DIDComm out-of-band invitation URLs (Aries RFC 0434): `…?oob=<base64url
//! JSON>`. The simulator makes them; the `simulate` command reads the
//! invitation id back out, as a wallet would.

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};

/// Builds a single-use out-of-band invitation URL for `endpoint`.
pub fn build_url(endpoint: &str, invitation_id: &str, label: &str, recipient_key: &str) -> String {
    let invitation = json!({
        "@type": "https://didcomm.org/out-of-band/1.1/invitation",
        "@id": invitation_id,
        "label": label,
        "accept": ["didcomm/aip1", "didcomm/aip2;env=rfc19"],
        "handshake_protocols": ["https://didcomm.org/didexchange/1.1", "https://didcomm.org/connections/1.0"],
        "services": [{
            "id": "#inline",
            "type": "did-communication",
            "recipientKeys": [format!("did:key:{recipient_key}")],
            "serviceEndpoint": endpoint,
        }],
    });
    format!("{endpoint}?oob={}", URL_SAFE_NO_PAD.encode(invitation.to_string()))
}

/// The invitation JSON inside an out-of-band URL.
pub fn decode(url: &str) -> Option<Value> {
    let (_, query) = url.split_once('?')?;
    let encoded = query.split('&').find_map(|pair| pair.strip_prefix("oob=").or_else(|| pair.strip_prefix("c_i=")))?;
    let bytes = URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')).or_else(|_| URL_SAFE.decode(encoded)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The invitation message id (`@id`) inside an out-of-band URL.
pub fn invitation_id_from_url(url: &str) -> Option<String> {
    decode(url)?.get("@id")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_invitation_id() {
        let url = build_url("https://agent.example", "inv-42", "Tidings U", "z6Mk");
        assert!(url.starts_with("https://agent.example?oob="));
        assert_eq!(invitation_id_from_url(&url).as_deref(), Some("inv-42"));
        assert_eq!(decode(&url).unwrap()["label"], "Tidings U");
    }

    #[test]
    fn ignores_urls_without_an_invitation() {
        assert_eq!(invitation_id_from_url("https://example.org/?x=1"), None);
    }
}
