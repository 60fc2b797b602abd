//! `cdc monitor` as a service: a real MariaDB source and replica, scraped by a real
//! Prometheus; its alert rules under promtool; and what a bad address or a silent client does.

use crate::common;
use crate::common::prometheus::{self, value, Prometheus};

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cdc::sandbox::LocalServer;

const CANARY: &str = "CREATE TABLE retail_db.cdc_canary (\
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, run_id VARCHAR(64) NOT NULL, \
    note VARCHAR(64) NOT NULL, \
    created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), KEY run_id (run_id))";

/// A password that must show nowhere.
const SECRET: &str = "M0n-s3cret-pw";

/// A `cdc monitor` running in the background, its stderr collected on a thread.
struct Monitor {
    child: Child,
    port: u16,
    stderr: Arc<Mutex<String>>,
}

impl Monitor {
    /// Starts `cdc monitor args --listen 127.0.0.1:0` and reads the port it says it serves on.
    fn start(args: &[&str]) -> Monitor {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cdc"))
            .arg("monitor")
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .env_remove("CDC_SOURCE")
            .env_remove("CDC_TARGET")
            .env_remove("MYSQL_PWD")
            .env_remove("MYSQL_HOST")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run cdc monitor");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 1024];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let until = Instant::now() + Duration::from_secs(60);
        let port = loop {
            let said = stderr.lock().unwrap().clone();
            if let Some(rest) = said.split("cdc monitor: serving http://127.0.0.1:").nth(1) {
                let port = rest.split('/').next().unwrap_or_default();
                break port.parse::<u16>().unwrap_or_else(|_| panic!("{said}"));
            }
            assert!(
                Instant::now() < until,
                "cdc monitor did not say where it serves: {said}"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        Monitor {
            child,
            port,
            stderr,
        }
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// GET /metrics until it answers 200 (up to `secs`): the body.
    fn metrics(&self, secs: u64) -> String {
        let until = Instant::now() + Duration::from_secs(secs);
        loop {
            match prometheus::get(self.port, "/metrics") {
                Some((200, body)) => return body,
                other => assert!(Instant::now() < until, "no metrics: {other:?}"),
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Ctrl-C (SIGINT): the exit code within 10 s.
    fn interrupt(mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-INT", &pid]).status().unwrap();
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn count(server: &LocalServer, table: &str) -> f64 {
    server
        .query_value(&format!("SELECT COUNT(*) FROM {table}"))
        .unwrap()
        .unwrap()
        .parse()
        .unwrap()
}

/// The series of `results` by one label's value, with their numbers.
fn by(results: &[serde_json::Value], label: &str) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = results
        .iter()
        .map(|r| {
            (
                r["metric"][label].as_str().unwrap_or_default().to_string(),
                value(r).unwrap_or(f64::NAN),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn prometheus_scrapes_a_live_pipeline_and_sees_the_source_go_down() {
    let source = common::retail_server(&[]);
    let replica = common::replica_of(&source, &[]);
    source.exec(CANARY).unwrap();
    source
        .exec(&format!(
            "CREATE USER 'mon'@'%' IDENTIFIED BY '{SECRET}'; GRANT ALL ON *.* TO 'mon'@'%'"
        ))
        .unwrap();
    common::wait_caught_up(&source, &replica);

    let source_url = source.url("mon", SECRET);
    let target_url = replica.url("root", "");
    let monitor = Monitor::start(&[
        "--source",
        &source_url,
        "--target",
        &target_url,
        // A pattern, expanded on the source at start.
        "--tables",
        "retail_db.orders,retail_db.cust*",
        "--canary",
        "retail_db.cdc_canary",
        "--interval",
        "1s",
        "--connect-timeout",
        "2s",
    ]);
    let text = monitor.metrics(60);
    let customers = count(&source, "retail_db.customers");
    assert!(
        text.contains(&format!(
            "cdc_table_rows{{table=\"retail_db.customers\",side=\"source\"}} {customers}\n"
        )),
        "{text}"
    );
    assert!(text.contains("# TYPE cdc_source_up gauge\n"), "{text}");

    let prom = Prometheus::start(&[&monitor.addr()]);
    let up = prom.wait_for("cdc_source_up", 60, |r| !r.is_empty());
    assert_eq!(by(&up, "job"), [("cdc".to_string(), 1.0)], "{up:?}");

    let rows = prom.wait_for("cdc_table_rows{side=\"target\"}", 30, |r| r.len() == 2);
    assert_eq!(
        by(&rows, "table"),
        [
            (
                "retail_db.customers".to_string(),
                count(&replica, "retail_db.customers")
            ),
            (
                "retail_db.orders".to_string(),
                count(&replica, "retail_db.orders")
            ),
        ],
        "{rows:?}"
    );
    let source_rows = prom.query("cdc_table_rows{side=\"source\",table=\"retail_db.orders\"}");
    assert_eq!(
        by(&source_rows, "table"),
        [(
            "retail_db.orders".to_string(),
            count(&source, "retail_db.orders")
        )]
    );
    // The source logs ROW events: binlog.format passes.
    let format = prom.query("cdc_check_status{check=\"binlog.format\"}");
    assert_eq!(
        by(&format, "check"),
        [("binlog.format".to_string(), 0.0)],
        "{format:?}"
    );
    // Heartbeats reach the replica within seconds.
    let lag = prom.wait_for("cdc_e2e_lag_seconds", 30, |r| !r.is_empty());
    let lag = lag.first().and_then(value);
    assert!(lag.is_some_and(|l| (0.0..10.0).contains(&l)), "{lag:?}");
    let age = prom.query("time() - cdc_sample_timestamp_seconds");
    assert!(
        age.first().and_then(value).is_some_and(|a| a < 30.0),
        "{age:?}"
    );

    // The source goes away: Prometheus sees it through the monitor.
    let port = source.port();
    source.stop();
    let down = prom.wait_for("cdc_source_up", 60, |r| {
        r.first().and_then(value) == Some(0.0)
    });
    assert_eq!(down.first().and_then(value), Some(0.0), "{down:?}");
    let text = monitor.metrics(5);
    assert!(text.contains("\ncdc_source_up 0\n"), "{text}");
    let said = monitor.stderr();
    assert!(
        said.contains("cdc monitor: the source is down:") && said.contains(&port.to_string()),
        "{said}"
    );
    assert!(
        !text.contains(SECRET) && !said.contains(SECRET),
        "{said}\n{text}"
    );
    assert_eq!(monitor.interrupt(), Some(0));
}

#[test]
fn the_alert_rules_load_and_their_tests_pass() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("monitoring");
    for args in [
        ["check", "rules", "cdc-alerts.yml"],
        ["test", "rules", "cdc-alerts.test.yml"],
    ] {
        let out = Command::new(prometheus::binary("promtool"))
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "promtool {args:?}: {}",
            common::all_output(&out)
        );
    }
}

/// A source URL with a password, on a port nothing listens on.
fn dead_source() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("mysql://mon:{SECRET}@127.0.0.1:{port}/shop")
}

#[test]
fn a_bad_or_busy_listen_address_cannot_run() {
    let source = dead_source();
    let out = common::cdc(&["monitor", "--source", &source, "--listen", "nonsense"]);
    let said = common::all_output(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("error: cannot listen on \"nonsense\""),
        "{said}"
    );

    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let out = common::cdc(&["monitor", "--source", &source, "--listen", &addr]);
    let said = common::all_output(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains(&format!("cannot listen on \"{addr}\"")) && said.contains("in use"),
        "{said}"
    );
    assert!(!said.contains(SECRET), "{said}");

    // A pattern cannot be expanded on a source that does not answer.
    let out = common::cdc(&[
        "monitor",
        "--source",
        &source,
        "--tables",
        "shop.*",
        "--listen",
        "127.0.0.1:0",
        "--connect-timeout",
        "1s",
    ]);
    let said = common::all_output(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("--tables shop.* is a pattern"), "{said}");
    assert!(!said.contains(SECRET), "{said}");
}

#[test]
fn silent_clients_do_not_stop_scrapes_of_a_down_source() {
    let monitor = Monitor::start(&[
        "--source",
        &dead_source(),
        // An exact name is taken as it is while the source is down.
        "--tables",
        "shop.orders",
        "--interval",
        "1s",
        "--connect-timeout",
        "1s",
    ]);
    let silent: Vec<TcpStream> = (0..8)
        .map(|_| TcpStream::connect(("127.0.0.1", monitor.port)).unwrap())
        .collect();
    let t = Instant::now();
    let text = monitor.metrics(30);
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    assert!(text.contains("\ncdc_source_up 0\n"), "{text}");
    assert!(
        text.contains("cdc_check_status{check=\"connect.tcp\"} 2\n"),
        "{text}"
    );
    assert!(
        !text.contains("cdc_table_rows"),
        "no counts from a down source: {text}"
    );
    let (code, body) = prometheus::get(monitor.port, "/other").unwrap();
    assert_eq!(code, 404, "{body}");
    assert!(!text.contains(SECRET) && !monitor.stderr().contains(SECRET));
    drop(silent);
    assert_eq!(monitor.interrupt(), Some(0));
}
