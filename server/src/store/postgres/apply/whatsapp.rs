//! WhatsApp messages and numbers, inside a unit of work, on PostgreSQL.

use crate::store::rows::whatsapp::*;
use crate::store::{MessageChange, NewIncoming, NewOutgoing};
use app::protocol::{CollegeId, IncomingMessage, MessageStatus, OutgoingMessage, TenantId};
use sqlx::PgConnection;

pub async fn insert_outgoing(conn: &mut PgConnection, m: &NewOutgoing) -> sqlx::Result<(OutgoingMessage, bool)> {
    // A concurrent insert of the same wamid (another node) makes this one
    // wait on the unique index, then do nothing; the read below then sees
    // the committed row.
    let sql = format!(
        "INSERT INTO whatsapp_messages (college_id, to_number, template, wamid, phone_number_id, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (wamid) DO NOTHING RETURNING {OUTGOING_COLUMNS}"
    );
    let inserted = sqlx::query_as::<_, OutgoingRow>(&sql)
        .bind(m.college_id.as_str())
        .bind(m.to.as_str())
        .bind(m.template.as_deref())
        .bind(m.wamid.as_str())
        .bind(m.phone_number_id.as_deref())
        .bind(MessageStatus::Pending)
        .bind(m.created_at)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(row) = inserted {
        return Ok((row.into(), true));
    }
    let stored = by_wamid(conn, &m.wamid).await?.ok_or(sqlx::Error::RowNotFound)?;
    Ok((stored, false))
}

pub async fn by_wamid(conn: &mut PgConnection, wamid: &str) -> sqlx::Result<Option<OutgoingMessage>> {
    let sql = format!("SELECT {OUTGOING_COLUMNS} FROM whatsapp_messages WHERE wamid = $1");
    let row = sqlx::query_as::<_, OutgoingRow>(&sql).bind(wamid).fetch_optional(&mut *conn).await?;
    Ok(row.map(Into::into))
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

pub async fn apply_change(conn: &mut PgConnection, c: &MessageChange) -> sqlx::Result<bool> {
    // The column name comes from a closed set above, never from input.
    let column = time_column(c.reported);
    let fill = column.map(|col| format!(", {col} = COALESCE({col}, $10)")).unwrap_or_default();
    // One compare-and-set statement: a node that loses the race on the row
    // finds it no longer at `from` (re-checked after the lock) and changes nothing.
    let sql = format!(
        "UPDATE whatsapp_messages SET status = $1, updated_at = $2, confirmed_at = $2, \
         phone_number_id = COALESCE(phone_number_id, $3), error_code = COALESCE(error_code, $4), \
         error_title = COALESCE(error_title, $5), error_message = COALESCE(error_message, $6), \
         error_details = COALESCE(error_details, $7){fill} WHERE wamid = $8 AND status = $9"
    );
    let error = c.error.as_ref();
    let mut query = sqlx::query::<sqlx::Postgres>(&sql)
        .bind(c.to)
        .bind(c.confirmed_at)
        .bind(c.phone_number_id.as_deref())
        .bind(error.map(|e| e.code))
        .bind(error.map(|e| e.title.as_str()))
        .bind(error.and_then(|e| e.message.as_deref()))
        .bind(error.and_then(|e| e.details.as_deref()))
        .bind(c.wamid.as_str())
        .bind(c.from);
    if column.is_some() {
        query = query.bind(c.at);
    }
    let changed = query.execute(&mut *conn).await?.rows_affected();
    Ok(changed == 1)
}

pub async fn number_owners(conn: &mut PgConnection, phone_number_id: &str) -> sqlx::Result<Vec<TenantId>> {
    let owners: Vec<i64> =
        sqlx::query_scalar("SELECT DISTINCT tenant_id FROM whatsapp_numbers WHERE phone_number_id = $1 ORDER BY tenant_id")
            .bind(phone_number_id)
            .fetch_all(&mut *conn)
            .await?;
    Ok(owners.into_iter().map(TenantId).collect())
}

pub async fn last_confirmed(
    conn: &mut PgConnection,
    contact: &str,
    number: &str,
    candidates: &[TenantId],
) -> sqlx::Result<Option<CollegeId>> {
    let colleges: Vec<String> = sqlx::query_scalar(
        "SELECT college_id FROM whatsapp_messages WHERE to_number = $1 AND phone_number_id = $2 \
         AND confirmed_at IS NOT NULL ORDER BY confirmed_at DESC, id DESC LIMIT 50",
    )
    .bind(contact)
    .bind(number)
    .fetch_all(&mut *conn)
    .await?;
    Ok(colleges.into_iter().map(CollegeId::new).find(|college| college.tenant().is_some_and(|t| candidates.contains(&t))))
}

pub async fn insert_incoming(conn: &mut PgConnection, m: &NewIncoming) -> sqlx::Result<Option<IncomingMessage>> {
    // A concurrent insert of the same wamid waits on the unique index, then
    // returns nothing: the reply is stored (and announced) once.
    let sql = format!(
        "INSERT INTO whatsapp_incoming (college_id, from_number, profile_name, wamid, kind, text, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (wamid) DO NOTHING RETURNING {INCOMING_COLUMNS}"
    );
    let row = sqlx::query_as::<_, IncomingRow>(&sql)
        .bind(m.college_id.as_str())
        .bind(m.from.as_str())
        .bind(m.profile_name.as_deref())
        .bind(m.wamid.as_str())
        .bind(m.kind.as_str())
        .bind(m.text.as_deref())
        .bind(m.received_at)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(Into::into))
}
