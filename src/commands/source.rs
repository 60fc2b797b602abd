//! The source options every command that talks to a server shares.

use std::time::Duration;

use anyhow::{Context as _, Result};

use crate::connection::mysql_url::SourceConfig;
use crate::connection::server::Platform;

/// `--connect-timeout` and validate's flags, which import it from here.
pub use super::duration::parse_duration;

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SourceArgs {
    /// Source URL: mysql://user:pass@host:port[/db]?ssl-mode=...&ssl-ca=...
    /// (else CDC_SOURCE, else MYSQL_HOST/MYSQL_PORT/MYSQL_USER; password also from MYSQL_PWD)
    #[arg(long, env = "CDC_SOURCE", hide_env_values = true)]
    pub(crate) source: Option<String>,
    /// Bound on every network wait, e.g. 5, 5s, 500ms.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub(crate) connect_timeout: Duration,
    /// Override platform detection: self-managed, rds, aurora, azure, cloud-sql.
    #[arg(long, value_parser = parse_platform)]
    pub(crate) platform: Option<Platform>,
}

impl SourceArgs {
    /// The source to use, from the flag, CDC_SOURCE or the MYSQL_* variables.
    pub(crate) fn config(&self) -> Result<SourceConfig> {
        let mut source = SourceConfig::resolve(self.source.as_deref(), |k| std::env::var(k).ok())
            .context("cannot use the source")?;
        source.connect_timeout = self.connect_timeout;
        Ok(source)
    }

    /// Whether any source was given at all (commands where the source is optional).
    pub(crate) fn given(&self) -> bool {
        self.source.as_deref().is_some_and(|s| !s.trim().is_empty())
            || std::env::var("MYSQL_HOST").is_ok_and(|h| !h.is_empty())
    }
}

/// A `--platform` that is not one doctor knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not one of self-managed, rds, aurora, azure, cloud-sql")]
pub(crate) struct UnknownPlatform(pub String);

fn parse_platform(s: &str) -> Result<Platform, UnknownPlatform> {
    Platform::parse(s).ok_or_else(|| UnknownPlatform(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms() {
        assert_eq!(parse_platform("rds"), Ok(Platform::Rds));
        assert_eq!(
            parse_platform("heroku").unwrap_err().to_string(),
            "\"heroku\" is not one of self-managed, rds, aurora, azure, cloud-sql"
        );
    }
}
