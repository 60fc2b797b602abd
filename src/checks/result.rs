//! What a check run produces. Renderers read these; nothing here prints.

use serde::Serialize;

use super::spec::Origin;

/// Outcome of one check. Ordered from best to worst so a summary can take the max.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Skip,
    Warn,
    Fail,
    Error,
}

impl Status {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Skip => "SKIP",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Error => "ERROR",
        }
    }
}

/// How bad a violated expectation is. A check's severity can differ per profile.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Warn,
    Fail,
}

impl Severity {
    /// "warn" / "fail", as in the YAML and the JSON.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Severity::Warn => "warn",
            Severity::Fail => "fail",
        }
    }

    pub(crate) fn status(self) -> Status {
        match self {
            Severity::Warn => Status::Warn,
            Severity::Fail => Status::Fail,
        }
    }
}

/// The fix chosen for the detected flavor and platform.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChosenFix {
    /// Statements to run on the server (dynamic changes, grants).
    pub sql: Vec<String>,
    /// Lines for the server's option file (my.cnf) or the platform's parameter group.
    pub(crate) config: Vec<String>,
    /// Whether the change only takes effect after a server restart.
    pub(crate) restart: bool,
    /// One line saying what to do, for tables and summaries.
    pub summary: String,
    /// The check's origin: `--fix --apply` runs built-in fixes only. Not in the JSON.
    #[serde(skip)]
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    pub id: String,
    pub(crate) title: String,
    pub status: Status,
    pub(crate) severity: Severity,
    pub observed: String,
    pub(crate) expected: String,
    pub message: String,
    pub(crate) playbook: String,
    /// Present when the check did not pass and the catalogue has a fix for this server.
    pub fix: Option<ChosenFix>,
    /// position.available's measurements; absent from every other check's JSON.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub position: Option<PositionFacts>,
    /// connector.tasks: the playbooks a failed task's trace matched, best first (JSON
    /// `playbooks`, present only when there are some).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub playbooks: Vec<String>,
}

/// Where a stored position stands: in position.available's JSON entry as `horizon_s`
/// (seconds until the server purges it; null when nothing purges or it is unknown),
/// `bytes_behind` and `seconds_behind` (null when unknown).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PositionFacts {
    pub horizon_s: Option<f64>,
    pub bytes_behind: Option<u64>,
    pub seconds_behind: Option<f64>,
    /// The standing in words ("purged in about 31 h; the connector is 2 h behind"), for
    /// screens; the JSON carries the numbers.
    #[serde(skip)]
    pub words: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub(crate) pass: usize,
    pub(crate) warn: usize,
    pub fail: usize,
    pub(crate) skip: usize,
    pub(crate) error: usize,
}

impl Summary {
    pub(crate) fn of(results: &[CheckResult]) -> Summary {
        let mut s = Summary::default();
        for r in results {
            match r.status {
                Status::Pass => s.pass += 1,
                Status::Warn => s.warn += 1,
                Status::Fail => s.fail += 1,
                Status::Skip => s.skip += 1,
                Status::Error => s.error += 1,
            }
        }
        s
    }
}

/// The source as the report shows it. `url` is always redacted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceSummary {
    pub(crate) url: String,
    pub flavor: Option<String>,
    pub(crate) version: Option<String>,
    pub platform: Option<String>,
}

/// A whole doctor run: what every renderer reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub source: SourceSummary,
    pub(crate) profile: String,
    pub checks: Vec<CheckResult>,
    pub summary: Summary,
    /// The command that made it ("doctor", "checklist"): titles in markdown and JUnit.
    /// Not in the JSON, whose shape is the same for every command.
    #[serde(skip)]
    pub(crate) command: &'static str,
}

impl Report {
    pub(crate) fn new(source: SourceSummary, profile: String, checks: Vec<CheckResult>) -> Report {
        let summary = Summary::of(&checks);
        Report {
            source,
            profile,
            checks,
            summary,
            command: "doctor",
        }
    }

    /// The same report, titled as `command`'s.
    pub(crate) fn made_by(self, command: &'static str) -> Report {
        Report { command, ..self }
    }

    /// `--quiet`: only the checks that did not pass (WARN, FAIL, ERROR) and those named in
    /// `also` (pending checklist items), the summary still of the whole run.
    pub(crate) fn only_problems(&self, also: &[String]) -> Report {
        let mut shown = self.clone();
        shown.checks.retain(|c| {
            matches!(c.status, Status::Warn | Status::Fail | Status::Error) || also.contains(&c.id)
        });
        shown
    }

    /// Exit-code policy: a failure (or an error) is a problem; with `strict`, a warning is too.
    pub fn has_problem(&self, strict: bool) -> bool {
        self.summary.fail > 0 || self.summary.error > 0 || (strict && self.summary.warn > 0)
    }
}
