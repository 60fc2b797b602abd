//! How long `cdc validate --checksum` takes on two identical 1,000,000-row tables (utf8mb4)
//! on two local MariaDB servers, beside reladiff (the maintained data-diff fork) on the same
//! tables in the same run. Run: `cargo bench --bench validate`. reladiff is taken from $RELADIFF,
//! else `reladiff` on PATH (`pip install reladiff 'sqeleton[mysql]'`); without it the data-diff-equivalent
//! passes (a count-only pass and an exact MD5-sum pass over the whole table) stand in.
//! Then the same table as a Delta table written by delta-rs (PyPI deltalake, from the tests'
//! Python environment) beside the MariaDB source: `--checksum` MariaDB to Delta against the
//! MariaDB-to-MariaDB time above (goal: within 2x).

use std::process::Command;
use std::time::{Duration, Instant};

use cdc::connection::mysql_url::SourceConfig;
use cdc::sandbox::{LocalServer, ServerOptions};
use cdc::validate::checksum::Hash;
use cdc::validate::results::TableStatus;
use cdc::validate::table::TableRef;
use cdc::validate::target::{Db, MySqlDb};
use cdc::validate::{validate_table, Mode, Pair, Settings};

const ROWS: u32 = 1_000_000;

fn load(server: &LocalServer) {
    server
        .exec(&format!(
            "CREATE DATABASE bench; \
             CREATE TABLE bench.t (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, \
               amount DECIMAL(12,2) NOT NULL, created DATETIME(6) NOT NULL, note VARCHAR(100) NULL) DEFAULT CHARSET = utf8mb4; \
             INSERT INTO bench.t SELECT seq, CONCAT('customer ', seq), seq / 7, \
               '2024-01-01' + INTERVAL seq * 1000003 MICROSECOND, IF(seq % 10 = 0, NULL, MD5(seq)) \
             FROM bench.seq_1_to_{ROWS}"
        ))
        .expect("load the bench table");
}

fn main() {
    let start = Instant::now();
    let servers: Vec<LocalServer> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let server = LocalServer::start(
                        ServerOptions::default()
                            .arg("--skip-log-bin")
                            .arg("--innodb-buffer-pool-size=512M"),
                    )
                    .expect("start a local server");
                    load(&server);
                    server
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let (a, b) = (&servers[0], &servers[1]);
    println!(
        "two servers with {ROWS} identical rows each, loaded in {:.1} s\n",
        start.elapsed().as_secs_f64()
    );
    let open = |s: &LocalServer| {
        MySqlDb::open(&SourceConfig::parse(&s.root_url()).unwrap()).expect("connect")
    };
    let table = TableRef::parse("bench.t").unwrap();
    let time_cdc = |hash: Hash, mode: Mode| -> Duration {
        let (mut x, mut y) = (open(a), open(b));
        time_cdc_pair(&mut x, &mut y, &table, Some(hash), mode)
    };
    // Warm the buffer pools once so every contender reads from memory.
    time_cdc(Hash::Crc32Xor, Mode::Counts);
    let cdc_crc = best_of(3, || time_cdc(Hash::Crc32Xor, Mode::Checksum));
    let cdc_md5 = best_of(3, || time_cdc(Hash::Md5Sum, Mode::Checksum));
    let cdc_counts = best_of(3, || time_cdc(Hash::Crc32Xor, Mode::Counts));

    println!("{:<58} {:>9}", "", "best of 3");
    row(
        "cdc validate --checksum (CRC32 + BIT_XOR, the default)",
        cdc_crc,
    );
    row(
        "cdc validate --checksum --hash md5-sum (cross-engine)",
        cdc_md5,
    );
    row("cdc validate --counts (count + key sum)", cdc_counts);
    #[cfg(feature = "lakehouse")]
    delta::compare(a, &table, cdc_crc, &time_cdc_pair);

    let reladiff = std::env::var("RELADIFF").unwrap_or_else(|_| "reladiff".to_string());
    let url = |s: &LocalServer| format!("mysql://root@127.0.0.1:{}/bench", s.port());
    let run_reladiff = || -> Option<Duration> {
        let t0 = Instant::now();
        let out = Command::new(&reladiff)
            .args([&url(a), "t", &url(b), "t", "-k", "id", "-c", "%"])
            .output()
            .ok()?;
        let took = t0.elapsed();
        // reladiff exits 0 on some failures (a missing database driver among them) and only
        // logs an ERROR: such a run compared nothing and its time means nothing.
        let stderr = String::from_utf8_lossy(&out.stderr);
        let logged_error = stderr.lines().find(|l| l.contains("ERROR"));
        if !out.status.success() || logged_error.is_some() {
            eprintln!(
                "reladiff failed: {}",
                logged_error.or(stderr.lines().last()).unwrap_or("")
            );
            return None;
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.trim().is_empty(),
            "reladiff found differences: {stdout}"
        );
        Some(took)
    };
    match run_reladiff() {
        Some(first) => {
            let mut best = first;
            for _ in 0..2 {
                best = best.min(run_reladiff().unwrap_or(best));
            }
            row("reladiff -k id -c % (all columns, its defaults)", best);
            println!(
                "\ncdc validate --checksum is {:.1}x faster than reladiff (md5-sum: {:.1}x); goal: 2x",
                best.as_secs_f64() / cdc_crc.as_secs_f64(),
                best.as_secs_f64() / cdc_md5.as_secs_f64()
            );
        }
        None => {
            println!(
                "\nreladiff could not be run ({reladiff}: pip install reladiff 'sqeleton[mysql]', or set RELADIFF); \
                 data-diff-equivalent passes instead:"
            );
            let mut c = open(a);
            let count = best_of(3, || timed(&mut c, "SELECT COUNT(*) FROM bench.t"));
            let md5 = best_of(3, || {
                timed(
                    &mut c,
                    "SELECT COUNT(*), SUM(CAST(CONV(SUBSTRING(MD5(CONCAT_WS('|', id, name, amount, \
                     created, COALESCE(note, '<null>'))), 19), 16, 10) AS UNSIGNED)) FROM bench.t",
                )
            });
            row("one side: COUNT(*) pass", count);
            row("one side: MD5-sum pass (data-diff's per-side work)", md5);
        }
    }
}

/// One `validate_table` of `table` from `source` to `target`; it must match.
fn time_cdc_pair(
    source: &mut dyn Db,
    target: &mut dyn Db,
    table: &TableRef,
    hash: Option<Hash>,
    mode: Mode,
) -> Duration {
    let settings = Settings {
        mode,
        hash,
        ..Settings::default()
    };
    let mut pair = Pair { source, target };
    let t0 = Instant::now();
    let r = validate_table(&mut pair, table, table, &settings, &|_| {});
    let took = t0.elapsed();
    assert_eq!(r.status, TableStatus::Match, "{r:?}");
    assert_eq!(r.source_rows, Some(u64::from(ROWS)));
    took
}

#[cfg(feature = "lakehouse")]
mod delta {
    use std::path::Path;
    use std::process::Command;
    use std::time::{Duration, Instant};

    use cdc::connection::mysql_url::SourceConfig;
    use cdc::lakehouse::{LakeDb, LakeUrl};
    use cdc::sandbox::LocalServer;
    use cdc::validate::checksum::Hash;
    use cdc::validate::table::TableRef;
    use cdc::validate::target::{Db, MySqlDb};
    use cdc::validate::Mode;

    use super::{best_of, row};

    type TimePair = dyn Fn(&mut dyn Db, &mut dyn Db, &TableRef, Option<Hash>, Mode) -> Duration;

    /// Copies `table` from `source` into a Delta table with delta-rs and times `--checksum`
    /// (the default hash for the pair) against `mariadb` (MariaDB to MariaDB, same run).
    pub(super) fn compare(
        source: &LocalServer,
        table: &TableRef,
        mariadb: Duration,
        time: &TimePair,
    ) {
        let env = std::env::var("CDC_PYTHON_ENV").unwrap_or_else(|_| "/var/cache/cdc/py".into());
        let python = Path::new(&env).join("bin/python");
        if !python.exists() {
            println!(
                "\nno Delta comparison: {} missing (bash scripts/setup.sh --test)",
                python.display()
            );
            return;
        }
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lakehouse/write_copy.py");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let t0 = Instant::now();
        let out = Command::new(&python)
            .arg(script)
            .args(["delta", "127.0.0.1", &source.port().to_string(), "root", ""])
            .args(["bench", "t"])
            .arg(dir.path())
            .output()
            .expect("run write_copy.py");
        assert!(
            out.status.success(),
            "write_copy.py: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        println!(
            "\n{} rows copied into a Delta table by delta-rs (PyPI deltalake) in {:.1} s",
            String::from_utf8_lossy(&out.stdout).trim(),
            t0.elapsed().as_secs_f64()
        );
        let url = LakeUrl::parse(&format!("delta://{}", dir.path().display())).unwrap();
        let cfg = SourceConfig::parse(&source.root_url()).unwrap();
        let run = || {
            let mut x = MySqlDb::open(&cfg).expect("connect");
            let mut y = LakeDb::open(&url).expect("open the Delta root");
            time(&mut x, &mut y, table, None, Mode::Checksum)
        };
        run();
        let delta = best_of(3, run);
        row(
            "cdc validate --checksum, MariaDB -> Delta (CRC32 both)",
            delta,
        );
        println!(
            "MariaDB -> Delta takes {:.2}x the MariaDB -> MariaDB time; goal: within 2x",
            delta.as_secs_f64() / mariadb.as_secs_f64()
        );
    }
}

fn timed(db: &mut MySqlDb, sql: &str) -> Duration {
    let t0 = Instant::now();
    db.query(sql).expect("bench query");
    t0.elapsed()
}

fn best_of(n: usize, mut f: impl FnMut() -> Duration) -> Duration {
    (0..n).map(|_| f()).min().unwrap()
}

fn row(label: &str, d: Duration) {
    println!("{label:<58} {:>7.2} s", d.as_secs_f64());
}
