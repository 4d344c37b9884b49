//! WhatsApp messages and numbers, inside a unit of work.

use super::rows::{maybe_time, name, named, time, timestamp};
use crate::store::{MessageChange, NewIncoming, NewOutgoing};
use app::protocol::{CollegeId, IncomingMessage, MessageStatus, OutgoingMessage, SendError, TenantId};
use rusqlite::{params, Connection, OptionalExtension, Row};

const OUTGOING: &str = "id, college_id, to_number, template, wamid, status, created_at, sent_at, delivered_at, read_at, \
     failed_at, error_code, error_title, error_message, error_details, phone_number_id";
const INCOMING: &str = "id, college_id, from_number, profile_name, wamid, kind, text, received_at";

fn outgoing(row: &Row<'_>) -> rusqlite::Result<OutgoingMessage> {
    let error = row.get::<_, Option<i64>>(11)?.map(|code| -> rusqlite::Result<SendError> {
        Ok(SendError { code, title: row.get::<_, Option<String>>(12)?.unwrap_or_default(), message: row.get(13)?, details: row.get(14)? })
    });
    Ok(OutgoingMessage {
        message_id: row.get(0)?,
        college_id: CollegeId::new(row.get::<_, String>(1)?),
        to: row.get(2)?,
        template: row.get(3)?,
        whatsapp_message_id: row.get(4)?,
        status: named(row, 5)?,
        created_at: time(row, 6)?,
        sent_at: maybe_time(row, 7)?,
        delivered_at: maybe_time(row, 8)?,
        read_at: maybe_time(row, 9)?,
        failed_at: maybe_time(row, 10)?,
        error: error.transpose()?,
        phone_number_id: row.get(15)?,
    })
}

fn incoming(row: &Row<'_>) -> rusqlite::Result<IncomingMessage> {
    Ok(IncomingMessage {
        message_id: row.get(0)?,
        college_id: CollegeId::new(row.get::<_, String>(1)?),
        from: row.get(2)?,
        profile_name: row.get(3)?,
        whatsapp_message_id: row.get(4)?,
        kind: row.get(5)?,
        text: row.get(6)?,
        received_at: time(row, 7)?,
    })
}

pub fn insert_outgoing(conn: &Connection, m: &NewOutgoing) -> rusqlite::Result<(OutgoingMessage, bool)> {
    let inserted =
        conn.prepare_cached(
            "INSERT INTO whatsapp_messages (college_id, to_number, template, wamid, phone_number_id, status, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT (wamid) DO NOTHING",
        )?
        .execute(params![
            m.college_id.as_str(),
            m.to,
            m.template,
            m.wamid,
            m.phone_number_id,
            name(&MessageStatus::Pending),
            timestamp(m.created_at)
        ])? == 1;
    let stored = by_wamid(conn, &m.wamid)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    Ok((stored, inserted))
}

pub fn by_wamid(conn: &Connection, wamid: &str) -> rusqlite::Result<Option<OutgoingMessage>> {
    let sql = format!("SELECT {OUTGOING} FROM whatsapp_messages WHERE wamid = ?1");
    conn.prepare_cached(&sql)?.query_row([wamid], outgoing).optional()
}

/// The timestamp column a reported status fills.
fn time_column(status: MessageStatus) -> Option<&'static str> {
    match status {
        MessageStatus::Pending => None,
        MessageStatus::Sent => Some("sent_at"),
        MessageStatus::Delivered => Some("delivered_at"),
        MessageStatus::Read => Some("read_at"),
        MessageStatus::Failed => Some("failed_at"),
    }
}

pub fn apply_change(conn: &Connection, c: &MessageChange) -> rusqlite::Result<bool> {
    // The column name comes from a closed set above, never from input.
    let fill = time_column(c.reported).map(|col| format!(", {col} = COALESCE({col}, ?10)")).unwrap_or_default();
    let sql = format!(
        "UPDATE whatsapp_messages SET status = ?1, updated_at = ?2, confirmed_at = ?2, \
         phone_number_id = COALESCE(phone_number_id, ?3), error_code = COALESCE(error_code, ?4), \
         error_title = COALESCE(error_title, ?5), error_message = COALESCE(error_message, ?6), \
         error_details = COALESCE(error_details, ?7){fill} WHERE wamid = ?8 AND status = ?9"
    );
    let error = c.error.as_ref();
    let (to, from, confirmed, at) = (name(&c.to), name(&c.from), timestamp(c.confirmed_at), timestamp(c.at));
    let (code, title) = (error.map(|e| e.code), error.map(|e| e.title.clone()));
    let (message, details) = (error.and_then(|e| e.message.clone()), error.and_then(|e| e.details.clone()));
    let mut values: Vec<&dyn rusqlite::ToSql> =
        vec![&to, &confirmed, &c.phone_number_id, &code, &title, &message, &details, &c.wamid, &from];
    if !fill.is_empty() {
        values.push(&at);
    }
    let changed = conn.prepare_cached(&sql)?.execute(values.as_slice())?;
    Ok(changed == 1)
}

pub fn number_owners(conn: &Connection, phone_number_id: &str) -> rusqlite::Result<Vec<TenantId>> {
    let mut select =
        conn.prepare_cached("SELECT DISTINCT tenant_id FROM whatsapp_numbers WHERE phone_number_id = ?1 ORDER BY tenant_id")?;
    let rows = select.query_map([phone_number_id], |r| Ok(TenantId(r.get(0)?)))?;
    rows.collect()
}

pub fn last_confirmed(conn: &Connection, contact: &str, number: &str, candidates: &[TenantId]) -> rusqlite::Result<Option<CollegeId>> {
    let mut select = conn.prepare_cached(
        "SELECT college_id FROM whatsapp_messages WHERE to_number = ?1 AND phone_number_id = ?2 \
         AND confirmed_at IS NOT NULL ORDER BY confirmed_at DESC, id DESC LIMIT 50",
    )?;
    let rows = select.query_map([contact, number], |r| Ok(CollegeId::new(r.get::<_, String>(0)?)))?;
    for college in rows {
        let college = college?;
        if college.tenant().is_some_and(|t| candidates.contains(&t)) {
            return Ok(Some(college));
        }
    }
    Ok(None)
}

pub fn insert_incoming(conn: &Connection, m: &NewIncoming) -> rusqlite::Result<Option<IncomingMessage>> {
    let sql = format!(
        "INSERT INTO whatsapp_incoming (college_id, from_number, profile_name, wamid, kind, text, received_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (wamid) DO NOTHING RETURNING {INCOMING}"
    );
    conn.prepare_cached(&sql)?
        .query_row(params![m.college_id.as_str(), m.from, m.profile_name, m.wamid, m.kind, m.text, timestamp(m.received_at)], incoming)
        .optional()
}
