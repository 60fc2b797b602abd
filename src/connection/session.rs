//! Opening a MySQL/MariaDB session: connect, TLS and login bounded as a whole by the connect
//! timeout, every later read by it too. Doctor's sessions are read-only with a server-side
//! statement time limit. What a session and its connect attempt say is redacted here.

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
    /// How long the client waits for any read (the connect timeout).
    read_timeout: Duration,
    /// Set on read-only sessions: how to stop a statement that outlives its time.
    watchdog: Option<Watchdog>,
}

/// What a read-only session needs to kill its own runaway statement and carry on.
struct Watchdog {
    cfg: SourceConfig,
    limit: StatementLimit,
}

/// The server-side time limit a read-only session sets on each of its statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementLimit {
    /// A little under the client's read timeout, so the server's own error arrives first.
    UnderReadTimeout,
    /// None on the server: only the client's timeout and KILL QUERY stop a statement.
    ClientOnly,
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
        let deadline = Instant::now() + cfg.connect_timeout;
        let ssl = cfg.ssl_mode.driver_opts(cfg.ssl_ca.as_deref());
        let attempt = login_by(cfg, builder(cfg, ssl.clone()), deadline)?;
        let (conn, fallback_reason) = match attempt {
            Ok(conn) => (conn, None),
            Err(mysql::Error::DriverError(DriverError::TlsNotSupported))
                if cfg.ssl_mode == SslMode::Preferred =>
            {
                let conn = login_by(cfg, builder(cfg, None), deadline)?
                    .map_err(|e| classify(cfg, &redactor, e))?;
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
            read_timeout: cfg.connect_timeout,
            watchdog: None,
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

    /// A session that cannot write: its transactions are READ ONLY, each statement carries a
    /// server-side time limit, and one that outlives the read timeout is killed on the server
    /// (KILL QUERY from a second session) before the session is opened afresh. Doctor's.
    pub fn open_read_only(
        cfg: &SourceConfig,
        limit: StatementLimit,
    ) -> Result<Session, ConnectError> {
        let mut session = Session::open(cfg)?;
        session.make_read_only(cfg, limit)?;
        Ok(session)
    }

    fn make_read_only(
        &mut self,
        cfg: &SourceConfig,
        limit: StatementLimit,
    ) -> Result<(), ConnectError> {
        self.query("SET SESSION TRANSACTION READ ONLY")
            .map_err(ConnectError::Setup)?;
        if limit == StatementLimit::UnderReadTimeout {
            let budget = cfg
                .connect_timeout
                .mul_f64(0.9)
                .max(Duration::from_millis(100));
            // MySQL bounds SELECTs (milliseconds); MariaDB bounds every statement (seconds).
            let set = if self.is_mariadb() {
                format!(
                    "SET SESSION max_statement_time = {:.3}",
                    budget.as_secs_f64()
                )
            } else {
                format!("SET SESSION max_execution_time = {}", budget.as_millis())
            };
            self.query(&set).map_err(ConnectError::Setup)?;
        }
        self.watchdog = Some(Watchdog {
            cfg: cfg.clone(),
            limit,
        });
        Ok(())
    }

    fn is_mariadb(&mut self) -> bool {
        self.conn
            .query_first::<String, _>("SELECT VERSION()")
            .ok()
            .flatten()
            .is_some_and(|v| v.to_ascii_lowercase().contains("mariadb"))
    }

    /// After a statement outlived the read timeout: kill it on the server (it would go on
    /// running there) and replace this session, whose protocol state the timeout broke.
    fn kill_and_reopen(&mut self) -> String {
        let Some(watchdog) = self.watchdog.take() else {
            return String::new();
        };
        let id = self.conn.connection_id();
        let killed = Session::open(&watchdog.cfg)
            .and_then(|mut s| {
                s.query(&format!("KILL QUERY {id}"))
                    .map_err(ConnectError::Setup)
            })
            .is_ok();
        match Session::open_read_only(&watchdog.cfg, watchdog.limit) {
            Ok(fresh) => *self = fresh,
            Err(e) => log::debug!("reopening after a timed-out statement failed: {e}"),
        }
        if killed {
            "; the statement was killed on the server".into()
        } else {
            "; killing it on the server failed".into()
        }
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
        let result = self.query_rows(sql);
        if let Err((e, timed_out)) = &result {
            log::debug!("sql failed: {e}");
            if *timed_out && self.watchdog.is_some() {
                let what = self.kill_and_reopen();
                return Err(SqlError::new(
                    e.code,
                    self.redactor.redact(&format!("{}{what}", e.message)),
                ));
            }
        }
        result.map_err(|(e, _)| e)
    }
}

impl Session {
    /// The rows, or the error and whether it was the read timeout.
    fn query_rows(&mut self, sql: &str) -> Result<Rows, (SqlError, bool)> {
        let (redactor, wait) = (&self.redactor, self.read_timeout);
        let fail = |e: mysql::Error| {
            if read_timed_out(&e) {
                let text = format!("no answer within {wait:?}");
                (SqlError::lost(redactor.redact(&text)), true)
            } else {
                (sql_error(redactor, e), false)
            }
        };
        let result = self.conn.query_iter(sql).map_err(fail)?;
        let columns = result
            .columns()
            .as_ref()
            .iter()
            .map(|c| c.name_str().into_owned())
            .collect();
        let mut rows = Vec::new();
        for row in result {
            let row = row.map_err(fail)?;
            rows.push(row.unwrap().into_iter().map(value_text).collect());
        }
        Ok(Rows { columns, rows })
    }
}

/// Whether the driver gave up waiting for the server's answer (the read timeout), which it
/// reports bare or inside its packet codec's error.
fn read_timed_out(e: &mysql::Error) -> bool {
    use std::error::Error as _;
    let io = match e {
        mysql::Error::IoError(io) => Some(io),
        mysql::Error::CodecError(codec) => codec
            .source()
            .and_then(|s| s.downcast_ref::<std::io::Error>()),
        _ => None,
    };
    io.is_some_and(|io| {
        matches!(
            io.kind(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
        )
    })
}

/// `Conn::new` within what is left before `deadline`. The driver's timeouts bound each read,
/// so a server that trickles a byte at a time could hold connect, TLS and login for as long
/// as it likes; the attempt runs on its own thread and is abandoned at the deadline (it ends,
/// and its socket closes, when the driver gives up).
fn login_by(
    cfg: &SourceConfig,
    opts: OptsBuilder,
    deadline: Instant,
) -> Result<Result<Conn, mysql::Error>, ConnectError> {
    super::tls::install_crypto_provider();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(Conn::new(opts));
    });
    rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .map_err(|_| ConnectError::Stalled {
            addr: format!("{}:{}", cfg.host, cfg.port),
            within: cfg.connect_timeout,
        })
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
        // Said in plain words, not as the driver's "DriverError { Could not connect ... }".
        mysql::Error::DriverError(DriverError::CouldNotConnect(Some((addr, desc, _)))) => {
            ConnectError::Tcp {
                addr,
                reason: redactor.redact(&desc),
            }
        }
        mysql::Error::DriverError(other) => {
            ConnectError::Other(redactor.redact(&other.to_string()))
        }
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
        lost @ (mysql::Error::IoError(_)
        | mysql::Error::CodecError(_)
        | mysql::Error::DriverError(_)) => {
            // The driver's own words, without its "DriverError { }" wrapping.
            let text = match &lost {
                mysql::Error::DriverError(d) => d.to_string(),
                other => other.to_string(),
            };
            SqlError::lost(redactor.redact(&text))
        }
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
