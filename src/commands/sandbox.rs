//! `cdc sandbox up|url|status|down`: a persistent, CDC-ready local MariaDB with the
//! retail_db sample, so `cdc doctor` can be tried without a real source.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressFinish};

use super::outcome::Outcome;
use super::output;
use crate::sandbox::state::{self, SandboxState};
use crate::sandbox::{
    self as sbx, process, LocalServer, SandboxError, ServerBinary, ServerOptions,
};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum SandboxCommand {
    /// Start the sandbox (or report the running one) and print its source URL.
    Up {
        /// Port to listen on (default: a free one).
        #[arg(long)]
        port: Option<u16>,
        /// The server binary to run: a mariadbd or mysqld (MySQL 5.7+; its initialiser is
        /// `mysqld --initialize-insecure`, MariaDB's the mariadb-install-db beside it or on
        /// PATH). Default: the one that made the sandbox, else mariadbd, then mysqld, on PATH
        /// and in the usual sbin directories.
        #[arg(long, value_name = "PATH", env = "CDC_SANDBOX_SERVER")]
        server: Option<PathBuf>,
        /// Also start a second server replicating from the sandbox over the binlog: a
        /// target for `cdc validate` (`cdc sandbox url --replica`).
        #[arg(long)]
        replica: bool,
    },
    /// Print the sandbox's source URL, for `cdc doctor --source "$(cdc sandbox url)"`.
    Url {
        /// The replica's URL instead (after `cdc sandbox up --replica`).
        #[arg(long)]
        replica: bool,
    },
    /// Show whether the sandbox runs; exit 0 if it does, 1 if not.
    Status,
    /// Stop the sandbox (and its replica).
    Down {
        /// Also delete its data and state.
        #[arg(long)]
        purge: bool,
        /// Stop (with --purge: remove) only the replica, leaving the source running: how a
        /// pipeline that stops reaching its target looks.
        #[arg(long)]
        replica: bool,
    },
}

pub(crate) fn run(cmd: &SandboxCommand) -> Result<Outcome> {
    let dir = state::sandbox_dir()
        .context("cannot place the sandbox: set CDC_SANDBOX_DIR, XDG_CACHE_HOME or HOME")?;
    match cmd {
        SandboxCommand::Up {
            port,
            replica,
            server,
        } => {
            let code = up(&dir, *port, server.as_deref())?;
            if *replica {
                up_replica(&dir)?;
            }
            Ok(code)
        }
        SandboxCommand::Url { replica: false } => url(&dir),
        SandboxCommand::Url { replica: true } => url(&replica_dir(&dir)),
        SandboxCommand::Status => status(&dir),
        SandboxCommand::Down {
            purge,
            replica: false,
        } => down(&dir, *purge),
        SandboxCommand::Down {
            purge,
            replica: true,
        } => down_replica(&dir, *purge),
    }
}

fn data_dir(dir: &Path) -> PathBuf {
    dir.join("data")
}

/// The replica lives inside the sandbox's directory: `down --purge` removes both.
fn replica_dir(dir: &Path) -> PathBuf {
    dir.join("replica")
}

fn load_state(dir: &Path) -> Result<Option<SandboxState>> {
    state::load(dir).context("reading the sandbox state")
}

fn up(dir: &Path, port: Option<u16>, server: Option<&Path>) -> Result<Outcome> {
    let previous = load_state(dir)?;
    if let Some(st) = &previous {
        if st.is_running(&data_dir(dir)) {
            if port.is_some_and(|p| p != st.port) {
                eprintln!("note: the sandbox already runs on port {}", st.port);
            }
            sbx::create_canary(st.port).context("creating the cdc_canary table")?;
            output::print(&format!("{}\n", st.url()))?;
            return Ok(Outcome::Clean);
        }
    }

    create_private_dir(dir)?;
    let binary = sandbox_binary(dir, server, previous.as_ref())?;
    let version = binary
        .version()
        .unwrap_or_else(|| "MariaDB/MySQL".to_string());
    let spinner = spinner(&version);
    let server = start(binary, dir, port, previous.as_ref().map(|st| st.port))
        .with_context(|| format!("starting the sandbox server in {}", dir.display()))?;

    // Keep the password across down/up so URLs people saved keep working.
    let password = match previous {
        Some(st) => st.password,
        None => state::generate_password()?,
    };
    sbx::load_retail_db(&server).context("loading the retail_db sample")?;
    sbx::create_cdc_user(&server, &password).context("creating cdc_user")?;
    sbx::create_canary(server.port()).context("creating the cdc_canary table")?;
    let st = SandboxState {
        port: server.port(),
        pid: server.pid(),
        password,
        binary: server.binary().server.clone(),
        version,
    };
    // Save before detaching: if saving fails, dropping `server` stops it again rather
    // than leaving a server nobody can find.
    state::save(dir, &st).context("saving the sandbox state")?;
    server.detach();
    if let Some(s) = spinner {
        s.finish_and_clear();
    }

    // The one place the password is printed: the user needs it to connect.
    output::print(&format!("{}\n", st.url()))?;
    eprintln!("next: cdc doctor --source \"$(cdc sandbox url)\"");
    Ok(Outcome::Clean)
}

/// The server to run: the one asked for, else the one whose data directory this is, else
/// the first found. A data directory is never handed to another server than its own.
fn sandbox_binary(
    dir: &Path,
    asked: Option<&Path>,
    previous: Option<&SandboxState>,
) -> Result<ServerBinary> {
    let has_data = !sbx::is_empty_dir(&data_dir(dir));
    let made_by = previous.map(|st| st.binary.as_path()).filter(|_| has_data);
    let binary = match (asked, made_by) {
        (Some(asked), Some(made_by)) if !same_file(asked, made_by) => bail!(
            "the sandbox in {} was made by {}; to run {} instead, remove it first \
             (`cdc sandbox down --purge`) or use another CDC_SANDBOX_DIR",
            dir.display(),
            made_by.display(),
            asked.display()
        ),
        (Some(path), _) | (None, Some(path)) => ServerBinary::at(path)?,
        (None, None) => ServerBinary::find()?,
    };
    Ok(binary)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Starts the replica (unless it runs already), points it at the running source and waits
/// until it has caught up, so the first `cdc validate` sees the same rows on both.
fn up_replica(dir: &Path) -> Result<()> {
    let source = load_state(dir)?.context("the sandbox source has no state")?;
    let rdir = replica_dir(dir);
    if let Some(st) = load_state(&rdir)? {
        if st.is_running(&data_dir(&rdir)) {
            eprintln!("replica: {}", st.redacted_url());
            return Ok(());
        }
    }
    create_private_dir(&rdir)?;
    // The source's own server: replication between flavors is not what anyone runs.
    let binary = ServerBinary::at(&source.binary)?;
    let previous_port = load_state(&rdir)?.map(|st| st.port);
    let opts = ServerOptions::cdc_ready().dir(&rdir).arg("--server-id=2");
    let server = match previous_port {
        Some(p) => match LocalServer::start_with(binary.clone(), opts.clone().port(p)) {
            Err(SandboxError::PortInUse { .. }) => LocalServer::start_with(binary, opts),
            other => other,
        },
        None => LocalServer::start_with(binary, opts),
    }
    .with_context(|| format!("starting the sandbox replica in {}", rdir.display()))?;
    // A fresh replica reads the source's binlog from the start: schema, sample and
    // cdc_user (with the same password) arrive by replication.
    sbx::replicate_from(&server, source.port)
        .context("pointing the replica at the sandbox source")?;
    let caught_up = sbx::wait_caught_up(&server, source.port, 30)
        .context("waiting for the replica to catch up")?;
    if !caught_up {
        bail!("the sandbox replica did not catch up with the source within 30 s");
    }
    let st = SandboxState {
        port: server.port(),
        pid: server.pid(),
        password: source.password.clone(),
        binary: server.binary().server.clone(),
        version: source.version.clone(),
    };
    state::save(&rdir, &st).context("saving the replica state")?;
    server.detach();
    eprintln!(
        "replica: {} (replicating from port {})",
        st.redacted_url(),
        source.port
    );
    eprintln!("next: cdc validate --source \"$(cdc sandbox url)\" --target \"$(cdc sandbox url --replica)\" --crud");
    Ok(())
}

/// Starts on `port` if given; else tries the port from the last run, so a URL people
/// saved keeps working, and falls back to a free port if that one is taken now.
fn start(
    binary: ServerBinary,
    dir: &Path,
    port: Option<u16>,
    last_port: Option<u16>,
) -> Result<LocalServer, SandboxError> {
    let opts = ServerOptions::cdc_ready().dir(dir);
    match (port, last_port) {
        (Some(p), _) => LocalServer::start_with(binary, opts.port(p)),
        (None, Some(p)) => match LocalServer::start_with(binary.clone(), opts.clone().port(p)) {
            Err(SandboxError::PortInUse { .. }) => LocalServer::start_with(binary, opts),
            other => other,
        },
        (None, None) => LocalServer::start_with(binary, opts),
    }
}

/// The sandbox's root has no password on 127.0.0.1; at least keep its files private.
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("restricting {}", dir.display()))
}

fn spinner(version: &str) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    // AndClear: an early return on error must not leave a stale spinner line behind.
    let s = ProgressBar::new_spinner()
        .with_message(format!("starting {version} sandbox…"))
        .with_finish(ProgressFinish::AndClear);
    s.enable_steady_tick(Duration::from_millis(100));
    Some(s)
}

fn url(dir: &Path) -> Result<Outcome> {
    let Some(st) = load_state(dir)? else {
        bail!(
            "no sandbox in {}; start one with `cdc sandbox up`",
            dir.display()
        );
    };
    if !st.is_running(&data_dir(dir)) {
        eprintln!("warning: the sandbox is not running; start it with `cdc sandbox up`");
    }
    output::print(&format!("{}\n", st.url()))?;
    Ok(Outcome::Clean)
}

fn status(dir: &Path) -> Result<Outcome> {
    use std::fmt::Write as _;
    let mut text = String::new();
    let Some(st) = load_state(dir)? else {
        let _ = writeln!(
            text,
            "sandbox: not created (start one with `cdc sandbox up`)"
        );
        let _ = writeln!(text, "dir:     {}", dir.display());
        output::print(&text)?;
        return Ok(Outcome::Found);
    };
    let running = st.is_running(&data_dir(dir));
    let _ = writeln!(
        text,
        "sandbox: {}",
        if running { "running" } else { "stopped" }
    );
    let _ = writeln!(text, "url:     {}", st.redacted_url());
    let _ = writeln!(text, "port:    {}", st.port);
    if running {
        let _ = writeln!(text, "pid:     {}", st.pid);
    }
    let _ = writeln!(text, "server:  {}", st.version);
    let _ = writeln!(text, "data:    {}", data_dir(dir).display());
    let rdir = replica_dir(dir);
    if let Some(replica) = load_state(&rdir)? {
        let up = replica.is_running(&data_dir(&rdir));
        let _ = writeln!(
            text,
            "replica: {} {}",
            if up { "running" } else { "stopped" },
            replica.redacted_url()
        );
    }
    output::print(&text)?;
    Ok(Outcome::found_if(!running))
}

fn down(dir: &Path, purge: bool) -> Result<Outcome> {
    let rdir = replica_dir(dir);
    if rdir.exists() {
        stop(&rdir, "sandbox replica")?;
    }
    stop(dir, "sandbox")?;
    if purge && dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
        eprintln!("removed {}", dir.display());
    }
    Ok(Outcome::Clean)
}

fn down_replica(dir: &Path, purge: bool) -> Result<Outcome> {
    let rdir = replica_dir(dir);
    stop(&rdir, "sandbox replica")?;
    if purge && rdir.exists() {
        std::fs::remove_dir_all(&rdir).with_context(|| format!("removing {}", rdir.display()))?;
        eprintln!("removed {}", rdir.display());
    }
    Ok(Outcome::Clean)
}

fn stop(dir: &Path, what: &str) -> Result<()> {
    let data = data_dir(dir);
    let Some(st) = load_state(dir)? else {
        eprintln!("no {what} in {}", dir.display());
        return Ok(());
    };
    // Only signal the pid if it still is our server: pids get recycled.
    if process::pid_runs_with(st.pid, &data.to_string_lossy()) {
        if !process::terminate(st.pid, Duration::from_secs(30)) {
            bail!(
                "the {what} server (pid {}) did not stop within 30 s",
                st.pid
            );
        }
        eprintln!("{what} stopped");
    } else {
        eprintln!("{what} was not running");
    }
    Ok(())
}
