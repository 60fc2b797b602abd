//! Opening a MySQL/MariaDB session with every network wait bounded by the connect timeout.
//! What a session and its connect attempt say is redacted here, where it is made.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use mysql::{Conn, DriverError, OptsBuilder, Value};

use super::error::ConnectError;
use super::mysql_url::SourceConfig;
use super::redact::Redactor;
use super::sql::{Rows, Sql, SqlError};
use super::tls::SslMode;

/// What TLS the session ended up with.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TlsState {
    /// e.g. "TLSv1.3"; None when the session is not encrypted.
    pub version: Option<String>,
    pub cipher: Option<String>,
    /// Whether the certificate was verified (VERIFY_CA / VERIFY_IDENTITY).
    pub verified: bool,
    /// The server certificate's expiry as the server reports it (Ssl_server_not_after).
    pub server_not_after: Option<String>,
    /// Why there is no TLS when the mode allowed a plain fallback.
    pub fallback_reason: Option<String>,
}

/// Resolves the host within the timeout (name lookups can hang well past any socket timeout).
pub(crate) fn resolve(cfg: &SourceConfig) -> Result<Vec<SocketAddr>, ConnectError> {
    let (tx, rx) = mpsc::channel();
    let target = (cfg.host.clone(), cfg.port);
    let timeout = cfg.connect_timeout;
    thread::spawn(move || {
        let _ = tx.send(target.to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
    });
    let err = |reason: String| ConnectError::Resolve {
        host: cfg.host.clone(),
        reason: cfg.redactor().redact(&reason),
    };
    match rx.recv_timeout(timeout) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(err("no addresses".into())),
        Ok(Err(e)) => Err(err(e.to_string())),
        Err(_) => Err(err(format!("no answer within {}s", timeout.as_secs_f32()))),
    }
}

/// Opens a TCP connection to the source and reports how long it took.
pub(crate) fn probe_tcp(cfg: &SourceConfig) -> Result<Duration, ConnectError> {
    let start = Instant::now();
    let addrs = resolve(cfg)?;
    let mut last = None;
    for addr in &addrs {
        let left = cfg.connect_timeout.saturating_sub(start.elapsed());
        if left.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(addr, left) {
            Ok(_) => return Ok(start.elapsed()),
            Err(e) => last = Some(e.to_string()),
        }
    }
    let reason = last.unwrap_or_else(|| format!("timed out after {:?}", cfg.connect_timeout));
    Err(ConnectError::Tcp {
        addr: format!("{}:{}", cfg.host, cfg.port),
        reason: cfg.redactor().redact(&reason),
    })
}

/// Whether a login refused over a plain connection succeeds over TLS: MariaDB answers a
/// plain login to a TLS-only server or account with a bare "Access denied" (1045).
pub(crate) fn refused_only_without_tls(cfg: &SourceConfig) -> bool {
    let mut tls = cfg.clone();
    tls.ssl_mode = SslMode::Required;
    Session::open(&tls).is_ok()
}

pub struct Session {
    pub(super) conn: Conn,
    pub tls: TlsState,
    /// Takes the password out of what this session's errors say.
    pub(super) redactor: Redactor,
}

impl Session {
    /// Logs in as the configured user, honouring ssl-mode (PREFERRED falls back to plain when
    /// the server has no TLS, like the mysql client).
    pub fn open(cfg: &SourceConfig) -> Result<Session, ConnectError> {
        log::debug!(
            "connecting to {} (ssl-mode {}, timeout {:?})",
            cfg.redacted(),
            cfg.ssl_mode,
            cfg.connect_timeout
        );
        let redactor = cfg.redactor();
        let ssl = cfg.ssl_mode.driver_opts(cfg.ssl_ca.as_deref());
        let attempt = Conn::new(builder(cfg, ssl.clone()));
        let (conn, fallback_reason) = match attempt {
            Ok(conn) => (conn, None),
            Err(mysql::Error::DriverError(DriverError::TlsNotSupported))
                if cfg.ssl_mode == SslMode::Preferred =>
            {
                let conn =
                    Conn::new(builder(cfg, None)).map_err(|e| classify(cfg, &redactor, e))?;
                (conn, Some("the server does not offer TLS".to_string()))
            }
            Err(e) => {
                let e = classify(cfg, &redactor, e);
                log::debug!("connecting to {} failed: {e}", cfg.redacted());
                return Err(e);
            }
        };
        let mut session = Session {
            conn,
            tls: TlsState {
                fallback_reason,
                ..TlsState::default()
            },
            redactor,
        };
        session.tls = session.read_tls_state(cfg.ssl_mode, session.tls.fallback_reason.clone());
        log::debug!(
            "connected to {}: {}",
            cfg.redacted(),
            match (&session.tls.version, &session.tls.fallback_reason) {
                (Some(v), _) => format!("TLS {v}"),
                (None, Some(why)) => format!("no TLS ({why})"),
                (None, None) => "no TLS".to_string(),
            }
        );
        Ok(session)
    }

    fn read_tls_state(&mut self, mode: SslMode, fallback_reason: Option<String>) -> TlsState {
        let mut state = TlsState {
            fallback_reason,
            ..TlsState::default()
        };
        if let Ok(rows) = self.query("SHOW SESSION STATUS LIKE 'Ssl\\_%'") {
            for row in rows.rows {
                let (Some(Some(name)), Some(value)) = (row.first(), row.get(1)) else {
                    continue;
                };
                let value = value.clone().filter(|v| !v.is_empty());
                match name.to_ascii_lowercase().as_str() {
                    "ssl_version" => state.version = value,
                    "ssl_cipher" => state.cipher = value,
                    "ssl_server_not_after" => state.server_not_after = value,
                    _ => {}
                }
            }
        }
        state.verified = state.version.is_some() && mode.verifies();
        state
    }
}

impl Sql for Session {
    fn query(&mut self, sql: &str) -> Result<Rows, SqlError> {
        log::debug!("sql: {}", loggable(sql));
        let redactor = &self.redactor;
        let result = self.conn.query_iter(sql).map_err(|e| {
            let e = sql_error(redactor, e);
            log::debug!("sql failed: {e}");
            e
        })?;
        let columns = result
            .columns()
            .as_ref()
            .iter()
            .map(|c| c.name_str().into_owned())
            .collect();
        let mut rows = Vec::new();
        for row in result {
            let row = row.map_err(|e| sql_error(redactor, e))?;
            rows.push(row.unwrap().into_iter().map(value_text).collect());
        }
        Ok(Rows { columns, rows })
    }
}

/// A statement as the debug log shows it: one that sets a password is cut before it.
fn loggable(sql: &str) -> std::borrow::Cow<'_, str> {
    let lower = sql.to_ascii_lowercase();
    match ["identified", "password"]
        .iter()
        .filter_map(|w| lower.find(w))
        .min()
    {
        Some(at) => format!("{} *** (cut: it sets a password)", sql[..at].trim_end()).into(),
        None => sql.into(),
    }
}

fn builder(cfg: &SourceConfig, ssl: Option<mysql::SslOpts>) -> OptsBuilder {
    OptsBuilder::new()
        .ip_or_hostname(Some(cfg.host.clone()))
        .tcp_port(cfg.port)
        .user(Some(cfg.user.clone()).filter(|u| !u.is_empty()))
        .pass(cfg.password.as_ref().map(|p| p.expose().to_string()))
        .db_name(cfg.database.clone())
        .tcp_connect_timeout(Some(cfg.connect_timeout))
        .read_timeout(Some(cfg.connect_timeout))
        .write_timeout(Some(cfg.connect_timeout))
        // The driver would otherwise switch to the unix socket for local hosts, which
        // changes what TLS and grants we observe.
        .prefer_socket(false)
        .ssl_opts(ssl)
}

fn classify(cfg: &SourceConfig, redactor: &Redactor, e: mysql::Error) -> ConnectError {
    match e {
        mysql::Error::MySqlError(me) => {
            ConnectError::Auth(SqlError::new(Some(me.code), redactor.redact(&me.message)))
        }
        mysql::Error::TlsError(t) => ConnectError::Tls(redactor.redact(&t.to_string())),
        mysql::Error::DriverError(DriverError::TlsNotSupported) => {
            ConnectError::Tls(redactor.redact(&format!(
                "ssl-mode={} but the server does not offer TLS",
                cfg.ssl_mode
            )))
        }
        mysql::Error::IoError(io) => ConnectError::Tcp {
            addr: format!("{}:{}", cfg.host, cfg.port),
            reason: redactor.redact(&io.to_string()),
        },
        other => {
            let text = redactor.redact(&other.to_string());
            let lower = text.as_str().to_ascii_lowercase();
            // rustls failures surface wrapped in codec/IO errors; name them for what they are.
            if ["certificate", "tls", "ssl", "handshake"]
                .iter()
                .any(|w| lower.contains(w))
            {
                ConnectError::Tls(text)
            } else {
                ConnectError::Other(text)
            }
        }
    }
}

/// A driver error as this crate's, without the password.
pub(super) fn sql_error(redactor: &Redactor, e: mysql::Error) -> SqlError {
    match e {
        mysql::Error::MySqlError(me) => SqlError::new(Some(me.code), redactor.redact(&me.message)),
        other => SqlError::new(None, redactor.redact(&other.to_string())),
    }
}

fn value_text(v: Value) -> Option<String> {
    match v {
        Value::NULL => None,
        Value::Bytes(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        Value::Int(i) => Some(i.to_string()),
        Value::UInt(u) => Some(u.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Double(d) => Some(d.to_string()),
        other => Some(other.as_sql(true).trim_matches('\'').to_string()),
    }
}
