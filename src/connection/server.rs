//! What kind of server we are talking to: flavor, version and hosting platform.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    Mysql,
    Mariadb,
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Flavor::Mysql => "mysql",
            Flavor::Mariadb => "mariadb",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    SelfManaged,
    Rds,
    Aurora,
    Azure,
    CloudSql,
}

impl Platform {
    pub(crate) const ALL: [Platform; 5] = [
        Platform::SelfManaged,
        Platform::Rds,
        Platform::Aurora,
        Platform::Azure,
        Platform::CloudSql,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Platform::SelfManaged => "self-managed",
            Platform::Rds => "rds",
            Platform::Aurora => "aurora",
            Platform::Azure => "azure",
            Platform::CloudSql => "cloud-sql",
        }
    }

    pub fn parse(s: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.name() == s)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A server version as major.minor.patch; suffixes such as "-MariaDB-log" are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Version {
    pub(crate) major: u32,
    pub(crate) minor: u32,
    pub(crate) patch: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// Parses the leading "X[.Y[.Z]]" of a version string; missing parts are 0.
    pub fn parse(s: &str) -> Option<Version> {
        // MariaDB 10.x used to be announced as "5.5.5-10.x.y-MariaDB" on the wire.
        let s = s.strip_prefix("5.5.5-").unwrap_or(s);
        let mut parts = s.split('.').map(|p| {
            let digits: String = p.chars().take_while(|c| c.is_ascii_digit()).collect();
            digits.parse::<u32>().ok()
        });
        let major = parts.next()??;
        let minor = parts.next().flatten().unwrap_or(0);
        let patch = parts.next().flatten().unwrap_or(0);
        Some(Version::new(major, minor, patch))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Facts about the server gathered once per run, shared by every check.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    pub(crate) flavor: Flavor,
    pub(crate) version: Version,
    /// The full version string as the server reports it.
    pub(crate) version_string: String,
    pub(crate) platform: Platform,
    /// `SHOW GLOBAL VARIABLES`, names lower-cased.
    pub(crate) variables: BTreeMap<String, String>,
}

impl ServerInfo {
    /// Derives flavor and platform from the global variables (and the host we dialled).
    pub fn from_variables(variables: BTreeMap<String, String>, host: &str) -> ServerInfo {
        let version_string = variables.get("version").cloned().unwrap_or_default();
        let comment = variables
            .get("version_comment")
            .map(String::as_str)
            .unwrap_or("");
        let flavor = detect_flavor(&version_string, comment);
        let version = Version::parse(&version_string).unwrap_or_default();
        let platform = detect_platform(&variables, host);
        ServerInfo {
            flavor,
            version,
            version_string,
            platform,
            variables,
        }
    }

    pub(crate) fn variable(&self, name: &str) -> Option<&str> {
        self.variables
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// "MariaDB 10.11.19" / "MySQL 8.4.0": how people name the server.
    pub(crate) fn display_name(&self) -> String {
        let f = match self.flavor {
            Flavor::Mysql => "MySQL",
            Flavor::Mariadb => "MariaDB",
        };
        format!("{f} {}", self.version)
    }
}

pub(crate) fn detect_flavor(version: &str, comment: &str) -> Flavor {
    if version.to_ascii_lowercase().contains("mariadb")
        || comment.to_ascii_lowercase().contains("mariadb")
    {
        Flavor::Mariadb
    } else {
        Flavor::Mysql
    }
}

/// Best effort: each managed service leaves its own marks in the server's variables.
pub(crate) fn detect_platform(variables: &BTreeMap<String, String>, host: &str) -> Platform {
    let host = host.to_ascii_lowercase();
    let var = |name: &str| variables.get(name).map(String::as_str).unwrap_or("");
    if variables.contains_key("aurora_version") || host.contains(".cluster-") {
        return Platform::Aurora;
    }
    if var("basedir").starts_with("/rdsdbbin") || host.ends_with(".rds.amazonaws.com") {
        return Platform::Rds;
    }
    if variables.keys().any(|k| k.starts_with("azure_"))
        || host.ends_with(".database.azure.com")
        || var("basedir").to_ascii_lowercase().contains("azure")
    {
        return Platform::Azure;
    }
    if variables.keys().any(|k| k.starts_with("cloudsql_")) {
        return Platform::CloudSql;
    }
    Platform::SelfManaged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_versions_with_suffixes() {
        assert_eq!(
            Version::parse("10.11.19-MariaDB-0+deb12u1-log"),
            Some(Version::new(10, 11, 19))
        );
        assert_eq!(
            Version::parse("5.5.5-10.4.8-MariaDB"),
            Some(Version::new(10, 4, 8))
        );
        assert_eq!(Version::parse("8.4"), Some(Version::new(8, 4, 0)));
        assert_eq!(Version::parse("garbage"), None);
        assert!(Version::new(8, 0, 40) < Version::new(8, 4, 0));
    }

    #[test]
    fn detects_flavor_from_version_or_comment() {
        assert_eq!(detect_flavor("10.6.2-MariaDB", ""), Flavor::Mariadb);
        assert_eq!(
            detect_flavor("8.0.35", "MySQL Community Server - GPL"),
            Flavor::Mysql
        );
        assert_eq!(
            detect_flavor("11.4.2", "mariadb.org binary distribution"),
            Flavor::Mariadb
        );
    }

    #[test]
    fn detects_platforms_from_recorded_variables() {
        assert_eq!(
            detect_platform(&vars(&[("basedir", "/rdsdbbin/mysql-8.0.35.R1/")]), "db"),
            Platform::Rds
        );
        assert_eq!(
            detect_platform(
                &vars(&[
                    ("aurora_version", "3.05.2"),
                    ("basedir", "/rdsdbbin/oscar/")
                ]),
                "db"
            ),
            Platform::Aurora
        );
        assert_eq!(
            detect_platform(&vars(&[]), "prod.mysql.database.azure.com"),
            Platform::Azure
        );
        assert_eq!(
            detect_platform(&vars(&[("cloudsql_iam_authentication", "OFF")]), "10.0.0.3"),
            Platform::CloudSql
        );
        assert_eq!(
            detect_platform(&vars(&[("basedir", "/usr/")]), "localhost"),
            Platform::SelfManaged
        );
    }
}
