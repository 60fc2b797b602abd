//! Helpers shared by the integration tests: real local servers and TLS material.
// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use cdc::sandbox::{create_cdc_user, load_retail_db, LocalServer, ServerBinary, ServerOptions};

pub mod kafka;
pub mod pg;
pub mod prometheus;
pub mod recorded;

/// `on_each_binlog_server!(a, b)`: as [`on_each_server!`], on MariaDB 11.8 as well (whose
/// binlog differs: log_pos 0 inside transactions).
#[allow(unused_macros)]
macro_rules! on_each_binlog_server {
    ($($name:ident),* $(,)?) => {
        on_each_server!($($name),*);
        mod mariadb_11_8 {
            $(#[test] fn $name() { super::$name(super::common::Kind::Mariadb118) })*
        }
    };
}

/// `on_each_server!(a, b)`: each named test function, which takes a [`Kind`], runs on
/// MariaDB 10.11 (`mariadb_10_11::a`) and as its twin on MySQL 9.7 (`mysql_9_7::a`).
#[allow(unused_macros)]
macro_rules! on_each_server {
    ($($name:ident),* $(,)?) => {
        mod mariadb_10_11 {
            $(#[test] fn $name() { super::$name(super::common::Kind::Mariadb1011) })*
        }
        mod mysql_9_7 {
            $(#[test] fn $name() { super::$name(super::common::Kind::Mysql97) })*
        }
    };
}

/// The password `retail_server` gives `cdc_user`.
pub const CDC_PASSWORD: &str = "cdc_pw";

/// The servers the tests run: the machine's MariaDB 10.11, and MySQL 9.7 and MariaDB 11.8
/// from the roots `scripts/setup.sh --test` builds (`scripts/server-roots.sh`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Mariadb1011,
    Mariadb118,
    Mysql97,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Mariadb1011, Kind::Mariadb118, Kind::Mysql97];

    /// The server binary. A missing root is a setup failure, never a skipped test.
    pub fn binary(self) -> ServerBinary {
        let found = match self {
            Kind::Mariadb1011 => ServerBinary::find(),
            Kind::Mariadb118 => ServerBinary::at(&roots().join("mariadb-11.8.bin/mariadbd")),
            Kind::Mysql97 => ServerBinary::at(&roots().join("mysql-9.7.bin/mysqld")),
        };
        found.unwrap_or_else(|e| {
            panic!("{self:?}: {e}\n(run `bash scripts/setup.sh --test` to build the server roots)")
        })
    }

    pub fn is_mysql(self) -> bool {
        self == Kind::Mysql97
    }

    /// REPLICATION CLIENT as this server names it (BINLOG MONITOR on MariaDB 10.5+).
    pub fn replication_client(self) -> &'static str {
        if self.is_mysql() {
            "REPLICATION CLIENT"
        } else {
            "BINLOG MONITOR"
        }
    }

    /// The statement that shows the current binlog file and position.
    pub fn binlog_status(self) -> &'static str {
        if self.is_mysql() {
            "SHOW BINARY LOG STATUS"
        } else {
            "SHOW MASTER STATUS"
        }
    }

    /// How this server's GTIDs begin: MariaDB `0-1-` (domain 0, server 1), MySQL `uuid:`.
    pub fn gtid_prefix(self, server: &LocalServer) -> String {
        if self.is_mysql() {
            let uuid = server.query_value("SELECT @@GLOBAL.server_uuid").unwrap();
            format!("{}:", uuid.unwrap())
        } else {
            "0-1-".to_string()
        }
    }

    /// The server's executed GTID set (MySQL) or binlog position (MariaDB).
    pub fn gtid_position(self) -> &'static str {
        if self.is_mysql() {
            "SELECT @@GLOBAL.gtid_executed"
        } else {
            "SELECT @@GLOBAL.gtid_binlog_pos"
        }
    }
}

/// The server's whole GTID set on one line, as a reader would store it. `kind` picks the
/// form: MySQL's gtid_executed (printed with a newline between uuids), MariaDB's position.
pub fn gtid_set(kind: Kind, server: &LocalServer) -> String {
    server
        .query_value(kind.gtid_position())
        .unwrap()
        .unwrap_or_default()
        .replace('\n', "")
}

/// Where `scripts/server-roots.sh` keeps the roots (`CDC_SERVER_ROOTS` overrides).
pub fn roots() -> PathBuf {
    std::env::var_os("CDC_SERVER_ROOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/cdc/roots"))
}

/// A CDC-ready server (binlog on, ROW, FULL images) with `args` appended; later args win,
/// so `&["--skip-log-bin"]` turns the binlog off.
pub fn server(args: &[&str]) -> LocalServer {
    server_on(Kind::Mariadb1011, args)
}

/// `server(args)` on the server of `kind`.
pub fn server_on(kind: Kind, args: &[&str]) -> LocalServer {
    let opts = args
        .iter()
        .fold(ServerOptions::cdc_ready(), |o, a| o.arg(*a));
    LocalServer::start_with(kind.binary(), opts)
        .unwrap_or_else(|e| panic!("starting a {kind:?} test server: {e}"))
}

/// `server(args)` plus the retail_db sample and `cdc_user` / `cdc_pw`.
pub fn retail_server(args: &[&str]) -> LocalServer {
    retail_server_on(Kind::Mariadb1011, args)
}

/// `retail_server(args)` on the server of `kind`.
pub fn retail_server_on(kind: Kind, args: &[&str]) -> LocalServer {
    let s = server_on(kind, args);
    load_retail_db(&s).unwrap_or_else(|e| panic!("loading retail_db: {e}"));
    create_cdc_user(&s, CDC_PASSWORD).unwrap_or_else(|e| panic!("creating cdc_user: {e}"));
    s
}

/// A CA and a server certificate signed by it, as PEM files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsFiles {
    /// Server options that turn TLS on with these files.
    pub fn server_args(&self) -> Vec<String> {
        vec![
            format!("--ssl-ca={}", self.ca.display()),
            format!("--ssl-cert={}", self.cert.display()),
            format!("--ssl-key={}", self.key.display()),
        ]
    }
}

/// Writes a CA and a server certificate for 127.0.0.1/localhost into `dir` with the
/// `openssl` CLI. `server_days` is the server cert's validity, so a test can make one
/// that expires soon (e.g. 10).
#[rustfmt::skip] // the openssl argument lists read better as written
pub fn tls_certs(dir: &Path, server_days: u32) -> TlsFiles {
    let ca = dir.join("ca.pem");
    let ca_key = dir.join("ca-key.pem");
    let cert = dir.join("server-cert.pem");
    let key = dir.join("server-key.pem");
    let csr = dir.join("server.csr");
    let ext = dir.join("server.ext");
    std::fs::write(
        &ext,
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    let p = |p: &Path| p.to_str().unwrap().to_string();
    openssl(&[
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
        "-subj", "/CN=cdc test CA", "-keyout", &p(&ca_key), "-out", &p(&ca),
    ]);
    openssl(&[
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", &p(&key), "-out", &p(&csr),
    ]);
    openssl(&[
        "x509", "-req", "-in", &p(&csr), "-CA", &p(&ca), "-CAkey", &p(&ca_key),
        "-set_serial", "2", "-days", &server_days.to_string(), "-extfile", &p(&ext),
        "-out", &p(&cert),
    ]);
    TlsFiles { ca, cert, key }
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("running openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Everything a run printed, stdout then stderr: where a password must not be.
pub fn all_output(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// How long one `cdc` run may take in a test before it counts as hung.
const CDC_RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Runs the `cdc` binary with an environment that cannot leak into the test: no CDC_SOURCE,
/// MYSQL_* or colors, and no standard input. A run that does not end within two minutes is
/// killed and fails the test (a hung `--until now` must not hang CI).
pub fn cdc(args: &[&str]) -> std::process::Output {
    use std::process::Stdio;
    let child = Command::new(env!("CARGO_BIN_EXE_cdc"))
        .args(args)
        .env_remove("CDC_SOURCE")
        .env_remove("MYSQL_PWD")
        .env_remove("MYSQL_HOST")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cdc");
    let pid = child.id();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if done_rx.recv_timeout(CDC_RUN_LIMIT).is_err() {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            return true;
        }
        false
    });
    let out = child.wait_with_output().expect("wait for cdc");
    let _ = done_tx.send(());
    let killed = watchdog.join().unwrap_or(false);
    assert!(
        !killed,
        "cdc {args:?} did not end within {CDC_RUN_LIMIT:?}; it printed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `cdc args` and parses its standard output as JSON: (exit code, document).
pub fn cdc_json(args: &[&str]) -> (i32, serde_json::Value) {
    let out = cdc(args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let doc = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), doc)
}

/// The check (or checklist item) with `id` in a JSON report.
pub fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .expect("a report with checks")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report:#}"))
}

/// A binlog file of `tests/fixtures/binlogs/`.
pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/binlogs")
        .join(name)
}

/// A recorded server from `tests/fixtures/servers/NAME.yaml`.
pub fn recorded(name: &str) -> recorded::Recorded {
    let path = format!(
        "{}/tests/fixtures/servers/{name}.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    recorded::Recorded::parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The checks of a JSON report that neither passed nor were skipped.
pub fn not_clean(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    report["checks"]
        .as_array()
        .expect("a report with checks")
        .iter()
        .filter(|c| !matches!(c["status"].as_str(), Some("pass") | Some("skip")))
        .collect()
}

/// Rotates and purges until only the current binlog is left; returns its name. MariaDB keeps
/// a file until its binlog checkpoint has moved past it, shortly after a rotation.
pub fn purge_all_but_the_current_binlog(kind: Kind, server: &LocalServer) -> String {
    use mysql::prelude::Queryable;
    let mut conn = server.connect("root", "").unwrap();
    let mut first_column = |sql: &str| -> Vec<String> {
        conn.query_map(sql, |row: mysql::Row| row.get::<String, _>(0).unwrap())
            .unwrap()
    };
    server.exec("FLUSH BINARY LOGS").unwrap();
    let current = first_column(kind.binlog_status()).remove(0);
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        server
            .exec(&format!("PURGE BINARY LOGS TO '{current}'"))
            .unwrap();
        let left = first_column("SHOW BINARY LOGS");
        if left.len() == 1 {
            return current;
        }
        assert!(
            std::time::Instant::now() < until,
            "binlogs not purged: {left:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// That check's status: pass, warn, fail, skip or error.
pub fn status(report: &serde_json::Value, id: &str) -> String {
    check(report, id)["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A replica of `source` fed by real binlog replication (GTID, as root) on the same kind of
/// server, started with `args` appended, caught up with everything the source had when it
/// returns. It logs no replicated changes unless `args` say so.
pub fn replica_of(source: &LocalServer, args: &[&str]) -> LocalServer {
    let mysql = source.binary().is_mysql();
    let mut all = vec![
        "--server-id=2",
        if mysql {
            "--log-replica-updates=OFF"
        } else {
            "--log-slave-updates=OFF"
        },
    ];
    all.extend_from_slice(args);
    let opts = all
        .iter()
        .fold(ServerOptions::cdc_ready(), |o, a| o.arg(*a));
    let replica = LocalServer::start_with(source.binary().clone(), opts)
        .unwrap_or_else(|e| panic!("starting a replica: {e}"));
    cdc::sandbox::replicate_from(&replica, source.port())
        .unwrap_or_else(|e| panic!("starting replication: {e}"));
    let running_sql = if mysql {
        "SELECT IF(COUNT(*) = 1, 'ON', 'OFF') FROM performance_schema.replication_connection_status \
         WHERE SERVICE_STATE = 'ON'"
    } else {
        "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS \
         WHERE VARIABLE_NAME = 'SLAVE_RUNNING'"
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let running = replica.query_value(running_sql).unwrap();
        if running.as_deref() == Some("ON") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the replica did not start replicating"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    wait_caught_up(source, &replica);
    replica
}

/// Waits (up to 30 s) until `replica` has applied everything `source` has logged so far.
pub fn wait_caught_up(source: &LocalServer, replica: &LocalServer) {
    let caught_up = cdc::sandbox::wait_caught_up(replica, source.port(), 30)
        .unwrap_or_else(|e| panic!("waiting for the replica: {e}"));
    assert!(caught_up, "the replica did not catch up with the source");
}

/// The canary table as `cdc validate --init` makes it, for tests that create it directly.
pub const CANARY_TABLE: &str = "CREATE TABLE retail_db.cdc_canary (\
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, run_id VARCHAR(64) NOT NULL, \
    note VARCHAR(64) NOT NULL, \
    created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), KEY run_id (run_id))";

/// A python-mysql-replication position file in `dir` naming the source's current end, as
/// the seed app stores it: (its path, the binlog file, the position).
pub fn position_file_at_end(
    source: &LocalServer,
    dir: &std::path::Path,
) -> (std::path::PathBuf, String, u64) {
    use mysql::prelude::Queryable;
    let file = dir.join("binlog_position_retail_db_orders.json");
    let mut conn = source.connect("root", "").unwrap();
    let row: mysql::Row = conn.query_first("SHOW MASTER STATUS").unwrap().unwrap();
    let log_file: String = row.get(0).unwrap();
    let log_pos: u64 = row.get(1).unwrap();
    std::fs::write(
        &file,
        format!(r#"{{"log_file":"{log_file}","log_pos":{log_pos},"timestamp":0}}"#),
    )
    .unwrap();
    (file, log_file, log_pos)
}

/// The Python of the pipeline stand-ins' environment (scripts/python-tools.sh).
pub fn python() -> std::path::PathBuf {
    let env = std::env::var("CDC_PYTHON_ENV").unwrap_or_else(|_| "/var/cache/cdc/py".into());
    let p = std::path::Path::new(&env).join("bin/python");
    assert!(
        p.exists(),
        "{} missing: run `bash scripts/setup.sh --test` (scripts/python-tools.sh)",
        p.display()
    );
    p
}

/// Every row of the canary table, heartbeat included.
pub fn canary_rows(server: &LocalServer) -> u64 {
    server
        .query_value("SELECT COUNT(*) FROM retail_db.cdc_canary")
        .unwrap()
        .unwrap()
        .parse()
        .unwrap()
}

/// vt.typed, 3000 rows from `rows_3000` (a FROM clause of `seq` 1..3000): NULLs, empty,
/// quoted and unicode text, decimals, microsecond times, a TINYINT(1) flag, dates, binary
/// and doubles: every kind of value a copy may render differently.
pub fn typed_table_sql(rows_3000: &str) -> String {
    format!(
        "CREATE DATABASE vt; \
             CREATE TABLE vt.typed (id INT PRIMARY KEY, name VARCHAR(100) NULL, \
               amount DECIMAL(12,3) NOT NULL, created DATETIME(6) NOT NULL, \
               seen TIMESTAMP(6) NULL DEFAULT NULL, flag TINYINT(1) NOT NULL, d DATE NULL, \
               payload VARBINARY(20) NULL, ratio DOUBLE NULL) DEFAULT CHARSET=utf8mb4; \
             INSERT INTO vt.typed SELECT seq, \
               CASE seq % 7 WHEN 0 THEN NULL WHEN 1 THEN '' \
                 WHEN 2 THEN CONCAT('O''Brien \"', seq, '\" \\\\ back') \
                 WHEN 3 THEN CONCAT('Zoë 🚀 ', seq) ELSE CONCAT('n', seq) END, \
               (CAST(seq AS SIGNED) - 1500) * 1.2345, \
               '2024-01-01' + INTERVAL seq * 1000777 MICROSECOND, \
               IF(seq % 5 = 0, NULL, '2024-06-01' + INTERVAL seq * 777 MICROSECOND), \
               seq % 2, IF(seq % 11 = 0, NULL, '2020-02-29' + INTERVAL seq DAY), \
               IF(seq % 3 = 0, NULL, UNHEX(SUBSTRING(SHA2(seq, 256), 1, 40))), \
               IF(seq % 4 = 0, NULL, seq / 3) \
             FROM {rows_3000}"
    )
}

/// Waits (up to `within`) for `child` to print "ready" on its stdout: a stand-in pipeline
/// streaming from the binlog.
pub fn await_ready(child: &mut std::process::Child, within: std::time::Duration) {
    use std::io::BufRead;
    let stdout = child.stdout.take().expect("stdout piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(within).unwrap_or_default();
    assert_eq!(line.trim(), "ready", "the stand-in did not start");
}
