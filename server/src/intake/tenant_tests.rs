//! Both schemes, against the published Standard Webhooks vectors and our own.

use super::*;
use axum::http::HeaderValue;

fn secret(s: &str) -> SigningSecret {
    SigningSecret { secret: s.into(), expires_at: None }
}

fn standard_headers(id: &str, ts: i64, signature: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("webhook-id", HeaderValue::from_str(id).unwrap());
    h.insert("webhook-timestamp", HeaderValue::from_str(&ts.to_string()).unwrap());
    h.insert("webhook-signature", HeaderValue::from_str(signature).unwrap());
    h
}

/// tests/fixtures/standard-webhooks-vectors.json: the published vectors. Their
/// timestamps are old, so they are checked through `sign` (no clock).
#[test]
fn the_published_vectors_sign_as_published() {
    let path = format!("{}/tests/fixtures/standard-webhooks-vectors.json", env!("CARGO_MANIFEST_DIR"));
    let vectors: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let list = vectors["vectors"].as_array().expect("a vector list");
    assert_eq!(list.len(), 2);
    for v in list {
        let text = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("{k}"));
        let ts = v["timestamp"].as_i64().or_else(|| v["timestamp"].as_str()?.parse().ok()).expect("a timestamp");
        let signed = Webhook::new(text("secret")).unwrap().sign(text("msg_id"), ts, text("payload").as_bytes()).unwrap();
        assert_eq!(signed, text("expected_signature"), "{}", text("name"));
    }
}

#[test]
fn standard_webhooks_with_the_current_or_previous_secret() {
    let (old, new) = ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_c2VjcmV0LXR3by1mb3ItdGVzdHMtMTIzNDU2Nzg=");
    let now = Utc::now().timestamp();
    let body = br#"{"tenantId":1,"title":"x"}"#;
    let sig = Webhook::new(old).unwrap().sign("msg_1", now, body).unwrap();
    let headers = standard_headers("msg_1", now, &sig);
    assert_eq!(verify_signature(&headers, body, &[secret(new), secret(old)]), Ok(Scheme::StandardWebhooks));
    assert_eq!(verify_signature(&headers, body, &[secret(new)]), Err(SignatureError::Invalid));
    // A sender mid-rotation sends both signatures.
    let both = format!("{} {}", Webhook::new(new).unwrap().sign("msg_1", now, body).unwrap(), sig);
    assert!(verify_signature(&standard_headers("msg_1", now, &both), body, &[secret(new)]).is_ok());
}

#[test]
fn a_stale_timestamp_is_refused() {
    let key = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let then = Utc::now().timestamp() - 10 * 60;
    let body = b"{}";
    let sig = Webhook::new(key).unwrap().sign("m", then, body).unwrap();
    assert!(matches!(verify_signature(&standard_headers("m", then, &sig), body, &[secret(key)]), Err(SignatureError::Stale(_))));
}

#[test]
fn seed_004_hex_signatures() {
    let key = "whsec_seed-style-secret";
    let body = br#"{"tenantId":1,"orderNumber":"ORD-1"}"#;
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    let hex_sig = hex::encode(mac.finalize().into_bytes());
    let mut headers = HeaderMap::new();
    headers.insert("x-webhook-signature", HeaderValue::from_str(&hex_sig).unwrap());
    assert_eq!(verify_signature(&headers, body, &[secret(key)]), Ok(Scheme::HexHmac));
    assert_eq!(verify_signature(&headers, b"{}", &[secret(key)]), Err(SignatureError::Invalid));
    assert_eq!(verify_signature(&HeaderMap::new(), body, &[secret(key)]), Err(SignatureError::Missing));
}
