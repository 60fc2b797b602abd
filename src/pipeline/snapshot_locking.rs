//! Debezium's `snapshot.locking.mode`: which locks the initial snapshot takes, and so which
//! privileges the connector's account needs for it.

use std::fmt;

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotLocking {
    /// The default: a global read lock (FLUSH TABLES WITH READ LOCK, RELOAD) while the schema
    /// is read; table locks (LOCK TABLES) where the global one is refused (RDS, Aurora).
    Minimal,
    /// Percona Server's LOCK TABLES FOR BACKUP (BACKUP_ADMIN) instead of the global lock.
    MinimalPercona,
    /// The global read lock held for the whole snapshot: writes wait until it ends.
    Extended,
    /// No locks at all: consistent only if no schema changes while the snapshot runs.
    None,
    /// A lock implementation of the operator's own: nothing cdc can judge.
    Custom,
}

impl SnapshotLocking {
    pub const ALL: [SnapshotLocking; 5] = [
        SnapshotLocking::Minimal,
        SnapshotLocking::MinimalPercona,
        SnapshotLocking::Extended,
        SnapshotLocking::None,
        SnapshotLocking::Custom,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SnapshotLocking::Minimal => "minimal",
            SnapshotLocking::MinimalPercona => "minimal_percona",
            SnapshotLocking::Extended => "extended",
            SnapshotLocking::None => "none",
            SnapshotLocking::Custom => "custom",
        }
    }

    /// A setting's value as Debezium reads it (case-insensitive).
    pub fn parse(value: &str) -> Option<SnapshotLocking> {
        let v = value.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|m| m.name() == v)
    }
}

impl fmt::Display for SnapshotLocking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for m in SnapshotLocking::ALL {
            assert_eq!(SnapshotLocking::parse(m.name()), Some(m));
        }
        assert_eq!(
            SnapshotLocking::parse(" MINIMAL_PERCONA "),
            Some(SnapshotLocking::MinimalPercona)
        );
        assert_eq!(SnapshotLocking::parse("global"), None);
    }
}
