//! Decoding speed of `cdc tail --file ... --format jsonl` beside
//! `mariadb-binlog -v --base64-output=DECODE-ROWS` on the same binlog, plus cdc's peak memory
//! on a file and on one twice its size. Run: `cargo bench --bench tail`.
//!
//! A real MariaDB writes the binlogs: a table with the common column types gets inserts (big
//! INSERT ... SELECT statements from a sequence), updates and deletes, 500,000 row changes in
//! the first file and 1,000,000 in the second.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use cdc::sandbox::{LocalServer, ServerOptions};
use mysql::prelude::Queryable;

const BASE: u64 = 500_000;
const RUNS: usize = 3;

fn main() {
    let server = LocalServer::start(ServerOptions::cdc_ready()).expect("start a local server");
    server
        .exec(
            "CREATE DATABASE bench; CREATE TABLE bench.t (
               id INT UNSIGNED PRIMARY KEY, qty BIGINT, name VARCHAR(64), price DECIMAL(12,2),
               score DOUBLE, created DATETIME(6), updated TIMESTAMP NULL, day DATE,
               state ENUM('new','paid','shipped'), note TEXT, flag TINYINT, maybe INT NULL)",
        )
        .expect("create the table");

    let small = generate(&server, 1, BASE);
    let large = generate(&server, 2, BASE);

    if let Some(dir) = std::env::var_os("CDC_BENCH_KEEP") {
        // Keep the 1x file for profiling.
        std::fs::copy(&small.0, Path::new(&dir).join("bench-1x.binlog")).expect("keep the file");
    }
    println!(
        "cdc tail --file (jsonl) vs mariadb-binlog -v --base64-output=DECODE-ROWS, best of {RUNS}"
    );
    for (label, (file, rows)) in [("1x", &small), ("2x", &large)] {
        let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        // Best of RUNS each: the machine is shared, the minimum is the least disturbed run.
        let mut cdc_s = f64::MAX;
        let mut rss = None;
        let mut mb_s = f64::MAX;
        for _ in 0..RUNS {
            let (s, r) = time_cdc(file);
            cdc_s = cdc_s.min(s);
            rss = rss.max(r);
            mb_s = mb_s.min(time_mariadb_binlog(file));
        }
        let cdc_rate = *rows as f64 / cdc_s;
        let mb_rate = *rows as f64 / mb_s;
        println!(
            "{label}: {rows} row changes, {:.1} MB: cdc {:.2} s = {:.0} rows/s (peak RSS {} KiB); \
             mariadb-binlog {:.2} s = {:.0} rows/s; ratio {:.2}x",
            size as f64 / 1e6,
            cdc_s,
            cdc_rate,
            rss.map_or("?".into(), |k| k.to_string()),
            mb_s,
            mb_rate,
            cdc_rate / mb_rate
        );
    }
    server.stop();
}

/// Writes `scale` x BASE row changes into a binlog file of their own: inserts (60%), then
/// updates (25%) and deletes (15%). Returns the file and the number of row changes.
fn generate(server: &LocalServer, scale: u64, base: u64) -> (PathBuf, u64) {
    server.exec("FLUSH BINARY LOGS; TRUNCATE bench.t").unwrap();
    let mut conn = server.connect("root", "").unwrap();
    let status: mysql::Row = conn
        .query_first("SHOW MASTER STATUS")
        .unwrap()
        .expect("binlog on");
    let file: String = status.get(0).expect("binlog file");
    let start = Instant::now();
    let n = base * scale;
    let (inserts, updates, deletes) = (n * 60 / 100, n * 25 / 100, n * 15 / 100);
    let chunk = 100_000;
    let mut at = 0;
    while at < inserts {
        let hi = (at + chunk).min(inserts);
        server
            .exec(&format!(
                "INSERT INTO bench.t SELECT seq, CAST(seq AS SIGNED) * 7 - 1000000, CONCAT('customer-', seq),
                   seq / 100, seq / 3, TIMESTAMP('2026-11-22 10:00:00.123456') + INTERVAL seq SECOND,
                   FROM_UNIXTIME(1795341600 + seq), DATE('2026-01-01') + INTERVAL (seq % 365) DAY,
                   ELT(1 + seq % 3, 'new', 'paid', 'shipped'), IF(seq % 10 = 0, NULL, 'some text'),
                   seq % 100, IF(seq % 2 = 0, NULL, seq)
                 FROM bench.seq_{}_to_{}",
                at + 1,
                hi
            ))
            .unwrap();
        at = hi;
    }
    server
        .exec(&format!(
            "UPDATE bench.t SET qty = qty + 1, state = 'paid' WHERE id <= {updates}"
        ))
        .unwrap();
    server
        .exec(&format!(
            "DELETE FROM bench.t WHERE id > {}",
            inserts - deletes
        ))
        .unwrap();
    server.exec("FLUSH BINARY LOGS").unwrap();
    eprintln!(
        "generated {n} row changes into {file} in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    (server.data_dir().join(file), inserts + updates + deletes)
}

/// Seconds for `cdc tail '*.*' --file F --format jsonl > /dev/null`, and its peak RSS (KiB).
fn time_cdc(file: &Path) -> (f64, Option<u64>) {
    let bin = env!("CARGO_BIN_EXE_cdc");
    let args = ["tail", "*.*", "--format", "jsonl", "--file"];
    let timev = Path::new("/usr/bin/time").exists();
    let start = Instant::now();
    let out = if timev {
        Command::new("/usr/bin/time")
            .arg("-v")
            .arg(bin)
            .args(args)
            .arg(file)
            .stdout(Stdio::null())
            .output()
    } else {
        Command::new(bin)
            .args(args)
            .arg(file)
            .stdout(Stdio::null())
            .output()
    }
    .expect("run cdc");
    let secs = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rss = String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok());
    (secs, rss)
}

fn time_mariadb_binlog(file: &Path) -> f64 {
    let start = Instant::now();
    let status = Command::new("mariadb-binlog")
        .args(["-v", "--base64-output=DECODE-ROWS"])
        .arg(file)
        .stdout(Stdio::null())
        .status()
        .expect("run mariadb-binlog");
    assert!(status.success());
    start.elapsed().as_secs_f64()
}
