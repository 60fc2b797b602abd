//! Matching `when` / `applies` conditions against the server and run at hand.

use std::fmt;

use crate::connection::server::{Flavor, Platform, Version};
use crate::pipeline::snapshot_locking::SnapshotLocking;

use super::profile::Profile;
use super::spec::Condition;

/// What conditions are matched against: the checked server's flavor, version and platform,
/// and the run's profile. Without a server (connection failed) only the profile is known, and
/// conditions that need more do not match.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    pub flavor: Option<Flavor>,
    pub version: Option<Version>,
    pub platform: Option<Platform>,
    pub profile: Profile,
    /// The connector's `snapshot.locking.mode`, when its configuration was read.
    pub snapshot_locking: Option<SnapshotLocking>,
}

impl Condition {
    pub(crate) fn matches(&self, t: &Facts) -> bool {
        if let Some(f) = self.flavor {
            if t.flavor != Some(f) {
                return false;
            }
        }
        if let Some(req) = &self.version {
            match t.version {
                Some(v) if req.matches(v) => {}
                _ => return false,
            }
        }
        if let Some(ps) = &self.platform {
            match t.platform {
                Some(p) if ps.contains(&p) => {}
                _ => return false,
            }
        }
        if let Some(profiles) = &self.profile {
            if !profiles.contains(&t.profile) {
                return false;
            }
        }
        if let Some(modes) = &self.snapshot_locking {
            match t.snapshot_locking {
                Some(m) if modes.contains(&m) => {}
                _ => return false,
            }
        }
        true
    }

    /// "mysql >=8.0.22", "rds, aurora": where this holds, for a reader.
    pub(crate) fn describe(&self) -> String {
        let mut parts = Vec::new();
        match (self.flavor, &self.version) {
            (Some(f), Some(v)) => parts.push(format!("{f} {v}")),
            (Some(f), None) => parts.push(f.to_string()),
            (None, Some(v)) => parts.push(format!("version {v}")),
            (None, None) => {}
        }
        if let Some(ps) = &self.platform {
            parts.push(ps.iter().map(|p| p.name()).collect::<Vec<_>>().join(", "));
        }
        if let Some(ps) = &self.profile {
            parts.push(ps.iter().map(|p| p.name()).collect::<Vec<_>>().join(", "));
        }
        if let Some(ms) = &self.snapshot_locking {
            let modes: Vec<&str> = ms.iter().map(|m| m.name()).collect();
            parts.push(format!("snapshot.locking.mode {}", modes.join(", ")));
        }
        parts.join("; ")
    }
}

/// An optional `when`: absent means everywhere.
pub fn when_holds(when: Option<&Condition>, t: &Facts) -> bool {
    when.is_none_or(|w| w.matches(t))
}

/// Any of the conditions matches; no conditions means everywhere.
pub(crate) fn any_matches(conditions: &[Condition], t: &Facts) -> bool {
    conditions.is_empty() || conditions.iter().any(|c| c.matches(t))
}

/// A version requirement like ">=8.0.1, <8.4": every comparison must hold. Parsed at load,
/// shown as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionReq {
    text: String,
    parts: Vec<(&'static str, Version)>,
}

impl VersionReq {
    /// None when a part is not a comparison with a version.
    pub(crate) fn parse(text: &str) -> Option<VersionReq> {
        let mut parts = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (op, rest) = ["<=", ">=", "==", "!=", "<", ">", "="]
                .iter()
                .find_map(|op| part.strip_prefix(op).map(|r| (*op, r)))
                .unwrap_or(("=", part));
            parts.push((op, Version::parse(rest.trim())?));
        }
        Some(VersionReq {
            text: text.to_string(),
            parts,
        })
    }

    pub(crate) fn matches(&self, v: Version) -> bool {
        self.parts.iter().all(|(op, want)| match *op {
            "<=" => v <= *want,
            ">=" => v >= *want,
            "<" => v < *want,
            ">" => v > *want,
            "!=" => v != *want,
            _ => v == *want,
        })
    }
}

impl fmt::Display for VersionReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_describe_themselves() {
        let c = Condition {
            flavor: Some(Flavor::Mysql),
            version: VersionReq::parse(">=8.0.22"),
            ..Condition::default()
        };
        assert_eq!(c.describe(), "mysql >=8.0.22");
        let c = Condition {
            platform: Some(vec![Platform::Rds, Platform::Aurora]),
            ..Condition::default()
        };
        assert_eq!(c.describe(), "rds, aurora");
    }

    fn facts(flavor: Flavor, v: &str, platform: Platform) -> Facts {
        Facts {
            flavor: Some(flavor),
            version: Version::parse(v),
            platform: Some(platform),
            profile: Profile::Generic,
            snapshot_locking: None,
        }
    }

    #[test]
    fn version_requirements() {
        let v = Version::new(8, 0, 20);
        let holds = |req: &str| VersionReq::parse(req).map(|r| r.matches(v));
        assert_eq!(holds(">=8.0.20"), Some(true));
        assert_eq!(holds(">=8.0.1, <8.4"), Some(true));
        assert_eq!(holds("<8.0.20"), Some(false));
        assert_eq!(holds(">=x"), None);
        assert_eq!(VersionReq::parse(">= 10.5").unwrap().to_string(), ">= 10.5");
    }

    #[test]
    fn conditions_need_every_field_to_match() {
        let c = Condition {
            flavor: Some(Flavor::Mysql),
            version: VersionReq::parse(">=8.4"),
            platform: Some(vec![Platform::Rds, Platform::Aurora]),
            profile: None,
            snapshot_locking: None,
        };
        assert!(c.matches(&facts(Flavor::Mysql, "8.4.2", Platform::Rds)));
        assert!(!c.matches(&facts(Flavor::Mysql, "8.0.40", Platform::Rds)));
        assert!(!c.matches(&facts(Flavor::Mariadb, "11.4.2", Platform::Rds)));
        assert!(!c.matches(&facts(Flavor::Mysql, "8.4.2", Platform::SelfManaged)));
        let unknown = Facts {
            flavor: None,
            version: None,
            platform: None,
            profile: Profile::Generic,
            snapshot_locking: None,
        };
        assert!(!c.matches(&unknown));
        assert!(Condition::default().matches(&unknown));
    }

    #[test]
    fn a_locking_mode_condition_needs_the_connectors_setting() {
        let c = Condition {
            snapshot_locking: Some(vec![SnapshotLocking::None]),
            ..Condition::default()
        };
        assert_eq!(c.describe(), "snapshot.locking.mode none");
        let mut f = facts(Flavor::Mysql, "8.4.2", Platform::SelfManaged);
        assert!(!c.matches(&f), "no connector configuration read");
        f.snapshot_locking = Some(SnapshotLocking::Minimal);
        assert!(!c.matches(&f));
        f.snapshot_locking = Some(SnapshotLocking::None);
        assert!(c.matches(&f));
    }
}
