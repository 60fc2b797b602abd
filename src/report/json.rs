//! The JSON report: the result types' own serialization, pretty-printed.
//!
//! Shape (the field names are the interface):
//! `{"source":{"url","flavor","version","platform"},"profile","checks":[{"id","title","status",
//! "severity","observed","expected","message","playbook","fix":{"sql","config","restart",
//! "summary"}|null}],"summary":{"pass","warn","fail","skip","error"}}`

use crate::checks::result::Report;

/// Pretty-printed JSON with a trailing newline.
pub(crate) fn render(report: &Report) -> String {
    // The report holds only strings, numbers, booleans and enums: serializing cannot fail.
    let mut out = serde_json::to_string_pretty(report).expect("a report serializes to JSON");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample_report;
    use serde_json::Value;

    fn keys(v: &Value) -> Vec<&str> {
        let mut k: Vec<&str> = v
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        k.sort_unstable();
        k
    }

    fn sorted(mut k: Vec<&str>) -> Vec<&str> {
        k.sort_unstable();
        k
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&sample_report()));
    }

    #[test]
    fn has_exactly_the_documented_keys() {
        let report = sample_report();
        let out = render(&report);
        assert!(out.ends_with("}\n"));
        let v: Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(
            keys(&v),
            sorted(vec!["source", "profile", "checks", "summary"])
        );
        assert_eq!(
            keys(&v["source"]),
            sorted(vec!["url", "flavor", "version", "platform"])
        );
        assert_eq!(
            keys(&v["summary"]),
            sorted(vec!["pass", "warn", "fail", "skip", "error"])
        );
        let checks = v["checks"].as_array().expect("checks is an array");
        assert_eq!(checks.len(), report.checks.len());
        for c in checks {
            assert_eq!(
                keys(c),
                sorted(vec![
                    "id", "title", "status", "severity", "observed", "expected", "message",
                    "playbook", "fix"
                ])
            );
            match &c["fix"] {
                Value::Null => {}
                fix => {
                    assert_eq!(
                        keys(fix),
                        sorted(vec!["sql", "config", "restart", "summary"])
                    );
                    assert!(fix["sql"].is_array() && fix["config"].is_array());
                    assert!(fix["restart"].is_boolean());
                }
            }
        }
        let statuses: Vec<&str> = checks
            .iter()
            .map(|c| c["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["pass", "fail", "warn", "pass", "skip", "error"]);
        assert_eq!(checks[1]["severity"], "fail");
        assert_eq!(checks[2]["severity"], "warn");
        assert_eq!(checks[0]["fix"], Value::Null);
        assert_eq!(v["summary"]["fail"], 1);
    }
}
