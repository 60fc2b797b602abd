//! Items + doctor results + answers → a `Report` the doctor renderers can show.
//!
//! A server item takes the worst status of its checks (a check that was skipped, e.g. one that
//! does not apply to this flavor, does not count unless all were). An attestation passes when
//! answered, and is pending otherwise. Pending is SKIP with a message saying so, so reports keep
//! doctor's five statuses; [`Evaluation::pending`] names the items for `--strict`.

use crate::checks::result::{CheckResult, Report, Severity, SourceSummary, Status};

use super::answers::{Answer, Answers};
use super::spec::{Item, Kind};
use crate::calendar::Date;

/// The message of an unanswered attestation.
pub(crate) const PENDING: &str = "pending: no answer recorded";

/// What evaluation compares answers against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    pub(crate) today: Date,
    /// An answer older than this many days warns; None keeps answers forever.
    pub(crate) max_age_days: Option<i64>,
}

#[derive(Debug, Clone)]
pub(crate) struct Evaluation {
    pub(crate) report: Report,
    /// Items nobody has confirmed yet: unanswered attestations, server items with no source.
    pub(crate) pending: Vec<String>,
}

impl Evaluation {
    /// Exit-code policy: a failure or error is a problem; with `strict`, a warning or a
    /// pending item is too.
    pub fn has_problem(&self, strict: bool) -> bool {
        self.report.has_problem(strict) || (strict && !self.pending.is_empty())
    }
}

/// `server` is doctor's report for the source, None when no source was given.
pub(crate) fn evaluate(
    items: &[Item],
    server: Option<&Report>,
    answers: &Answers,
    policy: &Policy,
    profile: &str,
) -> Evaluation {
    let mut pending = Vec::new();
    let mut results = Vec::with_capacity(items.len());
    let run_profile = crate::checks::profile::Profile::parse_name(profile);
    for item in items {
        // Not asked of this pipeline: a skip, never pending.
        if run_profile.is_some_and(|p| !item.applies_to(p)) {
            let mut out = blank(item, Severity::Warn, String::new());
            out.message = format!("not needed by the {profile} profile");
            results.push(out);
            continue;
        }
        if let Some(why) = answers.not_applicable(&item.id) {
            let mut out = blank(item, Severity::Warn, String::new());
            out.message = format!("not applicable: {why}");
            results.push(out);
            continue;
        }
        let (result, unconfirmed) = match item.kind() {
            Kind::Checks(ids) => (from_server(item, ids, server), server.is_none()),
            Kind::Attest(a) => {
                let answer = answers.get(&item.id);
                (
                    from_answer(item, &a.evidence, answer, policy),
                    answer.is_none(),
                )
            }
        };
        if unconfirmed {
            pending.push(item.id.clone());
        }
        results.push(result);
    }
    let source = server.map(|r| r.source.clone()).unwrap_or(SourceSummary {
        url: "(no source: attestations only)".into(),
        flavor: None,
        version: None,
        platform: None,
    });
    Evaluation {
        report: Report::new(source, profile.to_string(), results).made_by("checklist"),
        pending,
    }
}

fn blank(item: &Item, severity: Severity, expected: String) -> CheckResult {
    CheckResult {
        id: item.id.clone(),
        title: item.title.clone(),
        status: Status::Skip,
        severity,
        observed: String::new(),
        expected,
        message: String::new(),
        playbook: String::new(),
        fix: None,
        position: None,
        playbooks: Vec::new(),
    }
}

fn from_server(item: &Item, ids: &[String], server: Option<&Report>) -> CheckResult {
    let mut out = blank(item, Severity::Warn, String::new());
    let Some(report) = server else {
        out.expected = format!("doctor checks {}", ids.join(", "));
        out.message =
            "not verified: no source (give --source, or set CDC_SOURCE or MYSQL_HOST)".into();
        return out;
    };
    let mut checks = Vec::with_capacity(ids.len());
    for id in ids {
        match report.checks.iter().find(|c| &c.id == id) {
            Some(c) => checks.push(c.clone()),
            None => {
                out.status = Status::Error;
                out.message = format!("doctor check {id} did not run");
                return out;
            }
        }
    }
    let join = |f: &dyn Fn(&CheckResult) -> Option<String>| {
        checks.iter().filter_map(f).collect::<Vec<_>>().join("; ")
    };
    out.severity = checks
        .iter()
        .map(|c| c.severity)
        .max()
        .unwrap_or(Severity::Warn);
    out.expected = join(&|c| Some(format!("{}: {}", c.id, c.expected)));
    out.observed = join(&|c| (!c.observed.is_empty()).then(|| format!("{}: {}", c.id, c.observed)));
    out.message = join(&|c| {
        (c.status != Status::Pass && !c.message.is_empty())
            .then(|| format!("{}: {}", c.id, c.message))
    });
    // The worst check that ran speaks for the item; first of equals, as the list is ordered.
    let worst = checks
        .iter()
        .filter(|c| c.status != Status::Skip)
        .reduce(|a, b| if b.status > a.status { b } else { a });
    match worst {
        Some(w) => {
            out.status = w.status;
            out.playbook = w.playbook.clone();
            out.fix = w.fix.clone();
        }
        None => {
            if let Some(cause) = connection_failure(report) {
                out.status = Status::Error;
                out.message = format!("cannot verify: {cause}");
            }
        }
    }
    out
}

/// Why nothing could be checked: the connection check that did not pass.
fn connection_failure(report: &Report) -> Option<String> {
    report
        .checks
        .iter()
        .filter(|c| c.id == "connect.tcp" || c.id == "connect.auth")
        .find(|c| matches!(c.status, Status::Fail | Status::Error))
        .map(|c| format!("{} {}: {}", c.id, c.status.label(), c.message))
}

fn from_answer(
    item: &Item,
    evidence: &str,
    answer: Option<&Answer>,
    policy: &Policy,
) -> CheckResult {
    let mut out = blank(item, Severity::Warn, evidence.trim().to_string());
    let Some(a) = answer else {
        out.message = PENDING.into();
        return out;
    };
    out.status = Status::Pass;
    out.observed = format!("confirmed by {} on {}", a.by, a.on);
    if let Some(note) = &a.note {
        out.observed.push_str(&format!(" ({note})"));
    }
    if let Some(link) = &a.link {
        out.observed.push_str(&format!(" {link}"));
    }
    let age = policy.today.days() - a.on.days();
    if age < -1 {
        // A day of slack: whoever answered may be a time zone ahead of UTC.
        out.status = Status::Warn;
        out.message = format!("dated {} days in the future: check the date", -age);
    } else if let Some(max) = policy.max_age_days.filter(|max| age > *max) {
        out.status = Status::Warn;
        out.message =
            format!("confirmed {age} days ago, more than the {max} days allowed: confirm it again");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::spec::Attest;
    use crate::checks::result::ChosenFix;
    use crate::checks::spec::Origin;

    fn item(id: &str, checks: Option<&[&str]>) -> Item {
        Item {
            id: id.into(),
            title: format!("{id} title"),
            seed: "seed".into(),
            checks: checks.map(|c| c.iter().map(|s| s.to_string()).collect()),
            attest: checks.is_none().then(|| Attest {
                evidence: "proof".into(),
            }),
            profiles: None,
        }
    }

    fn check(id: &str, status: Status, message: &str) -> CheckResult {
        CheckResult {
            id: id.into(),
            title: id.into(),
            status,
            severity: Severity::Fail,
            observed: format!("{id} seen"),
            expected: "good".into(),
            message: message.into(),
            playbook: format!("{id}-playbook"),
            fix: (status != Status::Pass).then(|| ChosenFix {
                sql: Vec::new(),
                config: Vec::new(),
                restart: false,
                summary: format!("fix {id}"),
                origin: Origin::BuiltIn,
            }),
            position: None,
            playbooks: Vec::new(),
        }
    }

    fn server(checks: Vec<CheckResult>) -> Report {
        let source = SourceSummary {
            url: "mysql://u:***@db:3306".into(),
            flavor: Some("mariadb".into()),
            version: None,
            platform: None,
        };
        Report::new(source, "generic".into(), checks)
    }

    fn policy() -> Policy {
        Policy {
            today: Date::parse("2026-11-10").unwrap(),
            max_age_days: Some(180),
        }
    }

    fn answered(id: &str, on: &str) -> Answers {
        let mut a = Answers::default();
        a.by_id.insert(
            id.into(),
            Answer {
                by: "Jane Doe".into(),
                on: Date::parse(on).unwrap(),
                note: Some("DR-12".into()),
                link: None,
            },
        );
        a
    }

    fn items() -> Vec<Item> {
        vec![
            item(
                "checklist.binlog_config",
                Some(&["binlog.enabled", "binlog.format"]),
            ),
            item("checklist.dr_plan", None),
            item("checklist.monitoring", None),
        ]
    }

    fn get<'a>(e: &'a Evaluation, id: &str) -> &'a CheckResult {
        e.report.checks.iter().find(|c| c.id == id).unwrap()
    }

    #[test]
    fn unanswered_attestations_are_pending_answered_ones_pass() {
        let srv = server(vec![
            check("binlog.enabled", Status::Pass, ""),
            check("binlog.format", Status::Pass, ""),
        ]);
        let e = evaluate(
            &items(),
            Some(&srv),
            &answered("checklist.dr_plan", "2026-11-02"),
            &policy(),
            "generic",
        );
        assert_eq!(e.report.command, "checklist");
        assert_eq!(get(&e, "checklist.binlog_config").status, Status::Pass);
        let dr = get(&e, "checklist.dr_plan");
        assert_eq!(dr.status, Status::Pass);
        assert_eq!(dr.observed, "confirmed by Jane Doe on 2026-11-02 (DR-12)");
        let mon = get(&e, "checklist.monitoring");
        assert_eq!((mon.status, mon.message.as_str()), (Status::Skip, PENDING));
        assert_eq!(e.pending, ["checklist.monitoring"]);
        assert!(!e.has_problem(false));
        assert!(e.has_problem(true), "pending fails --strict");
    }

    #[test]
    fn a_failing_server_check_fails_its_item_with_its_fix() {
        let srv = server(vec![
            check("binlog.enabled", Status::Pass, ""),
            check("binlog.format", Status::Fail, "binlog_format = MIXED"),
        ]);
        let e = evaluate(
            &items(),
            Some(&srv),
            &Answers::default(),
            &policy(),
            "generic",
        );
        let b = get(&e, "checklist.binlog_config");
        assert_eq!(b.status, Status::Fail);
        assert_eq!(b.message, "binlog.format: binlog_format = MIXED");
        assert_eq!(b.playbook, "binlog.format-playbook");
        assert_eq!(b.fix.as_ref().unwrap().summary, "fix binlog.format");
        assert!(b.observed.contains("binlog.enabled: binlog.enabled seen"));
        assert!(e.has_problem(false));
    }

    #[test]
    fn skipped_checks_do_not_hide_a_warning_and_all_skipped_is_skip() {
        let srv = server(vec![
            check("binlog.enabled", Status::Skip, "does not apply"),
            check("binlog.format", Status::Warn, "hmm"),
        ]);
        let e = evaluate(
            &items(),
            Some(&srv),
            &Answers::default(),
            &policy(),
            "generic",
        );
        assert_eq!(get(&e, "checklist.binlog_config").status, Status::Warn);
        let srv = server(vec![
            check("binlog.enabled", Status::Skip, "does not apply"),
            check("binlog.format", Status::Skip, "does not apply"),
        ]);
        let e = evaluate(
            &items(),
            Some(&srv),
            &Answers::default(),
            &policy(),
            "generic",
        );
        assert_eq!(get(&e, "checklist.binlog_config").status, Status::Skip);
        assert!(!e.pending.contains(&"checklist.binlog_config".to_string()));
    }

    #[test]
    fn an_unreachable_source_is_an_error_not_a_skip() {
        let srv = server(vec![
            check("connect.tcp", Status::Fail, "connection refused"),
            check("binlog.enabled", Status::Skip, "skipped: no session"),
            check("binlog.format", Status::Skip, "skipped: no session"),
        ]);
        let e = evaluate(
            &items(),
            Some(&srv),
            &Answers::default(),
            &policy(),
            "generic",
        );
        let b = get(&e, "checklist.binlog_config");
        assert_eq!(b.status, Status::Error);
        assert!(
            b.message.contains("connect.tcp FAIL: connection refused"),
            "{}",
            b.message
        );
    }

    #[test]
    fn without_a_source_server_items_are_pending() {
        let e = evaluate(&items(), None, &Answers::default(), &policy(), "generic");
        let b = get(&e, "checklist.binlog_config");
        assert_eq!(b.status, Status::Skip);
        assert!(b.message.contains("no source"), "{}", b.message);
        assert_eq!(e.pending.len(), 3);
        assert!(!e.has_problem(false));
    }

    #[test]
    fn an_old_answer_warns() {
        let e = evaluate(
            &items(),
            None,
            &answered("checklist.dr_plan", "2025-01-01"),
            &policy(),
            "generic",
        );
        let dr = get(&e, "checklist.dr_plan");
        assert_eq!(dr.status, Status::Warn);
        assert!(
            dr.message.contains("more than the 180 days"),
            "{}",
            dr.message
        );
        let forever = Policy {
            max_age_days: None,
            ..policy()
        };
        let e = evaluate(
            &items(),
            None,
            &answered("checklist.dr_plan", "2025-01-01"),
            &forever,
            "generic",
        );
        assert_eq!(get(&e, "checklist.dr_plan").status, Status::Pass);
    }

    #[test]
    fn items_of_another_pipeline_and_those_said_not_to_apply_are_never_pending() {
        let mut unity = item("checklist.unity_catalog", None);
        unity.profiles = Some(vec![crate::checks::profile::Profile::Lakeflow]);
        let dr = item("checklist.dr_plan", None);
        let items = vec![unity, dr];
        let mut answers = Answers::default();
        answers
            .not_applicable
            .insert("checklist.dr_plan".into(), "a staging copy".into());
        let e = evaluate(&items, None, &answers, &policy(), "debezium");
        assert!(e.pending.is_empty(), "{:?}", e.pending);
        assert_eq!(e.report.checks[0].status, Status::Skip);
        assert_eq!(
            e.report.checks[0].message,
            "not needed by the debezium profile"
        );
        assert_eq!(e.report.checks[1].message, "not applicable: a staging copy");
        // Lakeflow's own run asks for it; the generic profile, knowing no pipeline, too.
        for profile in ["lakeflow", "generic"] {
            let e = evaluate(&items, None, &answers, &policy(), profile);
            assert_eq!(e.pending, ["checklist.unity_catalog"], "{profile}");
        }
    }
}
