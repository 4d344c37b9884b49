//! Applies WhatsApp events. A status steps its message forward (never
//! back), and only if the message's tenant owns the number Meta reported it
//! on. A reply goes to the tenant that owns the number it arrived on; on a
//! number several tenants share, to the one whose message it replies to
//! (`context.id`), else to the one whose message to that contact Meta
//! confirmed last; otherwise it is kept unrouted for operators. Each change
//! is published for the tenant's pages.

use super::{Outcome, Processor};
use crate::bus::Event;
use crate::intake::whatsapp_payload::WaEvent;
use crate::outbound;
use crate::store::{MessageChange, NewIncoming};
use app::protocol::{normalize_phone, CollegeId, DeliveryStatus, MessageStatus, OutboundEventType, OutgoingMessage};
use chrono::Utc;

/// Attempts at the compare-and-set before giving the delivery back to the
/// retry schedule.
const CAS_ATTEMPTS: usize = 5;

const PROCESSED: Outcome = Outcome { status: DeliveryStatus::Processed, session: None };
/// Kept for later or for operators: a status of a message not registered
/// yet (requeued when it is), or what no tenant may have.
const UNMATCHED: Outcome = Outcome { status: DeliveryStatus::Unmatched, session: None };

pub async fn apply(p: &Processor, event: WaEvent) -> anyhow::Result<Outcome> {
    match event {
        WaEvent::Status { wamid, status, timestamp, errors, phone_number_id, .. } => {
            let Some(reported) = MessageStatus::from_cloud_api(&status) else {
                tracing::info!(%wamid, %status, "ignoring an unknown WhatsApp status");
                return Ok(PROCESSED);
            };
            let Some(mut message) = p.store.outgoing_by_wamid(&wamid).await? else {
                tracing::info!(%wamid, %status, "status for a message not registered yet");
                return Ok(UNMATCHED);
            };
            if let Some(number) = &phone_number_id {
                if !sent_from(p, &message, number).await? {
                    tracing::warn!(%wamid, phone_number_id = %number, "status on a number the message's tenant does not own; kept unrouted");
                    return Ok(UNMATCHED);
                }
            }
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
                    phone_number_id: phone_number_id.clone(),
                    confirmed_at: Utc::now(),
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
        WaEvent::Message { wamid, from, profile_name, message_type, text, timestamp, phone_number_id, context_id } => {
            let from = normalize_phone(&from).unwrap_or(from);
            let Some(college_id) = reply_owner(p, &from, phone_number_id.as_deref(), context_id.as_deref()).await? else {
                tracing::warn!(?phone_number_id, "reply that no tenant's number can claim; kept unrouted");
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

/// Whether `message` may have gone out from `number`: its tenant owns the
/// number, and the message was not recorded as sent from another one.
async fn sent_from(p: &Processor, message: &OutgoingMessage, number: &str) -> anyhow::Result<bool> {
    if message.phone_number_id.as_deref().is_some_and(|own| own != number) {
        return Ok(false);
    }
    let Some(tenant) = message.college_id.tenant() else { return Ok(false) };
    Ok(p.store.number_owners(number).await?.contains(&tenant))
}

/// The college a reply from `contact` on `number` belongs to, if any.
async fn reply_owner(p: &Processor, contact: &str, number: Option<&str>, context: Option<&str>) -> anyhow::Result<Option<CollegeId>> {
    let Some(number) = number else { return Ok(None) };
    let owners = p.store.number_owners(number).await?;
    match owners.as_slice() {
        [] => Ok(None),
        [only] => Ok(Some((*only).into())),
        shared => {
            if let Some(context) = context {
                let replied_to = p.store.outgoing_by_wamid(context).await?;
                if let Some(college) = replied_to.map(|m| m.college_id).filter(|c| c.tenant().is_some_and(|t| shared.contains(&t))) {
                    return Ok(Some(college));
                }
            }
            Ok(p.store.last_confirmed_college(contact, number, shared).await?)
        }
    }
}
