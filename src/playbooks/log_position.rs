//! The stored position a connector log names, so `cdc diagnose --log` can check it against
//! the server without the user copying it out: Debezium's "binlog reader near position =
//! mysql-bin.000042/4711" and its offsets (`file=..., pos=...`, `"file":"...","pos":N`),
//! Flink CDC's offsets (`filename=..., position=...`, `"filename":"...","position":"N"`), and
//! the GTID sets beside them. The last one in the log wins: it is the newest.

use std::sync::OnceLock;

use regex::bytes::Regex;

use crate::binlog::position::{FilePos, GtidSet};

/// A position seen in a log, with the line's text for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogPosition {
    File(FilePos),
    Gtid(GtidSet),
}

impl std::fmt::Display for LogPosition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LogPosition::File(p) => write!(f, "{p}"),
            LogPosition::Gtid(g) => write!(f, "gtid {g}"),
        }
    }
}

fn file_patterns() -> &'static [Regex] {
    static P: OnceLock<Vec<Regex>> = OnceLock::new();
    P.get_or_init(|| {
        let file = r#"([A-Za-z0-9_.-]+\.[0-9]{6,})"#;
        [
            format!(r#"(?i)near position\s*=\s*{file}/([0-9]+)"#),
            format!(r#"(?i)\bfile\s*=\s*{file}\s*,\s*pos\s*=\s*([0-9]+)"#),
            format!(r#"(?i)"file"\s*:\s*"{file}"\s*,\s*"pos"\s*:\s*"?([0-9]+)"#),
            format!(r#"(?i)\bfilename\s*=\s*{file}\s*,\s*position\s*=\s*([0-9]+)"#),
            format!(r#"(?i)"filename"\s*:\s*"{file}"\s*,\s*"position"\s*:\s*"?([0-9]+)"#),
        ]
        .iter()
        .map(|p| Regex::new(p).expect("a valid built-in pattern"))
        .collect()
    })
}

fn gtid_pattern() -> &'static Regex {
    static P: OnceLock<Regex> = OnceLock::new();
    P.get_or_init(|| {
        // MySQL uuid:intervals lists, or MariaDB domain-server-sequence lists.
        let mysql = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?::[0-9]+(?:-[0-9]+)?)+";
        let mariadb = r"[0-9]+-[0-9]+-[0-9]+";
        Regex::new(&format!(
            r#"(?i)"?gtids?"?\s*[=:]\s*"?((?:{mysql})(?:\s*,\s*(?:{mysql}))*|(?:{mariadb})(?:\s*,\s*(?:{mariadb}))*)"#
        ))
        .expect("a valid built-in pattern")
    })
}

/// Keeps the last position seen across the pieces of a log.
#[derive(Debug, Default)]
pub struct PositionFinder {
    /// The last (offset in the whole log, position) of each kind: a file position is used
    /// when there is one, as connectors resume by it unless told otherwise.
    file: Option<(u64, FilePos)>,
    gtid: Option<(u64, GtidSet)>,
}

impl PositionFinder {
    /// Looks through `piece`, which starts `offset` bytes into the log.
    pub fn feed(&mut self, piece: &[u8], offset: u64) {
        for re in file_patterns() {
            for c in re.captures_iter(piece) {
                let (Some(whole), Some(file), Some(pos)) = (c.get(0), c.get(1), c.get(2)) else {
                    continue;
                };
                let text = format!(
                    "{}:{}",
                    String::from_utf8_lossy(file.as_bytes()),
                    String::from_utf8_lossy(pos.as_bytes())
                );
                if let Ok(p) = text.parse::<FilePos>() {
                    let at = offset + whole.start() as u64;
                    if self.file.as_ref().is_none_or(|(seen, _)| at >= *seen) {
                        self.file = Some((at, p));
                    }
                }
            }
        }
        for c in gtid_pattern().captures_iter(piece) {
            let (Some(whole), Some(set)) = (c.get(0), c.get(1)) else {
                continue;
            };
            let text: String = String::from_utf8_lossy(set.as_bytes())
                .split_whitespace()
                .collect();
            if let Ok(g) = text.parse::<GtidSet>() {
                let at = offset + whole.start() as u64;
                if self.gtid.as_ref().is_none_or(|(seen, _)| at >= *seen) {
                    self.gtid = Some((at, g));
                }
            }
        }
    }

    /// The position to check: the last file position, else the last GTID set.
    pub fn found(self) -> Option<LogPosition> {
        match (self.file, self.gtid) {
            (Some((_, p)), _) => Some(LogPosition::File(p)),
            (None, Some((_, g))) => Some(LogPosition::Gtid(g)),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(log: &str) -> Option<String> {
        let mut f = PositionFinder::default();
        f.feed(log.as_bytes(), 0);
        f.found().map(|p| p.to_string())
    }

    #[test]
    fn reads_the_positions_connectors_print() {
        assert_eq!(
            find("ERROR Error during binlog processing. Last offset stored = null, binlog reader near position = mysql-bin.000042/4711"),
            Some("mysql-bin.000042:4711".into())
        );
        assert_eq!(
            find("offset {ts_sec=1700000000, file=mysql-bin.000003, pos=154, row=1, server_id=1, event=2}"),
            Some("mysql-bin.000003:154".into())
        );
        assert_eq!(
            find(r#"{"ts_sec":1700000000,"file":"binlog.000007","pos":2300,"gtids":null}"#),
            Some("binlog.000007:2300".into())
        );
        assert_eq!(
            find(
                r#"Binlog offset on checkpoint 12: {"kind":"SPECIFIC","filename":"mysql-bin.000009","position":"1337"}"#
            ),
            Some("mysql-bin.000009:1337".into())
        );
        assert_eq!(
            find("BinlogOffset{filename=mysql-bin.000010, position=99, gtidSet=}"),
            Some("mysql-bin.000010:99".into())
        );
    }

    #[test]
    fn the_last_position_wins_and_gtids_stand_in_for_a_missing_file() {
        assert_eq!(
            find("near position = bin.000001/4\nlater: file=bin.000002, pos=120\n"),
            Some("bin.000002:120".into())
        );
        assert_eq!(
            find("gtids=3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5, 4e11fa47-71ca-11e1-9e33-c80aa9429562:1"),
            Some("gtid 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,4e11fa47-71ca-11e1-9e33-c80aa9429562:1".into())
        );
        assert_eq!(find(r#""gtids":"0-1-100""#), Some("gtid 0-1-100".into()));
        assert_eq!(find("nothing here, position 4711, file binlog"), None);
    }

    #[test]
    fn offsets_across_pieces_keep_the_order() {
        let mut f = PositionFinder::default();
        f.feed(b"file=bin.000009, pos=120", 1000);
        f.feed(b"file=bin.000002, pos=5", 0);
        assert_eq!(f.found().unwrap().to_string(), "bin.000009:120");
    }
}
