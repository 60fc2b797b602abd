//! Talking to a local server: short-timeout connections, multi-statement scripts, URLs.

use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder};

use super::SandboxError;

/// Local servers answer in milliseconds; anything slower means "not up yet".
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Generous enough for the seed script, short enough that a wedged server fails a test.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Connects over TCP (never the socket, so the same path works for users that only
/// exist as 'name'@'%').
pub(crate) fn connect(
    host: &str,
    port: u16,
    user: &str,
    password: &str,
) -> Result<Conn, SandboxError> {
    connect_within(host, port, user, password, READ_TIMEOUT)
}

/// Like [`connect`] but gives up after `read_timeout` without a reply: a readiness probe
/// must not hang on a port held by something that accepts but never speaks MySQL.
pub(crate) fn connect_within(
    host: &str,
    port: u16,
    user: &str,
    password: &str,
    read_timeout: Duration,
) -> Result<Conn, SandboxError> {
    let opts = OptsBuilder::new()
        .ip_or_hostname(Some(host))
        .tcp_port(port)
        .user(Some(user))
        .pass(Some(password))
        .prefer_socket(false)
        .tcp_connect_timeout(Some(CONNECT_TIMEOUT))
        .read_timeout(Some(read_timeout))
        .write_timeout(Some(read_timeout));
    crate::connection::tls::install_crypto_provider();
    Conn::new(opts).map_err(|e| SandboxError::sql(&format!("connect as {user}"), e))
}

/// Runs one or more ';'-separated statements and reads every result, so an error in the
/// third statement is reported rather than swallowed (as `query_drop` would).
pub(crate) fn exec_all(conn: &mut Conn, sql: &str) -> Result<(), SandboxError> {
    let mut result = conn
        .query_iter(sql)
        .map_err(|e| SandboxError::sql(sql, e))?;
    while let Some(set) = result.iter() {
        for row in set {
            row.map_err(|e| SandboxError::sql(sql, e))?;
        }
    }
    Ok(())
}

/// The first column of the first row as text; None for no row or NULL. Rows with more
/// columns (SHOW MASTER STATUS) are fine: the rest is ignored.
pub(crate) fn query_value(conn: &mut Conn, sql: &str) -> Result<Option<String>, SandboxError> {
    let row: Option<mysql::Row> = conn
        .query_first(sql)
        .map_err(|e| SandboxError::sql(sql, e))?;
    Ok(row.and_then(|r| r.get::<Option<String>, _>(0)).flatten())
}

/// `query_value` as root on a local server this process did not start (a detached sandbox).
pub fn root_query_value(port: u16, sql: &str) -> Result<Option<String>, SandboxError> {
    query_value(&mut connect("127.0.0.1", port, "root", "")?, sql)
}
