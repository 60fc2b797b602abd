//! `cdc doctor --list`: the check catalogue as a table.

use crate::checks::result::Severity;
use crate::checks::spec::{CheckSpec, Condition};

use super::{new_table, output_width, paint, Tone};

/// The catalogue in the order given, as wide as stdout's terminal (else [`DEFAULT_WIDTH`]).
pub fn render_catalogue(specs: &[CheckSpec], color: bool) -> String {
    render_catalogue_width(specs, color, output_width())
}

/// [`render_catalogue`] with an explicit width.
pub(crate) fn render_catalogue_width(specs: &[CheckSpec], color: bool, width: u16) -> String {
    let mut table = new_table(
        ["Check", "Title", "Severity", "Playbook", "Applies to"],
        color,
        width,
    );
    for spec in specs {
        let tone = match spec.severity {
            Severity::Warn => Tone::Yellow,
            Severity::Fail => Tone::Red,
        };
        table.add_row([
            spec.id.clone(),
            spec.title.clone(),
            paint(spec.severity.name(), tone, color),
            paint(&spec.playbook, Tone::Dim, color),
            applies(spec),
        ]);
    }
    let mut out = table.to_string();
    out.push('\n');
    out
}

/// Where a check applies, compactly: "mysql >=8.0.20; mariadb", "all", "all (not dms)".
fn applies(spec: &CheckSpec) -> String {
    let mut text = if spec.applies.is_empty() {
        "all".to_string()
    } else {
        spec.applies
            .iter()
            .map(condition)
            .collect::<Vec<_>>()
            .join("; ")
    };
    let excluded: Vec<String> = spec
        .profiles
        .iter()
        .filter(|(_, o)| o.applies == Some(false))
        .map(|(p, _)| p.to_string())
        .collect();
    if !excluded.is_empty() {
        text.push_str(&format!(" (not {})", excluded.join(", ")));
    }
    text
}

fn condition(c: &Condition) -> String {
    let mut parts = Vec::new();
    if let Some(flavor) = c.flavor {
        parts.push(flavor.to_string());
    }
    if let Some(version) = &c.version {
        parts.push(version.to_string().replace(' ', ""));
    }
    if let Some(platforms) = c.platform.as_deref().filter(|p| !p.is_empty()) {
        let names: Vec<&str> = platforms.iter().map(|p| p.name()).collect();
        parts.push(format!("on {}", names.join("/")));
    }
    if let Some(profiles) = c.profile.as_deref().filter(|p| !p.is_empty()) {
        let names: Vec<&str> = profiles.iter().map(|p| p.name()).collect();
        parts.push(format!("for {}", names.join("/")));
    }
    if parts.is_empty() {
        "all".to_string()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::catalogue::parse_file;
    use crate::report::DEFAULT_WIDTH;

    const SPECS: &str = r#"
checks:
  - id: binlog.format
    title: Binary log format is ROW
    why: CDC readers decode row images.
    probe: { variable: binlog_format }
    expect: [{ op: eq, value: ROW }]
    fixes: [{ summary: Set ROW }]
    playbook: binlog-format-not-row
  - id: binlog.row_value_options
    title: Partial JSON updates are off
    why: PARTIAL_JSON events cannot be decoded by most readers.
    applies: [{ flavor: mysql, version: ">=8.0.3" }]
    probe: { variable: binlog_row_value_options }
    expect: [{ op: empty }]
    severity: warn
    fixes: [{ summary: Turn PARTIAL_JSON off }]
    playbook: partial-json
  - id: binlog.row_metadata
    title: Row metadata is FULL
    why: Column names travel with the events.
    applies: [{ flavor: mysql, version: ">=8.0.1" }, { flavor: mariadb, version: ">= 10.5" }]
    probe: { variable: binlog_row_metadata }
    expect: [{ op: eq, value: FULL }]
    severity: warn
    profiles:
      dms: { applies: false }
    fixes: [{ summary: Set FULL }]
    playbook: binlog-row-metadata
  - id: binlog.retention
    title: Binlogs are kept long enough
    why: A reader that falls behind needs the files it has not read yet.
    applies: [{ platform: [rds, aurora] }]
    probe: { builtin: binlog.retention }
    expect: [{ op: gte, value: 86400 }]
    fixes: [{ summary: Keep binlogs for a week }]
    playbook: binlog-retention
"#;

    fn specs() -> Vec<CheckSpec> {
        parse_file("specs.yaml", SPECS).unwrap()
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render_catalogue_width(&specs(), false, DEFAULT_WIDTH));
    }

    #[test]
    fn applies_compactly() {
        let s = specs();
        assert_eq!(applies(&s[0]), "all");
        assert_eq!(applies(&s[1]), "mysql >=8.0.3");
        assert_eq!(applies(&s[2]), "mysql >=8.0.1; mariadb >=10.5 (not dms)");
        assert_eq!(applies(&s[3]), "on rds/aurora");
    }

    #[test]
    fn color_only_when_asked() {
        assert!(!render_catalogue_width(&specs(), false, 100).contains('\x1b'));
        assert!(render_catalogue_width(&specs(), true, 100).contains("\x1b[31mfail\x1b[0m"));
    }
}
