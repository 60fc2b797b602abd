//! Loading the playbooks compiled into the binary, validated like checks.

use regex::{Regex, RegexBuilder};

use super::spec::Playbook;
use crate::checks::load::{validate_probe, validate_rules, LoadError};
use crate::checks::spec::Probes;

include!(concat!(env!("OUT_DIR"), "/builtin_playbooks.rs"));

#[derive(Debug, Clone)]
pub struct Library {
    pub playbooks: Vec<Playbook>,
}

impl Library {
    pub fn load() -> Result<Library, LoadError> {
        let mut playbooks = Vec::with_capacity(BUILTIN_PLAYBOOKS.len());
        for (name, text) in BUILTIN_PLAYBOOKS {
            playbooks.push(parse_file(name, text)?);
        }
        Ok(Library { playbooks })
    }

    pub fn get(&self, id: &str) -> Option<&Playbook> {
        self.playbooks.iter().find(|p| p.id == id)
    }
}

/// A playbook's error pattern as matched: case-insensitive.
pub fn compile_pattern(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern).case_insensitive(true).build()
}

pub(crate) fn parse_file(name: &str, text: &str) -> Result<Playbook, LoadError> {
    let err = |line: Option<usize>, field: &str, message: String| LoadError {
        file: name.to_string(),
        line,
        field: field.to_string(),
        message,
    };
    let playbook: Playbook =
        serde_yaml::from_str(text).map_err(|e| LoadError::from_yaml(name, &e))?;
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).map(|i| i + 1);
    let stem = name
        .rsplit('/')
        .next()
        .unwrap_or(name)
        .trim_end_matches(".yaml");
    if playbook.id != stem {
        return Err(err(
            line_of("id:"),
            "id",
            format!("id {:?} must equal the file name {stem:?}", playbook.id),
        ));
    }
    let kebab = Regex::new(r"^[a-z0-9]+(-[a-z0-9]+)*$").expect("static regex");
    if !kebab.is_match(&playbook.id) {
        return Err(err(line_of("id:"), "id", "must be kebab-case".into()));
    }
    for (i, e) in playbook.errors.iter().enumerate() {
        compile_pattern(&e.pattern).map_err(|x| {
            err(
                line_of(&e.pattern),
                &format!("errors[{i}].pattern"),
                format!("bad regex: {x}"),
            )
        })?;
        if e.weight.is_some_and(|w| !(1..=10).contains(&w)) {
            return Err(err(
                line_of(&e.pattern),
                &format!("errors[{i}].weight"),
                "must be 1 to 10".into(),
            ));
        }
    }
    for (i, d) in playbook.diagnostics.iter().enumerate() {
        let field = format!("diagnostics[{i}]");
        for (j, probe) in d.probe.variants().into_iter().enumerate() {
            let at = match d.probe {
                Probes::One(_) => format!("{field}.probe"),
                Probes::Variants(_) => format!("{field}.probe[{j}]"),
            };
            validate_probe(probe).map_err(|e| err(line_of(&d.title), &at, e.to_string()))?;
        }
        validate_rules(&d.expect, &format!("{field}.expect"))
            .map_err(|(f, m)| err(line_of(&d.title), &f, m))?;
    }
    Ok(playbook)
}
