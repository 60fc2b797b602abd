//! Why a session could not be opened, on either engine. Every text in it went through the
//! session's [`Redactor`](super::redact::Redactor): it never holds the password.

use super::redact::Redacted;
use super::sql::SqlError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot resolve {host}: {reason}")]
    Resolve { host: String, reason: Redacted },
    #[error("cannot reach {addr}: {reason}")]
    Tcp { addr: String, reason: Redacted },
    /// The server took the connection but did not finish greeting, TLS and login in time.
    #[error("{addr} accepted the connection but did not complete the MySQL handshake and login within {within:?}")]
    Stalled {
        addr: String,
        within: std::time::Duration,
    },
    #[error("server refused the login: {0}")]
    Auth(SqlError),
    #[error("TLS failed: {0}")]
    Tls(Redacted),
    /// A session setting refused right after the login.
    #[error("{0}")]
    Setup(SqlError),
    #[error("{0}")]
    Other(Redacted),
}
