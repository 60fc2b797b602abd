//! The pipeline sampler over a real pipeline: a MariaDB 10.11 source and a replica fed by
//! binlog replication as its target.

use crate::common;

use std::time::{Duration, Instant};

use cdc::connection::mysql_url::SourceConfig;
use cdc::pipeline::{E2eLag, OffsetSource, Sample, Sampler, SamplerConfig};
use cdc::sandbox::LocalServer;
use cdc::validate::target::TargetConfig;

fn count(server: &LocalServer, sql: &str) -> u64 {
    server.query_value(sql).unwrap().unwrap().parse().unwrap()
}

fn orders(server: &LocalServer) -> u64 {
    count(server, "SELECT COUNT(*) FROM retail_db.orders")
}

fn applier(replica: &LocalServer, verb: &str) {
    replica.exec(&format!("{verb} SLAVE SQL_THREAD")).unwrap();
}

fn status(sample: &Sample, id: &str) -> String {
    let c = sample.checks.iter().find(|c| c.id == id).unwrap();
    format!("{:?}", c.status)
}

#[test]
fn counts_heartbeat_lag_checks_and_a_source_that_goes_away() {
    // MINIMAL row images: binlog.row_image fails on this source.
    let source = common::retail_server(&["--binlog-row-image=MINIMAL"]);
    let replica = common::replica_of(&source, &[]);
    source.exec(common::CANARY_TABLE).unwrap();
    common::wait_caught_up(&source, &replica);

    let state = tempfile::tempdir().unwrap();
    let (file, _, _) = common::position_file_at_end(&source, state.path());

    let mut config = SamplerConfig::new(
        SourceConfig::parse(&source.url("root", ""))
            .unwrap()
            .with_connect_timeout(Duration::from_secs(3)),
    );
    config.target = Some(TargetConfig::parse(&replica.url("root", "")).unwrap());
    config.tables = vec![
        "retail_db.orders".parse().unwrap(),
        "retail_db.customers".parse().unwrap(),
    ];
    config.canary = Some("retail_db.cdc_canary".parse().unwrap());
    config.offset = Some(OffsetSource::File(file.clone()));
    config.heartbeat_wait = Duration::from_secs(5);
    let mut sampler = Sampler::new(config).unwrap();

    let s = sampler.sample();
    assert!(s.source_up, "{:?}", s.source_error);
    assert_eq!(s.tables[0].table, "retail_db.orders");
    assert_eq!(s.tables[0].source, Some(orders(&source)));
    assert_eq!(s.tables[0].target, Some(orders(&replica)));
    let customers = count(&source, "SELECT COUNT(*) FROM retail_db.customers");
    assert_eq!(
        (s.tables[1].source, s.tables[1].target),
        (Some(customers), Some(customers))
    );
    assert!(s.tables.iter().all(|t| t.error.is_none()), "{:?}", s.tables);
    match s.e2e_lag {
        E2eLag::Seen(d) => assert!(d < Duration::from_secs(5), "{d:?}"),
        other => panic!("the heartbeat did not arrive: {other:?}"),
    }
    // One heartbeat row on each side, whatever the number of samples.
    let beats = "SELECT COUNT(*) FROM retail_db.cdc_canary WHERE run_id = 'cdc-heartbeat'";
    assert_eq!(count(&source, beats), 1);
    assert_eq!(status(&s, "binlog.row_image"), "Fail");
    assert_eq!(status(&s, "position.available"), "Pass");
    let facts = s.position().expect("position facts with an offset");
    assert!(facts.horizon_s.is_some_and(|h| h > 0.0), "{facts:?}");
    assert!(s.offset_error.is_none());

    // The applier stops: rows and heartbeats pile up on the source only.
    applier(&replica, "STOP");
    source
        .exec("INSERT INTO retail_db.orders (customer_id, order_status) VALUES (1, 'new')")
        .unwrap();
    let s = sampler.sample();
    assert_eq!(s.tables[0].source, Some(orders(&source)));
    assert_eq!(
        s.tables[0].target,
        Some(orders(&source) - 1),
        "{:?}",
        s.tables
    );
    let first = match s.e2e_lag {
        E2eLag::Waiting { since } => since,
        other => panic!("a stopped applier is waiting, not {other:?}"),
    };
    std::thread::sleep(Duration::from_millis(300));
    match sampler.sample().e2e_lag {
        E2eLag::Waiting { since } => assert!(since > first, "{since:?} after {first:?}"),
        other => panic!("still waiting, not {other:?}"),
    }
    applier(&replica, "START");
    let s = sampler.sample();
    assert!(matches!(s.e2e_lag, E2eLag::Seen(_)), "{:?}", s.e2e_lag);
    assert_eq!(s.tables[0].target, Some(orders(&source)));
    assert_eq!(count(&source, beats), 1);

    // validate --crud leaves the heartbeat row alone, however old it is.
    source
        .exec(
            "UPDATE retail_db.cdc_canary SET created_at = NOW(6) - INTERVAL 2 HOUR \
             WHERE run_id = 'cdc-heartbeat'",
        )
        .unwrap();
    common::wait_caught_up(&source, &replica);
    let out = common::cdc(&[
        "validate",
        "--crud",
        "--source",
        &source.url("root", ""),
        "--target",
        &replica.url("root", ""),
        "--canary",
        "retail_db.cdc_canary",
        "--timeout",
        "20s",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", common::all_output(&out)));
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["leftovers_removed"], 0, "{report:#}");
    assert_eq!(count(&source, beats), 1);

    // An unreadable offset: position.available says so.
    std::fs::remove_file(&file).unwrap();
    let s = sampler.sample();
    assert_eq!(status(&s, "position.available"), "Error");
    assert!(s
        .offset_error
        .as_deref()
        .unwrap()
        .contains("binlog_position"));

    // The source goes away: the sample says so and the sampler goes on.
    let port = source.port();
    source.stop();
    let until = Instant::now() + Duration::from_secs(20);
    let s = sampler.sample();
    assert!(Instant::now() < until, "a down source took too long");
    assert!(!s.source_up);
    let why = s.source_error.clone().unwrap();
    assert!(why.contains(&port.to_string()), "{why}");
    assert_eq!(s.tables[0].source, None);
    assert_eq!(s.tables[0].target, Some(orders(&replica)));
    assert_eq!(status(&s, "connect.tcp"), "Fail");
}
