//! `cdc validate --crud` renderers: the steps and the counts for people, JSON, JUnit XML.
//! Pure functions of a [`CrudReport`].

use crate::playbooks::show_command;
use crate::validate::crud::counts::CountStatus;
use crate::validate::crud::{CrudReport, StepStatus};

use super::junit::{escape_attr, escape_text};
use super::{new_table, paint, table_and_target, Tone};

pub(crate) fn json(r: &CrudReport) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("plain data");
    s.push('\n');
    s
}

pub(crate) fn human(r: &CrudReport, color: bool) -> String {
    let key: Vec<String> = r
        .key
        .iter()
        .map(|(c, v)| format!("{c}={}", v.as_str().unwrap_or_default()))
        .collect();
    let row = match (r.row, key.is_empty()) {
        ("generated", false) => format!("generated row {}, ", key.join(" ")),
        ("generated", true) => "generated row, ".to_string(),
        _ => String::new(),
    };
    let mut out = format!(
        "Canary {} → {} ({row}run {})\n",
        r.canary, r.target, r.run_id
    );
    let mut table = new_table(
        ["Step", "Status", "Latency", "Note"],
        color,
        super::DEFAULT_WIDTH,
    );
    for s in &r.steps {
        let tone = match s.status {
            StepStatus::Arrived => Tone::Green,
            StepStatus::NotRun => Tone::Dim,
            _ => Tone::Red,
        };
        table.add_row([
            s.step.to_string(),
            paint(&label(&s.status).to_ascii_uppercase(), tone, color),
            match s.latency_ms {
                // Already there at the first look, within the same millisecond.
                Some(0) => "< 1 ms".to_string(),
                Some(ms) => format!("{ms} ms"),
                None => String::new(),
            },
            match (s.capture_lag_ms, s.message.is_empty()) {
                (Some(ms), true) => format!("capture lag {ms} ms"),
                _ => s.message.clone(),
            },
        ]);
    }
    out.push_str(&table.to_string());
    out.push('\n');
    if !r.counts.is_empty() {
        let mut table = new_table(
            ["Table", "Source rows", "Target rows", "Status", "Note"],
            color,
            super::DEFAULT_WIDTH,
        );
        for c in &r.counts {
            let tone = match c.status {
                CountStatus::Match => Tone::Green,
                CountStatus::Lag => Tone::Yellow,
                _ => Tone::Red,
            };
            let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
            table.add_row([
                table_and_target(&c.table, &c.target_table),
                n(c.source_rows),
                n(c.target_rows),
                paint(&label(&c.status).to_ascii_uppercase(), tone, color),
                c.message.clone(),
            ]);
        }
        out.push_str(&table.to_string());
        out.push('\n');
    }
    if r.leftovers_removed > 0 {
        out.push_str(&format!(
            "Removed {} canary row(s) earlier runs left on the source.\n",
            r.leftovers_removed
        ));
    }
    out.push_str(if r.cleaned {
        "The source holds no canary row of this run.\n"
    } else {
        "WARNING: the canary row could not be removed from the source; the next run removes it.\n"
    });
    if let Some(p) = &r.playbook {
        out.push_str(&format!(
            "Not carried end to end: see {}\n",
            show_command(p)
        ));
    } else if r.could_not_run() {
        out.push_str("The canary could not be written: the pipeline was not tested.\n");
    }
    out
}

/// A status as its JSON spelling.
fn label(status: &impl serde::Serialize) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub(crate) fn junit(r: &CrudReport) -> String {
    // (name, seconds, failure message if it failed): the steps, then one case per count.
    let mut cases: Vec<(String, f64, Option<String>)> = r
        .steps
        .iter()
        .map(|s| {
            let time = s.latency_ms.map_or(0.0, |ms| ms as f64 / 1000.0);
            let failure = (s.status != StepStatus::Arrived).then(|| s.message.clone());
            (s.step.to_string(), time, failure)
        })
        .collect();
    for c in &r.counts {
        let failure = (!matches!(c.status, CountStatus::Match | CountStatus::Lag)).then(|| {
            format!(
                "{} source rows, {} target rows: {}",
                c.source_rows.map_or("?".into(), |n| n.to_string()),
                c.target_rows.map_or("?".into(), |n| n.to_string()),
                c.message
            )
        });
        cases.push((format!("count {}", c.table), 0.0, failure));
    }
    let failures = cases.iter().filter(|c| c.2.is_some()).count();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"cdc validate --crud\" tests=\"{}\" failures=\"{failures}\">\n",
        cases.len()
    );
    for (name, time, failure) in &cases {
        out.push_str(&format!(
            "    <testcase classname=\"cdc.validate.crud\" name=\"{}\" time=\"{time:.3}\"",
            escape_attr(name)
        ));
        match failure {
            None => out.push_str("/>\n"),
            Some(message) => out.push_str(&format!(
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                escape_attr(message.trim()),
                escape_text(&format!(
                    "playbook: {}",
                    r.playbook.as_deref().unwrap_or("-")
                ))
            )),
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::crud::counts::CountResult;
    use crate::validate::crud::StepResult;

    fn report() -> CrudReport {
        let step = |step, status, latency_ms, message: &str| StepResult {
            step,
            status,
            latency_ms,
            message: message.into(),
            capture_lag_ms: None,
        };
        let count = |table: &str, s, t, status, message: &str| CountResult {
            table: table.into(),
            target_table: format!("bronze.{}", table.split('.').nth(1).unwrap()),
            source_rows: s,
            target_rows: t,
            status,
            message: message.into(),
        };
        CrudReport {
            run_id: "cdc-4242-1763800000000".into(),
            canary: "shop.orders".into(),
            target: "bronze.orders".into(),
            row: "generated",
            key: [("order_id".to_string(), "42".into())]
                .into_iter()
                .collect(),
            steps: vec![
                step("insert", StepStatus::Arrived, Some(412), ""),
                step("update", StepStatus::Arrived, Some(380), ""),
                step(
                    "delete",
                    StepStatus::TimedOut,
                    None,
                    "not on the target within 60 s",
                ),
            ],
            counts: vec![
                count(
                    "shop.orders",
                    Some(1000),
                    Some(1000),
                    CountStatus::Lag,
                    "matched after 2 s (lag)",
                ),
                count(
                    "shop.items",
                    Some(5000),
                    Some(4998),
                    CountStatus::Differs,
                    "still differs after 2 s: rows missing on the target",
                ),
            ],
            cleaned: true,
            leftovers_removed: 1,
            playbook: Some("changes-not-captured".into()),
        }
    }

    #[test]
    fn human_shows_steps_counts_cleanup_and_the_playbook() {
        insta::assert_snapshot!(human(&report(), false));
    }

    #[test]
    fn a_step_seen_at_the_first_look_reads_under_a_millisecond() {
        let mut r = report();
        r.steps[0].latency_ms = Some(0);
        let text = human(&r, false);
        assert!(text.contains("< 1 ms"), "{text}");
        assert!(!text.contains(" 0 ms"), "{text}");
        assert_eq!(json_value(&r)["steps"][0]["latency_ms"], 0);
    }

    #[test]
    fn a_canary_the_source_refused_does_not_blame_the_pipeline() {
        let mut r = report();
        r.steps[0].status = StepStatus::Failed;
        r.steps[0].message = "w.nokey has no primary key".into();
        r.playbook = None;
        let text = human(&r, false);
        assert!(text.contains("the pipeline was not tested"), "{text}");
        assert!(!text.contains("changes-not-captured"), "{text}");
    }

    #[test]
    fn a_topic_s_capture_lag_is_shown_and_in_the_json() {
        let mut r = report();
        r.steps[0].capture_lag_ms = Some(230);
        let text = human(&r, false);
        assert!(text.contains("capture lag 230 ms"), "{text}");
        let doc = json_value(&r);
        assert_eq!(doc["steps"][0]["capture_lag_ms"], 230);
        assert!(
            doc["steps"][1].get("capture_lag_ms").is_none(),
            "left out, not null"
        );
    }

    fn json_value(r: &CrudReport) -> serde_json::Value {
        serde_json::from_str(&json(r)).unwrap()
    }

    #[test]
    fn junit_has_a_case_per_step_and_per_count() {
        insta::assert_snapshot!(junit(&report()));
    }

    #[test]
    fn json_names_every_field_scripts_read() {
        insta::assert_snapshot!(json(&report()));
    }
}
