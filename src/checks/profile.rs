//! Profiles: the requirements of the system that will read the binlog.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
#[value(rename_all = "kebab-case")]
pub enum Profile {
    Generic,
    Debezium,
    FlinkCdc,
    Lakeflow,
    Dms,
}

impl Profile {
    /// The profile of a name as `name` gives it.
    pub(crate) fn parse_name(name: &str) -> Option<Profile> {
        use Profile::*;
        [Generic, Debezium, FlinkCdc, Lakeflow, Dms]
            .into_iter()
            .find(|p| p.name() == name)
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Profile::Generic => "generic",
            Profile::Debezium => "debezium",
            Profile::FlinkCdc => "flink-cdc",
            Profile::Lakeflow => "lakeflow",
            Profile::Dms => "dms",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
