//! `cdc diagnose --log` on a generated 50,000-line connector log, beside `grep -E -i` with the
//! same patterns on the same file. Run: `cargo bench --bench diagnose`.

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use cdc::playbooks::load::Library;
use cdc::playbooks::matcher::Matcher;

const LINES: usize = 50_000;
const RUNS: usize = 10;

fn main() {
    let library = Library::load().unwrap();
    let dir = std::env::temp_dir().join(format!("cdc-bench-diagnose-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("connector.log");
    write_log(&log);
    let patterns = dir.join("patterns.txt");
    let all: Vec<String> = library
        .playbooks
        .iter()
        .flat_map(|p| p.errors.iter().map(|e| e.pattern.clone()))
        .collect();
    std::fs::write(&patterns, all.join("\n")).unwrap();

    let mut ours = Vec::new();
    let mut found = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let matcher = Matcher::new(&library).unwrap();
        let file = std::io::BufReader::new(std::fs::File::open(&log).unwrap());
        found = matcher.scan(file).unwrap().len();
        ours.push(start.elapsed());
    }
    let mut grep = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let out = Command::new("grep")
            .args(["-E", "-i", "-c", "-f"])
            .arg(&patterns)
            .arg(&log)
            .output()
            .expect("grep");
        grep.push(start.elapsed());
        assert!(out.status.success() || out.status.code() == Some(1));
    }
    let _ = std::fs::remove_dir_all(&dir);

    println!(
        "diagnose a {LINES}-line log against {} patterns of {} playbooks ({RUNS} runs, {found} playbooks matched)",
        all.len(),
        library.playbooks.len()
    );
    println!("{:<46} {:>9} {:>12}", "", "median", "lines/s");
    row("cdc diagnose (compile patterns + scan + rank)", &mut ours);
    row("grep -E -i -c -f patterns (count only)", &mut grep);
}

fn row(label: &str, samples: &mut [Duration]) {
    samples.sort();
    let median = samples[samples.len() / 2];
    println!(
        "{label:<46} {:>6.1} ms {:>12.0}",
        median.as_secs_f64() * 1e3,
        LINES as f64 / median.as_secs_f64()
    );
}

/// A Kafka Connect / Debezium style log: mostly routine lines, a few real errors near the end.
fn write_log(path: &std::path::Path) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..LINES - 3 {
        writeln!(
            f,
            "2026-11-22 03:{:02}:{:02},{:03} INFO   ||  [Consumer clientId=connector-consumer-retail-0, groupId=connect-retail] Committing offsets for partition retail_db.orders-{} at offset {} (org.apache.kafka.clients.consumer.internals.ConsumerCoordinator:{})",
            (i / 60) % 60,
            i % 60,
            i % 1000,
            i % 12,
            1_000_000 + i,
            1200 + i % 80
        )
        .unwrap();
    }
    writeln!(f, "2026-11-22 04:00:01,000 ERROR  ||  WorkerSourceTask{{id=retail-0}} Task threw an uncaught and unrecoverable exception").unwrap();
    writeln!(f, "io.debezium.DebeziumException: Got error 1236 from source when reading data from binary log: 'Could not find first log file name in binary log index file' Error code: 1236; SQLSTATE: HY000.").unwrap();
    writeln!(f, "Caused by: com.github.shyiko.mysql.binlog.network.ServerException: Could not find first log file name in binary log index file").unwrap();
}
