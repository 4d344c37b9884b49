//! Reading and writing the store's types through rusqlite: times in the
//! text form sqlx writes, enums by the names the schema checks.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::Type;
use serde::de::{DeserializeOwned, IntoDeserializer};
use serde::Serialize;

/// A time as sqlx writes it, so reads through sqlx decode it and the
/// store's comparisons of stored times (text in SQLite) hold.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn conversion(index: usize, err: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(err))
}

/// A stored time.
pub fn time(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    let text: String = row.get(index)?;
    DateTime::parse_from_rfc3339(&text)
        .or_else(|_| DateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S%.f%:z"))
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| conversion(index, e))
}

pub fn maybe_time(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match row.get_ref(index)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => time(row, index).map(Some),
    }
}

/// A stored enum, by its name.
pub fn named<T: DeserializeOwned>(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    T::deserialize(text.into_deserializer()).map_err(|e: serde::de::value::Error| conversion(index, e))
}

pub fn maybe_named<T: DeserializeOwned>(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<T>> {
    match row.get_ref(index)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => named(row, index).map(Some),
    }
}

/// A JSON column.
pub fn json<T: DeserializeOwned>(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text).map_err(|e| conversion(index, e))
}

/// An enum's stored name.
pub fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => panic!("not a named enum: {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::protocol::{ConnectionStatus, OutboundEventType};

    #[test]
    fn names_read_back_as_they_are_written() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        for status in [ConnectionStatus::Invitation, ConnectionStatus::Active, ConnectionStatus::Abandoned] {
            let back: ConnectionStatus = conn.query_row("SELECT ?1", [name(&status)], |r| named(r, 0)).unwrap();
            assert_eq!(back, status);
        }
        assert_eq!(name(&OutboundEventType::OrderCreated), "order.created");
        let at = DateTime::parse_from_rfc3339("2026-11-22T10:11:12.345678Z").unwrap().with_timezone(&Utc);
        let back = conn.query_row("SELECT ?1", [timestamp(at)], |r| time(r, 0)).unwrap();
        assert_eq!(back, at);
    }
}
