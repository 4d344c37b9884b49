//! Applies WhatsApp events: a status steps its message forward (never
//! back), a reply joins the conversation of the college that last wrote to
//! that number, and each change is published for the college's pages.

use super::{Outcome, Processor};
use crate::bus::Event;
use crate::intake::whatsapp_payload::WaEvent;
use crate::outbound;
use crate::store::{MessageChange, NewIncoming};
use app::protocol::{DeliveryStatus, MessageStatus, OutboundEventType};

/// Attempts at the compare-and-set before giving the delivery back to the
/// retry schedule.
const CAS_ATTEMPTS: usize = 5;

const PROCESSED: Outcome = Outcome { status: DeliveryStatus::Processed, session: None };
/// A status of a message we do not know yet (sent elsewhere, registered
/// later): kept, and requeued when the message is registered.
const UNMATCHED: Outcome = Outcome { status: DeliveryStatus::Unmatched, session: None };

pub async fn apply(p: &Processor, event: WaEvent) -> anyhow::Result<Outcome> {
    match event {
        WaEvent::Status { wamid, status, timestamp, errors, .. } => {
            let Some(reported) = MessageStatus::from_cloud_api(&status) else {
                tracing::info!(%wamid, %status, "ignoring an unknown WhatsApp status");
                return Ok(PROCESSED);
            };
            let Some(mut message) = p.store.outgoing_by_wamid(&wamid).await? else {
                tracing::info!(%wamid, %status, "status for a message not registered yet");
                return Ok(UNMATCHED);
            };
            for _ in 0..CAS_ATTEMPTS {
                let from = message.status;
                let to = from.advance(reported).unwrap_or(from);
                let change = MessageChange {
                    wamid: wamid.clone(),
                    from,
                    to,
                    reported,
                    at: timestamp,
                    error: (to == MessageStatus::Failed).then(|| errors.first().cloned()).flatten(),
                };
                if p.store.apply_message_change(&change).await? {
                    if to != from {
                        let fresh = p.store.outgoing_by_wamid(&wamid).await?.unwrap_or(message);
                        tracing::info!(%wamid, %from, %to, college = %fresh.college_id, "message status changed");
                        // The pages hear first; the tenant's endpoints are
                        // queued after (both before the delivery counts as
                        // processed), as for connect flows.
                        let college_id = fresh.college_id.clone();
                        let event = college_id.tenant().map(|tenant| (tenant, serde_json::json!(fresh)));
                        p.bus.publish(Event::MessageStatus { college_id, message: fresh, at: timestamp }).await?;
                        if let Some((tenant, event)) = event {
                            outbound::enqueue(p.store.as_ref(), tenant, OutboundEventType::WhatsappStatus, event).await?;
                        }
                    }
                    return Ok(PROCESSED);
                }
                message = p.store.outgoing_by_wamid(&wamid).await?.ok_or_else(|| anyhow::anyhow!("message vanished"))?;
            }
            anyhow::bail!("message {wamid} kept changing under us")
        }
        WaEvent::Message { wamid, from, profile_name, message_type, text, timestamp, .. } => {
            let Some(college_id) = p.store.college_for_contact(&from).await? else {
                tracing::info!(%from, "reply from a number no college wrote to");
                return Ok(UNMATCHED);
            };
            let incoming = NewIncoming {
                college_id: college_id.clone(),
                from,
                profile_name,
                wamid,
                kind: message_type,
                text,
                received_at: timestamp,
            };
            if let Some(message) = p.store.insert_incoming(&incoming).await? {
                p.bus.publish(Event::IncomingMessage { college_id, message }).await?;
            }
            Ok(PROCESSED)
        }
        WaEvent::SystemError { phone_number_id, errors } => {
            for e in &errors {
                tracing::warn!(?phone_number_id, code = e.code, title = %e.title, details = ?e.details, "WhatsApp reported an error");
            }
            Ok(PROCESSED)
        }
    }
}
