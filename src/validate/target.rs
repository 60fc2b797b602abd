//! The two engines a validation talks to, behind one small trait: run a query and get rows
//! of text, quote identifiers, set the session up so both sides print values alike.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::connection::secret::Secret;
use crate::connection::session::{ConnectError, Session};
use crate::connection::sql::{Rows, Sql, SqlError};
use crate::connection::url::{percent_decode, port_number, redacted_base, SourceConfig, UrlError};

use super::pg_tls::{self, PgSslMode};

/// Which SQL dialect a side speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// MySQL or MariaDB.
    MySql,
    PostgreSql,
}

impl Engine {
    /// `name` quoted as an identifier of this engine (string literals: `literal`).
    pub(crate) fn ident(self, name: &str) -> String {
        match self {
            Engine::MySql => format!("`{}`", name.replace('`', "``")),
            Engine::PostgreSql => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// `text` as a string literal of this engine.
    pub(crate) fn literal(self, text: &str) -> String {
        match self {
            Engine::MySql => crate::connection::sql::literal(text),
            Engine::PostgreSql => format!("'{}'", text.replace('\'', "''")),
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Engine::MySql => "MySQL/MariaDB",
            Engine::PostgreSql => "PostgreSQL",
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
            .map_err(|e| ConnectError::Other(cfg.scrub(&e.to_string())))?;
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

/// A PostgreSQL URL: `postgres://user:pass@host:port/db` (or `postgresql://`).
#[derive(Debug, Clone, PartialEq)]
pub struct PgConfig {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) user: String,
    pub(crate) password: Option<Secret>,
    pub(crate) database: Option<String>,
    pub(crate) connect_timeout: Duration,
    /// `?sslmode=` as libpq reads it (default prefer).
    pub(crate) ssl_mode: PgSslMode,
    /// `?sslrootcert=/path/ca.pem`.
    pub(crate) ssl_root_cert: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PgUrlError {
    #[error("PostgreSQL URL must start with postgres:// or postgresql://")]
    Scheme,
    #[error("PostgreSQL URL has no host")]
    NoHost,
    #[error("PostgreSQL URL port {0:?} is not a number from 1 to 65535")]
    Port(String),
    #[error("PostgreSQL URL has a bad percent-escape")]
    Escape,
    #[error("PostgreSQL URL parameter {0:?} is not supported (sslmode and sslrootcert are)")]
    Param(String),
    #[error(
        "PostgreSQL URL: sslmode={0} may not be used with sslrootcert=system (use verify-full)"
    )]
    WeakSystemRoots(&'static str),
    #[error("PostgreSQL URL sslmode={0:?} is not one of disable, allow, prefer, require, verify-ca, verify-full")]
    SslMode(String),
}

impl PgConfig {
    pub fn parse(url: &str) -> Result<PgConfig, PgUrlError> {
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .ok_or(PgUrlError::Scheme)?;
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            None => (String::new(), None),
            Some(u) => match u.split_once(':') {
                Some((n, p)) => (decode(n)?, Some(Secret::new(decode(p)?))),
                None => (decode(u)?, None),
            },
        };
        let (host, port) = match hostport.strip_prefix('[') {
            Some(r) => {
                let (h, after) = r.split_once(']').ok_or(PgUrlError::NoHost)?;
                let port = match after.strip_prefix(':') {
                    Some(p) => parse_port(p)?,
                    None if after.is_empty() => 5432,
                    None => return Err(PgUrlError::Port(after.to_string())),
                };
                (h.to_string(), port)
            }
            None => match hostport.rsplit_once(':') {
                Some((h, p)) => (decode(h)?, parse_port(p)?),
                None => (decode(hostport)?, 5432),
            },
        };
        if host.is_empty() {
            return Err(PgUrlError::NoHost);
        }
        let (mut ssl_mode, mut ssl_root_cert) = (None, None);
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = decode(v)?;
            match k {
                "sslmode" => {
                    ssl_mode = Some(PgSslMode::parse(&v).ok_or(PgUrlError::SslMode(v))?);
                }
                "sslrootcert" => ssl_root_cert = Some(PathBuf::from(v)),
                _ => return Err(PgUrlError::Param(k.to_string())),
            }
        }
        // As libpq 16: the public CAs only make sense with the host name checked.
        let system = ssl_root_cert.as_deref() == Some(Path::new(pg_tls::SYSTEM_ROOTS));
        let ssl_mode = match ssl_mode {
            None if system => PgSslMode::VerifyFull,
            Some(m) if system && m != PgSslMode::VerifyFull => {
                return Err(PgUrlError::WeakSystemRoots(m.name()))
            }
            m => m.unwrap_or_default(),
        };
        Ok(PgConfig {
            host,
            port,
            user,
            password,
            database: Some(decode(path)?).filter(|d| !d.is_empty()),
            connect_timeout: Duration::from_secs(5),
            ssl_mode,
            ssl_root_cert,
        })
    }

    /// The URL with the password replaced: the only form that is ever printed.
    pub(crate) fn redacted(&self) -> String {
        redacted_base(
            "postgres",
            &self.user,
            self.password.is_some(),
            &self.host,
            self.port,
            self.database.as_deref(),
        )
    }

    /// Removes the password from text that may have picked it up.
    pub(crate) fn scrub(&self, text: &str) -> String {
        match &self.password {
            Some(p) if !p.expose().is_empty() => text.replace(p.expose(), "***"),
            _ => text.to_string(),
        }
    }
}

impl fmt::Display for PgConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn parse_port(p: &str) -> Result<u16, PgUrlError> {
    port_number(p).ok_or_else(|| PgUrlError::Port(p.to_string()))
}

fn decode(s: &str) -> Result<String, PgUrlError> {
    percent_decode(s).ok_or(PgUrlError::Escape)
}

/// A PostgreSQL session set up for comparing: UTC, ISO dates, UTF-8.
pub(crate) struct PgDb(postgres::Client);

impl PgDb {
    pub fn open(cfg: &PgConfig) -> Result<PgDb, ConnectError> {
        log::debug!(
            "connecting to {} (sslmode {}, timeout {:?})",
            cfg.redacted(),
            cfg.ssl_mode.name(),
            cfg.connect_timeout
        );
        let mut pc = postgres::Config::new();
        pc.host(&cfg.host)
            .port(cfg.port)
            .user(if cfg.user.is_empty() {
                "postgres"
            } else {
                &cfg.user
            })
            .connect_timeout(cfg.connect_timeout)
            .application_name("cdc validate");
        if let Some(p) = &cfg.password {
            pc.password(p.expose());
        }
        if let Some(db) = &cfg.database {
            pc.dbname(db);
        }
        pc.ssl_mode(cfg.ssl_mode.driver_mode());
        let tls = if cfg.ssl_mode == PgSslMode::Disable {
            None
        } else {
            let home = std::env::var_os("HOME").map(PathBuf::from);
            let root = pg_tls::root_cert_path(cfg.ssl_root_cert.as_deref(), home.as_deref());
            Some(
                pg_tls::client_config(cfg.ssl_mode, root.as_deref())
                    .map_err(|e| ConnectError::Tls(e.to_string()))?,
            )
        };
        // The driver bounds the TCP connect only: a port that accepts and then says nothing
        // would hold the TLS handshake or the startup forever. The whole connect gets the
        // timeout; a connect given up on is left to end with the process.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(match tls {
                None => pc.connect(postgres::NoTls),
                Some(c) => pc.connect(tokio_postgres_rustls::MakeRustlsConnect::new(c)),
            });
        });
        let addr = format!("{}:{}", cfg.host, cfg.port);
        let connected = rx
            .recv_timeout(cfg.connect_timeout)
            .map_err(|_| ConnectError::Tcp {
                addr: addr.clone(),
                reason: format!(
                    "no PostgreSQL answer within {} s (sslmode={})",
                    cfg.connect_timeout.as_secs_f32(),
                    cfg.ssl_mode.name()
                ),
            })?;
        let mut client = connected.map_err(|e| {
            let text = cfg.scrub(&pg_error_chain(&e));
            if e.as_db_error().is_some() {
                ConnectError::Auth(SqlError::new(None, text))
            } else if text.contains("TLS") || text.contains("certificate") {
                ConnectError::Tls(format!(
                    "{text} (sslmode={} to {}:{})",
                    cfg.ssl_mode.name(),
                    cfg.host,
                    cfg.port
                ))
            } else {
                ConnectError::Tcp { addr, reason: text }
            }
        })?;
        client
            .batch_execute(
                "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET client_encoding = 'UTF8'; \
                 SET extra_float_digits = 0",
            )
            .map_err(|e| ConnectError::Other(cfg.scrub(&e.to_string())))?;
        Ok(PgDb(client))
    }
}

impl Db for PgDb {
    fn engine(&self) -> Engine {
        Engine::PostgreSql
    }

    fn query(&mut self, sql: &str) -> Result<Rows, SqlError> {
        log::debug!("postgres sql: {sql}");
        let messages = self.0.simple_query(sql).map_err(|e| {
            let e = SqlError::new(None, pg_error_text(&e));
            log::debug!("postgres sql failed: {e}");
            e
        })?;
        let mut out = Rows::default();
        for m in messages {
            match m {
                postgres::SimpleQueryMessage::RowDescription(cols) if out.columns.is_empty() => {
                    out.columns = cols.iter().map(|c| c.name().to_string()).collect();
                }
                postgres::SimpleQueryMessage::Row(row) => {
                    if out.columns.is_empty() {
                        out.columns = row.columns().iter().map(|c| c.name().to_string()).collect();
                    }
                    out.rows.push(
                        (0..row.len())
                            .map(|i| row.get(i).map(str::to_string))
                            .collect(),
                    );
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

/// The driver's message with its causes ("error performing TLS handshake" alone says
/// nothing of the certificate it refused).
fn pg_error_chain(e: &postgres::Error) -> String {
    let mut text = pg_error_text(e);
    if e.as_db_error().is_some() {
        return text;
    }
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

fn pg_error_text(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
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
}

/// Where the target is: a MySQL/MariaDB or a PostgreSQL URL.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetConfig {
    MySql(SourceConfig),
    Postgres(PgConfig),
}

impl TargetConfig {
    /// Parses by scheme: mysql:// / mariadb:// or postgres:// / postgresql://.
    pub fn parse(url: &str) -> Result<TargetConfig, TargetUrlError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            PgConfig::parse(url)
                .map(TargetConfig::Postgres)
                .map_err(TargetUrlError::Postgres)
        } else {
            SourceConfig::parse(url)
                .map(TargetConfig::MySql)
                .map_err(TargetUrlError::MySql)
        }
    }

    pub(crate) fn set_connect_timeout(&mut self, t: Duration) {
        match self {
            TargetConfig::MySql(c) => c.connect_timeout = t,
            TargetConfig::Postgres(c) => c.connect_timeout = t,
        }
    }

    pub(crate) fn redacted(&self) -> String {
        match self {
            TargetConfig::MySql(c) => c.redacted(),
            TargetConfig::Postgres(c) => c.redacted(),
        }
    }

    pub(crate) fn scrub(&self, text: &str) -> String {
        match self {
            TargetConfig::MySql(c) => c.scrub(text),
            TargetConfig::Postgres(c) => c.scrub(text),
        }
    }

    /// A new session; errors never carry the password.
    pub fn open(&self) -> Result<Box<dyn Db>, ConnectError> {
        Ok(match self {
            TargetConfig::MySql(c) => Box::new(MySqlDb::open(c)?),
            TargetConfig::Postgres(c) => Box::new(PgDb::open(c)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_parse_and_never_show_the_password() {
        let c = PgConfig::parse("postgresql://loader:s%40cret@pg.example.com:6543/lake").unwrap();
        assert_eq!(c.host, "pg.example.com");
        assert_eq!(c.port, 6543);
        assert_eq!(c.user, "loader");
        assert_eq!(c.password.as_ref().unwrap().expose(), "s@cret");
        assert_eq!(c.database.as_deref(), Some("lake"));
        let shown = format!("{c} {c:?} {}", c.redacted());
        assert!(
            !shown.contains("s@cret") && !shown.contains("s%40cret"),
            "{shown}"
        );
        assert_eq!(
            c.redacted(),
            "postgres://loader:***@pg.example.com:6543/lake"
        );
        assert_eq!(c.scrub("password s@cret rejected"), "password *** rejected");
        let d = PgConfig::parse("postgres://u@[::1]").unwrap();
        assert_eq!((d.host.as_str(), d.port), ("::1", 5432));
        assert_eq!(d.redacted(), "postgres://u@[::1]:5432");
    }

    #[test]
    fn bad_postgres_urls_say_why() {
        assert_eq!(PgConfig::parse("mysql://x@h"), Err(PgUrlError::Scheme));
        assert_eq!(
            PgConfig::parse("postgres://u@h:0/db"),
            Err(PgUrlError::Port("0".into()))
        );
        assert_eq!(
            PgConfig::parse("postgres://u@h/db?sslmode=verify_full"),
            Err(PgUrlError::SslMode("verify_full".into()))
        );
        assert_eq!(
            PgConfig::parse("postgres://u@h/db?sslcert=/c.pem"),
            Err(PgUrlError::Param("sslcert".into()))
        );
    }

    #[test]
    fn postgres_urls_carry_libpq_tls_settings() {
        let c = PgConfig::parse("postgres://u@h/db").unwrap();
        assert_eq!((c.ssl_mode, c.ssl_root_cert), (PgSslMode::Prefer, None));
        let c =
            PgConfig::parse("postgres://u@h/db?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem")
                .unwrap();
        assert_eq!(c.ssl_mode, PgSslMode::VerifyFull);
        assert_eq!(c.ssl_root_cert, Some(PathBuf::from("/etc/ca.pem")));
        let c = PgConfig::parse("postgres://u@h/db?sslmode=disable").unwrap();
        assert_eq!(c.ssl_mode, PgSslMode::Disable);
        let c = PgConfig::parse("postgres://u@h/db?sslrootcert=system").unwrap();
        assert_eq!(c.ssl_mode, PgSslMode::VerifyFull);
        assert_eq!(
            PgConfig::parse("postgres://u@h/db?sslrootcert=system&sslmode=require"),
            Err(PgUrlError::WeakSystemRoots("require"))
        );
    }

    #[test]
    fn targets_pick_the_engine_by_scheme() {
        let t = TargetConfig::parse("postgres://u:pw@h/db").unwrap();
        assert!(matches!(t, TargetConfig::Postgres(_)));
        assert_eq!(t.redacted(), "postgres://u:***@h:5432/db");
        let t = TargetConfig::parse("mysql://u:pw@h:3307").unwrap();
        assert!(matches!(t, TargetConfig::MySql(_)));
        assert_eq!(t.redacted(), "mysql://u:***@h:3307");
        let e = TargetConfig::parse("oracle://h").unwrap_err();
        assert_eq!(e, TargetUrlError::MySql(UrlError::Scheme));
        assert_eq!(
            e.to_string(),
            "target URL must start with mysql:// (or mariadb://)"
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(Engine::MySql.ident("we`ird"), "`we``ird`");
        assert_eq!(Engine::PostgreSql.ident("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(Engine::MySql.literal("it's \\"), "'it''s \\\\'");
        assert_eq!(Engine::PostgreSql.literal("it's \\"), "'it''s \\'");
    }
}
