//! One look at a running pipeline: is the source up, the watched tables' row counts on both
//! sides, the end-to-end lag from a heartbeat row, and the checks (with the stored position's
//! standing when an offset source is set). Shared by `cdc monitor` and the tail's pipeline
//! panel; it keeps its sessions between samples and reopens those that broke.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::connector_settings::ConnectorSettings;
use super::heartbeat::{E2eLag, Heartbeat};
use super::source::{OffsetSource, Pipeline};
use super::table_rows::{count_all, Side, TablePair, TableRows};
use crate::checks::catalogue::Catalogue;
use crate::checks::context::{Link, RunOptions};
use crate::checks::profile::Profile;
use crate::checks::result::{CheckResult, PositionFacts, Status};
use crate::checks::run::{connect, inspect};
use crate::checks::scope::TableScope;
use crate::connection::mysql_url::SourceConfig;
use crate::connection::server::Platform;
use crate::connection::session::Session;
use crate::connection::sql::Sql;
use crate::tables::TablePatterns;
use crate::validate::crud::counts::live_predicate;
use crate::validate::crud::DeleteMode;
use crate::validate::target::{Db, Reconnecting, TargetConfig};

/// What one sample saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// When the sample started.
    pub taken: SystemTime,
    pub source_up: bool,
    /// Why the source is not up (already free of the password).
    pub source_error: Option<String>,
    pub tables: Vec<TableRows>,
    pub e2e_lag: E2eLag,
    /// The engine's results for this source; position.available carries the stored
    /// position's facts when an offset source is set.
    pub checks: Vec<CheckResult>,
    /// Why the offset source could not be read this time (position.available is then ERROR).
    pub offset_error: Option<String>,
    /// What the offset source held, in one line ("binlog.000003:1234 (debezium)").
    pub stored: Option<String>,
}

impl Sample {
    /// The stored position's standing (bytes and seconds behind, horizon), when measured.
    pub fn position(&self) -> Option<&PositionFacts> {
        self.checks.iter().find_map(|c| c.position.as_ref())
    }
}

/// What to watch and how.
#[derive(Debug, Clone)]
pub struct SamplerConfig {
    /// Its connect timeout bounds every network wait of a sample.
    pub source: SourceConfig,
    pub target: Option<TargetConfig>,
    /// Tables whose rows are counted on both sides.
    pub tables: Vec<TablePair>,
    /// The canary table on the source and its name on the target (heartbeats).
    pub canary: Option<TablePair>,
    pub offset: Option<OffsetSource>,
    /// Write heartbeats (else only read those another writer, such as a tail, wrote).
    pub heartbeat: bool,
    /// How long a sample waits for its heartbeat to reach the target.
    pub heartbeat_wait: Duration,
    /// How the target shows deleted rows: soft-deleted ones are not counted.
    pub delete_mode: DeleteMode,
    pub profile: Profile,
    pub platform: Option<Platform>,
    /// More check files, as doctor's --checks-dir.
    pub checks_dir: Option<PathBuf>,
    /// Run only these checks (and what they require); None runs the whole catalogue.
    pub only_checks: Option<Vec<String>>,
}

impl SamplerConfig {
    /// Watch `source` alone, with the defaults: heartbeats on, a 2 s wait for them.
    pub fn new(source: SourceConfig) -> SamplerConfig {
        SamplerConfig {
            source,
            target: None,
            tables: Vec::new(),
            canary: None,
            offset: None,
            heartbeat: true,
            heartbeat_wait: Duration::from_secs(2),
            delete_mode: DeleteMode::Hard,
            profile: Profile::Generic,
            platform: None,
            checks_dir: None,
            only_checks: None,
        }
    }
}

/// Why a sampler could not be made (a bad --checks-dir).
#[derive(Debug, thiserror::Error)]
#[error("invalid check file: {0}")]
pub struct SamplerError(String);

/// Takes samples; never panics, and a side that went away is reopened at a later sample.
pub struct Sampler {
    config: SamplerConfig,
    catalogue: Catalogue,
    /// The checks' read-only session, with how it was reached.
    checks: Option<(Link, Session)>,
    /// The source session that counts rows and writes heartbeats.
    writer: Reconnecting,
    target: Option<Reconnecting>,
    heartbeat: Option<Heartbeat>,
    /// The watched tables as check scope (primary keys, engines judged for them).
    scope: Option<TablePatterns>,
}

impl Sampler {
    pub fn new(config: SamplerConfig) -> Result<Sampler, SamplerError> {
        let mut catalogue = Catalogue::load(config.checks_dir.as_deref())
            .map_err(|e| SamplerError(e.to_string()))?;
        if let Some(ids) = &config.only_checks {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            catalogue = catalogue.only(&ids);
        }
        let names: Vec<String> = config.tables.iter().map(|p| p.source.to_string()).collect();
        let scope = if names.is_empty() {
            None
        } else {
            TablePatterns::parse(&names).ok()
        };
        let heartbeat = config.canary.as_ref().map(|c| {
            Heartbeat::new(
                c.source.clone(),
                c.target.clone(),
                config.heartbeat,
                config.heartbeat_wait,
            )
        });
        Ok(Sampler {
            writer: Reconnecting::lazy(TargetConfig::MySql(config.source.clone()), "source"),
            target: config
                .target
                .clone()
                .map(|t| Reconnecting::lazy(t, "target")),
            catalogue,
            checks: None,
            heartbeat,
            scope,
            config,
        })
    }

    pub fn config(&self) -> &SamplerConfig {
        &self.config
    }

    pub fn sample(&mut self) -> Sample {
        let taken = SystemTime::now();
        let (link, source_error) = self.reach_source();
        let source_up = source_error.is_none();
        let (pipeline, offset_error) = self.read_offset();
        let options = self.options(pipeline.as_ref());
        let stored = pipeline.as_ref().map(|p| p.offset.describe());
        let source = &self.config.source;
        let sql = self.checks.as_mut().map(|(_, s)| s as &mut dyn Sql);
        let mut checks = inspect(
            &self.catalogue,
            source.redacted(),
            &source.host,
            link,
            sql,
            &options,
            self.config.platform,
        )
        .checks;
        if let Some(e) = &offset_error {
            unreadable_offset(&mut checks, e);
        }

        let live = self
            .target
            .as_ref()
            .and_then(|t| live_predicate(t.engine(), &self.config.delete_mode));
        let needs_writer =
            !self.config.tables.is_empty() || self.heartbeat.as_ref().is_some_and(|h| h.write);
        let mut source_side = match (&source_error, needs_writer) {
            (_, false) => Side::None,
            (Some(why), true) => Side::Down(format!("source: {why}")),
            (None, true) => up(&mut self.writer, "source"),
        };
        let mut target_side = match &mut self.target {
            Some(t) => up(t, "target"),
            None => Side::None,
        };
        let tables = count_all(
            &self.config.tables,
            reborrow(&mut source_side),
            reborrow(&mut target_side),
            live.as_deref(),
        );
        let e2e_lag = match (&mut self.heartbeat, target_side) {
            (_, Side::None) => E2eLag::Unavailable("no target given".into()),
            (None, _) => E2eLag::Unavailable(
                "no canary table given: name one (db.cdc_canary), or a database in the source URL"
                    .into(),
            ),
            (Some(_), Side::Down(why)) => E2eLag::Unavailable(why),
            (Some(h), Side::Up(target)) => {
                let source = match source_side {
                    Side::Up(db) => Some(db),
                    _ => None,
                };
                h.measure(source, target)
            }
        };
        Sample {
            taken,
            source_up,
            source_error,
            tables,
            e2e_lag,
            checks,
            offset_error,
            stored,
        }
    }

    /// The checks' session, reopened when it broke; the link to report and why the source
    /// is not up (None when it is).
    fn reach_source(&mut self) -> (Link, Option<String>) {
        if let Some((_, session)) = &mut self.checks {
            if session.query("SELECT 1").is_err_and(|e| e.connection_lost) {
                self.checks = None;
            }
        }
        if let Some((link, _)) = &self.checks {
            return (link.clone(), None);
        }
        let (link, session) = connect(&self.config.source);
        match session {
            Some(s) => {
                self.checks = Some((link.clone(), s));
                (link, None)
            }
            None => {
                let why = link_error(&link);
                (link, Some(why))
            }
        }
    }

    fn read_offset(&self) -> (Option<Pipeline>, Option<String>) {
        match &self.config.offset {
            None => (None, None),
            Some(o) => match o.read(self.config.source.connect_timeout) {
                Ok(p) => (Some(p), None),
                Err(e) => (None, Some(e.to_string())),
            },
        }
    }

    /// The run options doctor would use for this offset (its connector's server id and
    /// tables included).
    fn options(&self, pipeline: Option<&Pipeline>) -> RunOptions {
        let connector = pipeline.and_then(|p| p.connector.as_ref());
        let settings = connector.map(ConnectorSettings::of).unwrap_or_default();
        for note in &settings.notes {
            log::debug!("{note}");
        }
        let offset = pipeline.map(|p| &p.offset);
        RunOptions {
            profile: self.config.profile,
            tables: TableScope {
                patterns: self.scope.clone().or(settings.tables).unwrap_or_default(),
            },
            position: offset.and_then(|o| o.position.clone()),
            gtid_set: offset.and_then(|o| o.gtids.clone()),
            server_id: settings.server_id,
            offset: offset.cloned(),
            binlog_source: offset.map(|_| self.config.source.clone()),
            connector: connector.cloned(),
            ..RunOptions::default()
        }
    }
}

/// A side's session when it answers, else why not.
fn up<'a>(db: &'a mut Reconnecting, role: &str) -> Side<'a> {
    match db.query("SELECT 1") {
        Ok(_) => Side::Up(db),
        Err(e) => Side::Down(format!("{role}: {e}")),
    }
}

/// The side again, for one more use, leaving the original in place.
fn reborrow<'b>(side: &'b mut Side<'_>) -> Side<'b> {
    match side {
        Side::Up(db) => Side::Up(&mut **db),
        Side::Down(why) => Side::Down(why.clone()),
        Side::None => Side::None,
    }
}

/// What stopped the connection (the first step that failed).
fn link_error(link: &Link) -> String {
    match (&link.tcp, &link.login) {
        (Err(e), _) => e.to_string(),
        (Ok(_), Some(Err(e))) => e.to_string(),
        (Ok(_), None) => "the login was not attempted".into(),
        (Ok(_), Some(Ok(_))) => "the session could not be kept".into(),
    }
}

/// An offset source that could not be read is no skipped check: position.available says so.
fn unreadable_offset(checks: &mut [CheckResult], why: &str) {
    if let Some(c) = checks.iter_mut().find(|c| c.id == "position.available") {
        c.status = Status::Error;
        c.message = format!("cannot read the pipeline's stored position: {why}");
        c.position = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_source_is_a_sample_saying_so_not_a_panic() {
        // A port nothing listens on: the sample is still whole.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let source = SourceConfig::parse(&format!("mysql://u:S4mpler-pw@127.0.0.1:{port}/shop"))
            .unwrap()
            .with_connect_timeout(Duration::from_millis(500));
        let mut config = SamplerConfig::new(source);
        config.tables = vec!["shop.orders".parse().unwrap()];
        config.canary = Some("shop.cdc_canary".parse().unwrap());
        config.target =
            Some(TargetConfig::parse(&format!("mysql://t:T4rget-pw@127.0.0.1:{port}")).unwrap());
        let mut sampler = Sampler::new(config).unwrap();
        for _ in 0..2 {
            let s = sampler.sample();
            assert!(!s.source_up);
            let why = s.source_error.clone().unwrap();
            assert!(why.contains(&format!("127.0.0.1:{port}")), "{why}");
            assert_eq!(s.tables.len(), 1);
            assert_eq!((s.tables[0].source, s.tables[0].target), (None, None));
            let said = s.tables[0].error.clone().unwrap();
            assert!(
                said.contains("source:") && said.contains("target:"),
                "{said}"
            );
            assert!(matches!(&s.e2e_lag, E2eLag::Unavailable(w) if w.starts_with("target:")));
            let tcp = s.checks.iter().find(|c| c.id == "connect.tcp").unwrap();
            assert_eq!(tcp.status, Status::Fail);
            let all = format!("{s:?}");
            assert!(
                !all.contains("S4mpler-pw") && !all.contains("T4rget-pw"),
                "{all}"
            );
        }
    }

    #[test]
    fn an_unreadable_offset_makes_position_available_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let source = SourceConfig::parse("mysql://u@127.0.0.1:1")
            .unwrap()
            .with_connect_timeout(Duration::from_millis(200));
        let mut config = SamplerConfig::new(source);
        config.offset = Some(OffsetSource::File(dir.path().join("gone.json")));
        let mut sampler = Sampler::new(config).unwrap();
        let s = sampler.sample();
        let why = s.offset_error.clone().unwrap();
        assert!(why.contains("gone.json"), "{why}");
        let c = s
            .checks
            .iter()
            .find(|c| c.id == "position.available")
            .unwrap();
        assert_eq!(c.status, Status::Error);
        assert!(c.message.contains("gone.json"), "{}", c.message);
        assert!(s.position().is_none());
        assert_eq!(
            s.e2e_lag,
            E2eLag::Unavailable("no target given".into()),
            "no target, no lag"
        );
    }
}
