//! Loading the catalogue: the built-in files compiled into the binary, then `--checks-dir`.
//! Any invalid file stops the run with its file, line and field named.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use regex::Regex;

use super::builtin;
use super::condition::version_matches;
use super::context::RULE_VARIABLES;
use super::spec::{CheckFile, CheckSpec, Condition, Op, Probe, Probes, Rule};
use crate::connection::server::Version;

/// The built-in check files, in the order doctor shows them.
pub(crate) const BUILTIN_FILES: [(&str, &str); 8] = [
    (
        "checks/connect.yaml",
        include_str!("../../checks/connect.yaml"),
    ),
    (
        "checks/server.yaml",
        include_str!("../../checks/server.yaml"),
    ),
    (
        "checks/binlog.yaml",
        include_str!("../../checks/binlog.yaml"),
    ),
    ("checks/gtid.yaml", include_str!("../../checks/gtid.yaml")),
    (
        "checks/replica.yaml",
        include_str!("../../checks/replica.yaml"),
    ),
    (
        "checks/grants.yaml",
        include_str!("../../checks/grants.yaml"),
    ),
    (
        "checks/tables.yaml",
        include_str!("../../checks/tables.yaml"),
    ),
    (
        "checks/position.yaml",
        include_str!("../../checks/position.yaml"),
    ),
];

/// A file that cannot be used (a check, playbook or answers file), pointing at the place to fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct LoadError {
    pub(crate) file: String,
    pub(crate) line: Option<usize>,
    pub(crate) field: String,
    pub(crate) message: String,
}

impl LoadError {
    /// A YAML syntax or shape error: serde_yaml names the field path, its location gives the line.
    pub(crate) fn from_yaml(file: &str, e: &serde_yaml::Error) -> LoadError {
        LoadError {
            file: file.to_string(),
            line: e.location().map(|l| l.line()),
            field: String::new(),
            message: strip_location(&e.to_string()),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Debug, Clone)]
pub struct Catalogue {
    pub specs: Vec<CheckSpec>,
}

impl Catalogue {
    /// The built-in checks, plus those of `extra_dir` (a check with a built-in's id replaces it
    /// in place; new ids come after the built-ins).
    pub fn load(extra_dir: Option<&Path>) -> Result<Catalogue, LoadError> {
        let mut specs = Vec::new();
        for (name, text) in BUILTIN_FILES {
            specs.extend(parse_file(name, text)?);
        }
        if let Some(dir) = extra_dir {
            for (name, text) in read_dir(dir)? {
                for spec in parse_file(&name, &text)? {
                    match specs.iter_mut().find(|s| s.id == spec.id) {
                        Some(slot) => *slot = spec,
                        None => specs.push(spec),
                    }
                }
            }
        }
        let ids: BTreeSet<&str> = specs.iter().map(|s| s.id.as_str()).collect();
        for spec in &specs {
            for dep in &spec.requires {
                if !ids.contains(dep.as_str()) {
                    return Err(LoadError {
                        file: "(catalogue)".into(),
                        line: None,
                        field: format!("{}.requires", spec.id),
                        message: format!("no check has id {dep:?}"),
                    });
                }
            }
        }
        Ok(Catalogue { specs })
    }

    #[cfg(test)]
    fn get(&self, id: &str) -> Option<&CheckSpec> {
        self.specs.iter().find(|s| s.id == id)
    }
}

fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, LoadError> {
    let err = |message: String| LoadError {
        file: dir.display().to_string(),
        line: None,
        field: String::new(),
        message,
    };
    let entries = std::fs::read_dir(dir).map_err(|e| err(format!("cannot read directory: {e}")))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| err(e.to_string()))?.path();
        let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if is_yaml {
            let text = std::fs::read_to_string(&path).map_err(|e| LoadError {
                file: path.display().to_string(),
                line: None,
                field: String::new(),
                message: format!("cannot read: {e}"),
            })?;
            files.push((path.display().to_string(), text));
        }
    }
    files.sort();
    Ok(files)
}

/// Parses and validates one file.
pub(crate) fn parse_file(name: &str, text: &str) -> Result<Vec<CheckSpec>, LoadError> {
    let file: CheckFile = serde_yaml::from_str(text).map_err(|e| LoadError::from_yaml(name, &e))?;
    let mut seen = BTreeSet::new();
    for (i, spec) in file.checks.iter().enumerate() {
        let at = |field: &str, message: String| LoadError {
            file: name.to_string(),
            line: line_of_id(text, &spec.id),
            field: format!("checks[{i}] ({}).{field}", spec.id),
            message,
        };
        if !seen.insert(spec.id.clone()) {
            return Err(at("id", "duplicate id in this file".into()));
        }
        validate(spec).map_err(|(field, message)| at(&field, message))?;
    }
    Ok(file.checks)
}

type Invalid = (String, String);

fn validate(spec: &CheckSpec) -> Result<(), Invalid> {
    let id_re = Regex::new(r"^[a-z0-9_]+\.[a-z0-9_]+$").expect("static regex");
    if !id_re.is_match(&spec.id) {
        return Err((
            "id".into(),
            "must look like area.name (lowercase, digits, _)".into(),
        ));
    }
    for (field, value) in [
        ("title", &spec.title),
        ("why", &spec.why),
        ("playbook", &spec.playbook),
    ] {
        if value.trim().is_empty() {
            return Err((field.into(), "must not be empty".into()));
        }
    }
    for (i, c) in spec.applies.iter().enumerate() {
        validate_condition(c).map_err(|e| (format!("applies[{i}].version"), e.to_string()))?;
    }
    let probes: Vec<&Probe> = match &spec.probe {
        Probes::One(p) => vec![p],
        Probes::Variants(ps) => ps.iter().collect(),
    };
    if probes.is_empty() {
        return Err(("probe".into(), "needs at least one probe".into()));
    }
    for (i, p) in probes.iter().enumerate() {
        validate_probe(p).map_err(|e| (format!("probe[{i}]"), e.to_string()))?;
    }
    validate_rules(&spec.expect, "expect")?;
    for (profile, over) in &spec.profiles {
        if let Some(rules) = &over.expect {
            validate_rules(rules, &format!("profiles.{profile}.expect"))?;
        }
    }
    for (i, f) in spec.fixes.iter().enumerate() {
        if let Some(c) = &f.when {
            validate_condition(c).map_err(|e| (format!("fixes[{i}].when"), e.to_string()))?;
        }
    }
    let judges_itself = probes.iter().all(|p| p.builtin.is_some());
    if spec.expect.is_empty() && !judges_itself {
        return Err((
            "expect".into(),
            "a variable or SQL probe needs at least one rule".into(),
        ));
    }
    Ok(())
}

/// A probe or a condition (`applies`, `when`) of a check or playbook file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum InvalidProbe {
    #[error("{0:?} is not a version requirement like \">=8.0.1, <8.4\"")]
    Version(String),
    /// None or several of variable, variables, sql, builtin.
    #[error("needs exactly one of variable, variables, sql, builtin")]
    Kind,
    #[error("unknown builtin {0:?} (known: {known})", known = builtin::NAMES.join(", "))]
    UnknownBuiltin(String),
    #[error(transparent)]
    NotReadOnly(#[from] NotReadOnly),
}

/// SQL a check file may not run: doctor only reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NotReadOnly {
    /// The statement's first word, upper-cased.
    #[error("sql must be a SELECT or SHOW statement (doctor never writes), not {0}")]
    NotAQuery(String),
    #[error("sql must be a single statement")]
    SeveralStatements,
}

fn validate_condition(c: &Condition) -> Result<(), InvalidProbe> {
    match &c.version {
        Some(v) if version_matches(v, Version::default()).is_none() => {
            Err(InvalidProbe::Version(v.clone()))
        }
        _ => Ok(()),
    }
}

pub(crate) fn validate_probe(p: &Probe) -> Result<(), InvalidProbe> {
    let kinds = [
        p.variable.is_some(),
        p.variables.is_some(),
        p.sql.is_some(),
        p.builtin.is_some(),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    if kinds != 1 {
        return Err(InvalidProbe::Kind);
    }
    if let Some(c) = &p.when {
        validate_condition(c)?;
    }
    if let Some(b) = &p.builtin {
        if !builtin::NAMES.contains(&b.as_str()) {
            return Err(InvalidProbe::UnknownBuiltin(b.clone()));
        }
    }
    if let Some(sql) = &p.sql {
        check_read_only(sql)?;
    }
    Ok(())
}

/// Doctor never writes: a probe may only read.
pub(crate) fn check_read_only(sql: &str) -> Result<(), NotReadOnly> {
    let first = sql
        .trim_start()
        .split(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    if !matches!(first.as_str(), "SELECT" | "SHOW" | "WITH") {
        return Err(NotReadOnly::NotAQuery(first));
    }
    if sql.trim().trim_end_matches(';').contains(';') {
        return Err(NotReadOnly::SeveralStatements);
    }
    Ok(())
}

pub(crate) fn validate_rules(rules: &[Rule], field: &str) -> Result<(), Invalid> {
    for (i, r) in rules.iter().enumerate() {
        let at = |m: String| (format!("{field}[{i}]"), m);
        let needs_value = !matches!(r.op, Op::Empty | Op::Nonempty);
        if needs_value && r.value.is_none() {
            return Err(at(format!("op {:?} needs a value", r.op)));
        }
        if let Some(c) = &r.when {
            validate_condition(c).map_err(|e| at(e.to_string()))?;
        }
        if let Some(name) = r.value.as_ref().and_then(super::rules::variable_name) {
            if !RULE_VARIABLES.contains(&name) {
                return Err(at(format!(
                    "unknown variable ${name} (known: {})",
                    RULE_VARIABLES.map(|v| format!("${v}")).join(", ")
                )));
            }
            if !matches!(r.op, Op::Gt | Op::Gte | Op::Lt | Op::Lte) {
                return Err(at(format!("${name} is a number: use gt, gte, lt or lte")));
            }
            continue;
        }
        let text = r.value.as_ref().and_then(super::rules::text);
        match r.op {
            Op::Regex | Op::NotRegex => {
                let pattern = text.unwrap_or_default();
                Regex::new(&pattern).map_err(|e| at(format!("bad regex: {e}")))?;
            }
            Op::Gt | Op::Gte | Op::Lt | Op::Lte
                if text
                    .as_deref()
                    .and_then(|t| t.parse::<f64>().ok())
                    .is_none() =>
            {
                return Err(at("needs a number".into()));
            }
            Op::VersionGte | Op::VersionLt
                if text.as_deref().and_then(Version::parse).is_none() =>
            {
                return Err(at("needs a version like 8.0.20".into()));
            }
            _ => {}
        }
    }
    Ok(())
}

fn line_of_id(text: &str, id: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start().trim_start_matches("- ").trim_start();
            l.strip_prefix("id:")
                .is_some_and(|rest| rest.trim().trim_matches(['"', '\'']) == id)
        })
        .map(|i| i + 1)
}

fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_loads_and_lists_every_file() {
        let c = Catalogue::load(None).unwrap();
        assert!(c.get("binlog.format").is_some());
        let on_disk: BTreeSet<String> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/checks"))
                .unwrap()
                .map(|e| format!("checks/{}", e.unwrap().file_name().to_string_lossy()))
                .filter(|n| n.ends_with(".yaml"))
                .collect();
        let compiled: BTreeSet<String> = BUILTIN_FILES.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(on_disk, compiled, "every checks/*.yaml must be compiled in");
    }

    #[test]
    fn the_documented_check_ids_exist() {
        // These ids are an interface: scripts match on them in JSON and JUnit output.
        let c = Catalogue::load(None).unwrap();
        for id in [
            "connect.tcp",
            "connect.auth",
            "connect.tls",
            "connect.private",
            "server.version",
            "binlog.enabled",
            "binlog.format",
            "binlog.row_image",
            "binlog.row_metadata",
            "binlog.row_value_options",
            "binlog.compression",
            "binlog.retention",
            "binlog.position",
            "binlog.filters",
            "gtid.mode",
            "server.id",
            "replica.log_updates",
            "grants.replication",
            "grants.snapshot",
            "tables.primary_key",
            "tables.engine",
            "server.time_zone",
            "server.timeouts",
            "position.available",
        ] {
            assert!(c.get(id).is_some(), "check {id} is missing");
        }
    }

    #[test]
    fn a_bad_operator_names_file_line_and_field() {
        let text = "checks:\n  - id: x.y\n    title: t\n    why: w\n    playbook: p\n    probe: {variable: v}\n    expect:\n      - {op: eqq, value: 1}\n";
        let e = parse_file("mine.yaml", text).unwrap_err();
        assert_eq!(e.file, "mine.yaml");
        assert_eq!(e.line, Some(8));
        assert!(e.message.contains("checks[0].expect[0].op"), "{e}");
        assert!(e.message.contains("unknown variant `eqq`"), "{e}");
    }

    #[test]
    fn rule_variables_must_be_known_and_numeric() {
        let file = |expect: &str| {
            format!("checks:\n  - id: x.y\n    title: t\n    why: w\n    playbook: p\n    probe: {{variable: v}}\n    expect: [{expect}]\n")
        };
        assert!(parse_file("f", &file("{op: gte, value: $max_downtime}")).is_ok());
        let e = parse_file("f", &file("{op: gte, value: $max_dowtime}")).unwrap_err();
        assert!(e.message.contains("unknown variable $max_dowtime"), "{e}");
        let e = parse_file("f", &file("{op: eq, value: $max_downtime}")).unwrap_err();
        assert!(e.message.contains("is a number"), "{e}");
    }

    #[test]
    fn semantic_errors_name_the_check_and_field() {
        let text = "checks:\n  - id: x.y\n    title: t\n    why: w\n    playbook: p\n    probe: {sql: \"DELETE FROM t\"}\n    expect: [{op: empty}]\n";
        let e = parse_file("mine.yaml", text).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert_eq!(e.field, "checks[0] (x.y).probe[0]");
        assert!(e.message.contains("never writes"), "{e}");
        let text = "checks:\n  - id: x.y\n    title: t\n    why: w\n    playbook: p\n    probe: {variable: v}\n    expect: [{op: gte, value: lots}]\n";
        let e = parse_file("mine.yaml", text).unwrap_err();
        assert_eq!(e.field, "checks[0] (x.y).expect[0]");
        assert_eq!(
            e.to_string(),
            "mine.yaml:2: checks[0] (x.y).expect[0]: needs a number"
        );
    }

    #[test]
    fn probe_errors_name_what_is_wrong() {
        let probe = |variable: Option<&str>, builtin: Option<&str>| Probe {
            variable: variable.map(str::to_string),
            builtin: builtin.map(str::to_string),
            ..Probe::default()
        };
        assert_eq!(validate_probe(&probe(None, None)), Err(InvalidProbe::Kind));
        assert_eq!(
            validate_probe(&probe(Some("v"), Some("grants"))),
            Err(InvalidProbe::Kind)
        );
        let e = validate_probe(&probe(None, Some("grant"))).unwrap_err();
        assert_eq!(e, InvalidProbe::UnknownBuiltin("grant".into()));
        assert!(
            e.to_string()
                .starts_with("unknown builtin \"grant\" (known: connect.tcp, connect.auth, "),
            "{e}"
        );
        let when = Condition {
            version: Some(">= soon".into()),
            ..Condition::default()
        };
        let e = validate_probe(&Probe {
            when: Some(when),
            ..probe(Some("v"), None)
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "\">= soon\" is not a version requirement like \">=8.0.1, <8.4\""
        );
    }

    #[test]
    fn read_only_guard() {
        assert!(check_read_only("SELECT 1").is_ok());
        assert!(check_read_only("  show master status").is_ok());
        assert!(check_read_only("WITH x AS (SELECT 1) SELECT * FROM x").is_ok());
        assert_eq!(
            check_read_only("SET GLOBAL x=1"),
            Err(NotReadOnly::NotAQuery("SET".into()))
        );
        assert_eq!(
            check_read_only("SELECT 1; DROP TABLE t")
                .unwrap_err()
                .to_string(),
            "sql must be a single statement"
        );
        assert_eq!(
            InvalidProbe::from(NotReadOnly::NotAQuery("DELETE".into())).to_string(),
            "sql must be a SELECT or SHOW statement (doctor never writes), not DELETE"
        );
    }
}
