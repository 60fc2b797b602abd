//! A MariaDB/MySQL server process on 127.0.0.1: started, waited for, queried, stopped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::binary::ServerBinary;
use super::client;
use super::launch::{free_port, install, is_empty_dir, spawn_and_wait, HOST};
use super::template::install_from_template;
use super::{SandboxError, ServerOptions};

const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// Picking a free port and the server binding it race with other processes.
const PORT_ATTEMPTS: usize = 5;

/// Where the server's files live. A temp root is removed on drop; a kept one never is.
#[derive(Debug)]
enum Root {
    Temp(TempDir),
    Kept(PathBuf),
}

impl Root {
    fn path(&self) -> &Path {
        match self {
            Root::Temp(t) => t.path(),
            Root::Kept(p) => p,
        }
    }
}

/// A running local server. Dropping it stops the server (a temp one is killed outright,
/// one with a kept `dir` gets a graceful SIGTERM) and removes a temp dir; call
/// [`LocalServer::detach`] to leave it running after this process exits.
#[derive(Debug)]
pub struct LocalServer {
    child: Option<Child>,
    root: Option<Root>,
    data_dir: PathBuf,
    port: u16,
    pid: u32,
    binary: ServerBinary,
}

impl LocalServer {
    /// Finds a server binary and starts it with `opts`.
    pub fn start(opts: ServerOptions) -> Result<LocalServer, SandboxError> {
        LocalServer::start_with(ServerBinary::find()?, opts)
    }

    /// Starts `binary`: initialises the data dir if empty, then spawns and waits until
    /// root can connect.
    pub fn start_with(
        binary: ServerBinary,
        opts: ServerOptions,
    ) -> Result<LocalServer, SandboxError> {
        let root = match &opts.dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| SandboxError::io(format!("creating {}", dir.display()), e))?;
                Root::Kept(dir.clone())
            }
            None => Root::Temp(
                tempfile::Builder::new()
                    .prefix("cdc-sbx-")
                    .tempdir()
                    .map_err(|e| SandboxError::io("creating a temporary directory", e))?,
            ),
        };
        let data_dir = root.path().join("data");
        // A private tmpdir: concurrent bootstraps sharing /tmp clash on temp table names.
        let tmp_dir = root.path().join("tmp");
        std::fs::create_dir_all(&tmp_dir)
            .map_err(|e| SandboxError::io(format!("creating {}", tmp_dir.display()), e))?;
        if is_empty_dir(&data_dir) {
            match root {
                // Throwaway servers (the tests start dozens) copy one initialisation.
                Root::Temp(_) => install_from_template(&binary, &data_dir, &tmp_dir)?,
                Root::Kept(_) => install(&binary, &data_dir, &tmp_dir)?,
            }
        }
        let attempts = if opts.port.is_some() {
            1
        } else {
            PORT_ATTEMPTS
        };
        let mut last_err = None;
        for _ in 0..attempts {
            let port = match opts.port {
                Some(p) => p,
                None => free_port()?,
            };
            match spawn_and_wait(&binary, root.path(), &data_dir, port, &opts.args) {
                Ok(child) => {
                    return Ok(LocalServer {
                        pid: child.id(),
                        child: Some(child),
                        root: Some(root),
                        data_dir,
                        port,
                        binary,
                    });
                }
                Err(e @ SandboxError::PortInUse { .. }) => last_err = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_err.expect("at least one attempt was made"))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    pub fn binary(&self) -> &ServerBinary {
        &self.binary
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// `mysql://root@127.0.0.1:PORT`: root has no password on a sandbox.
    pub fn root_url(&self) -> String {
        format!("mysql://root@{HOST}:{}", self.port)
    }

    /// `mysql://user:password@127.0.0.1:PORT`, with user and password percent-encoded.
    pub fn url(&self, user: &str, password: &str) -> String {
        format!(
            "mysql://{}:{}@{HOST}:{}",
            crate::connection::url::percent_encode(user),
            crate::connection::url::percent_encode(password),
            self.port
        )
    }

    /// A fresh connection as `user`.
    pub fn connect(&self, user: &str, password: &str) -> Result<mysql::Conn, SandboxError> {
        client::connect(HOST, self.port, user, password)
    }

    /// Runs `sql` as root; several statements separated by ';' are allowed.
    pub fn exec(&self, sql: &str) -> Result<(), SandboxError> {
        client::exec_all(&mut self.connect("root", "")?, sql)
    }

    /// The first column of the first row of `sql`, run as root.
    pub fn query_value(&self, sql: &str) -> Result<Option<String>, SandboxError> {
        client::query_value(&mut self.connect("root", "")?, sql)
    }

    /// Stops the server gracefully (SIGTERM, up to 30 s, then SIGKILL) and removes a
    /// temp dir.
    pub fn stop(mut self) {
        if let Some(child) = self.child.take() {
            stop_gracefully(child);
        }
    }

    /// Kills the server outright (SIGKILL, as a crash would) and reaps it, leaving its files
    /// as the crash left them: a kept `dir` can be started again to test recovery. (An
    /// unreaped server would stay a zombie whose pid MySQL finds in its socket lock file.)
    pub fn crash(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Leaves the server running and its files in place after this value (and this
    /// process) is gone; returns its pid. This is how `cdc sandbox up` hands a server
    /// over to `cdc sandbox down`.
    pub(crate) fn detach(mut self) -> u32 {
        // Dropping a Child neither kills nor waits; the server is reparented on our exit.
        self.child.take();
        if let Some(Root::Temp(t)) = self.root.take() {
            let _ = t.keep();
        }
        self.pid
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        match self.root {
            // Throwaway data: no need to wait for a clean shutdown.
            Some(Root::Temp(_)) | None => {
                let _ = child.kill();
                let _ = child.wait();
            }
            // Data someone keeps: shut down cleanly so InnoDB needs no recovery.
            Some(Root::Kept(_)) => stop_gracefully(child),
        }
        // `self.root` drops after this, removing a temp dir (errors ignored, no panic).
    }
}

fn stop_gracefully(mut child: Child) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .stderr(Stdio::null())
        .status();
    let deadline = Instant::now() + STOP_TIMEOUT;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}
