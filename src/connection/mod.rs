//! Reaching a source: URLs, TLS modes, sessions with bounded waits, server detection.

pub mod binlogs;
pub mod replicas;
pub mod secret;
pub mod server;
pub mod session;
pub mod sql;
pub mod tls;
pub mod url;
