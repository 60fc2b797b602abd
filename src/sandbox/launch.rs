//! Getting a server process up: initialise the data dir, build the command line, spawn,
//! and wait until it is really ours that answers.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::binary::{InitTool, ServerBinary};
use super::client;
use super::process;
use super::SandboxError;
use crate::connection::server::Version;

pub(super) const HOST: &str = "127.0.0.1";
/// A cold start is ~0.1 s here; 30 s leaves room for a loaded CI machine.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Unix socket paths are capped at 107 bytes; leave room for the server's own suffixes.
const MAX_SOCKET_PATH: usize = 100;

pub(super) fn error_log_path(root: &Path) -> PathBuf {
    root.join("error.log")
}

pub fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_none())
}

/// Binds port 0 to let the kernel pick a free port, then releases it for the server.
pub(super) fn free_port() -> Result<u16, SandboxError> {
    let listener =
        TcpListener::bind((HOST, 0)).map_err(|e| SandboxError::io("finding a free port", e))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| SandboxError::io("finding a free port", e))
}

/// Creates the system tables in `data_dir`.
pub(super) fn install(
    binary: &ServerBinary,
    data_dir: &Path,
    tmp_dir: &Path,
) -> Result<(), SandboxError> {
    std::fs::create_dir_all(data_dir)
        .map_err(|e| SandboxError::io(format!("creating {}", data_dir.display()), e))?;
    let datadir = format!("--datadir={}", data_dir.display());
    let tmpdir = format!("--tmpdir={}", tmp_dir.display());
    let mut cmd = match &binary.init {
        InitTool::InstallDb(tool) => {
            let mut c = Command::new(tool);
            // Options it does not know itself (--tmpdir) are passed on to the server.
            // --skip-name-resolve --force: a minimal root (a container, a debootstrap root)
            // cannot resolve its own host name, which the tool otherwise insists on.
            c.arg("--no-defaults")
                .arg(&datadir)
                .arg(&tmpdir)
                .arg("--skip-test-db")
                .arg("--skip-name-resolve")
                .arg("--force");
            // MariaDB >= 10.4 defaults root to unix_socket auth; TCP tests need a
            // plain passwordless root. Older install tools do not know the option.
            if tool.file_name().is_some_and(|n| n == "mariadb-install-db") {
                c.arg("--auth-root-authentication-method=normal");
            }
            c
        }
        InitTool::InitializeInsecure => {
            // --initialize-insecure creates only 'root'@'localhost', which a TCP login from
            // 127.0.0.1 under --skip-name-resolve does not match: add 'root'@'127.0.0.1'.
            let init_file = tmp_dir.join("cdc-init-root.sql");
            std::fs::write(
                &init_file,
                "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';\n\
                 GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;\n",
            )
            .map_err(|e| SandboxError::io(format!("writing {}", init_file.display()), e))?;
            let mut c = Command::new(&binary.server);
            c.arg("--no-defaults")
                .arg("--initialize-insecure")
                .arg(&datadir)
                .arg(&tmpdir)
                .arg(format!("--init-file={}", init_file.display()));
            c
        }
    };
    if process::running_as_root() {
        cmd.arg("--user=root");
    }
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| SandboxError::io(format!("running {:?}", cmd.get_program()), e))?;
    if output.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stdout));
    Err(SandboxError::Install {
        dir: data_dir.to_path_buf(),
        // The cause comes first; the rest is generic advice.
        output: text
            .lines()
            .filter(|l| !l.contains("[Warning]"))
            .take(8)
            .collect::<Vec<_>>()
            .join("\n"),
    })
}

/// The options every sandbox server gets, before the caller's extra ones.
fn base_args(binary: &ServerBinary, root: &Path, data_dir: &Path, port: u16) -> Vec<String> {
    let mut socket = root.join("s.sock");
    if socket.as_os_str().len() > MAX_SOCKET_PATH {
        socket = std::env::temp_dir().join(format!("cdc-sbx-{port}.sock"));
    }
    let mut args = vec![
        // Must be first: the server only honours it as the first option.
        "--no-defaults".to_string(),
        format!("--datadir={}", data_dir.display()),
        format!("--port={port}"),
        format!("--bind-address={HOST}"),
        format!("--socket={}", socket.display()),
        format!("--pid-file={}", root.join("server.pid").display()),
        format!("--log-error={}", error_log_path(root).display()),
        format!("--tmpdir={}", root.join("tmp").display()),
        "--skip-name-resolve".to_string(),
        "--innodb-buffer-pool-size=16M".to_string(),
    ];
    args.extend(flavor_args(binary.is_mysql(), binary.version_number()));
    if process::running_as_root() {
        args.push("--user=root".to_string());
    }
    args
}

/// What differs between MySQL and MariaDB in a small local server's start-up.
fn flavor_args(mysql: bool, version: Version) -> Vec<String> {
    if !mysql {
        return vec!["--innodb-log-file-size=4M".to_string()];
    }
    let mut args = vec![
        // The default directory (/var/lib/mysql-files) rarely exists outside a package
        // install; without it the server refuses to start.
        "--secure-file-priv=".to_string(),
    ];
    if version >= Version::new(8, 0, 0) {
        // Else the X plugin also takes port 33060, which a second server cannot have.
        args.push("--mysqlx=OFF".to_string());
    }
    if version >= Version::new(8, 0, 30) {
        // innodb_log_file_size is gone in 9.x; 8 MB is the smallest capacity allowed.
        args.push("--innodb-redo-log-capacity=32M".to_string());
    } else {
        args.push("--innodb-log-file-size=4M".to_string());
    }
    args
}

pub(super) fn spawn_and_wait(
    binary: &ServerBinary,
    root: &Path,
    data_dir: &Path,
    port: u16,
    extra: &[String],
) -> Result<Child, SandboxError> {
    let log_path = error_log_path(root);
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| SandboxError::io(format!("opening {}", log_path.display()), e))?;
    // Only this attempt's lines matter when explaining a failure.
    let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);
    let log_err = log
        .try_clone()
        .map_err(|e| SandboxError::io("duplicating the log handle", e))?;
    let mut child = Command::new(&binary.server)
        .args(base_args(binary, root, data_dir, port))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        // Its own process group: a Ctrl-C aimed at `cdc` must not kill a persistent
        // sandbox, which outlives the command that started it.
        .process_group(0)
        .spawn()
        .map_err(|e| SandboxError::io(format!("starting {}", binary.server.display()), e))?;

    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let tail = log_since(&log_path, log_start);
            if tail.contains("Address already in use") {
                return Err(SandboxError::PortInUse { port });
            }
            return Err(SandboxError::Exited {
                status: status.to_string(),
                log_tail: last_lines(&tail, 20),
            });
        }
        if is_ours(port, data_dir) {
            return Ok(child);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(SandboxError::StartTimeout {
                secs: START_TIMEOUT.as_secs(),
                log_tail: last_lines(&log_since(&log_path, log_start), 20),
            });
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// True when root can connect on `port` *and* that server uses `data_dir`: if another
/// process grabbed the port first, our server exits but a connection would still succeed.
fn is_ours(port: u16, data_dir: &Path) -> bool {
    let probe_timeout = Duration::from_secs(2);
    let Ok(mut conn) = client::connect_within(HOST, port, "root", "", probe_timeout) else {
        return false;
    };
    let Ok(Some(reported)) = client::query_value(&mut conn, "SELECT @@datadir") else {
        return false;
    };
    let reported = Path::new(reported.trim_end_matches('/'));
    match (reported.canonicalize(), data_dir.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => reported == data_dir,
    }
}

fn log_since(path: &Path, offset: u64) -> String {
    let mut text = String::new();
    if let Ok(mut f) = File::open(path) {
        if f.seek(SeekFrom::Start(offset)).is_ok() {
            let mut bytes = Vec::new();
            let _ = f.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    text
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_defaults_comes_first_and_socket_stays_short() {
        let long = PathBuf::from(format!("/{}", "d".repeat(120)));
        let binary = ServerBinary {
            server: PathBuf::from("/nonexistent/mariadbd"),
            init: InitTool::InstallDb(PathBuf::from("/nonexistent/mariadb-install-db")),
        };
        let args = base_args(&binary, &long, &long.join("data"), 3307);
        assert_eq!(args[0], "--no-defaults");
        let socket = args.iter().find(|a| a.starts_with("--socket=")).unwrap();
        assert!(
            socket.len() - "--socket=".len() <= MAX_SOCKET_PATH,
            "{socket}"
        );
        assert!(args.contains(&"--port=3307".to_string()));
        assert!(args.contains(&"--bind-address=127.0.0.1".to_string()));
    }

    #[test]
    fn mysql_gets_its_own_start_up_options() {
        let maria = flavor_args(false, Version::new(10, 11, 9));
        assert_eq!(maria, ["--innodb-log-file-size=4M"]);
        let mysql97 = flavor_args(true, Version::new(9, 7, 4));
        assert!(mysql97.contains(&"--mysqlx=OFF".to_string()), "{mysql97:?}");
        assert!(mysql97.contains(&"--secure-file-priv=".to_string()));
        assert!(
            !mysql97
                .iter()
                .any(|a| a.starts_with("--innodb-log-file-size")),
            "9.x has no innodb_log_file_size: {mysql97:?}"
        );
        let mysql57 = flavor_args(true, Version::new(5, 7, 44));
        assert!(
            !mysql57.iter().any(|a| a.starts_with("--mysqlx")),
            "{mysql57:?}"
        );
    }

    #[test]
    fn last_lines_keeps_the_tail() {
        assert_eq!(last_lines("a\nb\nc\n", 2), "b\nc");
        assert_eq!(last_lines("a", 5), "a");
    }
}
