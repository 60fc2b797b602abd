//! The playbooks as data: they load, they link to checks and back, their error patterns match
//! their own examples, and their diagnostic queries run on real MariaDB 10.11, 11.8 and MySQL 9.7
//! servers.

use crate::common;

use std::collections::HashSet;

use cdc::checks::catalogue::Catalogue;
use cdc::checks::condition::{when_holds, Facts};
use cdc::checks::probe::select;
use cdc::checks::profile::Profile;
use cdc::checks::scope::TableScope;
use cdc::checks::spec::Probe;
use cdc::connection::server::{Flavor, Platform, Version};
use cdc::playbooks::load::{compile_pattern, Library};
use mysql::prelude::Queryable;

/// Issues of the troubleshooting guides (seeds 000, 001, 003, 004) and duplicate-server-id.
const GUIDE_IDS: &[&str] = &[
    "binlog-disabled",
    "binlog-format-not-row",
    "gtid-not-enabled",
    "connection-failed",
    "tls-errors",
    "gateway-provisioning",
    "gateway-disconnecting",
    "table-not-found",
    "schema-mismatch",
    "checkpoint-corruption",
    "changes-not-captured",
    "binlog-position-purged",
    "slow-pipeline",
    "foreign-key-ordering",
    "replication-permissions",
    "schema-evolution",
    "high-latency",
    "lost-position",
    "snapshot-problems",
    "schema-history-topic",
    "duplicate-server-id",
];

/// Required error texts and the playbook `diagnose` must attribute each to.
const REQUIRED_EXAMPLES: &[(&str, &str)] = &[
    ("binlog-position-purged", "Got error 1236 from source when reading data from binary log: 'Could not find first log file name in binary log index file'"),
    ("binlog-position-purged", "Got fatal error 1236 from master when reading data from binary log: 'Could not find first log file name in binary log index file'"),
    ("binlog-position-purged", "The slave is connecting using CHANGE MASTER TO MASTER_AUTO_POSITION = 1, but the master has purged binary logs containing GTIDs that the slave requires."),
    ("replication-permissions", "Access denied; you need (at least one of) the REPLICATION SLAVE privilege(s) for this operation"),
    ("replication-permissions", "Access denied; you need (at least one of) the SUPER, BINLOG MONITOR privilege(s) for this operation"),
    ("replication-permissions", "Access denied; you need (at least one of) the SUPER, REPLICATION CLIENT privilege(s) for this operation"),
    ("duplicate-server-id", "A slave with the same server_uuid/server_id as this slave has connected to the master"),
    ("server-time-zone", "The server time zone value 'CEST' is unrecognized or represents more than one time zone."),
    ("binlog-format-not-row", "The database server is not configured to use a ROW binlog_format, which is required for this connector to work properly. Change the database configuration to use a binlog_format=ROW and restart the connector."),
    ("connection-failed", "Access denied for user 'cdc_user'@'10.0.0.5' (using password: YES)"),
    ("connection-failed", "Communications link failure"),
    ("connection-failed", "Connection refused"),
    ("connection-failed", "Can't connect to MySQL server on 'db' (110)"),
    ("tls-errors", "Connections using insecure transport are prohibited while --require_secure_transport=ON."),
    ("binlog-disabled", "Binary log is not enabled"),
    ("table-not-found", "Table 'retail_db.customers' doesn't exist"),
];

fn library() -> Library {
    Library::load().expect("every playbook loads")
}

fn check_ids() -> HashSet<String> {
    Catalogue::load(None)
        .expect("checks load")
        .specs
        .into_iter()
        .map(|c| c.id)
        .collect()
}

#[test]
fn playbooks_load_with_unique_ids() {
    let lib = library();
    let mut seen = HashSet::new();
    for p in &lib.playbooks {
        assert!(seen.insert(p.id.clone()), "duplicate playbook id {}", p.id);
        assert!(!p.symptoms.is_empty(), "{}: no symptoms", p.id);
        assert!(!p.causes.is_empty(), "{}: no causes", p.id);
        assert!(!p.resolution.is_empty(), "{}: no resolution", p.id);
        assert!(!p.verify.is_empty(), "{}: no verify", p.id);
        assert!(!p.sources.is_empty(), "{}: no sources", p.id);
    }
}

#[test]
fn every_check_names_an_existing_playbook() {
    let lib = library();
    for check in Catalogue::load(None).unwrap().specs {
        assert!(
            lib.get(&check.playbook).is_some(),
            "check {} names playbook {:?}, which does not exist",
            check.id,
            check.playbook
        );
    }
}

#[test]
fn guarded_by_names_existing_checks() {
    let ids = check_ids();
    for p in library().playbooks {
        for g in &p.guarded_by {
            assert!(
                ids.contains(g),
                "{}: guarded_by names unknown check {g:?}",
                p.id
            );
        }
    }
}

#[test]
fn checks_and_guarded_by_agree() {
    // A check that points at a playbook guards it: the playbook should say so.
    let lib = library();
    for check in Catalogue::load(None).unwrap().specs {
        let p = lib.get(&check.playbook).unwrap();
        assert!(
            p.guarded_by.contains(&check.id),
            "playbook {} does not list its check {} in guarded_by",
            p.id,
            check.id
        );
    }
}

#[test]
fn error_examples_match_their_patterns() {
    for p in library().playbooks {
        for e in &p.errors {
            let re = compile_pattern(&e.pattern).unwrap();
            assert!(
                re.is_match(&e.example),
                "{}: pattern {:?} does not match its example {:?}",
                p.id,
                e.pattern,
                e.example
            );
            assert!(!e.origin.is_empty(), "{}: error without origin", p.id);
        }
    }
}

/// The playbook whose patterns match `line` with the highest weight.
fn best_match<'a>(lib: &'a Library, line: &str) -> Option<(&'a str, u8)> {
    let mut best: Option<(&str, u8)> = None;
    for p in &lib.playbooks {
        for e in &p.errors {
            if compile_pattern(&e.pattern).unwrap().is_match(line) {
                let w = e.weight.unwrap_or(5);
                if best.is_none_or(|(_, bw)| w > bw) {
                    best = Some((&p.id, w));
                }
            }
        }
    }
    best
}

#[test]
fn required_examples_are_attributed_to_their_playbook() {
    let lib = library();
    for (id, text) in REQUIRED_EXAMPLES {
        let p = lib
            .get(id)
            .unwrap_or_else(|| panic!("missing playbook {id}"));
        let own = p
            .errors
            .iter()
            .any(|e| compile_pattern(&e.pattern).unwrap().is_match(text));
        assert!(own, "{id}: no pattern matches {text:?}");
        let (winner, _) = best_match(&lib, text).unwrap();
        assert_eq!(winner, *id, "{text:?} ranks {winner} above {id}");
    }
}

#[test]
fn no_pattern_is_over_broad() {
    let lib = library();
    for line in [
        "INFO  Starting connector",
        "ERROR something went wrong",
        "timeout",
        "WARN  error",
    ] {
        assert!(
            best_match(&lib, line).is_none(),
            "{line:?} should match no playbook, matched {:?}",
            best_match(&lib, line)
        );
    }
}

#[test]
fn every_guide_issue_has_a_playbook() {
    let lib = library();
    for id in GUIDE_IDS {
        let p = lib
            .get(id)
            .unwrap_or_else(|| panic!("guide issue {id} has no playbook"));
        assert!(!p.sources.is_empty());
    }
}

#[test]
fn databricks_gateway_steps_are_scoped() {
    use cdc::playbooks::spec::StepScope;
    let lib = library();
    for id in [
        "gateway-provisioning",
        "gateway-disconnecting",
        "checkpoint-corruption",
    ] {
        let p = lib.get(id).unwrap();
        assert!(
            p.resolution
                .iter()
                .any(|s| s.on.contains(&StepScope::Databricks)),
            "{id}: no step marked on: [databricks]"
        );
    }
}

/// Runs every playbook diagnostic that applies to a self-managed server of `kind` (the
/// variant its `when` picks, as `cdc playbook --run` does) and fails on any statement the
/// server rejects and any variable it does not have.
fn diagnostics_run_on(kind: common::Kind) {
    let server = common::retail_server_on(kind, &[]);
    let version_string = server.query_value("SELECT VERSION()").unwrap().unwrap();
    let version = Version::parse(&version_string).unwrap();
    let facts = Facts {
        flavor: Some(if kind.is_mysql() {
            Flavor::Mysql
        } else {
            Flavor::Mariadb
        }),
        version: Some(version),
        platform: Some(Platform::SelfManaged),
        profile: Profile::Generic,
        snapshot_locking: None,
    };
    let mut conn = server.connect("root", "").unwrap();
    let scope = TableScope::default();
    let mut ran = 0;
    let mut failures = Vec::new();
    for p in library().playbooks {
        for d in &p.diagnostics {
            if !when_holds(d.when.as_ref(), &facts) {
                continue;
            }
            let Some(probe) = select(&d.probe, &facts) else {
                continue;
            };
            let variables: Vec<&str> = match probe {
                Probe::Variable { name, .. } => vec![name.as_str()],
                Probe::Variables { names } => names.iter().map(String::as_str).collect(),
                _ => Vec::new(),
            };
            for v in variables {
                let found: Vec<(String, String)> = conn
                    .query(format!("SHOW GLOBAL VARIABLES LIKE '{v}'"))
                    .unwrap();
                if found.is_empty() {
                    failures.push(format!("{} / {}: no variable {v}", p.id, d.title));
                }
                ran += 1;
            }
            if let Probe::Sql { sql, .. } = probe {
                let sql = scope.expand(sql).unwrap();
                let upper = sql.trim_start().to_ascii_uppercase();
                assert!(
                    upper.starts_with("SELECT") || upper.starts_with("SHOW"),
                    "{}: diagnostic SQL must be read-only: {sql}",
                    p.id
                );
                assert!(
                    !sql.trim_end().trim_end_matches(';').contains(';'),
                    "{}: one statement only: {sql}",
                    p.id
                );
                match conn.query_iter(&sql) {
                    Ok(mut result) => {
                        // Drain every result set so errors in later rows surface.
                        while let Some(set) = result.iter() {
                            for row in set {
                                if let Err(e) = row {
                                    failures.push(format!("{} / {}: {e}", p.id, d.title));
                                }
                            }
                        }
                    }
                    Err(e) => failures.push(format!("{} / {}: {e}\n  {sql}", p.id, d.title)),
                }
                ran += 1;
            }
        }
    }
    eprintln!("{ran} diagnostic probes ran on {kind:?} {version}");
    assert!(ran > 20, "only {ran} diagnostics ran");
    assert!(
        failures.is_empty(),
        "diagnostics failed on {kind:?} {version}:\n{}",
        failures.join("\n")
    );
}

#[test]
fn diagnostics_run_on_mariadb_10_11() {
    diagnostics_run_on(common::Kind::Mariadb1011);
}

#[test]
fn diagnostics_run_on_mariadb_11_8() {
    diagnostics_run_on(common::Kind::Mariadb118);
}

#[test]
fn diagnostics_run_on_mysql_9_7() {
    diagnostics_run_on(common::Kind::Mysql97);
}
