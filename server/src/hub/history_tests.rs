use super::*;
use crate::bus::Place;
use app::protocol::{CollegeId, Epoch, SessionId, TenantId};

fn college(n: i64) -> Channel {
    Channel::College(CollegeId::from(TenantId(n)))
}

fn history(events: usize, per_channel: usize) -> History {
    History::new(Limits { events, per_channel, age: Duration::from_secs(3600) })
}

fn nobody(_: &Channel) -> bool {
    false
}

fn record(h: &mut History, channel: &Channel, text: &str) -> String {
    h.record(channel, &Frame::from(format!(r#"{{"n":"{text}"}}"#)), nobody).to_string()
}

/// Where a page watching `channel` stands now.
fn position(h: &mut History, channel: &Channel) -> Resume {
    let (start, _) = h.start(channel, None, nobody);
    Resume { epoch: start.epoch, offset: start.offset }
}

fn texts(frames: Vec<Frame>) -> Vec<String> {
    frames.into_iter().map(|f| f.to_string()).collect()
}

#[test]
fn frames_get_increasing_offsets_as_their_last_field() {
    let mut h = history(10, 10);
    assert_eq!(record(&mut h, &college(1), "a"), r#"{"n":"a","offset":1}"#);
    assert_eq!(record(&mut h, &college(2), "b"), r#"{"n":"b","offset":2}"#);
}

#[test]
fn a_page_resuming_gets_exactly_what_its_channel_missed_in_order() {
    let mut h = history(10, 10);
    record(&mut h, &college(1), "seen");
    let left_at = position(&mut h, &college(1));
    record(&mut h, &college(1), "a");
    record(&mut h, &college(2), "other college");
    record(&mut h, &college(1), "b");
    let (start, missed) = h.start(&college(1), Some(&left_at), nobody);
    assert!(start.resumed);
    assert_eq!(start.offset, 4);
    assert_eq!(texts(missed), [r#"{"n":"a","offset":2}"#, r#"{"n":"b","offset":4}"#]);
    // Nothing new: resumed, with nothing to replay.
    let now = position(&mut h, &college(1));
    assert_eq!(h.start(&college(1), Some(&now), nobody), (StreamStart { epoch: now.epoch, offset: 4, resumed: true }, vec![]));
}

#[test]
fn another_run_or_an_offset_from_the_future_resyncs() {
    let mut h = history(10, 10);
    record(&mut h, &college(1), "a");
    let mut left_at = position(&mut h, &college(1));
    left_at.epoch = Epoch(left_at.epoch.0.wrapping_add(1));
    assert!(!h.start(&college(1), Some(&left_at), nobody).0.resumed);
    let ahead = Resume { epoch: position(&mut h, &college(1)).epoch, offset: 99 };
    assert!(!h.start(&college(1), Some(&ahead), nobody).0.resumed);
}

#[test]
fn a_gap_the_history_no_longer_covers_resyncs() {
    // Beyond the count in all.
    let mut h = history(2, 10);
    let left_at = position(&mut h, &college(1));
    for text in ["a", "b", "c"] {
        record(&mut h, &college(1), text);
    }
    assert_eq!(
        h.start(&college(1), Some(&left_at), nobody),
        (StreamStart { resumed: false, ..h.start(&college(1), None, nobody).0 }, vec![])
    );

    // Beyond the count of its channel.
    let mut h = history(10, 2);
    let left_at = position(&mut h, &college(1));
    for text in ["a", "b", "c"] {
        record(&mut h, &college(1), text);
    }
    record(&mut h, &college(2), "other");
    assert!(!h.start(&college(1), Some(&left_at), nobody).0.resumed);
}

#[test]
fn a_quiet_channel_resumes_though_its_log_was_evicted() {
    let mut h = history(3, 10);
    record(&mut h, &college(1), "a");
    let left_at = position(&mut h, &college(1));
    // College 1's frame and its log go; its page missed nothing.
    for text in ["b", "c", "d"] {
        record(&mut h, &college(2), text);
    }
    let (start, missed) = h.start(&college(1), Some(&left_at), nobody);
    assert!(start.resumed);
    assert!(missed.is_empty());
    // A page that had not seen "a" did miss it.
    let before = Resume { offset: 0, ..left_at };
    assert!(!h.start(&college(1), Some(&before), nobody).0.resumed);
}

#[test]
fn a_staff_view_resumes_only_while_its_log_was_kept() {
    let mut h = history(10, 10);
    let staff = Channel::TenantUser(TenantId(1), 7);
    let left_at = position(&mut h, &Channel::Session(SessionId::new("s")));
    // Frames were sent to the tenant while no log of this view existed.
    record(&mut h, &Channel::Tenant(TenantId(1)), "tenant-wide");
    assert!(!h.start(&staff, Some(&left_at), nobody).0.resumed);
    // From a log's start on, it resumes.
    let watching = position(&mut h, &staff);
    record(&mut h, &staff, "mine");
    let (start, missed) = h.start(&staff, Some(&watching), nobody);
    assert!(start.resumed);
    assert_eq!(texts(missed), [r#"{"n":"mine","offset":2}"#]);
}

/// Two nodes' hubs, fed the same shared order: one also sends frames on a
/// channel the other has no page for.
#[test]
fn nodes_in_a_shared_order_number_a_channel_alike_so_a_page_resumes_on_either() {
    let epoch = Epoch(0xab);
    let (mut a, mut b) = (history(100, 100), history(100, 100));
    a.adopt(Place { epoch, seq: 6 });
    b.adopt(Place { epoch, seq: 6 });
    let left_at = position(&mut a, &college(1));
    for (seq, text) in [(7, "sent"), (8, "delivered"), (9, "read")] {
        for h in [&mut a, &mut b] {
            h.enter(Some(Place { epoch, seq }));
        }
        record(&mut a, &college(2), "only on a");
        record(&mut a, &college(1), text);
        record(&mut b, &college(1), text);
    }
    let (on_a, _) = a.start(&college(1), Some(&left_at), nobody);
    let (on_b, missed) = b.start(&college(1), Some(&left_at), nobody);
    assert!(on_a.resumed && on_b.resumed);
    assert_eq!(texts(missed), [r#"{"n":"sent","offset":7168}"#, r#"{"n":"delivered","offset":8192}"#, r#"{"n":"read","offset":9216}"#]);
}

#[test]
fn a_history_that_joined_the_shared_order_late_cannot_serve_what_came_before() {
    let epoch = Epoch(0xab);
    let mut early = history(100, 100);
    early.adopt(Place { epoch, seq: 1 });
    let left_at = position(&mut early, &college(1));
    let mut late = history(100, 100);
    late.adopt(Place { epoch, seq: 5 });
    late.enter(Some(Place { epoch, seq: 6 }));
    record(&mut late, &college(1), "after");
    assert!(!late.start(&college(1), Some(&left_at), nobody).0.resumed, "changes 2 to 5 are unknown here");
    // A reset keeps the shared epoch and goes on from where it was.
    let renewed = late.renewed();
    assert_eq!((renewed.epoch, renewed.head), (epoch, 7 * PER_CHANGE - 1));
}
