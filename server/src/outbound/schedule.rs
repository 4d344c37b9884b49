//! When to try a delivery again: the schedule and the reading of an
//! endpoint's answer. Pure, so it is tested without a clock.

use crate::store::Next;
use chrono::{DateTime, Duration, Utc};

/// The pauses before the second, third, … attempt (the first is immediate),
/// as Svix does: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
pub const SCHEDULE: [Duration; 7] = [
    Duration::seconds(5),
    Duration::minutes(5),
    Duration::minutes(30),
    Duration::hours(2),
    Duration::hours(5),
    Duration::hours(10),
    Duration::hours(10),
];

/// After this long failing, an endpoint is disabled and its tenant told.
pub const DISABLE_AFTER: Duration = Duration::days(5);

/// A `Retry-After` longer than this is not honoured as is.
const MAX_RETRY_AFTER: Duration = Duration::hours(24);

/// What an attempt came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer<'a> {
    Status {
        code: u16,
        retry_after: Option<&'a str>,
    },
    /// No answer: connection refused, timeout, refused address.
    NoAnswer,
}

/// What follows attempt number `made` (1 for the first) that got `answer`,
/// and whether the endpoint is gone for good (410).
pub fn decide(made: i64, answer: Answer, now: DateTime<Utc>) -> (Next, bool) {
    let retry = |pause: Duration| {
        if made as usize > SCHEDULE.len() {
            Next::Failed
        } else {
            Next::RetryAt(now + pause)
        }
    };
    let scheduled = || SCHEDULE.get(made as usize - 1).copied().unwrap_or(Duration::zero());
    match answer {
        Answer::Status { code: 200..=299, .. } => (Next::Succeeded, false),
        Answer::Status { code: 410, .. } => (Next::Failed, true),
        Answer::Status { code: 429, retry_after } => {
            let pause = retry_after.and_then(|v| parse_retry_after(v, now)).unwrap_or_else(scheduled);
            (retry(pause.min(MAX_RETRY_AFTER)), false)
        }
        _ => (retry(scheduled()), false),
    }
}

/// `Retry-After`: seconds, or an HTTP date.
fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    if let Ok(secs) = value.trim().parse::<i64>() {
        return Some(Duration::seconds(secs.max(0)));
    }
    DateTime::parse_from_rfc2822(value.trim()).ok().map(|at| (at.with_timezone(&Utc) - now).max(Duration::zero()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn failures_follow_the_schedule_then_give_up() {
        let now = at(0);
        let mut pauses = vec![];
        for made in 1..=8 {
            match decide(made, Answer::Status { code: 500, retry_after: None }, now) {
                (Next::RetryAt(t), false) => pauses.push(t - now),
                (Next::Failed, false) => assert_eq!(made, 8, "gives up after the eighth attempt"),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(pauses, SCHEDULE.to_vec());
        assert_eq!(decide(3, Answer::NoAnswer, now).0, Next::RetryAt(now + Duration::minutes(30)));
    }

    #[test]
    fn success_gone_and_retry_after() {
        let now = at(0);
        assert_eq!(decide(1, Answer::Status { code: 204, retry_after: None }, now), (Next::Succeeded, false));
        assert_eq!(decide(1, Answer::Status { code: 410, retry_after: None }, now), (Next::Failed, true));
        assert_eq!(decide(1, Answer::Status { code: 429, retry_after: Some("7") }, now).0, Next::RetryAt(at(7)));
        let date = (now + Duration::seconds(90)).to_rfc2822();
        assert_eq!(decide(1, Answer::Status { code: 429, retry_after: Some(&date) }, now).0, Next::RetryAt(at(90)));
        assert_eq!(decide(1, Answer::Status { code: 429, retry_after: Some("soon") }, now).0, Next::RetryAt(at(5)));
        assert_eq!(decide(2, Answer::Status { code: 429, retry_after: Some("999999") }, now).0, Next::RetryAt(now + Duration::hours(24)));
    }
}
