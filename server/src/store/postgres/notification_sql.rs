//! The SQL of notifications as each reader sees them, shared by the reads
//! and the units of work ([`super::apply`]).
//!
//! A staff member sees the tenant-wide notifications and their own. The
//! read state of a tenant-wide one is theirs alone: read if its id is at or
//! below their last "mark all read" (`notification_cursors`) or they read it
//! (`notification_reads`). Their own notifications, and every notification
//! as a back end (no reader) sees it, keep the state on the row.

/// Columns of a notification as reader `$2` sees it (`NULL`: the tenant's
/// view), of tenant `$1`.
pub const VIEW: &str = "SELECT n.id, n.tenant_id, n.user_id, n.title, n.message, n.kind, n.priority, n.action_url, \
     n.action_text, n.metadata, \
     CASE WHEN $2::bigint IS NOT NULL AND n.user_id IS NULL \
          THEN (n.id <= COALESCE(c.read_up_to, 0) OR COALESCE(r.is_read, FALSE)) ELSE n.is_read END AS is_read, \
     CASE WHEN $2::bigint IS NOT NULL AND n.user_id IS NULL THEN COALESCE(r.is_dismissed, FALSE) ELSE n.is_dismissed END \
          AS is_dismissed, \
     n.created_at \
     FROM notifications n \
     LEFT JOIN notification_cursors c ON c.tenant_id = n.tenant_id AND c.user_id = $2 \
     LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = $2 \
     WHERE n.tenant_id = $1 AND ($2::bigint IS NULL OR n.user_id IS NULL OR n.user_id = $2)";

/// The tenant's own unread count (tenant-wide ones), of tenant `$1`.
const WIDE_UNREAD: &str =
    "(SELECT COUNT(*) FROM notifications WHERE tenant_id = $1 AND user_id IS NULL AND NOT is_read AND NOT is_dismissed)";

/// What member `user` (an SQL expression) of tenant `$1` has unread.
pub fn user_unread(user: &str) -> String {
    format!(
        "((SELECT COUNT(*) FROM notifications n WHERE n.tenant_id = $1 AND n.user_id IS NULL \
            AND n.id > COALESCE((SELECT c.read_up_to FROM notification_cursors c WHERE c.tenant_id = $1 AND c.user_id = {user}), 0) \
            AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.user_id = {user} \
                            AND (r.is_read OR r.is_dismissed))) \
          + (SELECT COUNT(*) FROM notifications o WHERE o.tenant_id = $1 AND o.user_id = {user} AND NOT o.is_read AND NOT o.is_dismissed))"
    )
}

/// What reader `$2` of tenant `$1` has unread (`NULL`: the tenant's own
/// unread tenant-wide notifications).
pub fn unread() -> String {
    format!("SELECT CASE WHEN $2::bigint IS NULL THEN {WIDE_UNREAD} ELSE {} END", user_unread("$2::bigint"))
}

/// One notification (`$3`) as reader `$2` sees it.
pub fn one() -> String {
    format!("SELECT * FROM ({VIEW}) AS v WHERE id = $3")
}

/// A page of notifications as reader `$2` sees them: read ones if `$3`,
/// dismissed ones if `$4`, older than `$5` (newest first) or newer than `$6`
/// (oldest first), at most `$7`.
pub fn page(catching_up: bool) -> String {
    let order = if catching_up { "id ASC" } else { "id DESC" };
    format!(
        "SELECT * FROM ({VIEW}) AS v WHERE ($3::boolean OR NOT is_read) AND ($4::boolean OR NOT is_dismissed) \
         AND ($5::bigint IS NULL OR id < $5) AND ($6::bigint IS NULL OR id > $6) ORDER BY {order} LIMIT $7"
    )
}
