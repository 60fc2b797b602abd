//! What a local server is started with.

use std::path::PathBuf;

/// How to start a [`LocalServer`](super::LocalServer).
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// Extra server options, e.g. "--binlog-format=STATEMENT", "--skip-log-bin".
    /// They come after the fixed ones, and the server lets a later option win.
    pub(crate) args: Vec<String>,
    /// Where to keep the data; None = a fresh temporary dir removed on drop.
    /// A given dir is never removed: it is how the persistent `cdc sandbox` keeps state.
    pub(crate) dir: Option<PathBuf>,
    /// Port; None = a free port picked at start (and re-picked if another process
    /// grabs it first).
    pub(crate) port: Option<u16>,
}

impl ServerOptions {
    /// A server configured the way CDC connectors want a source: binlog on, row format,
    /// full row images with column metadata, a server id and a week of retention.
    pub fn cdc_ready() -> ServerOptions {
        let args = [
            "--server-id=1",
            "--log-bin=cdc-bin",
            "--binlog-format=ROW",
            "--binlog-row-image=FULL",
            "--binlog-row-metadata=FULL",
            "--binlog-expire-logs-seconds=604800",
        ];
        ServerOptions {
            args: args.iter().map(|a| a.to_string()).collect(),
            ..ServerOptions::default()
        }
    }

    /// Appends one server option; being last, it overrides anything set before it.
    pub fn arg(mut self, a: impl Into<String>) -> Self {
        self.args.push(a.into());
        self
    }

    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_args_come_after_the_cdc_defaults() {
        let o = ServerOptions::cdc_ready().arg("--skip-log-bin");
        assert_eq!(o.args.first().map(String::as_str), Some("--server-id=1"));
        assert_eq!(o.args.last().map(String::as_str), Some("--skip-log-bin"));
        assert!(o.args.iter().any(|a| a == "--binlog-format=ROW"));
        assert!(o.dir.is_none() && o.port.is_none());
    }
}
