//! `cdc validate` renderers: a table per run for people, JSON, JUnit XML. Pure functions of a
//! [`ValidateReport`].

use std::fmt::Write as _;

use crate::validate::results::{Key, TableResult, TableStatus, ValidateReport};

use super::junit::{escape_attr, escape_text};
use super::{new_table, paint, table_and_target, Tone};

fn tone(s: TableStatus) -> Tone {
    match s {
        TableStatus::Match => Tone::Green,
        TableStatus::Lag => Tone::Yellow,
        TableStatus::Differ | TableStatus::Missing => Tone::Red,
        TableStatus::Error => Tone::Magenta,
    }
}

fn count(n: Option<u64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_else(|| "-".into())
}

fn keys(list: &[Key], total: usize) -> String {
    let mut s: Vec<String> = list.iter().map(|k| k.to_string()).collect();
    if total > list.len() {
        s.push(format!("... ({total} in all)"));
    }
    s.join(", ")
}

/// A table for people: one row per table, then the keys that differ and any notes.
pub(crate) fn human(report: &ValidateReport, color: bool, width: u16) -> String {
    let mut out = format!(
        "{} {}  {} {}  {} {}\n",
        paint("Source:", Tone::Bold, color),
        report.source,
        paint("Target:", Tone::Bold, color),
        report.target,
        paint("mode:", Tone::Bold, color),
        report.mode
    );
    // --counts never looks at values: a Changed column would always say 0.
    let counts_only = report.mode == "counts";
    let mut headers = vec![
        "Table",
        "Status",
        "Source rows",
        "Target rows",
        "Missing",
        "Extra",
        "Changed",
        "Fetched",
        "Time",
    ];
    if counts_only {
        headers.retain(|h| *h != "Changed");
    }
    let mut table = new_table(headers, color, width);
    for t in &report.tables {
        let mut cells = vec![
            name_cell(t),
            paint(t.status.label(), tone(t.status), color),
            count(t.source_rows),
            count(t.target_rows),
            t.missing_count.to_string(),
            t.extra_count.to_string(),
            t.changed_count.to_string(),
            t.rows_fetched.to_string(),
            format!("{:.2}s", t.seconds),
        ];
        if counts_only {
            cells.remove(6);
        }
        table.add_row(cells);
    }
    keep_names_whole(&mut table, report);
    out.push_str(&table.to_string());
    out.push('\n');
    for t in &report.tables {
        details(&mut out, t);
    }
    let differ = report
        .tables
        .iter()
        .filter(|t| t.status != TableStatus::Match && t.status != TableStatus::Lag)
        .count();
    let _ = writeln!(
        out,
        "\n{} of {} table(s) match{}",
        report.tables.len() - differ,
        report.tables.len(),
        if report.tables.iter().any(|t| t.status == TableStatus::Lag) {
            " (lag: differences that resolved within the settle delay)"
        } else {
            ""
        }
    );
    out
}

fn name_cell(t: &TableResult) -> String {
    table_and_target(&t.table, &t.target_table)
}

/// Table names are what people search for and paste: the numeric columns wrap their
/// headers instead, up to names of [`NAME_WIDTH`] characters.
fn keep_names_whole(table: &mut comfy_table::Table, report: &ValidateReport) {
    use comfy_table::{ColumnConstraint, Width};
    let widest = report
        .tables
        .iter()
        .filter_map(|t| name_cell(t).lines().map(|l| l.chars().count()).max())
        .chain(["Table".len()])
        .max()
        .unwrap_or(5);
    // Content width plus the cell's padding on both sides.
    let fixed = Width::Fixed((widest.min(NAME_WIDTH) + 2) as u16);
    table.set_constraints([ColumnConstraint::LowerBoundary(fixed)]);
}

const NAME_WIDTH: usize = 40;

/// A compared value for a reader: quoted, NULL as NULL, control characters escaped.
fn shown(v: &Option<String>) -> String {
    match v {
        None => "NULL".into(),
        Some(text) => format!("{:?}", text),
    }
}

fn details(out: &mut String, t: &TableResult) {
    let mut lines = Vec::new();
    if let Some(e) = &t.error {
        lines.push(format!("  error: {e}"));
    }
    for (label, list, total) in [
        ("missing on the target", &t.missing, t.missing_count),
        ("extra on the target", &t.extra, t.extra_count),
        ("changed", &t.changed, t.changed_count),
    ] {
        if total > 0 {
            lines.push(format!("  {label}: {}", keys(list, total)));
        }
    }
    // What changed in each listed row: a key alone says nothing of what to look at.
    for row in &t.diffs {
        let columns: Vec<String> = row
            .columns
            .iter()
            .map(|(name, v)| format!("{name} {} -> {}", shown(&v.source), shown(&v.target)))
            .collect();
        lines.push(format!(
            "    {}: {}",
            keys(std::slice::from_ref(&row.key), 1),
            columns.join("; ")
        ));
    }
    if t.skipped_recent > 0 {
        lines.push(format!(
            "  {} differing key(s) changed within --min-age: not reported",
            t.skipped_recent
        ));
    }
    lines.extend(t.notes.iter().map(|n| format!("  note: {n}")));
    if !lines.is_empty() {
        if t.key.is_empty() {
            let _ = writeln!(out, "\n{}:", t.table);
        } else {
            let _ = writeln!(out, "\n{} (key {}):", t.table, t.key.join(", "));
        }
        for l in lines {
            let _ = writeln!(out, "{l}");
        }
    }
}

/// `{"mode","source","target","tables":[{"table","source_rows","target_rows","status",
/// "missing":[],"extra":[],"changed":[],"diffs":[], ...}]}`; each key is its value, an array for a
/// composite key.
pub(crate) fn json(report: &ValidateReport) -> String {
    let mut s =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

/// JUnit XML: one testcase per table; differ and missing are failures, error an error.
pub(crate) fn junit(report: &ValidateReport) -> String {
    let failures = report
        .tables
        .iter()
        .filter(|t| matches!(t.status, TableStatus::Differ | TableStatus::Missing))
        .count();
    let errors = report
        .tables
        .iter()
        .filter(|t| t.status == TableStatus::Error)
        .count();
    let counts = format!(
        r#"tests="{}" failures="{failures}" errors="{errors}""#,
        report.tables.len()
    );
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, r#"<testsuites name="cdc validate" {counts}>"#);
    let _ = writeln!(
        out,
        r#"  <testsuite name="cdc validate {}" {counts}>"#,
        report.mode
    );
    for t in &report.tables {
        let _ = write!(
            out,
            r#"    <testcase classname="cdc.validate.{}" name="{}" time="{:.3}""#,
            report.mode,
            escape_attr(&t.table),
            t.seconds
        );
        let mut body = String::new();
        details(&mut body, t);
        let message = format!(
            "{}: {} missing, {} extra, {} changed",
            t.status.label(),
            t.missing_count,
            t.extra_count,
            t.changed_count
        );
        match t.status {
            TableStatus::Match | TableStatus::Lag => out.push_str("/>\n"),
            TableStatus::Differ | TableStatus::Missing => {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                    escape_attr(&message),
                    escape_text(&body)
                );
            }
            TableStatus::Error => {
                let _ = writeln!(
                    out,
                    ">\n      <error message=\"{}\">{}</error>\n    </testcase>",
                    escape_attr(t.error.as_deref().unwrap_or("error")),
                    escape_text(&body)
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::results::{ChangedRow, KeyValue, SideValues};

    fn sample() -> ValidateReport {
        let mut differ = TableResult::new("shop.orders", "bronze.orders", TableStatus::Differ);
        differ.source_rows = Some(10);
        differ.target_rows = Some(9);
        differ.missing = vec![Key(vec![KeyValue::Int(3)])];
        differ.missing_count = 1;
        differ.changed = vec![Key(vec![KeyValue::Int(4), KeyValue::Text("a".into())])];
        differ.changed_count = 1;
        differ.diffs = vec![ChangedRow {
            key: Key(vec![KeyValue::Int(4), KeyValue::Text("a".into())]),
            columns: [(
                "qty".to_string(),
                SideValues {
                    source: Some("3".into()),
                    target: None,
                },
            )]
            .into(),
        }];
        differ.key = vec!["id".into()];
        let mut ok = TableResult::new("shop.items", "bronze.items", TableStatus::Match);
        ok.source_rows = Some(5);
        ok.target_rows = Some(5);
        ValidateReport {
            mode: "checksum".into(),
            source: "mysql://u:***@h:3306".into(),
            target: "postgres://u:***@p:5432/db".into(),
            tables: vec![differ, ok],
        }
    }

    #[test]
    fn json_has_the_documented_shape() {
        let v: serde_json::Value = serde_json::from_str(&json(&sample())).unwrap();
        let t = &v["tables"][0];
        assert_eq!(t["table"], "shop.orders");
        assert_eq!(t["status"], "differ");
        assert_eq!(t["source_rows"], 10);
        assert_eq!(t["missing"], serde_json::json!([3]));
        assert_eq!(t["changed"], serde_json::json!([[4, "a"]]));
        assert_eq!(
            t["diffs"],
            serde_json::json!([{"key": [4, "a"], "columns": {"qty": {"source": "3", "target": null}}}])
        );
        assert_eq!(t["extra"], serde_json::json!([]));
        assert_eq!(v["tables"][1]["status"], "match");
    }

    #[test]
    fn human_names_the_target_table_only_where_it_is_renamed() {
        let renamed = human(&sample(), false, 100);
        assert!(renamed.contains("→ bronze.orders"), "{renamed}");
        insta::assert_snapshot!("renamed", renamed);
        let mut same = sample();
        for t in &mut same.tables {
            t.target_table = t.table.clone();
        }
        let same = human(&same, false, 100);
        assert!(!same.contains('→'), "{same}");
        insta::assert_snapshot!("same_names", same);
    }

    #[test]
    fn counts_has_no_changed_column_it_never_computes() {
        assert!(human(&sample(), false, 160).contains("Changed"));
        let mut counts = sample();
        counts.mode = "counts".into();
        let h = human(&counts, false, 160);
        assert!(!h.contains("Changed"), "{h}");
        assert!(h.contains("Missing") && h.contains("Extra"), "{h}");
    }

    #[test]
    fn human_and_junit_name_the_differences() {
        let h = human(&sample(), false, 160);
        assert!(h.contains("missing on the target: 3"), "{h}");
        assert!(h.contains("changed: (4, a)"), "{h}");
        assert!(h.contains("(4, a): qty \"3\" -> NULL"), "{h}");
        assert!(h.contains("1 of 2 table(s) match"), "{h}");
        let j = junit(&sample());
        assert!(j.contains(r#"failures="1" errors="0""#), "{j}");
        assert!(
            j.contains("<failure message=\"differ: 1 missing, 0 extra, 1 changed\""),
            "{j}"
        );
    }
}
