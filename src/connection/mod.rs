//! Reaching a server: URLs, TLS modes, sessions with bounded waits, server detection; the
//! PostgreSQL side of `cdc validate` in `postgres`.

pub mod account;
pub mod binlog_stream;
pub mod binlogs;
pub mod error;
pub mod mysql_url;
pub mod postgres;
pub mod redact;
pub mod replicas;
pub mod secret;
pub mod server;
pub mod session;
pub mod sql;
pub mod tls;
pub mod url;
