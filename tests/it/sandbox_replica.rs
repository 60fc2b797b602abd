//! `cdc sandbox up --replica`: a second local server fed by binlog replication from the
//! sandbox, the out-of-the-box target for `cdc validate`.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use cdc::connection::mysql_url::SourceConfig;
use mysql::prelude::Queryable;

fn sandbox(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cdc"))
        .arg("sandbox")
        .args(args)
        .env("CDC_SANDBOX_DIR", dir)
        .output()
        .unwrap()
}

fn port_of(url_output: &Output) -> u16 {
    let url = String::from_utf8_lossy(&url_output.stdout)
        .trim()
        .to_string();
    SourceConfig::parse(&url).unwrap().port
}

fn root(port: u16) -> mysql::Conn {
    let opts = mysql::OptsBuilder::new()
        .ip_or_hostname(Some("127.0.0.1"))
        .tcp_port(port)
        .user(Some("root"))
        .prefer_socket(false);
    mysql::Conn::new(opts).unwrap()
}

#[test]
fn the_replica_follows_the_sandbox_source() {
    let dir = tempfile::tempdir().unwrap();
    let up = sandbox(dir.path(), &["up", "--replica"]);
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let source = port_of(&sandbox(dir.path(), &["url"]));
    let replica = port_of(&sandbox(dir.path(), &["url", "--replica"]));
    assert_ne!(source, replica);

    // The sample arrived by replication, and so does a new row.
    let count = |port: u16| -> u64 {
        root(port)
            .query_first("SELECT COUNT(*) FROM retail_db.products")
            .unwrap()
            .unwrap()
    };
    assert_eq!(count(replica), count(source));
    root(source)
        .query_drop(
            "INSERT INTO retail_db.products (product_name, price) VALUES ('replicated', 1.50)",
        )
        .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    while count(replica) != count(source) {
        assert!(Instant::now() < until, "the replica did not follow");
        std::thread::sleep(Duration::from_millis(100));
    }
    // The pair is the out-of-the-box pipeline for `cdc validate --crud`, run as the
    // sandbox's cdc_user on both sides with nothing created by hand.
    let url = |args: &[&str]| {
        String::from_utf8_lossy(&sandbox(dir.path(), args).stdout)
            .trim()
            .to_string()
    };
    let state = tempfile::tempdir().unwrap();
    let crud = Command::new(env!("CARGO_BIN_EXE_cdc"))
        .args(["validate", "--crud", "--format", "json", "--timeout", "20s"])
        .args(["--source", &url(&["url"])])
        .args(["--target", &url(&["url", "--replica"])])
        .env("CDC_STATE_DIR", state.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&crud.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&crud.stderr)));
    assert_eq!(crud.status.code(), Some(0), "{report:#}");
    assert_eq!(report["canary"], "retail_db.cdc_canary");
    let statuses: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["arrived", "arrived", "arrived"], "{report:#}");
    assert_eq!(report["cleaned"], true);
    let canary_rows = |port: u16| -> u64 {
        root(port)
            .query_first("SELECT COUNT(*) FROM retail_db.cdc_canary")
            .unwrap()
            .unwrap()
    };
    assert_eq!(canary_rows(source), 0);
    assert_eq!(canary_rows(replica), 0);

    let status = sandbox(dir.path(), &["status"]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("replica: running"));

    // up --replica again is idempotent: same ports. It also gives a sandbox made before
    // cdc_canary existed (dropped here) the table and cdc_user's grant on it.
    root(source)
        .query_drop("DROP TABLE retail_db.cdc_canary")
        .unwrap();
    assert!(sandbox(dir.path(), &["up", "--replica"]).status.success());
    assert_eq!(canary_rows(source), 0);
    let grants: Vec<String> = root(source)
        .query("SHOW GRANTS FOR 'cdc_user'@'%'")
        .unwrap();
    assert!(
        grants
            .iter()
            .any(|g| g.contains("INSERT, UPDATE, DELETE ON `retail_db`.`cdc_canary`")),
        "{grants:?}"
    );
    assert_eq!(
        port_of(&sandbox(dir.path(), &["url", "--replica"])),
        replica
    );

    // The replica alone stops; the source goes on answering.
    assert!(sandbox(dir.path(), &["down", "--replica"]).status.success());
    let status = String::from_utf8_lossy(&sandbox(dir.path(), &["status"]).stdout).to_string();
    assert!(!status.contains("replica: running"), "{status}");
    assert_eq!(canary_rows(source), 0, "the source still runs");

    assert!(sandbox(dir.path(), &["down", "--purge"]).status.success());
    assert!(!dir.path().exists());
    let gone = mysql::Conn::new(
        mysql::OptsBuilder::new()
            .ip_or_hostname(Some("127.0.0.1"))
            .tcp_port(replica)
            .user(Some("root"))
            .prefer_socket(false)
            .tcp_connect_timeout(Some(Duration::from_secs(2))),
    );
    assert!(gone.is_err(), "the replica still answers after down");
}
