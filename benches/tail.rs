//! Decoding speed of `cdc tail --file ... --format jsonl` beside the server's own decoder on
//! the same binlog — `mariadb-binlog -v --base64-output=DECODE-ROWS` for a MariaDB binlog,
//! MySQL 9.7's `mysqlbinlog -v --base64-output=DECODE-ROWS` for a MySQL one — plus cdc's peak
//! memory on a file and on one twice its size. Run: `cargo bench --bench tail` (the MySQL root
//! comes from `scripts/setup.sh --test`; `CDC_SERVER_ROOTS` as for the tests).
//!
//! Real servers write the binlogs: a table with the common column types gets inserts (big
//! INSERT ... SELECT statements from a sequence), updates and deletes, 500,000 row changes in
//! the first file and 1,000,000 in the second.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use cdc::sandbox::{LocalServer, ServerBinary, ServerOptions};
use mysql::prelude::Queryable;

const BASE: u64 = 500_000;
const RUNS: usize = 3;

/// One flavor's run: its server, the peer decoder and how it is named.
struct Flavor {
    name: &'static str,
    server: ServerBinary,
    peer: PathBuf,
    mysql: bool,
}

fn main() {
    let roots = std::env::var_os("CDC_SERVER_ROOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/cdc/roots"));
    let flavors = [
        Flavor {
            name: "mariadb-binlog",
            server: ServerBinary::find().expect("a MariaDB server"),
            peer: PathBuf::from("mariadb-binlog"),
            mysql: false,
        },
        Flavor {
            name: "mysqlbinlog 9.7",
            server: ServerBinary::at(&roots.join("mysql-9.7.bin/mysqld"))
                .expect("the MySQL 9.7 root (bash scripts/setup.sh --test)"),
            peer: roots.join("mysql-9.7.bin/mysqlbinlog"),
            mysql: true,
        },
    ];
    for flavor in &flavors {
        bench(flavor);
    }
}

fn bench(flavor: &Flavor) {
    let server = LocalServer::start_with(flavor.server.clone(), ServerOptions::cdc_ready())
        .expect("start a local server");
    server
        .exec(
            "CREATE DATABASE bench; CREATE TABLE bench.t (
               id INT UNSIGNED PRIMARY KEY, qty BIGINT, name VARCHAR(64), price DECIMAL(12,2),
               score DOUBLE, created DATETIME(6), updated TIMESTAMP NULL, day DATE,
               state ENUM('new','paid','shipped'), note TEXT, flag TINYINT, maybe INT NULL)",
        )
        .expect("create the table");

    let small = generate(&server, flavor.mysql, 1, BASE);
    let large = generate(&server, flavor.mysql, 2, BASE);

    if let Some(dir) = std::env::var_os("CDC_BENCH_KEEP") {
        // Keep the 1x file for profiling.
        let name = format!(
            "bench-1x-{}.binlog",
            if flavor.mysql { "mysql" } else { "mariadb" }
        );
        std::fs::copy(&small.0, Path::new(&dir).join(name)).expect("keep the file");
    }
    println!(
        "cdc tail --file (jsonl) vs {} -v --base64-output=DECODE-ROWS, best of {RUNS}",
        flavor.name
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
            mb_s = mb_s.min(time_peer(&flavor.peer, file));
        }
        let cdc_rate = *rows as f64 / cdc_s;
        let mb_rate = *rows as f64 / mb_s;
        println!(
            "{label}: {rows} row changes, {:.1} MB: cdc {:.2} s = {:.0} rows/s (peak RSS {} KiB); \
             {} {:.2} s = {:.0} rows/s; ratio {:.2}x",
            size as f64 / 1e6,
            cdc_s,
            cdc_rate,
            rss.map_or("?".into(), |k| k.to_string()),
            flavor.name,
            mb_s,
            mb_rate,
            cdc_rate / mb_rate
        );
    }
    server.stop();
}

/// Writes `scale` x BASE row changes into a binlog file of their own: inserts (60%), then
/// updates (25%) and deletes (15%). Returns the file and the number of row changes.
fn generate(server: &LocalServer, mysql: bool, scale: u64, base: u64) -> (PathBuf, u64) {
    server.exec("FLUSH BINARY LOGS; TRUNCATE bench.t").unwrap();
    let mut conn = server.connect("root", "").unwrap();
    let status: mysql::Row = conn
        .query_first(if mysql {
            "SHOW BINARY LOG STATUS"
        } else {
            "SHOW MASTER STATUS"
        })
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
        // MariaDB's sequence engine; a recursive CTE on MySQL (whose depth limit is 1000).
        let setup = if mysql {
            format!("SET SESSION cte_max_recursion_depth = {chunk}; ")
        } else {
            String::new()
        };
        let seq = if mysql {
            format!(
                "(WITH RECURSIVE s (seq) AS (SELECT {} UNION ALL SELECT seq + 1 FROM s \
                 WHERE seq < {hi}) SELECT seq FROM s) AS g",
                at + 1
            )
        } else {
            format!("bench.seq_{}_to_{hi}", at + 1)
        };
        server
            .exec(&format!(
                "{setup}INSERT INTO bench.t SELECT seq, CAST(seq AS SIGNED) * 7 - 1000000, CONCAT('customer-', seq),
                   seq / 100, seq / 3, TIMESTAMP('2026-11-22 10:00:00.123456') + INTERVAL seq SECOND,
                   FROM_UNIXTIME(1795341600 + seq), DATE('2026-01-01') + INTERVAL (seq % 365) DAY,
                   ELT(1 + seq % 3, 'new', 'paid', 'shipped'), IF(seq % 10 = 0, NULL, 'some text'),
                   seq % 100, IF(seq % 2 = 0, NULL, seq)
                 FROM {seq}"
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

fn time_peer(peer: &Path, file: &Path) -> f64 {
    let start = Instant::now();
    let status = Command::new(peer)
        .args(["-v", "--base64-output=DECODE-ROWS"])
        .arg(file)
        .stdout(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("run {}: {e}", peer.display()));
    assert!(status.success());
    start.elapsed().as_secs_f64()
}
