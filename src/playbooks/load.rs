//! Loading the playbooks compiled into the binary, validated like checks.

use regex::{Regex, RegexBuilder};

use super::spec::{Diagnostic, Playbook};
use crate::checks::catalogue::check::is_kebab;
use crate::checks::catalogue::probe::{probe_and_rules, Probed};
use crate::checks::catalogue::read::{regex_problem, Reader};
use crate::checks::catalogue::rule::when;
use crate::checks::catalogue::yaml::{self, Node, Value};
use crate::checks::catalogue::{LoadError, LoadErrors};

include!(concat!(env!("OUT_DIR"), "/builtin_playbooks.rs"));

#[derive(Debug, Clone)]
pub struct Library {
    pub playbooks: Vec<Playbook>,
}

impl Library {
    pub fn load() -> Result<Library, LoadErrors> {
        let mut playbooks = Vec::with_capacity(BUILTIN_PLAYBOOKS.len());
        let mut problems = LoadErrors::default();
        for (name, text) in BUILTIN_PLAYBOOKS {
            match parse_file(name, text) {
                Ok(p) => playbooks.push(p),
                Err(e) => problems.0.extend(e.0),
            }
        }
        problems.into_result(Library { playbooks })
    }

    pub fn get(&self, id: &str) -> Option<&Playbook> {
        self.playbooks.iter().find(|p| p.id == id)
    }
}

/// A playbook's error pattern as matched: case-insensitive.
pub fn compile_pattern(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern).case_insensitive(true).build()
}

pub(crate) fn parse_file(name: &str, text: &str) -> Result<Playbook, LoadErrors> {
    let mut playbook: Playbook =
        serde_yaml::from_str(text).map_err(|e| LoadError::from_yaml(name, &e))?;
    let mut r = Reader::new(name);
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .map_or(1, |i| i + 1)
    };
    let stem = name
        .rsplit('/')
        .next()
        .unwrap_or(name)
        .trim_end_matches(".yaml");
    if playbook.id != stem {
        r.problem(
            line_of("id:"),
            "id",
            format!("id {:?} must equal the file name {stem:?}", playbook.id),
        );
    }
    if !is_kebab(&playbook.id) {
        r.problem(line_of("id:"), "id", "must be kebab-case");
    }
    for (i, e) in playbook.errors.iter().enumerate() {
        if let Err(x) = compile_pattern(&e.pattern) {
            r.problem(
                line_of(&e.pattern),
                &format!("errors[{i}].pattern"),
                regex_problem(&x),
            );
        }
        if e.weight.is_some_and(|w| !(1..=10).contains(&w)) {
            r.problem(
                line_of(&e.pattern),
                &format!("errors[{i}].weight"),
                "must be 1 to 10",
            );
        }
    }
    // serde has checked the shape; the diagnostics are read again with their lines.
    match yaml::parse(text) {
        Ok(doc) => playbook.diagnostics = diagnostics(&mut r, &doc),
        Err(e) => r.problem(e.line, "", e.message),
    }
    r.problems.into_result(playbook)
}

const DIAGNOSTIC_FIELDS: &[&str] = &["title", "probe", "expect", "healthy", "when"];

fn diagnostics(r: &mut Reader, doc: &Node) -> Vec<Diagnostic> {
    let Value::Map(top) = &doc.value else {
        return Vec::new();
    };
    let Some((_, list)) = top.iter().find(|(k, _)| k.as_text() == Some("diagnostics")) else {
        return Vec::new();
    };
    r.each(list, "diagnostics", diagnostic)
        .map(|d| d.into_iter().flatten().collect())
        .unwrap_or_default()
}

fn diagnostic(r: &mut Reader, node: &Node, path: &str) -> Option<Diagnostic> {
    let f = r.fields(node, path, DIAGNOSTIC_FIELDS)?;
    let title = r
        .required(&f, "title")
        .and_then(|n| r.words(n, &f.path("title")));
    let healthy = r
        .required(&f, "healthy")
        .and_then(|n| r.text(n, &f.path("healthy")));
    let when = when(r, f.get("when"), &f.path("when"));
    let Probed { probe, expect, .. } = probe_and_rules(r, &f);
    Some(Diagnostic {
        title: title?,
        probe: probe?,
        expect: expect?,
        healthy: healthy?,
        when: when?,
    })
}
