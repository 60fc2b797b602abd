//! Reaching a PostgreSQL target of `cdc validate`: its URL, TLS with libpq's sslmode meanings,
//! sessions that answer rows of text.

pub(crate) mod session;
pub(crate) mod tls;
pub mod url;
