//! A stored delivery, parsed once: what the worker applies, and the subject
//! whose events must be applied in order.

use super::platform::{self, ConnectionEvent, PlatformEvent};
use super::tenant::TenantEvent;
use super::whatsapp::WaEvent;
use super::Provider;

pub enum Parsed {
    /// A connection event of the wallet platform.
    Connection(ConnectionEvent),
    /// Stored and listed only: the platform's credential and proof topics.
    Kept,
    WhatsApp(WaEvent),
    Tenant(TenantEvent),
}

/// A stored body that does not parse (an older build accepted it): it fails
/// like any processing error.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error(transparent)]
    Platform(#[from] platform::PayloadError),
    #[error("stored event unreadable: {0}")]
    Json(#[from] serde_json::Error),
}

impl Parsed {
    /// Parses a stored body by its provider.
    pub fn of(provider: Provider, topic: &str, body: &[u8]) -> Result<Parsed, ParseError> {
        Ok(match provider {
            Provider::Platform => Parsed::platform(platform::parse(body, topic.split('.').next())?),
            Provider::WhatsApp => Parsed::WhatsApp(serde_json::from_slice(body)?),
            Provider::Tenant => Parsed::Tenant(serde_json::from_slice(body)?),
        })
    }

    /// A wallet platform's event: its connection, if it concerns one.
    pub fn platform(event: PlatformEvent) -> Parsed {
        match event.connection {
            Some(connection) => Parsed::Connection(connection),
            None => Parsed::Kept,
        }
    }

    /// What this event is about: events with the same subject are applied
    /// in order, events with different ones may overlap. `None` joins the
    /// lane's one shared sequence: tenant events (whose order across
    /// entities the dashboards show) and events about no one thing.
    ///
    /// Order keeps history tidy; it is not what keeps state right: session
    /// and message changes are compare-and-set and never step back, so an
    /// event keyed differently from its predecessor (a connection event
    /// without a connection id) still cannot undo it.
    pub fn subject(&self) -> Option<&str> {
        match self {
            Parsed::Connection(c) => c.connection_id.as_ref().map(|id| id.as_str()).or(c.invitation_ids.first().map(String::as_str)),
            Parsed::WhatsApp(WaEvent::Status { wamid, .. }) => Some(wamid),
            // A customer's messages join their conversation in order.
            Parsed::WhatsApp(WaEvent::Message { from, .. }) => Some(from),
            Parsed::WhatsApp(WaEvent::SystemError { .. }) | Parsed::Kept | Parsed::Tenant(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn subject(provider: Provider, topic: &str, body: serde_json::Value) -> Option<String> {
        Parsed::of(provider, topic, &serde_json::to_vec(&body).unwrap()).unwrap().subject().map(str::to_owned)
    }

    #[test]
    fn a_connection_event_is_about_its_connection_or_else_its_invitation() {
        let with_id = json!({"type": "Connection", "connectionId": "conn-1", "state": "response-sent", "outOfBandId": "oob-1"});
        assert_eq!(subject(Provider::Platform, "connections.response-sent", with_id).as_deref(), Some("conn-1"));
        let without = json!({"type": "Connection", "state": "invitation-sent", "outOfBandId": "oob-1"});
        assert_eq!(subject(Provider::Platform, "connections.invitation-sent", without).as_deref(), Some("oob-1"));
    }

    #[test]
    fn a_whatsapp_status_is_about_its_message() {
        let status = WaEvent::Status {
            wamid: "wamid.1".into(),
            status: "sent".into(),
            recipient_id: None,
            timestamp: chrono::Utc::now(),
            phone_number_id: None,
            errors: vec![],
        };
        let body = serde_json::to_value(&status).unwrap();
        assert_eq!(subject(Provider::WhatsApp, "whatsapp.status.sent", body).as_deref(), Some("wamid.1"));
    }

    #[test]
    fn an_event_about_no_one_thing_joins_the_shared_sequence() {
        let credential = json!({"type": "Credential", "state": "offer-sent", "credentialExchangeId": "cx-1"});
        let parsed = Parsed::of(Provider::Platform, "credentials.offer-sent", &serde_json::to_vec(&credential).unwrap()).unwrap();
        assert!(matches!(parsed, Parsed::Kept));
        assert_eq!(parsed.subject(), None);
    }

    #[test]
    fn a_body_that_does_not_fit_its_provider_is_an_error_not_a_guess() {
        assert!(Parsed::of(Provider::WhatsApp, "x", b"{}").is_err());
        assert!(Parsed::of(Provider::Tenant, "x", b"not json").is_err());
    }
}
