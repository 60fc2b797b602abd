//! The source options every command that talks to a server shares.

use std::time::Duration;

use anyhow::{Context as _, Result};

use crate::connection::server::Platform;
use crate::connection::url::SourceConfig;

#[derive(Debug, Clone, clap::Args)]
pub struct SourceArgs {
    /// Source URL: mysql://user:pass@host:port[/db]?ssl-mode=...&ssl-ca=...
    /// (else CDC_SOURCE, else MYSQL_HOST/MYSQL_PORT/MYSQL_USER; password also from MYSQL_PWD)
    #[arg(long, env = "CDC_SOURCE", hide_env_values = true)]
    pub source: Option<String>,
    /// Bound on every network wait, e.g. 5, 5s, 500ms.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub connect_timeout: Duration,
    /// Override platform detection: self-managed, rds, aurora, azure, cloud-sql.
    #[arg(long, value_parser = parse_platform)]
    pub platform: Option<Platform>,
}

impl SourceArgs {
    /// The source to use, from the flag, CDC_SOURCE or the MYSQL_* variables.
    pub fn config(&self) -> Result<SourceConfig> {
        let mut source = SourceConfig::resolve(self.source.as_deref(), |k| std::env::var(k).ok())
            .context("cannot use the source")?;
        source.connect_timeout = self.connect_timeout;
        Ok(source)
    }

    /// Whether any source was given at all (commands where the source is optional).
    pub fn given(&self) -> bool {
        self.source.as_deref().is_some_and(|s| !s.trim().is_empty())
            || std::env::var("MYSQL_HOST").is_ok_and(|h| !h.is_empty())
    }
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = s.strip_suffix('h') {
        (n, 3600.0)
    } else if let Some(n) = s.strip_suffix('d') {
        (n, 86400.0)
    } else if let Some(n) = s.strip_suffix('w') {
        (n, 7.0 * 86400.0)
    } else {
        (s, 1.0)
    };
    match num.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(Duration::from_secs_f64(v * scale)),
        _ => Err(format!(
            "{s:?} is not a duration like 5, 5s, 500ms, 2m, 24h, 3d or 1w"
        )),
    }
}

fn parse_platform(s: &str) -> Result<Platform, String> {
    Platform::parse(s)
        .ok_or_else(|| format!("{s:?} is not one of self-managed, rds, aurora, azure, cloud-sql"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86400)));
        assert_eq!(parse_duration("1w"), Ok(Duration::from_secs(604800)));
        assert!(parse_duration("-1").is_err());
        assert!(parse_duration("soon").is_err());
    }
}
