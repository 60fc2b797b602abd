//! Runs the catalogue against a context: every check, in order, into results.

use super::condition::{any_matches, when_holds, Facts};
use super::context::Context;
use super::fix;
use super::probe::{self, Level, Outcome};
use super::result::{CheckResult, Severity, Status};
use super::rules;
use super::spec::{CheckSpec, Rule};

pub(crate) fn run_all(specs: &[CheckSpec], ctx: &mut Context) -> Vec<CheckResult> {
    let mut results: Vec<CheckResult> = Vec::with_capacity(specs.len());
    for spec in specs {
        let result = run_one(spec, ctx, &results);
        log::debug!(
            "check {}: {:?} (observed: {})",
            result.id,
            result.status,
            result.observed
        );
        results.push(result);
    }
    results
}

fn run_one(spec: &CheckSpec, ctx: &mut Context, earlier: &[CheckResult]) -> CheckResult {
    let facts = ctx.facts();
    let over = spec.profiles.get(&ctx.options.profile);
    let severity = over.and_then(|o| o.severity).unwrap_or(spec.severity);
    let written: &[Rule] = over
        .and_then(|o| o.expect.as_deref())
        .unwrap_or(&spec.expect);
    let (rules, declared) = rules::bind(written, ctx.options);
    let rules = rules.as_slice();
    let written_expected = over
        .and_then(|o| o.expected.clone())
        .or_else(|| spec.expected.clone());
    let mut expected = written_expected.clone().unwrap_or_else(|| {
        rules
            .iter()
            .filter(|r| when_holds(r.when.as_ref(), &facts))
            .map(rules::describe)
            .collect::<Vec<_>>()
            .join("; ")
    });
    if written_expected.is_some() {
        for note in declared {
            expected.push_str(&format!("; {note}"));
        }
    }
    let mut result = CheckResult {
        id: spec.id.clone(),
        title: spec.title.clone(),
        status: Status::Skip,
        severity,
        observed: String::new(),
        expected,
        message: String::new(),
        playbook: spec.playbook.clone(),
        fix: None,
        position: None,
        playbooks: Vec::new(),
    };

    if let Some(reason) = skip_reason(spec, ctx, earlier) {
        result.message = reason;
        return result;
    }
    let Some(probe) = probe::select(&spec.probe, &facts) else {
        result.message = format!("does not apply to {}", describe_target(ctx));
        return result;
    };
    let judged = judge(probe::run(probe, ctx), rules, &facts, severity);
    let attached = std::mem::take(&mut ctx.attached);
    result.position = attached.position;
    if let Some(p) = attached.playbook {
        result.playbook = p;
    }
    result.playbooks = attached.playbooks;
    result.status = judged.status;
    result.observed = judged.observed;
    result.message = judged.message;
    if judged.check_fixes && matches!(result.status, Status::Warn | Status::Fail | Status::Error) {
        result.fix = fix::plan(&spec.fixes, &spec.origin, &facts, ctx);
    }
    result
}

/// What a probe's outcome means for a check (or a playbook diagnostic).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Judgement {
    pub(crate) status: Status,
    pub(crate) observed: String,
    pub(crate) message: String,
    /// Whether the check's fixes apply (a builtin may say its message is the advice).
    pub(crate) check_fixes: bool,
}

/// Rules judge a value (the worst violated rule sets the status); a builtin's verdict maps
/// to a status directly, `Violation` taking the check's severity.
pub(crate) fn judge(
    outcome: Outcome,
    rules: &[Rule],
    facts: &Facts,
    severity: Severity,
) -> Judgement {
    match outcome {
        Outcome::Value(observed) => {
            let broken = rules::violations(rules, &observed, facts, severity);
            Judgement {
                status: broken.first().map_or(Status::Pass, |w| w.severity.status()),
                observed: observed.display(),
                message: broken
                    .iter()
                    .map(|v| v.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
                check_fixes: true,
            }
        }
        Outcome::Verdict {
            level,
            observed,
            message,
            check_fixes,
        } => Judgement {
            status: match level {
                Level::Ok => Status::Pass,
                Level::Warn => Status::Warn,
                Level::Violation => severity.status(),
                Level::Fail => Status::Fail,
            },
            observed,
            message,
            check_fixes,
        },
        Outcome::Skip(reason) => Judgement {
            status: Status::Skip,
            observed: String::new(),
            message: reason,
            check_fixes: true,
        },
        // The check could not look, so it found nothing its fixes mend (a binlog filter fix
        // for a privilege that was missing): the message says what stopped it.
        Outcome::Error(e) => Judgement {
            status: Status::Error,
            observed: String::new(),
            message: e,
            check_fixes: false,
        },
    }
}

/// Why a check cannot run here, if it cannot.
fn skip_reason(spec: &CheckSpec, ctx: &Context, earlier: &[CheckResult]) -> Option<String> {
    let over = spec.profiles.get(&ctx.options.profile);
    if over.and_then(|o| o.applies) == Some(false) {
        return Some(format!("not needed by the {} profile", ctx.options.profile));
    }
    // Connection checks (their builtins need no session) say why there is none.
    if spec.probe.needs_session() && !ctx.link.logged_in() {
        return Some("skipped: no session (see connect.tcp / connect.auth)".into());
    }
    if ctx.server.is_some() && !any_matches(&spec.applies, &ctx.facts()) {
        return Some(format!("does not apply to {}", describe_target(ctx)));
    }
    for dep in &spec.requires {
        if let Some(d) = earlier.iter().find(|r| &r.id == dep) {
            if !matches!(d.status, Status::Pass | Status::Warn) {
                return Some(format!("skipped: {dep} did not pass"));
            }
        }
    }
    None
}

fn describe_target(ctx: &Context) -> String {
    match &ctx.server {
        Some(s) => format!("{} ({})", s.display_name(), s.platform),
        None => "this server".into(),
    }
}
