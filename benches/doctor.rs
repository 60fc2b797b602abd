//! How long a full `cdc doctor` run takes against a local server, beside the cost of one
//! round trip with the stock `mariadb` client for scale. Run: `cargo bench --bench doctor`.

use std::process::Command;
use std::time::{Duration, Instant};

use cdc::checks::catalogue::Catalogue;
use cdc::checks::context::RunOptions;
use cdc::commands::doctor::check_source;
use cdc::connection::mysql_url::SourceConfig;
use cdc::sandbox::{create_cdc_user, load_retail_db, LocalServer, ServerOptions};

const RUNS: usize = 30;

fn main() {
    let server = LocalServer::start(ServerOptions::cdc_ready()).expect("start a local server");
    load_retail_db(&server).expect("load retail_db");
    create_cdc_user(&server, "bench_pw").expect("create cdc_user");
    let source = SourceConfig::parse(&server.url("cdc_user", "bench_pw")).unwrap();
    let catalogue = Catalogue::load(None).unwrap();
    let options = RunOptions::default();

    let mut doctor = Vec::with_capacity(RUNS);
    let mut checks = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let report = check_source(&catalogue, &source, &options, None);
        doctor.push(start.elapsed());
        checks = report.checks.len();
        assert_eq!(report.summary.fail, 0, "the bench server should be healthy");
    }

    let mut client = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let ok = Command::new("mariadb")
            .args([
                "-h127.0.0.1",
                "-uroot",
                &format!("-P{}", server.port()),
                "-e",
                "SELECT 1",
            ])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        client.push(start.elapsed());
        assert!(ok, "the mariadb client could not connect");
    }
    // Loading the catalogue is part of every real run too (once per process).
    let start = Instant::now();
    for _ in 0..RUNS {
        Catalogue::load(None).unwrap();
    }
    let load = start.elapsed() / RUNS as u32;

    println!("cdc doctor against a local MariaDB ({checks} checks, {RUNS} runs)");
    println!("{:<44} {:>9} {:>9} {:>9}", "", "min", "median", "max");
    row("cdc doctor: connect + every check", &mut doctor);
    row("mariadb client: connect + SELECT 1", &mut client);
    println!(
        "{:<44} {:>9}",
        "catalogue load (parse + validate YAML)",
        ms(load)
    );
}

fn row(label: &str, samples: &mut [Duration]) {
    samples.sort();
    println!(
        "{label:<44} {:>9} {:>9} {:>9}",
        ms(samples[0]),
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() - 1])
    );
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}
