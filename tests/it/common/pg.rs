//! A PostgreSQL server of the test's own (data dir, free port, the settings the case needs),
//! for cases the shared server on 5432 cannot show, such as TLS with a known CA.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct PgServer {
    pub port: u16,
    bin: PathBuf,
    data: PathBuf,
    // Holds the directory until the server is stopped.
    _dir: tempfile::TempDir,
}

impl PgServer {
    /// initdb, then start with trust auth for 127.0.0.0/8 on the addresses `listen` and the
    /// `-c name=value` settings given; files named in `settings` must be under `files`, which
    /// is handed to the server's account.
    pub fn start(listen: &str, settings: &[(&str, String)], files: &[&Path]) -> PgServer {
        let bin = pg_bin_dir();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let port = free_port();
        for f in files {
            give_to_server_account(f);
        }
        give_to_server_account(dir.path());
        as_server_account(
            &bin.join("initdb"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        let hba = data.join("pg_hba.conf");
        let mut text = std::fs::read_to_string(&hba).unwrap();
        text.push_str("host all all 127.0.0.0/8 trust\n");
        std::fs::write(&hba, text).unwrap();

        let mut options = format!(
            "-p {port} -k {} -c listen_addresses={listen} -c fsync=off",
            dir.path().display()
        );
        for (k, v) in settings {
            options.push_str(&format!(" -c {k}={v}"));
        }
        let log = dir.path().join("server.log");
        as_server_account(
            &bin.join("pg_ctl"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        let server = PgServer {
            port,
            bin,
            data,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpListener::bind(("127.0.0.1", port)).is_ok() {
            assert!(Instant::now() < deadline, "PostgreSQL did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let _ = server_account_command(&self.bin.join("pg_ctl"))
            .args(["-D", self.data.to_str().unwrap(), "-m", "immediate", "stop"])
            .output();
    }
}

/// The newest /usr/lib/postgresql/N/bin (Debian's layout), else the directory of pg_ctl on PATH.
fn pg_bin_dir() -> PathBuf {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    dirs.sort();
    if let Some((_, bin)) = dirs.pop() {
        return bin;
    }
    let out = Command::new("sh")
        .args(["-c", "command -v pg_ctl"])
        .output()
        .expect("sh");
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        !path.is_empty(),
        "no PostgreSQL server binaries (initdb, pg_ctl)"
    );
    Path::new(&path).parent().unwrap().to_path_buf()
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// PostgreSQL refuses to run as root: as root, its programs run as the postgres account.
fn server_account_command(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn as_server_account(program: &Path, args: &[&str]) {
    let out = server_account_command(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", program.display()));
    assert!(
        out.status.success(),
        "{} {args:?} failed: {}{}",
        program.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn give_to_server_account(path: &Path) {
    if is_root() {
        let out = Command::new("chown")
            .args(["-R", "postgres:"])
            .arg(path)
            .output()
            .unwrap();
        assert!(out.status.success(), "chown {}", path.display());
    }
}
