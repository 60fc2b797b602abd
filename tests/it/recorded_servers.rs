//! The whole catalogue against recorded answers of servers that cannot run here: MySQL 8.0,
//! 8.4, Amazon RDS, an Aurora reader. Covers the MySQL-only logic (gtid_mode, PARTIAL_JSON,
//! transaction compression, 8.4's statements, RDS retention).

use crate::common;

use std::time::Duration;

use crate::common::recorded::{Answer, Recorded, RecordedError};
use cdc::checks::catalogue::Catalogue;
use cdc::checks::context::{Link, RunOptions};
use cdc::checks::profile::Profile;
use cdc::checks::result::{CheckResult, Report, Status};
use cdc::checks::run::inspect;
use cdc::connection::session::TlsState;
use cdc::connection::tls::SslMode;
use cdc::report::{render_with_width, Format};
use common::recorded;

fn run_on(mut server: Recorded, profile: Profile) -> Report {
    let catalogue = Catalogue::load(None).unwrap();
    let options = RunOptions {
        profile,
        // Certificate expiry is counted from a fixed day, so the report does not age.
        now: Some(1_795_305_600), // 2026-11-22 00:00:00 UTC
        ..RunOptions::default()
    };
    // A remote server reached over verified TLS, certificate good for years.
    let link = Link {
        endpoint: format!("{}:3306", server.host),
        addresses: vec!["10.0.3.17".parse().unwrap()],
        loopback: false,
        ssl_mode: SslMode::VerifyIdentity,
        tcp: Ok(Duration::from_millis(2)),
        login: Some(Ok(TlsState {
            version: Some("TLSv1.3".into()),
            cipher: Some("TLS_AES_256_GCM_SHA384".into()),
            verified: true,
            server_not_after: Some("Jan  1 00:00:00 2099 GMT".into()),
            fallback_reason: None,
        })),
        tls_required: false,
    };
    let host = server.host.clone();
    let url = format!("mysql://cdc:***@{host}:3306");
    inspect(
        &catalogue,
        url,
        &host,
        link,
        Some(&mut server),
        &options,
        None,
    )
}

fn run(name: &str, profile: Profile) -> Report {
    run_on(recorded(name), profile)
}

fn get<'a>(report: &'a Report, id: &str) -> &'a CheckResult {
    report
        .checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

fn status(report: &Report, id: &str) -> Status {
    get(report, id).status
}

#[test]
fn a_healthy_mysql_8_0_passes_every_check() {
    let report = run("mysql-8.0-self-managed", Profile::Generic);
    assert_eq!(report.source.flavor.as_deref(), Some("mysql"));
    assert_eq!(report.source.platform.as_deref(), Some("self-managed"));
    let bad: Vec<&CheckResult> = report
        .checks
        .iter()
        .filter(|c| !matches!(c.status, Status::Pass | Status::Skip))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    for id in [
        "gtid.mode",
        "binlog.row_value_options",
        "binlog.compression",
        "binlog.row_metadata",
        "binlog.position",
        "binlog.retention",
        "grants.replication",
        "connect.tls",
        "replica.log_updates",
    ] {
        assert_eq!(
            status(&report, id),
            Status::Pass,
            "{id}: {:?}",
            get(&report, id)
        );
    }
    assert!(get(&report, "binlog.retention")
        .observed
        .contains("30 days"));
}

#[test]
fn mysql_8_4_misconfigurations_are_each_reported() {
    let report = run("mysql-8.4-misconfigured", Profile::Generic);
    // 8.4 removed SHOW MASTER STATUS: the position is read with SHOW BINARY LOG STATUS.
    assert_eq!(status(&report, "binlog.position"), Status::Pass);
    assert_eq!(status(&report, "binlog.row_value_options"), Status::Fail);
    assert_eq!(
        get(&report, "binlog.row_value_options").observed,
        "PARTIAL_JSON"
    );
    assert_eq!(status(&report, "binlog.compression"), Status::Fail);
    assert_eq!(status(&report, "binlog.row_image"), Status::Fail);
    assert_eq!(status(&report, "server.time_zone"), Status::Warn);
    assert_eq!(get(&report, "server.time_zone").observed, "CEST");
    let gtid = get(&report, "gtid.mode");
    assert_ne!(gtid.status, Status::Pass);
    assert!(gtid.observed.contains("gtid_mode=OFF"), "{gtid:?}");
    // Privileges held through an active role count.
    assert_eq!(status(&report, "grants.replication"), Status::Pass);
    // MySQL 8 fixes persist across restarts.
    let fix = get(&report, "binlog.row_value_options")
        .fix
        .as_ref()
        .unwrap();
    assert!(fix.sql.iter().any(|s| s.contains("SET PERSIST")), "{fix:?}");
    assert!(report.has_problem(false));
}

#[test]
fn profiles_change_severities() {
    let lakeflow = run("mysql-8.4-misconfigured", Profile::Lakeflow);
    assert_eq!(
        status(&lakeflow, "gtid.mode"),
        Status::Fail,
        "Lakeflow needs GTIDs"
    );
    let generic = run("mysql-8.4-misconfigured", Profile::Generic);
    assert_eq!(status(&generic, "gtid.mode"), Status::Warn);
    let flink = run("mysql-8.4-misconfigured", Profile::FlinkCdc);
    assert_eq!(
        status(&flink, "server.time_zone"),
        Status::Fail,
        "Flink CDC needs an unambiguous zone"
    );
}

#[test]
fn the_gtid_fix_on_mysql_walks_the_online_sequence() {
    let report = run("mysql-8.4-misconfigured", Profile::Lakeflow);
    let fix = get(&report, "gtid.mode").fix.as_ref().unwrap();
    let sql = fix.sql.join("\n");
    let permissive = sql.find("OFF_PERMISSIVE").expect("OFF_PERMISSIVE step");
    let on_permissive = sql.find("ON_PERMISSIVE").expect("ON_PERMISSIVE step");
    assert!(permissive < on_permissive, "{sql}");
    assert!(sql.contains("enforce_gtid_consistency"), "{sql}");
}

#[test]
fn rds_retention_comes_from_rds_configuration() {
    let report = run("mysql-8.0-rds", Profile::Generic);
    assert_eq!(report.source.platform.as_deref(), Some("rds"));
    let retention = get(&report, "binlog.retention");
    assert_eq!(retention.status, Status::Fail, "{retention:?}");
    assert!(retention.observed.contains("NULL"), "{retention:?}");
    let fix = retention.fix.as_ref().unwrap();
    assert!(
        fix.sql
            .iter()
            .any(|s| s.contains("mysql.rds_set_configuration")),
        "{fix:?}"
    );
    // REPLICATION CLIENT is missing from this account's grants.
    assert_eq!(status(&report, "grants.replication"), Status::Fail);

    // Once retention hours are set to a week, the same server passes.
    let mut server = recorded("mysql-8.0-rds");
    for q in &mut server.queries {
        if q.sql
            .as_deref()
            .is_some_and(|s| s.contains("rds_configuration"))
        {
            q.rows = vec![vec![Some("168".into())]];
        }
    }
    let report = run_on(server, Profile::Generic);
    assert_eq!(status(&report, "binlog.retention"), Status::Pass);
}

/// `server` with the answer to the statement containing `fragment` replaced.
fn answering(mut server: Recorded, fragment: &str, answer: Answer) -> Recorded {
    let q = server
        .queries
        .iter_mut()
        .find(|q| q.sql.as_deref().is_some_and(|s| s.contains(fragment)))
        .unwrap_or_else(|| panic!("no recorded statement with {fragment:?}"));
    q.columns = answer.columns;
    q.rows = answer.rows;
    q.error = answer.error;
    server
}

#[test]
fn rds_retention_that_cannot_be_read_is_an_error_not_the_variable() {
    // Without SELECT on mysql.rds_configuration (MySQL answers 1142), the 30 days of
    // binlog_expire_logs_seconds mean nothing on RDS: never a pass on that fallback.
    let denied = Answer {
        sql: None,
        contains: None,
        columns: vec![],
        rows: vec![],
        error: Some(RecordedError {
            code: 1142,
            message: "SELECT command denied to user 'cdc'@'10.0.3.9' for table 'rds_configuration'"
                .into(),
        }),
        unlike_9_7: None,
        on_9_7: None,
    };
    let server = answering(recorded("mysql-8.0-rds"), "rds_configuration", denied);
    let report = run_on(server, Profile::Generic);
    let retention = get(&report, "binlog.retention");
    assert_eq!(retention.status, Status::Error, "{retention:?}");
    assert!(
        retention
            .message
            .contains("SELECT ON mysql.rds_configuration"),
        "{retention:?}"
    );
    assert!(!retention.observed.contains("30 days"), "{retention:?}");
}

#[test]
fn the_rds_master_user_is_an_admin_without_super() {
    let master = Answer {
        sql: None,
        contains: None,
        columns: vec!["Grants for admin@%".into()],
        rows: vec![
            vec![Some("GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, REFERENCES, INDEX, ALTER, SHOW DATABASES, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, REPLICATION CLIENT, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER ON *.* TO `admin`@`%` WITH GRANT OPTION".into())],
            vec![Some("GRANT ROLE_ADMIN,SET_USER_ID,XA_RECOVER_ADMIN ON *.* TO `admin`@`%` WITH GRANT OPTION".into())],
            vec![Some("GRANT `rds_superuser_role`@`%` TO `admin`@`%`".into())],
        ],
        error: None,
        unlike_9_7: None,
        on_9_7: None,
    };
    let server = answering(recorded("mysql-8.0-rds"), "SHOW GRANTS", master);
    let report = run_on(server, Profile::Generic);
    let c = get(&report, "grants.least_privilege");
    assert_eq!(c.status, Status::Warn, "{c:?}");
    assert!(c.message.contains("rds_superuser_role"), "{c:?}");
    assert!(c.message.contains("ROLE_ADMIN"), "{c:?}");
    // RDS's fix is a dedicated account, not a REVOKE on the master user.
    let fix = c.fix.as_ref().unwrap();
    assert!(
        fix.sql.iter().any(|s| s.starts_with("CREATE USER")),
        "{fix:?}"
    );
    assert!(!fix.sql.iter().any(|s| s.starts_with("REVOKE")), "{fix:?}");
}

#[test]
fn aurora_null_retention_speaks_of_aurora() {
    let mut server = recorded("mysql-8.0-rds");
    server
        .variables
        .insert("aurora_version".into(), "3.08.0".into());
    let report = run_on(server, Profile::Generic);
    assert_eq!(report.source.platform.as_deref(), Some("aurora"));
    let retention = get(&report, "binlog.retention");
    assert_eq!(retention.status, Status::Fail, "{retention:?}");
    assert!(retention.observed.contains("Aurora"), "{retention:?}");
    assert!(!retention.observed.contains("RDS"), "{retention:?}");
}

#[test]
fn an_aurora_reader_is_not_a_binlog_source() {
    let report = run("aurora-mysql-3-reader", Profile::Generic);
    assert_eq!(report.source.platform.as_deref(), Some("aurora"));
    assert_eq!(status(&report, "server.aurora_reader"), Status::Fail);
    assert_eq!(status(&report, "binlog.enabled"), Status::Fail);
}

#[test]
fn misconfigured_mysql_report_reads_well() {
    let report = run("mysql-8.4-misconfigured", Profile::Generic);
    insta::assert_snapshot!(render_with_width(&report, Format::Human, false, 120));
}
