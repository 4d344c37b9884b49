//! A stored delivery, parsed once: what the worker applies, and the subject
//! whose events must be applied in order.

use crate::intake::confirmd_payload::{self, ConnectionEvent, PlatformEvent};
use crate::intake::tenant_payload::TenantEvent;
use crate::intake::whatsapp_payload::WaEvent;
use crate::intake::{confirmd, tenant_events, whatsapp};
use crate::store::StoredDelivery;

pub enum Parsed {
    /// A connection event of the wallet platform.
    Connection(ConnectionEvent),
    /// Stored and listed only: the platform's credential and proof topics.
    Kept,
    WhatsApp(WaEvent),
    Tenant(TenantEvent),
}

impl Parsed {
    /// Parses the body by its provider. A body that does not parse was
    /// accepted by an older build; it fails like any processing error.
    pub fn of(delivery: &StoredDelivery) -> anyhow::Result<Parsed> {
        Ok(match delivery.provider.as_str() {
            confirmd::PROVIDER => {
                let family = delivery.topic.split('.').next();
                Parsed::platform(confirmd_payload::parse(&delivery.body, family)?)
            }
            whatsapp::PROVIDER => Parsed::WhatsApp(serde_json::from_slice(&delivery.body)?),
            tenant_events::PROVIDER => Parsed::Tenant(serde_json::from_slice(&delivery.body)?),
            other => anyhow::bail!("no processor for provider `{other}`"),
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
            Parsed::Connection(c) => {
                c.connection_id.as_ref().map(|id| id.as_str()).or(c.invitation_ids.first().map(String::as_str))
            }
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
    use app::protocol::DeliveryStatus;
    use serde_json::json;

    fn stored(provider: &str, topic: &str, body: serde_json::Value) -> StoredDelivery {
        let body = serde_json::to_vec(&body).unwrap();
        StoredDelivery { id: 1, provider: provider.into(), topic: topic.into(), body, status: DeliveryStatus::Pending, attempts: 0 }
    }

    fn subject(delivery: &StoredDelivery) -> Option<String> {
        Parsed::of(delivery).unwrap().subject().map(str::to_owned)
    }

    #[test]
    fn a_connection_event_is_about_its_connection_or_else_its_invitation() {
        let with_id = json!({"type": "Connection", "connectionId": "conn-1", "state": "response-sent", "outOfBandId": "oob-1"});
        assert_eq!(subject(&stored(confirmd::PROVIDER, "connections.response-sent", with_id)).as_deref(), Some("conn-1"));
        let without = json!({"type": "Connection", "state": "invitation-sent", "outOfBandId": "oob-1"});
        assert_eq!(subject(&stored(confirmd::PROVIDER, "connections.invitation-sent", without)).as_deref(), Some("oob-1"));
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
        assert_eq!(subject(&stored(whatsapp::PROVIDER, "whatsapp.status.sent", body)).as_deref(), Some("wamid.1"));
    }

    #[test]
    fn an_event_about_no_one_thing_joins_the_shared_sequence() {
        let credential = json!({"type": "Credential", "state": "offer-sent", "credentialExchangeId": "cx-1"});
        let parsed = Parsed::of(&stored(confirmd::PROVIDER, "credentials.offer-sent", credential)).unwrap();
        assert!(matches!(parsed, Parsed::Kept));
        assert_eq!(parsed.subject(), None);
    }

    #[test]
    fn a_body_of_an_unknown_provider_is_an_error_not_a_guess() {
        assert!(Parsed::of(&stored("elsewhere", "x", json!({}))).is_err());
    }
}
