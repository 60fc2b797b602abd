//! GTIDs as text: MariaDB's GTID (162) and GTID_LIST (163) events, which mysql_common does
//! not parse, and MySQL's (tagged) GTID events.

use mysql_common::binlog::events::GtidEvent;

/// A GTID text that does not parse, in the form a flavor writes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadGtid {
    /// Not MariaDB's `domain-server-sequence`.
    #[error("{0:?} is not a MariaDB GTID (domain-server-sequence)")]
    Mariadb(String),
    /// A part of a set that is not MySQL's `uuid[:tag]:1-5`, with the driver's reason.
    #[error("{text:?} is not a MySQL GTID set: {reason}")]
    Mysql { text: String, reason: String },
}

/// A MariaDB GTID event's body (after the 19-byte header): the transaction's GTID as
/// "domain-server-seq", `server_id` from the event header.
pub(crate) fn mariadb_gtid(body: &[u8], server_id: u32) -> Option<String> {
    let seq = u64::from_le_bytes(body.get(0..8)?.try_into().ok()?);
    let domain = u32::from_le_bytes(body.get(8..12)?.try_into().ok()?);
    Some(format!("{domain}-{server_id}-{seq}"))
}

/// A server UUID in its usual text form.
pub(crate) fn uuid_text(sid: &[u8; 16]) -> String {
    let h: String = sid.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A MySQL GTID event as "uuid:n", or "uuid:tag:n" for a tagged one (MySQL 8.3+).
pub(crate) fn mysql_gtid(ev: &GtidEvent) -> String {
    let uuid = uuid_text(&ev.sid());
    match ev.tag() {
        Some(tag) if !tag.as_str().is_empty() => format!("{uuid}:{}:{}", tag.as_str(), ev.gno()),
        _ => format!("{uuid}:{}", ev.gno()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mariadb_gtid_body() {
        let mut body = 9u64.to_le_bytes().to_vec();
        body.extend(0u32.to_le_bytes());
        body.push(0);
        assert_eq!(mariadb_gtid(&body, 1).as_deref(), Some("0-1-9"));
        assert_eq!(mariadb_gtid(&body[..5], 1), None);
    }
}
