//! Typed errors for local servers: callers branch on a missing binary (skip, or tell the
//! user how to install one) and on a port race (retry), so these are not plain strings.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum SandboxError {
    #[error(
        "no MariaDB or MySQL server binary found (looked for mariadbd, mysqld on PATH and in {looked_in}). \
         Install one: Debian/Ubuntu `sudo apt-get install mariadb-server`, \
         Fedora `sudo dnf install mariadb-server`, macOS `brew install mariadb`"
    )]
    MissingBinary { looked_in: String },

    #[error(
        "found {server} but not its install tool ({tool}); the server package looks incomplete"
    )]
    MissingInstallTool { server: PathBuf, tool: String },

    #[error("{path} is not a MariaDB or MySQL server binary: {why}")]
    NotAServer { path: PathBuf, why: String },

    #[error("initialising the data directory {dir} failed: {output}")]
    Install { dir: PathBuf, output: String },

    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },

    /// The port was taken between picking it and the server binding it.
    #[error("port {port} is already in use")]
    PortInUse { port: u16 },

    #[error("the server exited during start-up ({status}); end of its error log:\n{log_tail}")]
    Exited { status: String, log_tail: String },

    #[error(
        "the server did not accept connections within {secs} s; end of its error log:\n{log_tail}"
    )]
    StartTimeout { secs: u64, log_tail: String },

    #[error("SQL failed on the sandbox server: {sql}: {source}")]
    Sql {
        sql: String,
        #[source]
        source: mysql::Error,
    },
}

impl SandboxError {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> SandboxError {
        SandboxError::Io {
            what: what.into(),
            source,
        }
    }

    pub(crate) fn sql(sql: &str, source: mysql::Error) -> SandboxError {
        // Long seed scripts would drown the actual message; the first line says which one.
        let first = sql.trim().lines().next().unwrap_or("");
        SandboxError::Sql {
            sql: first.chars().take(120).collect(),
            source,
        }
    }
}
