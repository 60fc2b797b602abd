//! `cdc doctor --fix`: the fixes of the checks that did not pass, sorted into what can be
//! applied online now, what needs the option file and a restart, and what only a person can do.

use serde::Serialize;

use super::result::{Report, Status};
use super::spec::Origin;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FixKind {
    /// SET PERSIST / SET GLOBAL / GRANT: takes effect online; `--apply` can run these.
    Dynamic,
    /// Option-file (my.cnf / parameter group) changes that need a restart.
    Restart,
    /// Steps with placeholders, console or CLI work, or multi-step procedures.
    Manual,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct PlanItem {
    pub(crate) check: String,
    pub(crate) status: Status,
    pub(crate) kind: FixKind,
    pub(crate) summary: String,
    pub(crate) sql: Vec<String>,
    pub(crate) config: Vec<String>,
    /// Where the check came from: `--apply` runs only what the built-in catalogue says.
    #[serde(skip)]
    pub(crate) origin: Origin,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct FixPlan {
    /// In the order to apply them: grants first (so later checks can see), then settings.
    pub(crate) items: Vec<PlanItem>,
}

impl FixPlan {
    pub(crate) fn from_report(report: &Report) -> FixPlan {
        let mut items: Vec<PlanItem> = report
            .checks
            .iter()
            .filter(|c| matches!(c.status, Status::Fail | Status::Warn | Status::Error))
            .filter_map(|c| {
                let fix = c.fix.as_ref()?;
                // An upgrade restarts the server too, but is no option-file change.
                let kind = if fix.restart && !fix.config.is_empty() {
                    FixKind::Restart
                } else if !fix.sql.is_empty() && fix.sql.iter().all(|s| applicable(s)) {
                    FixKind::Dynamic
                } else {
                    FixKind::Manual
                };
                Some(PlanItem {
                    check: c.id.clone(),
                    status: c.status,
                    kind,
                    summary: fix.summary.clone(),
                    sql: fix.sql.clone(),
                    config: fix.config.clone(),
                    origin: fix.origin.clone(),
                })
            })
            .collect();
        // Stable: within a kind the catalogue's order stays (binlog format before row image).
        items.sort_by_key(|i| (kind_rank(i.kind), !i.check.starts_with("grants.")));
        FixPlan { items }
    }

    pub(crate) fn of_kind(&self, kind: FixKind) -> impl Iterator<Item = &PlanItem> {
        self.items.iter().filter(move |i| i.kind == kind)
    }

    /// The online fixes `--apply` runs: those of built-in checks.
    pub(crate) fn to_apply(&self) -> impl Iterator<Item = &PlanItem> {
        self.of_kind(FixKind::Dynamic)
            .filter(|i| i.origin.is_built_in())
    }

    /// Online fixes `--apply` does not run: they come from a `--checks-dir` file, which could
    /// say any statement. They are printed for a person to review and run.
    pub(crate) fn withheld(&self) -> impl Iterator<Item = &PlanItem> {
        self.of_kind(FixKind::Dynamic)
            .filter(|i| !i.origin.is_built_in())
    }

    /// The statements `--apply` would run, in order.
    pub(crate) fn dynamic_statements(&self) -> Vec<(&str, &str)> {
        self.to_apply()
            .flat_map(|i| i.sql.iter().map(move |s| (i.check.as_str(), s.as_str())))
            .collect()
    }
}

fn kind_rank(k: FixKind) -> u8 {
    match k {
        FixKind::Dynamic => 0,
        FixKind::Restart => 1,
        FixKind::Manual => 2,
    }
}

/// A statement that can run as written: no `<placeholder>`, no commentary, one statement of
/// a kind that changes settings or adds privileges online. REVOKE is never applied
/// automatically: run as an administrator, it would take that administrator's rights away.
pub(crate) fn applicable(sql: &str) -> bool {
    let s = sql.trim().trim_end_matches(';');
    let upper = s.to_ascii_uppercase();
    let allowed = ["SET PERSIST ", "SET GLOBAL ", "SET @@GLOBAL.", "GRANT "];
    allowed.iter().any(|a| upper.starts_with(a))
        && !s.contains('<')
        && !s.contains("--")
        && !s.contains(';')
        && !upper.starts_with("SET PERSIST_ONLY")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::result::{CheckResult, ChosenFix, Severity, SourceSummary};

    fn result(id: &str, status: Status, sql: &[&str], restart: bool) -> CheckResult {
        CheckResult {
            id: id.into(),
            title: id.into(),
            status,
            severity: Severity::Fail,
            observed: String::new(),
            expected: String::new(),
            message: String::new(),
            playbook: "p".into(),
            fix: Some(ChosenFix {
                sql: sql.iter().map(|s| s.to_string()).collect(),
                config: vec!["[mysqld]".into()],
                restart,
                summary: format!("fix {id}"),
                origin: Origin::BuiltIn,
            }),
            position: None,
            playbooks: Vec::new(),
        }
    }

    #[test]
    fn sorts_into_dynamic_restart_and_manual_with_grants_first() {
        let source = SourceSummary {
            url: "mysql://x".into(),
            flavor: None,
            version: None,
            platform: None,
        };
        let report = Report::new(
            source,
            "generic".into(),
            vec![
                result(
                    "binlog.format",
                    Status::Fail,
                    &["SET GLOBAL binlog_format = 'ROW';"],
                    false,
                ),
                result("binlog.enabled", Status::Fail, &[], true),
                result(
                    "grants.replication",
                    Status::Fail,
                    &["GRANT REPLICATION SLAVE ON *.* TO 'u'@'%';"],
                    false,
                ),
                result(
                    "tables.primary_key",
                    Status::Warn,
                    &["ALTER TABLE <schema>.<table> ADD PRIMARY KEY (<columns>);"],
                    false,
                ),
                result(
                    "binlog.row_image",
                    Status::Pass,
                    &["SET GLOBAL binlog_row_image = 'FULL';"],
                    false,
                ),
            ],
        );
        let plan = FixPlan::from_report(&report);
        let order: Vec<(&str, FixKind)> = plan
            .items
            .iter()
            .map(|i| (i.check.as_str(), i.kind))
            .collect();
        assert_eq!(
            order,
            [
                ("grants.replication", FixKind::Dynamic),
                ("binlog.format", FixKind::Dynamic),
                ("binlog.enabled", FixKind::Restart),
                ("tables.primary_key", FixKind::Manual),
            ]
        );
        assert_eq!(plan.dynamic_statements().len(), 2);
        assert_eq!(plan.withheld().count(), 0);
    }

    #[test]
    fn fixes_of_checks_from_files_are_never_applied() {
        let source = SourceSummary {
            url: "mysql://x".into(),
            flavor: None,
            version: None,
            platform: None,
        };
        let mut mine = result(
            "binlog.format",
            Status::Fail,
            &["SET GLOBAL init_connect = 'x';"],
            false,
        );
        if let Some(f) = mine.fix.as_mut() {
            f.origin = Origin::File("mine.yaml".into());
        }
        let builtin = result(
            "binlog.row_image",
            Status::Fail,
            &["SET GLOBAL binlog_row_image = 'FULL';"],
            false,
        );
        let plan =
            FixPlan::from_report(&Report::new(source, "generic".into(), vec![mine, builtin]));
        assert_eq!(
            plan.dynamic_statements(),
            [("binlog.row_image", "SET GLOBAL binlog_row_image = 'FULL';")]
        );
        let withheld: Vec<&str> = plan.withheld().map(|i| i.check.as_str()).collect();
        assert_eq!(withheld, ["binlog.format"]);
    }

    #[test]
    fn only_plain_online_statements_are_applicable() {
        assert!(applicable("SET PERSIST binlog_row_image = 'FULL';"));
        assert!(applicable("GRANT SELECT ON `shop`.* TO 'cdc'@'%';"));
        assert!(!applicable(
            "CALL mysql.rds_set_configuration('binlog retention hours', 168);"
        ));
        assert!(!applicable(
            "SET PERSIST enforce_gtid_consistency = WARN;  -- run the workload"
        ));
        assert!(!applicable("ALTER USER {user} IDENTIFIED BY '<password>';"));
        assert!(!applicable("SET PERSIST_ONLY log_replica_updates = ON;"));
        assert!(!applicable("SHOW GLOBAL STATUS"));
        assert!(!applicable(
            "REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'root'@'%';"
        ));
    }
}
