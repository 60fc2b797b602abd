//! Where a reader is in the binary log, as a user or a connector's offsets write it: FILE:POS
//! or a GTID set. One parser for every command that takes one (`doctor --position`,
//! `doctor --gtid-set`, `tail --from`), so a bad value is refused before anything runs.

use std::fmt;
use std::str::FromStr;

/// A byte position in a named binlog file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePos {
    pub(crate) file: String,
    pub(crate) pos: u64,
}

/// Why a position or GTID set was refused; the text is what the user sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadPosition(String);

impl FromStr for FilePos {
    type Err = BadPosition;

    fn from_str(s: &str) -> Result<FilePos, BadPosition> {
        let bad = |why: String| BadPosition(format!("{s:?} is not FILE:POS: {why}"));
        let (file, pos) = s
            .trim()
            .rsplit_once(':')
            .ok_or_else(|| bad("no ':' before the position".into()))?;
        if file.is_empty() {
            return Err(bad("the file name is empty".into()));
        }
        let pos: u64 = pos
            .parse()
            .map_err(|_| bad(format!("{pos:?} is not a number")))?;
        if pos < 4 {
            return Err(bad("positions start at 4, after the file header".into()));
        }
        // Event positions are 32-bit in the binlog and in the replication protocol.
        if pos > u64::from(u32::MAX) {
            return Err(bad(format!(
                "{pos} is past the largest binlog position, {}",
                u32::MAX
            )));
        }
        Ok(FilePos {
            file: file.to_string(),
            pos,
        })
    }
}

impl fmt::Display for FilePos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.pos)
    }
}

/// A GTID set in the form its flavor writes it, its syntax checked: MySQL
/// `uuid[:tag]:1-5[:7][,...]` or MariaDB `domain-server-seq[,...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GtidSet {
    Mysql(String),
    Mariadb(String),
}

impl GtidSet {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            GtidSet::Mysql(s) | GtidSet::Mariadb(s) => s,
        }
    }
}

impl fmt::Display for GtidSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GtidSet {
    type Err = BadPosition;

    fn from_str(s: &str) -> Result<GtidSet, BadPosition> {
        // Connectors store sets with the newlines and spaces gtid_executed prints.
        let set: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if set.is_empty() {
            return Err(BadPosition("an empty GTID set".into()));
        }
        let parts: Vec<&str> = set.split(',').collect();
        if parts.iter().all(|p| is_mariadb_gtid(p)) {
            return Ok(GtidSet::Mariadb(set));
        }
        if let Some(p) = parts.iter().find(|p| !is_mysql_sid_set(p)) {
            return Err(BadPosition(format!(
                "{s:?} is not a GTID set: {p:?} is neither MySQL's uuid:1-5 nor MariaDB's \
                 domain-server-seq"
            )));
        }
        // Tags are case-insensitive and UUIDs hex; MySQL prints both in lower case.
        Ok(GtidSet::Mysql(set.to_ascii_lowercase()))
    }
}

/// `domain-server-seq`, three decimal numbers.
fn is_mariadb_gtid(p: &str) -> bool {
    let n: Vec<&str> = p.split('-').collect();
    n.len() == 3
        && n[0].parse::<u32>().is_ok()
        && n[1].parse::<u32>().is_ok()
        && n[2].parse::<u64>().is_ok()
}

/// `uuid:interval[:interval...]`, where a tag (`[a-z_][a-z0-9_]{0,31}`, any case, MySQL 8.4+) may come
/// before a run of intervals, and an interval is `n` or `n-m` with 0 < n <= m.
fn is_mysql_sid_set(p: &str) -> bool {
    let mut fields = p.split(':');
    let uuid_ok = fields.next().is_some_and(is_uuid);
    let mut intervals = 0;
    let mut tag_open = false;
    for f in fields {
        if is_interval(f) {
            intervals += 1;
            tag_open = false;
        } else if is_tag(f) && !tag_open {
            tag_open = true;
        } else {
            return false;
        }
    }
    uuid_ok && intervals > 0 && !tag_open
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn is_interval(s: &str) -> bool {
    let (lo, hi) = s.split_once('-').unwrap_or((s, s));
    match (lo.parse::<u64>(), hi.parse::<u64>()) {
        (Ok(lo), Ok(hi)) => lo > 0 && lo <= hi,
        _ => false,
    }
}

fn is_tag(s: &str) -> bool {
    let mut b = s.bytes();
    s.len() <= 32
        && b.next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// `binlog` of `binlog.000042`: the part log_bin names, before the sequence number. Two
/// files of one server share it; a file of another name was never this server's.
pub(crate) fn base_name(file: &str) -> &str {
    file.rsplit_once('.').map_or(file, |(base, _)| base)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

    #[test]
    fn file_positions_in_range_parse_and_the_rest_say_why() {
        let p: FilePos = "mysql-bin.000003:157".parse().unwrap();
        assert_eq!((p.file.as_str(), p.pos), ("mysql-bin.000003", 157));
        assert_eq!(p.to_string(), "mysql-bin.000003:157");
        assert!("mysql-bin.000003:4294967295".parse::<FilePos>().is_ok());
        for (bad, why) in [
            ("junk", "no ':'"),
            (":157", "file name is empty"),
            ("f:x", "\"x\" is not a number"),
            ("f:3", "start at 4"),
            ("f:4294967296", "past the largest binlog position"),
            ("f:-1", "not a number"),
        ] {
            let e = bad.parse::<FilePos>().unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn gtid_sets_of_both_flavors_parse_and_junk_is_refused() {
        let mysql = [
            format!("{UUID}:1-5"),
            format!("{UUID}:1-5:7:9-12"),
            format!("{UUID}:1-5,\n{}:3", UUID.replace('3', "4")),
            format!("{UUID}:blue:1-3"),
            format!("{UUID}:1-5:blue:1-3:_x9:4"),
        ];
        for s in &mysql {
            assert!(matches!(s.parse(), Ok(GtidSet::Mysql(_))), "{s}");
        }
        assert_eq!(
            format!("{}:Blue:1", UUID.to_uppercase())
                .parse::<GtidSet>()
                .unwrap(),
            GtidSet::Mysql(format!("{UUID}:blue:1"))
        );
        assert_eq!(
            "0-1-100,1-2-7".parse::<GtidSet>().unwrap(),
            GtidSet::Mariadb("0-1-100,1-2-7".into())
        );
        let bad = [
            "junk".to_string(),
            String::new(),
            UUID.to_string(),
            format!("{UUID}:0"),
            format!("{UUID}:5-3"),
            format!("{UUID}:blue"),
            format!("{UUID}:1blue:1"),
            format!("{UUID}:blue:red:1"),
            "0-1".to_string(),
            "0-1-x".to_string(),
            format!("{UUID}:1,0-1-100"),
            "3e11fa47-71ca-11e1-9e33:1".to_string(),
        ];
        for s in &bad {
            assert!(s.parse::<GtidSet>().is_err(), "{s:?} parsed");
        }
    }
}
