//! Delivery analytics of a college's messages: shares delivered, read and
//! failed, and the median time to deliver and to read. Pure, so the page can
//! recompute it on every event.

use crate::protocol::{MessageStatus, OutgoingMessage};
use chrono::Duration;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analytics {
    pub total: usize,
    /// Messages per status, in [`MessageStatus::ALL`] order.
    pub by_status: [usize; 5],
    pub delivered_pct: f64,
    pub read_pct: f64,
    pub failed_pct: f64,
    pub median_to_deliver: Option<Duration>,
    pub median_to_read: Option<Duration>,
}

fn median(mut values: Vec<Duration>) -> Option<Duration> {
    if values.is_empty() {
        return None;
    }
    values.sort();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / 2 })
}

fn pct(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

impl Analytics {
    pub fn of(messages: &[OutgoingMessage]) -> Self {
        let mut by_status = [0; 5];
        for m in messages {
            let i = MessageStatus::ALL.iter().position(|s| *s == m.status).expect("every status is listed");
            by_status[i] += 1;
        }
        let total = messages.len();
        let delivered = messages
            .iter()
            .filter(|m| m.delivered_at.is_some() || matches!(m.status, MessageStatus::Delivered | MessageStatus::Read))
            .count();
        let read = messages.iter().filter(|m| m.status == MessageStatus::Read).count();
        let failed = messages.iter().filter(|m| m.status == MessageStatus::Failed).count();
        let since_send =
            |at: Option<chrono::DateTime<chrono::Utc>>, m: &OutgoingMessage| at.map(|at| (at - m.created_at).max(Duration::zero()));
        Self {
            total,
            by_status,
            delivered_pct: pct(delivered, total),
            read_pct: pct(read, total),
            failed_pct: pct(failed, total),
            median_to_deliver: median(messages.iter().filter_map(|m| since_send(m.delivered_at, m)).collect()),
            median_to_read: median(messages.iter().filter_map(|m| since_send(m.read_at, m)).collect()),
        }
    }
}

/// `4.2 s`, `3 min`, `—`.
pub fn human(d: Option<Duration>) -> String {
    match d {
        None => "—".into(),
        Some(d) if d.num_seconds() < 60 => format!("{:.1} s", d.num_milliseconds() as f64 / 1000.0),
        Some(d) if d.num_minutes() < 60 => format!("{} min", d.num_minutes()),
        Some(d) => format!("{:.1} h", d.num_minutes() as f64 / 60.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::CollegeId;
    use chrono::DateTime;

    fn message(status: MessageStatus, deliver_after: Option<i64>, read_after: Option<i64>) -> OutgoingMessage {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        OutgoingMessage {
            message_id: 1,
            college_id: CollegeId::new("1"),
            to: "1".into(),
            template: None,
            whatsapp_message_id: "w".into(),
            status,
            created_at: at,
            sent_at: None,
            delivered_at: deliver_after.map(|s| at + Duration::seconds(s)),
            read_at: read_after.map(|s| at + Duration::seconds(s)),
            failed_at: None,
            error: None,
            phone_number_id: None,
        }
    }

    #[test]
    fn shares_and_medians() {
        let messages = [
            message(MessageStatus::Read, Some(2), Some(10)),
            message(MessageStatus::Delivered, Some(4), None),
            message(MessageStatus::Failed, None, None),
            message(MessageStatus::Pending, None, None),
        ];
        let a = Analytics::of(&messages);
        assert_eq!(a.total, 4);
        assert_eq!(a.by_status, [1, 0, 1, 1, 1]);
        assert_eq!((a.delivered_pct, a.read_pct, a.failed_pct), (50.0, 25.0, 25.0));
        assert_eq!(a.median_to_deliver, Some(Duration::seconds(3)));
        assert_eq!(a.median_to_read, Some(Duration::seconds(10)));
        assert_eq!(human(a.median_to_deliver), "3.0 s");
    }

    #[test]
    fn nothing_sent_is_all_zero() {
        let a = Analytics::of(&[]);
        assert_eq!((a.total, a.delivered_pct), (0, 0.0));
        assert_eq!(human(a.median_to_read), "—");
    }
}
