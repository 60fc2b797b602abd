//! JUnit XML, for CI systems that show test reports.
//!
//! One `<testcase>` per check, `classname="cdc.<command>.<area>"`. FAIL is a `<failure>`, ERROR an
//! `<error>`, SKIP `<skipped>`; WARN passes and carries a `<system-out>` note. Under `--strict`
//! the file fails what the exit code fails: every WARN, and each pending checklist item, is a
//! `<failure>` too (type "warn" / "pending"), so CI's red and the report's red agree.

use crate::playbooks::show_command;
use std::fmt::Write as _;

use crate::checks::result::{CheckResult, Report, Status};

use super::{area, server_description, summary_line, wants_fix, Gate};

pub(crate) fn render(report: &Report, gate: &Gate) -> String {
    let suite = format!("cdc {}", report.command);
    let s = &report.summary;
    let failures = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail || gate.fails(c))
        .count();
    let skipped = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Skip && !gate.fails(c))
        .count();
    let counts = format!(
        r#"tests="{}" failures="{failures}" errors="{}" skipped="{skipped}""#,
        report.checks.len(),
        s.error,
    );
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, r#"<testsuites name="{suite}" {counts}>"#);
    let _ = writeln!(out, r#"  <testsuite name="{suite}" {counts}>"#);
    out.push_str("    <properties>\n");
    let properties = [
        ("source", report.source.url.clone()),
        ("server", server_description(&report.source)),
        ("profile", report.profile.clone()),
        ("summary", summary_line(s)),
    ];
    for (name, value) in properties {
        let _ = writeln!(
            out,
            r#"      <property name="{name}" value="{}"/>"#,
            escape_attr(&value)
        );
    }
    out.push_str("    </properties>\n");
    for check in &report.checks {
        testcase(&mut out, report.command, check, gate);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn testcase(out: &mut String, command: &str, check: &CheckResult, gate: &Gate) {
    let open = format!(
        r#"    <testcase classname="cdc.{command}.{}" name="{}""#,
        escape_attr(area(&check.id)),
        escape_attr(&check.id)
    );
    let message = escape_attr(if check.message.is_empty() {
        &check.title
    } else {
        &check.message
    });
    let body = || escape_text(&details(check));
    if gate.fails(check) {
        let kind = if check.status == Status::Warn {
            "warn"
        } else {
            "pending"
        };
        let _ = writeln!(out, "{open}>");
        let _ = writeln!(
            out,
            r#"      <failure message="{message}" type="{kind}">{}</failure>"#,
            body()
        );
        let _ = writeln!(out, "    </testcase>");
        return;
    }
    match check.status {
        Status::Pass => {
            let _ = writeln!(out, "{open}/>");
        }
        Status::Fail => {
            let _ = writeln!(out, "{open}>");
            let _ = writeln!(
                out,
                r#"      <failure message="{message}" type="fail">{}</failure>"#,
                body()
            );
            let _ = writeln!(out, "    </testcase>");
        }
        Status::Error => {
            let _ = writeln!(out, "{open}>");
            let _ = writeln!(
                out,
                r#"      <error message="{message}" type="error">{}</error>"#,
                body()
            );
            let _ = writeln!(out, "    </testcase>");
        }
        Status::Skip => {
            let _ = writeln!(out, "{open}>");
            let _ = writeln!(out, r#"      <skipped message="{message}"/>"#);
            let _ = writeln!(out, "    </testcase>");
        }
        Status::Warn => {
            let _ = writeln!(out, "{open}>");
            let _ = writeln!(
                out,
                "      <system-out>{}</system-out>",
                escape_text(&format!("WARN: {}\n{}", check.message, details(check)))
            );
            let _ = writeln!(out, "    </testcase>");
        }
    }
}

/// Observed, expected and the fix, as plain text lines.
fn details(check: &CheckResult) -> String {
    let mut text = format!("{}\n", check.title);
    if !check.observed.is_empty() {
        let _ = writeln!(text, "Observed: {}", check.observed);
    }
    if !check.expected.is_empty() {
        let _ = writeln!(text, "Expected: {}", check.expected);
    }
    if let Some(fix) = check.fix.as_ref().filter(|_| wants_fix(check.status)) {
        let _ = writeln!(text, "Fix: {}", fix.summary);
        for sql in &fix.sql {
            let _ = writeln!(text, "  {sql}");
        }
        if !fix.config.is_empty() {
            text.push_str("  my.cnf:\n");
            for line in &fix.config {
                let _ = writeln!(text, "    {line}");
            }
        }
        if fix.restart {
            text.push_str("  (restart required)\n");
        }
    }
    if !check.playbook.is_empty() {
        let _ = writeln!(text, "Playbook: {}", show_command(&check.playbook));
    }
    text
}

/// Whether XML 1.0 allows the character at all (surrogates cannot occur in a `char`).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escapes element text (`&`, `<`, `>`; quotes need no escaping there); drops characters
/// XML 1.0 forbids.
pub(crate) fn escape_text(s: &str) -> String {
    escape(s, false)
}

/// Escapes an attribute value; keeps line breaks and tabs as character references, since a
/// parser would otherwise normalize them to spaces.
pub(crate) fn escape_attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|&c| xml_char(c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\'' if attr => out.push_str("&apos;"),
            '\n' if attr => out.push_str("&#10;"),
            '\r' if attr => out.push_str("&#13;"),
            '\t' if attr => out.push_str("&#9;"),
            // A lone CR in text would be turned into LF by the parser; keep it.
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{sample_report, Gate};

    fn attr<'a>(xml: &'a str, element: &str, name: &str) -> &'a str {
        let start = xml.find(&format!("<{element} ")).expect("element");
        let rest = &xml[start..];
        let key = format!(" {name}=\"");
        let from = rest.find(&key).expect("attribute") + key.len();
        let len = rest[from..].find('"').expect("closing quote");
        &rest[from..from + len]
    }

    /// A small well-formedness check: tags balance and no raw `<`/`&` hide in text.
    fn assert_well_formed(xml: &str) {
        let body = xml
            .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            .expect("XML declaration");
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = body;
        while let Some(lt) = rest.find('<') {
            let text = &rest[..lt];
            assert!(!text.contains('>'), "raw > in text: {text:?}");
            assert_entities(text);
            let gt = rest[lt..].find('>').expect("unclosed tag") + lt;
            let tag = &rest[lt + 1..gt];
            assert!(!tag.contains('<'), "< inside tag: {tag:?}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name), "mismatched </{name}>");
            } else {
                assert_entities(tag);
                assert_eq!(
                    tag.matches('"').count() % 2,
                    0,
                    "unbalanced quotes: {tag:?}"
                );
                if !tag.ends_with('/') {
                    stack.push(tag.split(' ').next().unwrap());
                }
            }
            rest = &rest[gt + 1..];
        }
        assert!(rest.trim().is_empty());
        assert!(stack.is_empty(), "unclosed: {stack:?}");
        assert!(xml.chars().all(xml_char));
    }

    fn assert_entities(s: &str) {
        for (i, _) in s.match_indices('&') {
            let entity = &s[i..i + s[i..].find(';').expect("entity ends with ;") + 1];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#10;", "&#13;", "&#9;"]
                    .contains(&entity),
                "{entity}"
            );
        }
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&sample_report(), &Gate::default()));
    }

    #[test]
    fn counts_and_structure() {
        let report = sample_report();
        let xml = render(&report, &Gate::default());
        assert_well_formed(&xml);
        assert_eq!(xml.matches("<testcase ").count(), report.checks.len());
        assert_eq!(
            attr(&xml, "testsuite", "failures"),
            report.summary.fail.to_string()
        );
        assert_eq!(
            attr(&xml, "testsuite", "errors"),
            report.summary.error.to_string()
        );
        assert_eq!(
            attr(&xml, "testsuite", "skipped"),
            report.summary.skip.to_string()
        );
        assert_eq!(
            attr(&xml, "testsuite", "tests"),
            report.checks.len().to_string()
        );
        assert_eq!(xml.matches("<failure ").count(), report.summary.fail);
        assert_eq!(xml.matches("<error ").count(), report.summary.error);
        assert_eq!(xml.matches("<skipped ").count(), report.summary.skip);
        assert_eq!(
            xml.matches("<system-out>WARN: ").count(),
            report.summary.warn
        );
        assert!(xml.contains(r#"<testcase classname="cdc.doctor.binlog" name="binlog.format">"#));
    }

    #[test]
    fn strict_fails_every_warning_and_each_pending_item() {
        let mut report = sample_report();
        assert!(report.summary.warn > 0, "the sample needs a warning");
        let skipped = report
            .checks
            .iter()
            .position(|c| c.status == Status::Skip)
            .expect("the sample needs a skipped check");
        report.checks[skipped].id = "attest.backups".into();
        let gate = Gate {
            strict: true,
            pending: vec!["attest.backups".into()],
        };
        let xml = render(&report, &gate);
        assert_well_formed(&xml);
        let s = &report.summary;
        assert_eq!(
            attr(&xml, "testsuite", "failures"),
            (s.fail + s.warn + 1).to_string()
        );
        assert_eq!(attr(&xml, "testsuite", "skipped"), (s.skip - 1).to_string());
        assert_eq!(xml.matches(r#"type="warn""#).count(), s.warn);
        assert_eq!(xml.matches(r#"type="pending""#).count(), 1);
        // Not strict: the same report's warnings pass.
        let lenient = render(
            &report,
            &Gate {
                strict: false,
                ..gate
            },
        );
        assert_eq!(attr(&lenient, "testsuite", "failures"), s.fail.to_string());
    }

    #[test]
    fn escapes_markup_and_drops_forbidden_characters() {
        let mut report = sample_report();
        for c in &mut report.checks {
            c.message = "a <b> & \"c\" 'd'\u{1}\u{1b}[31m\nnext".into();
            c.observed = "<&\"'>".into();
        }
        let xml = render(&report, &Gate::default());
        assert_well_formed(&xml);
        assert!(
            xml.contains(r#"message="a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;[31m&#10;next""#)
        );
        assert!(xml.contains("Observed: &lt;&amp;\"'&gt;"));
        assert!(!xml.contains('\u{1}') && !xml.contains('\u{1b}'));
    }
}
