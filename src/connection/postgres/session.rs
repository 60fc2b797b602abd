//! A session on a PostgreSQL target with every wait bounded by the connect timeout: the URL's
//! sslmode, rows of text. What it and its connect attempt say is redacted here, where it is
//! made.

use std::path::PathBuf;

use super::tls::{self, PgSslMode};
use super::url::PgConfig;
use crate::connection::error::ConnectError;
use crate::connection::redact::Redactor;
use crate::connection::sql::{Rows, Sql, SqlError};

pub(crate) struct PgSession {
    client: postgres::Client,
    /// Takes the password out of what this session's errors say.
    redactor: Redactor,
}

impl PgSession {
    pub(crate) fn open(cfg: &PgConfig) -> Result<PgSession, ConnectError> {
        log::debug!(
            "connecting to {} (sslmode {}, timeout {:?})",
            cfg.redacted(),
            cfg.ssl_mode.name(),
            cfg.connect_timeout
        );
        let redactor = cfg.redactor();
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
            let root = tls::root_cert_path(cfg.ssl_root_cert.as_deref(), home.as_deref());
            Some(
                tls::client_config(cfg.ssl_mode, root.as_deref())
                    .map_err(|e| ConnectError::Tls(redactor.redact(&e.to_string())))?,
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
                reason: redactor.redact(&format!(
                    "no PostgreSQL answer within {} s (sslmode={})",
                    cfg.connect_timeout.as_secs_f32(),
                    cfg.ssl_mode.name()
                )),
            })?;
        let client = connected.map_err(|e| {
            let text = pg_error_chain(&e);
            if e.as_db_error().is_some() {
                ConnectError::Auth(SqlError::new(None, redactor.redact(&text)))
            } else if text.contains("TLS") || text.contains("certificate") {
                ConnectError::Tls(redactor.redact(&format!(
                    "{text} (sslmode={} to {}:{})",
                    cfg.ssl_mode.name(),
                    cfg.host,
                    cfg.port
                )))
            } else {
                ConnectError::Tcp {
                    addr,
                    reason: redactor.redact(&text),
                }
            }
        })?;
        Ok(PgSession { client, redactor })
    }
}

impl Sql for PgSession {
    fn query(&mut self, sql: &str) -> Result<Rows, SqlError> {
        log::debug!("postgres sql: {sql}");
        let messages = self.client.simple_query(sql).map_err(|e| {
            let text = self.redactor.redact(&pg_error_text(&e));
            // Only the server's own errors leave the session usable.
            let e = if e.as_db_error().is_some() {
                SqlError::new(None, text)
            } else {
                SqlError::lost(text)
            };
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
