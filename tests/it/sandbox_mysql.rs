//! `cdc sandbox up --server PATH` with a real MySQL 9.7: retail_db, cdc_user, the canary
//! table, doctor passing on it, and a MySQL replica for `cdc validate --crud`.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

use mysql::prelude::Queryable;

fn sandbox(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cdc"))
        .arg("sandbox")
        .args(args)
        .env("CDC_SANDBOX_DIR", dir)
        .env_remove("CDC_SANDBOX_SERVER")
        .output()
        .unwrap()
}

/// Stops the sandbox a failed assertion left running.
struct Down<'a>(&'a Path);
impl Drop for Down<'_> {
    fn drop(&mut self) {
        let _ = sandbox(self.0, &["down", "--purge"]);
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn a_mysql_sandbox_works_end_to_end() {
    let mysqld = common::Kind::Mysql97.binary().server;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sbx");
    let _down = Down(&dir);

    let up = sandbox(&dir, &["up", "--server", mysqld.to_str().unwrap()]);
    assert!(up.status.success(), "{}", stderr(&up));
    let url = stdout(&up);
    assert!(url.starts_with("mysql://cdc_user:"), "{url}");

    let status = sandbox(&dir, &["status"]);
    assert!(stdout(&status).contains("MySQL 9.7"), "{}", stdout(&status));

    // The sample, the CDC account and the canary table are there.
    let mut conn = mysql::Conn::new(mysql::Opts::from_url(&url).unwrap()).unwrap();
    let orders: Option<u64> = conn.query_first("SELECT COUNT(*) FROM orders").unwrap();
    assert_eq!(orders, Some(3));
    let canary: Option<u64> = conn
        .query_first(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'cdc_canary'",
        )
        .unwrap();
    assert_eq!(canary, Some(1));
    let version: Option<String> = conn.query_first("SELECT VERSION()").unwrap();
    assert!(version.unwrap().starts_with("9.7"));
    drop(conn);

    // doctor passes on it as it is.
    let (code, report) = common::cdc_json(&["doctor", "--source", &url, "--format", "json"]);
    let bad = common::not_clean(&report);
    assert!(
        bad.is_empty(),
        "doctor is not clean on the sandbox: {bad:#?}"
    );
    assert_eq!(code, 0);
    assert_eq!(report["source"]["flavor"], "mysql");

    // Another server for the same data directory is refused, not started on it.
    let mariadbd = common::Kind::Mariadb1011.binary().server;
    sandbox(&dir, &["down"]);
    let other = sandbox(&dir, &["up", "--server", mariadbd.to_str().unwrap()]);
    assert_eq!(other.status.code(), Some(2), "{}", stderr(&other));
    assert!(stderr(&other).contains("was made by"), "{}", stderr(&other));
    // Without --server, the server that made it comes back with the same URL.
    let again = sandbox(&dir, &["up"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(stdout(&again), url);

    // A MySQL replica of it, and validate's canary across the pair.
    let replica = sandbox(&dir, &["up", "--replica"]);
    assert!(replica.status.success(), "{}", stderr(&replica));
    let target = stdout(&sandbox(&dir, &["url", "--replica"]));
    let out = common::cdc(&[
        "validate",
        "--crud",
        "--source",
        &url,
        "--target",
        &target,
        "--timeout",
        "30s",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    assert!(sandbox(&dir, &["down", "--purge"]).status.success());
    assert!(!dir.exists());
}

#[test]
fn a_file_that_is_no_server_is_refused_by_name() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sbx");
    let out = sandbox(&dir, &["up", "--server", "/bin/true"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("/bin/true is not a MariaDB or MySQL server binary"),
        "{}",
        stderr(&out)
    );
}
