//! `cdc doctor`: preflight checks of a CDC source.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result};

use crate::checks::context::{Link, RunOptions};
use crate::checks::load::Catalogue;
use crate::checks::profile::Profile;
use crate::checks::result::Report;
use crate::checks::run::inspect;
use crate::checks::scope::TableScope;
use crate::connection::server::Platform;
use crate::connection::session::{self, ConnectError, Session};
use crate::connection::sql::Sql;
use crate::connection::tls::SslMode;
use crate::connection::url::SourceConfig;
use crate::report::{self, Format};

use super::output;

#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Source URL: mysql://user:pass@host:port[/db]?ssl-mode=...&ssl-ca=...
    /// (else CDC_SOURCE, else MYSQL_HOST/MYSQL_PORT/MYSQL_USER; password also from MYSQL_PWD)
    #[arg(long, env = "CDC_SOURCE", hide_env_values = true)]
    pub source: Option<String>,
    /// Bound on every network wait, e.g. 5, 5s, 500ms.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub connect_timeout: Duration,
    /// Whose requirements to check against.
    #[arg(long, value_enum, default_value_t = Profile::Generic)]
    pub profile: Profile,
    /// Tables the pipeline captures: db.t,db.*,*.* (default: every non-system schema).
    #[arg(long)]
    pub tables: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub strict: bool,
    /// Print the check catalogue and exit.
    #[arg(long)]
    pub list: bool,
    /// More check files; a check with a built-in's id replaces it.
    #[arg(long, value_name = "DIR")]
    pub checks_dir: Option<PathBuf>,
    /// A connector's stored binlog position to look for (position.available).
    #[arg(long, value_name = "FILE:POS", conflicts_with = "gtid_set")]
    pub position: Option<String>,
    /// A connector's stored GTID set to look for (position.available).
    #[arg(long, value_name = "SET")]
    pub gtid_set: Option<String>,
    /// Override platform detection: self-managed, rds, aurora, azure, cloud-sql.
    #[arg(long, value_parser = parse_platform)]
    pub platform: Option<Platform>,
}

pub fn run(args: &DoctorArgs) -> Result<ExitCode> {
    let catalogue = Catalogue::load(args.checks_dir.as_deref()).context("invalid check file")?;
    let color = report::color_wanted(std::io::stdout().is_terminal());
    if args.list {
        output::print(&report::catalogue::render_catalogue(
            &catalogue.specs,
            color,
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut source = SourceConfig::resolve(args.source.as_deref(), |k| std::env::var(k).ok())
        .context("cannot use the source")?;
    source.connect_timeout = args.connect_timeout;
    let tables = match &args.tables {
        Some(t) => TableScope::parse(t)
            .map_err(anyhow::Error::msg)
            .context("--tables")?,
        None => TableScope::default(),
    };
    let options = RunOptions {
        profile: args.profile,
        tables,
        position: args.position.clone(),
        gtid_set: args.gtid_set.clone(),
        ..RunOptions::default()
    };
    let report = diagnose(&catalogue, &source, &options, args.platform);
    output::print(&report::render(&report, args.format, color))?;
    Ok(if report.has_problem(args.strict) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Connects, gathers what every check shares, runs the catalogue. Never fails: what went
/// wrong on the way is what connect.* report.
pub fn diagnose(
    catalogue: &Catalogue,
    source: &SourceConfig,
    options: &RunOptions,
    platform: Option<Platform>,
) -> Report {
    let tcp = session::probe_tcp(source);
    let mut session = None;
    let login = tcp.as_ref().ok().map(|_| {
        Session::open(source).map(|s| {
            let tls = s.tls.clone();
            session = Some(s);
            tls
        })
    });
    let plain_refused = matches!(&login, Some(Err(ConnectError::Auth(e))) if e.code == Some(1045))
        && session.is_none();
    let tls_required = plain_refused
        && matches!(source.ssl_mode, SslMode::Disabled | SslMode::Preferred)
        && session::refused_only_without_tls(source);
    // Looked up again only once TCP worked: an unresolvable host then costs one timeout, not two.
    let addresses = match &tcp {
        Ok(_) => session::resolve(&source.host, source.port, source.connect_timeout)
            .map(|addrs| addrs.iter().map(|a| a.ip()).collect())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let link = Link {
        endpoint: format!("{}:{}", source.host, source.port),
        addresses,
        loopback: is_loopback(&source.host),
        ssl_mode: source.ssl_mode,
        tcp,
        login,
        tls_required,
    };
    let sql = session.as_mut().map(|s| s as &mut dyn Sql);
    let mut report = inspect(
        catalogue,
        source.redacted(),
        &source.host,
        link,
        sql,
        options,
        platform,
    );
    // Server messages can echo what the user typed; the password never leaves this process.
    for r in &mut report.checks {
        r.observed = source.scrub(&r.observed);
        r.message = source.scrub(&r.message);
    }
    report
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else {
        (s, 1.0)
    };
    match num.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(Duration::from_secs_f64(v * scale)),
        _ => Err(format!("{s:?} is not a duration like 5, 5s, 500ms or 2m")),
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
        assert!(parse_duration("-1").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("::1"));
        assert!(is_loopback("localhost"));
        assert!(!is_loopback("db.example.com"));
    }
}
