//! Applies WhatsApp events. A status steps its message forward (never
//! back), and only if the message's tenant owns the number Meta reported it
//! on. A reply goes to the tenant that owns the number it arrived on; on a
//! number several tenants share, to the one whose message it replies to
//! (`context.id`), else to the one whose message to that contact Meta
//! confirmed last; otherwise it is kept unrouted for operators.
//!
//! A status for a message not registered yet is kept unmatched, and
//! registering the message makes it pending again. Both happen in units of
//! work, one after the other, so neither can miss the other.

use crate::events::whatsapp::WaEvent;
use crate::events::Change;
use crate::store::{Applied, ApplyTx, MessageChange, NewIncoming};
use app::protocol::{normalize_phone, CollegeId, MessageStatus, OutboundEventType, OutgoingMessage};

pub fn apply(tx: &mut dyn ApplyTx, event: WaEvent, delivery: i64) -> anyhow::Result<Applied> {
    match event {
        WaEvent::Status { wamid, status, timestamp, errors, phone_number_id, .. } => {
            let Some(reported) = MessageStatus::from_cloud_api(&status) else {
                tracing::info!(%wamid, %status, "ignoring an unknown WhatsApp status");
                return Ok(Applied::default());
            };
            let Some(message) = tx.outgoing_by_wamid(&wamid)? else {
                tracing::info!(%wamid, %status, "status for a message not registered yet");
                return Ok(Applied::unmatched());
            };
            if let Some(number) = &phone_number_id {
                if !sent_from(tx, &message, number)? {
                    tracing::warn!(%wamid, phone_number_id = %number, "status on a number the message's tenant does not own; kept unrouted");
                    return Ok(Applied::unmatched());
                }
            }
            let from = message.status;
            let to = from.advance(reported).unwrap_or(from);
            let change = MessageChange {
                wamid: wamid.clone(),
                from,
                to,
                reported,
                at: timestamp,
                error: (to == MessageStatus::Failed).then(|| errors.first().cloned()).flatten(),
                phone_number_id,
                confirmed_at: tx.now(),
            };
            if !tx.apply_message_change(&change)? {
                anyhow::bail!("message {wamid} moved while being applied");
            }
            if to != from {
                let fresh = tx.outgoing_by_wamid(&wamid)?.unwrap_or(message);
                tracing::info!(%wamid, %from, %to, college = %fresh.college_id, "message status changed");
                if let Some(tenant) = fresh.college_id.tenant() {
                    tx.enqueue(tenant, OutboundEventType::WhatsappStatus, &serde_json::json!(fresh), &format!("delivery:{delivery}"))?;
                }
                tx.publish(Change::MessageStatus { college_id: fresh.college_id.clone(), message: fresh, at: timestamp })?;
            }
            Ok(Applied::default())
        }
        WaEvent::Message { wamid, from, profile_name, message_type, text, timestamp, phone_number_id, context_id } => {
            let from = normalize_phone(&from).unwrap_or(from);
            let Some(college_id) = reply_owner(tx, &from, phone_number_id.as_deref(), context_id.as_deref())? else {
                tracing::warn!(?phone_number_id, "reply that no tenant's number can claim; kept unrouted");
                return Ok(Applied::unmatched());
            };
            let incoming =
                NewIncoming { college_id: college_id.clone(), from, profile_name, wamid, kind: message_type, text, received_at: timestamp };
            if let Some(message) = tx.insert_incoming(&incoming)? {
                tx.publish(Change::IncomingMessage { college_id, message })?;
            }
            Ok(Applied::default())
        }
        WaEvent::SystemError { phone_number_id, errors } => {
            for e in &errors {
                tracing::warn!(?phone_number_id, code = e.code, title = %e.title, details = ?e.details, "WhatsApp reported an error");
            }
            Ok(Applied::default())
        }
    }
}

/// Whether `message` may have gone out from `number`: its tenant owns the
/// number, and the message was not recorded as sent from another one.
fn sent_from(tx: &mut dyn ApplyTx, message: &OutgoingMessage, number: &str) -> anyhow::Result<bool> {
    if message.phone_number_id.as_deref().is_some_and(|own| own != number) {
        return Ok(false);
    }
    let Some(tenant) = message.college_id.tenant() else { return Ok(false) };
    Ok(tx.number_owners(number)?.contains(&tenant))
}

/// The college a reply from `contact` on `number` belongs to, if any.
fn reply_owner(tx: &mut dyn ApplyTx, contact: &str, number: Option<&str>, context: Option<&str>) -> anyhow::Result<Option<CollegeId>> {
    let Some(number) = number else { return Ok(None) };
    let owners = tx.number_owners(number)?;
    match owners.as_slice() {
        [] => Ok(None),
        [only] => Ok(Some((*only).into())),
        shared => {
            if let Some(context) = context {
                let replied_to = tx.outgoing_by_wamid(context)?;
                if let Some(college) = replied_to.map(|m| m.college_id).filter(|c| c.tenant().is_some_and(|t| shared.contains(&t))) {
                    return Ok(Some(college));
                }
            }
            Ok(tx.last_confirmed_college(contact, number, shared)?)
        }
    }
}
