//! Opening the binlog as a replica: the session settings a reader needs, the start request
//! (file and position, or a GTID set in MySQL's or MariaDB's form), and what a refusal means.

use std::str::FromStr;
use std::time::Duration;

use mysql::BinlogRequest;
use mysql_common::packets::Sid;

use crate::binlog::gtid::BadGtid;
use crate::connection::server::Flavor;
use crate::connection::sql::SqlError;

/// Where the stream starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    Position { file: String, pos: u64 },
    Gtid(String),
}

/// Session settings sent before the dump request.
pub fn setup(flavor: Flavor, start: &Start, heartbeat: Duration) -> Vec<String> {
    // The server sends a heartbeat when idle for this long: how "caught up" is told apart
    // from a dead connection.
    let mut out = vec![format!(
        "SET @master_heartbeat_period = {}",
        heartbeat.as_nanos()
    )];
    if flavor == Flavor::Mariadb {
        // Without capability 4 MariaDB rewrites its GTID events into BEGIN queries.
        out.push("SET @mariadb_slave_capability = 4".into());
        if let Start::Gtid(set) = start {
            out.push(format!(
                "SET @slave_connect_state = '{}'",
                set.replace('\'', "")
            ));
            out.push("SET @slave_gtid_strict_mode = 0".into());
            out.push("SET @slave_gtid_ignore_duplicates = 0".into());
        }
    }
    out
}

/// The dump request. MariaDB's GTID start travels in @slave_connect_state, with an empty file.
pub fn request(
    flavor: Flavor,
    start: &Start,
    server_id: u32,
) -> Result<BinlogRequest<'static>, BadGtid> {
    let base = BinlogRequest::new(server_id);
    Ok(match (start, flavor) {
        (Start::Position { file, pos }, _) => {
            base.with_filename(file.as_bytes().to_vec()).with_pos(*pos)
        }
        (Start::Gtid(_), Flavor::Mariadb) => base.with_filename(Vec::new()).with_pos(4u64),
        (Start::Gtid(set), Flavor::Mysql) => {
            let sids = set
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .flat_map(tag_runs)
                .map(|s| {
                    Sid::from_str(&s).map_err(|e| BadGtid::Mysql {
                        reason: e.to_string(),
                        text: s,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            base.with_use_gtid(true).with_sids(sids)
        }
    })
}

/// One uuid's part of a GTID set split where its tag changes: `uuid:1-13:nightly:1` (MySQL
/// 8.3+ prints untagged and tagged ranges of one uuid together) is `uuid:1-13` and
/// `uuid:nightly:1`, one per Sid of the dump request.
fn tag_runs(group: &str) -> Vec<String> {
    let Some((uuid, rest)) = group.split_once(':') else {
        return vec![group.to_string()];
    };
    let mut runs: Vec<String> = Vec::new();
    let mut current = String::new();
    for part in rest.split(':') {
        let is_tag = part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
        if is_tag {
            if !current.is_empty() {
                runs.push(std::mem::take(&mut current));
            }
            current = format!("{uuid}:{part}");
        } else if current.is_empty() {
            current = format!("{uuid}:{part}");
        } else {
            current.push(':');
            current.push_str(part);
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// Why the server refused or ended a stream, for the message and the playbook. MySQL sends
/// every fatal binlog-sender error as 1236; the text tells them apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The start file or GTIDs were purged from the server.
    Purged,
    /// A GTID start on a MySQL with GTID_MODE = OFF.
    GtidModeOff,
    /// The start GTID set holds transactions the server never executed.
    GtidsNotOnSource,
    /// The server writes no binlog.
    BinlogNotOpen,
    /// The server's own server_id is 0.
    ServerIdNotSet,
    /// Another reader registered with the same server_id (MariaDB 4052, MySQL 1236 text).
    DuplicateServerId,
    /// No REPLICATION SLAVE (MariaDB says 1045 naming the account, MySQL 1227).
    Privileges,
    /// Any other fatal binlog-sender error (1236): retrying cannot help, no playbook known.
    Fatal,
    Other,
}

impl Refusal {
    pub fn of(e: &SqlError) -> Refusal {
        let m = e.message.as_str().to_ascii_lowercase();
        let has = |s: &str| m.contains(s);
        if has("same server_uuid/server_id") || e.code == Some(4052) {
            return Refusal::DuplicateServerId;
        }
        if e.code == Some(1227)
            || (e.code == Some(1045) && has("'@'%"))
            || has("replication slave privilege")
        {
            return Refusal::Privileges;
        }
        if e.code != Some(1236) {
            return Refusal::Other;
        }
        if has("gtid_mode = off") || has("gtid_mode=off") {
            Refusal::GtidModeOff
        } else if has("more gtids than the") || has("which is not in the master's binlog") {
            Refusal::GtidsNotOnSource
        } else if has("binary log is not open") {
            Refusal::BinlogNotOpen
        } else if has("server_id was not set") || has("server id was not set") {
            Refusal::ServerIdNotSet
        } else if has("could not find first log file")
            || has("purged required binary logs")
            || has("purged binary logs containing gtids")
            || has("could not find gtid state")
        {
            Refusal::Purged
        } else {
            Refusal::Fatal
        }
    }

    pub(crate) fn playbook(&self) -> Option<&'static str> {
        match self {
            Refusal::Purged => Some("binlog-position-purged"),
            Refusal::GtidModeOff => Some("gtid-not-enabled"),
            Refusal::GtidsNotOnSource => Some("gtid-set-not-on-source"),
            Refusal::BinlogNotOpen => Some("binlog-disabled"),
            Refusal::ServerIdNotSet => Some("server-id"),
            Refusal::DuplicateServerId => Some("duplicate-server-id"),
            Refusal::Privileges => Some("replication-permissions"),
            Refusal::Fatal | Refusal::Other => None,
        }
    }

    /// Whether reconnecting can help (a dropped connection) or not (a refusal).
    pub(crate) fn is_final(&self) -> bool {
        !matches!(self, Refusal::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mariadb_gtid_starts_go_through_session_state() {
        let start = Start::Gtid("0-1-100".into());
        let s = setup(Flavor::Mariadb, &start, Duration::from_secs(1));
        assert!(s.contains(&"SET @master_heartbeat_period = 1000000000".to_string()));
        assert!(s.contains(&"SET @mariadb_slave_capability = 4".to_string()));
        assert!(s.contains(&"SET @slave_connect_state = '0-1-100'".to_string()));
        let r = request(Flavor::Mariadb, &start, 7).unwrap();
        assert!(r.filename().is_empty());
        assert!(!r.use_gtid());
    }

    #[test]
    fn mysql_gtid_sets_become_sids() {
        let start = Start::Gtid("3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:7".into());
        let r = request(Flavor::Mysql, &start, 7).unwrap();
        assert!(r.use_gtid());
        assert_eq!(r.sids().len(), 1);
        let e = request(Flavor::Mysql, &Start::Gtid("0-1-100".into()), 7).unwrap_err();
        assert!(
            matches!(&e, BadGtid::Mysql { text, .. } if text == "0-1-100"),
            "{e}"
        );
        assert!(
            e.to_string()
                .starts_with("\"0-1-100\" is not a MySQL GTID set: "),
            "{e}"
        );
        assert_eq!(
            setup(Flavor::Mysql, &start, Duration::from_secs(2)).len(),
            1
        );
    }

    #[test]
    fn mixed_tagged_and_untagged_ranges_become_one_sid_per_tag() {
        let u = "3E11FA47-71CA-11E1-9E33-C80AA9429562";
        assert_eq!(
            tag_runs(&format!("{u}:1-13:nightly:1:2-4:other:7")),
            [
                format!("{u}:1-13"),
                format!("{u}:nightly:1:2-4"),
                format!("{u}:other:7")
            ]
        );
        assert_eq!(tag_runs(&format!("{u}:1-5")), [format!("{u}:1-5")]);
        let start = Start::Gtid(format!("{u}:1-13:nightly:1, {u}:other:2"));
        let r = request(Flavor::Mysql, &start, 7).unwrap();
        assert_eq!(r.sids().len(), 3);
    }

    #[test]
    fn refusals_name_their_playbook() {
        let e = |code, m: &str| SqlError::recorded(Some(code), m);
        assert_eq!(
            Refusal::of(&e(
                1236,
                "Could not find first log file name in binary log index file"
            )),
            Refusal::Purged
        );
        assert_eq!(
            Refusal::of(&e(
                4052,
                "A slave with the same server_uuid/server_id is already connected"
            )),
            Refusal::DuplicateServerId
        );
        assert_eq!(
            Refusal::of(&e(1236, "A slave with the same server_uuid/server_id as this slave has connected to the master")),
            Refusal::DuplicateServerId
        );
        assert_eq!(
            Refusal::of(&e(
                1045,
                "Access denied for user 'plain'@'%' (using password: YES)"
            )),
            Refusal::Privileges
        );
        assert_eq!(Refusal::of(&e(2013, "Lost connection")), Refusal::Other);
        assert_eq!(Refusal::Purged.playbook(), Some("binlog-position-purged"));
        assert!(!Refusal::Other.is_final());
    }

    /// MySQL's binlog sender answers 1236 for every fatal error (texts of 9.7 and 8.0).
    #[test]
    fn every_1236_gets_its_own_verdict() {
        let e = |m: &str| Refusal::of(&SqlError::recorded(Some(1236), m));
        assert_eq!(
            e("The replication sender thread cannot start in AUTO_POSITION mode: this server has GTID_MODE = OFF instead of ON."),
            Refusal::GtidModeOff
        );
        assert_eq!(
            e("Replica has more GTIDs than the source has, using the source's SERVER_UUID."),
            Refusal::GtidsNotOnSource
        );
        assert_eq!(
            e("Error: connecting slave requested to start from GTID 0-1-999999, which is not in the master's binlog"),
            Refusal::GtidsNotOnSource
        );
        assert_eq!(e("Binary log is not open"), Refusal::BinlogNotOpen);
        assert_eq!(
            e("Misconfigured source - server_id was not set"),
            Refusal::ServerIdNotSet
        );
        assert_eq!(
            e("Cannot replicate because the source purged required binary logs."),
            Refusal::Purged
        );
        assert_eq!(
            e("Client requested source to start replication from position > file size"),
            Refusal::Fatal
        );
        assert!(Refusal::Fatal.is_final());
        assert_eq!(Refusal::Fatal.playbook(), None);
        assert_eq!(Refusal::GtidModeOff.playbook(), Some("gtid-not-enabled"));
    }
}
