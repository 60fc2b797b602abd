//! The two engines a validation talks to, behind one small trait: run a query and get rows
//! of text, quote identifiers, set the session up so both sides print values alike.

use std::time::Duration;

use crate::connection::error::ConnectError;
use crate::connection::mysql_url::{SourceConfig, UrlError};
use crate::connection::postgres::session::PgSession;
use crate::connection::postgres::url::{PgConfig, PgUrlError};
use crate::connection::session::Session;
use crate::connection::sql::{Rows, Sql, SqlError};

/// Which SQL dialect a side speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// MySQL or MariaDB.
    MySql,
    PostgreSql,
    /// Delta Lake and Iceberg tables, queried with DataFusion.
    DataFusion,
}

impl Engine {
    /// `name` quoted as an identifier of this engine (string literals: `literal`).
    pub(crate) fn ident(self, name: &str) -> String {
        match self {
            Engine::MySql => format!("`{}`", name.replace('`', "``")),
            Engine::PostgreSql | Engine::DataFusion => {
                format!("\"{}\"", name.replace('"', "\"\""))
            }
        }
    }

    /// `text` as a string literal of this engine.
    pub(crate) fn literal(self, text: &str) -> String {
        match self {
            Engine::MySql => crate::connection::sql::literal(text),
            Engine::PostgreSql | Engine::DataFusion => format!("'{}'", text.replace('\'', "''")),
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Engine::MySql => "MySQL/MariaDB",
            Engine::PostgreSql => "PostgreSQL",
            Engine::DataFusion => "Delta Lake/Iceberg",
        }
    }
}

/// One side of a comparison: a session on one engine.
pub trait Db: Send {
    fn engine(&self) -> Engine;
    /// Runs `sql`; every value comes back as text, NULL as None.
    fn query(&mut self, sql: &str) -> Result<Rows, SqlError>;
}

/// A MySQL/MariaDB session set up for comparing: UTC, utf8mb4.
pub struct MySqlDb(Session);

impl MySqlDb {
    pub fn open(cfg: &SourceConfig) -> Result<MySqlDb, ConnectError> {
        let mut session = Session::open(cfg)?;
        // Session settings only: TIMESTAMP values print in UTC, strings hash as utf8mb4
        // bytes, and a long statement is not cut off by the server's defaults.
        session
            .query("SET NAMES utf8mb4, time_zone = '+00:00'")
            .map_err(ConnectError::Setup)?;
        Ok(MySqlDb(session))
    }
}

impl Db for MySqlDb {
    fn engine(&self) -> Engine {
        Engine::MySql
    }

    fn query(&mut self, sql: &str) -> Result<Rows, SqlError> {
        self.0.query(sql)
    }
}

/// A PostgreSQL session set up for comparing: UTC, ISO dates, UTF-8.
pub(crate) struct PgDb(PgSession);

impl PgDb {
    pub fn open(cfg: &PgConfig) -> Result<PgDb, ConnectError> {
        let mut session = PgSession::open(cfg)?;
        session
            .query(
                "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET client_encoding = 'UTF8'; \
                 SET extra_float_digits = 0",
            )
            .map_err(ConnectError::Setup)?;
        Ok(PgDb(session))
    }
}

impl Db for PgDb {
    fn engine(&self) -> Engine {
        Engine::PostgreSql
    }

    fn query(&mut self, sql: &str) -> Result<Rows, SqlError> {
        self.0.query(sql)
    }
}

/// Why a `--target` URL is refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TargetUrlError {
    #[error(transparent)]
    Postgres(PgUrlError),
    /// The source URL's rules, told as the target's.
    #[error("{}", .0.to_string().replace("source URL", "target URL"))]
    MySql(UrlError),
    /// A scheme no target kind has: say every kind there is.
    #[error("target URL must start with mysql:// (or mariadb://), postgres:// (or postgresql://), kafka://, delta:// (delta+s3://, delta+az://, delta+gs://), iceberg+sql:// or iceberg+rest://; {scheme}:// is not a target cdc validate reads yet")]
    Scheme { scheme: String },
    #[cfg(feature = "lakehouse")]
    #[error(transparent)]
    Lake(crate::lakehouse::LakeUrlError),
    /// A lakehouse URL given to a build without the lakehouse feature.
    #[error("this cdc was built without Delta Lake and Iceberg targets (cargo feature lakehouse): {scheme}:// cannot be read")]
    NoLakehouse { scheme: String },
}

/// Whether `url` names a Delta Lake or Iceberg target (whether or not this build reads them).
pub(crate) fn is_lakehouse(url: &str) -> bool {
    let u = url.trim_start();
    ["delta://", "delta+", "iceberg+"]
        .iter()
        .any(|p| u.starts_with(p))
}

/// Where the target is: a MySQL/MariaDB or a PostgreSQL URL.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetConfig {
    MySql(SourceConfig),
    Postgres(PgConfig),
    /// Delta Lake or Iceberg tables.
    #[cfg(feature = "lakehouse")]
    Lake(crate::lakehouse::LakeUrl),
}

impl TargetConfig {
    /// Parses by scheme: mysql:// / mariadb:// or postgres:// / postgresql://.
    pub fn parse(url: &str) -> Result<TargetConfig, TargetUrlError> {
        let url = url.trim();
        if is_lakehouse(url) {
            #[cfg(feature = "lakehouse")]
            return crate::lakehouse::LakeUrl::parse(url)
                .map(TargetConfig::Lake)
                .map_err(TargetUrlError::Lake);
            #[cfg(not(feature = "lakehouse"))]
            return Err(TargetUrlError::NoLakehouse {
                scheme: url.split("://").next().unwrap_or(url).to_string(),
            });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            PgConfig::parse(url)
                .map(TargetConfig::Postgres)
                .map_err(TargetUrlError::Postgres)
        } else {
            SourceConfig::parse(url)
                .map(TargetConfig::MySql)
                .map_err(|e| match (e, url.split_once("://")) {
                    // Only a real scheme is quoted back: text before "://" that is not one
                    // may be part of a password.
                    (UrlError::Scheme, Some((scheme, _)))
                        if !scheme.is_empty()
                            && scheme
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
                    {
                        TargetUrlError::Scheme {
                            scheme: scheme.to_string(),
                        }
                    }
                    (e, _) => TargetUrlError::MySql(e),
                })
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            TargetConfig::MySql(_) => Engine::MySql,
            TargetConfig::Postgres(_) => Engine::PostgreSql,
            #[cfg(feature = "lakehouse")]
            TargetConfig::Lake(_) => Engine::DataFusion,
        }
    }

    pub(crate) fn set_connect_timeout(&mut self, t: Duration) {
        match self {
            TargetConfig::MySql(c) => c.connect_timeout = t,
            TargetConfig::Postgres(c) => c.connect_timeout = t,
            // Object stores and catalogs keep their clients' own timeouts.
            #[cfg(feature = "lakehouse")]
            TargetConfig::Lake(_) => {}
        }
    }

    pub(crate) fn redacted(&self) -> String {
        match self {
            TargetConfig::MySql(c) => c.redacted(),
            TargetConfig::Postgres(c) => c.redacted(),
            #[cfg(feature = "lakehouse")]
            TargetConfig::Lake(u) => u.redacted(),
        }
    }

    /// A new session; errors never carry the password.
    pub fn open(&self) -> Result<Box<dyn Db>, ConnectError> {
        Ok(match self {
            TargetConfig::MySql(c) => Box::new(MySqlDb::open(c)?),
            TargetConfig::Postgres(c) => Box::new(PgDb::open(c)?),
            #[cfg(feature = "lakehouse")]
            TargetConfig::Lake(u) => Box::new(crate::lakehouse::LakeDb::open(u)?),
        })
    }
}

/// A target session that reopens itself after the connection was lost: a target restarted
/// while a canary step waits is asked again once it is back, instead of the step timing out
/// and blaming the pipeline for a row that arrived.
pub struct Reconnecting {
    cfg: TargetConfig,
    engine: Engine,
    db: Option<Box<dyn Db>>,
    /// "target" or "source": which side a failed reconnection names.
    side: &'static str,
}

impl Reconnecting {
    pub fn new(cfg: TargetConfig, db: Box<dyn Db>) -> Reconnecting {
        Reconnecting {
            engine: db.engine(),
            cfg,
            db: Some(db),
            side: "target",
        }
    }

    /// A session opened at its first query: for a side that may be down when the caller
    /// starts and must not stop it (the pipeline sampler).
    pub fn lazy(cfg: TargetConfig, side: &'static str) -> Reconnecting {
        Reconnecting {
            engine: cfg.engine(),
            cfg,
            db: None,
            side,
        }
    }
}

impl Db for Reconnecting {
    fn engine(&self) -> Engine {
        self.engine
    }

    fn query(&mut self, sql: &str) -> Result<Rows, SqlError> {
        let db = match &mut self.db {
            Some(db) => db,
            None => {
                let opened = self.cfg.open().map_err(|e| {
                    SqlError::lost(
                        crate::connection::redact::Redactor::default()
                            .redact(&format!("connecting to the {}: {e}", self.side)),
                    )
                })?;
                log::debug!("connected to the {} {}", self.side, self.cfg.redacted());
                self.db.insert(opened)
            }
        };
        let result = db.query(sql);
        if result.as_ref().is_err_and(|e| e.connection_lost) {
            self.db = None;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_pick_the_engine_by_scheme() {
        let t = TargetConfig::parse("postgres://u:pw@h/db").unwrap();
        assert!(matches!(t, TargetConfig::Postgres(_)));
        assert_eq!(t.redacted(), "postgres://u:***@h:5432/db");
        let t = TargetConfig::parse("mysql://u:pw@h:3307").unwrap();
        assert!(matches!(t, TargetConfig::MySql(_)));
        assert_eq!(t.redacted(), "mysql://u:***@h:3307");
        let e = TargetConfig::parse("redis://cache:6379").unwrap_err();
        assert_eq!(
            e.to_string(),
            "target URL must start with mysql:// (or mariadb://), postgres:// (or postgresql://), \
             kafka://, delta:// (delta+s3://, delta+az://, delta+gs://), iceberg+sql:// or \
             iceberg+rest://; redis:// is not a target cdc validate reads yet"
        );
        let e = TargetConfig::parse("just-a-host").unwrap_err();
        assert_eq!(e, TargetUrlError::MySql(UrlError::Scheme));
        // No scheme, a password holding "://": nothing of it is quoted back.
        let e = TargetConfig::parse("u:se://cret@h").unwrap_err();
        assert!(!e.to_string().contains("se"), "{e}");
    }

    #[test]
    fn quoting() {
        assert_eq!(Engine::MySql.ident("we`ird"), "`we``ird`");
        assert_eq!(Engine::PostgreSql.ident("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(Engine::MySql.literal("it's \\"), "'it''s \\\\'");
        assert_eq!(Engine::PostgreSql.literal("it's \\"), "'it''s \\'");
    }
}
