//! A sample as Prometheus text exposition (format 0.0.4): one gauge family per fact, a series
//! left out when its value is unknown (Prometheus has no "unknown", and NaN would plot as a
//! value and break comparisons in alert rules).

use std::fmt::Write as _;
use std::time::{Duration, UNIX_EPOCH};

use crate::checks::result::Status;
use crate::pipeline::Sample;

/// Every metric `cdc monitor` serves, with its help text. The dashboard and the alert rules
/// are tested against this list.
pub const METRICS: &[(&str, &str)] = &[
    ("cdc_source_up", "1 when the source answers, else 0."),
    (
        "cdc_pipeline_bytes_behind",
        "Binlog bytes between the pipeline's stored position and the source's current position.",
    ),
    (
        "cdc_pipeline_seconds_behind",
        "Seconds between the pipeline's stored position and the source's newest event.",
    ),
    (
        "cdc_pipeline_horizon_seconds",
        "Seconds until the source purges the binlog the stored position needs (absent when nothing purges).",
    ),
    (
        "cdc_e2e_lag_seconds",
        "Seconds a heartbeat row took to reach the target (at least this while one is pending).",
    ),
    (
        "cdc_table_rows",
        "Rows of a watched table on the source or the target.",
    ),
    (
        "cdc_check_status",
        "A check's result: 0 pass, 1 warn, 2 fail, 3 error (skipped checks are absent).",
    ),
    (
        "cdc_sample_timestamp_seconds",
        "Unix time the latest sample started.",
    ),
    (
        "cdc_sample_duration_seconds",
        "How long the latest sample took.",
    ),
];

/// The exposition text of `sample`, which took `took`.
pub fn render(sample: &Sample, took: Duration) -> String {
    let mut out = String::new();
    let mut family = |name: &str, series: Vec<(String, f64)>| {
        if series.is_empty() {
            return;
        }
        let help = METRICS
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, h)| *h);
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        for (labels, value) in series {
            let _ = writeln!(out, "{name}{labels} {}", number(value));
        }
    };
    let one = |v: Option<f64>| v.map(|v| (String::new(), v)).into_iter().collect();

    family(
        "cdc_source_up",
        one(Some(if sample.source_up { 1.0 } else { 0.0 })),
    );
    let position = sample.position();
    family(
        "cdc_pipeline_bytes_behind",
        one(position.and_then(|p| p.bytes_behind).map(|b| b as f64)),
    );
    family(
        "cdc_pipeline_seconds_behind",
        one(position.and_then(|p| p.seconds_behind)),
    );
    family(
        "cdc_pipeline_horizon_seconds",
        one(position.and_then(|p| p.horizon_s)),
    );
    // Waiting's age is a lower bound, which is what an alert on lag wants.
    family("cdc_e2e_lag_seconds", one(sample.e2e_lag.seconds()));
    let rows = sample
        .tables
        .iter()
        .flat_map(|t| {
            [("source", t.source), ("target", t.target)]
                .into_iter()
                .filter_map(|(side, n)| {
                    n.map(|n| (labels(&[("table", &t.table), ("side", side)]), n as f64))
                })
        })
        .collect();
    family("cdc_table_rows", rows);
    let checks = sample
        .checks
        .iter()
        .filter_map(|c| status_value(c.status).map(|v| (labels(&[("check", &c.id)]), v)))
        .collect();
    family("cdc_check_status", checks);
    let taken = sample
        .taken
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    family("cdc_sample_timestamp_seconds", one(Some(taken)));
    family("cdc_sample_duration_seconds", one(Some(took.as_secs_f64())));
    out
}

/// 0 pass, 1 warn, 2 fail, 3 error: higher is worse, so `>= 2` is "failing". A skipped check
/// said nothing.
fn status_value(status: Status) -> Option<f64> {
    match status {
        Status::Pass => Some(0.0),
        Status::Warn => Some(1.0),
        Status::Fail => Some(2.0),
        Status::Error => Some(3.0),
        Status::Skip => None,
    }
}

/// `{a="x",b="y"}`, values escaped as the format asks.
fn labels(pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// A label value: backslash, double quote and newline escaped.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Whole numbers without a fraction; the rest as Rust prints them (never an exponent, which
/// the format allows but a reader does not expect). Non-finite values never get here.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::result::{CheckResult, PositionFacts, Severity};
    use crate::pipeline::{E2eLag, TableRows};
    use std::collections::BTreeSet;

    fn check(id: &str, status: Status, position: Option<PositionFacts>) -> CheckResult {
        CheckResult {
            id: id.into(),
            title: id.into(),
            status,
            severity: Severity::Fail,
            observed: String::new(),
            expected: String::new(),
            message: String::new(),
            playbook: String::new(),
            fix: None,
            position,
            playbooks: Vec::new(),
        }
    }

    fn sample() -> Sample {
        Sample {
            taken: UNIX_EPOCH + Duration::from_millis(1_700_000_000_250),
            source_up: true,
            source_error: None,
            tables: vec![
                TableRows {
                    table: "shop.orders".into(),
                    source: Some(42),
                    target: Some(40),
                    error: None,
                },
                TableRows {
                    table: "we\"ird\\db.t\nx".into(),
                    source: Some(1),
                    target: None,
                    error: Some("target: gone".into()),
                },
            ],
            e2e_lag: E2eLag::Seen(Duration::from_millis(1500)),
            checks: vec![
                check("binlog.format", Status::Pass, None),
                check("binlog.row_image", Status::Warn, None),
                check("gtid.mode", Status::Skip, None),
                check("binlog.retention", Status::Fail, None),
                check(
                    "position.available",
                    Status::Error,
                    Some(PositionFacts {
                        horizon_s: None,
                        bytes_behind: Some(12_345),
                        seconds_behind: Some(2.5),
                        words: String::new(),
                    }),
                ),
            ],
            offset_error: None,
            stored: None,
        }
    }

    #[test]
    fn a_sample_as_exposition_text() {
        insta::assert_snapshot!(render(&sample(), Duration::from_millis(80)));
    }

    #[test]
    fn unknown_values_are_left_out_and_waiting_is_its_age() {
        let mut s = sample();
        s.source_up = false;
        s.checks.clear();
        s.tables.clear();
        s.e2e_lag = E2eLag::Waiting {
            since: Duration::from_secs(7),
        };
        let text = render(&s, Duration::from_secs(1));
        assert!(text.contains("\ncdc_source_up 0\n"), "{text}");
        assert!(text.contains("\ncdc_e2e_lag_seconds 7\n"), "{text}");
        for absent in ["cdc_pipeline_", "cdc_table_rows", "cdc_check_status", "NaN"] {
            assert!(!text.contains(absent), "{absent} in {text}");
        }
        s.e2e_lag = E2eLag::Unavailable("no target given".into());
        assert!(!render(&s, Duration::ZERO).contains("cdc_e2e_lag_seconds"));
    }

    #[test]
    fn every_line_is_help_type_or_a_known_series() {
        let text = render(&sample(), Duration::ZERO);
        let names: BTreeSet<&str> = METRICS.iter().map(|(n, _)| *n).collect();
        for line in text.lines() {
            let name = match line
                .strip_prefix("# HELP ")
                .or(line.strip_prefix("# TYPE "))
            {
                Some(rest) => rest.split(' ').next().unwrap(),
                None => line.split(['{', ' ']).next().unwrap(),
            };
            assert!(names.contains(name), "{line}");
        }
    }

    /// The `cdc_*` names an expression (PromQL) uses.
    fn referenced(expr: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = expr;
        while let Some(i) = rest.find("cdc_") {
            let tail = &rest[i..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(tail.len());
            // A word that only ends in cdc_ (abc_cdc_x) is not one of ours.
            let before = rest[..i].chars().last();
            if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                out.push(tail[..end].to_string());
            }
            rest = &tail[end..];
        }
        out
    }

    fn exprs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    match (k.as_str(), v) {
                        ("expr", serde_json::Value::String(e)) => out.push(e.clone()),
                        _ => exprs(v, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| exprs(v, out)),
            _ => {}
        }
    }

    fn known(name: &str) -> bool {
        METRICS.iter().any(|(n, _)| *n == name)
    }

    #[test]
    fn the_dashboard_uses_only_metrics_monitor_serves() {
        let text = include_str!("../../monitoring/grafana-dashboard.json");
        let dashboard: serde_json::Value = serde_json::from_str(text).unwrap();
        let panels = dashboard["panels"].as_array().unwrap();
        assert!(panels.len() >= 6, "{} panels", panels.len());
        for panel in panels {
            let mut found = Vec::new();
            exprs(panel, &mut found);
            assert!(
                !found.is_empty(),
                "a panel without a query: {}",
                panel["title"]
            );
            for expr in &found {
                let names = referenced(expr);
                assert!(!names.is_empty(), "{expr} uses no cdc metric");
                for n in names {
                    assert!(known(&n), "{n} in the dashboard is not served: {expr}");
                }
            }
        }
        let variables = dashboard["templating"]["list"].as_array().unwrap();
        assert_eq!(variables[0]["type"], "datasource");
        for v in variables.iter().filter_map(|v| v["definition"].as_str()) {
            for n in referenced(v) {
                assert!(known(&n), "{n} in a dashboard variable is not served");
            }
        }
    }

    #[test]
    fn the_alert_rules_use_only_metrics_monitor_serves() {
        let text = include_str!("../../monitoring/cdc-alerts.yml");
        let rules: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
        let mut count = 0;
        for group in rules["groups"].as_sequence().unwrap() {
            for rule in group["rules"].as_sequence().unwrap() {
                let expr = rule["expr"].as_str().unwrap();
                for n in referenced(expr) {
                    assert!(known(&n), "{n} in {:?} is not served", rule["alert"]);
                }
                count += 1;
            }
        }
        assert!(count >= 5, "{count} rules");
    }

    #[test]
    fn names_in_expressions() {
        assert_eq!(
            referenced("time() - cdc_sample_timestamp_seconds > 3 * x_cdc_no"),
            ["cdc_sample_timestamp_seconds"]
        );
        assert!(!known("cdc_nope"));
    }
}
